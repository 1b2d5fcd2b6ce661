"""The package's modules import in one direction, and drawing stays out of the core.

The import graph is read from the source (``ast``), not by importing, so a cycle
that a lazy import inside a function would hide at load time is found too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import symgrad

PACKAGE = Path(symgrad.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(module: str) -> bool:
    return (PACKAGE.parent / module.replace(".", "/") / "__init__.py").exists()


def _resolve(module: str, level: int, target: str | None) -> str:
    """The absolute name of ``from <level dots><target> import ...`` written in `module`."""
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - level + 1]
    return ".".join(base + ([target] if target else []))


def _imports(path: Path, *, lazy: bool) -> set[str]:
    """symgrad modules that `path` imports (with `lazy`, also inside functions)."""
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    statements = ast.walk(tree) if lazy else tree.body
    found = set()
    for statement in statements:
        if isinstance(statement, ast.Import):
            found |= {alias.name for alias in statement.names}
        elif isinstance(statement, ast.ImportFrom):
            source = _resolve(module, statement.level, statement.module) if statement.level else statement.module
            submodules = {f"{source}.{alias.name}" for alias in statement.names}
            found |= {name for name in submodules if name in MODULES} or {source}
    return {name for name in found if name in MODULES and name != module}


MODULES = {_module_name(path) for path in PACKAGE.rglob("*.py")}


def _import_graph(*, lazy: bool) -> nx.DiGraph:
    graph = nx.DiGraph()
    for path in PACKAGE.rglob("*.py"):
        module = _module_name(path)
        graph.add_node(module)
        for imported in _imports(path, lazy=lazy):
            # Importing a submodule imports its parent packages first; that is not a dependency back.
            if not module.startswith(imported + "."):
                graph.add_edge(module, imported)
    return graph


def test_the_import_graph_is_read():
    graph = _import_graph(lazy=True)
    assert graph.has_edge("symgrad.nn.cli", "symgrad.nn.report")  # a lazy import, inside a function
    assert graph.has_edge("symgrad.nn.figure", "symgrad.plot")
    assert graph.has_edge("symgrad.chain", "symgrad.graph")
    assert not graph.has_edge("symgrad.graph", "symgrad.chain")


#: Imports inside a function that close a cycle, each on purpose (none of them runs at load time).
LAZY_BACK_EDGES = {
    # A SymgradError translates its message when printed; i18n raises OptionError for a bad language.
    ("symgrad.errors", "symgrad.i18n"),
}


def _cycles(graph: nx.DiGraph) -> list[list[str]]:
    return list(nx.simple_cycles(graph))


def _message(cycles: list[list[str]]) -> str:
    return "import cycles: " + "; ".join(" -> ".join(c + c[:1]) for c in cycles[:5])


def test_no_import_cycle_at_load_time():
    cycles = _cycles(_import_graph(lazy=False))
    assert cycles == [], _message(cycles)


def test_no_import_cycle_but_the_listed_lazy_ones():
    graph = _import_graph(lazy=True)
    assert LAZY_BACK_EDGES <= set(graph.edges)  # a fixed one is taken off the list
    assert not LAZY_BACK_EDGES & set(_import_graph(lazy=False).edges)
    graph.remove_edges_from(LAZY_BACK_EDGES)
    cycles = _cycles(graph)
    assert cycles == [], _message(cycles)


def test_network_report_needs_no_matplotlib():
    code = ("import sys, symgrad.nn.cli, symgrad.nn.report; "
            "from symgrad import nn; from symgrad.nn.report import network_blocks; "
            "network_blocks(nn.mlp([2, 2, 1])); print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr
