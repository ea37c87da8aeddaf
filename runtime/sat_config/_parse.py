"""Read a config document (JSON or YAML 1.2) into plain Python data, with source positions.

Every failure is a :class:`ConfigError` naming the file, and the line and column where known:
invalid syntax, duplicate keys, NaN/Infinity, unsupported YAML tags, a non-object root, absurd
nesting, oversized input. Value problems are all reported at once, not just the first.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ._errors import ConfigError, Issue

MAX_BYTES = 1024 * 1024
"""Largest config read (files, pipes, stdin, text); real configs are under 10 KB. Sized so the
worst input at the limit stays well under 300 MB of memory (JSON positions, YAML node graph)."""
MAX_DEPTH = 64
"""Deepest nesting accepted; the deepest real config nests about 8 levels."""
MAX_NODES = 100_000
"""Most YAML nodes (keys, values, items; aliases expanded) in one document; real configs hold a
few hundred. Bounds the pure-Python YAML node graph and "billion laughs" alias expansion."""
MAX_ISSUES = 100
"""Most parse issues listed; a generated file can repeat one mistake thousands of times."""

PathTuple = tuple[str | int, ...]


@dataclass
class Document:
    """A parsed config: plain data plus where each value came from."""

    data: Any
    source: str | None = None
    text: str | None = None
    fmt: str = "json"
    _positions: dict[PathTuple, tuple[int, int]] | None = field(default=None, repr=False)

    def position(self, path: PathTuple) -> tuple[int, int] | None:
        """1-based (line, column) of the value at ``path``, or of its nearest located parent."""
        if self._positions is None:
            self._positions = _json_positions(self.text) if self.text is not None else {}
        while True:
            if path in self._positions:
                return self._positions[path]
            if not path:
                return None
            path = path[:-1]


def json_path(path: PathTuple) -> str:
    """``('training', 'demo', 0)`` -> ``$.training.demo[0]``."""
    out = ["$"]
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", part):
            out.append(f".{part}")
        else:
            out.append("[" + json.dumps(part) + "]")
    return "".join(out)


def _fail(message: str, source: str | None, rule: str, line: int | None = None,
          column: int | None = None, path: str = "$", suggestion: str | None = None) -> ConfigError:
    issue = Issue(path=path, message=message, rule=rule, suggestion=suggestion, line=line,
                  column=column, source=source)
    return ConfigError([issue], source=source)


def _raise_all(issues: list[Issue], source: str | None) -> None:
    """Raise every issue found (duplicates dropped, the list capped at MAX_ISSUES)."""
    unique = list({(i.line, i.column, i.path, i.message): i for i in issues}.values())
    if len(unique) > MAX_ISSUES:
        more = Issue(path="$", message=f"more issues not listed (the first {MAX_ISSUES} are)",
                     rule="limit", source=source)
        unique = [*unique[:MAX_ISSUES], more]
    raise ConfigError(unique, source=source)


# --- reading -------------------------------------------------------------------------------


def parse(source: Any, *, fmt: str | None = None) -> Document:
    """Parse ``source``: a dict, a path (``str``/``Path``), an open file (binary or text, e.g.
    ``sys.stdin.buffer``) or JSON/YAML text. ``fmt`` ("json"/"yaml") overrides detection."""
    if isinstance(source, Mapping):
        data = dict(source)
        check_tree(data, None)
        return Document(data=data, source=None, fmt="dict")
    if hasattr(source, "read"):
        name = getattr(source, "name", None)
        name = name if isinstance(name, str) and not name.startswith("<") else None
        return _parse_raw(read_limited(source, name), name, fmt)
    if isinstance(source, os.PathLike) or (isinstance(source, str) and _looks_like_path(source)):
        name = str(source)
        return _parse_raw(_read_path(name), name, fmt)
    if isinstance(source, (str, bytes)):
        if len(source) > MAX_BYTES:
            raise _fail(f"config text is {len(source):,} characters; the limit is {MAX_BYTES:,}",
                        None, "size")
        return _parse_raw(source, None, fmt)
    raise TypeError(f"expected a path, JSON/YAML text, a file or a dict, "
                    f"got {type(source).__name__}")


def _looks_like_path(text: str) -> bool:
    """A one-line string is a path, unless it reads as YAML (``key: value``) and no such file
    exists. Text starting like JSON or a quoted string is never a path."""
    if "\n" in text or len(text) >= 4096 or text.lstrip().startswith(("{", "[", '"', "'")):
        return False
    return ": " not in text or os.path.exists(text)


def read_limited(stream: Any, name: str | None = None) -> bytes | str:
    """At most MAX_BYTES from ``stream`` (file, pipe, device, stdin), whatever ``stat`` claims:
    ``/dev/zero`` or an endless pipe is refused after MAX_BYTES + 1 bytes, not read to exhaustion.
    """
    chunks: list[Any] = []
    total = 0
    try:
        while total <= MAX_BYTES:  # a raw (unbuffered) stream may return short reads
            chunk = stream.read(MAX_BYTES + 1 - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise _fail(f"cannot read config: {exc.strerror or exc}", name, "io") from None
    if total > MAX_BYTES:
        raise _fail(f"input is larger than {MAX_BYTES:,} bytes; real configs are a few kilobytes",
                    name, "size")
    return (b"" if not chunks or isinstance(chunks[0], bytes) else "").join(chunks)


def _read_path(name: str) -> bytes:
    try:
        with open(name, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size  # a regular file: refuse before reading
            if size > MAX_BYTES:
                raise _fail(f"file is {size:,} bytes; configs larger than {MAX_BYTES:,} bytes are "
                            "refused", name, "size")
            return read_limited(stream, name)  # pipes and devices report no useful size
    except OSError as exc:
        raise _fail(f"cannot read config file: {exc.strerror or exc}", name, "io") from None


def _parse_raw(raw: bytes | str, name: str | None, fmt: str | None) -> Document:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _fail(f"config is not UTF-8 text (byte {exc.start})", name, "encoding") from None
    text = raw.removeprefix("\ufeff")
    if fmt is None and name is not None:
        suffix = Path(name).suffix.lower()
        fmt = "yaml" if suffix in (".yaml", ".yml") else "json" if suffix == ".json" else None
    return parse_text(text, fmt=fmt or "auto", source=name)


def parse_text(text: str, *, fmt: str = "json", source: str | None = None) -> Document:
    """Parse ``text`` as "json", "yaml" or "auto" (JSON if it starts like JSON, else YAML)."""
    if fmt == "auto":
        return _parse_auto(text, source)
    if fmt == "yaml":
        data, positions = _parse_yaml(text, source)
        doc = Document(data=data, source=source, fmt="yaml", _positions=positions)
    else:
        data = _parse_json(text, source)
        doc = Document(data=data, source=source, text=text, fmt="json")
    check_tree(data, doc)
    return doc


def _parse_auto(text: str, source: str | None) -> Document:
    """JSON if it starts like JSON, else YAML; ``{model_type: lm}`` (YAML flow style, invalid
    JSON) is YAML too. Text that is neither gets JSON's error, the more precise one."""
    if not text.lstrip().startswith(("{", "[")):
        return parse_text(text, fmt="yaml", source=source)
    try:
        return parse_text(text, fmt="json", source=source)
    except ConfigError as exc:
        if exc.issues[0].rule != "syntax" or _meant_as_json(text):
            raise
        json_error = exc
    try:
        return parse_text(text, fmt="yaml", source=source)
    except ConfigError as exc:
        if exc.issues[0].rule == "syntax":
            raise json_error from None
        raise


