"""The ARC demo callback: few-step generations of the post-trained (EMA) student, WAV + PNG."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import soundfile as sf
import torch

from sat_config import load_config
from sat_config.kinds import KINDS
from sat_config.training.factory import (create_demo_callback_from_config,
                                         create_model_from_config,
                                         create_training_wrapper_from_config)


def _setup(cfg, tmp_path):
    typed = load_config(cfg)
    torch.manual_seed(0)
    wrapper = create_training_wrapper_from_config(typed, create_model_from_config(typed))
    demo = create_demo_callback_from_config(typed, demo_dir=tmp_path)
    trainer = SimpleNamespace(global_step=1, loggers=[], log_dir=str(tmp_path),
                              default_root_dir=str(tmp_path))
    return wrapper, demo, trainer


def _count_calls(module):
    calls = []
    original = module.forward

    def forward(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    module.forward = forward
    return calls


def test_the_row_names_the_demo(tiny_arc, tmp_path):
    demo = KINDS["arc"].part("demo")(load_config(tiny_arc), demo_dir=tmp_path)
    assert type(demo).__name__ == "ARCDemoCallback" and demo.demo_steps == 8


def test_demo_writes_wav_and_png_from_the_ema_model_in_few_steps(tiny_arc, tmp_path, make_batch):
    tiny_arc["training"]["demo"]["demo_cfg_scales"] = [1.0, 3.0]
    wrapper, demo, trainer = _setup(tiny_arc, tmp_path)
    ema_calls = _count_calls(wrapper.diffusion_ema.module)
    online_calls = _count_calls(wrapper.diffusion.model)
    demo.on_train_batch_end(trainer, wrapper, None, make_batch(), 0)
    names = sorted(p.name for p in demo.written)
    assert names == ["demo_arc_cfg_1_00000001.png", "demo_arc_cfg_1_00000001.wav",
                     "demo_arc_cfg_3_00000001.png", "demo_arc_cfg_3_00000001.wav"]
    audio, rate = sf.read(tmp_path / "demo_arc_cfg_1_00000001.wav")
    assert rate == 16000 and audio.shape == (2 * 64, 2) and abs(audio).max() > 0
    assert len(ema_calls) == 2 * 8 and not online_calls  # 8 steps per CFG scale
    assert [c["cfg_scale"] for c in ema_calls[::8]] == [1.0, 3.0]
    assert wrapper.training  # back in training mode


def test_demo_steps_and_online_model_without_ema(tiny_arc, tmp_path, make_batch):
    tiny_arc["training"]["use_ema"] = False
    tiny_arc["training"]["demo"]["demo_steps"] = 3
    wrapper, demo, trainer = _setup(tiny_arc, tmp_path)
    calls = _count_calls(wrapper.diffusion.model)
    demo.on_train_batch_end(trainer, wrapper, None, make_batch(), 0)
    assert len(calls) == 3 and len(demo.written) == 2


def test_demo_every_and_conditioning_from_the_batch(tiny_arc, tmp_path, make_batch):
    tiny_arc["training"]["demo"].update(demo_every=3, demo_cond_from_batch=True, num_demos=1)
    wrapper, demo, trainer = _setup(tiny_arc, tmp_path)
    seen = []
    original = wrapper.diffusion.conditioner.forward
    wrapper.diffusion.conditioner.forward = lambda items, device=None: (
        seen.append([i["prompt"] for i in items]) or original(items, device))
    for step in (1, 2, 3, 4):
        trainer.global_step = step
        demo.on_train_batch_end(trainer, wrapper, None, make_batch(prompts=["piano", "drums"]), 0)
    assert seen == [["piano"], ["piano"]]  # steps 1 and 4; the first batch item only
    assert len(demo.written) == 4
