"""DiffusionAutoencoder: shapes per backbone, upstream state-dict names, encoder init, decoding
by sampling, the latent decoder (V6), dit without an objective (V7), pretransforms, and the
encoder side against upstream fixtures."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from kinds.diffusion_autoencoder.dae_configs import load, past_schema, tiny  # noqa: E402

from sat_config.errors import NotBuiltError  # noqa: E402
from sat_config.kinds import KINDS  # noqa: E402
from sat_config.kinds.diffusion_autoencoder.model import (  # noqa: E402
    BACKBONES, DiffusionAutoencoder, create_diffusion_autoencoder)
from sat_config.training import create_model_from_config  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
BACKBONE_TYPES = ("dit", "DAU1d", "adp_1d")
WRAPPER_CLASS = {"dit": "DiTWrapper", "DAU1d": "DAU1DCondWrapper", "adp_1d": "UNet1DCondWrapper"}


def _build(config: dict, seed: int = 0):
    torch.manual_seed(seed)
    return create_diffusion_autoencoder(load(config))


@pytest.mark.parametrize("backbone", BACKBONE_TYPES)
def test_shapes_and_names_per_backbone(backbone):
    model = _build(tiny(backbone))
    assert type(model.diffusion).__name__ == WRAPPER_CLASS[backbone]
    x = torch.randn(2, 2, 256)
    latents, info = model.encode(x, return_info=True)
    assert latents.shape == (2, 4, 32) and info["pre_bottleneck_latents"].shape == (2, 8, 32)
    assert "kl" in info
    cond = model.conditioning(latents, 256)
    assert cond.shape == (2, 4, 256)
    assert torch.equal(cond[..., ::8], latents) and torch.equal(cond[..., 7::8], latents)
    t = torch.tensor([0.3, 0.8])
    assert model(x, t, cond).shape == (2, 2, 256)
    assert model.decode(latents, steps=2).shape == (2, 2, 256)
    prefixes = {k.split(".")[0] for k in model.state_dict()}
    assert prefixes == {"encoder", "diffusion"}  # a vae bottleneck has no weights
    assert all(k.startswith("diffusion.model.") for k in model.state_dict()
               if k.startswith("diffusion."))


def test_the_registry_row_builds_it():
    assert KINDS["diffusion_autoencoder"].model.endswith(":create_diffusion_autoencoder")
    model = create_model_from_config(tiny())
    assert isinstance(model, DiffusionAutoencoder)


def test_min_length_counts_the_backbones_downsampling():
    assert _build(tiny("dit")).min_length == 8
    assert _build(tiny("DAU1d")).min_length == 8 * 4  # strides [2, 2] over depth 3
    assert _build(tiny("adp_1d")).min_length == 8 * 2


def test_encoder_starts_at_half_its_initialisation():
    from sat_config.training.components.autoencoder import ENCODERS

    config = load(tiny())
    torch.manual_seed(5)
    fresh = ENCODERS.build("oobleck", config.model.encoder.config)
    torch.manual_seed(5)
    model = create_diffusion_autoencoder(config)
    for (name, a), b in zip(fresh.named_parameters(), model.encoder.parameters()):
        assert torch.allclose(a * 0.5, b), name


def test_decode_samples_with_the_given_steps_from_the_given_noise():
    model = _build(tiny("DAU1d")).eval()
    calls = []
    model.diffusion.register_forward_hook(lambda m, args, kwargs, out: calls.append(args[1]),
                                          with_kwargs=True)
    latents = model.encode(torch.randn(1, 2, 256))
    noise = torch.randn(1, 2, 256)
    a = model.decode(latents, steps=3, noise=noise)
    assert len(calls) == 3 and calls[0].tolist() == [1.0]
    b = model.decode(latents, steps=3, noise=noise)
    assert torch.equal(a, b)  # deterministic DDIM (eta 0) from the same noise
    c = model.decode(latents + 1.0, steps=3, noise=noise)
    assert not torch.allclose(a, c)  # the latents condition the result
    assert not a.requires_grad


# --- V6: the latent decoder ---------------------------------------------------------------------


def _with_decoder(backbone: str = "dit") -> dict:
    config = tiny(backbone)
    config["model"]["decoder"] = {"type": "oobleck", "config": {
        "out_channels": 6, "channels": 4, "c_mults": [1], "strides": [2], "latent_dim": 4}}
    diffusion = config["model"]["diffusion"]["config"]
    diffusion["input_concat_dim" if backbone == "dit" else "cond_dim"] = 6
    return config


def test_v6_decode_runs_the_latent_decoder_instead_of_recursing():
    torch.manual_seed(0)
    model = create_diffusion_autoencoder(past_schema(_with_decoder()))
    seen = []
    model.decoder.register_forward_hook(lambda m, i, out: seen.append(out.shape))
    latents = model.encode(torch.randn(2, 2, 256))
    out = model.decode(latents, steps=2)  # upstream: RecursionError
    assert out.shape == (2, 2, 256)
    assert seen == [(2, 6, 64)]  # the decoder upsamples by 2; then stretched to 256
    cond = model.conditioning(latents, 256)
    assert cond.shape == (2, 6, 256) and len(seen) == 2


def test_v6_the_decoder_shapes_what_the_backbone_sees():
    torch.manual_seed(0)
    model = create_diffusion_autoencoder(past_schema(_with_decoder("DAU1d"))).eval()
    latents = model.encode(torch.randn(1, 2, 256))
    noise = torch.randn(1, 2, 256)
    before = model.decode(latents, steps=2, noise=noise)
    with torch.no_grad():
        for p in model.decoder.parameters():
            p.add_(0.1)
    assert not torch.allclose(before, model.decode(latents, steps=2, noise=noise))


# --- V7: dit without a diffusion objective -----------------------------------------------------


def test_v7_dit_without_an_objective_is_a_v_model():
    spec = load(tiny("dit")).model.diffusion
    bare = spec.model_copy(update={"config": spec.config.model_copy(
        update={"diffusion_objective": None})})
    backbone = BACKBONES.build("dit", bare)  # upstream: TypeError (missing positional argument)
    assert backbone.diffusion_objective == "v"
    assert backbone.model.diffusion_objective == "v"


def test_an_unknown_backbone_type_is_a_clear_error():
    spec = load(tiny("dit")).model.diffusion
    with pytest.raises(NotBuiltError, match="lstm"):  # upstream: UnboundLocalError
        BACKBONES.build("lstm", spec)


def test_an_unbuilt_encoder_type_fails_by_name():
    config = tiny()
    config["model"]["encoder"] = {"type": "local_attn",
                                 "config": {"in_channels": 2, "out_channels": 8}}
    typed = past_schema(config)
    with pytest.raises(NotBuiltError, match="local_attn"):
        create_diffusion_autoencoder(typed)


# --- pretransform, bottleneck-free, encoder-free -----------------------------------------------


def _wavelet(config: dict) -> dict:
    """Audio through a 2-level wavelet pretransform: 8 channels at a quarter of the length."""
    config["model"]["pretransform"] = {"type": "wavelet",
                                       "config": {"channels": 2, "levels": 2,
                                                  "wavelet": "bior4.4"}}
    config["model"]["io_channels"] = 8
    config["model"]["encoder"]["config"]["in_channels"] = 8
    diffusion = config["model"]["diffusion"]["config"]
    diffusion["in_channels" if "in_channels" in diffusion else "io_channels"] = 8
    return config


def test_a_pretransform_wraps_the_diffusion_signal():
    model = _build(_wavelet(tiny("dit")))
    x = torch.randn(2, 2, 256)
    signal = model.pretransform_encode(x)
    assert signal.shape == (2, 8, 64)
    latents = model.encode(x)
    assert latents.shape == (2, 4, 8)
    assert torch.allclose(model.encode(signal, skip_pretransform=True, skip_bottleneck=True),
                          model.encoder(signal))
    assert model.decode(latents, steps=2).shape == (2, 2, 256)  # back to audio
    assert not any(p.requires_grad for p in model.pretransform.parameters())


def test_without_encoder_and_bottleneck_the_signal_itself_conditions():
    config = tiny("DAU1d")
    del config["model"]["encoder"], config["model"]["bottleneck"]
    config["model"]["latent_dim"] = 2
    config["model"]["downsampling_ratio"] = 1
    config["model"]["diffusion"]["config"]["cond_dim"] = 2
    model = _build(config)
    x = torch.randn(1, 2, 256)
    assert torch.equal(model.encode(x), x)
    assert model.decode(x, steps=1).shape == (1, 2, 256)


def test_a_frozen_encoder_gets_no_gradients():
    config = tiny()
    config["model"]["encoder"]["requires_grad"] = False
    model = _build(config)
    assert not any(p.requires_grad for p in model.encoder.parameters())
    assert all(p.requires_grad for p in model.diffusion.parameters())


def test_the_bottlenecks_decode_is_not_applied_in_training_or_decoding():
    config = tiny("DAU1d")
    config["model"]["bottleneck"] = {"type": "wasserstein", "config": {"noise_augment_dim": 3}}
    config["model"]["encoder"]["config"]["latent_dim"] = 4
    model = _build(config)
    latents = model.encode(torch.randn(1, 2, 256))
    assert model.conditioning(latents, 256).shape == (1, 4, 256)
    # upstream appends the 3 noise channels in decode only: a channel mismatch there
    assert model.decode(latents, steps=1).shape == (1, 2, 256)


# --- state dicts ------------------------------------------------------------------------------


@pytest.mark.parametrize("backbone", BACKBONE_TYPES)
def test_strict_state_dict_round_trip(backbone):
    config = _wavelet(tiny(backbone))
    a, b = _build(config, seed=0).eval(), _build(config, seed=1).eval()
    b.load_state_dict(copy.deepcopy(a.state_dict()), strict=True)
    x, t = torch.randn(1, 2, 256), torch.tensor([0.4])
    signal = a.pretransform_encode(x)
    torch.manual_seed(3)
    la = a.encode(x)
    torch.manual_seed(3)
    assert torch.equal(la, b.encode(x))  # the same VAE noise
    cond = a.conditioning(la, signal.shape[-1])
    assert torch.equal(a(signal, t, cond), b(signal, t, cond))


def test_the_shipped_example_builds_on_the_meta_device():
    config = load(json.loads((REPO / "examples" / "diffusion_autoencoder.json").read_text()))
    with torch.device("meta"):
        model = create_diffusion_autoencoder(config)
    counts = {name: sum(p.numel() for p in part.parameters())
              for name, part in model.named_children()}
    assert counts == {"bottleneck": 0, "encoder": 4_677_760, "pretransform": 156_112_514,
                      "diffusion": 114_271_872}


# --- against upstream fixtures -----------------------------------------------------------------


def test_encoder_side_matches_upstream_dac_encoder():
    from upstream_support import assert_close, state_dict, upstream_fixture

    tensors, ae = upstream_fixture("ae_dac")
    config = tiny("DAU1d")
    config["model"]["encoder"] = ae["model"]["encoder"]
    config["model"]["bottleneck"] = ae["model"]["bottleneck"]
    config["model"]["latent_dim"] = ae["model"]["latent_dim"]
    config["model"]["downsampling_ratio"] = ae["model"]["downsampling_ratio"]
    config["model"]["diffusion"]["config"]["cond_dim"] = ae["model"]["latent_dim"]
    model = _build(config)
    state = model.state_dict()
    state.update({f"encoder.{k}": v for k, v in state_dict(tensors, "encoder.").items()})
    model.load_state_dict(state, strict=True)  # upstream's encoder names under encoder.
    _, info = model.encode(tensors["x"], return_info=True)
    assert_close(info["pre_bottleneck_latents"], tensors["encoder_out"])
    torch.manual_seed(1234)
    assert_close(model.encode(tensors["x"]), tensors["latents"])


def test_pretransform_side_matches_upstream_autoencoder_pretransform():
    from upstream_support import assert_close, state_dict, upstream_fixture

    tensors, ae = upstream_fixture("ae_pretransform")
    config = tiny("DAU1d")
    del config["model"]["encoder"], config["model"]["bottleneck"]
    config["sample_size"] = 32
    config["model"]["pretransform"] = {"type": "autoencoder", "scale": 2.0,
                                       "config": ae["model"]}
    config["model"].update(io_channels=4, latent_dim=4, downsampling_ratio=1)
    config["model"]["diffusion"]["config"].update(io_channels=4, cond_dim=4)
    model = _build(config)
    state = model.state_dict()
    state.update({f"pretransform.model.{k}": v for k, v in state_dict(tensors).items()})
    model.load_state_dict(state, strict=True)  # upstream's names: pretransform.model.<ae>
    torch.manual_seed(1234)
    assert_close(model.encode(tensors["x"]), tensors["pretransform.latents"])
    assert_close(model.pretransform_decode(tensors["pretransform.latents"]),
                 tensors["pretransform.decoded"])
