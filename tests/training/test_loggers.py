"""``--logger``: CSV always, TensorBoard, Weights & Biases (offline) with the demos' audio and
spectrograms, comet only with its package."""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

import pytest

from training_helpers import tiny_config

from sat_config.cli import main


def _config(tmp_path: Path) -> Path:
    config = tiny_config()
    config["training"]["demo"] = {"demo_every": 2}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def _train(tmp_path: Path, *flags: str, name: str = "run") -> int:
    return main(["train", str(_config(tmp_path)), "--output-dir", str(tmp_path / name),
                 "--accelerator", "cpu", "--batch-size", "2", "--max-steps", "1", *flags])


def test_csv_only_writes_no_tensorboard_events(tmp_path: Path) -> None:
    assert _train(tmp_path, "--logger", "csv") == 0
    assert (tmp_path / "run" / "logs" / "version_0" / "metrics.csv").is_file()
    assert not (tmp_path / "run" / "tensorboard").exists()


@pytest.mark.skipif(not importlib.util.find_spec("tensorboard"), reason="tensorboard absent")
def test_tensorboard_gets_the_losses_and_the_demo_media(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    assert _train(tmp_path, "--logger", "tensorboard") == 0
    events = EventAccumulator(str(next((tmp_path / "run" / "tensorboard").rglob("events.*"))
                                  .parent), size_guidance={"audio": 0, "images": 0}).Reload()
    tags = events.Tags()
    assert "train/loss" in tags["scalars"]
    assert any(t.startswith("demo/recon") for t in tags["audio"])
    assert any(t.endswith("_spectrogram") for t in tags["images"])
    assert (tmp_path / "run" / "logs" / "version_0" / "metrics.csv").is_file()  # CSV too


@pytest.mark.skipif(not importlib.util.find_spec("wandb"), reason="wandb absent")
def test_wandb_offline_logs_losses_audio_and_spectrograms(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wandb-dir"))
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(tmp_path / "wandb-config"))
    monkeypatch.setenv("WANDB_CACHE_DIR", str(tmp_path / "wandb-cache"))
    (tmp_path / "wandb-dir").mkdir()
    try:
        assert _train(tmp_path, "--logger", "wandb", "--name", "tiny", "--project", "proj") == 0
    finally:
        import wandb

        wandb.finish()
    runs = [p for p in tmp_path.rglob("offline-run-*") if p.is_dir()]
    assert runs, "no offline wandb run written"
    files = runs[0] / "files"
    audio = list(files.rglob("media/audio/demo/*.wav"))
    images = list(files.rglob("media/images/demo/*.png"))
    assert audio and images
    assert any("spectrogram" in p.name for p in images)
    # the run's record for `wandb sync`: project, run name, the loss terms, the config
    # (the wandb service process writes it asynchronously: wait for it, briefly)
    wanted = (b"proj", b"tiny", b"train/loss", b"train/mrstft_loss", b"model_config")
    deadline = time.monotonic() + 30
    while True:
        record = next(runs[0].glob("*.wandb")).read_bytes()
        if all(text in record for text in wanted) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for text in wanted:
        assert text in record, text


@pytest.mark.skipif(importlib.util.find_spec("comet_ml") is not None, reason="comet_ml installed")
def test_comet_without_its_package_is_a_clear_usage_error(tmp_path: Path, capsys) -> None:
    assert _train(tmp_path, "--logger", "comet") == 2
    err = capsys.readouterr().err
    assert "comet_ml" in err and len(err.strip().splitlines()) == 1


class _Recorder:
    """An object with just the given methods, each recording its calls in ``calls``."""

    def __init__(self, *methods: str):
        self.calls: list[tuple] = []
        for method in methods:
            setattr(self, method, lambda *a, _m=method, **k: self.calls.append((_m, a, k)))


def test_each_logger_type_gets_the_demo_media_its_own_way(tmp_path: Path) -> None:
    import numpy as np

    from sat_config.training.demo_io import log_media

    wav, png, audio = tmp_path / "d.wav", tmp_path / "d.png", np.zeros((8, 2), np.float32)
    png.write_bytes(b"")
    wandb = _Recorder("log_audio", "log_image")
    comet = _Recorder()
    comet.experiment = _Recorder("log_audio", "log_image")
    tensorboard = _Recorder()
    tensorboard.experiment = _Recorder("add_audio", "add_image")
    csv = _Recorder()
    csv.experiment = object()
    for logger in (wandb, comet, tensorboard, csv):
        log_media(logger, "demo/x", 3, wav, None, audio, 8000)  # no spectrogram: audio only
    assert [c[0] for c in wandb.calls] == ["log_audio"]
    assert [c[0] for c in tensorboard.experiment.calls] == ["add_audio"]
    assert comet.experiment.calls == [("log_audio", (str(wav),), {
        "sample_rate": 8000, "file_name": "d.wav", "step": 3, "metadata": {"key": "demo/x"}})]
    log_media(comet, "demo/x", 5, wav, png, audio, 8000)
    assert comet.experiment.calls[-1] == ("log_image", (str(png),),
                                          {"name": "demo/x_spectrogram", "step": 5})
    assert csv.calls == [] and wandb.calls[0][1] == ("demo/x", [str(wav)])
