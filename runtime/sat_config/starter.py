"""Minimal valid starter configs, taken from each model type's schema ``examples``."""

from __future__ import annotations

import copy
from typing import Any

from .schema import files as schemas


def bundled_schema_uri() -> str:
    """``file://`` URI of the installed bundled schema, so editors resolve it offline."""
    return schemas.bundle_path().resolve().as_uri()


def starter_config(model_type: str, schema_ref: str | None = None) -> dict[str, Any]:
    """The first ``examples`` entry of ``model_type``'s schema, with ``$schema`` set first."""
    examples = schemas.load(model_type).get("examples") or []
    if not examples:
        raise LookupError(f"the {model_type} schema carries no starter example")
    body = copy.deepcopy(examples[0])
    body.pop("$schema", None)
    return {"$schema": schema_ref or bundled_schema_uri(), **body}
