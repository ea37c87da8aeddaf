"""``AutoencoderTrainingWrapper``: trains an ``AudioAutoencoder`` from a typed ``AutoencoderConfig``.

Adversarial training alternates steps as upstream does: odd global steps update the
discriminator, even steps the autoencoder (every step without a discriminator).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from torch import nn

from ...models import AutoencoderConfig
from . import losses as L
from ...training.typed import typed_field
from ...training.checkpoints import load_weights
from .discriminators import build_discriminator
from ...training.ema import EMA
from ...training.components.autoencoder import AudioAutoencoder, build_autoencoder
from ...training.optim import create_optimizer, create_scheduler
from .facts import BUILTIN_LOSS_CONFIGS

# Upstream's optimiser for each group when `optimizer_configs` is absent (AdamW at learning_rate).
_DEFAULT_BETAS = [0.8, 0.99]
EMA_BETA = 0.9999  # fixed upstream, not a config key
_PROGRESS = ("train/loss", "train/mrstft_loss", "train/discriminator_loss")


def _default_optimizers(learning_rate: float | None) -> Any:
    if learning_rate is None:  # the semantic checks reject this config before we get here
        raise ValueError("training.learning_rate or training.optimizer_configs is required")
    group = {"optimizer": {"type": "AdamW",
                           "config": {"lr": learning_rate, "betas": _DEFAULT_BETAS}}}
    return typed_field(AutoencoderConfig, "training.optimizer_configs",
                       {"autoencoder": group, "discriminator": group})


def trim_to_shortest(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    n = min(a.shape[-1], b.shape[-1])
    return a[..., :n], b[..., :n]


class AutoencoderTrainingWrapper(pl.LightningModule):
    """Lightning module for ``model_type: autoencoder``. Build it from a typed config only."""

    def __init__(self, model: AudioAutoencoder, config: AutoencoderConfig,
                 teacher: AudioAutoencoder | None = None):
        super().__init__()
        if not isinstance(config, AutoencoderConfig):
            raise TypeError("AutoencoderTrainingWrapper needs a typed AutoencoderConfig "
                            f"(sat_config.load_config), got {type(config).__name__}")
        self.automatic_optimization = False
        self.config = config
        training = config.training
        self.autoencoder = model
        self.sample_rate = config.sample_rate
        self.warmup_steps = training.warmup_steps
        self.encoder_freeze_on_warmup = training.encoder_freeze_on_warmup
        self.force_input_mono = training.force_input_mono
        self.latent_mask_ratio = training.latent_mask_ratio
        self.optimizer_configs = training.optimizer_configs or \
            _default_optimizers(training.learning_rate)
        self.loss_configs = training.loss_configs or \
            typed_field(AutoencoderConfig, "training.loss_configs", BUILTIN_LOSS_CONFIGS)
        self.teacher = teacher
        if teacher is not None:
            teacher.requires_grad_(False).eval()
        self.use_ema = training.use_ema
        self.autoencoder_ema = EMA(model, beta=EMA_BETA) if self.use_ema else None
        self._build_losses()
        self.eval_metrics = L.eval_metrics(training.eval_loss_configs, self.sample_rate)

    def _build_losses(self) -> None:
        cfg, model = self.loss_configs, self.autoencoder
        spec = cfg.discriminator
        self.discriminator = build_discriminator(spec, model.out_channels) if spec else None
        terms: list[L.Term] = []
        if spec is not None:
            terms += [L.value_term("loss_adv", "loss_adv", spec.weights.adversarial),
                      L.value_term("feature_matching_loss", "feature_matching_distance",
                                   spec.weights.feature_matching)]
        spectral = L.spectral_terms(cfg.spectral, self.sample_rate, model.out_channels,
                                    distill=self.teacher is not None)
        terms += spectral
        terms += L.mrmel_terms(cfg.mrmel, self.sample_rate)
        if cfg.hubert is not None and cfg.hubert.weights.hubert > 0:
            raise NotImplementedError("loss_configs.hubert is not built into sat-config's "
                                      "training runtime")
        terms += L.time_terms(cfg.time)
        if model.bottleneck is not None:
            bottleneck_loss = cfg.bottleneck or \
                typed_field(AutoencoderConfig, "training.loss_configs.bottleneck", {})
            terms += L.bottleneck_terms(model.bottleneck.regularisers, bottleneck_loss)
        self.gen_losses = L.Losses(terms, L.spectral_inputs(spectral, cfg.spectral,
                                                            self.sample_rate))

    @property
    def use_disc(self) -> bool:
        return self.discriminator is not None

    # --- optimisers -------------------------------------------------------------------------

    def configure_optimizers(self):
        groups = self.optimizer_configs
        gen = create_optimizer(groups.autoencoder.optimizer, self.autoencoder.parameters())
        if not self.use_disc:
            if groups.autoencoder.scheduler is None:
                return gen
            return [gen], [_per_step(create_scheduler(groups.autoencoder.scheduler, gen))]
        disc = create_optimizer(groups.discriminator.optimizer, self.discriminator.parameters())
        # upstream: with a discriminator, schedulers only when both groups define one
        if groups.autoencoder.scheduler is None or groups.discriminator.scheduler is None:
            return [gen, disc]
        return [gen, disc], [_per_step(create_scheduler(groups.autoencoder.scheduler, gen)),
                             _per_step(create_scheduler(groups.discriminator.scheduler, disc))]

    def _optimisers(self):
        optimisers = self.optimizers()
        optimisers = optimisers if isinstance(optimisers, list) else [optimisers]
        schedulers = self.lr_schedulers()
        if schedulers is None:
            schedulers = [None] * len(optimisers)
        elif not isinstance(schedulers, list):
            schedulers = [schedulers]
        return optimisers, schedulers

    # --- steps ------------------------------------------------------------------------------

    def _prepare(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        reals = batch[0] if isinstance(batch, (list, tuple)) else batch
        if reals.ndim == 2:
            reals = reals.unsqueeze(1)
        encoder_input = reals
        if self.force_input_mono and reals.shape[1] > 1:
            encoder_input = reals.mean(dim=1, keepdim=True)
        return reals, encoder_input

    @property
    def warmed_up(self) -> bool:
        return self.global_step >= self.warmup_steps

    def _reconstruct(self, encoder_input: torch.Tensor, info: dict[str, Any]) -> torch.Tensor:
        freeze = self.warmed_up and self.encoder_freeze_on_warmup
        with torch.set_grad_enabled(torch.is_grad_enabled() and not freeze):
            latents, encoder_info = self.autoencoder.encode(encoder_input, return_info=True)
        info["latents"] = latents
        info.update(encoder_info)
        if self.latent_mask_ratio > 0.0:
            latents = latents.masked_fill(torch.rand_like(latents) < self.latent_mask_ratio, 0.0)
        return self.autoencoder.decode(latents)

    def training_step(self, batch, batch_idx):
        reals, encoder_input = self._prepare(batch)
        optimisers, schedulers = self._optimisers()
        step = self.global_step
        if self.use_disc and step % 2 == 1:
            log = self._discriminator_step(reals, encoder_input, optimisers[1], schedulers[1])
        else:
            log = self._autoencoder_step(reals, encoder_input, optimisers[0], schedulers[0])
        self._log_step(log, step, reals.shape[0])

    def _log_step(self, log: dict[str, Any], step: int, batch_size: int) -> None:
        # Each step type logs its own metrics straight to the loggers: Lightning's self.log
        # would repeat a metric's last value on steps that do not compute it.
        progress = {k: v for k, v in log.items() if k in _PROGRESS}
        self.log_dict(progress, prog_bar=True, logger=False, on_step=True, batch_size=batch_size)
        if step % self.trainer.log_every_n_steps == 0:
            values = {k: float(v) for k, v in log.items()}
            for logger in self.loggers:
                logger.log_metrics(values, step=step)

    def _discriminator_step(self, reals, encoder_input, optimiser, scheduler) -> dict[str, Any]:
        # the discriminator needs fakes, not the autoencoder's gradients
        with torch.no_grad():
            decoded = self._reconstruct(encoder_input, {})
        decoded, reals = trim_to_shortest(decoded.float(), reals)
        loss = self.discriminator.discriminator_loss(reals, decoded)
        optimiser.zero_grad()
        self.manual_backward(loss)
        optimiser.step()
        if scheduler is not None:
            scheduler.step()
        return {"train/discriminator_loss": loss.detach(),
                "train/disc_lr": optimiser.param_groups[0]["lr"]}

    def _autoencoder_step(self, reals, encoder_input, optimiser, scheduler) -> dict[str, Any]:
        # toggled: the discriminator's parameters take no gradients from this step's graph
        with self.toggled_optimizer(optimiser):
            info = self._generator_info(reals, encoder_input)
            loss, parts = self.gen_losses(info)
            optimiser.zero_grad()
            self.manual_backward(loss)
        optimiser.step()
        if scheduler is not None:
            scheduler.step()
        if self.autoencoder_ema is not None:
            self.autoencoder_ema.update(self.autoencoder)
        log = {f"train/{name}": value.detach() for name, value in parts.items()}
        log.update({"train/loss": loss.detach(), "train/latent_std": info["latents"].std().detach(),
                    "train/data_std": encoder_input.std().detach(),
                    "train/gen_lr": optimiser.param_groups[0]["lr"]})
        return log

    def _generator_info(self, reals, encoder_input) -> dict[str, Any]:
        """Every tensor the autoencoder's loss terms read."""
        info: dict[str, Any] = {}
        decoded = self._reconstruct(encoder_input, info)
        decoded, reals = trim_to_shortest(decoded.float(), reals)  # losses in fp32
        info.update(reals=reals, decoded=decoded)
        if self.autoencoder.out_channels == 2:
            info.update(reals_left=reals[:, 0:1], reals_right=reals[:, 1:2],
                        decoded_left=decoded[:, 0:1], decoded_right=decoded[:, 1:2])
        if self.teacher is not None:
            self._distillation_info(encoder_input, info)
        if self.use_disc:
            info["loss_adv"], info["feature_matching_distance"] = self._adversarial(reals, decoded)
        return info

    def _adversarial(self, reals, decoded) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.warmed_up:  # adversarial terms are off until warm-up ends
            zero = reals.new_zeros(())
            return zero, zero
        return self.discriminator.generator_losses(reals, decoded)

    @torch.no_grad()
    def _distillation_info(self, encoder_input, info) -> None:
        teacher_latents = self.teacher.encode(encoder_input)
        info["teacher_latents"] = teacher_latents
        info["teacher_decoded"] = self.teacher.decode(teacher_latents).float()
        info["own_latents_teacher_decoded"] = self.teacher.decode(info["latents"]).float()
        info["teacher_latents_own_decoded"] = self.autoencoder.decode(teacher_latents).float()

    def validation_step(self, batch, batch_idx):
        reals, encoder_input = self._prepare(batch)
        decoded = self.autoencoder.decode(self.autoencoder.encode(encoder_input))
        decoded, reals = trim_to_shortest(decoded.float(), reals)
        for name, metric in self.eval_metrics.items():
            value = metric(decoded, reals)
            # SI-SDR is a loss (negated SDR) in auraloss; log the SDR itself
            self.log(f"val/{name}", -value if name == "sisdr" else value, on_epoch=True,
                     sync_dist=True, batch_size=reals.shape[0])

    # --- housekeeping -----------------------------------------------------------------------

    def train(self, mode: bool = True):
        super().train(mode)
        if self.teacher is not None:
            self.teacher.eval()
        return self

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        from ...api import dump

        checkpoint["sat_config"] = dump(self.config)  # the validated config, defaults filled in

    def export_model(self, path: str | Path) -> None:
        """Write the (EMA if any) autoencoder weights as ``{"state_dict": ...}`` (e.g. a teacher)."""
        model = self.autoencoder_ema.module if self.autoencoder_ema else self.autoencoder
        torch.save({"state_dict": model.state_dict()}, path)


def _per_step(scheduler) -> dict[str, Any]:
    return {"scheduler": scheduler, "interval": "step"}


def build_teacher(config: AutoencoderConfig) -> AudioAutoencoder | None:
    """The frozen teacher of ``training.teacher_model`` with its weights, or None."""
    training = config.training
    if training.teacher_model is None:
        return None
    teacher = build_autoencoder(training.teacher_model.model, training.teacher_model.sample_rate)
    load_weights(teacher, training.teacher_model_ckpt, what="training.teacher_model")
    return teacher


def create_autoencoder_wrapper(config: AutoencoderConfig, model: nn.Module):
    """Training-wrapper builder of the registry."""
    return AutoencoderTrainingWrapper(model, config, teacher=build_teacher(config))
