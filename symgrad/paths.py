"""Chain-rule paths: from the output back to a variable, counted and listed.

A path is a sequence of edges ``(source, target, key)`` of the computation
graph, listed from the output back to the variable (the direction of the
backward pass). Parallel edges are distinct paths.

The count is exact and never enumerates: dynamic programming over a
topological order, so ``3**1000`` paths are counted in linear time. The
listing is a lazy generator in a deterministic order (operand positions, from
the output backwards), iterative with an explicit stack.
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from .errors import VariableError

__all__ = ["count_paths", "iter_paths", "nodes_on_paths"]

Edge = tuple[str, str, int]


def _check_nodes(graph: nx.MultiDiGraph, *nodes: str) -> None:
    for node in nodes:
        if node not in graph:
            raise VariableError(f"{node!r} is not a node of the graph")


def nodes_on_paths(graph: nx.MultiDiGraph, variable: str, output: str | None = None) -> set[str]:
    """Nodes that lie on at least one path between `output` and `variable`.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> g = build_graph(parse("x*sin(x) + y"))
    >>> sorted(nodes_on_paths(g, "x"))
    ['f', 'u1', 'u2', 'x']
    """
    output = graph.graph["output"] if output is None else output
    _check_nodes(graph, variable, output)
    reachable_from_variable = nx.descendants(graph, variable) | {variable}
    if output not in reachable_from_variable:
        return set()
    return reachable_from_variable & (nx.ancestors(graph, output) | {output})


def count_paths(graph: nx.MultiDiGraph, variable: str, output: str | None = None) -> int:
    """Count the paths from `output` back to `variable`, exactly, without listing them.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A computation graph from :func:`symgrad.build_graph`.
    variable : str
        The node to differentiate with respect to.
    output : str, optional
        The node to start from; default the graph's output.

    Returns
    -------
    int
        An arbitrary-size integer; 0 if `variable` does not influence `output`.

    Raises
    ------
    VariableError
        If a node is not in the graph.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> count_paths(build_graph(parse("x*x*x + sin(x)")), "x")
    4
    """
    output = graph.graph["output"] if output is None else output
    relevant = nodes_on_paths(graph, variable, output)
    if not relevant:
        return 0
    paths_from_variable: dict[str, int] = {variable: 1}
    for node in nx.topological_sort(graph.subgraph(relevant)):
        if node == variable:
            continue
        paths_from_variable[node] = sum(
            paths_from_variable[source]
            for source, _ in graph.in_edges(node)
            if source in relevant
        )
    return paths_from_variable[output]


def iter_paths(graph: nx.MultiDiGraph, variable: str, output: str | None = None) -> Iterator[tuple[Edge, ...]]:
    """Lazily list the paths from `output` back to `variable`.

    Each path is a tuple of edges ``(source, target, key)``, the first edge
    entering the output, the last one leaving `variable`. The order is
    deterministic: at each node, operands are tried by position.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> for path in iter_paths(build_graph(parse("x*sin(x)")), "x"):
    ...     print(path)
    (('x', 'f', 0),)
    (('u1', 'f', 1), ('x', 'u1', 0))
    """
    output = graph.graph["output"] if output is None else output
    relevant = nodes_on_paths(graph, variable, output)
    if not relevant:
        return
    if variable == output:
        yield ()
        return

    def incoming(node: str) -> list[Edge]:
        edges = [(s, t, k) for s, t, k in graph.in_edges(node, keys=True) if s in relevant]
        return sorted(edges, key=lambda edge: edge[2])

    path: list[Edge] = []
    stack: list[Iterator[Edge]] = [iter(incoming(output))]
    while stack:
        edge = next(stack[-1], None)
        if edge is None:
            stack.pop()
            if path:
                path.pop()
            continue
        path.append(edge)
        if edge[0] == variable:
            yield tuple(path)
            path.pop()
        else:
            stack.append(iter(incoming(edge[0])))
