"""Data-driven: every shipped, example and fixture config gets the verdict it should."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sat_config
from conftest import (CORPUS, example_files, expectation, invalid_cases, upstream_files,
                      valid_cases)

UPSTREAM_COPY = sorted((CORPUS / "upstream").glob("*.json"))


def _errors(path: Path, strict: bool = False) -> list[sat_config.Issue]:
    return [i for i in sat_config.validate(path, kind=_kind(path), strict=strict)
            if i.severity == "error"]


def _kind(path: Path) -> str:
    data = json.loads(path.read_text()) if path.suffix == ".json" else {}
    return "dataset" if "dataset_type" in data else "config"


@pytest.mark.parametrize("path", UPSTREAM_COPY, ids=lambda p: p.name)
def test_upstream_fixture_validates(path: Path) -> None:
    assert _errors(path) == []


def test_upstream_fixture_is_complete() -> None:
    assert len(UPSTREAM_COPY) == 12


@pytest.mark.parametrize("path", upstream_files(), ids=lambda p: p.name)
def test_shared_upstream_corpus_validates(path: Path) -> None:
    """../shared/corpus/upstream (when present) validates, and our copy is verbatim."""
    assert _errors(path) == []
    assert (CORPUS / "upstream" / path.name).read_bytes() == path.read_bytes()


@pytest.mark.parametrize("path", upstream_files("model_configs"), ids=lambda p: p.name)
def test_upstream_model_configs_build_typed(path: Path) -> None:
    config = sat_config.load_config(path)
    assert config.model_type == json.loads(path.read_text())["model_type"]


@pytest.mark.parametrize("path", valid_cases(), ids=lambda p: p.name)
def test_valid_case(path: Path) -> None:
    assert _errors(path) == []
    if _kind(path) == "config":
        sat_config.load_config(path)


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_example(path: Path) -> None:
    assert _errors(path) == []
    config = sat_config.load_config(path)
    assert config.field_schema  # every example points editors at the schema


@pytest.mark.parametrize("path", invalid_cases(), ids=lambda p: p.name)
def test_invalid_case(path: Path) -> None:
    """Invalid as it stands; a ``"strict": true`` case only under ``strict`` (a key its kind
    ignores: a warning, an error with --strict)."""
    expect = expectation(path)
    strict = expect.get("strict", False)
    if strict:
        assert not _errors(path), f"{path.name} should only warn without strict"
        warned = {i.path for i in sat_config.validate(path) if i.severity == "warning"}
        assert set(expect["paths"]) <= warned
    issues = _errors(path, strict)
    assert issues, f"{path.name} should be invalid"
    named = {i.path for i in issues}
    for wanted in expect["paths"]:
        assert wanted in named, f"{path.name}: expected an issue at {wanted}, got {sorted(named)}"
    with pytest.raises(sat_config.ConfigError) as info:
        sat_config.load_config(path, strict=strict)
    assert {i.path for i in info.value.errors} == named
    if expect.get("kind") == "semantic":
        from sat_config.schema.engine import is_valid

        assert is_valid(json.loads(path.read_text())), "semantic cases must be schema-valid"
    elif expect.get("kind") == "schema":
        from sat_config.schema.engine import is_valid

        assert not is_valid(json.loads(path.read_text()))


def test_corpus_is_substantial() -> None:
    assert len(invalid_cases()) >= 40
    assert len(valid_cases()) >= 8
    assert {json.loads(p.read_text()).get("model_type") for p in example_files()} >= {
        "autoencoder", "diffusion_uncond", "diffusion_cond", "diffusion_cond_inpaint",
        "diffusion_autoencoder", "lm"}
