"""Semantic checks of the diffusion kinds: ``diffusion_uncond``, ``diffusion_cond`` and
``diffusion_cond_inpaint`` (the model checks they share with ARC and the diffusion autoencoder
are in ``checks.parts.diffusion``)."""

from __future__ import annotations

from typing import Any

from ...checks.parts.autoencoder import downsampling_ratio
from ...checks.parts.backbones import Backbone, check_length, check_structure
from ...checks.parts.diffusion import (PRE_ENCODED, check_backbone_io, check_signal,
                                       cond_checks, signal_channels)
from ...errors import Issue, err

# Backbone keys that make it expect conditioning inputs.
_CONDITIONING_KEYS = {"DAU1d": ("cond_dim", "cond_noise_aug"), "dit": ("input_concat_dim",),
                      "adp_uncond_1d": ("context_features", "context_channels")}

__all__ = ["cond_checks", "uncond_checks"]


# --- diffusion_uncond ------------------------------------------------------------------------


def uncond_checks(cfg: dict[str, Any]) -> list[Issue]:
    """Every semantic check of a ``diffusion_uncond`` config."""
    out: list[Issue] = []
    model = cfg["model"]
    pre_encoded = cfg["training"].get("pre_encoded", PRE_ENCODED["diffusion_uncond"])
    check_signal(out, cfg, "$", pre_encoded=pre_encoded)
    bb = Backbone("diffusion_uncond", model["type"], model.get("config") or {}, "$.model.config")
    pretransform = model.get("pretransform")
    why = "the pretransform's encoded channels" if pretransform else "audio_channels"
    check_backbone_io(out, bb, signal_channels(cfg), why)
    check_structure(out, bb)
    _check_uncond_inputs(out, bb)
    check_length(out, cfg, downsampling_ratio(pretransform), bb)
    return out


def _check_uncond_inputs(out: list[Issue], bb: Backbone) -> None:
    """Unconditional wrappers pass no conditioning: no backbone may expect any."""
    for key in _CONDITIONING_KEYS[bb.kind]:
        value = bb.get(key)
        if value and (key != "context_channels" or any(value)):
            out.append(err(f"{bb.path}.{key}", f"{key} makes the backbone expect conditioning, "
                           "but diffusion_uncond passes none: the first step fails",
                           "uncond-conditioning", f"remove {key}"))
