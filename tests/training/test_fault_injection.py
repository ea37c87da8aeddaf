"""Fault injection: SIGKILL a tiny training run at random moments, during checkpoint saves too,
again and again; each time ``--recover`` resumes it. The run reaches its target step with the
step count, optimizer and EMA state continuous, and no checkpoint is ever corrupt.

Training runs in children forked by a helper process that imported torch once (a fresh
interpreter per attempt would spend most of the test importing Lightning).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from training_helpers import tiny_config

pytestmark = pytest.mark.slow

KILLS = 24
TARGET = 64

# Reads "<mode> <marker> <log> <n>" lines; forks a child running `sat-config train` (argv from
# the file named on its command line) and prints the child's pid; "wait <pid>" reaps it and
# prints the exit status. The child touches the marker when training starts ("plain") or, with
# "slow-save", inside its n-th checkpoint write, between the fsync and the rename, where it
# then pauses, so that a kill lands in the middle of a save.
SERVER = r"""
import json, os, sys, time
import torch, pytorch_lightning
from sat_config.cli import main
from sat_config.training import checkpoint_io, safety

argv = json.load(open(sys.argv[1]))
for line in sys.stdin:
    words = line.split()
    if words[0] == "wait":
        _, status = os.waitpid(int(words[1]), 0)
        print(os.waitstatus_to_exitcode(status), flush=True)
        continue
    mode, marker, log, n = words
    pid = os.fork()
    if pid:
        print(pid, flush=True)
        continue
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    if mode == "slow-save":
        real_fsync, count = os.fsync, [0]

        def fsync(fd):
            real_fsync(fd)
            count[0] += 1
            if count[0] == int(n):
                open(marker, "w").close()
                time.sleep(0.5)

        checkpoint_io.os.fsync = fsync
    else:
        started = safety.StopOnSignal.on_train_start

        def on_train_start(self, trainer, module):
            started(self, trainer, module)
            open(marker, "w").close()

        safety.StopOnSignal.on_train_start = on_train_start
    os._exit(main(argv))
"""


def _check_checkpoints(directory: Path) -> int:
    """Every checkpoint loads and is self-consistent; returns the newest global step."""
    newest = 0
    for path in sorted(directory.glob("*.ckpt")):
        saved = torch.load(path, weights_only=True)  # raises on a corrupt file
        step = saved["global_step"]
        adam = saved["optimizer_states"][0]["state"][0]["step"].item()
        ema = saved["state_dict"]["autoencoder_ema.n_averaged"].item()
        assert adam == step and ema == step, (path.name, step, adam, ema)
        assert all(torch.isfinite(v).all() for v in saved["state_dict"].values()
                   if v.is_floating_point()), path
        newest = max(newest, step)
    return newest


def test_sigkill_at_random_moments_then_recover_reaches_the_target(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tiny_config(use_ema=True)))
    run, marker, log = tmp_path / "run", tmp_path / "saving", tmp_path / "train.log"
    argv = tmp_path / "argv.json"
    argv.write_text(json.dumps(["train", str(config), "--output-dir", str(run), "--recover",
                                "--max-steps", str(TARGET), "--checkpoint-every", "1",
                                "--accelerator", "cpu", "--batch-size", "2"]))
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(argv)], text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              env={**os.environ, "OMP_NUM_THREADS": "1"})

    def ask(line: str) -> int:
        server.stdin.write(line + "\n")
        server.stdin.flush()
        return int(server.stdout.readline())

    rng = random.Random(0)
    progress, kills, during_save = [], 0, 0
    try:
        while kills < KILLS:
            marker.unlink(missing_ok=True)
            mode = "slow-save" if kills % 2 else "plain"
            pid = ask(f"{mode} {marker} {log} {rng.randint(1, 6)}")
            if kills % 6 == 0:  # any moment: model building, Lightning's setup, training
                time.sleep(rng.uniform(0.0, 4.0))
            else:
                deadline = time.monotonic() + 120
                while not marker.exists() and time.monotonic() < deadline:
                    time.sleep(0.01)
                if mode == "slow-save":
                    time.sleep(rng.uniform(0.0, 0.4))  # somewhere inside the 0.5 s pause
                    during_save += marker.exists()
                else:
                    time.sleep(rng.uniform(0.0, 2.0))
            os.kill(pid, 9)
            status = ask(f"wait {pid}")
            if status == 0:
                break  # finished before the kill landed
            assert status == -9, log.read_text()[-3000:]
            kills += 1
            if (run / "checkpoints").is_dir():
                progress.append(_check_checkpoints(run / "checkpoints"))
        marker.unlink(missing_ok=True)
        pid = ask(f"plain {marker} {log} 0")
        assert ask(f"wait {pid}") == 0, log.read_text()[-3000:]
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    print(f"{kills} kills ({during_save} during a save); newest step after each: {progress}")
    assert kills >= 20 and during_save >= 8, (kills, during_save)
    assert progress == sorted(progress) and progress[-1] >= 10  # saved progress is never lost
    final = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
    assert final["global_step"] == TARGET
    assert _check_checkpoints(run / "checkpoints") == TARGET
    assert not list((run / "checkpoints").glob(".*.partial"))  # stale temporaries cleaned
