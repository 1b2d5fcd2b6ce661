"""The lecture's neural network as one shared SymPy expression.

A multilayer perceptron ŷ = f_{n-1}(V_{n-1} ⋯ f_1(V_1 f_0(V_0 x))) and its loss L,
built with SymPy's automatic evaluation switched off, so every neuron is one
subexpression that all its consumers share: :func:`symgrad.build_graph` then
makes one node per neuron (and one per weight product), and the graph grows
with the number of weights, never exponentially. Layer l's matrix V_l has the
entries v^{(l)}_{ij}, typed ``v{l}_{i}_{j}`` (row i = neuron of layer l+1,
column j = neuron of layer l, both from 1).

The outputs and losses come from :mod:`symgrad.nn.losses`; their local
derivatives from the ordinary rule table (exp, log, sum, quotient, power).

Examples
--------
>>> net = mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse")
>>> [w.name for w in net.weights[1][0]]
['v1_1_1', 'v1_1_2']
>>> sympy.sstr(net.loss, order="none")
'(sigmoid(v1_1_1*sigmoid(v0_1_1*x1 + v0_1_2*x2) + v1_1_2*sigmoid(v0_2_1*x1 + v0_2_2*x2)) - t1)**2'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property

import networkx as nx
import sympy

from ..errors import OptionError, VariableError
from ..graph import build_graph
from ..i18n import N_, ngettext
from ..i18n import gettext as _
from ..tape import Tape, compile_tape
from ..vocabulary import relu, sigmoid, softplus
from .losses import cross_entropy, log_softmax, mse, real_symbol, softmax, as_expression, unevaluated_sum

__all__ = [
    "mlp", "Network", "activate", "HIDDEN", "OUTPUTS", "LOSSES", "weight_name", "parse_weight_name",
    "MAX_NEURONS", "MAX_WEIGHTS",
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


# --- activations and targets ---------------------------------------------------------


def activate(name: str, z: sympy.Expr) -> sympy.Expr:
    """Apply an elementwise activation (``relu``, ``sigmoid``, ``tanh``, ``softplus``, ``identity``).

    Examples
    --------
    >>> activate("relu", real_symbol("z")), activate("identity", real_symbol("z"))
    (relu(z), z)
    """
    if name == "identity":
        return as_expression(z, N_("activation input"))
    if name not in _FUNCTIONS:
        raise OptionError(_("unknown activation {value} (choose from {choices})").format(
            value=repr(name), choices=", ".join(HIDDEN)))
    return _FUNCTIONS[name](as_expression(z, N_("activation input")), evaluate=False)


def _as_expressions(target, n: int) -> list[sympy.Expr]:
    """Targets t_i as symbols (None), a one-hot class (int, from 1) or numbers."""
    if target is None:
        return [real_symbol(f"t{i}") for i in range(1, n + 1)]
    if isinstance(target, bool):
        raise OptionError(_("target must be a class number, numbers or None, got {value}").format(value=repr(target)))
    if isinstance(target, int):
        if not 1 <= target <= n:
            raise OptionError(_("target class {target} is not between 1 and {n} (the output width)").format(target=target, n=n))
        return [sympy.S.One if i == target else sympy.S.Zero for i in range(1, n + 1)]
    if isinstance(target, str) or not isinstance(target, Sequence):
        raise OptionError(_("target must be a class number, a sequence of numbers or None, got {type}").format(
            type=type(target).__name__))
    if len(target) != n:
        raise OptionError(ngettext("{count} target value for {n} outputs", "{count} target values for {n} outputs",
                                    len(target)).format(count=len(target), n=n))
    return [as_expression(v, number=True) for v in target]


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
    def node_names(self) -> dict[sympy.Expr, str]:
        """Each neuron's expression -> its node id, in the lecture's notation.

        ``z{l}_{i}`` is the pre-activation z^{(l)}_i, ``h{l}_{i}`` the activation
        h^{(l)}_i (layer l from 1), and the outputs are ``yhat_{i}`` (ŷ_i). Where an
        activation is the identity, h is z and keeps the name z (ŷ at the output).

        Examples
        --------
        >>> net = mlp([2, 1], hidden="relu", output="sigmoid", loss="mse")
        >>> sorted(net.node_names.values())
        ['yhat_1', 'z1_1']
        """
        names: dict[sympy.Expr, str] = {}
        last = len(self.activations)
        for layer, (zs, hs) in enumerate(zip(self.preactivations, self.activations), start=1):
            for i, (z, h) in enumerate(zip(zs, hs), start=1):
                names.setdefault(z, f"z{layer}_{i}")
                if layer == last:
                    names[h] = f"yhat_{i}"
                else:
                    names.setdefault(h, f"h{layer}_{i}")
        return names

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The computation graph of :attr:`loss`, output named ``L``, neurons named by :attr:`node_names`."""
        return build_graph(self.loss, output="L", node_names=self.node_names)

    @cached_property
    def tape(self) -> Tape:
        """:attr:`graph` compiled once into a float :class:`~symgrad.tape.Tape`."""
        return compile_tape(self.graph)

    def neuron_nodes(self) -> dict[str, tuple[str, int, int]]:
        """Graph node -> ("z" or "h", layer from 1, neuron from 1) for every neuron (ŷ is layer n's h)."""
        present = {name: expr for expr, name in self.node_names.items() if name in self.graph}
        keys: dict[str, tuple[str, int, int]] = {}
        for kind, layers in (("z", self.preactivations), ("h", self.activations)):
            for layer, values in enumerate(layers, start=1):
                for i, value in enumerate(values, start=1):
                    found = self.node_names.get(value)
                    if found in present:
                        keys.setdefault(found, (kind, layer, i))
        return keys

    def explain(self, wrt: str, **options):
        """:func:`symgrad.explain` of :attr:`loss` (output ``L``) with respect to `wrt`."""
        from ..explain import explain
        self.check_parameter(wrt)
        return explain(self.loss, wrt, output="L", node_names=self.node_names, **options)

    def check_parameter(self, name: str) -> None:
        """Raise :class:`VariableError` unless `name` is a weight or bias of the network."""
        if name not in self.parameter_names:
            found = parse_weight_name(name)
            hint = ""
            if found and found[0] < len(self.sizes) - 1:
                layer = found[0]
                hint = _("; V{layer} has rows 1..{rows} and columns 1..{columns}").format(
                    layer=layer, rows=self.sizes[layer + 1], columns=self.sizes[layer])
            elif found:
                hint = _("; the layers are V0..V{last}").format(last=len(self.sizes) - 2)
            raise VariableError(_("{name} is not a weight of the network (weights v0_1_1 … {last}{hint})").format(
                name=repr(name), last=self.weight_names[-1], hint=hint))


