"""The one $ref navigator, and the tools built on it (explain, the key index, defaults)."""

from __future__ import annotations

import pytest

from sat_config.schema import files
from sat_config.schema.explain import explain
from sat_config.schema.keyindex import walk
from sat_config.schema.navigate import NavigationError, document, root

ESCAPED = {
    "$id": "https://example.test/escaped.schema.json",
    "type": "object",
    "$defs": {
        "a/b": {"type": "integer", "default": 3, "description": "slash in the name"},
        "c~d": {"type": "object", "title": "Tilde", "properties": {"e": {"$ref": "#/$defs/a~1b"}}},
    },
    "properties": {
        "slash": {"$ref": "#/$defs/a~1b"},
        "tilde": {"$ref": "#/$defs/c~0d", "description": "written beside the $ref"},
    },
}


def test_refs_with_json_pointer_escapes_resolve() -> None:
    cursor = document(ESCAPED)
    slash = cursor.at(cursor.properties()["slash"]).target()
    assert slash.schema["description"] == "slash in the name"
    tilde = cursor.at(cursor.properties()["tilde"]).effective()
    assert tilde.schema["title"] == "Tilde"
    assert tilde.schema["description"] == "written beside the $ref"  # beside the $ref wins


def test_explain_follows_escaped_refs() -> None:
    (info,) = explain("tilde.e", roots={"x": document(ESCAPED)})
    assert info.schema["default"] == 3 and "integer" in info.format()
    (info,) = explain("slash", roots={"x": document(ESCAPED)})
    assert info.format().splitlines()[1].split() == ["type:", "integer"]


def test_a_dangling_or_cyclic_ref_is_a_navigation_error() -> None:
    cursor = document({"$id": "https://example.test/bad.schema.json",
                       "$defs": {"loop": {"$ref": "#/$defs/loop"}}})
    with pytest.raises(NavigationError):
        cursor.lookup("#/$defs/missing")
    with pytest.raises(NavigationError):
        cursor.at({"$ref": "#/$defs/loop"}).target()


def test_refs_across_schema_files_resolve_like_the_validators() -> None:
    branches = list(root("config").branches())
    titles = {c.schema.get("title") for c in branches}
    assert "AutoencoderConfig" in titles and "LMConfig" in titles


@pytest.mark.parametrize("model_type", files.model_types())
def test_explain_answers_for_every_key_of_every_model_type(model_type: str) -> None:
    """Every key path the schema has is explained and formats (83 paths used to crash on a
    relative $ref inside oneOf branches and array items)."""
    for key, where in walk(model_type).items():
        for parent in where:
            path = ".".join((*parent, key))
            found = explain(path, model_type)
            assert found, path
            for info in found:
                assert "type:" in info.format()
