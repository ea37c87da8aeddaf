"""Optimizers and schedulers from typed configs (``training/optim.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import sat_config  # noqa: E402
from sat_config.training.optim import create_optimizer, create_scheduler  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
REQUIRED = {"StepLR": {"step_size": 10}, "MultiStepLR": {"milestones": [5, 10]},
            "ExponentialLR": {"gamma": 0.99}, "CosineAnnealingLR": {"T_max": 100},
            "CosineAnnealingWarmRestarts": {"T_0": 10, "T_mult": 2},
            "CyclicLR": {"base_lr": 1e-4, "max_lr": 1e-3}, "OneCycleLR": {"max_lr": 1e-3,
                                                                         "total_steps": 100}}


def _scheduler_types() -> list[str]:
    schema = json.loads((REPO / "schemas" / "common.schema.json").read_text())
    return [name[:-len("SchedulerConfig")] for name in schema["$defs"]
            if name.endswith("SchedulerConfig")]


@pytest.mark.parametrize("kind", _scheduler_types())
def test_every_scheduler_builds_with_torchs_argument_names(kind):
    """Found by the property test: T_max, T_0 and T_mult reached torch as t_max, t_0 and
    t_mult (the generated models' Python names) and CosineAnnealingLR raised TypeError."""
    doc = json.loads((REPO / "examples" / "diffusion_cond-tiny.json").read_text())
    doc["training"].pop("learning_rate", None)
    doc["training"]["optimizer_configs"] = {"diffusion": {
        "optimizer": {"type": "SGD", "config": {"lr": 1e-3, "momentum": 0.9}},
        "scheduler": {"type": kind, "config": REQUIRED.get(kind, {})}}}
    group = sat_config.load_config(doc).training.optimizer_configs.diffusion
    parameter = torch.nn.Parameter(torch.zeros(2))
    optimizer = create_optimizer(group.optimizer, [parameter])
    scheduler = create_scheduler(group.scheduler, optimizer)
    parameter.grad = torch.ones(2)
    optimizer.step()
    scheduler.step()
    if kind == "CosineAnnealingLR":
        assert scheduler.T_max == 100
    if kind == "CosineAnnealingWarmRestarts":
        assert (scheduler.T_0, scheduler.T_mult) == (10, 2)


def test_antialiased_oobleck_is_named_not_built():
    """Found by the property test: a plain NotImplementedError, now the one NotBuiltError."""
    from sat_config.errors import NotBuiltError
    from sat_config.training.components.oobleck import activation

    with pytest.raises(NotBuiltError, match="antialias_activation"):
        activation(True, 4, antialias=True)


@pytest.mark.parametrize("eps", [[-1.0, 1e-3], [None, -1.0]])
def test_adafactor_negative_epsilon_is_invalid_and_zero_builds(eps):
    """Found by the slow property test: a negative Adafactor epsilon validated and torch raised
    ValueError when training started. The schema's bound is torch's: 0 builds."""
    doc = json.loads((REPO / "examples" / "diffusion_cond-tiny.json").read_text())
    doc["training"].pop("learning_rate", None)
    doc["training"]["optimizer_configs"] = {"diffusion": {
        "optimizer": {"type": "Adafactor", "config": {"lr": 1e-3, "eps": eps}}}}
    index = 0 if eps[0] is not None else 1
    (issue,) = sat_config.validate(doc)
    assert issue.path == f"$.training.optimizer_configs.diffusion.optimizer.config.eps[{index}]"
    assert issue.rule == "minimum"
    eps[index] = 0.0
    group = sat_config.load_config(doc).training.optimizer_configs.diffusion
    create_optimizer(group.optimizer, [torch.nn.Parameter(torch.zeros(2))])
