"""The house rules that a linter cannot see: no import circle anywhere, no module too long.

Every ``import`` statement counts, wherever it stands: at the top, inside a function, under
``if TYPE_CHECKING``. A circle through a lazy import is still a circle a reader has to untangle.
The rooms' one-way rules (``geodata`` <- ``layers`` <- ``portal``; inside ``portal``, routes ->
``web`` -> ``services`` -> ``store``) are enforced by ruff's banned-api tables in each room's
``ruff.toml``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geodata", "layers", "portal")
MAX_MODULE_LINES = 400


def module_name(path: Path, root: Path) -> str:
    """Return the dotted name of a module file below ``root``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Return every module of ``packages`` below ``root`` (migrations' scripts aside)."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "versions" in path.parts:  # Alembic revision scripts, loaded by path
                continue
            modules[module_name(path, root)] = path
    return modules


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """Return the modules an import statement names: ``from a.b import c`` names ``a.b.c``
    when that is a module, else ``a.b`` (``c`` is then a name inside it)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Return module -> the project modules it imports."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            named = _imported(node, name, is_package)
            if isinstance(node, ast.ImportFrom):
                *members, base = named
                found = [m for m in members if m in modules]
                named = found if len(found) == len(members) else [*found, base]
            edges.update(target for target in named if target in modules and target != name)
        graph[name] = edges
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one module (Tarjan), sorted.

    >>> import_circles({"a": {"b"}, "b": {"a"}, "c": {"a"}})
    [['a', 'b']]
    >>> import_circles({"a": {"b"}, "b": set()})
    []
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(circles)


def test_no_module_of_the_project_is_part_of_an_import_circle():
    circles = import_circles(import_graph(project_modules(ROOT, PACKAGES)))
    assert circles == [], "import circles: " + "; ".join(" <-> ".join(c) for c in circles)


def test_a_planted_circle_through_a_lazy_import_is_found(tmp_path):
    package = tmp_path / "pkg"
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "inner" / "__init__.py").write_text("")
    (package / "inner" / "a.py").write_text("from pkg.inner import b\n")
    (package / "inner" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import C\n"
    )
    (package / "inner" / "c.py").write_text("def f():\n    from pkg.inner.a import x\n")
    (package / "d.py").write_text("import pkg.inner.a\n")
    graph = import_graph(project_modules(tmp_path, ("pkg",)))
    assert graph["pkg.inner.a"] == {"pkg.inner.b"}
    assert graph["pkg.inner.b"] == {"pkg.inner.c"}
    assert import_circles(graph) == [["pkg.inner.a", "pkg.inner.b", "pkg.inner.c"]]


@pytest.mark.parametrize("package", PACKAGES + ("scripts",))
def test_no_module_outside_the_tests_is_over_400_lines(package):
    long = {
        str(path.relative_to(ROOT)): n
        for path in sorted((ROOT / package).rglob("*.py"))
        if "versions" not in path.parts
        and (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_script_of_the_browser_is_over_400_lines():
    long = {
        path.name: n
        for path in sorted((ROOT / "portal" / "static" / "js").glob("*.js"))
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
