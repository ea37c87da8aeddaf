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
from ...checks.parts.autoencoder import check_autoencoder_model

_LOSSES = ("autoencoder", "training", "loss_configs")
_OOBLECK_DISC = defaults(*_LOSSES, "discriminator", "type=oobleck", "config")
_ENCODEC_DISC = defaults(*_LOSSES, "discriminator", "type=encodec", "config")
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
