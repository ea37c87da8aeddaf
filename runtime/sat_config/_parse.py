"""Read a config document (JSON or YAML 1.2) into plain Python data, with source positions.

Every failure is a :class:`ConfigError` naming the file, and the line and column where known:
invalid syntax, duplicate keys, NaN/Infinity, a non-object root, absurd nesting, oversized files.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import ConfigError, Issue

MAX_BYTES = 8 * 1024 * 1024
"""Largest config file read; real configs are a few kilobytes."""
MAX_DEPTH = 64
"""Deepest nesting accepted; the deepest real config nests about 8 levels."""

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


def parse(source: Any, *, fmt: str | None = None) -> Document:
    """Parse ``source``: a dict, a path (``str``/``Path``) or JSON/YAML text."""
    if isinstance(source, Mapping):
        data = dict(source)
        check_tree(data, None)
        return Document(data=data, source=None, fmt="dict")
    if isinstance(source, os.PathLike) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        name = str(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise _fail(f"cannot read config file: {exc.strerror or exc}", name, "io") from None
        if size > MAX_BYTES:
            raise _fail(f"file is {size:,} bytes; configs larger than {MAX_BYTES:,} bytes are refused",
                        name, "size")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise _fail(f"cannot read config file: {exc.strerror or exc}", name, "io") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _fail(f"file is not UTF-8 text (byte {exc.start})", name, "encoding") from None
        if fmt is None:
            fmt = "yaml" if path.suffix.lower() in (".yaml", ".yml") else "json"
        return parse_text(text, fmt=fmt, source=name)
    if isinstance(source, (str, bytes)):
        text = source.decode("utf-8") if isinstance(source, bytes) else source
        if len(text) > MAX_BYTES:
            raise _fail(f"config text is {len(text):,} characters; the limit is {MAX_BYTES:,}",
                        None, "size")
        if fmt is None:
            fmt = "json" if text.lstrip().startswith(("{", "[")) else "yaml"
        return parse_text(text, fmt=fmt, source=None)
    raise TypeError(f"expected a path, JSON/YAML text or a dict, got {type(source).__name__}")


def _looks_like_path(text: str) -> bool:
    return ("\n" not in text and not text.lstrip().startswith(("{", "[", '"', "'"))
            and len(text) < 4096)


def parse_text(text: str, *, fmt: str = "json", source: str | None = None) -> Document:
    if fmt == "yaml":
        data, positions = _parse_yaml(text, source)
        doc = Document(data=data, source=source, fmt="yaml", _positions=positions)
    else:
        data = _parse_json(text, source)
        doc = Document(data=data, source=source, text=text, fmt="json")
    check_tree(data, doc)
    return doc


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(text: str, source: str | None) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _fail(f"invalid JSON: {exc.msg}", source, "syntax", exc.lineno, exc.colno) from None
    except _DuplicateKey as exc:
        line, col, path = _find_duplicate(text, str(exc))
        raise _fail(f"duplicate key {str(exc)!r}: a later value would silently replace the first",
                    source, "duplicate-key", line, col, path=path,
                    suggestion="keep one of them") from None
    except ValueError as exc:  # NaN / Infinity
        raise _fail(f"invalid JSON: {exc}", source, "syntax",
                    suggestion="write a finite number") from None
    except RecursionError:
        raise _fail(f"nesting is deeper than {MAX_DEPTH} levels", source, "depth") from None


_JSON_SCALARS = (str, int, bool, type(None))


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
    paths, to name the offending value. Iterative: no recursion limit.
    """
    source = doc.source if doc else None
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "null"
        raise _fail(f"the config must be an object (mapping) at the top level, not {kind}",
                    source, "type")
    if scan and _is_plain_json(data):
        return
    stack: list[tuple[Any, PathTuple]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        line_col = doc.position(path) if doc else None
        where = (*(line_col or (None, None)),)
        if len(path) > MAX_DEPTH:
            raise _fail(f"nesting is deeper than {MAX_DEPTH} levels", source, "depth",
                        *where, path=json_path(path[:MAX_DEPTH]))
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    raise _fail(f"keys must be strings, got {key!r}", source, "type", *where,
                                path=json_path(path), suggestion="quote the key")
            stack.extend((v, (*path, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise _fail(f"{value} is not a finite number", source, "type", *where,
                            path=json_path(path), suggestion="write a finite number")
        elif not isinstance(value, tuple(_JSON_SCALARS)):
            raise _fail(f"{type(value).__name__} values cannot appear in a config; only objects, "
                        "arrays, strings, numbers, booleans and null", source, "type", *where,
                        path=json_path(path), suggestion="convert it to one of those")


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


def _parse_yaml(text: str, source: str | None) -> tuple[Any, dict[PathTuple, tuple[int, int]]]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")  # round-trip loader: YAML 1.2 core schema, keeps line/column marks
    yaml.allow_duplicate_keys = False
    try:
        raw = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        rule = "duplicate-key" if "duplicate key" in str(exc) else "syntax"
        raise _fail(f"invalid YAML: {problem}", source, rule,
                    mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except YAMLError as exc:
        raise _fail(f"invalid YAML: {exc}", source, "syntax") from None
    except RecursionError:
        raise _fail(f"nesting is deeper than {MAX_DEPTH} levels", source, "depth") from None
    positions: dict[PathTuple, tuple[int, int]] = {}
    return _plain(raw, (), positions, source), positions


def _plain(node: Any, path: PathTuple, positions: dict, source: str | None) -> Any:
    """ruamel's round-trip nodes -> plain dict/list/str/int/float/bool/None, recording positions."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if len(path) > MAX_DEPTH:
        raise _fail(f"nesting is deeper than {MAX_DEPTH} levels", source, "depth",
                    path=json_path(path[:MAX_DEPTH]))
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            if not isinstance(key, str):
                line, col = node.lc.key(key)
                raise _fail(f"keys must be strings, got {key!r}", source, "type", line + 1, col + 1,
                            path=json_path(path), suggestion="quote the key")
            line, col = node.lc.value(key)
            positions[(*path, key)] = (line + 1, col + 1)
            out[str(key)] = _plain(value, (*path, str(key)), positions, source)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for i, value in enumerate(node):
            line, col = node.lc.item(i)
            positions[(*path, i)] = (line + 1, col + 1)
            out_list.append(_plain(value, (*path, i), positions, source))
        return out_list
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    where = positions.get(path)
    raise _fail(f"unsupported YAML value {node!r} ({type(node).__name__}); configs hold only "
                "objects, arrays, strings, numbers, booleans and null", source, "type",
                *(where or (None, None)), path=json_path(path), suggestion="quote it as a string")
