"""The language model: shapes, causality, conditioning (V2/V3 regressions), generation, sampling,
state-dict names and round trips, and building the shipped configs."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from sat_config.kinds.lm.model import (  # noqa: E402
    AudioLanguageModel, ContinuousTransformerAudioLMBackbone, sample_next, sample_top_k,
    sample_top_p)
from sat_config.kinds.lm.patterns import DelayedPatternProvider  # noqa: E402

from kinds.lm.lm_support import (REALISTIC_EXAMPLE, TINY_EXAMPLE, batch, build,  # noqa: E402
                                 tiny_lm)

COND = [{"seconds_total": 1}, {"seconds_total": 3}]


def tiny_lm_module(**backbone) -> AudioLanguageModel:
    torch.manual_seed(0)
    backbone = ContinuousTransformerAudioLMBackbone(
        **{"embed_dim": 64, "depth": 2, "dim_heads": 32, **backbone})
    return AudioLanguageModel(DelayedPatternProvider(3), backbone, num_quantizers=3,
                              codebook_size=16)


def test_forward_and_compute_logits_shapes():
    lm = tiny_lm_module()
    codes = torch.randint(0, 16, (2, 3, 10))
    assert lm(codes).shape == (2, 3, 10, 16)
    out = lm.compute_logits(codes)
    assert out.logits.shape == (2, 3, 10, 16) and out.mask.shape == (2, 3, 10)
    # delay: codebook q is not predicted in its last q frames (they fall past the valid steps)
    assert out.mask[0].sum(dim=1).tolist() == [10, 9, 8]
    assert torch.isfinite(out.logits[out.mask]).all()
    assert torch.isnan(out.logits[~out.mask]).all()


def test_predictions_only_see_earlier_pattern_steps():
    """Causal: the logits for frame t are unchanged when later frames change."""
    lm = tiny_lm_module(zero_init_branch_outputs=False).eval()
    codes = torch.randint(0, 16, (1, 3, 8))
    changed = codes.clone()
    changed[:, :, 5:] = (changed[:, :, 5:] + 1) % 16
    a, b = lm.compute_logits(codes).logits, lm.compute_logits(changed).logits
    # delay pattern: code (t, q) sits at step t + q + 1 and is predicted from the steps before
    # it; the changed codes sit at steps >= 6, so predictions with t + q <= 5 must not move
    for q in range(3):
        assert torch.allclose(a[0, q, :6 - q], b[0, q, :6 - q])
    assert not torch.allclose(a[0, 0, 6:], b[0, 0, 6:])


def test_v2_prepend_and_cross_attention_conditioning_run():
    """Upstream forwards the masks into every transformer block (TypeError, V2)."""
    lm = tiny_lm_module(cross_attn_cond_dim=12, project_cross_attn_cond=True,
                        prepend_cond_dim=8)
    codes = torch.randint(0, 16, (2, 3, 6))
    out = lm(codes, prepend_cond=torch.randn(2, 4, 8), prepend_cond_mask=torch.ones(2, 4),
             cross_attn_cond=torch.randn(2, 5, 12))
    assert out.shape == (2, 3, 6, 16)
    assert lm.backbone.to_cross_attn_embed[0].in_features == 12


def test_v3_unprojected_cross_attention_conditioning_runs():
    """``project_cross_attn_cond: false``: upstream indexes an nn.Identity (TypeError, V3); here
    the cross-attention reads the conditioning at its own width."""
    lm = tiny_lm_module(cross_attn_cond_dim=32, project_cross_attn_cond=False,
                        zero_init_branch_outputs=False)
    assert isinstance(lm.backbone.to_cross_attn_embed, torch.nn.Identity)
    assert lm.backbone.model.layers[0].cross_attn.to_kv.in_features == 32
    codes = torch.randint(0, 16, (2, 3, 6))
    a = lm(codes, cross_attn_cond=torch.randn(2, 5, 32))
    b = lm(codes, cross_attn_cond=torch.randn(2, 5, 32))
    assert a.shape == (2, 3, 6, 16) and not torch.allclose(a, b)  # the conditioning matters


def test_prepended_conditioning_changes_the_logits_but_not_their_length():
    lm = tiny_lm_module(prepend_cond_dim=8, zero_init_branch_outputs=False)
    codes = torch.randint(0, 16, (1, 3, 6))
    a = lm(codes, prepend_cond=torch.randn(1, 2, 8))
    b = lm(codes, prepend_cond=torch.randn(1, 2, 8))
    assert a.shape == b.shape == (1, 3, 6, 16) and not torch.allclose(a, b)


# --- the wrapper model built from configs ----------------------------------------------------


def test_tokens_come_from_the_pretransform_as_batch_codebooks_frames():
    cfg, model = build(tiny_lm())
    audio, _ = batch(model)
    codes = model.pretransform.tokenize(audio)
    assert codes.shape == (2, 4, 16) and codes.dtype == torch.long
    assert 0 <= codes.min() and codes.max() < 32
    assert (model.num_quantizers, model.codebook_size, model.min_input_length) == (4, 32, 32)
    assert model.pretransform.decode_tokens(codes).shape == (2, 1, 512)


def test_state_dict_names_follow_upstream():
    _, model = build(tiny_lm(**{"model.lm.cross_attention_cond_ids": ["seconds_total"],
                                "model.lm.config.cross_attn_cond_dim": 64,
                                "model.lm.config.project_cross_attn_cond": True}))
    keys = set(model.state_dict())
    for key in ("lm.embeds.3.weight", "lm.quantizer_heads.3.weight", "lm.quantizer_heads.3.bias",
                "lm.backbone.model.project_in.weight", "lm.backbone.model.project_out.weight",
                "lm.backbone.model.rotary_pos_emb.inv_freq",
                "lm.backbone.model.layers.1.self_attn.to_qkv.weight",
                "lm.backbone.model.layers.1.cross_attn.to_kv.weight",
                "lm.backbone.to_prepend_embed.0.weight", "lm.backbone.to_prepend_embed.2.weight",
                "lm.backbone.to_cross_attn_embed.0.weight",
                "conditioner.conditioners.seconds_total.embedder.embedding.0.weights"):
        assert key in keys, key
    assert any(k.startswith("pretransform.model.encoder.") for k in keys)
    assert any(k.startswith("pretransform.model.bottleneck.quantizer.") for k in keys)
    assert model.lm.embeds[0].num_embeddings == 33  # one extra row: the mask token


def test_strict_state_dict_round_trip_gives_equal_outputs():
    config = tiny_lm()
    _, a = build(config, seed=0)
    _, b = build(config, seed=1)
    codes = torch.randint(0, 32, (2, 4, 16))
    cond = a.conditioner(COND, "cpu")
    a.eval(), b.eval()
    assert not torch.allclose(a.compute_logits(codes, cond).logits.nan_to_num(),
                              b.compute_logits(codes, b.conditioner(COND, "cpu")).logits
                              .nan_to_num())
    b.load_state_dict(a.state_dict(), strict=True)
    assert torch.equal(a.compute_logits(codes, cond).logits.nan_to_num(),
                       b.compute_logits(codes, b.conditioner(COND, "cpu")).logits.nan_to_num())


def test_conditioning_dropout_zeroes_whole_items():
    _, model = build(tiny_lm(**{"model.lm.config.zero_init_branch_outputs": False}))
    model.eval()
    codes = torch.randint(0, 32, (2, 4, 16))
    cond = model.conditioner(COND, "cpu")
    kept = model.compute_logits(codes, cond, cfg_dropout_prob=0.0).logits
    dropped = model.compute_logits(codes, cond, cfg_dropout_prob=1.0).logits
    zero = {"seconds_total": [torch.zeros_like(cond["seconds_total"][0]),
                              cond["seconds_total"][1]]}
    unconditional = model.compute_logits(codes, zero).logits
    assert not torch.allclose(kept.nan_to_num(), dropped.nan_to_num())
    assert torch.allclose(dropped.nan_to_num(), unconditional.nan_to_num())


# --- generation and sampling ------------------------------------------------------------------


def test_generation_with_top_k_1_is_deterministic_and_greedy():
    _, model = build(tiny_lm(**{"model.lm.config.zero_init_branch_outputs": False}))
    model.eval()
    runs = [model.generate(max_gen_len=6, conditioning=COND, top_k=1, cfg_scale=2.0)
            for _ in range(2)]
    greedy = model.generate(max_gen_len=6, conditioning=COND, temp=0.0, cfg_scale=2.0)
    assert runs[0].shape == (2, 4, 6)
    assert torch.equal(runs[0], runs[1]) and torch.equal(runs[0], greedy)
    assert ((0 <= runs[0]) & (runs[0] < 32)).all()


def test_generation_samples_differ_and_follow_the_seed():
    _, model = build(tiny_lm(**{"model.lm.config.zero_init_branch_outputs": False}))
    model.eval()

    def run(seed):
        return model.generate(max_gen_len=6, conditioning=COND, top_k=0, temp=5.0,
                              generator=torch.Generator().manual_seed(seed))

    assert torch.equal(run(1), run(1)) and not torch.equal(run(1), run(2))


def test_generation_continues_init_data():
    _, model = build(tiny_lm())
    model.eval()
    prefix = torch.randint(0, 32, (2, 4, 3))
    out = model.generate(max_gen_len=6, init_data=prefix, conditioning=COND, top_k=1)
    assert torch.equal(out[..., :3], prefix)


def test_cfg_runs_the_batch_twice_with_zeroed_conditioning():
    _, model = build(tiny_lm())
    model.eval()
    seen = []
    hook = model.lm.backbone.register_forward_pre_hook(
        lambda module, args, kwargs: seen.append((args[0].shape[0],
                                                  kwargs["prepend_cond"].clone())),
        with_kwargs=True)
    model.generate(max_gen_len=2, conditioning=COND, cfg_scale=3.0, top_k=1)
    hook.remove()
    batch_size, prepend = seen[0]
    assert batch_size == 4 and prepend[2:].abs().sum() == 0 and prepend[:2].abs().sum() > 0


def test_generate_audio_decodes_through_the_pretransform():
    _, model = build(tiny_lm())
    audio = model.eval().generate_audio(max_gen_len=4, conditioning=COND, top_k=1)
    assert audio.shape == (2, 1, 4 * 32)


def test_top_k_and_top_p_restrict_the_support():
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]]).repeat(2000, 1)
    assert set(sample_top_k(probs.clone(), 2).flatten().tolist()) == {0, 1}
    # nucleus 0.6: tokens whose preceding mass is <= 0.6 -> {0, 1}
    assert set(sample_top_p(probs.clone(), 0.6).flatten().tolist()) == {0, 1}
    assert set(sample_top_p(probs.clone(), 0.9).flatten().tolist()) == {0, 1, 2}
    logits = probs.log()
    assert (sample_next(logits, temp=0.0) == 0).all()
    assert (sample_next(logits, top_k=1) == 0).all()
    assert sample_top_k(probs[:1], 10).shape == (1, 1)  # k above the codebook size: all kept


# --- shipped configs --------------------------------------------------------------------------


def test_the_tiny_example_builds_through_the_table():
    from sat_config.training.factory import create_model_from_config

    model = create_model_from_config(json.loads(TINY_EXAMPLE.read_text()))
    assert type(model).__name__ == "AudioLanguageModelWrapper"
    assert sum(p.numel() for p in model.lm.parameters()) == 165_632


def test_the_realistic_example_builds_on_meta(offline_t5):
    """examples/lm.json (t5-base is the offline tiny T5 here): a 524M-parameter language model
    over the 53,259,458-parameter encodec-style tokenizer."""
    from sat_config import load_config
    from sat_config.kinds.lm.model import create_lm

    with torch.device("meta"):
        model = create_lm(load_config(REALISTIC_EXAMPLE))
    assert sum(p.numel() for p in model.lm.parameters()) == 524_333_056
    assert sum(p.numel() for p in model.pretransform.parameters()) == 53_259_458
    assert model.lm.backbone.to_cross_attn_embed[0].in_features == 768
    assert (model.num_quantizers, model.codebook_size, model.min_input_length) == (4, 2048, 640)


@pytest.mark.parametrize("bottleneck, card", [
    ({"type": "fsq", "config": {"dim": 8, "levels": [4, 4], "num_codebooks": 2,
                                "keep_num_codebooks_dim": True}}, 16),
    ({"type": "dithered_fsq", "config": {"dim": 4, "levels": [4, 4, 4, 4], "num_codebooks": 2}},
     256),
])
def test_fsq_tokenizers_give_the_same_token_layout(bottleneck, card):
    """V4: upstream's RVQ tokens are (B, T, Q) and its FSQ's (B, Q, T); every quantiser here gives
    (batch, codebooks, frames), so the LM trains over any of them."""
    _, model = build(tiny_lm(**{"model.pretransform.config.bottleneck": bottleneck}))
    audio, _ = batch(model)
    codes = model.pretransform.tokenize(audio)
    assert codes.shape == (2, 2, 16) and (model.num_quantizers, model.codebook_size) == (2, card)
    assert 0 <= codes.min() and codes.max() < card
    out = model.compute_logits(codes, model.conditioner(COND, "cpu"))
    assert out.logits.shape == (2, 2, 16, card)
    assert model.eval().generate_audio(max_gen_len=3, conditioning=COND, top_k=1).shape == \
        (2, 1, 96)


@pytest.mark.parametrize("name, device", [
    # vector-quantize-pytorch's FSQ cannot be built on meta (it calls .item()): 30M parameters
    ("lm_fsq_tokenizer_unconditional", "cpu"),
    ("lm_t5_cross_attention", "meta"),
    ("lm_sem_prepend_ok", "meta"),
])
def test_the_corpus_lm_configs_build(name, device, offline_t5):
    from sat_config import load_config
    from sat_config.kinds.lm.model import create_lm

    path = REALISTIC_EXAMPLE.parents[1] / "tests" / "corpus" / "valid" / f"{name}.json"
    with torch.device(device):
        model = create_lm(load_config(path))
    assert model.lm.num_quantizers == model.pretransform.num_quantizers


@pytest.mark.parametrize("name, provider, valid_per_codebook", [
    ("delay", "DelayedPatternProvider", [16, 15, 14, 13]),
    ("parallel", "ParallelPatternProvider", [16, 16, 16, 16]),
    ("unroll", "UnrolledPatternProvider", [16, 16, 16, 16]),
    ("musiclm", "MusicLMPattern", [16, 16, 16, 16]),
])
def test_codebook_pattern_selects_the_layout_the_model_trains_on(name, provider,
                                                                 valid_per_codebook):
    _, model = build(tiny_lm(**{"model.lm.codebook_pattern": name}))
    assert type(model.lm.pattern_provider).__name__ == provider
    codes = torch.randint(0, 32, (1, 4, 16))
    steps = []
    hook = model.lm.backbone.register_forward_pre_hook(
        lambda module, args: steps.append(args[0].shape[1]))
    out = model.compute_logits(codes, model.conditioner(COND[:1], "cpu"))
    hook.remove()
    expected_steps = {"delay": 17, "parallel": 17, "unroll": 65, "musiclm": 65}[name]
    assert steps == [expected_steps]  # the valid steps of the pattern, the special step included
    assert out.mask[0].sum(dim=1).tolist() == valid_per_codebook


@pytest.mark.parametrize("pattern, memory", [("delay", 0), ("parallel", 2), ("unroll", 0),
                                             ("musiclm", 1)])
def test_lm_positions_check_counts_the_real_sequence(pattern, memory):
    """lm-positions (found by the property test): the check's token count is the sequence the
    transformer sees; learned positions for exactly that many train, one fewer is an error."""
    import sat_config
    from sat_config.training import create_model_from_config

    doc = json.loads(TINY_EXAMPLE.read_text())
    doc["model"]["lm"]["codebook_pattern"] = pattern
    doc["model"]["lm"]["config"].update(use_abs_pos_emb=True, rotary_pos_emb=False,
                                        num_memory_tokens=memory, abs_pos_emb_max_length=1)
    issue = next(i for i in sat_config.validate(doc) if i.rule == "semantic:lm-positions")
    assert issue.path == "$.model.lm.config.abs_pos_emb_max_length"
    tokens = int(issue.suggestion.split()[3])  # "set abs_pos_emb_max_length to N or more..."
    frames, codebooks = 2048 // 32, 4
    doc["model"]["lm"]["config"]["abs_pos_emb_max_length"] = tokens
    typed = sat_config.load_config(doc)  # no lm-positions error: it would raise
    for limit, fits in ((tokens, True), (tokens - 1, False)):
        typed.model.lm.config.abs_pos_emb_max_length = limit  # past validation, to show why
        model = create_model_from_config(typed)
        codes = torch.randint(0, 32, (2, codebooks, frames))
        metadata = [{"seconds_total": 1.0}, {"seconds_total": 2.0}]
        cond = model.conditioner(metadata, "cpu")
        if fits:
            model.compute_logits(codes, condition_tensors=cond)
        else:
            with pytest.raises(ValueError, match="absolute position"):
                model.compute_logits(codes, condition_tensors=cond)
