"""The validator never raises and never contradicts itself, whatever the document.

``validate()`` answers every input with issues; ``load_config`` raises only ``ConfigError``; a
document jsonschema-rs (the deciding engine) rejects never passes; and what the issues quote of
the user's values cannot forge lines of output.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sat_config
from sat_config.errors import ConfigError, Issue, json_path, printable
from sat_config.schema import engine
from sat_config.schema.engine import is_valid
from conftest import CORPUS, EXAMPLES
from test_engines import ALL_OPS, DATASET_SEEDS, SEEDS

# Values that broke the validator, or could: zeros and false where a check divides, negative
# numbers, empty arrays, integers past 64 bits, lone surrogates, trailing newlines, escapes.
HOSTILE_VALUES = [0, False, -1, 0.0, -0.5, [], {}, [0], [0, 0], [-1], 2 ** 63, -2 ** 63 - 1,
                  10 ** 30, "", "\ud800", "x\udc00y", "ELU\n", "a\x1b[2J\nb", "\u2028"]
HOSTILE_OPS = [*ALL_OPS, "hostile"]

# One document per defect that raised before (seed file, path, value).
RAISED_BEFORE = [
    ("examples/autoencoder.json", ("model", "downsampling_ratio"), 0),
    ("examples/autoencoder.json", ("model", "downsampling_ratio"), False),
    ("examples/diffusion_cond.json", ("model", "diffusion", "config", "num_heads"), 0),
    ("examples/diffusion_cond.json", ("model", "diffusion", "config", "embed_dim"), 0),
    ("examples/lm.json", ("model", "lm", "config", "dim_heads"), 0),
    ("examples/autoencoder.json", ("model", "encoder", "type"), "\ud800"),
    ("examples/lm.json", ("model_type",), "\ud800"),
]


def _set(doc: dict, path: tuple, value) -> dict:
    doc = copy.deepcopy(doc)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return doc


def _load(name: str) -> dict:
    return json.loads((Path(__file__).resolve().parents[1] / name).read_text())


def _assert_consistent(source, kind: str = "config") -> list[Issue]:
    """validate() answers; load_config agrees with it and raises nothing but ConfigError."""
    issues = sat_config.validate(source, kind=kind)
    assert all(isinstance(i, Issue) for i in issues)
    errors = [i for i in issues if i.severity == "error"]
    load = sat_config.load_dataset_config if kind == "dataset" else sat_config.load_config
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sat_config.ConfigWarning)
        try:
            load(source)
        except ConfigError as exc:
            assert errors, f"validate() says valid, load_config says {exc}"
        else:
            assert not errors, f"validate() found {errors}, load_config accepted it"
    for issue in issues:  # every issue prints as one line of text that encodes as UTF-8
        line = issue.format()
        assert line.isprintable() and line.encode("utf-8")
    return issues


@pytest.mark.parametrize(("seed", "path", "value"), RAISED_BEFORE)
def test_documents_that_raised_are_located_errors(seed: str, path: tuple, value) -> None:
    doc = _set(_load(seed), path, value)
    issues = _assert_consistent(doc)
    assert issues
    wanted = json_path(path)
    assert any(i.path == wanted for i in issues), [i.format() for i in issues]
    _assert_consistent(json.dumps(doc))


def test_arc_discriminator_zero_stride_is_a_located_error() -> None:
    doc = json.loads((CORPUS / "valid" / "arc_sem_own_discriminator_ok.json").read_text())
    disc = doc["training"]["arc"]["discriminator"]
    disc["type"] = "convnext"
    disc["config"] = {"strides": [0, 2], "c_mults": [1, 2]}
    issues = _assert_consistent(doc)
    assert any(i.path.startswith("$.training.arc.discriminator") for i in issues)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_validate_never_raises_nor_contradicts_load_config(data) -> None:
    """Any mutant of any seed, schema-valid or not: issues, never an exception; load_config's
    verdict is validate()'s; a document jsonschema-rs rejects always has an error."""
    doc = data.draw(hostile_configs())
    issues = _assert_consistent(doc)
    errors = [i for i in issues if i.severity == "error"]
    if not errors:
        assert is_valid(doc)
    _assert_consistent(json.dumps(doc))


@st.composite
def hostile_configs(draw, seeds: list[dict] = SEEDS) -> dict:
    doc = copy.deepcopy(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 3))):
        doc = _hostile_mutation(draw, doc)
    return doc


