"""ARC post-training (adversarial relativistic-contrastive) of a conditional flow DiT.

:class:`ARCTrainingWrapper` trains with manual optimisation and two optimizer groups
(``optimizer_configs.diffusion`` for the student, ``.discriminator`` for the discriminator base
and its head), one of them per step:

* before ``ode_warmup.warmup_steps``: the student regresses, in one Euler step, onto the end
  of a frozen teacher's DPM-Solver++ trajectory from a random point of it (trajectories drawn
  every ``refresh_rate`` steps, with ``sampling_steps`` logSNR steps and CFG ``cfg``);
* then even steps train the student: it denoises an RF x_t (t from ``noise_dist.generator``) in
  one Euler step, its output and the real latents are re-noised (t from
  ``noise_dist.discriminator``) and scored by the discriminator; the loss is the relativistic
  softplus of (real - fake) scores times ``weights.generator``;
* odd steps train the discriminator: softplus(-(real - fake)) times ``weights.discriminator``,
  plus (``contrastive``) the same with the real latents under the next item's prompt as the
  fake, times ``weights.contrastive``, plus (``include_grad_penalties``) approximate R1/R2.

``trim_config`` cuts the latents (and their padding masks) to the real length of a random item
after warm-up; ``clip_grad_norm`` clips both groups; ``cfg_dropout_prob`` applies to the
student; ``use_ema`` keeps an EMA of the student's backbone, updated after each student step.

Differences from upstream, on purpose: no V9 (a missing discriminator source is a clear
error), no V10 (the contrastive negatives are built on copied metadata), every trim type the
schema admits works and padding masks are trimmed too (to a multiple of the DiT patch size),
the EMA is updated after the student's optimiser step, ``train/std_data`` is really logged,
``use_model_as_*`` copy the student (its current, e.g. pre-trained, weights) instead of building
a randomly initialised model, and there is ``export_model`` and a ``validation_step``.

Inpainting (``diffusion_cond_inpaint``, or a model listing ``inpaint_mask`` /
``inpaint_masked_input`` in ``input_concat_ids``; upstream's ARC wrapper has no inpainting):
every step draws one random mask per item (``training.inpainting.mask_kwargs``, defaults when
the section is absent) on the (trimmed) latents and adds the mask and the masked latents to every
conditioning of that step: the student's, the discriminator's (real, fake and contrastive
scores) and, in the ODE warm-up, the teacher's (kept with its trajectories, so the student
regresses onto the teacher's inpainting of the same masked input). Validation masks too.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn

from ...models import DiffusionCondConfig, DiffusionCondInpaintConfig
from ...training.components.inpainting import config_mask_options, random_inpaint_mask
from ...training.components.pretransforms import diffusion_input
from ...training.components.sampling import rf_denoiser_sigmas, sample_flow_dpmpp
from ...training.components.timesteps import logit_normal, trunc_logit_normal
from ...training.ema import EMA
from ...training.optim import create_optimizer, create_scheduler
from .checks import MIN_TRIM  # frames: trimming never goes shorter
from .discriminator import (approximate_penalty, build_discriminator_base, build_head,
                            build_teacher, dit_width, relativistic_losses, rolled_metadata)

EMA_BETA = 0.9999
FLOW_OBJECTIVES = ("rectified_flow", "rf_denoiser")
LOGSNR_RANGE = (-6.0, 2.0)  # logsnr_uniform noise and the teacher's schedule
VALIDATION_TIMESTEPS = (0.1, 0.3, 0.5, 0.7, 0.9)


class NoiseDistribution:
    """One t in [0, 1] per batch item, drawn as ``training.arc.noise_dist`` names."""

    KINDS = ("uniform", "logit_normal", "trunc_logit_normal", "one_shot", "denoised",
             "logsnr_uniform")

    def __init__(self, kind: str):
        if kind not in self.KINDS:
            raise ValueError(f"unknown noise distribution {kind!r} (one of {self.KINDS})")
        self.kind = kind
        self.sobol = torch.quasirandom.SobolEngine(1, scramble=True) if kind == "uniform" else None

    def __call__(self, n: int, device=None) -> torch.Tensor:
        if self.kind == "uniform":
            t = self.sobol.draw(n)[:, 0].float()
        elif self.kind == "logit_normal":
            t = logit_normal(n)
        elif self.kind == "trunc_logit_normal":
            t = trunc_logit_normal(n)  # already flipped towards noise, as upstream's 1 - x
        elif self.kind == "one_shot":
            t = torch.ones(n)
        elif self.kind == "denoised":
            t = torch.zeros(n)
        else:
            low, high = LOGSNR_RANGE
            t = torch.sigmoid(-(torch.rand(n) * (high - low) + low))
        return t.to(device)


def _unwrap(batch: Any) -> tuple[torch.Tensor, list[dict[str, Any]]]:
    reals, metadata = (batch[0], batch[1]) if isinstance(batch, (list, tuple)) else (batch, None)
    if reals.ndim == 4 and reals.shape[0] == 1:
        reals = reals[0]
    if metadata is None:
        raise ValueError("ARC needs batch metadata (the conditioners read it)")
    return reals, list(metadata)


def _noised(x: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The rectified-flow interpolation (1 - t) x + t noise."""
    t = t[:, None, None].to(x.dtype)
    return (1 - t) * x + t * noise


