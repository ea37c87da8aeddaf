"""is_valid checks a model config against its model type's schema alone: the root schema's
verdict is that branch's (the root is a oneOf whose every branch pins model_type)."""

from __future__ import annotations

import copy
import json

from sat_config.schema import files
from sat_config.schema.engine import _rs_validator, is_valid
from conftest import CORPUS, example_files, invalid_cases, valid_cases


def test_every_root_branch_pins_its_model_type() -> None:
    root = files.load(files.ROOT)
    assert set(root) - {"$schema", "$id", "title", "description"} == {
        "type", "oneOf", "discriminator"}
    assert root["type"] == "object"
    for model_type in files.model_types():
        branch = files.load(model_type)
        assert branch["type"] == "object" and "model_type" in branch["required"]
        assert branch["properties"]["model_type"]["const"] == model_type


def _documents() -> list:
    paths = sorted((CORPUS / "upstream").glob("model_configs__*.json")) + [
        p for p in valid_cases() + invalid_cases() + example_files() if p.suffix == ".json"]
    docs = [json.loads(p.read_text()) for p in paths]
    out = list(docs)
    for doc in docs[:20]:
        for model_type in (*files.model_types(), "nope", None, 3):  # another type's branch
            other = copy.deepcopy(doc)
            other["model_type"] = model_type
            out.append(other)
        out.append({k: v for k, v in doc.items() if k != "model_type"})
    return out + [[], "diffusion_cond", None, {"model_type": "lm"}]


def test_the_verdict_is_the_root_schemas() -> None:
    root = _rs_validator(files.ROOT)
    documents = _documents()
    assert len(documents) > 300
    assert any(is_valid(d) for d in documents) and not all(is_valid(d) for d in documents)
    for doc in documents:
        assert is_valid(doc) == root.is_valid(doc), str(doc)[:200]