def _hostile_mutation(draw, doc: dict) -> dict:
    from test_engines import _mutate, _paths

    op = draw(st.sampled_from(HOSTILE_OPS))
    if op != "hostile":
        return _mutate(draw, doc, [op])
    paths = _paths(doc)[1:]
    if not paths:
        return doc
    path = draw(st.sampled_from(paths))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(HOSTILE_VALUES)))
    return doc


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_dataset_validation_never_raises_nor_contradicts_itself(data) -> None:
    doc = data.draw(hostile_configs(DATASET_SEEDS))
    issues = _assert_consistent(doc, kind="dataset")
    if not [i for i in issues if i.severity == "error"]:
        assert is_valid(doc, "dataset")


@pytest.mark.parametrize("value", ["ELU\n", "ELU\r", "ELU\r\n", "\nELU", "EL\u0663", "ELU\u2028"])
def test_activation_with_line_break_or_unicode_digit_is_invalid(value: str) -> None:
    """python-jsonschema alone took ``$`` to match before a final newline: validate() said ok and
    load_config raised a raw pydantic error."""
    doc = json.loads((CORPUS / "valid" / "ae_seanet_rvq_mono.json").read_text())
    doc["model"]["encoder"]["config"]["activation"] = value
    assert not is_valid(doc)
    issues = _assert_consistent(doc)
    (issue,) = [i for i in issues if i.severity == "error"]
    assert issue.path == "$.model.encoder.config.activation" and issue.rule == "pattern"
    assert "^[A-Za-z][A-Za-z0-9]*$" in issue.message


@pytest.mark.parametrize("value", ["npy\n", "np\u0663", "npy\r"])
def test_dataset_latent_extension_with_line_break_is_invalid(value: str) -> None:
    doc = {"dataset_type": "pre_encoded", "datasets": [{"id": "latents", "path": "/data"}],
           "latent_extension": "npy"}
    assert sat_config.validate(doc, kind="dataset") == []
    doc["latent_extension"] = value
    issues = _assert_consistent(doc, kind="dataset")
    assert [i.path for i in issues if i.severity == "error"] == ["$.latent_extension"]


def test_a_document_the_deciding_engine_rejects_never_passes(monkeypatch) -> None:
    """Should the locating engine find nothing (a disagreement), jsonschema-rs's errors say
    where: the verdict stays "invalid"."""
    from jsonschema import Draft202012Validator

    monkeypatch.setattr(engine, "_py_validator", lambda name: Draft202012Validator({}))
    doc = json.loads((EXAMPLES / "lm.json").read_text())
    doc["sample_rate"] = "44100"
    issues = sat_config.validate(doc)
    assert [(i.path, i.rule) for i in issues] == [("$.sample_rate", "schema")]
    with pytest.raises(ConfigError):
        sat_config.load_config(doc)


def test_typed_models_refusing_a_passed_document_is_a_config_error(monkeypatch) -> None:
    """The typed models are the last gate: their refusal is a ConfigError, never pydantic's."""
    from sat_config import api

    monkeypatch.setattr(api, "document_issues", lambda doc, kind: [])
    doc = json.loads((EXAMPLES / "lm.json").read_text())
    doc["sample_rate"] = "not a number"
    with pytest.raises(ConfigError) as info:
        sat_config.load_config(doc)
    assert info.value.errors[0].rule == "typed"
    assert info.value.errors[0].path == "$.sample_rate"


def test_a_crashing_check_is_one_issue_not_a_traceback(monkeypatch) -> None:
    from sat_config.kinds import KINDS

    def broken(cfg: dict) -> list:
        raise ZeroDivisionError("integer modulo by zero")

    monkeypatch.setattr(type(KINDS["lm"]), "part", lambda self, name: broken)
    (issue,) = sat_config.validate(EXAMPLES / "lm.json")
    assert issue.rule == "internal" and "ZeroDivisionError" in issue.message
    with pytest.raises(ConfigError):
        sat_config.load_config(EXAMPLES / "lm.json")


@pytest.mark.parametrize("source", [[1, 2], 42, None, 1.5, True, "[1]", b"[]", '"text"'])
def test_a_document_that_is_not_an_object_is_an_issue(source) -> None:
    (issue,) = sat_config.validate(source)
    assert issue.path == "$" and "must be an object" in issue.message
    with pytest.raises(ConfigError):
        sat_config.load_config(source)


