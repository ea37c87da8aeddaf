"""The schemas follow the project's conventions (docs/schema-conventions.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from sat_config.schema import files as schemas

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FORBIDDEN = {"format", "dependentRequired", "dependencies", "$dynamicRef", "$recursiveRef"}
ASCII_UNSAFE = re.compile(r"\\[dwsbDWSB]|\(\?[=!<]")
FREE_FORM_MARK = "free-form"


def _walk(node: Any, path: str = "#") -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key in ("default", "examples", "const", "enum", "defaultSnippets"):
                continue
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def _subschemas():
    for name in schemas.names():
        for path, node in _walk(schemas.load(name)):
            yield name, path, node


ALL = list(_subschemas())


def test_every_file_is_2020_12_with_absolute_id() -> None:
    for name in schemas.names():
        s = schemas.load(name)
        Draft202012Validator.check_schema(s)
        assert s["$schema"] == DIALECT, name
        assert s["$id"] == f"{schemas.BASE_URI}{name}.schema.json", name


def test_root_dispatches_on_model_type_with_discriminator_only() -> None:
    root = schemas.load("config")
    assert set(root) == {"$schema", "$id", "title", "description", "type", "oneOf", "discriminator"}
    assert root["discriminator"] == {"propertyName": "model_type"}
    assert set(schemas.model_types()) == {"autoencoder", "diffusion_uncond", "diffusion_cond",
                                          "diffusion_cond_inpaint", "diffusion_autoencoder", "lm"}
    for mt in schemas.model_types():
        s = schemas.load(mt)
        assert s["properties"]["model_type"] == {**s["properties"]["model_type"], "const": mt}
        assert "model_type" in s["required"] and s.get("title")
        assert s["properties"]["$schema"]["$ref"] == "common.schema.json#/$defs/SchemaKey"
        assert s["additionalProperties"] is False


def test_no_unportable_keywords() -> None:
    bad = [(n, p, k) for n, p, node in ALL for k in FORBIDDEN & set(node)
           if not p.endswith("/properties")]
    assert bad == []
    patterns = [(n, p, node["pattern"]) for n, p, node in ALL
                if isinstance(node.get("pattern"), str) and ASCII_UNSAFE.search(node["pattern"])]
    assert patterns == []


def test_objects_are_closed_titled_and_typed() -> None:
    problems, titles = [], {}
    for name, path, node in ALL:
        if path.endswith("/properties") or path.endswith("/$defs"):
            continue
        if "properties" in node:
            if node.get("type") != "object":
                problems.append(f"{name}{path}: properties without type object")
            if "additionalProperties" not in node and "unevaluatedProperties" not in node \
                    and not path.split("/")[-1].isdigit():
                problems.append(f"{name}{path}: additionalProperties not explicit")
            if "title" not in node and not path.split("/")[-1].isdigit():
                problems.append(f"{name}{path}: no title")
        if node.get("additionalProperties") is True and FREE_FORM_MARK not in node.get("description", "").lower():
            problems.append(f"{name}{path}: open object not described as free-form")
        if "title" in node and "properties" in node:
            titles.setdefault(node["title"], []).append(f"{name}{path}")
    dupes = {t: where for t, where in titles.items() if len(where) > 1}
    assert problems == [] and dupes == {}


def test_every_property_is_described_and_optional_ones_have_defaults() -> None:
    undocumented, no_default = [], []
    for name, path, node in ALL:
        props = node.get("properties")
        if not isinstance(props, dict) or path.split("/")[-1].isdigit():
            continue  # branch-local refinements of properties described at the object level
        required = set(node.get("required") or [])
        for key, sub in props.items():
            if not isinstance(sub, dict):
                continue
            target = sub
            if "$ref" in sub and "description" not in sub:
                target = _deref(name, sub["$ref"])
            if "description" not in target and "const" not in sub:
                undocumented.append(f"{name}{path}/{key}")
            if key not in required and "default" not in sub and "default" not in target:
                no_default.append(f"{name}{path}/{key}")
    assert undocumented == []
    assert no_default == []


def _deref(doc: str, ref: str) -> dict:
    file, _, pointer = ref.partition("#")
    target: Any = schemas.load(schemas.name_of(file) if file else doc)
    for part in [p for p in pointer.split("/") if p]:
        target = target[part]
    return target


def test_defaults_validate_against_their_own_schema() -> None:
    from sat_config.schema.engine import _py_validator

    registry = _py_validator("config")._registry
    bad = []
    for name, path, node in ALL:
        if "default" in node and not path.endswith("/properties"):
            # Reach the node through its file so that local `#/$defs/...` refs resolve there
            # (`default` itself is only an annotation, so validating against the node is fine).
            pointer = path[1:].replace("~", "~0").replace("$", "%24")
            v = Draft202012Validator({"$ref": f"{schemas.uri(name)}#{pointer}"}, registry=registry)
            if not v.is_valid(node["default"]):
                bad.append(f"{name}{path}: default {json.dumps(node['default'])[:60]}")
    assert bad == []


@pytest.mark.parametrize("model_type", ["autoencoder", "diffusion_uncond", "diffusion_cond",
                                        "diffusion_cond_inpaint", "diffusion_autoencoder", "lm"])
def test_each_type_ships_a_valid_starter_example(model_type: str) -> None:
    import sat_config

    examples = schemas.load(model_type).get("examples")
    assert examples, f"{model_type} schema has no examples[0] starter config"
    assert sat_config.validate(examples[0]) == []


def test_editor_extras_are_consistent() -> None:
    """enumDescriptions align with their enum; markdownDescription never replaces description."""
    bad = []
    for name, path, node in ALL:
        if "enumDescriptions" in node and len(node["enumDescriptions"]) != len(node.get("enum", ())):
            bad.append(f"{name}{path}: enumDescriptions do not match enum")
        if "markdownDescription" in node and "description" not in node:
            bad.append(f"{name}{path}: markdownDescription without a plain description")
    assert bad == []


def test_unknown_schema_name_lists_known_names() -> None:
    with pytest.raises(LookupError, match="known: .*autoencoder"):
        schemas.load("nope")