def _check_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    sizes = tuple(sizes)
    if len(sizes) < 2:
        raise OptionError(_("sizes needs at least two layers (inputs and outputs), e.g. 4,3,3,4"))
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_NEURONS:
            raise OptionError(_("layer width {size} is not an integer between 1 and {limit}").format(
                size=repr(size), limit=MAX_NEURONS))
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    if weights > MAX_WEIGHTS:
        raise OptionError(_("the network has {count} weights; at most {limit} are built").format(
            count=weights, limit=MAX_WEIGHTS))
    return sizes


def _check_choices(hidden: str, output: str, loss: str) -> None:
    for value, choices, unknown in (
            (hidden, HIDDEN, N_("unknown hidden activation {value} (choose from {choices})")),
            (output, OUTPUTS, N_("unknown output activation {value} (choose from {choices})")),
            (loss, LOSSES, N_("unknown loss {value} (choose from {choices})"))):
        if value not in choices:
            raise OptionError(_(unknown).format(value=repr(value), choices=", ".join(choices)))
    if loss == "cross_entropy" and output not in ("softmax", "log_softmax", "sigmoid"):
        raise OptionError(_("cross_entropy needs probabilities: use output softmax, log_softmax or "
                            "sigmoid, or the mse loss with a {output} output").format(output=output))
    if loss == "mse" and output == "log_softmax":
        raise OptionError(_("log_softmax gives log-probabilities: use the cross_entropy loss"))


def _layer(inputs: Sequence[sympy.Expr], matrix, biases) -> list[sympy.Expr]:
    """z = V h (+ b), one unevaluated sum per neuron."""
    z = []
    for i, row in enumerate(matrix):
        terms = [sympy.Mul(v, h, evaluate=False) for v, h in zip(row, inputs)]
        if biases:
            terms.append(biases[i])
        z.append(unevaluated_sum(terms))
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
    >>> from symgrad import count_paths
    >>> len(net.graph), count_paths(net.graph, "v0_1_1")
    (94, 15)
    """
    sizes = _check_sizes(sizes)
    _check_choices(hidden, output, loss)
    targets = _as_expressions(target, sizes[-1])
    inputs = tuple(real_symbol(f"x{j}") for j in range(1, sizes[0] + 1))
    weights = tuple(
        tuple(tuple(real_symbol(weight_name(layer, i, j)) for j in range(1, sizes[layer] + 1))
              for i in range(1, sizes[layer + 1] + 1))
        for layer in range(len(sizes) - 1)
    )
    biases = tuple(
        tuple(real_symbol(f"b{layer}_{i}") for i in range(1, sizes[layer + 1] + 1))
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
