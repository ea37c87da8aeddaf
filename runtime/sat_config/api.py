"""Load and validate configs: ``load_config`` returns a typed config or raises with every issue."""

from __future__ import annotations

import warnings
from typing import Any

from .schema import files as schemas
from .errors import ConfigError, Issue, UnknownModelTypeError, json_path
from .parsing.document import Document, check_tree, parse
from .checks import STRUCTURAL, integer_range_issues, semantic_issues
from .schema.engine import is_valid, schema_issues


class ConfigWarning(UserWarning):
    """A config is valid but probably not what its author meant (e.g. a key that is ignored)."""


def _document(source: Any) -> Document:
    """The parsed document; its numbers are read as JSON Schema reads them (``2.0`` is the
    integer 2) once, for every later step: schema, semantic checks and typed models."""
    return parse(source)


def document_issues(doc: Document, kind: str) -> list[Issue]:
    """Every issue of a parsed document against schema ``kind`` (and, for model configs, the
    semantic checks of its kind)."""
    try:
        valid = is_valid(doc.data, kind)
    except ValueError as exc:  # a value jsonschema-rs cannot read (a set, an object...)
        check_tree(doc.data, doc, scan=False)  # raises a located ConfigError
        return [Issue("$", f"the config cannot be validated: {exc}", "type",
                      source=doc.source)]
    if valid:
        return _with_source(_semantic(doc.data, kind, schema_valid=True), doc)
    issues = schema_issues(doc, kind)
    if kind != schemas.ROOT or (not any(i.rule == "unknown-model-type" for i in issues)
                                and "model_type" in doc.data):
        # a place the schema already rejected is said once; a number past 64 bits is news
        said = {i.path for i in issues}
        issues += [i for i in _with_source(_semantic(doc.data, kind, schema_valid=not issues),
                                           doc)
                   if i.path not in said or i.rule == "semantic:integer-range"]
    return issues


def _semantic(data: dict, kind: str, *, schema_valid: bool) -> list[Issue]:
    """The semantic checks of a model config; the integer bounds of any other document."""
    if kind != schemas.ROOT:
        return integer_range_issues(data)
    try:
        return semantic_issues(data, schema_valid=schema_valid, normalized=True)
    except STRUCTURAL as exc:  # a check's bug: said in one line, not a traceback
        return [Issue("$", f"a semantic check failed on this config ({type(exc).__name__}: "
                      f"{exc}); this is a bug in sat-config, please report it", "internal")]


def _with_source(issues: list[Issue], doc: Document) -> list[Issue]:
    if not issues:
        return issues
    from dataclasses import replace

    from .errors import path_tuple

    out = []
    for issue in issues:
        where = doc.position(path_tuple(issue.path)) if doc.fmt != "dict" else None
        out.append(replace(issue, source=doc.source, line=where[0] if where else issue.line,
                           column=where[1] if where else issue.column))
    return out


def validate(source: Any, *, kind: str = schemas.ROOT, strict: bool = False) -> list[Issue]:
    """Every issue (errors and warnings) of a config; never raises for a bad config.

    ``source`` is a path, JSON/YAML text or a dict. ``kind`` is ``"config"`` (model + training
    config) or ``"dataset"``. ``strict`` turns warnings (keys the kind ignores, likely
    mistakes) into errors.
    """
    try:
        doc = _document(source)
        issues = document_issues(doc, kind)
    except ConfigError as exc:
        issues = list(exc.issues)
    return strictly(issues) if strict else issues


def strictly(issues: list[Issue]) -> list[Issue]:
    """``issues`` with every warning made an error (``--strict``)."""
    from dataclasses import replace

    return [replace(i, severity="error") if i.severity == "warning" else i for i in issues]


def _raise_or_warn(doc: Document, issues: list[Issue], strict: bool = False) -> None:
    if strict:
        issues = strictly(issues)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        cls = UnknownModelTypeError if any(i.rule == "unknown-model-type" for i in errors) \
            else ConfigError
        raise cls(issues, source=doc.source)
    for issue in issues:
        warnings.warn(issue.format(), ConfigWarning, stacklevel=3)


def load_config(source: Any, *, strict: bool = False):
    """Parse, validate (schema + semantic checks) and return the typed config.

    Raises :class:`ConfigError` carrying every issue; ``UnknownModelTypeError`` (also a
    ``NotImplementedError``) when ``model_type`` names no known type. Warnings are issued as
    :class:`ConfigWarning` (errors with ``strict``). Defaults are applied in the returned
    object; the input is never modified.
    """
    if not isinstance(source, (dict, str, bytes)) and hasattr(source, "model_dump"):
        return source  # already typed (it was validated when built)
    doc = _document(source)
    issues = document_issues(doc, schemas.ROOT)
    if issues:
        _raise_or_warn(doc, issues, strict)
    return _typed(doc.data, "training_config_adapter")


def load_dataset_config(source: Any, *, strict: bool = False):
    """Like :func:`load_config`, for dataset configs (``--dataset-config``)."""
    doc = _document(source)
    issues = document_issues(doc, schemas.DATASET)
    if issues:
        _raise_or_warn(doc, issues, strict)
    return _typed(doc.data, "dataset_config_adapter")


def _typed(data: dict[str, Any], adapter: str) -> Any:
    """The typed config of schema-valid ``data`` (numbers normalised by :func:`_document`): the
    models skip the schema check they would run themselves (``SCHEMA_CHECKED``: it just ran)."""
    from pydantic import ValidationError

    from . import models

    try:
        return getattr(models, adapter)().validate_python(
            data, context={models.SCHEMA_CHECKED: True})
    except ValidationError as exc:  # the models refuse what the validator passed: a bug, but
        # still the config's verdict, located, never a raw pydantic error
        raise ConfigError([Issue(json_path(_data_path(data, e["loc"])),
                                 f"the typed config refuses it: {e['msg']}", "typed")
                           for e in exc.errors()]) from None


def _data_path(data: Any, loc: tuple) -> tuple:
    """A pydantic error location as a path into ``data``: the names of union members (which
    are no keys of the data at that place) left out."""
    path: list[str | int] = []
    for i, part in enumerate(loc):
        if isinstance(data, dict) and isinstance(part, str) and part in data \
                or isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            path.append(part)
            data = data[part]
        elif i == len(loc) - 1 and isinstance(data, dict) and isinstance(part, str):
            path.append(part)  # a missing key
    return tuple(path)


def dump(config: Any) -> dict[str, Any]:
    """A typed config back to plain JSON data, every default filled in.

    Keys whose value is null are left out: every nullable key defaults to null, and upstream
    tests several of them for presence. A default the schema forbids in this config's context
    (e.g. ``mask_padding`` under ARC post-training, ``stft_*`` without ``use_stft``) is left out
    too, so the result validates like the config it came from.
    """
    full = config.model_dump(mode="json", by_alias=True, exclude_none=True)
    written = config.model_dump(mode="json", by_alias=True, exclude_unset=True)
    from .schema.engine import forbidden_paths

    for _ in range(8):  # each pass removes what the schema forbids; nested rules may need two
        removable = [p for p in forbidden_paths(full) if not _has_path(written, p)]
        if not removable:
            break
        for path in sorted(removable, key=len, reverse=True):
            _delete_path(full, path)
    return full


def _has_path(data: Any, path: tuple) -> bool:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    return True


def _delete_path(data: Any, path: tuple) -> None:
    for part in path[:-1]:
        data = data[part]
    if isinstance(data, dict):
        data.pop(path[-1], None)
