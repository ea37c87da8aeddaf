"""Schema defaults for the semantic checks, read from the schemas once.

A default is stated once, in the schema; the checks ask for it here instead of repeating it. The
lookup walks a path of property names through one schema, following ``$ref`` into other files
and the branches of ``allOf``/``oneOf``/``anyOf``; a ``key=value`` step keeps the branches of a
discriminated ``oneOf`` whose ``key`` is that constant, a ``[]`` step enters array items. Call it
at import time: the walk costs microseconds and the answer is cached, so no check walks a schema
while validating.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

from . import files as schemas

Node = tuple[str, dict]  # (schema name, subschema)
_COMPOSITION = ("allOf", "oneOf", "anyOf")


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
    for name, node in _object_at(schema, path):
        for key, prop in (node.get("properties") or {}).items():
            if key not in found:
                value = _default(name, prop)
                if value is not _MISSING:
                    found[key] = value
    return MappingProxyType(found)


def _object_at(schema: str, path: tuple[str, ...]) -> list[Node]:
    nodes = list(_flatten((schema, schemas.load(schema))))
    for step in path:
        if step == "[]":
            nodes = [m for name, node in nodes if isinstance(node.get("items"), dict)
                     for m in _flatten((name, node["items"]))]
        elif "=" in step:
            key, value = step.split("=", 1)
            nodes = [n for n in nodes if _admits(n, key, value)]
        else:
            nodes = [m for name, node in nodes if step in (node.get("properties") or {})
                     for m in _flatten((name, node["properties"][step]))]
        if not nodes:
            raise SchemaFactError(f"{schema}.schema.json has no object at {'.'.join(path)!r} "
                                  f"(stuck at {step!r})")
    return nodes


def _flatten(node: Node, depth: int = 0) -> Iterator[Node]:
    """``node`` and every subschema composed into it, with ``$ref`` resolved."""
    if depth > 32:
        raise SchemaFactError("schema composition nests deeper than 32 levels")
    name, schema = _resolve(node)
    yield name, schema
    for keyword in _COMPOSITION:
        for branch in schema.get(keyword) or ():
            yield from _flatten((name, branch), depth + 1)


def _resolve(node: Node) -> Node:
    name, schema = node
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema:
        file, _, pointer = schema["$ref"].partition("#")
        name = schemas.name_of(file) if file else name
        schema = schemas.load(name)
        for part in filter(None, pointer.split("/")):
            schema = schema[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
        if seen > 32:
            raise SchemaFactError(f"$ref chain too long in {name}.schema.json")
    return name, schema


def _admits(node: Node, key: str, value: str) -> bool:
    """False only for a branch that fixes ``key`` to something other than ``value``."""
    prop = (node[1].get("properties") or {}).get(key)
    if prop is None:
        return True
    _, prop = _resolve((node[0], prop))
    if "const" in prop:
        return prop["const"] == value
    return "enum" not in prop or value in prop["enum"]


_MISSING = object()


def _default(name: str, prop: dict) -> Any:
    """The default stated on a property or on the definition it refers to."""
    while True:
        if not isinstance(prop, dict):
            return _MISSING
        if "default" in prop:
            return prop["default"]
        if "$ref" not in prop:
            return _MISSING
        name, prop = _resolve((name, {"$ref": prop["$ref"]}))
