"""The chain rule on a computation graph: path products, their sum, and backprop.

Two ways to the same derivative:

* **sum over paths** -- for each path from the output back to the variable,
  multiply the local derivatives met on its edges; add the products;
* **reverse accumulation** (backpropagation) -- give the output the adjoint
  1; walking the nodes in reverse topological order, a node's adjoint is the
  sum over its consumers of (consumer's adjoint) x (local derivative). One pass
  over the edges, however many paths there are.

Expressions "in node symbols" use ``u1, u2, ...``; "in the inputs" replaces
every node symbol by the node's expression.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import sympy

from .errors import VariableError
from .i18n import gettext as _
from .exprtools import construction_keys, is_undefined, substitute, tidy, tree_size, tree_size_exceeds
from .graph import EdgeInfo, input_nodes, is_input, node, order, output_node
from .graph import edge as edge_info
from .paths import Edge, iter_paths, nodes_on_paths

__all__ = [
    "ChainPath",
    "AdjointStep",
    "chain_paths",
    "local_derivative_in_inputs",
    "adjoint_steps",
    "backward_walk",
    "reverse_accumulate",
    "gradients",
    "TIDY_LIMIT",
]

#: Expressions up to this many operations (as a tree) are tidied by SymPy's
#: automatic evaluation before they are shown; larger ones are left as built.
TIDY_LIMIT = 4000


def tidy_if_small(expr: sympy.Expr) -> sympy.Expr:
    """:func:`~symgrad.exprtools.tidy` `expr` unless it is larger than :data:`TIDY_LIMIT`."""
    if tree_size_exceeds(expr, TIDY_LIMIT):
        return expr
    try:
        return tidy(expr)
    except (ValueError, TypeError):  # SymPy's evaluation refuses e.g. Heaviside of a complex constant
        return expr


def local_derivative_in_inputs(graph: nx.MultiDiGraph, edge: Edge, known: dict | None = None) -> sympy.Expr:
    """The local derivative on `edge` with node symbols replaced by their expressions.

    `known` (:func:`~symgrad.exprtools.construction_keys` of the nodes'
    expressions) lets the result reuse them: ``cos(u1)`` becomes the node
    ``cos(x*y)`` itself, not an equal copy.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> g = build_graph(parse("sin(x*y)"))
    >>> local_derivative_in_inputs(g, ("u1", "f", 0))
    cos(x*y)
    """
    local = edge_info(graph, *edge).local_derivative
    operands = (node(graph, n) for n in node(graph, edge[1]).operands)
    mapping = {o.symbol: o.expression for o in operands if o.is_operation}
    if not local.args:  # a number, or an operand's symbol (d(u1*u2)/du1 = u2): no walk needed
        return mapping.get(local, local)
    return substitute(local, mapping, known) if mapping else local


@dataclass(frozen=True)
class ChainPath:
    """One path from the output back to the variable, with its chain-rule product.

    Attributes
    ----------
    edges : tuple of (source, target, key)
        From the output backwards.
    graph : networkx.MultiDiGraph
        The graph the path belongs to.
    in_inputs : FactorsInInputs, optional
        Where the local derivatives in the inputs are kept: shared by the
        paths of one :func:`chain_paths` (paths share most of their edges).
    """

    edges: tuple[Edge, ...]
    graph: nx.MultiDiGraph
    in_inputs: FactorsInInputs | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.in_inputs is None:
            object.__setattr__(self, "in_inputs", FactorsInInputs(self.graph))

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node ids from the output to the variable, e.g. ``('f', 'u3', 'u1', 'w1')``."""
        if not self.edges:
            return (output_node(self.graph),)
        return (self.edges[0][1],) + tuple(source for source, _, _ in self.edges)

    @property
    def factors(self) -> tuple[sympy.Expr, ...]:
        """The local derivatives along the path, in node symbols, output first."""
        return tuple(edge_info(self.graph, *e).local_derivative for e in self.edges)

    @property
    def rules(self) -> tuple[str, ...]:
        """The rule that gave each factor."""
        return tuple(edge_info(self.graph, *e).rule for e in self.edges)

    @cached_property
    def product(self) -> sympy.Expr:
        """The product of the factors, in node symbols."""
        return sympy.Mul(*self.factors)

    @cached_property
    def product_in_inputs(self) -> sympy.Expr:
        """The product with every node symbol replaced: in terms of the inputs."""
        return self.in_inputs.product(self.edges)


