"""Assemble and run a Lightning Trainer for a typed config (what ``sat-config train`` does).

A run owns its output directory (locked, never another run's unless resuming), writes every
checkpoint atomically, refuses to save non-finite weights, stops cleanly on Ctrl-C / SIGTERM,
and raises a typed :mod:`~sat_config.training.errors` exception for every way it can fail.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger, Logger

from .checkpoint_io import AtomicCheckpointIO, remove_stale_temporaries
from .checkpoints import check_resume
from .data.loaders import check_trainable, create_dataloader
from .errors import InputError, TrainingInterrupted
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
    # --- upstream train.py's remaining flags ---
    pretrained_ckpt_path: str | None = None
    """Model weights to start from (a fresh run: no optimizer state), loaded strictly."""
    pretransform_ckpt_path: str | None = None
    """Weights for ``model.pretransform`` (its own state dict, or an autoencoder's)."""
    remove_pretransform_weight_norm: str | None = None
    """``pre_load`` / ``post_load``: drop the pretransform's weight norm before / after loading
    ``pretransform_ckpt_path``."""
    accum_batches: int = 1
    gradient_clip_val: float | None = None
    save_top_k: int = -1
    """Periodic checkpoints kept: -1 all, 0 none, K the newest K; ``last.ckpt`` always."""
    name: str | None = None
    """Run name (loggers' run name; wandb/comet project unless ``project`` is given)."""
    project: str | None = None
    loggers: tuple[str, ...] | None = None
    """Loggers besides CSV (always on): ``tensorboard``, ``wandb``, ``comet``; None: TensorBoard
    when installed."""


@dataclass
class TrainResult:
    global_step: int
    checkpoint_dir: Path
    last_checkpoint: Path | None
    log_dir: Path
    is_global_zero: bool
    demo_files: list[Path] = field(default_factory=list)
    resumed_from: Path | None = None


class EmbedModelConfig(pl.Callback):
    """Puts the model config in every checkpoint as ``model_config``, where upstream's train.py
    puts it (the wrappers add ``sat_config``, the same validated config)."""

    def __init__(self, config):
        self.config = config

    def on_save_checkpoint(self, trainer: pl.Trainer, module: pl.LightningModule,
                           checkpoint: dict[str, Any]) -> None:
        from ..api import dump

        checkpoint["model_config"] = dump(self.config)


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


LOGGERS = ("csv", "tensorboard", "wandb", "comet")
_LOGGER_PACKAGES = {"tensorboard": ("tensorboard", "tensorboardX"), "wandb": ("wandb",),
                    "comet": ("comet_ml",)}


def _has_tensorboard() -> bool:
    return any(importlib.util.find_spec(p) for p in _LOGGER_PACKAGES["tensorboard"])


def _loggers(output_dir: Path, options: TrainOptions) -> list[Logger]:
    """CSV first (metrics.csv, the run's log dir), then the chosen ones."""
    names = options.loggers
    if names is None:
        names = ("tensorboard",) if _has_tensorboard() else ()
    unknown = [n for n in names if n not in LOGGERS]
    if unknown:
        raise InputError(f"unknown logger {unknown[0]!r}; choose from {', '.join(LOGGERS)}")
    for name in names:
        packages = _LOGGER_PACKAGES.get(name, ())
        if packages and not any(importlib.util.find_spec(p) for p in packages):
            raise InputError(f"--logger {name} needs the {packages[0]} package, which is not "
                             f"installed (pip install {packages[0]})")
    run_name = options.name or output_dir.name
    project = options.project or options.name or "sat-config"
    loggers: list[Logger] = [CSVLogger(output_dir, name="logs")]
    if "tensorboard" in names:
        from pytorch_lightning.loggers import TensorBoardLogger

        loggers.append(TensorBoardLogger(output_dir, name="tensorboard"))
    if "wandb" in names:
        from pytorch_lightning.loggers import WandbLogger

        loggers.append(WandbLogger(name=run_name, project=project, save_dir=str(output_dir)))
    if "comet" in names:
        from .comet import comet_logger

        # online with an API key, otherwise offline into <output_dir>/comet (said once)
        loggers.append(comet_logger(output_dir, project, run_name))
    return loggers


def _log_hyperparameters(loggers: list[Logger], config, options: TrainOptions) -> None:
    """The validated config and the options, as upstream pushes its args to wandb / comet."""
    from ..api import dump

    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(options).items()}
    for logger in loggers[1:]:
        logger.log_hyperparams({"model_config": dump(config), **settings})


