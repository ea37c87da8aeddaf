"""Samplers against a known answer: Gaussian data N(mu, s^2) and its exact v / velocity /
denoiser. Generated samples must have the data's mean and variance (N = 20,000 values: the
standard error of the mean is s / sqrt(N) ~ 0.004, of the variance s^2 sqrt(2 / N) ~ 0.003)."""

from __future__ import annotations

import math

import pytest
import torch

from kinds.diffusion.diffusion_standins import GaussianFlow, GaussianV, GaussianVEDenoiser

from sat_config.training.components import sampling as S
from sat_config.training.components.timesteps import DistributionShift

MU, STD = 0.7, 0.5
SHAPE = (200, 1, 100)


def _noise(seed: int = 0) -> torch.Tensor:
    return torch.randn(SHAPE, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _assert_data_moments(x: torch.Tensor, mu: float = MU, var: float = STD ** 2,
                         tol_mean: float = 0.02, tol_var: float = 0.03) -> None:
    assert torch.isfinite(x).all()
    assert x.mean().item() == pytest.approx(mu, abs=tol_mean)
    assert x.var().item() == pytest.approx(var, rel=tol_var)


@pytest.mark.parametrize("eta,steps", [(0.0, 100), (1.0, 600)])
def test_v_ddim_sample_matches_gaussian_data(eta, steps):
    """Deterministic DDIM converges fast; the ancestral variant (eta 1) needs many steps."""
    torch.manual_seed(1)
    x = S.sample(GaussianV(MU, STD), _noise(), steps=steps, eta=eta)
    _assert_data_moments(x, tol_var=0.03 if eta == 0 else 0.04)


def test_v_ddim_with_distribution_shift_still_matches():
    x = S.sample(GaussianV(MU, STD), _noise(), steps=100, dist_shift=DistributionShift())
    _assert_data_moments(x)


def test_v_ddim_few_steps_is_wrong_many_steps_right():
    """The check has teeth: with 2 steps DDIM misses the variance."""
    few = S.sample(GaussianV(MU, STD), _noise(), steps=2)
    assert abs(few.var().item() - STD ** 2) > 0.03 * STD ** 2


def test_euler_rectified_flow_matches_gaussian_data():
    _assert_data_moments(S.sample_discrete_euler(GaussianFlow(MU, STD), _noise(), steps=100))


def test_euler_with_shift_and_explicit_sigmas():
    shifted = S.sample_discrete_euler(GaussianFlow(MU, STD), _noise(), steps=300,
                                      dist_shift=DistributionShift(use_sine=True))
    _assert_data_moments(shifted)
    sigmas = torch.linspace(1, 0, 301, dtype=torch.float64) ** 2
    _assert_data_moments(S.sample_discrete_euler(GaussianFlow(MU, STD), _noise(), sigmas=sigmas))


def test_flow_dpmpp_matches_gaussian_data():
    """Second order: 60 steps give the moments of the transported noise within 1%, where Euler
    needs about 240."""
    noise = _noise()
    target = (noise * STD + MU).var().item()  # the exact ODE maps this noise sample to these
    x = S.sample_flow_dpmpp(GaussianFlow(MU, STD), noise, steps=60)
    _assert_data_moments(x, var=target, tol_var=0.01)
    euler = S.sample_discrete_euler(GaussianFlow(MU, STD), noise, steps=60)
    assert abs(euler.var().item() - target) > 0.03 * target


def _pingpong_moments(sigmas: torch.Tensor) -> tuple[float, float]:
    """The exact mean and variance ping-pong produces from the exact denoiser: at every level
    D(x) = mu + k (x - (1 - t) mu) is linear, so the moments follow a recursion."""
    mean, var = 0.0, 1.0
    for t, t_next in zip(sigmas[:-1].tolist(), sigmas[1:].tolist()):
        k = (1 - t) * STD ** 2 / ((1 - t) ** 2 * STD ** 2 + t ** 2)
        d_mean, d_var = MU + k * (mean - (1 - t) * MU), k ** 2 * var
        mean, var = (1 - t_next) * d_mean, (1 - t_next) ** 2 * d_var + t_next ** 2
        if t_next == 0:
            mean, var = d_mean, d_var
    return mean, var


def test_pingpong_rf_denoiser_matches_its_exact_moments():
    sigmas = S.rf_denoiser_sigmas(8).double()
    assert sigmas[0] == 1 and sigmas[-1] == 0
    assert torch.all(sigmas[1:] < sigmas[:-1])
    assert sigmas[1].item() == pytest.approx(torch.sigmoid(torch.tensor(6 - 1.0)).item())
    torch.manual_seed(2)
    x = S.sample_flow_pingpong(GaussianFlow(MU, STD), _noise(), sigmas=sigmas)
    mean, var = _pingpong_moments(sigmas)
    _assert_data_moments(x, mean, var)
    # the mean lands on the data's; the variance does not (re-noising a posterior *mean* loses
    # spread at every step: ping-pong is for distilled models that output samples)
    assert x.mean().item() == pytest.approx(MU, abs=0.02)
    assert var < 0.5 * STD ** 2


def test_vdenoiser_of_exact_v_model_is_the_exact_denoiser():
    x = _noise() * 3 + 1
    for sigma in (0.05, 1.0, 20.0):
        sig = torch.full((SHAPE[0],), sigma, dtype=torch.float64)
        got = S.VDenoiser(GaussianV(MU, STD))(x, sig)
        torch.testing.assert_close(got, GaussianVEDenoiser(MU, STD)(x, sig))


def test_polyexponential_sigmas():
    sigmas = S.polyexponential_sigmas(5, 0.01, 100.0)
    assert sigmas.shape == (6,) and sigmas[-1] == 0
    torch.testing.assert_close(sigmas[:-1].log(), torch.linspace(math.log(100), math.log(0.01), 5))


@pytest.mark.parametrize("name", ["dpmpp-2m", "dpmpp-2m-sde", "dpmpp-3m-sde"])
def test_dpmpp_over_v_model_matches_gaussian_data(name):
    torch.manual_seed(3)
    x = S.sample_v_dpmpp(GaussianV(MU, STD), _noise(), steps=60, sampler=name)
    _assert_data_moments(x)


@pytest.mark.parametrize("name", list(S.DPMPP))
def test_dpmpp_exact_ve_denoiser(name):
    """The solvers themselves, on the exact denoiser of x = data + sigma noise: 40 steps."""
    torch.manual_seed(4)
    sigmas = S.polyexponential_sigmas(40, 0.01, 80.0).double()
    x = S.DPMPP[name](GaussianVEDenoiser(MU, STD), _noise() * sigmas[0], sigmas)
    _assert_data_moments(x, tol_var=0.04)


def test_unknown_dpmpp_sampler():
    with pytest.raises(ValueError, match="dpmpp-3m-sde"):
        S.sample_v_dpmpp(GaussianV(MU, STD), _noise(), 3, sampler="heun")


@pytest.mark.parametrize("objective,model", [("v", GaussianV), ("rectified_flow", GaussianFlow),
                                             ("rf_denoiser", GaussianFlow)])
def test_demo_sampler_per_objective_passes_keywords(objective, model):
    m = model(MU, STD)
    torch.manual_seed(5)
    x = S.sample_for_objective(objective, m, _noise(), 50, cfg_scale=3.0, batch_cfg=True)
    assert x.mean().item() == pytest.approx(MU, abs=0.03)
    assert len(m.calls) == 50 and all(c == {"cfg_scale": 3.0, "batch_cfg": True} for c in m.calls)


def test_sample_for_unknown_objective():
    with pytest.raises(ValueError, match="objective"):
        S.sample_for_objective("eps", GaussianV(MU, STD), _noise(), 2)
