"""Autoencoder training checks JSON Schema cannot express: loss arrays that upstream asserts
equal (or silently truncates), loss weights for the wrong bottleneck, optimizer groups and
schedulers that are ignored, and teacher models that cannot be compared with the student.

Defaults come from the schema (``_schema_facts``); the model checks are in
``_semantic_autoencoder``. Every check appends its issues to ``out``.
"""

from __future__ import annotations

from typing import Any

from ...errors import Issue, err, warn
from ...schema.facts import defaults
from ...checks.parts.activations import check_activation
from ...checks.parts import positive
from ...checks.parts.autoencoder import check_autoencoder_model
from ...checks.parts.clips import (OOBLECK_DISCRIMINATOR_SHORTEST, centered_stft,
                                   dac_band_fits, dac_period_fits, uncentered_stft)
from .facts import BUILTIN_LOSS_CONFIGS

_LOSSES = ("autoencoder", "training", "loss_configs")
_OOBLECK_DISC = defaults(*_LOSSES, "discriminator", "type=oobleck", "config")
_ENCODEC_DISC = defaults(*_LOSSES, "discriminator", "type=encodec", "config")
_DAC_DISC = defaults(*_LOSSES, "discriminator", "type=dac", "config")
_STFT = defaults(*_LOSSES, "spectral", "config")
_EVAL = {key: defaults("autoencoder", "training", "eval_loss_configs", key)
         for key in ("stft", "mel")}
_TOP = defaults("autoencoder")
_VAE_LIKE = {"vae", "rvq_vae", "dac_rvq_vae"}
_STFT_KEYS = ("fft_sizes", "hop_sizes", "win_lengths")
_ENCODEC_KEYS = ("n_ffts", "hop_lengths", "win_lengths")


def checks(cfg: dict[str, Any]) -> list[Issue]:
    """Every semantic check of an ``autoencoder`` config (the raw, schema-valid dict)."""
    out: list[Issue] = []
    check_autoencoder_model(out, cfg["model"], "$.model", cfg)
    training_checks(out, cfg)
    return out


def training_checks(out: list[Issue], cfg: dict[str, Any]) -> None:
    """Every check of an ``autoencoder`` config's ``training`` section."""
    training = cfg["training"]
    if training.get("loss_configs"):
        _check_losses(out, cfg, training["loss_configs"])
    if training.get("eval_loss_configs"):
        _check_eval(out, training["eval_loss_configs"])
    if training.get("optimizer_configs"):
        _check_optimizers(out, training, training["optimizer_configs"])
    if training.get("teacher_model"):
        _check_teacher(out, cfg, training["teacher_model"])
    _check_clip(out, cfg)
    for key in ("loss_configs", "use_ema"):
        if key not in training:
            out.append(warn(f"$.training.{key}", f"upstream's unwrap_model.py (checkpoint "
                            f"export) indexes training.{key} directly and fails without it",
                            "unwrap-needs-key", f"write {key} explicitly"))


def _check_losses(out: list[Issue], cfg: dict, losses: dict) -> None:
    base = "$.training.loss_configs"
    model = cfg["model"]
    out_channels = model.get("out_channels") or model["io_channels"]
    if losses.get("discriminator"):
        _check_discriminator(out, losses["discriminator"], f"{base}.discriminator", out_channels)
    _check_stft(out, losses["spectral"]["config"], f"{base}.spectral.config",
                stereo=out_channels == 2)
    mrmel = losses.get("mrmel")
    if mrmel and len(mrmel["config"]["n_mels"]) != len(mrmel["config"]["window_lengths"]):
        out.append(err(f"{base}.mrmel.config.window_lengths", "n_mels and window_lengths must "
                       "have the same length (upstream silently drops the extra resolutions)",
                       "mrmel-lengths"))
    if losses.get("hubert") and cfg["sample_rate"] != 16000:
        out.append(warn(f"{base}.hubert", f"the HuBERT-style models expect 16 kHz audio but get "
                        f"{cfg['sample_rate']} Hz (upstream does not resample)",
                        "hubert-sample-rate"))
    weights = (losses.get("bottleneck") or {}).get("weights")
    if weights:
        _check_bottleneck_weights(out, model.get("bottleneck"), weights,
                                  f"{base}.bottleneck.weights")


