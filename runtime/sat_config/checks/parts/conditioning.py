"""Conditioning checks shared by conditional diffusion models and language models.

Upstream's ``MultiConditioner`` runs every conditioner in ``model.conditioning.configs`` on every
batch and hands the results, keyed by id, to the model, which looks up the ids listed in its
``*_cond_ids``. These checks make sure the ids exist (the inpainting pseudo-ids only as input-concat
inputs), that the demo conditioning carries what the conditioners read, and give the
diffusion/LM checks the width and token count of each conditioner output.
"""

from __future__ import annotations

import difflib

from ...errors import Issue, err, warn
from ...schema.facts import defaults
from .autoencoder import check_autoencoder_model, encoded_channels

INPAINT_IDS = ("inpaint_mask", "inpaint_masked_input")
_CONDITIONING = ("diffusion_cond", "model", "conditioning")  # the same definition for LMs
_CONDITIONING_DEFAULTS = defaults(*_CONDITIONING)
_CONFIG_DEFAULTS = {kind: defaults(*_CONDITIONING, "configs", "[]", f"type={kind}", "config")
                    for kind in ("t5", "clap_text", "lut", "pretransform", "source_mix")}
_RANGE_DEFAULTS = {kind: defaults(*_CONDITIONING, "configs", "[]", f"type={kind}", "config")
                   for kind in ("int", "number")}
# laion-clap's tokenizer pads every prompt to 77 tokens (CLAP text features are per token).
_CLAP_TEXT_TOKENS = 77
_ONE_TOKEN = frozenset({"int", "number", "list", "clap_audio"})
# Conditioners whose inputs are tensors (audio or latents): JSON demo_cond cannot feed them.
_TENSOR_INPUTS = frozenset({"pretransform", "source_mix", "clap_audio"})
_AUDIO_CONDITIONERS = frozenset({"pretransform", "source_mix"})
# Sequence-concatenated inputs also concatenate masks (pre-encoded inputs have none).
_MASKED_KEYS = frozenset({"cross_attention_cond_ids", "prepend_cond_ids"})


class Conditioning:
    """Facts about ``model.conditioning`` computed once per check run."""

    __slots__ = ("path", "specs", "index", "widths", "pre_encoded", "default_keys", "tensor_ids")

    def __init__(self, model: dict, path: str):
        cond = model.get("conditioning") or {}
        self.path = path
        self.specs: dict[str, dict] = {}
        self.index: dict[str, int] = {}
        self.widths: dict[str, int | None] = {}
        """Feature width (``output_dim``) of each conditioner; None if unknown."""
        cond_dim = cond.get("cond_dim")
        for i, spec in enumerate(cond.get("configs") or ()):
            cond_id = spec["id"]
            if cond_id not in self.specs:
                self.specs[cond_id], self.index[cond_id] = spec, i
                self.widths[cond_id] = spec["config"].get("output_dim", cond_dim)
        self.pre_encoded = cond.get("pre_encoded_keys", _CONDITIONING_DEFAULTS["pre_encoded_keys"])
        self.default_keys = cond.get("default_keys", _CONDITIONING_DEFAULTS["default_keys"])
        # conditioners fed tensors (audio or latents), which JSON demo_cond cannot hold
        self.tensor_ids = [i for i, spec in self.specs.items()
                           if spec["type"] in _TENSOR_INPUTS or i in self.pre_encoded]

    def width(self, cond_id: str) -> int | None:
        return self.widths.get(cond_id)

    def tokens(self, cond_id: str) -> int | None:
        """Sequence length the conditioner outputs; None when it varies or is not a sequence."""
        spec = self.specs.get(cond_id)
        kind = spec and spec["type"]
        if kind in _ONE_TOKEN:
            return 1
        if kind in ("t5", "lut"):
            return spec["config"].get("max_length", _CONFIG_DEFAULTS[kind]["max_length"])
        if kind == "clap_text":
            features = spec["config"].get("use_text_features",
                                          _CONFIG_DEFAULTS["clap_text"]["use_text_features"])
            return _CLAP_TEXT_TOKENS if features else 1
        return None


def closest(word: str, options: list[str]) -> str | None:
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else None


