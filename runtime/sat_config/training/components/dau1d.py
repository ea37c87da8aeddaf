"""Dance Diffusion's attention U-Net (``DAU1d``): upstream's ``DiffusionAttnUnet1D`` and its
building blocks from ``models/blocks.py``, plus the input-concat wrapper ``DAU1DCondWrapper``.

Module tree and state-dict names follow upstream so its checkpoints load with ``strict=True``;
the code is our own. Unlike upstream HEAD (bug V1: the U-Net passes ``use_snake`` to a block
that no longer takes it, so no DAU1d can be built), ``use_snake`` works: it swaps the GELUs of the
residual conv blocks for Snake activations with one learned frequency ``alpha`` of shape
``(1, channels, 1)`` per block, the layout upstream had before the argument was dropped.

For ``diffusion_uncond`` with ``type: DAU1d`` upstream uses :class:`DiffusionAttnUnet1D` itself as
the backbone (it has ``io_channels`` and ``forward(x, t)``) inside the generic model wrapper.
"""

from __future__ import annotations

from collections.abc import Sequence
import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

# --- residual conv blocks -----------------------------------------------------------------------


class Snake1d(nn.Module):
    """x + sin²(αx)/α with a learned per-channel α (initialised to 1)."""

    def __init__(self, channels: int):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1, channels, 1))

    def forward(self, x: Tensor) -> Tensor:
        return x + (self.alpha + 1e-9).reciprocal() * torch.sin(self.alpha * x).pow(2)


class ResidualBlock(nn.Module):
    def __init__(self, main: Sequence[nn.Module], skip: nn.Module | None = None):
        super().__init__()
        self.main = nn.Sequential(*main)
        self.skip = skip if skip is not None else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.main(x) + self.skip(x)


class ResConvBlock(ResidualBlock):
    """conv -> GroupNorm(1) -> GELU (or Snake) -> conv -> GroupNorm(1) -> GELU (or Snake), plus
    a 1x1 skip when the width changes; ``is_last`` drops the final norm and activation."""

    def __init__(self, c_in: int, c_mid: int, c_out: int, is_last: bool = False,
                 kernel_size: int = 5, conv_bias: bool = True, use_snake: bool = False):
        def act(channels: int) -> nn.Module:
            return Snake1d(channels) if use_snake else nn.GELU()

        pad = kernel_size // 2
        super().__init__([
            nn.Conv1d(c_in, c_mid, kernel_size, padding=pad, bias=conv_bias),
            nn.GroupNorm(1, c_mid),
            act(c_mid),
            nn.Conv1d(c_mid, c_out, kernel_size, padding=pad, bias=conv_bias),
            nn.GroupNorm(1, c_out) if not is_last else nn.Identity(),
            act(c_out) if not is_last else nn.Identity(),
        ], None if c_in == c_out else nn.Conv1d(c_in, c_out, 1, bias=False))


