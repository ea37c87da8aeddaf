"""Training wrappers of the diffusion kinds, built from typed configs only.

* :class:`DiffusionUncondTrainingWrapper` (``diffusion_uncond``): v objective, Sobol-uniform t,
  Adam at ``learning_rate``, an EMA of the backbone.
* :class:`DiffusionCondTrainingWrapper` (``diffusion_cond`` and ``diffusion_cond_inpaint``):
  every ``training`` key of the standard (non-ARC) wrapper: objective from the model, timestep
  sampler + distribution shift + ``p_one_shot``, CFG dropout handed to the backbone (which
  applies it as upstream does per backbone), padding masks, inpainting masks, ``pre_encoded``
  latents, optimizer/scheduler groups, EMA, per-noise-level loss logging.

Differences from upstream, on purpose: the pretransform's grad context is really entered
(upstream's ``with autocast() and set_grad_enabled(...)`` only enters the second; mixed
precision is the Trainer's ``precision``); padding masks are read only when masking or
inpainting needs them; a conditional model listing the inpainting inputs gets default masks
when ``training.inpainting`` is absent (upstream: KeyError); validation averages per-timestep
losses properly and feeds inpainting models their masks; the EMA is updated after the
optimiser step, and exporting does not swap the EMA into the live model.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn

from ...models import DiffusionCondConfig, DiffusionCondInpaintConfig, DiffusionUncondConfig
from ...training.components.inpainting import config_mask_options, random_inpaint_mask
from ...training.components.pretransforms import diffusion_input
from ...training.components.timesteps import (TimestepSampler, distribution_shift,
                                              noise_and_target, scales, timestep_sampler)
from ...training.ema import EMA
from ...training.optim import create_optimizer, create_scheduler
from ...training.typed import typed_field

EMA_BETA = 0.9999  # fixed upstream, not a config key
VALIDATION_TIMESTEPS = (0.1, 0.3, 0.5, 0.7, 0.9)
LOSS_BUCKETS = 10
COND_CONFIGS = (DiffusionCondConfig, DiffusionCondInpaintConfig)


def unwrap_batch(batch: Any) -> tuple[torch.Tensor, list[dict[str, Any]] | None]:
    """``(audio or latents (batch, channels, length), metadata or None)``; a leading singleton
    dimension (as WebDataset loaders add) is dropped."""
    if isinstance(batch, (list, tuple)):
        reals, metadata = batch[0], (batch[1] if len(batch) > 1 else None)
    else:
        reals, metadata = batch, None
    if reals.ndim == 4 and reals.shape[0] == 1:
        reals = reals[0]
    return reals, metadata


def masked_mse(output: torch.Tensor, target: torch.Tensor,
               mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean squared error over the frames where ``mask`` (batch, length) is true (all if None)."""
    if mask is None:
        return F.mse_loss(output, target)
    keep = mask.bool()[:, None, :].expand_as(output)
    return F.mse_loss(output[keep], target[keep])


class _DiffusionWrapper(pl.LightningModule):
    """What both wrappers share: the model, its EMA, getting latents, export."""

    def __init__(self, model: nn.Module, config: Any, use_ema: bool, pre_encoded: bool):
        super().__init__()
        self.config = config
        self.diffusion = model
        self.diffusion_ema = EMA(model.model, beta=EMA_BETA) if use_ema else None
        self.pre_encoded = pre_encoded

    # --- latents ------------------------------------------------------------------------------

    @property
    def pretransform(self) -> nn.Module | None:
        return getattr(self.diffusion, "pretransform", None)

    def encode(self, reals: torch.Tensor) -> torch.Tensor:
        """The diffusion input (reals through the pretransform, or pre-encoded latents)."""
        return diffusion_input(self.pretransform, reals, self.pre_encoded)

    def train(self, mode: bool = True):
        super().train(mode)
        pretransform = self.pretransform
        if pretransform is not None and not getattr(pretransform, "enable_grad", False):
            pretransform.eval()  # a frozen pretransform stays in eval mode (upstream too)
        return self

    # --- EMA and export -----------------------------------------------------------------------

    @property
    def sampling_model(self) -> nn.Module:
        """The backbone demos sample from: the EMA copy when there is one."""
        return self.diffusion_ema.module if self.diffusion_ema is not None else self.diffusion.model

    def optimizer_step(self, *args, **kwargs) -> None:
        super().optimizer_step(*args, **kwargs)
        self.update_ema()  # once per optimiser step (not per accumulated batch), after it

    def update_ema(self) -> None:
        if self.diffusion_ema is not None:
            self.diffusion_ema.update(self.diffusion.model)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        from ...api import dump

        checkpoint["sat_config"] = dump(self.config)  # the validated config, defaults filled in

    def export_state_dict(self) -> dict[str, torch.Tensor]:
        """The model's state dict with the backbone's EMA weights (if any) under ``model.``."""
        state = self.diffusion.state_dict()
        if self.diffusion_ema is not None:
            for name, value in self.diffusion_ema.module.state_dict().items():
                state[f"model.{name}"] = value
        return state

    def export_model(self, path: str | Path) -> None:
        """Write the model (EMA backbone if any) as upstream's ``{"state_dict": ...}`` file."""
        torch.save({"state_dict": self.export_state_dict()}, path)

    def _log_train(self, loss: torch.Tensor, data: torch.Tensor, batch_size: int) -> None:
        values = {"train/loss": loss.detach(), "train/mse_loss": loss.detach(),
                  "train/std_data": data.detach().std()}
        optimisers = self.trainer.optimizers if self._trainer is not None else []
        if optimisers:
            values["train/lr"] = optimisers[0].param_groups[0]["lr"]
        self.log_dict(values, prog_bar=True, on_step=True, batch_size=batch_size)


