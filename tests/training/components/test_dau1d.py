"""DAU1d (dance diffusion): upstream parity, use_snake (upstream bug V1), conditioning."""

from __future__ import annotations

import pytest
from upstream_support import CORPUS, assert_close, corpus_config, n_params, state_dict, \
    upstream_fixture

torch = pytest.importorskip("torch")

from sat_config.models import diffusion_parts  # noqa: E402
from sat_config.training.components.dau1d import (  # noqa: E402
    DAU1DCondWrapper, DiffusionAttnUnet1D, Snake1d)

TINY = dict(io_channels=2, depth=3, n_attn_layers=1, channels=[32, 32, 32], strides=[2, 2],
            kernel_size=3)
DANCE = sorted(p.stem for p in CORPUS.glob("model_configs__dance_diffusion__*.json"))


def test_the_four_dance_diffusion_configs_are_in_the_corpus():
    assert len(DANCE) == 4


@pytest.mark.parametrize("name", DANCE)
def test_dance_diffusion_backbone_has_upstreams_parameter_count(name):
    config = corpus_config(name)["model"]
    assert config["type"] == "DAU1d"
    typed = diffusion_parts.DAU1dConfig.model_validate(config["config"])
    with torch.device("meta"):
        model = DiffusionAttnUnet1D(**typed.model_dump())
    assert n_params(model) == 221_389_322
    # the fixed resampling kernels are (persistent) buffers, as upstream's
    assert sum(v.numel() for v in model.state_dict().values()) == 221_389_530


def test_uncond_forward_shape():
    torch.manual_seed(0)
    model = DiffusionAttnUnet1D(**TINY).eval()
    assert model.io_channels == 2
    assert model(torch.randn(2, 2, 64), torch.rand(2)).shape == (2, 2, 64)


def test_use_snake_builds_with_snake_activations():
    """Upstream passes use_snake to a block without it (TypeError); here it works."""
    torch.manual_seed(0)
    model = DiffusionAttnUnet1D(**TINY, use_snake=True).eval()
    snakes = [m for m in model.modules() if isinstance(m, Snake1d)]
    assert snakes and not any(isinstance(m, torch.nn.GELU) for m in model.modules())
    assert "net.0.main.2.alpha" in model.state_dict()
    assert model(torch.randn(1, 2, 64), torch.rand(1)).shape == (1, 2, 64)
    plain = DiffusionAttnUnet1D(**TINY)
    # one alpha per activated channel, i.e. per GroupNorm weight
    extra = sum(m.alpha.numel() for m in snakes)
    assert n_params(model) == n_params(plain) + extra


def test_snake_activation_formula():
    snake = Snake1d(3)
    with torch.no_grad():
        snake.alpha.copy_(torch.tensor([1.0, 2.0, 0.5]).view(1, 3, 1))
    x = torch.randn(2, 3, 5)
    a = snake.alpha
    assert_close(snake(x), x + torch.sin(a * x) ** 2 / a)


def test_cond_wrapper_input_concat_with_noise_augmentation_and_learned_resampling():
    torch.manual_seed(0)
    model = DAU1DCondWrapper(**{**TINY, "strides": [4, 2]}, cond_dim=3, cond_noise_aug=True,
                             learned_resample=True).eval()
    x, t, cond = torch.randn(2, 2, 64), torch.rand(2), torch.randn(2, 3, 16)
    out = model(x, t, input_concat_cond=cond, cross_attn_cond=torch.randn(2, 1, 4))
    assert out.shape == (2, 2, 64)
    fixed = model.model(x, t, cond=cond, cond_aug_scale=0.0)
    again = model.model(x, t, cond=cond, cond_aug_scale=0.0)
    assert torch.equal(fixed, again)


def test_strides_above_two_need_learned_resampling():
    with pytest.raises(ValueError, match="learned_resample"):
        DiffusionAttnUnet1D(**{**TINY, "strides": [4, 2]})


def test_strict_state_dict_round_trip():
    torch.manual_seed(0)
    a = DiffusionAttnUnet1D(**TINY).eval()
    torch.manual_seed(1)
    b = DiffusionAttnUnet1D(**TINY).eval()
    x, t = torch.randn(1, 2, 32), torch.rand(1)
    with torch.no_grad():
        assert not torch.allclose(a(x, t), b(x, t))
        b.load_state_dict(a.state_dict(), strict=True)
        assert torch.equal(a(x, t), b(x, t))


def test_matches_upstream_dau1d_fixture():
    tensors, config = upstream_fixture("dau1d")
    model = DiffusionAttnUnet1D(**config["model"]["config"]).eval()
    model.load_state_dict(state_dict(tensors, "model."), strict=True)
    with torch.no_grad():
        assert_close(model(tensors["x"], tensors["t"]), tensors["out"])
