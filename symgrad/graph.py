"""SymPy expression -> networkx computation graph of named intermediate values.

The graph is a :class:`networkx.MultiDiGraph` whose edges run in the direction
of data flow (operand -> operation). Parallel edges are distinct operand
positions (``x*x`` has two edges from ``x``), so they are distinct chain-rule
paths. Operation nodes are named ``u1 ... un`` in the order they are computed
(operands left to right, innermost first); the output has its own name.

Node attributes
    ``kind`` ("input", "constant" or "operation"), ``op``, ``params``,
    ``symbol`` (the node's SymPy symbol, or the number for a constant),
    ``operands`` (node ids by position), ``definition`` (the operation in its
    operands' symbols, e.g. ``u3 = u1 + u2 + b``) and ``expression`` (the
    node's full expression in the inputs).
Edge attributes (key = operand position)
    ``local_derivative`` (d target / d source, in node symbols), ``rule``.
Graph attributes
    ``output`` (node id), ``inputs`` (names, in order of first use),
    ``expression``, ``prefix``, ``share``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx
import sympy
from sympy.core.function import AppliedUndef

from .errors import GraphError, OptionError
from .exprtools import postorder, substitute
from .i18n import gettext as _
from .parse import is_valid_name
from .rules import local_derivatives
from .vocabulary import relu, sigmoid, softplus

__all__ = [
    "build_graph", "Node", "EdgeInfo", "node", "edge", "order", "output_node", "operation_nodes",
    "input_nodes", "node_symbol", "is_input", "is_constant", "is_operation", "DEFAULT_MAX_NODES",
    "graph_expression", "short_local_derivative",
]

DEFAULT_MAX_NODES = 100_000
#: A sum or product with more operands is split, left to right, into nested
#: nodes of at most this many operands, so that no local derivative (the
#: product of the other factors) grows with the length of the input.
MAX_OPERANDS = 32
_PREFIXES = ("u", "z", "h", "t", "q", "g")
_OUTPUT_NAMES = ("f", "y", "F", "out")
_FUNCTION_OPS = {
    sympy.exp: "exp",
    sympy.log: "log",
    sympy.sin: "sin",
    sympy.cos: "cos",
    sympy.tan: "tan",
    sympy.tanh: "tanh",
    sigmoid: "sigmoid",
    relu: "relu",
    softplus: "softplus",
    sympy.Abs: "abs",
    sympy.asin: "asin",
    sympy.acos: "acos",
    sympy.atan: "atan",
    sympy.sinh: "sinh",
    sympy.cosh: "cosh",
    sympy.sec: "sec",
    sympy.csc: "csc",
    sympy.cot: "cot",
}


@dataclass
class _Operation:
    """How one SymPy node becomes a graph operation."""

    op: str
    operands: tuple[sympy.Expr, ...]
    params: object = None
    children: list[str] = field(default_factory=list)


def build_graph(
    expr: sympy.Expr,
    *,
    share: bool = True,
    prefix: str | None = None,
    output: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    node_names: Mapping[sympy.Expr, str] | None = None,
) -> nx.MultiDiGraph:
    """Build the computation graph of a SymPy expression.

    Parameters
    ----------
    expr : sympy.Expr
        Typically from :func:`symgrad.parse`; an evaluated SymPy expression
        works too, and its shared subexpressions stay shared.
    share : bool, default True
        Identical subexpressions become one node (a DAG: gradients add up at
        forks). With ``False`` every occurrence of a compound subexpression is
        its own node (the expression tree); inputs and constants are always
        one node each.
    prefix : str, optional
        Name stem of intermediate nodes; default ``u`` (or the first of
        ``z h t q g`` that no input name collides with).
    output : str, optional
        Name of the output node; default ``f`` (or ``y``, ``F``, ``out`` if
        ``f`` is taken). Use e.g. ``"L"`` for a loss.
    max_nodes : int
        Refuse graphs with more nodes than this.
    node_names : mapping of sympy.Expr to str, optional
        Node ids for chosen subexpressions (a network's neurons ``z2_1``,
        ``h2_1``, ``yhat_1``); the others are numbered with the prefix.

    Returns
    -------
    networkx.MultiDiGraph

    Raises
    ------
    GraphError
        For SymPy objects that are not expressions of functions, powers,
        sums and products, or for invalid symbol names.
    OptionError
        For an invalid or colliding `prefix` or `output`.

    Examples
    --------
    >>> from symgrad import parse
    >>> g = build_graph(parse("sigmoid(w1*x1 + w2*x2 + b)"))
    >>> [(n, sympy.sstr(g.nodes[n]["definition"], order="none")) for n in operation_nodes(g)]
    [('u1', 'w1*x1'), ('u2', 'w2*x2'), ('u3', 'u1 + u2 + b'), ('f', 'sigmoid(u3)')]
    >>> g.number_of_edges("x1", "u1"), str(g.edges["x1", "u1", 1]["local_derivative"])
    (1, 'w1')
    """
    if not isinstance(expr, sympy.Expr):
        raise GraphError(_("expected a SymPy expression, got {type}").format(type=type(expr).__name__))
    names = _names_in(expr)
    prefix = _choose_prefix(prefix, names)
    output = _choose_output(output, names, prefix)
    builder = _Builder(share, prefix, output, max_nodes, node_names)
    graph = builder.build(_fold_complex_abs(expr))
    graph.graph.update(expression=expr, prefix=prefix, share=share)
    return graph


# --- the typed view: every other module reads the graph through these -----------


@dataclass(frozen=True, slots=True)
class Node:
    """What the graph knows about one node (also stored as plain node attributes).

    Attributes
    ----------
    id : str
        The node's name (``u3``, ``f``, ``x``, or the constant's printed form).
    kind : str
        ``"input"``, ``"constant"`` or ``"operation"``.
    op : str
        The operation (``add``, ``mul``, ``sigmoid``, ...) or the kind for leaves.
    params : object
        Operation parameters: signs of a sum, exponents of a product, the
        power of ``pow``, the SymPy function of ``function``/``other``.
    symbol : sympy.Expr
        The node's symbol in definitions and local derivatives (the number for a constant).
    operands : tuple of str
        Operand node ids by position.
    definition : sympy.Expr
        The operation in its operands' symbols.
    expression : sympy.Expr
        The node's whole expression in the inputs.
    """

    id: str
    kind: str
    op: str
    params: object
    symbol: sympy.Expr
    operands: tuple[str, ...]
    definition: sympy.Expr
    expression: sympy.Expr

    @property
    def is_input(self) -> bool:
        return self.kind == "input"

    @property
    def is_constant(self) -> bool:
        return self.kind == "constant"

    @property
    def is_operation(self) -> bool:
        return self.kind == "operation"


@dataclass(frozen=True, slots=True)
class EdgeInfo:
    """What an edge (source -> target, key = operand position) carries."""

    source: str
    target: str
    key: int
    local_derivative: sympy.Expr
    rule: str


def node(graph: nx.MultiDiGraph, name: str) -> Node:
    """The :class:`Node` record of `name`.

    Examples
    --------
    >>> from symgrad import parse
    >>> g = build_graph(parse("sin(x*y)"))
    >>> n = node(g, "u1")
    >>> n.kind, n.op, n.operands
    ('operation', 'mul', ('x', 'y'))
    """
    return graph.nodes[name]["record"]


def edge(graph: nx.MultiDiGraph, source: str, target: str, key: int) -> EdgeInfo:
    """The :class:`EdgeInfo` of one edge.

    Examples
    --------
    >>> from symgrad import parse
    >>> e = edge(build_graph(parse("sin(x*y)")), "u1", "f", 0)
    >>> e.local_derivative, e.rule
    (cos(u1), 'sine')
    """
    data = graph._succ[source][target][key]  # networkx's own dictionary: its public views cost 10x more
    record = data.get("record")
    return record if record is not None else EdgeInfo(source, target, key, data["local_derivative"], data["rule"])


def short_local_derivative(graph: nx.MultiDiGraph, source: str, target: str, key: int) -> sympy.Expr:
    """The local derivative on an edge, with the target's own expression written as its symbol.

    What an edge label shows when the full derivative is too wide: u₁(1 − u₁)
    for σ′ of the sigmoid node u₁.

    Examples
    --------
    >>> from symgrad import parse
    >>> g = build_graph(parse("sigmoid(w*x)"))
    >>> edge(g, "u1", "f", 0).local_derivative, short_local_derivative(g, "u1", "f", 0)
    ((1 - sigmoid(u1))*sigmoid(u1), f*(1 - f))
    """
    derivative = edge(graph, source, target, key).local_derivative
    definition = node(graph, target).definition
    if definition is None or definition.is_Symbol or definition.is_Number:
        return derivative
    return derivative.subs(definition, node(graph, target).symbol)


def order(graph: nx.MultiDiGraph) -> list[str]:
    """Every node in the order it is computed (leaves before their users, output last)."""
    return graph.graph["order"]


def output_node(graph: nx.MultiDiGraph) -> str:
    """The output node's id (``f`` by default)."""
    return graph.graph["output"]


