"""The sat-config command line, driven in-process (and once as a real process)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sat_config import cli
from sat_config.schema import files as schemas
from sat_config.schema.explain import explain
from conftest import CORPUS

SA2 = str(CORPUS / "upstream" / "model_configs__txt2audio__stable_audio_2_0.json")
DANCE = CORPUS / "upstream" / "model_configs__dance_diffusion__dance_diffusion_base.json"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        code = cli.main(list(argv), out=out)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    return code, out.getvalue()


@pytest.fixture
def bad_file(tmp_path):
    data = json.loads(DANCE.read_text())
    data["training"]["learning_rat"] = 1e-4
    data["sample_rate"] = "44100"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def test_validate_ok() -> None:
    assert run("validate", SA2) == (0, f"{SA2}: ok\n")


def test_validate_reports_every_issue_with_location(bad_file) -> None:
    code, out = run("validate", str(bad_file))
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{bad_file}:") for line in lines)
    assert any("$.training.learning_rat: unknown key" in line and "learning_rate" in line
               for line in lines)
    assert any("$.sample_rate: expected integer" in line for line in lines)


def test_validate_many_files_and_json_format(bad_file) -> None:
    code, out = run("validate", "--format", "json", SA2, str(bad_file))
    assert code == 1
    payload = json.loads(out)
    assert payload["valid"] is False
    assert [f["valid"] for f in payload["files"]] == [True, False]
    issue = payload["files"][1]["issues"][0]
    assert {"path", "message", "rule", "line", "column", "source"} <= set(issue)


def test_validate_github_annotations(bad_file) -> None:
    code, out = run("validate", "--format", "github", str(bad_file))
    assert code == 1
    assert out.startswith(f"::error file={bad_file},line=")


def test_usage_errors_exit_2(tmp_path) -> None:
    assert run("validate")[0] == 2
    assert run("frobnicate")[0] == 2
    assert run("validate", str(tmp_path / "missing.json"))[0] == 2
    assert run("schema", "nope")[0] == 2
    assert run("explain", "training.no_such_key")[0] == 2
    assert run("init", "gan")[0] == 2


def test_schema_prints_each_schema() -> None:
    code, out = run("schema")
    assert code == 0 and json.loads(out) == schemas.load("config")
    code, out = run("schema", "lm")
    assert json.loads(out)["title"] == schemas.load("lm")["title"]


def test_schema_bundle_is_self_contained() -> None:
    code, out = run("schema", "--bundle")
    assert code == 0
    bundle = json.loads(out)
    refs = [v for v in _values(bundle, "$ref")]
    assert refs and all(r.startswith("#") or r.startswith(schemas.BASE_URI) for r in refs)


def _values(node, key):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _values(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _values(v, key)


def test_defaults_fills_everything() -> None:
    code, out = run("defaults", str(DANCE))
    assert code == 0
    full = json.loads(out)
    assert full["audio_channels"] == 2
    assert full["training"]["pre_encoded"] is False
    original = json.loads(DANCE.read_text())
    assert full["training"]["demo"] == original["training"]["demo"]  # given values are kept
    added = set(full["model"]["config"]) - set(original["model"]["config"])
    assert {"kernel_size", "strides", "use_snake"} <= added
    for key in added:  # each filled in with the schema's default
        info = next(i for i in explain(f"model.config.{key}", "diffusion_uncond")
                    if i.context == "DAU1dConfig")  # the file's backbone
        assert full["model"]["config"][key] == info.schema["default"], key


def test_defaults_of_invalid_file_exits_1(bad_file) -> None:
    assert run("defaults", str(bad_file))[0] == 1


def test_explain_a_key() -> None:
    code, out = run("explain", "training.learning_rate", "--model-type", "diffusion_uncond")
    assert code == 0
    assert "diffusion_uncond: training.learning_rate" in out
    assert "type:" in out and "required:    yes" in out
    code, out = run("explain", "training.use_ema")
    assert "autoencoder" in out and "default:     false" in out


def test_init_writes_a_valid_starter(tmp_path) -> None:
    import sat_config

    for mt in schemas.model_types():
        target = tmp_path / f"{mt}.json"
        assert run("init", mt, "-o", str(target))[0] == 0
        data = json.loads(target.read_text())
        assert next(iter(data)) == "$schema"
        assert sat_config.validate(target) == []
    assert run("init", "lm", "-o", str(tmp_path / "lm.json"))[0] == 2  # no silent overwrite


def test_real_process_exit_codes(bad_file) -> None:
    ok = subprocess.run([sys.executable, "-m", "sat_config", "validate", SA2])
    bad = subprocess.run([sys.executable, "-m", "sat_config", "validate", str(bad_file)],
                         capture_output=True, text=True)
    assert (ok.returncode, bad.returncode) == (0, 1)
    assert "Traceback" not in bad.stderr + bad.stdout


@pytest.mark.parametrize("stdin, code, expected", [
    (b"model_type: lm\nx: !foo [1]\n", 1, "-:2:4: $.x: unsupported YAML tag !foo"),
    (b"\0" * (3 << 20), 1, "-: $: input is larger than"),  # read bounded, not to the end
])
def test_validate_reads_stdin_bounded(stdin: bytes, code: int, expected: str) -> None:
    out = subprocess.run([sys.executable, "-m", "sat_config", "validate", "-"], input=stdin,
                         capture_output=True)
    assert out.returncode == code
    assert out.stdout.decode().startswith(expected)
    assert b"Traceback" not in out.stderr


def test_validate_reads_a_config_from_stdin() -> None:
    out = subprocess.run([sys.executable, "-m", "sat_config", "validate", "-"],
                         input=Path(SA2).read_bytes(), capture_output=True, text=False)
    assert (out.returncode, out.stdout) == (0, b"-: ok\n")


# --- many files: every file its verdict, the worst exit code ---------------------------------


def test_a_missing_file_hides_no_other_verdict(bad_file, tmp_path, capsys) -> None:
    missing = str(tmp_path / "missing.json")
    code, out = run("validate", SA2, missing, str(bad_file))
    assert code == 2  # unreadable beats invalid
    assert out.startswith(f"{SA2}: ok\n")
    assert out.count(f"{bad_file}:") == 2  # both of its issues
    assert out.endswith("1 valid, 1 invalid, 1 unreadable\n")
    assert f"sat-config: {missing}: cannot read config file" in capsys.readouterr().err


def test_a_missing_file_in_json_format_is_listed(bad_file, tmp_path) -> None:
    missing = str(tmp_path / "missing.json")
    code, out = run("validate", "--format", "json", SA2, missing, str(bad_file))
    assert code == 2
    payload = json.loads(out)
    assert payload["valid"] is False
    assert [(f["file"], f["valid"], f["readable"]) for f in payload["files"]] == [
        (SA2, True, True), (missing, False, False), (str(bad_file), False, True)]
    assert payload["files"][1]["issues"][0]["rule"] == "io"


def test_a_missing_file_in_github_format_is_annotated(tmp_path) -> None:
    missing = str(tmp_path / "missing.json")
    code, out = run("validate", "--format", "github", missing, SA2)
    assert code == 2
    assert out.startswith("::error file=") and "cannot read config file" in out


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_exit_code_is_the_worst_verdict(bad_file, order) -> None:
    files = [SA2, str(bad_file)]
    assert run("validate", *(files[i] for i in order))[0] == 1
    assert run("validate", SA2, SA2)[0] == 0


def test_a_directory_is_unreadable_not_a_traceback(tmp_path) -> None:
    assert run("validate", str(tmp_path), SA2)[0] == 2


def test_values_cannot_forge_output_lines(tmp_path) -> None:
    """A model_type holding a newline, a carriage return and terminal escapes: one escaped line
    per issue, in every format."""
    data = json.loads(Path(SA2).read_text())
    data["model_type"] = "x\n::error file=forged.json::forged\r\x1b[2K\u2028y"
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(data))
    for fmt in ("text", "github"):
        code, out = run("validate", "--format", fmt, str(path))
        assert code == 1
        (line,) = out.splitlines()
        assert line.isprintable() and "forged.json" in line and "\\n::error" in line
    proc = subprocess.run([sys.executable, "-m", "sat_config", "validate", str(path)],
                          capture_output=True)
    assert proc.returncode == 1 and proc.stdout.count(b"\n") == 1 and b"\x1b" not in proc.stdout


def test_a_file_name_cannot_forge_output_lines(tmp_path) -> None:
    path = tmp_path / "ok\nforged.json: ok\x1b[2K.json"
    path.write_text(Path(SA2).read_text())
    code, out = run("validate", str(path))
    assert code == 0
    (line,) = out.splitlines()
    assert line.isprintable() and line.endswith(": ok")


def test_defaults_reads_a_file_name_as_a_path_whatever_it_holds(tmp_path, capsys) -> None:
    """A file name that looks like config text (a newline, braces) is still a file name."""
    name = tmp_path / '{"model_type": "lm"}\nx.json'
    assert cli.main(["defaults", str(name)]) == 2
    assert "cannot read" in capsys.readouterr().err
