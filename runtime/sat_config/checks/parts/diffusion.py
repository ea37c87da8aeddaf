"""Checks of the diffusion model part shared by several kinds (unconditional, conditional,
inpainting, ARC post-training, diffusion autoencoders).

The signal a backbone denoises is the audio (``audio_channels``) or the pretransform's encoding;
its channels, the backbone's, ``model.io_channels`` and the conditioning widths must agree, and
``sample_size`` must split into whole backbone steps. Paths start at ``base`` so that nested full
configs (ARC teacher and discriminator) are checked by the same functions. Every check appends
its issues to ``out``.
"""

from __future__ import annotations

from typing import Any

from ...errors import Issue, err, warn
from ...schema.facts import defaults
from .autoencoder import check_pretransform, downsampling_ratio, encoded_channels, io_channels
from .backbones import Backbone, check_length, check_structure
from .cond_dims import check_cond_dims
from .conditioning import (INPAINT_IDS, Conditioning, check_conditioning, check_demo_cond,
                           check_references)

COND_ID_KEYS = ("cross_attention_cond_ids", "global_cond_ids", "input_concat_ids",
                "prepend_cond_ids")
_AUDIO_CHANNELS = {t: defaults(t)["audio_channels"] for t in (
    "diffusion_uncond", "diffusion_cond", "diffusion_cond_inpaint", "diffusion_autoencoder")}
PRE_ENCODED = {t: defaults(t, "training")["pre_encoded"] for t in (
    "diffusion_uncond", "diffusion_cond", "diffusion_cond_inpaint")}
_SHIFT = defaults("diffusion_cond", "model", "diffusion", "distribution_shift_options")
_DEMO = defaults("diffusion_cond", "training", "demo")


def check_signal(out: list[Issue], cfg: dict, base: str, *, pre_encoded: bool) -> None:
    """The pretransform (if any) reads ``audio_channels``; nested autoencoders are consistent."""
    pretransform = cfg["model"].get("pretransform")
    if not pretransform:
        return
    # pre-encoded datasets never pass audio through the pretransform: only its own io counts
    audio = io_channels(pretransform) if pre_encoded else None
    check_pretransform(out, pretransform, f"{base}.model.pretransform",
                       audio or audio_channels(cfg), cfg, reader="a diffusion model")


def audio_channels(cfg: dict) -> int:
    return cfg.get("audio_channels", _AUDIO_CHANNELS[cfg["model_type"]])


def signal_channels(cfg: dict) -> int | None:
    """Channels of the sequence the backbone denoises (None when unknown)."""
    pretransform = cfg["model"].get("pretransform")
    return encoded_channels(pretransform) if pretransform else audio_channels(cfg)


def check_backbone_io(out: list[Issue], bb: Backbone, want: int | None, why: str) -> None:
    got = bb.io
    if want is not None and got is not None and got != want:
        out.append(err(f"{bb.path}.{bb.io_key}", f"the backbone denoises {got} channel(s) but "
                       f"gets {want} ({why})", "backbone-io-channels",
                       f"set {bb.io_key} to {want}"))


def check_model_io(out: list[Issue], model: dict, path: str, signal: int | None) -> None:
    """``model.io_channels`` is the channel count of the denoised signal."""
    if signal is not None and model["io_channels"] != signal:
        why = "the pretransform's encoded channels" if model.get("pretransform") \
            else "audio_channels"
        out.append(err(f"{path}.io_channels", f"io_channels is {model['io_channels']} but the "
                       f"diffusion model denoises {signal} channels ({why})", "io-channels",
                       f"set io_channels to {signal}"))


# --- conditional models (diffusion_cond, diffusion_cond_inpaint, ARC) ------------------------


