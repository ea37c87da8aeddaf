"""load_config / validate: typed results, every issue with a path, the seed's error cases."""

from __future__ import annotations

import copy
import json

import pytest

import sat_config
from conftest import CORPUS

SA2_VAE = CORPUS / "upstream" / "model_configs__autoencoders__stable_audio_2_0_vae.json"
SA2 = CORPUS / "upstream" / "model_configs__txt2audio__stable_audio_2_0.json"
DANCE = CORPUS / "upstream" / "model_configs__dance_diffusion__dance_diffusion_base.json"


def _cfg(path=SA2_VAE) -> dict:
    return json.loads(path.read_text())


def _paths(exc: sat_config.ConfigError) -> set[str]:
    return {i.path for i in exc.errors}


def test_typed_config_has_defaults_applied() -> None:
    cfg = sat_config.load_config(SA2_VAE)
    assert cfg.model_type == "autoencoder"
    assert cfg.audio_channels == 2  # absent in the file: the schema default
    assert cfg.training.use_ema is True  # written in the file
    assert cfg.training.encoder_freeze_on_warmup is False  # absent: the schema default
    assert cfg.training.warmup_steps == 0
    assert cfg.model.encoder.config.channels == 128


def test_load_config_accepts_path_text_and_dict() -> None:
    data = _cfg()
    a = sat_config.load_config(SA2_VAE)
    b = sat_config.load_config(str(SA2_VAE))
    c = sat_config.load_config(SA2_VAE.read_text())
    d = sat_config.load_config(data)
    assert a == b == c == d


def test_caller_dict_is_never_mutated() -> None:
    data = _cfg(SA2)
    before = copy.deepcopy(data)
    sat_config.load_config(data)
    assert data == before


def test_config_error_is_value_error_and_collects_everything() -> None:
    data = _cfg()
    data["training"]["learning_rat"] = 1e-4
    data["training"]["warmup_steps"] = "100"
    data["sample_rate"] = -1
    with pytest.raises(ValueError) as info:
        sat_config.load_config(data)
    exc = info.value
    assert isinstance(exc, sat_config.ConfigError)
    assert _paths(exc) >= {"$.training.learning_rat", "$.training.warmup_steps", "$.sample_rate"}
    typo = next(i for i in exc.errors if i.path == "$.training.learning_rat")
    assert typo.rule == "additionalProperties"
    assert "learning_rate" in typo.suggestion
    quoted = next(i for i in exc.errors if i.path == "$.training.warmup_steps")
    assert quoted.rule == "type" and "without quotes" in quoted.suggestion


@pytest.mark.parametrize("key", ["demo_every", "num_demos"])
def test_misplaced_key_says_where_it_belongs(key: str) -> None:
    # num_demos is also close to `demo`: a key spelled exactly as one elsewhere was misplaced
    data = json.loads(SA2.read_text())
    data["training"][key] = data["training"]["demo"].pop(key)
    issues = sat_config.validate(data)
    hint = next(i for i in issues if i.path == f"$.training.{key}").suggestion
    assert hint == f"{key!r} belongs under `training.demo`"


def test_missing_model_type() -> None:
    data = _cfg()
    del data["model_type"]
    with pytest.raises(sat_config.ConfigError) as info:
        sat_config.load_config(data)
    assert _paths(info.value) == {"$.model_type"}
    assert "required" in str(info.value)


def test_missing_training() -> None:
    data = _cfg()
    del data["training"]
    with pytest.raises(sat_config.ConfigError) as info:
        sat_config.load_config(data)
    assert "$.training" in _paths(info.value)


def test_teacher_model_without_checkpoint() -> None:
    data = _cfg()
    data["training"]["teacher_model"] = {k: data[k] for k in ("model_type", "sample_rate", "model")}
    with pytest.raises(sat_config.ConfigError) as info:
        sat_config.load_config(data)
    issue = next(i for i in info.value.errors if i.path == "$.training.teacher_model_ckpt")
    assert "teacher_model" in issue.message


def test_unknown_model_type_keeps_old_factory_contract() -> None:
    data = _cfg()
    data["model_type"] = "autoencodr"
    with pytest.raises(NotImplementedError) as info:
        sat_config.load_config(data)
    exc = info.value
    assert isinstance(exc, sat_config.UnknownModelTypeError)
    assert isinstance(exc, ValueError)
    assert "Unknown model type: autoencodr" in str(exc)  # upstream's message
    assert "did you mean 'autoencoder'" in exc.errors[0].suggestion


def test_validate_returns_issues_without_raising() -> None:
    issues = sat_config.validate(SA2_VAE)
    assert [i for i in issues if i.severity == "error"] == []
    # upstream's own file sets both; the learning rate is then unused, which we point out
    assert [(i.path, i.severity) for i in issues] == [("$.training.learning_rate", "warning")]
    issues = sat_config.validate("{not json")
    assert issues and issues[0].rule == "syntax"


def test_no_silent_coercion_in_load_config() -> None:
    for key, value in (("sample_rate", "44100"), ("sample_rate", 44100.5)):
        data = _cfg(DANCE)
        data[key] = value
        with pytest.raises(sat_config.ConfigError):
            sat_config.load_config(data)
    data = _cfg(DANCE)
    data["training"]["learning_rate"] = "1e-4"
    with pytest.raises(sat_config.ConfigError):
        sat_config.load_config(data)


