"""GAN discriminators of the autoencoder wrapper, built from typed ``loss_configs.discriminator``.

Each discriminator offers ``discriminator_loss(reals, fakes)`` (what its optimiser minimises) and
``generator_losses(reals, fakes) -> (adversarial, feature_matching)`` (what the autoencoder adds).
Hinge losses as upstream (dac: least squares unless `use_hinge`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm
from torch.utils.checkpoint import checkpoint

from ...training.parts import Parts


def hinge_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return torch.relu(1 - real).mean() + torch.relu(1 + fake).mean()


def hinge_generator(fake: torch.Tensor) -> torch.Tensor:
    return -fake.mean()


def _mean_abs_distance(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return (real - fake).abs().mean()


def _normalised_distance(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return (real - fake).abs().mean() / (real.abs().mean() + 1e-3)


# --- encodec: multi-scale STFT discriminator -------------------------------------------------

def _padding(kernel: Sequence[int], dilation: Sequence[int] = (1, 1)) -> tuple[int, int]:
    return ((kernel[0] - 1) * dilation[0] // 2, (kernel[1] - 1) * dilation[1] // 2)


class STFTDiscriminator(nn.Module):
    """2-D conv stack over the complex spectrogram (real and imaginary parts as channels)."""

    def __init__(self, cfg, in_channels: int, n_fft: int, hop_length: int, win_length: int):
        super().__init__()
        self.n_fft, self.hop_length, self.win_length = n_fft, hop_length, win_length
        self.normalized = cfg.normalized
        self.spec_scale_pow = cfg.spec_scale_pow
        self.register_buffer("window", torch.hann_window(win_length), persistent=False)
        self.activation = getattr(nn, cfg.activation)(**cfg.activation_params)
        kernel, stride, filters = tuple(cfg.kernel_size), tuple(cfg.stride), cfg.filters

        def width(i: int) -> int:
            return min(cfg.filters_scale ** i * filters, cfg.max_filters)

        convs = [weight_norm(nn.Conv2d(2 * in_channels, filters, kernel, padding=_padding(kernel)))]
        in_chs = width(1)
        for i, dilation in enumerate(cfg.dilations):
            out_chs = width(i + 1)
            convs.append(weight_norm(nn.Conv2d(in_chs, out_chs, kernel, stride=stride,
                                               dilation=(dilation, 1),
                                               padding=_padding(kernel, (dilation, 1)))))
            in_chs = out_chs
        square = (kernel[0], kernel[0])
        out_chs = width(len(cfg.dilations) + 1)
        convs.append(weight_norm(nn.Conv2d(in_chs, out_chs, square, padding=_padding(square))))
        self.convs = nn.ModuleList(convs)
        self.conv_post = weight_norm(nn.Conv2d(out_chs, cfg.out_channels, square,
                                               padding=_padding(square)))

    def spectrogram(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t = x.shape
        spec = torch.stft(x.float().reshape(b * c, t), self.n_fft, self.hop_length,
                          self.win_length, self.window, center=False, return_complex=True)
        if self.normalized:  # torchaudio's "window" normalisation
            spec = spec / self.window.pow(2).sum().sqrt()
        return spec.reshape(b, c, *spec.shape[-2:])

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        z = self.spectrogram(x)
        if self.spec_scale_pow != 0.0:
            z = z * torch.pow(z.abs() + 1e-6, self.spec_scale_pow)
        z = torch.cat([z.real, z.imag], dim=1).transpose(2, 3)  # (b, 2c, frames, freq)
        features = []
        for conv in self.convs:
            z = self.activation(conv(z))
            features.append(z)
        return self.conv_post(z), features


class EncodecDiscriminator(nn.Module):
    def __init__(self, cfg, in_channels: int):
        super().__init__()
        if not len(cfg.n_ffts) == len(cfg.hop_lengths) == len(cfg.win_lengths):
            raise ValueError("encodec discriminator: n_ffts, hop_lengths and win_lengths need the "
                             "same length")
        self.discriminators = nn.ModuleList(
            STFTDiscriminator(cfg, in_channels, n, h, w)
            for n, h, w in zip(cfg.n_ffts, cfg.hop_lengths, cfg.win_lengths))
        self.distance = _normalised_distance if cfg.normalize_losses else _mean_abs_distance

    def _scores(self, x):
        return [d(x) for d in self.discriminators]

    def discriminator_loss(self, reals, fakes):
        real, fake = self._scores(reals), self._scores(fakes)
        return sum(hinge_discriminator(r[0], f[0]) for r, f in zip(real, fake)) / len(real)

    def generator_losses(self, reals, fakes):
        with torch.no_grad():  # real features are feature-matching targets only
            real = self._scores(reals)
        fake = self._scores(fakes)
        adv = sum(hinge_generator(f[0]) for f in fake) / len(fake)
        fm = sum(sum(map(self.distance, r[1], f[1])) / len(r[1])
                 for r, f in zip(real, fake)) / len(fake)
        return adv, fm


# --- oobleck: multi-scale + multi-period waveform discriminators ------------------------------

class _ConvNet(nn.Module):
    """Four weight-normed convs (kernel 15, stride 4; 32..256 channels, SiLU) and a 1x1 score conv.

    As upstream, the 2-D (multi-period) variant also uses square 15x15 kernels with stride 4.
    """

    def __init__(self, in_channels: int, two_d: bool):
        super().__init__()
        conv = nn.Conv2d if two_d else nn.Conv1d
        channels = [in_channels, 32, 64, 128, 256]
        layers: list[nn.Module] = []
        for i in range(4):
            layers += [weight_norm(conv(channels[i], channels[i + 1], 15, stride=4, padding=7)),
                       nn.SiLU()]
        layers.append(conv(channels[-1], 1, 1))
        self.net = nn.ModuleList(layers)

    def forward(self, x):
        features = []
        for layer in self.net:
            x = layer(x)
            if not isinstance(layer, nn.SiLU):
                features.append(x)
        return x.reshape(x.shape[0], -1).mean(-1), features


def _fold(x: torch.Tensor, period: int) -> torch.Tensor:
    x = F.pad(x, (0, (period - x.shape[-1] % period) % period))
    return x.reshape(*x.shape[:2], -1, period)


class OobleckDiscriminator(nn.Module):
    """Multi-scale (3 average-pooled scales) and multi-period (2, 3, 5, 7, 11) discriminators.

    Scores of all sub-networks are summed; feature matching sums the mean distance of every
    feature map (upstream's arithmetic).
    """

    periods = (2, 3, 5, 7, 11)

    def __init__(self, cfg, in_channels: int):
        super().__init__()
        del in_channels  # upstream reads `config.in_channels`, not the model's (documented)
        self.scales = nn.ModuleList(_ConvNet(cfg.in_channels, False) for _ in range(3))
        self.period_nets = nn.ModuleList(_ConvNet(cfg.in_channels, True) for _ in self.periods)

    def _run(self, x):
        score, features = 0, []
        pooled = x
        for net in self.scales:
            s, f = net(pooled)
            score, features = score + s, features + f
            pooled = F.avg_pool1d(pooled, 2)
        for net, period in zip(self.period_nets, self.periods):
            s, f = net(_fold(x, period))
            score, features = score + s, features + f
        return score, features

    def discriminator_loss(self, reals, fakes):
        return hinge_discriminator(self._run(reals)[0], self._run(fakes)[0])

    def generator_losses(self, reals, fakes):
        with torch.no_grad():  # real features are feature-matching targets only
            _, real_features = self._run(reals)
        fake, fake_features = self._run(fakes)
        fm = sum(map(_mean_abs_distance, real_features, fake_features))
        return hinge_generator(fake), fm


# --- dac: multi-period + multi-resolution band-split STFT (descript-audio-codec) -------------

def _wn_leaky(conv: nn.Module, act: bool = True) -> nn.Module:
    """A weight-normed conv, followed (as DAC's WNConv1d/WNConv2d) by LeakyReLU(0.1) unless
    ``act`` is false; the Sequential keeps upstream's ``<i>.0.weight_*`` state-dict names."""
    conv = weight_norm(conv)
    return nn.Sequential(conv, nn.LeakyReLU(0.1)) if act else conv


class DacPeriodDiscriminator(nn.Module):
    """Folds the waveform into ``period`` columns and runs (5, 1) convs down the rows."""

    def __init__(self, period: int, channels: int):
        super().__init__()
        self.period = period
        widths = [channels, 32, 128, 512, 1024, 1024]
        self.convs = nn.ModuleList(
            _wn_leaky(nn.Conv2d(widths[i], widths[i + 1], (5, 1), (3, 1) if i < 4 else 1,
                                padding=(2, 0)))
            for i in range(5))
        self.conv_post = _wn_leaky(nn.Conv2d(1024, 1, (3, 1), padding=(1, 0)), act=False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        # always pads (a whole period when the length divides), as upstream
        x = F.pad(x, (0, self.period - x.shape[-1] % self.period), mode="reflect")
        x = x.reshape(*x.shape[:2], -1, self.period)
        features = []
        for conv in self.convs:
            x = conv(x)
            features.append(x)
        features.append(self.conv_post(x))
        return features


class DacBandDiscriminator(nn.Module):
    """Complex STFT (hann window, hop = window / 4, frames aligned to the hop as audiotools'
    ``match_stride``) split into frequency bands, one conv stack per band, one shared score conv.
    Audio channels are folded into the batch."""

    def __init__(self, window_length: int, bands: Sequence[Sequence[float]]):
        super().__init__()
        self.window_length = window_length
        self.hop_length = window_length // 4
        bins = window_length // 2 + 1
        self.bands = [(int(low * bins), int(high * bins)) for low, high in bands]
        self.register_buffer("window", torch.hann_window(window_length), persistent=False)
        ch = 32

        def stack() -> nn.ModuleList:
            return nn.ModuleList([
                _wn_leaky(nn.Conv2d(2, ch, (3, 9), (1, 1), padding=(1, 4))),
                _wn_leaky(nn.Conv2d(ch, ch, (3, 9), (1, 2), padding=(1, 4))),
                _wn_leaky(nn.Conv2d(ch, ch, (3, 9), (1, 2), padding=(1, 4))),
                _wn_leaky(nn.Conv2d(ch, ch, (3, 9), (1, 2), padding=(1, 4))),
                _wn_leaky(nn.Conv2d(ch, ch, (3, 3), (1, 1), padding=(1, 1))),
            ])

        self.band_convs = nn.ModuleList(stack() for _ in self.bands)
        self.conv_post = _wn_leaky(nn.Conv2d(ch, 1, (3, 3), (1, 1), padding=(1, 1)), act=False)

    def spectrogram(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, T)`` -> ``(B·C, 2, frames, bins)`` (real and imaginary parts as channels)."""
        hop, length = self.hop_length, x.shape[-1]
        pad = (self.window_length - hop) // 2
        right = math.ceil(length / hop) * hop - length
        x = F.pad(x.float(), (pad, pad + right), mode="reflect")
        spec = torch.stft(x.reshape(-1, x.shape[-1]), self.window_length, hop,
                          window=self.window, center=True, return_complex=True)
        spec = spec[..., 2:-2]  # the frames the padding added: frames · hop = samples
        return torch.view_as_real(spec).permute(0, 3, 2, 1)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        spec = self.spectrogram(x)
        features, outputs = [], []
        for (low, high), stack in zip(self.bands, self.band_convs):
            band = spec[..., low:high]
            for conv in stack:
                band = conv(band)
                features.append(band)
            outputs.append(band)
        features.append(self.conv_post(torch.cat(outputs, dim=-1)))
        return features


class _DacDiscriminators(nn.Module):
    def __init__(self, cfg, channels: int):
        super().__init__()
        if cfg.rates:  # the schema keeps this empty (upstream's MSD cannot run)
            raise ValueError("dac discriminator: `rates` (multi-scale discriminators) must be []")
        self.discriminators = nn.ModuleList(
            [DacPeriodDiscriminator(p, channels) for p in cfg.periods]
            + [DacBandDiscriminator(n, cfg.bands) for n in cfg.fft_sizes])

    def forward(self, x: torch.Tensor) -> list[list[torch.Tensor]]:
        x = x - x.mean(dim=-1, keepdim=True)  # no DC offset, peak at 0.8 per channel
        x = 0.8 * x / (x.abs().amax(dim=-1, keepdim=True) + 1e-9)
        if torch.is_grad_enabled():  # as upstream: recompute in backward (1024-wide maps)
            return [checkpoint(d, x, use_reentrant=False) for d in self.discriminators]
        return [d(x) for d in self.discriminators]


class DacDiscriminator(nn.Module):
    """DAC's GAN loss: least-squares (``use_hinge``: upstream's hinge variant, relu(D(fake)) and
    relu(1 - D(real))) on the last map of every sub-discriminator, averaged; feature matching is
    the L1 distance of the other maps, averaged per sub-discriminator, then over them.

    ``self.discriminator`` mirrors upstream's ``DACGANLoss.discriminator`` for state-dict names.
    """

    def __init__(self, cfg, in_channels: int):
        super().__init__()
        self.use_hinge = cfg.use_hinge
        self.discriminator = _DacDiscriminators(cfg, in_channels)

    def discriminator_loss(self, reals, fakes):
        real, fake = self.discriminator(reals), self.discriminator(fakes.detach())
        if self.use_hinge:
            terms = [F.relu(f[-1]).mean() + F.relu(1 - r[-1]).mean() for r, f in zip(real, fake)]
        else:
            terms = [f[-1].square().mean() + (1 - r[-1]).square().mean()
                     for r, f in zip(real, fake)]
        return sum(terms) / len(terms)

    def generator_losses(self, reals, fakes):
        with torch.no_grad():  # real features are feature-matching targets only
            real = self.discriminator(reals)
        fake = self.discriminator(fakes)
        if self.use_hinge:
            adv = [F.relu(1 - f[-1]).mean() for f in fake]
        else:
            adv = [(1 - f[-1]).square().mean() for f in fake]
        fm = [sum(F.l1_loss(f_j, r_j) for f_j, r_j in zip(f[:-1], r[:-1])) / (len(f) - 1)
              for r, f in zip(real, fake)]
        return sum(adv) / len(adv), sum(fm) / len(fm)


DISCRIMINATORS = Parts("discriminator", {
    "encodec": EncodecDiscriminator,
    "oobleck": OobleckDiscriminator,
    "dac": DacDiscriminator,
})


def build_discriminator(spec, out_channels: int) -> nn.Module:
    """A discriminator from a typed ``loss_configs.discriminator`` and the model's out channels."""
    return DISCRIMINATORS.build(spec.type, spec.config, out_channels)
