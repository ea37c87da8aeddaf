"""ContinuousTransformer: every schema option builds upstream's state-dict names and shapes
(recorded from stable-audio-tools at 50049e3) and behaves as described."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from sat_config.training.components.transformer import ContinuousTransformer  # noqa: E402

BASE = {"layers.0.ff.ff.0.proj.bias": (512,), "layers.0.ff.ff.0.proj.weight": (512, 64),
        "layers.0.ff.ff.2.bias": (64,), "layers.0.ff.ff.2.weight": (64, 256),
        "layers.0.ff_norm.beta": (64,), "layers.0.ff_norm.gamma": (64,),
        "layers.0.pre_norm.beta": (64,), "layers.0.pre_norm.gamma": (64,),
        "layers.0.self_attn.to_out.weight": (64, 64),
        "layers.0.self_attn.to_qkv.weight": (192, 64), "rotary_pos_emb.inv_freq": (16,)}

# (options, keys added or reshaped relative to BASE, keys removed) of upstream's model
UPSTREAM_NAMES = [
    ({"attn_kwargs": {"qk_norm": "ln"}},
     {"layers.0.self_attn.k_norm.bias": (32,), "layers.0.self_attn.k_norm.weight": (32,),
      "layers.0.self_attn.q_norm.bias": (32,), "layers.0.self_attn.q_norm.weight": (32,)}, []),
    ({"attn_kwargs": {"qk_norm": "dyt"}},
     {"layers.0.self_attn.k_norm.alpha": (1,), "layers.0.self_attn.k_norm.beta": (32,),
      "layers.0.self_attn.k_norm.gamma": (32,), "layers.0.self_attn.q_norm.alpha": (1,),
      "layers.0.self_attn.q_norm.beta": (32,), "layers.0.self_attn.q_norm.gamma": (32,)}, []),
    ({"attn_kwargs": {"differential": True}, "cross_attend": True, "cond_token_dim": 64},
     {"layers.0.cross_attend_norm.beta": (64,), "layers.0.cross_attend_norm.gamma": (64,),
      "layers.0.cross_attn.to_kv.weight": (192, 64), "layers.0.cross_attn.to_out.weight": (64, 64),
      "layers.0.cross_attn.to_q.weight": (128, 64), "layers.0.self_attn.to_qkv.weight": (320, 64)},
     []),
    ({"attn_kwargs": {"feat_scale": True}},
     {"layers.0.self_attn.lambda_dc": (64,), "layers.0.self_attn.lambda_hf": (64,)}, []),
    ({"conformer": True},
     {"layers.0.conformer.depthwise_conv.weight": (64, 1, 17),
      "layers.0.conformer.glu.proj.bias": (128,), "layers.0.conformer.glu.proj.weight": (128, 64),
      "layers.0.conformer.in_norm.beta": (64,), "layers.0.conformer.in_norm.gamma": (64,),
      "layers.0.conformer.mid_norm.beta": (64,), "layers.0.conformer.mid_norm.gamma": (64,),
      "layers.0.conformer.pointwise_conv.weight": (64, 64, 1),
      "layers.0.conformer.pointwise_conv_2.weight": (64, 64, 1)}, []),
    ({"num_memory_tokens": 3}, {"memory_tokens": (3, 64)}, []),
    ({"use_abs_pos_emb": True, "abs_pos_emb_max_length": 100}, {"pos_emb.emb.weight": (100, 64)},
     []),
    ({"use_sinusoidal_emb": True}, {"pos_emb.scale": (1,)}, []),
    ({"remove_norms": True}, {"layers.0.ff_norm.alpha": (1,), "layers.0.pre_norm.alpha": (1,)}, []),
    ({"add_rope": True, "rotary_pos_emb": False}, {"layers.0.rope.inv_freq": (8,)},
     ["rotary_pos_emb.inv_freq"]),
    ({"layer_scale": True, "cross_attend": True, "cond_token_dim": 32},
     {"layers.0.cross_attend_norm.beta": (64,), "layers.0.cross_attend_norm.gamma": (64,),
      "layers.0.cross_attn.to_kv.weight": (64, 32), "layers.0.cross_attn.to_out.weight": (64, 64),
      "layers.0.cross_attn.to_q.weight": (64, 64), "layers.0.cross_attn_scale.scale": (64,),
      "layers.0.ff_scale.scale": (64,), "layers.0.self_attn_scale.scale": (64,)}, []),
    ({"ff_kwargs": {"glu": False, "use_conv": True}},
     {"layers.0.ff.ff.0.1.bias": (256,), "layers.0.ff.ff.0.1.weight": (256, 64, 3),
      "layers.0.ff.ff.2.weight": (64, 256, 3)},
     ["layers.0.ff.ff.0.proj.bias", "layers.0.ff.ff.0.proj.weight"]),
    ({"global_cond_dim": 64},
     {"global_cond_embedder.0.bias": (64,), "global_cond_embedder.0.weight": (64, 64),
      "global_cond_embedder.2.bias": (384,), "global_cond_embedder.2.weight": (384, 64),
      "layers.0.to_scale_shift_gate": (384,)}, []),
]


def _shapes(module: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def _randomize(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 0.05)
    return module.eval()


def test_base_names_match_upstream():
    assert _shapes(ContinuousTransformer(64, 1, dim_heads=32)) == BASE


@pytest.mark.parametrize("options, added, removed", UPSTREAM_NAMES,
                         ids=[str(sorted(o)) for o, _, _ in UPSTREAM_NAMES])
def test_option_names_match_upstream_and_forward_runs(options, added, removed):
    model = ContinuousTransformer(64, 1, dim_heads=32, dim_in=5, dim_out=3, **options)
    expected = {k: v for k, v in BASE.items() if k not in removed} | added
    expected |= {"project_in.weight": (64, 5), "project_out.weight": (3, 64)}
    assert _shapes(model) == expected
    _randomize(model)
    kwargs = {}
    if options.get("cross_attend"):
        kwargs["context"] = torch.randn(2, 4, options["cond_token_dim"])
    if options.get("global_cond_dim"):
        kwargs["global_cond"] = torch.randn(2, 64)
    out = model(torch.randn(2, 9, 5), prepend_embeds=torch.randn(2, 2, 64), **kwargs)
    assert out.shape == (2, 11, 3)  # memory tokens are stripped, prepended tokens are not


def test_rotary_covers_at_least_32_channels_per_head():
    assert ContinuousTransformer(256, 1, dim_heads=128).rotary_pos_emb.inv_freq.shape == (32,)
    assert ContinuousTransformer(64, 1, dim_heads=32).rotary_pos_emb.inv_freq.shape == (16,)
    assert "rotary_pos_emb.inv_freq" in ContinuousTransformer(64, 1).state_dict()  # persistent
    with pytest.raises(ValueError, match="heads of at least 32 channels"):
        ContinuousTransformer(64, 1, dim_heads=16)
    ContinuousTransformer(64, 1, dim_heads=16, rotary_pos_emb=False)


def test_causal_attention_ignores_later_positions():
    model = _randomize(ContinuousTransformer(64, 2, dim_heads=32, dim_in=4, causal=True))
    x = torch.randn(1, 8, 4)
    changed = x.clone()
    changed[:, 5:] = torch.randn(1, 3, 4)
    with torch.no_grad():
        a, b = model(x), model(changed)
    torch.testing.assert_close(a[:, :5], b[:, :5])
    assert not torch.allclose(a[:, 5:], b[:, 5:])


def test_sliding_window_limits_attention():
    def build(window):
        torch.manual_seed(0)
        return _randomize(ContinuousTransformer(64, 1, dim_heads=32, dim_in=4,
                                                sliding_window=window))
    x = torch.randn(1, 12, 4)
    far = x.clone()
    far[:, 10:] = torch.randn(1, 2, 4)
    with torch.no_grad():
        torch.testing.assert_close(build([-1, -1])(x), build(None)(x))  # unbounded = full
        local = build([2, 2])
        a, b = local(x), local(far)
    torch.testing.assert_close(a[:, :8], b[:, :8])  # positions 0..7 cannot see 10, 11
    assert not torch.allclose(a[:, 8:], b[:, 8:])


def test_exit_layer_and_hidden_states():
    model = _randomize(ContinuousTransformer(64, 3, dim_heads=32, dim_in=4, dim_out=2,
                                             num_memory_tokens=2))
    x = torch.randn(2, 6, 4)
    with torch.no_grad():
        out, info = model(x, return_info=True)
        hidden = model(x, exit_layer_ix=1)
    assert out.shape == (2, 6, 2) and len(info["hidden_states"]) == 3
    assert info["hidden_states"][1].shape == (2, 8, 64)  # memory tokens still in
    torch.testing.assert_close(hidden, info["hidden_states"][1][:, 2:])


def test_checkpointing_does_not_change_gradients():
    model = _randomize(ContinuousTransformer(64, 2, dim_heads=32, dim_in=4)).train()
    x = torch.randn(2, 5, 4)
    grads = []
    for use in (True, False):
        model.zero_grad()
        model(x, use_checkpointing=use).square().mean().backward()
        grads.append(model.layers[0].self_attn.to_qkv.weight.grad.clone())
    torch.testing.assert_close(grads[0], grads[1])