def test_yaml_uses_yaml_1_2_numbers_and_positions(tmp_path) -> None:
    data = _cfg(DANCE)
    lines = ["model_type: diffusion_uncond", f"sample_rate: {data['sample_rate']}",
             f"sample_size: {data['sample_size']}", "model:",
             f"  type: {data['model']['type']}", "  config:",
             f"    n_attn_layers: {data['model']['config']['n_attn_layers']}",
             "training:", "  learning_rate: 1e-4", "  demo:", "    demo_every: 2000",
             "    demo_stepz: 250"]
    path = tmp_path / "dance.yaml"
    path.write_text("\n".join(lines) + "\n")
    issues = sat_config.validate(path)
    assert [(i.path, i.line) for i in issues] == [("$.training.demo.demo_stepz", 12)]
    lines[-1] = "    demo_steps: 250"
    path.write_text("\n".join(lines) + "\n")
    cfg = sat_config.load_config(path)
    assert cfg.training.learning_rate == pytest.approx(1e-4)


def test_json_positions_in_issues(tmp_path) -> None:
    data = _cfg(DANCE)
    data["training"]["learning_rate"] = -1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, indent=2))
    (issue,) = sat_config.validate(path)
    line = path.read_text().splitlines()[issue.line - 1]
    assert '"learning_rate": -1' in line
    assert issue.source == str(path)
    assert issue.format().startswith(f"{path}:{issue.line}:")


@pytest.mark.parametrize("text, rule", [
    ('{"model_type": "lm", "model_type": "lm"}', "duplicate-key"),
    ('{"sample_rate": NaN}', "syntax"),
    ('{"sample_rate": Infinity}', "syntax"),
    ("[1, 2]", "type"),
    ('"just a string"', "type"),
    ('{"a": ' * 5000 + "1" + "}" * 5000, "depth"),
    ("{\n  \"a\": 1,\n  \"b\": \n}", "syntax"),
    ("model_type: lm\nmodel_type: lm\n", "duplicate-key"),
    ("a: [1, 2\n", "syntax"),
    ("when: !!timestamp 2024-01-01\n", "type"),  # a plain date is a string (YAML 1.2 core)
])
def test_bad_documents_are_clear_config_errors(text: str, rule: str) -> None:
    with pytest.raises(sat_config.ConfigError) as info:
        sat_config.load_config(text)
    assert info.value.issues[0].rule == rule


def test_syntax_error_has_line_and_column(tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "model_type": "lm",\n  "sample_rate": ,\n}')
    (issue,) = sat_config.validate(path)
    assert (issue.line, issue.column) == (3, 18)


def test_nan_in_a_dict_is_rejected() -> None:
    data = _cfg(DANCE)
    data["training"]["learning_rate"] = float("nan")
    with pytest.raises(sat_config.ConfigError):
        sat_config.load_config(data)


def test_very_large_file_is_refused_without_reading_it(tmp_path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(64 * 1024 * 1024)  # sparse: costs no disk or memory
    (issue,) = sat_config.validate(path)
    assert issue.rule == "size"


def test_missing_file_is_a_config_error() -> None:
    with pytest.raises(sat_config.ConfigError) as info:
        sat_config.load_config("does/not/exist.json")
    assert info.value.issues[0].rule == "io"


def test_dataset_configs() -> None:
    for name in ("dataset_configs__local_training_example.json", "dataset_configs__s3_wds_example.json"):
        cfg = sat_config.load_dataset_config(CORPUS / "upstream" / name)
        assert cfg.datasets
    with pytest.raises(sat_config.ConfigError) as info:
        sat_config.load_dataset_config({"dataset_type": "audio_dir", "datasets": [{"id": "x"}]})
    assert "$.datasets[0].path" in _paths(info.value)


@pytest.mark.parametrize("path", sorted((CORPUS / "upstream").glob("model_configs__*.json"))
                         + sorted((CORPUS / "valid").glob("*.json"))
                         + sorted((CORPUS.parent.parent / "examples").glob("*.json")),
                         ids=lambda p: p.name)
def test_defaults_output_validates_and_round_trips(path) -> None:
    """`sat-config defaults` output is itself a valid config describing the same typed config."""
    cfg = sat_config.load_config(path)
    filled = sat_config.dump(cfg)
    assert [i for i in sat_config.validate(filled) if i.severity == "error"] == []
    assert sat_config.load_config(filled) == cfg


@pytest.mark.parametrize("value, rule", [({1: "a"}, "type"), (object(), "type"), ({3.5}, "type"),
                                         (float("inf"), "type")])
def test_non_json_values_in_a_dict_are_located_errors(value, rule) -> None:
    data = _cfg(SA2)
    data["training"]["demo"]["demo_cond"][0]["seconds_total"] = value  # a free-form spot
    with pytest.raises(sat_config.ConfigError) as info:
        sat_config.load_config(data)
    (issue,) = info.value.issues
    assert issue.rule == rule
    assert issue.path.startswith("$.training.demo.demo_cond[0]")


def test_strict_turns_warnings_into_errors(tmp_path) -> None:
    """A key the config's kind ignores warns; strict=True (and --strict) makes it an error."""
    import json

    from sat_config import cli

    config = json.loads((CORPUS.parent.parent / "examples" / "diffusion_cond-tiny.json").read_text())
    config["training"]["trim_config"] = {"type": "random_item"}
    warned = sat_config.validate(config)
    assert [(i.path, i.severity) for i in warned] == [("$.training.trim_config", "warning")]
    assert [i.severity for i in sat_config.validate(config, strict=True)] == ["error"]
    with pytest.warns(sat_config.ConfigWarning, match="trim_config"):
        sat_config.load_config(config)
    with pytest.raises(sat_config.ConfigError, match="trim_config"):
        sat_config.load_config(config, strict=True)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(config))
    assert cli.main(["validate", str(path)]) == 0
    assert cli.main(["validate", "--strict", str(path)]) == 1
