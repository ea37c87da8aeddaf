"""Reference documentation generated from the schemas: one Markdown page per model type.

Each page documents every object the model type's config can contain, one section per object
(shared ones such as optimizer specs appear on every page that uses them), with a table of its
keys: type, default (or "required"), bounds and description, plus the cross-field rules the
schema states. Pages are written to ``docs/reference/`` (``make generate``)::

    python -m sat_config.schema.docs --write | --check
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import files as schemas
from . import navigate
from .bundle import RULE_KEYWORDS, build, effective, resolve_pointer

OUTPUT = Path("docs") / "reference"
"""Where ``--write`` puts the pages, relative to the repository root (a generated directory)."""

_BOUNDS = (("minimum", "≥ {}"), ("exclusiveMinimum", "> {}"), ("maximum", "≤ {}"),
           ("exclusiveMaximum", "< {}"), ("multipleOf", "multiple of {}"),
           ("minItems", "{}+ items"), ("maxItems", "≤ {} items"),
           ("minLength", "length ≥ {}"), ("maxLength", "length ≤ {}"),
           ("minProperties", "{}+ keys"), ("pattern", "matches `{}`"))
_SHOWN_PATHS = 3
_HEADER = ("<!-- Generated from schemas/ by `make generate` (python -m sat_config.schema.docs --write): "
           "do not edit. -->\n\n")


@dataclass
class Section:
    """One object schema, documented once per page."""

    key: str
    title: str
    schema: dict[str, Any]
    paths: list[str] = field(default_factory=list)
    anchor: str = ""


class _Page:
    """Collects the sections reachable from one root, in breadth-first order."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        self.bundle = bundle
        self.sections: dict[str, Section] = {}
        self.queue: deque[str] = deque()
        self.anchors: set[str] = set()

    def section_for(self, node: dict[str, Any], key: str, path: str) -> Section:
        """Register (once) the object schema ``node``, identified by ``key``, seen at ``path``."""
        if key not in self.sections:
            title = node.get("title") or path or "config"
            section = Section(key, title, node)
            section.anchor = self._anchor(title)
            self.sections[key] = section
            self.queue.append(key)
        section = self.sections[key]
        if path not in section.paths:
            section.paths.append(path)
        return section

    def _anchor(self, title: str) -> str:
        """GitHub's heading anchor, made unique the way GitHub does (``-1``, ``-2``...)."""
        base = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        anchor, n = base, 0
        while anchor in self.anchors:
            n += 1
            anchor = f"{base}-{n}"
        self.anchors.add(anchor)
        return anchor


# --- describing one schema --------------------------------------------------------------------


def _target_key(node: dict[str, Any], fallback: str, bundle: dict[str, Any]) -> str:
    """Identity of the schema ``node`` stands for: its final ``$ref`` target, else ``fallback``."""
    chain = navigate.document(bundle).at(node).chain()
    return chain[-2].schema["$ref"] if len(chain) > 1 else fallback


