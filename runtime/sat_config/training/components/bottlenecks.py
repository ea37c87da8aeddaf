"""Latent bottlenecks between encoder and decoder, built from typed ``model.bottleneck`` configs.

``encode(x) -> (latents, info)``: ``info`` carries what the losses read (``kl``, ``mmd``,
``quantizer_loss``, ``vq/codebook_loss``, ``vq/commitment_loss``) and, for discrete bottlenecks,
the tokens under ``tokens_id``. Every discrete bottleneck gives tokens as ``(batch, codebooks,
frames)`` and takes them back in that layout in ``decode_tokens`` (upstream's rvq and dithered_fsq
use ``(batch, frames, codebooks)``, its fsq and dac_rvq the layout here: bug V4).

``rvq``/``rvq_vae``/``fsq`` wrap vector-quantize-pytorch; ``dac_rvq``/``dac_rvq_vae`` use our own
descript-audio-codec quantiser (dac.py) and ``dithered_fsq`` our own dithered FSQ, both with
upstream's state-dict names.
"""

from __future__ import annotations

import inspect

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..kwargs import supported_kwargs
from ..parts import Parts
from .dac import DacResidualVQ


class Bottleneck(nn.Module):
    is_discrete = False
    #: the info keys this bottleneck's regulariser losses read (see losses.bottleneck_terms)
    regularisers: tuple[str, ...] = ()

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, Any]]:
        raise NotImplementedError

    def decode(self, x: torch.Tensor) -> torch.Tensor:
        return x


class DiscreteBottleneck(Bottleneck):
    """A quantiser: ``info[tokens_id]`` holds ``(batch, num_quantizers, frames)`` integer tokens
    in ``[0, codebook_size)``; ``decode_tokens`` maps such tokens back to the latents ``encode``
    returns (pass them on through ``decode``, as ``AudioAutoencoder.decode_tokens`` does)."""

    is_discrete = True
    tokens_id = "quantizer_indices"

    def __init__(self, num_quantizers: int, codebook_size: int):
        super().__init__()
        self.num_quantizers = num_quantizers
        self.codebook_size = codebook_size

    def decode_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


