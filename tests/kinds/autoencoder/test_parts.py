"""Autoencoder parts: dac and seanet encoders/decoders, every bottleneck, the dac discriminator.

Upstream parity three ways: parameter counts of the shipped upstream configs, state dicts with
upstream's names loading with ``strict=True``, and (when the fixtures are present) outputs equal to
upstream's on the same weights and inputs.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import sat_config  # noqa: E402
from sat_config.training import create_model_from_config  # noqa: E402
from sat_config.training.components.bottlenecks import build_bottleneck  # noqa: E402

torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[3]
UPSTREAM_CONFIGS = REPO / "tests" / "corpus" / "upstream"
FIXTURES = REPO / "tests" / "fixtures" / "upstream"


def typed(config: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sat_config.ConfigWarning)
        return sat_config.load_config(config)


def autoencoder(encoder: dict, decoder: dict, *, latent_dim: int, ratio: int,
                bottleneck: dict | None = None, channels: int = 2, **training) -> dict:
    losses = {"spectral": {"config": {"fft_sizes": [64, 32], "hop_sizes": [16, 8],
                                      "win_lengths": [64, 32]}, "weights": {"mrstft": 1.0}},
              "time": {"weights": {"l1": 0.1}}, **training.pop("loss_configs", {})}
    config = {
        "model_type": "autoencoder", "sample_rate": 8000, "sample_size": ratio * max(8, -(-64 // ratio)),
        "audio_channels": channels,
        "model": {"encoder": encoder, "decoder": decoder, "latent_dim": latent_dim,
                  "downsampling_ratio": ratio, "io_channels": channels},
        "training": {"loss_configs": losses, "optimizer_configs": {"autoencoder": {"optimizer": {
            "type": "AdamW", "config": {"lr": 1e-3}}}}, **training},
    }
    if bottleneck is not None:
        config["model"]["bottleneck"] = bottleneck
    return config


def dac_config(bottleneck: dict | None = None, latent: int = 4, encoded: int = 8,
               channels: int = 2, **training) -> dict:
    return autoencoder(
        {"type": "dac", "config": {"in_channels": channels, "latent_dim": encoded, "d_model": 4,
                                   "strides": [2, 2]}},
        {"type": "dac", "config": {"out_channels": channels, "latent_dim": latent,
                                   "channels": 16, "rates": [2, 2]}},
        latent_dim=latent, ratio=4, bottleneck=bottleneck, channels=channels, **training)


def seanet_config(bottleneck: dict | None = None, channels: int = 2, encoded: int = 8,
                  **options) -> dict:
    part = {"channels": channels, "dimension": 8, "n_filters": 4, "ratios": [2, 4], "lstm": 1,
            **options}
    return autoencoder({"type": "seanet", "config": {**part, "dimension": encoded}},
                       {"type": "seanet", "config": part},
                       latent_dim=8, ratio=8, bottleneck=bottleneck, channels=channels)


def upstream_names(state: dict) -> dict:
    """Our state dict under upstream's names (classic weight norm: ``weight_g`` / ``weight_v``)."""
    renamed = {}
    for key, value in state.items():
        key = key.replace("parametrizations.weight.original0", "weight_g")
        renamed[key.replace("parametrizations.weight.original1", "weight_v")] = value
    return renamed


# --- parameter parity with upstream ----------------------------------------------------------

@pytest.mark.parametrize("name, total", [
    ("stable_audio_1_0_vae", 133_431_300),
    ("dac_2048_32_vae", 134_592_930),
    ("encodec_musicgen_rvq", 53_259_458),
    ("stable_audio_2_0_vae", 156_112_514),
])
def test_upstream_autoencoders_have_upstream_parameter_counts(name: str, total: int) -> None:
    path = UPSTREAM_CONFIGS / f"model_configs__autoencoders__{name}.json"
    if not path.is_file():
        pytest.skip(f"{path.name} is not in the corpus")
    with torch.device("meta"), warnings.catch_warnings():
        warnings.simplefilter("ignore", sat_config.ConfigWarning)
        model = create_model_from_config(path)
    assert sum(p.numel() for p in model.parameters()) == total


# --- dac encoder / decoder -------------------------------------------------------------------

