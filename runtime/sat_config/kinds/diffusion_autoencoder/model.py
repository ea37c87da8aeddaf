"""``DiffusionAutoencoder`` and its builder (upstream ``models/autoencoders.py``:
``DiffusionAutoencoder``, ``create_diffAE_from_config``).

The signal (audio, or the pretransform's encoding of it: ``io_channels`` channels) is encoded by
the encoder and bottleneck into latents; the optional latent decoder maps them on; they are
stretched (nearest) to the signal's length and given to the diffusion backbone as input-concat
conditioning. ``decode`` samples the signal from noise with the v-objective DDIM sampler, then
decodes it through the pretransform.

State-dict names are upstream's: ``encoder.``, ``decoder.``, ``bottleneck.``, ``pretransform.``,
``diffusion.model.`` (every backbone wrapper keeps its network under ``model``).

Differences from upstream, on purpose:

* V6: upstream's ``decode`` calls ``self.decode`` where it means the latent decoder (infinite
  recursion with a decoder); here the decoder runs, in training and in ``decode`` alike.
* The bottleneck's ``decode`` is not applied: upstream's training never applies it, so the
  backbone learns from the encoded latents; its ``decode`` does, which differs for the bottlenecks
  whose ``decode`` is not the identity (noise channels appended: a channel mismatch;
  ``quantize_on_decode``: latents unlike the trained ones). Here both take the same path.
* V7: upstream's ``dit`` backbone fails without ``config.diffusion_objective``; here a missing
  one means ``v`` (the objective this model trains with), and an unknown backbone type raises
  the registry's clear error (upstream: UnboundLocalError).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ...training.components.autoencoder import DECODERS, ENCODERS
from ...training.components.bottlenecks import Bottleneck, build_bottleneck
from ...training.components.diffusion import DiTWrapper, model_kwargs
from ...training.components.sampling import sample
from ...training.parts import Parts

DEFAULT_DECODE_STEPS = 100  # upstream's default for DiffusionAutoencoder.decode


class DiffusionAutoencoder(nn.Module):
    """Encoder (+ bottleneck, latent decoder) whose audio decoder is a diffusion model."""

    def __init__(self, diffusion: nn.Module, *, encoder: nn.Module | None,
                 decoder: nn.Module | None, bottleneck: Bottleneck | None,
                 pretransform: nn.Module | None, latent_dim: int, downsampling_ratio: int,
                 diffusion_downsampling_ratio: int, sample_rate: int, io_channels: int):
        super().__init__()
        self.latent_dim = latent_dim
        self.downsampling_ratio = downsampling_ratio
        self.sample_rate = sample_rate
        self.io_channels = io_channels
        self.in_channels = self.out_channels = io_channels
        self.bottleneck = bottleneck
        self.encoder = encoder
        self.decoder = decoder
        self.pretransform = pretransform
        self.diffusion = diffusion
        self.diffusion_objective = "v"
        self.is_discrete = bottleneck is not None and bottleneck.is_discrete
        self.min_length = downsampling_ratio * diffusion_downsampling_ratio
        if encoder is not None:
            # upstream starts the encoder at half its initialisation (less saturated latents)
            with torch.no_grad():
                for param in encoder.parameters():
                    param.mul_(0.5)

    # --- encoding -----------------------------------------------------------------------------

    def pretransform_encode(self, audio: torch.Tensor) -> torch.Tensor:
        """Audio -> the diffusion signal (the pretransform's encoding; audio without one)."""
        if self.pretransform is None:
            return audio
        with torch.set_grad_enabled(torch.is_grad_enabled() and self.pretransform.enable_grad):
            return self.pretransform.encode(audio)

    def pretransform_decode(self, signal: torch.Tensor) -> torch.Tensor:
        if self.pretransform is None:
            return signal
        with torch.set_grad_enabled(torch.is_grad_enabled() and self.pretransform.enable_grad):
            return self.pretransform.decode(signal)

    def encode(self, audio: torch.Tensor, return_info: bool = False,
               skip_pretransform: bool = False, skip_bottleneck: bool = False):
        """Latents ``(batch, latent_dim, frames)`` of ``audio`` (of the signal itself with
        ``skip_pretransform``); ``info`` has ``pre_bottleneck_latents`` and what the bottleneck
        reports (``kl``, ``mmd``, quantiser losses, tokens)."""
        signal = audio if skip_pretransform else self.pretransform_encode(audio)
        latents = self.encoder(signal) if self.encoder is not None else signal
        info: dict[str, Any] = {"pre_bottleneck_latents": latents}
        if self.bottleneck is not None and not skip_bottleneck:
            latents, bottleneck_info = self.bottleneck.encode(latents)
            info.update(bottleneck_info)
        return (latents, info) if return_info else latents

    def conditioning(self, latents: torch.Tensor, length: int) -> torch.Tensor:
        """The backbone's input-concat conditioning for a signal of ``length`` frames: the
        latents (through the latent decoder when there is one) stretched to ``length`` by
        nearest-neighbour resampling. Training and :meth:`decode` both use this."""
        if self.decoder is not None:
            latents = self.decoder(latents)
        if latents.shape[-1] != length:
            latents = F.interpolate(latents, size=length, mode="nearest")
        return latents

    # --- decoding -----------------------------------------------------------------------------

    def forward(self, noised: torch.Tensor, t: torch.Tensor,
                conditioning: torch.Tensor) -> torch.Tensor:
        """The backbone's v prediction for ``noised`` at times ``t`` given the stretched
        latents ``conditioning`` (see :meth:`conditioning`)."""
        return self.diffusion(noised, t, input_concat_cond=conditioning)

    @torch.no_grad()
    def decode(self, latents: torch.Tensor, steps: int = DEFAULT_DECODE_STEPS,
               noise: torch.Tensor | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """Audio from latents: sample the signal (``latent frames * downsampling_ratio`` long)
        with ``steps`` v-DDIM steps from ``noise`` (fresh Gaussian noise by default), then decode
        it through the pretransform."""
        length = latents.shape[-1] * self.downsampling_ratio
        cond = self.conditioning(latents, length)
        if noise is None:
            noise = torch.randn(latents.shape[0], self.io_channels, length, generator=generator,
                                device=latents.device, dtype=cond.dtype)
        signal = sample(self.diffusion, noise, steps, 0.0, input_concat_cond=cond)
        return self.pretransform_decode(signal)


# --- building from a typed config -----------------------------------------------------------------


def _dit(spec) -> nn.Module:
    kwargs = model_kwargs(spec.config)
    kwargs["diffusion_objective"] = kwargs.get("diffusion_objective") or "v"  # V7
    return DiTWrapper(**kwargs)


def _dau1d(spec) -> nn.Module:
    from ...training.components.dau1d import DAU1DCondWrapper
    return DAU1DCondWrapper(**model_kwargs(spec.config))


def _adp(spec) -> nn.Module:
    from ...training.components.adp import UNet1DCondWrapper
    return UNet1DCondWrapper(**model_kwargs(spec.config))


BACKBONES = Parts("diffusion-autoencoder backbone", {"dit": _dit, "DAU1d": _dau1d,
                                                     "adp_1d": _adp})


def backbone_downsampling_ratio(spec) -> int:
    """How much the backbone itself downsamples (the signal length must be a multiple):
    the DAU1d strides its depth uses, the adp_1d factors, 1 for the DiT (as upstream, the
    patch size is not counted)."""
    config = spec.config
    if spec.type == "DAU1d":
        return math.prod(config.strides[:config.depth - 1])
    if spec.type == "adp_1d":
        return math.prod(config.factors)
    return 1


def _part(table: Parts, spec) -> nn.Module:
    module = table.build(spec.type, spec.config)
    if not spec.requires_grad:
        module.requires_grad_(False)
    return module


def build_diffusion_autoencoder(model, sample_rate: int) -> DiffusionAutoencoder:
    """A diffusion autoencoder from a typed ``model`` object (``DiffusionAutoencoderModel``)."""
    # small parts first: an unbuilt type fails before a large backbone is allocated
    encoder = _part(ENCODERS, model.encoder) if model.encoder is not None else None
    decoder = _part(DECODERS, model.decoder) if model.decoder is not None else None
    bottleneck = build_bottleneck(model.bottleneck) if model.bottleneck is not None else None
    pretransform = None
    if model.pretransform is not None:
        from ...training.components.pretransforms import build_pretransform
        pretransform = build_pretransform(model.pretransform, sample_rate)
    diffusion = BACKBONES.build(model.diffusion.type, model.diffusion)
    return DiffusionAutoencoder(
        diffusion, encoder=encoder, decoder=decoder, bottleneck=bottleneck,
        pretransform=pretransform, latent_dim=model.latent_dim,
        downsampling_ratio=model.downsampling_ratio,
        diffusion_downsampling_ratio=backbone_downsampling_ratio(model.diffusion),
        sample_rate=sample_rate, io_channels=model.io_channels)


def create_diffusion_autoencoder(config) -> DiffusionAutoencoder:
    """Model builder of the registry: a typed ``DiffusionAutoencoderConfig`` ->
    :class:`DiffusionAutoencoder` (upstream ``create_diffAE_from_config``)."""
    return build_diffusion_autoencoder(config.model, config.sample_rate)
