"""Valid means it trains (issue 11 §3): every schema- and semantically-valid config builds a
model and a training wrapper and runs one optimizer step, or raises the one
:class:`~sat_config.errors.NotBuiltError` naming the part. Nothing else (no TypeError, KeyError,
shape error from deep inside).

Configs start from each kind's tiny example (``examples/<kind>-tiny.json``; ARC post-training is
its own "kind" here); hypothesis replaces sub-objects (encoders, bottlenecks, backbones,
conditioners, ARC heads, optimizers...) with parts generated from the schema
(hypothesis-jsonschema), with every integer capped small (depths at 2) so models stay tiny, keeps
the example's wiring keys most of the time (so that generated parts often fit together) and
varies ``sample_size``. Documents ``sat_config.validate`` rejects (errors) are skipped: the
assertion is about the ones it accepts. Each accepted one must end as "trained" (one optimizer
step), "not built" (the NotBuiltError), "missing file" (a generated checkpoint path, named by
CheckpointFileError), "too big" (built; more than MAX_PARAMETERS, not stepped) or "too slow"
(the step overran its time budget); any other exception fails the test with the config.

Every failure this test found became a semantic check or a runtime fix; see the cases marked
"found by the property test" in tests/checks/test_semantic.py. SAT_PROPERTY_TALLY=FILE writes
the counts per kind.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import sat_config
from sat_config.errors import NotBuiltError
from sat_config.training.errors import CheckpointFileError
from test_engines import inlined

torch = pytest.importorskip("torch")
pytest.importorskip("pytorch_lightning")
pytest.importorskip("hypothesis_jsonschema")

REPO = Path(__file__).resolve().parents[2]
INT_CAP = 16
SMALL_KEYS = {"depth": 2, "num_layers": 2, "n_layers": 2, "num_blocks": 2, "num_quantizers": 4,
              "n_codebooks": 4, "num_heads": 4, "heads": 4, "transformer_depths": 2}
MAX_ITEMS = 4
MAX_PARAMETERS = 300_000
"""Larger generated models are built (the build is what can fail) but not stepped."""
STEP_SECONDS = 20.0
"""Steps running longer are stopped and counted "too slow" (see ``_time_budget``); the default
suite allows FAST_STEP_SECONDS."""
FAST_STEP_SECONDS = 8.0
FAST_EXAMPLES = 12
"""Valid generated configs per kind in the default suite (invalid ones come on top)."""
SLOW_EXAMPLES = int(os.environ.get("SAT_PROPERTY_EXAMPLES", 150))
"""Valid generated configs per kind in the slow test (SAT_PROPERTY_EXAMPLES overrides)."""

# Every conditioner type, each its own strategy: generating from ConditionerSpec's `oneOf`
# means checking each draw against the nine other branches (minutes per example). The
# pretransform-carrying types leave out their `pretransform_config` (a whole autoencoder config,
# as slow) and so read the model's pretransform, or fail validation.
CONDITIONERS = tuple(f"/$defs/{name}Conditioner" for name in (
    "T5", "ClapText", "Int", "Number", "List", "Phoneme", "Lut", "Pretransform", "SourceMix"))
WITHOUT = {"/$defs/PretransformConditioner": ("config/pretransform_config",),
           "/$defs/SourceMixConditioner": ("config/pretransform_config",)}

# kind -> [(schema, pointer or pointers, path in the example where the generated part goes
#           [, properties left out: the example's values stay])]
PARTS: dict[str, list[tuple]] = {
    "autoencoder": [
        ("autoencoder_parts", "/$defs/EncoderSpec", ("model", "encoder")),
        ("autoencoder_parts", "/$defs/DecoderSpec", ("model", "decoder")),
        ("autoencoder_parts", "/$defs/Bottleneck", ("model", "bottleneck")),
        ("autoencoder", "/$defs/AutoencoderSpectralLoss", ("training", "loss_configs", "spectral")),
        ("autoencoder", "/$defs/AutoencoderDiscriminatorLoss",
         ("training", "loss_configs", "discriminator")),
        ("common", "/$defs/OptimizerGroup", ("training", "optimizer_configs", "autoencoder")),
    ],
    "diffusion_uncond": [
        ("diffusion_uncond", "/$defs/DiffusionUncondModel", ("model",)),
        ("diffusion_parts", "/$defs/DitUncondConfig", ("model", "config")),
    ],
    "diffusion_cond": [
        ("diffusion_parts", "/$defs/DitCondConfig", ("model", "diffusion", "config")),
        ("diffusion_parts", "/$defs/NumberConditioner", ("model", "conditioning", "configs", 0)),
        # a conditioner of any type added (t5 and lut from the offline Hugging Face cache)
        ("diffusion_parts", CONDITIONERS, ("model", "conditioning", "configs", 9)),
        ("diffusion_parts", "/$defs/TimestepSamplerOptions", ("training", "timestep_sampler_options")),
        ("common", "/$defs/OptimizerGroup", ("training", "optimizer_configs", "diffusion")),
    ],
    "diffusion_cond_arc": [
        # teacher and discriminator base models are whole model configs (the example's
        # use_model_as_* stay unless generated); the discriminator is its own part
        ("diffusion_parts", "/$defs/ArcConfig", ("training", "arc"),
         ("teacher_model", "discriminator_base_model", "discriminator")),
        ("diffusion_parts", "/$defs/ArcDiscriminator", ("training", "arc", "discriminator")),
        ("diffusion_parts", "/$defs/ArcNoiseDist", ("training", "arc", "noise_dist")),
        ("diffusion_parts", "/$defs/DitCondConfig", ("model", "diffusion", "config")),
    ],
    "diffusion_cond_inpaint": [
        ("diffusion_parts", "/$defs/DitCondConfig", ("model", "diffusion", "config")),
        ("common", "/$defs/InpaintingConfig", ("training", "inpainting")),
    ],
    "diffusion_autoencoder": [
        ("autoencoder_parts", "/$defs/EncoderSpec", ("model", "encoder")),
        ("autoencoder_parts", "/$defs/Bottleneck", ("model", "bottleneck")),
        ("diffusion_autoencoder", "/$defs/DaeDiffusion", ("model", "diffusion")),
    ],
    "lm": [
        ("lm", "/$defs/LMBackboneConfig", ("model", "lm", "config")),
        ("autoencoder_parts", "/$defs/Bottleneck", ("model", "pretransform", "config",
                                                    "bottleneck")),
    ],
}
KINDS = sorted(PARTS)
SAMPLE_SIZES = [1024, 2048, 3000, 4096, 8192]
TALLY: dict[str, dict[str, int]] = {}


def _capped(node: Any, key: str | None = None) -> Any:
    """``node`` (an inlined schema) with integers capped small and arrays short."""
    if isinstance(node, list):
        return [_capped(v, key) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for k, v in node.items():
        if k in ("properties", "patternProperties"):
            out[k] = {name: _capped(s, name) for name, s in v.items()}
        elif k in ("const", "enum", "required", "dependentRequired"):
            out[k] = v
        else:
            out[k] = _capped(v, key)
    types = out.get("type")
    types = [types] if isinstance(types, str) else types or []
    if "integer" in types:
        cap = max(SMALL_KEYS.get(key, INT_CAP), out.get("minimum", 0),
                  out.get("exclusiveMinimum", -1) + 1)
        out["maximum"] = min(out.get("maximum", cap), cap)
    if "number" in types:
        out["maximum"] = min(out.get("maximum", 10), max(10, out.get("minimum", 0)))
        out["minimum"] = max(out.get("minimum", -10), min(-10, out.get("maximum", 0)))
    if "array" in types:
        out["maxItems"] = min(out.get("maxItems", MAX_ITEMS), max(MAX_ITEMS, out.get("minItems", 0)))
        if key in SMALL_KEYS and isinstance(out.get("items"), dict):
            out["items"] = {**out["items"], "maximum": SMALL_KEYS[key]}
    return out


_STRATEGIES: dict[tuple, Any] = {}


def _without(node: dict, paths: tuple[str, ...]) -> dict:
    """``node`` (an object schema) without the properties at ``paths`` ("a/b": property b of
    property a), nor their ``required`` entries."""
    node = copy.deepcopy(node)
    for path in paths:
        *parents, name = path.split("/")
        target = node
        for parent in parents:
            target = target["properties"][parent]
        target["properties"].pop(name, None)
        if name in target.get("required", ()):
            target["required"] = [r for r in target["required"] if r != name]
    return node


def _part(schema: str, pointer: str | tuple[str, ...], leave_out: tuple[str, ...] = ()):
    from hypothesis_jsonschema import from_schema

    if isinstance(pointer, tuple):
        return st.one_of([_part(schema, p) for p in pointer])
    key = (schema, pointer, leave_out)
    if key not in _STRATEGIES:
        node = _without(inlined(schema, pointer), leave_out + WITHOUT.get(pointer, ()))
        _STRATEGIES[key] = from_schema(_capped(node))
    return _STRATEGIES[key]


def example(kind: str) -> dict:
    doc = json.loads((REPO / "examples" / f"{kind}-tiny.json").read_text())
    doc.pop("$schema", None)
    if "use_ema" in doc["training"]:
        doc["training"]["use_ema"] = False
    return doc


def _get(doc: dict, path: tuple) -> Any:
    node: Any = doc
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _overlay(draw, old: dict, new: dict) -> dict:
    """``old`` with some keys of ``new`` (recursively into ``config`` of the same ``type``)."""
    if old.get("type", None) == new.get("type", None) and isinstance(old.get("config"), dict) \
            and isinstance(new.get("config"), dict):
        return {**old, "config": _overlay(draw, old["config"], new["config"])}
    if "type" in new and old.get("type") != new.get("type"):
        return new
    keys = draw(st.sets(st.sampled_from(sorted(new)), max_size=3)) if new else set()
    return {**old, **{k: new[k] for k in keys}}


def _place(doc: dict, path: tuple, part: Any) -> None:
    parent = doc
    for key in path[:-1]:
        parent = parent.setdefault(key, {}) if isinstance(key, str) else parent[key]
    if isinstance(path[-1], int) and path[-1] >= len(parent):
        parent.append(part)
    else:
        parent[path[-1]] = part


# Keys that wire one part to another (channel counts, widths, the ids a backbone reads). A
# generated part keeps the example's value for such a key most of the time, so that generated
# configs are often consistent; the rest of the time the generated value stays and validation
# must catch the mismatch.
WIRING = frozenset({"in_channels", "out_channels", "io_channels", "latent_dim", "dim",
                    "input_dim", "cond_dim", "cond_token_dim", "global_cond_dim",
                    "prepend_cond_dim", "cross_attn_cond_dim", "cross_attention_cond_ids",
                    "global_cond_ids", "prepend_cond_ids", "input_concat_ids", "embed_dim",
                    "num_heads", "dim_heads", "patch_size"})
# the metadata key a conditioner added under the id "extra" falls back to, by its input
_EXTRA_INPUT = {"number": "seconds_start", "int": "seconds_start"}


def _wires(doc: dict) -> dict[str, Any]:
    """The example's wiring values anywhere in ``doc`` (the first of each key), with a
    bottleneck's ``dim``/``input_dim`` taken from the latent width it must produce."""
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in WIRING and not isinstance(value, (dict, bool)):
                    found.setdefault(key, value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    model = doc.get("model", {})
    latent = model.get("latent_dim") or _get(model, ("pretransform", "config", "latent_dim"))
    if latent:
        found.update(dim=latent, input_dim=latent)
    walk(doc)
    return found


def _rewire(draw, new: Any, old: Any, wires: dict[str, Any]) -> Any:
    """``new`` with its wiring keys set to the example's values (``old`` at the same place,
    else ``wires``), each kept generated with probability 1/6."""
    if isinstance(new, list):
        return [_rewire(draw, v, old[i] if isinstance(old, list) and i < len(old) else None,
                        wires) for i, v in enumerate(new)]
    if not isinstance(new, dict):
        return new
    out = {}
    for key, value in new.items():
        before = old.get(key) if isinstance(old, dict) else None
        if key in WIRING and not isinstance(value, dict):
            target = before if before is not None else wires.get(key)
            if target is not None and draw(st.integers(0, 5)) > 0:
                value = copy.deepcopy(target)
        out[key] = _rewire(draw, value, before, wires)
    return out


@st.composite
def trainable_candidates(draw, kind: str) -> dict:
    doc = example(kind)
    wires = _wires(doc)
    chosen = draw(st.lists(st.sampled_from(PARTS[kind]), min_size=1, max_size=2, unique=True))
    for schema, pointer, path, *leave_out in chosen:
        leave_out = tuple(leave_out[0]) if leave_out else ()
        part = draw(_part(schema, pointer, leave_out))
        old = _get(doc, path)
        if leave_out and isinstance(old, dict):
            part = {**{k: old[k] for k in leave_out if k in old}, **part}
        if draw(st.booleans()) and isinstance(old, dict) and isinstance(part, dict):
            # vary a few keys of the example's part; whole parts rarely agree with the rest
            part = _overlay(draw, old, part)
        _place(doc, path, _rewire(draw, part, old, wires))
    _feed_conditioners(draw, doc)
    _cpu_only(doc)
    if draw(st.booleans()):
        doc["sample_size"] = draw(st.sampled_from(SAMPLE_SIZES))
    return doc


def _feed_conditioners(draw, doc: dict) -> None:
    """Generated conditioners read metadata the synthetic dataset has: a replaced first one the
    key it replaced, an added one (id "extra") a fallback key; text models and tokenizers come
    from the offline cache (``hf_cache``)."""
    conditioning = doc["model"].get("conditioning")
    configs = conditioning.get("configs") if isinstance(conditioning, dict) else None
    if not isinstance(configs, list):
        return
    original = example_ids(doc)
    for i, spec in enumerate(configs):
        if not isinstance(spec, dict):
            continue
        config = spec.get("config")
        if isinstance(config, dict) and spec.get("type") == "lut":
            config["tokenizer_name"] = "t5-base"
        if i < len(original):
            spec["id"] = original[i]
        else:
            spec["id"] = "extra"
            conditioning.setdefault("default_keys", {})["extra"] = _EXTRA_INPUT.get(
                spec.get("type"), "prompt")
            ids = doc["model"].get("diffusion", doc["model"].get("lm", {}))
            if isinstance(ids, dict) and draw(st.booleans()):
                ids.setdefault("cross_attention_cond_ids", []).append("extra")


def example_ids(doc: dict) -> list[str]:
    source = example(_kind_of(doc))
    return [c["id"] for c in source["model"].get("conditioning", {}).get("configs", [])]


def _kind_of(doc: dict) -> str:
    if doc["model_type"] == "diffusion_cond" and "arc" in doc.get("training", {}):
        return "diffusion_cond_arc"
    return doc["model_type"]


def _cpu_only(node: Any) -> None:
    """``capturable`` optimizers need a GPU (torch asserts on CPU): valid, but not here."""
    if isinstance(node, dict):
        if node.get("capturable") is True:
            node["capturable"] = False
        for value in node.values():
            _cpu_only(value)
    elif isinstance(node, list):
        for value in node:
            _cpu_only(value)


def semantically_valid(doc: dict) -> bool:
    return not any(i.severity == "error" for i in sat_config.validate(doc))


class _TooSlow(Exception):
    pass


@contextlib.contextmanager
def _time_budget(seconds: float):
    """Raise ``_TooSlow`` in the step once it has run ``seconds`` (SIGALRM; where that is not
    available the step runs to its end). Generated convolutional backbones at audio rate can
    take minutes per CPU step with few parameters: the budget bounds compute as
    ``MAX_PARAMETERS`` bounds size."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def train_one_step(doc: dict, tmp_path: Path, seconds: float = STEP_SECONDS) -> str:
    """Build and run one step: "trained", "not built: <message>", "missing file: <message>" (a
    checkpoint path the config names does not exist), "too big" (built, not stepped) or "too
    slow" (the step ran past ``seconds``)."""
    from training_helpers import build, fit

    try:
        _, model, wrapper = build(doc)
    except NotBuiltError as e:
        return f"not built: {e}"
    except CheckpointFileError as e:  # a generated checkpoint path: the file is named, cleanly
        return f"missing file: {e}"
    if sum(p.numel() for p in model.parameters()) > MAX_PARAMETERS:
        return "too big"
    try:  # optimizers are built when training starts
        with _time_budget(seconds):
            trainer = fit(wrapper, 1, tmp_path, batch_size=2)
    except NotBuiltError as e:
        return f"not built: {e}"
    except _TooSlow:
        return "too slow"
    assert trainer.global_step >= 1, "no optimizer step ran"
    return "trained"


def _check(kind: str, doc: dict, tmp_path: Path, seconds: float) -> None:
    tally = TALLY.setdefault(kind, {"tried": 0, "valid": 0, "trained": 0})
    tally["tried"] += 1
    assume(semantically_valid(doc))
    tally["valid"] += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = train_one_step(doc, tmp_path, seconds)
    label = outcome.split(":")[0]
    tally[label] = tally.get(label, 0) + 1
    event(label)


SETTINGS = dict(deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def hf_cache(tmp_path_factory):
    """Every T5 name the schema admits, as a tiny offline model (t5 conditioners), and their
    ByT5 tokenizer (lut conditioners read "t5-base")."""
    pytest.importorskip("transformers")
    from offline_hf import TINY_T5, offline_hf_cache

    names = inlined("diffusion_parts", "/$defs/T5ConditionerConfig")["properties"][
        "t5_model_name"]["enum"]
    with offline_hf_cache(tmp_path_factory.mktemp("hf_home"), dict.fromkeys(names, TINY_T5)):
        yield names


@pytest.fixture(scope="module", autouse=True)
def _report_tally():
    """With SAT_PROPERTY_TALLY=FILE, the counts per kind are written there (JSON lines)."""
    yield
    target = os.environ.get("SAT_PROPERTY_TALLY")
    if target and TALLY:
        with open(target, "a") as f:
            f.write(json.dumps(TALLY) + "\n")


@pytest.mark.parametrize("kind", KINDS)
def test_tiny_examples_train(kind: str, tmp_path: Path) -> None:
    doc = example(kind)
    assert semantically_valid(doc)
    assert train_one_step(doc, tmp_path) == "trained"


def _property(kind: str, tmp_path_factory, examples: int, derandomize: bool,
              seconds: float) -> None:
    before = dict(TALLY.get(kind, {}))

    @settings(max_examples=examples, derandomize=derandomize, **SETTINGS)
    @given(trainable_candidates(kind))
    def run(doc: dict) -> None:
        _check(kind, doc, tmp_path_factory.mktemp(kind), seconds)

    run()
    trained = TALLY[kind].get("trained", 0) - before.get("trained", 0)
    assert trained >= 1, f"no generated {kind} config trained: {TALLY[kind]}"


@pytest.mark.parametrize("kind", KINDS)
def test_valid_configs_train_or_name_the_unbuilt_part(kind: str, hf_cache,
                                                       tmp_path_factory) -> None:
    """A few dozen generated configs per kind (fixed seed); the slow test below runs more."""
    _property(kind, tmp_path_factory, FAST_EXAMPLES, derandomize=True,
              seconds=FAST_STEP_SECONDS)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_many_valid_configs_train_or_name_the_unbuilt_part(kind: str, hf_cache,
                                                           tmp_path_factory) -> None:
    _property(kind, tmp_path_factory, SLOW_EXAMPLES, derandomize=False, seconds=STEP_SECONDS)


def test_fused_adam_without_deepspeed_is_not_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the property test: FusedAdam raised ImportError from configure_optimizers."""
    import sys

    from sat_config.training.optim import create_optimizer

    monkeypatch.setitem(sys.modules, "deepspeed", None)
    doc = example("diffusion_cond")
    doc["training"].pop("learning_rate")
    doc["training"]["optimizer_configs"] = {"diffusion": {"optimizer": {
        "type": "FusedAdam", "config": {"lr": 1e-3}}}}
    spec = sat_config.load_config(doc)
    optimizer = spec.training.optimizer_configs.diffusion.optimizer
    with pytest.raises(NotBuiltError, match="FusedAdam.*DeepSpeed"):
        create_optimizer(optimizer, [torch.nn.Parameter(torch.zeros(1))])
