"""Conditioners: metadata (numbers, strings, texts, audio) -> ``[embeddings, mask]`` pairs.

Module names follow stable-audio-tools' ``models/conditioners.py`` so upstream state dicts load:
``conditioners.<id>.{proj_out, embedder, int_embedder, token_embedder, abs_pos_emb,
source_heads, null_source}``. Frozen text encoders (T5) and unsaved pretransforms are held
outside the module tree, so they are not in the state dict, as upstream.

Text conditioners (``t5``, ``lut``) need the optional ``transformers`` package (the ``[text]``
extra). ``clap_text``, ``clap_audio`` and ``phoneme`` are schema-valid but not built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from ..parts import Parts
from .embeddings import NumberEmbedder
from .transformer import AbsolutePositionalEmbedding

TEXT_EXTRA = "sat-config[text]"


def _transformers(conditioner: str):
    try:
        import transformers
    except ModuleNotFoundError as exc:
        if exc.name != "transformers":
            raise
        raise ModuleNotFoundError(
            f"the {conditioner!r} conditioner needs the `transformers` package: "
            f"pip install '{TEXT_EXTRA}'", name="transformers") from None
    return transformers


def _from_pretrained(conditioner: str, loader, name: str):
    """``loader.from_pretrained(name)``, saying which conditioner failed when the files are
    neither in the Hugging Face cache nor downloadable."""
    try:
        return loader.from_pretrained(name)
    except OSError as exc:
        raise OSError(f"{conditioner!r} conditioner: cannot load {name!r} from the Hugging Face "
                      f"hub or cache ({exc})".split("\n")[0]) from exc


def set_audio_channels(audio: torch.Tensor, channels: int) -> torch.Tensor:
    """(batch, [channels,] samples) -> (batch, channels, samples): mono by averaging, stereo by
    duplicating a mono signal or keeping the first two channels."""
    if audio.dim() == 2:
        audio = audio.unsqueeze(1)
    if channels == 1:
        return audio.mean(1, keepdim=True)
    if channels == 2:
        if audio.shape[1] == 1:
            return audio.repeat(1, 2, 1)
        if audio.shape[1] > 2:
            return audio[:, :2, :]
    return audio


def _ones(batch: int, length: int, device) -> torch.Tensor:
    return torch.ones(batch, length, device=device)


class Conditioner(nn.Module):
    """Base: ``dim`` features are projected to ``output_dim`` by ``proj_out`` when they differ
    (or ``project_out`` forces it)."""

    def __init__(self, dim: int, output_dim: int, project_out: bool = False):
        super().__init__()
        self.dim = dim
        self.output_dim = output_dim
        self.proj_out = (nn.Linear(dim, output_dim) if (dim != output_dim or project_out)
                         else nn.Identity())

    def forward(self, inputs: Any, device: Any = None) -> Any:
        raise NotImplementedError


class IntConditioner(Conditioner):
    """One learned embedding per integer in ``[min_val, max_val]`` (inputs are clamped)."""

    def __init__(self, output_dim: int, min_val: int = 0, max_val: int = 512):
        super().__init__(output_dim, output_dim)
        self.min_val = min_val
        self.max_val = max_val
        self.int_embedder = nn.Embedding(max_val - min_val + 1, output_dim)

    def forward(self, ints: Sequence[int], device: Any = None):
        values = torch.tensor(ints, device=device).clamp(self.min_val, self.max_val)
        # indices count from min_val (upstream indexes by the raw value, which only works
        # for min_val = 0, the default)
        embeds = self.int_embedder(values - self.min_val).unsqueeze(1)
        return [embeds, _ones(embeds.shape[0], 1, device)]


class NumberConditioner(Conditioner):
    """Floats clamped to ``[min_val, max_val]``, normalised to [0, 1] and embedded."""

    def __init__(self, output_dim: int, min_val: float = 0, max_val: float = 1):
        super().__init__(output_dim, output_dim)
        if max_val == min_val:
            raise ValueError(f"number conditioner: min_val and max_val are both {min_val}")
        self.min_val = min_val
        self.max_val = max_val
        self.embedder = NumberEmbedder(features=output_dim)

    def forward(self, floats: Sequence[float], device: Any = None):
        values = torch.tensor([float(v) for v in floats], device=device)
        values = values.clamp(self.min_val, self.max_val)
        normalised = (values - self.min_val) / (self.max_val - self.min_val)
        dtype = next(self.embedder.parameters()).dtype
        embeds = self.embedder(normalised.to(dtype)).unsqueeze(1)
        return [embeds, _ones(embeds.shape[0], 1, device)]


class ListConditioner(Conditioner):
    """One embedding per option string; index 0 is any string not in ``options``."""

    def __init__(self, output_dim: int, options: Sequence[str]):
        super().__init__(output_dim, output_dim)
        self.options = list(options)
        self.embedder = nn.Embedding(len(self.options) + 1, output_dim)

    def forward(self, texts: Sequence[str], device: Any = None):
        ids = [self.options.index(t) + 1 if t in self.options else 0 for t in texts]
        embeds = self.embedder(torch.tensor(ids, device=device)).unsqueeze(1)
        return [embeds, _ones(embeds.shape[0], 1, device)]


class T5Conditioner(Conditioner):
    """A frozen (or, with ``enable_grad``, fine-tuned) Hugging Face T5 encoder.

    Tokenizer and model load with ``from_pretrained(t5_model_name)``; the feature width is the
    model's ``config.d_model``. The model stays in float32 (upstream casts it to fp16, which CPUs
    cannot run fast and which T5 is known to overflow in). Only with ``enable_grad`` is it part
    of the module tree (and of checkpoints).
    """

    def __init__(self, output_dim: int, t5_model_name: str = "t5-base", max_length: int = 128,
                 enable_grad: bool = False, project_out: bool = False):
        transformers = _transformers("t5")
        tokenizer = _from_pretrained("t5", transformers.AutoTokenizer, t5_model_name)
        with torch.device("cpu"):  # real weights, even while the caller builds on "meta"
            model = _from_pretrained("t5", transformers.T5EncoderModel, t5_model_name)
        super().__init__(model.config.d_model, output_dim, project_out=project_out)
        self.max_length = max_length
        self.enable_grad = enable_grad
        self.tokenizer = tokenizer
        model.train(enable_grad).requires_grad_(enable_grad)
        if enable_grad:
            self.model = model
        else:
            self.__dict__["model"] = model  # not a submodule: kept out of the state dict

    def forward(self, texts: Sequence[str], device: Any = None):
        self.model.to(device)
        self.proj_out.to(device)
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.max_length,
                                 padding="max_length", return_tensors="pt")
        input_ids = encoded["input_ids"].to(device)
        attention_mask = encoded["attention_mask"].to(device).to(torch.bool)
        self.model.eval()
        with torch.set_grad_enabled(self.enable_grad and torch.is_grad_enabled()):
            embeddings = self.model(input_ids=input_ids,
                                    attention_mask=attention_mask)["last_hidden_state"]
        if not isinstance(self.proj_out, nn.Identity):
            embeddings = embeddings.to(next(self.proj_out.parameters()).dtype)
        embeddings = self.proj_out(embeddings) * attention_mask.unsqueeze(-1).float()
        return embeddings, attention_mask


class TokenizerLUTConditioner(Conditioner):
    """A learned lookup table over a Hugging Face tokenizer's vocabulary."""

    def __init__(self, tokenizer_name: str, output_dim: int, max_length: int = 1024,
                 use_abs_pos_emb: bool = False, project_out: bool = False,
                 special_tokens: Sequence[str] = ()):
        super().__init__(output_dim, output_dim, project_out=project_out)
        transformers = _transformers("lut")
        self.tokenizer = _from_pretrained("lut", transformers.AutoTokenizer, tokenizer_name)
        if special_tokens:
            self.tokenizer.add_special_tokens(
                {"additional_special_tokens": list(special_tokens)})
        self.max_length = max_length
        self.token_embedder = nn.Embedding(len(self.tokenizer), output_dim)
        self.abs_pos_emb = (AbsolutePositionalEmbedding(output_dim, max_length)
                            if use_abs_pos_emb else None)

    def forward(self, texts: Sequence[str], device: Any = None):
        self.proj_out.to(device)
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.max_length,
                                 padding="max_length", return_tensors="pt")
        input_ids = encoded["input_ids"].to(device)
        attention_mask = encoded["attention_mask"].to(device).to(torch.bool)
        embeddings = self.proj_out(self.token_embedder(input_ids))
        embeddings = embeddings * attention_mask.unsqueeze(-1).float()
        if self.abs_pos_emb is not None:
            embeddings = embeddings + self.abs_pos_emb(embeddings)
        return embeddings, attention_mask


