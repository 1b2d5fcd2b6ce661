"""Local derivatives: one rule per operation, dispatched through a table.

A rule receives the operand symbols of one operation node (and its parameters)
and returns, for each operand position, the local derivative
``d(node) / d(operand)`` written in the operand symbols, with the rule's name.
An operation without a rule falls back to ``sympy.diff`` on fresh symbols.

Examples
--------
>>> import sympy
>>> u = sympy.Symbol("u")
>>> local_derivatives("sigmoid", None, [u])[0][1]
'sigmoid'
>>> sympy.sstr(local_derivatives("sigmoid", None, [u])[0][0], order="none")
'sigmoid(u)*(1 - sigmoid(u))'
>>> x, y = sympy.symbols("x y")
>>> local_derivatives("mul", (1, -1), [x, y])
[(1/y, 'quotient'), (-x/y**2, 'quotient')]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy

from .deadline import checkpoint
from .exprtools import substitute
from .i18n import N_
from .i18n import gettext as _
from .vocabulary import sigmoid

__all__ = ["local_derivatives", "UNARY_RULES", "RULE_NAMES", "rule_name"]

Local = tuple[sympy.Expr, str]

#: op -> (derivative of f at u, rule name) for one-operand functions.
UNARY_RULES: dict[str, tuple[Callable[[sympy.Expr], sympy.Expr], str]] = {
    "exp": (sympy.exp, "exponential"),
    "log": (lambda u: 1 / u, "logarithm"),
    "sin": (sympy.cos, "sine"),
    "cos": (lambda u: -sympy.sin(u), "cosine"),
    "tan": (lambda u: 1 + sympy.tan(u) ** 2, "tangent"),
    "tanh": (lambda u: 1 - sympy.tanh(u) ** 2, "tanh"),
    "sigmoid": (lambda u: sympy.Mul(sigmoid(u), 1 - sigmoid(u), evaluate=False), "sigmoid"),
    "relu": (lambda u: sympy.Heaviside(u, 0), "ReLU"),
    "softplus": (lambda u: sigmoid(u), "softplus"),
    "abs": (sympy.sign, "absolute value"),
    "neg": (lambda u: sympy.S.NegativeOne, "negation"),
    "identity": (lambda u: sympy.S.One, "identity"),
    "sqrt": (lambda u: 1 / (2 * sympy.sqrt(u)), "square root"),
    "asin": (lambda u: 1 / sympy.sqrt(1 - u**2), "arcsine"),
    "acos": (lambda u: -1 / sympy.sqrt(1 - u**2), "arccosine"),
    "atan": (lambda u: 1 / (1 + u**2), "arctangent"),
    "sinh": (sympy.cosh, "hyperbolic sine"),
    "cosh": (sympy.sinh, "hyperbolic cosine"),
    "sec": (lambda u: sympy.sec(u) * sympy.tan(u), "secant"),
    "csc": (lambda u: -sympy.csc(u) * sympy.cot(u), "cosecant"),
    "cot": (lambda u: -1 - sympy.cot(u) ** 2, "cotangent"),
}

#: Every rule identifier (the ``rule`` on an edge) -> its name for users, marked for translation.
RULE_NAMES: dict[str, str] = {
    "sum": N_("sum"), "difference": N_("difference"), "product": N_("product"), "quotient": N_("quotient"),
    "power": N_("power"), "exponential": N_("exponential"), "logarithm": N_("logarithm"),
    "sine": N_("sine"), "cosine": N_("cosine"), "tangent": N_("tangent"), "tanh": N_("tanh"),
    "sigmoid": N_("sigmoid"), "ReLU": N_("ReLU"), "softplus": N_("softplus"),
    "absolute value": N_("absolute value"), "negation": N_("negation"), "identity": N_("identity"),
    "square root": N_("square root"), "arcsine": N_("arcsine"), "arccosine": N_("arccosine"),
    "arctangent": N_("arctangent"), "hyperbolic sine": N_("hyperbolic sine"),
    "hyperbolic cosine": N_("hyperbolic cosine"), "secant": N_("secant"), "cosecant": N_("cosecant"),
    "cotangent": N_("cotangent"), "abstract function": N_("abstract function"),
}
_FALLBACK_PREFIX = "derivative of "


def rule_name(rule: str) -> str:
    """The name users read for the rule identifier `rule`, in the current language.

    Examples
    --------
    >>> rule_name("product"), rule_name("derivative of erf")
    ('product', 'derivative of erf')
    """
    if rule in RULE_NAMES:
        return _(RULE_NAMES[rule])
    if rule.startswith(_FALLBACK_PREFIX):
        return _("derivative of {function}").format(function=rule[len(_FALLBACK_PREFIX):])
    return rule


def _sum(signs: Sequence[int], operands: Sequence[sympy.Expr]) -> list[Local]:
    return [
        (sympy.Integer(sign), "sum" if sign > 0 else "difference") for sign in signs
    ]


def _product(exponents: Sequence[int], operands: Sequence[sympy.Expr]) -> list[Local]:
    rule = "quotient" if any(e < 0 for e in exponents) else "product"
    result = []
    for position, (operand, exponent) in enumerate(zip(operands, exponents)):
        others = [o**e for i, (o, e) in enumerate(zip(operands, exponents)) if i != position]
        own = sympy.S.One if exponent == 1 else exponent * operand ** (exponent - 1)
        result.append((sympy.Mul(own, *others), rule))
    return result


def _power(exponent: sympy.Number, operands: Sequence[sympy.Expr]) -> list[Local]:
    (base,) = operands
    return [(exponent * base ** (exponent - 1), "power")]


def _general_power(params: None, operands: Sequence[sympy.Expr]) -> list[Local]:
    base, exponent = operands
    return [
        (exponent * base ** (exponent - 1), "power"),
        (base**exponent * sympy.log(base), "exponential"),
    ]


def _abstract(function: sympy.FunctionClass, operands: Sequence[sympy.Expr]) -> list[Local]:
    """``f'(u)`` for an abstract function, one partial derivative per argument."""
    # One dummy per local derivative, only at its own position: with dummies everywhere,
    # g(x, x) gave d/dx g(x, x) (a total derivative) and SymPy takes
    # Subs(dg/da, (a, b), (x, x)) == Subs(dg/db, (a, b), (x, x)).
    operands = list(operands)
    result = []
    for position, operand in enumerate(operands):
        checkpoint()  # quadratic in the arity (f(x, x, ..., x) with 2 000 arguments: a minute)
        alone = isinstance(operand, sympy.Symbol) and operands.count(operand) == 1
        d = operand if alone else sympy.Dummy("xi")
        derivative = sympy.Derivative(function(*operands[:position], d, *operands[position + 1:]), d)
        # f' at the operand: what substitute(derivative, {d: operand}) makes, without first
        # rebuilding f(..., operand, ...) only to throw it away (the arity again, at each position)
        result.append((derivative if alone else sympy.Subs(derivative, (d,), (operand,)), "abstract function"))
    return result


