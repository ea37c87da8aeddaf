"""Validation never imports torch (or Lightning): the base install must work without them."""

from __future__ import annotations

import subprocess
import sys

from conftest import CORPUS

SCRIPT = """
import sys
import sat_config
from sat_config import cli
sat_config.load_config({path!r})
assert sat_config.validate({path!r}) == []
cli.main(["validate", {path!r}])
cli.main(["explain", "training.demo.demo_every"])
cli.main(["defaults", {path!r}])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {{"torch", "pytorch_lightning", "lightning", "numpy", "auraloss"}})
print("HEAVY", heavy)
"""


def test_validation_path_does_not_import_torch() -> None:
    path = str(CORPUS / "upstream" / "model_configs__txt2audio__stable_audio_2_0.json")
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(path=path)], capture_output=True,
                         text=True, check=True).stdout
    assert "HEAVY []" in out
