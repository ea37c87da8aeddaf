"""Autoencoder checks that JSON Schema cannot express: channel counts, latent sizes and
downsampling ratios that must agree across the encoder, bottleneck, decoder and pretransform.

Every check reads the raw, schema-shaped dict and appends :class:`Issue` objects to ``out``
(plain appends keep the hot path of ``load_config`` cheap); defaults come from the schema
(``_schema_facts``). ``check_autoencoder_model`` also serves nested ``autoencoder``
pretransforms and the diffusion-autoencoder checks; the ``pretransform``/``encoder`` helpers
describe those parts for every model type. The training-section checks (losses, optimizers,
teacher) live in ``_semantic_autoencoder_training``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...errors import Issue, err, warn
from ...schema.facts import defaults
from . import positive
from .activations import check_activation
from .clips import check_one_frame, check_wavelet_clip

class _Part:
    """Where one encoder/decoder architecture keeps each fact, with the schema's defaults
    (a required key has no default: None)."""

    __slots__ = ("signal", "latent", "strides", "per_stage", "defaults", "signal_default",
                 "latent_default", "strides_default", "c_mults_default")

    def __init__(self, side: str, kind: str, signal: str, latent: str, strides: str):
        self.signal, self.latent, self.strides = signal, latent, strides
        self.per_stage = kind in _STAGED  # only the first len(c_mults) strides are used
        self.defaults = found = defaults("autoencoder", "model", side, f"type={kind}", "config")
        self.signal_default, self.latent_default = found.get(signal), found.get(latent)
        self.strides_default, self.c_mults_default = found.get(strides), found.get("c_mults")

    def get(self, cfg: dict, key: str) -> Any:
        return cfg[key] if key in cfg else self.defaults.get(key)


_STAGED = ("oobleck", "taae")  # architectures with c_mults stages
# (audio-side channels key, latent-side channels key, strides key) per architecture and side.
_ENCODERS = {"oobleck": ("in_channels", "latent_dim", "strides"),
             "taae": ("in_channels", "latent_dim", "strides"),
             "seanet": ("channels", "dimension", "ratios"),
             "dac": ("in_channels", "latent_dim", "strides"),
             "local_attn": ("in_channels", "out_channels", "ratios")}
_DECODERS = {"oobleck": ("out_channels", "latent_dim", "strides"),
             "taae": ("out_channels", "latent_dim", "strides"),
             "seanet": ("channels", "dimension", "ratios"),
             "dac": ("out_channels", "latent_dim", "rates"),
             "local_attn": ("out_channels", "in_channels", "ratios")}
_PART = {"encoder": {k: _Part("encoder", k, *v) for k, v in _ENCODERS.items()},
         "decoder": {k: _Part("decoder", k, *v) for k, v in _DECODERS.items()}}
_CONFIGURED_BOTTLENECKS = ("tanh", "wasserstein", "rvq", "rvq_vae", "dac_rvq", "dac_rvq_vae", "fsq",
                           "dithered_fsq")
_BOTTLENECK_DEFAULTS = {kind: defaults("autoencoder", "model", "bottleneck", f"type={kind}",
                                       "config") for kind in _CONFIGURED_BOTTLENECKS}
_PQMF = defaults("autoencoder", "model", "pretransform", "type=pqmf", "config")
_DAC_PRETRAINED = defaults("autoencoder", "model", "pretransform", "type=dac_pretrained", "config")
_TOP = defaults("autoencoder")
_TRAINING = defaults("autoencoder", "training")

_VAE_LIKE = {"vae", "rvq_vae", "dac_rvq_vae"}
_BOTTLENECKS = {"vae", "l2_norm", *_CONFIGURED_BOTTLENECKS}
DISCRETE_BOTTLENECKS = frozenset({"rvq", "rvq_vae", "dac_rvq", "dac_rvq_vae", "fsq",
                                  "dithered_fsq"})
# Every descript-audio-codec model encodes to 64 x 2^4 channels (its encoder's fixed width);
# 44 kHz models hop 512 samples, the 24 and 16 kHz models 320 [descript-audio-codec 1.0.0].
_DAC_ENCODED_CHANNELS = 1024


# --- pretransform facts ----------------------------------------------------------------------


def _wavelet_factor(levels: int) -> int | None:
    """2^levels, the wavelet's downsampling and channel factor; None (unknown) past int64, where
    no tensor dimension reaches (the schema sets no maximum; 2^14300 would not even print)."""
    return 2 ** levels if levels < 63 else None


def _wavelet_channels(cfg: dict) -> int | None:
    factor = _wavelet_factor(cfg["levels"])
    return None if factor is None else cfg["channels"] * factor


def _pqmf(cfg: dict, key: str) -> int:
    return cfg.get(key, _PQMF[key])


def _unknown(cfg: dict) -> None:
    return None


def _discrete_bottleneck(cfg: dict) -> bool:
    return (cfg.get("bottleneck") or {}).get("type") in DISCRETE_BOTTLENECKS


@dataclass(frozen=True)
class PretransformFacts:
    """What the checks know of one pretransform type, each read from its ``config``."""

    ratio: Callable[[dict], int | None]
    """``downsampling_ratio`` as upstream sets it (None: not set, or unknown)."""
    encoded: Callable[[dict], int | None]
    """Channels of the encoding (what the wrapped model reads)."""
    audio: Callable[[dict], int | None]
    """Audio channels it reads."""
    discrete: Callable[[dict], bool] = lambda cfg: False
    """Whether it produces tokens (what an LM needs)."""
    signal_ratio: Callable[[dict], int | None] | None = None
    """Samples per encoded frame actually produced, where it differs from ``ratio``."""


PRETRANSFORMS: dict[str, PretransformFacts] = {
    "autoencoder": PretransformFacts(
        ratio=lambda cfg: cfg.get("downsampling_ratio"), encoded=lambda cfg: cfg.get("latent_dim"),
        audio=lambda cfg: cfg.get("in_channels") or cfg.get("io_channels"),
        discrete=_discrete_bottleneck),
    "wavelet": PretransformFacts(ratio=lambda cfg: _wavelet_factor(cfg["levels"]),
                                 encoded=_wavelet_channels, audio=lambda cfg: cfg["channels"]),
    "patched": PretransformFacts(ratio=lambda cfg: cfg["patch_size"],
                                 encoded=lambda cfg: cfg["channels"] * cfg["patch_size"],
                                 audio=lambda cfg: cfg["channels"]),
    # pqmf never sets a downsampling_ratio upstream, although it decimates by num_bands
    "pqmf": PretransformFacts(ratio=_unknown,
                              encoded=lambda cfg: _pqmf(cfg, "channels") * _pqmf(cfg, "num_bands"),
                              audio=lambda cfg: _pqmf(cfg, "channels"),
                              signal_ratio=lambda cfg: _pqmf(cfg, "num_bands")),
    "dac_pretrained": PretransformFacts(
        ratio=lambda cfg: 512 if cfg.get("model_type", _DAC_PRETRAINED["model_type"]) == "44khz"
        else 320,
        encoded=lambda cfg: _DAC_ENCODED_CHANNELS, audio=lambda cfg: 1,
        discrete=lambda cfg: True),
    # knows its ratio and channels only once the model is downloaded
    "audiocraft_pretrained": PretransformFacts(ratio=_unknown, encoded=_unknown, audio=_unknown,
                                               discrete=lambda cfg: True),
}
"""pretransform ``type`` -> its facts (a test proves the keys equal the schema's types)."""


def _fact(pretransform: dict[str, Any] | None, name: str) -> Any:
    if not pretransform:
        return None
    facts = PRETRANSFORMS.get(pretransform.get("type"))
    return None if facts is None else getattr(facts, name)(pretransform.get("config") or {})


def downsampling_ratio(pretransform: dict[str, Any] | None) -> int | None:
    """The pretransform's ``downsampling_ratio`` as upstream sets it (None: none or unknown)."""
    return _fact(pretransform, "ratio")


def _signal_ratio(pretransform: dict[str, Any]) -> int | None:
    """Samples per encoded frame actually produced (pqmf included)."""
    facts = PRETRANSFORMS.get(pretransform.get("type"))
    if facts is not None and facts.signal_ratio is not None:
        return facts.signal_ratio(pretransform.get("config") or {})
    return downsampling_ratio(pretransform)


def encoded_channels(pretransform: dict[str, Any] | None) -> int | None:
    """Channels of the pretransform's encoding (what the wrapped model reads); None if unknown."""
    return _fact(pretransform, "encoded")


def io_channels(pretransform: dict[str, Any] | None) -> int | None:
    """Audio channels the pretransform reads; None if unknown."""
    return _fact(pretransform, "audio")


def is_discrete(pretransform: dict[str, Any] | None) -> bool:
    """True when the pretransform produces tokens (needed by an LM)."""
    return bool(_fact(pretransform, "discrete"))


def check_pretransform(out: list[Issue], pretransform: dict, path: str, audio: int, top: dict,
                       *, reader: str) -> None:
    """Continuous use of ``pretransform`` (at ``path``) by ``reader`` on ``audio`` channels.

    A nested autoencoder gets every autoencoder check; other kinds must read ``audio`` channels.
    """
    kind = pretransform.get("type")
    if kind == "autoencoder":
        check_autoencoder_model(out, pretransform["config"], f"{path}.config", top,
                                audio_channels=audio)
    elif kind == "audiocraft_pretrained":
        out.append(err(f"{path}.type", f"an audiocraft_pretrained pretransform is token-only: "
                       f"its continuous encode/decode assert False, so {reader} cannot use it",
                       "pretransform-token-only"))
    else:
        reads = io_channels(pretransform)
        if reads is not None and reads != audio:
            key = "type" if kind == "dac_pretrained" else "config.channels"
            out.append(err(f"{path}.{key}", f"the pretransform reads {reads} channel(s) but the "
                           f"audio has {audio} (audio_channels)", "pretransform-channels",
                           f"set it to {audio}"))
        if kind == "wavelet":
            check_wavelet_clip(out, top.get("sample_size"), pretransform.get("config") or {},
                               path)


# --- encoder / decoder facts -----------------------------------------------------------------


def encoder_input(spec: dict) -> tuple[str, int | None]:
    """(key, channels) the encoder reads."""
    part = _PART["encoder"][spec["type"]]
    return part.signal, spec["config"].get(part.signal, part.signal_default)


def decoder_output(spec: dict) -> tuple[str, int | None]:
    part = _PART["decoder"][spec["type"]]
    return part.signal, spec["config"].get(part.signal, part.signal_default)


def encoder_output(spec: dict) -> tuple[str, int | None]:
    """(key, channels) the encoder produces (a DAC encoder without latent_dim: d_model x 2^n)."""
    part, cfg = _PART["encoder"][spec["type"]], spec["config"]
    value = cfg.get(part.latent, part.latent_default)
    if value is None and spec["type"] == "dac":
        value = cfg["d_model"] * 2 ** len(cfg["strides"])
    return part.latent, value


def decoder_input(spec: dict) -> tuple[str, int | None]:
    part = _PART["decoder"][spec["type"]]
    return part.latent, spec["config"].get(part.latent, part.latent_default)


def _stage_strides(spec: dict, side: str) -> tuple[str, list[int] | None]:
    """The strides that are really used (Oobleck/TAAE use one per c_mults entry)."""
    part, cfg = _PART[side][spec["type"]], spec["config"]
    strides = cfg.get(part.strides, part.strides_default)
    if strides is not None and part.per_stage:
        strides = strides[: len(cfg.get("c_mults", part.c_mults_default))]
    return part.strides, strides


def encoder_ratio(spec: dict) -> int | None:
    """How much the encoder downsamples (None when unknown)."""
    strides = _stage_strides(spec, "encoder")[1]
    return None if strides is None else math.prod(strides)


# --- the model -------------------------------------------------------------------------------


def check_autoencoder_model(out: list[Issue], model: dict[str, Any], path: str,
                            top: dict[str, Any], *, audio_channels: int | None = None) -> None:
    """Consistency of one autoencoder ``model`` object at JSON path ``path``.

    ``top`` is the whole config (for ``audio_channels``, ``sample_size`` and, for the model of an
    ``autoencoder`` config, ``training.force_input_mono``). ``audio_channels`` overrides the
    channel count the model receives (nested pretransforms pass their parent's).
    """
    audio = audio_channels if audio_channels is not None else \
        top.get("audio_channels", _TOP["audio_channels"])
    is_trained = path == "$.model" and top.get("model_type") == "autoencoder"
    mono_input = is_trained and (top.get("training") or {}).get(
        "force_input_mono", _TRAINING["force_input_mono"])
    _check_io(out, model, path, audio, mono_input)
    check_stages(out, model, path)
    _check_activations(out, model, path)
    check_latents(out, model, path)
    _check_ratio(out, model, path)
    if model.get("pretransform"):
        check_pretransform(out, model["pretransform"], f"{path}.pretransform", audio, top,
                           reader="an autoencoder")
    if is_trained:
        ratio, size = model["downsampling_ratio"], top["sample_size"]
        if not check_one_frame(out, size, ratio, "the autoencoder"):
            return
        if positive(ratio, size) and size % ratio:
            out.append(warn("$.sample_size", f"sample_size {size} is not a multiple of the "
                            f"downsampling ratio {ratio}: the last partial latent frame is "
                            "padded or cut", "sample-size-multiple",
                            f"use {size // ratio * ratio or ratio}"))


def _check_io(out: list[Issue], model: dict, path: str, audio: int, mono_input: bool) -> None:
    pretransform = model.get("pretransform")
    out_key = "out_channels" if model.get("out_channels") else "io_channels"
    out_ch = model[out_key]
    if out_ch != audio:
        out.append(err(f"{path}.{out_key}", f"the model outputs {out_ch} channel(s) but the audio "
                       f"has {audio} (audio_channels)", "io-channels", f"set {out_key} to {audio}"))
    in_key = "in_channels" if model.get("in_channels") else "io_channels"
    in_ch = model[in_key]
    want_in = 1 if mono_input else audio
    if in_ch != want_in and out_ch == audio:
        out.append(warn(f"{path}.{in_key}", f"the model declares {in_ch} input channel(s) but "
                        f"receives {want_in}", "io-channels", f"set in_channels to {want_in}"))
    if pretransform:
        enc_in = dec_out = encoded_channels(pretransform)
        what = "the pretransform's encoded channels"
    else:
        enc_in, dec_out = want_in, audio
        what = "force_input_mono" if mono_input else "audio_channels"
    key, got = encoder_input(model["encoder"])
    if enc_in is not None and got is not None and got != enc_in:
        out.append(err(f"{path}.encoder.config.{key}", f"the encoder reads {got} channel(s) but "
                       f"receives {enc_in} ({what})", "encoder-input-channels",
                       f"set {key} to {enc_in}"))
    key, got = decoder_output(model["decoder"])
    if dec_out is not None and got is not None and got != dec_out:
        target = "the pretransform's encoded channels" if pretransform else "audio_channels"
        out.append(err(f"{path}.decoder.config.{key}", f"the decoder produces {got} channel(s) "
                       f"but {dec_out} are expected ({target})", "decoder-output-channels",
                       f"set {key} to {dec_out}"))


_SEANET = {side: defaults("autoencoder", "model", side, "type=seanet", "config")
           for side in ("encoder", "decoder")}


def _check_activations(out: list[Issue], model: dict, path: str) -> None:
    for side in ("encoder", "decoder"):
        spec = model.get(side)
        if isinstance(spec, dict) and spec.get("type") == "seanet":
            cfg, where = spec.get("config") or {}, f"{path}.{side}.config"
            check_activation(out, cfg, where, "activation", "activation_params", _SEANET[side])
            if side == "decoder":
                check_activation(out, cfg, where, "final_activation", "final_activation_params",
                                 _SEANET[side])


def check_stages(out: list[Issue], model: dict, path: str) -> None:
    """Oobleck and TAAE encoders and decoders: one stride (and TAAE depth) per c_mults stage."""
    for side in ("encoder", "decoder"):
        spec = model.get(side)
        if not spec or spec["type"] not in _STAGED:
            continue
        part, cfg = _PART[side][spec["type"]], spec["config"]
        stages = len(part.get(cfg, "c_mults"))
        for key in ("strides", "transformer_depths") if spec["type"] == "taae" else ("strides",):
            count = len(part.get(cfg, key))
            if count == stages:
                continue
            where = f"{path}.{side}.config.{key}"
            if count < stages:
                out.append(err(where, f"{count} {key} for {stages} stages (len(c_mults)): the "
                               "build fails with IndexError", "stage-count",
                               f"give one value per c_mults entry ({stages})"))
            else:
                out.append(warn(where, f"only the first {stages} of {count} {key} are used "
                                "(one per c_mults entry)", "stage-count"))


def _check_ratio(out: list[Issue], model: dict, path: str) -> None:
    enc_strides = _stage_strides(model["encoder"], "encoder")[1]
    if enc_strides is None:
        return
    dec_key, dec_strides = _stage_strides(model["decoder"], "decoder")
    enc_ratio = math.prod(enc_strides)
    if dec_strides is not None and math.prod(dec_strides) != enc_ratio:
        out.append(err(f"{path}.decoder.config.{dec_key}", f"the decoder upsamples by "
                       f"{math.prod(dec_strides)} but the encoder downsamples by {enc_ratio}",
                       "decoder-upsampling", f"make the product of {dec_key} {enc_ratio}"))
    pretransform = model.get("pretransform")
    inner = _signal_ratio(pretransform) if pretransform else 1
    if inner is None:
        return
    expected = enc_ratio * inner
    if model["downsampling_ratio"] != expected:
        detail = f"encoder strides {enc_ratio}"
        if pretransform:
            detail += f" x pretransform {inner}"
        out.append(err(f"{path}.downsampling_ratio", f"downsampling_ratio is "
                       f"{model['downsampling_ratio']} but the model downsamples by {expected} "
                       f"({detail})", "downsampling-ratio",
                       f"set downsampling_ratio to {expected}"))


def bottleneck_sizes(bottleneck: dict | None, latent_dim: int) -> tuple[int, int, int, str]:
    """(encoder output channels, latent channels, decoder extra channels, source) it implies."""
    if not bottleneck:
        return latent_dim, latent_dim, 0, "latent_dim"
    kind = bottleneck["type"]
    cfg, dflt = bottleneck.get("config") or {}, _BOTTLENECK_DEFAULTS.get(kind, {})
    noise = cfg.get("noise_augment_dim", dflt.get("noise_augment_dim", 0)) \
        if kind in ("wasserstein", "dac_rvq", "fsq") else 0
    if kind in ("rvq", "rvq_vae"):
        size, src = cfg.get("dim", dflt["dim"]), "bottleneck.config.dim"
    elif kind in ("dac_rvq", "dac_rvq_vae"):
        size, src = cfg.get("input_dim", dflt["input_dim"]), "bottleneck.config.input_dim"
    elif kind == "fsq":
        size = cfg.get("dim") or len(cfg["levels"]) * cfg.get("num_codebooks",
                                                               dflt["num_codebooks"])
        src = "bottleneck.config.dim" if cfg.get("dim") else "bottleneck.config.levels"
    elif kind == "dithered_fsq":
        size = cfg["dim"] * cfg.get("num_codebooks", dflt["num_codebooks"])
        src = "bottleneck.config.dim"
    else:
        size, src = latent_dim, "latent_dim"
    factor = 2 if kind in _VAE_LIKE else 1
    return factor * size, size, noise, src


def check_latents(out: list[Issue], model: dict, path: str) -> None:
    """Encoder output, bottleneck and decoder input agree with ``latent_dim``.

    The encoder and decoder may be absent (diffusion autoencoders make both optional).
    """
    latent = model["latent_dim"]
    bottleneck = model.get("bottleneck")
    if bottleneck and bottleneck.get("type") not in _BOTTLENECKS:
        return  # the schema issue names the unknown type
    enc_out, size, noise, src = bottleneck_sizes(bottleneck, latent)
    kind = bottleneck["type"] if bottleneck else None
    if size != latent:
        out.append(err(f"{path}.latent_dim", f"latent_dim is {latent} but the {kind} bottleneck "
                       f"outputs {size} channels ({src})", "latent-dim",
                       f"set latent_dim to {size}"))
    if model.get("encoder"):
        key, got = encoder_output(model["encoder"])
        if got is not None and got != enc_out:
            why = f"2 x {size} for a {kind} bottleneck" if kind in _VAE_LIKE else f"{src} = {size}"
            out.append(err(f"{path}.encoder.config.{key}", f"the encoder outputs {got} channels "
                           f"but {enc_out} are needed ({why})", "encoder-latent-dim",
                           f"set {key} to {enc_out}"))
    if model.get("decoder"):
        key, got = decoder_input(model["decoder"])
        if got is not None and got != latent + noise:
            extra = f" + noise_augment_dim {noise}" if noise else ""
            out.append(err(f"{path}.decoder.config.{key}", f"the decoder reads {got} channels but "
                           f"gets {latent + noise} (latent_dim {latent}{extra})",
                           "decoder-latent-dim", f"set {key} to {latent + noise}"))
    if bottleneck and bottleneck.get("config"):
        _check_bottleneck_config(out, bottleneck["type"], bottleneck["config"],
                                 f"{path}.bottleneck")


def _check_bottleneck_config(out: list[Issue], kind: str, cfg: dict, path: str) -> None:
    levels = cfg.get("levels")
    if kind == "fsq" and isinstance(levels, list) and 2 in levels:
        # found by the property test: vector-quantize-pytorch's FSQ asserts at build (a 2-level
        # dimension needs its symmetry-preserving bound, which upstream's bottleneck never asks)
        out.append(err(f"{path}.config.levels[{levels.index(2)}]", "an FSQ dimension with 2 "
                       "levels: vector-quantize-pytorch refuses it (AssertionError at build)",
                       "fsq-levels", "use 3 or more levels per dimension"))
    if kind in ("rvq", "rvq_vae"):
        dflt = _BOTTLENECK_DEFAULTS.get(kind, {})
        iters = cfg.get("kmeans_iters", dflt.get("kmeans_iters"))
        if cfg.get("kmeans_init", dflt.get("kmeans_init")) and isinstance(iters, int) \
                and iters < 1:
            # found by the property test: vector-quantize-pytorch's k-means returns an unbound
            # variable after zero iterations (UnboundLocalError on the first batch)
            out.append(err(f"{path}.config.kmeans_iters", "k-means initialisation "
                           f"(kmeans_init) with {iters} iterations: the codebook initialisation "
                           "fails on the first batch", "kmeans-iters",
                           "use kmeans_iters >= 1 (default 50), or kmeans_init: false"))
    if kind == "dithered_fsq" and isinstance(cfg.get("levels"), list) \
            and len(cfg["levels"]) != cfg["dim"]:
        out.append(err(f"{path}.config.levels", f"{len(cfg['levels'])} levels for dim "
                       f"{cfg['dim']}: upstream raises ValueError", "dithered-fsq-levels",
                       "give one level per dimension, or a single integer"))
    if kind in ("dac_rvq", "dac_rvq_vae") and isinstance(cfg.get("codebook_dim"), list) \
            and len(cfg["codebook_dim"]) != cfg["n_codebooks"]:
        out.append(err(f"{path}.config.codebook_dim", f"{len(cfg['codebook_dim'])} codebook_dim "
                       f"entries for {cfg['n_codebooks']} codebooks", "codebook-dim",
                       "give one per codebook, or a single integer"))
