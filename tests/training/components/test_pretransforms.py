"""Pretransforms: round trips, upstream parity, the typed-config builder, checkpoint loading."""

from __future__ import annotations

import copy
import math
import pickle

import pytest
from upstream_support import assert_close, state_dict, upstream_fixture

torch = pytest.importorskip("torch")

from sat_config.errors import NotBuiltError  # noqa: E402
from sat_config.models import autoencoder_parts as parts  # noqa: E402
from sat_config.training.checkpoints import UnsafeCheckpointError  # noqa: E402
from sat_config.training.components.pretransforms import (  # noqa: E402
    WAVELETS, AutoencoderPretransform, PatchedPretransform, PQMFPretransform, WaveletPretransform,
    _chunked, build_pretransform, load_pretransform_checkpoint, wavelet_filter_bank)

SPECS = {"autoencoder": parts.AutoencoderPretransform, "wavelet": parts.WaveletPretransform,
         "pqmf": parts.PqmfPretransform, "patched": parts.PatchedPretransform,
         "dac_pretrained": parts.DacPretrainedPretransform,
         "audiocraft_pretrained": parts.AudiocraftPretrainedPretransform}

TINY_AE = {
    "encoder": {"type": "oobleck", "config": {
        "in_channels": 2, "channels": 4, "c_mults": [1, 2], "strides": [2, 2], "latent_dim": 8,
        "use_snake": True}},
    "decoder": {"type": "oobleck", "config": {
        "out_channels": 2, "channels": 4, "c_mults": [1, 2], "strides": [2, 2], "latent_dim": 4,
        "use_snake": True, "final_tanh": False}},
    "bottleneck": {"type": "vae"},
    "latent_dim": 4,
    "downsampling_ratio": 4,
    "io_channels": 2,
}


def build(raw: dict, sample_rate: int = 16000):
    return build_pretransform(SPECS[raw["type"]].model_validate(raw), sample_rate, 2)


def tiny_ae(**extra) -> AutoencoderPretransform:
    torch.manual_seed(0)
    return build({"type": "autoencoder", "config": copy.deepcopy(TINY_AE), **extra})


# --- patched -----------------------------------------------------------------------------------


def test_patched_is_an_exact_inverse_and_pads_to_whole_patches():
    pt = build({"type": "patched", "config": {"channels": 2, "patch_size": 4}})
    assert (pt.downsampling_ratio, pt.encoded_channels, pt.io_channels) == (4, 8, 2)
    x = torch.randn(3, 2, 32)
    z = pt.encode(x)
    assert z.shape == (3, 8, 8)
    assert torch.equal(z[:, 1, 0], x[:, 0, 1])  # channel c, offset h -> row c * 4 + h
    assert torch.equal(pt.decode(z), x)
    y = pt.decode(pt.encode(x[..., :30]))
    assert y.shape == (3, 2, 32) and torch.equal(y[..., :30], x[..., :30])
    assert not y[..., 30:].any()


def test_patched_oversampling_resamples_up_and_back_down():
    pt = build({"type": "patched", "config": {"channels": 2, "patch_size": 4,
                                              "oversampling": 2}})
    t = torch.arange(256) / 256
    x = torch.stack([torch.sin(2 * math.pi * 5 * t), torch.cos(2 * math.pi * 3 * t)])[None]
    z = pt.encode(x)
    assert z.shape == (1, 8, 128)
    y = pt.decode(z)
    assert y.shape == x.shape
    assert (y - x)[..., 32:-32].abs().max() < 1e-2  # band-limited: near-exact away from edges
    assert not pt.state_dict()  # the resampling kernels are not checkpoint state


def test_matches_upstream_patched_fixture():
    tensors, config = upstream_fixture("pretransform_patched")
    pt = build(config["pretransform"])
    pt.load_state_dict(state_dict(tensors), strict=True)
    assert torch.equal(pt.encode(tensors["x"]), tensors["encoded"])
    assert torch.equal(pt.decode(tensors["encoded"]), tensors["decoded"])


# --- wavelet -----------------------------------------------------------------------------------


@pytest.mark.parametrize("wavelet", WAVELETS)
def test_wavelet_is_an_exact_inverse(wavelet):
    pt = build({"type": "wavelet", "config": {"channels": 2, "levels": 3, "wavelet": wavelet}})
    assert (pt.downsampling_ratio, pt.encoded_channels) == (8, 16)
    x = torch.randn(2, 2, 128)
    z = pt.encode(x)
    assert z.shape == (2, 16, 16)
    assert_close(pt.decode(z), x)


