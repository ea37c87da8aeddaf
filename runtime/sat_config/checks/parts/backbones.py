"""Facts and structural checks of the diffusion backbones (DiT, ADP U-Nets, DAU1d).

Shared by every diffusion model type: which key holds the channels a backbone reads, how much it
downsamples the sequence (so ``sample_size`` must be a multiple), and the array lengths and head
counts its constructor asserts or trips over. Defaults come from the schema.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ...errors import Issue, err, warn
from ...schema.facts import defaults
from . import positive
from .clips import check_one_frame, length_said

_UNCOND = {kind: defaults("diffusion_uncond", "model", f"type={kind}", "config")
           for kind in ("DAU1d", "adp_uncond_1d", "dit")}
_COND = {kind: defaults("diffusion_cond", "model", "diffusion", f"type={kind}", "config")
         for kind in ("adp_cfg_1d", "adp_1d", "dit")}
_DAE = {kind: defaults("diffusion_autoencoder", "model", "diffusion", f"type={kind}", "config")
        for kind in ("DAU1d", "adp_1d", "dit")}
BACKBONE_DEFAULTS: Mapping[str, Mapping[str, Mapping[str, Any]]] = {
    "diffusion_uncond": _UNCOND, "diffusion_cond": _COND, "diffusion_cond_inpaint": _COND,
    "diffusion_autoencoder": _DAE}


class Backbone:
    """One backbone ``config`` (at JSON path ``path``) of a ``model_type``, with its defaults."""

    __slots__ = ("kind", "cfg", "dflt", "path", "io_key")

    def __init__(self, model_type: str, kind: str, cfg: dict, path: str):
        if not isinstance(cfg, dict):  # only on schema-invalid documents: skip the checks
            raise TypeError(f"{path} is not an object")
        self.kind, self.cfg, self.path = kind, cfg, path
        self.dflt = BACKBONE_DEFAULTS[model_type][kind]
        # the key naming the channels it denoises (the unconditional DiT wrapper renames it)
        uses_in = kind[:3] == "adp" or (kind == "dit" and model_type == "diffusion_uncond")
        self.io_key = "in_channels" if uses_in else "io_channels"

    def get(self, key: str) -> Any:
        cfg = self.cfg
        return cfg[key] if key in cfg else self.dflt.get(key)

    @property
    def io(self) -> int | None:
        return self.get(self.io_key)

    def ratio(self) -> int | None:
        """The factor the sequence length must be a multiple of (None when unknown)."""
        if self.kind == "dit":
            return self.get("patch_size")
        if self.kind == "DAU1d":
            strides = self.get("strides")
            return None if strides is None else math.prod(strides[: self.get("depth") - 1])
        factors = self.cfg.get("factors")
        return None if factors is None else math.prod(factors) * self.get("patch_size")

    def ratio_source(self) -> str:
        """Where :meth:`ratio` comes from, for messages."""
        if self.kind == "dit":
            return "patch_size"
        if self.kind == "DAU1d":
            return f"the first depth - 1 = {self.get('depth') - 1} strides"
        patch = self.get("patch_size")
        return "prod(factors)" + (f" x patch_size {patch}" if patch != 1 else "")


def check_structure(out: list[Issue], bb: Backbone) -> None:
    """Array lengths, head counts and output channels the constructor needs."""
    if bb.kind == "dit":
        dim, heads = bb.get("embed_dim"), bb.get("num_heads")
        check_heads(out, dim, heads, bb.path)
        if positive(dim, heads):
            check_rotary_width(out, dim // heads, bool(bb.get("rotary_pos_emb")), bb.path,
                               "num_heads", f"embed_dim {dim} over {heads} heads")
        check_ff_width(out, bb.cfg, dim, bb.path)
    elif bb.kind == "DAU1d":
        _check_dau(out, bb)
    else:
        _check_unet(out, bb)


def check_ff_width(out: list[Issue], cfg: dict, width: Any, path: str) -> None:
    """A transformer block adds its feed-forward's output to its input: ``ff_kwargs.dim_out``
    is the block width or null (found by the property test: a shape error on the first step)."""
    ff = cfg.get("ff_kwargs")
    dim_out = ff.get("dim_out") if isinstance(ff, dict) else None
    if dim_out is not None and isinstance(width, int) and dim_out != width:
        out.append(err(f"{path}.ff_kwargs.dim_out", f"the feed-forward outputs {dim_out} channels "
                       f"but its residual is {width} wide (embed_dim): the addition fails on the "
                       "first step", "ff-width", "leave dim_out out (null: the block width)"))


def check_heads(out: list[Issue], dim: int, heads: int, path: str) -> None:
    if positive(dim, heads) and dim % heads:
        out.append(err(f"{path}.num_heads", f"embed_dim {dim} does not split into {heads} heads: "
                       "the attention's head split fails", "attention-heads",
                       f"use a num_heads that divides {dim}"))


ROTARY_MIN_WIDTH = 32
"""Rotary embeddings cover ``max(head width // 2, 32)`` channels of every head (V11)."""


def check_rotary_width(out: list[Issue], width: int, rotary: bool, path: str, key: str,
                       what: str) -> None:
    """Heads narrower than the 32 channels rotary embeddings rotate: upstream builds the model
    and fails on the first forward pass (V11); sat-config's transformer refuses to build."""
    if rotary and 0 < width < ROTARY_MIN_WIDTH:
        out.append(err(f"{path}.{key}", f"{what} gives heads {width} channels wide, narrower than "
                       f"the {ROTARY_MIN_WIDTH} channels rotary embeddings rotate: the first "
                       "forward pass fails (shape mismatch)", "rotary-head-width",
                       f"use heads of at least {ROTARY_MIN_WIDTH} channels (fewer heads or a "
                       "wider embed_dim), or set rotary_pos_emb: false"))


def check_lm_heads(out: list[Issue], dim: int, dim_heads: int, path: str) -> None:
    """Upstream's attention uses ``dim // dim_heads`` heads of ``dim / heads`` channels."""
    if not positive(dim, dim_heads):
        return
    heads = dim // dim_heads
    if heads == 0 or dim % heads:
        out.append(err(f"{path}.dim_heads", f"embed_dim {dim} with dim_heads {dim_heads} gives "
                       f"{heads} head(s), which do not split {dim} channels: the attention fails",
                       "attention-heads", f"use a dim_heads that divides {dim}"))
    elif dim % dim_heads:
        out.append(warn(f"{path}.dim_heads", f"embed_dim {dim} is not a multiple of dim_heads "
                        f"{dim_heads}: the model uses {heads} heads of {dim // heads} channels",
                        "attention-heads", f"use a dim_heads that divides {dim}"))


def _check_dau(out: list[Issue], bb: Backbone) -> None:
    depth, strides, channels = bb.get("depth"), bb.get("strides"), bb.get("channels")
    if len(channels) < depth:
        out.append(err(f"{bb.path}.channels", f"{len(channels)} channels for depth {depth}: the "
                       "build fails with IndexError", "dau-depth", f"give at least {depth} widths"))
    if strides is None:
        return
    if len(strides) < depth - 1:
        out.append(err(f"{bb.path}.strides", f"{len(strides)} strides for depth {depth}: the "
                       "build fails with IndexError", "dau-depth",
                       f"give at least {depth - 1} strides"))
    if bb.get("learned_resample"):
        return
    # strides above 2 without learned_resample are a schema rule; 1 slips through
    for i, stride in enumerate(strides[: depth - 1]):
        if stride == 1:
            out.append(err(f"{bb.path}.strides[{i}]", "stride 1 needs learned_resample: the "
                           "fixed resampler keeps the length on the way down but doubles it on "
                           "the way up, so the skip connection fails", "dau-strides",
                           "use 2, or set learned_resample: true"))


def _check_unet(out: list[Issue], bb: Backbone) -> None:
    cfg = bb.cfg
    levels = len(cfg["multipliers"]) - 1
    for key, exact in (("factors", True), ("num_blocks", True), ("attentions", False)):
        got = len(cfg[key])
        if got < levels or (exact and got != levels):
            want = f"{levels}" if exact else f"at least {levels}"
            out.append(err(f"{bb.path}.{key}", f"{got} {key} for {levels} levels "
                           f"(len(multipliers) - 1): the U-Net's assertion fails", "unet-levels",
                           f"give {want}"))
    if bb.kind != "adp_cfg_1d" and cfg.get("context_embedding_features") and any(cfg["attentions"]):
        out.append(err(f"{bb.path}.context_embedding_features", "context_embedding_features "
                       f"gives the attention blocks cross-attention, but {bb.kind} never passes "
                       "cross-attention tokens: the first step fails", "missing-cond-input",
                       "remove context_embedding_features"))
    extra = cfg.get("out_channels")
    if extra is not None and extra != cfg["in_channels"]:
        out.append(err(f"{bb.path}.out_channels", f"out_channels is {extra} but the model "
                       f"denoises {cfg['in_channels']} channels (in_channels): the prediction "
                       "must have the input's shape", "backbone-out-channels",
                       "leave out_channels out"))


def check_length(out: list[Issue], top: dict, pre_ratio: int | None, bb: Backbone | None,
                 pre_name: str = "the pretransform's downsampling ratio") -> None:
    """``sample_size`` divides into whole backbone steps after the pretransform.

    A sample_size that is not a multiple of the pretransform's ratio only loses a partial frame
    (warning); a latent length that is not a multiple of the backbone's factor breaks its
    down/upsampling path or patching (error).
    """
    size = top.get("sample_size")
    pre = pre_ratio or 1
    step = (bb.ratio() or 1) if bb is not None else 1
    what = pre_name.removesuffix("'s downsampling ratio")
    if not check_one_frame(out, size, pre, what, pre * step):
        return
    if bb is not None and bb.kind == "dit" and isinstance(size, int):
        _check_positions(out, bb, size // pre)
    whole = pre * step
    if size is None or size % whole == 0:
        return
    if length_said(out):
        return  # a wavelet pretransform needs whole multiples
    fix = f"use a multiple of {whole}, e.g. {size // whole * whole or whole}"
    if size % pre:
        tail = f", and the backbone needs multiples of {whole}" if step > 1 else ""
        out.append(warn("$.sample_size", f"sample_size {size} is not a multiple of {pre_name} "
                        f"{pre}: the last partial frame is padded or cut{tail}",
                        "sample-size-multiple", fix))
        return
    frames = f"{size // pre} latent frames" if pre > 1 else f"{size} samples"
    out.append(err("$.sample_size", f"sample_size {size} gives {frames}, not a multiple of {step} "
                   f"({bb.ratio_source()}): the backbone's down/upsampling or patching fails",
                   "sample-size-multiple", fix))


def _check_positions(out: list[Issue], bb: Backbone, frames: int) -> None:
    """A DiT with learned absolute positions covers its tokens: the latent frames of a
    ``sample_size`` chunk over ``patch_size``, and the prepended global token (prepended
    conditioning adds more, of a count that depends on the inputs)."""
    patch, limit = bb.get("patch_size"), bb.get("abs_pos_emb_max_length")
    if not bb.get("use_abs_pos_emb") or not positive(patch) or not isinstance(limit, int):
        return
    tokens = frames // patch + int(bb.get("global_cond_type") == "prepend"
                                   and bb.get("timestep_cond_type") == "global")
    if limit < tokens:
        out.append(err(f"{bb.path}.abs_pos_emb_max_length", f"the learned positions cover "
                       f"{limit} tokens but a sample_size chunk is at least {tokens} (latent "
                       f"frames over patch_size {patch}, and the prepended global token): the "
                       "first step fails", "dit-positions",
                       f"set abs_pos_emb_max_length to {tokens} or more, or use rotary "
                       "positions (rotary_pos_emb)"))

