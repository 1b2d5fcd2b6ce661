"""Numbers from expressions: evaluation at a point, in arbitrary precision.

:func:`evaluate` computes a SymPy expression at a point with the mpmath
backend of the numeric engine (:mod:`symgrad.tape`): the expression is
compiled once, each distinct subexpression one instruction (so huge shared
expressions are cheap), and run; nothing is passed to ``eval``/``lambdify``.
Abstract functions have no values; the check replaces them by concrete ones
first (:func:`concretize`).
"""

from __future__ import annotations

from collections.abc import Mapping

import mpmath  # noqa: F401 - the examples use it
import sympy
from sympy.core.function import AppliedUndef

from .tape import MAX_MAGNITUDE_BITS, NotANumber, compile_expression
from .vocabulary import sigmoid  # noqa: F401 - the examples use it

__all__ = ["evaluate", "concretize", "NotANumber", "is_real_at", "MAX_MAGNITUDE_BITS"]


# Its docstring's Returns/Raises sections have the shape of chain.gradients' (numpydoc layout,
# flagged by the duplicate finder): text alike in form, no code repeated.
def evaluate(expr: sympy.Expr, point: Mapping[sympy.Symbol, object], digits: int = 50):
    """Evaluate `expr` at `point` with `digits` significant digits.

    Intermediate values may be complex (SymPy's derivatives sometimes pass
    through complex numbers); every one must be finite.

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
    return compile_expression(expr, "mpmath", digits).evaluate(point)


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
    try:
        compile_expression(expr, "mpmath", digits, real=True).evaluate(point)
    except NotANumber:
        return False
    return True


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
