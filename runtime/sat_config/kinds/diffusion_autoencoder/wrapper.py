"""``DiffusionAutoencoderTrainingWrapper`` (``model_type: diffusion_autoencoder``), built from a
typed config only (upstream ``training/diffusion.py``).

One step: the audio goes through the (frozen) pretransform, the encoder and bottleneck give
latents, the latent decoder (if any) and a nearest stretch turn them into input-concat
conditioning, and the backbone is trained with the v objective at Sobol-uniform times:

    loss = mse(v, target) + bottleneck regularisers (fixed weights, as upstream)
           [+ 0.1 * multi-resolution STFT(audio, one-step prediction decoded to audio)]

Adam at ``learning_rate`` over every parameter of the model; an EMA (beta 0.9999) of the whole
model, updated after each optimiser step; ``export_model`` writes the EMA weights.

Differences from upstream, on purpose: the reconstruction loss also works without a pretransform
(the one-step prediction is audio then; upstream: KeyError 'audio_pred', V8); mixed precision is
the Trainer's ``precision`` (upstream forces CUDA autocast); a frozen pretransform stays in eval
mode; a validation step (fixed times) exists for runs with a validation set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn

from ...models import DiffusionAutoencoderConfig
from ...training.components.timesteps import TimestepSampler, alphas_sigmas
from ...training.ema import EMA
from ...checks.parts.clips import centered_stft
from .facts import STFT_OVERLAP, STFT_SCALES

EMA_BETA = 0.9999  # fixed upstream
RECONSTRUCTION_WEIGHT = 0.1
VALIDATION_TIMESTEPS = (0.1, 0.3, 0.5, 0.7, 0.9)
REGULARISER_WEIGHTS = {  # upstream's create_loss_modules_from_bottleneck with no loss config
    "kl": ("kl_loss", 1e-6),
    "mmd": ("mmd_loss", 100.0),
    "quantizer_loss": ("quantizer_loss", 1.0),
    "vq/codebook_loss": ("codebook_loss", 1.0),
    "vq/commitment_loss": ("commitment_loss", 0.25),
}


def unwrap_reals(batch: Any) -> torch.Tensor:
    """The audio of a batch (``(audio, metadata)`` or audio); a leading singleton dimension (as
    WebDataset loaders add) is dropped."""
    reals = batch[0] if isinstance(batch, (list, tuple)) else batch
    if reals.ndim == 4 and reals.shape[0] == 1:
        reals = reals[0]
    return reals


def stft_loss(sample_rate: int, channels: int) -> nn.Module:
    """Upstream's reconstruction loss: perceptually weighted multi-resolution STFT over seven
    scales (sum-and-difference for stereo). Clips must be longer than half the largest FFT."""
    from auraloss.freq import MultiResolutionSTFTLoss, SumAndDifferenceSTFTLoss

    kwargs = {"fft_sizes": list(STFT_SCALES),
              "hop_sizes": [int(s * (1 - STFT_OVERLAP)) for s in STFT_SCALES],
              "win_lengths": list(STFT_SCALES), "perceptual_weighting": True,
              "sample_rate": sample_rate}
    cls = SumAndDifferenceSTFTLoss if channels == 2 else MultiResolutionSTFTLoss
    return cls(**kwargs)


class DiffusionAutoencoderTrainingWrapper(pl.LightningModule):
    """Lightning module for ``model_type: diffusion_autoencoder``."""

    def __init__(self, model: nn.Module, config: DiffusionAutoencoderConfig):
        super().__init__()
        if not isinstance(config, DiffusionAutoencoderConfig):
            raise TypeError("DiffusionAutoencoderTrainingWrapper needs a typed "
                            "DiffusionAutoencoderConfig (sat_config.load_config), got "
                            f"{type(config).__name__}")
        training = config.training
        self.config = config
        self.diffae = model
        self.diffae_ema = EMA(model, beta=EMA_BETA)
        self.lr = training.learning_rate
        self.timesteps = TimestepSampler("uniform")
        bottleneck = model.bottleneck
        self.regularisers = [(key, *REGULARISER_WEIGHTS[key])
                             for key in (bottleneck.regularisers if bottleneck is not None else ())]
        self.use_reconstruction_loss = training.use_reconstruction_loss
        self.sdstft = None
        if self.use_reconstruction_loss:
            if config.sample_size < centered_stft(max(STFT_SCALES)):  # the check's rule
                raise ValueError(f"training.use_reconstruction_loss: its largest STFT has "
                                 f"{max(STFT_SCALES)} bins, so clips need more than "
                                 f"{max(STFT_SCALES) // 2} samples (sample_size is "
                                 f"{config.sample_size})")
            pretransform = model.pretransform
            channels = pretransform.io_channels if pretransform is not None else model.io_channels
            self.sdstft = stft_loss(model.sample_rate, channels)
        self.validation_timesteps = VALIDATION_TIMESTEPS

    def configure_optimizers(self):
        return torch.optim.Adam(self.diffae.parameters(), lr=self.lr)

    def train(self, mode: bool = True):
        super().train(mode)
        pretransform = self.diffae.pretransform
        if pretransform is not None and not pretransform.enable_grad:
            pretransform.eval()  # a frozen pretransform stays in eval mode
        return self

    # --- steps --------------------------------------------------------------------------------

    def losses(self, reals: torch.Tensor, t: torch.Tensor | None = None,
               noise: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """(total loss, named terms and statistics) for audio ``reals``; ``t`` and ``noise``
        default to Sobol-uniform times and fresh Gaussian noise."""
        model = self.diffae
        signal = model.pretransform_encode(reals)
        latents, info = model.encode(signal, return_info=True, skip_pretransform=True)
        cond = model.conditioning(latents, signal.shape[-1])
        if t is None:
            t = self.timesteps(signal.shape[0], signal.shape[-1], signal.device)
        t = t.to(signal.dtype)
        alphas, sigmas = (s[:, None, None] for s in alphas_sigmas(t))
        noise = torch.randn_like(signal) if noise is None else noise
        noised = signal * alphas + noise * sigmas
        target = noise * alphas - signal * sigmas
        v = model(noised, t, cond)
        terms = {"mse_loss": F.mse_loss(v, target)}
        loss = terms["mse_loss"]
        for key, name, weight in self.regularisers:
            if key in info:  # some are reported in training mode only (mmd)
                terms[name] = info[key]
                loss = loss + weight * info[key]
        if self.sdstft is not None:
            pred = noised * alphas - v * sigmas  # one-step estimate of the signal
            if model.pretransform is not None:  # gradients reach v through a frozen decoder
                pred = model.pretransform.decode(pred)
            length = min(pred.shape[-1], reals.shape[-1])
            terms["mrstft_loss"] = self.sdstft(pred[..., :length].float(),
                                               reals[..., :length].float())
            loss = loss + RECONSTRUCTION_WEIGHT * terms["mrstft_loss"]
        terms["std_data"] = signal.detach().std()
        terms["latent_std"] = cond.detach().std()
        return loss, terms

    def training_step(self, batch, batch_idx):
        reals = unwrap_reals(batch)
        loss, terms = self.losses(reals)
        values = {"train/loss": loss.detach()}
        values.update({f"train/{name}": value.detach() for name, value in terms.items()})
        self.log_dict(values, prog_bar=True, on_step=True, batch_size=reals.shape[0])
        return loss

    def validation_step(self, batch, batch_idx):
        reals = unwrap_reals(batch)
        losses = []
        for value in self.validation_timesteps:
            t = torch.full((reals.shape[0],), value, device=reals.device)
            _, terms = self.losses(reals, t=t)
            losses.append(terms["mse_loss"])
            self.log(f"val/loss_{value:.1f}", terms["mse_loss"], on_epoch=True, sync_dist=True,
                     batch_size=reals.shape[0])
        self.log("val/avg_loss", torch.stack(losses).mean(), on_epoch=True, sync_dist=True,
                 batch_size=reals.shape[0])

    # --- EMA and export -----------------------------------------------------------------------

    @property
    def sampling_model(self) -> nn.Module:
        """The model demos encode and decode with: the EMA copy."""
        return self.diffae_ema.module

    def optimizer_step(self, *args, **kwargs) -> None:
        super().optimizer_step(*args, **kwargs)
        self.diffae_ema.update(self.diffae)  # once per optimiser step, after it

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        from ...api import dump

        checkpoint["sat_config"] = dump(self.config)

    def export_model(self, path: str | Path, use_safetensors: bool = False) -> None:
        """Write the EMA model's weights: ``{"state_dict": ...}`` (upstream's layout, loadable
        into ``create_diffusion_autoencoder(config)``), or a safetensors file."""
        state = self.diffae_ema.module.state_dict()
        if use_safetensors:
            from safetensors.torch import save_file

            save_file({k: v.contiguous() for k, v in state.items()}, str(path))
        else:
            torch.save({"state_dict": state}, path)


def create_diffusion_autoencoder_wrapper(config: DiffusionAutoencoderConfig, model: nn.Module):
    """Training-wrapper builder of the ``diffusion_autoencoder`` row."""
    return DiffusionAutoencoderTrainingWrapper(model, config)
