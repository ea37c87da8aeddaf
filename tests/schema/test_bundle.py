"""The bundled schema: self-contained, deterministic, committed up to date, equivalent to the split
files, printed by `sat-config schema --bundle`, and installed with the wheel."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import jsonschema_rs
import pytest
from jsonschema import Draft202012Validator

from sat_config import cli
from sat_config.schema import bundle
from sat_config.schema import files as schemas
from sat_config.parsing.document import parse
from sat_config.schema.engine import is_valid
from conftest import CORPUS, REPO, example_files, invalid_cases, valid_cases

COMMITTED = REPO / bundle.COMMITTED


@pytest.fixture(scope="module")
def built() -> dict:
    return bundle.build()


def _refs(node):
    for sub in bundle._schema_nodes(node):
        if isinstance(sub.get("$ref"), str):
            yield sub["$ref"]


def test_committed_bundle_is_up_to_date() -> None:
    assert bundle.main(["--check"]) == 0, "generated/bundle is stale: run `make generate`"
    assert COMMITTED.read_bytes() == bundle.bundle_text().encode("utf-8")


def test_check_names_the_fixing_command_and_write_fixes(tmp_path, capsys) -> None:
    target = tmp_path / "b.json"
    assert bundle.main(["--check", "--output", str(target)]) == 1
    assert "is missing: run `make generate`" in capsys.readouterr().err
    target.write_text("{}")
    assert bundle.main(["--check", "--output", str(target)]) == 1
    assert "is stale: run `make generate`" in capsys.readouterr().err
    assert bundle.main(["--write", "--output", str(target)]) == 0
    assert bundle.main(["--check", "--output", str(target)]) == 0


def test_self_contained_with_a_stable_id(built) -> None:
    Draft202012Validator.check_schema(built)
    assert built["$id"] == bundle.BUNDLE_ID == "https://sat-config.dev/schemas/v1/sat-config.schema.json"
    refs = list(_refs(built))
    assert len(refs) > 100
    assert all(r == "#" or r.startswith("#/") for r in refs), [r for r in refs if not r.startswith("#")][:5]
    for ref in set(refs):
        bundle.resolve_pointer(built, ref)  # raises on a dangling pointer
    ids = [n["$id"] for n in bundle._schema_nodes(built) if "$id" in n]
    assert ids == [bundle.BUNDLE_ID]
    assert sorted(built["$defs"]) == sorted(n for n in schemas.names() if n != schemas.ROOT)


def test_deterministic_whatever_the_file_order() -> None:
    files = {n: schemas.load(n) for n in schemas.names()}
    backwards = dict(reversed(list(files.items())))
    assert bundle.bundle_text(files) == bundle.bundle_text(backwards) == bundle.bundle_text()


def test_cli_prints_the_committed_bytes() -> None:
    out = io.StringIO()
    assert cli.main(["schema", "--bundle"], out=out) == 0
    assert out.getvalue().encode("utf-8") == COMMITTED.read_bytes()


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "ascii"])
def test_redirected_stdout_gets_the_committed_bytes_whatever_the_locale(encoding: str) -> None:
    # `sat-config schema --bundle > file` on a console whose encoding cannot spell the bundle
    out = subprocess.run([sys.executable, "-m", "sat_config", "schema", "--bundle"],
                         capture_output=True, env={**os.environ, "PYTHONIOENCODING": encoding},
                         check=True)
    assert out.stdout == COMMITTED.read_bytes()


def test_a_reference_to_a_missing_file_is_an_error() -> None:
    files = {n: schemas.load(n) for n in schemas.names()}
    files["config"] = {**files["config"], "oneOf": [{"$ref": "nope.schema.json"}]}
    with pytest.raises(bundle.BundleError, match="nope.schema.json"):
        bundle.build(files)


def _corpus_docs():
    paths = [*valid_cases(), *invalid_cases(), *example_files(), *sorted((CORPUS / "upstream").glob("*.json"))]
    return [(p, parse(p).data) for p in paths]


def test_same_verdicts_as_the_split_files(built) -> None:
    registry = jsonschema_rs.Registry([(built["$id"], built)])
    validators = {
        kind: jsonschema_rs.validator_for({"$schema": built["$schema"], "$ref": bundle.BUNDLE_ID + suffix},
                                          registry=registry)
        for kind, suffix in (("config", ""), ("dataset", "#/$defs/dataset"))}
    docs = _corpus_docs()
    assert len(docs) >= 60
    for path, data in docs:
        kind = "dataset" if "dataset_type" in data else "config"
        assert validators[kind].is_valid(data) == is_valid(data, kind), path.name


def test_every_documented_property_has_hover_text(built, monkeypatch) -> None:
    monkeypatch.setattr(bundle, "_annotate", lambda doc: None)
    plain = bundle.build()  # the same bundle without the hover texts, node for node
    checked = 0
    pairs = zip(bundle._schema_nodes_in_context(built), bundle._schema_nodes_in_context(plain))
    for (node, in_rule), (raw, _) in pairs:
        if in_rule or not isinstance(node.get("properties"), dict):
            continue
        required = set(node.get("required") or ())
        for key, prop in node["properties"].items():
            source = bundle.effective(raw["properties"][key], plain)
            text = source.get("markdownDescription") or source.get("description")
            if not text:
                continue
            hover = prop.get("markdownDescription", "")
            assert hover.startswith(text), key
            if key in required:
                assert "**Required.**" in hover, key
            elif "default" in source:
                assert "**Default:** `" in hover, key
            checked += 1
    assert checked > 500


def test_rule_descriptions_become_error_messages(built) -> None:
    in_rules = [n for n, in_rule in bundle._schema_nodes_in_context(built) if in_rule]
    assert in_rules and not any("description" in n for n in in_rules)
    assert any("errorMessage" in n for n in in_rules)


def test_type_lists_name_the_default_type_first(built) -> None:
    nullable = [n for n in bundle._schema_nodes(built)
                if isinstance(n.get("type"), list) and n.get("default", 0) is None]
    assert nullable and all(n["type"][0] == "null" for n in nullable)


def test_bundle_path_in_a_checkout() -> None:
    assert schemas.bundle_path() == COMMITTED


# --- installed from a wheel -------------------------------------------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheel: Path) -> Path:
    """A venv with only the built wheel installed (dependencies borrowed from this one)."""
    tmp = tmp_path_factory.mktemp("wheel")
    whl = wheel
    names = zipfile.ZipFile(whl).namelist()
    assert f"sat_config/_bundle/{bundle.FILE_NAME}" in names, (
        "the wheel lacks the bundled schema: pyproject.toml needs "
        '"generated/bundle" = "sat_config/_bundle" under [tool.hatch.build.targets.wheel.force-include]')
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(subprocess.check_output(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(site), str(whl)], check=True)
    (site / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return py


def test_installed_wheel_ships_the_bundle_and_init_points_at_it(installed: Path, tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    probe = subprocess.run([str(installed), "-c", "from sat_config.schema.files import bundle_path; print(bundle_path())"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    path = Path(probe.stdout.strip())
    assert str(path).startswith(str(installed.parents[1])), path
    assert path.read_bytes() == COMMITTED.read_bytes()
    init = subprocess.run([str(installed), "-m", "sat_config", "init", "lm"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=True)
    ref = json.loads(init.stdout)["$schema"]
    assert urlparse(ref).scheme == "file"
    assert Path(url2pathname(urlparse(ref).path)) == path