def _meant_as_json(text: str) -> bool:
    """``{"key": ...`` is JSON with a mistake; reading it as YAML would hide the mistake (YAML
    takes ``"b": }`` as null)."""
    return re.match(r'\s*[{\[]\s*"', text) is not None


# --- JSON ----------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _Constant(str):
    """NaN/Infinity/-Infinity in JSON text: kept as a marker so that check_tree reports every
    one, each with its path and position (json's parse_constant hook cannot say where)."""


def _parse_json(text: str, source: str | None) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_Constant)
    except json.JSONDecodeError as exc:
        raise _fail(f"invalid JSON: {exc.msg}", source, "syntax", exc.lineno, exc.colno) from None
    except _DuplicateKey as exc:
        line, col, path = _find_duplicate(text, str(exc))
        raise _fail(f"duplicate key {str(exc)!r}: a later value would silently replace the first",
                    source, "duplicate-key", line, col, path=path,
                    suggestion="keep one of them") from None
    except RecursionError:
        raise _fail(f"nesting is deeper than {MAX_DEPTH} levels", source, "depth") from None
    except ValueError:  # an integer past Python's int-string limit (4300 digits)
        raise _fail("invalid JSON: a number has thousands of digits", source, "syntax",
                    suggestion="write a realistic number") from None