def check_conditioning(out: list[Issue], model: dict, top: dict, conds: Conditioning,
                       used: set[str]) -> None:
    """Ids unique, ``pre_encoded_keys``/``default_keys`` name conditioners, audio conditioners
    fit their pretransform, and every conditioner is used somewhere (``used``)."""
    cond = model.get("conditioning")
    if not cond:
        return
    path, index = conds.path, conds.index
    for i, spec in enumerate(cond["configs"]):
        cond_id = spec["id"]
        if index[cond_id] != i:
            out.append(err(f"{path}.configs[{i}].id", f"conditioner id {cond_id!r} is already "
                           f"used by configs[{index[cond_id]}]: the later one silently replaces "
                           "it", "duplicate-cond-id", "give every conditioner its own id"))
        elif cond_id == "" or "." in cond_id:
            out.append(err(f"{path}.configs[{i}].id", f"conditioner id {cond_id!r} names a "
                           "submodule (conditioner.conditioners.<id>): an empty id or one with "
                           "'.' fails the build with KeyError", "cond-id-name",
                           "use an id without '.', e.g. "
                           f"{(cond_id.replace('.', '_') or 'prompt')!r}"))
        elif cond_id not in used:
            out.append(warn(f"{path}.configs[{i}].id", f"conditioner {cond_id!r} is not listed in "
                            "any *_cond_ids: it still runs on every batch and its metadata key "
                            "is still required", "unused-conditioner"))
        _check_range(out, spec, f"{path}.configs[{i}].config")
        if spec["type"] in _AUDIO_CONDITIONERS:
            _check_audio_conditioner(out, spec, f"{path}.configs[{i}]", model, top,
                                     cond.get("cond_dim"))
    for i, key in enumerate(cond.get("pre_encoded_keys") or ()):
        if key not in index:
            out.append(err(f"{path}.pre_encoded_keys[{i}]", f"{key!r} is not a conditioner id",
                           "unknown-cond-id", _hint(key, list(index))))
    for key in cond.get("default_keys") or ():
        if key not in index:
            out.append(warn(f"{path}.default_keys.{key}", f"{key!r} is not a conditioner id: "
                            "this fallback is never used", "unknown-cond-id",
                            closest(key, list(index))))


def _check_range(out: list[Issue], spec: dict, path: str) -> None:
    """``int``/``number`` conditioners: a range the embedding can be built on (found by the
    "valid means it trains" property test)."""
    kind = spec["type"]
    if kind not in _RANGE_DEFAULTS:
        return
    low = spec["config"].get("min_val", _RANGE_DEFAULTS[kind]["min_val"])
    high = spec["config"].get("max_val", _RANGE_DEFAULTS[kind]["max_val"])
    if kind == "number" and low == high:
        out.append(err(f"{path}.max_val", f"min_val and max_val are both {low}: the number "
                       "conditioner normalises by max_val - min_val, which is zero",
                       "empty-range", "give max_val a value above min_val"))
    elif kind == "int" and high < low:
        out.append(err(f"{path}.max_val", f"max_val {high} is below min_val {low}: the int "
                       f"conditioner's table would have {high - low + 1} rows (the build "
                       "fails)", "empty-range", "give max_val a value of at least min_val"))


def _hint(word: str, options: list[str]) -> str:
    return closest(word, options) or (f"one of: {', '.join(options)}" if options
                                      else "add a conditioner with this id")