def vae_sample(mean: torch.Tensor, scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    stdev = F.softplus(scale) + 1e-4
    var = stdev * stdev
    latents = torch.randn_like(mean) * stdev + mean
    kl = (mean * mean + var - torch.log(var) - 1).sum(1).mean()
    return latents, kl


class VAEBottleneck(Bottleneck):
    """Encoder output = [mean, scale] (2 x latent_dim channels); samples and reports the KL."""

    regularisers = ("kl",)

    def encode(self, x):
        mean, scale = x.chunk(2, dim=1)
        latents, kl = vae_sample(mean, scale)
        return latents, {"kl": kl}


class TanhBottleneck(Bottleneck):
    def __init__(self, scale: float):
        super().__init__()
        self.scale = scale

    def encode(self, x):
        return torch.tanh(x / self.scale) * self.scale, {}


class L2NormBottleneck(Bottleneck):
    def encode(self, x):
        return F.normalize(x, dim=1), {}

    def decode(self, x):
        return F.normalize(x, dim=1)


def _mmd(latents: torch.Tensor) -> torch.Tensor:
    """Maximum mean discrepancy between the latent frames and a standard normal sample."""
    z = latents.permute(0, 2, 1).reshape(-1, latents.shape[1])
    noise = torch.randn_like(z)

    def kernel(a, b):
        return torch.exp(-(a[:, None] - b[None]).pow(2).mean(2) / a.shape[-1]).mean()

    return kernel(z, z) + kernel(noise, noise) - 2 * kernel(z, noise)


def _append_noise(x: torch.Tensor, channels: int) -> torch.Tensor:
    if channels == 0:
        return x
    noise = torch.randn(x.shape[0], channels, x.shape[-1], device=x.device, dtype=x.dtype)
    return torch.cat([x, noise], dim=1)


class WassersteinBottleneck(Bottleneck):
    regularisers = ("mmd",)

    def __init__(self, config):
        super().__init__()
        self.noise_augment_dim = config.noise_augment_dim
        self.bypass_mmd = config.bypass_mmd
        self.use_tanh = config.use_tanh
        self.tanh_scale = config.tanh_scale

    def encode(self, x):
        info = {}
        if self.training:
            info["mmd"] = x.new_zeros(()) if self.bypass_mmd else _mmd(x)
        if self.use_tanh:
            x = torch.tanh(x / self.tanh_scale) * self.tanh_scale
        return x, info

    def decode(self, x):
        return _append_noise(x, self.noise_augment_dim)



class RVQBottleneck(DiscreteBottleneck):
    """Residual vector quantisation (vector-quantize-pytorch ``ResidualVQ``); ``vae=True`` samples
    a VAE latent first (``rvq_vae``)."""

    def __init__(self, config, vae: bool = False):
        super().__init__(config.num_quantizers, config.codebook_size)
        from vector_quantize_pytorch import ResidualVQ, VectorQuantize

        kwargs = supported_kwargs(config, (ResidualVQ, VectorQuantize), "vector-quantize-pytorch")
        if kwargs.get("straight_through") and \
                "rotation_trick" in inspect.signature(VectorQuantize.__init__).parameters:
            # newer releases turn the rotation trick on by default for codebooks wider than 1
            # and assert that at most one gradient estimator is on: asking for the
            # straight-through estimator means that one (found by the property test)
            kwargs["rotation_trick"] = False
        self.quantizer = ResidualVQ(**kwargs)
        self.vae = vae
        self.regularisers = ("kl", "quantizer_loss") if vae else ("quantizer_loss",)

    def encode(self, x):
        info: dict[str, Any] = {}
        if self.vae:
            x, info["kl"] = vae_sample(*x.chunk(2, dim=1))
        quantized, indices, loss = self.quantizer(x.transpose(1, 2))
        info["quantizer_indices"] = indices.transpose(1, 2)  # (B, T, Q) -> (B, Q, T)
        info["quantizer_loss"] = loss.mean()
        return quantized.transpose(1, 2), info

    def decode_tokens(self, tokens):
        return self.quantizer.get_output_from_indices(tokens.transpose(1, 2)).transpose(1, 2)


class FSQBottleneck(DiscreteBottleneck):
    """Finite scalar quantisation (vector-quantize-pytorch ``FSQ``)."""

    def __init__(self, config):
        super().__init__(config.num_codebooks, math.prod(config.levels))
        from vector_quantize_pytorch import FSQ

        kwargs = supported_kwargs(config, (FSQ,), "vector-quantize-pytorch",
                                  skip=("noise_augment_dim",))
        self.quantizer = FSQ(**kwargs,
                             allowed_dtypes=(torch.float16, torch.float32, torch.float64))
        self.noise_augment_dim = config.noise_augment_dim

    def encode(self, x):
        dtype = x.dtype
        quantized, indices = self.quantizer(x.float().transpose(1, 2))
        if indices.ndim == 2:  # a single codebook without its axis
            indices = indices.unsqueeze(-1)
        tokens = indices.transpose(1, 2).long()  # int32 from the library
        return quantized.transpose(1, 2).to(dtype), {"quantizer_indices": tokens}

    def decode(self, x):
        return _append_noise(x, self.noise_augment_dim)

    def decode_tokens(self, tokens):
        indices = tokens.transpose(1, 2)  # (B, T, Q)
        if not self.quantizer.keep_num_codebooks_dim:
            indices = indices.squeeze(-1)
        return self.quantizer.indices_to_codes(indices).transpose(1, 2)


# --- dithered FSQ (stable-audio-tools' models/fsq.py) ------------------------------------------

def _round_ste(z: torch.Tensor) -> torch.Tensor:
    return z + (z.round() - z).detach()


class DitheredFSQ(nn.Module):
    """FSQ over tanh-bounded values in [-1, 1]. In training each batch item is, at random, kept
    unquantised (probability ``noise_dropout``), rounded, or dithered with uniform noise of one
    quantisation step; in eval it is rounded. ``dither_inference`` is stored but, as upstream,
    not read. No state-dict entries (the level tables are non-persistent buffers)."""

    def __init__(self, levels: list[int], num_codebooks: int, noise_dropout: float,
                 dither_inference: bool, scale: float = 1.0):
        super().__init__()
        self.levels = list(levels)
        self.num_codebooks = num_codebooks
        self.codebook_dim = len(levels)
        self.dim = self.codebook_dim * num_codebooks
        self.codebook_size = math.prod(levels)
        self.noise_dropout = noise_dropout
        self.dither_inference = dither_inference
        self.scale = scale
        level_t = torch.tensor(levels, dtype=torch.int64)
        self.register_buffer("_levels", level_t, persistent=False)
        basis = torch.cumprod(torch.tensor([1, *levels[:-1]]), dim=0, dtype=torch.int64)
        self.register_buffer("_basis", basis, persistent=False)
        self.register_buffer("half_l", scale * 2 / (level_t - 1), persistent=False)

    def _to_levels(self, z):
        return (z + self.scale) / self.half_l

    def _from_levels(self, level_indices):
        return level_indices * self.half_l - self.scale

    def _keep_mask(self, z):
        keep = torch.rand(z.shape[0], 1, 1, 1, device=z.device) < self.noise_dropout
        return keep.expand_as(z)

    def quantize(self, z):
        z = torch.tanh(z)
        rounded = self._from_levels(_round_ste(self._to_levels(z)))
        if not self.training:
            return rounded
        quantized = torch.where(self._keep_mask(z), z, rounded)
        dithered = z + (torch.rand_like(z) - 0.5) * self.half_l
        return torch.where(self._keep_mask(z), quantized, dithered)

    def forward(self, z):
        """``z (B, T, dim)`` -> ``(codes (B, T, dim), indices (B, T, num_codebooks))``."""
        dtype = z.dtype
        z = z.reshape(*z.shape[:-1], self.num_codebooks, self.codebook_dim)
        if z.dtype not in (torch.float32, torch.float64):
            z = z.double()
        with torch.autocast(z.device.type, enabled=False):
            codes = self.quantize(z)
            indices = (self._to_levels(codes).round().long() * self._basis).sum(-1)
        return codes.flatten(-2).to(dtype), indices

    def indices_to_codes(self, indices):
        """``(B, T, num_codebooks)`` -> ``(B, T, dim)``."""
        level_indices = (indices.long()[..., None] // self._basis) % self._levels
        return self._from_levels(level_indices).flatten(-2)


class DitheredFSQBottleneck(DiscreteBottleneck):
    def __init__(self, config):
        levels = config.levels
        if isinstance(levels, int):
            levels = [levels] * config.dim
        elif len(levels) != config.dim:
            raise ValueError(f"dithered_fsq: {len(levels)} levels for dim {config.dim}")
        super().__init__(config.num_codebooks, math.prod(levels))
        self.quantizer = DitheredFSQ(levels, config.num_codebooks, config.noise_dropout,
                                     config.dither_inference)

    def encode(self, x):
        quantized, indices = self.quantizer(x.transpose(1, 2))
        return quantized.transpose(1, 2), {"quantizer_indices": indices.transpose(1, 2)}

    def decode_tokens(self, tokens):
        return self.quantizer.indices_to_codes(tokens.transpose(1, 2)).transpose(1, 2)


# --- DAC residual VQ ---------------------------------------------------------------------------

class DACRVQBottleneck(DiscreteBottleneck):
    """descript-audio-codec's residual VQ (``dac_rvq``; ``vae=True``: ``dac_rvq_vae``, which
    samples a VAE latent first). ``quantize_on_decode`` keeps ``encode`` continuous and quantises
    in ``decode`` (no tokens or quantiser losses then)."""

    tokens_id = "codes"

    def __init__(self, config, vae: bool = False):
        super().__init__(config.n_codebooks, config.codebook_size)
        self.quantizer = DacResidualVQ(config.input_dim, config.n_codebooks, config.codebook_size,
                                       config.codebook_dim, config.quantizer_dropout)
        self.quantize_on_decode = config.quantize_on_decode
        self.noise_augment_dim = getattr(config, "noise_augment_dim", 0)
        self.vae = vae
        losses = () if self.quantize_on_decode else ("vq/codebook_loss", "vq/commitment_loss")
        self.regularisers = (("kl",) if vae else ()) + losses

    def encode(self, x, n_quantizers: int | None = None):
        info: dict[str, Any] = {}
        if self.vae:
            x, info["kl"] = vae_sample(*x.chunk(2, dim=1))
        info["pre_quantizer"] = x
        if self.quantize_on_decode:
            return x, info
        z, codes, latents, commitment, codebook = self.quantizer(x, n_quantizers)
        # "latents" would shadow the training wrapper's own info["latents"]
        info.update({"codes": codes, "quantizer_latents": latents,
                     "vq/commitment_loss": commitment / self.num_quantizers,
                     "vq/codebook_loss": codebook / self.num_quantizers})
        return z, info

    def decode(self, x):
        if self.quantize_on_decode:
            x = self.quantizer(x)[0]
        return _append_noise(x, self.noise_augment_dim)

    def decode_tokens(self, tokens):
        return self.quantizer.from_codes(tokens)


BOTTLENECKS = Parts("bottleneck", {
    "vae": lambda spec: VAEBottleneck(),
    "tanh": lambda spec: TanhBottleneck(spec.config.scale),
    "l2_norm": lambda spec: L2NormBottleneck(),
    "wasserstein": lambda spec: WassersteinBottleneck(spec.config),
    "rvq": lambda spec: RVQBottleneck(spec.config),
    "rvq_vae": lambda spec: RVQBottleneck(spec.config, vae=True),
    "fsq": lambda spec: FSQBottleneck(spec.config),
    "dithered_fsq": lambda spec: DitheredFSQBottleneck(spec.config),
    "dac_rvq": lambda spec: DACRVQBottleneck(spec.config),
    "dac_rvq_vae": lambda spec: DACRVQBottleneck(spec.config, vae=True),
})


def build_bottleneck(spec) -> Bottleneck:
    """A bottleneck from a typed ``model.bottleneck`` object."""
    bottleneck = BOTTLENECKS.build(spec.type, spec)
    if not spec.requires_grad:
        bottleneck.requires_grad_(False)
    return bottleneck
