"""The backward pass in matrix form: the lecture's matryoshka unwrapped from the outside in.

With the builder's indexing z^{(l+1)} = V_l h^{(l)} (+ b_l), h^{(l+1)} = f_l(z^{(l+1)}),
h^{(0)} = x and δ^{(l)} = ∂L/∂z^{(l)}:

* at the output, δ^{(n)} = ŷ − t for softmax (or log-softmax) with cross-entropy when
  the targets sum to 1, and for a sigmoid with binary cross-entropy; otherwise the
  general form δ^{(n)} = J_{f_{n-1}}(z^{(n)})ᵀ ∂L/∂ŷ;
* going in, δ^{(l)} = (V_lᵀ δ^{(l+1)}) ⊙ f′_{l−1}(z^{(l)});
* every weight at once, ∂L/∂V_l = δ^{(l+1)} (h^{(l)})ᵀ (and ∂L/∂b_l = δ^{(l+1)}).

:func:`matrix_backward` evaluates these equations at a point with plain lists
(no numpy) and checks each entry against the scalar graph's adjoints from the
one numeric engine (:meth:`symgrad.tape.Tape.adjoints`).

Examples
--------
>>> from symgrad.nn import mlp, random_point
>>> net = mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse")
>>> result = matrix_backward(net, random_point(net, seed=1))
>>> result.max_gap < 1e-12, len(result.weight_gradients), result.output_rule
(True, 2, 'general')
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .builder import Network

__all__ = ["MatrixBackward", "matrix_backward", "output_rule"]

#: f′ written through f's own value h = f(z) where that is the textbook form.
_DERIVATIVES = {
    "identity": lambda z, h: 1.0,
    "relu": lambda z, h: 1.0 if z > 0 else 0.0,
    "sigmoid": lambda z, h: h * (1.0 - h),
    "tanh": lambda z, h: 1.0 - h * h,
    "softplus": lambda z, h: 1.0 / (1.0 + math.exp(-z)),
}


_ACTIVATIONS = {
    "identity": lambda z: z,
    "relu": lambda z: max(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "tanh": math.tanh,
    "softplus": lambda z: math.log1p(math.exp(z)),
}


@dataclass(frozen=True)
class MatrixBackward:
    """The matrix-form backward pass at one point, checked against the scalar graph.

    Attributes
    ----------
    deltas : dict of int to list of float
        δ^{(l)} for l = 1 … n (n: the output layer).
    weight_gradients : list of list of list of float
        ``weight_gradients[l][i][j]`` = (δ^{(l+1)} h^{(l)ᵀ})_{ij} = ∂L/∂v^{(l)}_{i+1,j+1}.
    output_rule : str
        ``"difference"`` (δ = ŷ − t) or ``"general"``.
    gaps : dict of str to float
        For every checked entry (a z node or a weight), |matrix form − scalar graph|.
    """

    deltas: dict
    weight_gradients: list
    output_rule: str
    gaps: dict

    @property
    def max_gap(self) -> float:
        """The largest gap over every checked entry."""
        return max(self.gaps.values(), default=0.0)


def _targets(net: Network, point) -> list[float]:
    return [float(point[t.name]) if t.is_Symbol else float(t) for t in net.targets]


def output_rule(net: Network, targets: list[float] | None = None) -> str:
    """``"difference"`` when δ at the output is ŷ − t, else ``"general"``.

    Softmax or log-softmax with cross-entropy needs targets that sum to 1
    (symbolic targets: the rule is stated under that assumption, checked at the
    point); a sigmoid with binary cross-entropy is always ŷ − t.

    Examples
    --------
    >>> from symgrad.nn import mlp
    >>> output_rule(mlp([2, 2], output="softmax", loss="cross_entropy"), [0.0, 1.0])
    'difference'
    >>> output_rule(mlp([2, 2], output="softmax", loss="mse"))
    'general'
    """
    if net.loss_name != "cross_entropy":
        return "general"
    if net.output == "sigmoid":
        return "difference"
    if targets is None:
        return "difference"
    return "difference" if abs(sum(targets) - 1.0) < 1e-12 else "general"


def _loss_gradient(net: Network, yhat: list[float], t: list[float]) -> list[float]:
    """∂L/∂ŷ_i for the network's loss."""
    if net.loss_name == "mse":
        return [2.0 * (y - ti) / len(yhat) for y, ti in zip(yhat, t)]
    if net.output == "log_softmax":
        return [-ti for ti in t]
    if net.output == "sigmoid":
        return [-ti / y + (1.0 - ti) / (1.0 - y) for y, ti in zip(yhat, t)]
    return [-ti / y for y, ti in zip(yhat, t)]


