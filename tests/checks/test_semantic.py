"""Semantic checks: every rule fires on a schema-valid config that breaks it (at the path it
names) and stays silent on the corrected config. Plus the schema-defaults lookup they rely on.

Each case starts from a small, schema-valid and semantically clean config of its model type,
applies one mistake (``bad``) or its fix (``good``) and looks for the rule's issue.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings

import sat_config
from sat_config.schema.facts import SchemaFactError, defaults
from sat_config.checks import integral_floats_as_ints, semantic_issues
from sat_config.schema.engine import is_valid
from test_engines import SEEDS, mutated_configs

REPO = Path(__file__).resolve().parents[2]


# --- small clean configs, one per model type ------------------------------------------------


def _autoencoder_pretransform(latent: int = 16, channels: int = 2) -> dict:
    """A tiny Oobleck VAE (downsampling 8) used as a pretransform."""
    side = {"channels": 32, "c_mults": [1, 2], "strides": [2, 4]}
    return {"type": "autoencoder", "config": {
        "encoder": {"type": "oobleck", "config": {**side, "in_channels": channels,
                                                  "latent_dim": 2 * latent}},
        "decoder": {"type": "oobleck", "config": {**side, "out_channels": channels,
                                                  "latent_dim": latent}},
        "bottleneck": {"type": "vae"}, "latent_dim": latent, "downsampling_ratio": 8,
        "io_channels": channels}}


def autoencoder() -> dict:
    side = {"channels": 32, "c_mults": [1, 2], "strides": [2, 4]}
    return {
        "model_type": "autoencoder", "sample_rate": 44100, "sample_size": 8192,
        "audio_channels": 2,
        "model": {
            "encoder": {"type": "oobleck", "config": {**side, "in_channels": 2, "latent_dim": 32}},
            "decoder": {"type": "oobleck", "config": {**side, "out_channels": 2, "latent_dim": 16}},
            "bottleneck": {"type": "vae"}, "latent_dim": 16, "downsampling_ratio": 8,
            "io_channels": 2},
        "training": {"learning_rate": 1e-4, "use_ema": False, "loss_configs": {
            "discriminator": {"type": "encodec", "config": {"filters": 16},
                              "weights": {"adversarial": 0.1, "feature_matching": 5.0}},
            "spectral": {"type": "mrstft", "config": {"fft_sizes": [1024, 512],
                                                      "hop_sizes": [256, 128],
                                                      "win_lengths": [1024, 512]},
                         "weights": {"mrstft": 1.0}},
            "time": {"type": "l1", "weights": {"l1": 0.0}}}}}


def _conditioning() -> dict:
    return {"cond_dim": 256, "configs": [
        {"id": "prompt", "type": "t5", "config": {"t5_model_name": "t5-base", "max_length": 64}},
        {"id": "seconds_total", "type": "number", "config": {"min_val": 0, "max_val": 512}}]}


def _demo() -> dict:
    return {"num_demos": 2, "demo_cfg_scales": [3],
            "demo_cond": [{"prompt": "rain", "seconds_total": 10},
                          {"prompt": "drums", "seconds_total": 20}]}


def dit_cond() -> dict:
    return {
        "model_type": "diffusion_cond", "sample_rate": 44100, "sample_size": 8192,
        "audio_channels": 2,
        "model": {
            "pretransform": _autoencoder_pretransform(), "io_channels": 16,
            "conditioning": _conditioning(),
            "diffusion": {
                "type": "dit", "cross_attention_cond_ids": ["prompt", "seconds_total"],
                "global_cond_ids": ["seconds_total"],
                "config": {"io_channels": 16, "embed_dim": 256, "depth": 4, "num_heads": 4,
                           "cond_token_dim": 256, "global_cond_dim": 256}}},
        "training": {"learning_rate": 1e-4, "demo": _demo()}}


def adp_cond() -> dict:
    cfg = dit_cond()
    cfg["model"]["diffusion"] = {
        "type": "adp_cfg_1d", "cross_attention_cond_ids": ["prompt", "seconds_total"],
        "config": {"in_channels": 16, "channels": 64, "multipliers": [1, 2, 2],
                   "factors": [2, 2], "num_blocks": [1, 1], "attentions": [0, 1, 1],
                   "attention_heads": 4, "attention_multiplier": 2,
                   "context_embedding_features": 256, "context_embedding_max_length": 65}}
    return cfg


def adp_1d_cond() -> dict:
    cfg = dit_cond()
    del cfg["model"]["conditioning"]["configs"][0]  # adp_1d has no cross-attention for prompts
    for item in cfg["training"]["demo"]["demo_cond"]:
        del item["prompt"]
    cfg["model"]["diffusion"] = {
        "type": "adp_1d", "global_cond_ids": ["seconds_total"],
        "config": {"in_channels": 16, "channels": 64, "multipliers": [1, 2], "factors": [2],
                   "num_blocks": [1], "attentions": [0, 0], "context_features": 256}}
    return cfg


def inpaint() -> dict:
    cfg = dit_cond()
    cfg["model_type"] = "diffusion_cond_inpaint"
    diffusion = cfg["model"]["diffusion"]
    diffusion["input_concat_ids"] = ["inpaint_mask", "inpaint_masked_input"]
    diffusion["config"]["input_concat_dim"] = 17
    cfg["training"]["inpainting"] = {"mask_kwargs": {"mask_type_probabilities": [0.2, 0.6, 0.2]}}
    cfg["training"]["demo"] = {"num_demos": 2, "demo_cfg_scales": [3]}
    return cfg


def arc() -> dict:
    cfg = dit_cond()
    del cfg["training"]["learning_rate"]
    group = {"optimizer": {"type": "AdamW", "config": {"lr": 1e-5}}}
    cfg["training"].update({
        "optimizer_configs": {"diffusion": group, "discriminator": copy.deepcopy(group)},
        "arc": {"use_model_as_discriminator": True, "discriminator": {"dit_hidden_layer": 2}}})
    cfg["model"]["diffusion"]["diffusion_objective"] = "rectified_flow"
    return cfg


def arc_with_bases() -> dict:
    cfg = arc()
    base = dit_cond()
    del base["training"]
    cfg["training"]["arc"] = {
        "discriminator_base_model": base, "teacher_model": copy.deepcopy(base),
        "teacher_model_ckpt": "teacher.ckpt", "discriminator": {"dit_hidden_layer": 2}}
    return cfg


def dau_uncond() -> dict:
    return {"model_type": "diffusion_uncond", "sample_rate": 48000, "sample_size": 65536,
            "model": {"type": "DAU1d", "config": {"n_attn_layers": 2}},
            "training": {"learning_rate": 1e-4}}


def adp_uncond() -> dict:
    cfg = dau_uncond()
    cfg["model"] = {"type": "adp_uncond_1d", "config": {
        "in_channels": 2, "channels": 32, "multipliers": [1, 2], "factors": [4], "num_blocks": [1],
        "attentions": [0, 0]}}
    return cfg


def dit_uncond() -> dict:
    cfg = dau_uncond()
    cfg["sample_size"] = 8192
    cfg["model"] = {"type": "dit", "pretransform": _autoencoder_pretransform(),
                    "config": {"in_channels": 16, "embed_dim": 128, "depth": 2, "num_heads": 4,
                               "patch_size": 2}}
    return cfg


def dae() -> dict:
    return {
        "model_type": "diffusion_autoencoder", "sample_rate": 44100, "sample_size": 8192,
        "audio_channels": 2,
        "model": {
            "pretransform": _autoencoder_pretransform(),
            "encoder": {"type": "oobleck", "config": {"in_channels": 16, "channels": 32,
                                                      "c_mults": [1, 2], "strides": [2, 4],
                                                      "latent_dim": 16}},
            "bottleneck": {"type": "vae"}, "latent_dim": 8, "downsampling_ratio": 8,
            "io_channels": 16,
            "diffusion": {"type": "dit", "config": {"io_channels": 16, "input_concat_dim": 8,
                                                    "embed_dim": 128, "depth": 2, "num_heads": 4,
                                                    "diffusion_objective": "v"}}},
        "training": {"learning_rate": 1e-4}}


def lm() -> dict:
    side = {"channels": 32, "c_mults": [1, 2], "strides": [2, 4], "latent_dim": 16}
    return {
        "model_type": "lm", "sample_rate": 32000, "sample_size": 32000, "audio_channels": 1,
        "model": {
            "pretransform": {"type": "autoencoder", "config": {
                "encoder": {"type": "oobleck", "config": {**side, "in_channels": 1}},
                "decoder": {"type": "oobleck", "config": {**side, "out_channels": 1}},
                "bottleneck": {"type": "rvq", "config": {"dim": 16, "num_quantizers": 4,
                                                         "codebook_size": 1024}},
                "latent_dim": 16, "downsampling_ratio": 8, "io_channels": 1}},
            "conditioning": {"cond_dim": 256, "configs": [
                {"id": "prompt", "type": "t5", "config": {"t5_model_name": "t5-base"}}]},
            "lm": {"type": "continuous_transformer", "cross_attention_cond_ids": ["prompt"],
                   "config": {"embed_dim": 512, "depth": 4, "cross_attn_cond_dim": 256,
                              "project_cross_attn_cond": True}}},
        "training": {"learning_rate": 1e-4, "demo": {"num_demos": 1,
                                                     "demo_cond": [{"prompt": "a flute"}]}}}


BASES: dict[str, Callable[[], dict]] = {
    f.__name__: f for f in (autoencoder, dit_cond, adp_cond, adp_1d_cond, inpaint, arc,
                            arc_with_bases, dau_uncond, adp_uncond, dit_uncond, dae, lm)}


def _issues(cfg: dict) -> list[sat_config.Issue]:
    assert is_valid(cfg), [i.format() for i in sat_config.validate(cfg)]
    return semantic_issues(cfg, schema_valid=True)


@pytest.mark.parametrize("name", BASES)
def test_base_configs_are_clean(name: str) -> None:
    assert _issues(BASES[name]()) == []


# --- the rules --------------------------------------------------------------------------------


def _set(path: str, value) -> Callable[[dict], None]:
    """A mutation writing ``value`` at a dotted path (``[n]`` indexes lists, one past the end
    appends)."""
    def apply(cfg: dict) -> None:
        *parents, last = path.replace("[", ".[").split(".")
        node = cfg
        for part in parents:
            node = node[int(part[1:-1])] if part.startswith("[") else node[part]
        if last.startswith("[") and int(last[1:-1]) == len(node):
            node.append(copy.deepcopy(value))
        elif last.startswith("["):
            node[int(last[1:-1])] = copy.deepcopy(value)
        else:
            node[last] = copy.deepcopy(value)
    return apply


def _drop(path: str) -> Callable[[dict], None]:
    def apply(cfg: dict) -> None:
        *parents, last = path.split(".")
        node = cfg
        for part in parents:
            node = node[part]
        del node[last]
    return apply


def _all(*mutations: Callable[[dict], None]) -> Callable[[dict], None]:
    def apply(cfg: dict) -> None:
        for mutate in mutations:
            mutate(cfg)
    return apply


def _none(cfg: dict) -> None:
    """The base config as it is (already correct)."""


@dataclass(frozen=True)
class Case:
    name: str
    base: str
    bad: Callable[[dict], None]
    good: Callable[[dict], None]
    rule: str
    path: str
    severity: str = "error"


D = "model.diffusion"
DC = "model.diffusion.config"
COND = "model.conditioning"
T5_PRETRANSFORM_COND = {"id": "melody", "type": "pretransform",
                        "config": {"sample_rate": 44100, "use_model_pretransform": True,
                                   "output_dim": 16}}

M = "model"
LOSSES = "training.loss_configs"
WAVELET = {"type": "wavelet", "config": {"channels": 2, "levels": 3, "wavelet": "bior4.4"}}
DAC_DISC = {"type": "dac", "config": {"fft_sizes": [16]},
            "weights": {"adversarial": 0.1, "feature_matching": 5.0}}
SMALL_STFT = {"fft_sizes": [16], "hop_sizes": [4], "win_lengths": [16]}
GROUP = {"optimizer": {"type": "AdamW", "config": {"lr": 1e-4}}}
SCHEDULER = {"type": "ExponentialLR", "config": {"gamma": 0.999}}

CASES = [
    # every config
    Case("a key the kind ignores (ARC reads no timestep_sampler)", "arc",
         _set("training.timestep_sampler", "logit_normal"), _none, "ignored-key",
         "$.training.timestep_sampler", "warning"),
    Case("a key only ARC reads, without ARC", "dit_cond", _set("training.clip_grad_norm", 1.0),
         _none, "ignored-key", "$.training.clip_grad_norm", "warning"),
    Case("an integer past 64 bits", "autoencoder", _set("training.warmup_steps", 2 ** 63),
         _set("training.warmup_steps", 2 ** 63 - 1), "integer-range",
         "$.training.warmup_steps"),
    # autoencoders
    Case("model channels vs audio_channels", "autoencoder", _set("audio_channels", 1), _none,
         "io-channels", "$.model.io_channels"),
    Case("encoder input channels", "autoencoder", _set(f"{M}.encoder.config.in_channels", 1),
         _none, "encoder-input-channels", "$.model.encoder.config.in_channels"),
    Case("encoder input with force_input_mono", "autoencoder",
         _set("training.force_input_mono", True),
         _all(_set("training.force_input_mono", True), _set(f"{M}.encoder.config.in_channels", 1),
              _set(f"{M}.in_channels", 1)),
         "encoder-input-channels", "$.model.encoder.config.in_channels"),
    Case("decoder output channels", "autoencoder", _set(f"{M}.decoder.config.out_channels", 1),
         _none, "decoder-output-channels", "$.model.decoder.config.out_channels"),
    Case("strides per c_mults stage", "autoencoder", _set(f"{M}.encoder.config.strides", [8]),
         _none, "stage-count", "$.model.encoder.config.strides"),
    Case("extra strides are ignored", "autoencoder",
         _set(f"{M}.encoder.config.strides", [2, 4, 8]), _none, "stage-count",
         "$.model.encoder.config.strides", "warning"),
    Case("decoder upsampling vs encoder downsampling", "autoencoder",
         _set(f"{M}.decoder.config.strides", [4, 4]), _none, "decoder-upsampling",
         "$.model.decoder.config.strides"),
    Case("downsampling_ratio vs strides", "autoencoder", _set(f"{M}.downsampling_ratio", 16),
         _none, "downsampling-ratio", "$.model.downsampling_ratio"),
    Case("latent_dim vs the bottleneck", "autoencoder",
         _set(f"{M}.bottleneck", {"type": "rvq", "config": {"dim": 8}}),
         _all(_set(f"{M}.bottleneck", {"type": "rvq", "config": {"dim": 16}}),
              _set(f"{M}.encoder.config.latent_dim", 16)),
         "latent-dim", "$.model.latent_dim"),
    Case("encoder output vs a VAE bottleneck", "autoencoder",
         _set(f"{M}.encoder.config.latent_dim", 16), _none, "encoder-latent-dim",
         "$.model.encoder.config.latent_dim"),
    Case("decoder input vs latent_dim", "autoencoder", _set(f"{M}.decoder.config.latent_dim", 32),
         _none, "decoder-latent-dim", "$.model.decoder.config.latent_dim"),
    Case("dithered FSQ levels per dimension", "autoencoder",
         _all(_set(f"{M}.bottleneck", {"type": "dithered_fsq", "config": {"dim": 16,
                                                                         "levels": [8, 8]}}),
              _set(f"{M}.encoder.config.latent_dim", 16)),
         _all(_set(f"{M}.bottleneck", {"type": "dithered_fsq", "config": {"dim": 16,
                                                                         "levels": 8}}),
              _set(f"{M}.encoder.config.latent_dim", 16)),
         "dithered-fsq-levels", "$.model.bottleneck.config.levels"),
    Case("DAC RVQ codebook_dim per codebook", "autoencoder",
         _all(_set(f"{M}.bottleneck", {"type": "dac_rvq", "config": {
             "input_dim": 16, "n_codebooks": 2, "codebook_size": 256, "codebook_dim": [8]}}),
              _set(f"{M}.encoder.config.latent_dim", 16)),
         _all(_set(f"{M}.bottleneck", {"type": "dac_rvq", "config": {
             "input_dim": 16, "n_codebooks": 2, "codebook_size": 256, "codebook_dim": [8, 8]}}),
              _set(f"{M}.encoder.config.latent_dim", 16)),
         "codebook-dim", "$.model.bottleneck.config.codebook_dim"),
    Case("token-only pretransform", "autoencoder",
         _set(f"{M}.pretransform", {"type": "audiocraft_pretrained", "config": {}}), _none,
         "pretransform-token-only", "$.model.pretransform.type"),
    Case("pretransform channels vs audio", "autoencoder",
         _all(_set(f"{M}.pretransform", {"type": "patched", "config": {"channels": 1,
                                                                      "patch_size": 2}}),
              _set(f"{M}.downsampling_ratio", 16)),
         _all(_set(f"{M}.pretransform", {"type": "patched", "config": {"channels": 2,
                                                                      "patch_size": 2}}),
              _set(f"{M}.downsampling_ratio", 16), _set(f"{M}.encoder.config.in_channels", 4),
              _set(f"{M}.decoder.config.out_channels", 4)),
         "pretransform-channels", "$.model.pretransform.config.channels"),
    Case("autoencoder sample_size vs downsampling", "autoencoder", _set("sample_size", 8196),
         _none, "sample-size-multiple", "$.sample_size", "warning"),
    Case("keys unwrap_model.py indexes", "autoencoder", _drop("training.use_ema"), _none,
         "unwrap-needs-key", "$.training.use_ema", "warning"),
    Case("oobleck discriminator channels (upstream never fills them from the model)", "autoencoder",
         _set(f"{LOSSES}.discriminator", {"type": "oobleck", "config": {},
                                          "weights": {"adversarial": 0.1,
                                                      "feature_matching": 5.0}}),
         _set(f"{LOSSES}.discriminator", {"type": "oobleck", "config": {"in_channels": 2},
                                          "weights": {"adversarial": 0.1,
                                                      "feature_matching": 5.0}}),
         "discriminator-channels", "$.training.loss_configs.discriminator.config.in_channels"),
    Case("STFT arrays of equal length", "autoencoder",
         _set(f"{LOSSES}.spectral.config.hop_sizes", [256]), _none, "resolution-lengths",
         "$.training.loss_configs.spectral.config.hop_sizes"),
    Case("window longer than its FFT", "autoencoder",
         _set(f"{LOSSES}.spectral.config.win_lengths", [2048, 512]), _none, "window-length",
         "$.training.loss_configs.spectral.config.win_lengths[0]"),
    Case("stereo STFT sizes", "autoencoder",
         _all(_drop(f"{LOSSES}.spectral.config.fft_sizes"),
              _drop(f"{LOSSES}.spectral.config.hop_sizes"),
              _drop(f"{LOSSES}.spectral.config.win_lengths")),
         _all(_drop(f"{LOSSES}.spectral.config.fft_sizes"),
              _drop(f"{LOSSES}.spectral.config.hop_sizes"),
              _drop(f"{LOSSES}.spectral.config.win_lengths"), _set("audio_channels", 1),
              _set(f"{M}.io_channels", 1), _set(f"{M}.encoder.config.in_channels", 1),
              _set(f"{M}.decoder.config.out_channels", 1)),
         "stereo-stft-sizes", "$.training.loss_configs.spectral.config.fft_sizes"),
    Case("mel bins above the FFT size", "autoencoder",
         _all(_set(f"{LOSSES}.spectral.config.scale", "mel"),
              _set(f"{LOSSES}.spectral.config.n_bins", [2048, 128])),
         _all(_set(f"{LOSSES}.spectral.config.scale", "mel"),
              _set(f"{LOSSES}.spectral.config.n_bins", [256, 128])),
         "mel-bins", "$.training.loss_configs.spectral.config.n_bins[0]"),
    Case("mrmel arrays of equal length", "autoencoder",
         _set(f"{LOSSES}.mrmel", {"weights": {"mrmel": 1.0}, "config": {
             "n_mels": [80, 40], "window_lengths": [1024], "pow": 1.0, "log_weight": 1.0,
             "mag_weight": 0.0}}),
         _set(f"{LOSSES}.mrmel", {"weights": {"mrmel": 1.0}, "config": {
             "n_mels": [80, 40], "window_lengths": [1024, 512], "pow": 1.0, "log_weight": 1.0,
             "mag_weight": 0.0}}),
         "mrmel-lengths", "$.training.loss_configs.mrmel.config.window_lengths"),
    Case("HuBERT loss at 44.1 kHz", "autoencoder",
         _set(f"{LOSSES}.hubert", {"weights": {"hubert": 1.0}}),
         _all(_set(f"{LOSSES}.hubert", {"weights": {"hubert": 1.0}}),
              _set("sample_rate", 16000)),
         "hubert-sample-rate", "$.training.loss_configs.hubert", "warning"),
    Case("empty DAC discriminator band", "autoencoder",
         _set(f"{LOSSES}.discriminator", {"type": "dac", "config": {"bands": [[0.5, 0.25]]},
                                          "weights": {"adversarial": 0.1,
                                                      "feature_matching": 5.0}}),
         _set(f"{LOSSES}.discriminator", {"type": "dac", "config": {"bands": [[0.25, 0.5]]},
                                          "weights": {"adversarial": 0.1,
                                                      "feature_matching": 5.0}}),
         "discriminator-bands", "$.training.loss_configs.discriminator.config.bands[0]"),
    Case("MMD weight on a VAE", "autoencoder",
         _set(f"{LOSSES}.bottleneck", {"weights": {"mmd": 100}}),
         _set(f"{LOSSES}.bottleneck", {"weights": {"kl": 1e-4}}), "unused-loss-weight",
         "$.training.loss_configs.bottleneck.weights.mmd", "warning"),
    Case("learning_rate beside optimizer_configs", "autoencoder",
         _set("training.optimizer_configs", {"autoencoder": GROUP, "discriminator": GROUP}),
         _all(_set("training.optimizer_configs", {"autoencoder": GROUP,
                                                  "discriminator": GROUP}),
              _drop("training.learning_rate")),
         "ignored-learning-rate", "$.training.learning_rate", "warning"),
    Case("scheduler: null", "autoencoder",
         _all(_drop("training.learning_rate"),
              _set("training.optimizer_configs", {"autoencoder": {**GROUP, "scheduler": None},
                                                  "discriminator": GROUP})),
         _all(_drop("training.learning_rate"),
              _set("training.optimizer_configs", {"autoencoder": GROUP,
                                                  "discriminator": GROUP})),
         "null-scheduler", "$.training.optimizer_configs.autoencoder.scheduler", "warning"),
    Case("discriminator optimizer without a discriminator", "autoencoder",
         _all(_drop("training.learning_rate"), _drop(f"{LOSSES}.discriminator"),
              _set("training.optimizer_configs", {"autoencoder": GROUP,
                                                  "discriminator": GROUP})),
         _all(_drop("training.learning_rate"), _drop(f"{LOSSES}.discriminator"),
              _set("training.optimizer_configs", {"autoencoder": GROUP})),
         "unused-optimizer", "$.training.optimizer_configs.discriminator", "warning"),
    Case("one scheduler with a discriminator (upstream silently drops it)", "autoencoder",
         _all(_drop("training.learning_rate"),
              _set("training.optimizer_configs", {"autoencoder": {**GROUP,
                                                                  "scheduler": SCHEDULER},
                                                  "discriminator": GROUP})),
         _all(_drop("training.learning_rate"),
              _set("training.optimizer_configs", {
                  "autoencoder": {**GROUP, "scheduler": SCHEDULER},
                  "discriminator": {**GROUP, "scheduler": SCHEDULER}})),
         "lone-scheduler", "$.training.optimizer_configs.autoencoder.scheduler", "warning"),
    Case("teacher with other latents", "autoencoder",
         _all(_set("training.teacher_model", {"model_type": "autoencoder",
                                              "sample_rate": 44100}),
              _set("training.teacher_model.model", autoencoder()["model"]),
              _set("training.teacher_model.model.downsampling_ratio", 4),
              _set("training.teacher_model.model.encoder.config.strides", [2, 2]),
              _set("training.teacher_model.model.decoder.config.strides", [2, 2]),
              _set("training.teacher_model_ckpt", "teacher.ckpt")),
         _all(_set("training.teacher_model", {"model_type": "autoencoder",
                                              "sample_rate": 44100}),
              _set("training.teacher_model.model", autoencoder()["model"]),
              _set("training.teacher_model_ckpt", "teacher.ckpt")),
         "teacher-shape", "$.training.teacher_model.model.downsampling_ratio"),
    Case("teacher at another sample rate", "autoencoder",
         _all(_set("training.teacher_model", {"model_type": "autoencoder",
                                              "sample_rate": 48000}),
              _set("training.teacher_model.model", autoencoder()["model"]),
              _set("training.teacher_model_ckpt", "teacher.ckpt")),
         _none, "teacher-sample-rate", "$.training.teacher_model.sample_rate", "warning"),
    # conditioning ids
    Case("unknown cross-attention id", "dit_cond",
         _set(f"{D}.cross_attention_cond_ids", ["promt", "seconds_total"]), _none,
         "unknown-cond-id", "$.model.diffusion.cross_attention_cond_ids[0]"),
    Case("unknown lm id", "lm", _set("model.lm.cross_attention_cond_ids", ["text"]), _none,
         "unknown-cond-id", "$.model.lm.cross_attention_cond_ids[0]"),
    Case("unknown pre-encoded key", "dit_cond", _set(f"{COND}.pre_encoded_keys", ["melodi"]),
         _all(_set(f"{COND}.pre_encoded_keys", ["seconds_total"]),
              _set(f"{D}.cross_attention_cond_ids", ["prompt"])), "unknown-cond-id",
         "$.model.conditioning.pre_encoded_keys[0]"),
    Case("unknown default key", "dit_cond", _set(f"{COND}.default_keys", {"text": "prompt"}),
         _set(f"{COND}.default_keys", {"prompt": "caption"}), "unknown-cond-id",
         "$.model.conditioning.default_keys.text", "warning"),
    Case("inpaint id outside input_concat_ids", "inpaint",
         _set(f"{D}.cross_attention_cond_ids", ["prompt", "seconds_total", "inpaint_mask"]),
         _none, "inpaint-id-placement", "$.model.diffusion.cross_attention_cond_ids[2]"),
    Case("pre-encoded id in cross-attention (upstream concatenates their missing masks)", "dit_cond",
         _set(f"{COND}.pre_encoded_keys", ["prompt"]),
         _all(_set(f"{COND}.pre_encoded_keys", ["seconds_total"]),
              _set(f"{D}.cross_attention_cond_ids", ["prompt"])), "pre-encoded-with-mask",
         "$.model.diffusion.cross_attention_cond_ids[0]"),
    Case("duplicate conditioner id", "dit_cond",
         _set(f"{COND}.configs[1].id", "prompt"), _none, "duplicate-cond-id",
         "$.model.conditioning.configs[1].id"),
    Case("unused conditioner", "dit_cond",
         _set(f"{D}.cross_attention_cond_ids", ["seconds_total"]), _none,
         "unused-conditioner", "$.model.conditioning.configs[0].id", "warning"),
    # conditioners that encode audio
    Case("pretransform conditioner width", "inpaint",
         _all(_set(f"{COND}.configs[2]", {**T5_PRETRANSFORM_COND,
                                           "config": {**T5_PRETRANSFORM_COND["config"],
                                                      "output_dim": 32}}),
              _set(f"{D}.input_concat_ids", ["inpaint_mask", "inpaint_masked_input", "melody"]),
              _set(f"{DC}.input_concat_dim", 49)),
         _all(_set(f"{COND}.configs[2]", T5_PRETRANSFORM_COND),
              _set(f"{D}.input_concat_ids", ["inpaint_mask", "inpaint_masked_input", "melody"]),
              _set(f"{DC}.input_concat_dim", 33)),
         "pretransform-cond-output-dim", "$.model.conditioning.configs[2].config.output_dim"),
    Case("source_mix width equal to the encoding", "inpaint",
         _all(_set(f"{COND}.configs[2]", {"id": "stems", "type": "source_mix", "config": {
             "sample_rate": 44100, "use_model_pretransform": True, "source_keys": ["bass"],
             "output_dim": 16}}),
              _set(f"{D}.input_concat_ids", ["inpaint_mask", "inpaint_masked_input", "stems"]),
              _set(f"{DC}.input_concat_dim", 33)),
         _all(_set(f"{COND}.configs[2]", {"id": "stems", "type": "source_mix", "config": {
             "sample_rate": 44100, "use_model_pretransform": True, "source_keys": ["bass"],
             "output_dim": 8}}),
              _set(f"{D}.input_concat_ids", ["inpaint_mask", "inpaint_masked_input", "stems"]),
              _set(f"{DC}.input_concat_dim", 25)),
         "source-mix-output-dim", "$.model.conditioning.configs[2].config.output_dim"),
    # demos
    Case("num_demos differs from demo_cond", "dit_cond", _set("training.demo.num_demos", 3),
         _none, "demo-count", "$.training.demo.num_demos"),
    Case("lm num_demos differs from demo_cond", "lm", _set("training.demo.num_demos", 4),
         _none, "demo-count", "$.training.demo.num_demos"),
    Case("demo item without a conditioner id", "dit_cond",
         _set("training.demo.demo_cond[1]", {"prompt": "drums"}),
         _all(_set("training.demo.demo_cond[1]", {"caption": "drums", "seconds_total": 3}),
              _set(f"{COND}.default_keys", {"prompt": "caption"})),
         "demo-cond-keys", "$.training.demo.demo_cond[1]"),
    Case("audio conditioner fed from JSON demo_cond", "dit_cond",
         _all(_set(f"{COND}.configs[2]", T5_PRETRANSFORM_COND),
              _set(f"{D}.input_concat_ids", ["melody"]), _set(f"{DC}.input_concat_dim", 16),
              _set("training.demo.demo_cond", [{"prompt": "a", "seconds_total": 1,
                                                "melody": [0.0]}] * 2)),
         _all(_set(f"{COND}.configs[2]", T5_PRETRANSFORM_COND),
              _set(f"{D}.input_concat_ids", ["melody"]), _set(f"{DC}.input_concat_dim", 16),
              _drop("training.demo.demo_cond"),
              _set("training.demo.demo_cond_from_batch", True)),
         "demo-cond-needs-batch", "$.training.demo.demo_cond"),
    Case("cond_display_configs without batch conditioning", "dit_cond",
         _set("training.demo.cond_display_configs", [{"id": "prompt", "type": "audio"}]),
         _none, "demo-cond-needs-batch", "$.training.demo.cond_display_configs"),
    Case("lm conditioned without demo_cond", "lm", _drop("training.demo.demo_cond"), _none,
         "demo-cond-missing", "$.training.demo.demo_cond"),
    # channels
    Case("model.io_channels vs the pretransform latents", "dit_cond",
         _all(_set("model.io_channels", 32), _set(f"{DC}.io_channels", 32)), _none,
         "io-channels", "$.model.io_channels"),
    Case("DiT io_channels vs model.io_channels", "dit_cond", _set(f"{DC}.io_channels", 32),
         _none, "backbone-io-channels", "$.model.diffusion.config.io_channels"),
    Case("DiT io_channels default (32) vs model.io_channels", "dit_cond",
         _drop(f"{DC}.io_channels"), _none, "backbone-io-channels",
         "$.model.diffusion.config.io_channels"),
    Case("uncond DAU1d io_channels vs audio_channels", "dau_uncond",
         _set("audio_channels", 1), _set("model.config.io_channels", 2),
         "backbone-io-channels", "$.model.config.io_channels"),
    Case("uncond DiT in_channels vs the pretransform latents", "dit_uncond",
         _set("model.config.in_channels", 8), _none, "backbone-io-channels",
         "$.model.config.in_channels"),
    Case("pretransform reads other channels than the audio", "dit_cond",
         _set("audio_channels", 1), _none, "io-channels",
         "$.model.pretransform.config.io_channels"),
    Case("wavelet pretransform channels", "dit_uncond",
         _all(_set("model.pretransform", {"type": "wavelet", "config": {
             "channels": 1, "levels": 3, "wavelet": "bior4.4"}}),
              _set("model.config.in_channels", 8)),
         _all(_set("model.pretransform", {"type": "wavelet", "config": {
             "channels": 2, "levels": 3, "wavelet": "bior4.4"}}),
              _set("model.config.in_channels", 16)),
         "pretransform-channels", "$.model.pretransform.config.channels"),
    Case("nested autoencoder inconsistent", "dit_cond",
         _set("model.pretransform.config.downsampling_ratio", 16), _none, "downsampling-ratio",
         "$.model.pretransform.config.downsampling_ratio"),
    Case("adp out_channels differ from in_channels", "adp_cond",
         _set(f"{DC}.out_channels", 8), _set(f"{DC}.out_channels", 16),
         "backbone-out-channels", "$.model.diffusion.config.out_channels"),
    # structure
    Case("DiT embed_dim not divisible by num_heads", "dit_cond", _set(f"{DC}.num_heads", 3),
         _set(f"{DC}.num_heads", 8), "attention-heads", "$.model.diffusion.config.num_heads"),
    Case("unprojected cross-attention tokens split into heads", "dit_cond",
         _all(_set(f"{DC}.project_cond_tokens", False), _set(f"{DC}.num_heads", 8),
              _set(f"{COND}.cond_dim", 96), _set(f"{DC}.cond_token_dim", 96),
              _set(f"{DC}.global_cond_dim", 96)),
         _all(_set(f"{DC}.project_cond_tokens", False), _set(f"{DC}.num_heads", 8),
              _set(f"{COND}.cond_dim", 128), _set(f"{DC}.cond_token_dim", 128),
              _set(f"{DC}.global_cond_dim", 128)),
         "attention-heads", "$.model.diffusion.config.cond_token_dim"),
    Case("lm heads", "lm", _set("model.lm.config.dim_heads", 1024),
         _set("model.lm.config.dim_heads", 128), "attention-heads",
         "$.model.lm.config.dim_heads"),
    Case("lm embed_dim not a multiple of dim_heads", "lm", _set("model.lm.config.dim_heads", 120),
         _set("model.lm.config.dim_heads", 32), "attention-heads",
         "$.model.lm.config.dim_heads", "warning"),
    Case("DiT heads narrower than the rotary embedding (V11)", "dit_cond",
         _set(f"{DC}.num_heads", 16), _set(f"{DC}.num_heads", 8), "rotary-head-width",
         "$.model.diffusion.config.num_heads"),
    Case("DiT narrow heads without rotary embeddings", "dit_cond",
         _set(f"{DC}.num_heads", 16),
         _all(_set(f"{DC}.num_heads", 16), _set(f"{DC}.rotary_pos_emb", False)),
         "rotary-head-width", "$.model.diffusion.config.num_heads"),
    Case("unconditional DiT heads narrower than the rotary embedding", "dit_uncond",
         _set("model.config.num_heads", 64), _none, "rotary-head-width",
         "$.model.config.num_heads"),
    Case("lm heads narrower than the rotary embedding", "lm", _set("model.lm.config.dim_heads", 16),
         _set("model.lm.config.dim_heads", 32), "rotary-head-width",
         "$.model.lm.config.dim_heads"),
    Case("conditioner id with a dot", "dit_cond",
         _all(_set(f"{COND}.configs[1].id", "seconds.total"),
              _set(f"{D}.cross_attention_cond_ids", ["prompt", "seconds.total"]),
              _set(f"{D}.global_cond_ids", ["seconds.total"]),
              _set("training.demo.demo_cond", [{"prompt": "a", "seconds.total": 1},
                                               {"prompt": "b", "seconds.total": 2}])),
         _none, "cond-id-name", "$.model.conditioning.configs[1].id"),
    Case("CyclicLR momentum on an optimizer without momentum", "dit_cond",
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "Adagrad", "config": {"lr": 1e-3}},
             "scheduler": {"type": "CyclicLR", "config": {"base_lr": 1e-4, "max_lr": 1e-3}}}}),
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "Adagrad", "config": {"lr": 1e-3}},
             "scheduler": {"type": "CyclicLR", "config": {"base_lr": 1e-4, "max_lr": 1e-3,
                                                          "cycle_momentum": False}}}}),
         "optimizer-args", "$.training.optimizer_configs.diffusion.scheduler.config.cycle_momentum"),
    Case("Adafactor clipping threshold below 1", "dit_cond",
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "Adafactor", "config": {"lr": 1e-3, "d": 0.5}}}}),
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "Adafactor", "config": {"lr": 1e-3, "d": 1.0}}}}),
         "optimizer-args", "$.training.optimizer_configs.diffusion.optimizer.config.d"),
    Case("Adafactor's second epsilon null", "dit_cond",
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "Adafactor", "config": {"lr": 1e-3, "eps": [1e-3, None]}}}}),
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "Adafactor", "config": {"lr": 1e-3, "eps": [None, 1e-3]}}}}),
         "optimizer-args", "$.training.optimizer_configs.diffusion.optimizer.config.eps[1]"),
    Case("an LM tokenizer with more codes than the LM can embed", "lm",
         _set("model.pretransform.config.bottleneck.config.codebook_size", 2 ** 28),
         _set("model.pretransform.config.bottleneck.config.codebook_size", 2 ** 12),
         "lm-vocabulary", "$.model.pretransform.config.bottleneck.config"),
    # found by the property test: every torch optimizer's step fails with differentiable on
    # ("a leaf Variable that requires grad...", or "_foreach ops don't support autograd")
    Case("a differentiable optimizer", "dit_cond",
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "AdamW", "config": {"differentiable": True}}}}),
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "AdamW", "config": {"differentiable": False}}}}),
         "optimizer-args", "$.training.optimizer_configs.diffusion.optimizer.config.differentiable"),
    Case("Rprop etas on the wrong side of 1", "dit_cond",
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "Rprop", "config": {"etas": [0.5, 0.9]}}}}),
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "Rprop", "config": {"etas": [0.5, 1.2]}}}}),
         "optimizer-args", "$.training.optimizer_configs.diffusion.optimizer.config.etas"),
    Case("a seanet activation torch.nn does not have", "autoencoder",
         _set("model.encoder", {"type": "seanet", "config": {
             "channels": 1, "dimension": 32, "n_filters": 8, "ratios": [4, 4],
             "activation": "Snake"}}),
         _set("model.encoder", {"type": "seanet", "config": {
             "channels": 1, "dimension": 32, "n_filters": 8, "ratios": [4, 4],
             "activation": "SiLU", "activation_params": {}}}),
         "activation", "$.model.encoder.config.activation"),
    Case("a diffusion autoencoder's oobleck encoder with too few strides", "dae",
         _set("model.encoder.config.strides", [2]), _none, "stage-count",
         "$.model.encoder.config.strides"),
    Case("DiT feed-forward narrower than its residual", "dit_cond",
         _set(f"{DC}.ff_kwargs", {"dim_out": 2}), _set(f"{DC}.ff_kwargs", {"dim_out": 256}),
         "ff-width", "$.model.diffusion.config.ff_kwargs.dim_out"),
    Case("LM feed-forward narrower than its residual", "lm",
         _set("model.lm.config.ff_kwargs", {"dim_out": 64}),
         _set("model.lm.config.ff_kwargs", {"dim_out": None}),
         "ff-width", "$.model.lm.config.ff_kwargs.dim_out"),
    Case("DiT learned positions shorter than the sequence", "dit_cond",
         _all(_set(f"{DC}.use_abs_pos_emb", True), _set(f"{DC}.abs_pos_emb_max_length", 1024)),
         _all(_set(f"{DC}.use_abs_pos_emb", True), _set(f"{DC}.abs_pos_emb_max_length", 1025)),
         "dit-positions", "$.model.diffusion.config.abs_pos_emb_max_length"),
    Case("LM learned positions shorter than the sequence", "lm",
         _set("model.lm.config", {"embed_dim": 512, "depth": 4, "cross_attn_cond_dim": 256,
                                  "project_cross_attn_cond": True, "use_abs_pos_emb": True,
                                  "abs_pos_emb_max_length": 4000}),
         _set("model.lm.config", {"embed_dim": 512, "depth": 4, "cross_attn_cond_dim": 256,
                                  "project_cross_attn_cond": True, "use_abs_pos_emb": True,
                                  "abs_pos_emb_max_length": 4001}),
         "lm-positions", "$.model.lm.config.abs_pos_emb_max_length"),
    Case("an FSQ dimension with two levels", "lm",
         _set("model.pretransform.config.bottleneck", {"type": "fsq", "config": {
             "levels": [8, 2], "dim": 16, "num_codebooks": 4}}),
         _set("model.pretransform.config.bottleneck", {"type": "fsq", "config": {
             "levels": [8, 3], "dim": 16, "num_codebooks": 4}}),
         "fsq-levels", "$.model.pretransform.config.bottleneck.config.levels[1]"),
    Case("RVQ k-means initialisation with no iterations", "lm",
         _set("model.pretransform.config.bottleneck.config.kmeans_iters", 0),
         _set("model.pretransform.config.bottleneck.config.kmeans_init", False),
         "kmeans-iters", "$.model.pretransform.config.bottleneck.config.kmeans_iters"),
    Case("fused with foreach", "dit_cond",
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "SGD", "config": {"fused": True, "foreach": True}}}}),
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "SGD", "config": {"fused": False, "foreach": True}}}}),
         "optimizer-args", "$.training.optimizer_configs.diffusion.optimizer.config.foreach"),
    Case("Nesterov without momentum", "dit_cond",
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "SGD", "config": {"nesterov": True, "momentum": 0.9,
                                                     "dampening": 0.5}}}}),
         _set("training.optimizer_configs", {"diffusion": {
             "optimizer": {"type": "SGD", "config": {"nesterov": True, "momentum": 0.9}}}}),
         "optimizer-args", "$.training.optimizer_configs.diffusion.optimizer.config.nesterov"),
    Case("a scheduler resumed without a saved optimizer", "dit_cond",
         _set("training.optimizer_configs", {"diffusion": {
             **GROUP, "scheduler": {"type": "ExponentialLR",
                                    "config": {"gamma": 0.999, "last_epoch": 0}}}}),
         _set("training.optimizer_configs", {"diffusion": {**GROUP, "scheduler": SCHEDULER}}),
         "optimizer-args", "$.training.optimizer_configs.diffusion.scheduler.config.last_epoch"),
    Case("OneCycleLR without a cycle length", "dit_cond",
         _set("training.optimizer_configs", {"diffusion": {
             **GROUP, "scheduler": {"type": "OneCycleLR", "config": {"max_lr": 1e-3}}}}),
         _set("training.optimizer_configs", {"diffusion": {
             **GROUP, "scheduler": {"type": "OneCycleLR",
                                    "config": {"max_lr": 1e-3, "epochs": 2,
                                               "steps_per_epoch": 100}}}}),
         "optimizer-args", "$.training.optimizer_configs.diffusion.scheduler.config"),
    Case("a number conditioner with an empty range", "dit_cond",
         _set(f"{COND}.configs[1].config", {"max_val": 0}),
         _set(f"{COND}.configs[1].config", {"max_val": 0.5}),
         "empty-range", "$.model.conditioning.configs[1].config.max_val"),
    Case("an int conditioner with max_val below min_val", "dit_cond",
         _set(f"{COND}.configs[1]", {"id": "seconds_total", "type": "int",
                                     "config": {"min_val": 10, "max_val": 5}}),
         _set(f"{COND}.configs[1]", {"id": "seconds_total", "type": "int",
                                     "config": {"min_val": 10, "max_val": 10}}),
         "empty-range", "$.model.conditioning.configs[1].config.max_val"),
    Case("DAU1d channels shorter than depth", "dau_uncond", _set("model.config.depth", 15),
         _set("model.config.depth", 10), "dau-depth", "$.model.config.channels"),
    Case("DAU1d stride 1 without learned_resample", "dau_uncond",
         _set("model.config.strides", [1] + [2] * 12),
         _all(_set("model.config.strides", [1] + [2] * 12),
              _set("model.config.learned_resample", True)),
         "dau-strides", "$.model.config.strides[0]"),
    Case("U-Net factors per level", "adp_cond", _set(f"{DC}.factors", [2]), _none,
         "unet-levels", "$.model.diffusion.config.factors"),
    Case("uncond backbone expecting conditioning", "dau_uncond",
         _set("model.config.cond_dim", 4), _set("model.config.cond_dim", 0),
         "uncond-conditioning", "$.model.config.cond_dim"),
    Case("uncond U-Net expecting global features", "adp_uncond",
         _set("model.config.context_features", 64), _none, "uncond-conditioning",
         "$.model.config.context_features"),
    # lengths
    Case("sample_size not a multiple of the pretransform ratio", "dit_uncond",
         _set("sample_size", 8196), _set("sample_size", 8208), "sample-size-multiple",
         "$.sample_size", "warning"),
    Case("latent length not a multiple of the DiT patch", "dit_uncond",
         _set("sample_size", 8200), _set("sample_size", 8208), "sample-size-multiple",
         "$.sample_size"),
    Case("sample_size vs DAU1d's 2^13", "dau_uncond", _set("sample_size", 65536 + 4096),
         _set("sample_size", 65536 + 8192), "sample-size-multiple", "$.sample_size"),
    Case("sample_size vs adp factors", "adp_cond", _set("sample_size", 8192 + 16),
         _set("sample_size", 8192 + 32), "sample-size-multiple", "$.sample_size"),
    Case("lm sample_size vs tokenizer ratio", "lm", _set("sample_size", 32001),
         _set("sample_size", 32008), "sample-size-multiple", "$.sample_size", "warning"),
    # conditioning widths
    Case("cond_token_dim vs conditioner output_dim", "dit_cond",
         _set(f"{DC}.cond_token_dim", 512), _none, "cond-width",
         "$.model.diffusion.config.cond_token_dim"),
    Case("cross-attention with cond_token_dim 0", "dit_cond", _drop(f"{DC}.cond_token_dim"),
         _none, "cond-width", "$.model.diffusion.config.cond_token_dim"),
    Case("global_cond_dim vs the sum of global widths", "dit_cond",
         _set(f"{D}.global_cond_ids", ["seconds_total", "seconds_total"]),
         _all(_set(f"{D}.global_cond_ids", ["seconds_total", "seconds_total"]),
              _set(f"{DC}.global_cond_dim", 512)),
         "cond-width", "$.model.diffusion.config.global_cond_dim"),
    Case("unprojected global conditioning width", "dit_cond",
         _all(_set(f"{DC}.project_global_cond", False), _set(f"{DC}.embed_dim", 512),
              _set(f"{DC}.num_heads", 8)),
         _set(f"{DC}.project_global_cond", False), "cond-width",
         "$.model.diffusion.config.global_cond_dim"),
    Case("prepend ids with prepend_cond_dim 0", "dit_cond",
         _set(f"{D}.prepend_cond_ids", ["seconds_total"]),
         _all(_set(f"{D}.prepend_cond_ids", ["seconds_total"]),
              _set(f"{DC}.prepend_cond_dim", 256)),
         "cond-width", "$.model.diffusion.config.prepend_cond_dim"),
    Case("input_concat_dim vs inpaint channels", "inpaint", _set(f"{DC}.input_concat_dim", 16),
         _none, "cond-width", "$.model.diffusion.config.input_concat_dim"),
    Case("adp context_embedding_features vs conditioners", "adp_cond",
         _set(f"{DC}.context_embedding_features", 512), _none, "cond-width",
         "$.model.diffusion.config.context_embedding_features"),
    Case("adp_cfg_1d without cross-attention", "adp_cond",
         _set(f"{D}.cross_attention_cond_ids", []), _none, "cond-width",
         "$.model.diffusion.cross_attention_cond_ids"),
    Case("adp context_features vs global widths", "adp_1d_cond",
         _set(f"{DC}.context_features", 128), _none, "cond-width",
         "$.model.diffusion.config.context_features"),
    Case("lm cross_attn_cond_dim vs conditioner", "lm",
         _set("model.lm.config.cross_attn_cond_dim", 128), _none, "cond-width",
         "$.model.lm.config.cross_attn_cond_dim"),
    Case("lm prepend ids with prepend_cond_dim 0", "lm",
         _set("model.lm.prepend_cond_ids", ["prompt"]),
         _all(_set("model.lm.prepend_cond_ids", ["prompt"]),
              _set("model.lm.config.prepend_cond_dim", 256)),
         "cond-width", "$.model.lm.config.prepend_cond_dim"),
    Case("adp cross-attention sequence too long", "adp_cond",
         _set(f"{DC}.context_embedding_max_length", 64), _none, "cross-attention-length",
         "$.model.diffusion.config.context_embedding_max_length"),
    Case("adp global ids without context_features", "adp_1d_cond",
         _drop(f"{DC}.context_features"), _none, "ignored-cond-ids",
         "$.model.diffusion.global_cond_ids", "warning"),
    Case("adp input concat without context_channels", "adp_1d_cond",
         _set(f"{D}.input_concat_ids", ["seconds_total"]),
         _all(_set(f"{D}.input_concat_ids", ["seconds_total"]),
              _set(f"{DC}.context_channels", [256])),
         "ignored-cond-ids", "$.model.diffusion.input_concat_ids", "warning"),
    Case("adp context_features without global ids", "adp_1d_cond",
         _set(f"{D}.global_cond_ids", []), _none, "missing-cond-input",
         "$.model.diffusion.config.context_features"),
    Case("U-Net cross-attention that nothing feeds", "adp_uncond",
         _all(_set("model.config.context_embedding_features", 64),
              _set("model.config.attentions", [0, 1]),
              _set("model.config.attention_heads", 4),
              _set("model.config.attention_multiplier", 2)),
         _set("model.config.context_embedding_features", 64), "missing-cond-input",
         "$.model.config.context_embedding_features"),
    Case("adp context_channels beyond the first level", "adp_1d_cond",
         _all(_set(f"{D}.input_concat_ids", ["seconds_total"]),
              _set(f"{DC}.context_channels", [256, 4])),
         _all(_set(f"{D}.input_concat_ids", ["seconds_total"]),
              _set(f"{DC}.context_channels", [256, 0])),
         "missing-cond-input", "$.model.diffusion.config.context_channels[1]"),
    # training extras
    Case("distribution shift with equal lengths", "dit_cond",
         _set(f"{D}.distribution_shift_options", {"min_length": 512, "max_length": 512}),
         _set(f"{D}.distribution_shift_options", {"min_length": 256, "max_length": 512}),
         "distribution-shift-lengths",
         "$.model.diffusion.distribution_shift_options.max_length"),
    Case("inpainting masks never reach the model", "inpaint",
         _all(_set(f"{D}.input_concat_ids", []), _set(f"{DC}.input_concat_dim", 0)), _none,
         "inpainting-unused", "$.model.diffusion.input_concat_ids", "warning"),
    Case("mask probabilities do not sum to 1", "inpaint",
         _set("training.inpainting.mask_kwargs.mask_type_probabilities", [0.2, 0.6, 0.3]),
         _set("training.inpainting.mask_kwargs.mask_type_probabilities", [0.1, 0.8, 0.1]),
         "mask-probabilities", "$.training.inpainting.mask_kwargs.mask_type_probabilities"),
    # ARC
    Case("ARC needs a flow objective", "arc", _set(f"{D}.diffusion_objective", "v"),
         _set(f"{D}.diffusion_objective", "rf_denoiser"), "arc-flow-objective",
         "$.model.diffusion.diffusion_objective"),
    Case("ARC hidden layer beyond the DiT depth", "arc",
         _set("training.arc.discriminator.dit_hidden_layer", 4),
         _set("training.arc.discriminator.dit_hidden_layer", 3), "arc-hidden-layer",
         "$.training.arc.discriminator.dit_hidden_layer"),
    Case("ARC hidden layer vs the discriminator base", "arc_with_bases",
         _set("training.arc.discriminator_base_model.model.diffusion.config.depth", 2), _none,
         "arc-hidden-layer", "$.training.arc.discriminator.dit_hidden_layer"),
    Case("ARC conv head width", "arc",
         _all(_set("training.arc.discriminator.type", "conv"), _set(f"{DC}.embed_dim", 240)),
         _set("training.arc.discriminator.type", "conv"), "arc-conv-width",
         "$.training.arc.discriminator.type"),
    Case("ARC convnext strides per stage", "arc",
         _set("training.arc.discriminator.config", {"c_mults": [1, 2, 4], "strides": [2, 2]}),
         _set("training.arc.discriminator.config", {"c_mults": [1, 2], "strides": [2, 2]}),
         "stage-count", "$.training.arc.discriminator.config.strides"),
    Case("ARC convnext head downsamples to nothing", "arc", _set("sample_size", 2048),
         _set("sample_size", 8192), "arc-head-length",
         "$.training.arc.discriminator.config.strides"),
    # found by the property test: a conv1d with "Kernel size can't be greater than actual input
    # size" on the first step
    Case("ARC conv head needs 64 tokens", "arc",
         _all(_set("training.arc.discriminator.type", "conv"), _set("sample_size", 256)),
         _all(_set("training.arc.discriminator.type", "conv"), _set("sample_size", 512)),
         "arc-head-length", "$.training.arc.discriminator.type"),
    Case("ARC trimmed batches too short for the head", "arc",
         _set("training.trim_config", {"trim_prob": 0.5}),
         _set("training.trim_config", {"trim_prob": 0.0}), "arc-head-length",
         "$.training.arc.discriminator.config.strides"),
    Case("ARC head length unknown with prepended conditioning", "arc",
         _all(_set("sample_size", 2048), _set(f"{D}.prepend_cond_ids", ["seconds_total"]),
              _set(f"{DC}.prepend_cond_dim", 256)),
         _all(_set("sample_size", 4096), _set(f"{D}.prepend_cond_ids", ["seconds_total"]),
              _set(f"{DC}.prepend_cond_dim", 256)),
         "arc-head-length", "$.training.arc.discriminator.config.strides", "warning"),
    Case("ARC teacher reads other latents", "arc_with_bases",
         _all(_set("training.arc.teacher_model.model.pretransform",
                   _autoencoder_pretransform(latent=32)),
              _set("training.arc.teacher_model.model.io_channels", 32),
              _set("training.arc.teacher_model.model.diffusion.config.io_channels", 32)),
         _none, "arc-io-channels", "$.training.arc.teacher_model.model.io_channels"),
    Case("ARC teacher at another frame rate", "arc_with_bases",
         _all(_set("training.arc.teacher_model.model.pretransform.config.encoder.config.strides",
                   [4, 4]),
              _set("training.arc.teacher_model.model.pretransform.config.decoder.config.strides",
                   [4, 4]),
              _set("training.arc.teacher_model.model.pretransform.config.downsampling_ratio", 16)),
         _none, "arc-frame-rate", "$.training.arc.teacher_model.model.pretransform", "warning"),
    Case("ARC nested model checked like the main one", "arc_with_bases",
         _set("training.arc.teacher_model.model.diffusion.config.cond_token_dim", 512), _none,
         "cond-width", "$.training.arc.teacher_model.model.diffusion.config.cond_token_dim"),
    Case("ARC discriminator base at another sample rate", "arc_with_bases",
         _set("training.arc.discriminator_base_model.sample_rate", 48000), _none,
         "arc-sample-rate", "$.training.arc.discriminator_base_model.sample_rate", "warning"),
    # diffusion autoencoder
    Case("DAE encoder reads the signal channels", "dae",
         _set("model.encoder.config.in_channels", 2), _none, "encoder-input-channels",
         "$.model.encoder.config.in_channels"),
    Case("DAE encoder output vs bottleneck", "dae", _set("model.encoder.config.latent_dim", 8),
         _none, "encoder-latent-dim", "$.model.encoder.config.latent_dim"),
    Case("DAE backbone conditioning channels vs latents", "dae",
         _set(f"{DC}.input_concat_dim", 16), _none, "latent-cond-channels",
         "$.model.diffusion.config.input_concat_dim"),
    Case("DAE io_channels vs the pretransform latents", "dae",
         _all(_set("model.io_channels", 32), _set(f"{DC}.io_channels", 32),
              _set("model.encoder.config.in_channels", 32)),
         _none, "io-channels", "$.model.io_channels"),
    Case("DAE downsampling_ratio vs encoder strides", "dae", _set("model.downsampling_ratio", 64),
         _none, "downsampling-ratio", "$.model.downsampling_ratio", "warning"),
    # clip lengths (found by the property test: a clip shorter than the encoder's strides)
    Case("autoencoder clip shorter than one latent frame", "autoencoder", _set("sample_size", 4),
         _none, "sample-size-short", "$.sample_size"),
    Case("DAE clip shorter than the pretransform and encoder's frame", "dae",
         _set("sample_size", 32), _none, "sample-size-short", "$.sample_size"),
    Case("lm clip shorter than a token frame", "lm", _set("sample_size", 4), _none,
         "sample-size-short", "$.sample_size"),
    Case("diffusion clip shorter than the wavelet's padding", "dit_cond",
         _all(_set("model.pretransform", WAVELET), _set("sample_size", 24)),
         _set("model.pretransform", WAVELET), "sample-size-short", "$.sample_size"),
    Case("wavelet clip not a multiple of 2**levels", "dit_cond",
         _all(_set("model.pretransform", WAVELET), _set("sample_size", 8196)),
         _set("model.pretransform", WAVELET), "sample-size-multiple", "$.sample_size"),
    Case("spectral loss FFT over twice the clip", "autoencoder", _set("sample_size", 512),
         _none, "clip-length", f"$.{LOSSES}.spectral.config.fft_sizes"),
    Case("decoded clip (whole latent frames) under the spectral FFT", "autoencoder",
         _all(_set("sample_size", 519), _set(f"{LOSSES}.discriminator.config.n_ffts", [256]),
              _set(f"{LOSSES}.discriminator.config.hop_lengths", [64]),
              _set(f"{LOSSES}.discriminator.config.win_lengths", [256])),
         _all(_set("sample_size", 520), _set(f"{LOSSES}.discriminator.config.n_ffts", [256]),
              _set(f"{LOSSES}.discriminator.config.hop_lengths", [64]),
              _set(f"{LOSSES}.discriminator.config.win_lengths", [256])),
         "clip-length", f"$.{LOSSES}.spectral.config.fft_sizes"),
    Case("encodec discriminator FFT longer than the clip", "autoencoder",
         _set("sample_size", 1024), _none, "clip-length",
         f"$.{LOSSES}.discriminator.config.n_ffts"),
    Case("built-in losses longer than the clip", "autoencoder",
         _all(_drop("training.loss_configs"), _set("sample_size", 1024)),
         _drop("training.loss_configs"), "clip-length", "$.sample_size"),
    Case("dac period discriminator padding a whole period", "autoencoder",
         _all(_set(f"{LOSSES}.discriminator", DAC_DISC), _set(f"{LOSSES}.spectral.config",
              SMALL_STFT), _set("sample_size", 16), _set(f"{LOSSES}.discriminator.config.periods",
                                                         [2, 16])),
         _all(_set(f"{LOSSES}.discriminator", DAC_DISC), _set(f"{LOSSES}.spectral.config",
              SMALL_STFT), _set("sample_size", 24), _set(f"{LOSSES}.discriminator.config.periods",
                                                         [2, 16])),
         "clip-length", f"$.{LOSSES}.discriminator.config.periods"),
    Case("validation metric FFT over twice the clip", "autoencoder",
         _set("training.eval_loss_configs", {"stft": {"fft_size": 16384}}),
         _set("training.eval_loss_configs", {"stft": {"fft_size": 1024}}), "clip-length",
         "$.training.eval_loss_configs.stft.fft_size"),
    Case("DAE reconstruction loss longer than the clip", "dae",
         _all(_set("training.use_reconstruction_loss", True), _set("sample_size", 1024)),
         _set("training.use_reconstruction_loss", True), "clip-length",
         "$.training.use_reconstruction_loss"),
    # lm tokenizer
    Case("lm tokenizer channels", "lm", _set("audio_channels", 2), _none, "io-channels",
         "$.model.pretransform.config.io_channels"),
]


def _found(case: Case, mutate: Callable[[dict], None]) -> list[sat_config.Issue]:
    cfg = BASES[case.base]()
    mutate(cfg)
    return [i for i in _issues(cfg) if i.rule == f"semantic:{case.rule}"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_rule_fires(case: Case) -> None:
    found = _found(case, case.bad)
    assert {(i.path, i.severity) for i in found} >= {(case.path, case.severity)}, \
        [i.format() for i in found]
    assert all(i.message and i.path.startswith("$") for i in found)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_rule_passes_when_fixed(case: Case) -> None:
    assert _found(case, case.good) == []


def test_every_rule_in_the_docs_is_tested_and_every_tested_rule_documented() -> None:
    doc = (REPO / "docs" / "semantic-checks.md").read_text()
    documented = {line.split("`")[1] for line in doc.splitlines() if line.startswith("| `")}
    assert {c.rule for c in CASES} == documented


# --- the engine around the rules ----------------------------------------------------------


def test_semantic_issues_are_located_in_files(tmp_path: Path) -> None:
    cfg = dit_cond()
    cfg["model"]["diffusion"]["cross_attention_cond_ids"] = ["promt", "seconds_total"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(cfg, indent=2))
    with pytest.raises(sat_config.ConfigError) as info:
        sat_config.load_config(path)
    (issue,) = info.value.errors
    assert issue.rule == "semantic:unknown-cond-id"
    assert issue.suggestion == "did you mean 'prompt'?"
    assert issue.line is not None and issue.source == str(path)


def test_warnings_do_not_stop_load_config() -> None:
    cfg = dit_cond()
    cfg["model"]["diffusion"]["cross_attention_cond_ids"] = ["seconds_total"]
    cfg["model"]["diffusion"]["config"]["cond_token_dim"] = 256
    with pytest.warns(sat_config.ConfigWarning, match="not listed in any"):
        config = sat_config.load_config(cfg)
    assert config.model_type == "diffusion_cond"


def test_checks_skip_shapes_that_already_failed_the_schema() -> None:
    cfg = dit_cond()
    cfg["model"]["diffusion"]["config"] = "not an object"
    issues = sat_config.validate(cfg)
    assert issues and not any(i.rule.startswith("semantic:") for i in issues)


def test_schema_valid_configs_never_crash_a_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """A check tripping over a schema-valid shape is a bug: it raises instead of hiding."""
    from sat_config.kinds import KINDS

    def broken(cfg: dict) -> list:
        raise KeyError("model")

    monkeypatch.setattr(type(KINDS["lm"]), "part", lambda self, name: broken)
    with pytest.raises(KeyError):
        semantic_issues(lm(), schema_valid=True)
    assert semantic_issues(lm(), schema_valid=False) == []


# Mutations that mostly keep a config schema-valid while changing what the checks compare.
VALID_LEANING_OPS = ["integral_float", "all_ints_as_floats", "renumber", "flip", "delete",
                     "resize"]


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(mutated_configs(seeds=[*SEEDS, *(base() for base in BASES.values())],
                       ops=VALID_LEANING_OPS))
def test_semantic_checks_never_raise_on_schema_valid_mutants(cfg: dict) -> None:
    """Integral floats (2.0 is an integer to JSON Schema), other numbers, missing keys, other
    array lengths: the checks report issues, they never crash (nor does `sat-config validate`)."""
    assume(is_valid(cfg))
    raw = semantic_issues(cfg, schema_valid=True)
    assert raw == semantic_issues(integral_floats_as_ints(cfg), schema_valid=True, normalized=True)
    sat_config.validate(cfg)
    sat_config.validate(json.dumps(cfg))


# Mutations that mostly break the schema where the checks compute: zeros, false and negative
# numbers they could divide by, wrong values (empty arrays, integers past 64 bits...).
INVALID_LEANING_OPS = ["zero", "replace", "resize", "delete", "integral_float", "coerce"]


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(mutated_configs(seeds=[*SEEDS, *(base() for base in BASES.values())],
                       ops=INVALID_LEANING_OPS))
def test_semantic_checks_never_raise_on_schema_invalid_mutants(cfg: dict) -> None:
    """On a document the schema rejected the checks stop where a value is wrong (a
    ``downsampling_ratio: 0`` raised ZeroDivisionError); validate() reports, load_config raises
    ConfigError only."""
    assume(not is_valid(cfg))
    semantic_issues(cfg, schema_valid=False)
    assert any(i.severity == "error" for i in sat_config.validate(cfg))
    assert any(i.severity == "error" for i in sat_config.validate(json.dumps(cfg)))
    with pytest.raises(sat_config.ConfigError):
        sat_config.load_config(cfg)


def _numbers(node, path: tuple = ()) -> list[tuple]:
    """Paths of every number (and boolean) in ``node``, list items included."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _numbers(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _numbers(v, (*path, i))]
    return [path] if isinstance(node, (int, float)) else []


