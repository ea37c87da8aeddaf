"""The engines agree: jsonschema-rs (fast path) == python-jsonschema (reference); and the typed
models give the schema's verdict, both ways: they accept exactly the configs the schema accepts
(no silent coercion such as "100" -> 100, 1 -> True, "1e-4" -> 0.0001; every if/then, not and
oneOf rule), and they build every config the schema accepts (integral floats such as 2.0 are
integers to JSON Schema). Property-based (hypothesis), with no list of exempt rules.

Configs come from two sources: the seed corpus mutated (wrong values, type coercions, integral
floats, other numbers, flipped booleans, deleted/added/renamed keys, resized arrays), and parts generated from the schema itself
by hypothesis-jsonschema, spliced into the seeds (the whole per-type schemas are too large for
it; the parts below generate in milliseconds).
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import sat_config
from sat_config import models, schemas
from sat_config.schema.engine import _py_validator, is_valid
from conftest import CORPUS, example_files, invalid_cases, valid_cases

SEEDS = [json.loads(p.read_text()) for p in sorted((CORPUS / "upstream").glob("model_configs__*.json"))
         + [p for p in valid_cases() + example_files() if p.suffix == ".json"]]
INVALID = [json.loads(p.read_text()) for p in invalid_cases() if p.suffix == ".json"]
DATASET_SEEDS = [json.loads(p.read_text())
                 for p in sorted((CORPUS / "upstream").glob("dataset_configs__*.json"))]

# Values a hand-written config plausibly gets wrong: quoted numbers, 0/1 for booleans,
# booleans for numbers, nulls, empty containers, out-of-range numbers, typo'd strings.
WRONG_VALUES = ["100", "1e-4", "true", 1, 0, True, False, None, -1, 0.5, 1e12, "", "x", [], {},
                [1, 2], {"x": 1}, "oobleck", "uniform", [0], 2 ** 63, -2 ** 63 - 1, 10 ** 30]
# What a check may divide by: zero, false, negative, in place of a number or of each list item.
ZEROS = [0, False, -1, 0.0]
# Integral floats JSON Schema counts as integers, beyond int64 too.
INTEGRAL_FLOATS = [0.0, 1.0, 2.0, 16.0, 1e12, 1e19, 1e20]

VERDICT_SETTINGS = settings(max_examples=250, deadline=None,
                            suppress_health_check=[HealthCheck.too_slow])


def _schema_verdict(data: Any, kind: str = schemas.ROOT) -> bool:
    """The truth: python-jsonschema, the reference engine."""
    return _py_validator(kind).is_valid(data)


def _accepts(validate: Callable[[], Any]) -> bool:
    try:
        validate()
        return True
    except ValidationError:
        return False


def _typed_verdicts(data: Any) -> dict[str, bool]:
    """The ways to build a typed config from plain data: the union (pydantic's default mode,
    strict mode, JSON input) and the model type's own class (in lax mode)."""
    adapter = models.training_config_adapter()
    ways: dict[str, Callable[[], Any]] = {
        "union": lambda: adapter.validate_python(data),
        "union strict": lambda: adapter.validate_python(data, strict=True),
        "union json": lambda: adapter.validate_json(json.dumps(data)),
    }
    cls = models.MODEL_CONFIGS.get(data.get("model_type")) \
        if isinstance(data.get("model_type"), str) else None
    if cls is not None:
        ways["class lax"] = lambda: cls.model_validate(data, strict=False)
    return {name: _accepts(way) for name, way in ways.items()}


def _assert_typed_verdict_is_the_schemas(data: dict) -> None:
    expected = _schema_verdict(data)
    if currently_in_test_context():
        event("schema-valid" if expected else "schema-invalid")
    verdicts = _typed_verdicts(data)
    wrong = {name: got for name, got in verdicts.items() if got != expected}
    assert not wrong, (f"schema says {'valid' if expected else 'invalid'}, typed models disagree: "
                       f"{wrong}")
    if expected:
        _assert_load_config_builds_the_same(data)


def _assert_load_config_builds_the_same(data: dict) -> None:
    """load_config (schema, semantic checks, then the models without their own schema check)
    builds what the models build; it may only add semantic errors."""
    typed = models.training_config_adapter().validate_python(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sat_config.ConfigWarning)
        try:
            loaded = sat_config.load_config(data)
        except sat_config.ConfigError as exc:
            assert all(i.rule.startswith("semantic:") for i in exc.errors), exc
            return
    assert loaded == typed


