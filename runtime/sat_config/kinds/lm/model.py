"""The audio language model (``model_type: lm``) and its builder.

Module tree and state-dict names follow upstream's ``models/lm.py`` and ``models/lm_backbone.py``
(``pretransform.model.*``, ``conditioner.conditioners.<id>.*``, ``lm.embeds.<q>``,
``lm.quantizer_heads.<q>``, ``lm.backbone.model.*`` (a causal :class:`ContinuousTransformer`),
``lm.backbone.to_prepend_embed``, ``lm.backbone.to_cross_attn_embed``), so upstream checkpoints
load strictly. The code is our own; what upstream gets wrong is fixed:

* V2: the backbone passes no ``mask``/``prepend_mask`` to the transformer (upstream forwards them
  into every block, a TypeError on the first forward pass). Like upstream's transformer, the
  prepend mask is not applied to attention.
* V3: ``project_cross_attn_cond: false`` keeps the conditioning as it is (upstream indexes the
  ``nn.Identity`` it built, a TypeError).
* V4: tokens are ``(batch, codebooks, frames)`` whatever the quantiser (the bottlenecks give them
  so); V5: no x-transformers import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from einops import rearrange
from torch import nn

from ...training.components.transformer import ContinuousTransformer
from .patterns import PATTERN_PROVIDERS, CodebooksPatternProvider

UNKNOWN_TOKEN = -1
"""Marks not-yet-generated positions during generation."""


# --- sampling -----------------------------------------------------------------------------------


def multinomial(probs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """One index per row of ``probs`` (..., card) drawn from it: ``(..., 1)``.
    (Exponential race: argmax of p / E with E ~ Exp(1).)"""
    race = torch.empty_like(probs).exponential_(1, generator=generator)
    return torch.argmax(probs / race, dim=-1, keepdim=True)


def sample_top_k(probs: torch.Tensor, k: int, generator=None) -> torch.Tensor:
    """Sample among the ``k`` most likely tokens (ties with the k-th kept)."""
    k = min(k, probs.shape[-1])
    kth = torch.topk(probs, k, dim=-1).values[..., -1:]
    kept = probs * (probs >= kth)
    return multinomial(kept / kept.sum(dim=-1, keepdim=True), generator)


def sample_top_p(probs: torch.Tensor, p: float, generator=None) -> torch.Tensor:
    """Nucleus sampling: among the most likely tokens whose mass before them is at most ``p``."""
    ordered, order = torch.sort(probs, dim=-1, descending=True)
    before = torch.cumsum(ordered, dim=-1) - ordered
    ordered = ordered * (before <= p)
    choice = multinomial(ordered / ordered.sum(dim=-1, keepdim=True), generator)
    return torch.gather(order, -1, choice)


def sample_next(logits: torch.Tensor, temp: float = 1.0, top_k: int = 0, top_p: float = 0.0,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """Next tokens ``(..., 1)`` from ``logits`` (..., card), as upstream chooses: greedy when
    ``temp`` is 0, else top-p when ``top_p`` > 0, else top-k when ``top_k`` > 0, else plain."""
    if temp <= 0:
        return torch.argmax(logits, dim=-1, keepdim=True)
    probs = torch.softmax(logits.float() / temp, dim=-1)
    if top_p > 0.0:
        return sample_top_p(probs, top_p, generator)
    if top_k > 0:
        return sample_top_k(probs, top_k, generator)
    return multinomial(probs, generator)


# --- backbone -----------------------------------------------------------------------------------


class ContinuousTransformerAudioLMBackbone(nn.Module):
    """A causal :class:`ContinuousTransformer` over token embeddings, with optional prepended and
    cross-attention conditioning (each through a Linear-SiLU-Linear projection to the width)."""

    use_generation_cache = False  # every step reruns the whole prefix (no key/value cache)

    def __init__(self, embed_dim: int, cross_attn_cond_dim: int = 0, prepend_cond_dim: int = 0,
                 project_cross_attn_cond: bool = False, **kwargs: Any):
        super().__init__()
        self.embed_dim = embed_dim
        self.model = ContinuousTransformer(
            dim=embed_dim, dim_in=embed_dim, dim_out=embed_dim,
            cross_attend=cross_attn_cond_dim > 0,
            cond_token_dim=embed_dim if project_cross_attn_cond else cross_attn_cond_dim,
            causal=True, **kwargs)
        if prepend_cond_dim > 0:
            self.to_prepend_embed = _projection(prepend_cond_dim, embed_dim)
        self.to_cross_attn_embed = (_projection(cross_attn_cond_dim, embed_dim)
                                    if cross_attn_cond_dim > 0 and project_cross_attn_cond
                                    else nn.Identity())

    def forward(self, x: torch.Tensor, prepend_cond: torch.Tensor | None = None,
                prepend_cond_mask: torch.Tensor | None = None,
                cross_attn_cond: torch.Tensor | None = None,
                global_cond: torch.Tensor | None = None, use_cache: bool = False,
                **kwargs: Any) -> torch.Tensor:
        """``x`` (batch, seq, embed_dim) -> (batch, seq, embed_dim). ``global_cond`` and
        ``use_cache`` are accepted and unused, as upstream."""
        dtype = next(self.model.parameters()).dtype
        prepended = 0
        if prepend_cond is not None:
            prepend_cond = self.to_prepend_embed(prepend_cond.to(dtype))
            prepended = prepend_cond.shape[1]
        if cross_attn_cond is not None:
            cross_attn_cond = self.to_cross_attn_embed(cross_attn_cond.to(dtype))
        out = self.model(x, prepend_embeds=prepend_cond, context=cross_attn_cond)
        return out[:, prepended:, :]

    def reset_generation_cache(self, max_seq_len: int, batch_size: int, dtype=None) -> None:
        pass

    def update_generation_cache(self, seqlen_offset: int) -> None:
        pass


def _projection(dim_in: int, dim: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(dim_in, dim, bias=False), nn.SiLU(),
                         nn.Linear(dim, dim, bias=False))


# --- the language model -------------------------------------------------------------------------


@dataclass
class LMOutput:
    logits: torch.Tensor
    """(batch, codebooks, frames, card), aligned with the codes (no shift needed)."""
    mask: torch.Tensor
    """(batch, codebooks, frames): true where the pattern predicts the code."""


class AudioLanguageModel(nn.Module):
    """Per-codebook embeddings (summed; one extra row for the mask token), the backbone, and
    per-codebook output heads; the pattern provider lays out the codebooks."""

    def __init__(self, pattern_provider: CodebooksPatternProvider, backbone: nn.Module,
                 num_quantizers: int, codebook_size: int):
        super().__init__()
        self.pattern_provider = pattern_provider
        self.backbone = backbone
        self.num_quantizers = num_quantizers
        self.codebook_size = codebook_size
        self.masked_token_id = codebook_size
        dim = backbone.embed_dim
        self.embeds = nn.ModuleList([nn.Embedding(codebook_size + 1, dim)
                                     for _ in range(num_quantizers)])
        self.quantizer_heads = nn.ModuleList([nn.Linear(dim, codebook_size)
                                              for _ in range(num_quantizers)])

    def forward(self, sequence: torch.Tensor, prepend_cond=None, prepend_cond_mask=None,
                cross_attn_cond=None, **kwargs: Any) -> torch.Tensor:
        """Pattern sequence ``(batch, codebooks, steps)`` -> logits
        ``(batch, codebooks, steps, codebook_size)``; the logit at step s predicts step s + 1."""
        if sequence.shape[1] != self.num_quantizers:
            raise ValueError(f"{sequence.shape[1]} codebooks in the sequence, the model has "
                             f"{self.num_quantizers}")
        x = sum(embed(sequence[:, q]) for q, embed in enumerate(self.embeds))
        out = self.backbone(x, prepend_cond=prepend_cond, prepend_cond_mask=prepend_cond_mask,
                            cross_attn_cond=cross_attn_cond, **kwargs)
        return torch.stack([head(out) for head in self.quantizer_heads], dim=1)

    def compute_logits(self, codes: torch.Tensor, **kwargs: Any) -> LMOutput:
        """Teacher-forced logits of ``codes`` (batch, codebooks, frames), mapped back from the
        pattern onto the codes (training)."""
        batch, _, frames = codes.shape
        pattern = self.pattern_provider.get_pattern(frames)
        sequence, _, _ = pattern.build_pattern_sequence(codes, self.masked_token_id,
                                                        keep_only_valid_steps=True)
        logits = rearrange(self(sequence, **kwargs), "b q s c -> b c q s")
        logits, _, mask = pattern.revert_pattern_logits(logits, float("nan"),
                                                        keep_only_valid_steps=True)
        return LMOutput(rearrange(logits, "b c q t -> b q t c"),
                        mask[None].expand(batch, -1, -1))


# --- conditioning, generation and the pretransform ------------------------------------------------


def _drop(cond: torch.Tensor | None, p: float) -> torch.Tensor | None:
    """Zero whole batch items of ``cond`` with probability ``p`` (CFG dropout)."""
    if cond is None or p <= 0.0:
        return cond
    shape = (cond.shape[0],) + (1,) * (cond.ndim - 1)
    dropped = torch.bernoulli(torch.full(shape, p, device=cond.device)).bool()
    return torch.where(dropped, torch.zeros_like(cond), cond)


class AudioLanguageModelWrapper(nn.Module):
    """The discrete pretransform (frozen tokenizer), the conditioner and the language model."""

    def __init__(self, pretransform: nn.Module, lm: AudioLanguageModel, sample_rate: int,
                 min_input_length: int, conditioner: nn.Module | None = None,
                 cross_attn_cond_ids: Sequence[str] = (), prepend_cond_ids: Sequence[str] = (),
                 global_cond_ids: Sequence[str] = ()):
        super().__init__()
        if not getattr(pretransform, "is_discrete", False):
            raise ValueError("the language model needs a discrete pretransform (an autoencoder "
                             "with a quantising bottleneck)")
        self.pretransform = pretransform
        self.pretransform.requires_grad_(False).eval()
        self.num_quantizers = pretransform.num_quantizers
        self.codebook_size = pretransform.codebook_size
        self.conditioner = conditioner
        self.lm = lm
        self.sample_rate = sample_rate
        self.min_input_length = min_input_length
        self.cross_attn_cond_ids = list(cross_attn_cond_ids)
        self.prepend_cond_ids = list(prepend_cond_ids)
        self.global_cond_ids = list(global_cond_ids)

    def with_parts(self, lm: AudioLanguageModel, conditioner: nn.Module | None
                   ) -> "AudioLanguageModelWrapper":
        """The same model with another ``lm`` and conditioner (e.g. EMA copies); nothing is
        copied."""
        return AudioLanguageModelWrapper(
            self.pretransform, lm, self.sample_rate, self.min_input_length, conditioner,
            self.cross_attn_cond_ids, self.prepend_cond_ids, self.global_cond_ids)

    def get_conditioning_inputs(self, cond: Mapping[str, Any], negative: bool = False
                                ) -> dict[str, torch.Tensor | None]:
        """Conditioner outputs -> backbone inputs: cross-attention and prepend ids are joined
        along the sequence, global ids along channels."""
        cross = prepend = prepend_mask = global_cond = None
        if self.cross_attn_cond_ids:
            cross = torch.cat([cond[i][0] for i in self.cross_attn_cond_ids], dim=1)
        if self.prepend_cond_ids:
            prepend = torch.cat([cond[i][0] for i in self.prepend_cond_ids], dim=1)
            prepend_mask = torch.cat([cond[i][1] for i in self.prepend_cond_ids], dim=1)
        if self.global_cond_ids:
            global_cond = torch.cat([cond[i][0] for i in self.global_cond_ids], dim=-1)
            if global_cond.ndim == 3:
                global_cond = global_cond.squeeze(1)
        prefix = "negative_" if negative else ""
        return {f"{prefix}cross_attn_cond": cross, f"{prefix}prepend_cond": prepend,
                f"{prefix}prepend_cond_mask": prepend_mask, f"{prefix}global_cond": global_cond}

    def compute_logits(self, codes: torch.Tensor, condition_tensors: Mapping | None = None,
                       cfg_dropout_prob: float = 0.0, **kwargs: Any) -> LMOutput:
        """Training logits of ``codes``; each conditioning input is zeroed per item with
        probability ``cfg_dropout_prob``."""
        inputs = self.get_conditioning_inputs(condition_tensors or {})
        for key in ("cross_attn_cond", "prepend_cond", "global_cond"):
            inputs[key] = _drop(inputs[key], cfg_dropout_prob)
        return self.lm.compute_logits(codes, **inputs, **kwargs)

    def _next_token(self, sequence: torch.Tensor, inputs: Mapping[str, Any], cfg_scale: float,
                    temp: float, top_k: int, top_p: float, generator) -> torch.Tensor:
        """Tokens ``(batch, codebooks, 1)`` for the step after ``sequence``; with CFG the batch
        runs twice, the second time with zeroed conditioning."""
        inputs = dict(inputs)
        guided = cfg_scale != 1.0
        if guided:
            sequence = torch.cat([sequence, sequence], dim=0)
            for key in ("cross_attn_cond", "prepend_cond", "global_cond"):
                if inputs[key] is not None:
                    inputs[key] = torch.cat([inputs[key], torch.zeros_like(inputs[key])], dim=0)
            if inputs["prepend_cond_mask"] is not None:
                inputs["prepend_cond_mask"] = inputs["prepend_cond_mask"].repeat(2, 1)
        logits = self.lm(sequence, **inputs)[:, :, -1]  # (batch, codebooks, card)
        if guided:
            cond, uncond = logits.chunk(2, dim=0)
            logits = uncond + (cond - uncond) * cfg_scale
        return sample_next(logits, temp=temp, top_k=top_k, top_p=top_p, generator=generator)

    @torch.no_grad()
    def generate(self, max_gen_len: int = 256, batch_size: int | None = None,
                 init_data: torch.Tensor | None = None,
                 conditioning: Sequence[Mapping[str, Any]] | None = None,
                 conditioning_tensors: Mapping[str, Any] | None = None,
                 callback: Callable[[int, int], None] | None = None, use_cache: bool = True,
                 cfg_scale: float = 1.0, temp: float = 1.0, top_k: int = 250, top_p: float = 0.0,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Codes ``(batch, codebooks, max_gen_len)``, continuing ``init_data`` if given, with
        ``conditioning`` (metadata, one dict per item) or ready ``conditioning_tensors``.
        ``use_cache`` is accepted for upstream's signature (there is no cache)."""
        device = next(self.lm.parameters()).device
        if conditioning_tensors is None and conditioning is not None:
            if self.conditioner is None:
                raise ValueError("conditioning given but the model has no conditioner")
            conditioning_tensors = self.conditioner(conditioning, device)
        if batch_size is None:
            if init_data is not None:
                batch_size = init_data.shape[0]
            elif conditioning_tensors:
                batch_size = next(iter(conditioning_tensors.values()))[0].shape[0]
            else:
                batch_size = 1
        if init_data is None:
            init_data = torch.zeros(batch_size, self.num_quantizers, 0, dtype=torch.long,
                                    device=device)
        start = init_data.shape[-1]
        if start >= max_gen_len:
            raise ValueError(f"init_data has {start} frames, not fewer than max_gen_len "
                             f"{max_gen_len}")
        pattern = self.lm.pattern_provider.get_pattern(max_gen_len)
        codes = torch.full((batch_size, self.num_quantizers, max_gen_len), UNKNOWN_TOKEN,
                           dtype=torch.long, device=device)
        codes[..., :start] = init_data.to(device)
        sequence, _, valid = pattern.build_pattern_sequence(codes, self.lm.masked_token_id)
        inputs = self.get_conditioning_inputs(conditioning_tensors or {})
        first = pattern.get_first_step_with_timesteps(start)
        steps = sequence.shape[-1]
        for offset in range(first, steps):
            token = self._next_token(sequence[..., :offset], inputs, cfg_scale, temp, top_k,
                                     top_p, generator)
            token[~valid[:, offset:offset + 1].expand(batch_size, -1, -1)] = \
                self.lm.masked_token_id
            current = sequence[..., offset:offset + 1]
            sequence[..., offset:offset + 1] = torch.where(current == UNKNOWN_TOKEN, token,
                                                           current)
            if callback is not None:
                callback(1 + offset - first, steps - first)
        out, _, mask = pattern.revert_pattern_sequence(sequence, UNKNOWN_TOKEN)
        if (out == UNKNOWN_TOKEN).any() or not mask.all():
            raise RuntimeError("generation left positions unfilled")  # a pattern bug
        return out

    def generate_audio(self, **kwargs: Any) -> torch.Tensor:
        """Generate codes (``generate``'s arguments) and decode them through the pretransform."""
        return self.pretransform.decode_tokens(self.generate(**kwargs))


