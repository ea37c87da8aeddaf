"""Latent bottlenecks between encoder and decoder, built from typed ``model.bottleneck`` configs.

``encode(x) -> (latents, info)``: ``info`` carries what the losses read (``kl``, ``mmd``,
``quantizer_loss``, ``quantizer_indices``). Quantisers come from vector-quantize-pytorch.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..kwargs import supported_kwargs
from ..parts import Parts


class Bottleneck(nn.Module):
    is_discrete = False
    #: the info keys this bottleneck's regulariser losses read (see losses.bottleneck_terms)
    regularisers: tuple[str, ...] = ()

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, Any]]:
        raise NotImplementedError

    def decode(self, x: torch.Tensor) -> torch.Tensor:
        return x


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


class RVQBottleneck(Bottleneck):
    """Residual vector quantisation (vector-quantize-pytorch ``ResidualVQ``); ``vae=True`` samples
    a VAE latent first (``rvq_vae``)."""

    is_discrete = True

    def __init__(self, config, vae: bool = False):
        super().__init__()
        from vector_quantize_pytorch import ResidualVQ, VectorQuantize

        kwargs = supported_kwargs(config, (ResidualVQ, VectorQuantize), "vector-quantize-pytorch")
        self.quantizer = ResidualVQ(**kwargs)
        self.vae = vae
        self.regularisers = ("kl", "quantizer_loss") if vae else ("quantizer_loss",)
        self.num_quantizers = config.num_quantizers
        self.codebook_size = config.codebook_size

    def encode(self, x):
        info: dict[str, Any] = {}
        if self.vae:
            x, info["kl"] = vae_sample(*x.chunk(2, dim=1))
        quantized, indices, loss = self.quantizer(x.transpose(1, 2))
        info["quantizer_indices"] = indices
        info["quantizer_loss"] = loss.mean()
        return quantized.transpose(1, 2), info


class FSQBottleneck(Bottleneck):
    """Finite scalar quantisation (vector-quantize-pytorch ``FSQ``)."""

    is_discrete = True

    def __init__(self, config):
        super().__init__()
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
        return quantized.transpose(1, 2).to(dtype), {"quantizer_indices": indices.transpose(1, 2)}

    def decode(self, x):
        return _append_noise(x, self.noise_augment_dim)


BOTTLENECKS = Parts("bottleneck", {
    "vae": lambda spec: VAEBottleneck(),
    "tanh": lambda spec: TanhBottleneck(spec.config.scale),
    "l2_norm": lambda spec: L2NormBottleneck(),
    "wasserstein": lambda spec: WassersteinBottleneck(spec.config),
    "rvq": lambda spec: RVQBottleneck(spec.config),
    "rvq_vae": lambda spec: RVQBottleneck(spec.config, vae=True),
    "fsq": lambda spec: FSQBottleneck(spec.config),
})


def build_bottleneck(spec) -> Bottleneck:
    """A bottleneck from a typed ``model.bottleneck`` object."""
    bottleneck = BOTTLENECKS.build(spec.type, spec)
    if not spec.requires_grad:
        bottleneck.requires_grad_(False)
    return bottleneck