# --- mutations --------------------------------------------------------------------------------


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _coercions(value: Any) -> list[Any]:
    """What a lax parser would turn into ``value`` (or vice versa): the same number as a string,
    0/1 for booleans, a boolean for 0/1, an integral float for an int, a scalar for a list."""
    if isinstance(value, bool):
        return [int(value), str(value).lower(), float(value)]
    if isinstance(value, int):
        out = [str(value), float(value), value + 0.5]
        return out + ([bool(value)] if value in (0, 1) else [])
    if isinstance(value, float):
        out = [str(value), repr(value).replace("0.0001", "1e-4"), f"{value:e}"]
        return out + ([int(value), value != 0] if value.is_integer() else [round(value)])
    if isinstance(value, str):
        return [[value], value.upper(), value + " "]
    if isinstance(value, list):
        return [value[0] if value else None, value[:-1], [*value, *value[-1:]]]
    return [[value]]


def _ints_to_floats(node: Any) -> Any:
    if isinstance(node, bool):
        return node
    if isinstance(node, int):
        return float(node)
    if isinstance(node, dict):
        return {k: _ints_to_floats(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_ints_to_floats(v) for v in node]
    return node


def _mutate(draw: Callable, doc: Any, ops: list[str]) -> Any:
    """One mutation of ``doc`` (in place where possible); returns the document."""
    op = draw(st.sampled_from(ops))
    if op == "all_ints_as_floats":
        return _ints_to_floats(doc)
    paths = _paths(doc)[1:]
    if not paths:
        return doc
    path = draw(st.sampled_from(paths))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    value = parent[last]
    if op == "replace":
        # a copy: inserting the shared list/dict objects would let later mutations alias them
        parent[last] = copy.deepcopy(draw(st.sampled_from(WRONG_VALUES)))
    elif op == "coerce":
        parent[last] = draw(st.sampled_from(_coercions(value)))
    elif op == "integral_float":
        if isinstance(value, int) and not isinstance(value, bool):
            parent[last] = float(value)
        else:
            parent[last] = draw(st.sampled_from(INTEGRAL_FLOATS))
    elif op == "delete" and isinstance(parent, dict):
        del parent[last]
    elif op == "add_key" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["learning_rat", "extra", "typ", "confg"]))] = 1
    elif op == "typo_key" and isinstance(parent, dict):
        parent[last + "s"] = parent.pop(last)
    elif op == "resize" and isinstance(value, list):
        parent[last] = value[:-1] if value and draw(st.booleans()) else [*value, *value[-1:]]
    elif op == "renumber" and type(value) in (int, float):  # usually still schema-valid
        parent[last] = draw(st.sampled_from(SMALL_NUMBERS))
    elif op == "flip" and type(value) is bool:
        parent[last] = not value
    elif op == "zero" and type(value) in (int, float, bool):
        parent[last] = draw(st.sampled_from(ZEROS))
    elif op == "zero" and isinstance(value, list) and value:
        parent[last] = [draw(st.sampled_from(ZEROS))] * len(value)
    elif op == "newline":  # "ELU\n": Python's $ matches before it, ECMA-262's does not
        if isinstance(value, str):
            parent[last] = value + "\n"
        elif isinstance(parent, dict) and isinstance(last, str):
            parent[last + "\n"] = parent.pop(last)
    return doc


SMALL_NUMBERS = [0, 1, 2, 3, 4, 7, 8, 16, 64, 1000, 0.25, 1.5]
ALL_OPS = ["replace", "coerce", "integral_float", "all_ints_as_floats", "delete", "add_key",
           "typo_key", "resize", "renumber", "flip", "newline", "zero"]


@st.composite
def mutated_configs(draw, seeds: list[dict] = SEEDS, ops: list[str] = ALL_OPS,
                    most: int = 3) -> dict:
    doc = copy.deepcopy(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, most))):
        doc = _mutate(draw, doc, ops)
    return doc


# --- engines ----------------------------------------------------------------------------------


@pytest.mark.parametrize("data", SEEDS + INVALID)
def test_fast_and_reference_engines_agree_on_corpus(data: dict) -> None:
    assert is_valid(data) == _schema_verdict(data)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_configs())
def test_fast_and_reference_engines_agree_on_mutations(data: dict) -> None:
    assert is_valid(data) == _schema_verdict(data)


# --- regexes: the locating engine reads them as the deciding engine does ----------------------


