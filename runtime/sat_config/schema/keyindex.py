"""Where each key name is allowed in a model type's schema (for "belongs under ..." hints).

The index of every schema is walked by ``make generate`` into the generated facts file
(:mod:`sat_config.schema.derived`) and read from there; a schema that file does not cover (or
schemas edited since, which its fingerprint tells) is walked here, with the same result.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from . import files

if TYPE_CHECKING:
    from .navigate import Cursor

_MAX_DEPTH = 12
FILE = "key-index.json"
"""The generated file of every schema's key index (in ``generated/facts``)."""

KeyIndex = dict[str, tuple[tuple[str, ...], ...]]
"""key name -> the object paths (key tuples, array levels skipped) where it is a property."""


def where_allowed(family: str, key: str) -> tuple[tuple[str, ...], ...]:
    """Object paths (key tuples, array levels skipped) in ``family`` where ``key`` is a property."""
    if family not in files.names():
        return ()
    return _index(family).get(key, ())


@cache
def _index(family: str) -> KeyIndex:
    stored = _generated()
    return stored[family] if family in stored else walk(family)


@cache
def _generated() -> dict[str, KeyIndex]:
    table = files.generated_facts(FILE)
    if table is None:
        return {}
    paths = [tuple(p) for p in table["paths"]]
    return {family: {key: tuple(paths[i] for i in where) for key, where in keys.items()}
            for family, keys in table["keys"].items()}


@cache
def walk(family: str) -> KeyIndex:
    """The index of schema ``family``, walked from the schemas (what the generated file stores)."""
    from .navigate import root  # referencing: only when the schemas are walked

    found: dict[str, set[tuple[str, ...]]] = {}
    _walk(root(family), (), found, set(), 0)
    return {k: tuple(sorted(v)) for k, v in found.items()}


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
