"""Objectives and the training distributions of t: moments, support, shift and p_one_shot."""

from __future__ import annotations

import math

import pytest
import torch

from kinds.diffusion.diffusion_standins import cond_config

from sat_config.training.components import timesteps as T

N = 20_000


def _logit(t: torch.Tensor) -> torch.Tensor:
    return torch.log(t) - torch.log1p(-t)


def test_uniform_is_scrambled_sobol():
    sampler = T.TimestepSampler("uniform")
    t = sampler.base(1024)
    assert t.min() >= 0 and t.max() < 1
    # a (0, m, 1)-net: 1024 points put exactly 64 in each sixteenth (random points would not)
    assert torch.histc(t, bins=16, min=0, max=1).tolist() == [64.0] * 16
    other = T.TimestepSampler("uniform").base(1024)
    assert not torch.equal(t, other)  # scrambled: each sampler its own sequence
    torch.manual_seed(0)
    t = sampler(N, length=64)
    assert t.mean().item() == pytest.approx(0.5, abs=0.01)
    assert t.var().item() == pytest.approx(1 / 12, rel=0.02)


def test_logit_normal():
    torch.manual_seed(0)
    z = _logit(T.TimestepSampler("logit_normal").base(N).double())
    assert z.mean().item() == pytest.approx(0.0, abs=0.03)
    assert z.std().item() == pytest.approx(1.0, rel=0.03)


def test_trunc_logit_normal_is_truncated_and_flipped():
    torch.manual_seed(0)
    t = T.TimestepSampler("trunc_logit_normal").base(N).double()
    assert t.min() > 0 and t.max() <= 1
    # undo the flip and rescale: u = 0.075 + (1 - t)(1 - 0.075) is a logit-normal cut below 0.075
    u = T.TRUNCATION + (1 - t) * (1 - T.TRUNCATION)
    z = _logit(u.clamp(max=1 - 1e-12))
    a = math.log(T.TRUNCATION / (1 - T.TRUNCATION))
    assert z.min().item() >= a - 1e-6
    normal = torch.distributions.Normal(0.0, 1.0)
    mill = (normal.log_prob(torch.tensor(a)).exp() / (1 - normal.cdf(torch.tensor(a)))).item()
    assert z.mean().item() == pytest.approx(mill, abs=0.03)  # mean of N(0, 1) cut below a
    assert (z < 0).double().mean().item() == pytest.approx(
        (0.5 - normal.cdf(torch.tensor(a)).item()) / (1 - normal.cdf(torch.tensor(a)).item()),
        abs=0.015)


def test_log_snr_sampler():
    torch.manual_seed(0)
    t = T.TimestepSampler("log_snr").base(N).double()
    assert t.min() >= 1e-4 and t.max() <= 1 - 1e-4
    snr = -_logit(t)  # logSNR = log((1 - t) / t)
    assert snr.mean().item() == pytest.approx(-1.2, abs=0.05)
    assert snr.std().item() == pytest.approx(2.0, rel=0.03)
    t = T.TimestepSampler("log_snr", mean_logsnr=3.0, std_logsnr=0.5).base(N).double()
    assert (-_logit(t)).mean().item() == pytest.approx(3.0, abs=0.02)


def test_unknown_sampler():
    with pytest.raises(ValueError, match="log_snr"):
        T.TimestepSampler("cosine")


def _upstream_shift(t, length, base=0.5, top=1.15, lo=256, hi=4096):
    length = min(max(length, lo), hi)
    mu = -(base + (top - base) * (length - lo) / (hi - lo))
    return 1 - math.exp(mu) / (math.exp(mu) + (1 / (1 - t) - 1))


def test_distribution_shift_moves_t_up_by_length():
    shift = T.DistributionShift()
    t = torch.linspace(0.01, 0.99, 50, dtype=torch.float64)
    for length, amount in ((16, 0.5), (256, 0.5), (2176, 0.825), (4096, 1.15), (10**6, 1.15)):
        shifted = shift.time_shift(t, length)
        torch.testing.assert_close(_logit(shifted) - _logit(t),
                                   torch.full_like(t, amount))
        torch.testing.assert_close(shifted, _upstream_shift(t, length))
    assert torch.all(shift.time_shift(t, 4096) > shift.time_shift(t, 256))
    ends = shift.time_shift(torch.tensor([0.0, 1.0]), 1000)
    assert ends.tolist() == [0.0, 1.0]
    sine = T.DistributionShift(use_sine=True).time_shift(t, 256)
    torch.testing.assert_close(sine, torch.sin(shift.time_shift(t, 256) * math.pi / 2))


def test_sampler_applies_shift_then_one_shot():
    torch.manual_seed(0)
    plain = T.TimestepSampler("logit_normal")(N, 64)
    torch.manual_seed(0)
    shifted = T.TimestepSampler("logit_normal", shift=T.DistributionShift())(N, 64)
    assert (_logit(shifted) - _logit(plain)).mean().item() == pytest.approx(0.5, abs=1e-4)
    t = T.TimestepSampler("logit_normal", p_one_shot=0.3)(N, 64)
    assert (t == 1).double().mean().item() == pytest.approx(0.3, abs=0.015)
    assert (T.TimestepSampler("logit_normal")(N, 64) == 1).sum() == 0


def test_sampler_from_typed_config():
    config = cond_config(timestep_sampler="log_snr", p_one_shot=0.25,
                         timestep_sampler_options={"mean_logsnr": 1.0, "std_logsnr": 0.5})
    sampler = T.timestep_sampler(config.training, config.model.diffusion)
    assert (sampler.kind, sampler.mean_logsnr, sampler.std_logsnr, sampler.p_one_shot) == \
        ("log_snr", 1.0, 0.5, 0.25)
    assert sampler.shift is None
    config = cond_config(shift={"max_shift": 2.0})
    sampler = T.timestep_sampler(config.training, config.model.diffusion)
    assert sampler.shift.max_shift == 2.0 and sampler.shift.base_shift == 0.5


@pytest.mark.parametrize("objective", T.OBJECTIVES)
def test_noise_and_target(objective):
    x, noise = torch.randn(3, 2, 8), torch.randn(3, 2, 8)
    t = torch.tensor([0.0, 0.3, 1.0])
    noised, target = T.noise_and_target(objective, x, t, noise)
    col = t.view(-1, 1, 1)
    if objective == "v":
        alpha, sigma = torch.cos(col * math.pi / 2), torch.sin(col * math.pi / 2)
        torch.testing.assert_close(noised, alpha * x + sigma * noise)
        torch.testing.assert_close(target, alpha * noise - sigma * x)
        torch.testing.assert_close(alpha * noised - sigma * target, x)  # v recovers the data
    else:
        torch.testing.assert_close(noised, (1 - col) * x + col * noise)
        torch.testing.assert_close(target, noise - x)
    torch.testing.assert_close(noised[0], x[0])


def test_unknown_objective():
    with pytest.raises(ValueError, match="objective"):
        T.noise_and_target("eps", torch.zeros(1, 1, 1), torch.zeros(1), torch.zeros(1, 1, 1))