@pytest.mark.parametrize("name", BASES)
def test_every_number_zeroed_never_crashes_a_check(name: str) -> None:
    """Each number of each base config in turn set to 0, false and -1 (a ``downsampling_ratio``,
    ``num_heads`` or stride of 0 raised ZeroDivisionError): the checks never raise, whether the
    schema allows the value (they run) or rejects it (they skip what they cannot compute)."""
    base = BASES[name]()
    for path in _numbers(base):
        for value in (0, False, -1):
            cfg = copy.deepcopy(base)
            parent = cfg
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = value
            semantic_issues(cfg, schema_valid=is_valid(cfg))


@pytest.mark.parametrize(("key", "value"), [("num_heads", 0), ("num_heads", False),
                                            ("embed_dim", 0), ("num_heads", -8)])
def test_a_zero_the_schema_rejects_does_not_hide_other_semantic_issues(key: str, value) -> None:
    """The checks skip the division by a value the schema rejected and go on: the config's other
    mistakes are still reported in the same pass."""
    cfg = dit_cond()
    cfg["model"]["diffusion"]["cross_attention_cond_ids"] = ["promt", "seconds_total"]
    cfg["model"]["diffusion"]["config"][key] = value
    rules = {i.rule for i in sat_config.validate(cfg)}
    assert "semantic:unknown-cond-id" in rules and rules & {"minimum", "type", "exclusiveMinimum"}


