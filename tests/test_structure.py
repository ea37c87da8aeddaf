"""The package's shape: no import circles, no module reaching into another's private names,
kinds that never import each other, and a torch-free validation path."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "runtime" / "sat_config"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, names) for every import statement in ``path``, relative ones resolved."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((target, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out.extend((a.name, []) for a in node.names)
    return out


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for target, names in _imports(path):
            # ``from pkg import sub`` depends on the submodule; ``from mod import name`` on mod
            submodules = {f"{target}.{n}" for n in names} & modules.keys()
            for candidate in submodules or {target}:
                if candidate in modules and candidate != module:
                    graph[module].add(candidate)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return cycles


def private_imports() -> list[str]:
    """``module -> other.module._name`` imports of a private name (or private module) that
    belongs to another module. A package's ``__init__`` may import its own private modules."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        me = _module_name(path)
        for target, names in _imports(path):
            if not target.startswith("sat_config"):
                continue
            parts = target.split(".")
            private_module = next((p for p in parts if p.startswith("_") and p != "__init__"), None)
            own = path.name == "__init__.py" and target.startswith(me + ".")
            if private_module and not own:
                found.append(f"{me} -> {target}")
            found += [f"{me} -> {target}.{n}" for n in names
                      if n.startswith("_") and not n.startswith("__")]
    return sorted(found)


def test_no_import_circles() -> None:
    assert import_cycles(_graph()) == []


def test_no_module_imports_another_modules_private_names() -> None:
    assert private_imports() == []


def test_kinds_never_import_each_other() -> None:
    kinds = PACKAGE / "kinds"
    for folder in (p for p in kinds.iterdir() if p.is_dir() and p.name != "__pycache__"):
        for path in folder.rglob("*.py"):
            for target, _ in _imports(path):
                if target.startswith("sat_config.kinds."):
                    assert target.split(".")[2] == folder.name, f"{path}: imports {target}"


def test_the_checks_of_every_kind_are_torch_free() -> None:
    """The validation path never imports torch: checks, schema tooling and parsing import
    nothing heavy at module level."""
    heavy = ("torch", "pytorch_lightning", "numpy", "auraloss", "transformers")
    light = [*PACKAGE.glob("kinds/*/checks.py"), *(PACKAGE / "checks").rglob("*.py"),
             *(PACKAGE / "schema").rglob("*.py"), *(PACKAGE / "parsing").rglob("*.py"),
             PACKAGE / "kinds" / "__init__.py", PACKAGE / "errors.py", PACKAGE / "api.py"]
    for path in light:
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) \
                    else [node.module or ""]
                assert not any(n.split(".")[0] in heavy for n in names), path


COLD_VALIDATE = """
import json, sys
from pathlib import Path
from sat_config import cli

def loaded(*names):
    return sorted(m for m in sys.modules if m.split(".")[0] in names or m in names)

for example in sorted(Path({examples!r}).glob("*.json")):
    assert cli.main(["validate", str(example)]) == 0, example
print("VALID", loaded("referencing", "attr", "attrs", "jsonschema", "sat_config.schema.navigate",
                      "sat_config.training.cli"))
bad = json.loads(Path({examples!r}, "lm.json").read_text())
bad["model"]["lm"]["config"]["embed_dimm"] = 3  # an unknown key: its hint reads the key index
bad["training"]["learning_rate"] = "fast"
Path({tmp!r}, "bad.json").write_text(json.dumps(bad))
assert cli.main(["validate", str(Path({tmp!r}, "bad.json"))]) == 1
print("INVALID", loaded("sat_config.schema.navigate"))
"""


def test_validating_walks_no_schema(tmp_path) -> None:
    """The defaults the checks read and the key index behind "belongs under" hints come from
    generated/facts: validating imports neither the $ref navigator nor, for a valid config,
    referencing and attrs (which cost a cold `sat-config validate` more than the rest of it);
    nor the training commands' modules."""
    import subprocess
    import sys

    examples = PACKAGE.parents[1] / "examples"
    out = subprocess.run([sys.executable, "-c", COLD_VALIDATE.format(examples=str(examples),
                                                                      tmp=str(tmp_path))],
                         capture_output=True, text=True, check=True).stdout
    assert "VALID []" in out, out
    assert "INVALID []" in out, out
    assert "embed_dimm" in out  # the invalid config was reported, with its unknown key