def cond_checks(cfg: dict[str, Any]) -> list[Issue]:
    """Every semantic check of a ``diffusion_cond`` or ``diffusion_cond_inpaint`` config's model,
    inpainting and demo (ARC post-training adds its own checks on top)."""
    out: list[Issue] = []
    training = cfg["training"]
    conds = cond_model_checks(out, cfg, "$",
                              pre_encoded=training.get("pre_encoded",
                                                       PRE_ENCODED[cfg["model_type"]]))
    if training.get("inpainting") is not None:
        _check_inpainting(out, cfg, training["inpainting"])
    if cfg["model_type"] == "diffusion_cond":
        _check_demo(out, training.get("demo") or {}, conds)
    return out


def cond_model_checks(out: list[Issue], cfg: dict, base: str, *,
                      pre_encoded: bool) -> Conditioning:
    """The model of a conditional diffusion config at ``base`` (``$`` or a nested config);
    returns its conditioning facts."""
    model, mpath = cfg["model"], f"{base}.model"
    diffusion, dpath = model["diffusion"], f"{base}.model.diffusion"
    bb = Backbone(cfg["model_type"], diffusion["type"], diffusion["config"], f"{dpath}.config")
    check_signal(out, cfg, base, pre_encoded=pre_encoded)
    check_model_io(out, model, mpath, signal_channels(cfg))
    check_backbone_io(out, bb, model["io_channels"], "model.io_channels")
    check_structure(out, bb)
    conds = Conditioning(model, f"{mpath}.conditioning")
    used = check_references(out, diffusion, dpath, COND_ID_KEYS, conds, inpaint_ids=True)
    check_cond_dims(out, bb, diffusion, dpath, conds, model["io_channels"])
    check_conditioning(out, model, cfg, conds, used)
    if diffusion.get("distribution_shift_options"):
        _check_shift(out, diffusion["distribution_shift_options"],
                     f"{dpath}.distribution_shift_options")
    if base == "$":
        check_length(out, cfg, downsampling_ratio(model.get("pretransform")), bb)
    return conds


def _check_shift(out: list[Issue], opts: dict, path: str) -> None:
    low = opts.get("min_length", _SHIFT["min_length"])
    high = opts.get("max_length", _SHIFT["max_length"])
    if high == low:
        out.append(err(f"{path}.max_length", f"max_length equals min_length ({low}): the shift "
                       "interpolates between them and divides by zero",
                       "distribution-shift-lengths", f"use a max_length above {low}"))
    elif high < low:
        out.append(warn(f"{path}.max_length", f"max_length {high} is below min_length {low}: "
                        "every length is clamped to max_length, so the shift never varies",
                        "distribution-shift-lengths"))


def _check_inpainting(out: list[Issue], cfg: dict, inpainting: dict) -> None:
    concat = cfg["model"]["diffusion"].get("input_concat_ids") or ()
    if not any(i in concat for i in INPAINT_IDS):
        out.append(warn("$.model.diffusion.input_concat_ids", "training.inpainting builds masks "
                        "every step, but neither inpaint_mask nor inpaint_masked_input is listed "
                        "here, so the model never sees them", "inpainting-unused",
                        "add inpaint_mask and inpaint_masked_input"))
    probs = (inpainting.get("mask_kwargs") or {}).get("mask_type_probabilities")
    if probs is not None and abs(sum(probs) - 1) > 1e-5:  # torch.isclose's tolerance upstream
        out.append(err("$.training.inpainting.mask_kwargs.mask_type_probabilities",
                       f"the probabilities sum to {sum(probs):g}, not 1: ValueError on the "
                       "first step", "mask-probabilities", "make them sum to 1"))


def _check_demo(out: list[Issue], demo: dict, conds: Conditioning) -> None:
    # a missing demo_cond and display_audio_cond without demo_cond_from_batch are schema rules
    path = "$.training.demo"
    if demo.get("demo_cond_from_batch", _DEMO["demo_cond_from_batch"]):
        return  # the batch's own metadata: nothing to compare here
    check_demo_cond(out, demo, path, conds, demo.get("num_demos"))
    if demo.get("cond_display_configs"):
        out.append(err(f"{path}.cond_display_configs", "conditioning displays stack audio "
                       "tensors from the demo conditioning, which JSON demo_cond cannot hold",
                       "demo-cond-needs-batch", "set demo_cond_from_batch: true, or remove them"))
