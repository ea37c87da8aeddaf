"""Schema validation with every issue located by JSON path.

jsonschema-rs decides: it answers the common case (a valid config) in microseconds. Only when
it says "invalid" does python-jsonschema, the reference validator, locate the detailed issues.
The two engines give the same verdicts (tested): python-jsonschema reads the schemas' regexes
through :func:`python_pattern`, which gives them the ECMA-262 meaning JSON Schema prescribes
(and jsonschema-rs implements); should they still disagree, jsonschema-rs's own errors are
reported, so a rejected document never passes. The per-type dispatch on ``model_type`` and the
branch selection for ``oneOf`` keep the messages to the real mistakes.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from . import files as schemas
from ..errors import Issue
from ..errors import PathTuple, json_path, path_tuple
from ..parsing.document import Document

_SELECTOR_WEIGHT = {"type": 100, "const": 100, "enum": 100, "not": 100, "discriminator": 100}


@cache
def _rs_validator(name: str):
    import jsonschema_rs

    registry = jsonschema_rs.Registry(list(schemas.resources_by_uri().items()))
    return jsonschema_rs.validator_for(schemas.load(name), registry=registry)


@cache
def _py_validator(name: str):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry = Registry().with_resources(
        (uri, Resource.from_contents(_ecma_schema(s)))
        for uri, s in schemas.resources_by_uri().items())
    return Draft202012Validator(_ecma_schema(schemas.load(name)), registry=registry)


# --- ECMA-262 regexes for python-jsonschema -----------------------------------------------------
# JSON Schema's regexes are ECMA-262's; python-jsonschema runs them with Python's ``re.search``,
# where ``$`` also matches before a final newline, ``.`` matches "\r", and ``\d``/``\w``
# match any Unicode digit or letter. Each regex of the schemas is rewritten, once, into the Python
# regex that means what ECMA-262 (and so jsonschema-rs) means.

_ECMA_SPACE = ("\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f"
               "\\u205f\\u3000\\ufeff")
_CLASS_ESCAPES = {"d": "0-9", "w": "A-Za-z0-9_", "s": _ECMA_SPACE}
_ESCAPES = {**{k: f"[{v}]" for k, v in _CLASS_ESCAPES.items()},
            **{k.upper(): f"[^{v}]" for k, v in _CLASS_ESCAPES.items()}}
_SOURCE_OF: dict[str, str] = {}
"""Python regex -> the schema's ECMA-262 regex it came from (for messages)."""


class RegexTranslationError(ValueError):
    """A schema regex uses ECMA-262 syntax :func:`python_pattern` does not translate."""


@cache
def python_pattern(pattern: str) -> str:
    """The Python regex that ``re.search`` runs with ECMA-262's meaning of ``pattern``.

    ``$`` is the end of the text (``\\Z``), ``.`` excludes every line terminator, ``\\d``,
    ``\\w`` are ASCII and ``\\s`` is ECMA's white space; the rest is spelled alike (``\\b`` keeps
    Python's Unicode reading, which jsonschema-rs shares, tested). A construct
    that is not (``\\D`` inside ``[...]``, ``[]``, named groups...) raises: a schema using one needs
    a translation here first (every schema regex is tested against jsonschema-rs).
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            e = pattern[i + 1]
            if in_class and e in _CLASS_ESCAPES:
                out.append(_CLASS_ESCAPES[e])
            elif not in_class and e in _ESCAPES:
                out.append(_ESCAPES[e])
            elif e in "DWSck" or e.isdigit() and e != "0":
                raise RegexTranslationError(f"cannot translate \\{e} in {pattern!r}")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            if pattern.startswith(("[]", "[^]"), i):
                raise RegexTranslationError(f"cannot translate an empty class in {pattern!r}")
            in_class = True
        elif c == "$":
            c = "\\Z"
        elif c == ".":
            c = "[^\\n\\r\\u2028\\u2029]"
        elif c == "(" and pattern.startswith("(?<", i) and not pattern.startswith(
                ("(?<=", "(?<!"), i):
            raise RegexTranslationError(f"cannot translate a named group in {pattern!r}")
        out.append(c)
        i += 1
    translated = "".join(out)
    re.compile(translated)  # a schema regex Python cannot compile fails here, at load
    _SOURCE_OF[translated] = pattern
    return translated


_SUBSCHEMA = ("not", "if", "then", "else", "items", "contains", "additionalProperties",
              "unevaluatedProperties", "unevaluatedItems", "propertyNames", "additionalItems",
              "contentSchema")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "$defs", "definitions", "dependentSchemas")


def _ecma_schema(schema: Any) -> Any:
    """A copy of ``schema`` whose regexes (``pattern``, ``patternProperties``) are Python's
    spelling of their ECMA-262 meaning. Data keywords (``const``, ``default``...) are kept."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    for key, value in schema.items():
        if key == "pattern" and isinstance(value, str):
            out[key] = python_pattern(value)
        elif key == "patternProperties" and isinstance(value, dict):
            out[key] = {python_pattern(k): _ecma_schema(v) for k, v in value.items()}
        elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _ecma_schema(v) for k, v in value.items()}
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [_ecma_schema(v) for v in value]
        elif key in _SUBSCHEMA:
            out[key] = _ecma_schema(value)
    return out