@pytest.mark.parametrize("heads", [1, 2, 3])
def test_the_smallest_head_counts_the_schema_allows_are_checked(heads: int) -> None:
    """At the schema's bound (``minimum: 1``) the head checks still run."""
    cfg = dit_cond()
    cfg["model"]["diffusion"]["config"].update(embed_dim=2 * heads + 1, num_heads=heads)
    assert is_valid(cfg)
    found = {i.rule for i in semantic_issues(cfg, schema_valid=True)}
    assert ("semantic:attention-heads" in found) == (heads > 1)


def test_integral_float_depth_is_an_integer() -> None:
    """dance_diffusion with depth 2.0: schema-valid, and the DAU1d checks slice by depth."""
    path = REPO / "tests" / "corpus" / "upstream" / \
        "model_configs__dance_diffusion__dance_diffusion_base.json"
    cfg = json.loads(path.read_text())
    cfg["model"]["config"]["depth"] = 2.0
    assert is_valid(cfg)
    assert semantic_issues(cfg, schema_valid=True) == \
        semantic_issues({**cfg, "model": {**cfg["model"], "config": {
            **cfg["model"]["config"], "depth": 2}}}, schema_valid=True)
    assert sat_config.validate(cfg) == []
    assert cfg["model"]["config"]["depth"] == 2.0 and type(cfg["model"]["config"]["depth"]) is float


