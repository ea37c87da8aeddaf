"""The engines agree: jsonschema-rs (fast path) == python-jsonschema (reference), and the typed
models never accept what the schema rejects (no silent coercion). Property-based (hypothesis)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sat_config import models
from sat_config._validate import _best_branch, _py_validator, is_valid
from conftest import CORPUS, example_files, invalid_cases, valid_cases

SEEDS = [json.loads(p.read_text()) for p in sorted((CORPUS / "upstream").glob("model_configs__*.json"))
         + [p for p in valid_cases() + example_files() if p.suffix == ".json"]]
INVALID = [json.loads(p.read_text()) for p in invalid_cases() if p.suffix == ".json"]

# Values a hand-written config plausibly gets wrong: quoted numbers, 0/1 for booleans,
# booleans for numbers, nulls, empty containers, out-of-range numbers, typo'd strings.
WRONG_VALUES = ["100", "1e-4", "true", 1, 0, True, False, None, -1, 0.5, 1e12, "", "x", [], {},
                [1, 2], {"x": 1}, "oobleck", "uniform"]

# Rules only the JSON Schema layer states; the typed models rely on load_config running the
# schema first. Anything else accepted by the models but rejected by the schema is a bug.
SCHEMA_ONLY_RULES = {"not", "if", "then", "else", "oneOf", "anyOf", "dependentRequired"}


def _schema_verdict(data: Any) -> bool:
    return _py_validator("config").is_valid(data)


def _typed_verdict(data: Any, strict: bool = True) -> bool:
    try:
        models.training_config_adapter().validate_python(data, strict=strict)
        return True
    except ValidationError:
        return False


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_configs(draw) -> dict:
    doc = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)[1:]))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        op = draw(st.sampled_from(["replace", "delete", "add_key", "typo_key"]))
        if op == "replace":
            # a copy: inserting the shared list/dict objects would let later mutations alias them
            parent[last] = copy.deepcopy(draw(st.sampled_from(WRONG_VALUES)))
        elif op == "delete" and isinstance(parent, dict):
            del parent[last]
        elif op == "add_key" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["learning_rat", "extra", "typ", "confg"]))] = 1
        elif op == "typo_key" and isinstance(parent, dict):
            parent[last + "s"] = parent.pop(last)
    return doc


@pytest.mark.parametrize("data", SEEDS + INVALID)
def test_fast_and_reference_engines_agree_on_corpus(data: dict) -> None:
    assert is_valid(data) == _schema_verdict(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_configs())
def test_fast_and_reference_engines_agree_on_mutations(data: dict) -> None:
    assert is_valid(data) == _schema_verdict(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_configs())
def test_typed_models_never_accept_what_the_schema_rejects(data: dict) -> None:
    schema_ok = _schema_verdict(data)
    typed_ok = _typed_verdict(data)
    if typed_ok and not schema_ok:
        # Only the branch the config means counts (its model_type, then each nested tag): errors of
        # the other oneOf branches are noise, not gaps of the typed model.
        errors = _py_validator(data["model_type"]).iter_errors(data)
        leaves = _leaf_rules(errors)
        assert leaves <= SCHEMA_ONLY_RULES, (
            f"typed model accepted a config the schema rejects ({sorted(leaves)})")
    if schema_ok:
        # load_config builds the typed config in pydantic's lax mode, after the schema check; strict
        # mode alone rejects integral floats such as 1e12 that JSON Schema counts as integers.
        assert typed_ok or _typed_verdict(data, strict=False), "typed model rejected a schema-valid config"


def _leaf_rules(errors, inherited: str | None = None) -> set:
    """The rule behind each leaf error: the first schema-only keyword on its way, else its own."""
    out = set()
    for err in errors:
        path = list(err.relative_schema_path)
        own = path[-1] if path else err.validator
        rule = inherited or next((p for p in path[:-1] if p in SCHEMA_ONLY_RULES), None)
        if err.context:
            branch = _best_branch(err) if err.validator in ("oneOf", "anyOf") else None
            if branch is not None:
                out |= _leaf_rules(branch, rule)
            else:
                out |= _leaf_rules(err.context, rule or own)
        else:
            out.add(rule or own)
    return out


@pytest.mark.parametrize("data", SEEDS)
def test_typed_models_accept_every_valid_seed(data: dict) -> None:
    assert _typed_verdict(data)


def test_no_coercion_examples() -> None:
    base = json.loads((CORPUS / "upstream" / "model_configs__dance_diffusion__dance_diffusion_base.json").read_text())
    for key, value in [("sample_rate", "16000"), ("sample_size", True), ("sample_rate", 1.5)]:
        bad = {**base, key: value}
        assert not _schema_verdict(bad) and not _typed_verdict(bad), (key, value)