def graph_expression(graph: nx.MultiDiGraph) -> sympy.Expr:
    """The expression the graph was built from (as given: unevaluated)."""
    return graph.graph["expression"]


def is_input(graph: nx.MultiDiGraph, name: str) -> bool:
    """Whether `name` is an input variable of the graph."""
    return name in graph and graph.nodes[name]["kind"] == "input"


def is_constant(graph: nx.MultiDiGraph, name: str) -> bool:
    """Whether `name` is a constant node."""
    return graph.nodes[name]["kind"] == "constant"


def is_operation(graph: nx.MultiDiGraph, name: str) -> bool:
    """Whether `name` is an operation node (``u1 ... un`` or the output)."""
    return graph.nodes[name]["kind"] == "operation"


def operation_nodes(graph: nx.MultiDiGraph) -> list[str]:
    """Operation nodes in the order they are computed (``u1 ... un``, output last)."""
    return [n for n in graph.graph["order"] if graph.nodes[n]["kind"] == "operation"]


def input_nodes(graph: nx.MultiDiGraph) -> list[str]:
    """Input variable names, in order of first use."""
    return list(graph.graph["inputs"])


def node_symbol(graph: nx.MultiDiGraph, node: str) -> sympy.Expr:
    """The SymPy symbol that stands for `node` in definitions and local derivatives."""
    return graph.nodes[node]["symbol"]


