"""Semantic checks of the diffusion kinds: ``diffusion_uncond``, ``diffusion_cond`` and
``diffusion_cond_inpaint`` (the model checks they share with ARC and the diffusion autoencoder
are in ``checks.parts.diffusion``)."""

from __future__ import annotations

from typing import Any

from ...checks.parts.autoencoder import downsampling_ratio
from ...checks.parts.backbones import Backbone, check_length, check_structure
from ...checks.parts.diffusion import PRE_ENCODED, check_backbone_io, check_signal
from ...checks.parts.diffusion import cond_checks as _model_checks
from ...checks.parts.diffusion import signal_channels
from ...checks.parts.ignored import ignored_keys
from ...errors import Issue, err
from ...schema.facts import defaults

_SAMPLER = defaults("diffusion_cond", "training")["timestep_sampler"]

# Backbone keys that make it expect conditioning inputs.
_CONDITIONING_KEYS = {"DAU1d": ("cond_dim", "cond_noise_aug"), "dit": ("input_concat_dim",),
                      "adp_uncond_1d": ("context_features", "context_channels")}

# training keys of conditional diffusion configs that only ARC post-training reads
_ARC_ONLY = {
    ("clip_grad_norm",): "without training.arc gradients are not clipped here: use "
                         "sat-config train --gradient-clip-val",
    ("trim_config",): "without training.arc every batch trains on whole sample_size clips",
    ("optimizer_configs", "discriminator"): "without training.arc only optimizer_configs.diffusion "
                                            "is used",
}
_LOG_SNR_ONLY = {
    ("timestep_sampler_options", "mean_logsnr"): 'set timestep_sampler: "log_snr" to use it',
    ("timestep_sampler_options", "std_logsnr"): 'set timestep_sampler: "log_snr" to use it',
}


def cond_checks(cfg: dict[str, Any]) -> list[Issue]:
    """Every semantic check of a ``diffusion_cond`` or ``diffusion_cond_inpaint`` config
    trained by the standard wrapper."""
    out = _model_checks(cfg)
    training = cfg["training"]
    ignored_keys(out, training, "$.training", _ARC_ONLY, "the standard diffusion wrapper")
    if training.get("timestep_sampler", _SAMPLER) != "log_snr":
        ignored_keys(out, training, "$.training", _LOG_SNR_ONLY,
                     f"the {training.get('timestep_sampler', _SAMPLER)!r} timestep sampler")
    return out


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
