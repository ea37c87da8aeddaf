"""The LM demo callback (upstream has none that runs): schedule, every demo key, sampling
options, EMA model, WAV + PNG files and the hand-off to every logger."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
sf = pytest.importorskip("soundfile")

from pytorch_lightning.loggers import Logger  # noqa: E402

from sat_config.kinds.lm.demo import AudioLanguageModelDemoCallback  # noqa: E402
from sat_config.kinds.lm.wrapper import create_lm_wrapper  # noqa: E402
from sat_config.training import create_demo_callback_from_config  # noqa: E402
from sat_config.training.protocols import DemoCallback  # noqa: E402

from kinds.lm.lm_support import build, tiny_lm, typed  # noqa: E402

DEMO_COND = [{"seconds_total": 1}, {"seconds_total": 7}]


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
        self.audio.append((key, step))

    def log_image(self, key, images, step=None, **kwargs):
        self.images.append((key, step))


def setup(tmp_path, **overrides):
    config = tiny_lm(sample_size=256, **{"training.demo.demo_cond": DEMO_COND,
                                         "training.demo.demo_every": 2, **overrides})
    cfg, model = build(config)
    wrapper = create_lm_wrapper(cfg, model)
    callback = create_demo_callback_from_config(cfg, demo_dir=tmp_path / "demos")
    return wrapper, callback


def run(callback, wrapper, tmp_path, step: int = 1):
    trainer = SimpleNamespace(global_step=step, loggers=[MediaLogger(), MediaLogger()],
                              log_dir=str(tmp_path), default_root_dir=str(tmp_path))
    callback.on_train_batch_end(trainer, wrapper, None, None, 0)
    return trainer


def test_the_table_builds_it_and_it_meets_the_protocol(tmp_path):
    _, callback = setup(tmp_path)
    assert isinstance(callback, AudioLanguageModelDemoCallback)
    assert isinstance(callback, DemoCallback)
    assert (callback.temperature, callback.top_k, callback.top_p) == (1.0, 0, 0.95)  # upstream's
    with pytest.raises(TypeError, match="typed LMConfig"):
        AudioLanguageModelDemoCallback(tiny_lm())


def test_one_wav_and_png_per_cfg_scale_to_every_logger(tmp_path):
    wrapper, callback = setup(tmp_path, **{"training.demo.demo_cfg_scales": [1, 2.5]})
    trainer = run(callback, wrapper, tmp_path)
    assert sorted(p.name for p in callback.written) == [
        "demo_cfg_1_00000001.png", "demo_cfg_1_00000001.wav",
        "demo_cfg_2.5_00000001.png", "demo_cfg_2.5_00000001.wav"]
    for logger in trainer.loggers:
        assert logger.audio == [("demo/demo_cfg_1", 1), ("demo/demo_cfg_2.5", 1)]
        assert [key for key, _ in logger.images] == ["demo/demo_cfg_1_spectrogram",
                                                     "demo/demo_cfg_2.5_spectrogram"]
    audio, rate = sf.read(tmp_path / "demos" / "demo_cfg_1_00000001.wav")
    assert rate == 8000 and audio.shape == (2 * 256,)  # num_demos clips, one after the other
    assert wrapper.training  # back in training mode


def test_demo_every_sets_the_schedule(tmp_path):
    wrapper, callback = setup(tmp_path, **{"training.demo.demo_cfg_scales": [1]})
    for step in (1, 2, 3, 3, 4, 5):
        run(callback, wrapper, tmp_path, step)
    assert sorted(p.name for p in callback.written if p.suffix == ".wav") == [
        "demo_cfg_1_00000001.wav", "demo_cfg_1_00000003.wav", "demo_cfg_1_00000005.wav"]


def test_num_demos_and_demo_cond_reach_the_conditioner(tmp_path):
    wrapper, callback = setup(tmp_path, **{"training.demo.num_demos": 1,
                                           "training.demo.demo_cond": DEMO_COND[1:],
                                           "training.demo.demo_cfg_scales": [1]})
    seen = []
    conditioner = wrapper.model_ema.module["conditioner"]  # the EMA copy generates
    conditioner.register_forward_pre_hook(lambda m, args: seen.append(list(args[0])))
    run(callback, wrapper, tmp_path)
    assert seen == [[{"seconds_total": 7}]]
    audio, _ = sf.read(tmp_path / "demos" / "demo_cfg_1_00000001.wav")
    assert audio.shape == (256,)


def test_demos_generate_with_the_ema_model(tmp_path, monkeypatch):
    wrapper, callback = setup(tmp_path, **{"training.demo.demo_cfg_scales": [1]})
    used = []
    original = type(wrapper.model).generate

    def spy(self, **kwargs):
        used.append((self.lm, kwargs))
        return original(self, **kwargs)

    monkeypatch.setattr(type(wrapper.model), "generate", spy)
    run(callback, wrapper, tmp_path)
    (lm, kwargs), = used
    assert lm is wrapper.model_ema.module["lm"]
    assert kwargs["max_gen_len"] == 256 // 32 and kwargs["cfg_scale"] == 1
    assert (kwargs["temp"], kwargs["top_k"], kwargs["top_p"]) == (1.0, 0, 0.95)


def test_cfg_scales_change_the_generation(tmp_path):
    wrapper, callback = setup(tmp_path, **{"training.use_ema": False,
                                           "model.lm.config.zero_init_branch_outputs": False})
    callback.top_p, callback.seed = 0.0, 0  # same random draws: only the guidance differs
    wrapper.eval()
    assert not torch.equal(callback.generate(wrapper, 1.0), callback.generate(wrapper, 8.0))


def test_a_seeded_callback_repeats_itself(tmp_path):
    config = typed(tiny_lm(sample_size=256, **{"training.use_ema": False}))
    cfg, model = build(tiny_lm(sample_size=256, **{"training.use_ema": False}))
    wrapper = create_lm_wrapper(cfg, model).eval()
    callback = AudioLanguageModelDemoCallback(config, tmp_path, seed=3, top_p=0.0, top_k=5)
    assert torch.equal(callback.generate(wrapper, 1.0), callback.generate(wrapper, 1.0))


def test_an_unconditional_model_makes_num_demos_clips(tmp_path):
    config = tiny_lm(sample_size=256, **{"model.conditioning": None,
                                         "model.lm.prepend_cond_ids": None,
                                         "model.lm.config.prepend_cond_dim": None,
                                         "training.demo.demo_cond": None,
                                         "training.demo.num_demos": 3,
                                         "training.demo.demo_cfg_scales": [1]})
    cfg, model = build(config)
    wrapper = create_lm_wrapper(cfg, model)
    callback = create_demo_callback_from_config(cfg, demo_dir=tmp_path / "demos")
    run(callback, wrapper, tmp_path)
    audio, _ = sf.read(tmp_path / "demos" / "demo_cfg_1_00000001.wav")
    assert audio.shape == (3 * 256,)
