"""Deterministic synthetic audio: mixes of tones, chirps and noise.

Item ``i`` depends only on ``(seed, i)``, so every run, worker and process sees the same audio.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset


def synthetic_clip(rng: np.random.Generator, sample_rate: int, length: int,
                   channels: int) -> np.ndarray:
    """``(channels, length)`` float32 audio with peak 0.5."""
    t = np.arange(length) / sample_rate
    nyquist = sample_rate / 2
    mono = np.zeros(length)
    for _ in range(rng.integers(1, 4)):  # a few steady tones with harmonics and a decay
        f0 = np.exp(rng.uniform(np.log(55.0), np.log(min(2000.0, nyquist / 4))))
        decay = np.exp(-t * rng.uniform(0.0, 4.0))
        for harmonic in range(1, rng.integers(2, 5)):
            if f0 * harmonic < nyquist:
                mono += decay * np.sin(2 * np.pi * f0 * harmonic * t + rng.uniform(0, 2 * np.pi)) \
                    / harmonic
    f_start, f_end = np.exp(rng.uniform(np.log(100.0), np.log(nyquist * 0.8), size=2))
    sweep = f_start * (f_end / f_start) ** (t / t[-1] if length > 1 else t)  # exponential chirp
    mono += rng.uniform(0.2, 0.8) * np.sin(2 * np.pi * np.cumsum(sweep) / sample_rate)
    mono += rng.uniform(0.01, 0.1) * rng.standard_normal(length)  # a noise floor
    audio = np.stack([mono * rng.uniform(0.6, 1.0) + 0.02 * rng.standard_normal(length)
                      for _ in range(channels)])  # slightly different per channel
    return (0.5 * audio / (np.abs(audio).max() + 1e-9)).astype(np.float32)


class SyntheticAudio(Dataset):
    """``length`` clips of ``sample_size`` samples; items are ``(audio, metadata)``."""

    def __init__(self, sample_rate: int, sample_size: int, channels: int, length: int = 10_000,
                 seed: int = 0):
        self.sample_rate, self.sample_size, self.channels = sample_rate, sample_size, channels
        self.length, self.seed = length, seed

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int):
        rng = np.random.default_rng([self.seed, index])
        audio = torch.from_numpy(synthetic_clip(rng, self.sample_rate, self.sample_size,
                                                self.channels))
        seconds = self.sample_size / self.sample_rate
        return audio, {"path": f"synthetic/{index}", "seconds_start": 0,
                       "seconds_total": int(np.ceil(seconds)),
                       "padding_mask": torch.ones(self.sample_size), "sample_rate": self.sample_rate,
                       "prompt": "synthetic tones, chirp and noise"}
