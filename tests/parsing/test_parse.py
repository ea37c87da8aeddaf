"""The reader (_parse, _yaml): YAML 1.2 semantics, tags, anchors and merges, bounded memory, input
detection, and every bad value reported with its position."""

from __future__ import annotations

import io
import math
import os
import time
import tracemalloc

import pytest

import sat_config
from sat_config import cli
from sat_config.parsing import document as _parse
from sat_config.parsing import yaml as _yaml
from sat_config.errors import ConfigError
from sat_config.parsing.document import MAX_BYTES, parse, read_limited


def _issues(source) -> list[tuple[str, str, int | None, int | None]]:
    with pytest.raises(ConfigError) as info:
        parse(source)
    return [(i.path, i.rule, i.line, i.column) for i in info.value.issues]


# --- YAML tags, anchors, merges ------------------------------------------------------------


@pytest.mark.parametrize("text, tag", [
    ("model_type: lm\nx: !foo [1]\n", "!foo"),
    ('model_type: lm\nx: !!python/object/apply:os.system ["echo"]\n',
     "!!python/object/apply:os.system"),
    ("model_type: lm\nx: !!omap [a: 1]\n", "!!omap"),
    ("model_type: lm\nx: !!set {a, b}\n", "!!set"),
    ("model_type: lm\nx: !!binary aGk=\n", "!!binary"),
    ("model_type: lm\nx: !!timestamp 2024-01-01\n", "!!timestamp"),
    ("model_type: lm\nx: !<tag:example.com,2000:thing> 1\n", "!<tag:example.com,2000:thing>"),
])
def test_non_core_tags_are_located_errors(text: str, tag: str) -> None:
    (issue,) = sat_config.validate(text)
    assert (issue.path, issue.rule, issue.line, issue.column) == ("$.x", "type", 2, 4)
    assert issue.message == f"unsupported YAML tag {tag}"


def test_tags_never_run_code(tmp_path) -> None:
    marker = tmp_path / "ran"
    text = f'x: !!python/object/apply:os.system ["touch {marker}"]\n'
    assert _issues(text)[0][1] == "type"
    assert not marker.exists()


def test_core_tags_give_plain_values() -> None:
    doc = parse('learning_rate: !!str 1e-4\nb: !!float 1\nc: !!int "0x1F"\nd: !!null ""\n'
                'e: !!bool "false"\nf: !!map {g: !!seq [1]}\n')
    assert doc.data == {"learning_rate": "1e-4", "b": 1.0, "c": 31, "d": None, "e": False,
                        "f": {"g": [1]}}
    assert type(_yaml.parse_yaml("b: !!float 1\n", None)[0]["b"]) is float
    assert type(doc.data["b"]) is int  # JSON Schema's reading: 1.0 is the integer 1
    issues = sat_config.validate("model_type: lm\nx: !!int 1.5\ny: !!bool yes\n")
    assert [(i.path, i.message) for i in issues] == [("$.x", "'1.5' is not a valid !!int"),
                                                     ("$.y", "'yes' is not a valid !!bool")]


def test_anchors_and_aliases_to_scalars_and_collections() -> None:
    doc = parse("a: &s 5\nb: *s\nc: &l [1, {k: v}]\nd: *l\n")
    assert doc.data == {"a": 5, "b": 5, "c": [1, {"k": "v"}], "d": [1, {"k": "v"}]}
    assert doc.position(("b",)) == (2, 4)  # the alias itself
    assert doc.position(("d",)) == (4, 4)
    assert doc.position(("d", 1, "k")) == (3, 15)  # the anchored content


def test_merge_keys_merge_with_positions() -> None:
    text = ("base: &b {a: 1, c: 2}\nmore: &m {a: 9, d: 4}\nmodel_type: lm\n"
            "x:\n  c: 3\n  <<: [*b, *m]\n")
    doc = parse(text)
    # explicit keys win over merged ones; earlier merge sources win over later ones
    assert doc.data["x"] == {"c": 3, "a": 1, "d": 4}
    assert doc.position(("x", "c")) == (5, 6)
    assert doc.position(("x", "a")) == (1, 14)
    assert doc.position(("x", "d")) == (2, 20)
    assert parse('x: {"<<": 1}').data == {"x": {"<<": 1}}  # a quoted << is an ordinary key


