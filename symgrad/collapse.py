"""The part of a large graph that a figure draws: the paths, the rest in groups.

A slide can label a few dozen nodes. When a graph has more, a figure draws
the nodes that matter -- those on the highlighted chain-rule paths, the
variable and the output -- each with its name, and collapses everything else
into group nodes: the other inputs into one ("42 inputs"), the other
constants into one, and the other operations into one group per stretch
between the columns of the kept nodes ("15 operations"). An edge between
two groups, or between a group and a kept node, stands for all the edges it
replaces. Every edge of the drawn graph still runs left to right, so the
result is laid out like any graph (:func:`symgrad.layout.layered_layout`).

No drawing here; :mod:`symgrad.plot` draws a :class:`GraphView`.

Examples
--------
>>> from symgrad import parse, build_graph
>>> graph = build_graph(parse("x*sin(x) + y1*y2*y3 + y4/y5"))
>>> view = collapsed_view(graph, {"x", "u1", "u2", "f"})
>>> [(g.kind, len(g.members)) for g in view.groups.values()]
[('inputs', 5), ('operations', 2)]
>>> view.is_group(view.order[0]), view.order[-1]
(True, 'f')
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from .graph import node, order, output_node
from .layout import node_layers

__all__ = ["Group", "GraphView", "full_view", "collapsed_view", "GROUP_KINDS"]

#: Kinds of group, in the order they are drawn in their column.
GROUP_KINDS = ("inputs", "constants", "operations")
#: Group ids start with this character, which no node name contains.
_GROUP_MARK = "\u22ef"


@dataclass(frozen=True)
class Group:
    """Nodes drawn as one: their kind (``inputs``, ``constants``, ``operations``) and ids."""

    kind: str
    members: tuple[str, ...]


@dataclass
class GraphView:
    """What a figure draws of `graph`.

    Attributes
    ----------
    graph : networkx.MultiDiGraph
        The whole computation graph.
    dag : networkx.MultiDiGraph
        The drawn nodes (kept nodes and groups) and edges: a kept node's edge
        is the graph's own ``(source, target, key)``; an edge to or from a
        group has key 0 and stands for the edges it replaces.
    order : list of str
        The drawn nodes in computation order (a group where its first member is).
    groups : dict
        Group id -> :class:`Group`.
    """

    graph: nx.MultiDiGraph
    dag: nx.MultiDiGraph
    order: list
    groups: dict = field(default_factory=dict)

    @property
    def collapsed(self) -> bool:
        """Whether some nodes are drawn as groups."""
        return bool(self.groups)

    def is_group(self, item) -> bool:
        return item in self.groups

    def real_edges(self) -> list[tuple[str, str, int]]:
        """The drawn edges that are edges of the graph (between two kept nodes)."""
        return [e for e in self.dag.edges(keys=True) if e[0] not in self.groups and e[1] not in self.groups]

    def hidden_count(self) -> int:
        """How many nodes of the graph are inside groups."""
        return sum(len(g.members) for g in self.groups.values())


def full_view(graph: nx.MultiDiGraph) -> GraphView:
    """Every node drawn as itself."""
    return GraphView(graph, graph, list(order(graph)))


def collapsed_view(graph: nx.MultiDiGraph, keep: Iterable[str]) -> GraphView:
    """Draw the nodes in `keep` (and the output) as themselves, the others in groups.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        From :func:`symgrad.build_graph`.
    keep : iterable of str
        The nodes that matter (on the highlighted paths).

    Returns
    -------
    GraphView
        A group of a single node is drawn as that node (after a few rounds,
        in which keeping one node can split a group, a rare one may remain).
    """
    kept = set(keep) | {output_node(graph)}
    layers = node_layers(graph)
    for _attempt in range(4):  # a node kept splits a stretch of columns, which may leave another one alone
        group_of, groups = _groups(graph, kept, layers)
        alone = {g.members[0] for g in groups.values() if len(g.members) == 1}
        if not alone:
            break
        kept |= alone
    else:
        group_of, groups = _groups(graph, kept, layers)
    dag = nx.MultiDiGraph()
    drawn = _drawn_order(graph, kept, group_of, groups)
    dag.add_nodes_from(drawn)
    for source, target, key in graph.edges(keys=True):
        head, tail = group_of.get(source, source), group_of.get(target, target)
        if head == tail:
            continue  # inside one group
        if head in groups or tail in groups:
            if not dag.has_edge(head, tail, 0):
                dag.add_edge(head, tail, key=0)
        else:
            dag.add_edge(source, target, key=key)
    return GraphView(graph, dag, drawn, groups)


def _groups(graph, kept: set, layers: dict) -> tuple[dict, dict]:
    """Which group each node outside `kept` joins, and the groups."""
    kept_layers = sorted({layers[n] for n in kept})
    group_of: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for name in order(graph):
        if name in kept:
            continue
        kind = node(graph, name).kind
        if kind == "operation":
            # one group per stretch of columns between two columns of kept nodes
            band = bisect_left(kept_layers, layers[name])
            group = f"{_GROUP_MARK}operations{band}"
        else:
            group = f"{_GROUP_MARK}{kind}s"
        group_of[name] = group
        members.setdefault(group, []).append(name)
    groups = {g: Group(g[1:].rstrip("0123456789"), tuple(m)) for g, m in members.items()}
    return group_of, groups


def _drawn_order(graph, kept: set, group_of: dict, groups: dict) -> list:
    """Kept nodes in computation order, each group where its first member was (leaf groups first)."""
    leaves = [g for kind in ("inputs", "constants") for g in groups if groups[g].kind == kind]
    drawn, seen = list(leaves), set(leaves)
    for name in order(graph):
        item = name if name in kept else group_of[name]
        if item not in seen:
            seen.add(item)
            drawn.append(item)
    return drawn
