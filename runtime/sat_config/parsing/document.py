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
from pathlib import Path
from typing import Any

from ..errors import (MAX_ISSUES, ConfigError, Issue, PathTuple, config_error, json_path,
                      raise_all)
from .limits import MAX_BYTES, MAX_DEPTH

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


# --- reading -------------------------------------------------------------------------------


def parse(source: Any, *, fmt: str | None = None) -> Document:
    """Parse ``source``: a dict, a path (``str``/``Path``), an open file (binary or text, e.g.
    ``sys.stdin.buffer``) or JSON/YAML text. ``fmt`` ("json"/"yaml") overrides detection."""
    if isinstance(source, Mapping):
        data = _numbers_as_json_schema(dict(source), None)
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
            raise config_error(f"config text is {len(source):,} characters; the limit is {MAX_BYTES:,}",
                        None, "size")
        return _parse_raw(source, None, fmt)
    raise _not_an_object(source, None)  # a list, a number, None...


def _looks_like_path(text: str) -> bool:
    """A one-line string is a path, unless it reads as YAML (``key: value``) and no such file
    exists. Text starting like JSON or a quoted string is never a path."""
    if "\n" in text or "\0" in text or len(text) >= 4096 \
            or text.lstrip().startswith(("{", "[", '"', "'")):
        return False  # no file is named so
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
        raise config_error(f"cannot read config: {exc.strerror or exc}", name, "io") from None
    if total > MAX_BYTES:
        raise config_error(f"input is larger than {MAX_BYTES:,} bytes; real configs are a few kilobytes",
                    name, "size")
    return (b"" if not chunks or isinstance(chunks[0], bytes) else "").join(chunks)


def _read_path(name: str) -> bytes:
    try:
        stream = open(name, "rb")
    except OSError as exc:
        raise config_error(f"cannot read config file: {exc.strerror or exc}", name, "io") from None
    except ValueError:  # a NUL, a character the file system cannot encode: no file is named so
        raise config_error("cannot read config file: not a possible file name", name,
                           "io") from None
    with stream:
        try:
            size = os.fstat(stream.fileno()).st_size  # a regular file: refuse before reading
        except OSError as exc:
            raise config_error(f"cannot read config file: {exc.strerror or exc}", name,
                               "io") from None
        if size > MAX_BYTES:
            raise config_error(f"file is {size:,} bytes; configs larger than {MAX_BYTES:,} bytes "
                               "are refused", name, "size")
        return read_limited(stream, name)  # pipes and devices report no useful size


def _parse_raw(raw: bytes | str, name: str | None, fmt: str | None) -> Document:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise config_error(f"config is not UTF-8 text (byte {exc.start})", name, "encoding") from None
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
        from .yaml import parse_yaml

        data, positions = parse_yaml(text, source)
        doc = Document(data=data, source=source, fmt="yaml", _positions=positions)
    else:
        data = _parse_json(text, source)
        doc = Document(data=data, source=source, text=text, fmt="json")
    doc.data = _numbers_as_json_schema(data, doc)
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
        raise config_error(f"invalid JSON: {exc.msg}", source, "syntax", exc.lineno, exc.colno) from None
    except _DuplicateKey as exc:
        line, col, path = _find_duplicate(text, str(exc))
        raise config_error(f"duplicate key {str(exc)!r}: a later value would silently replace the first",
                    source, "duplicate-key", line, col, path=path,
                    suggestion="keep one of them") from None
    except RecursionError:
        raise config_error(f"nesting is deeper than {MAX_DEPTH} levels", source, "depth") from None
    except ValueError:  # an integer past Python's int-string limit (4300 digits)
        raise config_error("invalid JSON: a number has thousands of digits", source, "syntax",
                    suggestion="write a realistic number") from None


# --- value check ---------------------------------------------------------------------------

