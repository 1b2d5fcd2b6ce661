"""Outputs and losses of a network: softmax, log-softmax, cross-entropy, mean squared error.

Every function builds unevaluated SymPy expressions whose shared parts (the
softmax sum) are one object, so that :func:`symgrad.build_graph` makes one
node of them. Targets, outputs and pre-activations are numbers, SymPy expressions, or
text read by :func:`symgrad.parse` (never by ``sympify``).

Examples
--------
>>> a, b = sympy.symbols("a b")
>>> cross_entropy(softmax([a, b]), [1, 0])
-log(exp(a)/(exp(a) + exp(b)))
"""

from __future__ import annotations

import fractions
import re
from collections.abc import Sequence

import sympy

from ..errors import OptionError, SymgradError
from ..i18n import N_
from ..i18n import gettext as _
from ..parse import parse

__all__ = ["softmax", "log_softmax", "cross_entropy", "mse", "as_expression"]

#: The text of a plain number, read exactly (``0.5`` is 1/2) once :func:`symgrad.parse` accepted it.
_NUMBER_TEXT = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*\Z")
#: Largest integer target, in bits (a typed literal has at most 30 digits and exponent 300).
_MAX_INTEGER_BITS = 1100


def real_symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def negative(expr: sympy.Expr) -> sympy.Expr:
    return sympy.Mul(sympy.S.NegativeOne, expr, evaluate=False)


def unevaluated_sum(terms: Sequence[sympy.Expr]) -> sympy.Expr:
    return terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False)



def as_expression(value, what: str = N_("target value"), *, number: bool = False) -> sympy.Expr:
    """A caller's value (a target, an output, a pre-activation) as a SymPy expression.

    Text goes through :func:`symgrad.parse`, never ``sympify``.

    Parameters
    ----------
    value : int, float, fractions.Fraction, sympy.Expr or str
        A number, a SymPy expression (a symbol such as t1), or text such as
        ``"0.5"`` or ``"t1"``.
    what : str
        What the value is, for the error message.
    number : bool, default False
        Accept only real numbers (and SymPy symbols), as :func:`mlp` does.

    Raises
    ------
    OptionError
        For any other type, text the parser refuses, or (with `number`) a
        value that is not a real number.

    Examples
    --------
    >>> as_expression("0.5"), as_expression(2), as_expression("1 - t1")
    (1/2, 2, 1 - t1)
    >>> as_expression("__import__('os')")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    symgrad.errors.OptionError: target value "__import__('os')" is refused: ...
    """
    if isinstance(value, sympy.Expr):
        expr = value
    elif isinstance(value, bool) or not isinstance(value, (int, float, fractions.Fraction, str)):
        raise OptionError(_("{what} {value} is not a number, a SymPy expression or text").format(
            what=_(what), value=_shown(value)))
    elif isinstance(value, str):
        expr = _parsed(value, what)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise OptionError(_("{what} {value} is not a finite number").format(what=_(what), value=repr(value)))
        expr = sympy.Rational(str(value))
    else:  # int or Fraction
        value = fractions.Fraction(value)
        expr = sympy.Rational(_bounded(value.numerator, what), _bounded(value.denominator, what))
    if isinstance(expr, sympy.Rational):
        _bounded(expr.p, what), _bounded(expr.q, what)
    if number and not isinstance(expr, sympy.Symbol) and not (expr.is_number and expr.is_real):
        raise OptionError(_("{what} {value} is not a real number").format(what=_(what), value=_shown(value)))
    return expr


def _bounded(integer: int, what: str) -> int:
    """`integer`, unless it has more digits than a typed number may (it could not even be printed)."""
    if integer.bit_length() > _MAX_INTEGER_BITS:
        raise OptionError(_("{what} is too large (more than 300 digits)").format(what=_(what)))
    return integer


def _parsed(text: str, what: str) -> sympy.Expr:
    try:
        expr = parse(text)
    except SymgradError as err:
        raise OptionError(_("{what} {value} is refused: {error}").format(what=_(what), value=_shown(text), error=err)) from None
    if _NUMBER_TEXT.match(text):
        return sympy.Rational(text.strip())  # exact, as typed; parse() bounded its size
    return expr


def _shown(value) -> str:
    """`value` for a one-line message: its repr, cut short."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


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
    exps = [sympy.exp(as_expression(zi, N_("softmax input")), evaluate=False) for zi in z]
    total = unevaluated_sum(exps)
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
    z = [as_expression(zi, N_("log_softmax input")) for zi in z]
    log_total = sympy.log(unevaluated_sum([sympy.exp(zi, evaluate=False) for zi in z]), evaluate=False)
    return [sympy.Add(zi, negative(log_total), evaluate=False) for zi in z]

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
        y, t = as_expression(y, N_("output")), as_expression(t)
        log_y = y if kind == "log_softmax" else sympy.log(y, evaluate=False)
        terms.append(_weighted(t, log_y))
        if kind == "sigmoid":
            one_minus = sympy.Add(sympy.S.One, negative(y), evaluate=False)
            rest = 1 - t if t.is_number else sympy.Add(sympy.S.One, negative(t), evaluate=False)
            terms.append(_weighted(rest, sympy.log(one_minus, evaluate=False)))
    terms = [term for term in terms if term is not None]
    if not terms:
        raise OptionError(_("every target is 0: the cross-entropy is 0"))
    return unevaluated_sum([negative(term) for term in terms])


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
        y, t = as_expression(y, N_("output")), as_expression(t)
        if t == 0:
            difference = y
        elif t.is_number:
            difference = sympy.Add(y, -t, evaluate=False)
        else:
            difference = sympy.Add(y, negative(t), evaluate=False)
        squares.append(sympy.Pow(difference, 2, evaluate=False))
    total = unevaluated_sum(squares)
    if len(squares) == 1:
        return total
    return sympy.Mul(total, sympy.Pow(sympy.Integer(len(squares)), -1, evaluate=False), evaluate=False)
