"""``AudioLanguageModelTrainingWrapper``: trains the ``lm`` kind from a typed ``LMConfig``.

As upstream's ``training/lm.py``: audio is tokenized by the frozen pretransform (or the batch
holds tokens already: ``pre_encoded``), the model predicts every code under its codebook
pattern, and the loss is the cross-entropy per codebook averaged over codebooks, counted only
where the pattern predicts the code and the audio is not padding. Conditioning is dropped per
item with probability 0.1 (classifier-free guidance; the schema has no key for it, upstream
hard-codes it). Default optimiser AdamW(lr, betas 0.9/0.95, weight decay 0.1); EMA beta 0.99
updated every 10 optimiser steps.

Differences from upstream, on purpose: the EMA covers the trained parts only (language model and
conditioner; upstream copies the frozen tokenizer too) and exists only with ``use_ema``; the
pretransform stays in eval mode while training (a quantiser's codebooks are not updated by
tokenizing); a codebook with no counted position adds 0 instead of NaN; items without a
``padding_mask`` count as unpadded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn

from ...models import LMConfig
from ...training.ema import EMA
from ...training.optim import create_optimizer, create_scheduler
from ...training.typed import typed_field
from .model import AudioLanguageModelWrapper

CFG_DROPOUT_PROB = 0.1  # fixed upstream, not a config key
# upstream: ema-pytorch's EMA(beta=0.99, update_every=10) with its default warm-up power 2/3
EMA_BETA, EMA_POWER, EMA_EVERY = 0.99, 2 / 3, 10
DEFAULT_BETAS, DEFAULT_WEIGHT_DECAY = [0.9, 0.95], 0.1


def unwrap_batch(batch: Any) -> tuple[torch.Tensor, list[dict[str, Any]]]:
    """``(audio or tokens, metadata)``; a leading singleton axis (WebDataset) is dropped."""
    if isinstance(batch, (list, tuple)):
        reals, metadata = batch[0], (list(batch[1]) if len(batch) > 1 else [])
    else:
        reals, metadata = batch, []
    if reals.ndim == 4 and reals.shape[0] == 1:
        reals = reals[0]
    return reals, metadata


def padding_mask(metadata: list[dict[str, Any]], batch: int, frames: int,
                 device) -> torch.Tensor:
    """(batch, frames) bool, true on real (unpadded) audio, resized (nearest) to the token
    frames; items without a ``padding_mask`` are all real."""
    rows = []
    for i in range(batch):
        mask = metadata[i].get("padding_mask") if i < len(metadata) else None
        if mask is None:
            rows.append(torch.ones(frames, device=device))
            continue
        mask = torch.as_tensor(mask[0] if isinstance(mask, (list, tuple)) else mask)
        if mask.ndim > 1:
            mask = mask[0]
        rows.append(F.interpolate(mask.float().to(device)[None, None], size=frames,
                                  mode="nearest")[0, 0])
    return torch.stack(rows).bool()


def codebook_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor
                           ) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Mean over codebooks of each codebook's cross-entropy over the positions in ``mask``.

    ``logits`` (B, K, T, card), ``targets`` and ``mask`` (B, K, T). Returns the mean and the
    detached per-codebook values."""
    if logits.shape[:-1] != targets.shape or mask.shape != targets.shape:
        raise ValueError(f"logits {tuple(logits.shape)}, targets {tuple(targets.shape)} and mask "
                         f"{tuple(mask.shape)} do not match")
    per_codebook = []
    for q in range(targets.shape[1]):
        keep = mask[:, q]
        if keep.any():
            per_codebook.append(F.cross_entropy(logits[:, q][keep].float(), targets[:, q][keep]))
        else:  # nothing to predict (e.g. all padding): contributes 0, not NaN
            per_codebook.append(logits.nan_to_num().sum() * 0.0)  # keeps the graph
    total = torch.stack(per_codebook).mean()
    return total, [ce.detach() for ce in per_codebook]


