"""The wheel carries the schemas and validates configs from outside the source tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conftest import CORPUS, REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
                    str(REPO)], check=True, capture_output=True)
    (whl,) = out.glob("sat_config-*.whl")
    return whl


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
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    # Install the wheel alone; its dependencies come from this environment's site-packages via a
    # .pth path (a path added that way does not run the editable install's own .pth hooks).
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(site), str(wheel)], check=True)
    (site / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    config = tmp_path / "work" / "vae.json"
    config.parent.mkdir()
    shutil.copy(CORPUS / "upstream" / "model_configs__autoencoders__stable_audio_2_0_vae.json", config)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    probe = subprocess.run(
        [str(py), "-c", "import sat_config, sat_config.schemas as s; print(sat_config.__file__); print(s.schema_dir())"],
        cwd=config.parent, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert all(p.startswith(str(env_dir)) for p in probe), probe
    ok = subprocess.run([str(py), "-m", "sat_config", "validate", "vae.json"], cwd=config.parent,
                        env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    data = json.loads(config.read_text())
    data["training"]["use_emma"] = True
    config.write_text(json.dumps(data))
    bad = subprocess.run([str(py), "-m", "sat_config", "validate", "vae.json"], cwd=config.parent,
                         env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "use_ema" in bad.stdout
