"""Schema defaults for the semantic checks, read from the schemas once.

A default is stated once, in the schema; the checks ask for it here instead of repeating it. The
lookup walks a path of property names through one schema, following ``$ref`` into other files
and the branches of ``allOf``/``oneOf``/``anyOf``; a ``key=value`` step keeps the branches of a
discriminated ``oneOf`` whose ``key`` is that constant, a ``[]`` step enters array items. Call it
at import time: the walk costs microseconds and the answer is cached, so no check walks a schema
while validating.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

from .navigate import Cursor, root


class SchemaFactError(LookupError):
    """A path names no object in the schema: the checks and the schema disagree."""


def defaults(schema: str, *path: str) -> Mapping[str, Any]:
    """``{property: default}`` for every property with a default of the object at ``path``.

    ``defaults("diffusion_cond", "model", "diffusion", "type=dit", "config")`` gives the DiT
    config's defaults; ``defaults("lm")`` the top level's. Raises :class:`SchemaFactError` when
    the path leads nowhere.
    """
    return _defaults(schema, path)


@cache
def _defaults(schema: str, path: tuple[str, ...]) -> Mapping[str, Any]:
    found: dict[str, Any] = {}
    for cursor in _object_at(schema, path):
        for key, prop in cursor.properties().items():
            if key not in found:
                value = _default(cursor.at(prop))
                if value is not _MISSING:
                    found[key] = value
    return MappingProxyType(found)


def _object_at(schema: str, path: tuple[str, ...]) -> list[Cursor]:
    nodes = list(root(schema).branches())
    for step in path:
        if step == "[]":
            nodes = [m for c in nodes if (items := c.items()) is not None
                     for m in items.branches()]
        elif "=" in step:
            key, value = step.split("=", 1)
            nodes = [c for c in nodes if _admits(c, key, value)]
        else:
            nodes = [m for c in nodes if step in c.properties()
                     for m in c.at(c.properties()[step]).branches()]
        if not nodes:
            raise SchemaFactError(f"{schema}.schema.json has no object at {'.'.join(path)!r} "
                                  f"(stuck at {step!r})")
    return nodes


def _admits(cursor: Cursor, key: str, value: str) -> bool:
    """False only for a branch that fixes ``key`` to something other than ``value``."""
    prop = cursor.properties().get(key)
    if prop is None:
        return True
    prop = cursor.at(prop).target().schema
    if "const" in prop:
        return prop["const"] == value
    return "enum" not in prop or value in prop["enum"]


_MISSING = object()


def _default(cursor: Cursor) -> Any:
    """The default stated on a property or on a definition its ``$ref`` chain passes."""
    for layer in cursor.chain():
        if "default" in layer.schema:
            return layer.schema["default"]
    return _MISSING
