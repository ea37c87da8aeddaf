"""Same verdicts in JavaScript: ajv and @hyperjump/json-schema, each on the bundled schema and on
the split files, agree with Python's schema verdict on the whole corpus and on a few thousand
generated configs. Python produces the documents and verdicts; node (tests/js/verdicts.mjs) gives
its own; any difference fails with the document and every engine's verdict."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from sat_config.schema import bundle
from sat_config.schema import files as schemas
from sat_config.parsing.document import parse
from sat_config.schema.engine import _py_validator, is_valid
from conftest import CORPUS, REPO, example_files, expectation, invalid_cases, valid_cases
from jsnode import run_node

DIFFERENTIAL_CASES = 3000
REFERENCE_EVERY = 10  # python-jsonschema (~4 ms a config) checks every 10th generated case

# Values a hand-written config plausibly gets wrong (as in test_engines.py), plus edge values
# where engines could differ: integral floats, huge numbers, unicode digits, empty strings.
WRONG_VALUES = ["100", "1e-4", "true", 1, 0, True, False, None, -1, 0.5, 1e12, "", "x", [], {},
                [1, 2], {"x": 1}, "oobleck", "uniform", 2.0, -0.0, 1e-300, "١٢٣", "null"]
UNKNOWN_KEYS = ["learning_rat", "extra", "typ", "confg", "$ref", "$schema"]


def _kind(data: Any) -> str:
    return schemas.DATASET if isinstance(data, dict) and "dataset_type" in data else schemas.ROOT


def _corpus() -> list[tuple[str, Any]]:
    files = [*valid_cases(), *invalid_cases(), *example_files(),
             *sorted((CORPUS / "upstream").glob("*.json"))]
    return [(str(p.relative_to(REPO)), parse(p).data) for p in files]


def _expected(name: str) -> bool:
    """The verdict the corpus layout states (semantic-only mistakes are schema-valid)."""
    path = REPO / name
    if path.parent.name != "invalid":
        return True
    return expectation(path).get("kind") == "semantic"


@pytest.fixture(scope="module")
def bundle_file(tmp_path_factory) -> Path:
    """The bundle built now from schemas/ (the drift test proves the committed one equals it)."""
    path = tmp_path_factory.mktemp("bundle") / bundle.FILE_NAME
    path.write_text(bundle.bundle_text(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def python_bundle_engine(bundle_file):
    doc = json.loads(bundle_file.read_text(encoding="utf-8"))
    registry = jsonschema_rs.Registry([(doc["$id"], doc)])
    validators = {kind: jsonschema_rs.validator_for(
        {"$schema": doc["$schema"], "$ref": bundle.BUNDLE_ID + ("#/$defs/dataset" if kind == "dataset" else "")},
        registry=registry) for kind in (schemas.ROOT, schemas.DATASET)}
    return lambda kind, data: validators[kind].is_valid(data)


def _js_verdicts(bundle_file: Path, tmp_path: Path, cases: list[tuple[str, Any]]) -> dict[str, list[bool]]:
    manifest = tmp_path / "cases.json"
    manifest.write_text(json.dumps([{"kind": _kind(d), "data": d} for _, d in cases],
                                   allow_nan=False), encoding="utf-8")
    out = run_node("verdicts.mjs", "--bundle", str(bundle_file), "--schemas",
                   str(REPO / "schemas"), str(manifest))
    result = json.loads(out)
    return {name: [row[i] for row in result["verdicts"]] for i, name in enumerate(result["engines"])}


def _disagreements(cases, verdicts: dict[str, list[bool]]) -> list[str]:
    lines = []
    for i, (name, _) in enumerate(cases):
        row = {engine: v[i] for engine, v in verdicts.items() if v[i] is not None}
        if len(set(row.values())) > 1:
            shown = ", ".join(f"{e}={'valid' if ok else 'invalid'}" for e, ok in row.items())
            lines.append(f"{name}: {shown}")
    return lines


def test_corpus_verdicts_agree_across_languages(bundle_file, python_bundle_engine, tmp_path) -> None:
    cases = _corpus()
    assert len(cases) >= 60
    verdicts = {
        "layout": [_expected(name) for name, _ in cases],
        "python/jsonschema-rs": [is_valid(d, _kind(d)) for _, d in cases],
        "python/jsonschema": [_py_validator(_kind(d)).is_valid(d) for _, d in cases],
        "python/bundle": [python_bundle_engine(_kind(d), d) for _, d in cases],
        **_js_verdicts(bundle_file, tmp_path, cases),
    }
    assert len(verdicts) == 8
    problems = _disagreements(cases, verdicts)
    assert not problems, "engines disagree:\n" + "\n".join(problems)


# --- differential: generated configs --------------------------------------------------------


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _lookup(node: Any, path: tuple) -> tuple[bool, Any]:
    for part in path:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return False, None
    return True, node


def _wrong(rng: random.Random) -> Any:
    return copy.deepcopy(rng.choice(WRONG_VALUES))  # a fresh copy: later mutations may edit it


def _nudge(value: Any, rng: random.Random) -> Any:
    """A nearby number: probes bounds, multipleOf and integer-ness the same way in every engine."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _wrong(rng)
    return rng.choice([value + 1, value - 1, value * 2, -value, 0, value / 2, float(value),
                       value + 0.5])