def _code(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def _type_text(schema: dict[str, Any], where: str, path: str, page: _Page) -> str:
    """Markdown for the type of ``schema`` (``where``: its pointer, for inline objects)."""
    node = effective(schema, page.bundle)
    if node.get("properties"):
        key = _target_key(schema, where, page.bundle)
        # the section documents the object itself, not the words written beside a $ref to it
        own = effective(resolve_pointer(page.bundle, key), page.bundle) if key != where else node
        section = page.section_for(own, key, path)
        return f"[{section.title}](#{section.anchor})"
    if "const" in node:
        return _code(node["const"])
    if "enum" in node:
        return "one of " + ", ".join(_code(v) for v in node["enum"])
    for keyword in ("oneOf", "anyOf"):
        if node.get(keyword):
            parts = [_type_text(alt, f"{where}/{keyword}/{i}", path, page)
                     for i, alt in enumerate(node[keyword])]
            parts = sorted(dict.fromkeys(parts), key=lambda part: part == "null")
            return " or ".join(parts)
    types = node.get("type")
    names = types if isinstance(types, list) else [types] if types else []
    names = sorted(names, key=lambda name: name == "null")  # "integer or null" reads better
    parts = [_simple_type(name, node, where, path, page) for name in names]
    return " or ".join(parts) if parts else "any"


def _simple_type(name: str, node: dict[str, Any], where: str, path: str, page: _Page) -> str:
    if name == "array" and isinstance(node.get("items"), dict):
        return "array of " + _type_text(node["items"], f"{where}/items", f"{path}[]", page)
    if name == "object":
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            return "map of " + _type_text(extra, f"{where}/additionalProperties",
                                          f"{path}.<name>", page)
        return "object (free-form)" if extra is not False else "object"
    return name


def _bounds_text(schema: dict[str, Any], bundle: dict[str, Any]) -> str:
    node = effective(schema, bundle)
    found = [fmt.format(node[k]) for k, fmt in _BOUNDS if k in node]
    items = node.get("items")
    if isinstance(items, dict):
        inner = effective(items, bundle)
        found += ["each " + fmt.format(inner[k]) for k, fmt in _BOUNDS if k in inner]
    return ", ".join(found)


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


# --- rendering --------------------------------------------------------------------------------


def _rules(node: dict[str, Any]) -> list[str]:
    """The cross-field rules of an object, in words."""
    found = []
    for rule in [node, *(node.get("allOf") or [])]:
        if rule is not node and rule.get("description") and any(k in rule for k in RULE_KEYWORDS):
            found.append(rule["description"])
        cond, then = rule.get("if"), rule.get("then")
        if rule is node and isinstance(cond, dict) and isinstance(then, dict) \
                and set(cond) == {"required"} and set(then) == {"required"}:
            needs = ", ".join(f"`{k}`" for k in then["required"])
            found.append(" and ".join(f"`{k}`" for k in cond["required"]) + f" set: {needs} required.")
    return found


def _render_section(section: Section, page: _Page) -> str:
    node = section.schema
    lines = [f"## {section.title}", ""]
    shown = ", ".join(f"`{p}`" for p in section.paths[:_SHOWN_PATHS] if p)
    more = len(section.paths) - _SHOWN_PATHS
    if shown:
        lines += [f"At {shown}" + (f" and {more} more places" if more > 0 else "") + ".", ""]
    if node.get("description"):
        lines += [node["description"], ""]
    required = set(node.get("required") or ())
    lines += ["| key | type | default | bounds | description |", "|---|---|---|---|---|"]
    base = section.paths[0] if section.paths else ""
    for key, prop in node["properties"].items():
        path = f"{base}.{key}" if base else key
        text = _type_text(prop, f"{section.key}/properties/{key}", path, page)
        sub = effective(prop, page.bundle)
        default = "**required**" if key in required else _code(sub["default"]) if "default" in sub else ""
        lines.append(f"| `{key}` | {_cell(text)} | {_cell(default)} | "
                     f"{_cell(_bounds_text(prop, page.bundle))} | {_cell(sub.get('description', ''))} |")
    rules = _rules(node)
    if rules:
        lines += ["", "Rules:", ""] + [f"- {_cell(r)}" for r in rules]
    return "\n".join(lines) + "\n"


def _render_page(title: str, intro: str, root_key: str, bundle: dict[str, Any]) -> str:
    page = _Page(bundle)
    root = effective(resolve_pointer(bundle, root_key), bundle)
    page.section_for(root, root_key, "")
    rendered = []
    while page.queue:
        rendered.append(_render_section(page.sections[page.queue.popleft()], page))
    head = f"{_HEADER}# {title}\n\n{intro}\n\n[All model types](README.md)\n\n{_toc(page)}"
    return "\n".join([head, *rendered])


def _toc(page: _Page) -> str:
    lines = [f"- [{s.title}](#{s.anchor})" + (f" `{s.paths[0]}`" if s.paths and s.paths[0] else "")
             for s in page.sections.values()]
    return "\n".join(lines) + "\n"


def pages(bundle: dict[str, Any] | None = None) -> dict[str, str]:
    """File name -> Markdown text, for every model type, dataset configs and an index."""
    bundle = bundle if bundle is not None else build()
    out: dict[str, str] = {}
    index = [f"{_HEADER}# Configuration reference", "",
             "Every key sat-config accepts, per model type: type, default (or required), "
             "bounds and description, generated from [`schemas/`](../../schemas). Rules JSON "
             "Schema cannot state are checked in Python only: "
             "[semantic checks](../semantic-checks.md).", "",
             "| config | schema |", "|---|---|"]
    for branch in bundle["oneOf"]:
        family = effective(branch, bundle)
        mt = family["properties"]["model_type"]["const"]
        intro = family.get("description", "")
        out[f"{mt}.md"] = _render_page(f"`{mt}` configs", intro, branch["$ref"], bundle)
        index.append(f"| [`{mt}`]({mt}.md) | {_cell(_first_sentence(intro))} |")
    dataset = resolve_pointer(bundle, f"#/$defs/{schemas.DATASET}")
    out["dataset.md"] = _render_dataset(dataset, bundle)
    index.append(f"| [dataset configs](dataset.md) | {_cell(_first_sentence(dataset.get('description', '')))} |")
    out["README.md"] = "\n".join(index) + "\n"
    return out


def _render_dataset(dataset: dict[str, Any], bundle: dict[str, Any]) -> str:
    page = _Page(bundle)
    alternatives = dataset.get("oneOf") or dataset.get("anyOf") or [dataset]
    for i, alt in enumerate(alternatives):
        node = effective(alt, bundle)
        page.section_for(node, _target_key(alt, f"#/$defs/{schemas.DATASET}/oneOf/{i}", bundle), "")
    rendered = []
    while page.queue:
        rendered.append(_render_section(page.sections[page.queue.popleft()], page))
    intro = dataset.get("description", "")
    head = f"{_HEADER}# Dataset configs\n\n{intro}\n\n[All model types](README.md)\n\n{_toc(page)}"
    return "\n".join([head, *rendered])


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?\.)(\s|$)", text.strip())
    return match.group(1) if match else text.strip()


# --- command line -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sat_config.schema.docs", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write the reference pages")
    mode.add_argument("--check", action="store_true", help="exit 1 when the pages are stale")
    parser.add_argument("--output", type=Path, default=None,
                        help=f"directory (default: {OUTPUT.as_posix()} in the checkout)")
    args = parser.parse_args(argv)
    target = args.output or schemas.CHECKOUT / OUTPUT
    fresh = {name: text.encode("utf-8") for name, text in pages().items()}
    present = {p.name: p.read_bytes() for p in target.glob("*.md")} if target.is_dir() else {}
    if args.write:
        target.mkdir(parents=True, exist_ok=True)
        for name in present.keys() - fresh.keys():
            (target / name).unlink()  # the directory is generated: drop pages of removed types
        for name, data in fresh.items():
            if present.get(name) != data:
                (target / name).write_bytes(data)
        return 0
    if present == fresh:
        return 0
    stale = sorted(n for n in fresh.keys() | present.keys() if present.get(n) != fresh.get(n))
    print(f"{target} is stale ({', '.join(stale)}): run `make generate` "
          "(python -m sat_config.schema.docs --write)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
