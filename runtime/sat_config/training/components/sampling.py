"""Samplers for diffusion demos and generation (no k-diffusion: it is unmaintained and pulls in
torchvision). Every sampler calls ``model(x, t, **extra)`` with one t per batch item, where the
model predicts what its objective trains it to (v, or the flow velocity).

* ``v`` objective: :func:`sample` (DDIM over the cos/sin schedule, upstream's demo sampler) and
  the DPM-Solver++ family (:func:`sample_dpmpp_2m`, :func:`sample_dpmpp_2m_sde`,
  :func:`sample_dpmpp_3m_sde`) over a :class:`VDenoiser`, in the variance-exploding sigma
  parameterisation (x = data + sigma noise) with a polyexponential schedule.
* ``rectified_flow``: :func:`sample_discrete_euler` (demos) and :func:`sample_flow_dpmpp`.
* ``rf_denoiser``: :func:`sample_flow_pingpong` over :func:`rf_denoiser_sigmas` (logSNR from -6
  to 2), which re-noises the denoised estimate at every step.

The DPM-Solver++ updates follow Lu et al. 2022 ("DPM-Solver++", arXiv:2211.01095): first order on
the first step, then multistep corrections from the previous denoised estimates; the SDE variants
add fresh noise with the variance their exponential integrator prescribes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from .timesteps import DistributionShift, alphas_sigmas

Model = Callable[..., torch.Tensor]


def _per_item(value: torch.Tensor | float, x: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(value, dtype=x.dtype, device=x.device).expand(x.shape[0])


def _schedule(steps: int | None, sigma_max: float, sigmas: torch.Tensor | None,
              dist_shift: DistributionShift | None, length: int) -> torch.Tensor:
    if sigmas is not None:
        return sigmas
    if steps is None:
        raise ValueError("give steps or sigmas")
    t = torch.linspace(sigma_max, 0, steps + 1)
    return dist_shift.time_shift(t, length) if dist_shift is not None else t


# --- v objective: DDIM ----------------------------------------------------------------------------


@torch.no_grad()
def sample(model: Model, x: torch.Tensor, steps: int, eta: float = 0.0, sigma_max: float = 1.0,
           dist_shift: DistributionShift | None = None, callback: Callable | None = None,
           generator: torch.Generator | None = None, **extra: Any) -> torch.Tensor:
    """DDIM for a v-model from noise ``x`` at t = ``sigma_max`` down to data, in ``steps`` model
    calls (eta = 0: deterministic; eta = 1: ancestral). Returns the last denoised estimate."""
    t = torch.linspace(sigma_max, 0, steps + 1)[:-1]
    if dist_shift is not None:
        t = dist_shift.time_shift(t, x.shape[-1])
    alphas, sigmas = alphas_sigmas(t)
    denoised = x
    for i in range(steps):
        v = model(x, _per_item(t[i], x), **extra)
        denoised = x * alphas[i] - v * sigmas[i]
        eps = x * sigmas[i] + v * alphas[i]
        if i < steps - 1:
            # the fresh-noise share eta asks for, and what remains for the predicted noise
            fresh = eta * (sigmas[i + 1] ** 2 / sigmas[i] ** 2).sqrt() * \
                (1 - alphas[i] ** 2 / alphas[i + 1] ** 2).sqrt()
            kept = (sigmas[i + 1] ** 2 - fresh ** 2).clamp(min=0).sqrt()
            x = denoised * alphas[i + 1] + eps * kept
            if eta:
                x = x + fresh * torch.randn(x.shape, generator=generator, device=x.device,
                                            dtype=x.dtype)
        if callback is not None:
            callback({"x": x, "i": i, "t": t[i], "sigma": sigmas[i], "denoised": denoised})
    return denoised


# --- flow objectives ------------------------------------------------------------------------------


@torch.no_grad()
def sample_discrete_euler(model: Model, x: torch.Tensor, steps: int | None = None,
                          sigma_max: float = 1.0, sigmas: torch.Tensor | None = None,
                          dist_shift: DistributionShift | None = None,
                          callback: Callable | None = None, **extra: Any) -> torch.Tensor:
    """Euler steps of dx/dt = v from t = ``sigma_max`` (or ``sigmas[0]``) to 0."""
    t = _schedule(steps, sigma_max, sigmas, dist_shift, x.shape[-1])
    for i in range(len(t) - 1):
        v = model(x, _per_item(t[i], x), **extra)
        x = x + (t[i + 1] - t[i]) * v
        if callback is not None:
            callback({"x": x, "i": i, "t": t[i], "sigma": t[i], "denoised": x - t[i + 1] * v})
    return x


def rf_denoiser_sigmas(steps: int, logsnr_start: float = -6.0, logsnr_end: float = 2.0,
                       sigma_max: float = 1.0) -> torch.Tensor:
    """``steps + 1`` noise levels t = sigmoid(-logSNR), logSNR evenly spaced, pinned to
    ``sigma_max`` first and 0 last (upstream's rf_denoiser demo schedule)."""
    t = torch.sigmoid(-torch.linspace(logsnr_start, logsnr_end, steps + 1))
    t[0], t[-1] = sigma_max, 0.0
    return t


@torch.no_grad()
def sample_flow_pingpong(model: Model, x: torch.Tensor, steps: int | None = None,
                         sigma_max: float = 1.0, sigmas: torch.Tensor | None = None,
                         dist_shift: DistributionShift | None = None,
                         callback: Callable | None = None,
                         generator: torch.Generator | None = None, **extra: Any) -> torch.Tensor:
    """Denoise fully, then re-noise to the next level with fresh noise ("ping-pong"), for
    few-step (distilled) flow models."""
    t = _schedule(steps, sigma_max, sigmas, dist_shift, x.shape[-1])
    for i in range(len(t) - 1):
        denoised = x - t[i] * model(x, _per_item(t[i], x), **extra)
        if callback is not None:
            callback({"x": x, "i": i, "t": t[i], "sigma": t[i], "denoised": denoised})
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        x = (1 - t[i + 1]) * denoised + t[i + 1] * noise
    return x


@torch.no_grad()
def sample_flow_dpmpp(model: Model, x: torch.Tensor, steps: int | None = None,
                      sigma_max: float = 1.0, sigmas: torch.Tensor | None = None,
                      dist_shift: DistributionShift | None = None,
                      callback: Callable | None = None, **extra: Any) -> torch.Tensor:
    """DPM-Solver++(2M) for a flow model, stepping in lambda = log((1 - t) / t)."""
    t = _schedule(steps, sigma_max, sigmas, dist_shift, x.shape[-1])
    previous, h_previous = None, None
    for i in range(len(t) - 1):
        t_now, t_next = t[i], t[i + 1]
        denoised = x - t_now * model(x, _per_item(t_now, x), **extra)
        if callback is not None:
            callback({"x": x, "i": i, "t": t_now, "sigma": t_now, "denoised": denoised})
        if t_next == 0 or t_now == 1:  # an end of the schedule: lambda is infinite there
            x = t_next * x + (1 - t_next) * denoised if t_next > 0 else denoised
            previous, h_previous = (denoised, None) if t_next > 0 else (None, None)
            continue
        h = torch.log((1 - t_next) / t_next) - torch.log((1 - t_now) / t_now)
        estimate = denoised
        if previous is not None and h_previous is not None:
            r = h_previous / h
            estimate = (1 + 1 / (2 * r)) * denoised - previous / (2 * r)
        x = (t_next / t_now) * x - (1 - t_next) * torch.expm1(-h) * estimate
        previous, h_previous = denoised, h
    return x


# --- v objective: DPM-Solver++ in sigma (variance-exploding) space -------------------------------


class VDenoiser:
    """A v-model seen as a denoiser D(x, sigma) of x = data + sigma noise (data std 1).

    The v-model sees the same point on its own circle: x / sqrt(1 + sigma^2) at
    t = 2 atan(sigma) / pi, and D = x / (1 + sigma^2) - sigma v / sqrt(1 + sigma^2).
    """

    def __init__(self, model: Model):
        self.model = model

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor, **extra: Any) -> torch.Tensor:
        s = sigma.to(x.dtype).view(-1, *([1] * (x.ndim - 1)))
        norm = (1 + s ** 2).sqrt()
        v = self.model(x / norm, sigma.atan() * 2 / math.pi, **extra)
        return x / norm ** 2 - v * s / norm


