"""Discriminator heads, losses, contrastive negatives (no V10), penalties, the discriminator
base (no V9) and weights-only checkpoint loading."""

from __future__ import annotations

import copy
import pickle
from types import SimpleNamespace

import pytest
import torch

from sat_config import load_config
from sat_config.kinds.arc import discriminator as D
from sat_config.training.checkpoints import UnsafeCheckpointError
from sat_config.training.factory import create_model_from_config


def _model(cfg):
    torch.manual_seed(0)
    return create_model_from_config(load_config(cfg))


def _arc(**kwargs):
    values = dict(discriminator_base_model=None, use_model_as_discriminator=False,
                  discriminator_base_ckpt=None, teacher_model=None, use_model_as_teacher=False,
                  teacher_model_ckpt=None)
    values.update(kwargs)
    return SimpleNamespace(**values)


# --- heads --------------------------------------------------------------------------------------


def test_convnext_head_scores_hidden_states_with_upstream_names():
    head = D.ConvNeXtDiscriminator(in_channels=64, latent_dim=1, channels=8, c_mults=[1, 2],
                                   strides=[2, 2], num_blocks=[1, 2], conv_args={"glu": True})
    scores = head(torch.randn(2, 64, 32))
    assert scores.shape == (2, 1, 8)
    keys = set(head.state_dict())
    assert "encoder.proj_in.parametrizations.weight.original0" in keys
    assert "encoder.layers.1.layers.1.proj_down.bias" in keys
    assert "encoder.layers.2.parametrizations.weight.original1" in keys  # final conv
    assert head.encoder.layers[0].layers[0].proj_up.weight.shape[0] == 8 * 4 * 2  # glu doubles


def test_convnext_blocks_start_as_identity():
    block = D.ConvNeXtBlock(8)
    x = torch.randn(1, 8, 10)
    assert torch.equal(block(x), x)


def test_convnext_head_loads_upstream_weight_norm_keys():
    head = D.ConvNeXtDiscriminator(in_channels=4, latent_dim=1, channels=4, c_mults=[1],
                                   strides=[2], num_blocks=[1])
    state = {}
    for key, value in head.state_dict().items():
        state[key.replace("parametrizations.weight.original0", "weight_g")
              .replace("parametrizations.weight.original1", "weight_v")] = value
    assert any(k.endswith("weight_g") for k in state)
    fresh = D.ConvNeXtDiscriminator(in_channels=4, latent_dim=1, channels=4, c_mults=[1],
                                    strides=[2], num_blocks=[1])
    fresh.load_state_dict(state)
    x = torch.randn(1, 4, 16)
    assert torch.allclose(fresh(x), head(x))


def test_conv_head_soft_clip_and_width_rule():
    torch.manual_seed(0)
    head = D.ConvDiscriminator(channels=64, soft_clip_scale=0.01)
    scores = head(torch.randn(2, 64, 64) * 100)
    assert scores.shape == (2, 1, 1) and scores.abs().max() <= 0.01
    assert "layers.1.weight" in head.state_dict()  # GroupNorm, as upstream
    assert "layers.12.weight" in head.state_dict()  # the score conv
    unclipped = D.ConvDiscriminator(channels=64)
    unclipped.load_state_dict(head.state_dict())
    assert unclipped(torch.randn(2, 64, 64) * 100).abs().max() > 0.01
    with pytest.raises(ValueError, match="multiple of 32"):
        D.ConvDiscriminator(channels=48)


@pytest.mark.parametrize("head", [
    lambda lt: D.ConvDiscriminator(channels=32, loss_type=lt),
    lambda lt: D.ConvNeXtDiscriminator(loss_type=lt, in_channels=32, latent_dim=1, channels=4,
                                       c_mults=[1], strides=[2], num_blocks=[1])])
