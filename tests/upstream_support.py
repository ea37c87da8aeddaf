"""Helpers of the tests that compare against upstream: fixtures and the shipped corpus configs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny models: extra threads only oversubscribe the cores

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus" / "upstream"
FIXTURES = REPO / "tests" / "fixtures" / "upstream"
TOL = 1e-5


def corpus_config(name: str) -> dict:
    return json.loads((CORPUS / f"{name}.json").read_text())


def upstream_fixture(name: str) -> tuple[dict, dict]:
    """(tensors, config) of an upstream-output fixture; skips the test when it is absent."""
    pt, cfg = FIXTURES / f"{name}.pt", FIXTURES / f"{name}.json"
    if not (pt.is_file() and cfg.is_file()):
        pytest.skip(f"upstream fixture {name} not present")
    return torch.load(pt, map_location="cpu", weights_only=True), json.loads(cfg.read_text())


def state_dict(tensors: dict, prefix: str = "") -> dict:
    """The fixture's ``state_dict.<prefix>...`` entries with that prefix removed."""
    head = "state_dict." + prefix
    return {k[len(head):]: v for k, v in tensors.items() if k.startswith(head)}


def n_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def assert_close(actual, expected, tol: float = TOL) -> None:
    assert actual.shape == expected.shape
    err = (actual - expected).abs().max().item()
    assert err <= tol, f"max abs error {err:.3g} > {tol}"
