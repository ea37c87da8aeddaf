"""Reading checkpoint files without running code from them, and saying plainly why one is unusable.

Every problem with a file (missing, empty, truncated, garbage, a pickle that would run code, the
weights of another model) is a :class:`CheckpointFileError` naming the file and the fault.
"""

from __future__ import annotations

import pickle
import pickletools
import stat
import zipfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .errors import CheckpointFileError, UnsafeCheckpointError

__all__ = ["CheckpointFileError", "UnsafeCheckpointError", "check_resume", "load_state_dict",
           "load_weights", "read_checkpoint"]

_ZIP_MAGIC = b"PK\x03\x04"  # torch.save's default (zip) format; mmap works on it only
# What torch.load raises for bytes that are not a checkpoint: a damaged zip or pickle stream
# surfaces as any of these (garbage can even raise KeyError from the legacy loader).
_UNREADABLE = (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, KeyError, IndexError,
               TypeError, AttributeError, UnicodeDecodeError, OverflowError, zipfile.BadZipFile)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


_CALLS = {"GLOBAL", "STACK_GLOBAL", "REDUCE", "INST", "OBJ", "NEWOBJ", "NEWOBJ_EX"}


def _pickle_that_calls(path: Path) -> bool:
    """Whether ``path`` is a plain pickle naming functions or classes to call (read opcode by
    opcode with pickletools, which executes nothing), as opposed to bytes that are no pickle."""
    try:
        with path.open("rb") as file:
            return any(op.name in _CALLS for op, _, _ in pickletools.genops(file))
    except Exception:  # noqa: BLE001 - any failure to parse just means "not a pickle"
        return False


