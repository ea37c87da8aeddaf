"""Schema defaults for the semantic checks, read from the schemas once.

A default is stated once, in the schema; the checks ask for it here instead of repeating it. The
lookup walks a path of property names through one schema, following ``$ref`` into other files
and the branches of ``allOf``/``oneOf``/``anyOf``; a ``key=value`` step keeps the branches of a
discriminated ``oneOf`` whose ``key`` is that constant, a ``[]`` step enters array items. Call it
at import time: the answer is cached, so no check walks a schema while validating.

The checks ask on the validation path, so their answers are walked once, by ``make generate``,
into ``generated/facts/defaults.json`` (:mod:`sat_config.schema.derived`), and read from there:
a cold ``sat-config validate`` neither walks the schemas nor imports the ``$ref`` navigator. A
question that file does not answer (a check added since ``make generate``, or schemas edited
since, which the file's fingerprint tells) is answered by walking the schemas: the same answer,
later.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from . import files

if TYPE_CHECKING:
    from .navigate import Cursor

FILE = "defaults.json"
"""The generated file of the checks' questions and their answers (in ``generated/facts``)."""
Question = tuple[str, tuple[str, ...]]
"""``(schema, path)``: the arguments of one :func:`defaults` call."""


class SchemaFactError(LookupError):
    """A path names no object in the schema: the checks and the schema disagree."""


def defaults(schema: str, *path: str) -> Mapping[str, Any]:
    """``{property: default}`` for every property with a default of the object at ``path``.

    ``defaults("diffusion_cond", "model", "diffusion", "type=dit", "config")`` gives the DiT
    config's defaults; ``defaults("lm")`` the top level's. Raises :class:`SchemaFactError` when
    the path leads nowhere.
    """
    return _defaults(schema, path)


_ASKED: dict[Question, None] = {}


@cache
def _defaults(schema: str, path: tuple[str, ...]) -> Mapping[str, Any]:
    found = _generated().get((schema, path))
    if found is None:
        found = walk_defaults(schema, path)
    _ASKED[schema, path] = None
    return MappingProxyType(found)


def asked() -> tuple[Question, ...]:
    """Every question :func:`defaults` has answered in this process, first asked first (the
    generator imports the checks in a fresh process and reads what they asked)."""
    return tuple(_ASKED)


@cache
def _generated() -> dict[Question, dict[str, Any]]:
    table = files.generated_facts(FILE)
    if table is None:
        return {}
    return {(entry["schema"], tuple(entry["path"])): entry["defaults"]
            for entry in table["defaults"]}


def walk_defaults(schema: str, path: tuple[str, ...]) -> dict[str, Any]:
    """:func:`defaults`'s answer, walked from the schemas (what the generated file stores)."""
    found: dict[str, Any] = {}
    for cursor in _object_at(schema, path):
        for key, prop in cursor.properties().items():
            if key not in found:
                value = _default(cursor.at(prop))
                if value is not _MISSING:
                    found[key] = value
    return found


def _object_at(schema: str, path: tuple[str, ...]) -> list[Cursor]:
    from .navigate import root  # referencing: only when the schemas are walked

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
