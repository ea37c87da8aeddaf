"""Conditioners: upstream parameter counts and names, MultiConditioner key handling, the text
conditioners through a real offline ``from_pretrained``, and the unbuilt types."""

from __future__ import annotations

import sys

import pytest

torch = pytest.importorskip("torch")

from sat_config.errors import NotBuiltError  # noqa: E402
from sat_config.models import diffusion_parts  # noqa: E402
from sat_config.training.components.conditioners import (  # noqa: E402
    CONDITIONERS, IntConditioner, ListConditioner, MultiConditioner, NumberConditioner,
    T5Conditioner, TokenizerLUTConditioner, build_conditioner, build_multi_conditioner)


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_number_and_int_conditioners_have_upstream_sizes():
    number = NumberConditioner(768, min_val=0, max_val=512)
    assert _count(number) == 198_272
    assert set(number.state_dict()) == {"embedder.embedding.0.weights",
                                        "embedder.embedding.1.weight",
                                        "embedder.embedding.1.bias"}
    integer = IntConditioner(768, min_val=0, max_val=512)
    assert _count(integer) == 393_984
    assert set(integer.state_dict()) == {"int_embedder.weight"}


def test_number_conditioner_clamps_and_normalises():
    cond = NumberConditioner(8, min_val=10, max_val=20)
    embeds, mask = cond([5, 10, 15.0, 99], "cpu")
    assert embeds.shape == (4, 1, 8) and mask.shape == (4, 1)
    expected = cond.embedder(torch.tensor([0.0, 0.0, 0.5, 1.0])).unsqueeze(1)
    torch.testing.assert_close(embeds, expected)


def test_int_conditioner_indexes_from_min_val():
    cond = IntConditioner(4, min_val=3, max_val=6)
    embeds, _ = cond([3, 6, 100], "cpu")
    weight = cond.int_embedder.weight
    torch.testing.assert_close(embeds[:, 0], torch.stack([weight[0], weight[3], weight[3]]))


def test_list_conditioner_maps_unknown_options_to_zero():
    cond = ListConditioner(4, options=["piano", "drums"])
    embeds, _ = cond(["drums", "kazoo"], "cpu")
    torch.testing.assert_close(embeds[:, 0], cond.embedder.weight[[2, 0]])


def test_multi_conditioner_defaults_unwrapping_and_pre_encoded():
    multi = MultiConditioner({"seconds": NumberConditioner(4, 0, 10),
                              "latents": NumberConditioner(4, 0, 1)},
                             default_keys={"seconds": "seconds_total"},
                             pre_encoded_keys=["latents"])
    batch = [{"seconds": [2.0], "latents": torch.ones(3, 5)},
             {"seconds_total": 4.0, "latents": torch.zeros(3, 5)}]
    out = multi(batch, "cpu")
    expected, _ = multi.conditioners["seconds"]([2.0, 4.0], "cpu")
    torch.testing.assert_close(out["seconds"][0], expected)
    assert out["latents"][0].shape == (2, 3, 5) and out["latents"][1] is None
    with pytest.raises(ValueError, match="'seconds' not found"):
        multi([{"latents": torch.ones(3, 5)}], "cpu")


def test_multi_conditioner_from_typed_conditioning_uses_output_dim_or_cond_dim():
    conditioning = diffusion_parts.Conditioning.model_validate({
        "cond_dim": 12,
        "configs": [{"id": "a", "type": "int", "config": {}},
                    {"id": "b", "type": "list", "config": {"options": ["x"], "output_dim": 5}}]})
    multi = build_multi_conditioner(conditioning)
    assert multi.conditioners["a"].output_dim == 12
    assert multi.conditioners["b"].output_dim == 5


@pytest.mark.parametrize("type_, config, why", [
    ("clap_text", {"clap_ckpt_path": "clap.ckpt"}, "laion-clap"),
    ("clap_audio", {"clap_ckpt_path": "clap.ckpt"}, "laion-clap"),
    ("phoneme", {}, "g2p-en"),
])
def test_unbuilt_conditioners_raise_one_error_naming_the_type(type_, config, why):
    spec = diffusion_parts.Conditioning.model_validate(
        {"cond_dim": 8, "configs": [{"id": "c", "type": type_, "config": config}]}).configs[0]
    with pytest.raises(NotBuiltError, match=rf"conditioner type '{type_}'.*{why}.*built: t5"):
        build_conditioner(spec, 8)
    assert type_ not in CONDITIONERS


@pytest.mark.parametrize("build", [
    lambda: T5Conditioner(8),
    lambda: TokenizerLUTConditioner("t5-base", 8),
])
def test_text_conditioners_name_the_missing_extra(monkeypatch, build):
    monkeypatch.setitem(sys.modules, "transformers", None)  # as if it were not installed
    with pytest.raises(ModuleNotFoundError, match=r"transformers.*sat-config\[text\]"):
        build()


