"""Language-model checks (``model_type: lm``).

The LM reads the tokens of a discrete pretransform (its codebook size and quantizer count come
from the pretransform itself); cross-attention and prepend conditioning reach the transformer
with the conditioners' widths, which ``cross_attn_cond_dim`` and ``prepend_cond_dim`` must match.
"""

from __future__ import annotations

import math
from typing import Any

from ...errors import Issue, err
from ...schema.facts import defaults
from ...checks.parts.autoencoder import check_pretransform, downsampling_ratio, io_channels
from ...checks.parts import positive
from ...checks.parts.backbones import check_ff_width, check_length, check_lm_heads, \
    check_rotary_width
from ...checks.parts.conditioning import Conditioning, check_conditioning, check_demo_cond, \
    check_references

# global_cond_ids must stay empty (upstream passes them along, but the LM backbone never reads global conditioning): a schema rule
LM_ID_KEYS = ("cross_attention_cond_ids", "prepend_cond_ids", "global_cond_ids")
_TOP = defaults("lm")
_BACKBONE = defaults("lm", "model", "lm", "config")
_LM = defaults("lm", "model", "lm")
_TRAINING = defaults("lm", "training")
_DEMO = defaults("lm", "training", "demo")
_BOTTLENECKS = {kind: defaults("lm", "model", "pretransform", "type=autoencoder", "config",
                               "bottleneck", f"type={kind}", "config")
                for kind in ("rvq", "rvq_vae", "dac_rvq", "dac_rvq_vae")}


def checks(cfg: dict[str, Any]) -> list[Issue]:
    """Every semantic check of an ``lm`` config."""
    out: list[Issue] = []
    model, lm = cfg["model"], cfg["model"]["lm"]
    _check_tokenizer(out, cfg, model["pretransform"])
    backbone, path = lm["config"], "$.model.lm.config"
    check_lm_heads(out, backbone["embed_dim"], backbone.get("dim_heads", _BACKBONE["dim_heads"]),
                   path)
    dim_heads = backbone.get("dim_heads", _BACKBONE["dim_heads"])
    if positive(backbone["embed_dim"], dim_heads):
        check_rotary_width(out, min(dim_heads, backbone["embed_dim"]),
                           backbone.get("rotary_pos_emb", _BACKBONE.get("rotary_pos_emb", True)),
                           path, "dim_heads", f"dim_heads {dim_heads} (embed_dim "
                           f"{backbone['embed_dim']})")
    _check_vocabulary(out, model["pretransform"], backbone["embed_dim"])
    check_ff_width(out, backbone, backbone["embed_dim"], path)
    _check_positions(out, cfg, lm, backbone, path)
    conds = Conditioning(model, "$.model.conditioning")
    used = check_references(out, lm, "$.model.lm", LM_ID_KEYS, conds, inpaint_ids=False)
    _check_widths(out, lm, backbone, path, conds)
    check_conditioning(out, model, cfg, conds, used)
    _check_demo(out, cfg["training"].get("demo") or {}, conds, bool(used))
    check_length(out, cfg, downsampling_ratio(model["pretransform"]), None,
                 "the tokenizer's downsampling ratio")
    return out


def _check_tokenizer(out: list[Issue], cfg: dict, pretransform: dict) -> None:
    if pretransform.get("type") == "audiocraft_pretrained":
        return  # token-only is all an LM needs; its channels are known once downloaded
    # pre-encoded datasets hold token codes: only the tokenizer's own channels count
    pre_encoded = cfg["training"].get("pre_encoded", _TRAINING["pre_encoded"])
    audio = (io_channels(pretransform) if pre_encoded else None) or \
        cfg.get("audio_channels", _TOP["audio_channels"])
    check_pretransform(out, pretransform, "$.model.pretransform", audio, cfg, reader="an LM")


# Above this many parameters in the code embeddings and logit heads alone, the build asks for
# tens of gigabytes before any training (found by the property test: a dithered_fsq with 10
# levels over 8 dimensions is 10^8 codes per codebook).
MAX_TOKEN_TABLE_PARAMETERS = 1_000_000_000


def codebook_size(bottleneck: dict | None) -> int | None:
    """Codes per codebook of a discrete bottleneck (None: not discrete, or unknown)."""
    if not isinstance(bottleneck, dict):
        return None
    kind, cfg = bottleneck.get("type"), bottleneck.get("config") or {}
    if kind in ("rvq", "rvq_vae", "dac_rvq", "dac_rvq_vae"):
        return cfg.get("codebook_size", _BOTTLENECKS.get(kind, {}).get("codebook_size"))
    levels = cfg.get("levels")
    if kind == "fsq" and isinstance(levels, list):
        return math.prod(levels)
    if kind == "dithered_fsq" and isinstance(levels, int) and isinstance(cfg.get("dim"), int):
        return levels ** cfg["dim"]
    if kind == "dithered_fsq" and isinstance(levels, list):
        return math.prod(levels)
    return None


def num_codebooks(bottleneck: dict) -> int:
    """Codebooks (quantizers) of a discrete bottleneck; 1 where the config does not say."""
    cfg = bottleneck.get("config") or {}
    dflt = _BOTTLENECKS.get(bottleneck.get("type"), {})
    quantizers = next((cfg.get(k, dflt.get(k)) for k in ("num_quantizers", "n_codebooks",
                                                           "num_codebooks")
                       if cfg.get(k, dflt.get(k)) is not None), 1)
    return quantizers if isinstance(quantizers, int) and quantizers > 0 else 1