def remove_weight_norm(module) -> int:
    """Fold every weight-norm parametrization in ``module`` into a plain ``weight``."""
    from torch.nn.utils import parametrize

    removed = 0
    for sub in module.modules():
        if parametrize.is_parametrized(sub, "weight"):
            parametrize.remove_parametrizations(sub, "weight", leave_parametrized=True)
            removed += 1
    return removed


def prepare_model(model, options: TrainOptions) -> None:
    """Upstream train.py's order: pretrained weights, weight norm off (pre_load), pretransform
    weights, weight norm off (post_load). Unusable files raise CheckpointFileError."""
    from torch import nn

    from .checkpoints import load_weights

    if options.pretrained_ckpt_path:
        load_weights(model, options.pretrained_ckpt_path)
    mode = options.remove_pretransform_weight_norm
    if mode not in (None, "", "pre_load", "post_load"):
        raise InputError("--remove-pretransform-weight-norm is pre_load or post_load, "
                         f"not {mode!r}")
    pretransform = getattr(model, "pretransform", None)
    if (mode or options.pretransform_ckpt_path) and pretransform is None:
        flag = "--pretransform-ckpt-path" if options.pretransform_ckpt_path else \
            "--remove-pretransform-weight-norm"
        raise InputError(f"{flag}: this config's model has no pretransform")
    if mode == "pre_load":
        remove_weight_norm(pretransform)
    if options.pretransform_ckpt_path:
        # as upstream's pretransform.load_state_dict: an autoencoder pretransform takes its
        # autoencoder's weights (names with or without the pretransform's "model." prefix)
        target = getattr(pretransform, "model", None)
        load_weights(target if isinstance(target, nn.Module) else pretransform,
                     options.pretransform_ckpt_path, what="the pretransform")
    if mode == "post_load":
        remove_weight_norm(pretransform)


def _checkpoint_callback(checkpoint_dir: Path, options: TrainOptions) -> ModelCheckpoint:
    keep = options.save_top_k
    # with no metric to rank by, "the best K" are the K newest: Lightning ranks by global step
    ranked = {"monitor": "step", "mode": "max"} if keep > 1 else {}
    return ModelCheckpoint(dirpath=checkpoint_dir, save_last=True,
                           every_n_train_steps=options.checkpoint_every, save_top_k=keep,
                           enable_version_counter=False, **ranked)


def _check_optimisation(wrapper, options: TrainOptions) -> None:
    if wrapper.automatic_optimization:
        return
    flags = [f for f, on in (("--accum-batches", options.accum_batches > 1),
                             ("--gradient-clip-val", bool(options.gradient_clip_val))) if on]
    if flags:
        raise InputError(f"{' and '.join(flags)}: this config's training wrapper steps its "
                         "optimizers itself (manual optimization, as upstream's autoencoder "
                         "wrapper), which Lightning cannot accumulate or clip for")


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
    seed = options.seed + int(os.environ.get("SLURM_PROCID", 0) or 0)  # as upstream: per process
    pl.seed_everything(seed, workers=True)
    model = create_model_from_config(config)
    prepare_model(model, options)
    wrapper = create_training_wrapper_from_config(config, model)
    _check_optimisation(wrapper, options)
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
    checkpoints = _checkpoint_callback(checkpoint_dir, options)
    loggers = _loggers(output_dir, options)
    _log_hyperparameters(loggers, config, options)
    callbacks = [FiniteLossGuard(lambda: newest_checkpoint(output_dir)), stop, FlushMetrics(),
                 EmbedModelConfig(config), checkpoints, LastCheckpoint(checkpoints), demo]
    trainer = pl.Trainer(
        accelerator=options.accelerator, devices=options.devices, num_nodes=options.num_nodes,
        strategy=_STRATEGY_ALIASES.get(options.strategy, options.strategy),
        precision=options.precision, max_steps=options.max_steps, max_epochs=-1,
        callbacks=callbacks, logger=loggers, log_every_n_steps=1,
        accumulate_grad_batches=options.accum_batches,
        gradient_clip_val=options.gradient_clip_val or None,
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
