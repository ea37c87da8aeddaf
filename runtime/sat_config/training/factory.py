"""Public factory functions with the signatures of stable-audio-tools' factories.

Each accepts a config dict (or path / text) or a typed config; it validates first (every issue
is raised together in one ``ConfigError`` before any model is built) and never modifies the
caller's dict. Builders receive typed configs only.
"""

from __future__ import annotations

from typing import Any

from ..api import load_config
from .registry import entry


def _typed(config: Any):
    typed = load_config(config)
    spec = entry(typed.model_type)
    if not isinstance(typed, spec.config_class):
        raise TypeError(f"expected a {spec.config_class.__name__} for model_type "
                        f"{typed.model_type!r}, got {type(typed).__name__}")
    return typed, spec


def create_model_from_config(config: Any):
    """The model (e.g. an ``AudioAutoencoder``) for a config."""
    typed, spec = _typed(config)
    return spec.piece("build_model")(typed)


def create_training_wrapper_from_config(config: Any, model):
    """The Lightning training wrapper around ``model`` (built by ``create_model_from_config``)."""
    typed, spec = _typed(config)
    return spec.piece("build_wrapper")(typed, model)


def create_demo_callback_from_config(config: Any, **kwargs: Any):
    """The demo callback; ``kwargs`` as upstream (``demo_dl``) plus ``demo_dir``."""
    typed, spec = _typed(config)
    return spec.piece("build_demo")(typed, **kwargs)
