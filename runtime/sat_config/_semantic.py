"""Checks JSON Schema cannot express (cross-references between distant keys).

Each model type's checks live in their own module and yield :class:`Issue` objects with the same
shape as schema issues. They read the raw, schema-shaped dict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ._errors import Issue

Check = Callable[[dict[str, Any]], Iterator[Issue]]

_STRUCTURAL = (KeyError, IndexError, TypeError, AttributeError, ValueError)


def _checks_for(model_type: Any) -> list[Check]:
    from . import _semantic_autoencoder, _semantic_diffusion

    if model_type == "autoencoder":
        return [_semantic_autoencoder.checks]
    return [_semantic_diffusion.checks]


def semantic_issues(data: dict[str, Any], *, schema_valid: bool) -> list[Issue]:
    """Issues of every semantic check for ``data``.

    On a document that already failed the schema, a check may meet a shape it does not expect;
    the schema issue describes that place, so such a check is skipped rather than reported twice.
    """
    issues: list[Issue] = []
    for check in _checks_for(data.get("model_type")):
        try:
            issues.extend(check(data))
        except _STRUCTURAL:
            if schema_valid:
                raise
    return issues
