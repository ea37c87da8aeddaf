"""The one lookup for the canonical JSON Schemas (and the files generated from them).

Nothing else in sat-config opens schema files by path. Installed wheels carry the schemas as
package data (``sat_config/_schemas``, ``sat_config/_bundle``, ``sat_config/_facts``); a source
checkout reads the repository's ``schemas/``, ``generated/bundle/`` and ``generated/facts/``.
"""

from __future__ import annotations

import json
import zlib
from functools import cache
from pathlib import Path
from typing import Any

BASE_URI = "https://sat-config.dev/schemas/v1/"
ROOT = "config"
DATASET = "dataset"
_SUFFIX = ".schema.json"


class UnknownSchemaError(LookupError):
    """Raised for a schema name that does not exist; the message lists the known names."""


BUNDLE_FILE = "sat-config.schema.json"
BUNDLE_IN_CHECKOUT = Path("generated") / "bundle" / BUNDLE_FILE
"""Where ``make generate`` writes the bundle, relative to the repository root."""
FACTS_IN_CHECKOUT = Path("generated") / "facts"
"""Where ``make generate`` writes the facts validation reads (``sat_config.schema.derived``)."""
CHECKOUT = Path(__file__).resolve().parents[3]
"""The repository root when running from a source checkout (``runtime/sat_config/schema/``)."""
PACKAGE = Path(__file__).resolve().parents[1]
"""The ``sat_config`` package folder, where a wheel puts its package data (found without
``importlib.resources``, which costs a cold ``sat-config validate`` 10 ms to import)."""


def _find(packaged: str, in_checkout: Path) -> Path | None:
    """Package data of an installed wheel first, then the source checkout's file."""
    data = PACKAGE.joinpath(*packaged.split("/"))
    if data.exists():
        return data
    checkout = CHECKOUT / in_checkout
    return checkout if checkout.exists() else None


@cache
def schema_dir() -> Path:
    """Directory holding the ``*.schema.json`` files."""
    found = _find("_schemas", Path("schemas"))
    if found is None:
        raise FileNotFoundError("sat-config's schemas are missing: reinstall the package")
    return found


@cache
def bundle_path() -> Path:
    """The bundled, self-contained schema file (``sat-config schema --bundle``)."""
    found = _find(f"_bundle/{BUNDLE_FILE}", BUNDLE_IN_CHECKOUT)
    if found is None:
        raise FileNotFoundError(
            f"the bundled schema {BUNDLE_FILE} is missing: run `make generate` in a checkout, "
            "or reinstall sat-config")
    return found


@cache
def names() -> tuple[str, ...]:
    """Every schema name (file name without ``.schema.json``), sorted."""
    return tuple(sorted(p.name[: -len(_SUFFIX)] for p in schema_dir().glob("*" + _SUFFIX)))


@cache
def _source(name: str) -> bytes:
    if name not in names():
        raise UnknownSchemaError(f"no schema named {name!r}; known: {', '.join(names())}")
    return (schema_dir() / f"{name}{_SUFFIX}").read_bytes()


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads(_source(name).decode("utf-8"))


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


@cache
def fingerprint() -> str:
    """A checksum of every schema file's name and text (line ends read as LF): what a file
    derived from the schemas records, so that a reader can tell it was derived from these."""
    crc = 0
    for name in names():
        crc = zlib.crc32(f"{name}\0".encode(), crc)
        crc = zlib.crc32(_source(name).replace(b"\r\n", b"\n"), crc)
    return f"crc32:{crc:08x}"


@cache
def generated_facts(file: str) -> dict[str, Any] | None:
    """The generated facts file ``file`` (``make generate``), or None when it is absent or was
    derived from other schema files than these (its ``fingerprint`` is not :func:`fingerprint`):
    the facts are then walked from the schemas."""
    path = _find(f"_facts/{file}", FACTS_IN_CHECKOUT / file)
    if path is None:
        return None
    data = json.loads(path.read_bytes().decode("utf-8"))
    return data if isinstance(data, dict) and data.get("fingerprint") == fingerprint() else None


def resources_by_uri() -> dict[str, dict[str, Any]]:
    """Every schema keyed by its ``$id`` (for validator registries)."""
    return {load(n)["$id"]: load(n) for n in names()}