def polyexponential_sigmas(steps: int, sigma_min: float, sigma_max: float, rho: float = 1.0,
                           device: torch.device | str | None = None) -> torch.Tensor:
    """``steps`` sigmas from ``sigma_max`` to ``sigma_min``, log-spaced when rho = 1 (rho bends
    the ramp), then a final 0."""
    ramp = torch.linspace(1, 0, steps, device=device) ** rho
    log_sigmas = ramp * (math.log(sigma_max) - math.log(sigma_min)) + math.log(sigma_min)
    return torch.cat([log_sigmas.exp(), log_sigmas.new_zeros(1)])


def _log_sigma_steps(sigmas: torch.Tensor, i: int) -> torch.Tensor:
    """h: the step in lambda = -log(sigma) from sigmas[i] to sigmas[i + 1]."""
    return sigmas[i].log() - sigmas[i + 1].log()


@torch.no_grad()
def sample_dpmpp_2m(denoiser: Model, x: torch.Tensor, sigmas: torch.Tensor,
                    callback: Callable | None = None, **extra: Any) -> torch.Tensor:
    """Deterministic second-order multistep DPM-Solver++ (2M)."""
    previous, h_previous = None, None
    for i in range(len(sigmas) - 1):
        denoised = denoiser(x, _per_item(sigmas[i], x), **extra)
        if callback is not None:
            callback({"x": x, "i": i, "sigma": sigmas[i], "denoised": denoised})
        if sigmas[i + 1] == 0:
            x = denoised
            continue
        h = _log_sigma_steps(sigmas, i)
        estimate = denoised
        if previous is not None:
            r = h_previous / h
            estimate = (1 + 1 / (2 * r)) * denoised - previous / (2 * r)
        x = (sigmas[i + 1] / sigmas[i]) * x - torch.expm1(-h) * estimate
        previous, h_previous = denoised, h
    return x


