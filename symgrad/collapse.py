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

A path can be too long to label even alone (``sin(sin(...sin(x)))``, 70
deep). Then each long *run* of the paths -- consecutive operations, each with
one path edge in and one out -- keeps two nodes at each end and draws the
nodes between as one group, named by its ends ("u₃ … u₆₈"), through which
the path is drawn; the operations off the paths in the same columns join it.

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

A chain of 30 operations, its middle drawn as one run:

>>> chain = build_graph(parse("sin(" * 30 + "x" + ")" * 30))
>>> path = [(s, t, k) for s, t, k in chain.edges(keys=True)]
>>> view = collapsed_view(chain, {n for e in path for n in e[:2]}, paths=[path], longest_run=6)
>>> run = view.groups[view.group_of["u15"]]
>>> run.kind, run.ends, len(run.members), view.order
('run', ('u3', 'u27'), 25, ['x', 'u1', 'u2', '⋯run1', 'u28', 'u29', 'f'])
>>> view.drawn_edges(path)[1:4]
[('u1', 'u2', 0), ('u2', '⋯run1', 0), ('⋯run1', 'u28', 0)]
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from .graph import node, order, output_node
from .layout import node_layers

__all__ = ["Group", "GraphView", "full_view", "collapsed_view", "GROUP_KINDS", "RUN_ENDS"]

#: Kinds of group, in the order they are drawn in their column; a "run" is a stretch of a path.
GROUP_KINDS = ("inputs", "constants", "operations", "run")
#: Nodes drawn by name at each end of a run collapsed into a group (its pattern shows).
RUN_ENDS = 2
#: Group ids start with this character, which no node name contains.
_GROUP_MARK = "\u22ef"


