"""Numbers from expressions: evaluation at a point, in arbitrary precision.

:func:`evaluate` computes a SymPy expression at a point with mpmath, visiting
each distinct subexpression once (so huge shared expressions are cheap) and
never calling ``eval``/``lambdify``. Abstract functions have no values; the
check replaces them by concrete ones first (:func:`concretize`).
"""

from __future__ import annotations

from collections.abc import Mapping

import mpmath
import sympy
from sympy.core.function import AppliedUndef

from .exprtools import postorder
from .vocabulary import relu, sigmoid, softplus

__all__ = ["evaluate", "concretize", "NotANumber", "is_real_at"]


class NotANumber(ArithmeticError):
    """The expression has no finite value at this point (a pole, a log of 0, ...)."""


#: Values beyond 2**MAX_MAGNITUDE_BITS count as overflow: mpmath would otherwise
#: spend unbounded time and memory on towers such as x**x**x**x at x = 2.
MAX_MAGNITUDE_BITS = 4096


def _bounded(value):
    if mpmath.isfinite(value) and value != 0 and mpmath.mag(value) > MAX_MAGNITUDE_BITS:
        raise OverflowError("value too large")
    return value


def _heaviside(x, h0=mpmath.mpf("0.5")):
    x = mpmath.re(x)
    return mpmath.mpf(1) if x > 0 else (mpmath.mpf(0) if x < 0 else h0)


def _sign(x):
    if isinstance(x, mpmath.mpc):
        return x / abs(x) if x != 0 else mpmath.mpf(0)
    return mpmath.sign(x)


_FUNCTIONS = {
    sympy.exp: mpmath.exp,
    sympy.log: mpmath.log,
    sympy.sin: mpmath.sin,
    sympy.cos: mpmath.cos,
    sympy.tan: mpmath.tan,
    sympy.tanh: mpmath.tanh,
    sympy.Abs: abs,
    sympy.sign: _sign,
    sympy.Heaviside: _heaviside,
    sigmoid: lambda x: 1 / (1 + mpmath.exp(-x)),
    relu: lambda x: x if mpmath.re(x) > 0 else mpmath.mpf(0),
    softplus: lambda x: mpmath.log(1 + mpmath.exp(x)),
}


def evaluate(expr: sympy.Expr, point: Mapping[sympy.Symbol, object], digits: int = 50):
    """Evaluate `expr` at `point` with `digits` significant digits.

    Parameters
    ----------
    expr : sympy.Expr
        Any expression of the vocabulary (no abstract functions).
    point : mapping of sympy.Symbol to number
        A value for every free symbol.
    digits : int
        Working precision in decimal digits.

    Returns
    -------
    mpmath.mpf or mpmath.mpc

    Raises
    ------
    NotANumber
        If the value is infinite or undefined at this point.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> mpmath.nstr(evaluate(sigmoid(x) * x, {x: 2}, digits=30), 20)
    '1.7615941559557648881'
    """
    values: dict[int, object] = {}
    with mpmath.workdps(digits):
        try:
            for node in postorder(expr):
                values[id(node)] = _value(node, values, point)
        except (ZeroDivisionError, ValueError, OverflowError, TypeError, AttributeError) as err:
            raise NotANumber(str(err)) from None
        result = values[id(expr)]
        if not mpmath.isfinite(result):
            raise NotANumber("not finite")
        return +result


def is_real_at(expr: sympy.Expr, point: Mapping[sympy.Symbol, object], digits: int = 50) -> bool:
    """Whether every subexpression of `expr` has a finite real value at `point`.

    The chain rule of symgrad is the real one (``d|u| = sign(u) du``), so it
    only speaks about points where every intermediate value is real.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> is_real_at(sympy.Abs(sympy.sqrt(x)), {x: 2}), is_real_at(sympy.Abs(sympy.sqrt(x)), {x: -2})
    (True, False)
    """
    values: dict[int, object] = {}
    with mpmath.workdps(digits):
        try:
            for node in postorder(expr):
                value = values[id(node)] = _value(node, values, point)
                if isinstance(value, mpmath.mpc) and value.imag != 0:
                    return False
        except (ZeroDivisionError, ValueError, OverflowError, TypeError, AttributeError):
            return False  # e.g. NaN, or SymPy answering a comparison (BooleanTrue) for a number
    return True


