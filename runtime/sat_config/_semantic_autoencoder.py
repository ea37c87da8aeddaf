"""Autoencoder checks that JSON Schema cannot express: channel counts, latent sizes and
downsampling ratios that must agree across the encoder, bottleneck, decoder, pretransform and
losses, and array lengths that upstream asserts (or silently truncates).

Every function reads the raw, schema-shaped dict and yields :class:`Issue` objects. The defaults
used here are the ones the schema documents (the constructor defaults upstream applies).
``check_autoencoder_model`` also serves nested ``autoencoder`` pretransforms (the diffusion and LM
checks call it), and the ``pretransform_*`` helpers describe any pretransform.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ._errors import Issue

# (audio-side channel key, default) and (latent-side channel key, default) per architecture.
_ENCODER_IN = {"oobleck": ("in_channels", 2), "taae": ("in_channels", 2), "seanet": ("channels", 1),
               "dac": ("in_channels", 1), "local_attn": ("in_channels", None)}
_DECODER_OUT = {"oobleck": ("out_channels", 2), "taae": ("out_channels", 2), "seanet": ("channels", 1),
                "dac": ("out_channels", 1), "local_attn": ("out_channels", None)}
_ENCODER_LATENT = {"oobleck": ("latent_dim", 32), "taae": ("latent_dim", 32), "seanet": ("dimension", 128),
                   "dac": ("latent_dim", None), "local_attn": ("out_channels", None)}
_DECODER_LATENT = {"oobleck": ("latent_dim", 32), "taae": ("latent_dim", 32), "seanet": ("dimension", 128),
                   "dac": ("latent_dim", None), "local_attn": ("in_channels", None)}
# Key holding the per-stage strides, its default, and whether only the first len(c_mults) count.
_STRIDES = {"oobleck": ("strides", [2, 4, 8, 8], True), "taae": ("strides", [2, 4, 8, 8], True),
            "dac": ("strides", None, False), "local_attn": ("ratios", [2, 2, 2, 2], False),
            "seanet": ("ratios", [2, 2, 2, 2, 2], False)}  # the factory's default, not SEANet's
_DEC_STRIDES = {"oobleck": ("strides", [2, 4, 8, 8], True), "taae": ("strides", [2, 4, 8, 8], True),
                "dac": ("rates", None, False), "local_attn": ("ratios", [2, 2, 2, 2], False),
                "seanet": ("ratios", [8, 5, 4, 2], False)}
_VAE_LIKE = {"vae", "rvq_vae", "dac_rvq_vae"}
_BOTTLENECKS = {"tanh", "vae", "l2_norm", "wasserstein", "rvq", "rvq_vae", "dac_rvq", "dac_rvq_vae",
                "fsq", "dithered_fsq"}
_DEFAULT_C_MULTS = [1, 2, 4, 8]


def _err(path: str, message: str, rule: str, suggestion: str | None = None) -> Issue:
    return Issue(path=path, message=message, rule=f"semantic:{rule}", suggestion=suggestion)


def _warn(path: str, message: str, rule: str, suggestion: str | None = None) -> Issue:
    return Issue(path=path, message=message, rule=f"semantic:{rule}", suggestion=suggestion,
                 severity="warning")


def _prod(values: list[int]) -> int:
    return math.prod(values)


# --- pretransform facts ----------------------------------------------------------------------


def downsampling_ratio(pretransform: dict[str, Any] | None) -> int | None:
    """The pretransform's ``downsampling_ratio`` as upstream sets it (None: none or unknown).

    ``pqmf`` never sets one upstream (None here, although it decimates by ``num_bands``);
    ``audiocraft_pretrained`` only knows it once the model is downloaded.
    """
    if not pretransform:
        return None
    kind, cfg = pretransform.get("type"), pretransform.get("config") or {}
    if kind == "autoencoder":
        return cfg.get("downsampling_ratio")
    if kind == "wavelet":
        return 2 ** cfg["levels"]
    if kind == "patched":
        return cfg["patch_size"]
    if kind == "dac_pretrained":
        return 512 if cfg.get("model_type", "44khz") == "44khz" else 320
    return None


def _signal_ratio(pretransform: dict[str, Any]) -> int | None:
    """Samples per encoded frame actually produced (pqmf included)."""
    if pretransform.get("type") == "pqmf":
        return (pretransform.get("config") or {}).get("num_bands", 16)
    return downsampling_ratio(pretransform)


def encoded_channels(pretransform: dict[str, Any] | None) -> int | None:
    """Channels of the pretransform's encoding (what the wrapped model reads); None if unknown."""
    if not pretransform:
        return None
    kind, cfg = pretransform.get("type"), pretransform.get("config") or {}
    if kind == "autoencoder":
        return cfg.get("latent_dim")
    if kind == "wavelet":
        return cfg["channels"] * 2 ** cfg["levels"]
    if kind == "patched":
        return cfg["channels"] * cfg["patch_size"]
    if kind == "pqmf":
        return cfg.get("channels", 1) * cfg.get("num_bands", 16)
    if kind == "dac_pretrained":
        return 1024  # every descript-audio-codec model: 64 x 2^4 encoder channels
    return None


