"""The lecture's neural network as one shared SymPy expression.

A multilayer perceptron ŷ = f_{n-1}(V_{n-1} ⋯ f_1(V_1 f_0(V_0 x))) and its loss L,
built with SymPy's automatic evaluation switched off, so every neuron is one
subexpression that all its consumers share: :func:`symgrad.build_graph` then
makes one node per neuron (and one per weight product), and the graph grows
with the number of weights, never exponentially. Layer l's matrix V_l has the
entries v^{(l)}_{ij}, typed ``v{l}_{i}_{j}`` (row i = neuron of layer l+1,
column j = neuron of layer l, both from 1).

The vocabulary of outputs and losses: :func:`softmax` (scalar form
exp(z_i)/Σ_j exp(z_j), the sum one shared node), :func:`log_softmax`,
:func:`cross_entropy` and :func:`mse`; their local derivatives come from the
ordinary rule table (exp, log, sum, quotient, power).

Examples
--------
>>> net = mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse")
>>> [w.name for w in net.weights[1][0]]
['v1_1_1', 'v1_1_2']
>>> sympy.sstr(net.loss, order="none")
'(sigmoid(v1_1_1*sigmoid(v0_1_1*x1 + v0_1_2*x2) + v1_1_2*sigmoid(v0_2_1*x1 + v0_2_2*x2)) - t1)**2'
>>> path_formula(net, "v0_1_1").total, path_formula(net, "v1_1_1").total
(1, 1)
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import mpmath
import networkx as nx
import sympy

from .errors import OptionError, PointError, VariableError
from .exprtools import tree_size
from .graph import build_graph
from .paths import count_paths
from .point import DIGITS, PointValues, evaluate_at
from .tape import Tape, compile_tape
from .vocabulary import relu, sigmoid, softplus

__all__ = [
    "mlp", "Network", "softmax", "log_softmax", "cross_entropy", "mse", "activate",
    "HIDDEN", "OUTPUTS", "LOSSES", "weight_name", "parse_weight_name", "PathFormula",
    "path_formula", "OperationCounts", "operation_counts", "random_point", "Numbers",
    "numbers", "TrainStep", "train_step", "MAX_NEURONS",
]

#: Activations of hidden layers (``identity``: none).
HIDDEN = ("relu", "sigmoid", "tanh", "softplus", "identity")
#: Activations of the output layer.
OUTPUTS = ("softmax", "log_softmax", "sigmoid", "tanh", "relu", "softplus", "identity")
LOSSES = ("cross_entropy", "mse")
#: Largest width of a layer, and largest number of weights, that :func:`mlp` builds.
MAX_NEURONS = 64
MAX_WEIGHTS = 4096
_FUNCTIONS = {"relu": relu, "sigmoid": sigmoid, "tanh": sympy.tanh, "softplus": softplus}
_WEIGHT_NAME = re.compile(r"v([0-9]+)_([0-9]+)_([0-9]+)\Z")


def _symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def _neg(expr: sympy.Expr) -> sympy.Expr:
    return sympy.Mul(sympy.S.NegativeOne, expr, evaluate=False)


def _add(terms: Sequence[sympy.Expr]) -> sympy.Expr:
    return terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False)


# --- vocabulary: activations, softmax, losses -----------------------------------


def activate(name: str, z: sympy.Expr) -> sympy.Expr:
    """Apply an elementwise activation (``relu``, ``sigmoid``, ``tanh``, ``softplus``, ``identity``).

    Examples
    --------
    >>> activate("relu", _symbol("z")), activate("identity", _symbol("z"))
    (relu(z), z)
    """
    if name == "identity":
        return z
    if name not in _FUNCTIONS:
        raise OptionError(f"unknown activation {name!r} (choose from {', '.join(HIDDEN)})")
    return _FUNCTIONS[name](z, evaluate=False)


def softmax(z: Sequence[sympy.Expr]) -> list[sympy.Expr]:
    """Softmax in scalar form, y_i = exp(z_i) / Σ_j exp(z_j), the sum one shared subexpression.

    Examples
    --------
    >>> a, b = sympy.symbols("a b")
    >>> y = softmax([a, b])
    >>> y[0]
    exp(a)/(exp(a) + exp(b))
    >>> y[0].args[1].args[0] is y[1].args[1].args[0]   # the same sum object
    True
    """
    exps = [sympy.exp(zi, evaluate=False) for zi in z]
    total = _add(exps)
    inverse = sympy.Pow(total, -1, evaluate=False)
    return [sympy.Mul(e, inverse, evaluate=False) for e in exps]


def log_softmax(z: Sequence[sympy.Expr]) -> list[sympy.Expr]:
    """Log-softmax, ℓ_i = z_i − log Σ_j exp(z_j), the log-sum one shared subexpression.

    Examples
    --------
    >>> a, b = sympy.symbols("a b")
    >>> log_softmax([a, b])[1]
    b - log(exp(a) + exp(b))
    """
    log_total = sympy.log(_add([sympy.exp(zi, evaluate=False) for zi in z]), evaluate=False)
    return [sympy.Add(zi, _neg(log_total), evaluate=False) for zi in z]


def _target_values(target, n: int) -> list[sympy.Expr]:
    """Targets t_i as symbols (None), a one-hot class (int, from 1) or numbers."""
    if target is None:
        return [_symbol(f"t{i}") for i in range(1, n + 1)]
    if isinstance(target, bool):
        raise OptionError(f"target must be a class number, numbers or None, got {target!r}")
    if isinstance(target, int):
        if not 1 <= target <= n:
            raise OptionError(f"target class {target} is not between 1 and {n} (the output width)")
        return [sympy.S.One if i == target else sympy.S.Zero for i in range(1, n + 1)]
    values = list(target)
    if len(values) != n:
        raise OptionError(f"{len(values)} target values for {n} outputs")
    numbers = []
    for v in values:
        if isinstance(v, sympy.Symbol):
            numbers.append(v)
            continue
        try:
            number = sympy.Rational(str(v)) if not isinstance(v, sympy.Expr) else v
        except (TypeError, ValueError, sympy.SympifyError):
            raise OptionError(f"target value {v!r} is not a number") from None
        if not (number.is_number and number.is_real):
            raise OptionError(f"target value {v!r} is not a real number")
        numbers.append(number)
    return numbers


def _weighted(t: sympy.Expr, term: sympy.Expr) -> sympy.Expr | None:
    """t·term, dropping it for t = 0 and the factor for t = 1."""
    if t == 0:
        return None
    return term if t == 1 else sympy.Mul(t, term, evaluate=False)


def cross_entropy(outputs: Sequence[sympy.Expr], targets: Sequence[sympy.Expr], *,
                  kind: str = "softmax") -> sympy.Expr:
    """Cross-entropy loss of `outputs` against `targets` (symbols or numbers).

    Parameters
    ----------
    outputs : sequence of sympy.Expr
        Probabilities (``kind="softmax"`` or ``"sigmoid"``) or log-probabilities
        (``kind="log_softmax"``).
    targets : sequence of sympy.Expr
        t_i: symbols, or numbers (a one-hot vector for a class).
    kind : {"softmax", "log_softmax", "sigmoid"}
        ``softmax``: L = −Σ t_i log y_i; ``log_softmax``: L = −Σ t_i ℓ_i;
        ``sigmoid``: binary, L = −Σ [t_i log y_i + (1 − t_i) log(1 − y_i)].

    Examples
    --------
    >>> y1, y2, t1, t2 = sympy.symbols("y1 y2 t1 t2")
    >>> cross_entropy([y1, y2], [0, 1])
    -log(y2)
    >>> cross_entropy([y1, y2], [t1, t2])
    -t1*log(y1) - t2*log(y2)
    """
    terms: list[sympy.Expr] = []
    for y, t in zip(outputs, targets):
        t = sympy.sympify(t)
        log_y = y if kind == "log_softmax" else sympy.log(y, evaluate=False)
        terms.append(_weighted(t, log_y))
        if kind == "sigmoid":
            one_minus = sympy.Add(sympy.S.One, _neg(y), evaluate=False)
            rest = 1 - t if t.is_number else sympy.Add(sympy.S.One, _neg(t), evaluate=False)
            terms.append(_weighted(rest, sympy.log(one_minus, evaluate=False)))
    terms = [term for term in terms if term is not None]
    if not terms:
        raise OptionError("every target is 0: the cross-entropy is 0")
    return _add([_neg(term) for term in terms])


def mse(outputs: Sequence[sympy.Expr], targets: Sequence[sympy.Expr]) -> sympy.Expr:
    """Mean squared error (1/n) Σ (y_i − t_i)²; for one output simply (y − t)².

    Examples
    --------
    >>> y1, y2, t1 = sympy.symbols("y1 y2 t1")
    >>> sympy.sstr(mse([y1], [t1]), order="none")
    '(y1 - t1)**2'
    >>> sympy.sstr(mse([y1, y2], [1, 0]), order="none")
    '((y1 - 1)**2 + y2**2)/2'
    """
    squares = []
    for y, t in zip(outputs, targets):
        t = sympy.sympify(t)
        if t == 0:
            difference = y
        elif t.is_number:
            difference = sympy.Add(y, -t, evaluate=False)
        else:
            difference = sympy.Add(y, _neg(t), evaluate=False)
        squares.append(sympy.Pow(difference, 2, evaluate=False))
    total = _add(squares)
    if len(squares) == 1:
        return total
    return sympy.Mul(total, sympy.Pow(sympy.Integer(len(squares)), -1, evaluate=False), evaluate=False)


# --- names -------------------------------------------------------------------


def weight_name(layer: int, row: int, column: int) -> str:
    """The name of v^{(layer)}_{row column}: ``v{layer}_{row}_{column}`` (rows and columns from 1).

    Examples
    --------
    >>> weight_name(0, 1, 2)
    'v0_1_2'
    """
    return f"v{layer}_{row}_{column}"


def parse_weight_name(name: str) -> tuple[int, int, int] | None:
    """(layer, row, column) of a weight name such as ``v0_1_2``, or None.

    Examples
    --------
    >>> parse_weight_name("v2_3_1"), parse_weight_name("x1")
    ((2, 3, 1), None)
    """
    match = _WEIGHT_NAME.match(name)
    return tuple(int(g) for g in match.groups()) if match else None


# --- the network ------------------------------------------------------------------


class Network:
    """A multilayer perceptron and its loss, as one shared SymPy expression.

    Made by :func:`mlp`. Lists are indexed from 0; names count from 1.

    Attributes
    ----------
    sizes : tuple of int
        Widths of the layers, input first.
    hidden, output, loss_name : str
        The hidden and output activations and the loss.
    bias : bool
        Whether each neuron has a bias b{l}_{i}.
    inputs : tuple of sympy.Symbol
        x1 … x_n.
    weights : tuple of tuple of tuple of sympy.Symbol
        ``weights[l][i][j]`` is v^{(l)}_{i+1, j+1}, entry of V_l.
    biases : tuple of tuple of sympy.Symbol
        ``biases[l][i]`` is b{l}_{i+1} (empty without biases).
    targets : tuple of sympy.Expr
        t_i: symbols, or numbers for a one-hot class or given values.
    target_class : int or None
        The class (from 1) when the target is one-hot.
    preactivations, activations : tuple of tuple of sympy.Expr
        z^{(l)} = V_{l-1} h^{(l-1)} (+ b) and h^{(l)} = f_{l-1}(z^{(l)}) for l = 1 … n-1;
        the last activations are the outputs ŷ.
    loss : sympy.Expr
        L, the whole network in one expression.
    """

    def __init__(self, sizes, hidden, output, loss_name, bias, inputs, weights, biases,
                 targets, target_class, preactivations, activations, loss):
        self.sizes = sizes
        self.hidden = hidden
        self.output = output
        self.loss_name = loss_name
        self.bias = bias
        self.inputs = inputs
        self.weights = weights
        self.biases = biases
        self.targets = targets
        self.target_class = target_class
        self.preactivations = preactivations
        self.activations = activations
        self.loss = loss

    def __repr__(self) -> str:
        return (f"<Network {'-'.join(map(str, self.sizes))}: {self.hidden} hidden, "
                f"{self.output} output, {self.loss_name} loss, {len(self.weight_names)} weights>")

    @property
    def outputs(self) -> tuple[sympy.Expr, ...]:
        """ŷ: the activations of the last layer."""
        return self.activations[-1]

    @property
    def weight_names(self) -> list[str]:
        """Every weight's name, layer by layer, row by row."""
        return [v.name for matrix in self.weights for row in matrix for v in row]

    @property
    def parameter_names(self) -> list[str]:
        """Weights, then biases: what a training step updates."""
        return self.weight_names + [b.name for layer in self.biases for b in layer]

    @property
    def target_symbols(self) -> list[sympy.Symbol]:
        return [t for t in self.targets if isinstance(t, sympy.Symbol)]

    def activation_name(self, layer: int) -> str:
        """The activation f_layer (layer from 0) of the matrix V_layer."""
        return self.output if layer == len(self.sizes) - 2 else self.hidden

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The computation graph of :attr:`loss`, output named ``L``."""
        return build_graph(self.loss, output="L")

    @cached_property
    def tape(self) -> Tape:
        """:attr:`graph` compiled once into a float :class:`~symgrad.tape.Tape`."""
        return compile_tape(self.graph)

    def neuron_nodes(self) -> dict[str, tuple[str, int, int]]:
        """Graph node -> ("z" or "h", layer from 1, neuron from 1) for every neuron."""
        node_of = {self.graph.nodes[n]["expression"]: n for n in self.graph.graph["order"]
                   if self.graph.nodes[n]["kind"] == "operation"}
        names: dict[str, tuple[str, int, int]] = {}
        for kind, layers in (("z", self.preactivations), ("h", self.activations)):
            for layer, values in enumerate(layers, start=1):
                for i, value in enumerate(values, start=1):
                    node = node_of.get(value)
                    if node is not None:
                        names.setdefault(node, (kind, layer, i))
        return names

    def explain(self, wrt: str, **options):
        """:func:`symgrad.explain` of :attr:`loss` (output ``L``) with respect to `wrt`."""
        from .explain import explain
        self.check_parameter(wrt)
        return explain(self.loss, wrt, output="L", **options)

    def check_parameter(self, name: str) -> None:
        """Raise :class:`VariableError` unless `name` is a weight or bias of the network."""
        if name not in self.parameter_names:
            found = parse_weight_name(name)
            hint = ""
            if found and found[0] < len(self.sizes) - 1:
                layer = found[0]
                hint = (f"; V{layer} has rows 1..{self.sizes[layer + 1]} "
                        f"and columns 1..{self.sizes[layer]}")
            elif found:
                hint = f"; the layers are V0..V{len(self.sizes) - 2}"
            raise VariableError(f"{name!r} is not a weight of the network "
                                f"(weights v0_1_1 … {self.weight_names[-1]}{hint})")


def _check_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    sizes = tuple(sizes)
    if len(sizes) < 2:
        raise OptionError("sizes needs at least two layers (inputs and outputs), e.g. 4,3,3,4")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_NEURONS:
            raise OptionError(f"layer width {size!r} is not an integer between 1 and {MAX_NEURONS}")
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    if weights > MAX_WEIGHTS:
        raise OptionError(f"the network has {weights} weights; at most {MAX_WEIGHTS} are built")
    return sizes


def _check_choices(hidden: str, output: str, loss: str) -> None:
    for value, choices, what in ((hidden, HIDDEN, "hidden activation"),
                                 (output, OUTPUTS, "output activation"), (loss, LOSSES, "loss")):
        if value not in choices:
            raise OptionError(f"unknown {what} {value!r} (choose from {', '.join(choices)})")
    if loss == "cross_entropy" and output not in ("softmax", "log_softmax", "sigmoid"):
        raise OptionError(f"cross_entropy needs probabilities: use output softmax, log_softmax or "
                          f"sigmoid, or the mse loss with a {output} output")
    if loss == "mse" and output == "log_softmax":
        raise OptionError("log_softmax gives log-probabilities: use the cross_entropy loss")


def _layer(inputs: Sequence[sympy.Expr], matrix, biases) -> list[sympy.Expr]:
    """z = V h (+ b), one unevaluated sum per neuron."""
    z = []
    for i, row in enumerate(matrix):
        terms = [sympy.Mul(v, h, evaluate=False) for v, h in zip(row, inputs)]
        if biases:
            terms.append(biases[i])
        z.append(_add(terms))
    return z


def _loss(outputs, targets, output: str, loss: str) -> sympy.Expr:
    if loss == "mse":
        return mse(outputs, targets)
    return cross_entropy(outputs, targets, kind=output)


def mlp(sizes: Sequence[int] = (4, 3, 3, 4), hidden: str = "relu", output: str = "softmax",
        loss: str = "cross_entropy", bias: bool = False, target=None) -> Network:
    """Build a multilayer perceptron and its loss as one shared SymPy expression.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first: ``[4, 3, 3, 4]`` has the matrices V0 (3×4),
        V1 (3×3) and V2 (4×3).
    hidden : {"relu", "sigmoid", "tanh", "softplus", "identity"}
        Activation f_0 … f_{n-3} of the hidden layers.
    output : {"softmax", "log_softmax", "sigmoid", "tanh", "relu", "softplus", "identity"}
        Activation of the output layer.
    loss : {"cross_entropy", "mse"}
        Cross-entropy (with softmax, log-softmax, or binary with sigmoid) or
        mean squared error.
    bias : bool, default False
        Add a bias b{l}_{i} to every neuron.
    target : None, int or sequence of numbers
        None: target symbols t1 … t_n (inputs of the loss); an int: the
        one-hot class (from 1); numbers: the target values.

    Returns
    -------
    Network

    Raises
    ------
    OptionError
        For bad sizes, unknown activations or losses, a loss that does not
        fit the output, or a bad target.

    Examples
    --------
    >>> net = mlp([4, 3, 3, 4], hidden="relu", output="softmax", loss="cross_entropy", target=2)
    >>> net
    <Network 4-3-3-4: relu hidden, softmax output, cross_entropy loss, 33 weights>
    >>> len(net.graph), count_paths(net.graph, "v0_1_1")
    (94, 15)
    """
    sizes = _check_sizes(sizes)
    _check_choices(hidden, output, loss)
    targets = _target_values(target, sizes[-1])
    inputs = tuple(_symbol(f"x{j}") for j in range(1, sizes[0] + 1))
    weights = tuple(
        tuple(tuple(_symbol(weight_name(layer, i, j)) for j in range(1, sizes[layer] + 1))
              for i in range(1, sizes[layer + 1] + 1))
        for layer in range(len(sizes) - 1)
    )
    biases = tuple(
        tuple(_symbol(f"b{layer}_{i}") for i in range(1, sizes[layer + 1] + 1))
        for layer in range(len(sizes) - 1)
    ) if bias else ()
    h: Sequence[sympy.Expr] = inputs
    preactivations, activations = [], []
    for layer, matrix in enumerate(weights):
        z = _layer(h, matrix, biases[layer] if bias else ())
        last = layer == len(weights) - 1
        if last and output == "softmax":
            h = softmax(z)
        elif last and output == "log_softmax":
            h = log_softmax(z)
        else:
            h = [activate(output if last else hidden, zi) for zi in z]
        preactivations.append(tuple(z))
        activations.append(tuple(h))
    target_class = target if isinstance(target, int) and not isinstance(target, bool) else None
    return Network(sizes, hidden, output, loss, bias, inputs, weights, biases, tuple(targets),
                   target_class, tuple(preactivations), tuple(activations),
                   _loss(h, targets, output, loss))


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
        routes = f"{self.output_routes} route{'s' if self.output_routes != 1 else ''}"
        paths = f"{self.total} path{'s' if self.total != 1 else ''}"
        if self.last:
            return (f"The weight is in the last matrix V{self.layer}: the pre-activation of its "
                    f"output neuron reaches L by {routes}, so there {'is' if self.total == 1 else 'are'} "
                    f"{paths}.")
        if not self.widths:
            return (f"From its neuron, one edge leads to each output pre-activation, and these reach "
                    f"L by {routes} in all: {paths}. Each hidden layer between the weight and the "
                    "output would multiply this count by its width.")
        layers = ", ".join(f"layer {self.layer + 2 + k}: {w}" for k, w in enumerate(self.widths))
        return (f"The number of paths is the product of the widths of the later hidden layers "
                f"({layers}) and the {routes} from the output layer's pre-activations to L: "
                f"{self.formula()}. Every path enters one neuron of each later layer, so the "
                "earlier the layer of a weight, the more paths its derivative collects "
                "(the shells of the matryoshka).")


def path_formula(net: Network, weight: str) -> PathFormula:
    """The path count of dL/d`weight` as a product of layer widths.

    Examples
    --------
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
    from .graph import node, operation_nodes
    from .verify import backward_operations

    sizes: dict[int, int] = {}
    forward = sum(tree_size(node(graph, n).definition, sizes) for n in operation_nodes(graph))
    return OperationCounts(forward, backward_operations(graph, cache=sizes), graph.number_of_nodes(),
                           graph.number_of_edges())


