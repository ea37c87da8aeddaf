"""The 1-D U-Net of audio-diffusion-pytorch as stable-audio-tools ships it (``adp_1d``,
``adp_uncond_1d``, ``adp_cfg_1d``; Stable Audio 1.0's backbone).

Module tree, constructor keywords, forward keywords and state-dict names follow upstream's
``models/adp.py`` and the three wrappers of ``models/diffusion.py``, so upstream checkpoints load
with ``strict=True``. The code is our own, on torch and einops only (no einops-exts).

Shapes: audio/latents ``(batch, channels, length)``; cross-attention tokens
``(batch, tokens, features)``; global features ``(batch, features)``; time ``(batch,)``.
"""

from __future__ import annotations

from collections.abc import Sequence
import math

import torch
from einops import rearrange
from einops.layers.torch import Rearrange
from torch import Tensor, nn
from torch.nn import functional as F

from .embeddings import LearnedPositionalEmbedding, NumberEmbedder, TimePositionalEmbedding

# --- padded convolutions -----------------------------------------------------------------------


def _extra_right_padding(length: int, kernel: int, stride: int, total_pad: int) -> int:
    """Zeros to add on the right so the last window of a strided conv is complete (length
    ``length`` becomes ``ceil(...)`` frames and a transposed conv can give it back)."""
    frames = (length - kernel + total_pad) / stride + 1
    return (math.ceil(frames) - 1) * stride + kernel - total_pad - length


class Conv1d(nn.Conv1d):
    """A conv that pads itself: "same"-style (odd left excess) or causal (all on the left)."""

    def forward(self, x: Tensor, causal: bool = False) -> Tensor:  # type: ignore[override]
        kernel = (self.kernel_size[0] - 1) * self.dilation[0] + 1
        stride = self.stride[0]
        total = kernel - stride
        extra = _extra_right_padding(x.shape[-1], kernel, stride, total)
        if causal:
            left, right = total, extra
        else:
            left, right = total - total // 2, total // 2 + extra
        return super().forward(F.pad(x, (left, right)))


