"""ARC post-training of inpainting models: one random mask per item and step reaches every
conditioning of the step (student, discriminator incl. contrastive prompts, ODE teacher), trimming
keeps masks and latents aligned, and the demo inpaints masked demo audio."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
import soundfile as sf
import torch

from sat_config import load_config
from sat_config.kinds import KINDS, kind_of
from sat_config.kinds.arc import wrapper as W
from sat_config.training.factory import (create_demo_callback_from_config,
                                         create_model_from_config,
                                         create_training_wrapper_from_config)

IDS = ["inpaint_mask", "inpaint_masked_input"]
SEGMENTS_ONLY = {"mask_kwargs": {"mask_type_probabilities": [1.0, 0.0, 0.0],
                                 "max_mask_segments": 3}}


def _inpaint(cfg, model_type="diffusion_cond_inpaint", inpainting=SEGMENTS_ONLY):
    cfg["model_type"] = model_type
    diffusion = cfg["model"]["diffusion"]
    diffusion["input_concat_ids"] = list(IDS)
    diffusion["config"]["input_concat_dim"] = 2 + 1  # masked latents (io_channels) + the mask
    cfg["training"]["inpainting"] = inpainting
    cfg["training"]["cfg_dropout_prob"] = 0.0
    head = cfg["training"]["arc"]["discriminator"]
    head.update(contrastive=True, include_grad_penalties=True)
    if model_type == "diffusion_cond_inpaint":  # its demo section has no demo_cond
        cfg["training"]["demo"] = {"demo_every": 1, "num_demos": 2, "demo_cfg_scales": [1.0]}
    return cfg


def _build(cfg, seed=0):
    typed = load_config(cfg)
    torch.manual_seed(seed)
    return create_training_wrapper_from_config(typed, create_model_from_config(typed))


def _concat_spy(module):
    """Records the ``input_concat_cond`` of each backbone call of ``module``."""
    seen = []
    original = module.forward

    def forward(*args, **kwargs):
        seen.append(kwargs.get("input_concat_cond"))
        return original(*args, **kwargs)

    module.forward = forward
    return seen


def _step(wrapper, batch, seed=1):
    torch.manual_seed(seed)
    random.seed(seed)
    return wrapper.training_step(batch, 0)


def _check_masks(concat, reals, real_lengths=None):
    """``concat`` = [mask | masked latents]: a 0/1 mask with holes, the latents where it is 1,
    zeros where it is 0, holes only inside each item's real length."""
    assert concat is not None and concat.shape[:2] == (reals.shape[0], 1 + reals.shape[1])
    mask, masked = concat[:, :1], concat[:, 1:]
    assert concat.shape[-1] == reals.shape[-1]
    assert set(mask.unique().tolist()) <= {0.0, 1.0} and (mask == 0).any()
    assert torch.equal(masked, reals * mask)
    assert (masked.abs().sum(1, keepdim=True)[mask == 0] == 0).all()
    for i, real in enumerate(real_lengths or []):
        assert (mask[i, :, real:] == 1).all()


@pytest.mark.parametrize("model_type", ["diffusion_cond_inpaint", "diffusion_cond"])
def test_inpaint_configs_validate_and_build_under_the_arc_row(tiny_arc, model_type):
    cfg = _inpaint(tiny_arc, model_type)
    assert kind_of(cfg) is KINDS["arc"]
    wrapper = _build(cfg)
    assert isinstance(wrapper, W.ARCTrainingWrapper)
    assert wrapper.inpaint_kwargs == {"max_mask_segments": 3,
                                      "mask_type_probabilities": [1.0, 0.0, 0.0]}


def test_no_inpainting_without_the_inputs(tiny_arc, make_batch):
    wrapper = _build(tiny_arc)
    assert wrapper.inpaint_kwargs is None and wrapper.inpainting(torch.zeros(1, 2, 8), None) == {}


def test_default_masks_when_the_section_is_absent(tiny_arc):
    typed = load_config(_inpaint(tiny_arc, "diffusion_cond"))
    typed = typed.model_copy(update={
        "training": typed.training.model_copy(update={"inpainting": None})})
    torch.manual_seed(0)
    wrapper = W.create_arc_wrapper(typed, create_model_from_config(typed))
    assert wrapper.inpaint_kwargs == {"max_mask_segments": 10,
                                      "mask_type_probabilities": [0.1, 0.8, 0.1]}