# --- numbers and a training step -----------------------------------------------------


def random_point(net: Network, seed: int = 0, scale: float = 1.0) -> dict[str, float]:
    """Weights, inputs (and target symbols) drawn from ``random.Random(seed)``.

    Weights and biases are uniform in [−scale, scale], inputs in [0, scale]
    (like pixel intensities), all rounded to three decimals so that they print
    briefly; target symbols get a random one-hot class (probabilities) or
    values in [0, 1].

    Examples
    --------
    >>> point = random_point(mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse"), seed=1)
    >>> sorted(point)[:3], len(point)
    (['t1', 'v0_1_1', 'v0_1_2'], 9)
    """
    rng = random.Random(seed)
    point = {}
    for name in net.parameter_names:
        point[name] = round(rng.uniform(-scale, scale), 3)
    for x in net.inputs:
        point[x.name] = round(rng.uniform(0, scale), 3)
    targets = net.target_symbols
    if targets:
        if net.output in ("softmax", "log_softmax") or net.loss_name == "cross_entropy":
            chosen = rng.randrange(len(targets))
            point.update({t.name: 1.0 if k == chosen else 0.0 for k, t in enumerate(targets)})
        else:
            point.update({t.name: round(rng.uniform(0, 1), 3) for t in targets})
    return point


