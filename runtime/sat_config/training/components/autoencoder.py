"""``AudioAutoencoder`` and its builder from a typed ``model`` object (``model_type: autoencoder``)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ...errors import not_built
from ..parts import Parts
from .bottlenecks import Bottleneck, build_bottleneck
from .dac import DacDecoder, DacEncoder
from .oobleck import OobleckDecoder, OobleckEncoder
from .seanet import SeanetDecoder, SeanetEncoder

_TAAE = ("the transformer autoencoder (TAAE) is not built yet: its conv + local-attention "
         "stages are work remaining, listed in docs/not-built.md")
ENCODERS = Parts("encoder", {"oobleck": OobleckEncoder, "dac": DacEncoder,
                             "seanet": SeanetEncoder}, unbuilt={"taae": _TAAE})
DECODERS = Parts("decoder", {"oobleck": OobleckDecoder, "dac": DacDecoder,
                             "seanet": SeanetDecoder}, unbuilt={"taae": _TAAE})


class AudioAutoencoder(nn.Module):
    """Encoder -> bottleneck -> decoder over audio ``(batch, channels, samples)``.

    ``encode`` gives latents ``(batch, latent_dim, samples / downsampling_ratio)``; ``decode``
    maps them back to ``(batch, out_channels, samples)``.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, bottleneck: Bottleneck | None, *,
                 latent_dim: int, downsampling_ratio: int, sample_rate: int, io_channels: int,
                 in_channels: int | None, out_channels: int | None, soft_clip: bool):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.bottleneck = bottleneck
        self.latent_dim = latent_dim
        self.downsampling_ratio = downsampling_ratio
        self.min_length = downsampling_ratio
        self.sample_rate = sample_rate
        self.io_channels = io_channels
        self.in_channels = in_channels or io_channels
        self.out_channels = out_channels or io_channels
        self.soft_clip = soft_clip
        self.is_discrete = bottleneck is not None and bottleneck.is_discrete

    def encode(self, audio: torch.Tensor, return_info: bool = False):
        latents = self.encoder(audio)
        info: dict[str, Any] = {"pre_bottleneck_latents": latents}
        if self.bottleneck is not None:
            latents, bottleneck_info = self.bottleneck.encode(latents)
            info.update(bottleneck_info)
        return (latents, info) if return_info else latents

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        if self.bottleneck is not None:
            latents = self.bottleneck.decode(latents)
        decoded = self.decoder(latents)
        return torch.tanh(decoded) if self.soft_clip else decoded

    def _require_discrete(self, what: str) -> None:
        if not self.is_discrete:
            raise TypeError(f"{what} needs a discrete bottleneck (rvq, rvq_vae, fsq, "
                            "dithered_fsq, dac_rvq, dac_rvq_vae)")

    def encode_tokens(self, audio: torch.Tensor) -> torch.Tensor:
        """Discrete tokens ``(batch, codebooks, frames)`` of ``audio`` (discrete bottlenecks
        only)."""
        self._require_discrete("encode_tokens")
        _, info = self.encode(audio, return_info=True)
        if self.bottleneck.tokens_id not in info:  # dac_rvq with quantize_on_decode
            raise ValueError("this bottleneck quantises on decode: encode gives no tokens")
        return info[self.bottleneck.tokens_id]

    def decode_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        """Audio from discrete tokens ``(batch, codebooks, frames)`` (discrete bottlenecks only).

        Unlike upstream, the bottleneck's ``decode`` (noise channels, quantize_on_decode) runs
        once, not twice."""
        self._require_discrete("decode_tokens")
        return self.decode(self.bottleneck.decode_tokens(tokens))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(audio))


def _part(table: Parts, spec) -> nn.Module:
    module = table.build(spec.type, spec.config)
    if not spec.requires_grad:
        module.requires_grad_(False)
    return module


def build_autoencoder(model, sample_rate: int) -> AudioAutoencoder:
    """An autoencoder from a typed ``model`` object (``AutoencoderModel``) and the sample rate."""
    if model.pretransform is not None:
        raise not_built("autoencoder pretransform", model.pretransform.type,
                        why="train the autoencoder on audio directly")
    return AudioAutoencoder(
        _part(ENCODERS, model.encoder),
        _part(DECODERS, model.decoder),
        build_bottleneck(model.bottleneck) if model.bottleneck is not None else None,
        latent_dim=model.latent_dim,
        downsampling_ratio=model.downsampling_ratio,
        sample_rate=sample_rate,
        io_channels=model.io_channels,
        in_channels=model.in_channels,
        out_channels=model.out_channels,
        soft_clip=model.decoder.soft_clip,
    )


def create_autoencoder(config) -> AudioAutoencoder:
    """Model builder of the registry: a typed ``AutoencoderConfig`` -> ``AudioAutoencoder``."""
    return build_autoencoder(config.model, config.sample_rate)