def io_channels(pretransform: dict[str, Any] | None) -> int | None:
    """Audio channels the pretransform reads; None if unknown."""
    if not pretransform:
        return None
    kind, cfg = pretransform.get("type"), pretransform.get("config") or {}
    if kind == "autoencoder":
        return cfg.get("in_channels") or cfg.get("io_channels")
    if kind in ("wavelet", "patched"):
        return cfg["channels"]
    if kind == "pqmf":
        return cfg.get("channels", 1)
    if kind == "dac_pretrained":
        return 1
    return None


def is_discrete(pretransform: dict[str, Any] | None) -> bool:
    """True when the pretransform produces tokens (needed by an LM)."""
    if not pretransform:
        return False
    kind = pretransform.get("type")
    if kind == "autoencoder":
        bottleneck = (pretransform.get("config") or {}).get("bottleneck") or {}
        return bottleneck.get("type") in {"rvq", "rvq_vae", "dac_rvq", "dac_rvq_vae", "fsq",
                                          "dithered_fsq"}
    return kind in ("dac_pretrained", "audiocraft_pretrained")


# --- encoder / decoder facts -----------------------------------------------------------------


def _channel(spec: dict, table: dict) -> tuple[str, int | None]:
    key, default = table[spec["type"]]
    return key, spec["config"].get(key, default)


def _encoder_latent(spec: dict) -> tuple[str, int | None]:
    key, value = _channel(spec, _ENCODER_LATENT)
    if spec["type"] == "dac" and value is None:
        cfg = spec["config"]
        value = cfg["d_model"] * 2 ** len(cfg["strides"])
    return key, value


def _stage_strides(spec: dict, table: dict) -> tuple[str, list[int] | None]:
    """The strides that are really used (Oobleck/TAAE use one per c_mults entry)."""
    key, default, per_stage = table[spec["type"]]
    strides = spec["config"].get(key, default)
    if strides is not None and per_stage:
        strides = strides[: len(spec["config"].get("c_mults", _DEFAULT_C_MULTS))]
    return key, strides


# --- the model -------------------------------------------------------------------------------


