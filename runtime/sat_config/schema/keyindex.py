"""Where each key name is allowed in a model type's schema (for "belongs under ..." hints)."""

from __future__ import annotations

from functools import cache

from . import files
from .navigate import Cursor, root

_MAX_DEPTH = 12


@cache
def _index(family: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    found: dict[str, set[tuple[str, ...]]] = {}
    _walk(root(family), (), found, set(), 0)
    return {k: tuple(sorted(v)) for k, v in found.items()}


def where_allowed(family: str, key: str) -> tuple[tuple[str, ...], ...]:
    """Object paths (key tuples, array levels skipped) in ``family`` where ``key`` is a property."""
    if family not in files.names():
        return ()
    return _index(family).get(key, ())


def _walk(cursor: Cursor, path: tuple[str, ...], found: dict, seen: set, depth: int) -> None:
    if not isinstance(cursor.node, dict) or depth > _MAX_DEPTH:
        return
    marker = (id(cursor.node), path)
    if marker in seen:
        return
    seen.add(marker)
    here = cursor.target()
    for key, sub in here.properties().items():
        found.setdefault(key, set()).add(path)
        _walk(here.at(sub), (*path, key), found, seen, depth + 1)
    for keyword in ("oneOf", "anyOf", "allOf"):
        for sub in here.schema.get(keyword) or []:
            _walk(here.at(sub), path, found, seen, depth + 1)
    for keyword in ("items", "additionalProperties", "then", "else"):
        if isinstance(here.schema.get(keyword), dict):
            _walk(here.at(here.schema[keyword]), path, found, seen, depth + 1)
