"""The one ``$ref`` navigator: walks the schemas (or the bundle) with ``referencing``.

Every tool that reads schemas structurally (defaults for the checks, the key index behind
"belongs under" hints, ``explain``, the bundle, the reference docs) moves through them with a
:class:`Cursor`: a subschema plus the ``referencing`` resolver of the document it lives in, so a
``$ref`` (relative file, ``$defs`` pointer, JSON-pointer escapes ``~0``/``~1``, percent-encoding)
resolves exactly as the validators resolve it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from . import files

COMPOSITION = ("allOf", "oneOf", "anyOf")
CONDITIONAL = ("then", "else")
_MAX_REFS = 32  # a longer $ref chain is a cycle


class NavigationError(LookupError):
    """A ``$ref`` that resolves to nothing, or a chain of references that never ends."""


@cache
def registry() -> Registry:
    """Every schema file, keyed by its ``$id``."""
    return Registry().with_resources(
        (uri, DRAFT202012.create_resource(schema))
        for uri, schema in files.resources_by_uri().items())


@dataclass(frozen=True)
class Cursor:
    """A subschema and the resolver of the document it is in."""

    node: Any
    resolver: Any

    @property
    def schema(self) -> dict[str, Any]:
        return self.node if isinstance(self.node, dict) else {}

    def at(self, node: Any) -> Cursor:
        """A subschema of the same document."""
        return Cursor(node, self.resolver)

    def lookup(self, ref: str) -> Cursor:
        try:
            resolved = self.resolver.lookup(ref)
        except Unresolvable as exc:
            raise NavigationError(f"unresolvable $ref {ref!r}: {exc}") from None
        return Cursor(resolved.contents, resolved.resolver)

    def target(self) -> Cursor:
        """The end of this node's ``$ref`` chain (the node itself without a ``$ref``)."""
        cursor = self
        for _ in range(_MAX_REFS):
            ref = cursor.schema.get("$ref")
            if not isinstance(ref, str):
                return cursor
            cursor = cursor.lookup(ref)
        raise NavigationError(f"$ref chain longer than {_MAX_REFS} from {self.schema!r:.80}")

    def chain(self) -> list[Cursor]:
        """This node, then every node its ``$ref`` chain passes through."""
        out = [self]
        while isinstance(out[-1].schema.get("$ref"), str):
            if len(out) > _MAX_REFS:
                raise NavigationError("$ref chain too long")
            out.append(out[-1].lookup(out[-1].schema["$ref"]))
        return out

    def effective(self) -> Cursor:
        """The ``$ref`` chain merged into one schema; keywords written beside a ``$ref``
        (``description``, ``default``...) win over the target's."""
        layers = self.chain()
        if len(layers) == 1:
            return self
        merged: dict[str, Any] = {}
        for layer in reversed(layers):
            merged.update(layer.schema)
        merged.pop("$ref", None)
        return Cursor(merged, layers[-1].resolver)

    def branches(self, *, conditional: bool = False) -> Iterator[Cursor]:
        """This node (``$ref`` followed) and every subschema composed into it (``allOf``,
        ``oneOf``, ``anyOf``; ``then``/``else`` too with ``conditional``), depth first."""
        yield from self._branches(conditional, 0)

    def _branches(self, conditional: bool, depth: int) -> Iterator[Cursor]:
        if depth > _MAX_REFS:
            raise NavigationError("schema composition nests deeper than 32 levels")
        here = self.effective()
        yield here
        keywords = COMPOSITION + (CONDITIONAL if conditional else ())
        for keyword in keywords:
            value = here.schema.get(keyword)
            for branch in (value if isinstance(value, list) else [value] if value else []):
                yield from here.at(branch)._branches(conditional, depth + 1)

    def properties(self) -> Mapping[str, Any]:
        props = self.schema.get("properties")
        return props if isinstance(props, dict) else {}

    def items(self) -> Cursor | None:
        items = self.schema.get("items")
        return self.at(items) if isinstance(items, dict) else None


def root(name: str) -> Cursor:
    """The schema file ``name`` (``"autoencoder"``, ``"config"``...)."""
    uri = files.uri(name)
    return Cursor(files.load(name), registry().resolver(base_uri=uri))


def document(contents: dict[str, Any]) -> Cursor:
    """A self-contained document (the bundle), its references resolved inside it."""
    uri = contents.get("$id", "urn:sat-config:document")
    resource = DRAFT202012.create_resource(contents)
    return Cursor(contents, Registry().with_resource(uri, resource).resolver(base_uri=uri))
