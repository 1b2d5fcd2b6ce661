"""Layered left-to-right layout of a computation graph (no drawing here).

Sugiyama-style, as slides need it: inputs in the first column, the output in
the last; each node in the column after its latest operand (longest-path
layering); an edge that skips columns is routed through "dummy" waypoints, one
per skipped column, that take a slot like a node, so it never runs through a
node; the order within each column comes from barycenter sweeps that reduce
crossings. Everything is deterministic for the same graph.

Examples
--------
>>> from symgrad import parse, build_graph
>>> layout = layered_layout(build_graph(parse("sigmoid(w1*x1 + w2*x2 + b)")))
>>> layout.layer["w1"], layout.layer["u3"], layout.layer["f"]
(0, 2, 3)
>>> layout.positions["f"][0] > layout.positions["u3"][0]
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from .graph import order

__all__ = ["Layout", "layered_layout", "layout_size", "node_layers"]

Edge = tuple[str, str, int]


@dataclass
class Layout:
    """Where each node goes.

    Attributes
    ----------
    layer : dict
        Column of each node (0 = inputs).
    columns : list of list
        Per column, its nodes and waypoints from top to bottom; a waypoint is
        ``("~", source, target, key, column)``.
    positions : dict
        ``(x, y)`` of every node and waypoint; columns are 1 apart, slots 1 apart.
    routes : dict
        For each edge ``(source, target, key)``, the waypoints it passes.
    """

    layer: dict = field(default_factory=dict)
    columns: list = field(default_factory=list)
    positions: dict = field(default_factory=dict)
    routes: dict = field(default_factory=dict)

    @property
    def width(self) -> int:
        return len(self.columns)

    @property
    def height(self) -> int:
        return max((len(c) for c in self.columns), default=0)


def node_layers(graph: nx.MultiDiGraph) -> dict[str, int]:
    """Longest-path layering: each node one column after its latest operand (inputs in column 0).

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> node_layers(build_graph(parse("sin(x*y)")))
    {'x': 0, 'y': 0, 'u1': 1, 'f': 2}
    """
    return {node: depth for depth, generation in enumerate(nx.topological_generations(graph))
            for node in generation}


def layout_size(graph: nx.MultiDiGraph, direct: frozenset = frozenset()) -> tuple[int, int]:
    """``(width, height)`` that :func:`layered_layout` would give, in linear time, without ordering.

    The height counts the waypoints of long edges, which take slots like nodes
    (except the edges in `direct`, as in :func:`layered_layout`).

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> graph = build_graph(parse("sigmoid(w1*x1 + w2*x2 + b)"))
    >>> layout_size(graph) == (layered_layout(graph).width, layered_layout(graph).height)
    True
    """
    layer = node_layers(graph)
    width = max(layer.values()) + 1
    slots = [0] * (width + 1)
    for name in graph:
        slots[layer[name]] += 1
    passing = [0] * (width + 1)  # difference array: an edge takes one slot in each column it skips
    for source, target, key in graph.edges(keys=True):
        if layer[target] - layer[source] > 1 and (source, target, key) not in direct:
            passing[layer[source] + 1] += 1
            passing[layer[target]] -= 1
    height, running = 0, 0
    for column in range(width):
        running += passing[column]
        height = max(height, slots[column] + running)
    return width, height


def layered_layout(graph: nx.MultiDiGraph, sweeps: int = 8, node_order: list | None = None,
                   direct: frozenset = frozenset()) -> Layout:
    """Compute a :class:`Layout` of `graph`, left to right.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        From :func:`symgrad.build_graph`, or any DAG with `node_order`
        (a figure's collapsed view, :mod:`symgrad.collapse`).
    sweeps : int
        Barycenter passes (each one down and up) to reduce crossings.
    node_order : list, optional
        The nodes in the order they start in their columns; default: the
        order they are computed in (:func:`symgrad.graph.order`).
    direct : set of (source, target, key)
        Edges drawn straight, under the nodes, without waypoints (they take
        no slots): a figure's faded edges to and from groups of nodes.
    """
    layer = node_layers(graph)
    width = max(layer.values()) + 1
    columns: list[list] = [[] for _ in range(width)]
    for node in (order(graph) if node_order is None else node_order):
        columns[layer[node]].append(node)
    routes: dict[Edge, list] = {}
    neighbours_left: dict = {}
    neighbours_right: dict = {}

    def link(a, b):
        neighbours_right.setdefault(a, []).append(b)
        neighbours_left.setdefault(b, []).append(a)

    for source, target, key in sorted(graph.edges(keys=True), key=lambda e: (layer[e[1]], e)):
        if (source, target, key) in direct:
            routes[(source, target, key)] = []
            continue
        previous, waypoints = source, []
        for column in range(layer[source] + 1, layer[target]):
            dummy = ("~", source, target, key, column)
            columns[column].append(dummy)
            waypoints.append(dummy)
            link(previous, dummy)
            previous = dummy
        link(previous, target)
        routes[(source, target, key)] = waypoints
    _order_columns(columns, neighbours_left, neighbours_right, sweeps)
    positions = {}
    height = max(len(c) for c in columns)
    for x, column in enumerate(columns):
        offset = (height - len(column)) / 2
        for slot, item in enumerate(column):
            positions[item] = (float(x), float(offset + slot))
    return Layout(layer, columns, positions, routes)


def _order_columns(columns, left, right, sweeps: int) -> None:
    """Barycenter heuristic: sort each column by the mean slot of its neighbours."""

    def slots(column):
        return {item: i for i, item in enumerate(column)}

    best = [list(c) for c in columns]
    best_crossings = _crossings(columns, right)
    for _ in range(sweeps):
        for i in range(1, len(columns)):
            _sort_by_barycenter(columns[i], left, slots(columns[i - 1]))
        for i in range(len(columns) - 2, -1, -1):
            _sort_by_barycenter(columns[i], right, slots(columns[i + 1]))
        crossings = _crossings(columns, right)
        if crossings < best_crossings:
            best, best_crossings = [list(c) for c in columns], crossings
    columns[:] = best


def _sort_by_barycenter(column: list, neighbours: dict, slot: dict) -> None:
    current = {item: i for i, item in enumerate(column)}

    def barycenter(item):
        linked = [slot[n] for n in neighbours.get(item, ()) if n in slot]
        return (sum(linked) / len(linked) if linked else current[item], current[item])

    column.sort(key=barycenter)


def _crossings(columns: list, right: dict) -> int:
    """Count crossings between adjacent columns (pairs of edges that swap order)."""
    total = 0
    for left_column, right_column in zip(columns, columns[1:]):
        slot = {item: i for i, item in enumerate(right_column)}
        edges = [(i, slot[n]) for i, item in enumerate(left_column)
                 for n in right.get(item, ()) if n in slot]
        edges.sort()
        targets = [t for _, t in edges]
        total += _inversions(targets)
    return total


def _inversions(values: list[int]) -> int:
    """Number of pairs out of order (merge sort, O(n log n))."""
    return _sort_and_count(values)[1]


def _sort_and_count(values: list[int]) -> tuple[list[int], int]:
    if len(values) < 2:
        return list(values), 0
    middle = len(values) // 2
    left, left_count = _sort_and_count(values[:middle])
    right, right_count = _sort_and_count(values[middle:])
    merged, count, i, j = [], left_count + right_count, 0, 0
    while i < len(left) and j < len(right):
        if right[j] < left[i]:
            merged.append(right[j])
            count += len(left) - i  # right[j] precedes every remaining left value
            j += 1
        else:
            merged.append(left[i])
            i += 1
    merged += left[i:] + right[j:]
    return merged, count