class ConvTranspose1d(nn.ConvTranspose1d):
    """A transposed conv that trims the padding its ``Conv1d`` counterpart added."""

    def forward(self, x: Tensor, causal: bool = False) -> Tensor:  # type: ignore[override]
        y = super().forward(x)
        total = self.kernel_size[0] - self.stride[0]
        left, right = (0, total) if causal else (total - total // 2, total // 2)
        return y[..., left:y.shape[-1] - right]


def Downsample1d(in_channels: int, out_channels: int, factor: int,
                 kernel_multiplier: int = 2) -> nn.Module:
    if kernel_multiplier % 2:
        raise ValueError("kernel_multiplier_downsample must be even")
    return Conv1d(in_channels, out_channels, kernel_size=factor * kernel_multiplier + 1,
                  stride=factor)


def Upsample1d(in_channels: int, out_channels: int, factor: int,
               use_nearest: bool = False) -> nn.Module:
    if factor == 1:
        return Conv1d(in_channels, out_channels, kernel_size=3)
    if use_nearest:
        return nn.Sequential(nn.Upsample(scale_factor=factor, mode="nearest"),
                             Conv1d(in_channels, out_channels, kernel_size=3))
    return ConvTranspose1d(in_channels, out_channels, kernel_size=factor * 2, stride=factor)


# --- residual blocks ---------------------------------------------------------------------------


class ConvBlock1d(nn.Module):
    """GroupNorm -> (optional FiLM scale/shift) -> SiLU -> conv."""

    def __init__(self, in_channels: int, out_channels: int, *, kernel_size: int = 3,
                 stride: int = 1, dilation: int = 1, num_groups: int = 8,
                 use_norm: bool = True) -> None:
        super().__init__()
        self.groupnorm = (nn.GroupNorm(num_groups, in_channels) if use_norm else nn.Identity())
        self.activation = nn.SiLU()
        self.project = Conv1d(in_channels, out_channels, kernel_size=kernel_size, stride=stride,
                              dilation=dilation)

    def forward(self, x: Tensor, scale_shift: tuple[Tensor, Tensor] | None = None,
                causal: bool = False) -> Tensor:
        x = self.groupnorm(x)
        if scale_shift is not None:
            scale, shift = scale_shift
            x = x * (scale + 1) + shift
        return self.project(self.activation(x), causal=causal)


class MappingToScaleShift(nn.Module):
    def __init__(self, features: int, channels: int):
        super().__init__()
        self.to_scale_shift = nn.Sequential(nn.SiLU(), nn.Linear(features, channels * 2))

    def forward(self, mapping: Tensor) -> tuple[Tensor, Tensor]:
        scale, shift = self.to_scale_shift(mapping)[..., None].chunk(2, dim=1)
        return scale, shift


class ResnetBlock1d(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, *, kernel_size: int = 3,
                 stride: int = 1, dilation: int = 1, use_norm: bool = True, num_groups: int = 8,
                 context_mapping_features: int | None = None) -> None:
        super().__init__()
        self.use_mapping = context_mapping_features is not None
        self.block1 = ConvBlock1d(in_channels, out_channels, kernel_size=kernel_size,
                                  stride=stride, dilation=dilation, use_norm=use_norm,
                                  num_groups=num_groups)
        if self.use_mapping:
            self.to_scale_shift = MappingToScaleShift(context_mapping_features, out_channels)
        self.block2 = ConvBlock1d(out_channels, out_channels, use_norm=use_norm,
                                  num_groups=num_groups)
        self.to_out = (Conv1d(in_channels, out_channels, kernel_size=1)
                       if in_channels != out_channels else nn.Identity())

    def forward(self, x: Tensor, mapping: Tensor | None = None, causal: bool = False) -> Tensor:
        if self.use_mapping != (mapping is not None):
            raise ValueError("a context mapping is needed exactly when context_mapping_features "
                             "is set")
        h = self.block1(x, causal=causal)
        scale_shift = self.to_scale_shift(mapping) if self.use_mapping else None
        h = self.block2(h, scale_shift=scale_shift, causal=causal)
        return h + self.to_out(x)


class Patcher(nn.Module):
    """ResNet block then fold ``patch_size`` time steps into channels."""

    def __init__(self, in_channels: int, out_channels: int, patch_size: int,
                 context_mapping_features: int | None = None):
        super().__init__()
        if out_channels % patch_size:
            raise ValueError(f"out_channels must be divisible by patch_size ({patch_size})")
        self.patch_size = patch_size
        self.block = ResnetBlock1d(in_channels, out_channels // patch_size, num_groups=1,
                                   context_mapping_features=context_mapping_features)

    def forward(self, x: Tensor, mapping: Tensor | None = None, causal: bool = False) -> Tensor:
        x = self.block(x, mapping, causal=causal)
        return rearrange(x, "b c (l p) -> b (c p) l", p=self.patch_size)


class Unpatcher(nn.Module):
    """Unfold channels back into time, then a ResNet block."""

    def __init__(self, in_channels: int, out_channels: int, patch_size: int,
                 context_mapping_features: int | None = None):
        super().__init__()
        if in_channels % patch_size:
            raise ValueError(f"in_channels must be divisible by patch_size ({patch_size})")
        self.patch_size = patch_size
        self.block = ResnetBlock1d(in_channels // patch_size, out_channels, num_groups=1,
                                   context_mapping_features=context_mapping_features)

    def forward(self, x: Tensor, mapping: Tensor | None = None, causal: bool = False) -> Tensor:
        x = rearrange(x, "b (c p) l -> b c (l p)", p=self.patch_size)
        return self.block(x, mapping, causal=causal)


# --- attention ---------------------------------------------------------------------------------


def FeedForward(features: int, multiplier: int) -> nn.Module:
    return nn.Sequential(nn.Linear(features, features * multiplier), nn.GELU(),
                         nn.Linear(features * multiplier, features))


class AttentionBase(nn.Module):
    """Multi-head scaled dot-product attention over already projected q, k, v."""

    def __init__(self, features: int, *, head_features: int, num_heads: int,
                 out_features: int | None = None):
        super().__init__()
        self.scale = head_features ** -0.5
        self.num_heads = num_heads
        self.to_out = nn.Linear(head_features * num_heads, out_features or features)

    def forward(self, q: Tensor, k: Tensor, v: Tensor, is_causal: bool = False) -> Tensor:
        q, k, v = (rearrange(t, "b n (h d) -> b h n d", h=self.num_heads) for t in (q, k, v))
        mask = None
        if is_causal:  # query i sees keys up to i + (len_k - len_q), as upstream's mask
            n, m = q.shape[-2], k.shape[-2]
            mask = torch.ones(n, m, dtype=torch.bool, device=q.device).tril(m - n)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=self.scale)
        return self.to_out(rearrange(out, "b h n d -> b n (h d)"))