def test_student_and_discriminator_see_the_same_masks(tiny_arc, make_batch):
    wrapper = _build(_inpaint(tiny_arc))
    student = _concat_spy(wrapper.diffusion.model)
    critic = _concat_spy(wrapper.discriminator.model)
    reals, metadata = make_batch()
    loss = _step(wrapper, (reals, metadata))  # student step
    assert "train/gen_loss" in wrapper.last_log and torch.isfinite(loss)
    assert len(student) == 1 and len(critic) == 2  # fake scores, real scores
    _check_masks(student[0], reals)
    assert all(torch.equal(c, student[0]) for c in critic)

    student.clear(), critic.clear()
    loss = _step(wrapper, (reals, metadata), seed=2)  # discriminator step: a fresh mask
    assert "train/discriminator_loss" in wrapper.last_log and torch.isfinite(loss)
    assert "train/contrastive_loss_dis" in wrapper.last_log
    # real, fake, R1, R2 and the contrastive (rolled prompts) scores: all with the item's mask
    assert len(student) == 1 and len(critic) == 5
    _check_masks(student[0], reals)
    assert all(torch.equal(c, student[0]) for c in critic)


def test_each_step_draws_new_masks(tiny_arc, make_batch):
    wrapper = _build(_inpaint(tiny_arc))
    student = _concat_spy(wrapper.diffusion.model)
    batch = make_batch()
    for seed in (1, 2, 3):
        _step(wrapper, batch, seed=seed)
    masks = [c[:, :1] for c in student]
    assert not (torch.equal(masks[0], masks[1]) and torch.equal(masks[1], masks[2]))


def test_trimming_trims_the_masks_with_the_latents(tiny_arc, make_batch):
    cfg = _inpaint(tiny_arc)
    cfg["training"]["trim_config"] = {"trim_prob": 1.0, "type": "random_item"}
    wrapper = _build(cfg)
    student = _concat_spy(wrapper.diffusion.model)
    critic = _concat_spy(wrapper.discriminator.model)
    reals, metadata = make_batch(length=256)
    lengths = [160, 200]
    for item, real in zip(metadata, lengths):
        item["padding_mask"] = (torch.arange(256) < real).float()
    loss = _step(wrapper, (reals, metadata))
    assert torch.isfinite(loss)
    trimmed = student[0].shape[-1]
    assert trimmed in lengths
    _check_masks(student[0], reals[..., :trimmed], [min(r, trimmed) for r in lengths])
    assert all(c.shape[-1] == trimmed and torch.equal(c, student[0]) for c in critic)


def test_ode_warmup_teacher_and_student_share_the_masks(tiny_arc, tmp_path, make_batch):
    cfg = _inpaint(tiny_arc)
    source = create_model_from_config(load_config(cfg))
    path = tmp_path / "teacher.ckpt"
    torch.save({"state_dict": source.state_dict()}, path)
    cfg["training"]["arc"].update(use_model_as_teacher=True, teacher_model_ckpt=str(path),
                                  ode_warmup={"warmup_steps": 2, "refresh_rate": 2,
                                              "sampling_steps": 2, "cfg": 2.0})
    wrapper = _build(cfg)
    teacher = _concat_spy(wrapper.teacher_model.model)
    student = _concat_spy(wrapper.diffusion.model)
    reals, metadata = make_batch()
    loss = _step(wrapper, (reals, metadata))
    assert "train/ode_mse_loss" in wrapper.last_log and torch.isfinite(loss)
    assert len(teacher) == 2 and len(student) == 1
    _check_masks(student[0], reals)
    assert all(torch.equal(concat, student[0]) for concat in teacher)  # (CFG 2: doubled inside)
    _step(wrapper, make_batch(seed=5), seed=2)  # reuses the trajectories: and their masks
    assert len(teacher) == 2 and torch.equal(student[1], student[0])


def test_validation_masks_deterministically(tiny_arc, make_batch):
    wrapper = _build(_inpaint(tiny_arc))
    student = _concat_spy(wrapper.diffusion.model)
    reals, metadata = make_batch()
    with torch.no_grad():
        wrapper.validation_step((reals, metadata), 3)
        wrapper.validation_step((reals, metadata), 3)
    assert len(student) == 2 * len(W.VALIDATION_TIMESTEPS)
    _check_masks(student[0], reals)
    assert all(torch.equal(c, student[0]) for c in student)


# --- the demo ---------------------------------------------------------------------------------


