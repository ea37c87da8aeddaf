"""Training runtime: builds models, Lightning wrappers and demo callbacks from typed configs.

Needs the ``[train]`` extra (torch, pytorch-lightning, auraloss...). Importing this package is
cheap; torch loads when a factory function is first used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_demo_callback_from_config", "create_model_from_config",
           "create_training_wrapper_from_config"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import factory

        return getattr(factory, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
