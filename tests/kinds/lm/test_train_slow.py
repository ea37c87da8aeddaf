"""The shipped tiny LM example trains on CPU with the CLI: loss falls, demos are written
(``make test-slow``)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kinds.lm.lm_support import TINY_EXAMPLE

pytestmark = pytest.mark.slow


def test_the_tiny_lm_example_learns_and_writes_demos(tmp_path: Path) -> None:
    run = tmp_path / "run"
    out = subprocess.run(
        [sys.executable, "-m", "sat_config", "train", str(TINY_EXAMPLE), "--accelerator", "cpu",
         "--max-steps", "60", "--seed", "0", "--output-dir", str(run)],
        capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=1200)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "trained to step 60" in out.stdout
    with next(run.glob("logs/version_*/metrics.csv")).open() as f:
        loss = [float(r["train/loss"]) for r in csv.DictReader(f) if r.get("train/loss")]
    assert len(loss) == 60
    first, last = sum(loss[:5]) / 5, sum(loss[-5:]) / 5
    assert last < 0.8 * first, loss
    # demo_every 30: demos at steps 1 and 31, one per CFG scale (1 and 3)
    assert sorted(p.name for p in (run / "demos").glob("*.wav")) == [
        "demo_cfg_1_00000001.wav", "demo_cfg_1_00000031.wav",
        "demo_cfg_3_00000001.wav", "demo_cfg_3_00000031.wav"]
    assert len(list((run / "demos").glob("*.png"))) == 4
    assert (run / "checkpoints" / "last.ckpt").is_file()