@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("encoded", [None, 6])
def test_dac_encoder_and_decoder_shapes(channels: int, encoded: int | None) -> None:
    config = dac_config(channels=channels)
    config["model"]["encoder"]["config"]["latent_dim"] = encoded
    config["model"]["decoder"]["config"]["latent_dim"] = encoded or 16
    config["model"]["latent_dim"] = encoded or 16
    model = create_model_from_config(typed(config)).eval()
    audio = torch.randn(2, channels, 32)
    with torch.no_grad():
        latents = model.encoder(audio)
        decoded = model.decoder(latents)
    # without latent_dim the encoder outputs d_model * 2^len(strides) channels (4 * 4)
    assert latents.shape == (2, encoded or 16, 8)
    assert decoded.shape == audio.shape and decoded.abs().max() <= 1  # DAC's decoder ends in tanh
    assert isinstance(model.encoder.proj_out, torch.nn.Conv1d) == (encoded is not None)


def test_dac_snake_gradients_match_autograd() -> None:
    from sat_config.training.components.dac import _SnakeFn

    x = torch.randn(2, 3, 7, dtype=torch.double, requires_grad=True)
    alpha = (torch.rand(1, 3, 1, dtype=torch.double) + 0.5).requires_grad_()
    assert torch.autograd.gradcheck(_SnakeFn.apply, (x, alpha))


# --- seanet encoder / decoder ----------------------------------------------------------------

@pytest.mark.parametrize("norm, causal", [
    ("weight_norm", False), ("weight_norm", True), ("none", False), ("spectral_norm", False),
    ("layer_norm", True), ("time_group_norm", False), ("time_layer_norm", False),
])
def test_seanet_encoder_and_decoder_shapes(norm: str, causal: bool) -> None:
    model = create_model_from_config(typed(seanet_config(norm=norm, causal=causal))).eval()
    audio = torch.randn(2, 2, 30)  # not a multiple of the hop: the last frame is padded
    with torch.no_grad():
        latents = model.encode(audio)
        decoded = model.decode(latents)
    assert latents.shape == (2, 8, 4)
    assert decoded.shape == (2, 2, 32)


def test_seanet_stages_follow_the_config_order_without_touching_it() -> None:
    config = typed(seanet_config())
    first = create_model_from_config(config)
    second = create_model_from_config(config)  # upstream's in-place reversal would flip this one
    assert config.model.encoder.config.ratios == [2, 4]

    def strides(module):
        return [m.stride[0] for m in module.modules()
                if isinstance(m, (torch.nn.Conv1d, torch.nn.ConvTranspose1d)) and m.stride[0] > 1]

    for model in (first, second):
        assert strides(model.encoder) == [2, 4]  # upstream's double reversal: config order
        assert strides(model.decoder) == [2, 4]


def test_seanet_lstm_and_final_activation() -> None:
    config = seanet_config(lstm=0)
    config["model"]["decoder"]["config"].update(final_activation="Tanh", lstm=2)
    model = create_model_from_config(typed(config))
    assert not any(isinstance(m, torch.nn.LSTM) for m in model.encoder.modules())
    assert model.decoder.model[1].lstm.num_layers == 2
    assert isinstance(model.decoder.model[-1], torch.nn.Tanh)


# --- bottlenecks -----------------------------------------------------------------------------

def bottleneck(spec: dict, encoded: int = 8):
    """A bottleneck from a spec, validated as part of a small seanet autoencoder config whose
    encoder outputs ``encoded`` channels."""
    return build_bottleneck(typed(seanet_config(spec, encoded=encoded)).model.bottleneck)


RVQ = {"dim": 8, "codebook_size": 16, "num_quantizers": 3, "kmeans_init": False}
DAC_RVQ = {"input_dim": 8, "n_codebooks": 3, "codebook_size": 16, "codebook_dim": 4}

# (spec, encoder channels, codebooks, codebook size)
DISCRETE = {
    "rvq": ({"type": "rvq", "config": RVQ}, 8, 3, 16),
    "rvq_vae": ({"type": "rvq_vae", "config": RVQ}, 16, 3, 16),
    "fsq": ({"type": "fsq", "config": {"levels": [5, 4], "num_codebooks": 4}}, 8, 4, 20),
    "fsq_one_codebook": ({"type": "fsq", "config": {"levels": [3, 3, 3, 3, 3, 3, 3, 3],
                                                     "keep_num_codebooks_dim": True}},
                         8, 1, 3 ** 8),
    "dithered_fsq": ({"type": "dithered_fsq", "config": {"dim": 2, "levels": [5, 4],
                                                         "num_codebooks": 4}}, 8, 4, 20),
    "dac_rvq": ({"type": "dac_rvq", "config": DAC_RVQ}, 8, 3, 16),
    "dac_rvq_vae": ({"type": "dac_rvq_vae", "config": {**DAC_RVQ, "codebook_dim": [4, 2, 3]}},
                    16, 3, 16),
}


