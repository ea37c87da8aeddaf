"""The one lookup for the canonical JSON Schemas.

Nothing else in sat-config opens schema files by path. Installed wheels carry the schemas as
package data (``sat_config/_schemas``); a source checkout reads the repository's ``schemas/``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

BASE_URI = "https://sat-config.dev/schemas/v1/"
ROOT = "config"
DATASET = "dataset"
_SUFFIX = ".schema.json"


class UnknownSchemaError(LookupError):
    """Raised for a schema name that does not exist; the message lists the known names."""


@cache
def schema_dir() -> Path:
    """Directory holding the ``*.schema.json`` files (package data first, then the checkout)."""
    packaged = resources.files("sat_config") / "_schemas"
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "schemas"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("sat-config's schemas are missing: reinstall the package")


@cache
def names() -> tuple[str, ...]:
    """Every schema name (file name without ``.schema.json``), sorted."""
    return tuple(sorted(p.name[: -len(_SUFFIX)] for p in schema_dir().glob("*" + _SUFFIX)))


@cache
def _load(name: str) -> dict[str, Any]:
    if name not in names():
        raise UnknownSchemaError(f"no schema named {name!r}; known: {', '.join(names())}")
    return json.loads((schema_dir() / f"{name}{_SUFFIX}").read_text(encoding="utf-8"))


def load(name: str) -> dict[str, Any]:
    """The schema ``name`` (e.g. ``"autoencoder"``, ``"config"``). Shared: do not mutate it."""
    return _load(name)


def uri(name: str) -> str:
    """The ``$id`` of schema ``name``."""
    return load(name)["$id"]


def name_of(ref_or_uri: str) -> str:
    """``'autoencoder.schema.json#/...'`` or a full ``$id`` -> ``'autoencoder'``."""
    file = ref_or_uri.split("#", 1)[0].rsplit("/", 1)[-1]
    return file[: -len(_SUFFIX)] if file.endswith(_SUFFIX) else file


@cache
def model_types() -> tuple[str, ...]:
    """The model types the root schema dispatches to, in schema order."""
    return tuple(name_of(branch["$ref"]) for branch in load(ROOT)["oneOf"])


def resources_by_uri() -> dict[str, dict[str, Any]]:
    """Every schema keyed by its ``$id`` (for validator registries)."""
    return {load(n)["$id"]: load(n) for n in names()}