def _hold_pretransform(module: nn.Module, pretransform: nn.Module, save: bool) -> None:
    if save:
        module.pretransform = pretransform
    else:
        module.__dict__["pretransform"] = pretransform  # shared, not saved with the conditioner


class PretransformConditioner(Conditioner):
    """Audio encoded by a pretransform: latents ``(batch, output_dim, frames)``."""

    def __init__(self, pretransform: nn.Module, output_dim: int, save_pretransform: bool = False):
        super().__init__(pretransform.encoded_channels, output_dim)
        _hold_pretransform(self, pretransform, save_pretransform)

    def forward(self, audio, device: Any = None):
        self.pretransform.to(device)
        self.proj_out.to(device)
        if isinstance(audio, (list, tuple)):
            audio = torch.stack(list(audio), dim=0)
        if audio.dim() == 2:
            audio = audio.unsqueeze(0)
        audio = set_audio_channels(audio, self.pretransform.io_channels).to(device)
        latents = self.pretransform.encode(audio)
        # project the channels (upstream applies proj_out to the time axis, which fails unless
        # the widths already agree and proj_out is the identity)
        latents = self.proj_out(latents.transpose(1, 2)).transpose(1, 2)
        return [latents, _ones(latents.shape[0], latents.shape[2], latents.device)]