def check_autoencoder_model(model: dict[str, Any], path: str, top: dict[str, Any], *,
                            audio_channels: int | None = None) -> Iterator[Issue]:
    """Consistency of one autoencoder ``model`` object at JSON path ``path``.

    ``top`` is the whole config (for ``audio_channels``, ``sample_size`` and, for the model of an
    ``autoencoder`` config, ``training.force_input_mono``). ``audio_channels`` overrides the
    channel count the model receives (nested pretransforms pass their parent's).
    """
    audio = audio_channels if audio_channels is not None else top.get("audio_channels", 2)
    is_trained = path == "$.model" and top.get("model_type") == "autoencoder"
    mono_input = is_trained and (top.get("training") or {}).get("force_input_mono", False)
    yield from _check_io(model, path, audio, mono_input)
    yield from _check_stages(model, path)
    yield from _check_latents(model, path)
    yield from _check_ratio(model, path)
    pretransform = model.get("pretransform")
    if pretransform and pretransform.get("type") == "autoencoder":
        yield from check_autoencoder_model(pretransform["config"], f"{path}.pretransform.config",
                                           top, audio_channels=audio)
    if is_trained:
        ratio = model["downsampling_ratio"]
        if top["sample_size"] % ratio:
            yield _warn("$.sample_size",
                        f"sample_size {top['sample_size']} is not a multiple of the downsampling "
                        f"ratio {ratio}: the last partial latent frame is padded or cut",
                        "sample-size-multiple",
                        f"use {top['sample_size'] // ratio * ratio or ratio}")


def _check_io(model: dict, path: str, audio: int, mono_input: bool) -> Iterator[Issue]:
    pretransform = model.get("pretransform")
    out_ch = model.get("out_channels") or model["io_channels"]
    out_key = "out_channels" if model.get("out_channels") else "io_channels"
    if out_ch != audio:
        yield _err(f"{path}.{out_key}", f"the model outputs {out_ch} channel(s) but the audio has "
                   f"{audio} (audio_channels)", "io-channels", f"set {out_key} to {audio}")
    in_ch = model.get("in_channels") or model["io_channels"]
    want_in = 1 if mono_input else audio
    if in_ch != want_in and out_ch == audio:
        key = "in_channels" if model.get("in_channels") else "io_channels"
        yield _warn(f"{path}.{key}", f"the model declares {in_ch} input channel(s) but receives "
                    f"{want_in}", "io-channels", f"set in_channels to {want_in}")
    if pretransform:
        yield from _check_pretransform_io(pretransform, f"{path}.pretransform", audio)
        enc_in = dec_out = encoded_channels(pretransform)
        what = "the pretransform's encoded channels"
    else:
        enc_in, dec_out = want_in, audio
        what = "force_input_mono" if mono_input else "audio_channels"
    enc, dec = model["encoder"], model["decoder"]
    key, got = _channel(enc, _ENCODER_IN)
    if enc_in is not None and got is not None and got != enc_in:
        yield _err(f"{path}.encoder.config.{key}", f"the encoder reads {got} channel(s) but "
                   f"receives {enc_in} ({what})", "encoder-input-channels", f"set {key} to {enc_in}")
    key, got = _channel(dec, _DECODER_OUT)
    if dec_out is not None and got is not None and got != dec_out:
        target = "the pretransform's encoded channels" if pretransform else "audio_channels"
        yield _err(f"{path}.decoder.config.{key}", f"the decoder produces {got} channel(s) but "
                   f"{dec_out} are expected ({target})", "decoder-output-channels",
                   f"set {key} to {dec_out}")


def _check_pretransform_io(pretransform: dict, path: str, audio: int) -> Iterator[Issue]:
    kind = pretransform.get("type")
    if kind == "audiocraft_pretrained":
        yield _err(f"{path}.type", "an audiocraft_pretrained pretransform is token-only: its "
                   "continuous encode/decode assert False, so an autoencoder cannot wrap it",
                   "pretransform-token-only")
        return
    reads = io_channels(pretransform)
    if kind != "autoencoder" and reads is not None and reads != audio:  # nested models: recursion
        key = "type" if kind == "dac_pretrained" else "config.channels"
        yield _err(f"{path}.{key}", f"the pretransform reads {reads} channel(s) but the audio has "
                   f"{audio}", "pretransform-channels", f"set it to {audio}")