def _schema_regexes() -> list[str]:
    """Every regex of the schemas: ``pattern`` values and ``patternProperties`` keys."""
    found: set[str] = set()
    stack: list[Any] = [schemas.load(n) for n in schemas.names()]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.add(node["pattern"])
            if isinstance(node.get("patternProperties"), dict):
                found.update(node["patternProperties"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return sorted(found)


# ECMA-262 corners where Python's re reads the same text otherwise, and the usual escapes.
CORNER_REGEXES = ["^a$", "^[a-z]+$", r"^\d+$", r"^\w+$", r"^\s$", r"^\S+$", r"^\D+$",
                  r"^\W+$", "^.$", "^a.b$", r"^[\d\s]+$", r"^[\w-]+$", "a$", r"^\$", r"^[$]$",
                  r"^a\.b$", "^(ab)+$", "^a{2,3}$", r"^\x41$", r"^\u00e9$", "[^a]",
                  r"\bx", r"x\b", r"\Bx"]
# Trailing and leading line breaks, Unicode digits, letters and spaces, ECMA line terminators.
CORNER_STRINGS = ["", "a", "a\n", "\na", "a\r", "a\r\n", "a\u2028", "a\u2029", "\r", "\n",
                  "\u2028", "ab", "a\nb", "a\rb", "7", "\u0663", "\uff17", "\u00b2", "_", "\u00e9",
                  "\u212a", " ", "\t", "\u00a0", "\ufeff", "\u0085", "\u001c", "\u3000", "$", "A",
                  "ELU", "ELU\n", "npy\n", "s3://bucket", "dim", "dim\n", "dim_in\n", "a.b",
                  "abab", "aa", "aaa\n", "\U0001d7d8", "\u0660\u0661", "\u00e9x", "x\u00e9", "1x", "-x"]


def _rs_matches(regex: str, text: str) -> bool:
    import jsonschema_rs

    return jsonschema_rs.validator_for({"pattern": regex}).is_valid(text)


def _located_matches(regex: str, text: str) -> bool:
    """The locating engine's reading (python-jsonschema on the schemas as the engine loads
    them)."""
    from jsonschema import Draft202012Validator
    from sat_config.schema.engine import _ecma_schema

    return Draft202012Validator(_ecma_schema({"pattern": regex})).is_valid(text)


@pytest.mark.parametrize("regex", _schema_regexes() + CORNER_REGEXES)
def test_engines_agree_on_regex_corners(regex: str) -> None:
    """jsonschema-rs (ECMA-262, as JSON Schema prescribes) decides; the locating engine must
    read every schema regex alike (python's re.search alone took ``$`` to match before a
    trailing newline: "ELU\\n" passed python-jsonschema)."""
    wrong = [text for text in CORNER_STRINGS + [regex]
             if _rs_matches(regex, text) != _located_matches(regex, text)]
    assert not wrong, f"{regex!r}: the engines disagree on {wrong!r}"


@pytest.mark.parametrize("regex", _schema_regexes())
def test_engines_agree_on_pattern_properties(regex: str) -> None:
    """A ``patternProperties`` key is a regex too (``^dim$`` must not claim ``"dim\\n"``)."""
    import jsonschema_rs
    from jsonschema import Draft202012Validator
    from sat_config.schema.engine import _ecma_schema

    schema = {"patternProperties": {regex: False}, "additionalProperties": True}
    for text in CORNER_STRINGS:
        rs = jsonschema_rs.validator_for(schema).is_valid({text: 1})
        assert rs == Draft202012Validator(_ecma_schema(schema)).is_valid({text: 1}), (regex, text)


def test_regex_translation_refuses_what_it_cannot_translate() -> None:
    from sat_config.schema.engine import RegexTranslationError, python_pattern

    for regex in [r"[^\D]", r"[\W]", "(?<name>a)", r"(a)\1", "[]", r"\cA"]:
        with pytest.raises(RegexTranslationError):
            python_pattern(regex)
    assert python_pattern("^[A-Za-z][A-Za-z0-9]*$") == r"^[A-Za-z][A-Za-z0-9]*\Z"


# --- typed models == schema -------------------------------------------------------------------


@pytest.mark.parametrize("data", SEEDS)
def test_typed_models_accept_every_valid_seed(data: dict) -> None:
    assert all(_typed_verdicts(data).values())


@pytest.mark.parametrize("data", INVALID)
def test_typed_models_give_the_schema_verdict_on_invalid_cases(data: dict) -> None:
    # some are schema-valid and rejected by the semantic checks only
    _assert_typed_verdict_is_the_schemas(data)


@VERDICT_SETTINGS
@given(mutated_configs())
def test_typed_models_give_the_schema_verdict_on_mutations(data: dict) -> None:
    _assert_typed_verdict_is_the_schemas(data)


def test_no_coercion_examples() -> None:
    base = json.loads((CORPUS / "upstream" / "model_configs__dance_diffusion__dance_diffusion_base.json").read_text())
    for key, value in [("sample_rate", "16000"), ("sample_size", True), ("sample_rate", 1.5)]:
        bad = {**base, key: value}
        assert not _schema_verdict(bad) and not any(_typed_verdicts(bad).values()), (key, value)
    vae = json.loads((CORPUS / "upstream" / "model_configs__autoencoders__stable_audio_2_0_vae.json").read_text())
    for path, value in [(("training", "use_ema"), 1), (("training", "optimizer_configs",
                        "autoencoder", "optimizer", "config", "lr"), "1e-4"),
                        (("model", "encoder", "config", "channels"), "128")]:
        bad = copy.deepcopy(vae)
        parent = bad
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = value
        assert not _schema_verdict(bad) and not any(_typed_verdicts(bad).values()), path


def test_schema_only_rules_hold_for_the_typed_models() -> None:
    """An if/then rule (a discriminator loss needs a discriminator optimizer) with the schema's
    located message in the pydantic error."""
    vae = json.loads((CORPUS / "upstream" / "model_configs__autoencoders__stable_audio_2_0_vae.json").read_text())
    del vae["training"]["optimizer_configs"]["discriminator"]
    assert not _schema_verdict(vae)
    with pytest.raises(ValidationError) as err:
        models.AutoencoderConfig.model_validate(vae)
    (line,) = err.value.errors()
    assert line["loc"] == ("training", "optimizer_configs", "discriminator")
    assert line["type"] == "json_schema" and line["ctx"]["rule"] == "required"


def test_integral_floats_are_integers() -> None:
    base = json.loads((CORPUS / "upstream" / "model_configs__dance_diffusion__dance_diffusion_base.json").read_text())
    floats = _ints_to_floats(base)
    assert _schema_verdict(floats) and all(_typed_verdicts(floats).values())
    typed = sat_config.load_config(floats)
    assert typed == sat_config.load_config(base)
    assert type(typed.sample_rate) is int and type(typed.model.config.depth) is int


# --- parts generated from the schema (hypothesis-jsonschema) ----------------------------------


_ANNOTATIONS = {"description", "markdownDescription", "title", "default", "examples",
                "enumDescriptions", "defaultSnippets", "discriminator", "$comment", "$id",
                "$schema", "$defs", "deprecated"}


def inlined(name: str, pointer: str = "") -> dict | bool:
    """The subschema at ``name.schema.json#pointer`` with every ``$ref`` inlined and annotations
    dropped (hypothesis-jsonschema resolves no cross-file refs). A recursive ref becomes
    ``false``: the generated values are then valid, only never recursive."""
    return _inline({"$ref": f"{name}.schema.json#{pointer}"}, name, ())


def _inline(node: Any, base: str, active: tuple) -> Any:
    if isinstance(node, list):
        return [_inline(v, base, active) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _ANNOTATIONS or key == "$ref":
            continue
        if key in ("properties", "patternProperties", "dependentSchemas"):
            out[key] = {k: _inline(v, base, active) for k, v in value.items()}
        elif key in ("const", "enum", "required", "dependentRequired"):
            out[key] = value
        else:
            out[key] = _inline(value, base, active)
    if "$ref" not in node:
        return out
    file, _, pointer = node["$ref"].partition("#")
    name = schemas.name_of(file) if file else base
    if (name, pointer) in active:
        return False
    target: Any = schemas.load(name)
    for part in filter(None, pointer.split("/")):
        target = target[part]
    resolved = _inline(target, name, (*active, (name, pointer)))
    return {"allOf": [resolved, out]} if out else resolved


# (schema, pointer) -> where in a seed it goes: a path pattern ("*" matches any key) and an
# optional test of the seed.
PARTS: dict[tuple[str, str], tuple[tuple, Callable[[dict], bool] | None]] = {
    ("autoencoder_parts", "/$defs/EncoderSpec"): (("model", "encoder"), None),
    ("autoencoder_parts", "/$defs/DecoderSpec"): (("model", "decoder"), None),
    # the residual-VQ bottlenecks take seconds per example (their many anyOf/not rules)
    ("autoencoder_parts", "/$defs/DacRvqVaeBottleneck"): (("model", "bottleneck"), None),
    ("autoencoder_parts", "/$defs/FsqBottleneck"): (("model", "bottleneck"), None),
    ("autoencoder_parts", "/$defs/DitheredFsqBottleneck"): (("model", "bottleneck"), None),
    ("autoencoder_parts", "/$defs/Pretransform"): (("model", "pretransform"), None),
    ("common", "/$defs/OptimizerSpec"): (("training", "optimizer_configs", "*", "optimizer"), None),
    ("common", "/$defs/SchedulerSpec"): (("training", "optimizer_configs", "*", "scheduler"), None),
    ("autoencoder", "/$defs/AutoencoderDiscriminatorLoss"):
        (("training", "loss_configs", "discriminator"), None),
    ("autoencoder", "/$defs/AutoencoderSpectralLoss"): (("training", "loss_configs", "spectral"), None),
    ("diffusion_parts", "/$defs/DitCondConfig"): (
        ("model", "diffusion", "config"),
        lambda seed: seed["model_type"] in ("diffusion_cond", "diffusion_cond_inpaint")
        and seed["model"]["diffusion"].get("type") == "dit"),
    ("diffusion_parts", "/$defs/DAU1dConfig"): (
        ("model", "config"),
        lambda seed: seed["model_type"] == "diffusion_uncond" and seed["model"]["type"] == "DAU1d"),
}


def _matches(path: tuple, pattern: tuple) -> bool:
    return len(path) == len(pattern) and all(p == "*" or p == q for p, q in zip(pattern, path))


def _targets(pattern: tuple, when: Callable[[dict], bool] | None) -> list[tuple[int, tuple]]:
    return [(i, path) for i, seed in enumerate(SEEDS) if when is None or when(seed)
            for path in _paths(seed) if _matches(path, pattern)]


def _part_validator(name: str, pointer: str):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry = Registry().with_resources(
        (uri, Resource.from_contents(s)) for uri, s in schemas.resources_by_uri().items())
    return Draft202012Validator({"$ref": f"{schemas.uri(name)}#{pointer}"}, registry=registry)


@st.composite
def configs_with_generated_parts(draw) -> dict:
    (name, pointer), (pattern, when) = draw(st.sampled_from(sorted(PARTS.items())))
    part = draw(_part_strategy(name, pointer))
    assert _part_validator(name, pointer).is_valid(part), "the generator left the schema"
    seed_index, path = draw(st.sampled_from(_targets(pattern, when)))
    doc = copy.deepcopy(SEEDS[seed_index])
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = part
    if draw(st.integers(0, 3)) == 0:  # now and then one more mistake
        doc = _mutate(draw, doc, ALL_OPS)
    return doc


_STRATEGIES: dict[tuple[str, str], Any] = {}


def _part_strategy(name: str, pointer: str):
    from hypothesis_jsonschema import from_schema

    key = (name, pointer)
    if key not in _STRATEGIES:
        _STRATEGIES[key] = from_schema(inlined(name, pointer))
    return _STRATEGIES[key]


@pytest.mark.parametrize("part", sorted(PARTS), ids="{0[0]}#{0[1]}".format)
def test_every_generated_part_has_a_place_in_the_seeds(part: tuple[str, str]) -> None:
    assert _targets(*PARTS[part])


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
@given(configs_with_generated_parts())
def test_typed_models_give_the_schema_verdict_on_generated_parts(data: dict) -> None:
    _assert_typed_verdict_is_the_schemas(data)


# --- dataset configs --------------------------------------------------------------------------


def _dataset_verdicts(data: Any) -> dict[str, bool]:
    adapter = models.dataset_config_adapter()
    return {"default": _accepts(lambda: adapter.validate_python(data)),
            "strict": _accepts(lambda: adapter.validate_python(data, strict=True)),
            "lax": _accepts(lambda: adapter.validate_python(data, strict=False))}


@st.composite
def dataset_configs(draw) -> dict:
    if draw(st.booleans()):
        doc = draw(_part_strategy("dataset", ""))
    else:
        doc = copy.deepcopy(draw(st.sampled_from(DATASET_SEEDS)))
    for _ in range(draw(st.integers(0, 2))):
        doc = _mutate(draw, doc, ALL_OPS)
    return doc


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(dataset_configs())
def test_dataset_model_gives_the_schema_verdict(data: dict) -> None:
    expected = _schema_verdict(data, schemas.DATASET)
    event("schema-valid" if expected else "schema-invalid")
    verdicts = _dataset_verdicts(data)
    assert verdicts == dict.fromkeys(verdicts, expected), (expected, verdicts)
    if expected and isinstance(data, dict):
        try:
            loaded = sat_config.load_dataset_config(data)
        except sat_config.ConfigError as exc:  # only what the runtime cannot hold (int64)
            assert all(i.rule == "semantic:integer-range" for i in exc.errors), exc
            return
        assert loaded == models.dataset_config_adapter().validate_python(data)
