"""The diffusion training wrappers against stand-in models: every training key has an effect."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
import torch

from kinds.diffusion.diffusion_standins import (CondModel, HalvingPretransform, UncondModel, batch,
                                                cond_config, cond_dict, uncond_config)

import sat_config.kinds.diffusion.wrapper as W
from sat_config.training.components.inpainting import random_inpaint_mask
from sat_config.training.protocols import TrainingWrapper


def _cond(model=None, model_type="diffusion_cond", **kwargs):
    config = cond_config(model_type, **kwargs)
    concat = 3 if config.model.diffusion.input_concat_ids else 0
    model = model or CondModel(concat_channels=concat,
                               input_concat_ids=config.model.diffusion.input_concat_ids)
    return W.create_diffusion_cond_wrapper(config, model)


def _step(wrapper, data=None):
    torch.manual_seed(0)
    random.seed(0)
    return wrapper.training_step(data or batch(), 0)


def _zero_t(wrapper):
    wrapper.timesteps = lambda n, length, device: torch.zeros(n, device=device)


# --- construction ---------------------------------------------------------------------------


def test_builders_need_typed_configs_and_satisfy_the_protocol():
    with pytest.raises(TypeError, match="typed DiffusionCondConfig"):
        W.create_diffusion_cond_wrapper(cond_dict(), CondModel())
    with pytest.raises(TypeError, match="DiffusionUncondConfig"):
        W.create_diffusion_uncond_wrapper(cond_config(), UncondModel())
    with pytest.raises(TypeError):
        W.create_diffusion_cond_wrapper(uncond_config(), CondModel())
    assert isinstance(_cond(), TrainingWrapper)
    assert isinstance(W.create_diffusion_uncond_wrapper(uncond_config(), UncondModel()),
                      TrainingWrapper)


def test_learning_rate_gives_adam():
    optimiser = _cond(learning_rate=0.25).configure_optimizers()
    assert isinstance(optimiser, torch.optim.Adam) and optimiser.param_groups[0]["lr"] == 0.25
    uncond = W.create_diffusion_uncond_wrapper(uncond_config(learning_rate=0.5), UncondModel())
    optimiser = uncond.configure_optimizers()
    assert isinstance(optimiser, torch.optim.Adam) and optimiser.param_groups[0]["lr"] == 0.5


def test_optimizer_configs_with_scheduler():
    groups = {"diffusion": {
        "optimizer": {"type": "AdamW", "config": {"lr": 0.01, "weight_decay": 0.5}},
        "scheduler": {"type": "InverseLR", "config": {"inv_gamma": 10.0, "power": 0.5}}}}
    config = cond_dict(optimizer_configs=groups)
    del config["training"]["learning_rate"]
    from sat_config import load_config

    wrapper = W.create_diffusion_cond_wrapper(load_config(config), CondModel())
    [optimiser], [scheduler] = wrapper.configure_optimizers()
    assert isinstance(optimiser, torch.optim.AdamW)
    assert optimiser.param_groups[0]["weight_decay"] == 0.5
    assert scheduler["interval"] == "step"
    assert type(scheduler["scheduler"]).__name__ == "InverseLR"
    params = {id(p) for p in wrapper.diffusion.parameters()}
    assert {id(p) for p in optimiser.param_groups[0]["params"]} == params


def test_optimizer_configs_win_over_learning_rate():
    groups = {"diffusion": {"optimizer": {"type": "SGD", "config": {"lr": 0.125}}}}
    optimiser = _cond(learning_rate=0.5, optimizer_configs=groups).configure_optimizers()
    assert isinstance(optimiser, torch.optim.SGD) and optimiser.param_groups[0]["lr"] == 0.125


# --- EMA and export ---------------------------------------------------------------------------


def test_use_ema_false_has_no_copy():
    wrapper = _cond(use_ema=False)
    assert wrapper.diffusion_ema is None
    assert wrapper.sampling_model is wrapper.diffusion.model


def test_ema_follows_after_each_step_and_is_exported(tmp_path):
    wrapper = _cond()
    assert wrapper.sampling_model is wrapper.diffusion_ema.module
    live = wrapper.diffusion.model
    with torch.no_grad():
        live.out.bias.add_(1.0)
    wrapper.update_ema()
    wrapper.update_ema()  # the first update copies, later ones average
    with torch.no_grad():
        live.out.bias.add_(1.0)
    wrapper.update_ema()
    ema_bias = wrapper.diffusion_ema.module.out.bias
    assert torch.all(ema_bias < live.out.bias) and torch.all(ema_bias > live.out.bias - 2)
    before = {k: v.clone() for k, v in wrapper.diffusion.state_dict().items()}
    wrapper.export_model(tmp_path / "m.ckpt")
    saved = torch.load(tmp_path / "m.ckpt", weights_only=True)["state_dict"]
    assert saved.keys() == before.keys()
    torch.testing.assert_close(saved["model.out.bias"], ema_bias)
    torch.testing.assert_close(saved["conditioner.embed.seconds_total.weight"],
                               before["conditioner.embed.seconds_total.weight"])
    # the live model is untouched (upstream swaps the EMA copy into it)
    assert wrapper.diffusion.model is live
    torch.testing.assert_close(wrapper.diffusion.state_dict()["model.out.bias"],
                               before["model.out.bias"])


def test_uncond_always_keeps_an_ema():
    wrapper = W.create_diffusion_uncond_wrapper(uncond_config(), UncondModel())
    assert wrapper.diffusion_ema is not None


# --- the step ---------------------------------------------------------------------------------


def test_cond_step_passes_conditioning_and_cfg_dropout():
    wrapper = _cond(cfg_dropout_prob=0.37)
    loss = _step(wrapper)
    assert loss.ndim == 0 and torch.isfinite(loss) and loss.requires_grad
    call = wrapper.diffusion.model.calls[-1]
    assert call["cfg_dropout_prob"] == 0.37
    assert call["cross_attn_cond"].shape == (4, 1, 4)
    assert [m["seconds_total"] for m in wrapper.diffusion.conditioner.seen[-1]] == [1, 2, 3, 4]
    assert call["mask"] is None and call["input_concat_cond"] is None
    loss.backward()
    assert wrapper.diffusion.conditioner.embed["seconds_total"].weight.grad is not None


def test_uncond_step_is_v_objective_on_uniform_t(monkeypatch):
    wrapper = W.create_diffusion_uncond_wrapper(uncond_config(), UncondModel())
    seen = []
    real = W.noise_and_target
    monkeypatch.setattr(W, "noise_and_target", lambda o, *a: seen.append(o) or real(o, *a))
    loss = wrapper.training_step(batch()[0], 0)  # a bare tensor batch works too
    assert torch.isfinite(loss) and seen == ["v"]
    assert wrapper.timesteps.kind == "uniform"


@pytest.mark.parametrize("objective", ["v", "rectified_flow", "rf_denoiser"])
def test_objective_comes_from_the_model(monkeypatch, objective):
    wrapper = _cond(CondModel(objective=objective), objective=objective)
    seen = []
    real = W.noise_and_target
    monkeypatch.setattr(W, "noise_and_target", lambda o, *a: seen.append(o) or real(o, *a))
    _step(wrapper)
    assert seen == [objective]


def test_timestep_sampler_shift_and_one_shot_reach_the_model():
    def ts(**kwargs):
        wrapper = _cond(**kwargs)
        torch.manual_seed(0)
        for _ in range(50):
            wrapper.training_step(batch(), 0)
        return torch.cat([c["t"] for c in wrapper.diffusion.model.calls])

    low = ts(timestep_sampler="log_snr", timestep_sampler_options={"mean_logsnr": 4.0,
                                                                   "std_logsnr": 0.5})
    assert low.max() < 0.2  # high logSNR = little noise
    logit = ts(timestep_sampler="logit_normal")
    shifted = ts(timestep_sampler="logit_normal", shift={"base_shift": 2.0, "max_shift": 2.0})
    gap = (torch.logit(shifted) - torch.logit(logit)).mean().item()
    assert gap == pytest.approx(2.0, abs=0.1)  # same seed: the shift translates logit(t)
    assert torch.all(ts(p_one_shot=1.0) == 1)


def test_pretransform_encodes_without_grad_and_masks_follow_latent_length(monkeypatch):
    pretransform = HalvingPretransform(scale=2.0)
    wrapper = _cond(CondModel(pretransform=pretransform), mask_padding=True)
    seen = []
    monkeypatch.setattr(W, "masked_mse",
                        lambda o, t, m=None: seen.append(m) or (o - t).pow(2).mean())
    _step(wrapper, batch(real=[64, 32, 10, 0]))
    assert pretransform.encode_grad == [False]
    call = wrapper.diffusion.model.calls[-1]
    assert call["t"].shape == (4,)
    mask = call["mask"]
    assert mask.shape == (4, 32) and mask.dtype == torch.bool
    assert mask.sum(1).tolist() == [32, 16, 5, 0]
    assert torch.equal(seen[-1], mask)  # the loss is masked with the same frames


def test_trainable_pretransform_gets_gradients():
    pretransform = HalvingPretransform()
    pretransform.enable_grad = True
    wrapper = _cond(CondModel(pretransform=pretransform))
    _step(wrapper).backward()
    assert pretransform.encode_grad == [True] and pretransform.weight.grad is not None


def test_frozen_pretransform_stays_in_eval_mode():
    wrapper = _cond(CondModel(pretransform=HalvingPretransform()))
    wrapper.train()
    assert wrapper.diffusion.model.training and not wrapper.diffusion.pretransform.training


def test_pre_encoded_skips_encode_and_divides_by_scale():
    pretransform = HalvingPretransform(scale=4.0)
    wrapper = _cond(CondModel(pretransform=pretransform), pre_encoded=True)
    _zero_t(wrapper)
    latents, metadata = batch(length=32)
    torch.manual_seed(0)
    wrapper.training_step((latents, metadata), 0)
    assert pretransform.encode_grad == []  # never encoded
    # at t = 0 the noised input is the data itself: the latents over the scale
    call = wrapper.diffusion.model.calls[-1]
    assert call["t"].tolist() == [0, 0, 0, 0]
    wrapper.diffusion.model.calls.clear()
    captured = []
    wrapper.diffusion.model.register_forward_pre_hook(lambda m, a: captured.append(a[0]))
    wrapper.training_step((latents, metadata), 0)
    torch.testing.assert_close(captured[0], latents / 4.0)


def test_mask_padding_dropout():
    never = _cond(mask_padding=True, mask_padding_dropout=1.0)
    _step(never)
    assert never.diffusion.model.calls[-1]["mask"] is None
    always = _cond(mask_padding=True, mask_padding_dropout=0.0)
    _step(always)
    assert always.diffusion.model.calls[-1]["mask"] is not None


def test_padding_mask_only_needed_when_used():
    audio, metadata = batch()
    for item in metadata:
        del item["padding_mask"]
    wrapper = _cond()
    assert torch.isfinite(_step(wrapper, (audio, metadata)))  # upstream: KeyError
    with pytest.raises(ValueError, match="padding_mask"):
        _step(_cond(mask_padding=True), (audio, metadata))


def test_wrapped_padding_masks_are_unwrapped():
    audio, metadata = batch(real=[64, 8, 64, 64])
    for item in metadata:
        item["padding_mask"] = [item["padding_mask"]]
    wrapper = _cond(mask_padding=True)
    _step(wrapper, (audio, metadata))
    assert wrapper.diffusion.model.calls[-1]["mask"].sum(1).tolist() == [64, 8, 64, 64]


def test_masked_mse_ignores_padding():
    output, target = torch.zeros(2, 3, 4), torch.ones(2, 3, 4)
    target[:, :, 2:] = 100.0
    mask = torch.tensor([[1, 1, 0, 0], [1, 1, 0, 0]])
    assert W.masked_mse(output, target, mask).item() == 1.0
    assert W.masked_mse(output, target).item() > 1.0


# --- inpainting -------------------------------------------------------------------------------


def test_inpaint_kind_conditions_on_masks_inside_real_length():
    ids = ["inpaint_mask", "inpaint_masked_input"]
    wrapper = _cond(model_type="diffusion_cond_inpaint", input_concat_ids=ids,
                    inpainting={"mask_kwargs": {"mask_type_probabilities": [0.0, 0.0, 1.0]}})
    audio, metadata = batch(real=[64, 40, 20, 64])
    _step(wrapper, (audio, metadata))
    concat = wrapper.diffusion.model.calls[-1]["input_concat_cond"]
    assert concat.shape == (4, 3, 64)
    mask, masked = concat[:, :1], concat[:, 1:]
    torch.testing.assert_close(masked, audio * mask)
    for i, real in enumerate([64, 40, 20, 64]):
        assert torch.all(mask[i, 0, real:] == 1)  # causal masks stop at the real length
        kept = int(mask[i, 0, :real].sum())
        assert torch.all(mask[i, 0, :kept] == 1) and torch.all(mask[i, 0, kept:real] == 0)


def test_cond_model_with_inpaint_inputs_but_no_inpainting_section():
    """V12: upstream KeyErrors on 'inpaint_mask'. Validation requires the section; a typed
    config that lacks it anyway gets the default mask options."""
    from sat_config import ConfigError

    ids = ["inpaint_mask", "inpaint_masked_input"]
    with pytest.raises(ConfigError, match="inpainting"):
        cond_config(input_concat_ids=ids)
    config = cond_config(input_concat_ids=ids, inpainting={})
    config = config.model_copy(update={
        "training": config.training.model_copy(update={"inpainting": None})})
    wrapper = W.create_diffusion_cond_wrapper(config, CondModel(concat_channels=3,
                                                                input_concat_ids=ids))
    assert wrapper.inpaint_kwargs == {"max_mask_segments": 10,
                                      "mask_type_probabilities": [0.1, 0.8, 0.1]}
    _step(wrapper)
    assert wrapper.diffusion.model.calls[-1]["input_concat_cond"].shape == (4, 3, 64)
    assert _cond().inpaint_kwargs is None


def test_inpainting_section_on_plain_cond_config():
    wrapper = _cond(inpainting={"mask_kwargs": {"max_mask_segments": 3}})
    assert wrapper.inpaint_kwargs["max_mask_segments"] == 3


@pytest.mark.parametrize("probabilities", [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
def test_random_inpaint_mask_types(probabilities):
    sequence = torch.randn(16, 2, 50)
    real = torch.randint(0, 51, (16,))
    padding = torch.arange(50)[None] < real[:, None]
    masked, mask = random_inpaint_mask(sequence, padding, 4, probabilities,
                                       rng=random.Random(0))
    assert mask.shape == (16, 1, 50)
    torch.testing.assert_close(masked, sequence * mask)
    for i in range(16):
        n = int(real[i])
        if probabilities[1] == 1.0:
            assert torch.all(mask[i] == 0)
            continue
        assert torch.all(mask[i, 0, n:] == 1)
        holes = (mask[i, 0, :n] == 0)
        if probabilities[2] == 1.0 and holes.any():
            first = int(holes.nonzero()[0])
            assert torch.all(holes[first:])  # one suffix of the real part
    if probabilities[0] == 1.0:
        # at least one hole per item with real frames, at most 4 runs of holes
        for i in range(16):
            if real[i] > 0:
                runs = torch.diff(torch.cat([torch.ones(1), mask[i, 0], torch.ones(1)]))
                assert 1 <= int((runs == -1).sum()) <= 4


def test_random_inpaint_mask_rejects_bad_probabilities():
    with pytest.raises(ValueError, match="sum"):
        random_inpaint_mask(torch.zeros(1, 1, 4), None, 2, [0.5, 0.5, 0.5])


# --- logging and validation -------------------------------------------------------------------


def test_log_loss_info_buckets(monkeypatch):
    logged = []
    wrapper = _cond(log_loss_info=True)
    monkeypatch.setattr(wrapper, "log_dict", lambda values, **kw: logged.append(values))
    wrapper.timesteps = lambda n, length, device: torch.tensor([0.05, 0.5, 0.51, 0.99])
    _step(wrapper)
    buckets = [d for d in logged if any(k.startswith("model/") for k in d)]
    # v objective, buckets of sigma = sin(pi t / 2): 0.08 -> 0.0, 0.71, 0.72 -> 0.7, 1.0 -> 0.9
    assert set(buckets[0]) == {"model/loss_all_0.0", "model/loss_all_0.7", "model/loss_all_0.9"}
    plain = _cond()
    logged.clear()
    monkeypatch.setattr(plain, "log_dict", lambda values, **kw: logged.append(values))
    _step(plain)
    assert not any(k.startswith("model/") for d in logged for k in d)
    assert {"train/loss", "train/std_data"} <= set(logged[0])


def test_validation_logs_each_timestep_and_their_mean(monkeypatch):
    logged = {}
    wrapper = _cond(model_type="diffusion_cond_inpaint",
                    input_concat_ids=["inpaint_mask", "inpaint_masked_input"])
    monkeypatch.setattr(wrapper, "log", lambda name, value, **kw: logged.__setitem__(name, value))
    torch.manual_seed(0)
    wrapper.validation_step(batch(), 0)
    names = [f"val/loss_{t:.1f}" for t in (0.1, 0.3, 0.5, 0.7, 0.9)]
    assert set(logged) == set(names) | {"val/avg_loss"}
    mean = torch.stack([logged[n] for n in names]).mean()
    torch.testing.assert_close(logged["val/avg_loss"], mean)
    calls = wrapper.diffusion.model.calls
    assert [c["cfg_dropout_prob"] for c in calls] == [0.0] * 5
    assert all(c["input_concat_cond"] is not None for c in calls)


# --- with a Trainer ---------------------------------------------------------------------------


def _fit(wrapper, steps, tmp_path, data, **trainer_options):
    import pytorch_lightning as pl
    from torch.utils.data import DataLoader

    loader = DataLoader(data, batch_size=4, collate_fn=lambda items: (
        torch.stack([a for a, _ in items]), [m for _, m in items]))
    trainer = pl.Trainer(max_steps=steps, accelerator="cpu", logger=False,
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, default_root_dir=tmp_path,
                         **trainer_options)
    trainer.fit(wrapper, loader)
    return trainer


def _items(n=16):
    audio, metadata = batch(n)
    return list(zip(audio, metadata))


def test_cond_wrapper_trains_with_lightning(tmp_path):
    wrapper = _cond(learning_rate=1e-2)
    start = {k: v.clone() for k, v in wrapper.diffusion.model.state_dict().items()}
    trainer = _fit(wrapper, 4, tmp_path, _items())
    assert trainer.global_step == 4
    assert not torch.equal(start["out.weight"], wrapper.diffusion.model.out.weight)
    ema = wrapper.diffusion_ema.module.out.weight
    assert not torch.equal(ema, start["out.weight"])  # updated during training
    assert not torch.equal(ema, wrapper.diffusion.model.out.weight)  # but averaged
    assert float(trainer.callback_metrics["train/loss"]) > 0
    trainer.save_checkpoint(tmp_path / "c.ckpt")
    saved = torch.load(tmp_path / "c.ckpt", weights_only=False)
    assert saved["sat_config"]["model_type"] == "diffusion_cond"


def test_ema_updates_once_per_optimiser_step(tmp_path):
    wrapper = _cond()
    trainer = _fit(wrapper, 3, tmp_path, _items(32), accumulate_grad_batches=2)
    assert trainer.global_step == 3
    assert int(wrapper.diffusion_ema.n_averaged) == 3  # 6 batches, 3 optimiser steps


def test_uncond_wrapper_trains_with_lightning(tmp_path):
    wrapper = W.create_diffusion_uncond_wrapper(uncond_config(), UncondModel())
    trainer = _fit(wrapper, 3, tmp_path, _items())
    assert trainer.global_step == 3
    assert "train/lr" in trainer.callback_metrics


@pytest.mark.slow
def test_cond_loss_falls(tmp_path):
    wrapper = _cond(learning_rate=3e-3, use_ema=False)
    losses = []
    real_step = wrapper.training_step

    def step(*args, **kwargs):
        loss = real_step(*args, **kwargs)
        losses.append(float(loss))
        return loss

    wrapper.training_step = step
    _fit(wrapper, 200, tmp_path, _items(64))
    assert sum(losses[-20:]) < 0.85 * sum(losses[:20])  # random data: a floor near 0.35


def test_table_rows_build_these_wrappers():
    from sat_config.training import create_training_wrapper_from_config

    assert isinstance(create_training_wrapper_from_config(cond_dict(), CondModel()),
                      W.DiffusionCondTrainingWrapper)
    inpaint = cond_dict("diffusion_cond_inpaint", input_concat_ids=["inpaint_mask",
                                                                    "inpaint_masked_input"])
    wrapper = create_training_wrapper_from_config(inpaint, CondModel(concat_channels=3))
    assert isinstance(wrapper, W.DiffusionCondTrainingWrapper) and wrapper.inpaint_kwargs
    uncond = uncond_config().model_dump(by_alias=True, exclude_none=True)
    assert isinstance(create_training_wrapper_from_config(uncond, UncondModel()),
                      W.DiffusionUncondTrainingWrapper)


def test_uncond_pre_encoded_and_encoded():
    pretransform = HalvingPretransform(scale=2.0)
    encoded = W.create_diffusion_uncond_wrapper(uncond_config(),
                                                UncondModel(pretransform=pretransform))
    encoded.training_step(batch()[0], 0)
    assert pretransform.encode_grad == [False]
    assert encoded.diffusion.model.calls[-1]["t"].shape == (4,)
    latents = batch(length=32)[0]
    captured = []
    pre = W.create_diffusion_uncond_wrapper(uncond_config(pre_encoded=True),
                                            UncondModel(pretransform=pretransform))
    pre.diffusion.model.register_forward_pre_hook(lambda m, a: captured.append(a[0]))
    pre.timesteps = lambda n, length, device: torch.zeros(n)
    pre.training_step(latents, 0)
    assert pretransform.encode_grad == [False]  # not called again
    torch.testing.assert_close(captured[0], latents / 2.0)


# --- with the real U-Net backbones (their own tests cover their numerics) --------------------


def test_adp_cfg_backbone_trains_and_demos(tmp_path):
    from sat_config.kinds.diffusion.demo import create_diffusion_cond_demo_callback
    from sat_config.training.components.adp import UNetCFG1DWrapper

    model = CondModel()
    model.model = UNetCFG1DWrapper(in_channels=2, channels=8, resnet_groups=4,
                                   multipliers=[1, 2, 4], factors=[2, 2], num_blocks=[1, 1],
                                   attentions=[0, 1, 1], attention_heads=2,
                                   attention_multiplier=2, context_embedding_features=4,
                                   context_embedding_max_length=1)
    config = cond_config(cfg_dropout_prob=0.5)
    wrapper = W.create_diffusion_cond_wrapper(config, model)
    loss = _step(wrapper)
    loss.backward()
    assert torch.isfinite(loss)
    demo = create_diffusion_cond_demo_callback(config, demo_dir=tmp_path)
    trainer = SimpleNamespace(global_step=1, loggers=[], log_dir=str(tmp_path),
                              default_root_dir=str(tmp_path))
    demo.on_train_batch_end(trainer, wrapper, None, batch(), 0)
    assert len([p for p in demo.written if p.suffix == ".wav"]) == 2


def test_dau1d_and_adp_uncond_backbones_train(tmp_path):
    from sat_config.training.components.adp import UNet1DUncondWrapper
    from sat_config.training.components.dau1d import DiffusionAttnUnet1D

    for backbone in (DiffusionAttnUnet1D(io_channels=2, depth=2, n_attn_layers=0, channels=[8, 8]),
                     UNet1DUncondWrapper(in_channels=2, channels=8, resnet_groups=4,
                                         multipliers=[1, 2], factors=[2], num_blocks=[1],
                                         attentions=[0, 0])):
        model = UncondModel()
        model.model = backbone
        wrapper = W.create_diffusion_uncond_wrapper(uncond_config(), model)
        loss = wrapper.training_step(batch()[0], 0)
        loss.backward()
        assert torch.isfinite(loss)
        assert all(p.grad is not None for p in backbone.parameters() if p.requires_grad)
