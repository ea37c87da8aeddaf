"""The shipped tiny diffusion-autoencoder example trains on CPU through ``sat-config train``:
the v loss falls and the demos are written (``make test-slow``)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "diffusion_autoencoder-tiny.json"


def test_the_tiny_example_trains_with_falling_loss_and_writes_demos(tmp_path: Path) -> None:
    run = tmp_path / "run"
    out = subprocess.run(
        [sys.executable, "-m", "sat_config", "train", str(EXAMPLE), "--accelerator", "cpu",
         "--max-steps", "40", "--seed", "0", "--output-dir", str(run)],
        capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    with next(run.glob("logs/version_*/metrics.csv")).open() as f:
        loss = [float(r["train/mse_loss"]) for r in csv.DictReader(f) if r.get("train/mse_loss")]
    assert len(loss) == 40
    # per-step v losses are noisy (one random time per item): compare ten-step means
    assert sum(loss[-10:]) / 10 < 0.75 * sum(loss[:10]) / 10, loss
    demos = sorted(p.name for p in (run / "demos").iterdir())
    assert demos == ["recon_00000001.png", "recon_00000001.wav",
                     "recon_00000031.png", "recon_00000031.wav"]
    assert (run / "checkpoints" / "last.ckpt").is_file()
