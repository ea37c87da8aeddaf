"""Modules that moved keep their old import paths as thin aliases that warn."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings

import pytest

from conftest import REPO
from sat_config.deprecated import MOVED

TORCH_FREE = [old for old, new in MOVED.items() if not new.startswith(("sat_config.training",
                                                                        "sat_config.kinds"))]


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_path_is_the_new_module_with_a_deprecation_warning(old: str) -> None:
    if old not in TORCH_FREE:
        pytest.importorskip("torch")
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert module is importlib.import_module(MOVED[old])
    assert any(issubclass(w.category, DeprecationWarning) and MOVED[old] in str(w.message)
               for w in caught)


def test_old_from_import_of_a_name_still_works() -> None:
    with pytest.warns(DeprecationWarning):
        sys.modules.pop("sat_config.schemas", None)
        from sat_config.schemas import model_types  # noqa: PLC0415
    assert "autoencoder" in model_types()


def test_python_dash_m_on_an_old_path_runs_the_new_module() -> None:
    out = subprocess.run([sys.executable, "-W", "always::DeprecationWarning", "-m",
                          "sat_config.bundle", "--check"], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "moved to sat_config.schema.bundle" in out.stderr