class SourceMixConditioner(Conditioner):
    """Per batch item, the sum over present sources of a 1x1 conv of each source's latents."""

    def __init__(self, pretransform: nn.Module, output_dim: int, save_pretransform: bool = False,
                 source_keys: Sequence[str] = (), pre_encoded: bool = False,
                 allow_null_source: bool = False, source_length: int | None = None):
        super().__init__(pretransform.encoded_channels, output_dim)
        _hold_pretransform(self, pretransform, save_pretransform)
        self.source_keys = list(source_keys)
        self.source_heads = nn.ModuleList([
            nn.Conv1d(pretransform.encoded_channels, output_dim, kernel_size=1)
            for _ in self.source_keys])
        self.pre_encoded = pre_encoded
        self.allow_null_source = allow_null_source
        if allow_null_source:
            if source_length is None:
                raise ValueError("source_mix: allow_null_source needs source_length")
            self.null_source = nn.Parameter(torch.randn(output_dim, 1))
            self.source_length = source_length

    def forward(self, sources: Sequence[Mapping[str, torch.Tensor]], device: Any = None):
        self.pretransform.to(device)
        self.proj_out.to(device)
        dtype = next(iter([*self.source_heads.parameters(), *self.parameters()])).dtype
        mixes = []
        for item in sources:
            mix = None
            for head, key in zip(self.source_heads, self.source_keys):
                if key not in item:
                    continue
                source = item[key]
                if self.pre_encoded:
                    latents = source.to(device)
                else:
                    if source.dim() != 2:
                        raise ValueError(f"source {key!r} must be (channels, samples), got "
                                         f"{tuple(source.shape)}")
                    audio = set_audio_channels(source.unsqueeze(0), self.pretransform.io_channels)
                    latents = self.pretransform.encode(audio.to(device)).squeeze(0)
                projected = head(latents.to(dtype))
                mix = projected if mix is None else mix + projected
            if mix is None:
                if not self.allow_null_source:
                    raise ValueError("source_mix: no source of this item is present "
                                     f"(keys {self.source_keys})")
                mix = self.null_source.repeat(1, self.source_length)
            mixes.append(mix)
        stacked = torch.stack(mixes, dim=0)
        return [stacked, _ones(stacked.shape[0], stacked.shape[2], stacked.device)]


class MultiConditioner(nn.Module):
    """Runs every conditioner on its metadata key (or its ``default_keys`` fallback).

    Returns ``{id: [embeddings, mask]}``. Ids in ``pre_encoded_keys`` hold tensors already:
    they are stacked and passed with a ``None`` mask.
    """

    def __init__(self, conditioners: Mapping[str, Conditioner],
                 default_keys: Mapping[str, str] | None = None,
                 pre_encoded_keys: Sequence[str] = ()):
        super().__init__()
        self.conditioners = nn.ModuleDict(dict(conditioners))
        self.default_keys = dict(default_keys or {})
        self.pre_encoded_keys = list(pre_encoded_keys)

    def _inputs(self, key: str, batch_metadata: Sequence[Mapping[str, Any]]) -> list[Any]:
        inputs = []
        for item in batch_metadata:
            name = key if key in item else self.default_keys.get(key)
            if name is None or name not in item:
                raise ValueError(f"conditioner key {key!r} not found in batch metadata"
                                 + (f" (nor its default {name!r})" if name else ""))
            value = item[name]
            # collate functions may wrap every value in a one-element list
            if isinstance(value, (list, tuple)) and len(value) == 1:
                value = value[0]
            inputs.append(value)
        return inputs

    def forward(self, batch_metadata: Sequence[Mapping[str, Any]], device: Any = None):
        output = {}
        for key, conditioner in self.conditioners.items():
            inputs = self._inputs(key, batch_metadata)
            if key in self.pre_encoded_keys:
                output[key] = [torch.stack(inputs, dim=0).to(device), None]
            else:
                output[key] = conditioner(inputs, device)
        return output


