"""The autoencoder model: the real architecture, shapes, bottlenecks, clear errors for the rest."""

from __future__ import annotations

import pytest
import torch

from training_helpers import load_typed, sa2_vae, tiny_config

from sat_config.training import create_model_from_config
from sat_config.training.components.bottlenecks import build_bottleneck
from sat_config.training.components.oobleck import _SnakeBetaFn


def test_stable_audio_2_vae_has_the_original_parameter_count() -> None:
    model = create_model_from_config(sa2_vae())
    assert sum(p.numel() for p in model.parameters()) == 156_112_514


@pytest.mark.parametrize("channels", [1, 2])
def test_encode_decode_shapes_follow_the_config(channels: int) -> None:
    typed = load_typed(tiny_config(channels))
    model = create_model_from_config(typed).eval()
    audio = torch.randn(3, channels, typed.sample_size)
    with torch.no_grad():
        latents = model.encode(audio)
        decoded = model.decode(latents)
    ratio = typed.model.downsampling_ratio
    assert latents.shape == (3, typed.model.latent_dim, typed.sample_size // ratio)
    assert decoded.shape == audio.shape
    assert model.in_channels == model.out_channels == channels


def test_snake_beta_gradients_match_autograd() -> None:
    x = torch.randn(2, 3, 7, dtype=torch.double, requires_grad=True)
    log_alpha = torch.randn(3, dtype=torch.double, requires_grad=True)
    log_beta = torch.randn(3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(_SnakeBetaFn.apply, (x, log_alpha, log_beta))


def _bottleneck(spec: dict):
    config = tiny_config()
    config["model"]["bottleneck"] = spec
    if spec["type"] != "vae":  # the encoder then feeds the latent itself
        config["model"]["encoder"]["config"]["latent_dim"] = config["model"]["latent_dim"]
    return build_bottleneck(load_typed(config).model.bottleneck).train()


def test_vae_bottleneck_samples_and_reports_kl() -> None:
    latents, info = _bottleneck({"type": "vae"}).encode(torch.randn(2, 8, 16))
    assert latents.shape == (2, 4, 16)
    assert info["kl"].ndim == 0 and info["kl"] > 0


def test_tanh_bottleneck_bounds_latents_by_its_scale() -> None:
    latents, _ = _bottleneck({"type": "tanh", "config": {"scale": 0.5}}).encode(
        torch.randn(2, 4, 16) * 10)
    assert latents.abs().max() <= 0.5


def test_l2_norm_bottleneck_normalises_each_frame() -> None:
    latents, _ = _bottleneck({"type": "l2_norm"}).encode(torch.randn(2, 4, 16) * 3)
    assert torch.allclose(latents.norm(dim=1), torch.ones(2, 16), atol=1e-5)


def test_rvq_bottleneck_quantises_with_vector_quantize_pytorch() -> None:
    bottleneck = _bottleneck({"type": "rvq", "config": {"dim": 4, "codebook_size": 16,
                                                        "num_quantizers": 2,
                                                        "kmeans_init": False}})
    latents, info = bottleneck.encode(torch.randn(2, 4, 16))
    assert latents.shape == (2, 4, 16)
    assert info["quantizer_indices"].shape == (2, 2, 16)  # (batch, codebooks, frames)
    assert info["quantizer_loss"].ndim == 0
    assert bottleneck.is_discrete and bottleneck.regularisers == ("quantizer_loss",)


def test_fsq_bottleneck_snaps_latents_to_its_levels() -> None:
    bottleneck = _bottleneck({"type": "fsq", "config": {"levels": [5, 5, 5, 5],
                                                        "keep_num_codebooks_dim": True}})
    latents, info = bottleneck.encode(torch.randn(2, 4, 16))
    assert info["quantizer_indices"].shape == (2, 1, 16)
    assert torch.allclose(latents * 2, (latents * 2).round(), atol=1e-5)  # grid of 1/2 steps


def test_an_unsupported_library_option_is_refused_not_ignored() -> None:
    # distributed_replace_codes exists in the upstream-pinned vector-quantize-pytorch only
    from sat_config.training.kwargs import supported_kwargs
    from vector_quantize_pytorch import ResidualVQ, VectorQuantize

    config = tiny_config()
    config["model"]["bottleneck"] = {"type": "rvq", "config": {"dim": 4, "distributed_replace_codes": False}}
    config["model"]["encoder"]["config"]["latent_dim"] = 4
    spec = load_typed(config).model.bottleneck
    import inspect

    accepted = set(inspect.signature(VectorQuantize).parameters)
    if "distributed_replace_codes" in accepted:
        pytest.skip("the installed vector-quantize-pytorch has distributed_replace_codes")
    with pytest.raises(NotImplementedError, match="distributed_replace_codes"):
        supported_kwargs(spec.config, (ResidualVQ, VectorQuantize), "vector-quantize-pytorch")


_TAAE = {"channels": 4, "c_mults": [1, 2], "strides": [2, 4], "transformer_depths": [1, 1]}


@pytest.mark.parametrize("where, spec, word", [
    ("encoder", {"type": "taae", "config": {**_TAAE, "in_channels": 2, "latent_dim": 8}},
     "encoder type 'taae'"),
    ("decoder", {"type": "taae", "config": {**_TAAE, "out_channels": 2, "latent_dim": 4}},
     "decoder type 'taae'"),
])
def test_valid_but_unbuilt_types_name_the_type_and_what_is_built(where, spec, word) -> None:
    config = tiny_config()
    config["model"][where] = spec
    with pytest.raises(NotImplementedError) as err:
        create_model_from_config(load_typed(config))
    assert word in str(err.value) and "built: " in str(err.value)


def test_a_pretransform_is_refused_clearly() -> None:
    config = tiny_config()
    config["model"]["pretransform"] = {"type": "patched",
                                       "config": {"channels": 2, "patch_size": 2}}
    config["model"]["encoder"]["config"]["in_channels"] = 4
    config["model"]["decoder"]["config"]["out_channels"] = 4
    config["model"]["downsampling_ratio"] = 16
    with pytest.raises(NotImplementedError, match="pretransform"):
        create_model_from_config(load_typed(config))


def test_requires_grad_false_freezes_the_part() -> None:
    config = tiny_config()
    config["model"]["encoder"]["requires_grad"] = False
    model = create_model_from_config(load_typed(config))
    assert not any(p.requires_grad for p in model.encoder.parameters())
    assert all(p.requires_grad for p in model.decoder.parameters())


def test_soft_clip_bounds_the_output() -> None:
    config = tiny_config()
    config["model"]["decoder"]["soft_clip"] = True
    model = create_model_from_config(load_typed(config)).eval()
    with torch.no_grad():
        model.decoder.layers[-2].parametrizations.weight.original1.mul_(1000)
        out = model.decode(torch.randn(1, 4, 8) * 10)
    assert out.abs().max() <= 1.0
