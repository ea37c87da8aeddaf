"""Assemble and run a Lightning Trainer for a typed config (what ``sat-config train`` does).

A run owns its output directory (locked, never another run's unless resuming), writes every
checkpoint atomically, refuses to save non-finite weights, stops cleanly on Ctrl-C / SIGTERM,
and raises a typed :mod:`~sat_config.training.errors` exception for every way it can fail.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger, Logger

from .checkpoint_io import AtomicCheckpointIO, remove_stale_temporaries
from .checkpoints import check_resume
from .data.loaders import check_trainable, create_dataloader
from .errors import TrainingInterrupted
from .factory import (create_demo_callback_from_config, create_model_from_config,
                      create_training_wrapper_from_config)
from .outputs import claim_output_dir, is_primary_process, newest_checkpoint
from .safety import FiniteLossGuard, FlushMetrics, StopOnSignal

# The adversarial wrapper alternates which parameters get gradients (and a frozen encoder gets
# none), so DDP has to tolerate unused parameters; this is Lightning's own registered variant.
_STRATEGY_ALIASES = {"ddp": "ddp_find_unused_parameters_true"}


@dataclass
class TrainOptions:
    output_dir: Path
    max_steps: int = -1
    batch_size: int = 4
    accelerator: str = "auto"
    devices: str | int = "auto"
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"
    ckpt_path: str | None = None
    recover: bool = False
    """Resume from the newest checkpoint in ``output_dir`` (start afresh if there is none)."""
    seed: int = 42
    checkpoint_every: int = 1000
    num_workers: int = 0
    val_every: int | None = None
    progress_bar: bool = True


@dataclass
class TrainResult:
    global_step: int
    checkpoint_dir: Path
    last_checkpoint: Path | None
    log_dir: Path
    is_global_zero: bool
    demo_files: list[Path] = field(default_factory=list)
    resumed_from: Path | None = None


class LastCheckpoint(pl.Callback):
    """Writes ``last.ckpt`` when training ends, also between periodic saves (Lightning's
    ModelCheckpoint keeps the last *periodic* one)."""

    def __init__(self, checkpoints: ModelCheckpoint):
        self.checkpoints = checkpoints

    def on_train_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        if trainer.global_step == 0:
            return  # nothing trained; a recovered run's checkpoint stays the newest
        path = Path(self.checkpoints.dirpath) / f"{ModelCheckpoint.CHECKPOINT_NAME_LAST}.ckpt"
        trainer.save_checkpoint(path, weights_only=False)  # full state, for resuming
        self.checkpoints.last_model_path = str(path)


def _loggers(output_dir: Path) -> list[Logger]:
    loggers: list[Logger] = [CSVLogger(output_dir, name="logs")]
    if importlib.util.find_spec("tensorboard") or importlib.util.find_spec("tensorboardX"):
        from pytorch_lightning.loggers import TensorBoardLogger

        loggers.append(TensorBoardLogger(output_dir, name="tensorboard"))
    return loggers


def _plugins(strategy: str) -> list[Any]:
    # DeepSpeed and FSDP write sharded checkpoint directories through their own IO
    return [] if any(name in strategy for name in ("deepspeed", "fsdp")) else \
        [AtomicCheckpointIO()]


def train(config, options: TrainOptions, dataset_config=None,
          val_dataset_config=None) -> TrainResult:
    """Train typed ``config``; data from the typed dataset config, or synthetic audio.

    Raises :class:`~sat_config.training.errors.TrainingError` subclasses: ``InputError`` ones
    for unusable files, directories and datasets (before training), ``NonFiniteLossError``,
    ``CheckpointWriteError`` and ``TrainingInterrupted`` (after saving ``last.ckpt``).
    """
    stop = StopOnSignal()
    stop.install()  # Ctrl-C while building the model raises TrainingInterrupted, no traceback
    try:
        resuming = bool(options.ckpt_path or options.recover)
        with claim_output_dir(options.output_dir, resuming=resuming) as output_dir:
            return _train(config, options, output_dir, stop, dataset_config, val_dataset_config)
    finally:
        stop.restore()


def _train(config, options: TrainOptions, output_dir: Path, stop: StopOnSignal,
           dataset_config, val_dataset_config) -> TrainResult:
    checkpoint_dir = output_dir / "checkpoints"
    if is_primary_process():
        remove_stale_temporaries(checkpoint_dir)  # left by a run killed while saving
    ckpt_path = options.ckpt_path
    if ckpt_path is None and options.recover:
        ckpt_path = newest_checkpoint(output_dir)
    pl.seed_everything(options.seed, workers=True)
    model = create_model_from_config(config)
    wrapper = create_training_wrapper_from_config(config, model)
    loader = create_dataloader(config, dataset_config, batch_size=options.batch_size,
                               num_workers=options.num_workers, seed=options.seed)
    check_trainable(loader)
    if ckpt_path is not None:
        check_resume(ckpt_path, wrapper)
    val_loader = None if val_dataset_config is None else create_dataloader(
        config, val_dataset_config, batch_size=options.batch_size,
        num_workers=options.num_workers, shuffle=False)
    demo_loader = None if dataset_config is None else create_dataloader(
        config, dataset_config, batch_size=options.batch_size, shuffle=False)
    demo = create_demo_callback_from_config(config, demo_dl=val_loader or demo_loader,
                                            demo_dir=output_dir / "demos")
    checkpoints = ModelCheckpoint(dirpath=checkpoint_dir, save_last=True,
                                  every_n_train_steps=options.checkpoint_every, save_top_k=-1,
                                  enable_version_counter=False)
    callbacks = [FiniteLossGuard(lambda: newest_checkpoint(output_dir)), stop, FlushMetrics(),
                 checkpoints, LastCheckpoint(checkpoints), demo]
    trainer = pl.Trainer(
        accelerator=options.accelerator, devices=options.devices, num_nodes=options.num_nodes,
        strategy=_STRATEGY_ALIASES.get(options.strategy, options.strategy),
        precision=options.precision, max_steps=options.max_steps, max_epochs=-1,
        callbacks=callbacks, logger=_loggers(output_dir), log_every_n_steps=1,
        plugins=_plugins(options.strategy), default_root_dir=output_dir,
        num_sanity_val_steps=0, enable_progress_bar=options.progress_bar,
        **({"val_check_interval": options.val_every, "check_val_every_n_epoch": None}
           if val_loader is not None and options.val_every else {}))
    # resuming unpickles tensors and plain containers only: nothing in the file can run code
    trainer.fit(wrapper, loader, val_loader, ckpt_path=ckpt_path, weights_only=True)
    last = Path(checkpoints.last_model_path) if checkpoints.last_model_path else None
    if stop.signum is not None:
        raise TrainingInterrupted(stop.signum, trainer.global_step, last)
    return TrainResult(trainer.global_step, checkpoint_dir, last,
                       Path(trainer.loggers[0].log_dir), trainer.is_global_zero,
                       list(demo.written), None if ckpt_path is None else Path(ckpt_path))
