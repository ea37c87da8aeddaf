"""SEANet encoder and decoder: EnCodec 0.1.1's convolutional + LSTM codec (MusicGen's tokenizer).

The module tree (``model`` Sequential; ``SConv1d.conv.conv`` / ``SConvTranspose1d.convtr.convtr``
holding the convolution, ``.norm`` the optional norm module; residual ``block`` and ``shortcut``;
``SLSTM.lstm``) follows encodec's ``modules/seanet.py`` so upstream state dicts load with
``strict=True``; the code is our own and needs no encodec package.

Stage order: stable-audio-tools reverses the encoder's ``ratios`` before encodec reverses them
again, so its encoder downsamples in the order written in the config, and the decoder upsamples in
that same order. We build that behaviour directly and never touch the config (upstream's reversal
mutates the caller's dict, so a second build from it flips the order).
"""

from __future__ import annotations

import math
import warnings

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm
from torch.nn.utils.parametrizations import weight_norm


def _activation(name: str, params: dict | None) -> nn.Module:
    cls = getattr(nn, name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise ValueError(f"seanet: activation {name!r} is not a torch.nn module")
    return cls(**(params or {}))


def _reparametrised(conv: nn.Module, norm: str) -> nn.Module:
    if norm == "weight_norm":
        return weight_norm(conv)  # loads upstream's weight_g / weight_v keys
    if norm == "spectral_norm":
        # the classic hook keeps upstream's weight_orig / weight_u / weight_v keys
        return spectral_norm(conv)
    return conv


def _norm_module(conv: nn.Module, norm: str, causal: bool, params: dict) -> nn.Module:
    if norm == "layer_norm":
        return _ChannelLayerNorm(conv.out_channels, **params)
    if norm == "time_group_norm":
        if causal:
            raise ValueError("seanet: norm 'time_group_norm' cannot be causal")
        return nn.GroupNorm(1, conv.out_channels, **params)
    return nn.Identity()


class _ChannelLayerNorm(nn.LayerNorm):
    """LayerNorm over the channel axis of ``(B, C, T)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.transpose(1, 2)).transpose(1, 2)


class NormConv1d(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int,
                 dilation: int, norm: str, norm_params: dict, causal: bool):
        super().__init__()
        self.conv = _reparametrised(
            nn.Conv1d(in_channels, out_channels, kernel_size, stride, dilation=dilation), norm)
        self.norm = _norm_module(self.conv, norm, causal, norm_params)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.conv(x))


class NormConvTranspose1d(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int,
                 norm: str, norm_params: dict, causal: bool):
        super().__init__()
        self.convtr = _reparametrised(
            nn.ConvTranspose1d(in_channels, out_channels, kernel_size, stride), norm)
        self.norm = _norm_module(self.convtr, norm, causal, norm_params)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.convtr(x))


def _pad(x: torch.Tensor, left: int, right: int, mode: str) -> torch.Tensor:
    """F.pad that also reflect-pads inputs shorter than the padding (zero-extends first)."""
    if mode != "reflect":
        return F.pad(x, (left, right), mode)
    extra = max(0, max(left, right) - x.shape[-1] + 1)
    if extra:
        x = F.pad(x, (0, extra))
    padded = F.pad(x, (left, right), mode)
    return padded[..., : padded.shape[-1] - extra]


class SConv1d(nn.Module):
    """Conv1d with "same"-style padding (causal: all on the left) plus the extra right padding
    that keeps the last window whole."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *, cfg,
                 stride: int = 1, dilation: int = 1):
        super().__init__()
        if stride > 1 and dilation > 1:
            warnings.warn(f"seanet: conv with stride {stride} and dilation {dilation}",
                          stacklevel=2)
        self.conv = NormConv1d(in_channels, out_channels, kernel_size, stride, dilation,
                               cfg.norm, cfg.norm_params or {}, cfg.causal)
        self.causal = cfg.causal
        self.pad_mode = cfg.pad_mode
        self.kernel = (kernel_size - 1) * dilation + 1
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        total = self.kernel - self.stride
        length = x.shape[-1]
        frames = math.ceil((length - self.kernel + total) / self.stride + 1)
        extra = (frames - 1) * self.stride + self.kernel - total - length
        if self.causal:
            left, right = total, extra
        else:
            left, right = total - total // 2, total // 2 + extra
        return self.conv(_pad(x, left, right, self.pad_mode))


