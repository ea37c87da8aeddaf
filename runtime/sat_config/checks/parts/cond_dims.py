"""Conditioning widths against what a conditional backbone was built to receive.

The wrapper concatenates the outputs of each ``*_cond_ids`` list: cross-attention and prepend
inputs along the sequence (every conditioner must have the same width, the backbone's token
width), global inputs along the features (widths add up) and input-concat inputs along the
channels (channels add up; the inpainting mask has 1, the masked input ``model.io_channels``).
"""

from __future__ import annotations

from ...errors import Issue, err, warn
from . import positive
from .backbones import Backbone
from .conditioning import Conditioning

_Widths = list[tuple[str, int | None]]
_KEYS = ("cross_attention_cond_ids", "global_cond_ids", "input_concat_ids", "prepend_cond_ids")


def check_cond_dims(out: list[Issue], bb: Backbone, diffusion: dict, dpath: str,
                    conds: Conditioning, io: int) -> None:
    sizes = conds.widths
    widths: dict[str, _Widths] = {}
    for key in _KEYS:
        ids = diffusion.get(key)
        if not ids:
            widths[key] = []
        elif key == "input_concat_ids":
            inpaint = {"inpaint_mask": 1, "inpaint_masked_input": io}
            widths[key] = [(i, inpaint[i] if i in inpaint else sizes.get(i)) for i in ids]
        else:
            widths[key] = [(i, sizes.get(i)) for i in ids]
    if bb.kind == "dit":
        _check_dit(out, bb, widths)
        _check_dit_projections(out, bb)
    else:
        _check_unet(out, bb, widths, dpath, conds)


def _same_width(out: list[Issue], widths: _Widths, want: int, path: str, key: str,
                what: str) -> None:
    """Every conditioner of a sequence-concatenated list has width ``want``."""
    wrong = [(i, w) for i, w in widths if w is not None and w != want]
    if not wrong:
        return
    shown = ", ".join(f"{i!r} ({w})" for i, w in wrong)
    sizes = {w for _, w in widths if w is not None}
    fix = f"set {key} to {sizes.pop()}" if len(sizes) == 1 else \
        f"give every {what} conditioner output_dim {want}"
    out.append(err(f"{path}.{key}", f"{key} is {want} but the {what} conditioner(s) output "
                   f"{shown}", "cond-width", fix))


def _sum_width(out: list[Issue], widths: _Widths, want: int | None, path: str, key: str,
               what: str) -> None:
    """The channel-concatenated widths add up to ``want``."""
    total = 0
    for _, width in widths:
        if width is None:
            return
        total += width
    if total != want:
        parts = " + ".join(f"{w} ({i})" for i, w in widths) or "nothing"
        out.append(err(f"{path}.{key}", f"{key} is {want} but the {what} inputs add up to "
                       f"{parts} = {total}", "cond-width", f"set {key} to {total}"))


def _missing_dim(out: list[Issue], path: str, key: str, ids_key: str, what: str) -> None:
    out.append(err(f"{path}.{key}", f"{ids_key} are given but {key} is 0: the DiT builds no "
                   f"{what} and fails", "cond-width",
                   f"set {key} to the conditioners' output_dim"))


def _check_dit(out: list[Issue], bb: Backbone, widths: dict[str, _Widths]) -> None:
    path = bb.path
    cross, prepend = widths["cross_attention_cond_ids"], widths["prepend_cond_ids"]
    if cross:
        token_dim = bb.get("cond_token_dim")
        if token_dim:
            _same_width(out, cross, token_dim, path, "cond_token_dim", "cross-attention")
        else:
            _missing_dim(out, path, "cond_token_dim", "cross_attention_cond_ids",
                         "cross-attention")
    if prepend:
        prepend_dim = bb.get("prepend_cond_dim")
        if prepend_dim:
            _same_width(out, prepend, prepend_dim, path, "prepend_cond_dim", "prepend")
        else:
            _missing_dim(out, path, "prepend_cond_dim", "prepend_cond_ids", "prepend projection")
    if widths["global_cond_ids"]:
        _sum_width(out, widths["global_cond_ids"], bb.get("global_cond_dim"), path,
                   "global_cond_dim", "global")
    _sum_width(out, widths["input_concat_ids"], bb.get("input_concat_dim"), path,
               "input_concat_dim", "input-concat")