@pytest.mark.parametrize("name", DISCRETE)
@pytest.mark.parametrize("training", [False, True])
def test_discrete_tokens_are_batch_codebooks_frames(name: str, training: bool) -> None:
    spec, channels, codebooks, size = DISCRETE[name]
    b = bottleneck(spec, channels).train(training)
    latents, info = b.encode(torch.randn(2, channels, 5))
    tokens = info[b.tokens_id]
    assert b.is_discrete and (b.num_quantizers, b.codebook_size) == (codebooks, size)
    assert latents.shape == (2, 8, 5)
    assert tokens.shape == (2, codebooks, 5) and tokens.dtype == torch.int64
    assert 0 <= tokens.min() and tokens.max() < size


@pytest.mark.parametrize("name", DISCRETE)
def test_decode_tokens_gives_back_the_quantised_latents(name: str) -> None:
    spec, channels, _, _ = DISCRETE[name]
    b = bottleneck(spec, channels).eval()
    with torch.no_grad():
        latents, info = b.encode(torch.randn(2, channels, 5))
        again = b.decode_tokens(info[b.tokens_id])
    assert torch.allclose(again, latents, atol=1e-5)


@pytest.mark.parametrize("spec, channels, keys", [
    ({"type": "vae"}, 16, ("kl",)),
    ({"type": "tanh", "config": {"scale": 0.5}}, 8, ()),
    ({"type": "l2_norm"}, 8, ()),
    ({"type": "wasserstein", "config": {"use_tanh": True}}, 8, ("mmd",)),
])
def test_continuous_bottlenecks(spec: dict, channels: int, keys: tuple) -> None:
    b = bottleneck(spec, channels).train()
    latents, info = b.encode(torch.randn(2, channels, 5) * 4)
    assert not b.is_discrete and latents.shape == (2, 8, 5)
    assert b.regularisers == keys and all(info[k].ndim == 0 for k in keys)


def test_dithered_fsq_rounds_in_eval_and_dithers_in_training() -> None:
    b = bottleneck(DISCRETE["dithered_fsq"][0])
    x = torch.randn(4, 8, 50)
    grid = torch.tensor([5, 4] * 4, dtype=torch.float)[None, :, None]
    steps = (b.eval().encode(x)[0] + 1) * (grid - 1) / 2  # level index of each value
    assert torch.allclose(steps, steps.round(), atol=1e-5)
    steps = (b.train().encode(x)[0] + 1) * (grid - 1) / 2
    assert not torch.allclose(steps, steps.round(), atol=1e-3)


def test_dac_rvq_reports_its_losses_and_can_quantise_on_decode() -> None:
    b = bottleneck(DISCRETE["dac_rvq"][0]).train()
    x = torch.randn(2, 8, 5)
    _, info = b.encode(x)
    assert b.regularisers == ("vq/codebook_loss", "vq/commitment_loss")
    assert info["vq/codebook_loss"] > 0 and info["vq/commitment_loss"] > 0
    assert info["quantizer_latents"].shape == (2, 12, 5)  # 3 codebooks x codebook_dim 4
    assert "latents" not in info  # would shadow the training wrapper's info["latents"]

    late = bottleneck({"type": "dac_rvq", "config": {**DAC_RVQ, "quantize_on_decode": True}})
    late.eval()
    with torch.no_grad():
        latents, info = late.encode(x)
        assert torch.equal(latents, x) and "codes" not in info and late.regularisers == ()
        assert torch.allclose(late.decode(latents), late.quantizer(x)[0])


def test_dac_rvq_can_use_fewer_codebooks_at_inference() -> None:
    b = bottleneck(DISCRETE["dac_rvq"][0]).eval()
    with torch.no_grad():
        z, codes, *_ = b.quantizer(torch.randn(2, 8, 5), n_quantizers=2)
    assert codes.shape == (2, 2, 5)
    assert torch.allclose(b.decode_tokens(codes), z, atol=1e-5)


def test_dac_quantiser_losses_are_weighted_as_upstream() -> None:
    from sat_config.kinds.autoencoder.losses import bottleneck_terms
    from sat_config.models import AutoencoderConfig
    from sat_config.training.typed import typed_field

    b = bottleneck({"type": "dac_rvq_vae", "config": DAC_RVQ}, 16)
    defaults = typed_field(AutoencoderConfig, "training.loss_configs.bottleneck", {})
    terms = bottleneck_terms(b.regularisers, defaults)
    assert {t.name: pytest.approx(t.weight.item()) for t in terms} == {
        "kl_loss": 1e-6, "codebook_loss": 1.0, "commitment_loss": 0.25}


