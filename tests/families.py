"""Expression families shared by the tests (the benchmarks' nested family)."""

import sympy


def nested(n: int, *, real: bool = True) -> sympy.Expr:
    """f0 = x, f(k+1) = sin(fk)*cos(fk) + fk**2: shared subexpressions, unevaluated, 3^n paths.

    `real`: whether x is declared real (SymPy then simplifies differently).

    Examples
    --------
    >>> nested(1)
    x**2 + sin(x)*cos(x)
    """
    x = sympy.Symbol("x", real=real)
    f = x
    for _ in range(n):
        f = sympy.Add(sympy.Mul(sympy.sin(f, evaluate=False), sympy.cos(f, evaluate=False), evaluate=False),
                      sympy.Pow(f, 2, evaluate=False), evaluate=False)
    return f
