"""Typed config -> keyword arguments for a third-party constructor.

The schema describes the upstream-pinned library versions; the installed version may lack a
parameter. Such a parameter is dropped while it holds its schema default (the installed library
then applies its own behaviour), and refused with a clear error when the user set it to
something else -- a setting is never silently ignored.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any


def _accepted(targets: Iterable[Callable]) -> set[str]:
    names: set[str] = set()
    for target in targets:
        names |= set(inspect.signature(target).parameters)
    return names - {"self", "args", "kwargs"}


def supported_kwargs(config: Any, targets: Iterable[Callable], library: str,
                     skip: Iterable[str] = ()) -> dict[str, Any]:
    """``config``'s fields (defaults included) that ``targets`` accept, minus ``skip``."""
    accepted = _accepted(targets)
    out: dict[str, Any] = {}
    for name, field in type(config).model_fields.items():
        if name in skip:
            continue
        value = getattr(config, name)
        if name in accepted:
            out[name] = value
        elif value != field.default:
            raise NotImplementedError(
                f"`{name}: {value!r}` is not supported by the installed {library} "
                f"({', '.join(sorted(t.__qualname__ for t in targets))}); remove it or install a "
                "version that has it")
    return out