# --- value check ---------------------------------------------------------------------------

_JSON_SCALARS = frozenset((str, int, bool, type(None)))


def _is_plain_json(root: dict) -> bool:
    """Fast scan (runs on every load): JSON values only, finite floats, bounded depth.

    ``"".join(keys)`` is a C-speed way to ask "are all keys strings?" (it raises otherwise).
    """
    stack = [(root, 0)]
    isfinite, scalars = math.isfinite, _JSON_SCALARS
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        if type(value) is dict:
            try:
                "".join(value)
            except TypeError:
                return False
        for child in value.values() if type(value) is dict else value:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif kind is float:
                if not isfinite(child):
                    return False
            elif kind not in scalars:
                return False
    return True


def check_tree(data: Any, doc: Document | None, *, scan: bool = True) -> None:
    """Root must be an object; only JSON values (no NaN/Infinity); nesting bounded.

    The fast scan answers the common case; only a document that fails it is walked again with
    paths, to name every offending value. Iterative: no recursion limit.
    """
    source = doc.source if doc else None
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "null"
        where = doc.position(()) if doc else None
        raise _fail(f"the config must be an object (mapping) at the top level, not {kind}",
                    source, "type", *(where or (None, None)))
    if scan and _is_plain_json(data):
        return
    issues = [_located(doc, source, *problem) for problem in _value_problems(data)]
    if issues:
        _raise_all(issues, source)


def _located(doc: Document | None, source: str | None, path: PathTuple, message: str,
             rule: str, suggestion: str) -> Issue:
    line, col = (doc.position(path) if doc else None) or (None, None)
    return Issue(path=json_path(path), message=message, rule=rule, suggestion=suggestion,
                 line=line, column=col, source=source)


def _value_problems(data: dict) -> list[tuple[PathTuple, str, str, str]]:
    """(path, message, rule, suggestion) of every non-JSON value, in document order."""
    out = []
    scalars = tuple(_JSON_SCALARS)
    stack: list[tuple[Any, PathTuple]] = [(data, ())]
    while stack and len(out) <= MAX_ISSUES:  # one past the cap says "more not listed"
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            out.append((path, f"nesting is deeper than {MAX_DEPTH} levels", "depth",
                        "flatten the structure"))
        elif isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    out.append((path, f"keys must be strings, got {key!r}", "type",
                                "quote the key"))
            stack.extend(reversed([(v, (*path, k)) for k, v in value.items()
                                   if isinstance(k, str)]))
        elif isinstance(value, list):
            stack.extend(reversed([(v, (*path, i)) for i, v in enumerate(value)]))
        elif isinstance(value, _Constant):
            out.append((path, f"invalid JSON: {value} is not valid JSON", "syntax",
                        "write a finite number"))
        elif isinstance(value, float):
            if not math.isfinite(value):
                out.append((path, f"{value} is not a finite number", "type",
                            "write a finite number"))
        elif not isinstance(value, scalars):
            out.append((path, f"{type(value).__name__} values cannot appear in a config; only "
                        "objects, arrays, strings, numbers, booleans and null", "type",
                        "convert it to one of those"))
    return out


# --- positions -----------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"[^,\]}\s]+")


def _line_col(text: str, offset: int, line_starts: list[int]) -> tuple[int, int]:
    import bisect

    line = bisect.bisect_right(line_starts, offset)
    return line, offset - line_starts[line - 1] + 1


