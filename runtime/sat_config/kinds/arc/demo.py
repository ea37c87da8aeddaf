"""The ARC demo callback (upstream has none for ARC): few-step generations of the post-trained
student.

Every ``demo_every`` steps (when (step - 1) % demo_every == 0), ``num_demos`` generations
conditioned on ``demo_cond`` (or the batch's metadata with ``demo_cond_from_batch``) are sampled
with the ping-pong sampler (denoise, re-noise; what ARC models are sampled with) over
``demo_steps`` logSNR steps (default here: 8, not the 250 of the standard demos, unless
``demo_steps`` is set), once per ``demo_cfg_scales`` value, from the EMA backbone when there is
one, decoded through the pretransform and written as ``demo_arc_cfg_<scale>_<step>.wav`` + ``.png``
(also handed to the loggers).

Inpainting models (``diffusion_cond_inpaint``, or inpainting inputs in ``input_concat_ids``):
the first ``num_demos`` items of a batch from ``demo_dl`` (default: synthetic audio at the
config's rate, length and channels) are written as ``demo_reals``, masked with the training masks
(written as ``demo_masked_input``) and inpainted, conditioned on their own metadata, as
``demo_arc_inpaint_cfg_<scale>_<step>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ...models import DiffusionCondConfig, DiffusionCondInpaintConfig
from ...training.components.inpainting import config_mask_options
from ...training.components.sampling import rf_denoiser_sigmas, sample_flow_pingpong
from ...training.demo_io import ScheduledDemo, demo_directory, write_demo

ARC_DEMO_STEPS = 8


class ARCDemoCallback(ScheduledDemo):
    def __init__(self, config: DiffusionCondConfig | DiffusionCondInpaintConfig,
                 demo_dir: str | Path | None = None, demo_dl=None):
        if not isinstance(config, (DiffusionCondConfig, DiffusionCondInpaintConfig)):
            raise TypeError(f"ARCDemoCallback needs a typed conditional diffusion config, got "
                            f"{type(config).__name__}")
        demo = config.training.demo
        super().__init__(demo.demo_every, demo_dir)
        self.demo_steps = demo.demo_steps if "demo_steps" in demo.model_fields_set \
            else ARC_DEMO_STEPS
        self.num_demos, self.demo_cfg_scales = demo.num_demos, list(demo.demo_cfg_scales)
        self.demo_cond = [dict(item) for item in getattr(demo, "demo_cond", [])]
        self.demo_cond_from_batch = getattr(demo, "demo_cond_from_batch", False)
        self.inpaint = config_mask_options(config) is not None
        if self.inpaint and demo_dl is None:
            demo_dl = _synthetic_loader(config)
        self.demo_dl = demo_dl
        self._batches = None
        self.sample_rate, self.sample_size = config.sample_rate, config.sample_size

    def conditioning_items(self, batch) -> list[dict[str, Any]]:
        if self.demo_cond_from_batch:
            metadata = batch[1] if isinstance(batch, (list, tuple)) and len(batch) > 1 else None
            if not metadata:
                raise ValueError("training.demo.demo_cond_from_batch: the batch has no metadata")
            return [dict(item) for item in metadata[:self.num_demos]]
        if not self.demo_cond:
            raise ValueError("training.demo.demo_cond is empty (and demo_cond_from_batch is off)")
        return self.demo_cond[:self.num_demos]

    def generate(self, module, items: list[dict[str, Any]], cfg_scale: float,
                 inpaint: dict[str, Any] | None = None) -> torch.Tensor:
        """Latents sampled in ``demo_steps`` ping-pong steps, decoded to audio; ``inpaint``:
        the inpainting conditioning entries (mask, masked latents) of the items."""
        diffusion = module.diffusion
        conditioning = {**diffusion.conditioner(items, module.device), **(inpaint or {})}
        inputs = diffusion.get_conditioning_inputs(conditioning)
        pretransform = diffusion.pretransform
        model = module.sampling_model
        dtype = next(model.parameters()).dtype
        if inpaint:
            length = inpaint["inpaint_mask"][0].shape[-1]
        else:
            ratio = pretransform.downsampling_ratio if pretransform is not None else 1
            length = self.sample_size // ratio
        noise = torch.randn(len(items), diffusion.io_channels, length, device=module.device,
                            dtype=dtype)
        sigmas = rf_denoiser_sigmas(self.demo_steps).to(module.device)
        latents = sample_flow_pingpong(model, noise, sigmas=sigmas, cfg_scale=cfg_scale,
                                       batch_cfg=True, **inputs)
        return pretransform.decode(latents) if pretransform is not None else latents

    def next_batch(self):
        """The next demo batch, starting the loader over when it runs out."""
        if self._batches is None:
            self._batches = iter(self.demo_dl)
        try:
            return next(self._batches)
        except StopIteration:
            self._batches = iter(self.demo_dl)
            return next(self._batches)

    def write(self, trainer, name: str, audio: torch.Tensor, step: int) -> None:
        directory = demo_directory(trainer, self.demo_dir)
        self.demo_dir = directory
        self.written += write_demo(trainer, directory, f"{name}_{step:08d}", audio,
                                   self.sample_rate, step)

    def demo(self, trainer, module, batch, step: int) -> None:
        if self.inpaint:
            self.inpaint_demo(trainer, module, step)
            return
        items = self.conditioning_items(batch)
        for scale in self.demo_cfg_scales:
            self.write(trainer, f"demo_arc_cfg_{scale:g}", self.generate(module, items, scale),
                       step)

    def inpaint_demo(self, trainer, module, step: int) -> None:
        """Inpaint the masked latents of the first ``num_demos`` items of a demo batch."""
        reals, metadata = _unwrap(self.next_batch())
        reals = reals[:self.num_demos].to(module.device)
        items = [dict(item) for item in metadata[:self.num_demos]]
        if not module.pre_encoded:
            self.write(trainer, "demo_reals", reals, step)
        latents = module.encode(reals)
        inpaint = module.inpainting(latents, module.padding_masks(items, latents.shape[-1]))
        self.write(trainer, "demo_masked_input",
                   _decode(module, inpaint["inpaint_masked_input"][0]), step)
        for scale in self.demo_cfg_scales:
            self.write(trainer, f"demo_arc_inpaint_cfg_{scale:g}",
                       self.generate(module, items, scale, inpaint), step)


def _unwrap(batch) -> tuple[torch.Tensor, list[dict[str, Any]]]:
    reals, metadata = (batch[0], batch[1]) if isinstance(batch, (list, tuple)) else (batch, None)
    if reals.ndim == 4 and reals.shape[0] == 1:
        reals = reals[0]
    if not metadata:
        raise ValueError("the ARC inpainting demo needs batch metadata (the conditioners read it)")
    return reals, list(metadata)


def _decode(module, latents: torch.Tensor) -> torch.Tensor:
    pretransform = module.diffusion.pretransform
    return pretransform.decode(latents) if pretransform is not None else latents


def _synthetic_loader(config) -> list:
    """One batch of ``num_demos`` synthetic clips at the config's rate, length and channels."""
    if config.training.pre_encoded:
        raise ValueError("ARC inpainting with training.pre_encoded: the demo needs a loader of "
                         "pre-encoded latents (demo_dl)")
    from ...training.data.loaders import collate
    from ...training.data.synthetic import SyntheticAudio

    dataset = SyntheticAudio(config.sample_rate, config.sample_size, config.audio_channels,
                             length=config.training.demo.num_demos, seed=1234)
    return [collate([dataset[i] for i in range(len(dataset))])]


def create_arc_demo_callback(config: DiffusionCondConfig | DiffusionCondInpaintConfig,
                             demo_dl=None, demo_dir: str | Path | None = None):
    """Demo-callback builder of the ``arc`` row. ``demo_dl`` (inpainting models only): a loader
    of ``(audio, metadata)`` batches to mask and inpaint (default: synthetic audio)."""
    return ARCDemoCallback(config, demo_dir, demo_dl)
