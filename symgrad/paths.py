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

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import networkx as nx

from .errors import VariableError
from .i18n import gettext as _
from .graph import order, output_node

__all__ = ["count_paths", "path_totals", "PathTotals", "iter_paths", "nodes_on_paths"]

Edge = tuple[str, str, int]


def _check_nodes(graph: nx.MultiDiGraph, *nodes: str) -> None:
    for node in nodes:
        if node not in graph:
            raise VariableError(_("{node} is not a node of the graph").format(node=repr(node)))


def nodes_on_paths(graph: nx.MultiDiGraph, variable: str, output: str | None = None) -> set[str]:
    """Nodes that lie on at least one path between `output` and `variable`.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> g = build_graph(parse("x*sin(x) + y"))
    >>> sorted(nodes_on_paths(g, "x"))
    ['f', 'u1', 'u2', 'x']
    """
    output = output_node(graph) if output is None else output
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
    return path_totals(graph, variable, output=output).count


@dataclass(frozen=True)
class PathTotals:
    """Sums over every path from the output back to a variable, computed without listing them.

    Attributes
    ----------
    count : int
        The number of paths.
    edges : int
        Their lengths added up (a path of k edges counts k).
    weight : int
        The weights of their edges added up (an edge on m paths counts m times).
    """

    count: int
    edges: int
    weight: int


def path_totals(graph: nx.MultiDiGraph, variable: str, weight: Callable[[Edge], int] | None = None,
                output: str | None = None) -> PathTotals:
    """Count the paths from `output` back to `variable`, their edges and their edge weights.

    Dynamic programming over a topological order: each node learns how many
    paths reach it from `variable`, and their total length and weight, from
    its operands. Linear in the size of the graph however many paths there are.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
    variable : str
    weight : callable, optional
        ``weight((source, target, key))`` -> int; default 0 for every edge.
    output : str, optional
        The node to start from; default the graph's output.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> path_totals(build_graph(parse("x*sin(x)")), "x", weight=lambda edge: 1)
    PathTotals(count=2, edges=3, weight=3)
    """
    output = output_node(graph) if output is None else output
    relevant = nodes_on_paths(graph, variable, output)
    if not relevant:
        return PathTotals(0, 0, 0)
    count = {variable: 1}  # paths from the variable up to a node
    length = {variable: 0}  # summed over those paths: number of edges
    total = {variable: 0}  # summed over those paths: weights of the edges
    for node in (n for n in order(graph) if n in relevant):  # a topological order of `relevant`
        if node == variable:
            continue
        incoming = [(s, k) for s, _, k in graph.in_edges(node, keys=True) if s in relevant]
        count[node] = sum(count[s] for s, _ in incoming)
        length[node] = sum(length[s] + count[s] for s, _ in incoming)
        if weight is not None:
            total[node] = sum(total[s] + weight((s, node, k)) * count[s] for s, k in incoming)
    return PathTotals(count[output], length[output], total[output] if weight is not None else 0)


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
    output = output_node(graph) if output is None else output
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