# --- builder ------------------------------------------------------------------------------------


def create_lm(config) -> AudioLanguageModelWrapper:
    """Model builder of the ``lm`` row: a typed ``LMConfig`` -> :class:`AudioLanguageModelWrapper`.

    The pretransform is built untrained (random weights), as for every kind: its weights come
    from a checkpoint of the whole model or are loaded into ``model.pretransform`` by the caller.
    """
    from ...training.components.conditioners import build_multi_conditioner
    from ...training.components.pretransforms import build_pretransform

    model = config.model
    pretransform = build_pretransform(model.pretransform, config.sample_rate)
    if not pretransform.is_discrete:  # the schema already rejects continuous tokenizers
        raise ValueError("model.pretransform: the language model needs a discrete pretransform")
    conditioner = None
    if model.conditioning is not None:
        conditioner = build_multi_conditioner(model.conditioning, model_pretransform=pretransform)
    spec = model.lm
    lm = AudioLanguageModel(
        PATTERN_PROVIDERS[spec.codebook_pattern](pretransform.num_quantizers),
        ContinuousTransformerAudioLMBackbone(**spec.config.model_dump()),
        num_quantizers=pretransform.num_quantizers, codebook_size=pretransform.codebook_size)
    return AudioLanguageModelWrapper(
        pretransform, lm, sample_rate=config.sample_rate,
        min_input_length=pretransform.downsampling_ratio, conditioner=conditioner,
        cross_attn_cond_ids=spec.cross_attention_cond_ids, prepend_cond_ids=spec.prepend_cond_ids,
        global_cond_ids=spec.global_cond_ids)
