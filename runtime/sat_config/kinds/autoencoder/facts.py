"""Fixed facts of autoencoder training that the checks read too (torch-free)."""

from __future__ import annotations

from typing import Any

# Upstream's built-in losses when `training.loss_configs` is absent (training/autoencoders.py);
# the schema describes this object but cannot carry it as a default. Scales 2048..32, hop n/4.
_SCALES = [2048, 1024, 512, 256, 128, 64, 32]
BUILTIN_LOSS_CONFIGS: dict[str, Any] = {
    "discriminator": {
        "type": "encodec",
        "config": {"filters": 32, "n_ffts": _SCALES, "hop_lengths": [s // 4 for s in _SCALES],
                   "win_lengths": _SCALES},
        "weights": {"adversarial": 0.1, "feature_matching": 5.0},
    },
    "spectral": {
        "config": {"fft_sizes": _SCALES, "hop_sizes": [s // 4 for s in _SCALES],
                   "win_lengths": _SCALES, "perceptual_weighting": True},
        "weights": {"mrstft": 1.0},
    },
    "time": {"weights": {"l1": 0.0}},
}
