"""The network's modules import in one direction: task shims import services, never the
other way round, and no module of the app is part of an import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import network

APP = Path(network.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The network modules ``path`` imports, at module level or inside a function."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in found if m == "network" or m.startswith("network.")}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in APP.rglob("*.py") if "migrations" not in p.parts}
    return {name: _imports(path) & modules.keys() - {name} for name, path in modules.items()}


def test_services_never_import_the_task_shims():
    graph = _graph()
    offenders = {m for m, deps in graph.items() if m.startswith("network.services")
                 and "network.tasks" in deps}  # fmt: skip
    assert offenders == set()


def test_no_import_cycle_through_the_tasks():
    graph = _graph()
    seen, stack = set(), ["network.tasks"]
    while stack:
        for dep in graph.get(stack.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    assert "network.tasks" not in seen
