"""The import graph of `billintake`: no circles, and a domain that imports only itself.

Every import counts, a function's own included, so an import moved into a function to dodge
a circle is still seen. `from package import name` depends on the module `package.name` where
there is one, else on the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "billintake"


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its `__init__`)."""
    found: dict[str, Path] = {}
    for path in (SRC / PACKAGE).rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement names (a relative one made absolute)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = module.split(".")[: len(module.split(".")) - node.level + int(is_package)]
        base = ".".join([*anchor, *([node.module] if node.module else [])])
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def import_graph() -> dict[str, set[str]]:
    """Module → the modules of the package it imports."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = _imported(node, name, is_package)
            if isinstance(node, ast.ImportFrom):  # the submodule where the name is one
                base = targets.pop()
                targets = [t if t in modules else base for t in targets]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    deps.add(target)
        graph[name] = deps
    return graph


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
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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


def test_the_package_has_no_import_circle() -> None:
    assert cycles(import_graph()) == []


def test_the_domain_imports_nothing_outside_itself() -> None:
    outside = {module: sorted(d for d in deps if not d.startswith(f"{PACKAGE}.domain"))
               for module, deps in import_graph().items()
               if module.startswith(f"{PACKAGE}.domain")}
    assert {module: deps for module, deps in outside.items() if deps} == {}


def test_the_graph_sees_relative_and_function_level_imports() -> None:
    graph = import_graph()
    assert "billintake.extraction.nlp" in graph["billintake.extraction.model"]  # `from .nlp`
    assert "billintake.reading.reader" in graph["billintake.extraction.extractor"]  # in a function
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_dependencies_point_inward() -> None:
    """Entry points call services; services and adapters never import an entry point, and
    the adapters never call a use case. (The queue runs jobs: its workers are where a job
    enters, so it calls `run_job` like an entry point does.)"""
    graph = import_graph()
    upward = {module: sorted(d for d in deps if d.startswith(f"{PACKAGE}.entrypoints"))
              for module, deps in graph.items()
              if not module.startswith(f"{PACKAGE}.entrypoints")}
    assert {module: deps for module, deps in upward.items() if deps} == {}
    adapters = ("reading", "extraction", "matching", "accounting", "storage", "mail")
    into_services = {module: sorted(d for d in deps if d.startswith(f"{PACKAGE}.services"))
                     for module, deps in graph.items()
                     if module.split(".")[1:2] and module.split(".")[1] in adapters}
    assert {module: deps for module, deps in into_services.items() if deps} == {}
