"""Diffusion objectives and training-time distributions of t (the noise level, 0 = data, 1 = noise).

Objectives (``diffusion_objective``):

* ``v``: x_t = alpha x + sigma noise with alpha = cos(pi t / 2), sigma = sin(pi t / 2); the model
  predicts v = alpha noise - sigma x.
* ``rectified_flow`` and ``rf_denoiser``: x_t = (1 - t) x + t noise; the model predicts the
  velocity noise - x.

Timestep samplers (``training.timestep_sampler``): ``uniform`` (scrambled Sobol points),
``logit_normal``, ``trunc_logit_normal`` (flipped, so mass sits near t = 1) and ``log_snr``;
then the optional sequence-length-dependent :class:`DistributionShift` and ``p_one_shot``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import torch

Objective = Literal["v", "rectified_flow", "rf_denoiser"]
OBJECTIVES: tuple[str, ...] = ("v", "rectified_flow", "rf_denoiser")
SAMPLERS: tuple[str, ...] = ("uniform", "logit_normal", "trunc_logit_normal", "log_snr")


def alphas_sigmas(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The v-objective's (alpha, sigma) = (cos, sin)(pi t / 2)."""
    return torch.cos(t * math.pi / 2), torch.sin(t * math.pi / 2)


def scales(objective: str, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(weight of the data, weight of the noise) in x_t for ``objective``."""
    if objective == "v":
        return alphas_sigmas(t)
    if objective in ("rectified_flow", "rf_denoiser"):
        return 1 - t, t
    raise ValueError(f"unknown diffusion objective {objective!r} (one of {', '.join(OBJECTIVES)})")


def noise_and_target(objective: str, x: torch.Tensor, t: torch.Tensor,
                     noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x_t, target)`` for clean ``x`` (batch, channels, length), per-item ``t`` and ``noise``."""
    alpha, sigma = (s.view(-1, *([1] * (x.ndim - 1))).to(x.dtype) for s in scales(objective, t))
    noised = x * alpha + noise * sigma
    target = noise * alpha - x * sigma if objective == "v" else noise - x
    return noised, target


class DistributionShift:
    """Moves t towards 1 (more noise) by an amount that grows with the sequence length.

    In logit space the shift is a translation: logit(t') = logit(t) + s, where s goes linearly
    from ``base_shift`` at ``min_length`` to ``max_shift`` at ``max_length`` (clamped outside).
    ``use_sine`` additionally warps t' by sin(pi t' / 2). t = 0 and t = 1 stay fixed.
    """

    def __init__(self, base_shift: float = 0.5, max_shift: float = 1.15, max_length: int = 4096,
                 min_length: int = 256, use_sine: bool = False):
        self.base_shift, self.max_shift = base_shift, max_shift
        self.min_length, self.max_length, self.use_sine = min_length, max_length, use_sine

    def shift(self, length: int) -> float:
        length = min(max(length, self.min_length), self.max_length)
        fraction = (length - self.min_length) / (self.max_length - self.min_length)
        return self.base_shift + (self.max_shift - self.base_shift) * fraction

    def time_shift(self, t: torch.Tensor, seq_len: int) -> torch.Tensor:
        """``t`` shifted for a sequence of ``seq_len`` (latent) frames."""
        # t / (t + e^-s (1 - t)) == sigmoid(logit(t) + s), exact at both ends
        shifted = t / (t + math.exp(-self.shift(seq_len)) * (1 - t))
        return torch.sin(shifted * math.pi / 2) if self.use_sine else shifted


def distribution_shift(options: Any) -> DistributionShift | None:
    """A :class:`DistributionShift` from typed ``distribution_shift_options`` (None = none)."""
    if options is None:
        return None
    return DistributionShift(options.base_shift, options.max_shift, options.max_length,
                             options.min_length, options.use_sine)


# --- samplers of t ------------------------------------------------------------------------------

TRUNCATION = 0.075  # fraction of logit-normal mass cut on the clean side (upstream's default)


def logit_normal(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    return torch.sigmoid(torch.randn(n, generator=generator))


def trunc_logit_normal(n: int, generator: torch.Generator | None = None,
                       left: float = TRUNCATION) -> torch.Tensor:
    """Logit-normal u truncated below ``left`` (by inverse-CDF sampling), rescaled to [0, 1) and
    flipped: t = 1 - (u - left) / (1 - left), in (0, 1]."""
    normal = torch.distributions.Normal(0.0, 1.0)
    lower = normal.cdf(torch.logit(torch.tensor(left)))
    # a uniform point of the normal's CDF inside [lower, 1), mapped back through the inverse CDF
    u = normal.cdf(torch.randn(n, generator=generator))
    u = (lower + (1 - lower) * u).clamp(max=1 - 1e-7)
    samples = torch.sigmoid(normal.icdf(u))
    return 1 - (samples - left) / (1 - left)


def log_snr(n: int, mean: float = -1.2, std: float = 2.0,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """t = sigmoid(-lambda) for lambda ~ N(mean, std^2), kept inside [1e-4, 1 - 1e-4]."""
    snr = torch.randn(n, generator=generator) * std + mean
    return torch.sigmoid(-snr).clamp(1e-4, 1 - 1e-4)


class TimestepSampler:
    """Draws one t per batch item as ``training.timestep_sampler`` etc. configure it."""

    def __init__(self, kind: str = "uniform", mean_logsnr: float = -1.2, std_logsnr: float = 2.0,
                 shift: DistributionShift | None = None, p_one_shot: float = 0.0):
        if kind not in SAMPLERS:
            raise ValueError(f"unknown timestep_sampler {kind!r} (one of {', '.join(SAMPLERS)})")
        self.kind, self.mean_logsnr, self.std_logsnr = kind, mean_logsnr, std_logsnr
        self.shift, self.p_one_shot = shift, p_one_shot
        self.sobol = torch.quasirandom.SobolEngine(1, scramble=True) if kind == "uniform" else None

    def base(self, n: int) -> torch.Tensor:
        """Samples before the shift and ``p_one_shot`` (float32, on the CPU)."""
        if self.kind == "uniform":
            return self.sobol.draw(n)[:, 0].float()
        if self.kind == "logit_normal":
            return logit_normal(n)
        if self.kind == "trunc_logit_normal":
            return trunc_logit_normal(n)
        return log_snr(n, self.mean_logsnr, self.std_logsnr)

    def __call__(self, n: int, length: int,
                 device: torch.device | str | None = None) -> torch.Tensor:
        """``n`` values of t for sequences of ``length`` frames."""
        t = self.base(n)
        if self.shift is not None:
            t = self.shift.time_shift(t, length)
        if self.p_one_shot > 0:
            t = torch.where(torch.rand_like(t) < self.p_one_shot, torch.ones_like(t), t)
        return t.to(device)


def timestep_sampler(training: Any, diffusion: Any = None) -> TimestepSampler:
    """The sampler of a typed cond ``training`` section; ``diffusion``: the typed backbone entry
    (``model.diffusion``) whose ``distribution_shift_options`` apply."""
    options = training.timestep_sampler_options
    return TimestepSampler(training.timestep_sampler, options.mean_logsnr, options.std_logsnr,
                           distribution_shift(getattr(diffusion, "distribution_shift_options",
                                                      None)),
                           training.p_one_shot)
