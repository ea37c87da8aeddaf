"""Wording of schema issues: each names the value, what is allowed and, where it helps, why."""

from __future__ import annotations

import json

import sat_config
from conftest import CORPUS


def _issue(case: str, path: str):
    issues = sat_config.validate(CORPUS / "invalid" / f"{case}.json")
    return next(i for i in issues if i.path == path)


def test_a_key_pinned_to_one_value_says_why() -> None:
    issue = _issue("ae_q50_dithered_fsq_requires_grad_false", "$.model.bottleneck.requires_grad")
    assert issue.message == "false is not one of [true]"
    assert "never frozen" in issue.suggestion  # the schema's description of the key


def test_a_tag_every_alternative_refuses_lists_all_of_them() -> None:
    # the ARC head is convnext | conv with an optional `type`: no discriminator keyword
    issue = _issue("arc_q2_unknown_head_type", "$.training.arc.discriminator.type")
    assert issue.message == '"mlp" is not one of ["convnext", "conv"]'


def test_a_near_miss_tag_value_gets_a_did_you_mean() -> None:
    data = json.loads((CORPUS / "invalid" / "arc_q2_unknown_head_type.json").read_text())
    data["training"]["arc"]["discriminator"]["type"] = "convnxt"
    issues = sat_config.validate(data)
    [issue] = [i for i in issues if i.path == "$.training.arc.discriminator.type"]
    assert issue.suggestion == "did you mean 'convnext'?"
