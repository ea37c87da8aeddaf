"""The facts validation reads from the schemas, derived once by ``make generate``.

Validating a config reads two things structurally from the schemas: the defaults the semantic
checks ask for when they are imported (:mod:`.facts`) and, for a config with an unknown key,
where else that key is allowed (:mod:`.keyindex`). Walking the schemas for them takes the ``$ref``
navigator (``referencing`` and ``attrs``) and the walks: more than the rest of a cold
``sat-config validate``. So they are walked here, once, into ``generated/facts/`` (in the wheel:
``sat_config/_facts/``), which validation reads:

- ``defaults.json``: every ``defaults(schema, *path)`` question the check modules ask when
  imported (found by importing them in a fresh interpreter), with its answer;
- ``key-index.json``: for every schema, each key name -> the indices in ``paths`` of the
  objects it is a property of (read only to word an unknown key's hint).

Each records the :func:`files.fingerprint` of the schema files it comes from; a file whose
fingerprint is not the installed schemas' is not read (the facts are walked instead: the same
answers, later). ::

    python -m sat_config.schema.derived --write | --check
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path
from pkgutil import walk_packages
from typing import Any

from . import facts, keyindex
from . import files as schemas

COMMITTED = schemas.FACTS_IN_CHECKOUT
"""Where ``--write`` puts the files, relative to the repository root."""
_COMMENT = ("Generated from schemas/ by `make generate` (python -m sat_config.schema.derived "
            "--write): do not edit.")
_PACKAGE = __package__.rpartition(".")[0]
_MODULE = f"{__package__}.derived"  # also when run as __main__


def questions() -> list[facts.Question]:
    """Every question the check modules ask :func:`facts.defaults` when imported, sorted.

    They are imported in a fresh interpreter (here they may have been imported already), which
    runs this module with ``--questions``."""
    package_root = str(Path(import_module(_PACKAGE).__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [package_root, *filter(None, [os.environ.get("PYTHONPATH")])])}
    run = subprocess.run([sys.executable, "-m", _MODULE, "--questions"], env=env,
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"importing the checks failed:\n{run.stderr[-3000:]}")
    return sorted({(schema, tuple(path)) for schema, path in json.loads(run.stdout)})


def _ask_every_check() -> list[facts.Question]:
    """Import every check module (each kind's, and the shared parts), then what they asked."""
    from ..kinds import KINDS

    for kind in KINDS.values():
        kind.part("checks")
    checks = import_module(f"{_PACKAGE}.checks")
    for module in walk_packages(checks.__path__, f"{checks.__name__}."):
        import_module(module.name)
    return list(facts.asked())


def defaults_file() -> dict[str, Any]:
    """``defaults.json``: the checks' questions and their answers, walked from the schemas."""
    return {"$comment": _COMMENT, "fingerprint": schemas.fingerprint(),
            "defaults": [{"schema": schema, "path": list(path),
                          "defaults": facts.walk_defaults(schema, path)}
                         for schema, path in questions()]}


def key_index_file() -> dict[str, Any]:
    """``key-index.json``: every schema's key index, walked from the schemas."""
    indices = {name: keyindex.walk(name) for name in schemas.names()}
    paths = sorted({p for index in indices.values() for where in index.values() for p in where})
    number = {p: i for i, p in enumerate(paths)}
    return {"$comment": _COMMENT, "fingerprint": schemas.fingerprint(),
            "paths": [list(p) for p in paths],
            "keys": {name: {key: [number[p] for p in where] for key, where in sorted(index.items())}
                     for name, index in indices.items()}}


FILES: dict[str, Callable[[], dict[str, Any]]] = {
    facts.FILE: defaults_file, keyindex.FILE: key_index_file}
"""File name in ``generated/facts`` -> its contents."""


def text(data: dict[str, Any]) -> str:
    """A facts file as written: one line per question, per path, per key of a schema's index."""
    return _dump(data, 0) + "\n"


def _dump(value: Any, depth: int) -> str:
    """JSON of ``value``: the top two levels and every mapping of containers one item a line."""
    expand = depth < 2 or isinstance(value, dict) and all(isinstance(v, dict | list)
                                                          for v in value.values())
    if not expand or not isinstance(value, dict | list) or not value:
        return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)
    pad = "  " * (depth + 1)
    items = ([f"{pad}{json.dumps(k, ensure_ascii=False)}: {_dump(v, depth + 1)}"
              for k, v in value.items()] if isinstance(value, dict)
             else [f"{pad}{_dump(v, depth + 1)}" for v in value])
    brackets = "{}" if isinstance(value, dict) else "[]"
    return f"{brackets[0]}\n" + ",\n".join(items) + f"\n{pad[2:]}{brackets[1]}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {_MODULE}",
                                     description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write the facts files")
    mode.add_argument("--check", action="store_true",
                      help="exit 1 when a facts file is stale")
    mode.add_argument("--questions", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=None,
                        help=f"folder (default: {COMMITTED.as_posix()} in the checkout)")
    args = parser.parse_args(argv)
    if args.questions:
        print(json.dumps(_ask_every_check()))
        return 0
    folder = args.output or schemas.CHECKOUT / COMMITTED
    stale = []
    for name, build in FILES.items():
        target, fresh = folder / name, text(build()).encode("utf-8")
        if target.is_file() and target.read_bytes() == fresh:
            continue
        if args.write:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_bytes(fresh)
        else:
            stale.append(f"{target} {'is stale' if target.is_file() else 'is missing'}")
    for line in stale:
        print(f"{line}: run `make generate` (python -m {_MODULE} --write)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