# --- names -------------------------------------------------------------------


def _names_in(expr: sympy.Expr) -> set[str]:
    """Names of symbols and functions in `expr`, validated (each subexpression visited once)."""
    names: set[str] = set()
    symbols: dict[str, sympy.Symbol] = {}
    for node in postorder(expr):
        if isinstance(node, sympy.Symbol):
            if not is_valid_name(node.name):
                raise GraphError(_("symbol name {name} is not a valid variable name").format(name=repr(node.name)))
            if symbols.setdefault(node.name, node) != node:
                raise GraphError(_("two different symbols are named {name}").format(name=repr(node.name)))
            names.add(node.name)
        elif isinstance(node, AppliedUndef):
            name = node.func.__name__
            if not is_valid_name(name):
                raise GraphError(_("function name {name} is not a valid name").format(name=repr(name)))
            names.add(name)
    return names


def _collides(prefix: str, names: Iterable[str]) -> bool:
    return any(n.startswith(prefix) and n[len(prefix):].isdigit() for n in names)


def _choose_prefix(prefix: str | None, names: set[str]) -> str:
    if prefix is not None:
        if not (prefix.isascii() and prefix.isalpha() and len(prefix) <= 8):
            raise OptionError(_("prefix {prefix} must be 1 to 8 ASCII letters").format(prefix=repr(prefix)))
        if _collides(prefix, names):
            raise OptionError(_("prefix {prefix} collides with a name in the expression").format(prefix=repr(prefix)))
        return prefix
    for candidate in _PREFIXES:
        if not _collides(candidate, names):
            return candidate
    raise OptionError(_("every default prefix collides with a name; choose one with prefix="))


def _choose_output(output: str | None, names: set[str], prefix: str) -> str:
    def taken(name: str) -> bool:
        return name in names or _collides(prefix, [name])

    if output is not None:
        if not is_valid_name(output):
            raise OptionError(_("output name {name} is not a valid name").format(name=repr(output)))
        if taken(output):
            raise OptionError(_("output name {name} is already used in the expression").format(name=repr(output)))
        return output
    for candidate in _OUTPUT_NAMES:
        if not taken(candidate):
            return candidate
    raise OptionError(_("every default output name is taken; choose one with output="))


# --- decomposition -------------------------------------------------------------