def _euler_to_zero(x_t: torch.Tensor, v: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """One Euler step of dx/dt = v from t to 0."""
    return x_t - t[:, None, None].to(x_t.dtype) * v


class ARCTrainingWrapper(pl.LightningModule):
    """Lightning module for ``training.arc`` on diffusion_cond / diffusion_cond_inpaint."""

    def __init__(self, model: nn.Module, config: DiffusionCondConfig | DiffusionCondInpaintConfig,
                 discriminator: nn.Module, teacher_model: nn.Module | None = None):
        super().__init__()
        if not isinstance(config, (DiffusionCondConfig, DiffusionCondInpaintConfig)) or \
                config.training.arc is None:
            raise TypeError("ARCTrainingWrapper needs a typed diffusion_cond / "
                            "diffusion_cond_inpaint config with training.arc "
                            f"(sat_config.load_config), got {type(config).__name__}")
        training, arc = config.training, config.training.arc
        self.automatic_optimization = False
        self.config = config
        self.diffusion = model
        self.diffusion_objective = getattr(model, "diffusion_objective",
                                           config.model.diffusion.diffusion_objective)
        if self.diffusion_objective not in FLOW_OBJECTIVES:
            raise ValueError("ARC noises with the rectified-flow interpolation: set "
                             "model.diffusion.diffusion_objective to rectified_flow or "
                             f"rf_denoiser (got {self.diffusion_objective!r})")
        self.inpaint_kwargs = config_mask_options(config)
        self.discriminator = discriminator
        self.teacher_model = teacher_model
        head = arc.discriminator
        self.discriminator_head = build_head(head, dit_width(discriminator, "discriminator"))
        self.dit_hidden_layer = head.dit_hidden_layer
        self.contrastive = head.contrastive
        self.include_grad_penalties = head.include_grad_penalties
        self.gen_weight = head.weights.generator
        self.dis_weight = head.weights.discriminator
        self.contrastive_weight = head.weights.contrastive
        self.gen_noise = NoiseDistribution(arc.noise_dist.generator)
        self.dis_noise = NoiseDistribution(arc.noise_dist.discriminator)
        warmup = arc.ode_warmup
        self.ode_warmup_steps = warmup.warmup_steps if warmup is not None else 0
        if warmup is not None:
            self.ode_refresh_rate, self.ode_sampling_steps = warmup.refresh_rate, \
                warmup.sampling_steps
            self.ode_cfg = warmup.cfg
        if self.ode_warmup_steps > 0 and teacher_model is None:
            raise ValueError("training.arc.ode_warmup.warmup_steps > 0 needs a teacher "
                             "(teacher_model or use_model_as_teacher)")
        self.ode_states: dict[str, Any] | None = None
        self.diffusion_ema = EMA(model.model, beta=EMA_BETA) if training.use_ema else None
        self.pre_encoded = training.pre_encoded
        self.cfg_dropout_prob = training.cfg_dropout_prob
        self.clip_grad_norm = training.clip_grad_norm
        trim = training.trim_config
        self.trim_prob = trim.trim_prob if trim is not None else 0.0
        self.trim_type = trim.type if trim is not None else None
        self.patch_size = getattr(config.model.diffusion.config, "patch_size", 1)
        self.optimizer_configs = training.optimizer_configs
        self.standalone_step = 0  # the step count when driven without a Trainer
        self._standalone: list | None = None

    # --- optimisers ---------------------------------------------------------------------------

    def discriminator_parameters(self) -> list[nn.Parameter]:
        return list(self.discriminator_head.parameters()) + list(self.discriminator.parameters())

    def configure_optimizers(self):
        groups = self.optimizer_configs
        optimisers = [create_optimizer(groups.diffusion.optimizer, self.diffusion.parameters()),
                      create_optimizer(groups.discriminator.optimizer,
                                       self.discriminator_parameters())]
        schedulers = [{"scheduler": create_scheduler(group.scheduler, optimiser),
                       "interval": "step"}
                      for group, optimiser in zip((groups.diffusion, groups.discriminator),
                                                  optimisers) if group.scheduler is not None]
        return (optimisers, schedulers) if schedulers else optimisers

    @property
    def step_index(self) -> int:
        """The Trainer's global step (one optimiser step per batch), or the own count when
        ``training_step`` is called without a Trainer (tests, hand-written loops)."""
        return self.global_step if self._trainer is not None else self.standalone_step

    def _optimisers(self):
        if self._trainer is not None:
            return self.optimizers()
        if self._standalone is None:
            configured = self.configure_optimizers()
            optimisers, schedulers = configured if isinstance(configured, tuple) \
                else (configured, [])
            self._standalone = [optimisers, [s["scheduler"] for s in schedulers]]
        return self._standalone[0]

    def _scheduler_of(self, optimiser) -> Any:
        if self._trainer is None:
            schedulers = self._standalone[1] if self._standalone else None
        else:
            schedulers = self.lr_schedulers()
        if schedulers is None:
            return None
        for scheduler in schedulers if isinstance(schedulers, list) else [schedulers]:
            if scheduler.optimizer is getattr(optimiser, "optimizer", optimiser):
                return scheduler
        return None

    def _step(self, optimiser, loss: torch.Tensor, parameters: list[nn.Parameter]) -> None:
        optimiser.zero_grad()
        if self._trainer is not None:
            self.manual_backward(loss)
        else:
            loss.backward()
        if self.clip_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(parameters, self.clip_grad_norm)
        optimiser.step()
        scheduler = self._scheduler_of(optimiser)
        if scheduler is not None:
            scheduler.step()

    def update_ema(self) -> None:
        if self.diffusion_ema is not None:
            self.diffusion_ema.update(self.diffusion.model)

    # --- data -------------------------------------------------------------------------------

    def encode(self, reals: torch.Tensor) -> torch.Tensor:
        return diffusion_input(self.diffusion.pretransform, reals, self.pre_encoded)

    def train(self, mode: bool = True):
        super().train(mode)
        for frozen in (self.diffusion.pretransform, self.teacher_model):
            if frozen is not None and not getattr(frozen, "enable_grad", False):
                frozen.eval()
        return self

    def padding_masks(self, metadata: list[dict[str, Any]], length: int) -> torch.Tensor:
        """(batch, length) bool, true on real frames (an item without a mask is all real)."""
        masks = []
        for item in metadata:
            mask = item.get("padding_mask")
            if isinstance(mask, (list, tuple)) and len(mask) == 1:
                mask = mask[0]
            mask = torch.ones(length) if mask is None else torch.as_tensor(mask).float()
            if mask.shape[-1] != length:
                mask = F.interpolate(mask[None, None], size=length, mode="nearest")[0, 0]
            masks.append(mask)
        return torch.stack(masks).to(self.device).bool()

    def trim(self, x: torch.Tensor,
             padding: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """With probability ``trim_prob``: cut to the real length of a random item (at least
        128 frames, a multiple of the DiT patch size); the padding masks are cut with it."""
        if self.trim_type is None or random.random() >= self.trim_prob:
            return x, padding
        if self.trim_type != "random_item":  # the schema admits no other type
            raise ValueError(f"unknown trim type {self.trim_type!r}")
        length = max(int(random.choice(padding.sum(1).tolist())), MIN_TRIM)
        length = max(min(length, x.shape[-1]) // self.patch_size * self.patch_size,
                     self.patch_size)
        return x[..., :length], padding[:, :length]

    def inpainting(self, x: torch.Tensor, padding: torch.Tensor | None,
                   rng: random.Random | None = None) -> dict[str, list[torch.Tensor]]:
        """One random inpainting mask per item of ``x`` as conditioning entries
        (``inpaint_mask``, ``inpaint_masked_input``); empty when the model does not inpaint."""
        if self.inpaint_kwargs is None:
            return {}
        masked, mask = random_inpaint_mask(x, padding, rng=rng, **self.inpaint_kwargs)
        return {"inpaint_mask": [mask], "inpaint_masked_input": [masked]}

    # --- the discriminator ----------------------------------------------------------------------

    def scores(self, x: torch.Tensor, t: torch.Tensor, conditioning: dict) -> torch.Tensor:
        """Head scores of the discriminator base's hidden states at ``dit_hidden_layer``."""
        hidden = self.discriminator(x, t, conditioning, cfg_scale=1.0,
                                    exit_layer_ix=self.dit_hidden_layer)
        return self.discriminator_head(hidden.transpose(1, 2))

    # --- steps ----------------------------------------------------------------------------------

    def training_step(self, batch, batch_idx):
        reals, metadata = _unwrap(batch)
        x = self.encode(reals)
        opt_gen, opt_disc = self._optimisers()
        step = self.step_index
        self.standalone_step += 1
        if step < self.ode_warmup_steps:
            padding = self.padding_masks(metadata, x.shape[-1]) \
                if self.inpaint_kwargs is not None else None
            loss = self.ode_warmup_loss(x, metadata, step, padding)
            self._step(opt_gen, loss, list(self.diffusion.parameters()))
            self.update_ema()
            self._log({"train/ode_mse_loss": loss.detach(), "train/std_data": x.detach().std()},
                      x.shape[0])
            return loss
        padding = self.padding_masks(metadata, x.shape[-1])
        x, padding = self.trim(x, padding)
        batch_size = x.shape[0]
        inpaint = self.inpainting(x, padding)  # drawn on the trimmed latents: aligned with them
        conditioning = {**self.diffusion.conditioner(metadata, self.device), **inpaint}
        t = self.gen_noise(batch_size, x.device).to(x.dtype)
        x_t = _noised(x, torch.randn_like(x), t)
        log: dict[str, Any] = {"train/std_data": x.detach().std()}
        if step % 2 == 0:
            v = self.diffusion(x_t, t, conditioning, cfg_dropout_prob=self.cfg_dropout_prob)
            loss = self.generator_loss(x, _euler_to_zero(x_t, v, t), metadata, log, inpaint)
            self._step(opt_gen, loss, list(self.diffusion.parameters()))
            self.update_ema()  # after the step (upstream updates before it)
            log["train/gen_loss"] = loss.detach()
            log["train/gen_lr"] = opt_gen.param_groups[0]["lr"]
        else:
            with torch.no_grad():
                v = self.diffusion(x_t, t, conditioning)
            loss = self.discriminator_loss(x, _euler_to_zero(x_t, v, t).detach(), metadata,
                                           log, inpaint)
            self._step(opt_disc, loss, self.discriminator_parameters())
            log["train/discriminator_loss"] = loss.detach()
            log["train/disc_lr"] = opt_disc.param_groups[0]["lr"]
        self._log(log, batch_size)
        return loss

    def generator_loss(self, x: torch.Tensor, denoised: torch.Tensor,
                       metadata: list[dict[str, Any]], log: dict[str, Any],
                       inpaint: dict[str, Any] | None = None) -> torch.Tensor:
        t = self.dis_noise(x.shape[0], x.device).to(x.dtype)
        noise = torch.randn_like(x)
        conditioning = {**self.discriminator.conditioner(metadata, self.device), **(inpaint or {})}
        fake = self.scores(_noised(denoised, noise, t), t, conditioning)
        with torch.no_grad():  # the real scores do not depend on the student
            real = self.scores(_noised(x, noise, t), t, conditioning)
        _, adversarial = relativistic_losses(real, fake)
        log["gen_disc_scores_mean"] = fake.detach().mean()
        log["gen_disc_scores_std"] = fake.detach().std()
        log["train/adv_loss"] = adversarial.detach() * self.gen_weight
        return adversarial * self.gen_weight

    def discriminator_loss(self, x: torch.Tensor, denoised: torch.Tensor,
                           metadata: list[dict[str, Any]], log: dict[str, Any],
                           inpaint: dict[str, Any] | None = None) -> torch.Tensor:
        t = self.dis_noise(x.shape[0], x.device).to(x.dtype)
        noise = torch.randn_like(x)
        reals_t, fakes_t = _noised(x, noise, t).detach(), _noised(denoised, noise, t).detach()
        inpaint = inpaint or {}
        conditioning = {**self.discriminator.conditioner(metadata, self.device), **inpaint}
        real, fake = self.scores(reals_t, t, conditioning), self.scores(fakes_t, t, conditioning)
        loss_dis = relativistic_losses(real, fake)[0] * self.dis_weight
        loss = loss_dis
        log.update({"train/dis_loss": loss_dis.detach(),
                    "disc_real_scores_mean": real.detach().mean(),
                    "disc_fake_scores_mean": fake.detach().mean(),
                    "disc_real_scores_std": real.detach().std(),
                    "disc_fake_scores_std": fake.detach().std()})
        if self.include_grad_penalties:
            def score(inputs):
                return self.scores(inputs, t, conditioning)

            r1 = approximate_penalty(score, reals_t, real).mean()
            r2 = approximate_penalty(score, fakes_t, fake).mean()
            penalty = (r1 + r2) / 2
            loss = loss + penalty
            log.update({"r1_penalty": r1.detach(), "r2_penalty": r2.detach(),
                        "train/grad_penalty_loss": penalty.detach()})
        if self.contrastive:
            # only the prompts are mismatched: the items keep their own masks
            rolled = {**self.discriminator.conditioner(rolled_metadata(metadata), self.device),
                      **inpaint}
            mismatched = self.scores(reals_t, t, rolled)
            contrastive = relativistic_losses(real, mismatched)[0] * self.dis_weight \
                * self.contrastive_weight
            loss = loss + contrastive
            log["train/contrastive_loss_dis"] = contrastive.detach()
        return loss

    def ode_warmup_loss(self, x: torch.Tensor, metadata: list[dict[str, Any]],
                        step: int, padding: torch.Tensor | None = None) -> torch.Tensor:
        """MSE between the student's one-step denoising of a teacher trajectory point and the
        trajectory's end (conditioned on the teacher's inpainting masks, if any)."""
        states = self.ode_states
        if states is None or step % self.ode_refresh_rate == 0 or \
                states["target"].shape != x.shape:
            states = self.ode_states = self.teacher_trajectories(x, metadata, padding)
        n = x.shape[0]
        index = torch.randint(0, states["t"].shape[0], (n,))
        t = states["t"][index].to(x.device, x.dtype)
        x_t = states["x"][index, torch.arange(n)].to(x.device)
        conditioning = {**self.diffusion.conditioner(states["metadata"], self.device),
                        **states["inpaint"]}
        v = self.diffusion(x_t, t, conditioning, cfg_dropout_prob=self.cfg_dropout_prob)
        return F.mse_loss(_euler_to_zero(x_t, v, t), states["target"])

    @torch.no_grad()
    def teacher_trajectories(self, x: torch.Tensor, metadata: list[dict[str, Any]],
                             padding: torch.Tensor | None = None) -> dict[str, Any]:
        """A teacher DPM-Solver++ run from fresh noise over the logSNR schedule: the state and t
        before each step (steps, batch, ...), the final sample and the inpainting conditioning
        (masks of ``x``, drawn here) the teacher had."""
        teacher = self.teacher_model
        inpaint = self.inpainting(x, padding)
        conditioning = {**teacher.conditioner(metadata, self.device), **inpaint}
        sigmas = rf_denoiser_sigmas(self.ode_sampling_steps, *LOGSNR_RANGE).to(x.device)
        xs, ts = [], []

        def keep(info):
            xs.append(info["x"])
            ts.append(info["t"])

        target = sample_flow_dpmpp(teacher, torch.randn_like(x), sigmas=sigmas, callback=keep,
                                   cond=conditioning, cfg_scale=self.ode_cfg, batch_cfg=True)
        return {"x": torch.stack(xs), "t": torch.stack(ts).float(), "target": target,
                "metadata": [dict(item) for item in metadata], "inpaint": inpaint}

    def validation_step(self, batch, batch_idx):
        """One-step denoising error of the student at fixed noise levels."""
        reals, metadata = _unwrap(batch)
        x = self.encode(reals)
        padding = self.padding_masks(metadata, x.shape[-1]) \
            if self.inpaint_kwargs is not None else None
        conditioning = {**self.diffusion.conditioner(metadata, self.device),
                        **self.inpainting(x, padding, rng=random.Random(batch_idx))}
        losses = []
        for value in VALIDATION_TIMESTEPS:
            t = torch.full((x.shape[0],), value, device=x.device, dtype=x.dtype)
            x_t = _noised(x, torch.randn_like(x), t)
            loss = F.mse_loss(_euler_to_zero(x_t, self.diffusion(x_t, t, conditioning), t), x)
            losses.append(loss)
            self.log(f"val/one_step_mse_{value:.1f}", loss, on_epoch=True, sync_dist=True,
                     batch_size=x.shape[0])
        self.log("val/avg_one_step_mse", torch.stack(losses).mean(), on_epoch=True,
                 sync_dist=True, batch_size=x.shape[0])

    def _log(self, values: dict[str, Any], batch_size: int) -> None:
        if self._trainer is not None:
            self.log_dict(values, prog_bar=True, on_step=True, batch_size=batch_size)
        self.last_log = values

    # --- demos, checkpoints, export -------------------------------------------------------------

    @property
    def sampling_model(self) -> nn.Module:
        """The backbone demos sample from: the EMA copy when there is one."""
        return self.diffusion_ema.module if self.diffusion_ema is not None else self.diffusion.model

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        from ...api import dump

        checkpoint["sat_config"] = dump(self.config)

    def export_state_dict(self) -> dict[str, torch.Tensor]:
        """The student's state dict with the EMA backbone (if any) under ``model.``: what
        inference loads (no discriminator, head or teacher)."""
        state = self.diffusion.state_dict()
        if self.diffusion_ema is not None:
            for name, value in self.diffusion_ema.module.state_dict().items():
                state[f"model.{name}"] = value
        return state

    def export_model(self, path: str | Path, use_safetensors: bool | None = None) -> None:
        """Write the post-trained model: ``.safetensors`` by suffix, else ``{"state_dict"}``."""
        path = Path(path)
        state = {k: v.detach().contiguous() for k, v in self.export_state_dict().items()}
        if use_safetensors or (use_safetensors is None and path.suffix == ".safetensors"):
            from safetensors.torch import save_file

            save_file(state, str(path))
        else:
            torch.save({"state_dict": state}, path)


def create_arc_wrapper(config: DiffusionCondConfig | DiffusionCondInpaintConfig,
                       model: nn.Module) -> ARCTrainingWrapper:
    """Training-wrapper builder of the ``arc`` row: builds the discriminator base and the
    teacher (if any) from ``training.arc``, then the wrapper."""
    if not isinstance(config, (DiffusionCondConfig, DiffusionCondInpaintConfig)) or \
            config.training.arc is None:
        raise TypeError("create_arc_wrapper needs a typed config with training.arc "
                        f"(sat_config.load_config), got {type(config).__name__}")
    arc = config.training.arc
    discriminator = build_discriminator_base(arc, model)
    teacher = build_teacher(arc, model)
    return ARCTrainingWrapper(model, config, discriminator, teacher)