@pytest.mark.parametrize("wavelet", WAVELETS)
def test_wavelet_filters_are_biorthogonal_lowpass_pairs(wavelet):
    dec_lo, dec_hi, rec_lo, rec_hi = wavelet_filter_bank(wavelet)
    assert dec_lo.sum() == pytest.approx(math.sqrt(2)) and rec_lo.sum() == pytest.approx(math.sqrt(2))
    assert dec_hi.sum() == pytest.approx(0, abs=1e-12) and rec_hi.sum() == pytest.approx(0, abs=1e-12)
    # biorthogonality: <rec_lo, dec_lo shifted by 2k> = delta_k (the filters are symmetric)
    import numpy as np
    corr = np.correlate(np.pad(rec_lo, len(rec_lo)), dec_lo[::-1], "valid")
    centre = int(np.argmax(np.abs(corr)))
    assert corr[centre] == pytest.approx(1.0)
    assert np.abs(corr[centre % 2::2][np.arange(len(corr[centre % 2::2])) != centre // 2]).max() \
        < 1e-12


def test_wavelet_kernels_match_upstream_fixture_without_pywavelets():
    tensors, config = upstream_fixture("pretransform_wavelet")
    pt = build(config["pretransform"])
    for key, value in state_dict(tensors).items():
        assert_close(pt.state_dict()[key], value, 1e-7)
    pt.load_state_dict(state_dict(tensors), strict=True)
    assert_close(pt.encode(tensors["x"]), tensors["encoded"])
    assert_close(pt.decode(tensors["encoded"]), tensors["decoded"])


# --- PQMF --------------------------------------------------------------------------------------


def test_pqmf_splits_into_bands_and_nearly_reconstructs():
    pt = build({"type": "pqmf", "config": {"num_bands": 4, "channels": 2}})
    assert isinstance(pt, PQMFPretransform)
    assert pt.downsampling_ratio is None and pt.encoded_channels is None  # as upstream
    x = torch.randn(2, 2, 1024)
    z = pt.encode(x)
    assert z.shape == (2, 8, 256)
    y = pt.decode(z)
    assert y.shape == x.shape
    assert (y - x)[..., 200:-200].abs().max() < 1e-2  # near-perfect reconstruction inside


def test_pqmf_design_and_outputs_match_upstream_fixture():
    tensors, config = upstream_fixture("pretransform_pqmf")
    pt = build(config["pretransform"])
    for key, value in state_dict(tensors).items():  # the scipy design gives upstream's filters
        assert_close(pt.state_dict()[key], value, 1e-7)
    pt.load_state_dict(state_dict(tensors), strict=True)
    assert_close(pt.encode(tensors["x"]), tensors["encoded"])
    assert_close(pt.decode(tensors["encoded"]), tensors["decoded"])
    assert_close(pt.encode(tensors["x_mono_len254"]), tensors["encoded_mono_len254"])
    assert_close(pt.decode(tensors["encoded_mono_len254"]), tensors["decoded_mono_len254"])


# --- autoencoder -------------------------------------------------------------------------------


def test_autoencoder_pretransform_is_frozen_and_scales_latents():
    pt = tiny_ae(scale=2.0)
    assert not pt.training and not any(p.requires_grad for p in pt.parameters())
    assert (pt.io_channels, pt.encoded_channels, pt.downsampling_ratio) == (2, 4, 4)
    assert not pt.is_discrete and pt.sample_rate == 16000
    x = torch.randn(2, 2, 32)
    torch.manual_seed(7)
    z = pt.encode(x)
    torch.manual_seed(7)
    assert_close(z, pt.model.encode(x) / 2.0)
    assert z.shape == (2, 4, 8)
    assert_close(pt.decode(z), pt.model.decode(z * 2.0))
    assert pt.decode(z).shape == (2, 2, 32)


def test_enable_grad_keeps_the_pretransform_trainable():
    pt = tiny_ae(enable_grad=True)
    assert pt.enable_grad and all(p.requires_grad for p in pt.parameters())


def test_iterate_batch_gives_the_batched_result():
    batched, per_item = tiny_ae(), tiny_ae(iterate_batch=True)
    per_item.load_state_dict(batched.model.state_dict())
    z = torch.randn(3, 4, 8)
    assert_close(per_item.decode(z), batched.decode(z))
    x = torch.randn(3, 2, 32)
    torch.manual_seed(1)
    a = batched.encode(x)
    torch.manual_seed(1)
    assert_close(per_item.encode(x), a)


def test_chunking_pastes_chunks_back_in_place():
    conv = torch.nn.Conv1d(1, 1, 3, padding=1, bias=False)  # receptive field well inside the trim

    def fn(z):
        return conv(z).repeat_interleave(4, dim=-1)

    z = torch.randn(2, 1, 300)
    with torch.no_grad():
        assert_close(_chunked(fn, z, 128, 32, 4, 1, 1), fn(z))
        assert_close(_chunked(lambda a: a[..., ::4], z, 128, 32, 1, 4, 1), z[..., ::4])


def test_chunked_autoencoder_keeps_shapes():
    pt = tiny_ae(chunked=True)
    with torch.no_grad():
        z = pt.encode(torch.randn(1, 2, 4 * 300))
        assert z.shape == (1, 4, 300)
        assert pt.decode(z).shape == (1, 2, 1200)


def test_matches_upstream_autoencoder_pretransform_fixture():
    tensors, config = upstream_fixture("ae_pretransform")
    pt = build({"type": "autoencoder", "scale": 2.0, "config": config["model"]},
               config["sample_rate"])
    pt.load_state_dict(state_dict(tensors), strict=True)
    torch.manual_seed(1234)
    with torch.no_grad():
        latents = pt.encode(tensors["x"])
        assert_close(latents, tensors["pretransform.latents"])
        assert_close(pt.decode(latents), tensors["pretransform.decoded"])


# --- builder and checkpoints --------------------------------------------------------------------


@pytest.mark.parametrize("type_", ["dac_pretrained", "audiocraft_pretrained"])
def test_hub_pretransforms_are_valid_but_not_built(type_):
    with pytest.raises(NotBuiltError, match=f"{type_}.*weights from a hub"):
        build({"type": type_, "config": {}})


def test_pretransform_checkpoint_loads_every_weights_only_layout(tmp_path):
    weights = {k: v + 1 for k, v in tiny_ae().model.state_dict().items()}  # not a fresh init
    layouts = {
        "wrapped.ckpt": {"state_dict": weights},
        "bare.ckpt": weights,
        "prefixed.ckpt": {"state_dict": {"model." + k: v for k, v in weights.items()}},
    }
    for name, content in layouts.items():
        torch.save(content, tmp_path / name)
        fresh = tiny_ae()
        load_pretransform_checkpoint(fresh, tmp_path / name)
        for key, value in weights.items():
            assert torch.equal(fresh.model.state_dict()[key], value), (name, key)
    wavelet = build({"type": "wavelet", "config": {"channels": 1, "levels": 1,
                                                   "wavelet": "bior2.2"}})
    torch.save({"state_dict": wavelet.state_dict()}, tmp_path / "w.ckpt")
    load_pretransform_checkpoint(wavelet, tmp_path / "w.ckpt")


class _Boom:
    def __reduce__(self):
        return (print, ("ran code from a checkpoint",))


def test_pretransform_checkpoint_refuses_pickled_code(tmp_path):
    path = tmp_path / "evil.ckpt"
    with path.open("wb") as f:
        pickle.dump({"state_dict": {"x": _Boom()}}, f, protocol=2)
    with pytest.raises(UnsafeCheckpointError):
        load_pretransform_checkpoint(tiny_ae(), path)


def test_pretransform_checkpoint_must_match_strictly(tmp_path):
    torch.save({"state_dict": {"encoder.nope": torch.zeros(1)}}, tmp_path / "bad.ckpt")
    with pytest.raises(RuntimeError, match="nope"):
        load_pretransform_checkpoint(tiny_ae(), tmp_path / "bad.ckpt")


def test_safetensors_checkpoint(tmp_path):
    safetensors = pytest.importorskip("safetensors.torch")
    source = tiny_ae()
    safetensors.save_file(source.model.state_dict(), str(tmp_path / "ae.safetensors"))
    fresh = tiny_ae()
    load_pretransform_checkpoint(fresh, tmp_path / "ae.safetensors")
    assert all(torch.equal(fresh.model.state_dict()[k], v)
               for k, v in source.model.state_dict().items())


def test_wavelet_pretransform_class_attributes():
    pt = WaveletPretransform(1, 2, "bior2.2")
    assert (pt.io_channels, pt.encoded_channels, pt.downsampling_ratio) == (1, 4, 4)
    assert not pt.is_discrete
    with pytest.raises(NotImplementedError):
        pt.tokenize(torch.zeros(1, 1, 4))
    assert isinstance(PatchedPretransform(1, 2), PatchedPretransform)
