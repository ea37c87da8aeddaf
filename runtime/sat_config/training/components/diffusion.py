"""Diffusion model wrappers and the backbone tables (stable-audio-tools ``models/diffusion.py``).

* :class:`DiffusionModelWrapper` (unconditional): ``model(x, t, **kwargs)``.
* :class:`ConditionedDiffusionModelWrapper`: ``.model`` (the backbone), ``.conditioner`` (a
  :class:`~.conditioners.MultiConditioner`), ``.pretransform``; ``forward(x, t, cond)`` turns the
  conditioner output into backbone inputs with :meth:`get_conditioning_inputs`.
* :class:`DiTWrapper` / :class:`DiTUncondWrapper` put a :class:`~.dit.DiffusionTransformer`
  behind those interfaces (state-dict prefix ``model.``).

Backbones are looked up by the config's ``type`` in :data:`COND_BACKBONES` /
:data:`UNCOND_BACKBONES`; the U-Net ones live in ``adp.py`` and ``dau1d.py`` and are imported
when first built.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from ..parts import Parts
from .dit import DiffusionTransformer
from .timesteps import DistributionShift


def model_kwargs(config) -> dict[str, Any]:
    """A typed backbone ``config`` as constructor keyword arguments (schema defaults included;
    nested option objects as plain dicts)."""
    return config.model_dump()


class DiffusionModelWrapper(nn.Module):
    """An unconditional diffusion backbone with its I/O facts (and optional pretransform)."""

    def __init__(self, model: nn.Module, io_channels: int, sample_size: int, sample_rate: int,
                 min_input_length: int, pretransform: nn.Module | None = None):
        super().__init__()
        self.io_channels = io_channels
        self.sample_size = sample_size
        self.sample_rate = sample_rate
        self.min_input_length = min_input_length
        self.model = model
        self.pretransform = pretransform

    def forward(self, x: torch.Tensor, t: torch.Tensor, **kwargs) -> torch.Tensor:
        return self.model(x, t, **kwargs)


class ConditionedDiffusionModelWrapper(nn.Module):
    """A conditional diffusion backbone, its conditioners and optional pretransform."""

    def __init__(self, model: nn.Module, conditioner: nn.Module | None, io_channels: int,
                 sample_rate: int, min_input_length: int, diffusion_objective: str = "v",
                 distribution_shift_options: Mapping[str, Any] | None = None,
                 pretransform: nn.Module | None = None,
                 cross_attn_cond_ids: Sequence[str] = (), global_cond_ids: Sequence[str] = (),
                 input_concat_ids: Sequence[str] = (), prepend_cond_ids: Sequence[str] = ()):
        super().__init__()
        self.model = model
        self.conditioner = conditioner
        self.io_channels = io_channels
        self.sample_rate = sample_rate
        self.diffusion_objective = diffusion_objective
        self.pretransform = pretransform
        self.cross_attn_cond_ids = list(cross_attn_cond_ids)
        self.global_cond_ids = list(global_cond_ids)
        self.input_concat_ids = list(input_concat_ids)
        self.prepend_cond_ids = list(prepend_cond_ids)
        self.min_input_length = min_input_length
        self.dist_shift = (DistributionShift(**distribution_shift_options)
                           if distribution_shift_options is not None else None)

    def get_conditioning_inputs(self, conditioning_tensors: Mapping[str, Any],
                                negative: bool = False) -> dict[str, Any]:
        """Backbone keyword arguments from the conditioner output ``{id: [tensor, mask]}``:
        cross-attention tokens joined along the sequence (2-D inputs become one token), global
        conditioning along channels, input-concat channels, prepend tokens along the sequence.
        ``negative`` names them for the negative prompt of CFG."""
        cross, cross_mask, global_cond, concat, prepend, prepend_mask = (None,) * 6
        if self.cross_attn_cond_ids:
            tokens, masks = [], []
            for key in self.cross_attn_cond_ids:
                value, mask = conditioning_tensors[key]
                if value.dim() == 2:
                    value, mask = value.unsqueeze(1), mask.unsqueeze(1)
                tokens.append(value)
                masks.append(mask)
            cross, cross_mask = torch.cat(tokens, dim=1), torch.cat(masks, dim=1)
        if self.global_cond_ids:
            global_cond = torch.cat([conditioning_tensors[k][0] for k in self.global_cond_ids],
                                    dim=-1)
            if global_cond.dim() == 3:
                global_cond = global_cond.squeeze(1)
        if self.input_concat_ids:
            concat = torch.cat([conditioning_tensors[k][0] for k in self.input_concat_ids], dim=1)
        if self.prepend_cond_ids:
            prepend = torch.cat([conditioning_tensors[k][0] for k in self.prepend_cond_ids], dim=1)
            prepend_mask = torch.cat([conditioning_tensors[k][1] for k in self.prepend_cond_ids],
                                     dim=1)
        if negative:
            return {"negative_cross_attn_cond": cross, "negative_cross_attn_mask": cross_mask,
                    "negative_global_cond": global_cond, "negative_input_concat_cond": concat}
        return {"cross_attn_cond": cross, "cross_attn_mask": cross_mask,
                "global_cond": global_cond, "input_concat_cond": concat,
                "prepend_cond": prepend, "prepend_cond_mask": prepend_mask}

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: Mapping[str, Any],
                **kwargs) -> torch.Tensor:
        return self.model(x, t, **self.get_conditioning_inputs(cond), **kwargs)


class DiTWrapper(nn.Module):
    """The conditional DiT behind the backbone keyword interface (``global_cond`` becomes the
    transformer's ``global_embed``)."""

    supports_cross_attention = True
    supports_input_concat = False
    supports_global_cond = False
    supports_prepend_cond = False

    def __init__(self, diffusion_objective: str, **kwargs):
        super().__init__()
        self.diffusion_objective = diffusion_objective
        self.model = DiffusionTransformer(diffusion_objective=diffusion_objective, **kwargs)

    def forward(self, x, t, cross_attn_cond=None, cross_attn_mask=None,
                negative_cross_attn_cond=None, negative_cross_attn_mask=None,
                input_concat_cond=None, negative_input_concat_cond=None, global_cond=None,
                negative_global_cond=None, prepend_cond=None, prepend_cond_mask=None,
                cfg_scale: float = 1.0, cfg_dropout_prob: float = 0.0, batch_cfg: bool = True,
                rescale_cfg: bool = False, scale_phi: float = 0.0, **kwargs):
        if not batch_cfg:
            raise ValueError("DiTWrapper always runs CFG as one doubled batch (batch_cfg=True)")
        return self.model(
            x, t, cross_attn_cond=cross_attn_cond, cross_attn_cond_mask=cross_attn_mask,
            negative_cross_attn_cond=negative_cross_attn_cond,
            negative_cross_attn_mask=negative_cross_attn_mask,
            input_concat_cond=input_concat_cond, prepend_cond=prepend_cond,
            prepend_cond_mask=prepend_cond_mask, cfg_scale=cfg_scale,
            cfg_dropout_prob=cfg_dropout_prob, scale_phi=scale_phi, global_embed=global_cond,
            **kwargs)


class DiTUncondWrapper(nn.Module):
    """The unconditional DiT; its parameters are halved at construction, as upstream does."""

    def __init__(self, in_channels: int, **kwargs):
        super().__init__()
        self.model = DiffusionTransformer(io_channels=in_channels, **kwargs)
        self.io_channels = in_channels
        with torch.no_grad():
            for param in self.model.parameters():
                param *= 0.5

    def forward(self, x: torch.Tensor, t: torch.Tensor, **kwargs) -> torch.Tensor:
        return self.model(x, t, **kwargs)


# --- backbone tables ----------------------------------------------------------------------------
# Builders take the typed ``model.diffusion`` (conditional) or ``model`` (unconditional) object.


def _cond_dit(spec) -> nn.Module:
    return DiTWrapper(diffusion_objective=spec.diffusion_objective, **model_kwargs(spec.config))


def _adp_cfg(spec) -> nn.Module:
    from .adp import UNetCFG1DWrapper
    return UNetCFG1DWrapper(**model_kwargs(spec.config))


def _adp_cond(spec) -> nn.Module:
    from .adp import UNet1DCondWrapper
    return UNet1DCondWrapper(**model_kwargs(spec.config))


def _uncond_dit(spec) -> nn.Module:
    return DiTUncondWrapper(**model_kwargs(spec.config))


def _adp_uncond(spec) -> nn.Module:
    from .adp import UNet1DUncondWrapper
    return UNet1DUncondWrapper(**model_kwargs(spec.config))


def _dau1d(spec) -> nn.Module:
    from .dau1d import DiffusionAttnUnet1D
    return DiffusionAttnUnet1D(**model_kwargs(spec.config))


COND_BACKBONES = Parts("conditional diffusion backbone",
                       {"dit": _cond_dit, "adp_cfg_1d": _adp_cfg, "adp_1d": _adp_cond})
UNCOND_BACKBONES = Parts("unconditional diffusion backbone",
                         {"dit": _uncond_dit, "adp_uncond_1d": _adp_uncond, "DAU1d": _dau1d})


def backbone_min_length(spec) -> int:
    """The input-length multiple a conditional backbone needs (before any pretransform)."""
    if spec.type == "dit":
        return spec.config.patch_size
    return math.prod(spec.config.factors)