def _check_stages(model: dict, path: str) -> Iterator[Issue]:
    for side in ("encoder", "decoder"):
        spec = model[side]
        if spec["type"] not in ("oobleck", "taae"):
            continue
        cfg = spec["config"]
        stages = len(cfg.get("c_mults", _DEFAULT_C_MULTS))
        keys = ["strides"] + (["transformer_depths"] if spec["type"] == "taae" else [])
        for key in keys:
            values = cfg.get(key, [2, 4, 8, 8] if key == "strides" else [3, 3, 3, 3])
            where = f"{path}.{side}.config.{key}"
            if len(values) < stages:
                yield _err(where, f"{len(values)} {key} for {stages} stages (len(c_mults)): the "
                           "build fails with IndexError", "stage-count",
                           f"give one value per c_mults entry ({stages})")
            elif len(values) > stages:
                yield _warn(where, f"only the first {stages} of {len(values)} {key} are used "
                            "(one per c_mults entry)", "stage-count")


def _check_ratio(model: dict, path: str) -> Iterator[Issue]:
    enc, dec = model["encoder"], model["decoder"]
    _, enc_strides = _stage_strides(enc, _STRIDES)
    dec_key, dec_strides = _stage_strides(dec, _DEC_STRIDES)
    if enc_strides is None:
        return
    enc_ratio = _prod(enc_strides)
    if dec_strides is not None and _prod(dec_strides) != enc_ratio:
        yield _err(f"{path}.decoder.config.{dec_key}", f"the decoder upsamples by "
                   f"{_prod(dec_strides)} but the encoder downsamples by {enc_ratio}",
                   "decoder-upsampling", f"make the product of {dec_key} {enc_ratio}")
    pretransform = model.get("pretransform")
    inner = _signal_ratio(pretransform) if pretransform else 1
    if inner is None:
        return
    expected = enc_ratio * inner
    if model["downsampling_ratio"] != expected:
        detail = f"encoder strides {enc_ratio}" + (f" x pretransform {inner}" if pretransform else "")
        yield _err(f"{path}.downsampling_ratio", f"downsampling_ratio is "
                   f"{model['downsampling_ratio']} but the model downsamples by {expected} "
                   f"({detail})", "downsampling-ratio", f"set downsampling_ratio to {expected}")


def _bottleneck_sizes(bottleneck: dict | None, latent_dim: int) -> tuple[int, int, int, str]:
    """(encoder output channels, latent channels, decoder extra channels, source) it implies."""
    if not bottleneck:
        return latent_dim, latent_dim, 0, "latent_dim"
    kind, cfg = bottleneck["type"], bottleneck.get("config") or {}
    noise = cfg.get("noise_augment_dim", 0) if kind in ("wasserstein", "dac_rvq", "fsq") else 0
    if kind in ("rvq", "rvq_vae"):
        size, src = cfg.get("dim", 128), "bottleneck.config.dim"
    elif kind in ("dac_rvq", "dac_rvq_vae"):
        size, src = cfg.get("input_dim", 512), "bottleneck.config.input_dim"
    elif kind == "fsq":
        size = cfg.get("dim") or len(cfg["levels"]) * cfg.get("num_codebooks", 1)
        src = "bottleneck.config.dim" if cfg.get("dim") else "bottleneck.config.levels"
    elif kind == "dithered_fsq":
        size, src = cfg["dim"] * cfg.get("num_codebooks", 1), "bottleneck.config.dim"
    else:
        size, src = latent_dim, "latent_dim"
    factor = 2 if kind in _VAE_LIKE else 1
    return factor * size, size, noise, src