def test_autoencoder_decodes_tokens_once_through_the_bottleneck() -> None:
    spec = {"type": "fsq", "config": {"levels": [5, 4], "num_codebooks": 4,
                                      "noise_augment_dim": 0}}
    model = create_model_from_config(typed(seanet_config(spec))).eval()
    audio = torch.randn(2, 2, 32)
    with torch.no_grad():
        latents = model.encode(audio)
        tokens = model.encode_tokens(audio)
        assert tokens.shape == (2, 4, 4)
        assert torch.allclose(model.decode_tokens(tokens), model.decode(latents), atol=1e-5)
    # noise channels are appended once (upstream's decode_tokens appends them twice)
    spec["config"]["noise_augment_dim"] = 2
    config = seanet_config(spec)
    config["model"]["decoder"]["config"]["dimension"] = 10
    noisy = create_model_from_config(typed(config)).eval()
    with torch.no_grad():
        assert noisy.decode_tokens(noisy.encode_tokens(audio)).shape == audio.shape
    continuous = create_model_from_config(typed(seanet_config()))
    with pytest.raises(TypeError, match="discrete bottleneck"):
        continuous.decode_tokens(torch.zeros(1, 1, 4, dtype=torch.long))
    with pytest.raises(TypeError, match="discrete bottleneck"):
        continuous.encode_tokens(audio)


# --- state dicts -----------------------------------------------------------------------------

@pytest.mark.parametrize("config", [
    dac_config({"type": "dac_rvq", "config": {**DAC_RVQ, "input_dim": 4}}, encoded=4),
    seanet_config(),
    seanet_config(norm="time_group_norm", true_skip=True),
], ids=["dac+dac_rvq", "seanet", "seanet-group-norm"])
def test_state_dicts_with_upstream_names_load_strictly(config: dict) -> None:
    source = create_model_from_config(typed(config)).eval()
    target = create_model_from_config(typed(copy.deepcopy(config))).eval()
    state = upstream_names(source.state_dict())
    assert any(k.endswith(("weight_g", "conv.norm.weight")) for k in state)
    target.load_state_dict(state, strict=True)
    audio = torch.randn(2, 2, 32)
    with torch.no_grad():
        assert torch.equal(target.decode(target.encode(audio)),
                           source.decode(source.encode(audio)))


def test_dac_module_tree_matches_upstream_names() -> None:
    model = create_model_from_config(typed(dac_config({"type": "vae"})))
    keys = set(upstream_names(model.state_dict()))
    assert {"encoder.encoder.block.0.weight_g", "encoder.encoder.block.1.block.0.block.0.alpha",
            "encoder.encoder.block.1.block.4.weight_v", "encoder.proj_out.weight",
            "decoder.decoder.model.1.block.1.weight_g",
            "decoder.decoder.model.4.weight_v"} <= keys


# --- upstream outputs (fixtures made by tests/fixtures/upstream/make_fixtures.py) -------------

def fixture(name: str) -> dict:
    path = FIXTURES / f"{name}.pt"
    if not path.is_file():
        pytest.skip(f"{path.relative_to(REPO)} is not present")
    return torch.load(path, weights_only=True)


def fixture_config(name: str) -> dict:
    import json

    return json.loads((FIXTURES / f"{name}.json").read_text())


def states(data: dict) -> dict:
    return {k.removeprefix("state_dict."): v for k, v in data.items()
            if k.startswith("state_dict.")}


