"""Diffusion demo callbacks: schedule, EMA model, CFG scales, samplers, pretransform decode,
WAV + PNG files and logger hand-off."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import soundfile as sf
import torch
from pytorch_lightning.loggers import Logger

from kinds.diffusion.diffusion_standins import (CondModel, HalvingPretransform, UncondModel, batch,
                                                cond_config, uncond_config)

import sat_config.kinds.diffusion.demo as D
from sat_config.kinds.diffusion.wrapper import (create_diffusion_cond_wrapper,
                                                create_diffusion_uncond_wrapper)
from sat_config.training import create_demo_callback_from_config
from sat_config.training.components.timesteps import DistributionShift
from sat_config.training.protocols import DemoCallback


class MediaLogger(Logger):
    """A logger with log_audio/log_image, like WandbLogger."""

    name, version = "media", 0

    def __init__(self):
        super().__init__()
        self.audio, self.images = [], []

    def log_hyperparams(self, *args, **kwargs):
        pass

    def log_metrics(self, metrics, step=None):
        pass

    def log_audio(self, key, audios, step=None, **kwargs):
        self.audio.append((key, audios, step))

    def log_image(self, key, images, step=None, **kwargs):
        self.images.append((key, images, step))


def _trainer(tmp_path, step=1):
    return SimpleNamespace(global_step=step, loggers=[MediaLogger(), MediaLogger()],
                           log_dir=str(tmp_path), default_root_dir=str(tmp_path))


def _names(callback):
    return sorted(p.name for p in callback.written)


def _run(callback, wrapper, tmp_path, step=1, data=None):
    trainer = _trainer(tmp_path, step)
    torch.manual_seed(0)
    callback.on_train_batch_end(trainer, wrapper, None, data or batch(), 0)
    return trainer


# --- diffusion_uncond -----------------------------------------------------------------------


def test_uncond_demo_uses_ema_and_writes_wav_png(tmp_path):
    config = uncond_config()
    wrapper = create_diffusion_uncond_wrapper(config, UncondModel())
    callback = create_demo_callback_from_config(config, demo_dir=tmp_path / "demos")
    assert isinstance(callback, D.DiffusionUncondDemoCallback)
    assert isinstance(callback, DemoCallback)
    trainer = _run(callback, wrapper, tmp_path)
    assert _names(callback) == ["demo_uncond_00000001.png", "demo_uncond_00000001.wav"]
    audio, rate = sf.read(tmp_path / "demos" / "demo_uncond_00000001.wav")
    assert rate == 8000 and audio.shape == (8 * 64, 2)
    assert abs(audio).max() == pytest.approx(1.0, abs=1e-3)  # peak-normalised as upstream
    ema_calls = wrapper.diffusion_ema.module.calls
    assert len(ema_calls) == 3 and wrapper.diffusion.model.calls == []  # demo_steps, EMA only
    assert ema_calls[0]["t"].tolist() == [1.0] * 8
    for logger in trainer.loggers:  # every logger, not only the first
        assert [k for k, _, _ in logger.audio] == ["demo/demo_uncond"]
        assert [k for k, _, _ in logger.images] == ["demo/demo_uncond_spectrogram"]
    assert wrapper.training  # back in training mode


def test_uncond_demo_schedule(tmp_path):
    config = uncond_config(demo={"demo_every": 3})
    wrapper = create_diffusion_uncond_wrapper(config, UncondModel())
    callback = create_demo_callback_from_config(config, demo_dir=tmp_path)
    for step in (0, 1, 1, 2, 3, 4):
        _run(callback, wrapper, tmp_path, step)
    assert [p.name for p in callback.written if p.suffix == ".wav"] == \
        ["demo_uncond_00000001.wav", "demo_uncond_00000004.wav"]


def test_uncond_demo_decodes_latents(tmp_path):
    config = uncond_config()
    model = UncondModel(pretransform=HalvingPretransform())
    wrapper = create_diffusion_uncond_wrapper(config, model)
    callback = create_demo_callback_from_config(config, demo_dir=tmp_path)
    _run(callback, wrapper, tmp_path)
    assert wrapper.diffusion_ema.module.calls[0]["t"].shape == (8,)
    audio, _ = sf.read(tmp_path / "demo_uncond_00000001.wav")
    assert audio.shape == (8 * 64, 2)  # 32 latent frames decoded to 64 samples


# --- diffusion_cond -------------------------------------------------------------------------


def test_cond_demo_one_set_per_cfg_scale(tmp_path):
    config = cond_config(use_ema=False)
    wrapper = create_diffusion_cond_wrapper(config, CondModel())
    callback = create_demo_callback_from_config(config, demo_dir=tmp_path)
    assert isinstance(callback, D.DiffusionCondDemoCallback)
    trainer = _run(callback, wrapper, tmp_path)
    assert _names(callback) == ["demo_cfg_1_00000001.png", "demo_cfg_1_00000001.wav",
                                "demo_cfg_3_00000001.png", "demo_cfg_3_00000001.wav"]
    calls = wrapper.diffusion.model.calls  # no EMA: the live backbone
    assert [c["cfg_scale"] for c in calls] == [1.0] * 3 + [3.0] * 3
    assert all(c["batch_cfg"] and c["cross_attn_cond"].shape == (2, 1, 4) for c in calls)
    assert [m["seconds_total"] for m in wrapper.diffusion.conditioner.seen[-1]] == [1, 2]
    audio, _ = sf.read(tmp_path / "demo_cfg_3_00000001.wav")
    assert audio.shape == (2 * 64, 2)
    assert [k for k, _, _ in trainer.loggers[1].audio] == ["demo/demo_cfg_1", "demo/demo_cfg_3"]
    # a larger CFG scale changes the result (the stand-in backbone honours cfg_scale)
    one, _ = sf.read(tmp_path / "demo_cfg_1_00000001.wav")
    assert not (abs(one - audio) < 1e-3).all()


def test_cond_demo_from_batch(tmp_path):
    config = cond_config(demo={"demo_cond_from_batch": True, "demo_cond": []})
    wrapper = create_diffusion_cond_wrapper(config, CondModel())
    callback = create_demo_callback_from_config(config, demo_dir=tmp_path)
    _run(callback, wrapper, tmp_path, data=batch(4))
    assert [m["seconds_total"] for m in wrapper.diffusion.conditioner.seen[-1]] == [1, 2]
    assert wrapper.diffusion_ema.module.calls and not wrapper.diffusion.model.calls


@pytest.mark.parametrize("objective", ["rectified_flow", "rf_denoiser"])
def test_cond_demo_sampler_follows_objective_and_shift(tmp_path, objective):
    config = cond_config(objective=objective, use_ema=False, demo={"demo_steps": 4},
                         shift={"base_shift": 1.0, "max_shift": 1.0})
    wrapper = create_diffusion_cond_wrapper(config, CondModel(objective=objective))
    callback = create_demo_callback_from_config(config, demo_dir=tmp_path)
    _run(callback, wrapper, tmp_path)
    ts = [c["t"][0].item() for c in wrapper.diffusion.model.calls[:4]]
    if objective == "rectified_flow":  # Euler on the shifted linear schedule
        expected = DistributionShift(1.0, 1.0).time_shift(torch.linspace(1, 0, 5), 64)[:4]
    else:  # ping-pong on the logSNR schedule (upstream shifts only generated schedules)
        expected = torch.sigmoid(-torch.linspace(-6, 2, 5))[:4]
        expected[0] = 1.0
    assert ts == pytest.approx(expected.tolist(), abs=1e-6)


def test_cond_demo_displays_audio_conditioning(tmp_path):
    config = cond_config(demo={
        "demo_cond_from_batch": True, "demo_cond": [], "display_audio_cond": True,
        "cond_display_configs": [
            {"id": "audio", "type": "audio", "config": {"display_mix": True}},
            {"id": "stems", "type": "audio_dict"}]})
    wrapper = create_diffusion_cond_wrapper(config, CondModel())
    callback = create_demo_callback_from_config(config, demo_dir=tmp_path)
    audio, metadata = batch(2)
    for i, item in enumerate(metadata):
        item["audio"] = audio[i:i + 1]
        item["stems"] = {"a": audio[i] * 0.5, "b": audio[i] * 0.25}
    _run(callback, wrapper, tmp_path, data=(audio, metadata))
    names = _names(callback)
    for expected in ("demo_audio_cond_00000001.wav", "demo_audio_00000001.wav",
                     "demo_audio_mix_cfg_3_00000001.wav", "demo_stems_submix_cfg_1_00000001.wav",
                     "demo_stems_mix_cfg_3_00000001.wav"):
        assert expected in names
    submix, _ = sf.read(tmp_path / "demo_stems_submix_cfg_1_00000001.wav")
    reference = (audio[:2] * 0.75).permute(1, 0, 2).flatten(1).T.numpy()
    assert submix == pytest.approx(reference / abs(reference).max(), abs=1e-3)


def test_cond_display_of_pre_encoded_audio_is_decoded(tmp_path):
    config = cond_config(demo={
        "demo_cond_from_batch": True, "demo_cond": [],
        "cond_display_configs": [{"id": "latents", "type": "audio",
                                  "config": {"pre_encoded": True, "display_mix": True}}]})
    wrapper = create_diffusion_cond_wrapper(config, CondModel(pretransform=HalvingPretransform()))
    callback = create_demo_callback_from_config(config, demo_dir=tmp_path)
    audio, metadata = batch(2)
    for i, item in enumerate(metadata):
        item["latents"] = audio[i, :, :32]
    _run(callback, wrapper, tmp_path, data=(audio, metadata))
    shown, _ = sf.read(tmp_path / "demo_latents_00000001.wav")
    assert shown.shape == (2 * 64, 2)  # 32 latent frames decoded (repeated) to 64 samples
    assert shown[0] == pytest.approx(shown[1])
    mix, _ = sf.read(tmp_path / "demo_latents_mix_cfg_3_00000001.wav")
    assert mix.shape == (2 * 64, 2)


def test_demo_builders_check_config_type(tmp_path):
    with pytest.raises(TypeError, match="DiffusionCondConfig"):
        D.create_diffusion_cond_demo_callback(uncond_config())
    with pytest.raises(TypeError, match="DiffusionUncondConfig"):
        D.create_diffusion_uncond_demo_callback(cond_config())


# --- diffusion_cond_inpaint -------------------------------------------------------------------

IDS = ["inpaint_mask", "inpaint_masked_input"]


def _inpaint(**training):
    config = cond_config("diffusion_cond_inpaint", input_concat_ids=IDS, **training)
    return config, create_diffusion_cond_wrapper(config, CondModel(concat_channels=3,
                                                                   input_concat_ids=IDS))


def test_inpaint_demo_masks_a_demo_batch(tmp_path):
    config, wrapper = _inpaint(inpainting={"mask_kwargs": {"mask_type_probabilities":
                                                           [0.0, 0.0, 1.0]}},
                               demo={"num_demos": 2})
    demo_batch = batch(5, real=[64, 32, 64, 64, 64], seed=3)
    callback = create_demo_callback_from_config(config, demo_dl=[demo_batch], demo_dir=tmp_path)
    assert isinstance(callback, D.DiffusionCondInpaintDemoCallback)
    _run(callback, wrapper, tmp_path)
    assert "demo_reals_00000001.wav" in _names(callback)
    assert "demo_masked_input_00000001.png" in _names(callback)
    assert "demo_cfg_3_00000001.wav" in _names(callback)
    calls = wrapper.diffusion_ema.module.calls  # the EMA backbone (upstream: the online one)
    assert len(calls) == 6 and not wrapper.diffusion.model.calls
    concat = calls[0]["input_concat_cond"]
    assert concat.shape == (2, 3, 64)
    mask = concat[:, 0]
    assert torch.all(mask[1, 32:] == 1)  # causal masks stay inside the real length
    torch.testing.assert_close(concat[:, 1:], demo_batch[0][:2] * concat[:, :1])
    reals, _ = sf.read(tmp_path / "demo_reals_00000001.wav")
    assert reals.shape == (2 * 64, 2)
    # the loader starts over when it runs out
    _run(callback, wrapper, tmp_path, step=2 + config.training.demo.demo_every - 1)
    assert len(wrapper.diffusion_ema.module.calls) == 12


def test_inpaint_demo_defaults_to_synthetic_audio_and_decodes(tmp_path):
    config = cond_config("diffusion_cond_inpaint", input_concat_ids=IDS, demo={"num_demos": 2})
    wrapper = create_diffusion_cond_wrapper(
        config, CondModel(concat_channels=3, input_concat_ids=IDS,
                          pretransform=HalvingPretransform()))
    callback = create_demo_callback_from_config(config, demo_dir=tmp_path)
    _run(callback, wrapper, tmp_path)
    assert wrapper.diffusion_ema.module.calls[0]["input_concat_cond"].shape == (2, 3, 32)
    fakes, _ = sf.read(tmp_path / "demo_cfg_1_00000001.wav")
    assert fakes.shape == (2 * 64, 2)


def test_inpaint_demo_pre_encoded_needs_a_loader():
    config = cond_config("diffusion_cond_inpaint", input_concat_ids=IDS, pre_encoded=True)
    with pytest.raises(ValueError, match="demo_dl"):
        D.create_diffusion_cond_inpaint_demo_callback(config)


# --- in a Trainer -----------------------------------------------------------------------------


def test_cond_demo_in_a_trainer(tmp_path):
    import pytorch_lightning as pl
    from pytorch_lightning.loggers import CSVLogger
    from torch.utils.data import DataLoader

    config = cond_config(demo={"demo_every": 2})
    wrapper = create_diffusion_cond_wrapper(config, CondModel())
    callback = create_demo_callback_from_config(config, demo_dir=tmp_path / "demos")
    audio, metadata = batch(8)
    loader = DataLoader(list(zip(audio, metadata)), batch_size=4, collate_fn=lambda items: (
        torch.stack([a for a, _ in items]), [m for _, m in items]))
    logger = MediaLogger()
    trainer = pl.Trainer(max_steps=3, accelerator="cpu", logger=[CSVLogger(tmp_path), logger],
                         callbacks=[callback], enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(wrapper, loader)
    assert [p.name for p in callback.written if p.suffix == ".wav"] == \
        ["demo_cfg_1_00000001.wav", "demo_cfg_3_00000001.wav",
         "demo_cfg_1_00000003.wav", "demo_cfg_3_00000003.wav"]
    assert [s for _, _, s in logger.audio] == [1, 1, 3, 3]
