"""DiffusionAutoencoderDemoCallback: schedule, EMA model, decode by sampling with demo_steps,
WAV + PNG of reals and reconstructions to every logger, the pretransform's first stage,
demo_dl or synthetic audio."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
sf = pytest.importorskip("soundfile")

from pytorch_lightning.loggers import Logger  # noqa: E402

from kinds.diffusion_autoencoder.dae_configs import load, tiny  # noqa: E402

from sat_config.kinds.diffusion_autoencoder.demo import (  # noqa: E402
    DiffusionAutoencoderDemoCallback)
from sat_config.kinds.diffusion_autoencoder.model import create_diffusion_autoencoder  # noqa: E402
from sat_config.kinds.diffusion_autoencoder.wrapper import (  # noqa: E402
    create_diffusion_autoencoder_wrapper)
from sat_config.training import create_demo_callback_from_config  # noqa: E402
from sat_config.training.protocols import DemoCallback  # noqa: E402


class MediaLogger(Logger):
    """A logger with log_audio/log_image, like WandbLogger."""

    name, version = "media", 0

    def __init__(self):
        super().__init__()
        self.audio, self.images = [], []

    def log_hyperparams(self, *args, **kwargs):
        pass

    def log_metrics(self, metrics, step=None):
        pass

    def log_audio(self, key, audios, step=None, **kwargs):
        self.audio.append(key)

    def log_image(self, key, images, step=None, **kwargs):
        self.images.append(key)


TWO = [(torch.randn(2, 2, 256), [{}, {}])]  # a demo loader with a two-item batch


def _trainer(tmp_path, step=1):
    return SimpleNamespace(global_step=step, loggers=[MediaLogger(), MediaLogger()],
                           log_dir=str(tmp_path), default_root_dir=str(tmp_path))


def _setup(config: dict, **kwargs):
    typed = load(config)
    torch.manual_seed(0)
    wrapper = create_diffusion_autoencoder_wrapper(typed, create_diffusion_autoencoder(typed))
    return typed, wrapper, create_demo_callback_from_config(typed, **kwargs)


def _calls(module) -> list:
    calls = []
    module.register_forward_hook(lambda m, args, out: calls.append(args[0].shape))
    return calls


def test_demo_reconstructs_with_the_ema_model_and_writes_wav_png(tmp_path):
    _, wrapper, callback = _setup(tiny("DAU1d"), demo_dir=tmp_path / "demos", demo_dl=TWO)
    assert isinstance(callback, DiffusionAutoencoderDemoCallback)
    assert isinstance(callback, DemoCallback)
    ema_calls = _calls(wrapper.diffae_ema.module.diffusion)
    live_calls = _calls(wrapper.diffae.diffusion)
    trainer = _trainer(tmp_path)
    callback.on_train_batch_end(trainer, wrapper, None, None, 0)
    assert sorted(p.name for p in callback.written) == ["recon_00000001.png",
                                                        "recon_00000001.wav"]
    assert ema_calls == [(2, 2, 256)] * 2 and live_calls == []  # demo_steps 2, EMA only
    audio, rate = sf.read(tmp_path / "demos" / "recon_00000001.wav")
    assert rate == 8000 and audio.shape == (2 * 2 * 256, 2)  # 2 reals + 2 reconstructions
    for logger in trainer.loggers:
        assert logger.audio == ["demo/recon"] and logger.images == ["demo/recon_spectrogram"]
    assert wrapper.diffae_ema.module.training  # modes restored


def test_reals_and_reconstructions_alternate(tmp_path, monkeypatch):
    _, wrapper, callback = _setup(tiny("DAU1d"), demo_dir=tmp_path)
    reals, fakes, first = callback.reconstruct(wrapper)
    assert reals.shape == fakes.shape == (8, 2, 256) and first is None
    assert torch.equal(reals, callback.demo_batch)
    clips = []
    monkeypatch.setattr(callback, "write", lambda trainer, name, c, step, **kw: clips.append(c))
    monkeypatch.setattr(callback, "reconstruct", lambda module: (reals, fakes, None))
    callback.on_train_batch_end(_trainer(tmp_path), wrapper, None, None, 0)
    assert torch.equal(clips[0][0], reals[0]) and torch.equal(clips[0][1], fakes[0])
    assert torch.equal(clips[0][2], reals[1])


def test_demo_schedule(tmp_path, monkeypatch):
    config = tiny("DAU1d")
    config["training"]["demo"]["demo_every"] = 3
    _, wrapper, callback = _setup(config, demo_dir=tmp_path)
    steps = []
    monkeypatch.setattr(callback, "reconstruct", lambda module: (torch.zeros(1, 2, 4),) * 2
                        + (None,))
    monkeypatch.setattr(callback, "write", lambda trainer, name, c, step, **kw: steps.append(step))
    for step in (1, 1, 2, 3, 4, 7):
        callback.on_train_batch_end(_trainer(tmp_path, step), wrapper, None, None, 0)
    assert steps == [1, 4, 7]  # (step - 1) % demo_every == 0, once per step


def test_demo_batch_from_demo_dl(tmp_path):
    batch = torch.randn(3, 2, 256)
    _, _, callback = _setup(tiny("DAU1d"), demo_dl=[(batch, [{}] * 3)], demo_dir=tmp_path)
    assert torch.equal(callback.demo_batch, batch)
    many = torch.randn(1, 12, 2, 256)  # a WebDataset-style extra dimension, more than 8 items
    _, _, callback = _setup(tiny("DAU1d"), demo_dl=[[many, {}]], demo_dir=tmp_path)
    assert torch.equal(callback.demo_batch, many[0, :8])


def test_synthetic_audio_without_demo_dl():
    _, _, callback = _setup(tiny("DAU1d"))
    assert callback.demo_batch.shape == (8, 2, 256)
    assert callback.demo_batch.abs().max() > 0


def test_with_a_pretransform_the_first_stage_is_written_too(tmp_path):
    config = tiny("DAU1d")
    config["model"]["pretransform"] = {"type": "wavelet", "config": {
        "channels": 2, "levels": 1, "wavelet": "bior4.4"}}
    config["model"]["io_channels"] = 4
    config["model"]["encoder"]["config"]["in_channels"] = 4
    config["model"]["diffusion"]["config"]["io_channels"] = 4
    _, wrapper, callback = _setup(config, demo_dir=tmp_path, demo_dl=TWO)
    trainer = _trainer(tmp_path)
    callback.on_train_batch_end(trainer, wrapper, None, None, 0)
    assert sorted(p.name for p in callback.written) == [
        "first_stage_00000001.png", "first_stage_00000001.wav",
        "recon_00000001.png", "recon_00000001.wav"]
    audio, _ = sf.read(tmp_path / "recon_00000001.wav")
    assert audio.shape == (2 * 2 * 256, 2)  # decoded back to audio
    assert trainer.loggers[1].audio == ["demo/recon", "demo/first_stage"]


def test_the_demo_builder_needs_a_typed_config():
    with pytest.raises(TypeError, match="typed DiffusionAutoencoderConfig"):
        DiffusionAutoencoderDemoCallback(tiny(), torch.zeros(1, 2, 256))