def _check_audio_conditioner(out: list[Issue], spec: dict, path: str, model: dict, top: dict,
                             cond_dim: int | None) -> None:
    """``pretransform``/``source_mix`` conditioners: the pretransform they encode with."""
    kind, cfg = spec["type"], spec["config"]
    # use_model_pretransform without a model pretransform is a schema rule
    if cfg.get("use_model_pretransform", _CONFIG_DEFAULTS[kind]["use_model_pretransform"]):
        pretransform = model.get("pretransform")
    else:
        pretransform = cfg.get("pretransform_config")
        if pretransform and pretransform.get("type") == "autoencoder":
            inner = pretransform["config"]
            # the conditioner converts its audio to the pretransform's own channel count
            check_autoencoder_model(out, inner, f"{path}.config.pretransform_config.config", top,
                                    audio_channels=inner["io_channels"])
    channels = encoded_channels(pretransform)
    width = cfg.get("output_dim", cond_dim)
    if channels is None or width is None:
        return
    if kind == "pretransform" and width != channels:
        out.append(err(f"{path}.config.output_dim", f"output_dim is {width} but the pretransform "
                       f"encodes {channels} channels: the projection then runs over the time "
                       "axis and fails", "pretransform-cond-output-dim",
                       f"set output_dim to {channels}"))
    if kind == "source_mix" and width == channels:
        out.append(err(f"{path}.config.output_dim", f"output_dim equals the pretransform's "
                       f"{channels} encoded channels: the conditioner then has no projection and "
                       "its forward fails reading the projection's dtype (StopIteration)",
                       "source-mix-output-dim",
                       "use an output_dim different from the encoded channels"))


def check_references(out: list[Issue], owner: dict, owner_path: str, keys: tuple[str, ...],
                     conds: Conditioning, *, inpaint_ids: bool) -> set[str]:
    """Every id in ``owner[key]`` names a conditioner (or, where ``inpaint_ids``, one of the
    inpainting pseudo-ids in ``input_concat_ids``; listing them without training.inpainting is
    a schema rule: upstream fails the first step with a KeyError). Returns the ids used."""
    specs, pre_encoded = conds.specs, conds.pre_encoded
    used: set[str] = set()
    for key in keys:
        ids = owner.get(key)
        if not ids:
            continue
        used.update(ids)
        masked = key in _MASKED_KEYS
        for i, cond_id in enumerate(ids):
            if cond_id in specs:
                if masked and cond_id in pre_encoded:
                    what = key.removesuffix("_ids").replace("_", "-")
                    out.append(err(f"{owner_path}.{key}[{i}]", f"{cond_id!r} is pre-encoded: it "
                                   f"carries no mask, and {what} concatenates masks",
                                   "pre-encoded-with-mask",
                                   "use it in input_concat_ids or global_cond_ids"))
            elif inpaint_ids and cond_id in INPAINT_IDS:
                if key != "input_concat_ids":
                    out.append(err(f"{owner_path}.{key}[{i}]", f"{cond_id!r} is a (batch, "
                                   "channels, time) signal the inpainting wrapper adds; only "
                                   "input_concat_ids can use it", "inpaint-id-placement",
                                   "move it to input_concat_ids"))
            else:
                options = list(specs) + (list(INPAINT_IDS) if inpaint_ids else [])
                out.append(err(f"{owner_path}.{key}[{i}]", f"{cond_id!r} is not a conditioner "
                               "id", "unknown-cond-id", _hint(cond_id, options)))
    return used


def check_demo_cond(out: list[Issue], demo: dict, demo_path: str, conds: Conditioning,
                    num_demos: int | None) -> None:
    """JSON ``demo_cond`` feeds every conditioner, one item per demo (diffusion_cond and lm)."""
    specs, items = conds.specs, demo.get("demo_cond")
    if not specs or not items:
        return
    if num_demos is not None and len(items) != num_demos:
        out.append(err(f"{demo_path}.num_demos", f"num_demos is {num_demos} but demo_cond has "
                       f"{len(items)} items: the noise and the conditioning batch differ",
                       "demo-count", f"set num_demos to {len(items)}"))
    if conds.tensor_ids:
        shown = ", ".join(map(repr, conds.tensor_ids))
        out.append(err(f"{demo_path}.demo_cond", f"conditioner(s) {shown} "
                       "read tensors (audio or latents), which JSON demo_cond cannot hold",
                       "demo-cond-needs-batch", "set demo_cond_from_batch: true"))
    fallback = conds.default_keys
    for i, item in enumerate(items):
        if item.keys() >= specs.keys():
            continue
        missing = [c for c in specs if c not in item and fallback.get(c) not in item]
        if missing:
            out.append(err(f"{demo_path}.demo_cond[{i}]", f"missing "
                           f"{', '.join(map(repr, missing))}: every conditioner reads its id (or "
                           "its default_keys fallback) from each item, else ValueError",
                           "demo-cond-keys", f"add {', '.join(missing)}"))