def complete_point(net: Network, given: Mapping[str, object], seed: int = 0) -> dict[str, object]:
    """`given` values, the rest drawn by :func:`random_point`; unknown names are refused."""
    names = set(net.graph.graph["inputs"])
    for name in given:
        if name not in names:
            known = ", ".join(list(net.graph.graph["inputs"])[:12])
            raise PointError(f"--at: {name!r} is not a variable of the network (variables: {known}, …)")
    return {**random_point(net, seed), **given}


@dataclass
class Numbers:
    """The forward and backward pass at one point, checked, and one gradient-descent step.

    Attributes
    ----------
    point : dict
        Every input's value (weights, biases, x, t).
    at : PointValues
        Every node's value and adjoint in 50-digit arithmetic, and finite differences.
    loss : mpmath.mpf
    gradients : dict of str to mpmath.mpf
        dL/dp for every weight and bias p, from one backward pass.
    finite_differences : dict of str to mpmath.mpf
    learning_rate : float
    updated : dict of str to mpmath.mpf
        p − η dL/dp.
    loss_after : mpmath.mpf
        L at the updated parameters.
    """

    point: dict
    at: PointValues
    loss: object
    gradients: dict
    finite_differences: dict
    learning_rate: float
    updated: dict
    loss_after: object

    @property
    def max_relative_error(self) -> float:
        """Largest gap between a gradient and its finite difference (relative, at least 1)."""
        from .point import max_relative_error
        return max_relative_error(self.gradients, self.finite_differences)


