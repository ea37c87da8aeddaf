"""Checks JSON Schema cannot express (cross-references between distant keys).

Each model type's checks live in their own modules and return :class:`Issue` objects with the
same shape as schema issues. They read the schema-shaped dict with JSON Schema's numbers: an
integral float such as ``2.0`` is the integer ``2`` (:func:`integral_floats_as_ints`), so a check
may slice, ``range`` or multiply by any value the schema types ``integer``.
``docs/semantic-checks.md`` lists every rule.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module
from typing import Any

from ._errors import Issue
from ._parse import integral_floats_as_ints

Check = Callable[[dict[str, Any]], list[Issue]]

_STRUCTURAL = (KeyError, IndexError, TypeError, AttributeError, ValueError)


# model_type -> (module, function): each type's checks load (and read their schema) on first use.
_CHECKS = {
    "autoencoder": ("_semantic_autoencoder", "checks"),
    "diffusion_uncond": ("_semantic_diffusion", "uncond_checks"),
    "diffusion_cond": ("_semantic_diffusion", "cond_checks"),
    "diffusion_cond_inpaint": ("_semantic_diffusion", "cond_checks"),
    "diffusion_autoencoder": ("_semantic_dae", "dae_checks"),
    "lm": ("_semantic_lm", "lm_checks"),
}


@cache
def checks_for(model_type: str) -> Check | None:
    """The semantic checks of ``model_type`` (None for a type without any)."""
    entry = _CHECKS.get(model_type)
    if entry is None:
        return None
    return getattr(import_module(f".{entry[0]}", __package__), entry[1])


def semantic_issues(data: dict[str, Any], *, schema_valid: bool,
                    normalized: bool = False) -> list[Issue]:
    """Issues of every semantic check for ``data``.

    On a document that already failed the schema, a check may meet a shape it does not expect;
    the schema issue describes that place, so the check stops there (keeping what it found)
    rather than reporting the place twice. Integral floats are read as the ints they equal;
    ``normalized=True`` says ``data`` has been through :func:`integral_floats_as_ints` already.
    """
    model_type = data.get("model_type")
    check = checks_for(model_type) if isinstance(model_type, str) else None
    issues: list[Issue] = []
    if check is None:
        return issues
    try:
        issues.extend(check(data if normalized else integral_floats_as_ints(data)))
    except _STRUCTURAL:
        if schema_valid:
            raise
    return issues
