"""The generated key reference (docs/reference): up to date, deterministic, complete, and its
facts agree with the schemas as `sat-config explain` reads them."""

from __future__ import annotations

import json
import re

import pytest

from sat_config.schema import docs
from sat_config.schema import files as schemas
from sat_config.schema.keyindex import walk as key_index
from sat_config.schema.explain import explain
from conftest import REPO

REFERENCE = REPO / docs.OUTPUT


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return docs.pages()


def test_committed_reference_is_up_to_date() -> None:
    assert docs.main(["--check"]) == 0, "docs/reference is stale: run `make generate`"


def test_check_names_the_fixing_command_and_write_fixes(tmp_path, capsys) -> None:
    out = tmp_path / "ref"
    assert docs.main(["--check", "--output", str(out)]) == 1
    assert "run `make generate`" in capsys.readouterr().err
    assert docs.main(["--write", "--output", str(out)]) == 0
    (out / "removed_type.md").write_text("old page")
    assert docs.main(["--check", "--output", str(out)]) == 1
    assert "removed_type.md" in capsys.readouterr().err
    assert docs.main(["--write", "--output", str(out)]) == 0
    assert not (out / "removed_type.md").exists()
    assert docs.main(["--check", "--output", str(out)]) == 0


def test_deterministic(pages) -> None:
    assert docs.pages() == pages


def test_one_page_per_model_type_plus_dataset_and_index(pages) -> None:
    assert set(pages) == {f"{mt}.md" for mt in schemas.model_types()} | {"dataset.md", "README.md"}
    for mt in schemas.model_types():
        assert f"]({mt}.md)" in pages["README.md"]
    assert "](../semantic-checks.md)" in pages["README.md"]


def _rows(page: str) -> dict[str, list[list[str]]]:
    """key -> every table row (cells) documenting it on the page."""
    rows: dict[str, list[list[str]]] = {}
    for line in page.splitlines():
        match = re.match(r"\| `([^`]+)` \|(.*)\|$", line)
        if match:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", match.group(2))]
            rows.setdefault(match.group(1), []).append(cells)
    return rows


@pytest.mark.parametrize("model_type", schemas.model_types())
def test_every_key_of_the_model_type_is_documented(pages, model_type) -> None:
    documented = set(_rows(pages[f"{model_type}.md"]))
    every_key = set(key_index(model_type))
    assert every_key - documented == set()


@pytest.mark.parametrize("model_type", schemas.model_types())
def test_top_level_and_training_facts_match_explain(pages, model_type) -> None:
    """Type, default/required, bounds and description of each top-level and training key."""
    rows = _rows(pages[f"{model_type}.md"])
    family = schemas.load(model_type)
    paths = [k for k in family["properties"] if not k.startswith("$")]  # explain reads "$" as the root
    checked = 0
    for path in paths + [f"training.{k}" for k in _training_keys(model_type)]:
        (info, *_) = explain(path, model_type)
        key = path.rsplit(".", 1)[-1]
        candidates = rows[key]
        if info.required:
            assert any(r[1] == "**required**" for r in candidates), path
        elif "default" in info.schema:
            shown = json.dumps(info.schema["default"], ensure_ascii=False, separators=(", ", ": "))
            assert any(r[1] == f"`{shown}`" for r in candidates), (path, shown, candidates)
        for bound in ("minimum", "maximum"):
            if bound in info.schema:
                assert any(str(info.schema[bound]) in r[2] for r in candidates), (path, bound)
        if info.schema.get("description"):
            text = " ".join(info.schema["description"].replace("|", "\\|").split())
            assert any(r[3] == text for r in candidates), path
        checked += 1
    assert checked >= 8


def _training_keys(model_type: str) -> list[str]:
    training = schemas.load(model_type)["properties"]["training"]
    ref = training["$ref"]
    file, _, pointer = ref.partition("#")
    node = schemas.load(schemas.name_of(file) if file else model_type)
    for part in pointer.split("/")[1:]:
        node = node[part]
    return list(node["properties"])


def test_links_resolve(pages) -> None:
    for name, text in pages.items():
        anchors = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-")
                   for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}
        for target in re.findall(r"\]\(#([^)]+)\)", text):
            assert target in anchors, f"{name}: dangling #{target}"
        for target in re.findall(r"\]\(([^)#:]+)\)", text):
            assert (REFERENCE / target).resolve().exists() or target.endswith("semantic-checks.md"), \
                f"{name}: dangling link {target}"
