"""The functions an expression may call, as SymPy objects.

SymPy has no ``sigmoid``, ``relu`` or ``softplus``; they are defined here as
SymPy functions that differentiate and evaluate numerically (their notation is
in :mod:`symgrad.render.printers`), so that
``sympy.diff`` and symgrad's chain rule speak about the same objects.

:data:`FUNCTIONS` maps each name a user may call to its SymPy class, and
:func:`sympify_namespace` gives the dictionary to pass as ``locals`` to
``sympy.sympify`` to read back the expression strings of symgrad's JSON.

Examples
--------
>>> import sympy
>>> x = sympy.Symbol("x", real=True)
>>> sympy.diff(sigmoid(x), x)
(1 - sigmoid(x))*sigmoid(x)
>>> relu(-2), relu(3)
(0, 3)
>>> round(float(softplus(0)), 6)
0.693147
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy
from sympy.core.function import ArgumentIndexError

from .exprtools import bounded_sign

__all__ = ["sigmoid", "relu", "softplus", "FUNCTIONS", "sympify_namespace", "abstract_function"]


class _RealFunction(sympy.Function):
    """What sigmoid, relu and softplus share: real for a real argument, numbers from a standard form."""

    def _standard_form(self) -> sympy.Expr:
        """The function in SymPy's own terms, which SymPy evaluates numerically."""
        raise NotImplementedError

    def _eval_evalf(self, prec):
        return self._standard_form()._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real


class sigmoid(_RealFunction):  # noqa: N801 - named as users type it
    r"""The logistic function :math:`\sigma(x) = 1 / (1 + e^{-x})`."""

    @classmethod
    def eval(cls, arg):
        if _is_zero(arg):
            return sympy.S.Half
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sympy.exp(-arg))

    def _standard_form(self) -> sympy.Expr:
        return self.rewrite(sympy.exp)


class relu(_RealFunction):  # noqa: N801
    r"""The rectifier :math:`\max(0, x)`; its derivative is ``Heaviside(x, 0)``."""

    @classmethod
    def eval(cls, arg):
        # Only when the sign is known: SymPy cannot tell the sign of tan(sin(2)) (it is
        # positive), and relu of it used to become 0.
        if _is_constant(arg):
            sign = bounded_sign(arg)
            return None if sign is None else (arg if sign >= 0 else sympy.S.Zero)
        if arg.is_nonnegative:
            return arg
        if arg.is_nonpositive:
            return sympy.S.Zero
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sympy.Heaviside(self.args[0], 0)

    def _eval_rewrite_as_Max(self, arg, **kwargs):
        return sympy.Max(0, arg)

    def _standard_form(self) -> sympy.Expr:
        return sympy.Max(0, self.args[0])


class softplus(_RealFunction):  # noqa: N801
    r"""The smooth rectifier :math:`\log(1 + e^{x})`; its derivative is sigmoid."""

    @classmethod
    def eval(cls, arg):
        if _is_zero(arg):
            return sympy.log(2)
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, arg, **kwargs):
        return sympy.log(1 + sympy.exp(arg))

    def _standard_form(self) -> sympy.Expr:
        return self.rewrite(sympy.log)


def _is_constant(arg: sympy.Expr) -> bool:
    """A number-valued expression other than a plain number (SymPy's sign tests evaluate it)."""
    return not arg.is_Number and not arg.free_symbols and arg.is_number


def _is_zero(arg: sympy.Expr) -> bool:
    """Whether `arg` is zero, evaluating a constant only within a bound (see ``bounded_sign``)."""
    if _is_constant(arg):
        return False  # SymPy folds exact zeros; a constant it left is not decided by evaluation
    return bool(arg.is_zero)


#: Name a user may call -> the SymPy class it builds. ``log`` also takes a base
#: and ``sqrt`` builds a power; the parser handles both.
FUNCTIONS: dict[str, type] = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "exp": sympy.exp,
    "log": sympy.log,
    "sqrt": sympy.sqrt,
    "tanh": sympy.tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "softplus": softplus,
    "abs": sympy.Abs,
    "Abs": sympy.Abs,
    "ln": sympy.log,
    "log10": sympy.log,
    "log2": sympy.log,
    "asin": sympy.asin,
    "arcsin": sympy.asin,
    "acos": sympy.acos,
    "arccos": sympy.acos,
    "atan": sympy.atan,
    "arctan": sympy.atan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "sec": sympy.sec,
    "csc": sympy.csc,
    "cot": sympy.cot,
    "max": sympy.Max,
    "min": sympy.Min,
}


def _print_by_name(self, printer, exp=None):
    """Print an abstract function by its user's name; SymPy would pick a method by class name."""
    args = ", ".join(printer._print(a) for a in self.args)
    text = f"{self.user_name}({args})"
    return text if exp is None else f"{text}^{{{exp}}}"


def _is_printer_class_name(name: str) -> bool:
    from sympy.printing.latex import LatexPrinter
    from sympy.printing.precedence import PRECEDENCE_FUNCTIONS
    from sympy.printing.str import StrPrinter

    method = f"_print_{name}"
    return name in PRECEDENCE_FUNCTIONS or (hasattr(StrPrinter, method) and hasattr(LatexPrinter, method))


def abstract_function(name: str) -> sympy.FunctionClass:
    """The abstract function ``name`` (``f`` in ``f(x)``), safe to print whatever its name.

    SymPy's printers choose a method by class name, so a function called
    ``Float`` or ``Rational`` would be printed as a number and fail; such a
    function is renamed internally (``Float_``) and prints its user's name.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> sympy.sstr(abstract_function("Float")(x) * x)
    'x*Float(x)'
    """
    if not _is_printer_class_name(name):
        return sympy.Function(name)
    printing = {"_sympystr": _print_by_name, "user_name": name}
    return sympy.Function(f"{name}_", **printing)


def sympify_namespace(symbols: Iterable[str] = (), functions: Iterable[str] = ()) -> dict[str, object]:
    """Return the ``locals`` that make ``sympy.sympify`` read symgrad's strings.

    Parameters
    ----------
    symbols : iterable of str
        Names of the input variables; each becomes a real SymPy symbol, so a
        name such as ``beta`` or ``E`` is read as a symbol, not as SymPy's
        function or constant.
    functions : iterable of str
        Names of abstract functions (the ``functions`` of symgrad's JSON), so
        that a function named ``gamma`` is read as an abstract ``gamma``, not
        as SymPy's gamma function.

    Returns
    -------
    dict
        Names of the vocabulary functions and of the given symbols.

    Examples
    --------
    >>> import sympy
    >>> ns = sympify_namespace(["x", "beta"])
    >>> sympy.sympify("sigmoid(beta*x)", locals=ns)
    sigmoid(beta*x)
    >>> type(sympy.sympify("gamma(x)", locals=sympify_namespace(["x"], ["gamma"]))).__name__
    'gamma'
    >>> sympy.sympify("gamma(x)", locals=sympify_namespace(["x"], ["gamma"])).is_Function
    True
    """
    namespace: dict[str, object] = {
        "sigmoid": sigmoid,
        "relu": relu,
        "softplus": softplus,
        "Abs": sympy.Abs,
        "Heaviside": sympy.Heaviside,
        "sign": sympy.sign,
        "Max": sympy.Max,
        "Min": sympy.Min,
    }
    for name in symbols:
        namespace[name] = sympy.Symbol(name, real=True)
    for name in functions:
        namespace[name] = sympy.Function(name)
    return namespace