def _check_discriminator(out: list[Issue], disc: dict, path: str, out_channels: int) -> None:
    kind, cfg = disc["type"], disc["config"]
    if kind == "oobleck":
        seen = cfg.get("in_channels", _OOBLECK_DISC["in_channels"])
        if seen != out_channels:
            out.append(err(f"{path}.config.in_channels", f"the oobleck discriminator sees {seen} "
                           f"channel(s) but the model outputs {out_channels}: upstream does not "
                           "fill it in", "discriminator-channels",
                           f"set in_channels to {out_channels}"))
    elif kind == "encodec":
        _check_resolutions(out, cfg, path + ".config", _ENCODEC_DISC, _ENCODEC_KEYS)
        check_activation(out, cfg, path + ".config", "activation", "activation_params",
                         _ENCODEC_DISC)
    elif kind == "dac":
        for i, (low, high) in enumerate(cfg.get("bands", ())):
            if low >= high:
                out.append(err(f"{path}.config.bands[{i}]", f"band [{low}, {high}] is empty",
                               "discriminator-bands", "write [low, high] with low < high"))


def _check_resolutions(out: list[Issue], cfg: dict, path: str, dflt: Any,
                       keys: tuple[str, str, str]) -> None:
    """Equal-length fft/hop/window arrays (asserted upstream) and window <= fft size."""
    fft, hop, win = keys
    ffts, hops, wins = (cfg.get(k, dflt[k]) for k in keys)
    for key, values in ((hop, hops), (win, wins)):
        if len(values) != len(ffts):
            out.append(err(f"{path}.{key}", f"{len(values)} {key} for {len(ffts)} {fft}: the "
                           "arrays must have the same length (assertion upstream)",
                           "resolution-lengths"))
    for i, (n, w) in enumerate(zip(ffts, wins)):
        if w > n:
            out.append(err(f"{path}.{win}[{i}]", f"window {w} is longer than its FFT size {n}",
                           "window-length", f"use at most {n}"))


def _check_stft(out: list[Issue], cfg: dict, path: str, *, stereo: bool) -> None:
    if stereo:
        for key in _STFT_KEYS:
            if key not in cfg:
                out.append(err(f"{path}.{key}", f"{key} is required for a stereo model "
                               "(SumAndDifferenceSTFTLoss has no default)", "stereo-stft-sizes"))
    _check_resolutions(out, cfg, path, _STFT, _STFT_KEYS)
    bins = cfg.get("n_bins", _STFT["n_bins"])
    if bins is None or cfg.get("scale", _STFT["scale"]) != "mel":
        return
    ffts = cfg.get("fft_sizes", _STFT["fft_sizes"])
    if len(bins) < len(ffts):
        out.append(err(f"{path}.n_bins", f"{len(bins)} n_bins for {len(ffts)} resolutions",
                       "resolution-lengths", "give one per fft size"))
    for i, (b, n) in enumerate(zip(bins, ffts)):
        if b > n:
            out.append(err(f"{path}.n_bins[{i}]", f"{b} mel bins exceed the FFT size {n} "
                           "(assertion upstream)", "mel-bins"))


def _check_bottleneck_weights(out: list[Issue], bottleneck: dict | None, weights: dict,
                              path: str) -> None:
    kind = (bottleneck or {}).get("type")
    if "kl" in weights and kind not in _VAE_LIKE:
        out.append(warn(f"{path}.kl", f"the KL weight is only used by vae, rvq_vae and "
                        f"dac_rvq_vae bottlenecks (this model has {kind})", "unused-loss-weight"))
    if "mmd" in weights and kind != "wasserstein":
        out.append(warn(f"{path}.mmd", f"the MMD weight is only used by the wasserstein "
                        f"bottleneck (this model has {kind})", "unused-loss-weight"))


