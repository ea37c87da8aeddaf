"""The LM training wrapper: loss masking (pattern and padding), CFG dropout, every ``training`` key
(learning_rate, optimizer_configs, use_ema, pre_encoded), export and a short Lightning run."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from sat_config.kinds.lm.wrapper import (CFG_DROPOUT_PROB, EMA_EVERY,  # noqa: E402
                                         AudioLanguageModelTrainingWrapper,
                                         codebook_cross_entropy, create_lm_wrapper)
from sat_config.training.protocols import TrainingWrapper  # noqa: E402

from kinds.lm.lm_support import batch, build, tiny_lm  # noqa: E402


def wrapper_of(config: dict, seed: int = 0):
    cfg, model = build(config, seed)
    return create_lm_wrapper(cfg, model)


def lively(**overrides):
    """The tiny config with non-zero branch outputs, so every input reaches the logits."""
    return tiny_lm(**{"model.lm.config.zero_init_branch_outputs": False, **overrides})


def codes_batch(frames: int = 16, seconds=(1, 3), padding=None, seed: int = 0):
    """A pre-encoded batch: codes (2, 4, frames) + metadata (padding over 4 samples a frame)."""
    gen = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, 32, (2, 4, frames), generator=gen)
    pad = torch.ones(2, frames * 4) if padding is None else padding
    return codes, [{"seconds_total": seconds[i], "padding_mask": pad[i]} for i in range(2)]


# --- construction --------------------------------------------------------------------------


def test_needs_a_typed_config_and_meets_the_protocol():
    cfg, model = build(tiny_lm())
    wrapper = create_lm_wrapper(cfg, model)
    assert isinstance(wrapper, TrainingWrapper)
    with pytest.raises(TypeError, match="typed LMConfig"):
        AudioLanguageModelTrainingWrapper(model, cfg.model_dump())


def test_learning_rate_gives_upstreams_adamw():
    wrapper = wrapper_of(tiny_lm(**{"training.learning_rate": 0.0123}))
    optimiser = wrapper.configure_optimizers()
    assert isinstance(optimiser, torch.optim.AdamW)
    group = optimiser.param_groups[0]
    assert (group["lr"], tuple(group["betas"]), group["weight_decay"]) == (0.0123, (0.9, 0.95),
                                                                           0.1)
    trained = {id(p) for g in optimiser.param_groups for p in g["params"]}  # the frozen
    # tokenizer is left out (upstream hands it over too; it never gets gradients)
    assert not any(id(p) in trained for p in wrapper.model.pretransform.parameters())
    assert all(id(p) in trained for p in wrapper.model.lm.parameters())


def test_optimizer_configs_win_and_bring_their_scheduler():
    wrapper = wrapper_of(tiny_lm(**{"training.optimizer_configs": {"lm": {
        "optimizer": {"type": "Adam", "config": {"lr": 0.5}},
        "scheduler": {"type": "InverseLR", "config": {"inv_gamma": 10, "power": 1.0}}}}}))
    (optimiser,), (scheduler,) = wrapper.configure_optimizers()
    assert type(optimiser) is torch.optim.Adam and optimiser.param_groups[0]["lr"] == 0.5
    assert type(scheduler["scheduler"]).__name__ == "InverseLR"
    assert scheduler["interval"] == "step"


def test_the_pretransform_stays_frozen_and_in_eval_mode():
    wrapper = wrapper_of(tiny_lm())
    wrapper.train()
    assert wrapper.model.lm.training and not wrapper.model.pretransform.training
    assert not any(p.requires_grad for p in wrapper.model.pretransform.parameters())


# --- the loss ------------------------------------------------------------------------------


def test_cross_entropy_counts_only_masked_positions():
    logits = torch.randn(2, 3, 5, 7)
    targets = torch.randint(0, 7, (2, 3, 5))
    mask = torch.rand(2, 3, 5) > 0.4
    mask[:, 2] = False  # a codebook with nothing to predict adds 0 (upstream: NaN)
    garbage = logits.clone()
    garbage[~mask.unsqueeze(-1).expand_as(logits)] = float("nan")
    total, per = codebook_cross_entropy(garbage, targets, mask)
    expected = [torch.nn.functional.cross_entropy(logits[:, q][mask[:, q]],
                                                  targets[:, q][mask[:, q]]) for q in range(2)]
    assert torch.allclose(per[0], expected[0]) and torch.allclose(per[1], expected[1])
    assert per[2] == 0 and torch.allclose(total, (expected[0] + expected[1]) / 3)


def test_padded_frames_do_not_count():
    wrapper = wrapper_of(lively(**{"training.pre_encoded": True}))
    wrapper.train()
    wrapper.cfg_dropout_prob = 0.0
    half = torch.cat([torch.ones(2, 32), torch.zeros(2, 32)], dim=1)  # frames 8.. are padding
    codes, metadata = codes_batch(padding=half)
    # codes of frames >= 11 sit at steps >= 12 of the delay pattern, after every step that
    # predicts a frame < 8 (code (t, q) is at step t + q + 1)
    changed = codes.clone()
    changed[..., 11:] = (changed[..., 11:] + 7) % 32
    loss = wrapper.loss((codes, metadata))[0]
    assert torch.allclose(loss, wrapper.loss((changed, metadata))[0])
    unpadded = codes_batch()[1]
    assert not torch.allclose(wrapper.loss((codes, unpadded))[0],
                              wrapper.loss((changed, unpadded))[0])


def test_pre_encoded_batches_are_codes_and_skip_the_tokenizer(monkeypatch):
    wrapper = wrapper_of(tiny_lm(**{"training.pre_encoded": True}))

    def refuse(*args):
        raise AssertionError("pre-encoded batches must not be tokenized")

    monkeypatch.setattr(wrapper.model.pretransform, "tokenize", refuse)
    codes, metadata = codes_batch()
    assert torch.equal(wrapper.tokens(codes.float()), codes)
    assert torch.isfinite(wrapper.loss((codes, metadata))[0])


def test_audio_batches_are_tokenized_by_the_pretransform(monkeypatch):
    wrapper = wrapper_of(tiny_lm())
    audio, metadata = batch(wrapper.model)
    seen = []
    tokenize = wrapper.model.pretransform.tokenize
    monkeypatch.setattr(wrapper.model.pretransform, "tokenize",
                        lambda x: seen.append(x.shape) or tokenize(x))
    assert torch.isfinite(wrapper.loss((audio, metadata))[0])
    assert seen == [(2, 1, 512)]


def test_cfg_dropout_hides_the_conditioning_while_training():
    wrapper = wrapper_of(lively(**{"training.pre_encoded": True}))
    assert wrapper.cfg_dropout_prob == CFG_DROPOUT_PROB == 0.1
    codes, one = codes_batch(seconds=(1, 1))
    _, other = codes_batch(seconds=(300, 300))
    wrapper.train()
    wrapper.cfg_dropout_prob = 1.0
    assert torch.allclose(wrapper.loss((codes, one))[0], wrapper.loss((codes, other))[0])
    wrapper.cfg_dropout_prob = 0.0
    assert not torch.allclose(wrapper.loss((codes, one))[0], wrapper.loss((codes, other))[0])
    wrapper.cfg_dropout_prob = 1.0
    wrapper.eval()  # validation: never dropped
    assert not torch.allclose(wrapper.loss((codes, one))[0], wrapper.loss((codes, other))[0])


# --- EMA and export --------------------------------------------------------------------------


def test_without_use_ema_there_is_no_ema_copy():
    wrapper = wrapper_of(tiny_lm(**{"training.use_ema": False}))
    assert wrapper.model_ema is None and wrapper.sampling_model is wrapper.model


def test_ema_averages_the_trained_parts_every_tenth_step():
    wrapper = wrapper_of(tiny_lm())  # the tiny example has use_ema: true
    ema = wrapper.model_ema.module
    assert set(ema.keys()) == {"lm", "conditioner"}  # not the frozen tokenizer
    head = wrapper.model.lm.quantizer_heads[0].weight
    with torch.no_grad():
        head.add_(1.0)
    for _ in range(EMA_EVERY - 1):
        wrapper.update_ema()
    assert not torch.allclose(ema["lm"].quantizer_heads[0].weight, head)
    wrapper.update_ema()
    assert torch.allclose(ema["lm"].quantizer_heads[0].weight, head)  # first update copies
    sampling = wrapper.sampling_model
    assert sampling.lm is ema["lm"] and sampling.conditioner is ema["conditioner"]
    assert sampling.pretransform is wrapper.model.pretransform


def test_export_writes_the_ema_weights_under_the_models_names(tmp_path: Path):
    config = tiny_lm()
    wrapper = wrapper_of(config)
    with torch.no_grad():
        wrapper.model_ema.module["lm"].quantizer_heads[1].bias.fill_(0.25)
    wrapper.export_model(tmp_path / "lm.ckpt")
    state = torch.load(tmp_path / "lm.ckpt", weights_only=True)["state_dict"]
    assert set(state) == set(wrapper.model.state_dict())
    assert (state["lm.quantizer_heads.1.bias"] == 0.25).all()
    _, fresh = build(config, seed=5)
    fresh.load_state_dict(state, strict=True)
    assert (fresh.lm.quantizer_heads[1].bias == 0.25).all()


def test_export_as_safetensors(tmp_path: Path):
    safetensors = pytest.importorskip("safetensors.torch")
    wrapper = wrapper_of(tiny_lm(**{"training.use_ema": False}))
    wrapper.export_model(tmp_path / "lm.safetensors", use_safetensors=True)
    state = safetensors.load_file(str(tmp_path / "lm.safetensors"))
    assert torch.equal(state["lm.embeds.0.weight"], wrapper.model.lm.embeds[0].weight)


# --- Lightning ---------------------------------------------------------------------------------


def test_a_short_lightning_run_logs_per_codebook_losses(tmp_path: Path):
    from training_helpers import fit, metrics

    config = tiny_lm(**{"training.demo.demo_every": 1000})
    wrapper = wrapper_of(config)
    trainer = fit(wrapper, 3, tmp_path, checkpoint_every=3)
    rows = [r for r in metrics(trainer) if "train/loss" in r]
    assert len(rows) == 3
    for key in ("train/cross_entropy", "train/perplexity", "train/lr", "cross_entropy_q1",
                "cross_entropy_q4", "perplexity_q4"):
        assert key in rows[0], key
    assert rows[0]["train/lr"] == pytest.approx(0.002)
    checkpoint = torch.load(next((tmp_path / "checkpoints").glob("*.ckpt")), weights_only=False)
    assert checkpoint["sat_config"]["model_type"] == "lm"
    assert checkpoint["lm_ema_updates"] == 3  # one per optimiser step
    resumed = wrapper_of(config)
    resumed.on_load_checkpoint(checkpoint)
    assert resumed.ema_updates == 3
    assert any(k.startswith("model_ema.module.lm.") for k in checkpoint["state_dict"])
