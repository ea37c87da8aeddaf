"""Random inpainting masks (``training.inpainting.mask_kwargs``): 1 = given, 0 = to generate.

Each batch item draws one mask type with ``mask_type_probabilities`` (in this order):

* random segments: 1..``max_mask_segments`` holes, each of 1..(real length // holes) frames,
  placed inside the item's real (unpadded) length;
* full: everything is generated (the mask is all zeros, padding included);
* causal: a prefix of random length (0..real length) is kept, the rest of the real part is
  generated.

Frames past the real length stay 1 for the segment and causal types, as upstream has it.

Shared by the kinds that train inpainting models: the standard conditional wrapper and demo
(``kinds/diffusion``) and ARC post-training (``kinds/arc``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import torch

from ...checks.parts.conditioning import INPAINT_IDS
from ..typed import typed_field

SEGMENTS, FULL, CAUSAL = 0, 1, 2
DEFAULT_PROBABILITIES = (0.1, 0.8, 0.1)


def random_inpaint_mask(sequence: torch.Tensor, padding_masks: torch.Tensor | None = None,
                        max_mask_segments: int = 10,
                        mask_type_probabilities: Sequence[float] | None = None,
                        rng: random.Random | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(masked sequence, mask (batch, 1, length))`` for ``sequence`` (batch, channels, length);
    ``padding_masks`` (batch, length), truthy where the frame is real (None: all real)."""
    batch, _, length = sequence.shape
    weights = list(mask_type_probabilities or DEFAULT_PROBABILITIES)
    if len(weights) != 3 or abs(sum(weights) - 1.0) > 1e-6:
        raise ValueError("mask_type_probabilities needs three probabilities (segments, full, "
                         f"causal) summing to 1, got {weights}")
    rng = rng or random
    mask = torch.ones(batch, 1, length, device=sequence.device, dtype=torch.float32)
    for i in range(batch):
        real = length if padding_masks is None else int(padding_masks[i].bool().sum())
        kind = rng.choices((SEGMENTS, FULL, CAUSAL), weights=weights, k=1)[0]
        if kind == FULL:
            mask[i] = 0
        elif real == 0:
            continue
        elif kind == SEGMENTS:
            holes = rng.randint(1, max_mask_segments)
            longest = max(1, real // holes)
            for _ in range(holes):
                size = rng.randint(1, longest)
                start = rng.randint(0, real - size)
                mask[i, :, start:start + size] = 0
        else:
            kept = rng.randint(0, real)
            mask[i, :, kept:real] = 0
    return sequence * mask.to(sequence.dtype), mask


def mask_options(options) -> dict:
    """Keyword arguments of :func:`random_inpaint_mask` from typed ``mask_kwargs``."""
    return {"max_mask_segments": options.max_mask_segments,
            "mask_type_probabilities": list(options.mask_type_probabilities)}


def config_mask_options(config) -> dict | None:
    """Mask options of a typed conditional diffusion config; None = no inpainting. From
    ``training.inpainting`` when the section is there; a model listing the inpainting inputs
    (``INPAINT_IDS``) in ``input_concat_ids`` without it gets the defaults (validation requires
    the section there, upstream fails with KeyError 'inpaint_mask', V12; a typed config built
    around validation still trains)."""
    inpainting = config.training.inpainting
    if inpainting is None:
        if not set(INPAINT_IDS) & set(config.model.diffusion.input_concat_ids):
            return None
        inpainting = typed_field(type(config), "training.inpainting", {})
    return mask_options(inpainting.mask_kwargs)