class Attention(nn.Module):
    """Pre-norm self- (``context_features`` None) or cross-attention."""

    def __init__(self, features: int, *, head_features: int, num_heads: int,
                 out_features: int | None = None, context_features: int | None = None,
                 causal: bool = False):
        super().__init__()
        self.context_features = context_features
        self.causal = causal
        mid = head_features * num_heads
        context_features = context_features or features
        self.norm = nn.LayerNorm(features)
        self.norm_context = nn.LayerNorm(context_features)
        self.to_q = nn.Linear(features, mid, bias=False)
        self.to_kv = nn.Linear(context_features, mid * 2, bias=False)
        self.attention = AttentionBase(features, num_heads=num_heads,
                                       head_features=head_features, out_features=out_features)

    def forward(self, x: Tensor, context: Tensor | None = None,
                context_mask: Tensor | None = None, causal: bool = False) -> Tensor:
        if self.context_features and context is None:
            raise ValueError("cross-attention needs a context (embedding)")
        context = x if context is None else context
        x, context = self.norm(x), self.norm_context(context)
        q = self.to_q(x)
        k, v = self.to_kv(context).chunk(2, dim=-1)
        if context_mask is not None:
            # upstream zeroes the padded tokens' keys and values (it does not mask the softmax)
            keep = context_mask[..., None].to(k.dtype)
            k, v = k * keep, v * keep
        return self.attention(q, k, v, is_causal=self.causal or bool(causal))


class TransformerBlock(nn.Module):
    def __init__(self, features: int, num_heads: int, head_features: int, multiplier: int,
                 context_features: int | None = None):
        super().__init__()
        self.use_cross_attention = bool(context_features)
        self.attention = Attention(features, num_heads=num_heads, head_features=head_features)
        if self.use_cross_attention:
            self.cross_attention = Attention(features, num_heads=num_heads,
                                             head_features=head_features,
                                             context_features=context_features)
        self.feed_forward = FeedForward(features, multiplier)

    def forward(self, x: Tensor, *, context: Tensor | None = None,
                context_mask: Tensor | None = None, causal: bool = False) -> Tensor:
        x = x + self.attention(x, causal=causal)
        if self.use_cross_attention:
            x = x + self.cross_attention(x, context=context, context_mask=context_mask)
        return x + self.feed_forward(x)


class Transformer1d(nn.Module):
    """Channels-first wrapper around a stack of transformer blocks."""

    def __init__(self, num_layers: int, channels: int, num_heads: int, head_features: int,
                 multiplier: int, context_features: int | None = None):
        super().__init__()
        self.to_in = nn.Sequential(
            nn.GroupNorm(32, channels, eps=1e-6, affine=True),
            Conv1d(channels, channels, kernel_size=1),
            Rearrange("b c t -> b t c"),
        )
        self.blocks = nn.ModuleList([
            TransformerBlock(channels, num_heads=num_heads, head_features=head_features,
                             multiplier=multiplier, context_features=context_features)
            for _ in range(num_layers)
        ])
        self.to_out = nn.Sequential(Rearrange("b t c -> b c t"),
                                    Conv1d(channels, channels, kernel_size=1))

    def forward(self, x: Tensor, *, context: Tensor | None = None,
                context_mask: Tensor | None = None, causal: bool = False) -> Tensor:
        x = self.to_in(x)
        for block in self.blocks:
            x = block(x, context=context, context_mask=context_mask, causal=causal)
        return self.to_out(x)


def _transformer(channels: int, num_blocks: int, heads: int | None, head_features: int | None,
                 multiplier: int | None, context_features: int | None) -> Transformer1d:
    if (heads is None and head_features is None) or multiplier is None:
        raise ValueError("attention blocks need attention_multiplier and attention_heads or "
                         "attention_features")
    if head_features is None:
        head_features = channels // heads
    if heads is None:
        heads = channels // head_features
    return Transformer1d(num_blocks, channels, num_heads=heads, head_features=head_features,
                         multiplier=multiplier, context_features=context_features)


# --- time and number embeddings ----------------------------------------------------------------


# --- encoder / decoder levels -------------------------------------------------------------------


