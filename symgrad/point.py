"""Values and gradients at a point: the forward and backward pass with numbers.

:func:`parse_point` reads ``"w=0.5,x=2,b=-1"`` (numbers only, never evaluated
as code); :func:`evaluate_at` runs the forward pass (every node's value) and
the backward pass (every node's adjoint, i.e. d output / d node) on the
computation graph with the numeric engine (:mod:`symgrad.tape`) in 50-digit
arithmetic, and checks each input's gradient against a central finite
difference.

Examples
--------
>>> from symgrad import parse, build_graph
>>> from symgrad.graph import input_nodes
>>> g = build_graph(parse("sigmoid(w*x + b)"))
>>> at = evaluate_at(g, parse_point("w=0.5,x=2,b=-1", input_nodes(g)))
>>> at.values["f"], at.gradients["w"]
(0.5, 0.5)
>>> at.max_relative_error < 1e-20
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import mpmath
import networkx as nx

from .deadline import checkpoint
from .errors import PointError
from .graph import input_nodes
from .i18n import gettext as _
from .parse import decimal_problem, is_decimal, is_valid_name
from .tape import Tape, compile_tape

__all__ = ["parse_point", "evaluate_at", "PointValues", "ExactValues", "max_relative_error", "DIGITS",
           "CheckedGradients"]

#: Working precision of the forward and backward pass, in decimal digits.
DIGITS = 50
_MAX_TEXT = 10_000


def parse_point(text: str, inputs: Sequence[str]) -> dict[str, mpmath.mpf]:
    """Read ``name=value`` pairs separated by commas; every input needs a value.

    Parameters
    ----------
    text : str
        For example ``"w=0.5,x=2,b=-1"``; values are decimal numbers.
    inputs : sequence of str
        The expression's variables.

    Returns
    -------
    dict of str to mpmath.mpf

    Raises
    ------
    PointError
        For a malformed pair, an unknown or repeated name, a missing value,
        or a number out of range; the message names it.

    Examples
    --------
    >>> parse_point("x=2, y=-1.5e-3", ["x", "y"])
    {'x': mpf('2.0'), 'y': mpf('-0.0015')}
    """
    if not isinstance(text, str) or len(text) > _MAX_TEXT:
        raise PointError(_("--at: expected at most {limit} characters of name=value pairs").format(limit=_MAX_TEXT))
    point: dict[str, mpmath.mpf] = {}
    for number, pair in enumerate(text.split(","), start=1):
        name, value = _split_pair(pair.strip(), number)
        if name not in inputs:
            known = ", ".join(inputs) or _("none")
            raise PointError(_("--at: {name} is not a variable of the expression (variables: {known})").format(
                name=repr(name), known=known))
        if name in point:
            raise PointError(_("--at: {name} is given twice").format(name=repr(name)))
        point[name] = _number(value, name)
    missing = [name for name in inputs if name not in point]
    if missing:
        raise PointError(_("--at: no value for {names}").format(names=", ".join(missing)))
    return point


def _split_pair(pair: str, number: int) -> tuple[str, str]:
    name, sep, value = pair.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value:
        raise PointError(_("--at: item {number} is not of the form name=value").format(number=number))
    if not is_valid_name(name):
        raise PointError(_("--at: item {number}: {name} is not a variable name").format(
            number=number, name=repr(name[:40])))
    return name, value


def _number(text: str, name: str) -> mpmath.mpf:
    unsigned = text[1:] if text[:1] in ("+", "-") else text
    if not is_decimal(unsigned):
        raise PointError(_("--at: the value of {name} is not a decimal number: {value}").format(
            name=name, value=repr(text[:40])))
    if decimal_problem(unsigned) is not None:  # the parser's limits on digits and exponent
        raise PointError(_("--at: the value of {name} is out of range").format(name=name))
    with mpmath.workdps(DIGITS):
        return mpmath.mpf(text)


def max_relative_error(gradients: Mapping[str, object], finite_differences: Mapping[str, object]) -> float:
    """Largest relative gap between a gradient and its finite difference (relative to at least 1).

    Names without a gradient are skipped.

    Examples
    --------
    >>> max_relative_error({"x": mpmath.mpf(2)}, {"x": mpmath.mpf("2.5")})
    0.2
    """
    gaps = [
        abs(gradients[name] - fd) / max(abs(fd), mpmath.mpf(1))
        for name, fd in finite_differences.items() if name in gradients
    ]
    return float(max(gaps, default=0))


class CheckedGradients:
    """The check of a class with ``gradients`` and ``finite_differences`` (mappings by name)."""

    gradients: Mapping[str, object]
    finite_differences: Mapping[str, object]

    @property
    def max_relative_error(self) -> float:
        """Largest relative gap between a gradient and its finite difference (see :func:`max_relative_error`)."""
        return max_relative_error(self.gradients, self.finite_differences)


@dataclass(frozen=True)
class ExactValues(CheckedGradients):
    """The forward and backward pass at one point, in mpmath numbers of :data:`DIGITS` digits.

    What :attr:`PointValues.exact` gives; the same attributes as :class:`PointValues`.
    """

    point: dict
    values: dict
    gradients: dict
    finite_differences: dict


class PointValues:
    """The forward and backward pass at one point, as Python floats.

    Attributes
    ----------
    point : dict of str to float
        The inputs' values.
    values : dict of str to float
        Every node's value (inputs, constants, operations).
    gradients : dict of str to float
        Every node's adjoint: d output / d node, from the backward pass.
    finite_differences : dict of str to float
        Central finite difference of the output for each input.
    exact : ExactValues
        The same in mpmath numbers of :data:`DIGITS` digits.

    Examples
    --------
    >>> from symgrad import explain
    >>> at = explain("x*y", "x", at="x=2,y=0.5").values
    >>> at.gradients["x"], at.exact.gradients["x"]
    (0.5, mpf('0.5'))
    >>> at
    PointValues(point={'x': 2.0, 'y': 0.5}, output f = 1.0, gradients={'x': 0.5, 'y': 2.0})
    """

    def __init__(self, point: dict, values: dict, gradients: dict, finite_differences: dict):
        self.exact = ExactValues(dict(point), dict(values), dict(gradients), dict(finite_differences))
        self.point = _floats(point)
        self.values = _floats(values)
        self.gradients = _floats(gradients)
        self.finite_differences = _floats(finite_differences)

    @property
    def max_relative_error(self) -> float:
        """Largest relative gap between a gradient and its finite difference."""
        return self.exact.max_relative_error

    def __repr__(self) -> str:
        output = _output_name(self)
        inputs = {name: self.gradients[name] for name in self.point if name in self.gradients}
        shown = f", output {output} = {self.values[output]!r}" if output not in (None, *self.point) else ""
        return f"PointValues(point={self.point!r}{shown}, gradients={inputs!r})"


def _output_name(at: PointValues) -> str | None:
    """The node computed last (the output): the values are in the order of computation."""
    return next(reversed(at.values), None)


def _floats(numbers: Mapping[str, object]) -> dict[str, float]:
    return {name: float(value) for name, value in numbers.items()}


#: Node evaluations spent on finite differences (two forward passes per input checked):
#: a large network gets its gradients checked at an evenly spread sample of inputs.
FINITE_DIFFERENCE_WORK = 250_000


def evaluate_at(graph: nx.MultiDiGraph, point: Mapping[str, object], always: Sequence[str] = ()) -> PointValues:
    """Run the forward and the backward pass of `graph` at `point`.

    Both are the numeric engine's (:func:`symgrad.tape.compile_tape`, mpmath
    backend at :data:`DIGITS` digits, real values only). Gradients are checked
    by central finite differences for every input, or, when that would take
    more than :data:`FINITE_DIFFERENCE_WORK` node evaluations, for an evenly
    spread sample of them and the inputs named in `always`. The active time
    budget (:mod:`symgrad.deadline`) is checked between inputs.

    Raises
    ------
    PointError
        If an intermediate value is undefined, complex or infinite there
        (log of a negative number, division by zero).
    GraphError
        If the graph has abstract functions, which have no values.
    """
    tape = compile_tape(graph, backend="mpmath", digits=DIGITS)
    values, gradients = tape.adjoints(point)
    with mpmath.workdps(DIGITS):
        step = mpmath.mpf(10) ** (-(DIGITS // 2))
        differences = {}
        for name in _checked_inputs(graph, always):
            checkpoint()
            up = _output_or_none(tape, {**point, name: mpmath.mpf(point[name]) + step})
            down = _output_or_none(tape, {**point, name: mpmath.mpf(point[name]) - step})
            if up is not None and down is not None:
                differences[name] = (up - down) / (2 * step)
    return PointValues(dict(point), values, gradients, differences)


def _checked_inputs(graph: nx.MultiDiGraph, always: Sequence[str]) -> list[str]:
    """The inputs whose gradient finite differences check: all, or an evenly spread sample."""
    inputs = input_nodes(graph)
    wanted = max(1, FINITE_DIFFERENCE_WORK // (2 * graph.number_of_nodes()))
    if len(inputs) <= wanted:
        return inputs
    stride = len(inputs) / wanted
    sample = {inputs[int(i * stride)] for i in range(wanted)} | {n for n in always if n in inputs}
    return [name for name in inputs if name in sample]


def _output_or_none(tape: Tape, point: Mapping[str, object]):
    try:
        return tape.forward(point)
    except PointError:
        return None
