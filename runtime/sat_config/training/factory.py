"""Public factory functions with the signatures of stable-audio-tools' factories.

Each accepts a config dict (or path / text) or a typed config; it validates first (every issue
is raised together in one ``ConfigError`` before any model is built) and never modifies the
caller's dict. The kind (``sat_config.kinds.kind_of``) picks the builders, which receive typed
configs only.
"""

from __future__ import annotations

from typing import Any

from ..api import load_config
from ..kinds import Kind, kind_of


def _typed(config: Any) -> tuple[Any, Kind]:
    typed = load_config(config)
    return typed, kind_of(typed)  # load_config refuses an unknown model_type


def create_model_from_config(config: Any):
    """The model (e.g. an ``AudioAutoencoder``) for a config."""
    typed, kind = _typed(config)
    return kind.part("model")(typed)


def create_training_wrapper_from_config(config: Any, model):
    """The Lightning training wrapper around ``model`` (built by ``create_model_from_config``)."""
    typed, kind = _typed(config)
    return kind.part("wrapper")(typed, model)


def create_demo_callback_from_config(config: Any, **kwargs: Any):
    """The demo callback; ``kwargs`` as upstream (``demo_dl``) plus ``demo_dir``."""
    typed, kind = _typed(config)
    return kind.part("demo")(typed, **kwargs)
