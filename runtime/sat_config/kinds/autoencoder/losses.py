"""Weighted loss terms of the autoencoder wrapper, built from typed ``loss_configs``.

A step collects tensors in an ``info`` dict (``reals``, ``decoded``, ``kl``, ``loss_adv``...);
each term reads its keys and returns ``weight * value``. Spectral losses come from auraloss.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ...training.kwargs import supported_kwargs


def _identity(x: torch.Tensor) -> torch.Tensor:
    return x


class Term(nn.Module):
    """One named, weighted loss: ``weight * fn(*info[k] for k in keys)``.

    ``decay`` multiplies the weight on every call (1.0 = constant), as upstream does.
    """

    def __init__(self, name: str, weight: float, fn: Callable[..., torch.Tensor],
                 keys: tuple[str, ...], decay: float = 1.0):
        super().__init__()
        self.name = name
        self.fn = fn  # an nn.Module (e.g. an auraloss loss) is registered, so it moves devices
        self.keys = keys
        self.decay = float(decay)
        # a buffer, so a decayed weight is checkpointed and resumed
        self.register_buffer("weight", torch.tensor(float(weight)))

    def forward(self, info: dict[str, Any]) -> torch.Tensor:
        if self.decay != 1.0:
            self.weight.mul_(self.decay)
        return self.weight * self.fn(*(info[k] for k in self.keys))


class Losses(nn.Module):
    """A sum of terms; returns the total and each weighted term by name (for logging).

    ``inputs`` (optional) first adds derived tensors to ``info`` (the spectral views).
    """

    def __init__(self, terms: list[Term], inputs: nn.Module | None = None):
        super().__init__()
        self.terms = nn.ModuleList(terms)
        self.inputs = inputs

    def forward(self, info: dict[str, Any]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        if self.inputs is not None:
            self.inputs(info)
        parts = {term.name: term(info) for term in self.terms}
        return sum(parts.values()), parts

    def __len__(self) -> int:
        return len(self.terms)


def value_term(name: str, key: str, weight: float, decay: float = 1.0) -> Term:
    return Term(name, weight, _identity, (key,), decay)


SPECTRAL = "spectral:"  # info key prefix of the (perceptually weighted) spectral-loss inputs


def spectral_term(name: str, module: nn.Module, decoded_key: str, target_key: str, weight: float,
                  decay: float) -> Term:
    # Upstream calls auraloss as loss(target, decoded) (its AuralossLoss "enforces" this order);
    # kept so loss values match the original. Only spectral convergence is asymmetric.
    return Term(name, weight, module, (SPECTRAL + target_key, SPECTRAL + decoded_key), decay)


class SpectralInputs(nn.Module):
    """Adds ``spectral:<key>`` views of the signals the spectral terms compare.

    With ``perceptual_weighting`` the A-weighting FIR filter (auraloss's) is applied here, once
    per signal. auraloss would apply it inside every per-resolution loss (7 resolutions x 3
    losses for stereo); the filter is linear and the same everywhere, so the losses are equal.
    """

    def __init__(self, keys: list[str], sample_rate: int, perceptual: bool):
        super().__init__()
        self.keys = list(dict.fromkeys(keys))
        self.prefilter = None
        if perceptual:
            from auraloss.perceptual import FIRFilter

            self.prefilter = FIRFilter(filter_type="aw", fs=sample_rate)

    def _filter(self, x: torch.Tensor) -> torch.Tensor:
        if self.prefilter is None:
            return x
        b, c, t = x.shape
        return self.prefilter.fir(x.reshape(b * c, 1, t)).reshape(b, c, t)

    def forward(self, info: dict[str, Any]) -> None:
        for key in self.keys:
            base, _, side = key.rpartition("_")
            if side in ("left", "right") and SPECTRAL + base in info:  # slice the filtered pair
                channel = 0 if side == "left" else 1
                info[SPECTRAL + key] = info[SPECTRAL + base][:, channel:channel + 1]
            else:
                info[SPECTRAL + key] = self._filter(info[key])


def _stft_kwargs(config) -> dict[str, Any]:
    from auraloss.freq import MultiResolutionSTFTLoss, STFTLoss

    kwargs = supported_kwargs(config, (MultiResolutionSTFTLoss, STFTLoss), "auraloss")
    kwargs["perceptual_weighting"] = False  # applied once by SpectralInputs
    return kwargs


def _spectral_loss(cls: type, config, sample_rate: int,
                   resolutions: Callable[[nn.Module], nn.Module] = _identity) -> nn.Module:
    """``cls`` (an auraloss multi-resolution loss) from a typed STFT-loss config.

    A mel scale gets one bin count per resolution, as upstream's vendored auraloss does (its
    ``n_bins`` is a list; PyPI's auraloss takes one count for every resolution): the loss is
    built linear, then each resolution of ``resolutions(loss)`` is rebuilt with its own count.
    """
    from auraloss.freq import MultiResolutionSTFTLoss

    kwargs = _stft_kwargs(config)
    bins = list(kwargs["n_bins"]) if kwargs.get("scale") == "mel" else None
    loss = cls(sample_rate=sample_rate, **({**kwargs, "scale": None, "n_bins": None}
                                           if bins else kwargs))
    if bins:
        multi = resolutions(loss)
        single = {k: v for k, v in kwargs.items()
                  if k not in ("fft_sizes", "hop_sizes", "win_lengths", "n_bins")}
        sizes = zip(multi.fft_sizes, multi.hop_sizes, multi.win_lengths, bins)
        for i, (fft, hop, win, n_bins) in enumerate(sizes):
            multi.stft_losses[i] = MultiResolutionSTFTLoss(
                [fft], [hop], [win], sample_rate=sample_rate, n_bins=n_bins,
                **single).stft_losses[0]
    return loss


def mrstft(config, sample_rate: int) -> nn.Module:
    """auraloss MultiResolutionSTFTLoss from a typed ``AutoencoderStftLossConfig``."""
    from auraloss.freq import MultiResolutionSTFTLoss

    return _spectral_loss(MultiResolutionSTFTLoss, config, sample_rate)


def sum_and_difference_stft(config, sample_rate: int) -> nn.Module:
    """auraloss SumAndDifferenceSTFTLoss (mid/side spectra of a stereo pair)."""
    from auraloss.freq import SumAndDifferenceSTFTLoss

    return _spectral_loss(SumAndDifferenceSTFTLoss, config, sample_rate,
                          lambda loss: loss.mrstft)


def spectral_inputs(terms: list[Term], spectral, sample_rate: int) -> SpectralInputs:
    """The view module feeding ``terms`` (the signals they read, weighted if configured)."""
    keys = [k.removeprefix(SPECTRAL) for t in terms for k in t.keys if k.startswith(SPECTRAL)]
    return SpectralInputs(keys, sample_rate, spectral.config.perceptual_weighting)


def spectral_terms(spectral, sample_rate: int, out_channels: int, distill: bool) -> list[Term]:
    """The reconstruction terms (upstream's layout: stereo = sum/difference + left/right at w/2;
    with a teacher, five distillation terms at w/4 each)."""
    weight, decay = spectral.weights.mrstft, spectral.decay
    stereo = out_channels == 2
    main = (sum_and_difference_stft if stereo else mrstft)(spectral.config, sample_rate)
    if distill:
        w = weight * 0.25
        return [
            Term("latent_distill_loss", w, F.mse_loss, ("teacher_latents", "latents"), decay),
            spectral_term("mrstft_loss", main, "decoded", "reals", w, decay),
            spectral_term("mrstft_loss_distill", main, "decoded", "teacher_decoded", w, decay),
            spectral_term("mrstft_loss_own_latents_teacher", main, "own_latents_teacher_decoded",
                          "reals", w, decay),
            spectral_term("mrstft_loss_teacher_latents_own", main, "teacher_latents_own_decoded",
                          "reals", w, decay),
        ]
    terms = [spectral_term("mrstft_loss", main, "decoded", "reals", weight, decay)]
    if stereo:
        per_channel = mrstft(spectral.config, sample_rate)
        terms += [spectral_term("stft_loss_left", per_channel, "decoded_left", "reals_left",
                                weight / 2, decay),
                  spectral_term("stft_loss_right", per_channel, "decoded_right", "reals_right",
                                weight / 2, decay)]
    return terms


def time_terms(time) -> list[Term]:
    terms = []
    if time.weights.l1 > 0:
        terms.append(Term("l1_time_loss", time.weights.l1, F.l1_loss, ("reals", "decoded"),
                          time.decay))
    if time.weights.l2 > 0:
        terms.append(Term("l2_time_loss", time.weights.l2, F.mse_loss, ("reals", "decoded"),
                          time.decay))
    return terms


def bottleneck_terms(regularisers: tuple[str, ...], bottleneck_loss) -> list[Term]:
    """Regulariser terms for the keys a bottleneck reports (weights from ``loss_configs.bottleneck``
    or, when it is absent, from the schema's defaults of that object)."""
    weights = bottleneck_loss.weights
    by_key = {
        "kl": lambda: value_term("kl_loss", "kl", weights.kl),
        "mmd": lambda: value_term("mmd_loss", "mmd", weights.mmd),
        "quantizer_loss": lambda: value_term("quantizer_loss", "quantizer_loss", 1.0),
        # descript-audio-codec's quantiser losses, weighted as upstream's wrapper does
        "vq/codebook_loss": lambda: value_term("codebook_loss", "vq/codebook_loss", 1.0),
        "vq/commitment_loss": lambda: value_term("commitment_loss", "vq/commitment_loss", 0.25),
    }
    return [by_key[key]() for key in regularisers]


def mrmel_terms(mrmel, sample_rate: int) -> list[Term]:
    if mrmel is None or mrmel.weights.mrmel <= 0:
        return []
    from .mel import MultiResolutionMelLoss

    loss = MultiResolutionMelLoss(sample_rate, mrmel.config)
    return [Term("mrmel_loss", mrmel.weights.mrmel, loss, ("decoded", "reals"))]


def eval_metrics(configs, sample_rate: int) -> nn.ModuleDict:
    """Validation metrics from a typed ``eval_loss_configs`` (None = no metrics)."""
    metrics = nn.ModuleDict()
    if configs is None:
        return metrics
    from auraloss.freq import MelSTFTLoss, STFTLoss
    from auraloss.time import SISDRLoss

    if configs.stft is not None:
        metrics["stft"] = STFTLoss(**supported_kwargs(configs.stft, (STFTLoss,), "auraloss"))
    if configs.sisdr is not None:
        metrics["sisdr"] = SISDRLoss(**supported_kwargs(configs.sisdr, (SISDRLoss,), "auraloss"))
    if configs.mel is not None:
        kwargs = supported_kwargs(configs.mel, (MelSTFTLoss, STFTLoss), "auraloss")
        metrics["mel"] = MelSTFTLoss(sample_rate, **kwargs)  # filterbank from librosa
    return metrics
