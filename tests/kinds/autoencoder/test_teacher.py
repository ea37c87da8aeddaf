"""Distillation from a teacher autoencoder, and weights-only checkpoint loading."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest
import torch

from training_helpers import build, fit, load_typed, series, tiny_config

from sat_config.training import create_model_from_config
from sat_config.training.checkpoints import UnsafeCheckpointError, load_state_dict


def _teacher_config(ckpt: Path) -> dict:
    config = tiny_config(1)
    teacher = copy.deepcopy({k: config[k] for k in ("model_type", "sample_rate", "model")})
    config["training"].update(teacher_model=teacher, teacher_model_ckpt=str(ckpt))
    return config


def _save_teacher(path: Path) -> dict[str, torch.Tensor]:
    teacher = create_model_from_config(load_typed(tiny_config(1)))
    state = teacher.state_dict()
    torch.save({"state_dict": state}, path)
    return state


def test_teacher_weights_load_and_distillation_terms_train(tmp_path: Path) -> None:
    state = _save_teacher(tmp_path / "teacher.ckpt")
    _, _, wrapper = build(_teacher_config(tmp_path / "teacher.ckpt"))
    for name, value in wrapper.teacher.state_dict().items():
        assert torch.equal(value, state[name])
    assert not any(p.requires_grad for p in wrapper.teacher.parameters())
    names = {t.name for t in wrapper.gen_losses.terms}
    assert {"latent_distill_loss", "mrstft_loss_distill", "mrstft_loss_own_latents_teacher",
            "mrstft_loss_teacher_latents_own"} <= names
    trainer = fit(wrapper, 2, tmp_path)
    assert series(trainer, "train/latent_distill_loss")[0] > 0
    assert not wrapper.teacher.training  # stays in eval mode while the student trains
    for name, value in wrapper.teacher.state_dict().items():
        assert torch.equal(value, state[name])  # frozen


def test_export_model_writes_a_loadable_teacher(tmp_path: Path) -> None:
    _, _, wrapper = build(tiny_config(1, use_ema=True))
    wrapper.export_model(tmp_path / "exported.ckpt")
    state = load_state_dict(tmp_path / "exported.ckpt")
    assert set(state) == set(wrapper.autoencoder.state_dict())


class _Payload:
    """A pickle that would create a file when unpickled."""

    def __init__(self, target: Path):
        self.target = target

    def __reduce__(self):
        return (Path.touch, (self.target,))


@pytest.mark.parametrize("writer", ["torch", "pickle"])
def test_a_malicious_checkpoint_is_refused_and_runs_nothing(tmp_path: Path, writer: str) -> None:
    marker = tmp_path / "pwned"
    ckpt = tmp_path / "evil.ckpt"
    payload = {"state_dict": {"x": _Payload(marker)}}
    if writer == "torch":
        torch.save(payload, ckpt)
    else:
        ckpt.write_bytes(pickle.dumps(payload))
    with pytest.raises(UnsafeCheckpointError, match="refused"):
        load_state_dict(ckpt)
    assert not marker.exists()
    with pytest.raises(UnsafeCheckpointError):
        build(_teacher_config(ckpt))
    assert not marker.exists()


def test_a_missing_teacher_checkpoint_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        build(_teacher_config(tmp_path / "nope.ckpt"))
