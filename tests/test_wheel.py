"""The wheel carries the schemas and validates configs from outside the source tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import CORPUS, REPO


def test_wheel_contents(wheel: Path) -> None:
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "sat_config/_schemas/config.schema.json" in names
    assert "sat_config/_schemas/autoencoder.schema.json" in names
    assert any(n.startswith("sat_config_generated/") for n in names)
    assert not any(n.startswith(("runtime/", "generated/", "tests/")) for n in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    base = [l for l in metadata.splitlines() if l.startswith("Requires-Dist:") and "extra ==" not in l]
    assert base and not any("torch" in l for l in base), "the base install must not pull torch"


def test_installed_wheel_validates_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    # A fresh environment with the wheel and its declared dependencies, nothing else: a missing
    # base dependency fails here, and one that pulls torch shows up as an importable torch.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                              str(wheel)], env=env, capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-3000:]
    torch = subprocess.run([str(py), "-c", "import torch"], env=env, capture_output=True)
    assert torch.returncode != 0, "the base install pulled torch"
    config = tmp_path / "work" / "vae.json"
    config.parent.mkdir()
    shutil.copy(CORPUS / "upstream" / "model_configs__autoencoders__stable_audio_2_0_vae.json", config)
    probe = subprocess.run(
        [str(py), "-c", "import sat_config, sat_config.schema.files as s; print(sat_config.__file__); print(s.schema_dir())"],
        cwd=config.parent, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert all(p.startswith(str(env_dir)) for p in probe), probe
    ok = subprocess.run([str(env_dir / "bin" / "sat-config"), "validate", "vae.json"],
                        cwd=config.parent, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    typed = subprocess.run(
        [str(py), "-c", "import sat_config; c = sat_config.load_config('vae.json'); "
                        "print(type(c).__name__, c.training.use_ema)"],
        cwd=config.parent, env=env, capture_output=True, text=True, check=True)
    assert typed.stdout.split() == ["AutoencoderConfig", "True"]
    data = json.loads(config.read_text())
    data["training"]["use_emma"] = True
    config.write_text(json.dumps(data))
    bad = subprocess.run([str(py), "-m", "sat_config", "validate", "vae.json"], cwd=config.parent,
                         env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "use_ema" in bad.stdout