def _check_latents(model: dict, path: str) -> Iterator[Issue]:
    latent = model["latent_dim"]
    bottleneck = model.get("bottleneck")
    if bottleneck and bottleneck.get("type") not in _BOTTLENECKS:
        return  # the schema issue names the unknown type
    enc_out, size, noise, src = _bottleneck_sizes(bottleneck, latent)
    kind = (bottleneck or {}).get("type")
    if size != latent:
        yield _err(f"{path}.latent_dim", f"latent_dim is {latent} but the {kind} bottleneck "
                   f"outputs {size} channels ({src})", "latent-dim", f"set latent_dim to {size}")
    key, got = _encoder_latent(model["encoder"])
    if got is not None and got != enc_out:
        why = f"2 x {size} for a {kind} bottleneck" if kind in _VAE_LIKE else f"{src} = {size}"
        yield _err(f"{path}.encoder.config.{key}", f"the encoder outputs {got} channels but "
                   f"{enc_out} are needed ({why})", "encoder-latent-dim", f"set {key} to {enc_out}")
    key, got = _channel(model["decoder"], _DECODER_LATENT)
    if got is not None and got != latent + noise:
        extra = f" + noise_augment_dim {noise}" if noise else ""
        yield _err(f"{path}.decoder.config.{key}", f"the decoder reads {got} channels but gets "
                   f"{latent + noise} (latent_dim {latent}{extra})", "decoder-latent-dim",
                   f"set {key} to {latent + noise}")
    yield from _check_bottleneck_config(bottleneck, f"{path}.bottleneck")


def _check_bottleneck_config(bottleneck: dict | None, path: str) -> Iterator[Issue]:
    if not bottleneck:
        return
    kind, cfg = bottleneck["type"], bottleneck.get("config") or {}
    if kind == "dithered_fsq" and isinstance(cfg.get("levels"), list) \
            and len(cfg["levels"]) != cfg["dim"]:
        yield _err(f"{path}.config.levels", f"{len(cfg['levels'])} levels for dim {cfg['dim']}: "
                   "upstream raises ValueError", "dithered-fsq-levels",
                   "give one level per dimension, or a single integer")
    if kind in ("dac_rvq", "dac_rvq_vae") and isinstance(cfg.get("codebook_dim"), list) \
            and len(cfg["codebook_dim"]) != cfg["n_codebooks"]:
        yield _err(f"{path}.config.codebook_dim", f"{len(cfg['codebook_dim'])} codebook_dim "
                   f"entries for {cfg['n_codebooks']} codebooks", "codebook-dim",
                   "give one per codebook, or a single integer")


# --- training --------------------------------------------------------------------------------


def checks(cfg: dict[str, Any]) -> Iterator[Issue]:
    """Every semantic check of an ``autoencoder`` config (the raw, schema-valid dict)."""
    yield from check_autoencoder_model(cfg["model"], "$.model", cfg)
    training = cfg["training"]
    yield from _check_losses(cfg, training.get("loss_configs"))
    yield from _check_eval(training.get("eval_loss_configs"))
    yield from _check_optimizers(training)
    yield from _check_teacher(cfg, training)
    for key in ("loss_configs", "use_ema"):
        if key not in training:
            yield _warn(f"$.training.{key}", f"upstream's unwrap_model.py (checkpoint export) "
                        f"indexes training.{key} directly and fails without it",
                        "unwrap-needs-key", f"write {key} explicitly")


def _out_channels(cfg: dict) -> int:
    model = cfg["model"]
    return model.get("out_channels") or model["io_channels"]


def _check_losses(cfg: dict, losses: dict | None) -> Iterator[Issue]:
    if not losses:
        return
    base = "$.training.loss_configs"
    disc = losses.get("discriminator")
    if disc:
        yield from _check_discriminator(disc, f"{base}.discriminator", _out_channels(cfg))
    yield from _check_stft(losses["spectral"]["config"], f"{base}.spectral.config",
                           stereo=_out_channels(cfg) == 2)
    mrmel = losses.get("mrmel")
    if mrmel and len(mrmel["config"]["n_mels"]) != len(mrmel["config"]["window_lengths"]):
        yield _err(f"{base}.mrmel.config.window_lengths", "n_mels and window_lengths must have "
                   "the same length (upstream silently drops the extra resolutions)",
                   "mrmel-lengths")
    if losses.get("hubert") and cfg["sample_rate"] != 16000:
        yield _warn(f"{base}.hubert", f"the HuBERT-style models expect 16 kHz audio but get "
                    f"{cfg['sample_rate']} Hz (upstream does not resample)", "hubert-sample-rate")
    yield from _check_bottleneck_weights(cfg["model"].get("bottleneck"), losses.get("bottleneck"),
                                         f"{base}.bottleneck.weights")