class DownsampleBlock1d(nn.Module):
    """Downsample, ResNet blocks (the first also takes this level's context channels), optional
    transformer; returns the output and the skips the matching up level consumes."""

    def __init__(self, in_channels: int, out_channels: int, *, factor: int, num_groups: int,
                 num_layers: int, kernel_multiplier: int = 2, context_channels: int = 0,
                 num_transformer_blocks: int = 0, attention_heads: int | None = None,
                 attention_features: int | None = None, attention_multiplier: int | None = None,
                 context_mapping_features: int | None = None,
                 context_embedding_features: int | None = None):
        super().__init__()
        self.use_transformer = num_transformer_blocks > 0
        self.use_context = context_channels > 0
        self.downsample = Downsample1d(in_channels, out_channels, factor=factor,
                                       kernel_multiplier=kernel_multiplier)
        self.blocks = nn.ModuleList([
            ResnetBlock1d(out_channels + (context_channels if i == 0 else 0), out_channels,
                          num_groups=num_groups,
                          context_mapping_features=context_mapping_features)
            for i in range(num_layers)
        ])
        if self.use_transformer:
            self.transformer = _transformer(out_channels, num_transformer_blocks,
                                            attention_heads, attention_features,
                                            attention_multiplier, context_embedding_features)

    def forward(self, x: Tensor, *, mapping: Tensor | None = None,
                channels: Tensor | None = None, embedding: Tensor | None = None,
                embedding_mask: Tensor | None = None,
                causal: bool = False) -> tuple[Tensor, list[Tensor]]:
        x = self.downsample(x)  # resampling stays non-causal, as upstream's
        if self.use_context and channels is not None:
            x = torch.cat([x, channels], dim=1)
        skips = []
        for block in self.blocks:
            x = block(x, mapping=mapping, causal=causal)
            skips.append(x)
        if self.use_transformer:
            x = self.transformer(x, context=embedding, context_mask=embedding_mask,
                                 causal=causal)
            skips.append(x)
        return x, skips


class UpsampleBlock1d(nn.Module):
    """ResNet blocks each eating one skip, optional transformer, then upsample."""

    def __init__(self, in_channels: int, out_channels: int, *, factor: int, num_layers: int,
                 num_groups: int, use_nearest: bool = False, skip_channels: int = 0,
                 use_skip_scale: bool = False, num_transformer_blocks: int = 0,
                 attention_heads: int | None = None, attention_features: int | None = None,
                 attention_multiplier: int | None = None,
                 context_mapping_features: int | None = None,
                 context_embedding_features: int | None = None):
        super().__init__()
        self.use_transformer = num_transformer_blocks > 0
        self.skip_scale = 2 ** -0.5 if use_skip_scale else 1.0
        self.blocks = nn.ModuleList([
            ResnetBlock1d(in_channels + skip_channels, in_channels, num_groups=num_groups,
                          context_mapping_features=context_mapping_features)
            for _ in range(num_layers)
        ])
        if self.use_transformer:
            self.transformer = _transformer(in_channels, num_transformer_blocks,
                                            attention_heads, attention_features,
                                            attention_multiplier, context_embedding_features)
        self.upsample = Upsample1d(in_channels, out_channels, factor=factor,
                                   use_nearest=use_nearest)

    def forward(self, x: Tensor, *, skips: list[Tensor] | None = None,
                mapping: Tensor | None = None, embedding: Tensor | None = None,
                embedding_mask: Tensor | None = None, causal: bool = False) -> Tensor:
        for block in self.blocks:
            if skips is not None:
                x = torch.cat([x, skips.pop() * self.skip_scale], dim=1)
            x = block(x, mapping=mapping, causal=causal)
        if self.use_transformer:
            x = self.transformer(x, context=embedding, context_mask=embedding_mask,
                                 causal=causal)
        return self.upsample(x)


class BottleneckBlock1d(nn.Module):
    def __init__(self, channels: int, *, num_groups: int, num_transformer_blocks: int = 0,
                 attention_heads: int | None = None, attention_features: int | None = None,
                 attention_multiplier: int | None = None,
                 context_mapping_features: int | None = None,
                 context_embedding_features: int | None = None):
        super().__init__()
        self.use_transformer = num_transformer_blocks > 0
        self.pre_block = ResnetBlock1d(channels, channels, num_groups=num_groups,
                                       context_mapping_features=context_mapping_features)
        if self.use_transformer:
            self.transformer = _transformer(channels, num_transformer_blocks, attention_heads,
                                            attention_features, attention_multiplier,
                                            context_embedding_features)
        self.post_block = ResnetBlock1d(channels, channels, num_groups=num_groups,
                                        context_mapping_features=context_mapping_features)

    def forward(self, x: Tensor, *, mapping: Tensor | None = None,
                embedding: Tensor | None = None, embedding_mask: Tensor | None = None,
                causal: bool = False) -> Tensor:
        x = self.pre_block(x, mapping=mapping, causal=causal)
        if self.use_transformer:
            x = self.transformer(x, context=embedding, context_mask=embedding_mask,
                                 causal=causal)
        return self.post_block(x, mapping=mapping, causal=causal)


