"""Describe one key from the schemas: type, default, bounds, allowed values, description."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from . import files as schemas

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

    def format(self) -> str:
        s = self.schema
        lines = [f"{self.model_type}: {self.path}" + (f"  (in {self.context})" if self.context else "")]
        lines.append(f"  type:        {describe_type(s)}")
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


def describe_type(s: dict[str, Any]) -> str:
    if "type" in s:
        t = s["type"]
        base = " | ".join(t) if isinstance(t, list) else t
        if base == "array" and isinstance(s.get("items"), dict):
            base = f"array of {describe_type(_resolve(s['items'], '')[0]) or 'any'}"
        return base
    for key in ("oneOf", "anyOf"):
        if key in s:
            parts = []
            for branch in s[key]:
                target = _resolve(branch, "")[0] if "$ref" in branch else branch
                parts.append(target.get("title") or describe_type(target))
            return " | ".join(p for p in parts if p)
    if "$ref" in s:
        return describe_type(_resolve(s, "")[0])
    if "const" in s:
        return type(s["const"]).__name__
    return "any"


def _resolve(node: dict[str, Any], doc: str) -> tuple[dict[str, Any], str]:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 20:
        file, _, pointer = node["$ref"].partition("#")
        doc = schemas.name_of(file) if file else doc
        target: Any = schemas.load(doc)
        for part in [p for p in pointer.split("/") if p]:
            target = target[part]
        # keep annotations written beside the $ref (description, default)
        extra = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **extra}
        seen += 1
    return node, doc


def _split(path: str) -> list[str]:
    path = path.strip()
    if path.startswith("$"):
        path = path[1:]
    parts = [p for p in re.split(r"\.|\[[^\]]*\]", path) if p]
    return parts


def _alternatives(node: dict[str, Any], doc: str) -> list[tuple[dict[str, Any], str]]:
    node, doc = _resolve(node, doc)
    out = [(node, doc)]
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in node.get(key) or []:
            out.extend(_alternatives(branch, doc))
    for key in ("then", "else"):
        if isinstance(node.get(key), dict):
            out.extend(_alternatives(node[key], doc))
    return out


def _containers(node: dict[str, Any], doc: str) -> list[tuple[dict[str, Any], str]]:
    """Object schemas reachable from ``node`` without consuming a key (branches, array items)."""
    result = []
    for alt, alt_doc in _alternatives(node, doc):
        result.append((alt, alt_doc))
        items = alt.get("items")
        if isinstance(items, dict):
            result.extend(_containers(items, alt_doc))
    return result


def explain(path: str, model_type: str | None = None) -> list[KeyInfo]:
    """Every schema location that ``path`` (``training.demo.demo_every``) names."""
    parts = _split(path)
    types = [model_type] if model_type else list(schemas.model_types())
    found: list[KeyInfo] = []
    for mt in types:
        frontier = [(schemas.load(mt), mt, "")]
        for i, key in enumerate(parts):
            nxt = []
            for node, doc, _ in frontier:
                for alt, alt_doc in _containers(node, doc):
                    props = alt.get("properties") or {}
                    if key in props:
                        req = key in (alt.get("required") or [])
                        nxt.append((props[key], alt_doc, alt.get("title", ""), req))
            if i == len(parts) - 1:
                seen = set()
                for sub, sub_doc, title, req in nxt:
                    resolved, _ = _resolve(sub, sub_doc)
                    ident = (title, json.dumps(resolved, sort_keys=True)[:2000])
                    if ident in seen:
                        continue
                    seen.add(ident)
                    found.append(KeyInfo(mt, ".".join(parts), title, resolved, req))
            frontier = [(s, d, t) for s, d, t, _ in nxt]
            if not frontier:
                break
    return found
