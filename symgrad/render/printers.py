"""Expression printers for LaTeX and for the terminal (Unicode).

Both keep operands in the order they were typed (``order="none"``), write
names as a lecturer would (``x1`` -> x_1, ``w_12`` -> w_{12}, ``alpha`` -> α,
and a layer's weight ``v0_1_2`` -> v^{(0)}_{12}), the sigmoid as σ, ``Heaviside(u, 0)`` as H(u) and
the derivative of an abstract function ``f`` at ``u`` as f'(u).

Examples
--------
>>> import sympy
>>> x1, alpha = sympy.symbols("x1 alpha")
>>> to_latex(alpha * x1**2)
'\\\\alpha \\\\cdot x_{1}^{2}'
>>> to_unicode(alpha * x1**2)
'α·x₁²'
"""

from __future__ import annotations

import re

import sympy
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ..exprtools import costly_constants, postorder, substitute

__all__ = ["to_latex", "to_unicode", "name_to_latex", "name_to_unicode", "GREEK"]

GREEK = {
    name: letter
    for name, letter in zip(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron "
        "pi rho sigma tau upsilon phi chi psi omega".split(),
        "αβγδεζηθικλμνξοπρστυφχψω",
    )
}
_LATEX_GREEK = {name: "\\" + name for name in GREEK} | {"omicron": "o", "epsilon": "\\varepsilon"}
_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_BASE_AND_DIGITS = re.compile(r"([A-Za-z]+?)([0-9]+)\Z")
#: ``v0_1_2``: entry (1, 2) of layer 0's weight matrix, written v^{(0)}_{12}.
_LAYER_WEIGHT = re.compile(r"([A-Za-z]+?)([0-9]+)_([0-9]+)_([0-9]+)\Z")
_SUPERSCRIPT_PARENTHESES = str.maketrans("()", "⁽⁾")


def _split_name(name: str) -> tuple[str, list[str]]:
    """``"x1"`` -> (``"x"``, ["1"]); ``"v0_1_2"`` -> (``"v"``, ["0", "1", "2"])."""
    head, *subscripts = [part for part in name.split("_") if part]
    match = _BASE_AND_DIGITS.match(head)
    if match:
        head, digits = match.groups()
        subscripts.insert(0, digits)
    return head, subscripts


def _layer_weight(name: str) -> tuple[str, str, str] | None:
    """(base, layer, "ij") for a layer weight such as ``v0_1_2``, else None.

    The two indices are written together (``12``) when both are single
    digits, and separated by a comma otherwise (``10,2``).
    """
    match = _LAYER_WEIGHT.match(name)
    if not match:
        return None
    head, layer, row, column = match.groups()
    separator = "" if len(row) == 1 and len(column) == 1 else ","
    return head, layer, row + separator + column


def _latex_base(head: str) -> str:
    if head in _LATEX_GREEK:
        return _LATEX_GREEK[head]
    return head if len(head) == 1 else rf"\mathrm{{{head}}}"


def name_to_latex(name: str) -> str:
    """LaTeX for a variable or node name.

    Examples
    --------
    >>> name_to_latex("w_12"), name_to_latex("alpha2"), name_to_latex("loss")
    ('w_{12}', '\\\\alpha_{2}', '\\\\mathrm{loss}')
    >>> name_to_latex("v0_1_2"), name_to_latex("v2_10_3")
    ('v^{(0)}_{12}', 'v^{(2)}_{10,3}')
    """
    weight = _layer_weight(name)
    if weight is not None:
        head, layer, indices = weight
        return f"{_latex_base(head)}^{{({layer})}}_{{{indices}}}"
    head, subscripts = _split_name(name)
    base = _latex_base(head)
    if not subscripts:
        return base
    return f"{base}_{{{','.join(_latex_subscript(s) for s in subscripts)}}}"


def _latex_subscript(part: str) -> str:
    return _LATEX_GREEK.get(part, part if len(part) == 1 or part.isdigit() else rf"\mathrm{{{part}}}")


def name_to_unicode(name: str) -> str:
    """Terminal form of a name: ``x1`` -> x₁, ``alpha`` -> α, ``w_ab`` -> w_ab.

    Examples
    --------
    >>> name_to_unicode("v0_1_2"), name_to_unicode("v2_10_3")
    ('v⁽⁰⁾₁₂', 'v⁽²⁾₁₀,₃')
    """
    weight = _layer_weight(name)
    if weight is not None:
        head, layer, indices = weight
        layer = f"({layer})".translate(_SUPERSCRIPTS).translate(_SUPERSCRIPT_PARENTHESES)
        return GREEK.get(head, head) + layer + indices.translate(_SUBSCRIPT_DIGITS)
    head, subscripts = _split_name(name)
    base = GREEK.get(head, head)
    if all(s.isdigit() for s in subscripts):
        separator = "," if len(subscripts) > 1 else ""
        return base + separator.join(s.translate(_SUBSCRIPT_DIGITS) for s in subscripts)
    return base + "_" + ",".join(GREEK.get(s, s) for s in subscripts)


def _abstract_derivative(derivative: sympy.Derivative) -> tuple[str, int] | None:
    """(function name, 1-based argument index) if this is f' of an abstract f."""
    function = derivative.expr
    if not isinstance(function, AppliedUndef) or len(derivative.variable_count) != 1:
        return None
    variable, count = derivative.variable_count[0]
    if count != 1 or variable not in function.args:
        return None
    return function.func.__name__, function.args.index(variable) + 1


