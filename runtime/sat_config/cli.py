"""The ``sat-config`` command line: a thin layer over the library.

Exit codes: 0 ok, 1 invalid config, 2 usage error (bad arguments, unreadable file). ``validate``
gives every file its verdict and exits with the worst one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from .schema import files as schemas
from .errors import ConfigError, Issue, printable
from .api import strictly

OK, INVALID, USAGE = 0, 1, 2


def _kind_of(data: Any) -> str:
    return schemas.DATASET if isinstance(data, dict) and "dataset_type" in data else schemas.ROOT


def validate_files(paths: Sequence[str], kind: str = "auto") -> dict[str, list[Issue]]:
    """Issues per file (empty list = valid). Files that cannot be read carry an ``io`` issue."""
    from pathlib import Path

    from .parsing.document import parse
    from .api import document_issues

    results: dict[str, list[Issue]] = {}
    for path in paths:
        try:
            # a Path: a file name is never read as config text, whatever it holds
            doc = parse(Path(path) if path != "-" else getattr(sys.stdin, "buffer", sys.stdin))
            results[path] = document_issues(doc, _kind_of(doc.data) if kind == "auto" else kind)
        except ConfigError as exc:
            results[path] = [i if i.source else Issue(**{**i.to_dict(), "source": path})
                             for i in exc.issues]
    return results


def _github(issue: Issue) -> str:
    level = "error" if issue.severity == "error" else "warning"
    props = [f"file={_escape(issue.source, property=True)}"] if issue.source else []
    if issue.line:
        props += [f"line={issue.line}", f"col={issue.column or 1}"]
    text = f"{issue.path}: {issue.message}" + (f" ({issue.suggestion})" if issue.suggestion else "")
    return f"::{level} {','.join(props)},title=sat-config::{_escape(text)}"


def _escape(text: str, *, property: bool = False) -> str:
    """GitHub workflow-command escaping; property values also escape ':' and ','."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property else text


def _verdict(issues: list[Issue]) -> int:
    """One file's exit code: USAGE when it could not be read, INVALID with an error, else OK."""
    if any(i.rule == "io" for i in issues):
        return USAGE
    return INVALID if any(i.severity == "error" for i in issues) else OK


Results = dict[str, list[Issue]]
Verdicts = dict[str, int]


def _report_text(results: Results, verdicts: Verdicts, out: TextIO) -> None:
    for f, issues in results.items():
        for issue in issues:
            if issue.rule == "io":  # not a config problem: said on stderr, as usage errors
                print(f"sat-config: {issue.source}: {issue.message}", file=sys.stderr)
            else:
                print(issue.format(), file=out)
        if verdicts[f] == OK:
            print(f"{printable(f)}: ok", file=out)
    if len(results) > 1:
        counts = [list(verdicts.values()).count(v) for v in (OK, INVALID, USAGE)]
        tail = f", {counts[2]} unreadable" if counts[2] else ""
        print(f"{counts[0]} valid, {counts[1]} invalid{tail}", file=out)


def _report_json(results: Results, verdicts: Verdicts, out: TextIO) -> None:
    payload = {"valid": not any(verdicts.values()), "files": [
        {"file": f, "valid": verdicts[f] == OK, "readable": verdicts[f] != USAGE,
         "issues": [i.to_dict() for i in issues]} for f, issues in results.items()]}
    json.dump(payload, out, indent=2)
    out.write("\n")


def _report_github(results: Results, verdicts: Verdicts, out: TextIO) -> None:
    for issues in results.values():
        for issue in issues:
            print(_github(issue), file=out)


REPORTERS = {"text": _report_text, "json": _report_json, "github": _report_github}
"""``--format`` -> reporter of every file's issues and verdict."""


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    """Every file gets its verdict (an unreadable one hides no other); the exit code is the worst
    of them: 2 if a file could not be read, else 1 if one is invalid, else 0."""
    results = validate_files(args.files, args.kind)
    if args.strict:
        results = {f: strictly(issues) for f, issues in results.items()}
    verdicts = {f: _verdict(issues) for f, issues in results.items()}
    REPORTERS[args.format](results, verdicts, out)
    return max(verdicts.values(), default=OK)


