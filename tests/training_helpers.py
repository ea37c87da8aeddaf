"""Small configs and a quick Lightning runner shared by the training tests (CPU only)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("pytorch_lightning")

# Tiny models on one thread each: pytest-xdist already runs one worker per core, and
# oversubscribed OpenMP threads make small convolutions ten times slower.
torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[1]
SA2_VAE = REPO / "tests" / "corpus" / "upstream" / "model_configs__autoencoders__stable_audio_2_0_vae.json"
TINY_EXAMPLE = REPO / "examples" / "autoencoder-tiny.json"


def tiny_config(channels: int = 2, *, discriminator: bool = False, **training: Any) -> dict:
    """A few-thousand-parameter oobleck VAE on 2048-sample clips: fast enough for unit tests."""
    encoder = {"in_channels": channels, "channels": 4, "c_mults": [1, 2], "strides": [2, 4],
               "latent_dim": 8, "use_snake": True}
    decoder = {"out_channels": channels, "channels": 4, "c_mults": [1, 2], "strides": [2, 4],
               "latent_dim": 4, "use_snake": True, "final_tanh": False}
    losses: dict[str, Any] = {
        "spectral": {"config": {"fft_sizes": [256, 64], "hop_sizes": [64, 16],
                                "win_lengths": [256, 64]}, "weights": {"mrstft": 1.0}},
        "time": {"weights": {"l1": 0.1}},
        "bottleneck": {"weights": {"kl": 1e-4}},
    }
    optimizers: dict[str, Any] = {"autoencoder": {"optimizer": {
        "type": "AdamW", "config": {"lr": 3e-3, "betas": [0.8, 0.99]}}}}
    if discriminator:
        losses["discriminator"] = {
            "type": "encodec",
            "config": {"filters": 4, "n_ffts": [128, 64], "hop_lengths": [32, 16],
                       "win_lengths": [128, 64]},
            "weights": {"adversarial": 0.1, "feature_matching": 5.0}}
        optimizers["discriminator"] = copy.deepcopy(optimizers["autoencoder"])
    config = {
        "model_type": "autoencoder", "sample_rate": 8000, "sample_size": 2048,
        "audio_channels": channels,
        "model": {"encoder": {"type": "oobleck", "config": encoder},
                  "decoder": {"type": "oobleck", "config": decoder},
                  "bottleneck": {"type": "vae"}, "latent_dim": 4, "downsampling_ratio": 8,
                  "io_channels": channels},
        "training": {"loss_configs": losses, "optimizer_configs": optimizers,
                     "demo": {"demo_every": 1000}},
    }
    config["training"].update(training)
    return config


def load_typed(config: dict):
    import warnings

    import sat_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sat_config.ConfigWarning)
        return sat_config.load_config(config)


def sa2_vae() -> dict:
    return json.loads(SA2_VAE.read_text())


def build(config: dict):
    """(typed config, model, wrapper)."""
    from sat_config.training import (create_model_from_config,
                                     create_training_wrapper_from_config)

    typed = load_typed(config)
    model = create_model_from_config(typed)
    return typed, model, create_training_wrapper_from_config(typed, model)


def fit(wrapper, steps: int, tmp_path: Path, *, batch_size: int = 2, callbacks=(),
        ckpt_path: str | None = None, seed: int = 0, checkpoint_every: int | None = None):
    """Run ``steps`` optimizer steps on synthetic audio; returns the trainer."""
    import pytorch_lightning as pl
    from pytorch_lightning.callbacks import ModelCheckpoint
    from pytorch_lightning.loggers import CSVLogger

    from sat_config.training.data.loaders import create_dataloader

    pl.seed_everything(seed, workers=True)
    loader = create_dataloader(wrapper.config, batch_size=batch_size, seed=seed)
    all_callbacks = list(callbacks)
    if checkpoint_every:
        all_callbacks.append(ModelCheckpoint(dirpath=tmp_path / "checkpoints", save_last=True,
                                             every_n_train_steps=checkpoint_every, save_top_k=-1))
    trainer = pl.Trainer(accelerator="cpu", devices=1, max_steps=steps, max_epochs=-1,
                         logger=CSVLogger(tmp_path, name="logs"), log_every_n_steps=1,
                         enable_checkpointing=bool(checkpoint_every),
                         enable_progress_bar=False, enable_model_summary=False,
                         callbacks=all_callbacks, default_root_dir=tmp_path,
                         num_sanity_val_steps=0)
    trainer.fit(wrapper, loader, ckpt_path=ckpt_path, weights_only=True)
    return trainer


def metrics(trainer) -> list[dict[str, float]]:
    """Rows of the CSV logger's metrics.csv (one dict per logged step)."""
    import csv

    trainer.loggers[0].save()
    path = Path(trainer.loggers[0].log_dir) / "metrics.csv"
    with path.open() as f:
        return [{k: float(v) for k, v in row.items() if v != ""} for row in csv.DictReader(f)]


def series(trainer, key: str) -> dict[int, float]:
    """``{step: value}`` of one logged metric."""
    return {int(r["step"]): r[key] for r in metrics(trainer) if key in r}
