"""One self-contained schema file for editors and other languages.

The bundle is the root ``config`` schema with every other schema file embedded under
``$defs/<name>`` (``$defs/common``, ``$defs/autoencoder``, ``$defs/dataset``...) and every ``$ref``
rewritten to a JSON pointer inside the bundle. Nothing in it points to another file or URL, so a
tool reads it as is: ajv without ``addSchema``, VS Code's ``json.schemas`` with one ``url``,
json-schema-to-typescript. Dataset configs validate against ``<bundle $id>#/$defs/dataset``.

Three changes serve editors and leave every verdict alone:

- every documented property also carries a ``markdownDescription`` that repeats the description
  and adds the default, whether it is required and its bounds: VS Code's JSON service and
  yaml-language-server show only the description in a hover, and escape the backticks in a plain
  ``description``;
- a ``description`` inside a rule (under ``if``/``then``/``else``/``not``) becomes its
  ``errorMessage``, and a key that is rejected with ``not`` gets its description as
  ``errorMessage`` too: the editors show the first description they meet, and they meet a rule's
  before the key's own, while ``errorMessage`` is what they print when the rule fails;
- a ``type`` list names the default's type first (``["null", "string"]`` for a null default):
  yaml-language-server 1.25 formats a default by the first listed type, and a null default under
  ``["string", "null"]`` makes it abandon completion for the whole enclosing object.

The file is generated (``make generate``) to ``generated/bundle/sat-config.schema.json`` and
shipped in the wheel as ``sat_config/_bundle/sat-config.schema.json``::

    python -m sat_config.schema.bundle --write | --check
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import files as schemas
from . import navigate
from .navigate import NavigationError

FILE_NAME = schemas.BUNDLE_FILE
BUNDLE_ID = schemas.BASE_URI + FILE_NAME
COMMITTED = schemas.BUNDLE_IN_CHECKOUT
"""Where ``--write`` puts the bundle, relative to the repository root."""

# Keywords whose values are data, not schemas: a "$ref" key inside them is not a reference.
DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples", "defaultSnippets",
                           "enumDescriptions", "markdownEnumDescriptions"})
# Subschemas under these keywords state rules; they do not document keys.
RULE_KEYWORDS = frozenset({"if", "then", "else", "not"})
_BOUNDS = (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"),
           ("exclusiveMaximum", "<"), ("multipleOf", "multiple of"), ("minItems", "at least"),
           ("maxItems", "at most"), ("minLength", "length ≥"), ("maxLength", "length ≤"),
           ("pattern", "matches"))
_COMMENT = ("Generated from schemas/ by `make generate` (python -m sat_config.schema.bundle --write): "
            "do not edit.")


class BundleError(ValueError):
    """The schema files cannot be bundled (a reference to a missing file or location)."""


def build(files: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The bundled schema, built from ``files`` (name -> schema; default: every shipped schema)."""
    files = files if files is not None else {n: schemas.load(n) for n in schemas.names()}
    if schemas.ROOT not in files:
        raise BundleError(f"no root schema {schemas.ROOT!r} among {sorted(files)}")
    root = _rewrite_file(files[schemas.ROOT], schemas.ROOT, files)
    embedded = {name: _rewrite_file(files[name], name, files)
                for name in sorted(files) if name != schemas.ROOT}
    for body in embedded.values():
        for key in ("$schema", "$id"):
            body.pop(key, None)  # an embedded $id would re-base the "#/..." pointers inside it
    if "$defs" in root:
        raise BundleError("the root schema has its own $defs; the bundle needs that name")
    bundle = {"$schema": root.pop("$schema"), "$id": BUNDLE_ID, "$comment": _COMMENT}
    root.pop("$id", None)
    bundle.update(root)
    bundle["$defs"] = embedded
    _check_refs(bundle)
    _rule_texts_to_messages(bundle)
    _annotate(bundle)
    _default_type_first(bundle)
    return bundle


def bundle_text(files: Mapping[str, dict[str, Any]] | None = None) -> str:
    """The bundle as it is written to disk (deterministic bytes once encoded as UTF-8)."""
    return json.dumps(build(files), indent=2, ensure_ascii=False) + "\n"


# --- references -------------------------------------------------------------------------------


def _pointer_token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _target_name(ref_file: str, here: str, files: Mapping[str, Any]) -> str:
    if not ref_file:
        return here
    if ref_file.startswith(("http://", "https://")) and not ref_file.startswith(schemas.BASE_URI):
        raise BundleError(f"{here}: reference to a foreign schema {ref_file!r}")
    name = schemas.name_of(ref_file)
    if name not in files:
        raise BundleError(f"{here}.schema.json refers to {ref_file!r}, which is not in schemas/")
    return name


