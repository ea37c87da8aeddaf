"""dit-positions: the check's token count is the DiT's real sequence (diffusion_cond,
diffusion_uncond and diffusion_autoencoder DiTs): learned positions for exactly that many
train one step, one fewer fails on the first step."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("pytorch_lightning")

import sat_config  # noqa: E402
from training_helpers import build, fit  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def _dit(node: dict) -> dict:
    return node["diffusion"]["config"] if "diffusion" in node else node["config"]


@pytest.mark.parametrize("kind", ["diffusion_cond", "diffusion_uncond", "diffusion_autoencoder"])
def test_dit_positions_check_counts_the_real_sequence(kind: str, tmp_path: Path) -> None:
    doc = json.loads((REPO / "examples" / f"{kind}-tiny.json").read_text())
    _dit(doc["model"]).update(use_abs_pos_emb=True, rotary_pos_emb=False,
                              abs_pos_emb_max_length=1)
    issue = next(i for i in sat_config.validate(doc) if i.rule == "semantic:dit-positions")
    tokens = int(issue.suggestion.split()[3])  # "set abs_pos_emb_max_length to N or more..."
    _dit(doc["model"])["abs_pos_emb_max_length"] = tokens
    assert not [i for i in sat_config.validate(doc) if i.rule == "semantic:dit-positions"]
    warnings.simplefilter("ignore")
    _, _, wrapper = build(doc)
    assert fit(wrapper, 1, tmp_path / "fits").global_step == 1
    typed = sat_config.load_config(doc)
    model = typed.model
    dit = model.diffusion.config if hasattr(model, "diffusion") else model.config
    dit.abs_pos_emb_max_length = tokens - 1  # past validation, to show why it refuses this
    from sat_config.training import (create_model_from_config,
                                     create_training_wrapper_from_config)

    wrapper = create_training_wrapper_from_config(typed, create_model_from_config(typed))
    with pytest.raises(ValueError, match="absolute position"):
        fit(wrapper, 1, tmp_path / "fails")
