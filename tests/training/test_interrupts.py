"""Ctrl-C and SIGTERM save a checkpoint at the current step and exit 130 / 143; a killed run keeps
its metrics up to its last checkpoint. Each test runs ``sat-config train`` in a subprocess."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from training_helpers import tiny_config


def _start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tiny_config()))
    run = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sat_config", "train", str(config), "--output-dir", str(run),
         "--accelerator", "cpu", "--batch-size", "2", "--max-steps", "100000", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return proc, run


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{path} never appeared: {proc.communicate()[1][-2000:]}")
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM,
                                    pytest.param(signal.SIGINT, marks=pytest.mark.slow)])
def test_a_signal_saves_the_current_step_and_exits_128_plus_it(tmp_path, signum) -> None:
    proc, run = _start(tmp_path, "--checkpoint-every", "3")
    _wait_for(run / "checkpoints" / "epoch=0-step=3.ckpt", proc)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err[-2000:]
    assert "Traceback" not in err
    match = re.search(rf"sat-config: interrupted by {signal.Signals(signum).name} at step "
                      r"(\d+); saved (\S+)$", err.strip().splitlines()[-1])
    assert match, err[-2000:]
    step, saved = int(match.group(1)), Path(match.group(2))
    assert saved == run / "checkpoints" / "last.ckpt" and step >= 3
    checkpoint = torch.load(saved, weights_only=True)
    assert checkpoint["global_step"] == step
    rows = list(csv.DictReader((run / "logs" / "version_0" / "metrics.csv").open()))
    assert max(int(r["step"]) for r in rows) >= step - 1  # metrics flushed at exit


def test_a_killed_run_keeps_its_metrics_up_to_its_last_checkpoint(tmp_path) -> None:
    proc, run = _start(tmp_path, "--checkpoint-every", "4")
    _wait_for(run / "checkpoints" / "epoch=0-step=4.ckpt", proc)
    proc.kill()
    proc.communicate(timeout=60)
    metrics = run / "logs" / "version_0" / "metrics.csv"
    assert metrics.is_file(), "no metrics reached the disk"
    steps = {int(r["step"]) for r in csv.DictReader(metrics.open())}
    assert {0, 1, 2} <= steps


def test_a_signal_before_training_or_a_second_one_stops_at_once() -> None:
    from sat_config.training.errors import TrainingInterrupted
    from sat_config.training.safety import StopOnSignal

    stop = StopOnSignal()
    with pytest.raises(TrainingInterrupted, match="SIGINT before training started") as info:
        stop._handle(signal.SIGINT, None)
    assert info.value.exit_code == 130
    stop.training, stop.step = True, 7
    stop._handle(signal.SIGTERM, None)  # the first one during training only asks to stop
    assert stop.signum == signal.SIGTERM
    with pytest.raises(TrainingInterrupted, match="SIGTERM at step 7; nothing saved") as info:
        stop._handle(signal.SIGTERM, None)
    assert info.value.exit_code == 143