def _write_document(out: TextIO, text: str) -> None:
    """Write a JSON document as UTF-8 with LF line ends, whatever the console's encoding
    (``sat-config schema --bundle > file`` gives the committed bytes on every platform)."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:  # an in-memory stream (tests, library callers)
        out.write(text)
        return
    out.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _json_text(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    if args.bundle:
        from .schema.bundle import bundle_text

        _write_document(out, bundle_text())
        return OK
    name = args.name or schemas.ROOT
    if name not in schemas.names():
        print(f"sat-config: no schema named {name!r}; known: {', '.join(schemas.names())}",
              file=sys.stderr)
        return USAGE
    _write_document(out, _json_text(schemas.load(name)))
    return OK


def _print_issues(exc: ConfigError) -> None:
    for issue in exc.issues:
        print(issue.format(), file=sys.stderr)


def cmd_defaults(args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    from .api import dump, load_config

    try:  # a Path: a file name is never read as config text, whatever it holds
        config = load_config(Path(args.file))
    except ConfigError as exc:
        _print_issues(exc)
        return USAGE if any(i.rule == "io" for i in exc.issues) else INVALID
    _write_document(out, _json_text(dump(config)))
    return OK


def cmd_explain(args: argparse.Namespace, out: TextIO) -> int:
    from .schema.explain import explain

    if args.model_type and args.model_type not in schemas.model_types():
        print(f"sat-config: unknown model type {args.model_type!r}; known: "
              f"{', '.join(schemas.model_types())}", file=sys.stderr)
        return USAGE
    found = explain(args.path, args.model_type)
    if not found:
        print(f"sat-config: no key {args.path!r} in the schema"
              + (f" of {args.model_type}" if args.model_type else ""), file=sys.stderr)
        return USAGE
    print("\n\n".join(info.format() for info in found), file=out)
    return OK


def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    from .starter import starter_config

    if args.model_type not in schemas.model_types():
        print(f"sat-config: unknown model type {args.model_type!r}; known: "
              f"{', '.join(schemas.model_types())}", file=sys.stderr)
        return USAGE
    text = _json_text(starter_config(args.model_type, schema_ref=args.schema_ref))
    if args.output:
        from pathlib import Path

        target = Path(args.output)
        if target.exists() and not args.force:
            print(f"sat-config: {target} exists; pass --force to overwrite", file=sys.stderr)
            return USAGE
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}", file=out)
    else:
        _write_document(out, text)
    return OK


# Commands of the training runtime (the [train] extra): name -> (help, module, argument adder,
# runner). Their modules (which import no torch) add the arguments when the parser is built for
# them (or for all commands), and run.
TRAINING_COMMANDS = {
    "train": ("train a model from a config (needs the [train] extra)",
              "cli", "add_train_arguments", "run_train"),
    "pre-encode": ("encode a dataset's audio to latent files for pre_encoded training (needs "
                   "the [train] extra)", "pre_encode", "add_pre_encode_arguments",
                   "run_pre_encode"),
    "export": ("write a trained model in upstream's format, with its config (needs the [train] "
               "extra)", "export", "add_export_arguments", "run_export"),
}


def _training_command(module: str, runner: str):
    def run(args: argparse.Namespace, out: TextIO) -> int:
        from importlib import import_module

        return getattr(import_module(f".training.{module}", __package__), runner)(args)

    return run


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command. Given the ``command`` to run, the training commands other
    than it are named without their arguments, so their modules are not imported (a cold
    ``sat-config validate`` does not pay for them)."""
    parser = argparse.ArgumentParser(prog="sat-config", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="validate config files (JSON or YAML)")
    p.add_argument("files", nargs="+", metavar="FILE", help="config files ('-' reads stdin)")
    p.add_argument("--format", choices=list(REPORTERS), default="text")
    p.add_argument("--strict", action="store_true",
                   help="treat warnings (keys the model's kind ignores, likely mistakes) as errors")
    p.add_argument("--kind", choices=["auto", "config", "dataset"], default="auto",
                   help="document type (auto: dataset configs are recognised by dataset_type)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print a schema")
    p.add_argument("name", nargs="?", metavar="MODEL_TYPE",
                   help=f"one of: {', '.join(schemas.names())} (default: the root schema)")
    p.add_argument("--bundle", action="store_true", help="one self-contained schema file")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("defaults", help="print a config with every default filled in")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_defaults)

    p = sub.add_parser("explain", help="describe one key: type, default, bounds, meaning")
    p.add_argument("path", metavar="PATH", help="e.g. training.demo.demo_every")
    p.add_argument("--model-type", "-t", help="only this model type")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("init", help="print (or write) a minimal valid starter config")
    p.add_argument("model_type", metavar="MODEL_TYPE")
    p.add_argument("--output", "-o", help="write to this file instead of stdout")
    p.add_argument("--force", action="store_true", help="overwrite an existing --output file")
    p.add_argument("--schema-ref", default=None,
                   help="value of the $schema key (default: the installed bundled schema)")
    p.set_defaults(func=cmd_init)

    for name, (text, module, adder, runner) in TRAINING_COMMANDS.items():
        p = sub.add_parser(name, help=text)
        p.set_defaults(func=_training_command(module, runner))
        if command not in (None, name):
            continue
        try:
            from importlib import import_module

            getattr(import_module(f".training.{module}", __package__), adder)(p)
        except ImportError:  # training package absent in a partial install
            pass
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs: its first word that is not an option (None: only options)."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(_command(argv)).parse_args(argv)
    try:
        return args.func(args, out or sys.stdout)
    except BrokenPipeError:
        return OK


if __name__ == "__main__":
    sys.exit(main())
