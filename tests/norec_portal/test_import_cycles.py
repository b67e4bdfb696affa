"""No import cycles between the project's modules (docs/architecture.md).

Every ``import`` statement counts, at module level or inside a function: a function-level
import hides a cycle from Python at start-up, not from the reader. Celery's autodiscovery
and tasks sent by name (``norec_portal.dispatch``) are not imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("norec_portal", "partnerships", "trainings", "network")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            # ``from package import module`` imports the module; any other name comes
            # from the package itself.
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                for alias in node.names
            ]
        else:
            continue
        found.update(target for target in targets if target in modules and target != name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_between_project_modules():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_sees_function_level_and_relative_imports(tmp_path):
    graph = {"a.service": {"a.tasks"}, "a.tasks": {"a.service"}, "a.views": {"a.service"}}
    assert cycles(graph) == [["a.service", "a.tasks"]]
    modules = project_modules()
    # tasks imports the outbox relatively; the outbox asks for delivery by name only.
    graph = import_graph()
    assert "norec_portal.outbox" in graph["norec_portal.tasks"]
    assert "norec_portal.tasks" not in graph["norec_portal.outbox"]
    source = tmp_path / "service.py"
    source.write_text("def later():\n    from .tasks import deliver\n")
    assert imported_modules("norec_portal.outbox", source, modules) == {"norec_portal.tasks"}


def test_apps_import_only_the_apps_beneath_them():
    """``norec_portal ← partnerships ← trainings ← network``: an app reaches the later ones
    only through the hooks they fill in (registries, signals), never by importing them."""
    layer = {package: index for index, package in enumerate(PACKAGES)}
    graph = import_graph()
    upward = sorted(
        f"{source} imports {target}"
        for source, targets in graph.items()
        for target in targets
        if layer[target.split(".")[0]] > layer[source.split(".")[0]] and "migrations" not in source
    )
    assert not upward, upward
