"""Oobleck encoder and decoder: the convolutional codec of Stable Audio 2.0.

The module tree (``layers`` Sequentials, residual units, Snake activations) follows
stable-audio-tools' ``models/autoencoders.py`` so parameter counts and state-dict layouts line up;
the code is our own. Weight norm uses torch's parametrization API.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm
from torch.utils.checkpoint import checkpoint

from ...errors import NotBuiltError


def wn_conv1d(*args, **kwargs) -> nn.Module:
    return weight_norm(nn.Conv1d(*args, **kwargs))


def wn_conv_transpose1d(*args, **kwargs) -> nn.Module:
    return weight_norm(nn.ConvTranspose1d(*args, **kwargs))


class _SnakeBetaFn(torch.autograd.Function):
    """x + sin²(αx)/β with a hand-written backward: saves only x (half the activation memory
    of the eager formula, and fewer kernels on CPU)."""

    @staticmethod
    def forward(ctx, x, log_alpha, log_beta):
        alpha = log_alpha.exp()[None, :, None]
        inv_beta = 1.0 / (log_beta.exp()[None, :, None] + 1e-9)
        ctx.save_for_backward(x, log_alpha, log_beta)
        return x + inv_beta * torch.sin(x * alpha).square()

    @staticmethod
    def backward(ctx, grad):
        x, log_alpha, log_beta = ctx.saved_tensors
        alpha = log_alpha.exp()[None, :, None]
        beta = log_beta.exp()[None, :, None]
        inv_beta = 1.0 / (beta + 1e-9)
        ax = x * alpha
        sin2 = torch.sin(2 * ax)  # d/du sin²(u) = sin(2u)
        grad_x = grad * (1 + inv_beta * alpha * sin2)
        # d/dlogα = sin(2αx)·x·α/β ; d/dlogβ = -sin²(αx)·β/(β+ε)²
        grad_log_alpha = (grad * sin2 * x).sum((0, 2)) * log_alpha.exp() * inv_beta[0, :, 0]
        sq = torch.sin(ax).square()
        grad_log_beta = -(grad * sq).sum((0, 2)) * (beta * inv_beta * inv_beta)[0, :, 0]
        return grad_x, grad_log_alpha, grad_log_beta


class SnakeBeta(nn.Module):
    """Snake activation with separate frequency (α) and magnitude (β), both log-scale, per channel."""

    def __init__(self, channels: int):
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _SnakeBetaFn.apply(x, self.alpha.to(x.dtype), self.beta.to(x.dtype))


def activation(use_snake: bool, channels: int, antialias: bool = False) -> nn.Module:
    if antialias:
        # alias-free activations (upsample -> act -> downsample) are not built in yet
        raise NotBuiltError(
            "oobleck `antialias_activation: true` is valid but not built by sat-config's "
            "training runtime (alias-free activations: work remaining); set it to false")
    return SnakeBeta(channels) if use_snake else nn.ELU()


class ResidualUnit(nn.Module):
    def __init__(self, channels: int, dilation: int, use_snake: bool):
        super().__init__()
        padding = dilation * (7 - 1) // 2
        self.layers = nn.Sequential(
            activation(use_snake, channels),
            wn_conv1d(channels, channels, kernel_size=7, dilation=dilation, padding=padding),
            activation(use_snake, channels),
            wn_conv1d(channels, channels, kernel_size=1),
        )
        self.gradient_checkpointing = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.gradient_checkpointing and self.training and torch.is_grad_enabled():
            return x + checkpoint(self.layers, x, use_reentrant=False)
        return x + self.layers(x)


def _residual_stack(channels: int, use_snake: bool) -> list[nn.Module]:
    return [ResidualUnit(channels, dilation, use_snake) for dilation in (1, 3, 9)]


class EncoderBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int, use_snake: bool,
                 antialias: bool):
        super().__init__()
        self.layers = nn.Sequential(
            *_residual_stack(in_channels, use_snake),
            activation(use_snake, in_channels, antialias),
            wn_conv1d(in_channels, out_channels, kernel_size=2 * stride, stride=stride,
                      padding=math.ceil(stride / 2)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class DecoderBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int, use_snake: bool,
                 antialias: bool, use_nearest_upsample: bool):
        super().__init__()
        if use_nearest_upsample:
            upsample = nn.Sequential(
                nn.Upsample(scale_factor=stride, mode="nearest"),
                wn_conv1d(in_channels, out_channels, kernel_size=2 * stride, stride=1,
                          bias=False, padding="same"))
        else:
            upsample = wn_conv_transpose1d(in_channels, out_channels, kernel_size=2 * stride,
                                           stride=stride, padding=math.ceil(stride / 2))
        self.layers = nn.Sequential(
            activation(use_snake, in_channels, antialias),
            upsample,
            *_residual_stack(out_channels, use_snake),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def _widths(channels: int, c_mults: list[int]) -> list[int]:
    return [channels * m for m in [1, *c_mults]]


class OobleckEncoder(nn.Module):
    """Audio ``(B, in_channels, T)`` -> latents ``(B, latent_dim, T / prod(strides))``."""

    def __init__(self, config) -> None:
        super().__init__()
        c = config
        widths = _widths(c.channels, c.c_mults)
        if len(c.strides) < len(c.c_mults):
            raise ValueError(f"oobleck encoder: {len(c.c_mults)} c_mults need as many strides, "
                             f"got {len(c.strides)}")
        self.in_channels = c.in_channels
        self.latent_dim = c.latent_dim
        self.downsampling_ratio = math.prod(c.strides[: len(c.c_mults)])
        layers: list[nn.Module] = [wn_conv1d(c.in_channels, widths[0], kernel_size=7, padding=3)]
        layers += [EncoderBlock(widths[i], widths[i + 1], c.strides[i], c.use_snake, False)
                   for i in range(len(c.c_mults))]
        layers += [activation(c.use_snake, widths[-1], c.antialias_activation),
                   wn_conv1d(widths[-1], c.latent_dim, kernel_size=3, padding=1)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class OobleckDecoder(nn.Module):
    """Latents ``(B, latent_dim, N)`` -> audio ``(B, out_channels, N * prod(strides))``."""

    def __init__(self, config) -> None:
        super().__init__()
        c = config
        widths = _widths(c.channels, c.c_mults)
        if len(c.strides) < len(c.c_mults):
            raise ValueError(f"oobleck decoder: {len(c.c_mults)} c_mults need as many strides, "
                             f"got {len(c.strides)}")
        self.out_channels = c.out_channels
        self.latent_dim = c.latent_dim
        layers: list[nn.Module] = [wn_conv1d(c.latent_dim, widths[-1], kernel_size=7, padding=3)]
        layers += [DecoderBlock(widths[i], widths[i - 1], c.strides[i - 1], c.use_snake,
                                c.antialias_activation, c.use_nearest_upsample)
                   for i in range(len(c.c_mults), 0, -1)]
        layers += [activation(c.use_snake, widths[0], c.antialias_activation),
                   wn_conv1d(widths[0], c.out_channels, kernel_size=7, padding=3, bias=False),
                   nn.Tanh() if c.final_tanh else nn.Identity()]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def set_gradient_checkpointing(module: nn.Module, enabled: bool) -> None:
    """Recompute residual units in backward (less memory, ~30% more compute)."""
    for unit in module.modules():
        if isinstance(unit, ResidualUnit):
            unit.gradient_checkpointing = enabled
