"""Where a run writes, and making sure no two runs ever write to the same place.

The default output directory is new for every run (``runs/<config name>/version_N``); a
directory holding another run's outputs is refused unless the new run resumes it; a lock file
(``flock``, released by the kernel when the process dies, so never stale) refuses a second run
while one is writing there. Torch-free.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputDirError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the other guards still apply
    fcntl = None

LOCK_NAME = ".sat-config.lock"
RUN_DIR_ENV = "SAT_CONFIG_RUN_DIR"
"""Set by the primary process so that processes it launches (DDP ranks) use its directory."""
OUTPUTS = ("checkpoints", "logs", "tensorboard", "demos")
_RANK_VARIABLES = ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "SLURM_PROCID")
_VERSION = re.compile(r"version_(\d+)")


def is_primary_process() -> bool:
    """False in the extra processes of a distributed run (they share the primary's directory)."""
    return all(os.environ.get(name, "0") in ("", "0") for name in _RANK_VARIABLES)


def _versions(parent: Path) -> list[tuple[int, Path]]:
    if not parent.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in parent.iterdir()
             if (m := _VERSION.fullmatch(p.name)) and p.is_dir()]
    return sorted(found)


def default_output_dir(parent: str | Path, *, latest: bool = False) -> Path:
    """A new ``parent/version_N`` directory (created here, so two runs never get the same one),
    or with ``latest`` the newest existing one (a new one if there is none)."""
    parent = Path(parent)
    inherited = os.environ.get(RUN_DIR_ENV)
    if inherited and not is_primary_process():
        return Path(inherited)
    versions = _versions(parent)
    if latest and versions:
        return versions[-1][1]
    number = versions[-1][0] + 1 if versions else 0
    try:
        parent.mkdir(parents=True, exist_ok=True)
        while True:
            path = parent / f"version_{number}"
            try:
                path.mkdir()
                return path
            except FileExistsError:
                number += 1
    except OSError as exc:
        raise OutputDirError(f"cannot create an output directory under {parent}: "
                             f"{exc.strerror or exc}") from None


def holds_a_run(path: Path) -> bool:
    """Whether ``path`` has outputs of an earlier run (an empty or fresh directory has none)."""
    return any((path / name).exists() and (not (path / name).is_dir()
                                          or any((path / name).iterdir()))
               for name in OUTPUTS)


def newest_checkpoint(path: str | Path) -> Path | None:
    """The most recently written ``checkpoints/*.ckpt`` of run directory ``path`` (``last.ckpt``
    wins a tie), or None. Every one of them is complete: they are written atomically."""
    directory = Path(path) / "checkpoints"
    if not directory.is_dir():
        return None
    found = [p for p in directory.glob("*.ckpt") if not p.name.startswith(".") and p.is_file()]
    if not found:
        return None
    return max(found, key=lambda p: (p.stat().st_mtime_ns, p.name == "last.ckpt"))


@contextmanager
def claim_output_dir(path: str | Path, *, resuming: bool) -> Iterator[Path]:
    """Create (if needed) and lock run directory ``path`` for the duration of the block.

    Refused (:class:`OutputDirError`): a path that is a file or cannot be created or written,
    a directory another live run holds, or one with an earlier run's outputs unless
    ``resuming``. Processes other than a distributed run's primary skip all of this.
    """
    path = Path(path)
    if not is_primary_process():
        yield path
        return
    if path.exists() and not path.is_dir():
        raise OutputDirError(f"output directory {path} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        lock = open(path / LOCK_NAME, "a+")  # noqa: SIM115 - held for the whole run
    except OSError as exc:
        raise OutputDirError(f"output directory {path} cannot be used: "
                             f"{exc.strerror or exc}") from None
    inherited = os.environ.get(RUN_DIR_ENV)
    try:
        _lock(lock, path)
        if holds_a_run(path) and not resuming:
            raise OutputDirError(
                f"output directory {path} holds another run's outputs; resume it with --recover "
                "(newest checkpoint) or --ckpt-path, or choose a new --output-dir")
        os.environ[RUN_DIR_ENV] = str(path.resolve())
        yield path
    finally:
        lock.close()  # closing releases the flock
        if inherited is None:
            os.environ.pop(RUN_DIR_ENV, None)
        else:
            os.environ[RUN_DIR_ENV] = inherited


def _lock(lock, path: Path) -> None:
    if fcntl is None:
        return
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        owner = lock.read().strip() or "unknown"
        raise OutputDirError(f"output directory {path} is in use by another run "
                             f"(pid {owner})") from None
    except OSError:  # a filesystem without locks (ENOLCK): go on unguarded rather than refuse
        return
    lock.seek(0)
    lock.truncate()
    lock.write(f"{os.getpid()}\n")
    lock.flush()
