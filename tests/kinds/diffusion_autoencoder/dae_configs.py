"""Tiny diffusion-autoencoder configs (one per backbone) and a loader for the tests."""

from __future__ import annotations

import copy
import warnings
from typing import Any

ENCODER = {"type": "oobleck", "config": {"in_channels": 2, "channels": 4, "c_mults": [1, 2],
                                         "strides": [2, 4], "latent_dim": 8}}
BACKBONES: dict[str, dict[str, Any]] = {
    "dit": {"type": "dit", "config": {"io_channels": 2, "input_concat_dim": 4, "embed_dim": 64,
                                      "depth": 1, "num_heads": 2, "diffusion_objective": "v"}},
    "DAU1d": {"type": "DAU1d", "config": {"io_channels": 2, "depth": 3, "n_attn_layers": 0,
                                          "channels": [8, 8, 8], "cond_dim": 4,
                                          "strides": [2, 2]}},
    "adp_1d": {"type": "adp_1d", "config": {"in_channels": 2, "channels": 8,
                                            "multipliers": [1, 2], "factors": [2],
                                            "num_blocks": [1], "attentions": [0],
                                            "context_channels": [4]}},
}


def tiny(backbone: str = "dit", **training: Any) -> dict[str, Any]:
    """A few-thousand-parameter diffusion autoencoder on 256-sample stereo clips: an oobleck
    encoder (ratio 8) and a VAE bottleneck give 4 latent channels."""
    config = {
        "model_type": "diffusion_autoencoder", "sample_rate": 8000, "sample_size": 256,
        "audio_channels": 2,
        "model": {"encoder": copy.deepcopy(ENCODER), "bottleneck": {"type": "vae"},
                  "latent_dim": 4, "downsampling_ratio": 8, "io_channels": 2,
                  "diffusion": copy.deepcopy(BACKBONES[backbone])},
        "training": {"learning_rate": 1e-3, "demo": {"demo_every": 1000, "demo_steps": 2}},
    }
    config["training"].update(training)
    return config


def load(config: dict[str, Any]):
    """The typed config through ``load_config`` (schema and semantic checks)."""
    from sat_config import load_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_config(copy.deepcopy(config))


def past_schema(config: dict[str, Any]):
    """The typed config built from data the schema would refuse today (``model.decoder``,
    ``use_reconstruction_loss`` without a pretransform): the runtime handles what upstream
    crashes on, even though validation still turns such configs away."""
    from sat_config.models import SCHEMA_CHECKED, DiffusionAutoencoderConfig

    return DiffusionAutoencoderConfig.model_validate(copy.deepcopy(config),
                                                     context={SCHEMA_CHECKED: True})
