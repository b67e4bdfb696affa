"""The shape of the trainings app: no module imports the task shims (they import the
services, never the reverse), no module imports another's private names, and no module
grows past ~500 lines without saying why in its docstring."""

from __future__ import annotations

import ast
from pathlib import Path

import trainings

ROOT = Path(trainings.__file__).parent
MODULES = sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import in ``path``, relative imports made absolute."""
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names = [alias.name for alias in node.names]
            found.append((module, names))
            found += [(f"{module}.{name}", []) for name in names]
    return found


def test_no_module_imports_the_task_shims():
    importers = [
        str(path.relative_to(ROOT.parent))
        for path in MODULES
        if path.name != "tasks.py" and any(m == "trainings.tasks" for m, _n in imports(path))
    ]
    assert importers == []


def test_no_module_imports_another_modules_private_names():
    private = [
        (str(path.relative_to(ROOT.parent)), module, name)
        for path in MODULES
        for module, names in imports(path)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert private == []


def test_long_modules_say_why_they_stay_whole():
    long = [
        str(path.relative_to(ROOT.parent))
        for path in MODULES
        if len(path.read_text().splitlines()) > 500
        and "stays whole" not in (ast.get_docstring(ast.parse(path.read_text())) or "")
    ]
    assert long == []
