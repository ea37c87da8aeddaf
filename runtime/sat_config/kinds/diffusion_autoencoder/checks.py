"""Diffusion-autoencoder checks (``model_type: diffusion_autoencoder``).

Training encodes the signal (audio, or the pretransform's encoding: ``model.io_channels``
channels) with the encoder and bottleneck, optionally runs the latent decoder, stretches the
latents to the signal's length and feeds them to the diffusion backbone as input-concat
conditioning while it denoises the signal.
"""

from __future__ import annotations

from typing import Any

from ...errors import Issue, err, warn
from .facts import STFT_SCALES
from ...checks.parts.autoencoder import (check_latents, check_stages, decoder_output, downsampling_ratio,
    encoder_input, encoder_ratio)
from ...checks.parts import positive
from ...checks.parts.clips import centered_stft, check_one_frame
from ...checks.parts.backbones import Backbone, check_length, check_structure
from ...checks.parts.diffusion import check_backbone_io, check_model_io, check_signal, signal_channels


def checks(cfg: dict[str, Any]) -> list[Issue]:
    """Every semantic check of a ``diffusion_autoencoder`` config."""
    out: list[Issue] = []
    model = cfg["model"]
    diffusion = model["diffusion"]
    bb = Backbone("diffusion_autoencoder", diffusion["type"], diffusion["config"],
                  "$.model.diffusion.config")
    check_signal(out, cfg, "$", pre_encoded=False)
    check_model_io(out, model, "$.model", signal_channels(cfg))
    check_backbone_io(out, bb, model["io_channels"], "model.io_channels")
    check_structure(out, bb)
    _check_encoder(out, model)
    check_stages(out, model, "$.model")  # found by the property test (IndexError at build)
    check_latents(out, model, "$.model")
    _check_latent_input(out, bb, model)
    _check_ratio(out, model)
    pre = downsampling_ratio(model.get("pretransform")) or 1
    if check_one_frame(out, cfg["sample_size"], pre, "the pretransform"):
        enc = encoder_ratio(model["encoder"]) if model.get("encoder") else 1
        if enc is not None:
            check_one_frame(out, cfg["sample_size"], pre * enc, "the encoder"
                            + (" after the pretransform" if pre > 1 else ""))
    check_length(out, cfg, pre, bb)
    _check_reconstruction(out, cfg)
    return out


def _check_reconstruction(out: list[Issue], cfg: dict) -> None:
    """The reconstruction loss's largest centred STFT reads the whole clip."""
    if not (cfg.get("training") or {}).get("use_reconstruction_loss"):
        return
    need = centered_stft(max(STFT_SCALES))
    if positive(cfg["sample_size"]) and cfg["sample_size"] < need:
        out.append(err("$.training.use_reconstruction_loss", f"the reconstruction loss's "
                       f"largest STFT ({max(STFT_SCALES)}) needs clips of at least {need} "
                       f"samples, but sample_size is {cfg['sample_size']}: the build fails",
                       "clip-length", f"use sample_size {need} or more, or turn the loss off"))


def _check_encoder(out: list[Issue], model: dict) -> None:
    encoder = model.get("encoder")
    if not encoder:
        return
    key, got = encoder_input(encoder)
    if got is not None and got != model["io_channels"]:
        out.append(err(f"$.model.encoder.config.{key}", f"the encoder reads {got} channel(s) but "
                       f"the signal has {model['io_channels']} (model.io_channels)",
                       "encoder-input-channels", f"set {key} to {model['io_channels']}"))


def _latent_channels(model: dict) -> tuple[int | None, str]:
    """Channels of the latents the backbone is conditioned on, and where they come from."""
    decoder = model.get("decoder")
    if decoder:
        return decoder_output(decoder)[1], "the latent decoder's output channels"
    if model.get("encoder") or model.get("bottleneck"):
        return model["latent_dim"], "latent_dim"
    return model["io_channels"], "model.io_channels (no encoder: the signal itself)"


def _check_latent_input(out: list[Issue], bb: Backbone, model: dict) -> None:
    want, why = _latent_channels(model)
    if want is None:
        return
    if bb.kind == "DAU1d":
        key, got = "cond_dim", bb.get("cond_dim")
    elif bb.kind == "dit":
        key, got = "input_concat_dim", bb.get("input_concat_dim")
    else:
        key, got = "context_channels[0]", (bb.cfg.get("context_channels") or [0])[0]
    if got != want:
        out.append(err(f"{bb.path}.{key}", f"the backbone expects {got} conditioning channel(s) "
                       f"but the latents have {want} ({why})", "latent-cond-channels",
                       f"set {key} to {want}"))


def _check_ratio(out: list[Issue], model: dict) -> None:
    """``downsampling_ratio`` stretches latents back to the signal in demos and decoding."""
    encoder = model.get("encoder")
    ratio = encoder_ratio(encoder) if encoder else 1
    if ratio is not None and model["downsampling_ratio"] != ratio:
        out.append(warn("$.model.downsampling_ratio", f"downsampling_ratio is "
                        f"{model['downsampling_ratio']} but the encoder downsamples the signal "
                        f"by {ratio}: decoding (and the demos) produce the wrong length",
                        "downsampling-ratio", f"set downsampling_ratio to {ratio}"))
