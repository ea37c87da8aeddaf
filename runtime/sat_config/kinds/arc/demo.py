"""The ARC demo callback (upstream has none for ARC): few-step generations of the post-trained
student.

Every ``demo_every`` steps (when (step - 1) % demo_every == 0), ``num_demos`` generations
conditioned on ``demo_cond`` (or the batch's metadata with ``demo_cond_from_batch``) are sampled
with the ping-pong sampler (denoise, re-noise; what ARC models are sampled with) over
``demo_steps`` logSNR steps (default here: 8, not the 250 of the standard demos, unless
``demo_steps`` is set), once per ``demo_cfg_scales`` value, from the EMA backbone when there is
one, decoded through the pretransform and written as ``demo_arc_cfg_<scale>_<step>.wav`` + ``.png``
(also handed to the loggers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities.rank_zero import rank_zero_only

from ...errors import NotBuiltError
from ...models import DiffusionCondConfig, DiffusionCondInpaintConfig
from ...training.components.sampling import rf_denoiser_sigmas, sample_flow_pingpong
from ...training.demo_io import demo_directory, write_demo

ARC_DEMO_STEPS = 8


class ARCDemoCallback(pl.Callback):
    def __init__(self, config: DiffusionCondConfig | DiffusionCondInpaintConfig,
                 demo_dir: str | Path | None = None):
        super().__init__()
        if not isinstance(config, (DiffusionCondConfig, DiffusionCondInpaintConfig)):
            raise TypeError(f"ARCDemoCallback needs a typed conditional diffusion config, got "
                            f"{type(config).__name__}")
        if isinstance(config, DiffusionCondInpaintConfig):
            raise NotBuiltError("the ARC demo of diffusion_cond_inpaint (inpainting under ARC) "
                                "is not built in sat-config's training runtime yet")
        demo = config.training.demo
        self.demo_every = demo.demo_every
        self.demo_steps = demo.demo_steps if "demo_steps" in demo.model_fields_set \
            else ARC_DEMO_STEPS
        self.num_demos, self.demo_cfg_scales = demo.num_demos, list(demo.demo_cfg_scales)
        self.demo_cond = [dict(item) for item in demo.demo_cond]
        self.demo_cond_from_batch = demo.demo_cond_from_batch
        self.sample_rate, self.sample_size = config.sample_rate, config.sample_size
        self.demo_dir = Path(demo_dir) if demo_dir is not None else None
        self.last_demo_step = -1
        self.written: list[Path] = []

    @rank_zero_only
    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        step = trainer.global_step
        if (step - 1) % self.demo_every != 0 or step == self.last_demo_step:
            return
        self.last_demo_step = step
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                self.demo(trainer, module, batch, step)
        finally:
            module.train(was_training)

    def conditioning_items(self, batch) -> list[dict[str, Any]]:
        if self.demo_cond_from_batch:
            metadata = batch[1] if isinstance(batch, (list, tuple)) and len(batch) > 1 else None
            if not metadata:
                raise ValueError("training.demo.demo_cond_from_batch: the batch has no metadata")
            return [dict(item) for item in metadata[:self.num_demos]]
        if not self.demo_cond:
            raise ValueError("training.demo.demo_cond is empty (and demo_cond_from_batch is off)")
        return self.demo_cond[:self.num_demos]

    def generate(self, module, items: list[dict[str, Any]], cfg_scale: float) -> torch.Tensor:
        """Latents sampled in ``demo_steps`` ping-pong steps, decoded to audio."""
        diffusion = module.diffusion
        conditioning = diffusion.conditioner(items, module.device)
        inputs = diffusion.get_conditioning_inputs(conditioning)
        pretransform = diffusion.pretransform
        ratio = pretransform.downsampling_ratio if pretransform is not None else 1
        model = module.sampling_model
        dtype = next(model.parameters()).dtype
        noise = torch.randn(len(items), diffusion.io_channels, self.sample_size // ratio,
                            device=module.device, dtype=dtype)
        sigmas = rf_denoiser_sigmas(self.demo_steps).to(module.device)
        latents = sample_flow_pingpong(model, noise, sigmas=sigmas, cfg_scale=cfg_scale,
                                       batch_cfg=True, **inputs)
        return pretransform.decode(latents) if pretransform is not None else latents

    def demo(self, trainer, module, batch, step: int) -> None:
        items = self.conditioning_items(batch)
        for scale in self.demo_cfg_scales:
            audio = self.generate(module, items, scale)
            directory = demo_directory(trainer, self.demo_dir)
            self.demo_dir = directory
            self.written += write_demo(trainer, directory, f"demo_arc_cfg_{scale:g}_{step:08d}",
                                       audio, self.sample_rate, step)


def create_arc_demo_callback(config: DiffusionCondConfig | DiffusionCondInpaintConfig,
                             demo_dl=None, demo_dir: str | Path | None = None):
    """Demo-callback builder of the ``arc`` row (``demo_dl`` is not used)."""
    return ARCDemoCallback(config, demo_dir)
