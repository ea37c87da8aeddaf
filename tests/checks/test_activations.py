"""The torch-free activation table (checks/parts/activations.py) against torch itself, and the
activation check's verdicts against the real builds."""

from __future__ import annotations

import inspect

import pytest

from sat_config.checks.parts.activations import TORCH_ACTIVATIONS

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", sorted(TORCH_ACTIVATIONS))
def test_table_matches_torch(name: str) -> None:
    cls = getattr(torch.nn, name)
    signature = inspect.signature(cls.__init__)
    parameters = {k: p for k, p in signature.parameters.items()
                  if k not in ("self", "args", "kwargs", "device", "dtype")}
    accepted, required = TORCH_ACTIVATIONS[name]
    assert set(accepted) <= set(parameters), f"{name} takes {sorted(parameters)}"
    assert {k for k, p in parameters.items() if p.default is p.empty} == set(required)
    module = cls(**{k: 0.5 for k in required})
    x = torch.randn(2, 3, 8)
    assert module(x).shape == x.shape  # element-wise: the channels stay


def test_activation_check_agrees_with_the_build() -> None:
    """An encodec discriminator with ELU and the default (LeakyReLU's) params is refused at
    validation, and torch indeed refuses it; with its own params it builds."""
    import sat_config
    from sat_config.kinds.autoencoder.discriminators import STFTDiscriminator

    doc = _autoencoder_with_discriminator({"activation": "ELU"})
    cfg = doc["training"]["loss_configs"]["discriminator"]["config"]
    issues = [i for i in sat_config.validate(doc) if i.rule == "semantic:activation"]
    assert [i.path for i in issues] == ["$.training.loss_configs.discriminator.config."
                                        "activation_params"]
    with pytest.raises(TypeError):
        torch.nn.ELU(negative_slope=0.2)
    cfg["activation_params"] = {"alpha": 0.5}
    assert not [i for i in sat_config.validate(doc) if i.rule == "semantic:activation"]
    disc = sat_config.load_config(doc).training.loss_configs.discriminator.config
    assert isinstance(STFTDiscriminator(disc, 2, 64, 16, 64).activation, torch.nn.ELU)


def _autoencoder_with_discriminator(config: dict) -> dict:
    import json
    from pathlib import Path

    doc = json.loads((Path(__file__).resolve().parents[2] / "examples" /
                      "autoencoder-tiny.json").read_text())
    doc["training"]["loss_configs"]["discriminator"]["config"].update(config)
    return doc


def test_an_unknown_activation_is_refused_where_it_is_named() -> None:
    import sat_config

    doc = _autoencoder_with_discriminator({"activation": "A"})
    issues = [i for i in sat_config.validate(doc) if i.rule == "semantic:activation"]
    assert [i.path for i in issues] == ["$.training.loss_configs.discriminator.config.activation"]
    assert "LeakyReLU" in issues[0].suggestion
