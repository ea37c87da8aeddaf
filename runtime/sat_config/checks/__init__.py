"""Checks JSON Schema cannot express (cross-references between distant keys).

Each kind's checks live in its folder (``kinds/<kind>/checks.py``, named by the table in
``sat_config.kinds``); checks of parts that several kinds share live in ``checks/parts``. They
return :class:`Issue` objects with the same shape as schema issues. They read the schema-shaped dict with JSON Schema's numbers: an
integral float such as ``2.0`` is the integer ``2`` (:func:`integral_floats_as_ints`), so a check
may slice, ``range`` or multiply by any value the schema types ``integer``.
``docs/semantic-checks.md`` lists every rule.
"""

from __future__ import annotations

from typing import Any

from ..errors import Issue
from ..kinds import kind_of
from ..parsing.document import integral_floats_as_ints

_STRUCTURAL = (KeyError, IndexError, TypeError, AttributeError, ValueError)


def semantic_issues(data: dict[str, Any], *, schema_valid: bool,
                    normalized: bool = False) -> list[Issue]:
    """Issues of every semantic check for ``data``.

    On a document that already failed the schema, a check may meet a shape it does not expect;
    the schema issue describes that place, so the check stops there (keeping what it found)
    rather than reporting the place twice. Integral floats are read as the ints they equal;
    ``normalized=True`` says ``data`` has been through :func:`integral_floats_as_ints` already.
    """
    kind = kind_of(data)
    issues: list[Issue] = []
    if kind is None:
        return issues
    check = kind.part("checks")
    try:
        issues.extend(check(data if normalized else integral_floats_as_ints(data)))
    except _STRUCTURAL:
        if schema_valid:
            raise
    return issues
