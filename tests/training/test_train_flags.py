"""``sat-config train`` speaks upstream's ``train.py``: every flag of train.py / defaults.ini has an
equivalent with the same meaning, each shown to take effect."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from training_helpers import REPO, TINY_EXAMPLE, tiny_config

from sat_config.cli import main

UNCOND_TINY = REPO / "examples" / "diffusion_uncond-tiny.json"


def _write(tmp_path: Path, config: dict, name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(config))
    return path


@pytest.fixture
def captured(monkeypatch) -> list:
    """Replaces the training run: records (config, options) and reports a non-zero rank."""
    from sat_config.training import run

    calls: list = []

    def fake_train(config, options, *datasets):
        calls.append((config, options, datasets))
        return run.TrainResult(0, Path("."), None, Path("."), is_global_zero=False)

    monkeypatch.setattr(run, "train", fake_train)
    return calls


def test_every_train_py_flag_maps_to_an_option(tmp_path: Path, captured, monkeypatch) -> None:
    weights = tmp_path / "w.ckpt"
    weights.write_bytes(b"x")  # the file is only read by the (replaced) run
    argv = ["train", "--model-config", str(TINY_EXAMPLE), "--dataset-config", "",
            "--val-dataset-config", "", "--save-dir", str(tmp_path / "out"), "--ckpt-path", "",
            "--pretrained-ckpt-path", str(weights), "--pretransform-ckpt-path", str(weights),
            "--remove-pretransform-weight-norm", "post_load", "--accum-batches", "4",
            "--gradient-clip-val", "0.5", "--save-top-k", "3", "--checkpoint-every", "10",
            "--val-every", "-1", "--name", "myrun", "--project", "proj", "--logger", "wandb",
            "--num-gpus", "2", "--num-nodes", "3", "--strategy", "deepspeed",
            "--precision", "16-mixed", "--seed", "7", "--num-workers", "5", "--batch-size", "8",
            "--recover"]
    assert main(argv) == 0
    config, options, datasets = captured[0]
    assert config.model_type == "autoencoder" and datasets == (None, None)
    assert options.output_dir == tmp_path / "out" and options.recover and not options.ckpt_path
    assert options.pretrained_ckpt_path == str(weights)
    assert options.pretransform_ckpt_path == str(weights)
    assert options.remove_pretransform_weight_norm == "post_load"
    assert (options.accum_batches, options.gradient_clip_val, options.save_top_k) == (4, 0.5, 3)
    assert (options.checkpoint_every, options.val_every) == (10, None)
    assert (options.name, options.project, options.loggers) == ("myrun", "proj", ("wandb",))
    assert (options.accelerator, options.devices, options.num_nodes) == ("gpu", 2, 3)
    assert (options.strategy, options.precision, options.seed) == ("deepspeed", "16-mixed", 7)
    assert (options.num_workers, options.batch_size) == (5, 8)


def test_name_chooses_the_default_run_directory(tmp_path: Path, captured, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["train", str(TINY_EXAMPLE), "--name", "myrun"]) == 0
    assert captured[0][1].output_dir == Path("runs") / "myrun" / "version_0"
    assert captured[0][1].loggers is None  # default: CSV (+ TensorBoard when installed)


@pytest.mark.parametrize("argv, message", [
    (["train"], "CONFIG"),
    (["train", str(TINY_EXAMPLE), "--model-config", str(TINY_EXAMPLE)], "once"),
    (["train", str(TINY_EXAMPLE), "--pretrained-ckpt-path", "nope.ckpt"], "does not exist"),
    (["train", str(TINY_EXAMPLE), "--pretransform-ckpt-path", "nope.ckpt"], "does not exist"),
])
def test_flag_usage_errors_exit_2(argv, message, captured, capsys) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err and not captured


@pytest.mark.parametrize("flag, value", [("--remove-pretransform-weight-norm", "sometimes"),
                                         ("--save-top-k", "-2"), ("--gradient-clip-val", "-1"),
                                         ("--accum-batches", "0"), ("--logger", "mlflow")])
def test_bad_flag_values_are_usage_errors(flag, value, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["train", str(TINY_EXAMPLE), flag, value])
    assert exc.value.code == 2


# --- model preparation: pretrained and pretransform weights, weight norm ----------------------

def _perturbed(model: torch.nn.Module, seed: int) -> torch.nn.Module:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=generator) * 0.1)
    return model


def _upstream_names(state: dict) -> dict:
    from sat_config.training.export import to_upstream_names

    return to_upstream_names(state)


def _options(tmp_path: Path, **kw):
    from sat_config.training.run import TrainOptions

    return TrainOptions(output_dir=tmp_path, **kw)


def test_pretrained_ckpt_path_loads_model_weights_upstream_names_too(tmp_path: Path) -> None:
    from training_helpers import build

    from sat_config.training.run import prepare_model

    source = _perturbed(build(tiny_config())[1], 1)
    path = tmp_path / "pretrained.ckpt"
    torch.save({"state_dict": _upstream_names(source.state_dict())}, path)  # weight_g / weight_v
    model = build(tiny_config())[1]
    assert not torch.equal(model.state_dict()["decoder.layers.0.bias"],
                           source.state_dict()["decoder.layers.0.bias"])
    prepare_model(model, _options(tmp_path, pretrained_ckpt_path=str(path)))
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_an_unusable_pretrained_checkpoint_is_a_one_line_usage_error(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"not a checkpoint at all")
    config = _write(tmp_path, tiny_config())
    assert main(["train", str(config), "--pretrained-ckpt-path", str(bad), "--max-steps", "1",
                 "--output-dir", str(tmp_path / "run"), "--accelerator", "cpu"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.ckpt" in err[0]
    other = tmp_path / "other.ckpt"  # another model's weights
    from training_helpers import build

    torch.save({"state_dict": build(tiny_config(channels=1))[1].state_dict()}, other)
    assert main(["train", str(config), "--pretrained-ckpt-path", str(other), "--max-steps", "1",
                 "--output-dir", str(tmp_path / "run2"), "--accelerator", "cpu"]) == 2
    assert "does not fit the model" in capsys.readouterr().err


def _latent_diffusion() -> dict:
    """diffusion_uncond (DiT) on the latents of the tiny autoencoder as its pretransform."""
    ae = tiny_config(1)
    config = json.loads(UNCOND_TINY.read_text())
    config.pop("$schema", None)
    config["model"]["pretransform"] = {"type": "autoencoder",
                                       "config": copy.deepcopy(ae["model"])}
    config["model"]["config"].update(in_channels=4, patch_size=1)
    return config


def _build_model(config: dict):
    import warnings

    from sat_config.training import create_model_from_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_model_from_config(config)


def _weight_normed(module) -> int:
    from torch.nn.utils import parametrize

    return sum(parametrize.is_parametrized(m, "weight") for m in module.modules())


def test_pretransform_ckpt_path_and_weight_norm_removal(tmp_path: Path) -> None:
    from training_helpers import build

    from sat_config.training.errors import CheckpointFileError, InputError
    from sat_config.training.run import prepare_model

    autoencoder = _perturbed(build(tiny_config(1))[1], 2)
    path = tmp_path / "ae.ckpt"  # an autoencoder export: the pretransform's inner network
    torch.save({"state_dict": _upstream_names(autoencoder.state_dict())}, path)

    model = _build_model(_latent_diffusion())
    prepare_model(model, _options(tmp_path, pretransform_ckpt_path=str(path)))
    inner = model.pretransform.model
    assert all(torch.equal(inner.state_dict()[k], v) for k, v in autoencoder.state_dict().items())
    assert _weight_normed(model.pretransform) > 0

    audio = torch.randn(1, 1, 2048)
    with torch.no_grad():
        before = inner.decoder(inner.encoder(audio)[:, :4])
    post = _build_model(_latent_diffusion())
    prepare_model(post, _options(tmp_path, pretransform_ckpt_path=str(path),
                                 remove_pretransform_weight_norm="post_load"))
    assert _weight_normed(post.pretransform) == 0 and _weight_normed(post.model) == 0
    with torch.no_grad():
        after = post.pretransform.model.decoder(post.pretransform.model.encoder(audio)[:, :4])
    torch.testing.assert_close(after, before, rtol=1e-5, atol=1e-6)

    # pre_load: weights saved without weight norm load only once it is removed
    plain = tmp_path / "plain.ckpt"
    torch.save({"state_dict": post.pretransform.state_dict()}, plain)
    with pytest.raises(CheckpointFileError, match="does not fit the pretransform"):
        prepare_model(_build_model(_latent_diffusion()),
                      _options(tmp_path, pretransform_ckpt_path=str(plain)))
    pre = _build_model(_latent_diffusion())
    prepare_model(pre, _options(tmp_path, pretransform_ckpt_path=str(plain),
                                remove_pretransform_weight_norm="pre_load"))
    assert _weight_normed(pre.pretransform) == 0
    assert all(torch.equal(pre.pretransform.state_dict()[k], v)
               for k, v in post.pretransform.state_dict().items())

    with pytest.raises(InputError, match="no pretransform"):
        prepare_model(build(tiny_config())[1],
                      _options(tmp_path, pretransform_ckpt_path=str(path)))


# --- flags that change the Trainer: each run for real on a tiny model ------------------------

@pytest.fixture
def trainers(monkeypatch) -> list:
    """Every Trainer the run builds, with the steps at which validation ran."""
    import pytorch_lightning as pl

    from sat_config.training import run

    built: list = []

    class Validations(pl.Callback):
        def __init__(self):
            self.steps: list[int] = []

        def on_validation_end(self, trainer, module):
            self.steps.append(trainer.global_step)

    class Recording(pl.Trainer):
        def __init__(self, *args, **kwargs):
            self.validations = Validations()
            kwargs["callbacks"] = [*kwargs["callbacks"], self.validations]
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(run.pl, "Trainer", Recording)
    return built


def _run(tmp_path: Path, config: Path, *flags: str, name: str = "run") -> int:
    return main(["train", str(config), "--output-dir", str(tmp_path / name), "--accelerator",
                 "cpu", "--batch-size", "2", "--logger", "csv", *flags])


def test_accum_batches_accumulates_over_batches(tmp_path: Path, trainers) -> None:
    assert _run(tmp_path, UNCOND_TINY, "--max-steps", "2", "--accum-batches", "3") == 0
    trainer = trainers[0]
    assert trainer.global_step == 2 and trainer.accumulate_grad_batches == 3
    assert trainer.fit_loop.epoch_loop.batch_progress.total.completed == 6


def _dit_weights(run: Path) -> torch.Tensor:
    state = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    return torch.cat([v.flatten() for k, v in sorted(state.items())
                      if k.startswith("diffusion.model.") and v.is_floating_point()])


def test_gradient_clip_val_clips_the_update(tmp_path: Path, trainers) -> None:
    import pytorch_lightning as pl

    pl.seed_everything(42, workers=True)  # the run's seed: the same initial weights
    initial = torch.cat([v.flatten() for k, v in sorted(
        _build_model(json.loads(UNCOND_TINY.read_text())).state_dict().items())
        if k.startswith("model.") and v.is_floating_point()])
    assert _run(tmp_path, UNCOND_TINY, "--max-steps", "1", name="free") == 0
    assert _run(tmp_path, UNCOND_TINY, "--max-steps", "1", "--gradient-clip-val", "1e-12",
                name="clipped") == 0
    assert trainers[1].gradient_clip_val == 1e-12
    free = (_dit_weights(tmp_path / "free") - initial).abs().max()
    clipped = (_dit_weights(tmp_path / "clipped") - initial).abs().max()
    assert free > 5e-4 and clipped < free / 10  # Adam's first step is ~lr unless clipped away


def test_manual_optimisation_refuses_accumulation_and_clipping(tmp_path, capsys) -> None:
    config = _write(tmp_path, tiny_config())
    assert _run(tmp_path, config, "--max-steps", "1", "--accum-batches", "2") == 2
    assert _run(tmp_path, config, "--max-steps", "1", "--gradient-clip-val", "1",
                name="b") == 2
    err = capsys.readouterr().err
    assert "--accum-batches" in err and "--gradient-clip-val" in err and "manual" in err


def _periodic(run: Path) -> list[str]:
    return sorted(p.name for p in (run / "checkpoints").glob("*.ckpt") if p.name != "last.ckpt")


def test_save_top_k_keeps_the_newest_and_checkpoint_every_sets_the_interval(tmp_path) -> None:
    config = _write(tmp_path, tiny_config())
    assert _run(tmp_path, config, "--max-steps", "4", "--checkpoint-every", "1",
                "--save-top-k", "2") == 0
    kept = _periodic(tmp_path / "run")
    assert len(kept) == 2 and any("step=4" in n for n in kept) and any("step=3" in n for n in kept)
    assert _run(tmp_path, config, "--max-steps", "4", "--checkpoint-every", "2",
                name="all") == 0
    assert [n.split("step=")[1] for n in _periodic(tmp_path / "all")] == ["2.ckpt", "4.ckpt"]
    assert (tmp_path / "run" / "checkpoints" / "last.ckpt").is_file()
    assert _run(tmp_path, config, "--max-steps", "2", "--checkpoint-every", "1",
                "--save-top-k", "0", name="none") == 0
    assert _periodic(tmp_path / "none") == []
    assert (tmp_path / "none" / "checkpoints" / "last.ckpt").is_file()


def test_val_every_runs_validation_every_n_steps(tmp_path: Path, trainers) -> None:
    import soundfile as sf

    audio = tmp_path / "audio"
    audio.mkdir()
    for i in range(4):
        tone = np.sin(2 * np.pi * (200 + 50 * i) * np.arange(2048) / 8000).astype(np.float32)
        sf.write(audio / f"{i}.wav", np.stack([tone, tone], 1), 8000)
    dataset = _write(tmp_path, {"dataset_type": "audio_dir",
                                "datasets": [{"id": "a", "path": str(audio)}]}, "ds.json")
    config = _write(tmp_path, tiny_config())
    assert _run(tmp_path, config, "--max-steps", "4", "--val-every", "2",
                "--dataset-config", str(dataset), "--val-dataset-config", str(dataset)) == 0
    assert trainers[0].validations.steps == [2, 4]


def test_slurm_procid_offsets_the_seed_as_upstream(tmp_path: Path, monkeypatch) -> None:
    from sat_config.training import run

    seeds: list[int] = []

    class Stop(Exception):
        pass

    def record(seed, workers=False):
        seeds.append(seed)
        raise Stop

    monkeypatch.setattr(run.pl, "seed_everything", record)
    monkeypatch.setenv("SLURM_PROCID", "3")
    with pytest.raises(Stop):
        run.train(tiny_config_typed(), run.TrainOptions(output_dir=tmp_path / "r", seed=7))
    assert seeds == [10]


def tiny_config_typed():
    from training_helpers import load_typed

    return load_typed(tiny_config())
