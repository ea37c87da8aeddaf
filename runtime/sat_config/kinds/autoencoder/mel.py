"""Multi-resolution mel loss (``loss_configs.mrmel``), as upstream's DAC-derived
``MelSpectrogramLoss``: per resolution, L1 between log10(clamp(mel)^pow) (``log_weight``) and
between raw mel magnitudes (``mag_weight``); hop = window / 4, periodic Hann window."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int) -> torch.Tensor:
    """``(n_mels, n_fft // 2 + 1)`` triangular Slaney-scale, Slaney-normalised filters from 0 Hz
    to Nyquist (``librosa.filters.mel``'s defaults, as upstream's DAC-derived loss uses)."""
    from librosa.filters import mel  # librosa comes with auraloss[all]

    return torch.from_numpy(mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels)).float()


class MultiResolutionMelLoss(nn.Module):
    """From a typed ``AutoencoderMrmelConfig`` (n_mels, window_lengths, pow, log_weight,
    mag_weight); upstream fixes clamp_eps 1e-5 and fmin 0 / fmax Nyquist."""

    clamp_eps = 1e-5

    def __init__(self, sample_rate: int, config):
        super().__init__()
        if len(config.n_mels) != len(config.window_lengths):
            raise ValueError("mrmel: n_mels and window_lengths need the same length")
        self.windows = list(config.window_lengths)
        self.pow, self.log_weight, self.mag_weight = config.pow, config.log_weight, \
            config.mag_weight
        for i, (n_mels, window) in enumerate(zip(config.n_mels, self.windows)):
            self.register_buffer(f"fb{i}", mel_filterbank(sample_rate, window, n_mels),
                                 persistent=False)
            self.register_buffer(f"window{i}", torch.hann_window(window), persistent=False)

    def _mel(self, x: torch.Tensor, i: int) -> torch.Tensor:
        window = getattr(self, f"window{i}")
        n = self.windows[i]
        spec = torch.stft(x.reshape(-1, x.shape[-1]).float(), n, n // 4, window=window,
                          center=True, pad_mode="reflect", return_complex=True).abs()
        return torch.matmul(getattr(self, f"fb{i}"), spec)

    def forward(self, decoded: torch.Tensor, reals: torch.Tensor) -> torch.Tensor:
        loss = decoded.new_zeros(())
        for i in range(len(self.windows)):
            x, y = self._mel(decoded, i), self._mel(reals, i)
            if self.log_weight:
                loss = loss + self.log_weight * F.l1_loss(
                    x.clamp(self.clamp_eps).pow(self.pow).log10(),
                    y.clamp(self.clamp_eps).pow(self.pow).log10())
            if self.mag_weight:
                loss = loss + self.mag_weight * F.l1_loss(x, y)
        return loss
