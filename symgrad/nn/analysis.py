"""Analysis of a network's graph: why dL/dv has as many paths as it has, and the cost of a pass.

Examples
--------
>>> from symgrad.nn import mlp
>>> net = mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse")
>>> path_formula(net, "v0_1_1").total, path_formula(net, "v1_1_1").total
(1, 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx

from ..exprtools import tree_size
from ..graph import node, operation_nodes
from ..i18n import gettext as _
from ..i18n import ngettext
from ..paths import count_paths
from ..verify import backward_operations
from .builder import Network, parse_weight_name

__all__ = ["PathFormula", "path_formula", "OperationCounts", "operation_counts"]


# --- paths: the product formula ----------------------------------------------------


@dataclass(frozen=True)
class PathFormula:
    """Why dL/dv has as many paths as it has.

    A weight v^{(l)}_{ij} enters neuron i of layer l+1 by one edge. From there
    a path passes through one neuron of every later hidden layer (all of them
    are connected) and reaches L from the output layer's pre-activations.

    Attributes
    ----------
    weight : str
    layer : int
        l, the weight's matrix.
    widths : tuple of int
        Widths of the hidden layers after layer l+1 that every path crosses.
    output_routes : int
        Paths from L back to the output pre-activations that the weight
        reaches (counted on the graph: softmax and the loss tie the outputs
        together through shared nodes).
    total : int
        ``prod(widths) * output_routes``.
    last : bool
        Whether the weight is in the last matrix (then only its own output
        neuron's routes count).
    """

    weight: str
    layer: int
    widths: tuple[int, ...]
    output_routes: int
    total: int
    last: bool = False

    def formula(self) -> str:
        """``3 · 3 · 5 = 45``."""
        factors = [str(w) for w in self.widths] + [str(self.output_routes)]
        return f"{' · '.join(factors)} = {self.total}" if len(factors) > 1 else str(self.total)

    def sentence(self) -> str:
        """One sentence that says how the count grows with the later layers' widths."""
        routes = ngettext("{n} route", "{n} routes", self.output_routes).format(n=self.output_routes)
        paths = ngettext("{n} path", "{n} paths", self.total).format(n=self.total)
        if self.last:
            return ngettext("The weight is in the last matrix V{layer}: the pre-activation of its output neuron "
                            "reaches L by {routes}, so there is {paths}.",
                            "The weight is in the last matrix V{layer}: the pre-activation of its output neuron "
                            "reaches L by {routes}, so there are {paths}.",
                            self.total).format(layer=self.layer, routes=routes, paths=paths)
        if not self.widths:
            return _("From its neuron, one edge leads to each output pre-activation, and these reach "
                     "L by {routes} in all: {paths}. Each hidden layer between the weight and the "
                     "output would multiply this count by its width.").format(routes=routes, paths=paths)
        layers = ", ".join(_("layer {number}: {width}").format(number=self.layer + 2 + k, width=w)
                           for k, w in enumerate(self.widths))
        return _("The number of paths is the product of the widths of the later hidden layers "
                 "({layers}) and the {routes} from the output layer's pre-activations to L: "
                 "{formula}. Every path enters one neuron of each later layer, so the "
                 "earlier the layer of a weight, the more paths its derivative collects "
                 "(the shells of the matryoshka).").format(layers=layers, routes=routes, formula=self.formula())


def path_formula(net: Network, weight: str) -> PathFormula:
    """The path count of dL/d`weight` as a product of layer widths.

    Examples
    --------
    >>> from symgrad.nn import mlp
    >>> net = mlp([4, 3, 3, 4], target=1)
    >>> f = path_formula(net, "v0_1_1")
    >>> f.widths, f.output_routes, f.total
    ((3,), 5, 15)
    >>> f.total == count_paths(net.graph, "v0_1_1")
    True
    """
    net.check_parameter(weight)
    found = parse_weight_name(weight)
    if found is not None:
        layer, row = found[0], found[1]
    else:  # a bias b{l}_{i}
        layer, row = (int(p) for p in weight[1:].split("_"))
    last = len(net.sizes) - 2
    nodes = {node: key for node, key in net.neuron_nodes().items() if key[0] == "z"}
    z_node = {(layer_, i): node for node, (_, layer_, i) in nodes.items()}
    outputs = [row] if layer == last else range(1, net.sizes[-1] + 1)
    routes = sum(count_paths(net.graph, z_node[(last + 1, m)]) for m in outputs)
    widths = tuple(net.sizes[layer + 2:-1])
    return PathFormula(weight, layer, widths, routes, math.prod(widths) * routes, layer == last)


# --- operation counts --------------------------------------------------------------


@dataclass(frozen=True)
class OperationCounts:
    """Arithmetic operations of one forward and one backward pass over a graph.

    ``forward``: the operations of every node's definition. ``backward``: every
    local derivative's operations, one multiplication per edge, one addition
    per extra consumer at a fork (as :class:`symgrad.Complexity` counts one
    backward pass, here for the whole graph: every gradient at once).
    """

    forward: int
    backward: int
    nodes: int
    edges: int

    @property
    def ratio(self) -> float:
        return self.backward / self.forward if self.forward else math.inf


def operation_counts(graph: nx.MultiDiGraph) -> OperationCounts:
    """Count the operations of one forward and one backward pass.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> operation_counts(build_graph(parse("x*sin(x)")))
    OperationCounts(forward=2, backward=5, nodes=3, edges=3)
    """
    sizes: dict[int, int] = {}
    forward = sum(tree_size(node(graph, n).definition, sizes) for n in operation_nodes(graph))
    return OperationCounts(forward, backward_operations(graph, cache=sizes), graph.number_of_nodes(),
                           graph.number_of_edges())

