"""Describe one key from the schemas: type, default, bounds, allowed values, description."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import files
from .navigate import Cursor, root

_BOUNDS = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf",
           "minItems", "maxItems", "minLength", "maxLength", "pattern")


@dataclass
class KeyInfo:
    model_type: str
    path: str
    context: str
    """Title of the object that holds the key (e.g. ``OobleckEncoderConfig``)."""
    schema: dict[str, Any]
    required: bool = False
    notes: list[str] = field(default_factory=list)
    cursor: Cursor | None = field(default=None, repr=False, compare=False)
    """Where ``schema`` lives, so nested ``$ref`` in it resolve."""

    def format(self) -> str:
        s = self.schema
        lines = [f"{self.model_type}: {self.path}" + (f"  (in {self.context})" if self.context else "")]
        lines.append(f"  type:        {describe_type(self.cursor or Cursor(s, None))}")
        if self.required:
            lines.append("  required:    yes")
        elif "default" in s:
            lines.append(f"  default:     {json.dumps(s['default'])}")
        if "const" in s:
            lines.append(f"  value:       {json.dumps(s['const'])}")
        if "enum" in s:
            lines.append(f"  one of:      {', '.join(json.dumps(v) for v in s['enum'])}")
        bounds = [f"{k} {json.dumps(s[k])}" for k in _BOUNDS if k in s]
        if bounds:
            lines.append(f"  bounds:      {', '.join(bounds)}")
        text = s.get("description")
        if text:
            lines.append("  " + text.replace("\n", "\n  "))
        return "\n".join(lines)


def describe_type(cursor: Cursor) -> str:
    s = cursor.schema
    if "type" in s:
        t = s["type"]
        base = " | ".join(t) if isinstance(t, list) else t
        if base == "array" and isinstance(s.get("items"), dict):
            base = f"array of {describe_type(cursor.at(s['items']).effective()) or 'any'}"
        return base
    for key in ("oneOf", "anyOf"):
        if key in s:
            parts = []
            for branch in s[key]:
                target = cursor.at(branch).effective()
                parts.append(target.schema.get("title") or describe_type(target))
            return " | ".join(p for p in parts if p)
    if "$ref" in s:
        return describe_type(cursor.effective())
    if "const" in s:
        return type(s["const"]).__name__
    return "any"


def _split(path: str) -> list[str]:
    path = path.strip()
    if path == "$" or path.startswith(("$.", "$[")):  # a JSON path; "$schema" is a key
        path = path[1:]
    parts = [p for p in re.split(r"\.|\[[^\]]*\]", path) if p]
    return parts


def _containers(cursor: Cursor) -> list[Cursor]:
    """Object schemas reachable from ``cursor`` without consuming a key (branches, array items)."""
    result = []
    for alt in cursor.branches(conditional=True):
        result.append(alt)
        items = alt.items()
        if items is not None:
            result.extend(_containers(items))
    return result


def explain(path: str, model_type: str | None = None, *,
            roots: Mapping[str, Cursor] | None = None) -> list[KeyInfo]:
    """Every schema location that ``path`` (``training.demo.demo_every``) names, in every model
    type's schema (or ``roots``: model type -> schema cursor)."""
    parts = _split(path)
    if roots is None:
        types = [model_type] if model_type else list(files.model_types())
        roots = {mt: root(mt) for mt in types}
    found: list[KeyInfo] = []
    for mt, start in roots.items():
        frontier = [start]
        for i, key in enumerate(parts):
            nxt = []
            for cursor in frontier:
                for alt in _containers(cursor):
                    props = alt.properties()
                    if key in props:
                        req = key in (alt.schema.get("required") or [])
                        nxt.append((alt.at(props[key]), alt.schema.get("title", ""), req))
            if i == len(parts) - 1:
                seen = set()
                for sub, title, req in nxt:
                    resolved = sub.effective()
                    ident = (title, json.dumps(resolved.schema, sort_keys=True)[:2000])
                    if ident in seen:
                        continue
                    seen.add(ident)
                    found.append(KeyInfo(mt, ".".join(parts), title, resolved.schema, req,
                                         cursor=resolved))
            frontier = [c for c, _, _ in nxt]
            if not frontier:
                break
    return found
