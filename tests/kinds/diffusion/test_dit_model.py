"""DiT diffusion models built from typed configs: parameter parity with upstream, forward
shapes, classifier-free guidance, state-dict names and round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import sat_config  # noqa: E402
from sat_config.errors import NotBuiltError  # noqa: E402
from sat_config.kinds import KINDS  # noqa: E402
from sat_config.models import diffusion_parts  # noqa: E402
from sat_config.kinds.diffusion.model import create_diffusion_cond, create_diffusion_uncond  # noqa: E402
from sat_config.training.components.diffusion import (COND_BACKBONES, DiTUncondWrapper,  # noqa: E402
                                                      DiTWrapper)

SA2 = (Path(__file__).resolve().parents[3] / "tests" / "corpus" / "upstream"
       / "model_configs__txt2audio__stable_audio_2_0.json")

SA2_DIT_PARAMS = 1_056_828_544
SA2_TRANSFORMER_PARAMS = 1_048_166_400


def _randomize(module: torch.nn.Module, seed: int = 0, std: float = 0.05) -> None:
    """Noise on every parameter: the DiT zero-initialises its convs and branch outputs, so a
    fresh model ignores its conditioning."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * std)


def _sa2(prompt: dict | None = None, *, latent_audio: bool = True) -> dict:
    """The shipped SA 2.0 config, with another prompt conditioner if given. ``latent_audio``
    drops the pretransform (built elsewhere; the backbone does not depend on it) and declares
    64 audio channels so the config stays valid without it."""
    config = json.loads(SA2.read_text())
    if prompt is not None:
        config["model"]["conditioning"]["configs"][0] = prompt
    if latent_audio:
        config["model"]["pretransform"] = None
        config["audio_channels"] = 64
    return config


def test_sa2_dit_backbone_has_upstream_parameter_count():
    diffusion = sat_config.load_config(SA2).model.diffusion
    with torch.device("meta"):
        backbone = COND_BACKBONES.build(diffusion.type, diffusion)
    assert isinstance(backbone, DiTWrapper)
    assert sum(p.numel() for p in backbone.parameters()) == SA2_DIT_PARAMS
    assert sum(p.numel() for p in backbone.model.transformer.parameters()) \
        == SA2_TRANSFORMER_PARAMS


def test_sa2_model_with_t5_prompt_has_upstream_backbone_count(offline_t5):
    prompt = {"id": "prompt", "type": "t5", "config": {"t5_model_name": offline_t5,
                                                       "max_length": 8}}
    with torch.device("meta"):
        model = create_diffusion_cond(sat_config.load_config(_sa2(prompt)))
    params = dict(model.named_parameters())
    assert sum(p.numel() for k, p in params.items() if k.startswith("model.")) == SA2_DIT_PARAMS
    # T5 (frozen) is not in the state dict; its 32 features are projected to cond_dim 768
    conditioner_keys = {k for k in model.state_dict() if k.startswith("conditioner.")}
    assert {k for k in conditioner_keys if ".prompt." in k} == {
        "conditioner.conditioners.prompt.proj_out.weight",
        "conditioner.conditioners.prompt.proj_out.bias"}
    assert model.min_input_length == 1 and model.io_channels == 64


def test_sa2_model_with_its_pretransform(offline_t5):
    pytest.importorskip("sat_config.training.components.pretransforms")
    prompt = {"id": "prompt", "type": "t5", "config": {"t5_model_name": offline_t5}}
    with torch.device("meta"):
        model = create_diffusion_cond(sat_config.load_config(_sa2(prompt, latent_audio=False)))
    assert sum(p.numel() for k, p in model.named_parameters() if k.startswith("model.")) \
        == SA2_DIT_PARAMS
    assert model.pretransform is not None and model.min_input_length == 2048


def test_sa2_as_shipped_names_its_unbuilt_clap_conditioner():
    config = sat_config.load_config(_sa2())
    with pytest.raises(NotBuiltError, match=r"conditioner type 'clap_text'.*laion-clap"):
        with torch.device("meta"):
            create_diffusion_cond(config)


def test_kinds_table_builds_diffusion_models():
    assert KINDS["diffusion_uncond"].part("model") is create_diffusion_uncond
    for kind in ("diffusion_cond", "diffusion_cond_inpaint", "arc"):
        assert KINDS[kind].part("model") is create_diffusion_cond