def _outputs(activation: str, z: list[float]) -> list[float]:
    """ŷ = f_{n-1}(z^{(n)}): softmax, log-softmax or an elementwise activation."""
    if activation in ("softmax", "log_softmax"):
        top = max(z)
        log_total = top + math.log(sum(math.exp(v - top) for v in z))
        return [math.exp(v - log_total) if activation == "softmax" else v - log_total for v in z]
    return [_ACTIVATIONS[activation](v) for v in z]


def _output_delta(net: Network, z: list[float], yhat: list[float], t: list[float]) -> list[float]:
    """δ^{(n)} = J_fᵀ ∂L/∂ŷ (the general form, which is ŷ − t where :func:`output_rule` says so)."""
    g = _loss_gradient(net, yhat, t)
    if net.output == "softmax":
        inner = sum(gi * yi for gi, yi in zip(g, yhat))
        return [yi * (gi - inner) for gi, yi in zip(g, yhat)]
    if net.output == "log_softmax":
        p = [math.exp(v) for v in yhat]
        return [gi - pi * sum(g) for gi, pi in zip(g, p)]
    derivative = _DERIVATIVES[net.output]
    return [gi * derivative(zi, yi) for gi, zi, yi in zip(g, z, yhat)]


def matrix_backward(net: Network, point) -> MatrixBackward:
    """Evaluate the matrix-form backward pass at `point` and check it entry by entry.

    Parameters
    ----------
    net : Network
    point : mapping of str to number
        Every input of the graph: weights (and biases), x, and target symbols.

    Returns
    -------
    MatrixBackward
    """
    values, adjoints = net.tape.adjoints(point)
    layers = len(net.sizes) - 1
    z = {l: [float(values[_name(net, net.preactivations[l - 1][i])]) for i in range(net.sizes[l])]
         for l in range(1, layers + 1)}
    h = {0: [float(point[x.name]) for x in net.inputs]}
    h.update({l: [float(values[_name(net, net.activations[l - 1][i])]) for i in range(net.sizes[l])]
              for l in range(1, layers)})
    h[layers] = _outputs(net.output, z[layers])  # an output the loss ignores is no node of the graph
    t = _targets(net, point)
    deltas = {layers: _output_delta(net, z[layers], h[layers], t)}
    for l in range(layers - 1, 0, -1):
        matrix = [[float(point[v.name]) for v in row] for row in net.weights[l]]
        derivative = _DERIVATIVES[net.hidden]
        pulled = [sum(matrix[i][j] * deltas[l + 1][i] for i in range(len(matrix))) for j in range(net.sizes[l])]
        deltas[l] = [pulled[j] * derivative(z[l][j], h[l][j]) for j in range(net.sizes[l])]
    weight_gradients = [[[deltas[l + 1][i] * h[l][j] for j in range(net.sizes[l])] for i in range(net.sizes[l + 1])]
                        for l in range(layers)]
    gaps = {}
    for l, delta in deltas.items():
        for i, value in enumerate(delta):
            name = _name(net, net.preactivations[l - 1][i])
            gaps[name] = abs(value - float(adjoints[name]))
    for l, matrix in enumerate(net.weights):
        for i, row in enumerate(matrix):
            for j, v in enumerate(row):
                if v.name in adjoints:
                    gaps[v.name] = abs(weight_gradients[l][i][j] - float(adjoints[v.name]))
    return MatrixBackward(deltas, weight_gradients, output_rule(net, t), gaps)


def _name(net: Network, expr) -> str:
    return net.node_names[expr]