@pytest.mark.parametrize("name", ["ae_dac", "ae_seanet"])
def test_autoencoders_match_upstream_outputs(name: str) -> None:
    data = fixture(name)
    model = create_model_from_config(typed(fixture_config(name))).eval()
    model.load_state_dict(states(data), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(model.encoder(data["x"]), data["encoder_out"],
                                   atol=1e-5, rtol=0)
        torch.testing.assert_close(model.decoder(data["z"]), data["decoder_out"],
                                   atol=1e-5, rtol=0)
        torch.manual_seed(1234)  # the vae bottleneck samples
        latents = model.encode(data["x"])
        torch.testing.assert_close(latents, data["latents"], atol=1e-5, rtol=0)
        torch.testing.assert_close(model.decode(latents), data["decoded"], atol=1e-5, rtol=0)


def test_rvq_matches_upstream_with_tokens_transposed() -> None:
    data = fixture("rvq")
    b = bottleneck(fixture_config("rvq")["bottleneck"]).eval()
    b.load_state_dict(states(data), strict=True)
    with torch.no_grad():
        quantized, info = b.encode(data["x"])
        from_tokens = b.decode_tokens(info["quantizer_indices"])
    torch.testing.assert_close(quantized, data["quantized"], atol=1e-5, rtol=0)
    # upstream gives (batch, frames, codebooks) (V4); ours is (batch, codebooks, frames)
    assert torch.equal(info["quantizer_indices"], data["tokens"].transpose(1, 2))
    torch.testing.assert_close(info["quantizer_loss"], data["quantizer_loss"], atol=1e-5, rtol=0)
    torch.testing.assert_close(from_tokens, data["from_tokens"].transpose(1, 2),
                               atol=1e-5, rtol=0)


# --- dac discriminator -----------------------------------------------------------------------

DAC_DISC = {"type": "dac", "config": {"periods": [2, 3], "fft_sizes": [64]},
            "weights": {"adversarial": 0.1, "feature_matching": 5.0}}


def dac_discriminator(**config):
    from sat_config.kinds.autoencoder.discriminators import build_discriminator

    spec = copy.deepcopy(DAC_DISC)
    spec["config"].update(config)
    full = dac_config({"type": "vae"}, loss_configs={"discriminator": spec})
    full["training"]["optimizer_configs"]["discriminator"] = \
        full["training"]["optimizer_configs"]["autoencoder"]
    return build_discriminator(typed(full).training.loss_configs.discriminator, 2)


@pytest.mark.parametrize("use_hinge", [False, True])
def test_dac_discriminator_losses_train_both_sides(use_hinge: bool) -> None:
    disc = dac_discriminator(use_hinge=use_hinge)
    reals = torch.randn(2, 2, 256)
    fakes = torch.randn(2, 2, 256, requires_grad=True)
    d_loss = disc.discriminator_loss(reals, fakes)
    d_loss.backward()
    assert fakes.grad is None  # the discriminator loss sees detached fakes
    assert all(p.grad is not None for p in disc.parameters())
    adv, fm = disc.generator_losses(reals, fakes)
    (adv + fm).backward()
    assert fakes.grad is not None and fakes.grad.abs().sum() > 0
    assert d_loss.ndim == adv.ndim == fm.ndim == 0 and fm > 0


def test_dac_discriminator_state_dict_and_spectrogram_follow_upstream() -> None:
    disc = dac_discriminator()
    keys = set(upstream_names(disc.state_dict()))
    assert {"discriminator.discriminators.0.convs.0.0.weight_g",
            "discriminator.discriminators.0.conv_post.weight_v",
            "discriminator.discriminators.2.band_convs.4.4.0.weight_g",
            "discriminator.discriminators.2.conv_post.weight_g"} <= keys
    band = disc.discriminator.discriminators[2]
    spec = band.spectrogram(torch.randn(3, 2, 256))
    # channels folded into the batch; frames x hop = samples (match_stride); 33 bins of 64
    assert spec.shape == (6, 2, 256 // 16, 33)
    assert band.bands == [(0, 3), (3, 8), (8, 16), (16, 24), (24, 33)]


def test_a_wrapper_trains_dac_rvq_with_the_dac_discriminator() -> None:
    from sat_config.training import create_training_wrapper_from_config

    config = dac_config({"type": "dac_rvq", "config": {**DAC_RVQ, "input_dim": 4}}, encoded=4,
                        loss_configs={"discriminator": DAC_DISC})
    config["training"]["optimizer_configs"]["discriminator"] = \
        config["training"]["optimizer_configs"]["autoencoder"]
    config["sample_size"] = 256
    config_t = typed(config)
    model = create_model_from_config(config_t)
    wrapper = create_training_wrapper_from_config(config_t, model)
    reals = torch.randn(2, 2, 256)
    info = wrapper._generator_info(reals, reals)
    loss, parts = wrapper.gen_losses(info)
    assert {"codebook_loss", "commitment_loss", "loss_adv", "feature_matching_loss"} <= set(parts)
    loss.backward()
    in_proj = model.bottleneck.quantizer.quantizers[0].in_proj
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in in_proj.parameters())


def test_rvq_straight_through_is_the_gradient_estimator() -> None:
    """Found by the property test: vector-quantize-pytorch's rotation trick (on by default in
    newer releases) and straight_through asserted against each other at build time."""
    b = bottleneck({"type": "rvq", "config": {**RVQ, "straight_through": True}}).train()
    x = torch.randn(2, 8, 5, requires_grad=True)
    latents, _ = b.encode(x)
    latents.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    for layer in b.quantizer.layers:
        assert getattr(layer, "rotation_trick", False) is False