def is_valid(data: Any, kind: str = schemas.ROOT) -> bool:
    """Fast schema verdict (jsonschema-rs).

    A model config with a known ``model_type`` is checked against that type's schema: the root
    is a ``oneOf`` of the types' schemas, each pinning ``model_type`` with a ``const``, so its
    verdict is that one branch's (tested), and one branch compiles in a fraction of the root's
    time (a cold ``sat-config validate`` compiles one validator)."""
    return _rs_validator(_branch(data) if kind == schemas.ROOT else kind).is_valid(data)


def _branch(data: Any) -> str:
    """The root's branch that decides ``data`` (the root itself without a known model type)."""
    model_type = data.get("model_type") if isinstance(data, dict) else None
    return model_type if isinstance(model_type, str) and model_type in schemas.model_types() \
        else schemas.ROOT


def reference_errors(data: Any, kind: str = schemas.ROOT) -> list:
    """python-jsonschema's raw errors against the root ``kind`` (for cross-checking engines)."""
    return list(_py_validator(kind).iter_errors(data))


def forbidden_paths(data: dict) -> list[PathTuple]:
    """Paths of values that a ``not`` rule forbids, in the branch of ``data``'s model type."""
    target, _ = _dispatch(data)
    if target is None:
        return []
    found: list[PathTuple] = []
    stack = list(_py_validator(target).iter_errors(data))
    while stack:
        error = stack.pop()
        if error.validator == "not":
            found.append(tuple(error.absolute_path))
        if error.validator in ("oneOf", "anyOf") and error.context:
            stack.extend(_best_branch(error) or [])
        else:
            stack.extend(error.context or [])
    return found


def schema_issues(doc: Document, kind: str = schemas.ROOT) -> list[Issue]:
    """Every schema violation in ``doc`` as located issues ([] when valid)."""
    data = doc.data
    if is_valid(data, kind):
        return []
    if kind == schemas.ROOT:
        target, pre = _dispatch(data)
        if target is None:
            return [_locate(i, doc) for i in pre]
    else:
        target, pre = kind, []
    errors = _py_validator(target).iter_errors(data)
    found = [*pre, *(issue for e in errors for issue in _issues(e, target))]
    if not any(i.severity == "error" for i in found):
        found += _deciding_engine_issues(data, target)
    unique = list(dict.fromkeys(found))
    return sorted((_locate(i, doc) for i in unique), key=lambda i: (i.path, i.rule, i.message))


def _deciding_engine_issues(data: Any, name: str) -> list[Issue]:
    """jsonschema-rs rejected ``data`` but python-jsonschema found nothing to report: a
    disagreement between the engines (a bug, tested against). The document is still invalid:
    jsonschema-rs's own errors say where."""
    issues = [Issue(json_path(tuple(e.instance_path)), e.message, "schema")
              for e in _rs_validator(name).iter_errors(data)]
    return issues or [Issue("$", "the document does not match the schema", "schema")]


def _dispatch(data: dict) -> tuple[str | None, list[Issue]]:
    types = schemas.model_types()
    if "model_type" not in data:
        return None, [Issue("$.model_type", "'model_type' is required", "required",
                            f"one of: {', '.join(types)}")]
    mt = data["model_type"]
    if mt not in types:
        hint = _did_you_mean(mt, types) if isinstance(mt, str) else None
        shown = mt if isinstance(mt, str) else json.dumps(mt)  # upstream's words, unquoted
        return None, [Issue("$.model_type", f"Unknown model type: {shown}", "unknown-model-type",
                            hint or f"one of: {', '.join(types)}")]
    return mt, []


def _locate(issue: Issue, doc: Document) -> Issue:
    from dataclasses import replace

    where = doc.position(path_tuple(issue.path)) if doc.fmt != "dict" else None
    return replace(issue, source=doc.source, line=where[0] if where else None,
                   column=where[1] if where else None)


