"""Exponential moving average of a model: torch's ``AveragedModel`` over a copy of the module.

The decay warms up as in ema-pytorch (which upstream uses with beta 0.9999, power 3/4,
update_after_step 1): decay = min(beta, 1 - (1 + n) ** -power) after the n-th update, so the
average follows the model closely early in training and settles at ``beta``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel


class EMA(AveragedModel):
    def __init__(self, model: nn.Module, beta: float = 0.9999, power: float = 0.75):
        # AveragedModel deep-copies ``model``: the average is never rebuilt from the config
        super().__init__(model, multi_avg_fn=self._lerp)
        self.beta, self.power = beta, power
        self.module.requires_grad_(False)

    def decay(self, n_averaged: int) -> float:
        """Decay applied at the update after ``n_averaged`` previous ones (0 at the first)."""
        epoch = n_averaged - 1
        if epoch <= 0:
            return 0.0
        return min(self.beta, 1 - (1 + epoch) ** -self.power)

    def _lerp(self, averaged: list[torch.Tensor], current: list[torch.Tensor],
              n_averaged: torch.Tensor) -> None:
        weight = 1.0 - self.decay(int(n_averaged.item()))
        for avg, cur in zip(averaged, current):
            avg.lerp_(cur, weight)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.update_parameters(model)
        # buffers (e.g. EMA-updated quantiser codebooks) are copied, as ema-pytorch does
        for mine, theirs in zip(self.module.buffers(), model.buffers()):
            mine.copy_(theirs)
