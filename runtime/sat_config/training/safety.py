"""Callbacks every training run gets, whatever its kind: stop on a non-finite loss before it is
saved, stop cleanly on Ctrl-C / SIGTERM at the current step, and flush metrics with checkpoints.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch

from .errors import NonFiniteLossError, TrainingInterrupted

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _losses(outputs: Any, metrics: dict[str, Any]) -> dict[str, float]:
    """The step's loss values: the ``loss`` a training step returns (automatic optimisation)
    and every logged metric named like a loss (manual optimisation logs them instead)."""
    found: dict[str, float] = {}
    loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
    if isinstance(loss, torch.Tensor) and loss.numel() == 1:
        found["loss"] = float(loss.detach())
    for name, value in metrics.items():
        if "loss" in name and isinstance(value, (torch.Tensor, float, int)):
            if not isinstance(value, torch.Tensor) or value.numel() == 1:
                found[name] = float(value)
    return found


class FiniteLossGuard(pl.Callback):
    """Raise :class:`NonFiniteLossError` at the first step whose loss is NaN or infinite.

    Lightning runs checkpoint callbacks after all others, so this stops the run before any
    checkpoint of that step is written (the checkpoint IO refuses non-finite weights as well).
    """

    def __init__(self, last_checkpoint: Callable[[], Path | None] = lambda: None):
        self.last_checkpoint = last_checkpoint

    def on_train_batch_end(self, trainer: pl.Trainer, module: pl.LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        values = _losses(outputs, trainer.callback_metrics)
        bad = {k: v for k, v in values.items() if not math.isfinite(v)}
        if bad:
            last = self.last_checkpoint()
            kept = f"the last good checkpoint is {last}" if last else "no checkpoint was written"
            shown = ", ".join(f"{k}={v}" for k, v in bad.items())
            raise NonFiniteLossError(f"non-finite loss at step {trainer.global_step} ({shown}); "
                                     f"training stopped, {kept}")


class StopOnSignal(pl.Callback):
    """Ctrl-C or SIGTERM ends training after the current step, which ``last.ckpt`` then saves.

    A signal before training starts, or a second one, raises :class:`TrainingInterrupted` at
    once. Lightning's own SIGTERM handler (which waits for the end of an epoch in a single
    process) is replaced while training runs; in a distributed run any rank's signal stops all.
    """

    def __init__(self):
        self.signum: int | None = None
        self.training = False
        self.step: int | None = None
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        for sig in STOP_SIGNALS:
            previous = signal.signal(sig, self._handle)
            self._previous.setdefault(sig, previous)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signum is not None or not self.training:  # a second signal: stop right here
            raise TrainingInterrupted(signum, self.step)
        self.signum = signum

    def on_train_start(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        self.install()  # over the SIGTERM handler Lightning registered when fit started
        self.training = True

    def on_train_batch_end(self, trainer: pl.Trainer, module: pl.LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        self.step = trainer.global_step
        requested = self.signum is not None
        if trainer.world_size > 1:
            requested = trainer.strategy.reduce_boolean_decision(requested, all=False)
            if requested and self.signum is None:
                self.signum = signal.SIGTERM  # another rank was signalled
        if requested:
            trainer.should_stop = True

    def on_train_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        self.training = False


class FlushMetrics(pl.Callback):
    """Write buffered metrics (the CSV logger keeps 100 steps in memory) with every checkpoint,
    so a run killed later keeps its curves up to its last checkpoint."""

    def on_save_checkpoint(self, trainer: pl.Trainer, module: pl.LightningModule,
                           checkpoint: dict[str, Any]) -> None:
        for logger in trainer.loggers:
            logger.save()