class FactorsInInputs:
    """The local derivatives of a graph's edges in the inputs, each made once, and their sizes.

    The paths of one :func:`chain_paths` share one: a product of a path's
    factors then costs a look-up per edge, and deciding whether it is small
    enough to tidy a sum over its factors' sizes (measured once each).
    """

    def __init__(self, graph: nx.MultiDiGraph):
        self.graph = graph
        self._locals: dict[Edge, sympy.Expr] = {}
        # tree_size cache: its keys are ids of parts of the expressions in _locals, which keep them alive
        self._sizes: dict[int, int] = {}

    def local(self, edge: Edge) -> sympy.Expr:
        """:func:`local_derivative_in_inputs` of `edge`."""
        found = self._locals.get(edge)
        if found is None:
            found = self._locals[edge] = local_derivative_in_inputs(self.graph, edge)
        return found

    def product(self, edges) -> sympy.Expr:
        """The product of the local derivatives of `edges` in the inputs, tidied when small."""
        factors = [self.local(e) for e in edges]
        product = sympy.Mul(*factors, evaluate=False)
        # tree_size(product), from the factors' sizes (an unevaluated Mul keeps them as its arguments)
        size = sum(tree_size(f, self._sizes) for f in factors) + max(len(factors) - 1, 0)
        return product if size > TIDY_LIMIT else tidy_if_small(product)


def chain_paths(graph: nx.MultiDiGraph, variable: str) -> Iterator[ChainPath]:
    """Lazily yield :class:`ChainPath` objects from the output back to `variable`.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> [p.product_in_inputs for p in chain_paths(build_graph(parse("x*sin(x)")), "x")]
    [sin(x), x*cos(x)]
    """
    in_inputs = FactorsInInputs(graph)  # one for all the paths: they share most of their edges
    for edges in iter_paths(graph, variable):
        yield ChainPath(edges, graph, in_inputs)


@dataclass(frozen=True)
class AdjointStep:
    """One equation of the backward pass: ``adjoint(node) = sum of adjoint(t) * local``.

    Attributes
    ----------
    node : str
        The node whose adjoint this step computes.
    terms : tuple of (consumer, key, local derivative)
        One per edge from `node` to a consumer on a path to the output.
    """

    node: str
    terms: tuple[tuple[str, int, sympy.Expr], ...]


def adjoint_steps(graph: nx.MultiDiGraph, variable: str | None) -> list[AdjointStep]:
    """The backward pass restricted to the nodes between the output and `variable`.

    With `variable` None: the backward pass over the whole graph (every node).

    The output's step has no terms (its adjoint is 1). Steps come in reverse
    topological order: each adjoint is known before it is used. They are the
    steps of :func:`backward_walk`, the walk that :func:`reverse_accumulate`
    and the numeric tape take too.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> [(s.node, [t[0] for t in s.terms]) for s in adjoint_steps(build_graph(parse("x*sin(x)")), "x")]
    [('f', []), ('u1', ['f']), ('x', ['u1', 'f'])]
    """
    relevant = set(graph) if variable is None else nodes_on_paths(graph, variable)
    if not relevant:
        return []
    steps = [AdjointStep(output_node(graph), ())]
    for name, edges in backward_walk(graph, relevant):
        steps.append(AdjointStep(name, tuple((e.target, e.key, e.local_derivative) for e in edges)))
    return steps


def backward_walk(graph: nx.MultiDiGraph, nodes: Container[str] | None = None
                  ) -> Iterator[tuple[str, list[EdgeInfo]]]:
    """The walk of every backward pass: each node, and the edges to its consumers.

    Nodes (of `nodes`, default all) come in reverse topological order, the
    output left out (its adjoint is 1); each comes with its edges to consumers
    in `nodes`, in the order the consumers are computed (then by operand
    position). A node's adjoint is the sum over these edges of (consumer's
    adjoint) x (local derivative): consumers always come before the node.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> [(n, [(e.target, e.key) for e in edges]) for n, edges in backward_walk(build_graph(parse("x*sin(x)")))]
    [('u1', [('f', 1)]), ('x', [('u1', 0), ('f', 0)])]
    """
    output = output_node(graph)
    for name in reversed(order(graph)):
        if name == output or (nodes is not None and name not in nodes):
            continue
        # graph.succ[name] gives the out-edges in the order graph.out_edges(name) does, faster
        yield name, [edge_info(graph, name, target, key) for target, keyed in graph.succ[name].items()
                     if nodes is None or target in nodes for key in keyed]


