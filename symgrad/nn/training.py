"""Numbers on a network: random points, checked values and gradients, a gradient-descent step.

The step in 50-digit numbers (:func:`numbers`) and in floats (:func:`train_step`)
come from the one numeric engine, so they agree:

Examples
--------
>>> net = mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse")
>>> point = random_point(net, seed=3)
>>> exact, fast = numbers(net, point, 0.5), train_step(net.tape, point, net.parameter_names, 0.5)
>>> abs(float(exact.loss_after) - fast.loss_after) < 1e-12
True
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import mpmath
import sympy

from ..errors import OptionError, PointError
from ..graph import input_nodes
from ..i18n import gettext as _
from ..point import DIGITS, CheckedGradients, ExactValues, evaluate_at, parse_point
from ..tape import Tape, compile_tape
from .builder import Network, mlp  # noqa: F401 - mlp: the examples build networks

__all__ = ["random_point", "complete_point", "Numbers", "numbers", "TrainStep", "train_step"]


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
    """`given` values, the rest drawn by :func:`random_point`; unknown names are refused.

    A value is a number (int, float, mpmath.mpf, a SymPy number) or text read
    by :func:`symgrad.parse_point` (never ``sympify``); anything else is a
    :class:`~symgrad.PointError`.

    Examples
    --------
    >>> net = mlp([2, 1], hidden="identity", output="identity", loss="mse")
    >>> point = complete_point(net, {"x1": "0.5", "v0_1_1": 2})
    >>> point["x1"], point["v0_1_1"], sorted(point)
    (mpf('0.5'), 2, ['t1', 'v0_1_1', 'v0_1_2', 'x1', 'x2'])
    """
    names = input_nodes(net.graph)
    for name in given:
        if name not in names:
            known = ", ".join(names[:12])
            raise PointError(_("--at: {name} is not a variable of the network ({known})").format(
                name=repr(name), known=known + ", …"))
    return {**random_point(net, seed), **{name: _point_value(name, v) for name, v in given.items()}}


def _point_value(name: str, value):
    """A value of `name` as given: a number kept, text read by :func:`parse_point`."""
    if isinstance(value, str):
        return parse_point(f"{name}={value}", [name])[name]
    if isinstance(value, bool) or not isinstance(value, (int, float, mpmath.mpf, sympy.Number)):
        raise PointError(_("the value of {name} is not a number or text such as '0.5' (got {type})").format(
            name=name, type=type(value).__name__))
    return value


@dataclass
class Numbers(CheckedGradients):
    """The forward and backward pass at one point, checked, and one gradient-descent step.

    Attributes
    ----------
    point : dict
        Every input's value (weights, biases, x, t).
    at : ExactValues
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
    at: ExactValues
    loss: object
    gradients: dict
    finite_differences: dict
    learning_rate: float
    updated: dict
    loss_after: object


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
    at = evaluate_at(net.graph, point).exact
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
        raise OptionError(_("the learning rate must be a number in (0, 100], got {value}").format(value=repr(learning_rate)))


def _loss_at(net: Network, point: Mapping[str, object]):
    try:
        return compile_tape(net.graph, backend="mpmath", digits=DIGITS).forward(point)
    except PointError:
        raise PointError(_("the loss is undefined after the update")) from None


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
