"""How long a training clip must be: ``sample_size`` against the parts that read a whole clip.

An encoder's last downsampling conv needs at least one latent frame of input, and an STFT with
reflect padding needs more than its padding (found by the "valid means it trains" property
test: a 2048-sample clip through encoder strides of 2080 raised RuntimeError at the first
step). Torch-free: each length below is tested against the real module, which runs at the
length and fails one sample shorter (tests/kinds/test_clip_length.py).
"""

from __future__ import annotations

import math

from ...errors import Issue, err
from . import positive


def centered_stft(n_fft: int) -> int:
    """Shortest clip a centred STFT (torch.stft's default, reflect padding of half the FFT on
    each side; auraloss's losses, the mrmel loss, the mel-band discriminators) reads."""
    return n_fft // 2 + 1


def uncentered_stft(n_fft: int) -> int:
    """Shortest clip an STFT without padding (the encodec discriminator) reads: one frame."""
    return n_fft


def dac_period_fits(size: int, period: int) -> bool:
    """DAC's period discriminator reflect-pads the clip by ``period - size % period`` (a whole
    period when it divides, as upstream): the padding must be shorter than the clip."""
    return period - size % period < size


def dac_band_fits(size: int, window: int) -> bool:
    """DAC's band discriminator reflect-pads by ``(window - hop) / 2`` on the left and that plus
    the hop alignment on the right (hop = window / 4): both must be shorter than the clip."""
    hop = window // 4
    pad = (window - hop) // 2
    return pad + math.ceil(size / hop) * hop - size < size


def length_said(out: list[Issue]) -> bool:
    """An error at ``$.sample_size`` is already in ``out`` (a clip length is said once)."""
    return any(i.path == "$.sample_size" and i.severity == "error" for i in out)


def check_one_frame(out: list[Issue], size: object, ratio: object, what: str,
                    fix_multiple: object = None) -> bool:
    """``sample_size`` holds at least one frame of a ``ratio``-fold downsampling (``what``);
    False (and an error) when it is shorter. ``fix_multiple``: the multiple to suggest."""
    if not positive(size, ratio) or size >= ratio:  # type: ignore[operator]
        return True
    if length_said(out):
        return False  # a wavelet pretransform's own length
    step = fix_multiple if positive(fix_multiple) else ratio
    out.append(err("$.sample_size", f"sample_size {size} is shorter than one frame of {what} "
                   f"({ratio} samples): not one latent frame, and encoding it fails on the first "
                   "step", "sample-size-short",
                   f"use a multiple of {step}, e.g. {step}"))
    return False


OOBLECK_DISCRIMINATOR_SHORTEST = 8
"""The oobleck discriminator halves the clip after each of its three scales (average pooling
needs two samples): eight samples at least."""


def wavelet_shortest(levels: int, wavelet: str) -> int:
    """Shortest clip a wavelet pretransform encodes and decodes (the demos decode): each level
    halves the clip and reflect-pads it by half the analysis filter (``M`` taps for bior``N.M``)
    and by two more when decoding, so the last level's input must be longer than ``M + 2``; the
    clip is a multiple of ``2**levels``."""
    taps = int(wavelet[6])
    factor = 2 ** levels
    least = (taps + 2) * 2 ** (levels - 1) + 1
    return -(-least // factor) * factor


def check_wavelet_clip(out: list[Issue], size: object, cfg: dict, path: str) -> None:
    """A wavelet pretransform (at ``path``) reads whole ``sample_size`` clips: a multiple of
    ``2**levels`` and at least :func:`wavelet_shortest` samples."""
    levels, wavelet = cfg.get("levels"), cfg.get("wavelet")  # both required by the schema
    if not positive(size, levels) or levels > 30 or not isinstance(wavelet, str) \
            or len(wavelet) != 7:
        return
    factor, shortest = 2 ** levels, wavelet_shortest(levels, wavelet)
    if size % factor:  # type: ignore[operator]
        out.append(err("$.sample_size", f"sample_size {size} is not a multiple of {factor}: the "
                       f"wavelet pretransform ({path}, {levels} levels) halves the clip "
                       f"{levels} times and the first step fails", "sample-size-multiple",
                       f"use a multiple of {factor} from {shortest} up, e.g. "
                       f"{max(shortest, -(-size // factor) * factor)}"))  # type: ignore[operator]
    elif size < shortest:  # type: ignore[operator]
        out.append(err("$.sample_size", f"sample_size {size} is too short for the wavelet "
                       f"pretransform ({path}, {wavelet}, {levels} levels): its reflect padding "
                       f"needs clips of at least {shortest} samples (encoding, and decoding in the "
                       "demos)", "sample-size-short", f"use {shortest} or more"))