class _Latex(LatexPrinter):
    def __init__(self):
        super().__init__({"order": "none", "mul_symbol": "dot"})

    def _print_Symbol(self, expr, style="plain"):
        return name_to_latex(expr.name)

    _print_Dummy = _print_Symbol

    def _print_OpaqueConstant(self, expr):
        return self.parenthesize(expr.constant, PRECEDENCE["Pow"])

    def _print_Pow(self, expr):
        # SymPy writes b**-2 as 1/b**2 and, for an unevaluated b = x*x**-1, recurses without end.
        base, exponent = expr.args
        if (exponent.is_Rational and exponent.is_negative and exponent != -1 and isinstance(base, sympy.Mul)
                and any(f.is_Pow and f.exp.is_negative for f in base.args)):
            return rf"\left({self._print(base)}\right)^{{{self._print(exponent)}}}"
        return super()._print_Pow(expr)

    def _print_Heaviside(self, expr, exp=None):
        text = rf"H\left({self._print(expr.args[0])}\right)"
        return text if exp is None else rf"{text}^{{{exp}}}"

    def _print_sign(self, expr, exp=None):
        text = rf"\operatorname{{sign}}\left({self._print(expr.args[0])}\right)"
        return text if exp is None else rf"{text}^{{{exp}}}"

    def _print_Function(self, expr, exp=None):
        if isinstance(expr, AppliedUndef):
            name = name_to_latex(expr.func.__name__)
            args = ", ".join(self._print(a) for a in expr.args)
            text = rf"{name}\left({args}\right)"
            return text if exp is None else rf"{text}^{{{exp}}}"
        return super()._print_Function(expr, exp)

    def _abstract_prime(self, derivative, args) -> str | None:
        found = _abstract_derivative(derivative)
        if found is None:
            return None
        name, index = found
        function = name_to_latex(name)
        if "^" in function:  # v^{(0)}_{12}' would be a double superscript
            function = f"{{{function}}}"
        head = f"{function}'" if len(args) == 1 else rf"\partial_{{{index}}} {function}"
        return rf"{head}\left({', '.join(self._print(a) for a in args)}\right)"

    def _print_Derivative(self, expr):
        text = self._abstract_prime(expr, expr.expr.args)
        return text if text is not None else super()._print_Derivative(expr)

    def _print_Subs(self, expr):
        derivative, variables, points = expr.args
        if isinstance(derivative, sympy.Derivative) and _abstract_derivative(derivative):
            values = dict(zip(variables, points))
            args = [values.get(a, a) for a in derivative.expr.args]
            text = self._abstract_prime(derivative, args)
            if text is not None:
                return text
        return super()._print_Subs(expr)


class _Unicode(StrPrinter):
    def __init__(self):
        super().__init__({"order": "none"})

    def _print_Symbol(self, expr):
        return name_to_unicode(expr.name)

    _print_Dummy = _print_Symbol

    def _print_OpaqueConstant(self, expr):
        return self.parenthesize(expr.constant, PRECEDENCE["Pow"])

    def _print_sigmoid(self, expr):
        return f"σ({self._print(expr.args[0])})"

    def _print_relu(self, expr):
        return f"ReLU({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):
        return f"H({self._print(expr.args[0])})"

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"

    def _print_Function(self, expr):
        if isinstance(expr, AppliedUndef):
            args = ", ".join(self._print(a) for a in expr.args)
            return f"{name_to_unicode(expr.func.__name__)}({args})"
        return super()._print_Function(expr)

    def _abstract_prime(self, derivative, args) -> str | None:
        found = _abstract_derivative(derivative)
        if found is None:
            return None
        name, index = found
        head = name_to_unicode(name) + ("′" if len(args) == 1 else f"_{index}′")
        return f"{head}({', '.join(self._print(a) for a in args)})"

    def _print_Derivative(self, expr):
        text = self._abstract_prime(expr, expr.expr.args)
        return text if text is not None else super()._print_Derivative(expr)

    def _print_Subs(self, expr):
        derivative, variables, points = expr.args
        if isinstance(derivative, sympy.Derivative):
            values = dict(zip(variables, points))
            text = self._abstract_prime(derivative, [values.get(a, a) for a in derivative.expr.args])
            if text is not None:
                return text
        return super()._print_Subs(expr)


_LATEX = _Latex()
_UNICODE = _Unicode()
_POWER = re.compile(r"\*\*(-?[0-9]+)(?![0-9.])")


class OpaqueConstant(sympy.Dummy):
    """Stands in, while printing, for a constant SymPy must not evaluate (its ``constant``)."""


def _shield_costly_constants(expr: sympy.Basic) -> sympy.Basic:
    """Replace constants such as sin(exp(exp(20))) by placeholders (SymPy's printers test signs)."""
    costly = costly_constants(expr)
    if not costly:
        return expr
    placeholders = {}
    for node in postorder(expr):
        if id(node) in costly and not isinstance(node, (sympy.Add, sympy.Mul)) and node not in placeholders:
            placeholders[node] = OpaqueConstant("c")
            placeholders[node].constant = node
    return substitute(expr, placeholders)


def to_latex(expr: sympy.Basic) -> str:
    """LaTeX of `expr`, operands in the order they were built."""
    return _LATEX.doprint(_shield_costly_constants(expr))


def to_unicode(expr: sympy.Basic) -> str:
    """One-line Unicode form of `expr`: ``·`` for products, superscript integer powers."""
    text = _UNICODE.doprint(_shield_costly_constants(expr))
    text = _POWER.sub(lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
    return text.replace("**", "^").replace("*", "·")