class SConvTranspose1d(nn.Module):
    """ConvTranspose1d that trims its fixed padding (causal: ``trim_right_ratio`` of it on the
    right)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, *,
                 cfg, trim_right_ratio: float = 1.0):
        super().__init__()
        if not cfg.causal and trim_right_ratio != 1.0:
            raise ValueError("seanet: trim_right_ratio != 1.0 needs causal: true")
        self.convtr = NormConvTranspose1d(in_channels, out_channels, kernel_size, stride,
                                          cfg.norm, cfg.norm_params or {}, cfg.causal)
        self.total = kernel_size - stride
        right = math.ceil(self.total * trim_right_ratio) if cfg.causal else self.total // 2
        self.trim = (self.total - right, right)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.convtr(x)
        left, right = self.trim
        return y[..., left: y.shape[-1] - right]


class SEANetResnetBlock(nn.Module):
    def __init__(self, dim: int, dilation: int, cfg):
        super().__init__()
        hidden = dim // cfg.compress
        self.block = nn.Sequential(
            _activation(cfg.activation, cfg.activation_params),
            SConv1d(dim, hidden, cfg.residual_kernel_size, cfg=cfg, dilation=dilation),
            _activation(cfg.activation, cfg.activation_params),
            SConv1d(hidden, dim, 1, cfg=cfg),
        )
        self.shortcut = nn.Identity() if cfg.true_skip else SConv1d(dim, dim, 1, cfg=cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.block(x)


class SLSTM(nn.Module):
    """Multi-layer LSTM over ``(B, C, T)`` with a skip connection."""

    def __init__(self, dim: int, num_layers: int):
        super().__init__()
        self.lstm = nn.LSTM(dim, dim, num_layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(2, 0, 1)
        y, _ = self.lstm(x)
        return (y + x).permute(1, 2, 0)


def _residual_blocks(dim: int, cfg) -> list[nn.Module]:
    return [SEANetResnetBlock(dim, cfg.dilation_base ** j, cfg)
            for j in range(cfg.n_residual_layers)]


class SeanetEncoder(nn.Module):
    """Audio ``(B, channels, T)`` -> latents ``(B, dimension, T / prod(ratios))``."""

    def __init__(self, config) -> None:
        super().__init__()
        c = config
        ratios = list(c.ratios)  # upstream's double reversal: the config's order (see module doc)
        self.ratios = ratios
        self.downsampling_ratio = math.prod(ratios)
        width = c.n_filters
        layers: list[nn.Module] = [SConv1d(c.channels, width, c.kernel_size, cfg=c)]
        for ratio in ratios:
            layers += _residual_blocks(width, c)
            layers += [_activation(c.activation, c.activation_params),
                       SConv1d(width, 2 * width, 2 * ratio, cfg=c, stride=ratio)]
            width *= 2
        if c.lstm:
            layers.append(SLSTM(width, c.lstm))
        layers += [_activation(c.activation, c.activation_params),
                   SConv1d(width, c.dimension, c.last_kernel_size, cfg=c)]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class SeanetDecoder(nn.Module):
    """Latents ``(B, dimension, N)`` -> audio ``(B, channels, N · prod(ratios))``."""

    def __init__(self, config) -> None:
        super().__init__()
        c = config
        self.ratios = list(c.ratios)
        width = c.n_filters * 2 ** len(self.ratios)
        layers: list[nn.Module] = [SConv1d(c.dimension, width, c.kernel_size, cfg=c)]
        if c.lstm:
            layers.append(SLSTM(width, c.lstm))
        for ratio in self.ratios:
            layers += [_activation(c.activation, c.activation_params),
                       SConvTranspose1d(width, width // 2, 2 * ratio, ratio, cfg=c,
                                        trim_right_ratio=c.trim_right_ratio)]
            width //= 2
            layers += _residual_blocks(width, c)
        layers += [_activation(c.activation, c.activation_params),
                   SConv1d(c.n_filters, c.channels, c.last_kernel_size, cfg=c)]
        if c.final_activation is not None:
            layers.append(_activation(c.final_activation, c.final_activation_params))
        self.model = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.model(z)