# --- integers the runtime cannot hold -------------------------------------------------------


@pytest.mark.parametrize("value", [2 ** 63, -2 ** 63 - 1, 10 ** 30, 1e20, 2 ** 5000])
def test_an_integer_past_64_bits_is_a_config_error_with_its_path(value) -> None:
    doc = json.loads((EXAMPLES / "lm.json").read_text())
    doc["training"]["demo"]["demo_every"] = value
    issues = sat_config.validate(doc)
    assert any(i.path == "$.training.demo.demo_every" and i.rule == "semantic:integer-range"
               for i in issues), issues
    with pytest.raises(ConfigError) as info:
        sat_config.load_config(doc)
    assert "$.training.demo.demo_every" in str(info.value)


def test_the_largest_64_bit_integer_is_accepted() -> None:
    doc = json.loads((EXAMPLES / "lm.json").read_text())
    doc["training"]["demo"]["demo_every"] = 2 ** 63 - 1
    assert not [i for i in sat_config.validate(doc) if i.rule == "semantic:integer-range"]


def test_dataset_integers_past_64_bits_are_errors_too() -> None:
    doc = json.loads((CORPUS / "upstream" / "dataset_configs__local_training_example.json")
                     .read_text())
    doc["datasets"][0]["huge"] = 2 ** 64  # unknown key and out of range: both said
    issues = sat_config.validate(doc, kind="dataset")
    assert any(i.rule == "semantic:integer-range" for i in issues)


# --- escaping ---------------------------------------------------------------------------------


def test_printable_escapes_what_could_forge_output() -> None:
    assert printable("ok é ✓") == "ok é ✓"
    assert printable("a\nb\r\t\x1b[2J\x00") == "a\\nb\\r\\t\\x1b[2J\\x00"
    assert printable("\u2028\u202e\ud800\U000e0001") == "\\u2028\\u202e\\ud800\\U000e0001"


@pytest.mark.parametrize("model_type", ["auto\nencoder", "x\x1b[31m\rforged: ok", "\u2028lm",
                                        "\ud800"])
def test_values_echoed_in_messages_are_escaped(model_type: str) -> None:
    doc = json.loads((EXAMPLES / "lm.json").read_text())
    doc["model_type"] = model_type
    for source in (doc, json.dumps(doc)):
        issues = sat_config.validate(source)
        assert issues
        for issue in issues:
            assert issue.format().isprintable(), issue.format()
    with pytest.raises(ConfigError) as info:
        sat_config.load_config(doc)
    text = str(info.value)
    assert len(text.splitlines()) == 1 + len(info.value.errors)
    assert "\x1b" not in text and "\r" not in text


def test_a_file_name_cannot_forge_output_lines(tmp_path: Path) -> None:
    path = tmp_path / "a\nforged: ok\x1b[2K.json"
    path.write_text('{"model_type": "lm"}')
    with pytest.raises(ConfigError) as info:
        sat_config.load_config(path)
    text = str(info.value)
    assert len(text.splitlines()) == 1 + len(info.value.errors) and "\x1b" not in text
    assert all(i.format().isprintable() for i in sat_config.validate(path))


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.text(), st.binary(), st.text().map(Path),  # a NUL in what reads as a path raised
    st.from_regex(r"[{}\[\]\":,a-z0-9 \n\-!&*|>#%@'?]{0,60}", fullmatch=True),  # JSON/YAML-ish
    _JSON_VALUES.map(lambda v: json.dumps({"model_type": "lm", "x": v}, allow_nan=True)),
    _JSON_VALUES))
def test_validate_never_raises_on_any_input(source) -> None:
    for issue in sat_config.validate(source):
        assert issue.format().isprintable()
    with pytest.raises(ConfigError):  # none of these is a valid config
        sat_config.load_config(source)


@pytest.mark.parametrize("path", [("", "]", 3), ('a"]b', 0, "x.y"), ('["', "k"), ("$", "[0]")])
def test_json_paths_of_any_keys_read_back(path) -> None:
    """Keys holding ']', '"]' or '.' survive json_path -> path_tuple (locating an issue under
    such a key raised JSONDecodeError out of validate())."""
    from sat_config.errors import json_path, path_tuple

    assert path_tuple(json_path(path)) == path
    assert sat_config.validate('{"model_type":"lm","":{"]":1E20}}')
