"""ARC post-training checks (``training.arc`` of conditional diffusion configs).

The discriminator head reads the hidden states of one layer of the discriminator base model's
DiT; the teacher and the discriminator base are complete model configs, checked like the main
model, and both process the student's latents, so their channel counts must match it.
"""

from __future__ import annotations

from typing import Any

from ...errors import Issue, err, warn
from ...schema.facts import defaults
from ...checks.parts import positive
from ...checks.parts.autoencoder import downsampling_ratio
from ...checks.parts.backbones import BACKBONE_DEFAULTS
from ...checks.parts.ignored import ignored_keys
from ...checks.parts.diffusion import cond_checks, cond_model_checks

_ARC = ("diffusion_cond", "training", "arc")
_HEAD = defaults(*_ARC, "discriminator")
_CONVNEXT = defaults(*_ARC, "discriminator", "config")
MIN_TRIM = 128  # latent frames a trimmed batch keeps at least (upstream's floor; the wrapper's)
_GROUPS = 32  # ConvDiscriminator's GroupNorm(num_groups=32, num_channels=DiT width)


# training keys of conditional diffusion configs that ARC post-training does not read
_IGNORED = {
    ("learning_rate",): "ARC's optimisers come from optimizer_configs.diffusion and "
                        "optimizer_configs.discriminator",
    ("mask_padding",): "ARC trims batches with trim_config instead of masking padding",
    ("mask_padding_dropout",): "ARC trims batches with trim_config instead of masking padding",
    ("log_loss_info",): "ARC logs its generator, discriminator and contrastive losses",
    ("timestep_sampler",): "ARC draws noise levels from training.arc.noise_dist",
    ("timestep_sampler_options",): "ARC draws noise levels from training.arc.noise_dist",
    ("p_one_shot",): "ARC draws noise levels from training.arc.noise_dist (its one_shot option)",
    ("arc", "sampling"): "the ARC demo's few-step sampling is set by training.demo.demo_steps",
}


def checks(cfg: dict[str, Any]) -> list[Issue]:
    """Every semantic check of a conditional diffusion config with ``training.arc``: the model's
    own checks, then the post-training's."""
    out = cond_checks(cfg)
    arc_checks(out, cfg)
    ignored_keys(out, cfg["training"], "$.training", _IGNORED, "ARC post-training")
    return out


_FLOW = ("rectified_flow", "rf_denoiser")


def arc_checks(out: list[Issue], cfg: dict[str, Any]) -> None:
    arc = cfg["training"]["arc"]
    base = "$.training.arc"
    _check_flow(out, cfg, "$.model.diffusion.diffusion_objective",
                "ARC noises with the rectified-flow interpolation and denoises in one Euler step")
    if arc.get("teacher_model") and ((arc.get("ode_warmup") or {}).get("warmup_steps") or 0) > 0:
        _check_flow(out, arc["teacher_model"],
                    f"{base}.teacher_model.model.diffusion.diffusion_objective",
                    "the ODE warm-up samples the teacher with the flow DPM-Solver++")
    for key in ("teacher_model", "discriminator_base_model"):
        if arc.get(key):
            _check_nested(out, cfg, arc[key], f"{base}.{key}")
    if arc.get("discriminator_base_model"):
        disc, own = arc["discriminator_base_model"], False
    elif arc.get("use_model_as_discriminator"):
        disc, own = cfg, True
    else:
        return  # the schema reports the missing discriminator base (upstream: UnboundLocalError)
    dit = _dit(disc)
    if dit is not None:  # the schema requires a DiT discriminator base (ARC cuts a DiT at a layer)
        _check_head(out, cfg, arc.get("discriminator") or {}, disc, dit, own)


def _check_flow(out: list[Issue], config: dict, path: str, why: str) -> None:
    diffusion = (config.get("model") or {}).get("diffusion") or {}
    objective = diffusion.get("diffusion_objective", "v")
    if objective not in _FLOW:
        out.append(err(path, f"objective {objective!r} under training.arc: {why}, which "
                       "assumes a flow model", "arc-flow-objective",
                       'set "diffusion_objective": "rectified_flow" (or "rf_denoiser")'))


def _dit(config: dict) -> dict | None:
    diffusion = (config.get("model") or {}).get("diffusion") or {}
    return diffusion.get("config") if diffusion.get("type") == "dit" else None


def _dit_get(config: dict, dit: dict, key: str) -> Any:
    family = BACKBONE_DEFAULTS.get(config.get("model_type"), BACKBONE_DEFAULTS["diffusion_cond"])
    return dit.get(key, family["dit"].get(key))


def _check_nested(out: list[Issue], cfg: dict, nested: dict, path: str) -> None:
    if nested.get("model_type") in ("diffusion_cond", "diffusion_cond_inpaint"):
        cond_model_checks(out, nested, path, pre_encoded=False)
    model = nested.get("model") or {}
    mine, theirs = cfg["model"]["io_channels"], model.get("io_channels")
    if theirs is not None and theirs != mine:
        out.append(err(f"{path}.model.io_channels", f"this model reads {theirs} channels but the "
                       f"student's latents have {mine}", "arc-io-channels",
                       f"use a model with {mine}"))
    ours = downsampling_ratio(cfg["model"].get("pretransform"))
    other = downsampling_ratio(model.get("pretransform"))
    if ours != other:
        out.append(warn(f"{path}.model.pretransform", f"its pretransform downsamples by {other}, "
                        f"the student's by {ours}: it sees the student's latents at another "
                        "frame rate", "arc-frame-rate"))
    if nested.get("sample_rate") not in (None, cfg["sample_rate"]):
        out.append(warn(f"{path}.sample_rate", f"it runs at {nested['sample_rate']} Hz, the "
                        f"student at {cfg['sample_rate']} Hz", "arc-sample-rate"))


