"""An offline Hugging Face cache holding tiny random T5 encoders under real model names.

Tests and benchmarks run the conditioners' real ``from_pretrained(name)`` code with nothing
downloaded: ``T5EncoderModel(T5Config(...))`` and the file-free ``ByT5Tokenizer()`` are saved
into a temporary cache laid out as the hub lays it out, and the hub is set offline.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TINY_T5 = dict(vocab_size=384, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
               feed_forward_proj="gated-gelu")
"""A 33,056-parameter T5 encoder; paired with the file-free ``ByT5Tokenizer``."""

_HUB_ENV = ("HF_HOME", "HF_HUB_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


@contextmanager
def offline_hf_cache(home: Path, models: Mapping[str, Mapping[str, Any]]) -> Iterator[Path]:
    """Inside: the hub cache is ``home`` (offline), holding a T5 encoder per name in ``models``
    (name -> T5Config keywords). The environment is restored on exit."""
    import torch
    from transformers import ByT5Tokenizer, T5Config, T5EncoderModel

    saved = {k: os.environ.get(k) for k in _HUB_ENV}
    os.environ.update(HF_HOME=str(home), HF_HUB_CACHE=str(home / "hub"), HF_HUB_OFFLINE="1",
                      TRANSFORMERS_OFFLINE="1")
    # huggingface_hub reads these once, at import; if it was imported before, point its
    # constants at the same values
    constants = sys.modules.get("huggingface_hub.constants")
    patched = {}
    if constants is not None:
        for name, value in (("HF_HUB_CACHE", str(home / "hub")), ("HF_HUB_OFFLINE", True)):
            patched[name] = getattr(constants, name)
            setattr(constants, name, value)
    try:
        for model_name, config in models.items():
            repo = home / "hub" / f"models--{model_name.replace('/', '--')}"
            revision = "0" * 40
            (repo / "refs").mkdir(parents=True, exist_ok=True)
            (repo / "refs" / "main").write_text(revision)
            snapshot = repo / "snapshots" / revision
            torch.manual_seed(0)
            T5EncoderModel(T5Config(**config)).save_pretrained(snapshot)
            ByT5Tokenizer().save_pretrained(snapshot)
        yield home
    finally:
        for name, value in patched.items():
            setattr(constants, name, value)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
