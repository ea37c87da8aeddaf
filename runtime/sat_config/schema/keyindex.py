"""Where each key name is allowed in a model type's schema (for "belongs under ..." hints)."""

from __future__ import annotations

from functools import cache
from typing import Any

from . import files as schemas

_MAX_DEPTH = 12


@cache
def _index(family: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    found: dict[str, set[tuple[str, ...]]] = {}
    _walk(schemas.load(family), family, (), found, set(), 0)
    return {k: tuple(sorted(v)) for k, v in found.items()}


def where_allowed(family: str, key: str) -> tuple[tuple[str, ...], ...]:
    """Object paths (key tuples, array levels skipped) in ``family`` where ``key`` is a property."""
    if family not in schemas.names():
        return ()
    return _index(family).get(key, ())


def _resolve(node: dict[str, Any], doc: str) -> tuple[dict[str, Any], str]:
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node, doc
    file, _, pointer = ref.partition("#")
    target_doc = schemas.name_of(file) if file else doc
    target: Any = schemas.load(target_doc)
    for part in [p for p in pointer.split("/") if p]:
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target, target_doc


def _walk(node: Any, doc: str, path: tuple[str, ...], found: dict, seen: set, depth: int) -> None:
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return
    marker = (id(node), path)
    if marker in seen:
        return
    seen.add(marker)
    node, doc = _resolve(node, doc)
    for key, sub in (node.get("properties") or {}).items():
        found.setdefault(key, set()).add(path)
        _walk(sub, doc, (*path, key), found, seen, depth + 1)
    for keyword in ("oneOf", "anyOf", "allOf"):
        for sub in node.get(keyword) or []:
            _walk(sub, doc, path, found, seen, depth + 1)
    for keyword in ("items", "additionalProperties", "then", "else"):
        if isinstance(node.get(keyword), dict):
            _walk(node[keyword], doc, path, found, seen, depth + 1)
