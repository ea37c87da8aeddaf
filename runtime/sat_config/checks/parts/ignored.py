"""Keys a kind knows but does not read: a warning that says what the kind uses instead.

A key the schema declares for the model type can still be ignored by the kind that trains it
(ARC post-training reads another set of ``training`` keys than the standard diffusion wrapper).
Such a key is not a typo, so it is not an error; but the run will not do what it says, so the
user hears about it (``--strict`` turns these warnings into errors). Unknown or misplaced keys
stay errors (the schema's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import Issue, warn

Ignored = Mapping[tuple[str, ...], str]
"""key path (below the section) -> what the kind uses instead"""


def ignored_keys(out: list[Issue], section: Any, path: str, keys: Ignored, reader: str) -> None:
    """One ``ignored-key`` warning per key of ``keys`` present in ``section`` (at ``path``)."""
    for key_path, instead in keys.items():
        node = section
        for key in key_path:
            node = node.get(key) if isinstance(node, dict) else None
            if node is None:
                break
        else:
            where = ".".join((path, *key_path))
            out.append(warn(where, f"{key_path[-1]!r} is not read by {reader}: it has no effect",
                            "ignored-key", instead))
