"""Checks of parts that several kinds share."""

from __future__ import annotations

from typing import Any


def positive(*values: Any) -> bool:
    """Every value is an integer >= 1: a size, count or factor a check may divide by.

    The schema bounds every such key (``minimum: 1``); the checks also run on documents the
    schema rejected (to report everything in one pass) and skip a division there, rather than
    divide by a ``0`` or ``false`` the schema issue already names.
    """
    return all(type(v) is int and v >= 1 for v in values)
