"""Checkpoints are written atomically beside their target, never with non-finite weights, and a
write that fails is an error that keeps the previous checkpoint."""

from __future__ import annotations

import errno
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest
import torch

import training_helpers  # noqa: F401  (skips without torch / Lightning; one thread)

from sat_config.training.checkpoint_io import (AtomicCheckpointIO, atomic_write,
                                               remove_stale_temporaries)
from sat_config.training.errors import CheckpointWriteError


def _checkpoint(value: float, step: int = 1) -> dict:
    return {"state_dict": {"w": torch.full((64,), value)}, "global_step": step}


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != "last.ckpt")


def test_a_save_replaces_the_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    io = AtomicCheckpointIO()
    target = tmp_path / "ckpts" / "last.ckpt"
    io.save_checkpoint(_checkpoint(1.0), target)
    io.save_checkpoint(_checkpoint(2.0, step=2), target)
    assert torch.load(target, weights_only=True)["global_step"] == 2
    assert _leftovers(target.parent) == []


def test_the_temporary_file_is_beside_the_target_whatever_tmpdir_says(tmp_path, monkeypatch):
    # TMPDIR on another filesystem (here: one that does not exist) must not matter
    monkeypatch.setenv("TMPDIR", str(tmp_path / "no" / "such" / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", None)
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(Path(src).parent)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    target = tmp_path / "last.ckpt"
    AtomicCheckpointIO().save_checkpoint(_checkpoint(1.0), target)
    assert seen == [tmp_path] and torch.load(target, weights_only=True)["global_step"] == 1


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_a_full_disk_is_an_error_and_the_previous_checkpoint_is_intact(tmp_path, monkeypatch,
                                                                       where: str) -> None:
    io = AtomicCheckpointIO()
    target = tmp_path / "last.ckpt"
    io.save_checkpoint(_checkpoint(1.0), target)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    module = {"write": torch, "fsync": os, "replace": os}[where]
    monkeypatch.setattr(module, {"write": "save"}.get(where, where), full)
    with pytest.raises(CheckpointWriteError, match="could not write checkpoint .*last.ckpt: "
                                                   "No space left on device"):
        io.save_checkpoint(_checkpoint(2.0, step=2), target)
    monkeypatch.undo()
    assert torch.load(target, weights_only=True)["global_step"] == 1
    assert _leftovers(tmp_path) == []


def test_non_finite_weights_are_never_written(tmp_path: Path) -> None:
    io = AtomicCheckpointIO()
    target = tmp_path / "last.ckpt"
    io.save_checkpoint(_checkpoint(1.0), target)
    for bad in (float("nan"), float("inf")):
        with pytest.raises(CheckpointWriteError, match="non-finite values in w at step 7"):
            io.save_checkpoint(_checkpoint(bad, step=7), target)
    assert torch.load(target, weights_only=True)["state_dict"]["w"].eq(1.0).all()


def test_a_kill_during_a_write_keeps_the_previous_file_and_its_leftover_is_cleaned(tmp_path):
    target = tmp_path / "last.ckpt"
    atomic_write(target, lambda f: f.write(b"old"))
    started = tmp_path / "started"
    pid = os.fork()
    if pid == 0:  # child: write half a file, then hang until killed
        try:
            def slow(file):
                file.write(b"x" * 100_000)
                file.flush()
                started.touch()
                time.sleep(60)

            atomic_write(target, slow)
        finally:
            os._exit(0)
    deadline = time.monotonic() + 20
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert target.read_bytes() == b"old"
    (leftover,) = [p for p in tmp_path.iterdir() if p.name.startswith(".last.ckpt.")]
    assert leftover.stat().st_size == 100_000
    assert remove_stale_temporaries(tmp_path) == [leftover]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.ckpt", "started"]