@torch.no_grad()
def sample_dpmpp_2m_sde(denoiser: Model, x: torch.Tensor, sigmas: torch.Tensor, eta: float = 1.0,
                        s_noise: float = 1.0, callback: Callable | None = None,
                        generator: torch.Generator | None = None, **extra: Any) -> torch.Tensor:
    """Stochastic DPM-Solver++(2M) (midpoint correction); eta scales the injected noise."""
    previous, h_previous = None, None
    for i in range(len(sigmas) - 1):
        denoised = denoiser(x, _per_item(sigmas[i], x), **extra)
        if callback is not None:
            callback({"x": x, "i": i, "sigma": sigmas[i], "denoised": denoised})
        if sigmas[i + 1] == 0:
            x = denoised
            continue
        h = _log_sigma_steps(sigmas, i)
        eta_h = eta * h
        decay = -torch.expm1(-h - eta_h)  # 1 - e^{-(1 + eta) h}
        x = (sigmas[i + 1] / sigmas[i]) * torch.exp(-eta_h) * x + decay * denoised
        if previous is not None:
            x = x + 0.5 * decay * (h / h_previous) * (denoised - previous)
        if eta:
            noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            x = x + noise * sigmas[i + 1] * (-torch.expm1(-2 * eta_h)).sqrt() * s_noise
        previous, h_previous = denoised, h
    return x


