"""Tiny ``lm`` configs and batches for the language-model tests (CPU, a few thousand
parameters)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import torch

REPO = Path(__file__).resolve().parents[3]
TINY_EXAMPLE = REPO / "examples" / "lm-tiny.json"
REALISTIC_EXAMPLE = REPO / "examples" / "lm.json"


def tiny_lm(sample_size: int = 512, **overrides: Any) -> dict[str, Any]:
    """``examples/lm-tiny.json`` on shorter clips (16 token frames of 4 codebooks of 32 codes);
    ``overrides``: dotted paths (``"model.lm.codebook_pattern"``) -> values."""
    config = json.loads(TINY_EXAMPLE.read_text())
    config.pop("$schema", None)
    config["sample_size"] = sample_size
    for dotted, value in overrides.items():
        *parents, last = dotted.split(".")
        node = config
        for key in parents:
            node = node[key]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = copy.deepcopy(value)
    return config


def typed(config: dict[str, Any]):
    from sat_config import load_config

    return load_config(config)


def build(config: dict[str, Any], seed: int = 0):
    """(typed config, model) of a config dict."""
    from sat_config.kinds.lm.model import create_lm

    cfg = typed(config)
    torch.manual_seed(seed)
    return cfg, create_lm(cfg)


def batch(model, size: int = 2, samples: int = 512, seconds=(1, 3), seed: int = 0):
    """``(audio, metadata)`` as the loaders collate it."""
    gen = torch.Generator().manual_seed(seed)
    audio = torch.randn(size, 1, samples, generator=gen) * 0.3
    metadata = [{"seconds_total": seconds[i % len(seconds)], "padding_mask": torch.ones(samples)}
                for i in range(size)]
    return audio, metadata