def _rewrite_file(schema: dict[str, Any], name: str, files: Mapping[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(schema)
    for node in _schema_nodes(body):
        ref = node.get("$ref")
        if isinstance(ref, str):
            ref_file, _, pointer = ref.partition("#")
            target = _target_name(ref_file, name, files)
            base = "#" if target == schemas.ROOT else f"#/$defs/{_pointer_token(target)}"
            node["$ref"] = base + pointer
    return body


def _schema_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object under ``node`` (data under ``default``, ``examples``... skipped)."""
    for sub, _ in _schema_nodes_in_context(node):
        yield sub


def _schema_nodes_in_context(node: Any, in_rule: bool = False) -> Iterator[tuple[dict, bool]]:
    """``(schema, in_rule)`` pairs: ``in_rule`` for anything under ``if``/``then``/``else``/``not``."""
    if isinstance(node, dict):
        yield node, in_rule
        for key, value in node.items():
            if key not in DATA_KEYWORDS:
                yield from _schema_nodes_in_context(value, in_rule or key in RULE_KEYWORDS)
    elif isinstance(node, list):
        for value in node:
            yield from _schema_nodes_in_context(value, in_rule)


def resolve_pointer(document: Any, ref: str) -> Any:
    """The node a ``#/a/b`` reference names inside ``document`` (:class:`NavigationError` if
    absent)."""
    return navigate.document(document).lookup(ref).node


def _check_refs(bundle: dict[str, Any]) -> None:
    for node in _schema_nodes(bundle):
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                resolve_pointer(bundle, ref)
            except NavigationError:
                raise BundleError(f"dangling reference {ref!r} in the bundle") from None


def effective(node: dict[str, Any], bundle: dict[str, Any]) -> dict[str, Any]:
    """``node`` with its ``$ref`` chain merged in; keywords written beside a ``$ref`` win."""
    return navigate.document(bundle).at(node).effective().schema


# --- editor annotations -----------------------------------------------------------------------


def _rule_texts_to_messages(bundle: dict[str, Any]) -> None:
    for node, in_rule in _schema_nodes_in_context(bundle):
        if in_rule and "description" in node:
            node.setdefault("errorMessage", node.pop("description"))
        elif "not" in node and "description" in node:
            node.setdefault("errorMessage", node["description"])


def _annotate(bundle: dict[str, Any]) -> None:
    """Add the hover text (``markdownDescription``) to every documented property."""
    for node, in_rule in list(_schema_nodes_in_context(bundle)):
        props = node.get("properties")
        if in_rule or not isinstance(props, dict):
            continue
        required = set(node.get("required") or ())
        for key, prop in props.items():
            if isinstance(prop, dict):
                text = hover_text(effective(prop, bundle), key in required)
                if text:
                    prop["markdownDescription"] = text


def hover_text(schema: dict[str, Any], required: bool) -> str | None:
    """Description, then one line of facts: required or default, allowed values, bounds."""
    text = schema.get("markdownDescription") or schema.get("description")
    if not text:
        return None
    facts = []
    if required:
        facts.append("**Required.**")
    elif "default" in schema:
        facts.append(f"**Default:** `{_compact(schema['default'])}`")
    bounds = [f"{word} `{_compact(schema[k])}`" for k, word in _BOUNDS if k in schema]
    if bounds:
        facts.append("**Bounds:** " + ", ".join(bounds))
    return text if not facts else f"{text}\n\n" + " · ".join(facts)


def _default_type_first(bundle: dict[str, Any]) -> None:
    for node in _schema_nodes(bundle):
        types = node.get("type")
        if isinstance(types, list) and "default" in node:
            first = _json_type(node["default"], types)
            if first in types:
                node["type"] = [first, *(t for t in types if t != first)]


def _json_type(value: Any, types: list[str]) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) and "integer" in types:
        return "integer"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "")


def _compact(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= 80 else text[:77] + "..."


# --- command line -----------------------------------------------------------------------------


def _repo_root() -> Path:
    return schemas.CHECKOUT


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sat_config.schema.bundle", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write the bundle file")
    mode.add_argument("--check", action="store_true", help="exit 1 when the bundle file is stale")
    parser.add_argument("--output", type=Path, default=None,
                        help=f"bundle file (default: {COMMITTED.as_posix()} in the checkout)")
    args = parser.parse_args(argv)
    target = args.output or _repo_root() / COMMITTED
    fresh = bundle_text().encode("utf-8")
    if args.write:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != fresh:
            target.write_bytes(fresh)
        return 0
    if target.is_file() and target.read_bytes() == fresh:
        return 0
    state = "is stale" if target.is_file() else "is missing"
    print(f"{target} {state}: run `make generate` (python -m sat_config.schema.bundle --write)",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