# --- STFT representation ------------------------------------------------------------------------


def _closest_power_2(x: float) -> int:
    lo, hi = 2 ** math.floor(math.log2(x)), 2 ** math.ceil(math.log2(x))
    return lo if abs(x - lo) <= abs(x - hi) else hi


class STFT(nn.Module):
    """Waveform <-> stacked STFT channels (magnitude/phase, or real/imaginary)."""

    def __init__(self, num_fft: int = 1023, hop_length: int | None = 256,
                 window_length: int | None = None, length: int | None = None,
                 use_complex: bool = False):
        super().__init__()
        self.num_fft = num_fft
        self.hop_length = hop_length if hop_length is not None else num_fft // 4
        self.window_length = window_length if window_length is not None else num_fft
        self.length = length
        self.use_complex = use_complex
        self.register_buffer("window", torch.hann_window(self.window_length))

    def encode1d(self, wave: Tensor) -> Tensor:
        b = wave.shape[0]
        spec = torch.stft(rearrange(wave, "b c t -> (b c) t"), n_fft=self.num_fft,
                          hop_length=self.hop_length, win_length=self.window_length,
                          window=self.window, return_complex=True, normalized=True)
        if self.use_complex:
            a, p = spec.real, spec.imag
        else:
            a, p = spec.abs(), spec.angle()
        a, p = (rearrange(t, "(b c) f l -> b (c f) l", b=b) for t in (a, p))
        return torch.cat([a, p], dim=1)

    def decode1d(self, stacked: Tensor) -> Tensor:
        b, frames = stacked.shape[0], stacked.shape[-1]
        a, p = (rearrange(t, "b (c f) l -> (b c) f l", f=self.num_fft // 2 + 1)
                for t in stacked.chunk(2, dim=1))
        spec = torch.complex(a, p) if self.use_complex else torch.polar(a, p)
        length = self.length or _closest_power_2(frames * self.hop_length)
        wave = torch.istft(spec, n_fft=self.num_fft, hop_length=self.hop_length,
                           win_length=self.window_length, window=self.window, length=length,
                           normalized=True)
        return rearrange(wave, "(b c) t -> b c t", b=b)


# --- the U-Net ---------------------------------------------------------------------------------


class UNet1d(nn.Module):
    """The conditional 1-D U-Net: time / global features through a FiLM mapping, input-concat
    channels per level (``context_channels``), cross-attention tokens in the transformer levels
    (``context_embedding_features``)."""

    def __init__(self, in_channels: int, channels: int, multipliers: Sequence[int],
                 factors: Sequence[int], num_blocks: Sequence[int], attentions: Sequence[int],
                 patch_size: int = 1, resnet_groups: int = 8, use_context_time: bool = True,
                 kernel_multiplier_downsample: int = 2, use_nearest_upsample: bool = False,
                 use_skip_scale: bool = True, use_stft: bool = False,
                 use_stft_context: bool = False, out_channels: int | None = None,
                 context_features: int | None = None, context_features_multiplier: int = 4,
                 context_channels: Sequence[int] | None = None,
                 context_embedding_features: int | None = None,
                 attention_heads: int | None = None, attention_features: int | None = None,
                 attention_multiplier: int | None = None,
                 stft_num_fft: int | None = None, stft_hop_length: int | None = 256,
                 stft_window_length: int | None = None, stft_length: int | None = None,
                 stft_use_complex: bool = False):
        super().__init__()
        out_channels = out_channels or in_channels
        num_layers = len(multipliers) - 1
        if not (len(factors) == num_layers == len(num_blocks) and len(attentions) >= num_layers):
            raise ValueError("factors and num_blocks need len(multipliers) - 1 entries and "
                             "attentions at least that many")
        context_channels = list(context_channels or [])
        self.num_layers = num_layers
        self.use_context_time = use_context_time
        self.use_context_features = context_features is not None
        self.use_context_channels = len(context_channels) > 0
        self.use_stft = use_stft
        self.use_stft_context = use_stft_context
        self.context_features = context_features
        context_channels += [0] * (num_layers + 1 - len(context_channels))
        self.context_channels = context_channels
        self.context_embedding_features = context_embedding_features
        self.has_context = [c > 0 for c in context_channels]
        self.channels_ids = [sum(self.has_context[:i]) for i in range(len(self.has_context))]

        mapping_features = None
        if use_context_time or self.use_context_features:
            mapping_features = channels * context_features_multiplier
            self.to_mapping = nn.Sequential(
                nn.Linear(mapping_features, mapping_features), nn.GELU(),
                nn.Linear(mapping_features, mapping_features), nn.GELU(),
            )
        if use_context_time:
            self.to_time = nn.Sequential(TimePositionalEmbedding(channels, mapping_features),
                                         nn.GELU())
        if self.use_context_features:
            self.to_features = nn.Sequential(nn.Linear(context_features, mapping_features),
                                             nn.GELU())

        if use_stft:
            if stft_num_fft is None:
                raise ValueError("use_stft needs stft_num_fft")
            stft_channels = (stft_num_fft // 2 + 1) * 2
            in_channels *= stft_channels
            out_channels *= stft_channels
            if use_stft_context:
                context_channels[0] *= stft_channels
            self.stft = STFT(stft_num_fft, stft_hop_length, stft_window_length, stft_length,
                             stft_use_complex)

        attention = dict(attention_heads=attention_heads, attention_features=attention_features,
                         attention_multiplier=attention_multiplier,
                         context_mapping_features=mapping_features,
                         context_embedding_features=context_embedding_features)
        width = [channels * m for m in multipliers]
        self.to_in = Patcher(in_channels + context_channels[0], width[0], patch_size,
                             context_mapping_features=mapping_features)
        self.downsamples = nn.ModuleList([
            DownsampleBlock1d(width[i], width[i + 1], context_channels=context_channels[i + 1],
                              num_layers=num_blocks[i], factor=factors[i],
                              kernel_multiplier=kernel_multiplier_downsample,
                              num_groups=resnet_groups, num_transformer_blocks=attentions[i],
                              **attention)
            for i in range(num_layers)
        ])
        self.bottleneck = BottleneckBlock1d(width[-1], num_groups=resnet_groups,
                                            num_transformer_blocks=attentions[-1], **attention)
        self.upsamples = nn.ModuleList([
            UpsampleBlock1d(width[i + 1], width[i],
                            num_layers=num_blocks[i] + (1 if attentions[i] else 0),
                            factor=factors[i], use_nearest=use_nearest_upsample,
                            num_groups=resnet_groups, use_skip_scale=use_skip_scale,
                            skip_channels=width[i + 1], num_transformer_blocks=attentions[i],
                            **attention)
            for i in reversed(range(num_layers))
        ])
        self.to_out = Unpatcher(width[0], out_channels, patch_size,
                                context_mapping_features=mapping_features)

    def get_channels(self, channels_list: Sequence[Tensor] | None = None,
                     layer: int = 0) -> Tensor | None:
        """The input-concat channels for ``layer`` (None when that level takes none)."""
        if not (self.use_context_channels and self.has_context[layer]):
            return None
        if channels_list is None:
            raise ValueError("this U-Net takes input-concat channels (channels_list)")
        channels = channels_list[self.channels_ids[layer]]
        expected = self.context_channels[layer]
        if self.use_stft and self.use_stft_context:
            return self.stft.encode1d(channels)
        if channels.shape[1] != expected:
            raise ValueError(f"expected {expected} input-concat channels at level {layer}, got "
                             f"{channels.shape[1]}")
        return channels

    def get_mapping(self, time: Tensor | None = None,
                    features: Tensor | None = None) -> Tensor | None:
        """The FiLM mapping: embedded time plus embedded global features."""
        items = []
        if self.use_context_time:
            if time is None:
                raise ValueError("use_context_time needs the diffusion time")
            items.append(self.to_time(time))
        if self.use_context_features:
            if features is None:
                raise ValueError("context_features is set but no global features were given")
            items.append(self.to_features(features))
        if not items:
            return None
        return self.to_mapping(torch.stack(items).sum(0))

    def forward(self, x: Tensor, time: Tensor | None = None, *,
                features: Tensor | None = None, channels_list: Sequence[Tensor] | None = None,
                embedding: Tensor | None = None, embedding_mask: Tensor | None = None,
                causal: bool = False) -> Tensor:
        channels = self.get_channels(channels_list, layer=0)
        if self.use_stft:
            x = self.stft.encode1d(x)
        if channels is not None:
            x = torch.cat([x, channels], dim=1)
        mapping = self.get_mapping(time, features)
        x = self.to_in(x, mapping, causal=causal)
        skips_list = [[x]]
        for i, down in enumerate(self.downsamples):
            x, skips = down(x, mapping=mapping, channels=self.get_channels(channels_list, i + 1),
                            embedding=embedding, embedding_mask=embedding_mask, causal=causal)
            skips_list.append(skips)
        x = self.bottleneck(x, mapping=mapping, embedding=embedding,
                            embedding_mask=embedding_mask, causal=causal)
        for up in self.upsamples:
            x = up(x, skips=skips_list.pop(), mapping=mapping, embedding=embedding,
                   embedding_mask=embedding_mask, causal=causal)
        x = x + skips_list.pop()[0]
        x = self.to_out(x, mapping, causal=causal)
        return self.stft.decode1d(x) if self.use_stft else x


# --- classifier-free guidance -------------------------------------------------------------------


class FixedEmbedding(nn.Module):
    """A learned token per position: the "no condition" cross-attention sequence."""

    def __init__(self, max_length: int, features: int):
        super().__init__()
        self.max_length = max_length
        self.embedding = nn.Embedding(max_length, features)

    def forward(self, x: Tensor) -> Tensor:
        batch, length = x.shape[:2]
        if length > self.max_length:
            raise ValueError(f"{length} cross-attention tokens exceed context_embedding_max_length "
                             f"({self.max_length})")
        fixed = self.embedding(torch.arange(length, device=x.device))
        return fixed.expand(batch, -1, -1)


def rand_bool(shape: Sequence[int], proba: float, device=None) -> Tensor:
    if proba == 1:
        return torch.ones(shape, device=device, dtype=torch.bool)
    if proba == 0:
        return torch.zeros(shape, device=device, dtype=torch.bool)
    return torch.bernoulli(torch.full(shape, proba, device=device)).to(torch.bool)


class UNetCFG1d(UNet1d):
    """UNet1d with classifier-free guidance: the learned ``fixed_embedding`` replaces the
    cross-attention tokens for dropped items and for the unconditional pass."""

    def __init__(self, context_embedding_max_length: int, context_embedding_features: int,
                 use_xattn_time: bool = False, **kwargs):
        super().__init__(context_embedding_features=context_embedding_features, **kwargs)
        self.use_xattn_time = use_xattn_time
        if use_xattn_time:
            self.to_time_embedding = nn.Sequential(
                TimePositionalEmbedding(kwargs["channels"], context_embedding_features),
                nn.GELU())
            context_embedding_max_length += 1  # the time token
        self.fixed_embedding = FixedEmbedding(context_embedding_max_length,
                                              context_embedding_features)

    def forward(self, x: Tensor, time: Tensor, *, embedding: Tensor,  # type: ignore[override]
                embedding_mask: Tensor | None = None, embedding_scale: float = 1.0,
                embedding_mask_proba: float = 0.0, batch_cfg: bool = False,
                rescale_cfg: bool = False, scale_phi: float = 0.4,
                negative_embedding: Tensor | None = None,
                negative_embedding_mask: Tensor | None = None, **kwargs) -> Tensor:
        b, device = embedding.shape[0], embedding.device
        if self.use_xattn_time:
            embedding = torch.cat([embedding, self.to_time_embedding(time)[:, None]], dim=1)
            if embedding_mask is not None:
                embedding_mask = torch.cat(
                    [embedding_mask, torch.ones((b, 1), device=device,
                                                dtype=embedding_mask.dtype)], dim=1)
        fixed = self.fixed_embedding(embedding)
        if embedding_mask_proba > 0.0:
            drop = rand_bool((b, 1, 1), embedding_mask_proba, device=device)
            embedding = torch.where(drop, fixed, embedding)

        if embedding_scale == 1.0:
            return super().forward(x, time, embedding=embedding, embedding_mask=embedding_mask,
                                   **kwargs)

        if batch_cfg:
            if negative_embedding is None:
                null = fixed
            elif negative_embedding_mask is None:
                null = negative_embedding
            else:
                keep = negative_embedding_mask.to(torch.bool)[..., None]
                null = torch.where(keep, negative_embedding, fixed)
            features = kwargs.pop("features", None)
            channels_list = kwargs.pop("channels_list", None)
            both = super().forward(
                torch.cat([x, x]), torch.cat([time, time]),
                embedding=torch.cat([embedding, null]),
                embedding_mask=(None if embedding_mask is None
                                else torch.cat([embedding_mask, embedding_mask])),
                features=(torch.cat([features, features])
                          if self.use_context_features else None),
                channels_list=([torch.cat([c, c]) for c in channels_list]
                               if self.use_context_channels else None),
                **kwargs)
            out, out_null = both.chunk(2, dim=0)
        else:
            out = super().forward(x, time, embedding=embedding, embedding_mask=embedding_mask,
                                  **kwargs)
            out_null = super().forward(x, time, embedding=fixed, embedding_mask=embedding_mask,
                                       **kwargs)

        out_cfg = out_null + (out - out_null) * embedding_scale
        if not rescale_cfg:
            return out_cfg
        rescaled = out_cfg * (out.std(dim=1, keepdim=True) / out_cfg.std(dim=1, keepdim=True))
        return scale_phi * rescaled + (1 - scale_phi) * out_cfg


# --- the wrappers of upstream's models/diffusion.py ---------------------------------------------


def _halve(module: nn.Module) -> None:
    """Upstream's wrappers start from half the default initialisation."""
    with torch.no_grad():
        for param in module.parameters():
            param.mul_(0.5)


class UNetCFG1DWrapper(nn.Module):
    """``adp_cfg_1d``: cross-attention (with CFG), global features and input concat."""

    supports_cross_attention = True
    supports_input_concat = True
    supports_global_cond = True
    supports_prepend_cond = False

    def __init__(self, *args, **kwargs):
        super().__init__()
        self.model = UNetCFG1d(*args, **kwargs)
        _halve(self.model)

    def forward(self, x: Tensor, t: Tensor, cross_attn_cond: Tensor | None = None,
                cross_attn_mask: Tensor | None = None,
                input_concat_cond: Tensor | None = None, global_cond: Tensor | None = None,
                cfg_scale: float = 1.0, cfg_dropout_prob: float = 0.0,
                batch_cfg: bool = False, rescale_cfg: bool = False,
                negative_cross_attn_cond: Tensor | None = None,
                negative_cross_attn_mask: Tensor | None = None,
                negative_global_cond: Tensor | None = None,
                negative_input_concat_cond: Tensor | None = None,
                prepend_cond: Tensor | None = None, prepend_cond_mask: Tensor | None = None,
                **kwargs) -> Tensor:
        return self.model(
            x, t, embedding=cross_attn_cond, embedding_mask=cross_attn_mask,
            features=global_cond,
            channels_list=None if input_concat_cond is None else [input_concat_cond],
            embedding_scale=cfg_scale, embedding_mask_proba=cfg_dropout_prob,
            batch_cfg=batch_cfg, rescale_cfg=rescale_cfg,
            negative_embedding=negative_cross_attn_cond,
            negative_embedding_mask=negative_cross_attn_mask, **kwargs)


class UNet1DCondWrapper(nn.Module):
    """``adp_1d``: global features and input concat (resampled to the input's length); no
    cross-attention, so the CFG arguments are accepted and ignored as upstream does."""

    supports_cross_attention = False
    supports_input_concat = True
    supports_global_cond = True
    supports_prepend_cond = False

    def __init__(self, *args, **kwargs):
        super().__init__()
        self.model = UNet1d(*args, **kwargs)
        _halve(self.model)

    def forward(self, x: Tensor, t: Tensor, input_concat_cond: Tensor | None = None,
                global_cond: Tensor | None = None, cross_attn_cond: Tensor | None = None,
                cross_attn_mask: Tensor | None = None, prepend_cond: Tensor | None = None,
                prepend_cond_mask: Tensor | None = None, cfg_scale: float = 1.0,
                cfg_dropout_prob: float = 0.0, batch_cfg: bool = False,
                rescale_cfg: bool = False, negative_cross_attn_cond: Tensor | None = None,
                negative_cross_attn_mask: Tensor | None = None,
                negative_global_cond: Tensor | None = None,
                negative_input_concat_cond: Tensor | None = None, **kwargs) -> Tensor:
        channels_list = None
        if input_concat_cond is not None:
            if input_concat_cond.shape[2] != x.shape[2]:
                input_concat_cond = F.interpolate(input_concat_cond, (x.shape[2],),
                                                  mode="nearest")
            channels_list = [input_concat_cond]
        return self.model(x, t, features=global_cond, channels_list=channels_list, **kwargs)


class UNet1DUncondWrapper(nn.Module):
    """``adp_uncond_1d``: the U-Net on its own."""

    def __init__(self, in_channels: int, *args, **kwargs):
        super().__init__()
        self.model = UNet1d(in_channels, *args, **kwargs)
        self.io_channels = in_channels
        _halve(self.model)

    def forward(self, x: Tensor, t: Tensor, **kwargs) -> Tensor:
        return self.model(x, t, **kwargs)