def _check_discriminator(disc: dict, path: str, out_channels: int) -> Iterator[Issue]:
    kind, cfg = disc["type"], disc["config"]
    if kind == "oobleck" and cfg.get("in_channels", 1) != out_channels:
        yield _err(f"{path}.config.in_channels", f"the oobleck discriminator sees "
                   f"{cfg.get('in_channels', 1)} channel(s) but the model outputs {out_channels}: "
                   "upstream does not fill it in", "discriminator-channels",
                   f"set in_channels to {out_channels}")
    if kind == "encodec":
        yield from _check_resolutions(
            cfg, path + ".config", ("n_ffts", [1024, 2048, 512]),
            ("hop_lengths", [256, 512, 128]), ("win_lengths", [1024, 2048, 512]))
    if kind == "dac":
        for i, (low, high) in enumerate(cfg.get("bands", [])):
            if low >= high:
                yield _err(f"{path}.config.bands[{i}]", f"band [{low}, {high}] is empty",
                           "discriminator-bands", "write [low, high] with low < high")


def _check_resolutions(cfg: dict, path: str, fft: tuple, hop: tuple, win: tuple
                       ) -> Iterator[Issue]:
    """Equal-length fft/hop/window arrays (asserted upstream) and window <= fft size."""
    ffts, hops, wins = (cfg.get(k, d) for k, d in (fft, hop, win))
    for key, values in ((hop[0], hops), (win[0], wins)):
        if len(values) != len(ffts):
            yield _err(f"{path}.{key}", f"{len(values)} {key} for {len(ffts)} {fft[0]}: the "
                       "arrays must have the same length (assertion upstream)",
                       "resolution-lengths")
    for i, (n, w) in enumerate(zip(ffts, wins)):
        if w > n:
            yield _err(f"{path}.{win[0]}[{i}]", f"window {w} is longer than its FFT size {n}",
                       "window-length", f"use at most {n}")


def _check_stft(cfg: dict, path: str, *, stereo: bool) -> Iterator[Issue]:
    if stereo:
        for key in ("fft_sizes", "hop_sizes", "win_lengths"):
            if key not in cfg:
                yield _err(f"{path}.{key}", f"{key} is required for a stereo model "
                           "(SumAndDifferenceSTFTLoss has no default)", "stereo-stft-sizes")
    yield from _check_resolutions(cfg, path, ("fft_sizes", [1024, 2048, 512]),
                                  ("hop_sizes", [120, 240, 50]), ("win_lengths", [600, 1200, 240]))
    bins = cfg.get("n_bins")
    if cfg.get("scale") == "mel" and bins is not None:
        ffts = cfg.get("fft_sizes", [1024, 2048, 512])
        if len(bins) < len(ffts):
            yield _err(f"{path}.n_bins", f"{len(bins)} n_bins for {len(ffts)} resolutions",
                       "resolution-lengths", "give one per fft size")
        for i, (b, n) in enumerate(zip(bins, ffts)):
            if b > n:
                yield _err(f"{path}.n_bins[{i}]", f"{b} mel bins exceed the FFT size {n} "
                           "(assertion upstream)", "mel-bins")