def read_checkpoint(path: str | Path, *, mmap: bool = False) -> dict[str, Any]:
    """The dict in checkpoint ``path``, loaded with ``torch.load(..., weights_only=True)``.

    Only tensors and plain containers are unpickled; a pickle whose ``__reduce__`` would call a
    function is refused and nothing it carries runs. ``mmap`` maps tensors lazily (for checks).
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise CheckpointFileError(path, "does not exist") from None
    except OSError as exc:
        raise CheckpointFileError(path, f"cannot be read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise CheckpointFileError(path, "is a directory, not a checkpoint file")
    if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
        raise CheckpointFileError(path, "is not a regular file")
    if info.st_size == 0:
        raise CheckpointFileError(path, "is empty")
    try:
        with path.open("rb") as file:
            zipped = file.read(4) == _ZIP_MAGIC
        checkpoint = torch.load(path, map_location="cpu", weights_only=True,
                                mmap=mmap and zipped)
    except pickle.UnpicklingError as exc:
        text = str(exc)
        if "Unsupported global" in text or (not zipped and _pickle_that_calls(path)):
            raise UnsafeCheckpointError(
                path, "refused to load: it holds objects other than tensors and plain "
                      "containers, and unpickling them could run code") from None
        raise CheckpointFileError(path, "is not a PyTorch checkpoint (not a readable pickle)") \
            from None
    except OSError as exc:
        raise CheckpointFileError(path, f"cannot be read: {exc.strerror or exc}") from None
    except EOFError:
        raise CheckpointFileError(path, "ends early: the file is truncated") from None
    except _UNREADABLE as exc:
        reason = "is truncated or not a PyTorch checkpoint" if zipped else \
            "is not a PyTorch checkpoint"
        raise CheckpointFileError(path, f"{reason} ({_first_line(exc)})") from None
    if not isinstance(checkpoint, dict):
        raise CheckpointFileError(path, f"holds a {type(checkpoint).__name__}, not a checkpoint "
                                        "dict")
    return checkpoint


def _is_state_dict(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and \
        all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())


def load_state_dict(path: str | Path, key: str = "state_dict") -> dict[str, torch.Tensor]:
    """The ``key`` entry of a checkpoint (or the file itself when it is a bare state dict)."""
    checkpoint = read_checkpoint(path)
    state = checkpoint.get(key, checkpoint if _is_state_dict(checkpoint) else None)
    if not _is_state_dict(state):
        raise CheckpointFileError(path, f"has no {key!r} entry of named tensors")
    return state


def _best_prefix(keys: list[str], wanted: set[str]) -> str:
    """The prefix that, stripped from ``keys``, names the most of ``wanted`` (a Lightning
    checkpoint prefixes the model's names with the wrapper's attribute, e.g. ``autoencoder.``
    or ``autoencoder_ema.module.``). EMA weights win a tie, as upstream exports them."""
    counts: Counter[str] = Counter({"": sum(k in wanted for k in keys)})
    for key in keys:
        for i, char in enumerate(key):
            if char == "." and key[i + 1:] in wanted:
                counts[key[: i + 1]] += 1
    return max(counts, key=lambda p: (counts[p], "ema" in p, -len(p)))


def describe_mismatch(expected: Mapping[str, torch.Size], found: Mapping[str, Any],
                      limit: int = 3) -> str | None:
    """One line saying which names are missing or unexpected and which shapes differ."""
    def listing(names: list[str]) -> str:
        return ", ".join(names[:limit]) + (f" and {len(names) - limit} more"
                                           if len(names) > limit else "")

    missing = [k for k in expected if k not in found]
    unexpected = [k for k in found if k not in expected]
    def shape(value: Any) -> list[int]:
        return list(getattr(value, "shape", ()))

    shapes = [f"{k} {shape(found[k])} (the model has {list(expected[k])})"
              for k in expected if k in found and shape(found[k]) != list(expected[k])]
    parts = []
    if shapes:
        parts.append(f"{len(shapes)} shape(s) differ: {listing(shapes)}")
    if missing:
        parts.append(f"{len(missing)} missing: {listing(missing)}")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected: {listing(unexpected)}")
    return "; ".join(parts) or None


# torch's old weight_norm (upstream's) names the two halves ``weight_g`` / ``weight_v``; the
# parametrization API (ours) names them ``parametrizations.weight.original0`` / ``original1``.
WEIGHT_NORM_NAMES = (("weight_g", "parametrizations.weight.original0"),
                     ("weight_v", "parametrizations.weight.original1"))


def weight_norm_names_to_ours(state: dict[str, Any], expected: Mapping[str, Any]) -> dict[str, Any]:
    """``state`` with upstream's weight-norm names renamed where ``expected`` has ours."""
    renamed = {}
    for key, value in state.items():
        for theirs, ours in WEIGHT_NORM_NAMES:
            if key.endswith("." + theirs) or key == theirs:
                candidate = key[: len(key) - len(theirs)] + ours
                if candidate in expected and key not in expected:
                    key = candidate
                break
        renamed[key] = value
    return renamed


def load_weights(module: nn.Module, path: str | Path, *, what: str = "the model") -> None:
    """Load the weights in ``path`` (a ``{"state_dict": ...}`` file, a bare state dict, or a
    Lightning checkpoint written by ``sat-config train``) into ``module``, strictly."""
    state = load_state_dict(path)
    expected = {k: v.shape for k, v in module.state_dict().items()}
    prefix = _best_prefix(list(state), set(expected))
    if prefix:
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    state = weight_norm_names_to_ours(state, expected)
    problem = describe_mismatch(expected, state)
    if problem:
        raise CheckpointFileError(path, f"does not fit {what}: {problem}")
    module.load_state_dict(state, strict=True)


def check_resume(path: str | Path, module: nn.Module) -> dict[str, Any]:
    """Check that Lightning checkpoint ``path`` can resume training of ``module`` (a training
    wrapper); tensors are memory-mapped, not read. Returns the checkpoint's top-level entries."""
    checkpoint = read_checkpoint(path, mmap=True)
    for key in ("state_dict", "global_step", "optimizer_states"):
        if key not in checkpoint:
            raise CheckpointFileError(path, f"has no {key!r} entry: not a training checkpoint "
                                            "written by sat-config train (or Lightning)")
    expected = {k: v.shape for k, v in module.state_dict().items()}
    problem = describe_mismatch(expected, checkpoint["state_dict"])
    if problem:
        raise CheckpointFileError(path, f"does not fit this config's model: {problem}")
    return checkpoint
