"""Demo callbacks of the diffusion kinds: every ``demo_every`` steps (when (step - 1) %
demo_every == 0), generate with ``demo_steps`` sampler steps, decode through the pretransform,
and write ``<name>_<step>.wav`` + ``.png`` into the demo directory and to every logger.

* ``diffusion_uncond``: 8 generations, v-DDIM (``demo_uncond_<step>``).
* ``diffusion_cond``: ``num_demos`` generations conditioned on ``demo_cond`` (or on the batch's
  metadata with ``demo_cond_from_batch``), one set per ``demo_cfg_scales`` value
  (``demo_cfg_<scale>_<step>``); optional displays of audio conditioning.
* ``diffusion_cond_inpaint``: the first ``num_demos`` items of a batch from ``demo_dl`` (default:
  synthetic audio) are masked with the training masks and inpainted, per CFG scale; the reals
  and the masked input are written too.

The sampler is upstream's for the objective (v-DDIM, Euler, ping-pong) and the model is the EMA
backbone when there is one (upstream's inpaint demo samples the online model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ...models import DiffusionCondConfig, DiffusionCondInpaintConfig, DiffusionUncondConfig
from ...training.components.inpainting import random_inpaint_mask
from ...training.components.sampling import sample_for_objective
from ...training.demo_io import ScheduledDemo, demo_directory, write_demo
from .wrapper import unwrap_batch

UNCOND_DEMOS = 8  # fixed upstream


class _DiffusionDemo(ScheduledDemo):
    config_types: tuple[type, ...] = ()

    def __init__(self, config: Any, demo_dir: str | Path | None = None):
        if not isinstance(config, self.config_types):
            names = " or ".join(t.__name__ for t in self.config_types)
            raise TypeError(f"{type(self).__name__} needs a typed {names}, "
                            f"got {type(config).__name__}")
        super().__init__(config.training.demo.demo_every, demo_dir)
        demo = config.training.demo
        self.config = config
        self.demo_steps = demo.demo_steps
        self.sample_rate, self.sample_size = config.sample_rate, config.sample_size

    def demo(self, trainer, module, batch, step: int) -> None:
        raise NotImplementedError

    # --- helpers ------------------------------------------------------------------------------

    def latent_length(self, module) -> int:
        pretransform = module.diffusion.pretransform
        ratio = pretransform.downsampling_ratio if pretransform is not None else 1
        return self.sample_size // ratio

    def noise(self, module, batch: int, length: int) -> torch.Tensor:
        dtype = next(module.diffusion.model.parameters()).dtype
        return torch.randn(batch, module.diffusion.io_channels, length, device=module.device,
                           dtype=dtype)

    def generate(self, module, noise: torch.Tensor, **extra: Any) -> torch.Tensor:
        """Sample with the EMA backbone (if any) and decode through the pretransform."""
        fakes = sample_for_objective(module.diffusion_objective, module.sampling_model, noise,
                                     self.demo_steps, dist_shift=getattr(module, "dist_shift",
                                                                         None), **extra)
        return self.decode(module, fakes)

    @staticmethod
    def decode(module, latents: torch.Tensor) -> torch.Tensor:
        pretransform = module.diffusion.pretransform
        return pretransform.decode(latents) if pretransform is not None else latents

    def write(self, trainer, name: str, clips: torch.Tensor, step: int, **kwargs: Any) -> None:
        directory = demo_directory(trainer, self.demo_dir)
        self.demo_dir = directory
        self.written += write_demo(trainer, directory, f"{name}_{step:08d}", clips,
                                   self.sample_rate, step, **kwargs)


class DiffusionUncondDemoCallback(_DiffusionDemo):
    config_types = (DiffusionUncondConfig,)

    def __init__(self, config: DiffusionUncondConfig, demo_dir: str | Path | None = None):
        super().__init__(config, demo_dir)
        self.num_demos = UNCOND_DEMOS

    def demo(self, trainer, module, batch, step: int) -> None:
        noise = self.noise(module, self.num_demos, self.latent_length(module))
        self.write(trainer, "demo_uncond", self.generate(module, noise), step)


class DiffusionCondDemoCallback(_DiffusionDemo):
    config_types = (DiffusionCondConfig,)

    def __init__(self, config: DiffusionCondConfig, demo_dir: str | Path | None = None):
        super().__init__(config, demo_dir)
        demo = config.training.demo
        self.num_demos, self.demo_cfg_scales = demo.num_demos, list(demo.demo_cfg_scales)
        self.demo_cond = [dict(item) for item in demo.demo_cond]
        self.demo_cond_from_batch = demo.demo_cond_from_batch
        self.display_audio_cond = demo.display_audio_cond
        self.cond_display_configs = list(demo.cond_display_configs or [])

    def conditioning_items(self, batch) -> list[dict[str, Any]]:
        if self.demo_cond_from_batch:
            _, metadata = unwrap_batch(batch)
            if not metadata:
                raise ValueError("training.demo.demo_cond_from_batch: the batch has no metadata")
            return list(metadata[:self.num_demos])
        if not self.demo_cond:
            raise ValueError("training.demo.demo_cond is empty (and demo_cond_from_batch is off)")
        return self.demo_cond[:self.num_demos]

    def demo(self, trainer, module, batch, step: int) -> None:
        items = self.conditioning_items(batch)
        conditioning = module.diffusion.conditioner(items, module.device)
        inputs = module.diffusion.get_conditioning_inputs(conditioning)
        self.display_conditioning(trainer, module, items, step)
        noise = self.noise(module, len(items), self.latent_length(module))
        for scale in self.demo_cfg_scales:
            fakes = self.generate(module, noise, **inputs, cfg_scale=scale, batch_cfg=True)
            self.write(trainer, f"demo_cfg_{scale:g}", fakes, step)
            self.display_mixes(trainer, module, items, fakes, scale, step)

    # --- audio conditioning displays (need tensors: demo_cond_from_batch) ---------------------

    def display_conditioning(self, trainer, module, items, step: int) -> None:
        if self.display_audio_cond:
            audio = torch.stack([_audio(item["audio"]) for item in items])
            self.write(trainer, "demo_audio_cond", audio, step)
        for display in self.cond_display_configs:
            if display.type == "audio":
                self.write(trainer, f"demo_{display.id}",
                           self._audio_of(module, items, display), step)

    def display_mixes(self, trainer, module, items, fakes: torch.Tensor, scale: float,
                      step: int) -> None:
        for display in self.cond_display_configs:
            if display.type == "audio" and display.config.display_mix:
                audio = self._audio_of(module, items, display)
                self.write(trainer, f"demo_{display.id}_mix_cfg_{scale:g}",
                           _trim_add(audio, fakes), step, spectrogram=False)
            elif display.type == "audio_dict":
                submix = torch.stack([self._decode_if(module, torch.stack(
                    [_audio(a) for a in item[display.id].values()]), display).sum(0)
                    for item in items])
                self.write(trainer, f"demo_{display.id}_submix_cfg_{scale:g}", submix, step,
                           spectrogram=False)
                self.write(trainer, f"demo_{display.id}_mix_cfg_{scale:g}",
                           _trim_add(submix, fakes), step, spectrogram=False)

    def _audio_of(self, module, items, display) -> torch.Tensor:
        audio = torch.stack([_audio(item[display.id]) for item in items]).to(module.device)
        return self._decode_if(module, audio, display)

    @staticmethod
    def _decode_if(module, audio: torch.Tensor, display) -> torch.Tensor:
        if display.config.pre_encoded:
            return _DiffusionDemo.decode(module, audio.to(module.device))
        return audio


class DiffusionCondInpaintDemoCallback(_DiffusionDemo):
    config_types = (DiffusionCondInpaintConfig,)

    def __init__(self, config: DiffusionCondInpaintConfig, demo_dl,
                 demo_dir: str | Path | None = None):
        super().__init__(config, demo_dir)
        demo = config.training.demo
        self.num_demos, self.demo_cfg_scales = demo.num_demos, list(demo.demo_cfg_scales)
        self.demo_dl = demo_dl
        self._batches = None

    def next_batch(self):
        """The next demo batch, starting the loader over when it runs out."""
        if self._batches is None:
            self._batches = iter(self.demo_dl)
        try:
            return next(self._batches)
        except StopIteration:
            self._batches = iter(self.demo_dl)
            return next(self._batches)

    def demo(self, trainer, module, batch, step: int) -> None:
        reals, metadata = unwrap_batch(self.next_batch())
        reals, metadata = reals[:self.num_demos].to(module.device), list(metadata[:self.num_demos])
        if not module.pre_encoded:
            self.write(trainer, "demo_reals", reals, step)
        latents = module.encode(reals)
        conditioning = module.diffusion.conditioner(metadata, module.device)
        padding = module.padding_masks(metadata, latents.shape[-1], required=False)
        masked, mask = random_inpaint_mask(latents, padding, **(module.inpaint_kwargs or {}))
        conditioning["inpaint_mask"] = [mask]
        conditioning["inpaint_masked_input"] = [masked]
        self.write(trainer, "demo_masked_input", self.decode(module, masked), step)
        inputs = module.diffusion.get_conditioning_inputs(conditioning)
        noise = self.noise(module, latents.shape[0], latents.shape[-1])
        for scale in self.demo_cfg_scales:
            fakes = self.generate(module, noise, **inputs, cfg_scale=scale, batch_cfg=True)
            self.write(trainer, f"demo_cfg_{scale:g}", fakes, step)


def _audio(value: Any) -> torch.Tensor:
    """One item's audio as (channels, samples)."""
    audio = torch.as_tensor(value)
    if audio.ndim == 3 and audio.shape[0] == 1:
        audio = audio[0]
    return audio[None] if audio.ndim == 1 else audio


