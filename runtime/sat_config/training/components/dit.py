"""``DiffusionTransformer``: the DiT denoiser of stable-audio-tools (``models/dit.py``).

Names follow upstream so its state dicts load with ``strict=True``: ``timestep_features``
(256-wide Fourier features), ``to_timestep_embed``, ``to_cond_embed``, ``to_global_embed``,
``to_prepend_embed`` (each Linear-SiLU-Linear), ``transformer`` (:class:`ContinuousTransformer`)
and the zero-initialised 1x1 ``preprocess_conv`` / ``postprocess_conv``.

Conditioning: cross-attention tokens; a global embedding (plus the timestep embedding) that is
either prepended as one token or fed to every block adaLN-style; prepended tokens; channels
concatenated to the input. CFG dropout zeroes the cross-attention and prepend conditioning of
random batch items; the global conditioning is never dropped (as upstream).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .transformer import ContinuousTransformer

TIMESTEP_FEATURES = 256


class FourierFeatures(nn.Module):
    """Random Fourier features ``[cos(2 pi x W^T), sin(2 pi x W^T)]``."""

    def __init__(self, in_features: int, out_features: int, std: float = 1.0):
        super().__init__()
        if out_features % 2:
            raise ValueError("FourierFeatures needs an even number of output features")
        self.weight = nn.Parameter(torch.randn([out_features // 2, in_features]) * std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = 2 * math.pi * x @ self.weight.T
        return torch.cat([f.cos(), f.sin()], dim=-1)


def _mlp(dim_in: int, dim_out: int, bias: bool = False) -> nn.Sequential:
    return nn.Sequential(nn.Linear(dim_in, dim_out, bias=bias), nn.SiLU(),
                         nn.Linear(dim_out, dim_out, bias=bias))


def _drop_rows(cond: torch.Tensor, p: float) -> torch.Tensor:
    """``cond`` with each batch item replaced by zeros with probability ``p``."""
    drop = torch.bernoulli(torch.full((cond.shape[0],) + (1,) * (cond.dim() - 1), p,
                                      device=cond.device)).to(torch.bool)
    return torch.where(drop, torch.zeros_like(cond), cond)


class DiffusionTransformer(nn.Module):
    """DiT over ``(batch, io_channels, length)`` signals; extra keyword arguments are
    :class:`ContinuousTransformer` / block options (``causal``, ``attn_kwargs``...)."""

    def __init__(self, io_channels: int = 32, patch_size: int = 1, embed_dim: int = 768,
                 cond_token_dim: int = 0, project_cond_tokens: bool = True,
                 global_cond_dim: int = 0, project_global_cond: bool = True,
                 input_concat_dim: int = 0, prepend_cond_dim: int = 0, depth: int = 12,
                 num_heads: int = 8,
                 transformer_type: Literal["continuous_transformer"] = "continuous_transformer",
                 global_cond_type: Literal["prepend", "adaLN"] = "prepend",
                 timestep_cond_type: Literal["global", "input_concat"] = "global",
                 timestep_embed_dim: int | None = None,
                 diffusion_objective: Literal["v", "rectified_flow", "rf_denoiser"] = "v",
                 **transformer_kwargs):
        super().__init__()
        if transformer_type != "continuous_transformer":
            raise ValueError(f"unknown transformer_type {transformer_type!r}")
        self.cond_token_dim = cond_token_dim
        self.timestep_cond_type = timestep_cond_type
        self.timestep_features = FourierFeatures(1, TIMESTEP_FEATURES)
        if timestep_cond_type == "global":
            timestep_embed_dim = embed_dim
        elif timestep_cond_type == "input_concat":
            if timestep_embed_dim is None:
                raise ValueError("timestep_embed_dim is required with timestep_cond_type "
                                 "input_concat")
            input_concat_dim += timestep_embed_dim
        else:
            raise ValueError(f"unknown timestep_cond_type {timestep_cond_type!r}")
        self.to_timestep_embed = _mlp(TIMESTEP_FEATURES, timestep_embed_dim, bias=True)
        self.diffusion_objective = diffusion_objective

        cond_embed_dim = 0
        if cond_token_dim > 0:
            cond_embed_dim = embed_dim if project_cond_tokens else cond_token_dim
            self.to_cond_embed = _mlp(cond_token_dim, cond_embed_dim)
        if global_cond_dim > 0:
            self.to_global_embed = _mlp(global_cond_dim,
                                        embed_dim if project_global_cond else global_cond_dim)
        if prepend_cond_dim > 0:
            self.to_prepend_embed = _mlp(prepend_cond_dim, embed_dim)

        self.input_concat_dim = input_concat_dim
        dim_in = io_channels + input_concat_dim
        self.patch_size = patch_size
        self.transformer_type = transformer_type
        self.global_cond_type = global_cond_type
        self.transformer = ContinuousTransformer(
            dim=embed_dim, depth=depth, dim_heads=embed_dim // num_heads,
            dim_in=dim_in * patch_size, dim_out=io_channels * patch_size,
            cross_attend=cond_token_dim > 0, cond_token_dim=cond_embed_dim,
            # adaLN: the global embedding is already embed_dim wide when it reaches the blocks
            global_cond_dim=embed_dim if global_cond_type == "adaLN" else None,
            **transformer_kwargs)
        self.preprocess_conv = nn.Conv1d(dim_in, dim_in, 1, bias=False)
        nn.init.zeros_(self.preprocess_conv.weight)
        self.postprocess_conv = nn.Conv1d(io_channels, io_channels, 1, bias=False)
        nn.init.zeros_(self.postprocess_conv.weight)

    def _forward(self, x: torch.Tensor, t: torch.Tensor, cross_attn_cond=None,
                 input_concat_cond=None, global_embed=None, prepend_cond=None,
                 return_info: bool = False, exit_layer_ix: int | None = None):
        if cross_attn_cond is not None:
            cross_attn_cond = self.to_cond_embed(cross_attn_cond)
        if global_embed is not None:
            global_embed = self.to_global_embed(global_embed)
        prepend = self.to_prepend_embed(prepend_cond) if prepend_cond is not None else None
        if input_concat_cond is not None:
            if input_concat_cond.shape[2] != x.shape[2]:
                input_concat_cond = F.interpolate(input_concat_cond, (x.shape[2],), mode="nearest")
            x = torch.cat([x, input_concat_cond], dim=1)

        timestep_embed = self.to_timestep_embed(self.timestep_features(t[:, None]))
        if self.timestep_cond_type == "global":
            global_embed = timestep_embed if global_embed is None else global_embed + timestep_embed
        else:  # (upstream expands along the wrong axis here and fails unless the widths agree)
            x = torch.cat([x, timestep_embed.unsqueeze(2).expand(-1, -1, x.shape[2])], dim=1)

        if self.global_cond_type == "prepend" and global_embed is not None:
            token = global_embed.unsqueeze(1)
            prepend = token if prepend is None else torch.cat([prepend, token], dim=1)
        prepend_length = prepend.shape[1] if prepend is not None else 0

        x = rearrange(self.preprocess_conv(x) + x, "b c t -> b t c")
        if self.patch_size > 1:
            x = rearrange(x, "b (t p) c -> b t (c p)", p=self.patch_size)
        output = self.transformer(
            x, prepend_embeds=prepend, context=cross_attn_cond,
            global_cond=global_embed if self.global_cond_type == "adaLN" else None,
            return_info=return_info, exit_layer_ix=exit_layer_ix)
        info = None
        if return_info:
            output, info = output
        if exit_layer_ix is not None:  # hidden states: no post-processing
            return (output, info) if return_info else output

        output = rearrange(output, "b t c -> b c t")[:, :, prepend_length:]
        if self.patch_size > 1:
            output = rearrange(output, "b (c p) t -> b c (t p)", p=self.patch_size)
        output = self.postprocess_conv(output) + output
        return (output, info) if return_info else output

    def forward(self, x: torch.Tensor, t: torch.Tensor, cross_attn_cond=None,
                cross_attn_cond_mask=None, negative_cross_attn_cond=None,
                negative_cross_attn_mask=None, input_concat_cond=None, global_embed=None,
                negative_global_embed=None, prepend_cond=None, prepend_cond_mask=None,
                cfg_scale: float = 1.0, cfg_dropout_prob: float = 0.0,
                cfg_interval: tuple[float, float] = (0, 1), causal: bool = False,
                scale_phi: float = 0.0, mask=None, return_info: bool = False,
                exit_layer_ix: int | None = None):
        """Denoiser output for noisy ``x`` at times ``t`` (batch,).

        Masks are accepted for interface compatibility and ignored, as upstream does (its
        cross-attention mask is force-disabled). With ``cfg_scale != 1`` and cross-attention or
        prepend conditioning, the batch is doubled (conditioned / null or negative) and the two
        halves combined, optionally rescaled by ``scale_phi``, while the first item's noise level
        lies in ``cfg_interval``.
        """
        if causal:
            raise ValueError("causal mode is not supported by DiffusionTransformer")
        dtype = next(self.parameters()).dtype

        def cast(v):
            return v.to(dtype) if v is not None else None

        x, t = x.to(dtype), t.to(dtype)
        cross_attn_cond, negative_cross_attn_cond = cast(cross_attn_cond), cast(negative_cross_attn_cond)
        input_concat_cond, global_embed, prepend_cond = (cast(input_concat_cond), cast(global_embed),
                                                         cast(prepend_cond))
        if exit_layer_ix is not None:  # an early exit skips CFG
            return self._forward(x, t, cross_attn_cond=cross_attn_cond,
                                 input_concat_cond=input_concat_cond, global_embed=global_embed,
                                 prepend_cond=prepend_cond, return_info=return_info,
                                 exit_layer_ix=exit_layer_ix)

        if cfg_dropout_prob > 0.0 and cfg_scale == 1.0:
            if cross_attn_cond is not None:
                cross_attn_cond = _drop_rows(cross_attn_cond, cfg_dropout_prob)
            if prepend_cond is not None:
                prepend_cond = _drop_rows(prepend_cond, cfg_dropout_prob)

        sigma = torch.sin(t * math.pi / 2) if self.diffusion_objective == "v" else t
        guided = (cfg_scale != 1.0 and (cross_attn_cond is not None or prepend_cond is not None)
                  and cfg_interval[0] <= sigma[0] <= cfg_interval[1])
        if not guided:
            return self._forward(x, t, cross_attn_cond=cross_attn_cond,
                                 input_concat_cond=input_concat_cond, global_embed=global_embed,
                                 prepend_cond=prepend_cond, return_info=return_info)

        def doubled(v):
            return torch.cat([v, v], dim=0) if v is not None else None

        batch_cond = None
        if cross_attn_cond is not None:
            null = torch.zeros_like(cross_attn_cond)
            negative = null
            if negative_cross_attn_cond is not None:
                negative = negative_cross_attn_cond
                if negative_cross_attn_mask is not None:
                    keep = negative_cross_attn_mask.to(torch.bool).unsqueeze(2)
                    negative = torch.where(keep, negative, null)
            batch_cond = torch.cat([cross_attn_cond, negative], dim=0)
        batch_prepend = None
        if prepend_cond is not None:
            batch_prepend = torch.cat([prepend_cond, torch.zeros_like(prepend_cond)], dim=0)
        batch_output = self._forward(
            doubled(x), doubled(t), cross_attn_cond=batch_cond,
            input_concat_cond=doubled(input_concat_cond), global_embed=doubled(global_embed),
            prepend_cond=batch_prepend, return_info=return_info)
        info = None
        if return_info:
            batch_output, info = batch_output
        cond_output, uncond_output = torch.chunk(batch_output, 2, dim=0)
        output = uncond_output + (cond_output - uncond_output) * cfg_scale
        if scale_phi != 0.0:
            rescaled = output * (cond_output.std(dim=1, keepdim=True)
                                 / output.std(dim=1, keepdim=True))
            output = scale_phi * rescaled + (1 - scale_phi) * output
        if return_info:
            info["uncond_output"] = uncond_output
            return output, info
        return output