@dataclass(frozen=True)
class Group:
    """Nodes drawn as one: their kind (one of :data:`GROUP_KINDS`) and ids (in computation order)."""

    kind: str
    members: tuple[str, ...]
    #: A run's first and last node on the path (other kinds: empty).
    ends: tuple[str, ...] = ()


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
    group_of : dict
        Node of the graph -> the id of the group it is drawn in (nodes drawn as
        themselves are absent).
    """

    graph: nx.MultiDiGraph
    dag: nx.MultiDiGraph
    order: list
    groups: dict = field(default_factory=dict)
    group_of: dict = field(default_factory=dict)

    @property
    def collapsed(self) -> bool:
        """Whether some nodes are drawn as groups."""
        return bool(self.groups)

    def is_group(self, item) -> bool:
        return item in self.groups

    def real_edges(self) -> list[tuple[str, str, int]]:
        """The drawn edges that are edges of the graph (between two kept nodes)."""
        return [e for e in self.dag.edges(keys=True) if e[0] not in self.groups and e[1] not in self.groups]

    def runs(self) -> list[str]:
        """The ids of the groups that are runs of a path."""
        return [g for g, group in self.groups.items() if group.kind == "run"]

    def hidden_count(self) -> int:
        """How many nodes of the graph are inside groups."""
        return sum(len(g.members) for g in self.groups.values())

    def drawn_edges(self, edges: Iterable[tuple[str, str, int]]) -> list[tuple[str, str, int]] | None:
        """The drawn edges along which a path of the graph's `edges` is drawn; None if it is not drawn.

        An edge inside a run is not drawn (the run stands for it); an edge to
        or from a run is drawn as the run's edge. A path through any other
        group is not drawn: its nodes would have no names.
        """
        drawn: list[tuple[str, str, int]] = []
        for source, target, key in edges:
            head, tail = self.group_of.get(source, source), self.group_of.get(target, target)
            if any(end in self.groups and self.groups[end].kind != "run" for end in (head, tail)):
                return None
            if head == tail:
                continue
            edge = (head, tail, key if (head, tail) == (source, target) else 0)
            if not self.dag.has_edge(*edge):
                return None
            if edge not in drawn:
                drawn.append(edge)
        return drawn


def full_view(graph: nx.MultiDiGraph) -> GraphView:
    """Every node drawn as itself."""
    return GraphView(graph, graph, list(order(graph)))


def collapsed_view(graph: nx.MultiDiGraph, keep: Iterable[str], *, paths: Iterable = (),
                   longest_run: int | None = None, pinned: Iterable[str] = ()) -> GraphView:
    """Draw the nodes in `keep` (and the output) as themselves, the others in groups.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        From :func:`symgrad.build_graph`.
    keep : iterable of str
        The nodes that matter (on the highlighted paths).
    paths : iterable of sequences of edges, optional
        The paths drawn, each a sequence of ``(source, target, key)``; only
        with `longest_run`.
    longest_run : int, optional
        Along `paths`, a run of more than this many operations (each with one
        path edge in and one out, not in `pinned`) keeps :data:`RUN_ENDS`
        nodes at each end and draws the others as one group of kind ``"run"``.
    pinned : iterable of str
        Nodes never put in a run (the variable, the nodes a legend cites).

    Returns
    -------
    GraphView
        A group of a single node is drawn as that node (after a few rounds,
        in which keeping one node can split a group, a rare one may remain).
        If collapsing runs would make an edge run right to left, no run is
        collapsed.
    """
    kept = set(keep) | {output_node(graph)}
    layers = node_layers(graph)
    runs = [] if longest_run is None else _long_runs(graph, kept, list(paths), longest_run, set(pinned), layers)
    view = _grouped_view(graph, kept, layers, runs)
    if runs and not nx.is_directed_acyclic_graph(view.dag):
        view = _grouped_view(graph, kept, layers, [])
    return view


def _grouped_view(graph, kept: set, layers: dict, runs: list) -> GraphView:
    """The view with each of `runs` (from :func:`_long_runs`) as one group and the rest off `kept` grouped."""
    in_run = {name: index for index, (members, _ends) in enumerate(runs) for name in members}
    kept = kept - set(in_run)
    for _attempt in range(4):  # a node kept splits a stretch of columns, which may leave another one alone
        group_of, groups = _groups(graph, kept, layers, runs, in_run)
        alone = {g.members[0] for g in groups.values() if len(g.members) == 1 and g.kind != "run"}
        if not alone:
            break
        kept |= alone
    else:
        group_of, groups = _groups(graph, kept, layers, runs, in_run)
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
    return GraphView(graph, dag, drawn, groups, group_of)


def _long_runs(graph, kept: set, paths: list, longest: int, pinned: set, layers: dict) -> list[tuple]:
    """Each run of `paths` longer than `longest`: ``(members, (first, last))`` of the group drawn for it.

    A run keeps :data:`RUN_ENDS` nodes at each end outside the group, so that
    the path enters the group from named nodes and leaves it to named ones; `first` and
    `last` are the group's own ends on the path. The operations off the
    paths in the columns between the two named nodes join the group. A run
    whose columns overlap those of a longer one is left alone.
    """
    along = nx.MultiDiGraph()
    along.add_edges_from({edge for path in paths for edge in path})
    output = output_node(graph)

    def plain(name) -> bool:
        return (name not in pinned and name != output and node(graph, name).kind == "operation"
                and along.in_degree(name) == 1 and along.out_degree(name) == 1)

    chains, seen = [], set()
    for name in nx.topological_sort(along):
        if name in seen or not plain(name) or any(plain(p) for p in along.predecessors(name)):
            continue
        chain = [name]
        while plain(after := next(iter(along.successors(chain[-1])))):
            chain.append(after)
        seen.update(chain)
        if len(chain) > max(longest, 2 * RUN_ENDS + 1):
            chains.append(chain)
    runs, taken = [], []
    for chain in sorted(chains, key=len, reverse=True):
        inner = chain[RUN_ENDS:-RUN_ENDS]
        low, high = layers[chain[RUN_ENDS - 1]] + 1, layers[chain[-RUN_ENDS]] - 1  # between its named neighbours
        if any(low <= b and a <= high for a, b in taken):
            continue
        taken.append((low, high))
        others = [n for n in order(graph) if n not in kept and low <= layers[n] <= high
                  and node(graph, n).kind == "operation"]
        runs.append((inner + others, (inner[0], inner[-1])))
    return sorted(runs, key=lambda run: layers[run[1][0]])


def _groups(graph, kept: set, layers: dict, runs: list = (), in_run: dict | None = None) -> tuple[dict, dict]:
    """Which group each node outside `kept` joins, and the groups (a run is one group)."""
    kept_layers = sorted({layers[n] for n in kept})
    group_of: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    in_run = in_run or {}
    for name in order(graph):
        if name in kept:
            continue
        kind = node(graph, name).kind
        if name in in_run:
            group = f"{_GROUP_MARK}run{in_run[name] + 1}"
        elif kind == "operation":
            # one group per stretch of columns between two columns of kept nodes
            band = bisect_left(kept_layers, layers[name])
            group = f"{_GROUP_MARK}operations{band}"
        else:
            group = f"{_GROUP_MARK}{kind}s"
        group_of[name] = group
        members.setdefault(group, []).append(name)
    ends = {f"{_GROUP_MARK}run{index + 1}": run_ends for index, (_members, run_ends) in enumerate(runs)}
    groups = {g: Group(g[1:].rstrip("0123456789"), tuple(m), ends.get(g, ())) for g, m in members.items()}
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
