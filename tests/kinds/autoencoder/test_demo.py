"""AutoencoderDemoCallback: fixed batch, EMA model, WAV + PNG files, logger hand-off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from pytorch_lightning.loggers import Logger

from training_helpers import build, fit, load_typed, tiny_config

from sat_config.training import create_demo_callback_from_config


class MediaLogger(Logger):
    """A logger with log_audio/log_image, like WandbLogger."""

    def __init__(self):
        super().__init__()
        self.audio, self.images, self.metrics = [], [], []

    name, version = "media", 0

    def log_hyperparams(self, *args, **kwargs):
        pass

    def log_metrics(self, metrics, step=None):
        self.metrics.append((step, metrics))

    def log_audio(self, key, audios, step=None, **kwargs):
        self.audio.append((key, audios, step))

    def log_image(self, key, images, step=None, **kwargs):
        self.images.append((key, images, step))


def _run(tmp_path: Path, steps: int, demo_every: int, use_ema: bool = True):
    import pytorch_lightning as pl

    from sat_config.training.data.loaders import create_dataloader

    config = tiny_config(2, use_ema=use_ema)
    config["training"]["demo"] = {"demo_every": demo_every}
    typed, model, wrapper = build(config)
    demo = create_demo_callback_from_config(typed, demo_dir=tmp_path / "demos")
    logger = MediaLogger()
    trainer = pl.Trainer(accelerator="cpu", max_steps=steps, logger=logger, callbacks=[demo],
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False)
    trainer.fit(wrapper, create_dataloader(typed, batch_size=2))
    return typed, wrapper, demo, logger


def test_demos_fire_every_demo_every_steps_and_write_wav_and_png(tmp_path: Path) -> None:
    typed, _, demo, logger = _run(tmp_path, steps=5, demo_every=2)
    names = sorted(p.name for p in (tmp_path / "demos").iterdir())
    assert names == [f"recon_{s:08d}.{ext}" for s in (1, 3, 5) for ext in ("png", "wav")]
    audio, rate = sf.read(tmp_path / "demos" / "recon_00000003.wav")
    batch = demo.demo_batch
    assert rate == typed.sample_rate
    assert audio.shape == (2 * batch.shape[0] * typed.sample_size, typed.audio_channels)
    # reals and reconstructions interleave: the first clip is the first real item
    assert np.allclose(audio[: typed.sample_size], batch[0].T.numpy(), atol=1 / 16000)
    assert [a[2] for a in logger.audio] == [1, 3, 5] and len(logger.images) == 3
    assert any("demo/reconstruction_l1" in m for _, m in logger.metrics)


def test_the_demo_batch_is_fixed_and_reconstructed_by_the_ema_model(tmp_path: Path) -> None:
    typed, wrapper, demo, _ = _run(tmp_path, steps=2, demo_every=1000)
    again = create_demo_callback_from_config(typed, demo_dir=tmp_path)
    assert torch.equal(demo.demo_batch, again.demo_batch)
    called = []
    wrapper.autoencoder_ema.module.register_forward_pre_hook(lambda *a: called.append("ema"))
    wrapper.autoencoder_ema.module.encoder.register_forward_hook(lambda *a: called.append("ema"))
    wrapper.autoencoder.encoder.register_forward_hook(lambda *a: called.append("online"))
    demo.reconstruct(wrapper)
    assert called == ["ema"]


def test_without_ema_the_online_model_reconstructs(tmp_path: Path) -> None:
    _, wrapper, demo, _ = _run(tmp_path, steps=1, demo_every=1000, use_ema=False)
    called = []
    wrapper.autoencoder.encoder.register_forward_hook(lambda *a: called.append("online"))
    demo.reconstruct(wrapper)
    assert called == ["online"]


def test_demo_batch_comes_from_a_given_loader(tmp_path: Path) -> None:
    typed = load_typed(tiny_config(1))
    batch = torch.rand(3, 1, typed.sample_size)
    demo = create_demo_callback_from_config(typed, demo_dl=[(batch, [{}] * 3)], demo_dir=tmp_path)
    assert torch.equal(demo.demo_batch, batch)


def test_unknown_demo_arguments_are_refused() -> None:
    with pytest.raises(TypeError):
        create_demo_callback_from_config(tiny_config(), demo_dataloader=None)