class AudioLanguageModelTrainingWrapper(pl.LightningModule):
    """Lightning module for ``model_type: lm``. Build it from a typed config only."""

    def __init__(self, model: AudioLanguageModelWrapper, config: LMConfig,
                 cfg_dropout_prob: float = CFG_DROPOUT_PROB):
        super().__init__()
        if not isinstance(config, LMConfig):
            raise TypeError("AudioLanguageModelTrainingWrapper needs a typed LMConfig "
                            f"(sat_config.load_config), got {type(config).__name__}")
        training = config.training
        self.config = config
        self.model = model
        self.model.pretransform.requires_grad_(False)
        self.cfg_dropout_prob = cfg_dropout_prob
        self.pre_encoded = training.pre_encoded
        self.optimizer_configs = training.optimizer_configs or typed_field(
            LMConfig, "training.optimizer_configs", {"lm": {"optimizer": {
                "type": "AdamW", "config": {"lr": _required_lr(training), "betas": DEFAULT_BETAS,
                                            "weight_decay": DEFAULT_WEIGHT_DECAY}}}})
        self.model_ema = EMA(self.trained_parts(), beta=EMA_BETA, power=EMA_POWER) \
            if training.use_ema else None
        self.ema_updates = 0

    # --- parts ------------------------------------------------------------------------------

    def trained_parts(self) -> nn.ModuleDict:
        """The modules that learn (and that the EMA averages): ``lm`` and ``conditioner``."""
        parts = {"lm": self.model.lm}
        if self.model.conditioner is not None:
            parts["conditioner"] = self.model.conditioner
        return nn.ModuleDict(parts)

    @property
    def sampling_model(self) -> AudioLanguageModelWrapper:
        """The model demos generate with: the EMA's language model and conditioner if any."""
        if self.model_ema is None:
            return self.model
        ema = self.model_ema.module
        return self.model.with_parts(ema["lm"], ema["conditioner"] if "conditioner" in ema
                                     else None)

    def train(self, mode: bool = True):
        super().train(mode)
        self.model.pretransform.eval()  # the frozen tokenizer never trains
        return self

    # --- optimisation -----------------------------------------------------------------------

    def configure_optimizers(self):
        group = self.optimizer_configs.lm
        trained = [p for p in self.model.parameters() if p.requires_grad]  # not the tokenizer
        optimiser = create_optimizer(group.optimizer, trained)
        if group.scheduler is None:
            return optimiser
        return [optimiser], [{"scheduler": create_scheduler(group.scheduler, optimiser),
                              "interval": "step"}]

    def optimizer_step(self, *args, **kwargs) -> None:
        super().optimizer_step(*args, **kwargs)
        self.update_ema()

    def update_ema(self) -> None:
        """Called once per optimiser step; the EMA moves every ``EMA_EVERY``-th call."""
        if self.model_ema is None:
            return
        self.ema_updates += 1
        if self.ema_updates % EMA_EVERY == 0:
            self.model_ema.update(self.trained_parts())

    # --- steps ------------------------------------------------------------------------------

    def tokens(self, reals: torch.Tensor) -> torch.Tensor:
        """Codes (batch, codebooks, frames) of a batch: tokenized audio or pre-encoded codes."""
        if self.pre_encoded:
            return reals.long()
        with torch.no_grad():
            return self.model.pretransform.tokenize(reals)

    def loss(self, batch: Any) -> tuple[torch.Tensor, list[torch.Tensor]]:
        reals, metadata = unwrap_batch(batch)
        codes = self.tokens(reals)
        conditioning = None
        if self.model.conditioner is not None:
            conditioning = self.model.conditioner(metadata, self.device)
        dropout = self.cfg_dropout_prob if self.training else 0.0
        output = self.model.compute_logits(codes, condition_tensors=conditioning,
                                           cfg_dropout_prob=dropout)
        padding = padding_mask(metadata, codes.shape[0], codes.shape[-1], codes.device)
        return codebook_cross_entropy(output.logits, codes, output.mask & padding[:, None, :])

    def training_step(self, batch, batch_idx):
        loss, per_codebook = self.loss(batch)
        values = {"train/loss": loss.detach(), "train/cross_entropy": loss.detach(),
                  "train/perplexity": torch.exp(loss.detach())}
        if self._trainer is not None and self.trainer.optimizers:
            values["train/lr"] = self.trainer.optimizers[0].param_groups[0]["lr"]
        for q, ce in enumerate(per_codebook, start=1):
            values[f"cross_entropy_q{q}"] = ce
            values[f"perplexity_q{q}"] = torch.exp(ce)
        batch_size = unwrap_batch(batch)[0].shape[0]
        self.log_dict(values, prog_bar=True, on_step=True, batch_size=batch_size)
        return loss

    def validation_step(self, batch, batch_idx):
        loss, _ = self.loss(batch)
        self.log("val/cross_entropy", loss, on_epoch=True, sync_dist=True,
                 batch_size=unwrap_batch(batch)[0].shape[0])

    # --- checkpoints and export -------------------------------------------------------------

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        from ...api import dump

        checkpoint["sat_config"] = dump(self.config)  # the validated config, defaults filled in
        checkpoint["lm_ema_updates"] = self.ema_updates  # keeps the every-10-steps phase

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.ema_updates = int(checkpoint.get("lm_ema_updates", 0))

    def export_state_dict(self) -> dict[str, torch.Tensor]:
        """The model's state dict (upstream's names), with the EMA's weights where it has them."""
        state = self.model.state_dict()
        if self.model_ema is not None:
            for name, value in self.model_ema.module.state_dict().items():
                state[name] = value  # "lm.*" and "conditioner.*", the model's own names
        return state

    def export_model(self, path: str | Path, use_safetensors: bool = False) -> None:
        """Write the model as upstream's ``{"state_dict": ...}`` file (or a .safetensors)."""
        state = self.export_state_dict()
        if use_safetensors:
            from safetensors.torch import save_file

            save_file({k: v.contiguous() for k, v in state.items()}, str(path))
        else:
            torch.save({"state_dict": state}, path)


def _required_lr(training) -> float:
    if training.learning_rate is None:  # the schema rejects this config before we get here
        raise ValueError("training.learning_rate or training.optimizer_configs is required")
    return training.learning_rate


def create_lm_wrapper(config: LMConfig, model: nn.Module) -> AudioLanguageModelTrainingWrapper:
    """Training-wrapper builder of the ``lm`` row."""
    return AudioLanguageModelTrainingWrapper(model, config)
