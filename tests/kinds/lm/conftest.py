"""The language-model tests run on one thread (the offline tiny-T5 cache is the shared
``offline_t5`` fixture of tests/conftest.py); their helpers are in ``lm_support``."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("pytorch_lightning")
torch.set_num_threads(1)