def _check_head(out: list[Issue], cfg: dict, head: dict, disc: dict, dit: dict,
                own: bool) -> None:
    path = "$.training.arc.discriminator"
    depth, width = _dit_get(disc, dit, "depth"), _dit_get(disc, dit, "embed_dim")
    layer = head.get("dit_hidden_layer")
    if layer is not None and not 0 <= layer < depth:
        source = "the model (use_model_as_discriminator)" if own else "the discriminator base"
        out.append(err(f"{path}.dit_hidden_layer", f"layer {layer} does not exist: {source} has "
                       f"a {depth}-layer DiT (layers 0 to {depth - 1}), so the early exit never "
                       "happens", "arc-hidden-layer", f"use a layer below {depth}"))
    kind = head.get("type", _HEAD["type"])
    if kind == "conv" and width % _GROUPS:
        out.append(err(f"{path}.type", f"the conv head normalises the DiT's {width} channels in "
                       f"{_GROUPS} groups: the width must be a multiple of {_GROUPS}",
                       "arc-conv-width", "use the convnext head, or a DiT embed_dim divisible "
                       "by 32"))
    config = head.get("config") or {}
    if kind == "convnext" and not _check_stages(out, config, f"{path}.config"):
        return
    _check_head_length(out, cfg, kind, config, disc, dit)


def _check_stages(out: list[Issue], conf: dict, path: str) -> bool:
    stages = len(conf.get("c_mults", _CONVNEXT["c_mults"]))
    strides = conf.get("strides", _CONVNEXT["strides"])
    fine = True
    for key, values in (("strides", strides), ("num_blocks", conf.get("num_blocks"))):
        if values is not None and len(values) < stages:
            out.append(err(f"{path}.{key}", f"{len(values)} {key} for {stages} stages "
                           "(len(c_mults)): the build fails with IndexError", "stage-count",
                           f"give one per c_mults entry ({stages})"))
            fine = False
    return fine


# (kernel, stride, padding) of each convolution of a head, in order; an input shorter than a
# kernel after padding fails (torch: "Kernel size can't be greater than actual input size")
def _head_convs(kind: str, conf: dict) -> list[tuple[int, int, int]]:
    if kind == "conv":  # four (4, 2, 1) convolutions, then a (4, 1, 0) one to the scores
        return [(4, 2, 1)] * 4 + [(4, 1, 0)]
    stages = len(conf.get("c_mults", _CONVNEXT["c_mults"]))
    strides = conf.get("strides", _CONVNEXT["strides"])[:stages]
    return [(2 * s, s, -(-s // 2)) for s in strides]  # each stage's downsampling convolution


def _shortest_input(convs: list[tuple[int, int, int]]) -> int:
    """The fewest DiT tokens the head's convolutions accept."""
    need = 1
    for kernel, stride, padding in reversed(convs):
        need = max(kernel - 2 * padding, (need - 1) * stride + kernel - 2 * padding, 1)
    return need


def _check_head_length(out: list[Issue], cfg: dict, kind: str, conf: dict, disc: dict,
                       dit: dict) -> None:
    """The head slides over the discriminator DiT's hidden states: the latent tokens of a
    ``sample_size`` chunk (or of a trimmed batch), plus the tokens the DiT prepends."""
    convs = _head_convs(kind, conf)
    if not convs or not all(positive(k, s) for k, s, _ in convs):
        return
    ratio = downsampling_ratio(cfg["model"].get("pretransform")) or 1
    patch, size = _dit_get(disc, dit, "patch_size"), cfg.get("sample_size", 0)
    if not positive(ratio, patch, size):
        return
    frames = size // ratio
    trim = cfg["training"].get("trim_config") or {}
    trimmed = (trim.get("trim_prob") or 0) > 0
    if trimmed:  # a trimmed batch keeps at least 128 frames, cut to a multiple of the patch
        frames = max(min(MIN_TRIM, frames) // patch * patch, patch)
    tokens = frames // patch
    diffusion = (disc.get("model") or {}).get("diffusion") or {}
    global_embed = _dit_get(disc, dit, "timestep_cond_type") == "global" \
        or bool(diffusion.get("global_cond_ids"))
    prepended = int(_dit_get(disc, dit, "global_cond_type") == "prepend" and global_embed)
    extra = bool(diffusion.get("prepend_cond_ids"))  # their token counts depend on the inputs
    need = _shortest_input(convs)
    if tokens + prepended >= need:
        return
    where = f"$.training.arc.discriminator.{'type' if kind == 'conv' else 'config.strides'}"
    chunk = "a trimmed batch (trim_config keeps 128 latent frames)" if trimmed else \
        "a sample_size chunk"
    what = f"the {kind} head needs at least {need} DiT tokens but {chunk} gives " \
        f"{tokens + prepended}" + (" and the prepended conditioning" if extra else "")
    fix = "use shorter strides or fewer stages" if kind == "convnext" else \
        "use the convnext head with short strides"
    fix += ", a smaller patch_size" + (", no trimming" if trimmed else ", longer chunks")
    if extra:
        out.append(warn(where, f"{what}: unless that adds {need - tokens - prepended} tokens, "
                        "its convolutions fail on the first step", "arc-head-length"))
    else:
        out.append(err(where, f"{what}: its convolutions fail on the first step",
                       "arc-head-length", fix))