def _mutate(doc: Any, seeds: list[Any], rng: random.Random) -> None:
    path = rng.choice(_paths(doc)[1:])
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    op = rng.choice(["wrong", "delete", "add_key", "typo_key", "borrow", "borrow", "nudge",
                     "nudge"])
    if op == "wrong":
        parent[last] = _wrong(rng)
    elif op == "nudge":
        parent[last] = _nudge(parent[last], rng)
    elif op == "borrow":  # the value another seed has at the same place: often still valid
        found, value = _lookup(rng.choice(seeds), path)
        if found:
            parent[last] = copy.deepcopy(value)
    elif op == "delete" and isinstance(parent, dict):
        del parent[last]
    elif op == "delete" and isinstance(parent, list):
        parent.pop(last)
    elif op == "add_key" and isinstance(parent, dict):
        parent[rng.choice(UNKNOWN_KEYS)] = _wrong(rng)
    elif op == "typo_key" and isinstance(parent, dict):
        parent[last + rng.choice(["s", "_", "X"])] = parent.pop(last)


def generated_cases(count: int, seed: int = 20261124) -> list[tuple[str, Any]]:
    """``count`` configs: schema-valid corpus files, each with 0-3 random mutations (deterministic)."""
    rng = random.Random(seed)
    seeds = [d for _, d in _corpus() if isinstance(d, dict) and is_valid(d, _kind(d))]
    cases = []
    for i in range(count):
        doc = copy.deepcopy(rng.choice(seeds))
        for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
            if _paths(doc)[1:]:
                _mutate(doc, seeds, rng)
        cases.append((f"generated case {i}: {json.dumps(doc)[:2000]}", doc))
    return cases


def test_differential_generated_configs(bundle_file, python_bundle_engine, tmp_path) -> None:
    cases = generated_cases(DIFFERENTIAL_CASES)
    python = [is_valid(d, _kind(d)) for _, d in cases]
    valid = sum(python)
    assert 0.15 * len(cases) < valid < 0.85 * len(cases), f"unbalanced: {valid} valid"
    verdicts = {
        "python/jsonschema-rs": python,
        "python/jsonschema": [_py_validator(_kind(d)).is_valid(d) if i % REFERENCE_EVERY == 0 else None
                              for i, (_, d) in enumerate(cases)],
        "python/bundle": [python_bundle_engine(_kind(d), d) for _, d in cases],
        **_js_verdicts(bundle_file, tmp_path, cases),
    }
    problems = _disagreements(cases, verdicts)
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:20])


# --- editors, as a user's starter file meets them ----------------------------------------------


def test_init_starters_resolve_offline_in_the_json_editor(tmp_path) -> None:
    from sat_config import cli

    files = []
    for mt in schemas.model_types():
        target = tmp_path / f"{mt}.json"
        assert cli.main(["init", mt, "-o", str(target)]) == 0
        files.append(str(target))
    typo = tmp_path / "typo.json"
    data = json.loads(Path(files[0]).read_text())
    typo.write_text(json.dumps({**data, "sample_rat": 1}, indent=2))
    result = json.loads(run_node("editor-check.mjs", *files, str(typo)))
    assert result["refused"] == []
    assert {f: result["files"][f] for f in files} == {f: [] for f in files}
    assert result["files"][str(typo)] == [f"{len(typo.read_text().splitlines()) - 1}:3 "
                                          "Property sample_rat is not allowed."]