def _check_eval(out: list[Issue], evals: dict) -> None:
    for key, bins_key in (("stft", "n_bins"), ("mel", "n_mels")):
        cfg = evals.get(key)
        if cfg is None:
            continue
        path, dflt = f"$.training.eval_loss_configs.{key}", _EVAL[key]
        fft = cfg.get("fft_size", dflt["fft_size"])
        window = cfg.get("win_length", dflt["win_length"])
        if window > fft:
            out.append(err(f"{path}.win_length", f"window {window} is longer than the FFT size "
                           f"{fft}", "window-length"))
        bins = cfg.get(bins_key, dflt.get(bins_key))
        if bins is not None and bins > fft:
            out.append(err(f"{path}.{bins_key}", f"{bins} bins exceed the FFT size {fft} "
                           "(assertion upstream)", "mel-bins"))


def _check_optimizers(out: list[Issue], training: dict, groups: dict) -> None:
    base = "$.training.optimizer_configs"
    losses = training.get("loss_configs")
    uses_disc = not losses or "discriminator" in losses
    if training.get("learning_rate") is not None:
        out.append(warn("$.training.learning_rate", "learning_rate is ignored when "
                        "optimizer_configs is given", "ignored-learning-rate",
                        "set the rate in the optimizer config"))
    for name, group in groups.items():
        if group is not None and "scheduler" in group and group["scheduler"] is None:
            out.append(warn(f"{base}.{name}.scheduler", "upstream stable-audio-tools tests "
                            "whether the key is present, so scheduler: null crashes there",
                            "null-scheduler", "leave the key out"))
    if not uses_disc:
        if groups.get("discriminator") is not None:
            out.append(warn(f"{base}.discriminator", "ignored: loss_configs has no "
                            "discriminator", "unused-optimizer"))
        return
    has = {name: bool((groups.get(name) or {}).get("scheduler"))
           for name in ("autoencoder", "discriminator")}
    if has["autoencoder"] != has["discriminator"]:
        lone = "autoencoder" if has["autoencoder"] else "discriminator"
        other = "discriminator" if lone == "autoencoder" else "autoencoder"
        out.append(warn(f"{base}.{lone}.scheduler", "ignored: with a discriminator, schedulers "
                        "are used only when both groups define one", "lone-scheduler",
                        f"add a scheduler to {other} too, or remove this one"))


def _check_teacher(out: list[Issue], cfg: dict, teacher: dict) -> None:
    path = "$.training.teacher_model"
    student, model = cfg["model"], teacher["model"]
    check_autoencoder_model(out, model, f"{path}.model", cfg,
                            audio_channels=cfg.get("audio_channels", _TOP["audio_channels"]))
    for key in ("latent_dim", "downsampling_ratio"):
        if model[key] != student[key]:
            out.append(err(f"{path}.model.{key}", f"the teacher's {key} {model[key]} differs "
                           f"from the student's {student[key]}: latents cannot be compared or "
                           "swapped", "teacher-shape", f"use a teacher with {key} {student[key]}"))
    if teacher["sample_rate"] != cfg["sample_rate"]:
        out.append(warn(f"{path}.sample_rate", f"the teacher runs at {teacher['sample_rate']} "
                        f"Hz, the student at {cfg['sample_rate']} Hz", "teacher-sample-rate"))


# --- the clip every loss reads ----------------------------------------------------------------


