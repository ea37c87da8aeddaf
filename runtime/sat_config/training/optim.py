"""Optimizers and learning-rate schedulers from typed ``optimizer_configs`` groups."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch.optim.lr_scheduler import LRScheduler

from ..errors import not_built


class InverseLR(LRScheduler):
    """Inverse decay with optional exponential warm-up (stable-audio-tools' scheduler).

    lr = warmup_mult * max(final_lr, base_lr * (1 + step / inv_gamma) ** -power), with
    warmup_mult = 1 - warmup ** (step + 1). Written against the current ``LRScheduler`` API
    (no ``verbose`` argument, which newer torch releases removed).
    """

    def __init__(self, optimizer: torch.optim.Optimizer, inv_gamma: float = 1.0,
                 power: float = 1.0, warmup: float = 0.0, final_lr: float = 0.0,
                 last_epoch: int = -1):
        if not 0.0 <= warmup < 1:
            raise ValueError(f"InverseLR: warmup must satisfy 0 <= warmup < 1, got {warmup}")
        self.inv_gamma, self.power, self.warmup, self.final_lr = inv_gamma, power, warmup, final_lr
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        warmup = 1 - self.warmup ** (step + 1)
        decay = (1 + step / self.inv_gamma) ** -self.power
        return [warmup * max(self.final_lr, base_lr * decay) for base_lr in self.base_lrs]


def create_optimizer(spec, parameters: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
    """``spec``: a typed optimizer object (``{type, config}``; ``type`` is a schema enum)."""
    if spec.type == "FusedAdam":
        try:
            from deepspeed.ops.adam import FusedAdam
        except ImportError as exc:  # the one "valid but not built" error, naming the part
            raise not_built("optimizer", "FusedAdam", why="it needs DeepSpeed, which is not "
                            "installed: pip install deepspeed") from exc
        return FusedAdam(parameters, **spec.config.model_dump(by_alias=True))
    optimizer_class = getattr(torch.optim, spec.type)
    return optimizer_class(parameters, **spec.config.model_dump(by_alias=True))


def create_scheduler(spec, optimizer: torch.optim.Optimizer) -> LRScheduler:
    """``spec``: a typed scheduler object; ``InverseLR`` or a ``torch.optim.lr_scheduler`` class."""
    scheduler_class = InverseLR if spec.type == "InverseLR" else \
        getattr(torch.optim.lr_scheduler, spec.type)
    return scheduler_class(optimizer, **spec.config.model_dump(by_alias=True))