def test_t5_conditioner_offline(offline_t5):
    cond = T5Conditioner(16, t5_model_name=offline_t5, max_length=12)
    assert cond.dim == 32  # from the model's config.d_model, not a name table
    assert set(cond.state_dict()) == {"proj_out.weight", "proj_out.bias"}  # T5 frozen, unsaved
    assert not any(p.requires_grad for p in cond.model.parameters())
    embeds, mask = cond(["a piano", "a much longer prompt than the other one"], "cpu")
    assert embeds.shape == (2, 12, 16) and mask.dtype == torch.bool
    assert mask[1].all() and not mask[0].all()
    assert torch.all(embeds[~mask] == 0)  # padding positions are zeroed
    tuned = T5Conditioner(32, t5_model_name=offline_t5, enable_grad=True)
    assert any(k.startswith("model.") for k in tuned.state_dict())
    assert isinstance(tuned.proj_out, torch.nn.Identity)


def test_lut_conditioner_offline(offline_t5):
    cond = TokenizerLUTConditioner(offline_t5, 6, max_length=10, use_abs_pos_emb=True,
                                   special_tokens=["<sep>"])
    assert cond.token_embedder.num_embeddings == len(cond.tokenizer)
    assert "abs_pos_emb.emb.weight" in cond.state_dict()
    embeds, mask = cond(["hi", "hello there"], "cpu")
    assert embeds.shape == (2, 10, 6) and mask.shape == (2, 10)
    plain = TokenizerLUTConditioner(offline_t5, 6)
    assert cond.token_embedder.num_embeddings == plain.token_embedder.num_embeddings + 1


def test_pretransform_and_source_mix_conditioners():
    pretransforms = pytest.importorskip("sat_config.training.components.pretransforms")
    spec = {"type": "wavelet", "config": {"channels": 1, "levels": 1, "wavelet": "bior2.2"}}
    conditioning = diffusion_parts.Conditioning.model_validate({
        "cond_dim": 6,
        "configs": [
            {"id": "audio", "type": "pretransform",
             "config": {"sample_rate": 16000, "pretransform_config": spec}},
            {"id": "stems", "type": "source_mix",
             "config": {"sample_rate": 16000, "pretransform_config": spec,
                        "source_keys": ["bass", "drums"], "allow_null_source": True,
                        "source_length": 128}}]})
    multi = build_multi_conditioner(conditioning)
    assert pretransforms is not None
    audio = multi.conditioners["audio"]
    assert "pretransform" not in dict(audio.named_children())  # save_pretransform false
    embeds, mask = audio([torch.randn(1, 256), torch.randn(1, 256)], "cpu")
    assert embeds.shape[:2] == (2, 6) and mask.shape == (2, embeds.shape[2])
    mixes, _ = multi.conditioners["stems"]([{"bass": torch.randn(1, 256)}, {}], "cpu")
    assert mixes.shape[:2] == (2, 6)


class _FoldPretransform(torch.nn.Module):
    """A stand-in pretransform: mono audio folded into 2 channels at half the rate."""

    io_channels, encoded_channels, downsampling_ratio = 1, 2, 2

    def __init__(self):
        super().__init__()
        self.gain = torch.nn.Parameter(torch.ones(1))

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        batch, _, length = audio.shape
        return self.gain * audio.reshape(batch, length // 2, 2).transpose(1, 2)


def test_audio_conditioners_on_the_model_pretransform():
    conditioning = diffusion_parts.Conditioning.model_validate({
        "cond_dim": 6,
        "configs": [
            {"id": "audio", "type": "pretransform",
             "config": {"sample_rate": 16000, "use_model_pretransform": True,
                        "save_pretransform": True}},
            {"id": "stems", "type": "source_mix",
             "config": {"sample_rate": 16000, "use_model_pretransform": True,
                        "source_keys": ["bass", "drums"], "allow_null_source": True,
                        "source_length": 8}}]})
    shared = _FoldPretransform()
    multi = build_multi_conditioner(conditioning, model_pretransform=shared)
    audio, stems = multi.conditioners["audio"], multi.conditioners["stems"]
    assert audio.pretransform is shared and stems.pretransform is shared
    assert "pretransform.gain" in audio.state_dict()  # save_pretransform: true
    assert not any(k.startswith("pretransform") for k in stems.state_dict())
    stereo = torch.randn(2, 16)  # (channels, samples): averaged to the pretransform's mono
    embeds, mask = audio([stereo, stereo], "cpu")
    assert embeds.shape == (2, 6, 8) and mask.shape == (2, 8)
    latents = shared.encode(stereo.mean(0, keepdim=True)[None])[0]  # (2, 8)
    torch.testing.assert_close(embeds[0], audio.proj_out(latents.T).T)
    bass, drums = torch.randn(1, 16), torch.randn(1, 16)
    mixes, _ = stems([{"bass": bass, "drums": drums}, {}], "cpu")
    heads = stems.source_heads
    torch.testing.assert_close(mixes[0], heads[0](shared.encode(bass[None])[0])
                               + heads[1](shared.encode(drums[None])[0]))
    torch.testing.assert_close(mixes[1], stems.null_source.repeat(1, 8))
    no_model = diffusion_parts.Conditioning.model_validate({"cond_dim": 6, "configs": [
        {"id": "audio", "type": "pretransform",
         "config": {"sample_rate": 16000, "use_model_pretransform": True}}]})
    with pytest.raises(ValueError, match="needs `model.pretransform`"):
        build_multi_conditioner(no_model)


def test_t5_conditioner_names_a_model_missing_offline(offline_t5):
    with pytest.raises(OSError, match="'t5' conditioner: cannot load 'google/flan-t5-small'"):
        T5Conditioner(8, t5_model_name="google/flan-t5-small")