# --- turning python-jsonschema errors into issues -------------------------------------------


def _issues(error, family: str) -> Iterator[Issue]:
    if error.validator in ("oneOf", "anyOf") and error.context:
        tag = _shared_tag(error)
        if tag is not None:  # every alternative refuses this key's value: name them all
            yield _not_one_of(json_path((*error.absolute_path, tag)), error.instance[tag],
                              _tag_values(error, tag), "enum")
            return
        branch = _best_branch(error)
        if branch is not None:
            for sub in branch:
                yield from _issues(sub, family)
            return
    yield from _convert(error, family)


def _shared_tag(error) -> str | None:
    """A key of the object whose value every alternative rejects by ``const``/``enum`` (a type
    tag without a ``discriminator`` keyword, e.g. a ``type`` that may be left out)."""
    if not isinstance(error.instance, dict):
        return None
    base = len(error.absolute_path)
    rejected: dict[int, set] = {}
    for sub in error.context:
        if sub.validator in ("const", "enum") and len(sub.absolute_path) == base + 1:
            rejected.setdefault(sub.relative_schema_path[0], set()).add(sub.absolute_path[-1])
    branches = {sub.relative_schema_path[0] for sub in error.context}
    if rejected.keys() != branches:
        return None
    shared = set.intersection(*rejected.values())
    return next(iter(sorted(shared)), None) if shared else None


def _best_branch(error) -> list | None:
    """The sub-errors of the branch the user most plausibly meant."""
    branches: dict[int, list] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    if not branches:
        return None
    schema = error.schema if isinstance(error.schema, dict) else {}
    tag = (schema.get("discriminator") or {}).get("propertyName")
    instance = error.instance
    if tag and isinstance(instance, dict):
        base = len(error.absolute_path)
        matching = [
            errs for errs in branches.values()
            if not any(len(e.absolute_path) == base + 1 and e.absolute_path[-1] == tag
                       and e.validator in ("const", "enum") for e in errs)
            and not any(e.validator == "required" and len(e.absolute_path) == base
                        and f"'{tag}'" in e.message for e in errs)
        ]
        if len(matching) == 1:
            return matching[0]
        if not matching or tag not in instance:
            return None  # reported by _convert as a bad/missing tag
    return min(branches.values(), key=lambda errs: _score(errs, len(error.absolute_path)))


def _score(errors: list, depth: int) -> tuple[int, int]:
    weight = sum(_SELECTOR_WEIGHT.get(e.validator, 1) if len(e.absolute_path) == depth else 1
                 for e in errors)
    return weight, len(errors)


def _convert(error, family: str) -> Iterator[Issue]:
    """The issues of one python-jsonschema error, worded by its keyword's formatter."""
    formatter = _MESSAGES.get(error.validator, _generic)
    yield from formatter(error, tuple(error.absolute_path), family)


def _schema_of(error) -> dict:
    return error.schema if isinstance(error.schema, dict) else {}


def _unknown_keys(error, path: PathTuple, family: str) -> Iterator[Issue]:
    allowed = sorted((_schema_of(error).get("properties") or {}).keys())
    instance = error.instance
    extras = [k for k in instance if k not in allowed] if isinstance(instance, dict) else []
    for key in extras:
        yield Issue(json_path((*path, key)), f"unknown key {key!r}", error.validator,
                    _key_hint(key, allowed, path, family))


def _required(error, path: PathTuple, family: str) -> Iterator[Issue]:
    missing = error.message.split("'")[1] if "'" in error.message else str(error.validator_value)
    cond = _condition(error)
    message = f"{missing!r} is required" + (f" when {cond}" if cond else "")
    yield Issue(json_path((*path, missing)), message, "required")


def _alternatives(error, path: PathTuple, family: str) -> Iterator[Issue]:
    instance = error.instance
    tag = (_schema_of(error).get("discriminator") or {}).get("propertyName") \
        if isinstance(instance, dict) else None
    if tag:
        options = _tag_values(error, tag)
        if tag not in instance:
            yield Issue(json_path((*path, tag)), f"{tag!r} is required", "required",
                        f"one of: {', '.join(options)}" if options else None)
        else:
            yield _not_one_of(json_path((*path, tag)), instance[tag], options, "enum")
    elif not error.context:
        yield Issue(json_path(path), f"matches more than one alternative of {error.validator}",
                    error.validator)
    else:
        yield from _generic(error, path, family)