def _split_long(expr: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """The arguments of a long sum or product: its head as one nested node, then the tail."""
    args = expr.args
    if len(args) <= MAX_OPERANDS:
        return args
    head = expr.func(*args[: len(args) - MAX_OPERANDS + 1], evaluate=False)
    return (head,) + args[len(args) - MAX_OPERANDS + 1:]


def _decompose(expr: sympy.Expr) -> _Operation:
    """Say which operation `expr` is and what its operands are."""
    if isinstance(expr, sympy.Add):
        operands, signs = [], []
        for term in _split_long(expr):
            negated = _negated(term)
            operands.append(term if negated is None else negated)
            signs.append(1 if negated is None else -1)
        return _Operation("add", tuple(operands), tuple(signs))
    if isinstance(expr, sympy.Mul):
        negated = _negated(expr)
        if negated is not None:
            return _Operation("neg", (negated,))
        operands, exponents = [], []
        for factor in _split_long(expr):
            divisor = factor.is_Pow and factor.exp is sympy.S.NegativeOne
            operands.append(factor.base if divisor else factor)
            exponents.append(-1 if divisor else 1)
        return _Operation("mul", tuple(operands), tuple(exponents))
    if isinstance(expr, sympy.Pow):
        base, exponent = expr.args
        if exponent is sympy.S.Half:
            return _Operation("sqrt", (base,))
        if isinstance(exponent, sympy.Number):
            return _Operation("pow", (base,), exponent)
        if base is sympy.E:
            return _Operation("exp", (exponent,))
        return _Operation("power", (base, exponent))
    if isinstance(expr, AppliedUndef):
        return _Operation("function", tuple(expr.args), expr.func)
    if isinstance(expr, (sympy.Max, sympy.Min)):
        return _Operation("other", tuple(expr.args), expr.func)
    if isinstance(expr, sympy.Function) and all(isinstance(a, sympy.Expr) for a in expr.args):
        op = _FUNCTION_OPS.get(expr.func)
        if op is not None and len(expr.args) == 1:
            return _Operation(op, tuple(expr.args))
        return _Operation("other", tuple(expr.args), expr.func)
    raise GraphError(_("{type} is not supported in a computation graph").format(type=type(expr).__name__))


def _negated(expr: sympy.Expr) -> sympy.Expr | None:
    """``t`` if `expr` is ``-1*t`` (a negation or a subtracted term), else None."""
    if isinstance(expr, sympy.Mul) and len(expr.args) == 2:
        if expr.args[0] is sympy.S.NegativeOne:
            return expr.args[1]
    return None


def _definition(op: str, params: object, symbols: list[sympy.Expr]) -> sympy.Expr:
    """The operation written in its operands' symbols, unevaluated."""
    if op == "add":
        terms = [s if sign > 0 else sympy.Mul(-1, s, evaluate=False) for s, sign in zip(symbols, params)]
        return sympy.Add(*terms, evaluate=False)
    if op == "mul":
        factors = [s if e > 0 else sympy.Pow(s, -1, evaluate=False) for s, e in zip(symbols, params)]
        return sympy.Mul(*factors, evaluate=False)
    if op == "neg":
        return sympy.Mul(-1, symbols[0], evaluate=False)
    if op == "pow":
        return sympy.Pow(symbols[0], params, evaluate=False)
    if op == "sqrt":
        return sympy.Pow(symbols[0], sympy.S.Half, evaluate=False)
    if op == "power":
        return sympy.Pow(symbols[0], symbols[1], evaluate=False)
    if op == "identity":
        return symbols[0]
    if op in ("function", "other"):
        return params(*symbols, evaluate=False)
    function = {v: k for k, v in _FUNCTION_OPS.items()}[op]
    return function(symbols[0], evaluate=False)


# --- building ------------------------------------------------------------------


def _fold_complex_abs(expr: sympy.Expr) -> sympy.Expr:
    """Fold ``abs`` of a value that may be complex as SymPy does (``|(-2)^x| = 2^x``).

    The local derivative of ``abs(u)``, ``sign(u)``, holds only for real ``u``; an
    ``abs`` that SymPy cannot fold away is refused.
    """
    folds = {}
    for node in postorder(expr):
        if isinstance(node, sympy.Abs) and _may_be_complex(node.args[0]):
            folded = sympy.Abs(node.args[0])
            if any(isinstance(n, sympy.Abs) and _may_be_complex(n.args[0]) for n in postorder(folded)):
                raise GraphError(_("abs of {argument}, which may be complex, is not supported").format(
                    argument=sympy.sstr(node.args[0])))
            folds[node] = folded
    return substitute(expr, folds) if folds else expr


def _may_be_complex(expr: sympy.Expr) -> bool:
    """Whether `expr` holds a power of a negative number to a non-integer or variable exponent."""
    return any(
        isinstance(n, sympy.Pow) and n.base.is_Number and n.base.is_negative and not n.exp.is_Integer
        for n in postorder(expr)
    )


def _is_leaf(expr: sympy.Expr) -> bool:
    return isinstance(expr, (sympy.Symbol, sympy.Number, sympy.NumberSymbol))


def _constant_id(number: sympy.Expr) -> str:
    """The node name of a constant: equal names for equal values of equal precision.

    A decimal is named by its short form only at the default precision; a longer
    literal keeps all its digits (``0.3000000000000000000000000000e300`` and
    ``0.3e300`` are different constants).
    """
    short = sympy.sstr(number, full_prec=False)
    if isinstance(number, sympy.Float) and number._prec != sympy.Float(1.0)._prec:
        return sympy.sstr(number, full_prec=True)
    return short


class _Builder:
    def __init__(self, share: bool, prefix: str, output: str, max_nodes: int, names=None):
        self.share = share
        self.names = names or {}
        self.prefix = prefix
        self.output = output
        self.max_nodes = max_nodes
        self.graph = nx.MultiDiGraph()
        self.node_of: dict[sympy.Expr, str] = {}
        self.order: list[str] = []
        self.inputs: list[str] = []
        self.count = 0

    def build(self, root: sympy.Expr) -> nx.MultiDiGraph:
        if _is_leaf(root):
            operation = _Operation("identity", (root,))
            operation.children.append(self.leaf(root))
            self.add_operation(root, operation, is_output=True)
        else:
            self.walk(root)
        self.graph.graph.update(output=self.output, inputs=tuple(self.inputs), order=self.order)
        return self.graph

    def walk(self, root: sympy.Expr) -> None:
        """Iterative post-order: operands left to right, each before its user."""
        frames = [(root, _decompose(root))]
        while frames:
            expr, operation = frames[-1]
            if len(operation.children) < len(operation.operands):
                child = operation.operands[len(operation.children)]
                if _is_leaf(child):
                    operation.children.append(self.leaf(child))
                elif self.share and child in self.node_of:
                    operation.children.append(self.node_of[child])
                else:
                    frames.append((child, _decompose(child)))
                continue
            frames.pop()
            node = self.add_operation(expr, operation, is_output=not frames)
            if frames:
                frames[-1][1].children.append(node)

    def leaf(self, expr: sympy.Expr) -> str:
        if isinstance(expr, sympy.Symbol):
            node, kind = expr.name, "input"
        else:
            node, kind = _constant_id(expr), "constant"
        if node not in self.graph:
            self.check_size()
            self.add_node(Node(node, kind, kind, None, expr, (), expr, expr))
            self.order.append(node)
            if kind == "input":
                self.inputs.append(node)
        return node

    def add_operation(self, expr: sympy.Expr, operation: _Operation, is_output: bool) -> str:
        self.check_size()
        if is_output:
            node = self.output
        elif self.names.get(expr) is not None and self.names[expr] not in self.graph:
            node = self.names[expr]
        else:
            self.count += 1
            node = f"{self.prefix}{self.count}"
        operand_symbols = [self.graph.nodes[c]["symbol"] for c in operation.children]
        symbol = sympy.Symbol(node, real=True)
        self.add_node(Node(
            node, "operation", operation.op, operation.params, symbol, tuple(operation.children),
            _definition(operation.op, operation.params, operand_symbols), expr,
        ))
        locals_ = local_derivatives(operation.op, operation.params, operand_symbols)
        for position, (child, (derivative, rule)) in enumerate(zip(operation.children, locals_)):
            self.graph.add_edge(child, node, key=position, local_derivative=derivative, rule=rule,
                                record=EdgeInfo(child, node, position, derivative, rule))
        self.order.append(node)
        if self.share:
            self.node_of[expr] = node
        return node

    def add_node(self, record: Node) -> None:
        self.graph.add_node(
            record.id, record=record, kind=record.kind, op=record.op, params=record.params,
            symbol=record.symbol, operands=record.operands, definition=record.definition,
            expression=record.expression,
        )

    def check_size(self) -> None:
        if self.graph.number_of_nodes() >= self.max_nodes:
            raise GraphError(
                f"the graph has more than {self.max_nodes} nodes; "
                + ("simplify the expression" if self.share else "try the shared graph (share=True)")
            )
