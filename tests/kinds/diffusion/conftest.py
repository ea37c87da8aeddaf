"""Shared pieces of the diffusion-model tests: upstream output fixtures, tiny configs, and an
offline Hugging Face cache holding a tiny T5 under a real model name (nothing is downloaded)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest


torch = pytest.importorskip("torch")
torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "upstream"
SA2 = REPO / "tests" / "corpus" / "upstream" / "model_configs__txt2audio__stable_audio_2_0.json"


OFFLINE_T5_NAME = "t5-base"

TINY_COND: dict[str, Any] = {
    "model_type": "diffusion_cond",
    "sample_size": 64,
    "sample_rate": 16000,
    "audio_channels": 2,
    "model": {
        "io_channels": 2,
        "conditioning": {"cond_dim": 16, "configs": [
            {"id": "seconds_start", "type": "number", "config": {"min_val": 0, "max_val": 512}},
            {"id": "seconds_total", "type": "number", "config": {"min_val": 0, "max_val": 512}},
        ]},
        "diffusion": {
            "type": "dit",
            "cross_attention_cond_ids": ["seconds_start", "seconds_total"],
            "global_cond_ids": ["seconds_start", "seconds_total"],
            "config": {"io_channels": 2, "embed_dim": 64, "depth": 2, "num_heads": 2,
                       "cond_token_dim": 16, "global_cond_dim": 32},
        },
    },
    "training": {
        "learning_rate": 1e-4,
        "demo": {"num_demos": 1, "demo_cond": [{"seconds_start": 0, "seconds_total": 1}],
                 "demo_cfg_scales": [3.0]},
    },
}
METADATA = [{"seconds_start": 3, "seconds_total": 40},
            {"seconds_start": 100.5, "seconds_total": 600}]


@pytest.fixture
def metadata() -> list[dict[str, Any]]:
    """The batch metadata the upstream dit_cond fixture was made with (600 > max_val: clamped)."""
    return copy.deepcopy(METADATA)


@pytest.fixture
def tiny_cond() -> dict[str, Any]:
    """A fresh copy of a tiny diffusion_cond config (DiT, two number conditioners)."""
    return copy.deepcopy(TINY_COND)


@pytest.fixture
def upstream_fixture():
    """``load(name)`` -> the tensors of ``tests/fixtures/upstream/<name>.pt`` (weights only) and
    the path of its config; skips the test when the fixture is absent."""

    def load(name: str) -> tuple[dict[str, Any], Path]:
        pt, config = FIXTURES / f"{name}.pt", FIXTURES / f"{name}.json"
        if not (pt.is_file() and config.is_file()):
            pytest.skip(f"upstream fixture {name} not present in tests/fixtures/upstream")
        return torch.load(pt, map_location="cpu", weights_only=True), config

    return load


def state_dict_of(tensors: dict[str, Any]) -> dict[str, Any]:
    prefix = "state_dict."
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


@pytest.fixture
def fixture_state_dict():
    return state_dict_of
