"""No import cycle in ``bot/`` or ``renderers/``: ``pytest tests/architecture -k cycle`` checks it.

The imports are read from the source with ``ast``, every one of them: at module level, inside functions
(deferred imports), and under ``if TYPE_CHECKING:`` (included too: a cycle that only the type checker sees
is still two modules that each need the other). ``from a.b import c`` counts as an import of the module
``a.b.c`` when that is a module, else of ``a.b``. Importing ``a.b.c`` also runs the package ``a/__init__``,
but a package re-exporting its own submodules is not a cycle, so that implicit edge is not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "renderers")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every project module that ``name`` imports, wherever in the file the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from ..a import b
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    return {m for m in found if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
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

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_cycle_in_bot_or_renderers() -> None:
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles (each line: modules that import each other, deferred imports included):\n" + (
        "\n".join(" ↔ ".join(c) for c in cycles)
    )


def test_the_cycle_finder_sees_a_deferred_import(tmp_path: Path) -> None:
    """The checker itself: a cycle held by an import inside a function is found; a chain is not a cycle."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
    source = tmp_path / "m.py"
    source.write_text("import os\n\ndef f():\n    from bot.workflow import lifecycle\n    return lifecycle\n")
    assert imports_of("bot.x", source, {"bot.workflow", "bot.workflow.lifecycle"}) == {"bot.workflow.lifecycle"}


def test_the_cycle_finder_reads_the_project_as_it_is() -> None:
    """It really read the modules (a wrong root would find no modules and so no cycle)."""
    graph = import_graph()
    assert "bot.wiring" in graph and "renderers.render" in graph
    assert "bot.workflow.ports" in graph["bot.workflow.requests"]