# --- builders from typed configs ----------------------------------------------------------------


def _audio_pretransform(config, model_pretransform: nn.Module | None, kind: str) -> nn.Module:
    if config.use_model_pretransform:
        if model_pretransform is None:
            raise ValueError(f"{kind} conditioner: use_model_pretransform needs "
                             "`model.pretransform`")
        pretransform = model_pretransform
    else:
        if config.pretransform_config is None:
            raise ValueError(f"{kind} conditioner: pretransform_config is required without "
                             "use_model_pretransform")
        from .pretransforms import build_pretransform
        pretransform = build_pretransform(config.pretransform_config, config.sample_rate)
    if config.pretransform_ckpt_path is not None:
        from .pretransforms import load_pretransform_checkpoint
        load_pretransform_checkpoint(pretransform, config.pretransform_ckpt_path)
    return pretransform


def _t5(config, output_dim, model_pretransform):
    return T5Conditioner(output_dim, t5_model_name=config.t5_model_name,
                         max_length=config.max_length, enable_grad=config.enable_grad,
                         project_out=config.project_out)


def _lut(config, output_dim, model_pretransform):
    return TokenizerLUTConditioner(config.tokenizer_name, output_dim, max_length=config.max_length,
                                   use_abs_pos_emb=config.use_abs_pos_emb,
                                   project_out=config.project_out,
                                   special_tokens=config.special_tokens)


def _pretransform(config, output_dim, model_pretransform):
    return PretransformConditioner(_audio_pretransform(config, model_pretransform, "pretransform"),
                                   output_dim, save_pretransform=config.save_pretransform)


def _source_mix(config, output_dim, model_pretransform):
    return SourceMixConditioner(_audio_pretransform(config, model_pretransform, "source_mix"),
                                output_dim, save_pretransform=config.save_pretransform,
                                source_keys=config.source_keys, pre_encoded=config.pre_encoded,
                                allow_null_source=config.allow_null_source,
                                source_length=config.source_length)


CONDITIONERS = Parts("conditioner", {
    "t5": _t5,
    "int": lambda c, dim, _: IntConditioner(dim, min_val=c.min_val, max_val=c.max_val),
    "number": lambda c, dim, _: NumberConditioner(dim, min_val=c.min_val, max_val=c.max_val),
    "list": lambda c, dim, _: ListConditioner(dim, options=c.options),
    "lut": _lut,
    "pretransform": _pretransform,
    "source_mix": _source_mix,
}, unbuilt={
    "clap_text": "needs laion-clap, which pins numpy<2 and downloads tokenizers at import",
    "clap_audio": "needs laion-clap, which pins numpy<2 and downloads tokenizers at import",
    "phoneme": "needs g2p-en, which downloads NLTK data at import",
})


def build_conditioner(spec, cond_dim: int, model_pretransform: nn.Module | None = None):
    """One conditioner from a typed entry of ``conditioning.configs``; its width is the entry's
    ``output_dim`` or else ``cond_dim``."""
    output_dim = getattr(spec.config, "output_dim", None) or cond_dim
    return CONDITIONERS.build(spec.type, spec.config, output_dim, model_pretransform)


def build_multi_conditioner(conditioning, model_pretransform: nn.Module | None = None
                            ) -> MultiConditioner:
    """The :class:`MultiConditioner` of a typed ``model.conditioning`` object."""
    conditioners = {spec.id: build_conditioner(spec, conditioning.cond_dim, model_pretransform)
                    for spec in conditioning.configs}
    return MultiConditioner(conditioners, default_keys=conditioning.default_keys,
                            pre_encoded_keys=conditioning.pre_encoded_keys)
