"""``AudioLanguageModelDemoCallback``: every ``demo_every`` steps (when (step - 1) % demo_every
== 0), generate ``num_demos`` clips of ``sample_size`` samples per ``demo_cfg_scales`` value,
decode them through the pretransform and write ``demo_cfg_<scale>_<step>.wav`` + ``.png`` into
the demo directory and to every logger.

Upstream's callback (``training/lm.py``) samples from the online model and only with top-p 0.95
at temperature 1; here the EMA model is used when there is one, and temperature, top-k and top-p
are arguments with upstream's values as defaults (the schema's demo section has no keys for them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities.rank_zero import rank_zero_only

from ...models import LMConfig
from ...training.demo_io import demo_directory, write_demo

DEMO_TEMPERATURE, DEMO_TOP_K, DEMO_TOP_P = 1.0, 0, 0.95  # upstream's demo sampling


class AudioLanguageModelDemoCallback(pl.Callback):
    def __init__(self, config: LMConfig, demo_dir: str | Path | None = None,
                 temperature: float = DEMO_TEMPERATURE, top_k: int = DEMO_TOP_K,
                 top_p: float = DEMO_TOP_P, seed: int | None = None):
        super().__init__()
        if not isinstance(config, LMConfig):
            raise TypeError("AudioLanguageModelDemoCallback needs a typed LMConfig, "
                            f"got {type(config).__name__}")
        demo = config.training.demo
        self.config = config
        self.demo_every, self.num_demos = demo.demo_every, demo.num_demos
        self.demo_cfg_scales = list(demo.demo_cfg_scales)
        self.demo_cond = [dict(item) for item in demo.demo_cond] if demo.demo_cond else None
        self.sample_rate, self.sample_size = config.sample_rate, config.sample_size
        self.temperature, self.top_k, self.top_p = temperature, top_k, top_p
        self.seed = seed
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
            self.demo(trainer, module, step)
        finally:
            module.train(was_training)

    def conditioning(self) -> list[dict[str, Any]] | None:
        """One metadata dict per demo (``demo_cond``, first ``num_demos``), or None."""
        return self.demo_cond[:self.num_demos] if self.demo_cond else None

    @torch.no_grad()
    def generate(self, module, cfg_scale: float) -> torch.Tensor:
        """Audio ``(num_demos, channels, samples)`` from the sampling (EMA if any) model."""
        model = module.sampling_model
        frames = self.sample_size // model.pretransform.downsampling_ratio
        conditioning = self.conditioning() if model.conditioner is not None else None
        generator = None
        if self.seed is not None:
            generator = torch.Generator(device=module.device).manual_seed(self.seed)
        codes = model.generate(
            max_gen_len=frames, batch_size=len(conditioning) if conditioning else self.num_demos,
            conditioning=conditioning, cfg_scale=cfg_scale, temp=self.temperature,
            top_k=self.top_k, top_p=self.top_p, generator=generator)
        return model.pretransform.decode_tokens(codes).float()

    def demo(self, trainer, module, step: int) -> None:
        directory = demo_directory(trainer, self.demo_dir)
        self.demo_dir = directory
        for scale in self.demo_cfg_scales:
            fakes = self.generate(module, scale)
            self.written += write_demo(trainer, directory, f"demo_cfg_{scale:g}_{step:08d}",
                                       fakes, self.sample_rate, step)


def create_lm_demo_callback(config: LMConfig, demo_dl=None, demo_dir: str | Path | None = None,
                            **kwargs: Any) -> AudioLanguageModelDemoCallback:
    """Demo-callback builder of the ``lm`` row (``demo_dl`` is not used: demos are generated
    from the conditioning alone). ``kwargs``: temperature, top_k, top_p, seed."""
    return AudioLanguageModelDemoCallback(config, demo_dir, **kwargs)
