"""The one table from ``model_type`` to what training needs: typed config class, model builder,
training-wrapper builder and demo-callback builder.

Types whose pieces are not built yet have ``None`` there; asking for one raises
``NotImplementedError`` naming the type and the missing piece.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..models import MODEL_CONFIGS


@dataclass(frozen=True)
class Entry:
    model_type: str
    config_class: type
    build_model: Callable[[Any], Any] | None = None
    build_wrapper: Callable[[Any, Any], Any] | None = None
    build_demo: Callable[..., Any] | None = None

    def piece(self, name: str) -> Callable[..., Any]:
        """The builder ``name`` (``build_model``, ``build_wrapper``, ``build_demo``)."""
        builder = getattr(self, name)
        if builder is None:
            built = ", ".join(t for t, e in REGISTRY.items() if getattr(e, name) is not None)
            what = {"build_model": "model builder", "build_wrapper": "training-wrapper builder",
                    "build_demo": "demo-callback builder"}[name]
            raise NotImplementedError(
                f"model_type {self.model_type!r}: no {what} in sat-config's training runtime yet "
                f"(built for: {built or 'none'})")
        return builder


def _autoencoder() -> Entry:
    from .demos.autoencoder import create_autoencoder_demo_callback
    from .models.autoencoder import create_autoencoder
    from .wrappers.autoencoder import create_autoencoder_wrapper

    return Entry("autoencoder", MODEL_CONFIGS["autoencoder"], create_autoencoder,
                 create_autoencoder_wrapper, create_autoencoder_demo_callback)


REGISTRY: dict[str, Entry] = {"autoencoder": _autoencoder()}
for _type, _class in MODEL_CONFIGS.items():
    REGISTRY.setdefault(_type, Entry(_type, _class))


def entry(model_type: str) -> Entry:
    try:
        return REGISTRY[model_type]
    except KeyError:
        raise NotImplementedError(f"unknown model_type {model_type!r}; known: "
                                  f"{', '.join(REGISTRY)}") from None
