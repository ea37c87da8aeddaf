"""DAC encoder and decoder: descript-audio-codec 1.0.0's convolutional codec, as stable-audio-tools
wraps it (``DACEncoderWrapper`` / ``DACDecoderWrapper``; Stable Audio 1.0's VAE).

The module tree (``encoder.block`` / ``decoder.model`` Sequentials, ``block`` inside every unit,
Snake1d ``alpha`` of shape (1, C, 1), the wrapper's ``proj_out``) follows those classes so upstream
state dicts load with ``strict=True``; the code is our own and needs neither package. Weight norm
uses torch's parametrization API, as oobleck.py does: its load hook maps the ``weight_g`` /
``weight_v`` keys of upstream checkpoints onto ``parametrizations.weight.original0/1``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .oobleck import wn_conv1d, wn_conv_transpose1d


class Snake1d(nn.Module):
    """x + sin²(αx)/α with one learnt α per channel (DAC's Snake, α initialised to 1)."""

    def __init__(self, channels: int):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        alpha = self.alpha.to(x.dtype)
        return x + (alpha + 1e-9).reciprocal() * torch.sin(alpha * x).square()


class ResidualUnit(nn.Module):
    def __init__(self, channels: int, dilation: int):
        super().__init__()
        self.block = nn.Sequential(
            Snake1d(channels),
            wn_conv1d(channels, channels, kernel_size=7, dilation=dilation,
                      padding=3 * dilation),
            Snake1d(channels),
            wn_conv1d(channels, channels, kernel_size=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        trim = (x.shape[-1] - y.shape[-1]) // 2  # 0 with this padding; kept for odd lengths
        if trim > 0:
            x = x[..., trim:-trim]
        return x + y


def _residual_units(channels: int) -> list[nn.Module]:
    return [ResidualUnit(channels, dilation) for dilation in (1, 3, 9)]


class EncoderBlock(nn.Module):
    """Three residual units at ``channels // 2`` then a strided conv to ``channels``."""

    def __init__(self, channels: int, stride: int):
        super().__init__()
        half = channels // 2
        self.block = nn.Sequential(
            *_residual_units(half),
            Snake1d(half),
            wn_conv1d(half, channels, kernel_size=2 * stride, stride=stride,
                      padding=math.ceil(stride / 2)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class DecoderBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.block = nn.Sequential(
            Snake1d(in_channels),
            wn_conv_transpose1d(in_channels, out_channels, kernel_size=2 * stride,
                                stride=stride, padding=math.ceil(stride / 2)),
            *_residual_units(out_channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class _DacEncoderStack(nn.Module):
    """descript-audio-codec's ``Encoder``: width doubles at every stride; the last conv maps the
    final width to ``d_latent`` (the wrapper passes the final width itself)."""

    def __init__(self, in_channels: int, d_model: int, strides: list[int]):
        super().__init__()
        layers: list[nn.Module] = [wn_conv1d(in_channels, d_model, kernel_size=7, padding=3)]
        width = d_model
        for stride in strides:
            width *= 2
            layers.append(EncoderBlock(width, stride))
        layers += [Snake1d(width), wn_conv1d(width, width, kernel_size=3, padding=1)]
        self.block = nn.Sequential(*layers)
        self.enc_dim = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class DacEncoder(nn.Module):
    """Audio ``(B, in_channels, T)`` -> ``(B, latent_dim or d_model·2^len(strides), T / prod)``.

    ``latent_dim`` adds a plain (not weight-normed) 1x1 ``proj_out``, as upstream's wrapper does.
    """

    def __init__(self, config) -> None:
        super().__init__()
        self.encoder = _DacEncoderStack(config.in_channels, config.d_model, list(config.strides))
        self.latent_dim = config.latent_dim
        self.downsampling_ratio = math.prod(config.strides)
        self.proj_out = (nn.Conv1d(self.encoder.enc_dim, config.latent_dim, kernel_size=1)
                         if config.latent_dim is not None else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj_out(self.encoder(x))


class _DacDecoderStack(nn.Module):
    """descript-audio-codec's ``Decoder``: width halves at every rate; ends in tanh."""

    def __init__(self, input_channel: int, channels: int, rates: list[int], d_out: int):
        super().__init__()
        layers: list[nn.Module] = [wn_conv1d(input_channel, channels, kernel_size=7, padding=3)]
        for i, stride in enumerate(rates):
            layers.append(DecoderBlock(channels // 2 ** i, channels // 2 ** (i + 1), stride))
        width = channels // 2 ** len(rates)
        layers += [Snake1d(width), wn_conv1d(width, d_out, kernel_size=7, padding=3), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class DacDecoder(nn.Module):
    """Latents ``(B, latent_dim, N)`` -> audio ``(B, out_channels, N · prod(rates))`` in [-1, 1]."""

    def __init__(self, config) -> None:
        super().__init__()
        if config.channels // 2 ** len(config.rates) < 1:
            raise ValueError(f"dac decoder: channels {config.channels} halve to 0 over "
                             f"{len(config.rates)} rates")
        self.decoder = _DacDecoderStack(config.latent_dim, config.channels, list(config.rates),
                                        config.out_channels)
        self.latent_dim = config.latent_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(x)