@pytest.mark.parametrize("text, message", [
    ("x: {<<: [1]}\n", "a merge key '<<' takes a mapping or a list of mappings"),
    ("x: {<<: 5}\n", "a merge key '<<' takes a mapping or a list of mappings"),
    ("x: &a {b: 1, <<: *a}\n", "this merge refers to a mapping that contains it"),
    ("x: &a [1, *a]\n", "this alias refers to a collection that contains it"),
    ("a: &a {k: 1}\nx: {<<: *a, <<: *a}\n", "duplicate merge key '<<'"),
])
def test_bad_merges_and_cyclic_aliases_are_located_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse(text)
    (issue,) = info.value.issues
    assert issue.message == message and issue.line is not None


# --- bounded memory ------------------------------------------------------------------------


def _bounded(text: str, *, seconds: float = 10, megabytes: int = 150) -> ConfigError:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ConfigError) as info:
            parse(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < seconds
    assert peak < megabytes * 2**20
    return info.value


def test_billion_laughs_is_refused_early() -> None:
    lines = ["a0: &a0 [lol]"] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]"
                                 for i in range(1, 11)]
    (issue,) = _bounded("\n".join(lines) + "\n").issues
    assert issue.rule == "size" and "aliases expand" in issue.message
    assert issue.line is not None and issue.path.startswith("$.a")


def test_merge_laughs_are_refused_early() -> None:
    lines = ["b0: &b0 {k: 1}"] + [f"b{i}: &b{i} {{<<: [" + ", ".join([f"*b{i - 1}"] * 10) + "]}"
                                  for i in range(1, 11)]
    (issue,) = _bounded("\n".join(lines) + "\n").issues
    assert issue.rule == "size"


def test_yaml_node_count_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(_yaml, "MAX_NODES", 1000)
    (issue,) = _bounded("a: [" + ", ".join(["0"] * 2000) + "]\n").issues
    assert (issue.rule, issue.line) == ("size", 1)
    assert parse("a: [" + ", ".join(["0"] * 900) + "]\n").data["a"][-1] == 0


def test_deep_yaml_is_a_located_error() -> None:
    issues = _issues("a: " + "[" * 500 + "]" * 500 + "\n")
    assert issues[0][1] == "depth" and issues[0][2] == 1


@pytest.mark.parametrize("text", ["{" + '"a": 0,' * 2 + '"b": "' + "x" * MAX_BYTES + '"}',
                                  "a: " + "x" * MAX_BYTES])
def test_text_over_the_limit_is_refused(text: str) -> None:
    assert _issues(text)[0][1] == "size"


