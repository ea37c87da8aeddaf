"""Shared fixtures and helpers: where the corpora live, the wheel built once per test session."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
EXAMPLES = REPO / "examples"
# The upstream acceptance corpus sits beside the checkout (../shared); a plain clone may lack it.
UPSTREAM = REPO.parent / "shared" / "corpus" / "upstream"


def upstream_files(prefix: str = "") -> list[Path]:
    return sorted(UPSTREAM.glob(f"{prefix}*.json")) if UPSTREAM.is_dir() else []


def valid_cases() -> list[Path]:
    return sorted((CORPUS / "valid").glob("*.json")) + sorted((CORPUS / "valid").glob("*.yaml"))


def invalid_cases() -> list[Path]:
    return sorted(p for p in (CORPUS / "invalid").glob("*.json") if not p.name.endswith(".expect.json")) \
        + sorted((CORPUS / "invalid").glob("*.yaml"))


def expectation(case: Path) -> dict:
    sidecar = case.with_name(case.name.rsplit(".", 1)[0] + ".expect.json")
    return json.loads(sidecar.read_text())


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json")) + sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture
def upstream_dir() -> Path:
    if not UPSTREAM.is_dir():
        pytest.skip("../shared/corpus/upstream is not present beside this checkout")
    return UPSTREAM


@pytest.fixture(scope="session")
def wheel(tmp_path_factory, worker_id: str) -> Path:
    """sat-config's wheel, built once per test run: with pytest-xdist the workers share one
    build (the first to take the lock builds, the others read its path)."""
    pytest.importorskip("hatchling")
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp() if worker_id == "master" \
        else tmp_path_factory.getbasetemp().parent
    out = shared / "wheel"
    with FileLock(str(shared / "wheel.lock")):
        if not any(out.glob("sat_config-*.whl")):
            subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                            str(out), str(REPO)], check=True, capture_output=True)
    (whl,) = out.glob("sat_config-*.whl")
    return whl


@pytest.fixture(scope="session")
def offline_t5(tmp_path_factory) -> str:
    """A Hugging Face cache in a temporary folder whose ``t5-base`` is a tiny random T5 encoder
    with a ByT5 tokenizer, with the hub set offline: the conditioners' real
    ``from_pretrained("t5-base")`` path runs without a network. Yields the model name."""
    pytest.importorskip("transformers", reason="the t5/lut conditioners need the [text] extra")
    from offline_hf import TINY_T5, offline_hf_cache

    with offline_hf_cache(tmp_path_factory.mktemp("hf_home"), {"t5-base": TINY_T5}):
        yield "t5-base"