def test_integral_floats_as_ints_copies_only_what_changes() -> None:
    data = {"a": [1.0, 2.5, {"b": 3.0}], "c": {"d": [1, 2]}, "e": True, "f": 1e20}
    out = integral_floats_as_ints(data)
    assert out == {"a": [1, 2.5, {"b": 3}], "c": {"d": [1, 2]}, "e": True, "f": 10 ** 20}
    assert [type(v) for v in out["a"]] == [int, float, dict] and type(out["f"]) is int
    assert out["c"] is data["c"] and data["a"][0] == 1.0 and type(data["a"][0]) is float
    plain = {"a": [1, 2.5], "b": "x"}
    assert integral_floats_as_ints(plain) is plain


# --- schema facts ---------------------------------------------------------------------------


def test_defaults_come_from_the_schema() -> None:
    dit = defaults("diffusion_cond", "model", "diffusion", "type=dit", "config")
    assert dit["embed_dim"] == 768 and dit["io_channels"] == 32
    assert "io_channels" not in defaults("diffusion_uncond", "model", "type=dit", "config")
    t5 = defaults("diffusion_cond", "model", "conditioning", "configs", "[]", "type=t5", "config")
    assert t5["max_length"] == 128
    assert defaults("autoencoder")["audio_channels"] == 2


def test_defaults_of_an_unknown_path_fail_loudly() -> None:
    with pytest.raises(SchemaFactError, match="nope"):
        defaults("diffusion_cond", "model", "nope")
    with pytest.raises(SchemaFactError):
        defaults("diffusion_cond", "model", "diffusion", "type=unet9000", "config")


def test_defaults_are_read_only() -> None:
    with pytest.raises(TypeError):
        defaults("lm")["audio_channels"] = 3  # type: ignore[index]