class _Endless(io.RawIOBase):
    """A pipe that never ends, returning short reads."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), 4096)
        buffer[:n] = b"0" * n
        self.served += n
        return n


def test_streams_are_read_to_the_limit_only() -> None:
    stream = _Endless()
    assert _issues(stream)[0][1] == "size"
    assert stream.served <= MAX_BYTES + 1
    assert parse(io.BytesIO(b"model_type: lm\n")).data == {"model_type": "lm"}
    assert parse(io.StringIO('{"a": 1}')).data == {"a": 1}
    assert read_limited(io.BytesIO(b"")) == b""


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_devices_are_read_to_the_limit_only(capsys) -> None:
    assert _issues("/dev/zero")[0][:2] == ("$", "size")
    assert cli.main(["validate", "/dev/zero"]) == 1
    assert "larger than" in capsys.readouterr().out


def test_undecodable_bytes_are_a_config_error() -> None:
    assert _issues(b"\xff\xfe{}")[0][1] == "encoding"


# --- YAML 1.2 core schema ------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("1_000", "1_000"), ("2024-01-01", "2024-01-01"), ("2024-01-01T10:00:00Z",
                                                        "2024-01-01T10:00:00Z"),
    ("yes", "yes"), ("on", "on"), ("0b101", "0b101"), ("1:30", "1:30"),
    ("1e-4", 1e-4), ("+1.5E3", 1500.0), (".5", 0.5), ("1.", 1.0), ("-7", -7), ("0o17", 15),
    ("0x1f", 31), ("007", 7), ("True", True), ("FALSE", False), ("~", None), ("Null", None),
    ("", None),
])
def test_plain_scalars_follow_the_yaml_1_2_core_schema(text: str, value) -> None:
    data, _ = _yaml.parse_yaml(f"v: {text}\n", None)  # the reader itself, before 2.0 -> 2
    assert data["v"] == value and type(data["v"]) is type(value)
    got = parse(f"v: {text}\n").data["v"]  # a document: numbers as JSON Schema reads them
    assert got == value and type(got) is (int if type(value) is float and value.is_integer()
                                          else type(value))


def test_underscored_number_is_a_type_error() -> None:
    issues = sat_config.validate("model_type: lm\ntraining:\n  demo:\n    demo_every: 1_000\n")
    assert any(i.path == "$.training.demo.demo_every" and i.line == 4 for i in issues)


# --- text, JSON or path ---------------------------------------------------------------------


def test_yaml_flow_text_is_read_as_yaml() -> None:
    assert parse("{model_type: lm, sample_rate: 44100}").data == {"model_type": "lm",
                                                                   "sample_rate": 44100}
    assert all(i.rule != "syntax" for i in sat_config.validate("{model_type: lm}"))


@pytest.mark.parametrize("text, column", [('{"a": 1, "b": }', 15), ("{a: [1, 2}", 2),
                                          ('{"a": 1,}', 9)])
def test_json_errors_stay_for_json_and_for_neither(text: str, column: int) -> None:
    (issue,) = sat_config.validate(text)
    assert (issue.rule, issue.column) == ("syntax", column)
    assert issue.message.startswith("invalid JSON")


def test_one_line_yaml_is_text_not_a_path() -> None:
    assert parse("model_type: lm").data == {"model_type": "lm"}
    assert all(i.rule != "io" for i in sat_config.validate("model_type: lm"))
    assert _issues("no/such/file.yaml")[0][1] == "io"


def test_paths_still_work(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "odd: name.yaml").write_text("model_type: lm\n")
    (tmp_path / "noext").write_text("model_type: lm\nsample_rate: 1\n")
    (tmp_path / "j").write_text('{"model_type": "lm"}')
    assert parse("odd: name.yaml").data == {"model_type": "lm"}
    assert parse(str(tmp_path / "odd: name.yaml")).source == str(tmp_path / "odd: name.yaml")
    assert parse("noext").data == {"model_type": "lm", "sample_rate": 1}
    assert parse(tmp_path / "j").fmt == "json"
    with open(tmp_path / "odd: name.yaml", "rb") as stream:
        doc = parse(stream)
    assert (doc.fmt, doc.source) == ("yaml", stream.name)


# --- every problem, located ----------------------------------------------------------------


def test_every_non_finite_yaml_value_is_reported() -> None:
    issues = _issues("model_type: lm\na: .nan\nb:\n  c: [1, -.inf]\nd: &x .NaN\ne: *x\n")
    assert issues == [("$.a", "type", 2, 4), ("$.b.c[1]", "type", 4, 10), ("$.d", "type", 5, 4),
                      ("$.e", "type", 6, 4)]


def test_every_json_constant_is_reported_with_its_position() -> None:
    issues = _issues('{\n  "model_type": "lm",\n  "a": NaN,\n  "b": [1, Infinity, -Infinity]\n}')
    assert issues == [("$.a", "syntax", 3, 8), ("$.b[1]", "syntax", 4, 12),
                      ("$.b[2]", "syntax", 4, 22)]


def test_every_bad_dict_value_is_reported() -> None:
    data = {"model_type": "lm", "a": math.nan, "b": [math.inf, {1: 2}], "c": object()}
    issues = _issues(data)
    assert [(p, r) for p, r, _, _ in issues] == [("$.a", "type"), ("$.b[0]", "type"),
                                                 ("$.b[1]", "type"), ("$.c", "type")]


def test_every_yaml_key_problem_is_reported() -> None:
    issues = _issues("1: a\n[1]: b\nx: 1\ny: 2\nx: 3\ny: 4\n")
    assert issues == [("$", "type", 1, 1), ("$", "type", 2, 1), ("$.x", "duplicate-key", 5, 1),
                      ("$.y", "duplicate-key", 6, 1)]


def test_issue_list_is_capped() -> None:
    with pytest.raises(ConfigError) as info:
        parse("a: [" + ", ".join([".nan"] * 500) + "]\n")
    issues = info.value.issues
    assert len(issues) == _parse.MAX_ISSUES + 1 and issues[-1].rule == "limit"


def test_yaml_root_issues_are_located_like_json() -> None:
    for text in ("sample_rate: 1\n", '{"sample_rate": 1}'):
        issue = next(i for i in sat_config.validate(text) if i.path == "$.model_type")
        assert (issue.line, issue.column) == (1, 1)
    (issue,) = sat_config.validate("# a comment\n\n- 1\n")
    assert (issue.rule, issue.line) == ("type", 3)


def test_files_over_a_mebibyte_are_refused(tmp_path) -> None:
    """At 1 MiB the worst JSON (positions of 500k values) peaks near 160 MB, the worst YAML
    stops at MAX_NODES; at the old 8 MiB a JSON file took 858 MB."""
    path = tmp_path / "big.json"
    path.write_text('{"a": "' + "x" * 2**21 + '"}')
    assert [i.rule for i in sat_config.validate(path)] == ["size"]


@pytest.mark.parametrize("source", [{"a": [1.0, {"b": 2.5, "c": 3e3}], "d": "x"},
                                    '{"a": [1.0, {"b": 2.5, "c": 3e3}], "d": "x"}',
                                    "a: [1.0, {b: 2.5, c: 3e3}]\nd: x\n"])
def test_documents_read_integral_floats_as_json_schema_does(source) -> None:
    before = repr(source)
    data = parse(source).data
    assert data == {"a": [1, {"b": 2.5, "c": 3000}], "d": "x"}
    assert [type(data["a"][0]), type(data["a"][1]["c"]), type(data["a"][1]["b"])] == \
        [int, int, float]
    assert repr(source) == before  # the caller's dict is not modified


# --- lone surrogates -------------------------------------------------------------------------


def test_lone_surrogates_are_located_errors() -> None:
    """``"\\ud800"`` is valid JSON text but no character: a located error, never a
    UnicodeEncodeError from the validator or the printer."""
    text = '{\n  "model_type": "lm",\n  "name": "a\\ud800b",\n  "\\udc00": 1,\n  "ok": "\\ud83d\\ude00"\n}'
    assert sorted(_issues(text)) == [("$.name", "encoding", 3, 11),
                                     ('$["\\udc00"]', "encoding", 4, 13)]
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert all(line.isprintable() for line in str(info.value).splitlines())
    assert "\\ud800" in str(info.value)


def test_lone_surrogates_in_dicts_and_yaml_are_errors_too() -> None:
    assert _issues({"model_type": "lm", "x": ["\udfff"]}) == [("$.x[0]", "encoding", None, None)]
    assert [i[:2] for i in _issues('model_type: "\\ud800"\n')] == [("$.model_type", "encoding")]


def test_a_pair_of_surrogates_is_one_character() -> None:
    assert parse('{"emoji": "\\ud83d\\ude00"}').data == {"emoji": "\U0001f600"}


@pytest.mark.parametrize("source", [[{"a": 1}], 3, None, 2.5, False])
def test_python_values_that_are_not_objects_are_config_errors(source) -> None:
    assert [i[:2] for i in _issues(source)] == [("$", "type")]
