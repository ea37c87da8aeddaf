"""Writing demo audio and spectrograms, and handing them to Lightning loggers (any kind's demos).

``write_demo`` puts a batch of clips (one after the other) into ``<name>.wav`` and their
spectrograms into ``<name>.png`` in the demo directory, and gives both to every logger that can
take media (``log_audio``/``log_image`` as WandbLogger has, a TensorBoard SummaryWriter, or a
Comet experiment).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities.rank_zero import rank_zero_only


class ScheduledDemo(pl.Callback):
    """Base of the kinds' demo callbacks: after training steps 1, 1 + ``demo_every``, ... (on
    the global-zero process, once per step) it calls ``demo(trainer, module, batch, step)`` with
    the module in eval mode and gradients off, and restores the module's mode afterwards."""

    def __init__(self, demo_every: int, demo_dir: str | Path | None = None):
        super().__init__()
        self.demo_every = demo_every
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

    def demo(self, trainer: Any, module: Any, batch: Any, step: int) -> None:
        raise NotImplementedError


def demo_directory(trainer: Any, demo_dir: Path | None) -> Path:
    """``demo_dir``, or ``<log dir>/demos``; created."""
    directory = demo_dir if demo_dir is not None else \
        Path(trainer.log_dir or trainer.default_root_dir) / "demos"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def interleave(clips: torch.Tensor, peak_normalise: bool = True) -> np.ndarray:
    """``(batch, channels, samples)`` -> ``(batch * samples, channels)`` float32 in [-1, 1],
    clips one after the other; scaled so the loudest sample is at full scale (as upstream's
    demos are) unless ``peak_normalise`` is false (then clamped)."""
    audio = clips.detach().float().cpu().permute(1, 0, 2).flatten(1)  # (channels, b * samples)
    if peak_normalise:
        peak = audio.abs().max()
        audio = audio / peak if peak > 0 else audio
    return audio.clamp(-1, 1).T.contiguous().numpy()


def spectrogram_png(path: Path, clips: torch.Tensor, sample_rate: int, title: str,
                    labels: list[str] | None = None) -> None:
    """Log-magnitude spectrogram of each clip's first channel, one row per clip."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    clips = clips.detach().float().cpu()
    n = clips.shape[0]
    fig, axes = plt.subplots(n, 1, figsize=(8, 1.8 * n + 0.6), squeeze=False)
    n_fft = max(16, min(512, 2 ** int(np.log2(max(clips.shape[-1], 2)))))
    window = torch.hann_window(n_fft)
    for i in range(n):
        spec = torch.stft(clips[i, 0], n_fft, n_fft // 4, window=window, return_complex=True,
                          center=clips.shape[-1] > n_fft // 2).abs()
        db = 20 * np.log10(spec.numpy() + 1e-5)
        axes[i, 0].imshow(db, origin="lower", aspect="auto", cmap="magma", vmin=-100,
                          vmax=max(float(db.max()), -99.0),  # silence: all at the floor
                          extent=(0, clips.shape[-1] / sample_rate, 0, sample_rate / 2000))
        axes[i, 0].set_title(labels[i] if labels else f"{i}", fontsize=8)
        axes[i, 0].set_ylabel("kHz", fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _wandb_style(logger: Any, key: str, step: int, wav: Path, png: Path | None,
                 audio: np.ndarray, sample_rate: int) -> None:
    logger.log_audio(key, [str(wav)], step=step, sample_rate=[sample_rate])
    if png is not None:
        logger.log_image(f"{key}_spectrogram", [str(png)], step=step)


def _summary_writer(logger: Any, key: str, step: int, wav: Path, png: Path | None,
                    audio: np.ndarray, sample_rate: int) -> None:
    writer = logger.experiment
    writer.add_audio(key, torch.from_numpy(audio.T[:1].copy()), step, sample_rate)
    if png is not None:
        import matplotlib.image

        writer.add_image(f"{key}_spectrogram", matplotlib.image.imread(png), step,
                         dataformats="HWC")


def _comet_experiment(logger: Any, key: str, step: int, wav: Path, png: Path | None,
                      audio: np.ndarray, sample_rate: int) -> None:
    experiment = logger.experiment
    experiment.log_audio(str(wav), sample_rate=sample_rate, file_name=wav.name, step=step,
                         metadata={"key": key})
    if png is not None:
        experiment.log_image(str(png), name=f"{key}_spectrogram", step=step)


def _has(obj: Any, *names: str) -> bool:
    return all(hasattr(obj, name) for name in names)


# What a logger has -> how it takes a demo; the first match is used, loggers matching none
# (CSV) get no media.
_MEDIA_SINKS = (
    (lambda lg: _has(lg, "log_audio", "log_image"), _wandb_style),  # WandbLogger
    (lambda lg: _has(getattr(lg, "experiment", None), "add_audio", "add_image"),
     _summary_writer),  # TensorBoardLogger
    (lambda lg: _has(getattr(lg, "experiment", None), "log_audio", "log_image"),
     _comet_experiment),  # CometLogger
)


def log_media(logger: Any, key: str, step: int, wav: Path, png: Path | None, audio: np.ndarray,
              sample_rate: int) -> None:
    """Hand one demo to a Lightning logger, by what it supports; other loggers are skipped."""
    for accepts, sink in _MEDIA_SINKS:
        if accepts(logger):
            sink(logger, key, step, wav, png, audio, sample_rate)
            return


def write_demo(trainer: Any, directory: Path, name: str, clips: torch.Tensor, sample_rate: int,
               step: int, spectrogram: bool = True, labels: list[str] | None = None) -> list[Path]:
    """Write ``<name>.wav`` (+ ``<name>.png``) and log them as ``name`` minus the step suffix."""
    import soundfile as sf

    audio = interleave(clips)
    wav = directory / f"{name}.wav"
    sf.write(wav, audio, sample_rate, subtype="PCM_16")
    png = None
    if spectrogram:
        png = directory / f"{name}.png"
        spectrogram_png(png, clips, sample_rate, title=f"{name} (step {step})", labels=labels)
    key = "demo/" + name.rsplit(f"_{step:08d}", 1)[0]
    for logger in trainer.loggers:  # trainer.logger is only the first one
        log_media(logger, key, step, wav, png, audio, sample_rate)
    return [wav] + ([png] if png is not None else [])
