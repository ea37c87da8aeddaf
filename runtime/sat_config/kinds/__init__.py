"""The one table of trainable kinds.

A *kind* is what the runtime builds and trains: one row per ``model_type``, plus ARC post-training
(``training.arc`` on a conditional diffusion config), which is its own kind. The semantic stage
reads a row's ``checks`` and the training factory its ``model``, ``wrapper`` and ``demo``.

Every part is named as ``"module:function"`` (below ``sat_config``) and imported on first use,
so importing the table never imports torch (validation stays torch-free). A part that is ``None``
is schema-valid but not built by the runtime: asking for it raises :class:`NotBuiltError`.

Adding a model type: its schema, a line in ``config.schema.json``'s ``oneOf``, a typed class in
``sat_config.models``, a row here, and a folder ``kinds/<name>/`` with what the row names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any

from ..errors import NotBuiltError

_PARTS = {"checks": "semantic checks", "model": "model builder",
          "wrapper": "training-wrapper builder", "demo": "demo-callback builder"}


@dataclass(frozen=True)
class Kind:
    name: str
    model_types: tuple[str, ...]
    checks: str
    model: str | None = None
    wrapper: str | None = None
    demo: str | None = None
    selected_by: str | None = None
    """A ``training`` key whose presence selects this kind over the plain model-type row."""

    def part(self, name: str) -> Callable[..., Any]:
        """The function named in column ``name`` (``checks``, ``model``, ``wrapper``, ``demo``)."""
        return _resolve(self.name, name, getattr(self, name))


@cache
def _resolve(kind: str, column: str, ref: str | None) -> Callable[..., Any]:
    if ref is None:
        built = ", ".join(k.name for k in KINDS.values() if getattr(k, column) is not None)
        raise NotBuiltError(f"{kind}: no {_PARTS[column]} in sat-config's training runtime yet "
                            f"(built for: {built or 'none'})")
    module, _, function = ref.partition(":")
    return getattr(import_module(f"{_ROOT}.{module}"), function)


_ROOT = __package__.rpartition(".")[0]
_DIFFUSION = ("diffusion_cond", "diffusion_cond_inpaint")

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("autoencoder", ("autoencoder",), "kinds.autoencoder.checks:checks",
         model="training.components.autoencoder:create_autoencoder",
         wrapper="kinds.autoencoder.wrapper:create_autoencoder_wrapper",
         demo="kinds.autoencoder.demo:create_autoencoder_demo_callback"),
    Kind("diffusion_uncond", ("diffusion_uncond",), "kinds.diffusion.checks:uncond_checks",
         model="kinds.diffusion.model:create_diffusion_uncond",
         wrapper="kinds.diffusion.wrapper:create_diffusion_uncond_wrapper",
         demo="kinds.diffusion.demo:create_diffusion_uncond_demo_callback"),
    Kind("diffusion_cond", ("diffusion_cond",), "kinds.diffusion.checks:cond_checks",
         model="kinds.diffusion.model:create_diffusion_cond",
         wrapper="kinds.diffusion.wrapper:create_diffusion_cond_wrapper",
         demo="kinds.diffusion.demo:create_diffusion_cond_demo_callback"),
    Kind("diffusion_cond_inpaint", ("diffusion_cond_inpaint",), "kinds.diffusion.checks:cond_checks",
         model="kinds.diffusion.model:create_diffusion_cond",
         wrapper="kinds.diffusion.wrapper:create_diffusion_cond_wrapper",
         demo="kinds.diffusion.demo:create_diffusion_cond_inpaint_demo_callback"),
    Kind("arc", _DIFFUSION, "kinds.arc.checks:checks", selected_by="arc",
         model="kinds.diffusion.model:create_diffusion_cond",
         wrapper="kinds.arc.wrapper:create_arc_wrapper",
         demo="kinds.arc.demo:create_arc_demo_callback"),
    Kind("diffusion_autoencoder", ("diffusion_autoencoder",),
         "kinds.diffusion_autoencoder.checks:checks",
         model="kinds.diffusion_autoencoder.model:create_diffusion_autoencoder",
         wrapper="kinds.diffusion_autoencoder.wrapper:create_diffusion_autoencoder_wrapper",
         demo="kinds.diffusion_autoencoder.demo:create_diffusion_autoencoder_demo_callback"),
    Kind("lm", ("lm",), "kinds.lm.checks:checks",
         model="kinds.lm.model:create_lm",
         wrapper="kinds.lm.wrapper:create_lm_wrapper",
         demo="kinds.lm.demo:create_lm_demo_callback"),
)}

MODEL_TYPES: tuple[str, ...] = tuple(dict.fromkeys(t for k in KINDS.values() for t in k.model_types))
"""Every ``model_type`` (a test proves it equals the root schema's and the typed union's)."""


def kind_of(config: Mapping[str, Any] | Any) -> Kind | None:
    """The kind that trains ``config`` (a schema-shaped dict or a typed config); None for an
    unknown ``model_type``."""
    if isinstance(config, Mapping):
        model_type, training = config.get("model_type"), config.get("training")
    else:
        model_type, training = getattr(config, "model_type", None), getattr(config, "training", None)
    if not isinstance(model_type, str):
        return None
    plain = None
    for kind in KINDS.values():
        if model_type not in kind.model_types:
            continue
        if kind.selected_by is None:
            plain = kind
        elif _has(training, kind.selected_by):
            return kind
    return plain


def _has(training: Any, key: str) -> bool:
    if isinstance(training, Mapping):
        return training.get(key) is not None
    return getattr(training, key, None) is not None
