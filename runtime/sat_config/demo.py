"""`make demo`: validate every shipped config, then train the tiny example autoencoder on CPU.

Runs from a source checkout (it reads ``examples/`` and ``tests/corpus``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from . import validate

REPO = Path(__file__).resolve().parents[2]  # the checkout (runtime/sat_config/demo.py)
TINY = REPO / "examples" / "autoencoder-tiny.json"
RUN = REPO / "runs" / "demo"


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


def _summary(run: Path) -> None:
    """Where the results are, and how the reconstruction loss moved."""
    import csv

    print(f"\n== 3. results in {run.relative_to(REPO) if run.is_relative_to(REPO) else run}")
    for pattern, what in (("checkpoints/*.ckpt", "checkpoint"), ("demos/*.wav", "demo audio"),
                          ("demos/*.png", "spectrogram")):
        for path in sorted(run.glob(pattern)):
            print(f"  {what:12s} {path}")
    logs = sorted(run.glob("logs/version_*/metrics.csv"), key=lambda p: p.stat().st_mtime)
    if logs:  # this run's: the newest (version_10 sorts before version_2 by name)
        with logs[-1].open() as f:
            values = [float(r["train/mrstft_loss"]) for r in csv.DictReader(f)
                      if r.get("train/mrstft_loss")]
        if len(values) >= 8:
            first, last = sum(values[:4]) / 4, sum(values[-4:]) / 4
            print(f"  spectral reconstruction loss: {first:.3f} (first steps) -> {last:.3f} "
                  f"(last steps); metrics: {logs[-1]}")


def main(argv: list[str] | None = None) -> int:
    print("== 1. validate the examples and the upstream configs")
    if not _validate_all():
        return 1
    print(f"\n== 2. train {TINY.relative_to(REPO)} on synthetic audio (CPU)")
    from .cli import main as cli_main

    args = ["train", str(TINY), "--max-steps", "40", "--output-dir", str(RUN),
            "--accelerator", "cpu", "--seed", "0", *(argv or [])]
    code = cli_main(args)
    if code == 0:
        _summary(RUN)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