def _trim_add(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    n = min(a.shape[-1], b.shape[-1])
    return a[..., :n].to(b.device, b.dtype) + b[..., :n]


# --- builders of the table ----------------------------------------------------------------------


def create_diffusion_uncond_demo_callback(config: DiffusionUncondConfig, demo_dl=None,
                                          demo_dir: str | Path | None = None):
    """Demo-callback builder of the ``diffusion_uncond`` row (``demo_dl`` is not used)."""
    return DiffusionUncondDemoCallback(config, demo_dir)


def create_diffusion_cond_demo_callback(config: DiffusionCondConfig, demo_dl=None,
                                        demo_dir: str | Path | None = None):
    """Demo-callback builder of the ``diffusion_cond`` row (``demo_dl`` is not used)."""
    return DiffusionCondDemoCallback(config, demo_dir)


def create_diffusion_cond_inpaint_demo_callback(config: DiffusionCondInpaintConfig, demo_dl=None,
                                                demo_dir: str | Path | None = None):
    """Demo-callback builder of the ``diffusion_cond_inpaint`` row. ``demo_dl``: a loader of
    ``(audio, metadata)`` batches (default: synthetic audio at the config's rate, length and
    channels; a pre-encoded config needs a loader of latents)."""
    if demo_dl is None:
        if config.training.pre_encoded:
            raise ValueError("diffusion_cond_inpaint with training.pre_encoded: the demo needs a "
                             "loader of pre-encoded latents (demo_dl)")
        from ...training.data.loaders import collate
        from ...training.data.synthetic import SyntheticAudio

        dataset = SyntheticAudio(config.sample_rate, config.sample_size, config.audio_channels,
                                 length=config.training.demo.num_demos, seed=1234)
        demo_dl = [collate([dataset[i] for i in range(len(dataset))])]
    return DiffusionCondInpaintDemoCallback(config, demo_dl, demo_dir)
