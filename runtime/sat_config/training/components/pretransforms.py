"""Pretransforms: fixed (usually frozen) transforms applied to audio before a model and inverted
after it: a pretrained autoencoder, a wavelet transform, a PQMF filter bank, or patching.

Module tree, attributes and state-dict names follow upstream's ``models/pretransforms.py``,
``models/wavelets.py`` and ``models/pqmf.py`` (``encoder.kernel``/``decoder.kernel``,
``pqmf.filter_bank``/``pqmf.prototype``, ``model.*``); the code is our own and needs neither
PyWavelets nor torchaudio: the biorthogonal filters are derived here from their defining
polynomials, and the resampler of patched ``oversampling`` is a windowed-sinc one.

:func:`build_pretransform` turns a typed ``pretransform`` object into one of these.
"""

from __future__ import annotations

from math import comb, gcd
import math
from pathlib import Path

import numpy as np
import torch
from einops import rearrange
from torch import Tensor, nn
from torch.nn import functional as F

from ..parts import Parts


class Pretransform(nn.Module):
    """Base class: ``encode`` audio ``(B, io_channels, T)`` -> ``(B, encoded_channels,
    T / downsampling_ratio)`` and ``decode`` back. ``enable_grad`` false: frozen."""

    def __init__(self, enable_grad: bool, io_channels: int, is_discrete: bool):
        super().__init__()
        self.is_discrete = is_discrete
        self.io_channels = io_channels
        self.encoded_channels: int | None = None
        self.downsampling_ratio: int | None = None
        self.enable_grad = enable_grad

    def encode(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def decode(self, z: Tensor) -> Tensor:
        raise NotImplementedError

    def tokenize(self, x: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} is continuous: it has no tokens")

    def decode_tokens(self, tokens: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} is continuous: it has no tokens")


# --- autoencoder -------------------------------------------------------------------------------

CHUNK_SIZE = 128
"""Latent frames per chunk of chunked encode/decode (upstream's fixed default)."""
CHUNK_OVERLAP = 32
"""Latent frames shared by neighbouring chunks; half of it is cut from each side."""


def _chunk_starts(total: int, size: int, hop: int) -> list[int]:
    """Chunk starts covering ``total``: every ``hop``, then one flush with the end if needed."""
    starts = list(range(0, total - size + 1, hop))
    if not starts or starts[-1] + size != total:
        starts.append(total - size)
    return starts


def _chunked(fn, x: Tensor, size: int, overlap: int, up: int, down: int,
             out_channels: int) -> Tensor:
    """Apply ``fn`` (which scales length by ``up / down``) chunk by chunk over the last axis of
    ``x`` and paste the chunks together, dropping half the overlap on each inner edge
    (``size`` and ``overlap`` in input frames)."""
    total = x.shape[-1]
    if total <= size:
        return fn(x)
    starts = _chunk_starts(total, size, size - overlap)
    out_len = total * up // down
    out = x.new_zeros(x.shape[0], out_channels, out_len)
    trim = overlap * up // down // 2
    for i, start in enumerate(starts):
        y = fn(x[..., start:start + size])
        last = i == len(starts) - 1
        t_start = out_len - y.shape[-1] if last else start * up // down
        lo = trim if i > 0 else 0
        hi = y.shape[-1] - (0 if last else trim)
        out[..., t_start + lo:t_start + hi] = y[..., lo:hi]
    return out


class AutoencoderPretransform(Pretransform):
    """A (pretrained, frozen) :class:`~.autoencoder.AudioAutoencoder`; latents are divided by
    ``scale`` after encoding and multiplied by it before decoding."""

    def __init__(self, model: nn.Module, scale: float = 1.0, model_half: bool = False,
                 iterate_batch: bool = False, chunked: bool = False):
        bottleneck = model.bottleneck
        discrete = bottleneck is not None and bottleneck.is_discrete
        super().__init__(enable_grad=False, io_channels=model.io_channels, is_discrete=discrete)
        self.model = model
        self.model.requires_grad_(False).eval()
        self.scale = scale
        self.downsampling_ratio = model.downsampling_ratio
        self.sample_rate = model.sample_rate
        self.model_half = model_half
        self.iterate_batch = iterate_batch
        self.chunked = chunked
        self.encoded_channels = model.latent_dim
        self.num_quantizers = getattr(bottleneck, "num_quantizers", None) if discrete else None
        self.codebook_size = getattr(bottleneck, "codebook_size", None) if discrete else None
        if model_half:
            self.model.half()

    def _per_item(self, fn, x: Tensor) -> Tensor:
        if not self.iterate_batch:
            return fn(x)
        return torch.cat([fn(x[i:i + 1]) for i in range(x.shape[0])], dim=0)

    def _encode_audio(self, x: Tensor) -> Tensor:
        if not self.chunked:
            return self._per_item(self.model.encode, x)
        ratio = self.downsampling_ratio
        return _chunked(self.model.encode, x, CHUNK_SIZE * ratio, CHUNK_OVERLAP * ratio,
                        1, ratio, self.encoded_channels)

    def _decode_audio(self, z: Tensor) -> Tensor:
        if not self.chunked:
            return self._per_item(self.model.decode, z)
        return _chunked(self.model.decode, z, CHUNK_SIZE, CHUNK_OVERLAP,
                        self.downsampling_ratio, 1, self.model.out_channels)

    def encode(self, x: Tensor) -> Tensor:
        if not self.model_half:
            return self._encode_audio(x) / self.scale
        return self._encode_audio(x.half()).float() / self.scale

    def decode(self, z: Tensor) -> Tensor:
        z = z * self.scale
        if not self.model_half:
            return self._decode_audio(z)
        return self._decode_audio(z.half()).float()

    def tokenize(self, x: Tensor) -> Tensor:
        if not self.is_discrete:
            raise NotImplementedError("a continuous autoencoder has no tokens")
        _, info = self.model.encode(x, return_info=True)
        return info[getattr(self.model.bottleneck, "tokens_id", "quantizer_indices")]

    def decode_tokens(self, tokens: Tensor) -> Tensor:
        if not self.is_discrete or not hasattr(self.model, "decode_tokens"):
            raise NotImplementedError("this autoencoder cannot decode tokens")
        return self.model.decode_tokens(tokens)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Loads an autoencoder's own state dict (no ``model.`` prefix), as upstream does."""
        return self.model.load_state_dict(state_dict, strict=strict, assign=assign)


# --- wavelets ----------------------------------------------------------------------------------

WAVELETS = ("bior2.2", "bior2.4", "bior2.6", "bior2.8", "bior4.4", "bior6.8")

# Biorthogonal (Cohen-Daubechies-Feauveau) filters: the synthesis lowpass is
# sqrt2 * ((1+z)/2)^N * R(y) and the analysis lowpass sqrt2 * ((1+z)/2)^M * D(y), with
# y = sin^2(w/2) and R * D = sum_{k<K} C(K-1+k, k) y^k, K = (N+M)/2. Spline wavelets (bior2.x)
# put every root in D; bior4.4 (the 9/7 pair) gives R the real root and bior6.8 (17/11) the
# conjugate pair in the middle by real part. Roots are sorted by (real, imag) part.
_SYNTHESIS_ROOTS = {"bior4.4": slice(0, 1), "bior6.8": slice(2, 4)}


def _lowpass(order: int, roots) -> np.ndarray:
    taps = np.array([1.0])
    for _ in range(order):
        taps = np.convolve(taps, [0.5, 0.5])
    for r in roots:  # the factor (1 - y / r) with y = (2 - z - 1/z) / 4
        taps = np.convolve(taps, [1 / (4 * r), 1 - 1 / (2 * r), 1 / (4 * r)])
    taps = taps.real
    return taps * (math.sqrt(2) / taps.sum())


def wavelet_filter_bank(wavelet: str) -> np.ndarray:
    """(dec_lo, dec_hi, rec_lo, rec_hi) of a biorthogonal wavelet as PyWavelets lays them out
    (length 2M + 2; the synthesis filters centred on index M, the analysis ones on M + 1)."""
    if wavelet not in WAVELETS:
        raise ValueError(f"unknown wavelet {wavelet!r}; one of {', '.join(WAVELETS)}")
    n, m = int(wavelet[4]), int(wavelet[6])
    k = (n + m) // 2
    roots = sorted(np.roots([comb(k - 1 + i, i) for i in range(k)][::-1]),
                   key=lambda r: (round(r.real, 12), r.imag))
    pick = _SYNTHESIS_ROOTS.get(wavelet, slice(0, 0))
    rec_taps = _lowpass(n, roots[pick])
    dec_taps = _lowpass(m, roots[:pick.start] + roots[pick.stop:])
    length = 2 * m + 2
    rec_lo, dec_lo = np.zeros(length), np.zeros(length)
    rec_lo[m - len(rec_taps) // 2:m + len(rec_taps) // 2 + 1] = rec_taps
    dec_lo[m + 1 - len(dec_taps) // 2:m + 1 + len(dec_taps) // 2 + 1] = dec_taps
    sign = (-1.0) ** np.arange(length)
    return np.stack([dec_lo, -sign * rec_lo, rec_lo, sign * dec_lo])


def _filters(wavelet: str) -> Tensor:
    """The filter bank as upstream uses it: float32, the all-zero first tap dropped (odd
    length)."""
    bank = torch.tensor(wavelet_filter_bank(wavelet).tolist())
    if torch.all(bank[:, 0] == 0):
        bank = bank[:, 1:]
    return bank


def _per_channel_kernel(pair: Tensor, channels: int) -> Tensor:
    """(2 * channels, channels, taps): filter j of ``pair`` applied to every channel c, output
    channel j * channels + c."""
    kernel = torch.zeros(channels * 2, channels, pair.shape[-1])
    for j in range(2):
        for c in range(channels):
            kernel[j * channels + c, c] = pair[j]
    return kernel


class WaveletEncode1d(nn.Module):
    """``levels`` of a discrete wavelet transform: each level splits the current low band in two
    (reflect padding); the high bands are folded so every output channel has the same rate."""

    def __init__(self, channels: int, levels: int, wavelet: str = "bior4.4"):
        super().__init__()
        self.wavelet = wavelet
        self.channels = channels
        self.levels = levels
        bank = _filters(wavelet)
        self.register_buffer("kernel", _per_channel_kernel(bank[:2].flip(-1), channels))

    def forward(self, x: Tensor) -> Tensor:
        pad = self.kernel.shape[-1] // 2
        for _ in range(self.levels):
            low, rest = x[:, :self.channels], x[:, self.channels:]
            low = F.conv1d(F.pad(low, (pad, pad), "reflect"), self.kernel, stride=2)
            rest = rearrange(rest, "n (c c2) (l l2) -> n (c l2 c2) l", l2=2, c2=self.channels)
            x = torch.cat([low, rest], dim=1)
        return x


class WaveletDecode1d(nn.Module):
    """Inverse of :class:`WaveletEncode1d` (exact up to float rounding away from the edges)."""

    def __init__(self, channels: int, levels: int, wavelet: str = "bior4.4"):
        super().__init__()
        self.wavelet = wavelet
        self.channels = channels
        self.levels = levels
        bank = _filters(wavelet)
        self.register_buffer("kernel", _per_channel_kernel(bank[2:], channels))

    def forward(self, x: Tensor) -> Tensor:
        taps = self.kernel.shape[-1]
        pad = taps // 2 + 2
        for _ in range(self.levels):
            low, rest = x[:, :self.channels * 2], x[:, self.channels * 2:]
            low = rearrange(low, "n (l2 c) l -> n c (l l2)", l2=2)
            low = F.pad(low, (pad, pad), "reflect")
            low = rearrange(low, "n c (l l2) -> n (l2 c) l", l2=2)
            low = F.conv_transpose1d(low, self.kernel, stride=2, padding=taps // 2)
            low = low[..., pad - 1:-pad]
            rest = rearrange(rest, "n (c l2 c2) l -> n (c c2) (l l2)", l2=2, c2=self.channels)
            x = torch.cat([low, rest], dim=1)
        return x


class WaveletPretransform(Pretransform):
    def __init__(self, channels: int, levels: int, wavelet: str):
        super().__init__(enable_grad=False, io_channels=channels, is_discrete=False)
        self.encoder = WaveletEncode1d(channels, levels, wavelet)
        self.decoder = WaveletDecode1d(channels, levels, wavelet)
        self.downsampling_ratio = 2 ** levels
        self.encoded_channels = channels * self.downsampling_ratio

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)

    def decode(self, z: Tensor) -> Tensor:
        return self.decoder(z)


# --- PQMF --------------------------------------------------------------------------------------


def _kaiser_lowpass(cutoff: float, attenuation: float) -> np.ndarray:
    """Kaiser-window FIR lowpass (angular cutoff in rad/sample, odd length from the spec)."""
    from scipy.signal import firwin, kaiserord

    numtaps, beta = kaiserord(attenuation, cutoff / np.pi)
    numtaps = 2 * (numtaps // 2) + 1
    return firwin(numtaps, cutoff, window=("kaiser", beta), scale=False, fs=2 * np.pi)


def _aliasing(cutoff: float, attenuation: float, bands: int) -> float:
    """Largest off-centre tap of h * h[::-1] sampled every 2 * bands (near-perfect
    reconstruction wants them all ~0)."""
    h = _kaiser_lowpass(cutoff, attenuation)
    auto = np.convolve(h, h[::-1], "full")
    return float(np.max(np.abs(auto[auto.shape[-1] // 2::2 * bands][1:])))


def design_prototype_filter(attenuation: float, bands: int) -> Tensor:
    """The PQMF prototype: a Kaiser lowpass whose cutoff minimises the aliasing measure."""
    from scipy.optimize import fmin

    cutoff = fmin(lambda w: _aliasing(float(np.ravel(w)[0]), attenuation, bands), 1 / bands,
                  disp=0)[0]
    return torch.tensor(_kaiser_lowpass(float(cutoff), attenuation), dtype=torch.float32)


def _modulated_bank(prototype: Tensor, bands: int) -> Tensor:
    k = torch.arange(bands).reshape(-1, 1)
    half = prototype.shape[-1] // 2
    n = torch.arange(-half, half + 1)
    phase = (-1) ** k * np.pi / 4
    return 2 * prototype * torch.cos((2 * k + 1) * np.pi / (2 * bands) * n + phase)


def _pad_to_power_of_two(x: Tensor) -> Tensor:
    total = 2 ** math.ceil(math.log2(x.shape[-1])) - x.shape[-1]
    return F.pad(x, (total // 2, total - total // 2))


def _alias_signs(x: Tensor) -> Tensor:
    """Negate every other sample of every other band (alias cancellation)."""
    mask = torch.ones_like(x)
    mask[..., 1::2, ::2] = -1
    return x * mask


class PQMF(nn.Module):
    """Pseudo-QMF analysis/synthesis in polyphase form: ``(B, C, T) -> (B, C, bands, T/bands)``
    and back (near-perfect reconstruction)."""

    def __init__(self, attenuation: float, num_bands: int):
        super().__init__()
        if num_bands < 1 or num_bands & (num_bands - 1):
            raise ValueError("num_bands must be a power of 2")
        prototype = design_prototype_filter(attenuation, num_bands)
        self.register_buffer("filter_bank",
                             _pad_to_power_of_two(_modulated_bank(prototype, num_bands)))
        self.register_buffer("prototype", prototype)
        self.num_bands = num_bands

    def forward(self, signal: Tensor) -> Tensor:
        if signal.dim() == 1:
            signal = signal[None, None]
        elif signal.dim() == 2:
            signal = signal[None]
        signal = F.pad(signal, (0, (-signal.shape[-1]) % self.num_bands))
        channels = signal.shape[1]
        x = rearrange(signal, "b c (t n) -> (b c) n t", n=self.num_bands)
        bank = rearrange(self.filter_bank, "k (t n) -> k n t", n=self.num_bands)
        y = F.conv1d(x, bank, padding=bank.shape[-1] // 2)[..., :-1]
        return _alias_signs(rearrange(y, "(b c) n t -> b c n t", c=channels))

    def inverse(self, bands: Tensor) -> Tensor:
        bands = _alias_signs(bands)
        channels = bands.shape[1]
        bank = rearrange(self.filter_bank.flip(-1), "k (t n) -> n k t", n=self.num_bands)
        x = rearrange(bands, "b c n t -> (b c) n t")
        y = F.conv1d(x, bank, padding=bank.shape[-1] // 2 + 1)[..., :-1] * self.num_bands
        y = rearrange(y.flip(1), "(b c) n t -> b c (t n)", c=channels)
        return y[..., 2 * bank.shape[1]:]


class PQMFPretransform(Pretransform):
    """PQMF sub-bands as channels: ``(B, C, T) -> (B, C * bands, T / bands)``. Like upstream it
    leaves ``encoded_channels`` and ``downsampling_ratio`` unset (the schema keeps it out of
    diffusion models and conditioners)."""

    def __init__(self, attenuation: int = 100, num_bands: int = 16, channels: int = 1):
        super().__init__(enable_grad=False, io_channels=channels, is_discrete=False)
        self.pqmf = PQMF(attenuation, num_bands)

    def encode(self, x: Tensor) -> Tensor:
        return rearrange(self.pqmf(x), "b c n t -> b (c n) t")

    def decode(self, z: Tensor) -> Tensor:
        return self.pqmf.inverse(rearrange(z, "b (c n) t -> b c n t", n=self.pqmf.num_bands))


# --- patching ----------------------------------------------------------------------------------


class Resample(nn.Module):
    """Band-limited resampling by a rational factor (Hann-windowed sinc, 6 zero crossings,
    roll-off 0.99): the method of torchaudio's ``Resample`` defaults."""

    def __init__(self, orig_freq: int, new_freq: int, lowpass_filter_width: int = 6,
                 rolloff: float = 0.99):
        super().__init__()
        g = gcd(orig_freq, new_freq)
        self.orig, self.new = orig_freq // g, new_freq // g
        base = min(self.orig, self.new) * rolloff
        self.width = math.ceil(lowpass_filter_width * self.orig / base)
        idx = torch.arange(-self.width, self.width + self.orig, dtype=torch.float64) / self.orig
        t = (torch.arange(0, -self.new, -1, dtype=torch.float64)[:, None] / self.new + idx)
        t = (t * base).clamp(-lowpass_filter_width, lowpass_filter_width)
        window = torch.cos(t * math.pi / lowpass_filter_width / 2) ** 2
        t = t * math.pi
        sinc = torch.where(t == 0, torch.ones_like(t), torch.sin(t) / t)
        kernel = (sinc * window * base / self.orig).float()[:, None]
        self.register_buffer("kernel", kernel, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        if self.orig == self.new:
            return x
        shape, length = x.shape[:-1], x.shape[-1]
        y = x.reshape(-1, 1, length)
        y = F.pad(y, (self.width, self.width + self.orig))
        y = F.conv1d(y, self.kernel.to(y), stride=self.orig)
        y = y.transpose(1, 2).reshape(y.shape[0], -1)
        return y[..., :math.ceil(self.new * length / self.orig)].reshape(*shape, -1)


class PatchedPretransform(Pretransform):
    """Folds ``patch_size`` consecutive samples into channels (zero-padding the end to a whole
    patch): ``(B, C, T) -> (B, C * patch_size, T / patch_size)``; exact inverse."""

    def __init__(self, channels: int, patch_size: int, oversampling: int = 1):
        super().__init__(enable_grad=False, io_channels=channels, is_discrete=False)
        self.channels = channels
        self.patch_size = patch_size
        self.oversampling = oversampling
        self.downsampling_ratio = patch_size
        self.encoded_channels = channels * patch_size
        if oversampling > 1:
            self.input_upsampler = Resample(1, oversampling)
            self.output_downsampler = Resample(oversampling, 1)

    def encode(self, x: Tensor) -> Tensor:
        if self.oversampling > 1:
            x = self.input_upsampler(x)
        x = F.pad(x, (0, (-x.shape[-1]) % self.patch_size))
        return rearrange(x, "b c (l h) -> b (c h) l", h=self.patch_size)

    def decode(self, z: Tensor) -> Tensor:
        x = rearrange(z, "b (c h) l -> b c (l h)", h=self.patch_size)
        if self.oversampling > 1:
            x = self.output_downsampler(x)
        return x


# --- building from typed configs ---------------------------------------------------------------


def _autoencoder(spec, sample_rate: int) -> AutoencoderPretransform:
    from .autoencoder import build_autoencoder

    return AutoencoderPretransform(build_autoencoder(spec.config, sample_rate), scale=spec.scale,
                                   model_half=spec.model_half,
                                   iterate_batch=spec.iterate_batch, chunked=spec.chunked)


PRETRANSFORMS = Parts("pretransform", {
    "autoencoder": _autoencoder,
    "wavelet": lambda spec, sr: WaveletPretransform(spec.config.channels, spec.config.levels,
                                                    spec.config.wavelet),
    "pqmf": lambda spec, sr: PQMFPretransform(spec.config.attenuation, spec.config.num_bands,
                                              spec.config.channels),
    "patched": lambda spec, sr: PatchedPretransform(spec.config.channels,
                                                    spec.config.patch_size,
                                                    spec.config.oversampling),
}, unbuilt={
    "dac_pretrained": "needs descript-audio-codec weights from a hub",
    "audiocraft_pretrained": "needs audiocraft weights from a hub",
})


def build_pretransform(spec, sample_rate: int, audio_channels: int | None = None) -> Pretransform:
    """A pretransform from a typed ``pretransform`` object (``model.pretransform``), frozen and in
    eval mode unless its ``enable_grad`` is set (upstream's factory does the same).

    ``audio_channels`` is the enclosing config's; it is not needed to build any pretransform
    (each carries its own channel count) and is accepted so every builder has one signature.
    """
    pretransform = PRETRANSFORMS.build(spec.type, spec, sample_rate)
    pretransform.enable_grad = spec.enable_grad
    pretransform.eval().requires_grad_(spec.enable_grad)
    return pretransform


def load_pretransform_checkpoint(pretransform: Pretransform, path: str | Path) -> None:
    """Load ``pretransform_ckpt_path`` into ``pretransform`` (strictly). An autoencoder
    pretransform takes the autoencoder's own state dict (upstream's layout; a ``model.``-prefixed
    one works too); files are read weights-only (a ``.safetensors`` file, or a torch checkpoint
    with or without a ``state_dict`` entry)."""
    state = _read_weights(Path(path))
    if isinstance(pretransform, AutoencoderPretransform):
        if state and all(k.startswith("model.") for k in state):
            state = {k[len("model."):]: v for k, v in state.items()}
        pretransform.model.load_state_dict(state, strict=True)
    else:
        nn.Module.load_state_dict(pretransform, state, strict=True)


def _read_weights(path: Path) -> dict[str, Tensor]:
    from ..checkpoints import load_state_dict

    if path.suffix == ".safetensors":
        if not path.is_file():
            raise FileNotFoundError(f"checkpoint {path} does not exist")
        try:
            from safetensors.torch import load_file
        except ImportError:
            raise ImportError(f"{path}: reading .safetensors files needs the safetensors "
                              "package (pip install safetensors)") from None
        return load_file(str(path))
    try:
        return load_state_dict(path)
    except ValueError as exc:
        if "no 'state_dict' entry" not in str(exc):
            raise
    # a bare state dict (what upstream's unwrap/export scripts write): still weights-only
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise ValueError(f"{path}: neither a checkpoint with a 'state_dict' entry nor a state dict")
    return state


def diffusion_input(pretransform: nn.Module | None, reals: torch.Tensor,
                    pre_encoded: bool) -> torch.Tensor:
    """What a diffusion model denoises: ``reals`` through the pretransform (gradients only when
    it trains), or pre-encoded latents divided by its scale, which its encode would have
    applied; the reals themselves without a pretransform."""
    if pretransform is None:
        return reals
    if pre_encoded:
        scale = getattr(pretransform, "scale", 1.0)
        return reals / scale if scale != 1.0 else reals
    trainable = bool(getattr(pretransform, "enable_grad", False))
    with torch.set_grad_enabled(torch.is_grad_enabled() and trainable):
        return pretransform.encode(reals)
