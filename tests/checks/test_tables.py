"""Tables that dispatch on a type name cover exactly the types the schema admits."""

from __future__ import annotations

from sat_config.checks.parts.autoencoder import PRETRANSFORMS
from sat_config.schema.navigate import root


def _type_consts(cursor) -> set[str]:
    found = set()
    for branch in cursor.branches():
        prop = branch.properties().get("type")
        if prop is not None:
            target = branch.at(prop).target().schema
            found.update([target["const"]] if "const" in target else target.get("enum", []))
    return found


def test_pretransform_facts_cover_every_schema_pretransform_type() -> None:
    model = next(c for c in root("autoencoder").branches() if "model" in c.properties())
    model = model.at(model.properties()["model"])
    pretransform = next(c for c in model.branches() if "pretransform" in c.properties())
    types = _type_consts(pretransform.at(pretransform.properties()["pretransform"]))
    assert types and set(PRETRANSFORMS) == types