class DiffusionUncondTrainingWrapper(_DiffusionWrapper):
    """Lightning module for ``model_type: diffusion_uncond``."""

    def __init__(self, model: nn.Module, config: DiffusionUncondConfig):
        if not isinstance(config, DiffusionUncondConfig):
            raise TypeError("DiffusionUncondTrainingWrapper needs a typed DiffusionUncondConfig "
                            f"(sat_config.load_config), got {type(config).__name__}")
        training = config.training
        super().__init__(model, config, use_ema=True, pre_encoded=training.pre_encoded)
        self.learning_rate = training.learning_rate
        self.diffusion_objective = "v"
        self.timesteps = TimestepSampler("uniform")

    def configure_optimizers(self):
        return torch.optim.Adam(self.diffusion.parameters(), lr=self.learning_rate)

    def training_step(self, batch, batch_idx):
        reals, _ = unwrap_batch(batch)
        x = self.encode(reals)
        t = self.timesteps(x.shape[0], x.shape[-1], x.device).to(x.dtype)
        noised, target = noise_and_target("v", x, t, torch.randn_like(x))
        loss = masked_mse(self.diffusion(noised, t), target)
        self._log_train(loss, x, x.shape[0])
        return loss


class DiffusionCondTrainingWrapper(_DiffusionWrapper):
    """Lightning module for ``diffusion_cond`` and ``diffusion_cond_inpaint`` (without ARC)."""

    def __init__(self, model: nn.Module, config: DiffusionCondConfig | DiffusionCondInpaintConfig):
        if not isinstance(config, COND_CONFIGS):
            raise TypeError("DiffusionCondTrainingWrapper needs a typed DiffusionCondConfig or "
                            "DiffusionCondInpaintConfig (sat_config.load_config), got "
                            f"{type(config).__name__}")
        training = config.training
        super().__init__(model, config, use_ema=training.use_ema,
                         pre_encoded=training.pre_encoded)
        diffusion = config.model.diffusion
        self.diffusion_objective = getattr(model, "diffusion_objective",
                                           diffusion.diffusion_objective)
        self.dist_shift = distribution_shift(diffusion.distribution_shift_options)
        self.timesteps = timestep_sampler(training, diffusion)
        self.cfg_dropout_prob = training.cfg_dropout_prob
        self.mask_padding = training.mask_padding
        self.mask_padding_dropout = training.mask_padding_dropout
        self.log_loss_info = training.log_loss_info
        self.optimizer_configs = training.optimizer_configs or typed_field(
            type(config), "training.optimizer_configs",
            {"diffusion": {"optimizer": {"type": "Adam",
                                         "config": {"lr": _required_lr(training)}}}})
        self.inpaint_kwargs = config_mask_options(config)
        self.validation_timesteps = VALIDATION_TIMESTEPS

    def configure_optimizers(self):
        group = self.optimizer_configs.diffusion
        optimiser = create_optimizer(group.optimizer, self.diffusion.parameters())
        if group.scheduler is None:
            return optimiser
        return [optimiser], [{"scheduler": create_scheduler(group.scheduler, optimiser),
                              "interval": "step"}]

    # --- masks --------------------------------------------------------------------------------

    def padding_masks(self, metadata: list[dict[str, Any]], length: int,
                      required: bool) -> torch.Tensor | None:
        """(batch, length) bool, true on real frames, resized (nearest) to the latent length.
        Items without a ``padding_mask`` raise if ``required``, else count as all real."""
        masks = []
        for i, item in enumerate(metadata):
            mask = item.get("padding_mask")
            if mask is None:
                if required:
                    raise ValueError(f"training.mask_padding: batch item {i} has no "
                                     "'padding_mask' in its metadata (the dataset must give one)")
                mask = torch.ones(length)
            if isinstance(mask, (list, tuple)) and len(mask) == 1:
                mask = mask[0]  # wrapped once by some loaders
            masks.append(torch.as_tensor(mask))
        if len({m.shape[-1] for m in masks}) > 1:
            masks = [F.interpolate(m.float()[None, None], size=length, mode="nearest")[0, 0]
                     for m in masks]
        stacked = torch.stack(masks).to(self.device).float()
        if stacked.shape[-1] != length:
            stacked = F.interpolate(stacked[:, None], size=length, mode="nearest")[:, 0]
        return stacked.bool()

    def add_inpainting(self, conditioning: dict[str, Any], x: torch.Tensor,
                       padding: torch.Tensor | None, rng: random.Random | None = None) -> None:
        masked, mask = random_inpaint_mask(x, padding, rng=rng, **self.inpaint_kwargs)
        conditioning["inpaint_mask"] = [mask]
        conditioning["inpaint_masked_input"] = [masked]

    # --- steps --------------------------------------------------------------------------------

    def training_step(self, batch, batch_idx):
        reals, metadata = unwrap_batch(batch)
        conditioning = self.diffusion.conditioner(metadata, self.device)
        # padding masks are dropped on some steps so the model also learns to generate silence
        use_mask = self.mask_padding and random.random() >= self.mask_padding_dropout
        x = self.encode(reals)
        padding = None
        if use_mask or self.inpaint_kwargs is not None:
            padding = self.padding_masks(metadata, x.shape[-1], required=use_mask)
        t = self.timesteps(x.shape[0], x.shape[-1], x.device).to(x.dtype)
        noised, target = noise_and_target(self.diffusion_objective, x, t, torch.randn_like(x))
        if self.inpaint_kwargs is not None:
            self.add_inpainting(conditioning, x, padding)
        extra = {"mask": padding} if use_mask else {}
        output = self.diffusion(noised, t, conditioning, cfg_dropout_prob=self.cfg_dropout_prob,
                                **extra)
        loss = masked_mse(output, target, padding if use_mask else None)
        if self.log_loss_info:
            self._log_loss_buckets(output.detach(), target, t)
        self._log_train(loss, x, x.shape[0])
        return loss

    def _log_loss_buckets(self, output: torch.Tensor, target: torch.Tensor,
                          t: torch.Tensor) -> None:
        """Mean loss per noise-scale bucket [i/10, (i+1)/10), gathered over all processes."""
        per_item = F.mse_loss(output.float(), target.float(), reduction="none").flatten(1).mean(1)
        noise_scale = scales(self.diffusion_objective, t.float())[1]
        if self._trainer is not None:  # all processes' items
            per_item = self.all_gather(per_item).reshape(-1)
            noise_scale = self.all_gather(noise_scale).reshape(-1)
        bucket = (noise_scale * LOSS_BUCKETS).long().clamp(0, LOSS_BUCKETS - 1)
        values = {f"model/loss_all_{i / LOSS_BUCKETS:.1f}": per_item[bucket == i].mean()
                  for i in range(LOSS_BUCKETS) if (bucket == i).any()}
        self.log_dict(values, on_step=True, batch_size=output.shape[0])

    def validation_step(self, batch, batch_idx):
        reals, metadata = unwrap_batch(batch)
        conditioning = self.diffusion.conditioner(metadata, self.device)
        x = self.encode(reals)
        if self.inpaint_kwargs is not None:
            padding = self.padding_masks(metadata, x.shape[-1], required=False)
            self.add_inpainting(conditioning, x, padding, rng=random.Random(batch_idx))
        losses = []
        for value in self.validation_timesteps:
            t = torch.full((x.shape[0],), value, device=x.device, dtype=x.dtype)
            noised, target = noise_and_target(self.diffusion_objective, x, t, torch.randn_like(x))
            output = self.diffusion(noised, t, conditioning, cfg_dropout_prob=0.0)
            loss = F.mse_loss(output, target)
            losses.append(loss)
            self.log(f"val/loss_{value:.1f}", loss, on_epoch=True, sync_dist=True,
                     batch_size=x.shape[0])
        self.log("val/avg_loss", torch.stack(losses).mean(), on_epoch=True, sync_dist=True,
                 batch_size=x.shape[0])


def _required_lr(training) -> float:
    if training.learning_rate is None:  # the schema rejects this config before we get here
        raise ValueError("training.learning_rate or training.optimizer_configs is required")
    return training.learning_rate


def create_diffusion_uncond_wrapper(config: DiffusionUncondConfig, model: nn.Module):
    """Training-wrapper builder of the ``diffusion_uncond`` row."""
    return DiffusionUncondTrainingWrapper(model, config)


def create_diffusion_cond_wrapper(config: DiffusionCondConfig | DiffusionCondInpaintConfig,
                                  model: nn.Module):
    """Training-wrapper builder of the ``diffusion_cond`` and ``diffusion_cond_inpaint`` rows."""
    return DiffusionCondTrainingWrapper(model, config)
