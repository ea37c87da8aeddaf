"""``sat-config train``: validation first, exit codes, a short run, resuming."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from training_helpers import TINY_EXAMPLE, build, fit, tiny_config

from sat_config.cli import main


def _write(tmp_path: Path, config: dict, name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(config))
    return path


def test_an_invalid_config_exits_1_with_every_issue_before_torch_loads(tmp_path: Path) -> None:
    config = tiny_config()
    config["sample_rate"] = 0
    config["training"]["latent_mask_ratio"] = 3
    path = _write(tmp_path, config)
    code = ("import sys; from sat_config.cli import main; rc = main(['train', sys.argv[1]]); "
            "print('TORCH', 'torch' in sys.modules); sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert out.returncode == 1
    assert "$.sample_rate" in out.stderr and "$.training.latent_mask_ratio" in out.stderr
    assert "TORCH False" in out.stdout


@pytest.mark.parametrize("argv", [
    ["train", "missing.json"],
    ["train", str(TINY_EXAMPLE), "--max-steps", "0"],
    ["train", str(TINY_EXAMPLE), "--batch-size", "-2"],
    ["train", str(TINY_EXAMPLE), "--ckpt-path", "no-such.ckpt"],
])
def test_usage_errors_exit_2(argv: list[str], capsys) -> None:
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        rc = exc.code
    assert rc == 2


def test_latents_for_an_autoencoder_exit_2_saying_why(tmp_path: Path, capsys) -> None:
    """An autoencoder trains on audio: a pre_encoded dataset is a one-line usage error."""
    dataset = _write(tmp_path, {"dataset_type": "pre_encoded",
                                "datasets": [{"id": "a", "path": str(tmp_path)}]}, "ds.json")
    config = _write(tmp_path, tiny_config())
    rc = main(["train", str(config), "--dataset-config", str(dataset), "--max-steps", "1",
               "--output-dir", str(tmp_path / "run"), "--accelerator", "cpu"])
    err = capsys.readouterr().err
    assert rc == 2 and "autoencoder models train on audio" in err and "pre_encoded" in err
    assert "Traceback" not in err


def test_train_writes_checkpoints_logs_and_demos_then_resumes(tmp_path: Path, capsys) -> None:
    config = tiny_config(use_ema=True)
    config["training"]["demo"] = {"demo_every": 3}
    path = _write(tmp_path, config)
    run = tmp_path / "run"
    common = ["train", str(path), "--output-dir", str(run), "--accelerator", "cpu",
              "--batch-size", "2", "--checkpoint-every", "2"]
    assert main([*common, "--max-steps", "3"]) == 0
    out = capsys.readouterr().out
    assert "trained to step 3" in out and "checkpoints" in out and "demos" in out
    assert {p.name for p in (run / "checkpoints").iterdir()} >= {"last.ckpt"}
    assert (run / "logs" / "version_0" / "metrics.csv").is_file()
    assert sorted(p.name for p in (run / "demos").iterdir()) == ["recon_00000001.png",
                                                                  "recon_00000001.wav"]
    saved = torch.load(run / "checkpoints" / "last.ckpt", weights_only=False)
    assert saved["global_step"] == 3 and saved["sat_config"]["training"]["use_ema"] is True
    assert main([*common, "--max-steps", "5", "--ckpt-path",
                 str(run / "checkpoints" / "last.ckpt")]) == 0
    assert "trained to step 5" in capsys.readouterr().out


def test_tensorboard_gets_metrics_demo_audio_and_spectrograms_when_installed(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    config = tiny_config(use_ema=True)
    config["training"]["demo"] = {"demo_every": 2}
    run = tmp_path / "run"
    assert main(["train", str(_write(tmp_path, config)), "--output-dir", str(run),
                 "--accelerator", "cpu", "--batch-size", "2", "--max-steps", "3"]) == 0
    (events,) = run.glob("tensorboard/version_0/events.out.tfevents.*")
    board = EventAccumulator(str(events), size_guidance={"audio": 0, "images": 0}).Reload()
    tags = board.Tags()
    assert "demo/recon" in tags["audio"] and "demo/recon_spectrogram" in tags["images"]
    assert [e.step for e in board.Audio("demo/recon")] == [1, 3]  # every demo_every steps
    assert {"train/loss", "demo/reconstruction_l1"} <= set(tags["scalars"])


def test_resume_continues_at_the_saved_step_with_optimizer_and_ema_state(tmp_path: Path) -> None:
    import pytorch_lightning as pl

    config = tiny_config(discriminator=True, use_ema=True)
    config["training"]["optimizer_configs"]["autoencoder"]["scheduler"] = \
        config["training"]["optimizer_configs"]["discriminator"]["scheduler"] = \
        {"type": "InverseLR", "config": {"inv_gamma": 10.0, "warmup": 0.5}}
    _, _, wrapper = build(config)
    fit(wrapper, 4, tmp_path, checkpoint_every=4)
    ckpt = tmp_path / "checkpoints" / "last.ckpt"
    saved = torch.load(ckpt, weights_only=False)
    ema_keys = [k for k in saved["state_dict"] if k.startswith("autoencoder_ema.")]
    assert ema_keys and saved["state_dict"]["autoencoder_ema.n_averaged"].item() == 2

    seen = {}

    class Capture(pl.Callback):
        def on_train_start(self, trainer, module):
            seen["step"] = trainer.global_step
            seen["ema"] = {k: v.clone() for k, v in module.state_dict().items()
                           if k.startswith("autoencoder_ema.")}
            seen["adam_steps"] = [o.state_dict()["state"][0]["step"].item()
                                  for o in trainer.optimizers]
            seen["lr_epochs"] = [c.scheduler.last_epoch for c in trainer.lr_scheduler_configs]

    _, _, fresh = build(config)
    trainer = fit(fresh, 6, tmp_path / "resumed", callbacks=[Capture()], ckpt_path=str(ckpt))
    assert seen["step"] == 4
    for key in ema_keys:
        assert torch.equal(seen["ema"][key], saved["state_dict"][key]), key
    assert seen["adam_steps"] == [2, 2] and seen["lr_epochs"] == [2, 2]
    assert trainer.global_step == 6 and fresh.autoencoder_ema.n_averaged.item() == 3


def test_the_tiny_autoencoder_reconstruction_loss_falls(tmp_path: Path) -> None:
    from training_helpers import series

    _, _, wrapper = build(tiny_config(1))
    trainer = fit(wrapper, 24, tmp_path, batch_size=4)
    loss = series(trainer, "train/mrstft_loss")
    first, last = sum(loss[s] for s in range(4)) / 4, sum(loss[s] for s in range(20, 24)) / 4
    assert last < 0.85 * first, loss
