"""``--logger``: CSV always; TensorBoard, Weights & Biases (offline) and comet (offline, without
an API key) with the demos' audio and spectrograms; comet only with its package."""

from __future__ import annotations

import importlib.util
import json
import logging
import socket
import time
import zipfile
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


def _comet_messages(archive: Path) -> list[dict]:
    """The offline experiment's records (one JSON object a line), as `comet upload` sends them."""
    with zipfile.ZipFile(archive) as zipped:
        lines = zipped.read("messages.json").decode().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.skipif(not importlib.util.find_spec("comet_ml"), reason="comet_ml absent")
def test_comet_without_an_api_key_writes_an_offline_archive_into_the_run(
        tmp_path: Path, monkeypatch, caplog) -> None:
    monkeypatch.delenv("COMET_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.comet.config holding a key
    monkeypatch.setenv("COMET_CONFIG", str(tmp_path / "absent.comet.config"))
    attempts: list[object] = []  # offline means offline: no connection, no name lookup

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("the comet offline test refuses network access")

    real_connect = socket.socket.connect
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: refuse(address)
                        if sock.family in (socket.AF_INET, socket.AF_INET6)
                        else real_connect(sock, address))
    caplog.set_level(logging.WARNING, logger="sat_config")

    assert _train(tmp_path, "--logger", "comet", "--name", "tiny", "--project", "proj",
                  "--max-steps", "2") == 0
    assert attempts == []
    directory = tmp_path / "run" / "comet"
    said = [r.getMessage() for r in caplog.records if "comet upload" in r.getMessage()]
    assert len(said) == 1 and str(directory) in said[0]
    archives = list(directory.glob("*.zip"))
    assert len(archives) == 1, "no offline comet archive written when training ended"
    with zipfile.ZipFile(archives[0]) as zipped:
        experiment = json.loads(zipped.read("experiment.json"))
    assert experiment["project_name"] == "proj"
    messages = _comet_messages(archives[0])
    metric_steps = {(m["payload"]["metric"]["metricName"], m["payload"]["metric"]["step"])
                    for m in messages if m["type"] == "metric_msg"}
    assert {("train/loss", 0), ("train/loss", 1), ("train/mrstft_loss", 1)} <= metric_steps
    assert ("demo/reconstruction_l1", 1) in metric_steps
    others = {m["payload"]["key"]: m["payload"]["value"] for m in messages
              if m["type"] == "log_other"}
    assert others.get("Name") == "tiny"
    uploads = [m["payload"] for m in messages if m["type"] == "file_upload"]
    audio = [u for u in uploads if u["upload_type"] == "audio"]
    images = [u for u in uploads if u["upload_type"] == "visualization"]
    assert [(u["additional_params"]["fileName"], u["additional_params"]["step"],
             u["metadata"]["key"]) for u in audio] == [("recon_00000001.wav", 1, "demo/recon")]
    assert [(u["additional_params"]["figName"], u["additional_params"]["step"])
            for u in images] == [("demo/recon_spectrogram", 1)]
    with zipfile.ZipFile(archives[0]) as zipped:  # the media themselves travel in the archive
        assert zipped.read(audio[0]["file_path"])[:4] == b"RIFF"
        assert zipped.read(images[0]["file_path"])[:4] == b"\x89PNG"
    params = {p["paramName"]: p["paramValue"] for m in messages if m["type"] == "parameter_msg"
              for p in [m["payload"].get("param") or m["payload"]["params"]]}  # either name
    assert params["model_config|model_type"] == "autoencoder" and params["max_steps"] == 2


def test_comet_without_its_package_is_a_clear_usage_error(tmp_path: Path, monkeypatch,
                                                          capsys) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",  # comet_ml missing, installed or not
                        lambda name, *args: None if name == "comet_ml"
                        else real_find_spec(name, *args))
    assert _train(tmp_path, "--logger", "comet") == 2
    err = capsys.readouterr().err
    assert "comet_ml" in err and len(err.strip().splitlines()) == 1


@pytest.mark.skipif(not importlib.util.find_spec("comet_ml"), reason="comet_ml absent")
def test_comet_with_an_api_key_goes_online_as_upstream(tmp_path: Path, monkeypatch,
                                                       caplog) -> None:
    from sat_config.training import comet

    made: list[dict] = []
    monkeypatch.setattr(comet, "EndingCometLogger", lambda **kwargs: made.append(kwargs))
    monkeypatch.setenv("COMET_API_KEY", "0123456789abcdefABCDEF")
    caplog.set_level(logging.WARNING, logger="sat_config")
    comet.comet_logger(tmp_path, "proj", "tiny")
    assert made == [{"project": "proj", "name": "tiny", "online": True,
                     "offline_directory": str(tmp_path / "comet")}]  # comet's defaults otherwise
    assert not caplog.records


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
