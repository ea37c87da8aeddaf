"""One error family for every way a config can be wrong.

Every problem is an :class:`Issue` with a JSON path (``$.training.demo.num_demos``), a message,
the rule that failed and, where it helps, a suggestion. :class:`ConfigError` carries all of them,
so a user fixes every mistake in one pass.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import json
import re
from typing import Any, Literal

Severity = Literal["error", "warning"]
PathTuple = tuple[str | int, ...]

MAX_ISSUES = 100
"""Most parse issues listed; a generated file can repeat one mistake thousands of times."""

_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with every character that is not printable escaped (``\\n``, ``\\x1b``,
    ``\\u2028``, a lone surrogate ``\\ud800``...): a value echoed in a message can neither
    forge extra output lines nor drive the terminal, and always encodes as UTF-8."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _SHORT_ESCAPES.get(c) or _escape_char(c)
                   for c in text)


def _escape_char(c: str) -> str:
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


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

    def __post_init__(self) -> None:
        # every text of an issue may quote the user's values (or be a file name): escaped once
        # here, wherever the issue was made, so no printer needs to remember it
        for name in ("path", "message", "suggestion", "source"):
            text = getattr(self, name)
            if isinstance(text, str) and not text.isprintable():
                object.__setattr__(self, name, printable(text))

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
        source = f" {printable(self.source)}" if self.source else ""
        head = f"invalid config{source}: {len(errors)} issue(s)"
        return "\n  ".join([head, *(i.format() for i in errors)])


class UnknownModelTypeError(ConfigError, NotImplementedError):
    """``model_type`` names no known model type (the old factory raised NotImplementedError)."""

    def __str__(self) -> str:  # keeps the old factory's wording first
        base = super().__str__()
        return base if "Unknown model type" in base else f"Unknown model type\n{base}"


class NotBuiltError(NotImplementedError):
    """A schema-valid part that sat-config's runtime does not build: the message names the part,
    its type, why it is not built, and what is built instead."""


def not_built(role: str, type_: str, built: Any = (), why: str | None = None) -> NotBuiltError:
    """The one "valid but not built" error (``role`` e.g. ``"conditioner"``, ``type_`` the
    config's ``type``)."""
    text = f"{role} type {type_!r} is valid but not built by sat-config's training runtime"
    if why:
        text += f" ({why})"
    names = ", ".join(built)
    return NotBuiltError(f"{text}; built: {names}" if names else text)


def err(path: str, message: str, rule: str, suggestion: str | None = None) -> Issue:
    """A semantic-check error (``rule`` gets the ``semantic:`` prefix)."""
    return Issue(path=path, message=message, rule=f"semantic:{rule}", suggestion=suggestion)


def warn(path: str, message: str, rule: str, suggestion: str | None = None) -> Issue:
    """A semantic-check warning: the config trains, but not as its author probably meant."""
    return Issue(path=path, message=message, rule=f"semantic:{rule}", suggestion=suggestion,
                 severity="warning")


# --- JSON paths -------------------------------------------------------------------------------


def json_path(path: PathTuple) -> str:
    """``('training', 'demo', 0)`` -> ``$.training.demo[0]``."""
    out = ["$"]
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", part):
            out.append(f".{part}")
        else:
            out.append("[" + json.dumps(part) + "]")
    return "".join(out)


_JSON = json.JSONDecoder()


def path_tuple(path: str) -> PathTuple:
    """Inverse of :func:`json_path` (for the simple paths issues use)."""
    out: list[str | int] = []
    rest = path[1:]
    while rest:
        if rest.startswith("."):
            end = min([i for i in (rest.find(".", 1), rest.find("[", 1)) if i > 0] or [len(rest)])
            out.append(rest[1:end])
            rest = rest[end:]
        elif rest.startswith('["'):  # a quoted key may itself hold '"]': read the JSON string
            key, end = _JSON.raw_decode(rest, 1)
            out.append(key)
            rest = rest[end + 1:]
        else:  # [n]
            end = rest.index("]")
            out.append(int(rest[1:end]))
            rest = rest[end + 1:]
    return tuple(out)


# --- constructors -----------------------------------------------------------------------------


def config_error(message: str, source: str | None, rule: str, line: int | None = None,
          column: int | None = None, path: str = "$", suggestion: str | None = None) -> ConfigError:
    """A ConfigError holding one located issue."""
    issue = Issue(path=path, message=message, rule=rule, suggestion=suggestion, line=line,
                  column=column, source=source)
    return ConfigError([issue], source=source)


def raise_all(issues: list[Issue], source: str | None) -> None:
    """Raise every issue found (duplicates dropped, the list capped at MAX_ISSUES)."""
    unique = list({(i.line, i.column, i.path, i.message): i for i in issues}.values())
    if len(unique) > MAX_ISSUES:
        more = Issue(path="$", message=f"more issues not listed (the first {MAX_ISSUES} are)",
                     rule="limit", source=source)
        unique = [*unique[:MAX_ISSUES], more]
    raise ConfigError(unique, source=source)