@torch.no_grad()
def sample_dpmpp_3m_sde(denoiser: Model, x: torch.Tensor, sigmas: torch.Tensor, eta: float = 1.0,
                        s_noise: float = 1.0, callback: Callable | None = None,
                        generator: torch.Generator | None = None, **extra: Any) -> torch.Tensor:
    """Stochastic third-order multistep DPM-Solver++ (3M SDE)."""
    d1_prev = d2_prev = h1 = h2 = None  # the two previous denoised estimates and their steps
    for i in range(len(sigmas) - 1):
        denoised = denoiser(x, _per_item(sigmas[i], x), **extra)
        if callback is not None:
            callback({"x": x, "i": i, "sigma": sigmas[i], "denoised": denoised})
        if sigmas[i + 1] == 0:
            x = denoised
            continue
        h = _log_sigma_steps(sigmas, i)
        h_eta = h * (eta + 1)
        x = torch.exp(-h_eta) * x - torch.expm1(-h_eta) * denoised
        phi_2 = torch.expm1(-h_eta) / h_eta + 1
        if h2 is not None:
            r0, r1 = h1 / h, h2 / h
            slope0 = (denoised - d1_prev) / r0
            slope1 = (d1_prev - d2_prev) / r1
            first = slope0 + (slope0 - slope1) * r0 / (r0 + r1)
            second = (slope0 - slope1) / (r0 + r1)
            phi_3 = phi_2 / h_eta - 0.5
            x = x + phi_2 * first - phi_3 * second
        elif h1 is not None:
            x = x + phi_2 * (denoised - d1_prev) / (h1 / h)
        if eta:
            noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            x = x + noise * sigmas[i + 1] * (-torch.expm1(-2 * h * eta)).sqrt() * s_noise
        d1_prev, d2_prev, h1, h2 = denoised, d1_prev, h, h1
    return x


DPMPP = {"dpmpp-2m": sample_dpmpp_2m, "dpmpp-2m-sde": sample_dpmpp_2m_sde,
         "dpmpp-3m-sde": sample_dpmpp_3m_sde}


def sample_v_dpmpp(model: Model, noise: torch.Tensor, steps: int,
                   sampler: str = "dpmpp-3m-sde", sigma_min: float = 0.01,
                   sigma_max: float = 100.0, rho: float = 1.0, **extra: Any) -> torch.Tensor:
    """Generate from unit ``noise`` with a v-model and a DPM-Solver++ sampler over
    ``steps`` polyexponential sigmas (what upstream's generation calls through k-diffusion)."""
    if sampler not in DPMPP:
        raise ValueError(f"unknown sampler {sampler!r} (one of {', '.join(DPMPP)})")
    sigmas = polyexponential_sigmas(steps, sigma_min, sigma_max, rho, device=noise.device)
    return DPMPP[sampler](VDenoiser(model), noise * sigmas[0], sigmas, **extra)


# --- what the demos use ---------------------------------------------------------------------------


def sample_for_objective(objective: str, model: Model, noise: torch.Tensor, steps: int,
                         dist_shift: DistributionShift | None = None,
                         **extra: Any) -> torch.Tensor:
    """Upstream's demo sampler for each objective: v-DDIM (eta 0), Euler, or ping-pong."""
    if objective == "v":
        return sample(model, noise, steps, 0.0, dist_shift=dist_shift, **extra)
    if objective == "rectified_flow":
        return sample_discrete_euler(model, noise, steps, dist_shift=dist_shift, **extra)
    if objective == "rf_denoiser":
        sigmas = rf_denoiser_sigmas(steps).to(noise.device)
        return sample_flow_pingpong(model, noise, sigmas=sigmas, dist_shift=dist_shift, **extra)
    raise ValueError(f"unknown diffusion objective {objective!r}")
