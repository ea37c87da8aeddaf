"""adp U-Nets (adp_uncond_1d, adp_1d, adp_cfg_1d): upstream parity, shapes, CFG paths."""

from __future__ import annotations

import pytest
from upstream_support import assert_close, corpus_config, n_params, state_dict, upstream_fixture

torch = pytest.importorskip("torch")

from sat_config.models import diffusion_parts  # noqa: E402
from sat_config.training.components.adp import (  # noqa: E402
    UNet1DCondWrapper, UNet1DUncondWrapper, UNetCFG1DWrapper)

TINY = dict(channels=8, resnet_groups=4, multipliers=[1, 2, 4], factors=[2, 2],
            num_blocks=[1, 1], attentions=[0, 1, 1], attention_heads=2, attention_multiplier=2)


def tiny_cfg(**extra) -> UNetCFG1DWrapper:
    torch.manual_seed(0)
    return UNetCFG1DWrapper(in_channels=4, context_embedding_features=16,
                            context_embedding_max_length=3, **{**TINY, **extra}).eval()


def test_stable_audio_1_0_backbone_has_upstreams_parameter_count():
    config = corpus_config("model_configs__txt2audio__stable_audio_1_0")["model"]["diffusion"]
    with torch.device("meta"):
        model = UNetCFG1DWrapper(**config["config"])
    assert n_params(model) == 906_679_744


def test_typed_config_dump_is_accepted_as_constructor_kwargs():
    """The typed config carries every key with its default (stft_* too): all are accepted."""
    config = diffusion_parts.UNetCfg1dConfig.model_validate(
        {"in_channels": 4, "context_embedding_features": 16, "context_embedding_max_length": 3,
         **TINY})
    model = UNetCFG1DWrapper(**config.model_dump())
    assert not hasattr(model.model, "stft")
    uncond = diffusion_parts.UNet1dConfig.model_validate({"in_channels": 2, **TINY})
    assert UNet1DUncondWrapper(**uncond.model_dump()).io_channels == 2


def test_uncond_forward_shape_and_causal_mode():
    torch.manual_seed(0)
    model = UNet1DUncondWrapper(in_channels=2, **TINY).eval()
    x, t = torch.randn(2, 2, 32), torch.rand(2)
    assert model(x, t).shape == (2, 2, 32)
    assert model(x, t, causal=True).shape == (2, 2, 32)


def test_cond_wrapper_takes_global_features_and_resampled_input_concat():
    torch.manual_seed(0)
    model = UNet1DCondWrapper(in_channels=2, context_features=6, context_channels=[3],
                              **TINY).eval()
    x, t = torch.randn(2, 2, 32), torch.rand(2)
    g, c = torch.randn(2, 6), torch.randn(2, 3, 8)
    out = model(x, t, input_concat_cond=c, global_cond=g, cfg_scale=7.0)
    assert out.shape == (2, 2, 32)
    # the 8-frame conditioning is nearest-resampled to the input's 32 frames
    same = model(x, t, input_concat_cond=c.repeat_interleave(4, dim=2), global_cond=g)
    assert torch.equal(out, same)
    assert not torch.equal(out, model(x, t, input_concat_cond=c, global_cond=g * 2))


def test_cfg_scale_one_is_one_conditional_pass_and_batch_cfg_matches_two_passes():
    model = tiny_cfg(context_features=5, context_channels=[3])
    x, t = torch.randn(2, 4, 16), torch.rand(2)
    emb, g, c = torch.randn(2, 3, 16), torch.randn(2, 5), torch.randn(2, 3, 16)
    kw = dict(cross_attn_cond=emb, global_cond=g, input_concat_cond=c)
    with torch.no_grad():
        cond = model(x, t, **kw)
        null = model(x, t, **{**kw, "cross_attn_cond": model.model.fixed_embedding(emb)})
        two = model(x, t, cfg_scale=4.0, **kw)
        batched = model(x, t, cfg_scale=4.0, batch_cfg=True, **kw)
        rescaled = model(x, t, cfg_scale=4.0, rescale_cfg=True, **kw)
    assert cond.shape == (2, 4, 16)
    assert_close(two, null + (cond - null) * 4.0)
    assert_close(batched, two)
    assert not torch.allclose(rescaled, two)


def test_cfg_dropout_one_replaces_every_token_with_the_fixed_embedding():
    model = tiny_cfg()
    x, t, emb = torch.randn(2, 4, 16), torch.rand(2), torch.randn(2, 2, 16)
    with torch.no_grad():
        dropped = model(x, t, cross_attn_cond=emb, cfg_dropout_prob=1.0)
        null = model(x, t, cross_attn_cond=model.model.fixed_embedding(emb))
        kept = model(x, t, cross_attn_cond=emb, cfg_dropout_prob=0.0)
    assert torch.equal(dropped, null)
    assert not torch.allclose(kept, null)


