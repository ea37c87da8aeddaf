"""Model builders of the diffusion kinds: typed config -> wrapper module.

``create_diffusion_uncond`` mirrors upstream's ``create_diffusion_uncond_from_config`` and
``create_diffusion_cond`` its ``create_diffusion_cond_from_config`` (diffusion_cond,
diffusion_cond_inpaint and ARC post-training share it).
"""

from __future__ import annotations

from typing import Any

from torch import nn

from ...training.components.conditioners import build_multi_conditioner
from ...training.components.diffusion import (COND_BACKBONES, UNCOND_BACKBONES,
                                               ConditionedDiffusionModelWrapper,
                                               DiffusionModelWrapper, backbone_min_length)


def _pretransform(spec: Any, sample_rate: int) -> nn.Module | None:
    if spec is None:
        return None
    from ...training.components.pretransforms import build_pretransform
    return build_pretransform(spec, sample_rate)


def create_diffusion_uncond(config) -> DiffusionModelWrapper:
    """A typed ``DiffusionUncondConfig`` -> :class:`DiffusionModelWrapper`."""
    model = config.model
    pretransform = _pretransform(model.pretransform, config.sample_rate)
    backbone = UNCOND_BACKBONES.build(model.type, model)
    return DiffusionModelWrapper(
        backbone, io_channels=backbone.io_channels, sample_size=config.sample_size,
        sample_rate=config.sample_rate, pretransform=pretransform,
        # as upstream: only the pretransform's ratio (the backbone's own multiple is not added)
        min_input_length=pretransform.downsampling_ratio if pretransform is not None else 1)


def create_diffusion_cond(config) -> ConditionedDiffusionModelWrapper:
    """A typed ``DiffusionCondConfig`` / ``DiffusionCondInpaintConfig`` (also with
    ``training.arc``) -> :class:`ConditionedDiffusionModelWrapper`."""
    model = config.model
    diffusion = model.diffusion
    # the small parts first: an unbuilt conditioner fails before a large backbone is allocated
    pretransform = _pretransform(model.pretransform, config.sample_rate)
    conditioner = build_multi_conditioner(model.conditioning, model_pretransform=pretransform)
    backbone = COND_BACKBONES.build(diffusion.type, diffusion)
    min_input_length = pretransform.downsampling_ratio if pretransform is not None else 1
    shift = diffusion.distribution_shift_options
    return ConditionedDiffusionModelWrapper(
        backbone, conditioner,
        io_channels=model.io_channels,
        sample_rate=config.sample_rate,
        min_input_length=min_input_length * backbone_min_length(diffusion),
        diffusion_objective=diffusion.diffusion_objective,
        distribution_shift_options=shift.model_dump() if shift is not None else None,
        pretransform=pretransform,
        cross_attn_cond_ids=diffusion.cross_attention_cond_ids,
        global_cond_ids=diffusion.global_cond_ids,
        input_concat_ids=diffusion.input_concat_ids,
        prepend_cond_ids=diffusion.prepend_cond_ids,
    )