def _value(node: sympy.Basic, values: dict[int, object], point):
    if isinstance(node, sympy.Symbol):
        if node not in point:
            raise ValueError(f"no value for {node}")
        return mpmath.mpmathify(point[node])
    if isinstance(node, (sympy.Number, sympy.NumberSymbol)) or node is sympy.I:
        return mpmath.mpmathify(node.evalf(mpmath.mp.dps + 5))
    args = [values[id(arg)] for arg in node.args]
    return _bounded(_operation(node, args))


def _operation(node: sympy.Basic, args: list):
    if isinstance(node, sympy.Add):
        return mpmath.fsum(args)
    if isinstance(node, sympy.Mul):
        return mpmath.fprod(args)
    if isinstance(node, sympy.Pow):
        base, exponent = args
        if base == 0 and mpmath.re(exponent) < 0:
            raise ZeroDivisionError("division by zero")
        return mpmath.power(base, exponent)
    function = _FUNCTIONS.get(node.func)
    if function is not None:
        result = function(*args)
        if node.func is sympy.log and args[0] == 0:
            raise ZeroDivisionError("log(0)")
        return result
    # Anything else SymPy knows: let SymPy evaluate one level, at this precision.
    numbers = [sympy.Float(a, mpmath.mp.dps) if not isinstance(a, mpmath.mpc)
               else sympy.Float(a.real, mpmath.mp.dps) + sympy.I * sympy.Float(a.imag, mpmath.mp.dps)
               for a in args]
    result = node.func(*numbers).evalf(mpmath.mp.dps)
    if not result.is_number or result.has(sympy.zoo, sympy.nan, sympy.oo):
        raise ValueError(f"cannot evaluate {node.func}")
    return mpmath.mpmathify(complex(result) if not result.is_real else result)


def concretize(expr: sympy.Expr) -> sympy.Expr:
    """Replace every abstract function by a fixed smooth function, derivatives done.

    ``f(t)`` becomes ``sin(t) + t**2/7 + k*t`` with ``k`` depending on the
    name and the argument position: any identity that holds for every ``f``
    holds for this one, so numbers can test it.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> f = sympy.Function("f")
    >>> concretize(sympy.Derivative(f(x), x).subs(x, 2*x)).has(f)
    False
    """
    functions = {a.func for a in expr.atoms(AppliedUndef)}
    if not functions:
        return expr
    replacements = {}
    for function in functions:
        arity = len(next(a for a in expr.atoms(AppliedUndef) if a.func is function).args)
        dummies = sympy.symbols(f"t0:{arity}", cls=sympy.Dummy)
        seed = sum(map(ord, function.__name__)) % 7 + 1
        body = sum(
            (sympy.sin(t + i) + t**2 / 7 + sympy.Rational(seed, 3) * t for i, t in enumerate(dummies)),
            sympy.S.Zero,
        )
        replacements[function] = sympy.Lambda(dummies, body)
    from .exprtools import map_unevaluated  # noqa: PLC0415 - kept local to this function

    # Without evaluating the rest: evaluation would fold e.g. abs((-1)^x) into 1 and hide the
    # non-real intermediates that the check must see.
    def concrete(node: sympy.Basic) -> sympy.Basic:
        if isinstance(node, AppliedUndef):
            return replacements[node.func](*node.args)
        return node.doit() if isinstance(node, (sympy.Derivative, sympy.Subs)) else node

    return map_unevaluated(expr, concrete)
