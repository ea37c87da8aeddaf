"""Longer runs: two-process CPU DDP and the shipped tiny example (``make test-slow``)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from training_helpers import TINY_EXAMPLE, tiny_config

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    # one thread per process: two DDP ranks share the machine's cores
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def test_two_process_cpu_ddp_completes_a_few_steps(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tiny_config(discriminator=True, use_ema=True)))
    out = subprocess.run(
        [sys.executable, "-m", "sat_config", "train", str(config), "--accelerator", "cpu",
         "--devices", "2", "--strategy", "ddp", "--max-steps", "4", "--batch-size", "2",
         "--output-dir", str(tmp_path / "run")],
        capture_output=True, text=True, env=_env(), timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "trained to step 4" in out.stdout
    assert "world_size: 2" in out.stderr.lower() or "distributed_backend=gloo" in out.stderr
    assert (tmp_path / "run" / "checkpoints" / "last.ckpt").is_file()


def test_the_tiny_example_improves_over_the_demo_run(tmp_path: Path) -> None:
    run = tmp_path / "run"
    out = subprocess.run(
        [sys.executable, "-m", "sat_config", "train", str(TINY_EXAMPLE), "--accelerator", "cpu",
         "--max-steps", "40", "--seed", "0", "--output-dir", str(run)],
        capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    with next(run.glob("logs/version_*/metrics.csv")).open() as f:
        loss = [float(r["train/mrstft_loss"]) for r in csv.DictReader(f)
                if r.get("train/mrstft_loss")]
    assert sum(loss[-4:]) / 4 < 0.8 * sum(loss[:4]) / 4, loss
    assert len(list((run / "demos").glob("*.wav"))) == 4
    assert len(list((run / "demos").glob("*.png"))) == 4
