"""Validation of ARC configs: the flow objective ARC's noising assumes, a discriminator source
(V9), and the keys the schema rejects under ARC."""

from __future__ import annotations

import pytest

from sat_config import validate
from sat_config.errors import ConfigError
from sat_config import load_config


def _errors(cfg, rule=None):
    issues = [i for i in validate(cfg) if i.severity == "error"]
    return [i for i in issues if rule is None or i.rule == rule]


def test_tiny_arc_config_is_valid(tiny_arc):
    assert _errors(tiny_arc) == []


@pytest.mark.parametrize("objective", ["v", None])
def test_a_v_objective_is_a_located_error_with_the_fix(tiny_arc, objective):
    diffusion = tiny_arc["model"]["diffusion"]
    if objective is None:
        del diffusion["diffusion_objective"]  # the default is v
    else:
        diffusion["diffusion_objective"] = objective
    [issue] = _errors(tiny_arc, "semantic:arc-flow-objective")
    assert issue.path == "$.model.diffusion.diffusion_objective"
    assert "rectified_flow" in issue.suggestion
    with pytest.raises(ConfigError, match="arc-flow-objective|flow"):
        load_config(tiny_arc)


def test_rf_denoiser_is_accepted(tiny_arc):
    tiny_arc["model"]["diffusion"]["diffusion_objective"] = "rf_denoiser"
    assert _errors(tiny_arc, "semantic:arc-flow-objective") == []


def test_the_teacher_must_be_a_flow_model_too(tiny_arc):
    teacher = {k: tiny_arc[k] for k in ("model_type", "sample_rate")}
    teacher["model"] = {**tiny_arc["model"], "diffusion": {
        **tiny_arc["model"]["diffusion"], "diffusion_objective": "v"}}
    tiny_arc["training"]["arc"].update(teacher_model=teacher, teacher_model_ckpt="t.ckpt")
    assert _errors(tiny_arc) == []  # without ODE warm-up the teacher is never sampled
    tiny_arc["training"]["arc"]["ode_warmup"] = {"warmup_steps": 10}
    [issue] = _errors(tiny_arc, "semantic:arc-flow-objective")
    assert issue.path == "$.training.arc.teacher_model.model.diffusion.diffusion_objective"


def test_the_same_objective_without_arc_is_fine(tiny_arc):
    tiny_arc["model"]["diffusion"]["diffusion_objective"] = "v"
    training = tiny_arc["training"]
    del training["arc"]
    training["optimizer_configs"].pop("discriminator")
    assert _errors(tiny_arc) == []


def test_no_discriminator_source_is_rejected_before_any_build(tiny_arc):
    # upstream: UnboundLocalError inside the factory (V9)
    del tiny_arc["training"]["arc"]["use_model_as_discriminator"]
    issues = _errors(tiny_arc)
    assert any("discriminator" in i.message for i in issues)


def test_sampling_is_rejected_as_unread(tiny_arc):
    tiny_arc["training"]["arc"]["sampling"] = {"steps": 8}
    assert any("sampling" in i.path for i in _errors(tiny_arc))