def _check_dit_projections(out: list[Issue], bb: Backbone) -> None:
    """Unprojected conditioning keeps its width where the transformer expects embed_dim."""
    embed, heads, path = bb.get("embed_dim"), bb.get("num_heads"), bb.path
    global_dim = bb.get("global_cond_dim")
    if global_dim and not bb.get("project_global_cond") and global_dim != embed:
        out.append(err(f"{path}.global_cond_dim", f"with project_global_cond false the global "
                       f"embedding keeps global_cond_dim {global_dim}, but it is added to the "
                       f"{embed}-wide timestep embedding", "cond-width",
                       f"set project_global_cond: true, or global_cond_dim {embed}"))
    token_dim = bb.get("cond_token_dim")
    if not positive(token_dim, embed, heads) or bb.get("project_cond_tokens") or embed % heads:
        return
    head_dim = embed // heads
    kv_heads = token_dim // head_dim
    if token_dim % head_dim or kv_heads == 0 or heads % kv_heads:
        out.append(err(f"{path}.cond_token_dim", f"with project_cond_tokens false the "
                       f"cross-attention keys keep cond_token_dim {token_dim}, which must split "
                       f"into heads of {head_dim} channels (embed_dim / num_heads) whose count "
                       f"divides num_heads {heads}", "attention-heads",
                       f"set project_cond_tokens: true, or use a multiple of {head_dim}"))


def _check_unet(out: list[Issue], bb: Backbone, widths: dict[str, _Widths], dpath: str,
                conds: Conditioning) -> None:
    path, cfg = bb.path, bb.cfg
    cross = widths["cross_attention_cond_ids"]
    if bb.kind == "adp_cfg_1d":
        if not cross:
            out.append(err(f"{dpath}.cross_attention_cond_ids", "adp_cfg_1d needs "
                           "cross-attention conditioning: its forward reads the embedding's "
                           "shape", "cond-width", "list the conditioners to cross-attend to"))
        else:
            _same_width(out, cross, cfg["context_embedding_features"], path,
                        "context_embedding_features", "cross-attention")
            _check_token_count(out, bb, [i for i, _ in cross], conds)
    # cross-attention ids on adp_1d and prepend ids on any U-Net are schema errors
    glob, features = widths["global_cond_ids"], cfg.get("context_features")
    if glob and features is None:
        out.append(_ignored(dpath, "global_cond_ids", "context_features is not set, so the "
                            "U-Net drops global conditioning"))
    elif glob:
        _sum_width(out, glob, features, path, "context_features", "global")
    elif features is not None:
        out.append(err(f"{path}.context_features", "context_features is set but no "
                       "global_cond_ids feed it: the U-Net asserts on the first step",
                       "missing-cond-input", "list global_cond_ids, or remove context_features"))
    _check_context_channels(out, bb, widths["input_concat_ids"], dpath)


def _check_context_channels(out: list[Issue], bb: Backbone, concat: _Widths, dpath: str) -> None:
    channels = bb.cfg.get("context_channels") or ()
    first = channels[0] if channels else 0
    for j, value in enumerate(channels[1:], start=1):
        if value:
            out.append(err(f"{bb.path}.context_channels[{j}]", "only the first level can "
                           "receive input-concat conditioning: the wrapper passes a single "
                           "tensor", "missing-cond-input", "use 0 beyond the first entry"))
    if concat and not first:
        out.append(_ignored(dpath, "input_concat_ids", "context_channels[0] is 0 or absent, so "
                            "the U-Net drops input-concat conditioning"))
    elif concat:
        _sum_width(out, concat, first, bb.path, "context_channels[0]", "input-concat")
    elif first:
        out.append(err(f"{bb.path}.context_channels[0]", "context_channels[0] expects "
                       "input-concat conditioning but input_concat_ids is empty: the U-Net "
                       "asserts on the first step", "missing-cond-input",
                       "list input_concat_ids, or set it to 0"))


def _check_token_count(out: list[Issue], bb: Backbone, ids: list[str],
                       conds: Conditioning) -> None:
    counts = [conds.tokens(i) for i in ids]
    if None in counts:
        return
    limit = bb.cfg["context_embedding_max_length"]
    if sum(counts) > limit:
        parts = " + ".join(f"{n} ({i})" for i, n in zip(ids, counts))
        out.append(err(f"{bb.path}.context_embedding_max_length", f"the cross-attention "
                       f"sequence has {parts} = {sum(counts)} tokens but "
                       f"context_embedding_max_length is {limit} (assertion upstream)",
                       "cross-attention-length",
                       f"set context_embedding_max_length to {sum(counts)}"))


def _ignored(dpath: str, key: str, why: str) -> Issue:
    return warn(f"{dpath}.{key}", f"ignored: {why}", "ignored-cond-ids", f"remove {key}")