def test_negative_embedding_replaces_the_null_branch_in_batch_cfg():
    model = tiny_cfg()
    x, t, emb, neg = torch.randn(2, 4, 16), torch.rand(2), torch.randn(2, 2, 16), torch.randn(2, 2, 16)
    with torch.no_grad():
        cond = model(x, t, cross_attn_cond=emb)
        negative = model(x, t, cross_attn_cond=neg)
        out = model(x, t, cross_attn_cond=emb, cfg_scale=3.0, batch_cfg=True,
                    negative_cross_attn_cond=neg)
    assert_close(out, negative + (cond - negative) * 3.0)


def test_xattn_time_token_and_masks():
    model = tiny_cfg(use_xattn_time=True)
    assert model.model.fixed_embedding.embedding.num_embeddings == 4  # 3 tokens + time
    x, t, emb = torch.randn(2, 4, 16), torch.rand(2), torch.randn(2, 3, 16)
    mask = torch.tensor([[True, True, False], [True, False, False]])
    with torch.no_grad():
        out = model(x, t, cross_attn_cond=emb, cross_attn_mask=mask, cfg_scale=2.0)
        masked_changed = model(x, t, cross_attn_cond=emb + mask[..., None].logical_not() * 5,
                               cross_attn_mask=mask, cfg_scale=2.0)
    assert out.shape == (2, 4, 16)
    assert_close(masked_changed, out)  # padded tokens do not matter


def test_stft_and_patching_options_build_and_keep_shapes():
    torch.manual_seed(0)
    stft = UNet1DUncondWrapper(in_channels=1, use_stft=True, stft_num_fft=15, stft_hop_length=4,
                               **{**TINY, "attentions": [0, 0, 0], "channels": 16})
    assert "model.stft.window" in stft.state_dict()
    assert stft(torch.randn(1, 1, 64), torch.rand(1)).shape == (1, 1, 64)
    patched = UNet1DUncondWrapper(in_channels=2, patch_size=2, use_nearest_upsample=True, **TINY)
    assert patched(torch.randn(1, 2, 32), torch.rand(1)).shape == (1, 2, 32)


def test_strict_state_dict_round_trip():
    a = tiny_cfg()
    torch.manual_seed(5)
    b = UNetCFG1DWrapper(in_channels=4, context_embedding_features=16,
                         context_embedding_max_length=3, **TINY).eval()
    x, t, emb = torch.randn(1, 4, 16), torch.rand(1), torch.randn(1, 3, 16)
    with torch.no_grad():
        assert not torch.allclose(a(x, t, cross_attn_cond=emb), b(x, t, cross_attn_cond=emb))
        b.load_state_dict(a.state_dict(), strict=True)
        assert torch.equal(a(x, t, cross_attn_cond=emb), b(x, t, cross_attn_cond=emb))


def test_wrappers_start_from_half_the_default_init():
    torch.manual_seed(3)
    wrapped = UNet1DUncondWrapper(in_channels=2, **TINY)
    torch.manual_seed(3)
    from sat_config.training.components.adp import UNet1d
    bare = UNet1d(in_channels=2, **TINY)
    w = wrapped.state_dict()
    for k, v in bare.state_dict().items():
        assert torch.equal(w["model." + k], v * 0.5)


def test_matches_upstream_adp_uncond_fixture():
    tensors, config = upstream_fixture("adp_uncond")
    model = UNet1DUncondWrapper(**config["model"]["config"]).eval()
    model.load_state_dict(state_dict(tensors, "model."), strict=True)
    with torch.no_grad():
        assert_close(model(tensors["x"], tensors["t"]), tensors["out"])


def test_matches_upstream_adp_cfg_fixture():
    tensors, config = upstream_fixture("adp_cfg")
    model = UNetCFG1DWrapper(**config["model"]["diffusion"]["config"]).eval()
    model.load_state_dict(state_dict(tensors, "model."), strict=True)
    kw = dict(cross_attn_cond=tensors["cond_inputs.cross_attn_cond"],
              cross_attn_mask=tensors["cond_inputs.cross_attn_mask"])
    x, t = tensors["x"], tensors["t"]
    with torch.no_grad():
        assert_close(model(x, t, cfg_scale=1.0, **kw), tensors["out_cfg1"])
        assert_close(model(x, t, cfg_scale=6.0, **kw), tensors["out_cfg6"])
        assert_close(model(x, t, cfg_scale=6.0, rescale_cfg=True, **kw),
                     tensors["out_cfg6_rescale"])
