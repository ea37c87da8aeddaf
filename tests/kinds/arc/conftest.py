"""Tiny ARC configs (DiT: embed 64, 2 heads, depth 2; no pretransform) and batches."""

from __future__ import annotations

import copy
from typing import Any

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

PROMPTS = ["drums", "piano", "synthetic tones, chirp and noise"]

TINY_ARC: dict[str, Any] = {
    "model_type": "diffusion_cond",
    "sample_size": 64,
    "sample_rate": 16000,
    "audio_channels": 2,
    "model": {
        "io_channels": 2,
        "conditioning": {"cond_dim": 16, "configs": [
            {"id": "prompt", "type": "list", "config": {"options": PROMPTS}},
            {"id": "seconds_total", "type": "number", "config": {"min_val": 0, "max_val": 512}},
        ]},
        "diffusion": {
            "type": "dit",
            "diffusion_objective": "rectified_flow",
            "cross_attention_cond_ids": ["prompt", "seconds_total"],
            "global_cond_ids": ["seconds_total"],
            "config": {"io_channels": 2, "embed_dim": 64, "depth": 2, "num_heads": 2,
                       "cond_token_dim": 16, "global_cond_dim": 16},
        },
    },
    "training": {
        "optimizer_configs": {
            "diffusion": {"optimizer": {"type": "AdamW", "config": {"lr": 1e-3}}},
            "discriminator": {"optimizer": {"type": "AdamW", "config": {"lr": 1e-3}}},
        },
        "arc": {
            "use_model_as_discriminator": True,
            "discriminator": {"dit_hidden_layer": 1, "config": {
                "channels": 8, "c_mults": [1, 2], "strides": [2, 2], "num_blocks": [1, 1]}},
        },
        "demo": {"demo_every": 1, "num_demos": 2,
                 "demo_cond": [{"prompt": "drums", "seconds_total": 1},
                               {"prompt": "piano", "seconds_total": 2}],
                 "demo_cfg_scales": [1.0]},
    },
}


def _make_batch(n: int = 2, length: int = 64, prompts=None, seed: int = 0):
    """``(reals (n, 2, length), metadata)`` with prompts, seconds_total and padding masks."""
    generator = torch.Generator().manual_seed(seed)
    reals = torch.randn(n, 2, length, generator=generator) * 0.5
    prompts = prompts or [PROMPTS[i % 2] for i in range(n)]
    metadata = [{"prompt": prompts[i], "seconds_total": 1 + i,
                 "padding_mask": torch.ones(length)} for i in range(n)]
    return reals, metadata


@pytest.fixture
def tiny_arc() -> dict[str, Any]:
    return copy.deepcopy(TINY_ARC)


@pytest.fixture
def make_batch():
    """``make_batch(n=2, length=64, prompts=None, seed=0)`` -> a batch for the tiny config."""
    return _make_batch
