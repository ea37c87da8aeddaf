"""``sat-config train`` never loses work and never shows a traceback: output directories, failed
checkpoint writes, non-finite losses, unusable datasets and checkpoint files, exit codes."""

from __future__ import annotations

import errno
import json
import os
import pickle
import re
from pathlib import Path

import pytest
import torch

from training_helpers import tiny_config

from sat_config.cli import main
from sat_config.training.errors import OutputDirError
from sat_config.training.outputs import claim_output_dir, newest_checkpoint

COMMON = ["--accelerator", "cpu", "--batch-size", "2"]


def _config(tmp_path: Path, config: dict | None = None, name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(config or tiny_config()))
    return path


def _train(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(["train", *argv, *COMMON])
    out, err = capsys.readouterr()
    return rc, out, err


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("sat-config:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# --- output directories -------------------------------------------------------------------------

def test_default_output_dirs_are_new_per_run_and_recover_resumes_the_newest(tmp_path, capsys,
                                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = str(_config(tmp_path))
    assert _train(capsys, config, "--max-steps", "1")[0] == 0
    assert _train(capsys, config, "--max-steps", "1")[0] == 0
    runs = tmp_path / "runs" / "config"
    assert sorted(p.name for p in runs.iterdir()) == ["version_0", "version_1"]
    rc, out, _ = _train(capsys, config, "--max-steps", "3", "--recover")
    assert rc == 0 and "resumed from runs/config/version_1/checkpoints/last.ckpt" in out
    assert "trained to step 3" in out
    assert sorted(p.name for p in runs.iterdir()) == ["version_0", "version_1"]


def test_another_runs_directory_is_refused_unless_resuming(tmp_path, capsys) -> None:
    config, run = str(_config(tmp_path)), str(tmp_path / "run")
    assert _train(capsys, config, "--output-dir", run, "--max-steps", "2")[0] == 0
    before = (tmp_path / "run" / "checkpoints" / "last.ckpt").read_bytes()
    rc, _, err = _train(capsys, config, "--output-dir", run, "--max-steps", "2")
    assert rc == 2 and "holds another run's outputs" in _one_line(err)
    assert (tmp_path / "run" / "checkpoints" / "last.ckpt").read_bytes() == before
    rc, out, _ = _train(capsys, config, "--output-dir", run, "--max-steps", "3", "--recover")
    assert rc == 0 and "trained to step 3" in out


def test_two_runs_in_one_directory_at_once_are_refused(tmp_path: Path) -> None:
    with claim_output_dir(tmp_path / "run", resuming=False):
        with pytest.raises(OutputDirError, match=f"in use by another run \\(pid {os.getpid()}\\)"):
            with claim_output_dir(tmp_path / "run", resuming=True):
                pass
    with claim_output_dir(tmp_path / "run", resuming=False):  # released when the first ended
        pass


def test_an_output_dir_that_is_a_file_is_one_line_exit_2(tmp_path, capsys) -> None:
    (tmp_path / "file").write_text("x")
    rc, _, err = _train(capsys, str(_config(tmp_path)), "--output-dir", str(tmp_path / "file"),
                        "--max-steps", "1")
    assert rc == 2 and "is a file, not a directory" in _one_line(err)


def test_an_unwritable_output_dir_is_refused_with_its_reason(tmp_path, monkeypatch) -> None:
    from sat_config.training import outputs

    def read_only(*args, **kwargs):  # chmod does not stop root: simulate the filesystem's answer
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(outputs, "open", read_only, raising=False)
    with pytest.raises(OutputDirError, match="run cannot be used: Read-only file system"):
        with claim_output_dir(tmp_path / "run", resuming=False):
            pass


# --- checkpoints that cannot be written, losses that are not finite -----------------------------

def test_a_checkpoint_that_cannot_be_written_fails_the_run(tmp_path, capsys, monkeypatch) -> None:
    from sat_config.training import checkpoint_io

    def full_disk(path, write):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(checkpoint_io, "atomic_write", full_disk)
    rc, out, err = _train(capsys, str(_config(tmp_path)), "--output-dir", str(tmp_path / "run"),
                          "--max-steps", "2", "--checkpoint-every", "1")
    assert rc == 3 and "No space left on device" in _one_line(err)
    assert "last:" not in out and "trained to step" not in out


def test_a_non_finite_loss_stops_with_the_step_and_keeps_the_last_good_checkpoint(
        tmp_path, capsys, monkeypatch) -> None:
    from sat_config.training.data.synthetic import SyntheticAudio

    clean = SyntheticAudio.__getitem__
    served = []

    def poisoned(self, index):  # after some clean items (a few steps), NaN audio
        audio, info = clean(self, index)
        served.append(index)
        return (audio * float("nan") if len(served) > 40 else audio), info

    monkeypatch.setattr(SyntheticAudio, "__getitem__", poisoned)
    run = tmp_path / "run"
    rc, out, err = _train(capsys, str(_config(tmp_path)), "--output-dir", str(run),
                          "--max-steps", "40", "--checkpoint-every", "2")
    line = _one_line(err)
    match = re.search(r"non-finite loss at step (\d+) \(.*train/loss=nan.*\); training stopped, "
                      r"the last good checkpoint is (\S+)$", line)
    assert rc == 3 and match and "trained to step" not in out, line
    step, last = int(match.group(1)), Path(match.group(2))
    saved_steps = []
    for path in (run / "checkpoints").iterdir():
        saved = torch.load(path, weights_only=True)
        saved_steps.append(saved["global_step"])
        assert all(torch.isfinite(v).all() for v in saved["state_dict"].values()
                   if v.is_floating_point()), path
    assert 2 <= max(saved_steps) < step
    assert torch.load(last, weights_only=True)["global_step"] == max(saved_steps)


def test_a_dataset_smaller_than_a_batch_is_refused_before_training(tmp_path, capsys) -> None:
    import numpy as np
    import soundfile as sf

    audio = tmp_path / "audio"
    audio.mkdir()
    sf.write(audio / "one.wav", np.zeros(4000), 8000)
    dataset = tmp_path / "ds.json"
    dataset.write_text(json.dumps({"dataset_type": "audio_dir",
                                   "datasets": [{"id": "a", "path": str(audio)}]}))
    rc, out, err = _train(capsys, str(_config(tmp_path)), "--dataset-config", str(dataset),
                          "--output-dir", str(tmp_path / "run"), "--max-steps", "2")
    assert rc == 2 and "fewer than one batch of 2" in _one_line(err) and out == ""


# --- checkpoint files given by the user ---------------------------------------------------------

class _Payload:
    def __init__(self, target: Path):
        self.target = target

    def __reduce__(self):
        return (Path.touch, (self.target,))


def _bad_checkpoints(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = tmp_path / "good.ckpt"
    torch.save({"state_dict": {"w": torch.ones(1000)}, "global_step": 1}, good)
    data = good.read_bytes()
    files = {"empty": (b"", "is empty"), "truncated": (data[: len(data) // 2], "truncated"),
             "garbage": (b"not a checkpoint at all" * 20, "not a PyTorch checkpoint"),
             "code": (pickle.dumps({"state_dict": _Payload(tmp_path / "pwned")}), "refused")}
    out = {}
    for name, (content, reason) in files.items():
        (tmp_path / f"{name}.ckpt").write_bytes(content)
        out[name] = (tmp_path / f"{name}.ckpt", reason)
    torch.save({"state_dict": {"w": torch.ones(3)}, "global_step": 1, "optimizer_states": []},
               tmp_path / "other_model.ckpt")
    out["other_model"] = (tmp_path / "other_model.ckpt", "does not fit this config's model")
    return out


@pytest.mark.parametrize("case", ["empty", "truncated", "garbage", "code", "other_model"])
def test_a_bad_ckpt_path_is_one_line_naming_the_file(tmp_path, capsys, case: str) -> None:
    path, reason = _bad_checkpoints(tmp_path)[case]
    rc, _, err = _train(capsys, str(_config(tmp_path)), "--output-dir", str(tmp_path / "run"),
                        "--max-steps", "1", "--ckpt-path", str(path))
    line = _one_line(err)
    assert rc == 2 and f"{path}: " in line and reason in line, line
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("case", ["empty", "truncated", "garbage", "code", "other_model"])
def test_a_bad_teacher_checkpoint_is_one_line_naming_the_file(tmp_path, capsys, case) -> None:
    path, reason = _bad_checkpoints(tmp_path)[case]
    reason = "does not fit training.teacher_model" if case == "other_model" else reason
    config = tiny_config(1)
    config["training"].update(teacher_model={k: config[k] for k in ("model_type", "sample_rate",
                                                                    "model")},
                              teacher_model_ckpt=str(path))
    rc, _, err = _train(capsys, str(_config(tmp_path, config)), "--output-dir",
                        str(tmp_path / "run"), "--max-steps", "1")
    line = _one_line(err)
    assert rc == 2 and f"{path}: " in line and reason in line, line


def test_a_checkpoint_written_by_train_works_as_a_teacher(tmp_path, capsys) -> None:
    from sat_config.kinds.autoencoder.wrapper import build_teacher
    from training_helpers import load_typed

    config = tiny_config(1, use_ema=True)
    assert _train(capsys, str(_config(tmp_path, config)), "--output-dir", str(tmp_path / "run"),
                  "--max-steps", "2")[0] == 0
    ckpt = tmp_path / "run" / "checkpoints" / "last.ckpt"
    student = tiny_config(1)
    student["training"].update(teacher_model={k: config[k] for k in ("model_type",
                                                                     "sample_rate", "model")},
                               teacher_model_ckpt=str(ckpt))
    teacher = build_teacher(load_typed(student))
    saved = torch.load(ckpt, weights_only=True)["state_dict"]
    for name, value in teacher.state_dict().items():  # the EMA weights, as upstream exports
        assert torch.equal(value, saved[f"autoencoder_ema.module.{name}"]), name


def test_resuming_with_other_shapes_names_the_keys_and_shapes(tmp_path, capsys) -> None:
    run = tmp_path / "run"
    assert _train(capsys, str(_config(tmp_path)), "--output-dir", str(run),
                  "--max-steps", "1")[0] == 0
    wider = tiny_config()
    wider["model"]["encoder"]["config"]["channels"] = 8
    rc, _, err = _train(capsys, str(_config(tmp_path, wider, "wider.json")),
                        "--output-dir", str(tmp_path / "run2"), "--max-steps", "2",
                        "--ckpt-path", str(run / "checkpoints" / "last.ckpt"))
    line = _one_line(err)
    assert rc == 2 and "does not fit this config's model" in line and "shape(s) differ" in line
    assert "autoencoder.encoder.layers.0.parametrizations.weight.original1 [4, 2, 7] (the model " \
        "has [8, 2, 7])" in line


def test_newest_checkpoint_prefers_the_latest_write(tmp_path: Path) -> None:
    ckpts = tmp_path / "checkpoints"
    ckpts.mkdir()
    assert newest_checkpoint(tmp_path) is None
    for i, name in enumerate(["epoch=0-step=2.ckpt", "last.ckpt", "epoch=0-step=4.ckpt"]):
        (ckpts / name).write_bytes(b"x")
        os.utime(ckpts / name, ns=(10**9 * (i + 1),) * 2)
    (ckpts / ".last.ckpt.1234.partial").write_bytes(b"x")
    assert newest_checkpoint(tmp_path).name == "epoch=0-step=4.ckpt"


def test_the_cli_names_training_failures_without_importing_torch() -> None:
    import subprocess
    import sys

    code = ("import sys, sat_config.training.errors, sat_config.training.outputs, "
            "sat_config.training.cli; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