_JSON_SCALARS = frozenset((str, int, bool, type(None)))
_SURROGATE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 pair on its own (JSON's ``"\\ud800"``): not a character, not encodable."""


def _has_surrogate(text: str) -> bool:
    return not text.isascii() and _SURROGATE.search(text) is not None


def _is_plain_json(root: dict) -> bool | None:
    """Fast scan (runs on every load): JSON values only, finite floats, text that is Unicode
    (no lone surrogate), bounded depth.

    None when something else is found; else whether an integral float (``2.0``) occurs.
    ``"".join(keys)`` is a C-speed way to ask "are all keys strings?" (it raises otherwise).
    """
    stack = [(root, 0)]
    isfinite, scalars = math.isfinite, _JSON_SCALARS
    integral = False
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return None
        if type(value) is dict:
            try:
                if _has_surrogate("".join(value)):
                    return None
            except TypeError:
                return None
        for child in value.values() if type(value) is dict else value:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif kind is float:
                if not isfinite(child):
                    return None
                integral = integral or child.is_integer()
            elif kind is str:
                if not child.isascii() and _has_surrogate(child):
                    return None
            elif kind not in scalars:
                return None
    return integral


def integral_floats_as_ints(data: Any) -> Any:
    """``data`` with every integral float (``2.0``, ``1e3``) replaced by the int it equals.

    JSON Schema counts ``2.0`` as an integer, Python does not (``range(2.0)`` fails). The input is
    never modified: containers holding such a float are copied, everything else is shared, and
    ``data`` itself comes back when nothing changes. Parsed documents are read this way already.
    """
    kind = type(data)
    if kind is float:
        return int(data) if data.is_integer() else data
    return _ints(data) if kind is dict or kind is list else data


def _ints(node: dict | list) -> dict | list:
    out = None
    for key, value in node.items() if type(node) is dict else enumerate(node):
        kind = type(value)
        if kind is float:
            if not value.is_integer():
                continue
            new: Any = int(value)
        elif kind is dict or kind is list:
            new = _ints(value)
            if new is value:
                continue
        else:
            continue
        if out is None:
            out = node.copy()
        out[key] = new
    return node if out is None else out


def _numbers_as_json_schema(data: dict, doc: Document | None) -> dict:
    """Check ``data`` and read its numbers as JSON Schema does: one scan, a copy only when an
    integral float needs to become an int (every later step then sees ``2`` for ``2.0``)."""
    return _ints(data) if check_tree(data, doc) else data


def check_tree(data: Any, doc: Document | None, *, scan: bool = True) -> bool:
    """Root must be an object; only JSON values (no NaN/Infinity); nesting bounded. Answers
    whether ``data`` holds an integral float.

    The fast scan answers the common case; only a document that fails it is walked again with
    paths, to name every offending value. Iterative: no recursion limit.
    """
    source = doc.source if doc else None
    if not isinstance(data, dict):
        raise _not_an_object(data, doc)
    if scan:
        integral = _is_plain_json(data)
        if integral is not None:
            return integral
    issues = [_located(doc, source, *problem) for problem in _value_problems(data)]
    if issues:
        raise_all(issues, source)
    return _ints(data) is not data


def _not_an_object(data: Any, doc: Document | None) -> ConfigError:
    kind = type(data).__name__ if data is not None else "null"
    where = doc.position(()) if doc else None
    return config_error(f"the config must be an object (mapping) at the top level, not {kind}",
                        doc.source if doc else None, "type", *(where or (None, None)))


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
                elif _has_surrogate(key):
                    out.append(((*path, key), f"the key {key!r} holds {_surrogates(key)}",
                                "encoding", _SURROGATE_FIX))
            stack.extend(reversed([(v, (*path, k)) for k, v in value.items()
                                   if isinstance(k, str)]))
        elif isinstance(value, list):
            stack.extend(reversed([(v, (*path, i)) for i, v in enumerate(value)]))
        elif isinstance(value, _Constant):
            out.append((path, f"invalid JSON: {value} is not valid JSON", "syntax",
                        "write a finite number"))
        elif isinstance(value, str):
            if _has_surrogate(value):
                out.append((path, f"the string holds {_surrogates(value)}", "encoding",
                            _SURROGATE_FIX))
        elif isinstance(value, float):
            if not math.isfinite(value):
                out.append((path, f"{value} is not a finite number", "type",
                            "write a finite number"))
        elif not isinstance(value, scalars):
            out.append((path, f"{type(value).__name__} values cannot appear in a config; only "
                        "objects, arrays, strings, numbers, booleans and null", "type",
                        "convert it to one of those"))
    return out


_SURROGATE_FIX = "write the character itself, or both halves of its UTF-16 pair"


def _surrogates(text: str) -> str:
    found = sorted(set(_SURROGATE.findall(text)))
    shown = ", ".join(f"\\u{ord(c):04x}" for c in found[:3])
    return f"a lone surrogate ({shown}), half of a UTF-16 pair: it is not a character"


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
