"""``AutoencoderDemoCallback``: every ``demo_every`` steps, reconstruct a fixed batch.

Writes ``recon_<step>.wav`` (real and reconstruction interleaved, item by item) and
``recon_<step>.png`` (their spectrograms) into the demo directory and hands both to the logger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities.rank_zero import rank_zero_only

from ...models import AutoencoderConfig
from ...training import demo_io
from .wrapper import trim_to_shortest

MAX_DEMOS = 8  # fixed upstream


class AutoencoderDemoCallback(pl.Callback):
    def __init__(self, config: AutoencoderConfig, demo_batch: torch.Tensor,
                 demo_dir: str | Path | None = None):
        super().__init__()
        if not isinstance(config, AutoencoderConfig):
            raise TypeError("AutoencoderDemoCallback needs a typed AutoencoderConfig")
        self.demo_every = config.training.demo.demo_every
        self.sample_rate = config.sample_rate
        self.demo_batch = demo_batch[:MAX_DEMOS]
        self.demo_dir = Path(demo_dir) if demo_dir is not None else None
        self.last_demo_step = -1
        self.written: list[Path] = []

    def _directory(self, trainer: pl.Trainer) -> Path:
        if self.demo_dir is None:
            self.demo_dir = Path(trainer.log_dir or trainer.default_root_dir) / "demos"
        self.demo_dir.mkdir(parents=True, exist_ok=True)
        return self.demo_dir

    @rank_zero_only
    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        step = trainer.global_step
        if (step - 1) % self.demo_every != 0 or step == self.last_demo_step:
            return
        self.last_demo_step = step
        reals, fakes = self.reconstruct(module)
        self.write(trainer, reals, fakes, step)

    @torch.no_grad()
    def reconstruct(self, module) -> tuple[torch.Tensor, torch.Tensor]:
        """(reals, reconstructions) of the demo batch, by the EMA model when there is one."""
        model = module.autoencoder_ema.module if module.autoencoder_ema else module.autoencoder
        was_training = model.training
        model.eval()
        try:
            reals = self.demo_batch.to(module.device)
            encoder_input = reals.mean(dim=1, keepdim=True) if module.force_input_mono else reals
            fakes = model.decode(model.encode(encoder_input)).float()
        finally:
            model.train(was_training)
        fakes, reals = trim_to_shortest(fakes, reals.float())
        return reals.cpu(), fakes.cpu()

    def write(self, trainer, reals: torch.Tensor, fakes: torch.Tensor, step: int) -> None:
        import soundfile as sf

        directory = self._directory(trainer)
        # real 0, fake 0, real 1, fake 1 ... one after the other: (samples, channels)
        pairs = torch.stack([reals, fakes], dim=1).flatten(0, 1)  # (2b, c, t)
        audio = pairs.permute(1, 0, 2).flatten(1).clamp(-1, 1).T.numpy()
        wav = directory / f"recon_{step:08d}.wav"
        sf.write(wav, audio, self.sample_rate, subtype="PCM_16")
        png = directory / f"recon_{step:08d}.png"
        spectrogram_png(png, reals, fakes, self.sample_rate, title=f"step {step}")
        self.written += [wav, png]
        error = (reals - fakes).abs().mean().item()
        for logger in trainer.loggers:  # trainer.logger is only the first (CSV) one
            log_media(logger, step, wav, png, audio, self.sample_rate, error)


def spectrogram_png(path: Path, reals: torch.Tensor, fakes: torch.Tensor, sample_rate: int,
                    title: str) -> None:
    """Log-magnitude spectrograms of the first channel: reals on the left, fakes on the right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = reals.shape[0]
    fig, axes = plt.subplots(n, 2, figsize=(10, 2.2 * n), squeeze=False)
    window = torch.hann_window(512)
    for i in range(n):
        for j, (name, audio) in enumerate((("real", reals), ("reconstruction", fakes))):
            spec = torch.stft(audio[i, 0], 512, 128, window=window, return_complex=True).abs()
            axes[i, j].imshow(20 * np.log10(spec.numpy() + 1e-5), origin="lower", aspect="auto",
                              cmap="magma", vmin=-100, extent=(0, audio.shape[-1] / sample_rate,
                                                               0, sample_rate / 2000))
            axes[i, j].set_title(f"{name} {i}", fontsize=8)
            axes[i, j].set_ylabel("kHz", fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def log_media(logger: Any, step: int, wav: Path, png: Path, audio: np.ndarray, sample_rate: int,
              error: float) -> None:
    """Hand the demo to whatever the Lightning logger supports (all loggers get the metric)."""
    logger.log_metrics({"demo/reconstruction_l1": error}, step=step)
    demo_io.log_media(logger, "demo/recon", step, wav, png, audio, sample_rate)


def create_autoencoder_demo_callback(config: AutoencoderConfig, demo_dl=None,
                                     demo_dir: str | Path | None = None):
    """Demo-callback builder of the registry. ``demo_dl``: a loader whose first batch is the demo
    batch (default: synthetic audio at the config's rate, length and channels)."""
    if demo_dl is None:
        from ...training.data.synthetic import SyntheticAudio

        dataset = SyntheticAudio(config.sample_rate, config.sample_size, config.audio_channels,
                                 length=MAX_DEMOS, seed=1234)
        batch = torch.stack([dataset[i][0] for i in range(len(dataset))])
    else:
        first = next(iter(demo_dl))
        batch = first[0] if isinstance(first, (list, tuple)) else first
    return AutoencoderDemoCallback(config, batch, demo_dir)
