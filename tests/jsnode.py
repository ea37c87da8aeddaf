"""Running the Node test package (tests/js) from pytest.

Where node or the package's node_modules are missing, the cross-language tests skip, except in CI
(``CI`` set, as ``.ci/run`` does) where a missing toolchain must fail the build, not hide it.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import REPO

JS = REPO / "tests" / "js"


def _require_node() -> str:
    node = shutil.which("node")
    installed = (JS / "node_modules" / ".package-lock.json").is_file()
    if node and installed:
        return node
    why = "node is not on PATH" if not node else "tests/js is not installed (run `make test`)"
    if os.environ.get("CI"):
        pytest.fail(f"{why}; the cross-language tests cannot run")
    pytest.skip(why)


def run_node(script: str, *args: str, timeout: float = 120) -> str:
    """stdout of ``node tests/js/<script> args``; fails the test with stderr on a non-zero exit."""
    node = _require_node()
    proc = subprocess.run([node, str(JS / script), *args], cwd=JS, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f"node {script} exited {proc.returncode}:\n{proc.stderr[-4000:]}")
    return proc.stdout


def run_npm(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``npm --prefix tests/js ...`` (the result, for tests that expect a failure too)."""
    _require_node()
    npm = shutil.which("npm")
    if not npm:
        pytest.fail("npm is not on PATH")
    return subprocess.run([npm, "--prefix", str(JS), "--silent", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)
