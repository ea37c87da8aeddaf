"""``ContinuousTransformer``: the pre-LN transformer under the DiT (and the LM backbone).

Module tree, parameter and buffer names follow stable-audio-tools' ``models/transformer.py``
(itself derived from x-transformers), so upstream state dicts load with ``strict=True``:
``layers.N.{pre_norm, self_attn, cross_attend_norm, cross_attn, ff_norm, ff, conformer,
to_scale_shift_gate}``, ``rotary_pos_emb.inv_freq`` (a persistent buffer), ``project_in`` /
``project_out``, ``memory_tokens``, ``pos_emb`` and ``global_cond_embedder``.

Attention runs on ``torch.nn.functional.scaled_dot_product_attention``. Upstream uses flash_attn
when it is installed; ``sliding_window`` (which upstream only honours with flash_attn) is applied
here as an explicit attention mask with flash_attn's window semantics.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from einops import rearrange
from einops.layers.torch import Rearrange
from torch import nn
from torch.utils.checkpoint import checkpoint

QKNorm = Literal["none", "l2", "ln", "dyt"]


# --- positions ----------------------------------------------------------------------------------


class AbsolutePositionalEmbedding(nn.Module):
    """Learned positions, scaled by ``dim ** -0.5``."""

    def __init__(self, dim: int, max_seq_len: int):
        super().__init__()
        self.scale = dim ** -0.5
        self.max_seq_len = max_seq_len
        self.emb = nn.Embedding(max_seq_len, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        length = x.shape[1]
        if length > self.max_seq_len:
            raise ValueError(f"sequence length {length} exceeds the absolute position "
                             f"embedding's maximum {self.max_seq_len}")
        return self.emb(torch.arange(length, device=x.device)) * self.scale


class ScaledSinusoidalEmbedding(nn.Module):
    """Fixed sin/cos positions with one learned scale."""

    def __init__(self, dim: int, theta: float = 10000.0):
        super().__init__()
        if dim % 2:
            raise ValueError("ScaledSinusoidalEmbedding needs an even width")
        self.scale = nn.Parameter(torch.ones(1) * dim ** -0.5)
        half = dim // 2
        self.register_buffer("inv_freq", theta ** -(torch.arange(half).float() / half),
                             persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(x.shape[1], device=x.device, dtype=self.inv_freq.dtype)
        angles = pos[:, None] * self.inv_freq[None, :]
        return torch.cat((angles.sin(), angles.cos()), dim=-1) * self.scale


class RotaryEmbedding(nn.Module):
    """Rotary frequencies over ``dim`` channels; ``inv_freq`` is persistent (it is in upstream
    state dicts)."""

    def __init__(self, dim: int, base: float = 10000.0):
        super().__init__()
        self.register_buffer("inv_freq", 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim)))

    def forward_from_seq_len(self, seq_len: int) -> tuple[torch.Tensor, float]:
        return self(torch.arange(seq_len, device=self.inv_freq.device))

    def forward(self, t: torch.Tensor) -> tuple[torch.Tensor, float]:
        freqs = t.float()[:, None] * self.inv_freq.float()[None, :]
        return torch.cat((freqs, freqs), dim=-1), 1.0


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    first, second = x.chunk(2, dim=-1)
    return torch.cat((-second, first), dim=-1)


def apply_rotary_pos_emb(t: torch.Tensor, freqs: torch.Tensor) -> torch.Tensor:
    """Rotate the first ``freqs.shape[-1]`` channels of ``t`` (partial rotary); the rest pass."""
    out_dtype = t.dtype
    rot_dim, seq_len = freqs.shape[-1], t.shape[-2]
    t, freqs = t.float(), freqs[-seq_len:].float()
    rotated, passed = t[..., :rot_dim], t[..., rot_dim:]
    rotated = rotated * freqs.cos() + _rotate_half(rotated) * freqs.sin()
    return torch.cat((rotated, passed), dim=-1).to(out_dtype)


# --- norms and scales ---------------------------------------------------------------------------


class DynamicTanh(nn.Module):
    """``gamma * tanh(alpha * x) + beta``: a normalisation-free stand-in for LayerNorm."""

    def __init__(self, dim: int, init_alpha: float = 10.0):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1) * init_alpha)
        self.gamma = nn.Parameter(torch.ones(dim))
        self.beta = nn.Parameter(torch.zeros(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gamma * torch.tanh(self.alpha * x) + self.beta


class LayerNorm(nn.Module):
    """LayerNorm whose bias is a fixed zero buffer unless ``bias`` (upstream's default);
    ``fix_scale`` makes the gain a fixed buffer too. Both buffers are persistent."""

    def __init__(self, dim: int, bias: bool = False, fix_scale: bool = False,
                 force_fp32: bool = False, eps: float = 1e-5):
        super().__init__()
        if fix_scale:
            self.register_buffer("gamma", torch.ones(dim))
        else:
            self.gamma = nn.Parameter(torch.ones(dim))
        if bias:
            self.beta = nn.Parameter(torch.zeros(dim))
        else:
            self.register_buffer("beta", torch.zeros(dim))
        self.eps = eps
        self.force_fp32 = force_fp32

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.force_fp32:
            return F.layer_norm(x, x.shape[-1:], weight=self.gamma, bias=self.beta, eps=self.eps)
        out = F.layer_norm(x.float(), x.shape[-1:], weight=self.gamma.float(),
                           bias=self.beta.float(), eps=self.eps)
        return out.to(x.dtype)


class LayerScale(nn.Module):
    def __init__(self, dim: int, init_val: float = 1e-5):
        super().__init__()
        self.scale = nn.Parameter(torch.full([dim], init_val))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


def _norm(dim: int, remove_norms: bool, norm_kwargs: dict) -> nn.Module:
    return DynamicTanh(dim) if remove_norms else LayerNorm(dim, **norm_kwargs)


# --- feed-forward -------------------------------------------------------------------------------


class GLU(nn.Module):
    """Project to twice the width and gate one half with ``activation`` of the other."""

    def __init__(self, dim_in: int, dim_out: int, activation: nn.Module, use_conv: bool = False,
                 conv_kernel_size: int = 3):
        super().__init__()
        self.act = activation
        self.use_conv = use_conv
        self.proj = (nn.Conv1d(dim_in, dim_out * 2, conv_kernel_size,
                               padding=conv_kernel_size // 2)
                     if use_conv else nn.Linear(dim_in, dim_out * 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.use_conv:
            x = self.proj(x.transpose(1, 2)).transpose(1, 2)
        else:
            x = self.proj(x)
        x, gate = x.chunk(2, dim=-1)
        return x * self.act(gate)


class FeedForward(nn.Module):
    """SwiGLU (or linear + SiLU) MLP; ``use_conv`` swaps linear layers for 1-D convolutions
    (the GLU input projection stays linear, as upstream)."""

    def __init__(self, dim: int, dim_out: int | None = None, mult: float = 4, no_bias: bool = False,
                 glu: bool = True, use_conv: bool = False, conv_kernel_size: int = 3,
                 zero_init_output: bool = True):
        super().__init__()
        inner = int(dim * mult)
        dim_out = dim if dim_out is None else dim_out
        pad = conv_kernel_size // 2
        if glu:
            linear_in: nn.Module = GLU(dim, inner, nn.SiLU())
        else:
            linear_in = nn.Sequential(
                Rearrange("b n d -> b d n") if use_conv else nn.Identity(),
                nn.Conv1d(dim, inner, conv_kernel_size, padding=pad, bias=not no_bias)
                if use_conv else nn.Linear(dim, inner, bias=not no_bias),
                Rearrange("b n d -> b d n") if use_conv else nn.Identity(),
                nn.SiLU(),
            )
        linear_out = (nn.Conv1d(inner, dim_out, conv_kernel_size, padding=pad, bias=not no_bias)
                      if use_conv else nn.Linear(inner, dim_out, bias=not no_bias))
        if zero_init_output:
            nn.init.zeros_(linear_out.weight)
            if not no_bias:
                nn.init.zeros_(linear_out.bias)
        # with use_conv the hidden activations are moved to channels-first around linear_out
        self.ff = nn.Sequential(linear_in,
                                Rearrange("b d n -> b n d") if use_conv else nn.Identity(),
                                linear_out,
                                Rearrange("b n d -> b d n") if use_conv else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ff(x)


# --- attention ----------------------------------------------------------------------------------


def _window_mask(q_len: int, k_len: int, window: tuple[int, int] | list[int], causal: bool,
                 device: torch.device) -> torch.Tensor:
    """Boolean (q, k) mask keeping keys within ``[i - left, i + right]`` (-1 = unbounded),
    bottom-right aligned like flash_attn."""
    left, right = window
    i = torch.arange(q_len, device=device)[:, None] + (k_len - q_len)
    j = torch.arange(k_len, device=device)[None, :]
    keep = torch.ones(q_len, k_len, dtype=torch.bool, device=device)
    if left >= 0:
        keep &= j >= i - left
    if right >= 0:
        keep &= j <= i + right
    if causal:
        keep &= j <= i
    return keep


class Attention(nn.Module):
    """Multi-head self- or cross-attention (``dim_context`` set). Keys/values with fewer heads
    than the queries (a narrower context) are shared across query heads."""

    def __init__(self, dim: int, dim_heads: int = 64, dim_context: int | None = None,
                 causal: bool = False, zero_init_output: bool = True, qk_norm: QKNorm = "none",
                 differential: bool = False, feat_scale: bool = False):
        super().__init__()
        self.dim = dim
        self.dim_heads = dim_heads
        self.differential = differential
        dim_kv = dim_context if dim_context is not None else dim
        self.num_heads = dim // dim_heads
        self.kv_heads = dim_kv // dim_heads
        if dim_context is not None:
            self.to_q = nn.Linear(dim, dim * (2 if differential else 1), bias=False)
            self.to_kv = nn.Linear(dim_kv, dim_kv * (3 if differential else 2), bias=False)
        else:
            self.to_qkv = nn.Linear(dim, dim * (5 if differential else 3), bias=False)
        self.to_out = nn.Linear(dim, dim, bias=False)
        if zero_init_output:
            nn.init.zeros_(self.to_out.weight)
        if qk_norm not in ("l2", "ln", "dyt", "none"):
            raise ValueError(f"qk_norm must be one of none, l2, ln, dyt; got {qk_norm!r}")
        self.qk_norm = qk_norm
        if qk_norm == "ln":
            self.q_norm = nn.LayerNorm(dim_heads, elementwise_affine=True, eps=1.0e-6)
            self.k_norm = nn.LayerNorm(dim_heads, elementwise_affine=True, eps=1.0e-6)
        elif qk_norm == "dyt":
            self.q_norm = DynamicTanh(dim_heads)
            self.k_norm = DynamicTanh(dim_heads)
        self.feat_scale = feat_scale
        if feat_scale:
            self.lambda_dc = nn.Parameter(torch.zeros(dim))
            self.lambda_hf = nn.Parameter(torch.zeros(dim))
        self.causal = causal

    def _heads(self, t: torch.Tensor, heads: int) -> torch.Tensor:
        return rearrange(t, "b n (h d) -> b h n d", h=heads)

    def _project(self, x: torch.Tensor, context: torch.Tensor | None):
        """q, k, v as (b, h, n, d); with ``differential`` q and k carry a pair axis at dim 1."""
        h, kv_h = self.num_heads, self.kv_heads
        if hasattr(self, "to_q"):
            kv_input = context if context is not None else x
            if self.differential:
                q, q_diff = (self._heads(t, h) for t in self.to_q(x).chunk(2, dim=-1))
                k, k_diff, v = (self._heads(t, kv_h) for t in self.to_kv(kv_input).chunk(3, dim=-1))
                return torch.stack([q, q_diff], dim=1), torch.stack([k, k_diff], dim=1), v
            q = self._heads(self.to_q(x), h)
            k, v = (self._heads(t, kv_h) for t in self.to_kv(kv_input).chunk(2, dim=-1))
            return q, k, v
        if self.differential:
            q, k, v, q_diff, k_diff = (self._heads(t, h) for t in self.to_qkv(x).chunk(5, dim=-1))
            return torch.stack([q, q_diff], dim=1), torch.stack([k, k_diff], dim=1), v
        q, k, v = (self._heads(t, h) for t in self.to_qkv(x).chunk(3, dim=-1))
        return q, k, v

    def _attend(self, q, k, v, causal: bool, window) -> torch.Tensor:
        if self.num_heads != self.kv_heads:
            repeat = self.num_heads // self.kv_heads
            k, v = k.repeat_interleave(repeat, dim=1), v.repeat_interleave(repeat, dim=1)
        if window is not None:
            mask = _window_mask(q.shape[-2], k.shape[-2], window, causal, q.device)
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                rotary_pos_emb: tuple[torch.Tensor, float] | None = None,
                causal: bool | None = None, sliding_window=None) -> torch.Tensor:
        q, k, v = self._project(x, context)
        if self.qk_norm == "l2":
            q, k = F.normalize(q, dim=-1), F.normalize(k, dim=-1)
        elif self.qk_norm != "none":
            q, k = self.q_norm(q).to(q.dtype), self.k_norm(k).to(k.dtype)
        if rotary_pos_emb is not None:
            freqs = rotary_pos_emb[0].float()
            # positions of the shorter sequence are stretched over the longer one
            q_len, k_len = q.shape[-2], k.shape[-2]
            q_freqs, k_freqs = ((freqs, freqs * (q_len / k_len)) if q_len >= k_len
                                else (freqs * (k_len / q_len), freqs))
            q = apply_rotary_pos_emb(q.float(), q_freqs).to(v.dtype)
            k = apply_rotary_pos_emb(k.float(), k_freqs).to(v.dtype)
        causal = self.causal if causal is None else causal
        if q.shape[-2] == 1:
            causal = False
        if self.differential:
            (q, q_diff), (k, k_diff) = q.unbind(dim=1), k.unbind(dim=1)
            out = (self._attend(q, k, v, causal, sliding_window)
                   - self._attend(q_diff, k_diff, v, causal, sliding_window))
        else:
            out = self._attend(q, k, v, causal, sliding_window)
        out = self.to_out(rearrange(out, "b h n d -> b n (h d)"))
        if self.feat_scale:
            dc = out.mean(dim=-2, keepdim=True)
            out = out + self.lambda_dc * dc + self.lambda_hf * (out - dc)
        return out


class ConformerModule(nn.Module):
    """Conformer convolution branch: norm, pointwise conv, GLU, depthwise conv (17), norm,
    SiLU, pointwise conv."""

    def __init__(self, dim: int, norm_kwargs: dict | None = None):
        super().__init__()
        norm_kwargs = norm_kwargs or {}
        self.dim = dim
        self.in_norm = LayerNorm(dim, **norm_kwargs)
        self.pointwise_conv = nn.Conv1d(dim, dim, kernel_size=1, bias=False)
        self.glu = GLU(dim, dim, nn.SiLU())
        self.depthwise_conv = nn.Conv1d(dim, dim, kernel_size=17, groups=dim, padding=8, bias=False)
        self.mid_norm = LayerNorm(dim, **norm_kwargs)
        self.swish = nn.SiLU()
        self.pointwise_conv_2 = nn.Conv1d(dim, dim, kernel_size=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pointwise_conv(self.in_norm(x).transpose(1, 2)).transpose(1, 2)
        x = self.depthwise_conv(self.glu(x).transpose(1, 2)).transpose(1, 2)
        x = self.swish(self.mid_norm(x))
        return self.pointwise_conv_2(x.transpose(1, 2)).transpose(1, 2)


# --- blocks -------------------------------------------------------------------------------------


class TransformerBlock(nn.Module):
    """Pre-LN block: self-attention, optional cross-attention and conformer branch, feed-forward.
    With ``global_cond_dim`` the self-attention and feed-forward branches are modulated adaLN-style
    by the (already embedded) global conditioning plus a learned ``to_scale_shift_gate``."""

    def __init__(self, dim: int, dim_heads: int = 64, cross_attend: bool = False,
                 dim_context: int | None = None, global_cond_dim: int | None = None,
                 causal: bool = False, zero_init_branch_outputs: bool = True,
                 conformer: bool = False, layer_ix: int = -1, remove_norms: bool = False,
                 add_rope: bool = False, layer_scale: bool = False,
                 attn_kwargs: dict | None = None, ff_kwargs: dict | None = None,
                 norm_kwargs: dict | None = None):
        super().__init__()
        attn_kwargs, ff_kwargs, norm_kwargs = attn_kwargs or {}, ff_kwargs or {}, norm_kwargs or {}
        self.dim = dim
        self.dim_heads = min(dim_heads, dim)
        self.cross_attend = cross_attend
        self.dim_context = dim_context
        self.causal = causal
        if layer_scale:
            zero_init_branch_outputs = False  # LayerScale already starts the branches near zero

        def scale() -> nn.Module:
            return LayerScale(dim) if layer_scale else nn.Identity()

        self.pre_norm = _norm(dim, remove_norms, norm_kwargs)
        self.add_rope = add_rope
        self.self_attn = Attention(dim, dim_heads=self.dim_heads, causal=causal,
                                   zero_init_output=zero_init_branch_outputs, **attn_kwargs)
        self.self_attn_scale = scale()
        if cross_attend:
            self.cross_attend_norm = _norm(dim, remove_norms, norm_kwargs)
            self.cross_attn = Attention(dim, dim_heads=self.dim_heads, dim_context=dim_context,
                                        causal=causal, zero_init_output=zero_init_branch_outputs,
                                        **attn_kwargs)
            self.cross_attn_scale = scale()
        self.ff_norm = _norm(dim, remove_norms, norm_kwargs)
        self.ff = FeedForward(dim, zero_init_output=zero_init_branch_outputs, **ff_kwargs)
        self.ff_scale = scale()
        self.layer_ix = layer_ix
        self.conformer = ConformerModule(dim, norm_kwargs=norm_kwargs) if conformer else None
        if conformer:
            self.conformer_scale = scale()
        self.global_cond_dim = global_cond_dim
        if global_cond_dim is not None:
            self.to_scale_shift_gate = nn.Parameter(torch.randn(6 * dim) / dim ** 0.5)
        self.rope = RotaryEmbedding(self.dim_heads // 2) if add_rope else None

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                global_cond: torch.Tensor | None = None,
                rotary_pos_emb: tuple[torch.Tensor, float] | None = None,
                sliding_window=None) -> torch.Tensor:
        if rotary_pos_emb is None and self.rope is not None:
            rotary_pos_emb = self.rope.forward_from_seq_len(x.shape[-2])
        ada = bool(self.global_cond_dim) and global_cond is not None
        if ada:
            (scale_self, shift_self, gate_self, scale_ff, shift_ff,
             gate_ff) = (self.to_scale_shift_gate + global_cond).unsqueeze(1).chunk(6, dim=-1)
            h = self.pre_norm(x) * (1 + scale_self) + shift_self
            h = self.self_attn(h, rotary_pos_emb=rotary_pos_emb, sliding_window=sliding_window)
            x = x + self.self_attn_scale(h * torch.sigmoid(1 - gate_self))
        else:
            x = x + self.self_attn_scale(self.self_attn(
                self.pre_norm(x), rotary_pos_emb=rotary_pos_emb, sliding_window=sliding_window))
        if context is not None and self.cross_attend:
            x = x + self.cross_attn_scale(self.cross_attn(self.cross_attend_norm(x),
                                                          context=context))
        if self.conformer is not None:
            x = x + self.conformer_scale(self.conformer(x))
        if ada:
            h = self.ff(self.ff_norm(x) * (1 + scale_ff) + shift_ff)
            x = x + self.ff_scale(h * torch.sigmoid(1 - gate_ff))
        else:
            x = x + self.ff_scale(self.ff(self.ff_norm(x)))
        return x


class ContinuousTransformer(nn.Module):
    """A stack of :class:`TransformerBlock` over continuous ``(batch, seq, dim_in)`` inputs.

    Rotary embeddings cover ``max(dim_heads // 2, 32)`` channels of every head. Options not
    named here (``remove_norms``, ``add_rope``, ``layer_scale``, ``attn_kwargs``, ``ff_kwargs``,
    ``norm_kwargs``) go to every block.
    """

    def __init__(self, dim: int, depth: int, *, dim_in: int | None = None,
                 dim_out: int | None = None, dim_heads: int = 64, cross_attend: bool = False,
                 cond_token_dim: int | None = None, final_cross_attn_ix: int = -1,
                 global_cond_dim: int | None = None, causal: bool = False,
                 rotary_pos_emb: bool = True, zero_init_branch_outputs: bool = True,
                 conformer: bool = False, use_sinusoidal_emb: bool = False,
                 use_abs_pos_emb: bool = False, abs_pos_emb_max_length: int = 10000,
                 num_memory_tokens: int = 0, sliding_window: list[int] | None = None,
                 **block_kwargs):
        super().__init__()
        self.dim = dim
        self.depth = depth
        self.causal = causal
        self.layers = nn.ModuleList([])
        self.project_in = nn.Linear(dim_in, dim, bias=False) if dim_in is not None else nn.Identity()
        self.project_out = (nn.Linear(dim, dim_out, bias=False) if dim_out is not None
                            else nn.Identity())
        rotary_dim = max(dim_heads // 2, 32)
        if rotary_pos_emb and rotary_dim > min(dim_heads, dim):
            # upstream builds this and fails on the first forward pass
            raise ValueError(f"rotary embeddings cover {rotary_dim} channels per head but the "
                             f"heads are {min(dim_heads, dim)} wide: use heads of at least "
                             f"{rotary_dim} channels (fewer heads) or turn rotary_pos_emb off")
        self.rotary_pos_emb = RotaryEmbedding(rotary_dim) if rotary_pos_emb else None
        self.num_memory_tokens = num_memory_tokens
        if num_memory_tokens > 0:
            self.memory_tokens = nn.Parameter(torch.randn(num_memory_tokens, dim))
        self.use_sinusoidal_emb = use_sinusoidal_emb
        if use_sinusoidal_emb:
            self.pos_emb: nn.Module = ScaledSinusoidalEmbedding(dim)
        self.use_abs_pos_emb = use_abs_pos_emb
        if use_abs_pos_emb:  # replaces the sinusoidal one when both are asked for, as upstream
            self.pos_emb = AbsolutePositionalEmbedding(dim, abs_pos_emb_max_length
                                                       + num_memory_tokens)
        self.global_cond_embedder = None
        if global_cond_dim is not None:
            self.global_cond_embedder = nn.Sequential(
                nn.Linear(global_cond_dim, dim), nn.SiLU(), nn.Linear(dim, dim * 6))
        self.final_cross_attn_ix = final_cross_attn_ix
        self.sliding_window = list(sliding_window) if sliding_window is not None else None
        for i in range(depth):
            self.layers.append(TransformerBlock(
                dim, dim_heads=dim_heads,
                cross_attend=cross_attend and (final_cross_attn_ix == -1 or i <= final_cross_attn_ix),
                dim_context=cond_token_dim, global_cond_dim=global_cond_dim, causal=causal,
                zero_init_branch_outputs=zero_init_branch_outputs, conformer=conformer,
                layer_ix=i, **block_kwargs))

    def forward(self, x: torch.Tensor, prepend_embeds: torch.Tensor | None = None,
                global_cond: torch.Tensor | None = None, context: torch.Tensor | None = None,
                return_info: bool = False, use_checkpointing: bool = True,
                exit_layer_ix: int | None = None):
        """``x`` (batch, seq, dim_in) -> (batch, seq + prepended, dim_out). With
        ``exit_layer_ix`` the hidden states after that block are returned (no ``project_out``).
        Blocks are gradient-checkpointed while gradients are enabled (``use_checkpointing``)."""
        batch = x.shape[0]
        x = x.to(next(self.parameters()).dtype)
        info: dict[str, list[torch.Tensor]] = {"hidden_states": []}
        x = self.project_in(x)
        if prepend_embeds is not None:
            if prepend_embeds.shape[-1] != x.shape[-1]:
                raise ValueError(f"prepend width {prepend_embeds.shape[-1]} != transformer width "
                                 f"{x.shape[-1]}")
            x = torch.cat((prepend_embeds, x), dim=-2)
        if self.num_memory_tokens > 0:
            x = torch.cat((self.memory_tokens.expand(batch, -1, -1), x), dim=1)
        rotary = (self.rotary_pos_emb.forward_from_seq_len(x.shape[1])
                  if self.rotary_pos_emb is not None else None)
        if self.use_sinusoidal_emb or self.use_abs_pos_emb:
            x = x + self.pos_emb(x)
        if global_cond is not None and self.global_cond_embedder is not None:
            global_cond = self.global_cond_embedder(global_cond)
        checkpointed = use_checkpointing and torch.is_grad_enabled()
        for layer_ix, layer in enumerate(self.layers):
            kwargs = dict(context=context, global_cond=global_cond, rotary_pos_emb=rotary,
                          sliding_window=self.sliding_window)
            if checkpointed:
                x = checkpoint(layer, x, use_reentrant=False, **kwargs)
            else:
                x = layer(x, **kwargs)
            if return_info:
                info["hidden_states"].append(x)
            if exit_layer_ix is not None and layer_ix == exit_layer_ix:
                x = x[:, self.num_memory_tokens:, :]
                return (x, info) if return_info else x
        x = self.project_out(x[:, self.num_memory_tokens:, :])
        return (x, info) if return_info else x
