"""The shipped tiny diffusion examples train with the real models, wrappers and demos (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training_helpers import REPO, build, fit, series

pytestmark = pytest.mark.slow

EXAMPLES = ["diffusion_uncond-tiny", "diffusion_cond-tiny", "diffusion_cond_inpaint-tiny"]
STEPS = 80


@pytest.mark.parametrize("name", EXAMPLES)
def test_tiny_example_loss_falls_and_demos_are_written(tmp_path: Path, name: str) -> None:
    from sat_config.training import create_demo_callback_from_config

    config = json.loads((REPO / "examples" / f"{name}.json").read_text())
    config["training"]["demo"].update(demo_every=STEPS - 1, demo_steps=4)
    typed, _, wrapper = build(config)
    demo = create_demo_callback_from_config(typed, demo_dir=tmp_path / "demos")
    trainer = fit(wrapper, STEPS, tmp_path, batch_size=4, callbacks=[demo])
    loss = series(trainer, "train/loss")
    first = sum(loss[s] for s in range(10)) / 10
    last = sum(loss[s] for s in range(STEPS - 10, STEPS)) / 10
    print(f"{name}: mean loss of steps 0-9 {first:.3f}, of the last 10 {last:.3f}")
    assert last < 0.8 * first, loss
    wavs = sorted(p.name for p in demo.written if p.suffix == ".wav")
    assert any(w.endswith("_00000001.wav") for w in wavs)
    assert any(w.endswith(f"_{STEPS:08d}.wav") for w in wavs)
    wrapper.export_model(tmp_path / "model.ckpt")


def test_two_process_cpu_ddp_diffusion_cond(tmp_path: Path) -> None:
    """DDP with the per-noise-level loss log (an all_gather every step) and padding masks."""
    import os
    import subprocess
    import sys

    config = json.loads((REPO / "examples" / "diffusion_cond-tiny.json").read_text())
    config["training"].update(log_loss_info=True, mask_padding=True)
    config["training"]["demo"].update(demo_every=3, demo_steps=2)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    out = subprocess.run(
        [sys.executable, "-m", "sat_config", "train", str(path), "--accelerator", "cpu",
         "--devices", "2", "--strategy", "ddp", "--max-steps", "4", "--batch-size", "2",
         "--output-dir", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=900,
        env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"})
    assert out.returncode == 0, out.stderr[-3000:]
    assert "trained to step 4" in out.stdout
    demos = sorted(p.name for p in (tmp_path / "run" / "demos").glob("*.wav"))
    assert demos == ["demo_cfg_1_00000001.wav", "demo_cfg_1_00000004.wav",
                     "demo_cfg_3_00000001.wav", "demo_cfg_3_00000004.wav"]
    rows = (next((tmp_path / "run").rglob("metrics.csv"))).read_text()
    assert "model/loss_all_" in rows
