"""``DiffusionAutoencoderDemoCallback``: every ``demo_every`` steps (when (step - 1) % demo_every
== 0), encode a fixed batch of real audio with the EMA model, decode it by sampling with
``demo_steps`` v-DDIM steps, and write ``recon_<step>.wav`` (real and reconstruction interleaved,
item by item) and ``recon_<step>.png`` (their spectrograms) into the demo directory and to every
logger. With a pretransform, the pretransform's own reconstruction is written too
(``first_stage_<step>``), as upstream does.

The batch is the first of ``demo_dl`` (upstream needs one; here synthetic audio stands in
without it), at most 8 items.
"""

from __future__ import annotations

from pathlib import Path

import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities.rank_zero import rank_zero_only

from ...models import DiffusionAutoencoderConfig
from ...training.demo_io import demo_directory, write_demo
from .wrapper import unwrap_reals

MAX_DEMOS = 8


class DiffusionAutoencoderDemoCallback(pl.Callback):
    def __init__(self, config: DiffusionAutoencoderConfig, demo_batch: torch.Tensor,
                 demo_dir: str | Path | None = None):
        super().__init__()
        if not isinstance(config, DiffusionAutoencoderConfig):
            raise TypeError("DiffusionAutoencoderDemoCallback needs a typed "
                            f"DiffusionAutoencoderConfig, got {type(config).__name__}")
        demo = config.training.demo
        self.demo_every, self.demo_steps = demo.demo_every, demo.demo_steps
        self.sample_rate = config.sample_rate
        self.demo_batch = demo_batch[:MAX_DEMOS]
        self.demo_dir = Path(demo_dir) if demo_dir is not None else None
        self.last_demo_step = -1
        self.written: list[Path] = []

    @rank_zero_only
    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        step = trainer.global_step
        if (step - 1) % self.demo_every != 0 or step == self.last_demo_step:
            return
        self.last_demo_step = step
        reals, fakes, first_stage = self.reconstruct(module)
        self.write(trainer, "recon", torch.stack([reals, fakes], dim=1).flatten(0, 1), step,
                   labels=[f"{name} {i}" for i in range(reals.shape[0])
                           for name in ("real", "reconstruction")])
        if first_stage is not None:
            self.write(trainer, "first_stage", first_stage, step)

    @torch.no_grad()
    def reconstruct(self, module) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """(reals, reconstructions, pretransform-only reconstructions or None) of the demo
        batch, by the EMA model (the live one if the module has no EMA)."""
        model = getattr(module, "sampling_model", None) or module.diffae
        was_training = model.training
        model.eval()
        try:
            reals = self.demo_batch.to(module.device)
            fakes = model.decode(model.encode(reals), steps=self.demo_steps).float()
            first_stage = None
            if model.pretransform is not None:
                first_stage = model.pretransform_decode(model.pretransform_encode(reals))
                first_stage = first_stage[..., :reals.shape[-1]].float().cpu()
        finally:
            model.train(was_training)
        length = min(fakes.shape[-1], reals.shape[-1])
        return reals[..., :length].float().cpu(), fakes[..., :length].cpu(), first_stage

    def write(self, trainer, name: str, clips: torch.Tensor, step: int, **kwargs) -> None:
        self.demo_dir = demo_directory(trainer, self.demo_dir)
        self.written += write_demo(trainer, self.demo_dir, f"{name}_{step:08d}", clips,
                                   self.sample_rate, step, **kwargs)


def create_diffusion_autoencoder_demo_callback(config: DiffusionAutoencoderConfig, demo_dl=None,
                                               demo_dir: str | Path | None = None):
    """Demo-callback builder of the registry. ``demo_dl``: a loader whose first batch is the demo
    batch (default: synthetic audio at the config's rate, length and channels)."""
    if demo_dl is None:
        from ...training.data.synthetic import SyntheticAudio

        dataset = SyntheticAudio(config.sample_rate, config.sample_size, config.audio_channels,
                                 length=MAX_DEMOS, seed=1234)
        batch = torch.stack([dataset[i][0] for i in range(len(dataset))])
    else:
        batch = unwrap_reals(next(iter(demo_dl)))
    return DiffusionAutoencoderDemoCallback(config, batch, demo_dir)
