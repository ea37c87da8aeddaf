"""Stand-ins for the diffusion models, with upstream's call interfaces, so the wrapper, demo and
sampler tests do not depend on the real backbones: tiny conv nets, a number conditioner, a
2x pretransform, and the exact v / velocity of Gaussian data (the samplers' known answer)."""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from sat_config import load_config

torch.set_num_threads(1)

# --- exact models of Gaussian data N(mu, s^2) (every element independent) -----------------------


def gaussian_denoised(x: torch.Tensor, alpha: torch.Tensor, sigma: torch.Tensor, mu: float,
                      s: float) -> torch.Tensor:
    """E[data | x = alpha data + sigma noise] for data ~ N(mu, s^2)."""
    gain = alpha * s ** 2 / (alpha ** 2 * s ** 2 + sigma ** 2)
    return mu + gain * (x - alpha * mu)


def _column(t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return t.to(x.dtype).view(-1, *([1] * (x.ndim - 1)))


class GaussianV:
    """The exact v-model: v = (alpha x - E[data | x]) / sigma on the cos/sin schedule."""

    def __init__(self, mu: float, s: float):
        self.mu, self.s, self.calls = mu, s, []

    def __call__(self, x, t, **extra):
        self.calls.append(extra)
        t = _column(t, x)
        alpha, sigma = torch.cos(t * torch.pi / 2), torch.sin(t * torch.pi / 2)
        return (alpha * x - gaussian_denoised(x, alpha, sigma, self.mu, self.s)) / sigma


class GaussianFlow:
    """The exact rectified-flow velocity E[noise - data | x = (1 - t) data + t noise]."""

    def __init__(self, mu: float, s: float):
        self.mu, self.s, self.calls = mu, s, []

    def __call__(self, x, t, **extra):
        self.calls.append(extra)
        t = _column(t, x)
        denoised = gaussian_denoised(x, 1 - t, t, self.mu, self.s)
        return (x - denoised) / t


class GaussianVEDenoiser:
    """The exact denoiser of x = data + sigma noise."""

    def __init__(self, mu: float, s: float):
        self.mu, self.s = mu, s

    def __call__(self, x, sigma, **extra):
        return gaussian_denoised(x, torch.ones_like(_column(sigma, x)), _column(sigma, x),
                                 self.mu, self.s)


# --- tiny trainable stand-ins with upstream's interfaces ------------------------------------------


class TinyBackbone(nn.Module):
    """A conv net taking upstream's backbone keywords. CFG as upstream's DiT does it: dropout
    zeroes cross-attention and prepend conditioning per item; cfg_scale mixes cond and uncond."""

    def __init__(self, io_channels: int = 2, cond_dim: int = 4, concat_channels: int = 0,
                 hidden: int = 16):
        super().__init__()
        self.io_channels = io_channels
        self.inp = nn.Conv1d(io_channels + concat_channels, hidden, 3, padding=1)
        self.time = nn.Linear(1, hidden)
        self.cond = nn.Linear(cond_dim, hidden)
        self.out = nn.Conv1d(hidden, io_channels, 3, padding=1)
        self.calls: list[dict[str, Any]] = []

    def _forward(self, x, t, cross_attn_cond, input_concat_cond, mask):
        if input_concat_cond is not None:
            if input_concat_cond.shape[-1] != x.shape[-1]:
                input_concat_cond = nn.functional.interpolate(input_concat_cond, x.shape[-1])
            x = torch.cat([x, input_concat_cond], dim=1)
        h = self.inp(x) + self.time(t.view(-1, 1).to(x.dtype))[..., None]
        if cross_attn_cond is not None:
            h = h + self.cond(cross_attn_cond.mean(dim=1))[..., None]
        out = self.out(torch.tanh(h))
        return out if mask is None else out * mask[:, None].to(out.dtype)

    def forward(self, x, t, cross_attn_cond=None, cross_attn_mask=None, global_cond=None,
                input_concat_cond=None, prepend_cond=None, prepend_cond_mask=None,
                cfg_scale=1.0, cfg_dropout_prob=0.0, batch_cfg=False, mask=None, **kwargs):
        self.calls.append(dict(cross_attn_cond=cross_attn_cond, global_cond=global_cond,
                               input_concat_cond=input_concat_cond, cfg_scale=cfg_scale,
                               cfg_dropout_prob=cfg_dropout_prob, batch_cfg=batch_cfg, mask=mask,
                               t=t.detach().clone(), **kwargs))
        if cross_attn_cond is not None and cfg_dropout_prob > 0:
            keep = torch.rand(x.shape[0], 1, 1, device=x.device) >= cfg_dropout_prob
            cross_attn_cond = cross_attn_cond * keep
        cond = self._forward(x, t, cross_attn_cond, input_concat_cond, mask)
        if cfg_scale == 1.0 or cross_attn_cond is None:
            return cond
        uncond = self._forward(x, t, torch.zeros_like(cross_attn_cond), input_concat_cond, mask)
        return uncond + (cond - uncond) * cfg_scale


class NumberConditioner(nn.Module):
    """``conditioner(metadata, device)`` -> {id: (tokens (b, 1, dim), mask (b, 1))}."""

    def __init__(self, ids=("seconds_total",), dim: int = 4):
        super().__init__()
        self.ids = list(ids)
        self.embed = nn.ModuleDict({i: nn.Linear(1, dim) for i in self.ids})
        self.seen: list[list[dict]] = []

    def forward(self, metadata, device):
        self.seen.append(list(metadata))
        out = {}
        for key in self.ids:
            values = torch.tensor([[float(m[key])] for m in metadata], device=device)
            tokens = self.embed[key](values / 10)[:, None]
            out[key] = (tokens, torch.ones(tokens.shape[:2], dtype=torch.bool, device=device))
        return out


class HalvingPretransform(nn.Module):
    """Latents at half the rate (pairs averaged, then scaled); decode repeats."""

    def __init__(self, channels: int = 2, scale: float = 1.0):
        super().__init__()
        self.io_channels = self.encoded_channels = channels
        self.downsampling_ratio, self.scale, self.enable_grad = 2, scale, False
        self.weight = nn.Parameter(torch.ones(()))
        self.encode_grad: list[bool] = []

    def encode(self, x):
        self.encode_grad.append(torch.is_grad_enabled())
        return self.weight * nn.functional.avg_pool1d(x, 2) / self.scale

    def decode(self, z):
        return (z * self.scale).repeat_interleave(2, dim=-1)


class CondModel(nn.Module):
    """A ConditionedDiffusionModelWrapper stand-in with upstream's attribute names."""

    def __init__(self, io_channels=2, objective="v", pretransform=None, input_concat_ids=(),
                 cond_ids=("seconds_total",), concat_channels=0, sample_rate=8000):
        super().__init__()
        self.conditioner = NumberConditioner(cond_ids)
        self.model = TinyBackbone(io_channels, concat_channels=concat_channels)
        self.pretransform = pretransform
        self.io_channels, self.sample_rate = io_channels, sample_rate
        self.min_input_length = pretransform.downsampling_ratio if pretransform else 1
        self.diffusion_objective = objective
        self.cross_attn_cond_ids, self.global_cond_ids = list(cond_ids), []
        self.input_concat_ids, self.prepend_cond_ids = list(input_concat_ids), []
        self.dist_shift = None

    def get_conditioning_inputs(self, cond, negative=False):
        cross = torch.cat([cond[k][0] for k in self.cross_attn_cond_ids], dim=1) \
            if self.cross_attn_cond_ids else None
        concat = torch.cat([cond[k][0] for k in self.input_concat_ids], dim=1) \
            if self.input_concat_ids else None
        return {"cross_attn_cond": cross, "cross_attn_mask": None, "global_cond": None,
                "input_concat_cond": concat, "prepend_cond": None, "prepend_cond_mask": None}

    def forward(self, x, t, cond, **kwargs):
        return self.model(x, t, **self.get_conditioning_inputs(cond), **kwargs)


class UncondModel(nn.Module):
    """A DiffusionModelWrapper stand-in."""

    def __init__(self, io_channels=2, pretransform=None, sample_size=64, sample_rate=8000):
        super().__init__()
        self.model = TinyBackbone(io_channels)
        self.pretransform = pretransform
        self.io_channels, self.sample_size, self.sample_rate = io_channels, sample_size, sample_rate
        self.min_input_length = pretransform.downsampling_ratio if pretransform else 1

    def forward(self, x, t, **kwargs):
        return self.model(x, t, **kwargs)


# --- schema-valid configs for the stand-ins ------------------------------------------------------


def cond_dict(model_type: str = "diffusion_cond", objective: str = "v",
              input_concat_ids=(), shift: dict | None = None, **training: Any) -> dict:
    """A tiny schema-valid conditional config (its dit section is never built: the tests pass
    a stand-in model)."""
    dit = {"io_channels": 2, "embed_dim": 64, "depth": 1, "num_heads": 2, "cond_token_dim": 4,
           "project_cond_tokens": True, "transformer_type": "continuous_transformer"}
    if input_concat_ids:
        dit["input_concat_dim"] = 3
    demo = {"demo_every": 1, "demo_steps": 3, "num_demos": 2, "demo_cfg_scales": [1.0, 3.0]}
    if model_type == "diffusion_cond":
        demo["demo_cond"] = [{"seconds_total": 1}, {"seconds_total": 2}]
    else:
        demo.pop("num_demos")
    config = {
        "model_type": model_type, "sample_rate": 8000, "sample_size": 64, "audio_channels": 2,
        "model": {"io_channels": 2,
                  "conditioning": {"cond_dim": 4, "configs": [
                      {"id": "seconds_total", "type": "number",
                       "config": {"min_val": 0, "max_val": 10}}]},
                  "diffusion": {"type": "dit", "diffusion_objective": objective,
                                "cross_attention_cond_ids": ["seconds_total"],
                                "input_concat_ids": list(input_concat_ids), "config": dit}},
        "training": {"learning_rate": 1e-3, "demo": demo},
    }
    if shift is not None:
        config["model"]["diffusion"]["distribution_shift_options"] = shift
    if model_type == "diffusion_cond_inpaint":
        config["training"]["inpainting"] = {}
    demo_update = training.pop("demo", {})
    config["training"].update(training)
    config["training"]["demo"].update(demo_update)
    return config


def cond_config(model_type: str = "diffusion_cond", **kwargs: Any):
    return load_config(cond_dict(model_type, **kwargs))


def uncond_config(**training: Any):
    config = {"model_type": "diffusion_uncond", "sample_rate": 8000, "sample_size": 64,
              "audio_channels": 2,
              "model": {"type": "DAU1d", "config": {"io_channels": 2, "depth": 2,
                                                     "n_attn_layers": 0, "channels": [8, 8]}},
              "training": {"learning_rate": 1e-3, "demo": {"demo_every": 1, "demo_steps": 3}}}
    demo = training.pop("demo", {})
    config["training"].update(training)
    config["training"]["demo"].update(demo)
    return load_config(config)


def batch(size: int = 4, channels: int = 2, length: int = 64, real: list[int] | None = None,
          seed: int = 0):
    """``(audio, metadata)`` as the loaders collate it; ``real``: unpadded lengths per item."""
    g = torch.Generator().manual_seed(seed)
    audio = torch.randn(size, channels, length, generator=g) * 0.3
    metadata = []
    for i in range(size):
        n = length if real is None else real[i]
        mask = torch.zeros(length)
        mask[:n] = 1
        audio[i, :, n:] = 0
        metadata.append({"seconds_total": i + 1, "padding_mask": mask, "prompt": f"item {i}"})
    return audio, metadata


def clone(module: nn.Module) -> nn.Module:
    return copy.deepcopy(module)