# steps a codebook pattern lays T frames of K codebooks out in (with its leading special step)
_PATTERN_STEPS = {"delay": lambda t, k: t + 1, "parallel": lambda t, k: t + 1,
                  "unroll": lambda t, k: k * t + 1, "musiclm": lambda t, k: k * t + 1}


def _check_positions(out: list[Issue], cfg: dict, lm: dict, backbone: dict, path: str) -> None:
    """Learned absolute positions cover the sequence the transformer sees: the pattern's steps
    for a ``sample_size`` chunk and at least one token per prepended conditioner (memory tokens
    get positions of their own; found by the property test: ValueError on the first step)."""
    if not backbone.get("use_abs_pos_emb", _BACKBONE["use_abs_pos_emb"]):
        return
    pretransform = cfg["model"]["pretransform"]
    bottleneck = (pretransform.get("config") or {}).get("bottleneck")
    ratio, size = downsampling_ratio(pretransform), cfg.get("sample_size")
    steps = _PATTERN_STEPS.get(lm.get("codebook_pattern", _LM["codebook_pattern"]))
    if steps is None or not isinstance(bottleneck, dict) or not positive(ratio, size):
        return
    codebooks = num_codebooks(bottleneck)
    frames = size // ratio
    prepended = len(lm.get("prepend_cond_ids") or ())
    tokens = steps(frames, codebooks) + prepended
    limit = backbone.get("abs_pos_emb_max_length", _BACKBONE["abs_pos_emb_max_length"])
    if isinstance(limit, int) and limit < tokens:
        least = " at least" if prepended else ""
        out.append(err(f"{path}.abs_pos_emb_max_length", f"the learned positions cover {limit} "
                       f"tokens but a sample_size chunk is{least} {tokens} ({frames} frames of "
                       f"{codebooks} codebooks in the {lm.get('codebook_pattern', 'delay')} "
                       f"pattern and {prepended} prepended token(s)): the "
                       "first step fails", "lm-positions",
                       f"set abs_pos_emb_max_length to {tokens} or more, or use rotary "
                       "positions (rotary_pos_emb) instead"))


def _check_vocabulary(out: list[Issue], pretransform: dict, embed_dim: int) -> None:
    if pretransform.get("type") != "autoencoder":
        return
    bottleneck = (pretransform.get("config") or {}).get("bottleneck")
    codes = codebook_size(bottleneck)
    if not isinstance(codes, int) or not isinstance(embed_dim, int):
        return
    quantizers = num_codebooks(bottleneck)
    parameters = quantizers * (2 * codes + 1) * embed_dim
    if parameters > MAX_TOKEN_TABLE_PARAMETERS:
        out.append(err("$.model.pretransform.config.bottleneck.config", f"the tokenizer has "
                       f"{codes:,} codes per codebook: the LM's embedding and logit tables for "
                       f"them alone hold {parameters:,} parameters ({parameters * 4 / 2**30:,.0f} "
                       "GiB in float32), which the build cannot allocate", "lm-vocabulary",
                       "use fewer levels or dimensions (an FSQ codebook has the product of its "
                       "levels; e.g. levels [8, 5, 5, 5] is 1,000 codes)"))


def _check_widths(out: list[Issue], lm: dict, backbone: dict, path: str,
                  conds: Conditioning) -> None:
    for key, dim_key in (("cross_attention_cond_ids", "cross_attn_cond_dim"),
                         ("prepend_cond_ids", "prepend_cond_dim")):
        ids = lm.get(key)
        if not ids:
            continue
        want = backbone.get(dim_key, _BACKBONE[dim_key])
        if not want:
            out.append(err(f"{path}.{dim_key}", f"{key} are given but {dim_key} is 0: the "
                           "backbone builds no input for them and fails", "cond-width",
                           f"set {dim_key} to the conditioners' output_dim"))
            continue
        wrong = [(i, conds.width(i)) for i in ids if conds.width(i) not in (None, want)]
        if wrong:
            shown = ", ".join(f"{i!r} ({w})" for i, w in wrong)
            out.append(err(f"{path}.{dim_key}", f"{dim_key} is {want} but the conditioner(s) "
                           f"output {shown}", "cond-width", f"set {dim_key} to {wrong[0][1]}"))


def _check_demo(out: list[Issue], demo: dict, conds: Conditioning, conditioned: bool) -> None:
    num_demos = demo.get("num_demos", _DEMO["num_demos"])
    if conditioned and conds.specs and not demo.get("demo_cond"):
        out.append(err("$.training.demo.demo_cond", "the model reads conditioning ids, so the "
                       "demos need conditioning: without demo_cond the first demo fails with "
                       "KeyError", "demo-cond-missing", "give one demo_cond item per demo"))
    elif conditioned:
        check_demo_cond(out, demo, "$.training.demo", conds, num_demos)
    elif demo.get("demo_cond") and len(demo["demo_cond"]) != num_demos:
        out.append(err("$.training.demo.num_demos", f"num_demos is {num_demos} but demo_cond has "
                       f"{len(demo['demo_cond'])} items", "demo-count",
                       f"set num_demos to {len(demo['demo_cond'])}"))
