"""sat-config in users' workflows: GitHub annotations from `--format github`, and the pre-commit
hook other repositories install (.pre-commit-hooks.yaml)."""

from __future__ import annotations

import io
import json
import re
import shlex
import tomllib

import pytest
from ruamel.yaml import YAML

from sat_config import cli
from conftest import CORPUS, REPO, example_files

# ::error file=F,line=L,col=C,title=T::MESSAGE (GitHub workflow command syntax)
ANNOTATION = re.compile(r"^::(error|warning) file=([^,]+),line=(\d+),col=(\d+),title=sat-config::(.+)$")


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


@pytest.fixture
def broken(tmp_path):
    """A JSON and a YAML config with two mistakes each; the key names need escaping in annotations."""
    data = json.loads((REPO / "examples" / "autoencoder.json").read_text())
    data["training"]["use_emma%"] = True
    data["sample_rate"] = "44100"
    json_file = tmp_path / "bad.json"
    json_file.write_text(json.dumps(data, indent=2))
    yaml_file = tmp_path / "bad.yaml"
    yaml_file.write_text("model_type: autoencoder\nsample_rate: 44100\nsample_size: 4096\n"
                         "model: {}\ntraining:\n  learning_rat: 1.0e-4\n")
    return json_file, yaml_file


def test_github_format_annotates_every_issue_where_the_text_format_locates_it(broken) -> None:
    code, text = _run("validate", *map(str, broken))
    code_gh, github = _run("validate", "--format", "github", *map(str, broken))
    assert code == code_gh == 1
    located = [line for line in text.splitlines() if re.match(r"^.+:\d+:\d+: ", line)]
    annotations = github.splitlines()
    assert len(annotations) == len(located) >= 4
    for annotation, plain in zip(annotations, located):
        match = ANNOTATION.match(annotation)
        assert match, annotation
        _, file, line, col, message = match.groups()
        assert plain.startswith(f"{file}:{line}:{col}: ")
        assert "\n" not in message and "%" not in message.replace("%25", "")
    assert {ANNOTATION.match(a).group(2) for a in annotations} == set(map(str, broken))
    assert any("use_emma%25" in a for a in annotations)  # '%' escaped as GitHub requires


def test_github_format_prints_nothing_for_valid_files() -> None:
    code, out = _run("validate", "--format", "github", *map(str, example_files()))
    assert (code, out) == (0, "")


def test_github_format_escapes_the_file_property(tmp_path) -> None:
    odd = tmp_path / "a,b:c.json"
    odd.write_text('{"model_type": "lm"}')
    _, out = _run("validate", "--format", "github", str(odd))
    assert f"file={str(odd).replace(':', '%3A').replace(',', '%2C')},line=" in out


# --- the pre-commit hook ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hook() -> dict:
    (only,) = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())
    return only


def _upstream_layout_paths() -> list[str]:
    """The upstream repository paths of the shipped corpus (``model_configs__x__y.json``)."""
    return [p.name.replace("__", "/") for p in sorted((CORPUS / "upstream").glob("*.json"))]


def test_hook_runs_the_installed_console_script(hook) -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    command, *args = shlex.split(hook["entry"])
    assert scripts[command] == "sat_config.cli:main"
    assert args == ["validate"]
    assert hook["language"] == "python" and set(hook["types_or"]) == {"json", "yaml"}


def test_hook_selects_upstream_config_files_and_nothing_else(hook) -> None:
    selects = re.compile(hook["files"]).search
    paths = _upstream_layout_paths()
    assert len(paths) == 12 and all(selects(p) for p in paths)
    assert all(selects(p) for p in ["model_config.json", "configs/vae_model_config.yaml"])
    assert not any(selects(p) for p in ["package.json", "tsconfig.json", ".vscode/settings.json",
                                        "src/model_configs.py", "data/config.json"])


def test_hook_command_passes_good_files_and_fails_bad_ones(hook, broken) -> None:
    _, *args = shlex.split(hook["entry"])
    good = [str(p) for p in sorted((CORPUS / "upstream").glob("*.json"))]
    assert _run(*args, *good)[0] == 0
    assert _run(*args, *good, str(broken[0]))[0] == 1
