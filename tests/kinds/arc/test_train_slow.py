"""The tiny ARC example trains on CPU through ``sat-config train`` (synthetic audio)."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "diffusion_cond_arc-tiny.json"


def test_the_tiny_arc_example_trains_with_finite_losses_and_demos(tmp_path: Path) -> None:
    run = tmp_path / "run"
    out = subprocess.run(
        [sys.executable, "-m", "sat_config", "train", str(EXAMPLE), "--accelerator", "cpu",
         "--max-steps", "24", "--batch-size", "2", "--seed", "0", "--output-dir", str(run)],
        capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1",
                                             "OMP_NUM_THREADS": "2"}, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    with next(run.glob("logs/version_*/metrics.csv")).open() as f:
        rows = [r for r in csv.DictReader(f) if r.get("step")]
    # Lightning repeats a step-logged value on later rows until it is logged again, so read
    # each loss on the steps that produce it: even steps train the student, odd ones the
    # discriminator
    by_step = {int(r["step"]): r for r in rows}
    assert sorted(by_step) == list(range(24))
    gen = [float(by_step[s]["train/gen_loss"]) for s in range(0, 24, 2)]
    dis = [float(by_step[s]["train/discriminator_loss"]) for s in range(1, 24, 2)]
    std = [float(r["train/std_data"]) for r in by_step.values()]
    assert all(math.isfinite(v) for v in gen + dis + std)
    assert len(set(std)) > 1 and all(0.05 < s < 1 for s in std)
    assert all(by_step[s]["train/contrastive_loss_dis"] for s in range(1, 24, 2))
    assert all(by_step[s]["train/grad_penalty_loss"] for s in range(1, 24, 2))
    # demos at steps 1 and 21: one WAV + PNG each
    assert len(list((run / "demos").glob("demo_arc_*.wav"))) == 2
    assert len(list((run / "demos").glob("demo_arc_*.png"))) == 2
    assert (run / "checkpoints" / "last.ckpt").is_file()


def test_ode_warmup_then_adversarial_steps_in_a_trainer(tmp_path: Path) -> None:
    import json

    import torch

    from sat_config import load_config
    from sat_config.training.factory import create_model_from_config
    from sat_config.training.run import TrainOptions, train

    config = json.loads(EXAMPLE.read_text())
    torch.manual_seed(0)
    teacher = tmp_path / "teacher.ckpt"
    torch.save({"state_dict": create_model_from_config(load_config(config)).state_dict()},
               teacher)
    config["training"]["arc"].update(
        use_model_as_teacher=True, teacher_model_ckpt=str(teacher),
        ode_warmup={"warmup_steps": 3, "refresh_rate": 2, "sampling_steps": 4, "cfg": 1.0})
    config["training"]["demo"]["demo_every"] = 100
    result = train(load_config(config), TrainOptions(
        output_dir=tmp_path / "run", max_steps=6, batch_size=2, accelerator="cpu", devices=1,
        progress_bar=False))
    assert result.global_step == 6
    with next((tmp_path / "run").glob("logs/version_*/metrics.csv")).open() as f:
        by_step = {int(r["step"]): r for r in csv.DictReader(f) if r.get("step")}
    assert all(math.isfinite(float(by_step[s]["train/ode_mse_loss"])) for s in range(3))
    assert not by_step[0].get("train/gen_loss") and not by_step[2].get("train/gen_loss")
    assert math.isfinite(float(by_step[4]["train/gen_loss"]))  # step 3: discriminator
    assert math.isfinite(float(by_step[3]["train/discriminator_loss"]))
    state = torch.load(result.last_checkpoint, weights_only=True)["state_dict"]
    assert any(k.startswith("teacher_model.") for k in state)
    assert any(k.startswith("discriminator_head.") for k in state)
