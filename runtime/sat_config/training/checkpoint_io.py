"""Writing checkpoints so that no kill, full disk or NaN ever costs the previous one.

Each file is written to a temporary file beside its target (same directory, so the same
filesystem whatever ``TMPDIR`` says), flushed and fsynced, then renamed over the target with
``os.replace``: readers see the old file or the new one, never a partial one. Lightning routes
every save (``ModelCheckpoint``, ``last.ckpt``, ``trainer.save_checkpoint``) through the
trainer's ``CheckpointIO``, which :class:`AtomicCheckpointIO` replaces.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import torch
from lightning_fabric.plugins.io.torch_io import TorchCheckpointIO

from .errors import CheckpointWriteError

TEMP_SUFFIX = ".partial"
"""Temporary files are ``.<target name>.<random>.partial`` in the target's directory."""


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], None]) -> None:
    """Create or replace ``path`` with what ``write`` puts in a binary file, all or nothing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    # O_EXCL: never follow or reuse someone else's file; 0o666 lets the umask decide as usual
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)  # make the rename itself durable


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not possible on every platform (Windows); the rename is done anyway
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temporaries(directory: str | Path) -> list[Path]:
    """Delete temporary files left by writes that were killed; call it holding the run's lock."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    stale = [p for p in directory.glob(f".*{TEMP_SUFFIX}") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def non_finite_entries(state: Mapping[str, Any]) -> list[str]:
    """Names of floating-point tensors in ``state`` holding a NaN or an infinity."""
    bad = []
    for name, value in state.items():
        if isinstance(value, torch.Tensor) and (value.is_floating_point() or value.is_complex()) \
                and not bool(torch.isfinite(value).all()):
            bad.append(name)
    return bad


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning's torch checkpoint IO, writing atomically and refusing non-finite weights.

    A failed write raises :class:`CheckpointWriteError` (Lightning lets it end the run), so a
    read-only directory or a full disk can never pass for a saved checkpoint.
    """

    def save_checkpoint(self, checkpoint: dict[str, Any], path, storage_options=None) -> None:
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO takes no storage_options")
        path = Path(path)
        bad = non_finite_entries(checkpoint.get("state_dict", {}))
        if bad:
            more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
            raise CheckpointWriteError(
                f"refused to write {path}: non-finite values in {', '.join(bad[:3])}{more} at "
                f"step {checkpoint.get('global_step')}; the previous checkpoint is kept")
        try:
            atomic_write(path, lambda file: torch.save(checkpoint, file))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise CheckpointWriteError(f"could not write checkpoint {path}: {reason}; the "
                                       "previous checkpoint, if any, is intact") from None