def _scan(text: str, on_key: Callable[[PathTuple, str, int], None] | None = None
          ) -> dict[PathTuple, tuple[int, int]]:
    """Positions of every value in valid JSON ``text`` (only called when reporting errors)."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    positions: dict[PathTuple, tuple[int, int]] = {}
    # explicit stack of (container kind, path, next index)
    pos = _WS.match(text, 0).end()
    stack: list[list[Any]] = []
    path: PathTuple = ()
    expect_value = True
    while pos < len(text):
        ch = text[pos]
        if expect_value:
            positions[path] = _line_col(text, pos, starts)
            if ch == "{":
                stack.append(["o", path, None])
                pos = _WS.match(text, pos + 1).end()
                if text[pos] == "}":
                    pos += 1
                    stack.pop()
                    expect_value = False
                else:
                    m = _STRING.match(text, pos)
                    key = json.loads(m.group())
                    if on_key:
                        on_key(path, key, pos)
                    stack[-1][2] = key
                    path = (*stack[-1][1], key)
                    pos = _WS.match(text, m.end()).end() + 1  # skip ':'
                    pos = _WS.match(text, pos).end()
                    continue
            elif ch == "[":
                stack.append(["a", path, 0])
                pos = _WS.match(text, pos + 1).end()
                if text[pos] == "]":
                    pos += 1
                    stack.pop()
                    expect_value = False
                else:
                    path = (*path, 0)
                    continue
            elif ch == '"':
                pos = _STRING.match(text, pos).end()
                expect_value = False
            else:
                pos = _SCALAR.match(text, pos).end()
                expect_value = False
            pos = _WS.match(text, pos).end()
            continue
        # after a value: ',' or a closing bracket
        if not stack:
            break
        kind, parent, index = stack[-1]
        if ch == ",":
            pos = _WS.match(text, pos + 1).end()
            if kind == "o":
                m = _STRING.match(text, pos)
                key = json.loads(m.group())
                if on_key:
                    on_key(parent, key, pos)
                stack[-1][2] = key
                path = (*parent, key)
                pos = _WS.match(text, m.end()).end() + 1
            else:
                stack[-1][2] = index + 1
                path = (*parent, index + 1)
            pos = _WS.match(text, pos).end()
            expect_value = True
        else:  # '}' or ']'
            stack.pop()
            path = parent
            pos = _WS.match(text, pos + 1).end()
    return positions


def _json_positions(text: str) -> dict[PathTuple, tuple[int, int]]:
    try:
        return _scan(text)
    except (AttributeError, IndexError, ValueError):  # not valid JSON: no positions to give
        return {}


def _find_duplicate(text: str, key: str) -> tuple[int | None, int | None, str]:
    seen: dict[PathTuple, set[str]] = {}
    found: list[tuple[PathTuple, int]] = []
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def on_key(parent: PathTuple, k: str, offset: int) -> None:
        keys = seen.setdefault(parent, set())
        if k in keys and not found:
            found.append(((*parent, k), offset))
        keys.add(k)

    try:
        _scan(text, on_key)
    except (AttributeError, IndexError, ValueError):
        pass
    if not found:
        return None, None, "$"
    path, offset = found[0]
    line, col = _line_col(text, offset, starts)
    return line, col, json_path(path)


# --- YAML ----------------------------------------------------------------------------------
#
# ruamel only composes the node graph (syntax, anchors, positions); turning nodes into values is
# done here, so the rules are ours: the YAML 1.2 core schema (ruamel reads ``1_000`` as an int and
# dates as timestamps, YAML 1.1 habits), core tags only (nothing is ever constructed from a tag),
# every problem reported, and the size of the graph and of its alias expansion bounded.

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


def _parse_yaml(text: str, source: str | None) -> tuple[Any, dict[PathTuple, tuple[int, int]]]:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    converter = _Converter(source)
    try:
        root = _yaml_loader().compose(text)
        data = None if root is None else converter.value(root, ())
    except _Limit as exc:
        raise _fail(str(exc), source, exc.rule, exc.mark.line + 1, exc.mark.column + 1,
                    path=json_path(exc.path)) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = f"{exc.context}: {exc.problem}" if exc.context and exc.problem else \
            exc.problem or str(exc)
        raise _fail(f"invalid YAML: {problem}", source, "syntax",
                    mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except YAMLError as exc:
        raise _fail(f"invalid YAML: {exc}", source, "syntax") from None
    except RecursionError:
        raise _fail(f"nesting is deeper than {MAX_DEPTH} levels", source, "depth") from None
    if converter.issues:
        _raise_all(converter.issues, source)
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