def test_head_loss_type_selects_its_loss(head):
    torch.manual_seed(0)
    lsgan = head("lsgan")
    relativistic = head("relativistic")
    relativistic.load_state_dict(lsgan.state_dict())
    reals, fakes = torch.randn(2, 32, 64), torch.randn(2, 32, 64)
    r, f = lsgan(reals), lsgan(fakes)
    ls = lsgan.loss(reals, fakes)
    assert torch.allclose(ls["loss_dis"], (f ** 2).mean() + ((1 - r) ** 2).mean())
    assert torch.allclose(ls["loss_adv"], ((1 - f) ** 2).mean())
    rel = relativistic.loss(reals, fakes)
    assert torch.allclose(rel["loss_dis"], torch.nn.functional.softplus(f - r).mean())
    assert torch.allclose(rel["loss_adv"], torch.nn.functional.softplus(r - f).mean())


def test_relativistic_losses():
    real, fake = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 1.0])
    dis, gen = D.relativistic_losses(real, fake)
    assert torch.isclose(dis, torch.log1p(torch.exp(torch.tensor([-2.0, 1.0]))).mean())
    assert torch.isclose(gen, torch.log1p(torch.exp(torch.tensor([2.0, -1.0]))).mean())


# --- contrastive negatives and penalties ------------------------------------------------------


def test_rolled_metadata_with_two_items_gives_each_the_other_prompt():
    metadata = [{"prompt": "a", "seconds_total": 1}, {"prompt": "b", "seconds_total": 2}]
    before = copy.deepcopy(metadata)
    rolled = D.rolled_metadata(metadata)
    assert [m["prompt"] for m in rolled] == ["b", "a"]  # upstream (V10): ["b", "b"]
    assert [m["seconds_total"] for m in rolled] == [1, 2]
    assert metadata == before


def test_rolled_metadata_three_items_and_missing_prompt():
    rolled = D.rolled_metadata([{"prompt": p} for p in "abc"])
    assert [m["prompt"] for m in rolled] == ["b", "c", "a"]
    with pytest.raises(ValueError, match="no 'prompt'"):
        D.rolled_metadata([{"prompt": "a"}, {"text": "b"}])


def test_approximate_penalty_measures_score_sensitivity():
    x = torch.randn(3, 2, 8)
    flat = D.approximate_penalty(lambda v: torch.zeros(3, 1, 4), x, torch.zeros(3, 1, 4))
    assert torch.equal(flat, torch.zeros(3))
    torch.manual_seed(0)
    steep = D.approximate_penalty(lambda v: v * 10, x, x * 10)
    assert steep.shape == (3,) and (steep > 0).all()
    # noise std 0.05, slope 10: E[sum (10 * 0.05 n)^2] = 0.25 * 16 elements
    assert 2 < steep.mean() < 6


# --- discriminator base and teacher -----------------------------------------------------------


def test_no_discriminator_source_is_a_clear_error(tiny_arc):
    with pytest.raises(ValueError, match="needs a discriminator base"):
        D.build_discriminator_base(_arc(), _model(tiny_arc))


def test_use_model_as_discriminator_copies_the_student(tiny_arc):
    student = _model(tiny_arc)
    base = D.build_discriminator_base(_arc(use_model_as_discriminator=True), student)
    assert base is not student
    for (name, a), (_, b) in zip(student.state_dict().items(), base.state_dict().items()):
        assert torch.equal(a, b) and a.data_ptr() != b.data_ptr(), name


def test_discriminator_base_model_is_built_through_the_kinds_table(tiny_arc):
    other = copy.deepcopy(tiny_arc)
    other["model"]["diffusion"]["config"].update(embed_dim=96, num_heads=3, depth=3)
    typed = load_config(other)
    arc = _arc(discriminator_base_model=typed)  # a complete config: its model is built
    base = D.build_discriminator_base(arc, _model(tiny_arc))
    assert D.dit_width(base, "base") == 96 and len(base.model.model.transformer.layers) == 3


