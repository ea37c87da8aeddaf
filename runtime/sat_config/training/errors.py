"""Typed failures of a training run; ``sat-config train`` prints each as one line.

Torch-free, so the CLI can name them without importing the training stack. Every class carries
the exit code the CLI returns for it: 2 for a file or directory the user gave that cannot be used
(the same code as any usage error), 3 for a run that started and then failed, 128 + the signal
for an interrupted run (130 Ctrl-C, 143 SIGTERM), as shells report a process killed by a signal.
"""

from __future__ import annotations

import signal
from pathlib import Path

USAGE, RUNTIME = 2, 3


class TrainingError(Exception):
    """Training failed after it started; ``str(exc)`` is the whole message (one line)."""

    exit_code = RUNTIME


class InputError(TrainingError):
    """A file, directory or dataset named by the user cannot be used."""

    exit_code = USAGE


class CheckpointFileError(InputError, ValueError):
    """A checkpoint file cannot be used: missing, empty, truncated, not a checkpoint, unsafe,
    or holding weights that do not fit the model."""

    def __init__(self, path: str | Path, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(f"{path}: {reason}")


class UnsafeCheckpointError(CheckpointFileError):
    """A checkpoint holds objects a weights-only load refuses (unpickling them could run code)."""


class OutputDirError(InputError):
    """The output directory is a file, not writable, another run's, or in use."""


class DatasetError(InputError):
    """The dataset cannot feed training (no readable files, fewer items than one batch)."""


class CheckpointWriteError(TrainingError):
    """A checkpoint could not be written (read-only directory, full disk, non-finite weights);
    the previous checkpoint, if any, is intact."""


class NonFiniteLossError(TrainingError):
    """The loss became NaN or infinite; training stopped before saving those weights."""


class TrainingInterrupted(TrainingError):
    """Ctrl-C or SIGTERM: training stopped, having saved ``checkpoint`` at ``step`` if it could."""

    def __init__(self, signum: int, step: int | None = None, checkpoint: Path | None = None):
        self.signum, self.step, self.checkpoint = signum, step, checkpoint
        self.exit_code = 128 + signum
        name = signal.Signals(signum).name
        if checkpoint is not None:
            text = f"interrupted by {name} at step {step}; saved {checkpoint}"
        elif step is not None:
            text = f"interrupted by {name} at step {step}; nothing saved"
        else:
            text = f"interrupted by {name} before training started; nothing to save"
        super().__init__(text)
