"""ARCTrainingWrapper: every training.arc key (and the training keys ARC reads) has an effect.
Steps run without a Trainer (the wrapper counts its own steps then)."""

from __future__ import annotations

import copy
import random

import pytest
import torch

from sat_config import load_config
from sat_config.kinds import KINDS, kind_of
from sat_config.kinds.arc import wrapper as W
from sat_config.kinds.arc.discriminator import ConvNeXtDiscriminator
from sat_config.training.factory import (create_model_from_config,
                                         create_training_wrapper_from_config)


def _build(cfg, seed=0):
    typed = load_config(cfg)
    torch.manual_seed(seed)
    model = create_model_from_config(typed)
    return create_training_wrapper_from_config(typed, model)


_BATCH = {}


@pytest.fixture(autouse=True)
def _default_batch(make_batch):
    _BATCH["make"] = make_batch


def _step(wrapper, batch=None, seed=1):
    torch.manual_seed(seed)
    random.seed(seed)
    return wrapper.training_step(batch or _BATCH["make"](), 0)


def _params(module):
    return [p.detach().clone() for p in module.parameters()]


def _changed(before, module):
    return any(not torch.equal(a, b) for a, b in zip(before, module.parameters()))


def _spy(module, name="forward"):
    calls = []
    original = getattr(module, name)

    def wrapped(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    setattr(module, name, wrapped)
    return calls


# --- the row and construction -----------------------------------------------------------------


def test_the_arc_row_builds_the_wrapper(tiny_arc):
    assert kind_of(tiny_arc) is KINDS["arc"]
    wrapper = _build(tiny_arc)
    assert isinstance(wrapper, W.ARCTrainingWrapper) and not wrapper.automatic_optimization
    assert isinstance(wrapper.discriminator_head, ConvNeXtDiscriminator)
    assert wrapper.teacher_model is None


def test_typed_configs_only(tiny_arc):
    with pytest.raises(TypeError, match="typed"):
        W.create_arc_wrapper(tiny_arc, None)


def test_two_optimizer_groups_over_disjoint_parameters(tiny_arc):
    tiny_arc["training"]["optimizer_configs"]["discriminator"]["optimizer"] = {
        "type": "SGD", "config": {"lr": 0.5}}
    wrapper = _build(tiny_arc)
    gen, disc = wrapper.configure_optimizers()
    assert isinstance(gen, torch.optim.AdamW) and isinstance(disc, torch.optim.SGD)
    gen_ids = {id(p) for g in gen.param_groups for p in g["params"]}
    disc_ids = {id(p) for g in disc.param_groups for p in g["params"]}
    assert gen_ids == {id(p) for p in wrapper.diffusion.parameters()}
    assert disc_ids == {id(p) for p in wrapper.discriminator_parameters()}
    assert {id(p) for p in wrapper.discriminator_head.parameters()} <= disc_ids
    assert not gen_ids & disc_ids


def test_schedulers_step_with_their_own_group(tiny_arc):
    groups = tiny_arc["training"]["optimizer_configs"]
    groups["diffusion"]["scheduler"] = {"type": "StepLR", "config": {"step_size": 1,
                                                                      "gamma": 0.5}}
    wrapper = _build(tiny_arc)
    _step(wrapper)
    gen, disc = wrapper._optimisers()
    assert gen.param_groups[0]["lr"] == pytest.approx(5e-4)  # stepped once by the student
    _step(wrapper)  # a discriminator step: the student's scheduler does not move
    assert gen.param_groups[0]["lr"] == pytest.approx(5e-4)
    assert disc.param_groups[0]["lr"] == pytest.approx(1e-3)


def test_a_v_objective_model_is_refused(tiny_arc):
    typed = load_config(tiny_arc)
    model = create_model_from_config(typed)
    model.diffusion_objective = "v"
    with pytest.raises(ValueError, match="rectified_flow"):
        W.create_arc_wrapper(typed, model)


# --- alternating steps, EMA ------------------------------------------------------------------


def test_steps_alternate_between_student_and_discriminator(tiny_arc):
    wrapper = _build(tiny_arc)
    student, disc = _params(wrapper.diffusion), _params(wrapper.discriminator) \
        + _params(wrapper.discriminator_head)
    loss = _step(wrapper)
    assert torch.isfinite(loss) and "train/gen_loss" in wrapper.last_log
    assert _changed(student, wrapper.diffusion)
    assert not _changed(disc[:len(_params(wrapper.discriminator))], wrapper.discriminator)
    student = _params(wrapper.diffusion)
    head = _params(wrapper.discriminator_head)
    _step(wrapper)
    assert "train/discriminator_loss" in wrapper.last_log
    assert not _changed(student, wrapper.diffusion)
    assert _changed(head, wrapper.discriminator_head)
    assert wrapper.standalone_step == 2


def test_ema_is_updated_after_the_student_step(tiny_arc):
    wrapper = _build(tiny_arc)
    before = _params(wrapper.diffusion.model)
    _step(wrapper)
    ema = list(wrapper.diffusion_ema.module.parameters())
    # the first update copies: after the step it equals the stepped weights (upstream: before)
    assert all(torch.equal(e, p) for e, p in zip(ema, wrapper.diffusion.model.parameters()))
    assert any(not torch.equal(e, b) for e, b in zip(ema, before))
    ema_before = _params(wrapper.diffusion_ema.module)
    _step(wrapper)  # a discriminator step leaves the EMA alone
    assert not _changed(ema_before, wrapper.diffusion_ema.module)
    assert wrapper.sampling_model is wrapper.diffusion_ema.module


def test_use_ema_false(tiny_arc):
    tiny_arc["training"]["use_ema"] = False
    wrapper = _build(tiny_arc)
    assert wrapper.diffusion_ema is None and wrapper.sampling_model is wrapper.diffusion.model
    _step(wrapper)


def test_std_data_is_logged(tiny_arc, make_batch):
    wrapper = _build(tiny_arc)
    reals, metadata = make_batch()
    _step(wrapper, (reals, metadata))
    assert wrapper.last_log["train/std_data"] == pytest.approx(float(reals.std()))


# --- the discriminator keys -------------------------------------------------------------------


def test_dit_hidden_layer_is_where_the_discriminator_exits(tiny_arc, make_batch):
    for layer in (0, 1):
        cfg = copy.deepcopy(tiny_arc)
        cfg["training"]["arc"]["discriminator"]["dit_hidden_layer"] = layer
        wrapper = _build(cfg)
        calls = _spy(wrapper.discriminator.model)
        _step(wrapper)
        assert calls and all(kw["exit_layer_ix"] == layer for _, kw in calls)
    x, t = torch.randn(2, 2, 64), torch.full((2,), 0.5)
    conditioning = wrapper.discriminator.conditioner(make_batch()[1], "cpu")
    with torch.no_grad():  # the DiT's blocks start as the identity (zero-initialised outputs)
        for p in wrapper.discriminator.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    wrapper.dit_hidden_layer = 0
    first = wrapper.scores(x, t, conditioning)
    wrapper.dit_hidden_layer = 1
    assert not torch.allclose(first, wrapper.scores(x, t, conditioning))


def test_conv_head(tiny_arc):
    tiny_arc["training"]["arc"]["discriminator"] = {
        "type": "conv", "dit_hidden_layer": 0, "config": {"soft_clip_scale": 0.5}}
    wrapper = _build(tiny_arc)
    assert type(wrapper.discriminator_head).__name__ == "ConvDiscriminator"
    assert wrapper.discriminator_head.soft_clip_scale == 0.5
    _step(wrapper)
    _step(wrapper)
    assert torch.isfinite(wrapper.last_log["train/discriminator_loss"])


@pytest.mark.parametrize("key,step,log", [("generator", 0, "train/gen_loss"),
                                          ("discriminator", 1, "train/dis_loss")])
def test_loss_weights_scale_their_loss(tiny_arc, key, step, log):
    values = []
    for weight in (1.0, 3.0):
        cfg = copy.deepcopy(tiny_arc)
        cfg["training"]["arc"]["discriminator"]["weights"] = {key: weight}
        wrapper = _build(cfg)
        wrapper.standalone_step = step
        _step(wrapper)
        values.append(float(wrapper.last_log[log]))
    assert values[1] == pytest.approx(3 * values[0], rel=1e-5)


def test_contrastive_scores_reals_under_the_other_prompt(tiny_arc, make_batch):
    tiny_arc["training"]["arc"]["discriminator"].update(contrastive=True,
                                                        weights={"contrastive": 2.0})
    wrapper = _build(tiny_arc)
    wrapper.standalone_step = 1
    seen = _spy(wrapper.discriminator.conditioner)
    reals, metadata = make_batch(prompts=["drums", "piano"])
    before = copy.deepcopy([{k: v for k, v in m.items() if k != "padding_mask"}
                            for m in metadata])
    _step(wrapper, (reals, metadata))
    prompts = [[m["prompt"] for m in args[0]] for args, _ in seen]
    assert prompts == [["drums", "piano"], ["piano", "drums"]]  # upstream V10: piano, piano
    assert [{k: v for k, v in m.items() if k != "padding_mask"} for m in metadata] == before
    with_term = wrapper.last_log
    assert float(with_term["train/contrastive_loss_dis"]) > 0
    assert float(with_term["train/discriminator_loss"]) == pytest.approx(
        float(with_term["train/dis_loss"]) + float(with_term["train/contrastive_loss_dis"]),
        rel=1e-5)
    tiny_arc["training"]["arc"]["discriminator"]["weights"] = {"contrastive": 1.0}
    wrapper = _build(tiny_arc)
    wrapper.standalone_step = 1
    _step(wrapper, make_batch(prompts=["drums", "piano"]))
    assert float(wrapper.last_log["train/contrastive_loss_dis"]) == pytest.approx(
        float(with_term["train/contrastive_loss_dis"]) / 2, rel=1e-5)


def test_without_contrastive_there_is_no_rolled_conditioning(tiny_arc):
    wrapper = _build(tiny_arc)
    wrapper.standalone_step = 1
    seen = _spy(wrapper.discriminator.conditioner)
    _step(wrapper)
    assert len(seen) == 1 and "train/contrastive_loss_dis" not in wrapper.last_log


def test_grad_penalties(tiny_arc):
    tiny_arc["training"]["arc"]["discriminator"]["include_grad_penalties"] = True
    wrapper = _build(tiny_arc)
    wrapper.standalone_step = 1
    calls = _spy(wrapper.discriminator_head)
    _step(wrapper)
    log = wrapper.last_log
    assert len(calls) == 4  # reals, fakes and their noised copies
    assert float(log["r1_penalty"]) > 0 and float(log["r2_penalty"]) > 0
    assert float(log["train/discriminator_loss"]) == pytest.approx(
        float(log["train/dis_loss"]) + float(log["train/grad_penalty_loss"]), rel=1e-5)


# --- noise distributions ----------------------------------------------------------------------


@pytest.mark.parametrize("kind,check", [
    ("uniform", lambda t: ((0 <= t) & (t <= 1)).all()),
    ("logit_normal", lambda t: ((0 < t) & (t < 1)).all()),
    ("trunc_logit_normal", lambda t: ((0 < t) & (t <= 1)).all() and t.mean() > 0.5),
    ("one_shot", lambda t: (t == 1).all()),
    ("denoised", lambda t: (t == 0).all()),
    ("logsnr_uniform", lambda t: ((torch.sigmoid(torch.tensor(-2.0)) <= t)
                                  & (t <= torch.sigmoid(torch.tensor(6.0)))).all()),
])
def test_noise_distributions(kind, check):
    torch.manual_seed(0)
    t = W.NoiseDistribution(kind)(4096)
    assert t.shape == (4096,) and check(t)


def test_noise_dist_keys_reach_the_student_and_the_discriminator(tiny_arc):
    tiny_arc["training"]["arc"]["noise_dist"] = {"generator": "one_shot",
                                                 "discriminator": "denoised"}
    wrapper = _build(tiny_arc)
    student = _spy(wrapper.diffusion.model)
    disc = _spy(wrapper.discriminator.model)
    _step(wrapper)
    assert all((args[1] == 1).all() for args, _ in student)
    assert disc and all((args[1] == 0).all() for args, _ in disc)
    with pytest.raises(ValueError, match="unknown noise"):
        W.NoiseDistribution("sobol")


# --- training keys ARC reads ------------------------------------------------------------------


def test_cfg_dropout_prob_reaches_the_student_only_when_it_trains(tiny_arc):
    tiny_arc["training"]["cfg_dropout_prob"] = 0.25
    wrapper = _build(tiny_arc)
    calls = _spy(wrapper.diffusion.model)
    _step(wrapper)
    assert calls[0][1]["cfg_dropout_prob"] == 0.25
    _step(wrapper)
    assert calls[1][1].get("cfg_dropout_prob", 0.0) == 0.0


def test_clip_grad_norm_bounds_the_update(tiny_arc):
    for group in ("diffusion", "discriminator"):
        tiny_arc["training"]["optimizer_configs"][group]["optimizer"] = {
            "type": "SGD", "config": {"lr": 1.0}}
    tiny_arc["training"]["clip_grad_norm"] = 1e-3
    wrapper = _build(tiny_arc)
    for module in (wrapper.diffusion, wrapper.discriminator_head):
        before = _params(module)
        _step(wrapper)
        change = torch.sqrt(sum(((a - b) ** 2).sum()
                                for a, b in zip(before, module.parameters())))
        assert 0 < change <= 1e-3 * 1.001


def test_trim_cuts_latents_and_padding_to_a_real_length(tiny_arc, make_batch):
    tiny_arc["sample_size"] = 256
    tiny_arc["training"]["trim_config"] = {"trim_prob": 1.0}
    wrapper = _build(tiny_arc)
    reals, metadata = make_batch(length=256)
    metadata[0]["padding_mask"][200:] = 0
    metadata[1]["padding_mask"][150:] = 0
    calls = _spy(wrapper.diffusion.model)
    _step(wrapper, (reals, metadata), seed=3)
    length = calls[0][0][0].shape[-1]
    assert length in (150, 200)
    x = torch.zeros(2, 2, 256)
    padding = wrapper.padding_masks(metadata, 256)
    trimmed, mask = wrapper.trim(x, padding)
    assert mask.shape == (2, trimmed.shape[-1]) and trimmed.shape[-1] in (150, 200)
    wrapper.patch_size = 16
    random.seed(0)
    assert wrapper.trim(x, padding)[0].shape[-1] in (144, 192)
    wrapper.trim_prob = 0.0
    assert wrapper.trim(x, padding)[0].shape[-1] == 256


def test_trim_never_goes_below_128_frames(tiny_arc):
    tiny_arc["sample_size"] = 256
    tiny_arc["training"]["trim_config"] = {"trim_prob": 1.0, "type": "random_item"}
    wrapper = _build(tiny_arc)
    padding = torch.zeros(2, 256, dtype=torch.bool)
    padding[:, :10] = True
    assert wrapper.trim(torch.zeros(2, 2, 256), padding)[0].shape[-1] == 128


# --- ODE warm-up ---------------------------------------------------------------------------------


def _teacher_cfg(tiny_arc, tmp_path, **warmup):
    source = create_model_from_config(load_config(tiny_arc))
    path = tmp_path / "teacher.ckpt"
    torch.save({"state_dict": source.state_dict()}, path)
    tiny_arc["training"]["arc"].update(use_model_as_teacher=True, teacher_model_ckpt=str(path),
                                       ode_warmup={"warmup_steps": 2, **warmup})
    return tiny_arc


def test_ode_warmup_distils_the_teacher_then_hands_over(tiny_arc, tmp_path):
    cfg = _teacher_cfg(tiny_arc, tmp_path, refresh_rate=2, sampling_steps=3, cfg=2.5)
    wrapper = _build(cfg)
    teacher_calls = _spy(wrapper.teacher_model)
    head = _params(wrapper.discriminator_head)
    student = _params(wrapper.diffusion)
    _step(wrapper)
    assert "train/ode_mse_loss" in wrapper.last_log
    assert len(teacher_calls) == 3  # sampling_steps teacher evaluations
    assert all(kw["cfg_scale"] == 2.5 for _, kw in teacher_calls)
    assert wrapper.ode_states["x"].shape[:2] == (3, 2)
    assert _changed(student, wrapper.diffusion)
    _step(wrapper)  # refresh_rate 2: step 1 reuses the trajectories
    assert len(teacher_calls) == 3 and "train/ode_mse_loss" in wrapper.last_log
    assert not _changed(head, wrapper.discriminator_head)
    _step(wrapper)  # warm-up over: adversarial steps
    assert "train/gen_loss" in wrapper.last_log


def test_ode_refresh_rate_one_draws_every_step(tiny_arc, tmp_path):
    wrapper = _build(_teacher_cfg(tiny_arc, tmp_path, refresh_rate=1, sampling_steps=2))
    teacher_calls = _spy(wrapper.teacher_model)
    _step(wrapper)
    _step(wrapper)
    assert len(teacher_calls) == 4


def test_ode_warmup_target_is_the_teacher_sample(tiny_arc, tmp_path, make_batch):
    wrapper = _build(_teacher_cfg(tiny_arc, tmp_path, sampling_steps=4))
    x = torch.zeros(2, 2, 64)
    states = wrapper.teacher_trajectories(x, make_batch()[1])
    t = states["t"]
    assert t[0] == 1 and t.shape == (4,) and (t[1:] < t[:-1]).all()  # logSNR schedule, no 0
    assert torch.isfinite(states["target"]).all() and states["target"].shape == x.shape


# --- validation and export --------------------------------------------------------------------


def test_validation_step_runs(tiny_arc, make_batch):
    wrapper = _build(tiny_arc)
    with torch.no_grad():
        wrapper.validation_step(make_batch(), 0)


def test_export_model_writes_the_ema_student_only(tiny_arc, tmp_path):
    from safetensors.torch import load_file

    wrapper = _build(tiny_arc)
    _step(wrapper)
    with torch.no_grad():
        for p in wrapper.diffusion_ema.module.parameters():
            p.fill_(0.125)
    wrapper.export_model(tmp_path / "model.ckpt")
    wrapper.export_model(tmp_path / "model.safetensors")
    state = torch.load(tmp_path / "model.ckpt", weights_only=True)["state_dict"]
    assert set(state) == set(wrapper.diffusion.state_dict())
    name = next(k for k in state if k.startswith("model."))
    assert (state[name] == 0.125).all()
    flat = load_file(str(tmp_path / "model.safetensors"))
    assert set(flat) == set(state) and torch.equal(flat[name], state[name])
    model = create_model_from_config(load_config(tiny_arc))
    model.load_state_dict(state)


class _Pretransform(torch.nn.Module):
    scale, downsampling_ratio, enable_grad = 2.0, 1, False

    def encode(self, x):
        return x * 10


def test_pre_encoded_latents_skip_the_pretransform_encoder(tiny_arc):
    for pre_encoded, factor in ((False, 10.0), (True, 0.5)):
        tiny_arc["training"]["pre_encoded"] = pre_encoded
        wrapper = _build(tiny_arc)
        wrapper.diffusion.pretransform = _Pretransform()
        x = torch.randn(2, 2, 64)
        assert torch.allclose(wrapper.encode(x), x * factor)
