"""Typed values for config fields the runtime fills in itself (defaults stay the schema's)."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter


@cache
def _adapter(owner: type, dotted: str) -> TypeAdapter:
    annotation: Any = owner
    for name in dotted.split("."):
        annotation = _model_of(annotation).model_fields[name].annotation
    return TypeAdapter(annotation)


def _model_of(annotation: Any) -> type:
    """The pydantic model inside ``X`` or ``X | None``."""
    if hasattr(annotation, "model_fields"):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if hasattr(arg, "model_fields"):
            return arg
    raise TypeError(f"{annotation!r} is not a pydantic model field")


def typed_field(owner: type, dotted: str, data: Any) -> Any:
    """``data`` validated as the field ``dotted`` (e.g. ``"training.loss_configs"``) of ``owner``;
    fields that ``data`` leaves out get the schema's defaults."""
    return _adapter(owner, dotted).validate_python(data)
