"""The language-model tests run on one thread and share the diffusion tests' offline tiny-T5
Hugging Face cache (the ``offline_t5`` fixture); their helpers are in ``lm_support``."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("pytorch_lightning")
torch.set_num_threads(1)

from kinds.diffusion.conftest import offline_t5  # noqa: E402,F401  (a fixture, re-exported)
