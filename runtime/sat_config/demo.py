"""`make demo`: validate every shipped config, then train the tiny example autoencoder on CPU.

Runs from a source checkout (it reads ``examples/`` and ``tests/corpus``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from . import validate

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "examples" / "autoencoder-tiny.json"


def _validate_all() -> bool:
    files = sorted((REPO / "examples").glob("*.json")) + sorted(
        (REPO / "tests" / "corpus" / "upstream").glob("*.json"))
    ok = True
    start = time.perf_counter()
    for path in files:
        kind = "dataset" if path.name.startswith("dataset_configs") else "config"
        issues = [i for i in validate(path, kind=kind) if i.severity == "error"]
        ok &= not issues
        print(f"  {'ok     ' if not issues else 'INVALID'} {path.relative_to(REPO)}")
        for issue in issues:
            print(f"          {issue.format()}")
    print(f"validated {len(files)} configs in {(time.perf_counter() - start) * 1e3:.0f} ms")
    return ok


def main(argv: list[str] | None = None) -> int:
    print("== 1. validate the examples and the upstream configs")
    if not _validate_all():
        return 1
    print(f"\n== 2. train {TINY.relative_to(REPO)} on synthetic audio (CPU)")
    from .cli import main as cli_main

    args = ["train", str(TINY), "--max-steps", "40", "--output-dir", str(REPO / "runs" / "demo"),
            "--accelerator", "cpu", "--seed", "0", *(argv or [])]
    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