def reverse_accumulate(graph: nx.MultiDiGraph, variable: str) -> sympy.Expr:
    """The derivative of the output with respect to `variable`, by backpropagation.

    Built without SymPy's automatic evaluation, so its size is linear in the
    number of edges however many paths there are; tidied when small.

    Returns
    -------
    sympy.Expr
        In terms of the inputs; ``0`` if `variable` does not influence the output.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> reverse_accumulate(build_graph(parse("x*sin(x)")), "x")
    x*cos(x) + sin(x)
    """
    relevant = nodes_on_paths(graph, variable)
    if not relevant:
        return sympy.S.Zero
    result = tidy_if_small(_backward_pass(graph, relevant)[variable])
    if is_undefined(result):
        return _cancel_before_substituting(graph, relevant, variable, result)
    return result


def _cancel_before_substituting(graph: nx.MultiDiGraph, relevant: set[str] | None, variable: str,
                                fallback: sympy.Expr) -> sympy.Expr:
    """The adjoint summed in node symbols first, then written in the inputs.

    In ``(x - x)^0.5`` both paths carry ``0.5/u1^0.5``, infinite at ``u1 = 0``;
    in node symbols their sum ``0.5/u1^0.5 - 0.5/u1^0.5`` cancels to 0 before
    ``u1 = x - x`` is put in, as SymPy's ``diff`` of the constant function
    gives. Returns `fallback` when the sum does not become defined this way,
    or when the function itself is undefined (``x*(x - x)^-0.5``).
    """
    if is_undefined(tidy_if_small(node(graph, output_node(graph)).expression)):
        return fallback
    in_symbols = tidy_if_small(_backward_pass(graph, relevant, in_node_symbols=True)[variable])
    mapping = {node(graph, n).symbol: node(graph, n).expression for n in (relevant or order(graph))
               if not is_input(graph, n)}
    result = tidy_if_small(substitute(in_symbols, mapping)) if mapping else in_symbols
    return fallback if is_undefined(result) else result


def gradients(graph: nx.MultiDiGraph, variables=None) -> dict[str, sympy.Expr]:
    """Every input's derivative from ONE backward pass over the whole graph.

    The output gets the adjoint 1; walking all nodes once in reverse
    topological order, each node's adjoint is the sum over its consumers of
    (consumer's adjoint) x (local derivative). Each edge is visited once,
    however many inputs are asked for: the cost of all the gradients is that
    of one :func:`reverse_accumulate`.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A computation graph from :func:`symgrad.build_graph`.
    variables : iterable of str, optional
        Input names; default every input of the graph.

    Returns
    -------
    dict of str to sympy.Expr
        Input name -> derivative of the output, in terms of the inputs
        (tidied when small, as by :func:`reverse_accumulate`).

    Raises
    ------
    VariableError
        If a name is not an input of the graph.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> gradients(build_graph(parse("x*sin(y) + y")))
    {'x': sin(y), 'y': x*cos(y) + 1}
    """
    names = input_nodes(graph) if variables is None else list(variables)
    for name in names:
        if not is_input(graph, name):
            inputs = ", ".join(input_nodes(graph)) or _("none")
            raise VariableError(_("{name} is not an input of the graph (inputs: {inputs})").format(
                name=repr(name), inputs=inputs))
    adjoints = _backward_pass(graph, None)
    result = {name: tidy_if_small(adjoints[name]) for name in names}
    for name, derivative in result.items():
        if is_undefined(derivative):  # as in reverse_accumulate: (x - x)^0.5
            result[name] = _cancel_before_substituting(graph, None, name, derivative)
    return result


def _backward_pass(graph: nx.MultiDiGraph, nodes: set[str] | None, *,
                   in_node_symbols: bool = False) -> dict[str, sympy.Expr]:
    """Adjoints of `nodes` (default all; they must include the output), built unevaluated.

    In the inputs, or with `in_node_symbols` in ``u1, u2, ...``. Walks `nodes`
    once in reverse topological order; edges to nodes outside `nodes` are
    ignored. Each adjoint is a shared SymPy object, so the result is linear in
    the number of edges however many paths there are.
    """
    adjoint: dict[str, sympy.Expr] = {output_node(graph): sympy.S.One}
    known = None if in_node_symbols else construction_keys(node(graph, n).expression for n in order(graph))

    def local(e: EdgeInfo) -> sympy.Expr:
        if in_node_symbols:
            return e.local_derivative
        return local_derivative_in_inputs(graph, (e.source, e.target, e.key), known)

    for name, edges in backward_walk(graph, nodes):
        terms = [_times(adjoint[e.target], local(e)) for e in edges]
        adjoint[name] = terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False)
    return adjoint


def _times(left: sympy.Expr, right: sympy.Expr) -> sympy.Expr:
    if left is sympy.S.One:
        return right
    if right is sympy.S.One:
        return left
    return sympy.Mul(left, right, evaluate=False)