class SelfAttention1d(nn.Module):
    """Residual multi-head self-attention over time with 1x1-conv projections."""

    def __init__(self, c_in: int, n_head: int = 1, dropout_rate: float = 0.0):
        super().__init__()
        if n_head < 1 or c_in % n_head:
            raise ValueError(f"{c_in} channels cannot be split into {n_head} attention heads "
                             "(DAU1d uses channels // 32 heads: attention levels need >= 32 "
                             "channels)")
        self.norm = nn.GroupNorm(1, c_in)
        self.n_head = n_head
        self.qkv_proj = nn.Conv1d(c_in, c_in * 3, 1)
        self.out_proj = nn.Conv1d(c_in, c_in, 1)
        self.dropout = nn.Dropout(dropout_rate, inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        n, c, s = x.shape
        qkv = self.qkv_proj(self.norm(x)).view(n, self.n_head * 3, c // self.n_head, s)
        q, k, v = qkv.transpose(2, 3).chunk(3, dim=1)
        y = F.scaled_dot_product_attention(q, k, v)
        y = y.transpose(2, 3).contiguous().view(n, c, s)
        return x + self.dropout(self.out_proj(y))


class SkipBlock(nn.Module):
    """Concatenates the inner path's output with its input along channels."""

    def __init__(self, *main: nn.Module):
        super().__init__()
        self.main = nn.Sequential(*main)

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([self.main(x), x], dim=1)


class FourierFeatures(nn.Module):
    def __init__(self, in_features: int, out_features: int, std: float = 1.0):
        super().__init__()
        if out_features % 2:
            raise ValueError("FourierFeatures needs an even output width")
        self.weight = nn.Parameter(torch.randn(out_features // 2, in_features) * std)

    def forward(self, x: Tensor) -> Tensor:
        f = 2 * math.pi * x @ self.weight.T
        return torch.cat([f.cos(), f.sin()], dim=-1)


def expand_to_planes(x: Tensor, shape: Sequence[int]) -> Tensor:
    return x[..., None].repeat(1, 1, shape[2])


# --- fixed-kernel resampling ---------------------------------------------------------------------

# The cubic resampling kernel (Keys, a = -0.5, sampled at half-sample offsets).
CUBIC = (-0.01171875, -0.03515625, 0.11328125, 0.43359375,
         0.43359375, 0.11328125, -0.03515625, -0.01171875)
KERNELS = {"linear": (1 / 8, 3 / 8, 3 / 8, 1 / 8), "cubic": CUBIC}


def _depthwise(kernel: Tensor, channels: int, like: Tensor) -> Tensor:
    """A (channels, channels, k) weight applying ``kernel`` to each channel separately."""
    weight = like.new_zeros(channels, channels, kernel.shape[0])
    idx = torch.arange(channels, device=like.device)
    weight[idx, idx] = kernel.to(weight)
    return weight


class Downsample1d(nn.Module):
    """Halves the length with a fixed anti-aliasing kernel (reflect padding)."""

    def __init__(self, kernel: str = "linear", pad_mode: str = "reflect"):
        super().__init__()
        self.pad_mode = pad_mode
        k = torch.tensor(KERNELS[kernel])
        self.pad = k.shape[0] // 2 - 1
        self.register_buffer("kernel", k)

    def forward(self, x: Tensor) -> Tensor:
        x = F.pad(x, (self.pad, self.pad), self.pad_mode)
        return F.conv1d(x, _depthwise(self.kernel, x.shape[1], x), stride=2)


class Upsample1d(nn.Module):
    """Doubles the length with a fixed interpolation kernel (reflect padding)."""

    def __init__(self, kernel: str = "linear", pad_mode: str = "reflect"):
        super().__init__()
        self.pad_mode = pad_mode
        k = torch.tensor(KERNELS[kernel]) * 2
        self.pad = k.shape[0] // 2 - 1
        self.register_buffer("kernel", k)

    def forward(self, x: Tensor) -> Tensor:
        edge = (self.pad + 1) // 2
        x = F.pad(x, (edge, edge), self.pad_mode)
        return F.conv_transpose1d(x, _depthwise(self.kernel, x.shape[1], x), stride=2,
                                  padding=self.pad * 2 + 1)


def learned_downsample(channels: int, factor: int) -> nn.Module:
    return nn.Conv1d(channels, channels, kernel_size=factor * 2 + 1, stride=factor,
                     padding=factor)


def learned_upsample(channels: int, factor: int) -> nn.Module:
    if factor == 1:
        return nn.Conv1d(channels, channels, kernel_size=3, padding=1)
    return nn.ConvTranspose1d(channels, channels, kernel_size=factor * 2, stride=factor,
                              padding=factor // 2 + factor % 2, output_padding=factor % 2)


# --- the U-Net -----------------------------------------------------------------------------------


class DiffusionAttnUnet1D(nn.Module):
    """Residual conv U-Net with self-attention in the innermost ``n_attn_layers`` levels; the
    timestep enters as 16 Fourier features broadcast over time and concatenated to the input
    (with ``cond``, input-concat conditioning, resampled to the input's length)."""

    def __init__(self, io_channels: int = 2, depth: int = 14, n_attn_layers: int = 6,
                 channels: Sequence[int] = (128, 128, 256, 256) + (512,) * 10,
                 cond_dim: int = 0, cond_noise_aug: bool = False, kernel_size: int = 5,
                 learned_resample: bool = False, strides: Sequence[int] = (2,) * 13,
                 conv_bias: bool = True, use_snake: bool = False):
        super().__init__()
        if len(channels) < depth or len(strides) < depth - 1:
            raise ValueError(f"DAU1d with depth {depth} needs >= {depth} channels and "
                             f">= {depth - 1} strides")
        self.cond_noise_aug = cond_noise_aug
        self.io_channels = io_channels
        if cond_noise_aug:
            self.rng = torch.quasirandom.SobolEngine(1, scramble=True)
        self.timestep_embed = FourierFeatures(1, 16)

        def conv(c_in: int, c_mid: int, c_out: int, is_last: bool = False) -> ResConvBlock:
            return ResConvBlock(c_in, c_mid, c_out, is_last=is_last, kernel_size=kernel_size,
                                conv_bias=conv_bias, use_snake=use_snake)

        def attn(c: int, add: bool) -> nn.Module:
            return SelfAttention1d(c, c // 32) if add else nn.Identity()

        first_attn_level = depth - n_attn_layers
        strides = [1, *strides]
        block: nn.Module = nn.Identity()
        for i in range(depth, 1, -1):  # innermost level first
            c, c_prev, stride = channels[i - 1], channels[i - 2], strides[i - 1]
            if stride > 2 and not learned_resample:
                raise ValueError("strides above 2 need learned_resample")
            add = i >= first_attn_level and n_attn_layers > 0
            block = SkipBlock(
                (learned_downsample(c_prev, stride) if learned_resample or stride == 1
                 else Downsample1d("cubic")),
                conv(c_prev, c, c), attn(c, add),
                conv(c, c, c), attn(c, add),
                conv(c, c, c), attn(c, add),
                block,
                conv(c * 2 if i != depth else c, c, c), attn(c, add),
                conv(c, c, c), attn(c, add),
                conv(c, c, c_prev), attn(c_prev, add),
                learned_upsample(c_prev, stride) if learned_resample else Upsample1d("cubic"),
            )
        c = channels[0]
        cond_embed_dim = 32 if cond_noise_aug else 16
        self.net = nn.Sequential(
            conv(io_channels + cond_dim + cond_embed_dim, c, c),
            conv(c, c, c),
            conv(c, c, c),
            block,
            conv(c * 2 if depth > 1 else c, c, c),
            conv(c, c, c),
            conv(c, c, io_channels, is_last=True),
        )
        with torch.no_grad():
            for param in self.net.parameters():
                param.mul_(0.5)

    def forward(self, x: Tensor, t: Tensor, cond: Tensor | None = None,
                cond_aug_scale: float | None = None) -> Tensor:
        inputs = [x, expand_to_planes(self.timestep_embed(t[:, None]), x.shape)]
        if cond is not None:
            if cond.shape[2] != x.shape[2]:
                cond = F.interpolate(cond, (x.shape[2],), mode="linear", align_corners=False)
            if self.cond_noise_aug:
                if cond_aug_scale is None:
                    level = self.rng.draw(cond.shape[0])[:, 0].to(cond)
                else:
                    level = torch.full((cond.shape[0],), float(cond_aug_scale)).to(cond)
                cond = cond + torch.randn_like(cond) * level[:, None, None]
                inputs.append(expand_to_planes(self.timestep_embed(level[:, None]), x.shape))
            inputs.append(cond)
        return self.net(torch.cat(inputs, dim=1))


class DAU1DCondWrapper(nn.Module):
    """DAU1d taking input-concat conditioning (diffusion autoencoder decoders); the other
    conditioning arguments are accepted and ignored, as upstream does."""

    supports_cross_attention = False
    supports_input_concat = True
    supports_global_cond = False
    supports_prepend_cond = False

    def __init__(self, *args, **kwargs):
        super().__init__()
        self.model = DiffusionAttnUnet1D(*args, **kwargs)
        with torch.no_grad():
            for param in self.model.parameters():
                param.mul_(0.5)

    def forward(self, x: Tensor, t: Tensor, input_concat_cond: Tensor | None = None,
                **_ignored) -> Tensor:
        return self.model(x, t, cond=input_concat_cond)
