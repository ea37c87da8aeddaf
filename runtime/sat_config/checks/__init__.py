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

from ..errors import Issue, PathTuple, err, json_path
from ..kinds import kind_of
from ..parsing.document import integral_floats_as_ints
from .parts.optimizers import check_optimizers

# What a check meets on a value the schema rejected: a missing key, a string where a number
# belongs, a zero (or ``false``) it divides by. On a schema-valid document each is a bug.
STRUCTURAL = (KeyError, IndexError, TypeError, AttributeError, ValueError, ArithmeticError)

INT64 = 2 ** 63
"""The runtime stores integers (sizes, counts, steps, seeds) as 64-bit integers."""


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
    data = data if normalized else integral_floats_as_ints(data)
    issues.extend(integer_range_issues(data))
    if issues:  # the kind's checks reason about numbers the runtime can hold
        return issues
    check = kind.part("checks")
    try:
        issues.extend(check(data))
        check_optimizers(issues, data.get("training"))
    except STRUCTURAL:
        if schema_valid:
            raise
    return issues


def integer_range_issues(data: Any) -> list[Issue]:
    """An integer the runtime cannot hold (beyond 64 bits: an integral float such as ``1e20``
    counts, as JSON Schema reads it) would fail deep inside torch; said here with its path."""
    if not _has_huge_int(data):  # the common case, without building paths
        return []
    out: list[Issue] = []
    stack: list[tuple[Any, PathTuple]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if type(value) is dict:
            stack.extend((v, (*path, k)) for k, v in value.items())
        elif type(value) is list:
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
        elif type(value) is int and not -INT64 <= value < INT64:
            # str() of a huge int is slow, and refused past 4300 digits
            shown = str(value) if value.bit_length() <= 100 else \
                f"an integer of {value.bit_length()} bits"
            out.append(err(json_path(path), f"{shown} does not fit the runtime's 64-bit "
                           "integers", "integer-range",
                           f"use a value from -2**63 to 2**63 - 1 ({INT64 - 1})"))
    return sorted(out, key=lambda i: i.path)


def _has_huge_int(data: Any) -> bool:
    stack = [data]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is dict:
            stack.extend(value.values())
        elif kind is list:
            stack.extend(value)
        elif kind is int and not -INT64 <= value < INT64:
            return True
    return False