def _check_clip(out: list[Issue], cfg: dict) -> None:
    """Every spectral loss, discriminator and validation metric reads a whole ``sample_size``
    clip (the decoded one too): its STFT padding or pooling must fit in it."""
    size, ratio = cfg["sample_size"], cfg["model"]["downsampling_ratio"]
    if not positive(size, ratio) or size < ratio:
        return  # sample-size-short says it
    decoded = size // ratio * ratio  # the decoder returns whole latent frames
    shown = f"sample_size {size}" + (f" (decoded: {decoded} samples, whole latent frames)"
                                     if decoded != size else "")
    size = decoded
    training = cfg["training"]
    builtin = not training.get("loss_configs")
    losses = BUILTIN_LOSS_CONFIGS if builtin else training["loss_configs"]
    base = "$.training.loss_configs"
    found: list[tuple[str, str, str]] = []  # (path, what fails, the fix)

    def need(path: str, what: str, shortest: int, key: str) -> None:
        if size < shortest:
            found.append((path, f"{what} needs clips of at least {shortest} samples",
                          f"use a multiple of {ratio} from {_round_up(shortest, ratio)} up, "
                          f"or smaller {key}"))

    spectral = (losses.get("spectral") or {}).get("config") or {}
    ffts = spectral.get("fft_sizes", _STFT["fft_sizes"])
    if ffts:
        need(f"{base}.spectral.config.fft_sizes", f"the spectral loss's FFT of {max(ffts)} "
             "(centred: reflect padding of half the FFT)", centered_stft(max(ffts)), "fft_sizes")
    windows = ((losses.get("mrmel") or {}).get("config") or {}).get("window_lengths")
    if windows:
        need(f"{base}.mrmel.config.window_lengths", f"the mrmel loss's window of "
             f"{max(windows)} (centred STFT)", centered_stft(max(windows)), "window_lengths")
    disc = losses.get("discriminator")
    if isinstance(disc, dict):
        _clip_discriminator(disc, f"{base}.discriminator.config", size, need, found)
    for key in ("stft", "mel"):
        metric = (training.get("eval_loss_configs") or {}).get(key)
        if isinstance(metric, dict):
            fft = metric.get("fft_size", _EVAL[key]["fft_size"])
            need(f"$.training.eval_loss_configs.{key}.fft_size", f"the {key} validation metric's "
                 f"FFT of {fft} (centred STFT)", centered_stft(fft), "fft_size")
    if builtin and found:  # upstream's built-in losses: one issue, at the clip length
        out.append(err("$.sample_size", f"{shown} is too short for the built-in "
                       f"losses (no training.loss_configs): " + "; ".join(
                           what for _, what, _ in found) + ". The first step fails",
                       "clip-length", f"use a multiple of {ratio} from "
                       f"{_round_up(max(_shortest_builtin()), ratio)} up, or "
                       "write loss_configs with smaller FFT sizes"))
        return
    for path, what, fix in found:
        out.append(err(path, f"{shown} is too short: {what}, and the first step "
                       "fails", "clip-length", fix))


def _clip_discriminator(disc: dict, path: str, size: int, need, found: list) -> None:
    cfg = disc.get("config") or {}
    if disc.get("type") == "encodec":
        ffts = cfg.get("n_ffts", _ENCODEC_DISC["n_ffts"])
        if ffts:
            need(f"{path}.n_ffts", f"the encodec discriminator's FFT of {max(ffts)} (no "
                 "padding: one whole frame)", uncentered_stft(max(ffts)), "n_ffts")
    elif disc.get("type") == "oobleck":
        need(path, "the oobleck discriminator (three scales, each halving the clip)",
             OOBLECK_DISCRIMINATOR_SHORTEST, "discriminator")
    elif disc.get("type") == "dac":
        periods = [p for p in cfg.get("periods", _DAC_DISC["periods"])
                   if positive(p) and not dac_period_fits(size, p)]
        if periods:
            found.append((f"{path}.periods", f"the dac discriminator's period(s) "
                          f"{periods} reflect-pad the clip by more than its length (a whole "
                          "period when the period divides it)",
                          "use a sample_size longer than every period, or remove the period"))
        windows = [w for w in cfg.get("fft_sizes", _DAC_DISC["fft_sizes"])
                   if positive(w) and not dac_band_fits(size, w)]
        if windows:
            found.append((f"{path}.fft_sizes", f"the dac discriminator's band STFT(s) "
                          f"{windows} reflect-pad by more than the clip's length (3/8 of the "
                          "window, plus the hop alignment)", "use a longer sample_size, or "
                          "smaller fft_sizes"))


def _round_up(value: int, step: int) -> int:
    return -(-value // step) * step


def _shortest_builtin() -> list[int]:
    spectral = BUILTIN_LOSS_CONFIGS["spectral"]["config"]["fft_sizes"]
    encodec = BUILTIN_LOSS_CONFIGS["discriminator"]["config"]["n_ffts"]
    return [centered_stft(max(spectral)), uncentered_stft(max(encodec))]