def _trainer(tmp_path):
    return SimpleNamespace(global_step=1, loggers=[], log_dir=str(tmp_path),
                           default_root_dir=str(tmp_path))


def test_inpaint_demo_masks_a_demo_batch(tiny_arc, tmp_path, make_batch):
    cfg = _inpaint(tiny_arc)
    cfg["training"]["demo"]["demo_cfg_scales"] = [1.0, 3.0]
    typed = load_config(cfg)
    wrapper = _build(cfg)
    reals, metadata = make_batch(n=3, seed=7)
    demo = create_demo_callback_from_config(typed, demo_dl=[(reals, metadata)],
                                            demo_dir=tmp_path)
    seen = _concat_spy(wrapper.diffusion_ema.module)
    demo.on_train_batch_end(_trainer(tmp_path), wrapper, None, make_batch(), 0)
    names = sorted(p.name for p in demo.written if p.suffix == ".wav")
    assert names == ["demo_arc_inpaint_cfg_1_00000001.wav", "demo_arc_inpaint_cfg_3_00000001.wav",
                     "demo_masked_input_00000001.wav", "demo_reals_00000001.wav"]
    assert len(seen) == 2 * 8  # 8 ping-pong steps per scale
    assert seen[0].shape == (2, 3, 64)  # the first num_demos items of the demo batch
    _check_masks(seen[0], reals[:2])
    assert all(torch.equal(c, seen[0]) for c in seen)  # one mask for every step and scale
    masked, rate = sf.read(tmp_path / "demo_masked_input_00000001.wav")
    assert rate == 16000 and masked.shape == (2 * 64, 2)
    assert wrapper.training


def test_inpaint_demo_defaults_to_synthetic_audio(tiny_arc, tmp_path):
    cfg = _inpaint(tiny_arc)
    demo = KINDS["arc"].part("demo")(load_config(cfg), demo_dir=tmp_path)
    wrapper = _build(cfg)
    demo.on_train_batch_end(_trainer(tmp_path), wrapper, None, None, 0)
    wavs = sorted(p.name for p in demo.written if p.suffix == ".wav")
    assert wavs == ["demo_arc_inpaint_cfg_1_00000001.wav", "demo_masked_input_00000001.wav",
                    "demo_reals_00000001.wav"]
    audio, _ = sf.read(tmp_path / "demo_arc_inpaint_cfg_1_00000001.wav")
    assert audio.shape == (2 * 64, 2) and abs(audio).max() > 0


@pytest.mark.slow
def test_an_inpaint_variant_of_the_tiny_example_trains(tmp_path):
    """``sat-config train`` on the tiny ARC example made an inpainting model: finite losses of
    both steps, and the inpainting demo's files."""
    import csv
    import json
    import math
    import os
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).resolve().parents[3] / "examples" / "diffusion_cond_arc-tiny.json"
    cfg = json.loads(example.read_text())
    cfg["model_type"] = "diffusion_cond_inpaint"
    cfg["model"]["diffusion"]["input_concat_ids"] = list(IDS)
    cfg["model"]["diffusion"]["config"]["input_concat_dim"] = cfg["model"]["io_channels"] + 1
    cfg["training"]["inpainting"] = {}
    cfg["training"]["trim_config"] = {"trim_prob": 0.5, "type": "random_item"}
    cfg["training"]["demo"] = {"demo_every": 3, "demo_steps": 2, "num_demos": 2,
                               "demo_cfg_scales": [1.0]}
    path = tmp_path / "arc_inpaint.json"
    path.write_text(json.dumps(cfg))
    run = tmp_path / "run"
    out = subprocess.run(
        [sys.executable, "-m", "sat_config", "train", str(path), "--accelerator", "cpu",
         "--max-steps", "4", "--batch-size", "2", "--seed", "0", "--output-dir", str(run)],
        capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "2"}, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    with next(run.glob("logs/version_*/metrics.csv")).open() as f:
        by_step = {int(r["step"]): r for r in csv.DictReader(f) if r.get("step")}
    losses = [float(by_step[s]["train/gen_loss"]) for s in (0, 2)] + \
        [float(by_step[s]["train/discriminator_loss"]) for s in (1, 3)]
    assert all(math.isfinite(v) for v in losses)
    names = {p.name.rsplit("_", 1)[0] for p in (run / "demos").glob("*.wav")}
    assert names == {"demo_reals", "demo_masked_input", "demo_arc_inpaint_cfg_1"}
