"""YAML 1.2 documents -> plain data with positions (used by :mod:`._parse` for YAML input).

ruamel only composes the node graph (syntax, anchors, positions); turning nodes into values is
done here, so the rules are ours: the YAML 1.2 core schema (ruamel reads ``1_000`` as an int and
dates as timestamps, YAML 1.1 habits), core tags only (nothing is ever constructed from a tag),
every problem reported, and the size of the graph and of its alias expansion bounded.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Any

from ..errors import MAX_ISSUES, Issue, PathTuple, config_error, json_path, raise_all
from .limits import MAX_DEPTH

MAX_NODES = 100_000
"""Most YAML nodes (keys, values, items; aliases expanded) in one document; real configs hold a
few hundred. Bounds the pure-Python YAML node graph and "billion laughs" alias expansion."""


_CORE = "tag:yaml.org,2002:"
_PLAIN = "tag:sat-config,2024:plain"  # an untagged plain scalar, resolved by _core_scalar
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
          "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NANS = frozenset((".nan", ".NaN", ".NAN"))
_TYPED = {_CORE + "int": int, _CORE + "float": (int, float), _CORE + "bool": bool,
          _CORE + "null": type(None)}


def _core_scalar(text: str) -> Any:
    """A plain scalar under the YAML 1.2 core schema (spec 10.3.2); anything else is a string."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT.fullmatch(text):
        try:
            return int(text[2:], 8 if text[1] == "o" else 16) if text[:2] in ("0o", "0x") \
                else int(text)
        except ValueError:  # past Python's int-string limit (4300 digits): no usable number
            return math.inf
    if _FLOAT.fullmatch(text):
        return float(text)
    if _INF.fullmatch(text):
        return float("-inf") if text[0] == "-" else float("inf")
    return math.nan if text in _NANS else text


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag if tag.startswith("!") \
        else f"!<{tag}>"


class _Limit(Exception):
    """A size or depth bound was crossed: stop at once (the rest may be enormous)."""

    def __init__(self, message: str, rule: str, mark: Any, path: PathTuple = ()) -> None:
        super().__init__(message)
        self.rule, self.mark, self.path = rule, mark, path


class _Alias:
    """An alias in the composed graph: the anchored node, and where the alias itself is written."""

    __slots__ = ("node", "mark")

    def __init__(self, node: Any, mark: Any) -> None:
        self.node, self.mark = node, mark


def _yaml_loader() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)  # a fresh loader per document: ruamel's keep state
    yaml.Resolver, yaml.Composer = _yaml_classes()
    return yaml