def test_tiny_dit_forward_shapes_and_conditioning_inputs(tiny_cond, metadata):
    model = create_diffusion_cond(sat_config.load_config(tiny_cond))
    assert model.min_input_length == 1
    cond = model.conditioner(metadata, "cpu")
    inputs = model.get_conditioning_inputs(cond)
    assert inputs["cross_attn_cond"].shape == (2, 2, 16)
    assert inputs["cross_attn_mask"].shape == (2, 2)
    assert inputs["global_cond"].shape == (2, 32)
    assert inputs["input_concat_cond"] is None and inputs["prepend_cond"] is None
    x = torch.randn(2, 2, 24)
    out = model(x, torch.tensor([0.2, 0.7]), cond=cond)
    assert out.shape == x.shape
    out.pow(2).mean().backward()  # gradient checkpointing path
    assert model.model.model.to_global_embed[0].weight.grad is not None


@pytest.mark.parametrize("changes", [
    {"patch_size": 4},
    {"global_cond_type": "adaLN"},
    {"timestep_cond_type": "input_concat", "timestep_embed_dim": 8},
    {"prepend_cond_dim": 16, "input_concat_dim": 3},
])
def test_tiny_dit_variants(tiny_cond, changes):
    tiny_cond["model"]["diffusion"]["config"].update(changes)
    # the backbone alone (the semantic checks would ask for conditioners feeding every input)
    spec = diffusion_parts.CondDiffusionDit.model_validate(tiny_cond["model"]["diffusion"])
    model = COND_BACKBONES.build("dit", spec)
    _randomize(model)
    x, t = torch.randn(2, 2, 32), torch.tensor([0.3, 0.6])
    kwargs = {"cross_attn_cond": torch.randn(2, 3, 16), "global_cond": torch.randn(2, 32)}
    if "prepend_cond_dim" in changes:
        kwargs.update(prepend_cond=torch.randn(2, 2, 16), prepend_cond_mask=torch.ones(2, 2),
                      input_concat_cond=torch.randn(2, 3, 16))  # interpolated to length 32
    assert model(x, t, **kwargs).shape == x.shape
    if changes.keys() == {"patch_size"}:
        assert create_diffusion_cond(sat_config.load_config(tiny_cond)).min_input_length == 4
    if changes.get("global_cond_type") == "adaLN":
        assert model.model.transformer.layers[0].to_scale_shift_gate.shape == (6 * 64,)


def test_exit_layer_returns_hidden_states(tiny_cond):
    backbone = create_diffusion_cond(sat_config.load_config(tiny_cond)).model
    x = torch.randn(2, 2, 10)
    hidden = backbone(x, torch.rand(2), cross_attn_cond=torch.randn(2, 3, 16),
                      global_cond=torch.randn(2, 32), exit_layer_ix=0)
    assert hidden.shape == (2, 10 + 1, 64)  # the global token is prepended