def test_discriminator_base_ckpt_loads_weights_only_and_safetensors(tiny_arc, tmp_path):
    from safetensors.torch import save_file

    source = _model(tiny_arc)
    with torch.no_grad():
        for p in source.parameters():
            p.add_(1.0)
    pt, st = tmp_path / "base.ckpt", tmp_path / "base.safetensors"
    torch.save({"state_dict": source.state_dict()}, pt)
    save_file({k: v.contiguous() for k, v in source.state_dict().items()}, str(st))
    for path in (pt, st):
        base = D.build_discriminator_base(
            _arc(use_model_as_discriminator=True, discriminator_base_ckpt=str(path)),
            _model(tiny_arc))
        for k, v in source.state_dict().items():
            assert torch.equal(base.state_dict()[k], v), (path, k)


def test_a_training_checkpoint_loads_from_its_diffusion_prefix(tiny_arc, tmp_path):
    source = _model(tiny_arc)
    with torch.no_grad():
        next(source.parameters()).add_(3.0)
    path = tmp_path / "train.ckpt"
    torch.save({"state_dict": {f"diffusion.{k}": v for k, v in source.state_dict().items()}},
               path)
    target = _model(tiny_arc)
    D.load_into(target, path, "x")
    assert torch.equal(next(target.parameters()), next(source.parameters()))


def test_checkpoints_that_match_nothing_or_run_code_are_refused(tiny_arc, tmp_path):
    unrelated = tmp_path / "unrelated.ckpt"
    torch.save({"state_dict": {"foo.weight": torch.zeros(1)}}, unrelated)
    with pytest.raises(ValueError, match="no weight"):
        D.load_into(_model(tiny_arc), unrelated, "training.arc.discriminator_base_ckpt")
    evil = tmp_path / "evil.ckpt"
    with open(evil, "wb") as f:
        pickle.dump({"state_dict": SimpleNamespace(a=1)}, f)
    with pytest.raises(UnsafeCheckpointError):
        D.load_into(_model(tiny_arc), evil, "x")


def test_teacher_is_loaded_and_frozen(tiny_arc, tmp_path):
    source = _model(tiny_arc)
    with torch.no_grad():
        next(source.parameters()).add_(5.0)
    path = tmp_path / "teacher.ckpt"
    torch.save({"state_dict": source.state_dict()}, path)
    student = _model(tiny_arc)
    assert D.build_teacher(_arc(), student) is None
    teacher = D.build_teacher(_arc(use_model_as_teacher=True, teacher_model_ckpt=str(path)),
                              student)
    assert torch.equal(next(teacher.parameters()), next(source.parameters()))
    assert not any(p.requires_grad for p in teacher.parameters()) and not teacher.training
    teacher = D.build_teacher(_arc(teacher_model=load_config(tiny_arc),
                                   teacher_model_ckpt=str(path)), student)
    assert torch.equal(next(teacher.parameters()), next(source.parameters()))
    with pytest.raises(ValueError, match="teacher_model_ckpt"):
        D.build_teacher(_arc(use_model_as_teacher=True), student)


@pytest.mark.parametrize("kind, conf", [
    ("conv", {}),
    ("convnext", {}),  # the defaults: strides (2, 4, 8, 8)
    ("convnext", {"c_mults": [1, 2], "strides": [2, 2]}),
    ("convnext", {"c_mults": [1, 2, 3], "strides": [3, 1, 5]}),
])
def test_head_length_check_matches_the_heads(kind, conf):
    """arc-head-length's shortest input is the real head's: it runs there and fails one
    token shorter."""
    from sat_config.kinds.arc.checks import _head_convs, _shortest_input

    need = _shortest_input(_head_convs(kind, conf))
    options = {"channels": 8, "num_blocks": [1] * len(conf.get("c_mults", [1] * 4)), **conf} \
        if kind == "convnext" else {}
    head = D.build_head(SimpleNamespace(type=kind, config=SimpleNamespace(
        model_dump=lambda: options)), 32)
    assert head(torch.randn(1, 32, need)).shape[-1] >= 1
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        head(torch.randn(1, 32, need - 1))
