"""The table of kinds and the public factory functions."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from training_helpers import REPO, build, load_typed, tiny_config

import sat_config
from sat_config.schema import files as schemas
from sat_config.models import MODEL_CONFIGS
from sat_config.training import (create_demo_callback_from_config, create_model_from_config,
                                 create_training_wrapper_from_config)
from sat_config.kinds import KINDS, MODEL_TYPES, kind_of
from sat_config.errors import NotBuiltError

UPSTREAM = REPO / "tests" / "corpus" / "upstream"


def test_table_model_types_equal_schema_types_and_generated_union() -> None:
    from sat_config_generated.config_schema import TrainingConfig

    assert list(MODEL_TYPES) == list(schemas.model_types())
    assert set(MODEL_TYPES) == set(MODEL_CONFIGS)
    union = TrainingConfig.__value__.__origin__.__args__
    assert {cls.model_fields["model_type"].annotation.__args__[0] for cls in union} \
        == set(MODEL_TYPES)


def test_every_model_type_has_one_plain_kind_and_arc_is_selected_by_its_key() -> None:
    for model_type in MODEL_TYPES:
        kind = kind_of({"model_type": model_type, "training": {}})
        assert kind.selected_by is None and model_type in kind.model_types
    for model_type in KINDS["arc"].model_types:
        assert kind_of({"model_type": model_type, "training": {"arc": {}}}).name == "arc"
    assert kind_of({"model_type": "lm", "training": {"arc": {}}}).name == "lm"
    assert kind_of({"model_type": "nope"}) is None


def test_every_kind_names_every_part() -> None:
    for kind in KINDS.values():
        assert all(getattr(kind, part) for part in ("checks", "model", "wrapper", "demo")), kind


@pytest.mark.parametrize("part", ["model", "wrapper", "demo"])
def test_a_kind_without_a_part_says_which_part_is_missing(part: str) -> None:
    from sat_config.kinds import Kind

    partial = Kind("future_kind", ("future_kind",), "kinds.lm.checks:checks")
    with pytest.raises(NotBuiltError) as err:
        partial.part(part)
    message = str(err.value)
    assert "future_kind" in message
    assert part.replace("wrapper", "training-wrapper") in message
    assert "autoencoder" in message and "lm" in message  # what is built


def test_every_named_part_resolves() -> None:
    for kind in KINDS.values():
        for part in ("checks", "model", "wrapper", "demo"):
            if getattr(kind, part) is not None:
                assert callable(kind.part(part))


def test_a_schema_valid_part_that_is_not_built_is_named_before_any_model_is_built() -> None:
    """Stable Audio 2.0's prompt conditioner is clap_text (laion-clap cannot be installed
    cleanly): the factory names it, before allocating the 1B-parameter DiT."""
    with pytest.raises(NotBuiltError, match="conditioner type 'clap_text'"):
        create_model_from_config(UPSTREAM / "model_configs__txt2audio__stable_audio_2_0.json")


def test_factory_validates_everything_before_building(monkeypatch) -> None:
    import sat_config.training.components.autoencoder as ae

    calls = []

    monkeypatch.setattr(ae.AudioAutoencoder, "__init__",
                        lambda *a, **k: calls.append("built"))
    config = tiny_config()
    config["sample_rate"] = -1
    config["training"]["warmup_steps"] = "soon"
    del config["model"]["latent_dim"]
    with pytest.raises(sat_config.ConfigError) as err:
        create_model_from_config(config)
    paths = {i.path for i in err.value.errors}
    assert {"$.sample_rate", "$.training.warmup_steps"} <= paths
    assert any("latent_dim" in i.path or "latent_dim" in i.message for i in err.value.errors)
    assert calls == []


def test_factory_never_mutates_the_callers_dict(tmp_path: Path) -> None:
    config = tiny_config(discriminator=True, use_ema=True)
    before = copy.deepcopy(config)
    model = create_model_from_config(config)
    create_training_wrapper_from_config(config, model)
    create_demo_callback_from_config(config, demo_dir=tmp_path)
    assert config == before


def test_factory_accepts_a_path_and_a_typed_config() -> None:
    from sat_config.training.components.autoencoder import AudioAutoencoder

    typed = load_typed(tiny_config())
    assert isinstance(create_model_from_config(typed), AudioAutoencoder)
    assert isinstance(create_model_from_config(REPO / "examples" / "autoencoder-tiny.json"),
                      AudioAutoencoder)


def test_wrappers_and_callbacks_refuse_raw_dicts() -> None:
    from sat_config.kinds.autoencoder.demo import AutoencoderDemoCallback
    from sat_config.kinds.autoencoder.wrapper import AutoencoderTrainingWrapper

    config = tiny_config()
    typed, model, _ = build(config)
    with pytest.raises(TypeError, match="typed AutoencoderConfig"):
        AutoencoderTrainingWrapper(model, config)
    import torch

    with pytest.raises(TypeError, match="typed AutoencoderConfig"):
        AutoencoderDemoCallback(config, torch.zeros(1, 2, 8))


def test_wrapper_and_callback_satisfy_the_protocols(tmp_path: Path) -> None:
    from sat_config.training.protocols import DemoCallback, TrainingWrapper

    typed, _, wrapper = build(tiny_config())
    assert isinstance(wrapper, TrainingWrapper)
    assert isinstance(create_demo_callback_from_config(typed, demo_dir=tmp_path), DemoCallback)


def test_no_model_type_chains_and_no_dotted_imports_in_the_runtime() -> None:
    root = REPO / "runtime" / "sat_config"
    for path in [*(root / "training").rglob("*.py"), *(root / "kinds").rglob("*.py")]:
        text = path.read_text()
        assert not re.search(r"model_type\s*==", text), path
        if path != root / "kinds" / "__init__.py":  # the table names its own modules
            assert "import_module(" not in text, path  # no dotted paths taken from configs


def test_importing_the_training_package_is_lazy() -> None:
    import subprocess
    import sys

    code = ("import sys, sat_config.training, sat_config.training.cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'pytorch_lightning')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.replace("'", '"')) == []
