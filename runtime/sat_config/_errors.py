"""One error family for every way a config can be wrong.

Every problem is an :class:`Issue` with a JSON path (``$.training.demo.num_demos``), a message,
the rule that failed and, where it helps, a suggestion. :class:`ConfigError` carries all of them,
so a user fixes every mistake in one pass.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem found in a config document."""

    path: str
    """JSON path of the offending value, ``$`` for the document root."""
    message: str
    rule: str
    """The failing JSON Schema keyword (``required``, ``type``...) or a semantic rule name."""
    suggestion: str | None = None
    severity: Severity = "error"
    line: int | None = None
    """1-based line of the value in the source file, where known."""
    column: int | None = None
    source: str | None = None
    """File the config came from, where known."""

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def format(self) -> str:
        where = self.source or "<config>"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        text = f"{where}: {self.path}: {self.message}"
        if self.suggestion:
            text += f" ({self.suggestion})"
        if self.severity == "warning":
            text += " [warning]"
        return text


@dataclass
class ConfigError(ValueError):
    """A config is invalid. ``issues`` holds every problem found, errors and warnings."""

    issues: list[Issue] = field(default_factory=list)
    source: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    def __str__(self) -> str:
        errors = self.errors or self.issues
        head = f"invalid config{f' {self.source}' if self.source else ''}: {len(errors)} issue(s)"
        return "\n  ".join([head, *(i.format() for i in errors)])


class UnknownModelTypeError(ConfigError, NotImplementedError):
    """``model_type`` names no known model type (the old factory raised NotImplementedError)."""

    def __str__(self) -> str:  # keeps the old factory's wording first
        base = super().__str__()
        return base if "Unknown model type" in base else f"Unknown model type\n{base}"
