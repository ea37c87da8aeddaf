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
import torch.nn.functional as F
from torch import nn

from .oobleck import wn_conv1d, wn_conv_transpose1d


class _SnakeFn(torch.autograd.Function):
    """x + sin²(αx)/(α+ε) with a hand-written backward that saves only x and α (the eager
    formula keeps several full-size intermediates per activation)."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x, alpha)
        return x + (alpha + 1e-9).reciprocal() * torch.sin(alpha * x).square()

    @staticmethod
    def backward(ctx, grad):
        x, alpha = ctx.saved_tensors
        inv = (alpha + 1e-9).reciprocal()
        ax = alpha * x
        sin2 = torch.sin(2 * ax)  # d/du sin²(u) = sin(2u)
        grad_x = grad * (1 + inv * alpha * sin2)
        # d/dα = x·sin(2αx)/(α+ε) − sin²(αx)/(α+ε)²
        grad_alpha = (grad * (x * sin2 * inv - torch.sin(ax).square() * inv * inv)).sum(
            (0, 2), keepdim=True)
        return grad_x, grad_alpha


class Snake1d(nn.Module):
    """x + sin²(αx)/α with one learnt α per channel (DAC's Snake, α initialised to 1)."""

    def __init__(self, channels: int):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _SnakeFn.apply(x, self.alpha.to(x.dtype))


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


# --- residual vector quantiser (descript-audio-codec's ``nn/quantize.py``) -------------------

class DacVectorQuantize(nn.Module):
    """One codebook with factorised (low-dimensional) and l2-normalised code lookup.

    ``forward(z (B, D, T)) -> (z_q, commitment, codebook, indices (B, T), z_e)``; the two losses are
    per batch item.
    """

    def __init__(self, input_dim: int, codebook_size: int, codebook_dim: int):
        super().__init__()
        self.codebook_size = codebook_size
        self.codebook_dim = codebook_dim
        self.in_proj = wn_conv1d(input_dim, codebook_dim, kernel_size=1)
        self.out_proj = wn_conv1d(codebook_dim, input_dim, kernel_size=1)
        self.codebook = nn.Embedding(codebook_size, codebook_dim)

    def forward(self, z: torch.Tensor):
        z_e = self.in_proj(z)
        z_q, indices = self.decode_latents(z_e)
        commitment = (z_e - z_q.detach()).square().mean((1, 2))
        codebook = (z_q - z_e.detach()).square().mean((1, 2))
        z_q = z_e + (z_q - z_e).detach()  # straight-through
        return self.out_proj(z_q), commitment, codebook, indices, z_e

    def decode_code(self, indices: torch.Tensor) -> torch.Tensor:
        """Codes ``(B, T)`` -> code vectors ``(B, codebook_dim, T)``."""
        return F.embedding(indices, self.codebook.weight).transpose(1, 2)

    def decode_latents(self, latents: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, d, t = latents.shape
        flat = F.normalize(latents.transpose(1, 2).reshape(b * t, d))
        book = F.normalize(self.codebook.weight)
        # nearest code by euclidean distance between unit vectors
        dist = flat.square().sum(1, keepdim=True) - 2 * flat @ book.t() \
            + book.square().sum(1, keepdim=True).t()
        indices = (-dist).max(1)[1].reshape(b, t)
        return self.decode_code(indices), indices


class DacResidualVQ(nn.Module):
    """``n_codebooks`` residual quantisers. ``forward(z (B, D, T))`` ->
    ``(z_q, codes (B, Q, T), latents (B, sum codebook_dim, T), commitment, codebook)``.

    In training a ``quantizer_dropout`` fraction of the batch uses a random number of codebooks.
    """

    def __init__(self, input_dim: int, n_codebooks: int, codebook_size: int,
                 codebook_dim: int | list[int], quantizer_dropout: float):
        super().__init__()
        dims = [codebook_dim] * n_codebooks if isinstance(codebook_dim, int) else list(codebook_dim)
        if len(dims) != n_codebooks:
            raise ValueError(f"dac rvq: codebook_dim lists {len(dims)} sizes for "
                             f"{n_codebooks} codebooks")
        self.n_codebooks = n_codebooks
        self.codebook_size = codebook_size
        self.codebook_dim = dims
        self.quantizer_dropout = quantizer_dropout
        self.quantizers = nn.ModuleList(DacVectorQuantize(input_dim, codebook_size, d)
                                        for d in dims)

    def forward(self, z: torch.Tensor, n_quantizers: int | None = None):
        batch = z.shape[0]
        if self.training:
            used = torch.full((batch,), self.n_codebooks + 1.0)
            n_dropout = int(batch * self.quantizer_dropout)
            used[:n_dropout] = torch.randint(1, self.n_codebooks + 1, (batch,))[:n_dropout]
            used = used.to(z.device)
        else:
            used = self.n_codebooks if n_quantizers is None else n_quantizers
        z_q = torch.zeros_like(z)
        residual = z
        commitment = codebook = z.new_zeros(())
        codes, latents = [], []
        for i, quantizer in enumerate(self.quantizers):
            if not self.training and i >= used:
                break
            z_q_i, commitment_i, codebook_i, indices_i, z_e_i = quantizer(residual)
            keep = (torch.full((batch,), i, device=z.device) < used).to(z.dtype)
            z_q = z_q + z_q_i * keep[:, None, None]
            residual = residual - z_q_i
            commitment = commitment + (commitment_i * keep).mean()
            codebook = codebook + (codebook_i * keep).mean()
            codes.append(indices_i)
            latents.append(z_e_i)
        return z_q, torch.stack(codes, dim=1), torch.cat(latents, dim=1), commitment, codebook

    def from_codes(self, codes: torch.Tensor) -> torch.Tensor:
        """Codes ``(B, Q, T)`` (Q may be fewer than ``n_codebooks``) -> ``z_q (B, D, T)``."""
        z_q = 0.0
        for i in range(codes.shape[1]):
            z_q = z_q + self.quantizers[i].out_proj(self.quantizers[i].decode_code(codes[:, i]))
        return z_q
