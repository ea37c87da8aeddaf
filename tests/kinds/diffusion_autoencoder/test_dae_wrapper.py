"""DiffusionAutoencoderTrainingWrapper: the v loss, bottleneck regularisers, the reconstruction
loss on/off (with and without a pretransform: V8), learning rate, EMA, export, typed configs."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from kinds.diffusion_autoencoder.dae_configs import load, past_schema, tiny  # noqa: E402

from sat_config.kinds.diffusion_autoencoder.model import create_diffusion_autoencoder  # noqa: E402
from sat_config.kinds.diffusion_autoencoder.wrapper import (  # noqa: E402
    DiffusionAutoencoderTrainingWrapper, create_diffusion_autoencoder_wrapper, unwrap_reals)
from sat_config.training import create_training_wrapper_from_config  # noqa: E402
from sat_config.training.protocols import TrainingWrapper  # noqa: E402


def _wrapper(typed, seed: int = 0):
    torch.manual_seed(seed)
    return create_diffusion_autoencoder_wrapper(typed, create_diffusion_autoencoder(typed))


def _recon(config: dict) -> dict:
    """Long enough clips for the 2048-bin STFT."""
    config["sample_size"] = 2048
    config["training"]["use_reconstruction_loss"] = True
    return config


def test_the_registry_builds_it_from_a_typed_config_only():
    typed = load(tiny())
    model = create_diffusion_autoencoder(typed)
    wrapper = create_training_wrapper_from_config(typed, model)
    assert isinstance(wrapper, DiffusionAutoencoderTrainingWrapper)
    assert isinstance(wrapper, TrainingWrapper)
    assert wrapper.diffae is model
    with pytest.raises(TypeError, match="typed DiffusionAutoencoderConfig"):
        DiffusionAutoencoderTrainingWrapper(model, tiny())


def test_the_loss_is_upstreams_v_objective_plus_the_kl_term():
    wrapper = _wrapper(load(tiny("DAU1d")))
    model = wrapper.diffae
    reals, t = torch.randn(2, 2, 256), torch.tensor([0.25, 0.75])
    noise = torch.randn(2, 2, 256)
    torch.manual_seed(7)
    loss, terms = wrapper.losses(reals, t=t, noise=noise)
    torch.manual_seed(7)  # the same VAE noise
    latents, info = model.encode(reals, return_info=True)
    alpha = torch.cos(t * math.pi / 2)[:, None, None]
    sigma = torch.sin(t * math.pi / 2)[:, None, None]
    v = model.diffusion(reals * alpha + noise * sigma, t,
                        input_concat_cond=torch.repeat_interleave(latents, 8, dim=-1))
    mse = torch.nn.functional.mse_loss(v, noise * alpha - reals * sigma)
    assert torch.allclose(terms["mse_loss"], mse)
    assert torch.allclose(terms["kl_loss"], info["kl"])
    assert torch.allclose(loss, mse + 1e-6 * info["kl"])
    assert "mrstft_loss" not in terms


def test_without_a_bottleneck_there_is_no_regulariser():
    config = tiny("DAU1d")
    del config["model"]["bottleneck"]
    config["model"]["latent_dim"] = 8
    config["model"]["diffusion"]["config"]["cond_dim"] = 8
    wrapper = _wrapper(load(config))
    loss, terms = wrapper.losses(torch.randn(2, 2, 256))
    assert set(terms) == {"mse_loss", "std_data", "latent_std"}
    assert torch.equal(loss, terms["mse_loss"])


def test_a_wasserstein_bottleneck_adds_mmd_at_weight_100():
    config = tiny("DAU1d")
    config["model"]["bottleneck"] = {"type": "wasserstein"}
    config["model"]["encoder"]["config"]["latent_dim"] = 4
    wrapper = _wrapper(load(config))
    loss, terms = wrapper.losses(torch.randn(2, 2, 256))
    assert torch.allclose(loss, terms["mse_loss"] + 100 * terms["mmd_loss"])
    wrapper.eval()  # the bottleneck reports mmd in training mode only
    loss, terms = wrapper.losses(torch.randn(2, 2, 256))
    assert "mmd_loss" not in terms and torch.equal(loss, terms["mse_loss"])


def test_a_discrete_bottleneck_adds_its_quantizer_loss():
    config = tiny("DAU1d")
    config["model"]["bottleneck"] = {"type": "rvq", "config": {
        "dim": 8, "codebook_size": 16, "num_quantizers": 2, "kmeans_init": False}}
    config["model"]["latent_dim"] = 8
    config["model"]["diffusion"]["config"]["cond_dim"] = 8
    wrapper = _wrapper(load(config))
    assert wrapper.diffae.is_discrete
    loss, terms = wrapper.losses(torch.randn(2, 2, 256))
    assert "quantizer_loss" in terms
    assert torch.allclose(loss, terms["mse_loss"] + terms["quantizer_loss"])


def test_v8_reconstruction_loss_without_a_pretransform():
    typed = past_schema(_recon(tiny("DAU1d")))  # the schema still asks for a pretransform
    wrapper = _wrapper(typed)
    assert type(wrapper.sdstft).__name__ == "SumAndDifferenceSTFTLoss"  # stereo audio
    reals = torch.randn(2, 2, 2048)
    loss, terms = wrapper.losses(reals, t=torch.tensor([0.5, 0.5]))  # upstream: KeyError
    assert terms["mrstft_loss"] > 0
    assert torch.allclose(loss, terms["mse_loss"] + 1e-6 * terms["kl_loss"]
                          + 0.1 * terms["mrstft_loss"])
    # the reconstruction term alone trains the backbone and the encoder
    wrapper.diffae.zero_grad()
    terms["mrstft_loss"].backward()
    assert wrapper.diffae.diffusion.model.net[0].main[0].weight.grad.abs().sum() > 0
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in wrapper.diffae.encoder.parameters())


def test_reconstruction_loss_with_a_pretransform_compares_decoded_audio():
    config = _recon(tiny("DAU1d"))
    config["audio_channels"] = 1
    config["model"]["pretransform"] = {"type": "wavelet", "config": {
        "channels": 1, "levels": 1, "wavelet": "bior4.4"}}
    config["model"]["encoder"]["config"]["in_channels"] = 2
    wrapper = _wrapper(load(config))
    assert type(wrapper.sdstft).__name__ == "MultiResolutionSTFTLoss"  # mono audio
    decoded = []
    original = wrapper.diffae.pretransform.decode
    wrapper.diffae.pretransform.decode = lambda z: decoded.append(z.shape) or original(z)
    reals = torch.randn(2, 1, 2048)
    loss, terms = wrapper.losses(reals)
    assert decoded == [(2, 2, 1024)]  # the one-step prediction, decoded to audio
    wrapper.diffae.zero_grad()
    terms["mrstft_loss"].backward()  # through the frozen pretransform to the backbone
    assert wrapper.diffae.diffusion.model.net[0].main[0].weight.grad.abs().sum() > 0


def test_reconstruction_loss_off_has_no_stft():
    wrapper = _wrapper(load(tiny("DAU1d")))
    assert wrapper.sdstft is None


def test_reconstruction_loss_needs_clips_longer_than_half_the_largest_fft():
    config = past_schema(tiny("DAU1d", use_reconstruction_loss=True))
    with pytest.raises(ValueError, match="more than 1024 samples"):
        _wrapper(config)


def test_learning_rate_reaches_adam_over_every_model_parameter():
    wrapper = _wrapper(load(tiny(learning_rate=3e-4)))
    optimiser = wrapper.configure_optimizers()
    assert isinstance(optimiser, torch.optim.Adam)
    assert optimiser.param_groups[0]["lr"] == 3e-4
    ids = {id(p) for g in optimiser.param_groups for p in g["params"]}
    assert ids == {id(p) for p in wrapper.diffae.parameters()}
    assert not ids & {id(p) for p in wrapper.diffae_ema.parameters()}


def test_training_step_logs_and_returns_a_differentiable_loss(monkeypatch):
    wrapper = _wrapper(load(tiny("DAU1d")))
    logged = {}
    monkeypatch.setattr(wrapper, "log_dict", lambda values, **kw: logged.update(values))
    loss = wrapper.training_step((torch.randn(1, 2, 2, 256), [{}, {}]), 0)  # WebDataset dim
    assert loss.requires_grad
    assert {"train/loss", "train/mse_loss", "train/kl_loss", "train/std_data",
            "train/latent_std"} <= set(logged)


def test_unwrap_reals():
    x = torch.randn(2, 2, 8)
    assert unwrap_reals((x, [{}])) is x and unwrap_reals(x) is x
    assert unwrap_reals([x[None]]).shape == (2, 2, 8)


def test_a_frozen_pretransform_stays_in_eval_mode():
    config = tiny("DAU1d")
    config["model"]["pretransform"] = {"type": "wavelet", "config": {
        "channels": 2, "levels": 1, "wavelet": "bior4.4"}}
    config["model"]["io_channels"] = 4
    config["model"]["encoder"]["config"]["in_channels"] = 4
    config["model"]["diffusion"]["config"]["io_channels"] = 4
    wrapper = _wrapper(load(config)).train()
    assert wrapper.diffae.encoder.training and not wrapper.diffae.pretransform.training


# --- EMA and export ----------------------------------------------------------------------------


def test_ema_follows_the_model_after_each_optimiser_step(tmp_path):
    from training_helpers import fit

    wrapper = _wrapper(load(tiny("DAU1d", learning_rate=1e-2)))
    start = {k: v.clone() for k, v in wrapper.diffae.state_dict().items()}
    assert all(torch.equal(start[k], v) for k, v in wrapper.diffae_ema.module.state_dict().items())
    fit(wrapper, 3, tmp_path)
    live, ema = wrapper.diffae.state_dict(), wrapper.diffae_ema.module.state_dict()
    key = "diffusion.model.net.0.main.0.weight"
    assert not torch.equal(live[key], start[key])  # trained
    assert not torch.equal(ema[key], start[key])  # the EMA moved ...
    assert not torch.equal(ema[key], live[key])  # ... but lags behind
    assert int(wrapper.diffae_ema.n_averaged) == 3
    assert wrapper.sampling_model is wrapper.diffae_ema.module


def test_export_writes_the_ema_weights_loadable_strictly(tmp_path):
    typed = load(tiny("adp_1d"))
    wrapper = _wrapper(typed)
    with torch.no_grad():
        for p in wrapper.diffae_ema.module.parameters():
            p.add_(1.0)
    wrapper.export_model(tmp_path / "model.ckpt")
    state = torch.load(tmp_path / "model.ckpt", weights_only=True)["state_dict"]
    fresh = create_diffusion_autoencoder(typed)
    fresh.load_state_dict(state, strict=True)
    for a, b in zip(fresh.parameters(), wrapper.diffae_ema.module.parameters()):
        assert torch.equal(a, b)
    pytest.importorskip("safetensors")
    from safetensors.torch import load_file

    wrapper.export_model(tmp_path / "model.safetensors", use_safetensors=True)
    fresh.load_state_dict(load_file(str(tmp_path / "model.safetensors")), strict=True)


def test_validation_logs_fixed_time_losses(monkeypatch):
    wrapper = _wrapper(load(tiny("DAU1d")))
    logged = {}
    monkeypatch.setattr(wrapper, "log", lambda k, v, **kw: logged.__setitem__(k, v))
    wrapper.validation_step((torch.randn(2, 2, 256), [{}, {}]), 0)
    assert set(logged) == {"val/loss_0.1", "val/loss_0.3", "val/loss_0.5", "val/loss_0.7",
                           "val/loss_0.9", "val/avg_loss"}


def test_training_resumes_from_a_weights_only_checkpoint(tmp_path):
    from training_helpers import fit

    typed = load(tiny("DAU1d"))
    first = _wrapper(typed)
    fit(first, 2, tmp_path, checkpoint_every=2)
    checkpoint = tmp_path / "checkpoints" / "last.ckpt"
    saved = torch.load(checkpoint, weights_only=True)
    assert saved["sat_config"]["model_type"] == "diffusion_autoencoder"
    assert any(k.startswith("diffae_ema.module.diffusion.model.") for k in saved["state_dict"])
    second = _wrapper(typed, seed=1)
    trainer = fit(second, 3, tmp_path / "resumed", ckpt_path=str(checkpoint))
    assert trainer.global_step == 3
    assert int(second.diffae_ema.n_averaged) == 3
