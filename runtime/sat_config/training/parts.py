"""Part type -> builder tables, with the one "valid but not built" error.

Every place that turns a config's ``type`` into a module (encoders, decoders, bottlenecks,
conditioners, backbones, pretransforms, discriminators, losses) uses a :class:`Parts` table, so an
unknown or unbuilt type always gives the same clear :class:`~sat_config.errors.NotBuiltError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import not_built


class Parts:
    """Builders keyed by a config's ``type``; ``unbuilt`` maps schema-valid types the runtime
    does not build to the reason (it needs weights or a package that does not install cleanly)."""

    def __init__(self, role: str, builders: Mapping[str, Callable[..., Any]],
                 unbuilt: Mapping[str, str] | None = None):
        self.role = role
        self.builders = dict(builders)
        self.unbuilt = dict(unbuilt or {})

    def __contains__(self, type_: str) -> bool:
        return type_ in self.builders

    def __iter__(self):
        return iter(self.builders)

    def get(self, type_: str) -> Callable[..., Any]:
        try:
            return self.builders[type_]
        except KeyError:
            raise not_built(self.role, type_, self.builders, self.unbuilt.get(type_)) from None

    def build(self, type_: str, *args: Any, **kwargs: Any) -> Any:
        return self.get(type_)(*args, **kwargs)