def test_cfg_scale_doubles_the_batch_and_mixes_the_halves(tiny_cond):
    backbone = create_diffusion_cond(sat_config.load_config(tiny_cond)).model.eval()
    _randomize(backbone)
    x, t = torch.randn(2, 2, 16), torch.tensor([0.4, 0.5])
    cross, glob = torch.randn(2, 3, 16), torch.randn(2, 32)
    batches = []
    backbone.model.transformer.register_forward_hook(lambda m, a, o: batches.append(a[0].shape[0]))
    with torch.no_grad():
        cond = backbone(x, t, cross_attn_cond=cross, global_cond=glob)
        uncond = backbone(x, t, cross_attn_cond=torch.zeros_like(cross), global_cond=glob)
        guided = backbone(x, t, cross_attn_cond=cross, global_cond=glob, cfg_scale=4.0)
        outside = backbone(x, t, cross_attn_cond=cross, global_cond=glob, cfg_scale=4.0,
                           cfg_interval=(0.9, 1.0))  # sigma(0.4) = 0.59: no guidance
    assert batches == [2, 2, 4, 2]
    torch.testing.assert_close(guided, uncond + (cond - uncond) * 4.0, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(outside, cond)
    assert not torch.allclose(cond, uncond, atol=1e-4)


def test_cfg_dropout_zeroes_cross_attention_but_never_global(tiny_cond):
    backbone = create_diffusion_cond(sat_config.load_config(tiny_cond)).model.eval()
    _randomize(backbone)
    x, t = torch.randn(2, 2, 16), torch.tensor([0.4, 0.5])
    cross, glob = torch.randn(2, 3, 16), torch.randn(2, 32)
    with torch.no_grad():
        dropped = backbone(x, t, cross_attn_cond=cross, global_cond=glob, cfg_dropout_prob=1.0)
        null_cross = backbone(x, t, cross_attn_cond=torch.zeros_like(cross), global_cond=glob)
        null_both = backbone(x, t, cross_attn_cond=torch.zeros_like(cross),
                             global_cond=torch.zeros_like(glob))
        kept = backbone(x, t, cross_attn_cond=cross, global_cond=glob, cfg_dropout_prob=0.0)
        plain = backbone(x, t, cross_attn_cond=cross, global_cond=glob)
    torch.testing.assert_close(dropped, null_cross)
    assert not torch.allclose(dropped, null_both, atol=1e-4)
    torch.testing.assert_close(kept, plain)


def test_state_dict_round_trip_is_strict_and_upstream_named(tiny_cond, metadata):
    config = sat_config.load_config(tiny_cond)
    torch.manual_seed(0)
    source = create_diffusion_cond(config).eval()
    _randomize(source, seed=1)
    torch.manual_seed(1)
    target = create_diffusion_cond(config).eval()
    keys = set(source.state_dict())
    assert {"model.model.transformer.rotary_pos_emb.inv_freq",
            "model.model.transformer.layers.0.pre_norm.beta",
            "model.model.transformer.layers.1.cross_attn.to_kv.weight",
            "model.model.transformer.layers.0.ff.ff.0.proj.weight",
            "model.model.timestep_features.weight", "model.model.preprocess_conv.weight",
            "conditioner.conditioners.seconds_total.embedder.embedding.0.weights"} <= keys
    assert target.load_state_dict(source.state_dict(), strict=True)
    x, t = torch.randn(2, 2, 8), torch.tensor([0.1, 0.9])
    with torch.no_grad():
        torch.testing.assert_close(target(x, t, cond=target.conditioner(metadata, "cpu")),
                                   source(x, t, cond=source.conditioner(metadata, "cpu")))


def test_uncond_dit_halves_its_parameters_and_runs():
    config = {"model_type": "diffusion_uncond", "sample_size": 32, "sample_rate": 16000,
              "audio_channels": 3,
              "model": {"type": "dit", "config": {"in_channels": 3, "embed_dim": 64, "depth": 1,
                                                  "num_heads": 2}},
              "training": {"learning_rate": 1e-4}}
    model = create_diffusion_uncond(sat_config.load_config(config))
    assert isinstance(model.model, DiTUncondWrapper)
    assert model.io_channels == 3 and model.sample_size == 32 and model.min_input_length == 1
    layer = model.model.model.transformer.layers[0]
    assert torch.equal(layer.pre_norm.gamma, torch.full((64,), 0.5))
    assert torch.equal(layer.pre_norm.beta, torch.zeros(64))  # a buffer: not halved
    x = torch.randn(2, 3, 16)
    assert model(x, torch.rand(2)).shape == x.shape


def test_distribution_shift_options_reach_the_wrapper(tiny_cond):
    tiny_cond["model"]["diffusion"]["distribution_shift_options"] = {"min_length": 16,
                                                                     "max_length": 64}
    model = create_diffusion_cond(sat_config.load_config(tiny_cond))
    shift = model.dist_shift
    t = torch.tensor([0.25, 0.5, 0.75])
    short, long = shift.time_shift(t, 16), shift.time_shift(t, 64)
    assert torch.all(long > short)  # longer sequences are pushed to noisier times
    # at min_length the shift is exp(0.5): t' = t / (t + e^-0.5 (1 - t))
    expected = t / (t + torch.exp(torch.tensor(-0.5)) * (1 - t))
    torch.testing.assert_close(short, expected)


def test_inpaint_model_concatenates_mask_and_masked_input(tiny_cond, metadata):
    tiny_cond["model_type"] = "diffusion_cond_inpaint"
    diffusion = tiny_cond["model"]["diffusion"]
    diffusion["input_concat_ids"] = ["inpaint_mask", "inpaint_masked_input"]
    diffusion["config"]["input_concat_dim"] = 3  # 1 mask channel + 2 io channels
    tiny_cond["training"] = {"learning_rate": 1e-4, "inpainting": {},
                             "demo": {"demo_cfg_scales": [3.0]}}
    model = create_diffusion_cond(sat_config.load_config(tiny_cond))
    assert KINDS["diffusion_cond_inpaint"].part("model") is create_diffusion_cond
    assert model.model.model.preprocess_conv.weight.shape == (5, 5, 1)
    x = torch.randn(2, 2, 16)
    cond = model.conditioner(metadata, "cpu")
    mask = torch.zeros(2, 1, 16)
    mask[..., :8] = 1
    cond["inpaint_mask"] = [mask, None]
    cond["inpaint_masked_input"] = [x * mask, None]
    inputs = model.get_conditioning_inputs(cond)
    assert inputs["input_concat_cond"].shape == (2, 3, 16)
    assert model(x, torch.rand(2), cond=cond).shape == x.shape