def _fallback(function: sympy.FunctionClass, operands: Sequence[sympy.Expr]) -> list[Local]:
    """Any other SymPy function: ``sympy.diff`` on fresh symbols, then substitute."""
    fresh = [sympy.Dummy(f"a{i}") for i in range(len(operands))]
    applied = function(*fresh)
    mapping = dict(zip(fresh, operands))
    name = f"derivative of {function.__name__}"
    return [(substitute(sympy.diff(applied, d), mapping).doit(), name) for d in fresh]


_RULES: dict[str, Callable[[object, Sequence[sympy.Expr]], list[Local]]] = {
    "add": _sum,
    "mul": _product,
    "pow": _power,
    "power": _general_power,
    "function": _abstract,
    "other": _fallback,
}


def local_derivatives(op: str, params: object, operands: Sequence[sympy.Expr]) -> list[Local]:
    """Return ``(local derivative, rule name)`` for each operand of one operation.

    Parameters
    ----------
    op : str
        The operation, as stored on a graph node (``"add"``, ``"mul"``,
        ``"pow"``, ``"sin"``, ``"function"``, ...).
    params : object
        The operation's parameters: signs for ``add``, exponents (+1/-1) for
        ``mul``, the constant exponent for ``pow``, the function class for
        ``function`` and ``other``; ``None`` otherwise.
    operands : sequence of sympy.Expr
        The operand symbols (or constants), in position order.

    Returns
    -------
    list of (sympy.Expr, str)
        One entry per operand position; repeated operands get one entry each.
    """
    if op in UNARY_RULES:
        return [(_unary_derivative(op, operands[0]), UNARY_RULES[op][1])]
    return _RULES[op](params, operands)


#: (op, assumptions of a symbol) -> (a template symbol, the rule's derivative at it).
_TEMPLATES: dict[tuple, tuple[sympy.Symbol, sympy.Expr]] = {}


def _unary_derivative(op: str, operand: sympy.Expr) -> sympy.Expr:
    """The rule of `op` at `operand`; at a symbol, its template put together without evaluating.

    SymPy's evaluation of ``cos(u)`` costs several times its construction. At a
    symbol it depends only on the symbol's assumptions (the order of the
    arguments of a sum or product of terms in one symbol does not depend on its
    name), so the rule is evaluated once per kind of symbol and each node's
    derivative is the template with the node's symbol put in: the same expression.
    """
    derivative = UNARY_RULES[op][0]
    if type(operand) is not sympy.Symbol:
        return derivative(operand)
    assumptions = operand.assumptions0
    key = (op, tuple(sorted(assumptions.items())))
    found = _TEMPLATES.get(key)
    if found is None:
        symbol = sympy.Symbol("symgrad_template", **assumptions)
        found = _TEMPLATES[key] = (symbol, derivative(symbol))
    symbol, template = found
    return substitute(template, {symbol: operand})
