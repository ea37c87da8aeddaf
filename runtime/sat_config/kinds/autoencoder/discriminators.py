"""GAN discriminators of the autoencoder wrapper, built from typed ``loss_configs.discriminator``.

Each discriminator offers ``discriminator_loss(reals, fakes)`` (what its optimiser minimises) and
``generator_losses(reals, fakes) -> (adversarial, feature_matching)`` (what the autoencoder adds).
Hinge losses, as upstream.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

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


DISCRIMINATORS = Parts("discriminator", {
    "encodec": EncodecDiscriminator,
    "oobleck": OobleckDiscriminator,
})


def build_discriminator(spec, out_channels: int) -> nn.Module:
    """A discriminator from a typed ``loss_configs.discriminator`` and the model's out channels."""
    return DISCRIMINATORS.build(spec.type, spec.config, out_channels)
