"""Loading weights from files without running code from them."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import torch


class UnsafeCheckpointError(ValueError):
    """A checkpoint holds objects a weights-only load refuses (it may try to run code)."""


def load_state_dict(path: str | Path, key: str = "state_dict") -> dict[str, Any]:
    """The ``key`` entry of a checkpoint, loaded with ``torch.load(..., weights_only=True)``.

    Only tensors and plain containers are unpickled; anything else (a pickle whose
    ``__reduce__`` would call a function) is refused and nothing it carries runs.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise UnsafeCheckpointError(
            f"{path}: refused to load: not a weights-only checkpoint ({exc})".split("\n")[0]) \
            from None
    if not isinstance(checkpoint, dict) or key not in checkpoint:
        raise ValueError(f"{path}: no {key!r} entry in the checkpoint")
    return checkpoint[key]
