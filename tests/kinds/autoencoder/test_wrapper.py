"""AutoencoderTrainingWrapper: every training key has a visible effect; absent keys take the
typed config's (= the schema's) defaults."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch

from training_helpers import build, fit, load_typed, series, tiny_config

from sat_config.models import AutoencoderConfig


def _training_default(name: str):
    training = AutoencoderConfig.model_fields["training"].annotation
    return training.model_fields[name].default


def test_absent_keys_take_the_schema_defaults() -> None:
    config = tiny_config()
    config["training"] = {"learning_rate": 1e-3}  # everything else absent
    typed, model, wrapper = build(config)
    assert wrapper.warmup_steps == _training_default("warmup_steps")
    assert wrapper.encoder_freeze_on_warmup == _training_default("encoder_freeze_on_warmup")
    assert wrapper.use_ema == _training_default("use_ema")
    assert (wrapper.autoencoder_ema is None) == (not _training_default("use_ema"))
    assert wrapper.force_input_mono == _training_default("force_input_mono")
    assert wrapper.latent_mask_ratio == _training_default("latent_mask_ratio")
    assert wrapper.teacher is None and len(wrapper.eval_metrics) == 0
    # loss_configs absent: upstream's built-in losses (an encodec discriminator, 7 STFT scales)
    assert type(wrapper.discriminator).__name__ == "EncodecDiscriminator"
    assert len(wrapper.discriminator.discriminators) == 7
    names = [t.name for t in wrapper.gen_losses.terms]
    assert names[:2] == ["loss_adv", "feature_matching_loss"] and "kl_loss" in names
    kl = next(t for t in wrapper.gen_losses.terms if t.name == "kl_loss")
    bottleneck_weights = typed.training.loss_configs  # None: schema default of the weights
    assert bottleneck_weights is None and kl.weight.item() == pytest.approx(1e-6)


def test_learning_rate_builds_the_default_optimizers(tmp_path: Path) -> None:
    config = tiny_config(discriminator=True)
    del config["training"]["optimizer_configs"]
    config["training"]["learning_rate"] = 7e-4
    _, _, wrapper = build(config)
    trainer = fit(wrapper, 1, tmp_path)
    gen, disc = trainer.optimizers
    for optimizer in (gen, disc):
        assert type(optimizer).__name__ == "AdamW"
        assert optimizer.param_groups[0]["lr"] == pytest.approx(7e-4)
        assert optimizer.param_groups[0]["betas"] == pytest.approx((0.8, 0.99))


def test_warmup_steps_keep_adversarial_terms_off_until_warm(tmp_path: Path) -> None:
    _, _, wrapper = build(tiny_config(discriminator=True, warmup_steps=4))
    trainer = fit(wrapper, 8, tmp_path)
    adversarial = series(trainer, "train/loss_adv")
    matching = series(trainer, "train/feature_matching_loss")
    assert sorted(adversarial) == [0, 2, 4, 6]  # autoencoder steps; odd steps train the critic
    assert adversarial[0] == adversarial[2] == matching[0] == matching[2] == 0.0
    assert adversarial[4] != 0.0 and matching[4] > 0.0
    assert set(series(trainer, "train/discriminator_loss")) == {1, 3, 5, 7}  # critic trains


def _snapshot(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _changed(before, module) -> bool:
    return any(not torch.equal(a, b) for a, b in zip(before, module.parameters()))


class _Snapshots:
    """Callback keeping encoder/decoder parameters after every step."""

    def __init__(self):
        import pytorch_lightning as pl

        outer = self

        class Cb(pl.Callback):
            def on_train_batch_end(self, trainer, module, *args):
                outer.steps[trainer.global_step] = (_snapshot(module.autoencoder.encoder),
                                                    _snapshot(module.autoencoder.decoder))

        self.callback = Cb()
        self.steps: dict[int, tuple] = {}


def test_encoder_freeze_on_warmup_freezes_the_encoder_after_warmup(tmp_path: Path) -> None:
    snaps = _Snapshots()
    _, _, wrapper = build(tiny_config(warmup_steps=2, encoder_freeze_on_warmup=True))
    fit(wrapper, 5, tmp_path, callbacks=[snaps.callback])
    enc = {step: s[0] for step, s in snaps.steps.items()}
    dec = {step: s[1] for step, s in snaps.steps.items()}
    differs = lambda a, b: any(not torch.equal(x, y) for x, y in zip(a, b))  # noqa: E731
    assert differs(enc[1], enc[2])  # step index 1 < warmup: encoder trains
    assert not differs(enc[3], enc[4]) and not differs(enc[4], enc[5])  # frozen after warm-up
    assert differs(dec[4], dec[5])  # the decoder keeps training


def test_use_ema_keeps_an_average_that_trails_the_model(tmp_path: Path) -> None:
    _, model, wrapper = build(tiny_config(use_ema=True))
    ema = wrapper.autoencoder_ema
    assert ema.module is not model and not any(p.requires_grad for p in ema.module.parameters())
    fit(wrapper, 6, tmp_path)
    assert ema.n_averaged.item() == 6
    online = torch.cat([p.flatten() for p in model.parameters()])
    average = torch.cat([p.flatten() for p in ema.module.parameters()])
    assert not torch.equal(online, average)
    _, _, plain = build(tiny_config(use_ema=False))
    assert plain.autoencoder_ema is None


def test_ema_is_a_copy_of_the_module_not_a_rebuild(monkeypatch) -> None:
    import sat_config.training.components.autoencoder as ae

    typed = load_typed(tiny_config(use_ema=True))
    from sat_config.training import (create_model_from_config,
                                     create_training_wrapper_from_config)

    model = create_model_from_config(typed)
    monkeypatch.setattr(ae, "build_autoencoder", lambda *a: pytest.fail("model rebuilt"))
    wrapper = create_training_wrapper_from_config(typed, model)
    for mine, copied in zip(model.parameters(), wrapper.autoencoder_ema.module.parameters()):
        assert torch.equal(mine, copied) and mine.data_ptr() != copied.data_ptr()


def test_force_input_mono_feeds_the_encoder_one_channel(tmp_path: Path) -> None:
    config = tiny_config(2, force_input_mono=True)
    config["model"]["encoder"]["config"]["in_channels"] = 1
    config["model"]["in_channels"] = 1
    _, model, wrapper = build(config)
    seen = []
    model.encoder.register_forward_hook(lambda m, args, out: seen.append(args[0].shape[1]))
    fit(wrapper, 2, tmp_path)
    assert seen and set(seen) == {1}
    assert model.out_channels == 2  # targets stay stereo


@pytest.mark.parametrize("ratio, expect_all_zero", [(1.0, True), (0.0, False)])
def test_latent_mask_ratio_zeroes_latents_before_decoding(tmp_path, ratio, expect_all_zero):
    _, model, wrapper = build(tiny_config(latent_mask_ratio=ratio))
    decoder_inputs = []
    model.decoder.register_forward_hook(lambda m, args, out: decoder_inputs.append(args[0]))
    fit(wrapper, 1, tmp_path)
    assert bool((decoder_inputs[0] == 0).all()) is expect_all_zero


def test_stereo_uses_sum_and_difference_plus_left_right_terms() -> None:
    from auraloss.freq import MultiResolutionSTFTLoss, SumAndDifferenceSTFTLoss

    _, _, stereo = build(tiny_config(2))
    terms = {t.name: t for t in stereo.gen_losses.terms}
    assert isinstance(terms["mrstft_loss"].fn, SumAndDifferenceSTFTLoss)
    assert isinstance(terms["stft_loss_left"].fn, MultiResolutionSTFTLoss)
    assert terms["stft_loss_left"].weight.item() == terms["mrstft_loss"].weight.item() / 2
    _, _, mono = build(tiny_config(1))
    names = [t.name for t in mono.gen_losses.terms]
    assert "stft_loss_left" not in names
    assert isinstance(mono.gen_losses.terms[0].fn, MultiResolutionSTFTLoss)


def test_loss_weights_and_time_terms_shape_the_total(tmp_path: Path) -> None:
    config = tiny_config(1)
    config["training"]["loss_configs"]["time"] = {"weights": {"l1": 0.5, "l2": 2.0},
                                                  "decay": 0.5}
    _, _, wrapper = build(config)
    names = [t.name for t in wrapper.gen_losses.terms]
    assert "l1_time_loss" in names and "l2_time_loss" in names
    trainer = fit(wrapper, 3, tmp_path)
    total, parts = series(trainer, "train/loss"), [series(trainer, f"train/{n}") for n in names]
    assert total[2] == pytest.approx(sum(p[2] for p in parts), rel=1e-5)
    l1 = next(t for t in wrapper.gen_losses.terms if t.name == "l1_time_loss")
    assert l1.weight.item() == pytest.approx(0.5 * 0.5 ** 3)  # decayed once per step


def test_zero_weight_time_terms_are_left_out() -> None:
    config = tiny_config()
    config["training"]["loss_configs"]["time"] = {"weights": {}}
    _, _, wrapper = build(config)
    assert not {"l1_time_loss", "l2_time_loss"} & {t.name for t in wrapper.gen_losses.terms}


@pytest.mark.parametrize("kind, config", [
    ("encodec", None),
    ("oobleck", {"in_channels": 2}),
    ("dac", {"periods": [2], "fft_sizes": [128]}),
])
def test_discriminators_train_and_give_adversarial_terms(tmp_path, kind, config) -> None:
    cfg = tiny_config(2, discriminator=True)
    if config is not None:
        cfg["training"]["loss_configs"]["discriminator"] = {
            "type": kind, "config": config, "weights": {"adversarial": 1.0, "feature_matching": 1.0}}
    _, _, wrapper = build(cfg)
    assert type(wrapper.discriminator).__name__.lower().startswith(kind)
    before = _snapshot(wrapper.discriminator)
    trainer = fit(wrapper, 3, tmp_path)
    assert _changed(before, wrapper.discriminator)
    assert series(trainer, "train/feature_matching_loss")[2] > 0


def test_unbuilt_discriminator_type_is_a_clear_error() -> None:
    # every schema-valid type is built now; big_vgan is described by the schema but rejected
    from types import SimpleNamespace

    from sat_config.kinds.autoencoder.discriminators import build_discriminator

    spec = SimpleNamespace(type="big_vgan", config=None)
    with pytest.raises(NotImplementedError, match="discriminator type 'big_vgan'.*built: encodec"):
        build_discriminator(spec, 2)


def test_eval_loss_configs_become_validation_metrics(tmp_path: Path) -> None:
    import pytorch_lightning as pl
    from pytorch_lightning.loggers import CSVLogger

    from sat_config.training.data.loaders import create_dataloader

    config = tiny_config(eval_loss_configs={
        "stft": {"fft_size": 256, "hop_size": 64, "win_length": 256}, "sisdr": {},
        "mel": {"fft_size": 256, "hop_size": 64, "win_length": 256, "n_mels": 32}})
    typed, _, wrapper = build(config)
    assert set(wrapper.eval_metrics) == {"stft", "sisdr", "mel"}
    assert wrapper.eval_metrics["mel"].fb.shape == (1, 32, 129)  # 32 mel bands of 129 bins
    loader = create_dataloader(typed, batch_size=2, shuffle=False)
    trainer = pl.Trainer(accelerator="cpu", logger=CSVLogger(tmp_path), limit_val_batches=2,
                         enable_progress_bar=False, enable_model_summary=False)
    result = trainer.validate(wrapper, loader, verbose=False)[0]
    assert set(result) == {"val/stft", "val/sisdr", "val/mel"}
    assert result["val/stft"] > 0 and result["val/mel"] > 0
    assert result["val/sisdr"] < 0  # an untrained model: bad SDR


@pytest.mark.parametrize("channels", [1, 2])
def test_a_mel_scale_spectral_loss_has_mel_bins_per_resolution(channels: int) -> None:
    config = tiny_config(channels)
    stft = config["training"]["loss_configs"]["spectral"]["config"]
    stft.update(scale="mel", n_bins=[24, 16])
    _, _, wrapper = build(config)
    term = next(t for t in wrapper.gen_losses.terms if t.name == "mrstft_loss")
    resolutions = (term.fn.mrstft if channels == 2 else term.fn).stft_losses  # sum/diff: stereo
    assert [loss.fb.shape[1] for loss in resolutions] == [24, 16]
    x = torch.randn(2, channels, 4096)
    assert term.fn(x, x).item() == pytest.approx(0.0, abs=1e-6)
    assert term.fn(x, 0.5 * x).item() > 0


def _with_schedulers(both: bool) -> dict:
    config = tiny_config(discriminator=True)
    scheduler = {"type": "InverseLR", "config": {"inv_gamma": 2.0, "power": 1.0, "warmup": 0.5}}
    groups = config["training"]["optimizer_configs"]
    groups["autoencoder"]["scheduler"] = copy.deepcopy(scheduler)
    if both:
        groups["discriminator"]["scheduler"] = copy.deepcopy(scheduler)
    return config


def test_optimizer_groups_and_inverse_lr_schedulers_step(tmp_path: Path) -> None:
    _, _, wrapper = build(_with_schedulers(both=True))
    trainer = fit(wrapper, 4, tmp_path)
    gen_lr = series(trainer, "train/gen_lr")
    base = 3e-3
    for step, lr in gen_lr.items():  # logged after this update's scheduler step, as upstream
        k = step // 2 + 1  # the autoencoder scheduler steps on autoencoder steps only
        assert lr == pytest.approx(base * (1 - 0.5 ** (k + 1)) * (1 + k / 2.0) ** -1, rel=1e-5)
    assert len(trainer.lr_scheduler_configs) == 2


def test_a_single_scheduler_beside_a_discriminator_is_dropped_like_upstream(tmp_path) -> None:
    _, _, wrapper = build(_with_schedulers(both=False))
    trainer = fit(wrapper, 2, tmp_path)
    assert trainer.lr_scheduler_configs == []


def test_inverse_lr_state_round_trips() -> None:
    from sat_config.training.optim import InverseLR

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = InverseLR(opt, inv_gamma=10, power=0.5, warmup=0.9)
    for _ in range(3):
        opt.step()
        sched.step()
    state = sched.state_dict()
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched2 = InverseLR(opt2, inv_gamma=10, power=0.5, warmup=0.9)
    sched2.load_state_dict(state)
    assert sched2.last_epoch == 3
    assert sched.get_last_lr() == pytest.approx([(1 - 0.9 ** 4) * (1 + 3 / 10) ** -0.5])


def test_mrmel_adds_a_multi_resolution_mel_term(tmp_path: Path) -> None:
    from sat_config.kinds.autoencoder.mel import MultiResolutionMelLoss, mel_filterbank

    config = tiny_config(1)
    config["training"]["loss_configs"]["mrmel"] = {
        "weights": {"mrmel": 2.0},
        "config": {"n_mels": [20, 10], "window_lengths": [256, 64], "pow": 1.0,
                   "log_weight": 1.0, "mag_weight": 0.5}}
    _, _, wrapper = build(config)
    term = next(t for t in wrapper.gen_losses.terms if t.name == "mrmel_loss")
    assert isinstance(term.fn, MultiResolutionMelLoss) and term.weight.item() == 2.0
    x = torch.randn(2, 1, 2048)
    assert term.fn(x, x).item() == 0.0 and term.fn(x, 0.5 * x).item() > 0
    trainer = fit(wrapper, 2, tmp_path)
    assert series(trainer, "train/mrmel_loss")[0] > 0
    fb = mel_filterbank(8000, 256, 20)
    assert fb.shape == (20, 129) and (fb >= 0).all()
    assert fb.argmax(dim=1).tolist() == sorted(fb.argmax(dim=1).tolist())  # filters rise


@pytest.mark.parametrize(("sample_rate", "n_mels", "windows", "pow_", "mag", "expected"), [
    (44100, [5, 10, 20, 40, 80, 160, 320], [32, 64, 128, 256, 512, 1024, 2048], 1.0, 0.0,
     1.489687204360962),
    (16000, [20, 40], [256, 512], 2.0, 1.0, 0.7299917936325073),
])
def test_mrmel_values_are_unchanged_by_the_librosa_filterbank(sample_rate, n_mels, windows,
                                                              pow_, mag, expected) -> None:
    """Values computed with the hand-written Slaney filterbank this module had before it used
    ``librosa.filters.mel``: the loss must not move."""
    from types import SimpleNamespace

    from sat_config.kinds.autoencoder.mel import MultiResolutionMelLoss

    torch.manual_seed(0)
    x, y = torch.randn(2, 2, 8192), torch.randn(2, 2, 8192)
    config = SimpleNamespace(n_mels=n_mels, window_lengths=windows, pow=pow_, log_weight=1.0,
                             mag_weight=mag)
    assert MultiResolutionMelLoss(sample_rate, config)(x, y).item() == pytest.approx(
        expected, rel=1e-5)


def test_bottleneck_and_adversarial_weights_come_from_the_config() -> None:
    config = tiny_config(2, discriminator=True)
    config["training"]["loss_configs"]["bottleneck"] = {"weights": {"kl": 0.25}}
    config["training"]["loss_configs"]["discriminator"]["weights"] = \
        {"adversarial": 0.3, "feature_matching": 7.0}
    _, _, wrapper = build(config)
    weights = {t.name: t.weight.item() for t in wrapper.gen_losses.terms}
    assert weights["kl_loss"] == 0.25
    assert weights["loss_adv"] == pytest.approx(0.3) and weights["feature_matching_loss"] == 7.0


def test_a_wasserstein_bottleneck_is_regularised_by_mmd(tmp_path: Path) -> None:
    config = tiny_config(1)
    config["model"]["bottleneck"] = {"type": "wasserstein"}
    config["model"]["encoder"]["config"]["latent_dim"] = 4
    config["training"]["loss_configs"]["bottleneck"] = {"weights": {"mmd": 3.0}}
    _, _, wrapper = build(config)
    mmd = next(t for t in wrapper.gen_losses.terms if t.name == "mmd_loss")
    assert mmd.weight.item() == 3.0
    assert "kl_loss" not in {t.name for t in wrapper.gen_losses.terms}
    trainer = fit(wrapper, 2, tmp_path)
    assert series(trainer, "train/mmd_loss")[0] > 0


@pytest.mark.parametrize("precision", ["bf16-mixed"])
def test_mixed_precision_trains(tmp_path: Path, precision: str) -> None:
    import pytorch_lightning as pl

    from sat_config.training.data.loaders import create_dataloader

    typed, _, wrapper = build(tiny_config(2, discriminator=True, use_ema=True))
    trainer = pl.Trainer(accelerator="cpu", max_steps=3, precision=precision, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False)
    trainer.fit(wrapper, create_dataloader(typed, batch_size=2))
    assert trainer.global_step == 3
    assert all(torch.isfinite(p).all() for p in wrapper.autoencoder.parameters())


def test_perceptual_weighting_once_equals_auralosss_own_per_loss_filtering() -> None:
    from auraloss.freq import MultiResolutionSTFTLoss, SumAndDifferenceSTFTLoss

    config = tiny_config(2)
    stft = config["training"]["loss_configs"]["spectral"]["config"]
    stft["perceptual_weighting"] = True
    typed, _, wrapper = build(config)
    torch.manual_seed(0)
    reals, decoded = torch.randn(2, 2, 2048), torch.randn(2, 2, 2048)
    info = {"reals": reals, "decoded": decoded, "reals_left": reals[:, :1],
            "reals_right": reals[:, 1:], "decoded_left": decoded[:, :1],
            "decoded_right": decoded[:, 1:], "kl": torch.tensor(0.0)}
    _, parts = wrapper.gen_losses(info)
    kwargs = dict(stft, sample_rate=typed.sample_rate)
    expected_sd = SumAndDifferenceSTFTLoss(**kwargs)(reals, decoded)
    expected_left = MultiResolutionSTFTLoss(**kwargs)(reals[:, :1], decoded[:, :1])
    assert parts["mrstft_loss"].item() == pytest.approx(expected_sd.item(), rel=1e-5)
    assert parts["stft_loss_left"].item() == pytest.approx(0.5 * expected_left.item(), rel=1e-5)