def _not_allowed_value(error, path: PathTuple, family: str) -> Iterator[Issue]:
    kind, value = error.validator, error.validator_value
    options = value if kind == "enum" else [value]
    # a key pinned to one value says why
    why = _schema_of(error).get("description") if len(options) == 1 else None
    yield _not_one_of(json_path(path), error.instance, options, kind, why)


def _wrong_type(error, path: PathTuple, family: str) -> Iterator[Issue]:
    value, instance = error.validator_value, error.instance
    expected = " or ".join(value) if isinstance(value, list) else value
    yield Issue(json_path(path), f"expected {expected}, got {_kind(instance)} {_short(instance)}",
                "type", _type_hint(instance, value))


def _forbidden(error, path: PathTuple, family: str) -> Iterator[Issue]:
    text = _schema_of(error).get("description") or "this value is not allowed here"
    yield Issue(json_path(path), text, "not")


def _no_match(error, path: PathTuple, family: str) -> Iterator[Issue]:
    source = _SOURCE_OF.get(error.validator_value, error.validator_value)
    yield Issue(json_path(path), f"{_short(error.instance)} does not match the pattern "
                f"{source!r}", "pattern")


def _generic(error, path: PathTuple, family: str) -> Iterator[Issue]:
    yield Issue(json_path(path), error.message, error.validator)


_MESSAGES = {
    "additionalProperties": _unknown_keys, "unevaluatedProperties": _unknown_keys,
    "required": _required, "oneOf": _alternatives, "anyOf": _alternatives,
    "enum": _not_allowed_value, "const": _not_allowed_value, "type": _wrong_type,
    "not": _forbidden, "pattern": _no_match,
}
"""JSON Schema keyword -> the issues it becomes (any other keyword: the validator's message)."""


def _condition(error) -> str | None:
    """For a ``then``-required error: the ``if`` that triggered it, in words."""
    spath = list(error.relative_schema_path)
    if "then" not in spath:
        return None
    parent = error.parent
    schema = (parent.schema if parent is not None else None) or {}
    keys = (schema.get("if") or {}).get("required") if isinstance(schema, dict) else None
    if not keys:
        return None
    return " and ".join(f"{k!r} is set" for k in keys)


def _tag_values(error, tag: str) -> list[str]:
    values: list[str] = []
    for sub in error.context:
        if sub.validator == "const" and sub.absolute_path and sub.absolute_path[-1] == tag:
            values.append(sub.validator_value)
        elif sub.validator == "enum" and sub.absolute_path and sub.absolute_path[-1] == tag:
            values.extend(sub.validator_value)
    return list(dict.fromkeys(values))


def _kind(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object", type(None): "null"}.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_hint(instance: Any, expected: Any) -> str | None:
    want = expected if isinstance(expected, list) else [expected]
    if isinstance(instance, str):
        try:
            number = float(instance)
        except ValueError:
            low = instance.lower()
            if low in ("true", "false", "yes", "no", "on", "off") and "boolean" in want:
                return f"write true or false without quotes"
            return None
        if "integer" in want or "number" in want:
            return f"write the number without quotes: {json.dumps(number if '.' in instance or 'e' in instance.lower() else int(number))}"
    if isinstance(instance, int) and not isinstance(instance, bool) and "boolean" in want:
        return "write true or false"
    if isinstance(instance, float) and "integer" in want:
        return "write a whole number"
    return None


def _not_one_of(where: str, got: Any, options: list, rule: str, why: str | None = None) -> Issue:
    """``got`` is none of ``options``: a near-miss string gets "did you mean", else ``why``."""
    strings = [o for o in options if isinstance(o, str)]
    hint = _did_you_mean(got, strings) if isinstance(got, str) else None
    return Issue(where, f"{json.dumps(got)} is not one of {json.dumps(options)}", rule,
                 hint or why)


def _did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if not close:
        lowered = {o.lower(): o for o in options}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f"did you mean {close[0]!r}?" if close else None


def _key_hint(key: str, allowed: list[str], path: PathTuple, family: str) -> str | None:
    from .keyindex import where_allowed

    # a key spelled exactly as one elsewhere was misplaced, not mistyped
    here = [p for p in where_allowed(family, key) if p != path]
    if here:
        shown = ", ".join("`" + ".".join(map(str, p)) + "`" if p else "the top level"
                          for p in here[:3])
        return f"{key!r} belongs under {shown}"
    hint = _did_you_mean(key, allowed)
    if hint:
        return hint
    others = [t for t in schemas.model_types() if t != family and where_allowed(t, key)]
    if others:
        return f"{key!r} is only read for model_type {', '.join(others)}"
    if allowed:
        return f"allowed keys here: {', '.join(allowed)}"
    return None