@cache
def _yaml_classes() -> tuple[type, type]:
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.events import AliasEvent
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    class CoreResolver(VersionedResolver):
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0]:
                return Tag(suffix=_PLAIN)
            return super().resolve(kind, value, implicit)

    class BoundedComposer(Composer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.warn_double_anchors = False  # redefining an anchor is legal YAML
            self.sat_nodes = self.sat_level = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.parser.peek_event()
            self.sat_nodes += 1
            if self.sat_nodes > MAX_NODES:
                raise _Limit(f"the document holds more than {MAX_NODES:,} values; real configs "
                             "hold a few hundred", "size", event.start_mark)
            if isinstance(event, AliasEvent):
                return _Alias(super().compose_node(parent, index), event.start_mark)
            self.sat_level += 1
            try:  # deeper than MAX_DEPTH is refused later, with its path; this guards recursion
                if self.sat_level > MAX_DEPTH + 2:
                    raise _Limit(f"nesting is deeper than {MAX_DEPTH} levels", "depth",
                                 event.start_mark)
                return super().compose_node(parent, index)
            finally:
                self.sat_level -= 1

    return CoreResolver, BoundedComposer


def parse_yaml(text: str, source: str | None) -> tuple[Any, dict[PathTuple, tuple[int, int]]]:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    converter = _Converter(source)
    try:
        root = _yaml_loader().compose(text)
        data = None if root is None else converter.value(root, ())
    except _Limit as exc:
        raise config_error(str(exc), source, exc.rule, exc.mark.line + 1, exc.mark.column + 1,
                    path=json_path(exc.path)) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = f"{exc.context}: {exc.problem}" if exc.context and exc.problem else \
            exc.problem or str(exc)
        raise config_error(f"invalid YAML: {problem}", source, "syntax",
                    mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except YAMLError as exc:
        raise config_error(f"invalid YAML: {exc}", source, "syntax") from None
    except RecursionError:
        raise config_error(f"nesting is deeper than {MAX_DEPTH} levels", source, "depth") from None
    if converter.issues:
        raise_all(converter.issues, source)
    return data, converter.positions


class _Converter:
    """Composed YAML nodes -> plain dict/list/str/int/float/bool/None, recording positions.

    Problems (tags, NaN/Infinity, key types, duplicate keys) are collected, not raised, so the
    user sees them all. Every value produced counts against MAX_NODES, aliases included: a
    "billion laughs" document stops after MAX_NODES values instead of filling memory.
    """

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.positions: dict[PathTuple, tuple[int, int]] = {}
        self.issues: list[Issue] = []
        self.count = 0
        self.active: set[int] = set()  # collections being converted: an alias to one is a cycle
        self.expanding: tuple[Any, PathTuple] | None = None  # outermost alias: (mark, path)

    def issue(self, path: PathTuple, mark: Any, message: str, rule: str, suggestion: str) -> None:
        if len(self.issues) <= MAX_ISSUES:  # one past the cap says "more not listed"
            self.issues.append(Issue(path=json_path(path), message=message, rule=rule,
                                     suggestion=suggestion, line=mark.line + 1,
                                     column=mark.column + 1, source=self.source))

    def tick(self, mark: Any, path: PathTuple) -> None:
        self.count += 1
        if self.count > MAX_NODES:  # only aliases get here: the composer counted the rest
            raise _Limit(f"aliases expand the document past {MAX_NODES:,} values (each alias "
                         "repeats all its anchor holds)", "size", *(self.expanding or (mark, path)))

    def value(self, node: Any, path: PathTuple, mark: Any = None) -> Any:
        if isinstance(node, _Alias):
            return self.alias(node, path)
        mark = mark or node.start_mark
        self.positions[path] = (mark.line + 1, mark.column + 1)
        self.tick(mark, path)
        if len(path) > MAX_DEPTH:
            raise _Limit(f"nesting is deeper than {MAX_DEPTH} levels", "depth", mark, path)
        kind = type(node).__name__
        if kind == "ScalarNode":
            return self.scalar(node, path, mark)
        tag = _CORE + ("map" if kind == "MappingNode" else "seq")
        if node.tag != tag:
            self.issue(path, mark, f"unsupported YAML tag {_show_tag(node.tag)}", "type",
                       "remove the tag; configs hold only plain YAML values")
            return None
        self.active.add(id(node))
        try:
            return self.mapping(node, path) if kind == "MappingNode" else \
                [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self.active.discard(id(node))

    def alias(self, alias: _Alias, path: PathTuple) -> Any:
        mark = alias.mark
        if id(alias.node) in self.active:
            self.positions[path] = (mark.line + 1, mark.column + 1)
            self.issue(path, mark, "this alias refers to a collection that contains it",
                       "type", "aliases cannot make a value contain itself")
            return None
        outer, self.expanding = self.expanding, self.expanding or (mark, path)
        try:  # located where the alias is written; its contents where the anchor's are
            return self.value(alias.node, path, mark)
        finally:
            self.expanding = outer

    def scalar(self, node: Any, path: PathTuple, mark: Any) -> Any:
        tag, text = node.tag, node.value
        if tag == _PLAIN:
            value = _core_scalar(text)
        elif tag == _CORE + "str":
            return text
        elif tag in _TYPED:  # `!!float 1` is 1.0; `!!int 1.5`, `!!bool yes` are mistakes
            value = _core_scalar(text)
            if isinstance(value, bool) != (tag == _CORE + "bool") or \
                    not isinstance(value, _TYPED[tag]):
                self.issue(path, mark, f"{_short(text)!r} is not a valid {_show_tag(tag)}",
                           "type", "fix the value or remove the tag")
                return None
            value = float(value) if tag == _CORE + "float" else value
        else:
            self.issue(path, mark, f"unsupported YAML tag {_show_tag(tag)}", "type",
                       "remove the tag; configs hold only plain YAML values")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.issue(path, mark, f"{_short(text)} is not a finite number", "type",
                       "write a finite number")
        return value

    def key(self, node: Any, path: PathTuple) -> str | None:
        """A mapping key as a string, or None (issue recorded): keys must be strings."""
        node = node.node if isinstance(node, _Alias) else node
        mark = node.start_mark
        self.tick(mark, path)
        if type(node).__name__ != "ScalarNode":
            shown = "a mapping" if type(node).__name__ == "MappingNode" else "a sequence"
        elif node.tag == _CORE + "str" or node.tag == _PLAIN and \
                isinstance(_core_scalar(node.value), str):
            return node.value
        else:
            shown = _short(node.value) if node.tag == _PLAIN else \
                f"{_show_tag(node.tag)} {_short(node.value)}"
        self.issue(path, mark, f"keys must be strings, got {shown}", "type", "quote the key")
        return None

    def mapping(self, node: Any, path: PathTuple) -> dict[str, Any]:
        """Explicit keys first, then keys from ``<<`` merges that the mapping does not set."""
        pairs: dict[str, Any] = {}
        merges: list[Any] = []
        for key_node, value_node in node.value:
            if _is_merge_key(key_node):
                if merges:
                    self.issue(path, key_node.start_mark, "duplicate merge key '<<'",
                               "duplicate-key", "merge a list instead: <<: [*a, *b]")
                merges.append(value_node)
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            if key in pairs:
                self.issue((*path, key), key_node.start_mark, f"duplicate key {key!r}: a later "
                           "value would silently replace the first", "duplicate-key",
                           "keep one of them")
                continue
            pairs[key] = value_node
        for merge in merges:
            for key, value_node in self.merged_pairs(merge, path, set()).items():
                pairs.setdefault(key, value_node)
        return {key: self.value(value_node, (*path, key)) for key, value_node in pairs.items()}

    def merged_pairs(self, node: Any, path: PathTuple, seen: set[int]) -> dict[str, Any]:
        """Key -> value node that a ``<<`` brings in; earlier sources win (the merge-key spec)."""
        mark = node.mark if isinstance(node, _Alias) else node.start_mark
        node = node.node if isinstance(node, _Alias) else node
        kind = type(node).__name__
        sources = [node] if kind == "MappingNode" else \
            [s.node if isinstance(s, _Alias) else s for s in node.value] \
            if kind == "SequenceNode" and node.tag == _CORE + "seq" else []
        out: dict[str, Any] = {}
        outer, self.expanding = self.expanding, self.expanding or (mark, path)
        try:
            for source in sources:
                if type(source).__name__ != "MappingNode" or source.tag != _CORE + "map":
                    sources = []
                    break
                if id(source) in seen or id(source) in self.active:
                    self.issue(path, mark, "this merge refers to a mapping that contains it",
                               "type", "aliases cannot make a value contain itself")
                    continue
                for key, value_node in self.source_pairs(source, path,
                                                         seen | {id(source)}).items():
                    out.setdefault(key, value_node)
        finally:
            self.expanding = outer
        if not sources:
            self.issue(path, mark, "a merge key '<<' takes a mapping or a list of mappings",
                       "type", "write <<: *anchor or <<: [*a, *b]")
        return out

    def source_pairs(self, node: Any, path: PathTuple, seen: set[int]) -> dict[str, Any]:
        """A merged mapping's own pairs, then those of its own merges. Its keys were checked
        where the mapping is written, so invalid ones are skipped quietly here."""
        own: dict[str, Any] = {}
        for key_node, value_node in node.value:
            self.tick(key_node.start_mark, path)  # merges of merges can repeat work like aliases
            if type(key_node).__name__ == "ScalarNode" and not _is_merge_key(key_node) and (
                    key_node.tag == _CORE + "str" or key_node.tag == _PLAIN
                    and isinstance(_core_scalar(key_node.value), str)):
                own.setdefault(key_node.value, value_node)
        for key_node, value_node in node.value:
            if _is_merge_key(key_node):
                for key, merged in self.merged_pairs(value_node, path, seen).items():
                    own.setdefault(key, merged)
        return own


def _is_merge_key(node: Any) -> bool:
    """``<<`` (plain, untagged) merges mappings in. Merge keys are YAML 1.1, not 1.2, but users
    write them to share settings between sections, and a config has no key named ``<<``, so
    merging is friendlier than an error; ``"<<"`` quoted stays an ordinary key."""
    return type(node).__name__ == "ScalarNode" and node.tag == _PLAIN and node.value == "<<"