def numbers(net: Network, point: Mapping[str, object], learning_rate: float = 0.1) -> Numbers:
    """Values, loss, every gradient (checked by finite differences) and one update at `point`.

    Examples
    --------
    >>> net = mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse")
    >>> n = numbers(net, random_point(net, seed=3), learning_rate=0.5)
    >>> n.max_relative_error < 1e-20, n.loss_after < n.loss
    (True, True)
    """
    _check_learning_rate(learning_rate)
    at = evaluate_at(net.graph, point)
    parameters = [p for p in net.parameter_names if p in net.graph]
    with mpmath.workdps(DIGITS):
        eta = mpmath.mpf(str(learning_rate))
        gradients = {p: at.gradients[p] for p in parameters}
        updated = {p: mpmath.mpf(point[p]) - eta * gradients[p] for p in parameters}
        loss_after = _loss_at(net, {**point, **updated})
    differences = {p: at.finite_differences[p] for p in parameters if p in at.finite_differences}
    return Numbers(dict(point), at, at.values["L"], gradients, differences, learning_rate,
                   updated, loss_after)


def _check_learning_rate(learning_rate: float) -> None:
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) \
            or not 0 < learning_rate <= 100 or not math.isfinite(learning_rate):
        raise OptionError(f"the learning rate must be a number in (0, 100], got {learning_rate!r}")


def _loss_at(net: Network, point: Mapping[str, object]):
    try:
        return compile_tape(net.graph, backend="mpmath", digits=DIGITS).forward(point)
    except PointError:
        raise PointError("the loss is undefined after the update") from None


@dataclass
class TrainStep:
    """One gradient-descent step with the compiled tape (floats)."""

    loss: float
    gradients: dict[str, float]
    updated: dict[str, float]
    loss_after: float


def train_step(tape: Tape, point: Mapping[str, float], parameters: Sequence[str],
               learning_rate: float) -> TrainStep:
    """v ← v − η dL/dv for every parameter, with one forward and one backward pass of `tape`.

    Examples
    --------
    >>> net = mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse")
    >>> step = train_step(net.tape, random_point(net, seed=3), net.parameter_names, 0.5)
    >>> step.loss_after < step.loss
    True
    """
    _check_learning_rate(learning_rate)
    loss, grads = tape.gradient(point)
    updated = {p: float(point[p]) - learning_rate * grads[p] for p in parameters}
    return TrainStep(loss, {p: grads[p] for p in parameters}, updated,
                     tape.forward({**point, **updated}))