def _check_bottleneck_weights(bottleneck: dict | None, group: dict | None, path: str
                              ) -> Iterator[Issue]:
    weights = (group or {}).get("weights") or {}
    kind = (bottleneck or {}).get("type")
    if "kl" in weights and kind not in _VAE_LIKE:
        yield _warn(f"{path}.kl", f"the KL weight is only used by vae, rvq_vae and dac_rvq_vae "
                    f"bottlenecks (this model has {kind})", "unused-loss-weight")
    if "mmd" in weights and kind != "wasserstein":
        yield _warn(f"{path}.mmd", f"the MMD weight is only used by the wasserstein bottleneck "
                    f"(this model has {kind})", "unused-loss-weight")


def _check_eval(evals: dict | None) -> Iterator[Issue]:
    if not evals:
        return
    for key, bins_key in (("stft", "n_bins"), ("mel", "n_mels")):
        cfg = evals.get(key)
        if cfg is None:
            continue
        path = f"$.training.eval_loss_configs.{key}"
        fft = cfg.get("fft_size", 1024)
        if cfg.get("win_length", 1024) > fft:
            yield _err(f"{path}.win_length", f"window {cfg.get('win_length', 1024)} is longer "
                       f"than the FFT size {fft}", "window-length")
        bins = cfg.get(bins_key, 128 if key == "mel" else None)
        if bins is not None and bins > fft:
            yield _err(f"{path}.{bins_key}", f"{bins} bins exceed the FFT size {fft} (assertion "
                       "upstream)", "mel-bins")


def _check_optimizers(training: dict) -> Iterator[Issue]:
    groups = training.get("optimizer_configs")
    if not groups:
        return
    base = "$.training.optimizer_configs"
    losses = training.get("loss_configs")
    uses_disc = not losses or "discriminator" in losses
    if training.get("learning_rate") is not None:
        yield _warn("$.training.learning_rate", "learning_rate is ignored when optimizer_configs "
                    "is given", "ignored-learning-rate", "set the rate in the optimizer config")
    for name, group in groups.items():
        if group is not None and "scheduler" in group and group["scheduler"] is None:
            yield _warn(f"{base}.{name}.scheduler", "upstream stable-audio-tools tests whether the "
                        "key is present, so scheduler: null crashes there", "null-scheduler",
                        "leave the key out")
    disc = groups.get("discriminator")
    if not uses_disc:
        if disc is not None:
            yield _warn(f"{base}.discriminator", "ignored: loss_configs has no discriminator",
                        "unused-optimizer")
        return
    has = {name: bool((groups.get(name) or {}).get("scheduler")) for name in
           ("autoencoder", "discriminator")}
    if has["autoencoder"] != has["discriminator"]:
        lone = "autoencoder" if has["autoencoder"] else "discriminator"
        other = "discriminator" if lone == "autoencoder" else "autoencoder"
        yield _warn(f"{base}.{lone}.scheduler", f"ignored: with a discriminator, schedulers are "
                    f"used only when both groups define one", "lone-scheduler",
                    f"add a scheduler to {other} too, or remove this one")


def _check_teacher(cfg: dict, training: dict) -> Iterator[Issue]:
    teacher = training.get("teacher_model")
    if not teacher:
        return
    path = "$.training.teacher_model"
    student, model = cfg["model"], teacher["model"]
    yield from check_autoencoder_model(model, f"{path}.model", cfg,
                                       audio_channels=cfg.get("audio_channels", 2))
    for key in ("latent_dim", "downsampling_ratio"):
        if model[key] != student[key]:
            yield _err(f"{path}.model.{key}", f"the teacher's {key} {model[key]} differs from "
                       f"the student's {student[key]}: latents cannot be compared or swapped",
                       "teacher-shape", f"use a teacher with {key} {student[key]}")
    if teacher["sample_rate"] != cfg["sample_rate"]:
        yield _warn(f"{path}.sample_rate", f"the teacher runs at {teacher['sample_rate']} Hz, the "
                    f"student at {cfg['sample_rate']} Hz", "teacher-sample-rate")
