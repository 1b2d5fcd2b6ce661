"""Small tools for SymPy expressions that may be huge DAGs.

SymPy's own ``xreplace``, ``count_ops`` and printers walk an expression as a
tree; an expression with shared subexpressions (``f = g(f_prev, f_prev)``
repeated 1000 times) is exponentially large as a tree. These helpers visit
each distinct subexpression once, iteratively (no recursion limit).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container, Iterator, Mapping

import sympy
from sympy.core.function import AppliedUndef

from .errors import SymgradError

__all__ = ["postorder", "substitute", "is_undefined", "construction_keys", "map_unevaluated", "tidy", "tree_size", "tree_size_exceeds",
           "costly_constants",
           "bounded_sign", "NumberTooLarge", "MAX_LOG10"]

#: A periodic function of an argument beyond this size is never evaluated: reducing the
#: argument modulo pi needs pi to as many bits as the argument has (sin(exp(exp(20))):
#: about 10^9 bits).
MAX_PERIODIC_ARGUMENT = sympy.Float(2) ** 1024
#: An exponential or a power whose natural logarithm exceeds this is never evaluated: its
#: digits (or the precision of its argument) grow without bound.
MAX_LOG_MAGNITUDE = 10**5
#: Decimal digits of the low-precision values used to bound constants.
_DIGITS = 15
#: Working precision (decimal digits) allowed when deciding the sign of a constant.
_MAX_SIGN_DIGITS = 100
#: Numbers produced by evaluation are bounded as typed literals are (``parse.Limits.max_log10``).
MAX_LOG10 = 300
_PERIODIC = (sympy.sin, sympy.cos, sympy.tan, sympy.cot, sympy.sec, sympy.csc)


def postorder(expr: sympy.Basic, known: Container[int] = ()) -> Iterator[sympy.Basic]:
    """Yield each distinct subexpression once, children before parents.

    Subexpressions whose ``id`` is in `known` are neither yielded nor entered.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> [str(e) for e in postorder(sympy.sin(x) + x)]
    ['x', 'sin(x)', 'x + sin(x)']
    """
    if id(expr) in known:
        return
    seen: set[int] = set()
    stack: list = [expr]
    pop, push, extend, mark = stack.pop, stack.append, stack.extend, seen.add
    expanded = _EXPANDED  # pushed above a node whose arguments come next: when popped, the node is done
    while stack:
        node = pop()
        if node is expanded:
            node = pop()
            mark(id(node))
            yield node
            continue
        if id(node) in seen:
            continue
        args = node.args
        if not args:
            mark(id(node))
            yield node
            continue
        push(node)
        push(expanded)
        if known:
            extend([arg for arg in reversed(args) if id(arg) not in seen and id(arg) not in known])
        else:
            extend([arg for arg in reversed(args) if id(arg) not in seen])


#: The marker :func:`postorder` pushes above a node whose arguments it is visiting.
_EXPANDED = object()


def _rebuild(expr: sympy.Basic, leaf: Callable[[sympy.Basic], sympy.Basic | None],
             evaluate: bool, known: Mapping[tuple, sympy.Basic] | None = None) -> sympy.Basic:
    """Rebuild `expr` bottom-up; `leaf` may replace a subexpression outright.

    `known` (see :func:`construction_keys`) gives existing expressions to reuse
    instead of constructing an equal one (unevaluated rebuilds only).
    """
    done: dict[int, sympy.Basic] = {}
    for node in postorder(expr):
        replacement = leaf(node)
        if replacement is not None:
            done[id(node)] = replacement
        elif not node.args:
            done[id(node)] = node
        else:
            args = [done[id(arg)] for arg in node.args]
            existing = known.get((type(node), *map(id, args))) if known else None
            done[id(node)] = existing if existing is not None else _construct(node, args, evaluate)
    return done[id(expr)]


def construction_keys(expressions) -> dict[tuple, sympy.Basic]:
    """``(type, id of each argument)`` -> expression, for :func:`substitute` to reuse.

    While the expressions are alive, a key names exactly one way to build
    each of them from its arguments: a rebuild that arrives at the same
    arguments can take the existing object (and the result shares it).

    Examples
    --------
    >>> u, x = sympy.symbols("u x")
    >>> existing = sympy.cos(x**2)
    >>> substitute(sympy.cos(u), {u: existing.args[0]}, construction_keys([existing])) is existing
    True
    """
    return {(type(e), *map(id, e.args)): e for e in expressions if e.args}


def _construct(node: sympy.Basic, args: list[sympy.Basic], evaluate: bool) -> sympy.Basic:
    if all(new is old for new, old in zip(args, node.args)) and not evaluate:
        return node
    if isinstance(node, (sympy.Derivative, sympy.Subs, sympy.Tuple)) or not isinstance(
        node, sympy.Expr
    ):
        return node.func(*args)
    if isinstance(node, (sympy.Add, sympy.Mul, sympy.Pow, sympy.Function)):
        if evaluate:
            _check_folded_power(node, args)
            return _without_unit_floats(_checked_number(node.func(*args, evaluate=True)))
        return node.func(*args, evaluate=evaluate)
    return node.func(*args)


def _without_unit_floats(expr: sympy.Basic) -> sympy.Basic:
    """``1.0*y`` -> ``y`` and ``-1.0*y`` -> ``-y`` in a product or in the terms of a sum.

    SymPy keeps a Float coefficient 1.0 (from ``0.5*2``); it says nothing on a slide.
    """
    if isinstance(expr, sympy.Mul):
        coefficient, rest = expr.as_coeff_Mul()
        if isinstance(coefficient, sympy.Float) and (abs(coefficient) - 1).is_zero and rest is not sympy.S.One:
            return -rest if coefficient < 0 else rest
    elif isinstance(expr, sympy.Add):
        terms = [_without_unit_floats(t) if isinstance(t, sympy.Mul) else t for t in expr.args]
        if any(new is not old for new, old in zip(terms, expr.args)):
            return sympy.Add(*terms)
    return expr


def _check_folded_power(node: sympy.Basic, args: list[sympy.Basic]) -> None:
    """Refuse to fold a power of numbers beyond ``10**MAX_LOG10`` (before computing it)."""
    if not isinstance(node, sympy.Pow) or not all(isinstance(a, sympy.Number) for a in args):
        return
    base, exponent = args
    if base.is_zero or not base.is_finite or not exponent.is_finite:
        return
    if abs(float(exponent)) * abs(_log10(base)) > MAX_LOG10:
        raise NumberTooLarge(node)


def _checked_number(result: sympy.Basic) -> sympy.Basic:
    if isinstance(result, sympy.Rational) and max(abs(result.p), result.q).bit_length() > 3.33 * MAX_LOG10 + 4:
        raise NumberTooLarge(result)
    return result


def _log10(number: sympy.Number) -> float:
    """log10 of ``|number|`` for a nonzero finite Rational or Float, without huge floats."""
    number = abs(number)
    if isinstance(number, sympy.Rational):
        return _int_log10(number.p) - _int_log10(number.q)
    return float(sympy.log(number, 10).evalf(_DIGITS))


def _int_log10(number: int) -> float:
    shift = max(number.bit_length() - 53, 0)
    return math.log10(number >> shift) + shift * math.log10(2)


def map_unevaluated(expr: sympy.Basic, transform: Callable[[sympy.Basic], sympy.Basic]) -> sympy.Basic:
    """Rebuild `expr` bottom-up without evaluating, passing each rebuilt node through `transform`.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> f = sympy.Function("f")
    >>> expr = sympy.Add(sympy.Mul(x, x, evaluate=False), f(x), evaluate=False)
    >>> map_unevaluated(expr, lambda e: sympy.cos(*e.args) if e.func == f else e)
    x*x + cos(x)
    """
    done: dict[int, sympy.Basic] = {}
    for node in postorder(expr):
        if node.args:
            rebuilt = _construct(node, [done[id(arg)] for arg in node.args], evaluate=False)
        else:
            rebuilt = node
        done[id(node)] = transform(rebuilt)
    return done[id(expr)]


def substitute(expr: sympy.Expr, mapping: Mapping[sympy.Basic, sympy.Basic],
               known: Mapping[tuple, sympy.Basic] | None = None) -> sympy.Expr:
    """Replace symbols by expressions without evaluating, keeping derivatives valid.

    A derivative with respect to a symbol that is replaced by an expression
    becomes a ``Subs``: ``Derivative(f(u), u)`` with ``u -> x**2`` is
    ``f'`` at ``x**2``, not the meaningless ``Derivative(f(x**2), x**2)``.
    With `known` (:func:`construction_keys`), a rebuilt subexpression equal
    to an existing one built from the same argument objects is that one.

    Examples
    --------
    >>> u, x = sympy.symbols("u x")
    >>> f = sympy.Function("f")
    >>> substitute(sympy.cos(u) * sympy.Derivative(f(u), u), {u: x**2})
    cos(x**2)*Subs(Derivative(f(u), u), u, x**2)
    """

    def leaf(node: sympy.Basic) -> sympy.Basic | None:
        if node in mapping:
            return mapping[node]
        if isinstance(node, sympy.Derivative):
            return _derivative_at(node, mapping)
        return None

    return _rebuild(expr, leaf, evaluate=False, known=known)


def _derivative_at(derivative: sympy.Derivative, mapping) -> sympy.Basic | None:
    variables = [v for v in derivative.free_symbols if v in mapping]
    if not variables:
        return None
    # Symbols the derivative is not taken with respect to are replaced in place; only the
    # others need a Subs. (SymPy takes Subs(dg/da, (a, b), (x, x)) == Subs(dg/db, (a, b), (x, x)).)
    wrt = {v for v, _ in derivative.variable_count}
    inside = {v: mapping[v] for v in variables
              if v not in wrt and not (mapping[v].free_symbols & wrt)}
    if inside:
        derivative = derivative.xreplace(inside)
        variables = [v for v in variables if v not in inside]
        if not variables:
            return derivative
    points = [mapping[v] for v in variables]
    return sympy.Subs(derivative, variables, points)


_UNDEFINED = tuple(type(value) for value in (sympy.nan, sympy.zoo, sympy.oo, sympy.S.NegativeInfinity))


def is_undefined(expr: sympy.Basic) -> bool:
    """Whether `expr` contains ``nan`` or an infinity (``zoo``, ``oo``, ``-oo``).

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> is_undefined(sympy.zoo * x), is_undefined(1 / x)
    (True, False)
    """
    # each shared subexpression once; the four are singletons (Float("inf") is oo)
    return any(isinstance(node, _UNDEFINED) for node in postorder(expr))


def tidy(expr: sympy.Expr) -> sympy.Expr:
    """Rebuild `expr` with SymPy's automatic evaluation (``x*x`` -> ``x**2``).

    Meant for expressions of moderate size: evaluation of functions such as
    ``sin`` inspects their whole argument. Constants that cannot be evaluated
    within a small bound (:func:`costly_constants`) are kept as they are: SymPy
    sees a placeholder symbol while it evaluates around them.

    Raises
    ------
    NumberTooLarge
        If evaluation would produce a number beyond ``10**MAX_LOG10``.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> tidy(sympy.Add(sympy.Mul(x, x, evaluate=False), x, x, evaluate=False))
    x**2 + 2*x
    >>> huge = sympy.sin(sympy.exp(sympy.exp(20, evaluate=False), evaluate=False), evaluate=False)
    >>> tidy(sympy.Add(sympy.Mul(x, huge, evaluate=False), sympy.Mul(x, huge, evaluate=False)))
    2*x*sin(exp(exp(20)))
    """
    costly = costly_constants(expr)
    placeholders: dict[sympy.Basic, sympy.Dummy] = {}

    def leaf(node: sympy.Basic) -> sympy.Basic | None:
        if id(node) not in costly:
            return None
        return placeholders.setdefault(node, sympy.Dummy("c"))

    tidied = _rebuild(expr, leaf, evaluate=True)
    if not placeholders:
        return tidied
    return substitute(tidied, {dummy: node for node, dummy in placeholders.items()})


class NumberTooLarge(SymgradError, ValueError):
    """Evaluating a constant would give a number beyond ``10**±MAX_LOG10`` (as literals are bounded)."""

    def __init__(self, expr: sympy.Basic):
        text = sympy.sstr(expr)
        text = text if len(text) <= 40 else text[:37] + "..."
        super().__init__(f"number {text} is out of range (10^±{MAX_LOG10})")


def costly_constants(expr: sympy.Basic) -> set[int]:
    """The ``id`` of every variable-free subexpression that must not be evaluated.

    A constant is costly when it holds a periodic function of an argument
    beyond :data:`MAX_PERIODIC_ARGUMENT`, or an exponential or power whose
    logarithm exceeds :data:`MAX_LOG_MAGNITUDE`; every constant holding a
    costly one is costly too. Deciding this evaluates each constant once at
    low precision, bottom-up, never evaluating a costly one.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> huge = sympy.sin(sympy.exp(sympy.exp(20, evaluate=False), evaluate=False), evaluate=False)
    >>> expr = x * huge
    >>> costly = costly_constants(expr)
    >>> [str(e) for e in postorder(expr) if id(e) in costly]
    ['exp(exp(20))', 'sin(exp(exp(20)))']
    >>> costly_constants(sympy.sin(sympy.Integer(10)**300) * x)
    set()
    """
    values: dict[int, sympy.Expr | None] = {}  # None: depends on a variable, or not a number
    costly: set[int] = set()
    for node in postorder(expr):
        args = [values.get(id(arg)) for arg in node.args]
        if any(id(arg) in costly for arg in node.args):
            if all(id(arg) in costly or value is not None for arg, value in zip(node.args, args)):
                costly.add(id(node))
            else:
                values[id(node)] = None
            continue
        if not isinstance(node, sympy.Expr) or isinstance(node, (sympy.Symbol, AppliedUndef,
                                                                  sympy.Derivative, sympy.Subs)):
            values[id(node)] = None
        elif not node.args:
            values[id(node)] = node.evalf(_DIGITS) if node.is_number else None
        elif any(value is None for value in args):
            values[id(node)] = None
        elif _beyond_bounds(node, args):
            costly.add(id(node))
        else:
            value = node.func(*args).evalf(_DIGITS)
            values[id(node)] = value if value.is_number and not value.has(sympy.zoo, sympy.nan) else None
    return costly


def _beyond_bounds(node: sympy.Basic, args: list[sympy.Expr]) -> bool:
    if isinstance(node, _PERIODIC):
        return bool(abs(args[0]) > MAX_PERIODIC_ARGUMENT)
    if isinstance(node, sympy.exp):
        return bool(abs(args[0]) > MAX_LOG_MAGNITUDE)
    if isinstance(node, sympy.Pow):
        base, exponent = args
        if base.is_zero:
            return False
        return bool(abs(exponent) * abs(sympy.log(abs(base)).evalf(_DIGITS)) > MAX_LOG_MAGNITUDE)
    return False


def bounded_sign(expr: sympy.Expr) -> int | None:
    """The sign (-1, 0 or 1) of a constant, or ``None`` when it cannot be told quickly.

    The constant is evaluated only if it is not costly (:func:`costly_constants`),
    and then with at most ``_MAX_SIGN_DIGITS`` digits of working precision.

    Examples
    --------
    >>> bounded_sign(sympy.tan(sympy.sin(2)))
    1
    >>> bounded_sign(sympy.sin(sympy.exp(sympy.exp(20, evaluate=False), evaluate=False), evaluate=False)) is None
    True
    """
    if expr.is_Number:
        return int(sympy.sign(expr)) if expr.is_extended_real else None
    if expr.free_symbols or costly_constants(expr):
        return None
    value = expr.evalf(_DIGITS, maxn=_MAX_SIGN_DIGITS)
    if not value.is_Float or getattr(value, "_prec", 1) <= 1 or value.is_zero:
        return None
    return 1 if value > 0 else -1


def tree_size(expr: sympy.Basic, cache: dict[int, int] | None = None) -> int:
    """Count the operations of `expr` written out as a tree, exactly.

    ``a + b + c`` counts 2 (as SymPy's ``count_ops`` does), a function or a
    power 1, a negation or subtraction 1; symbols and numbers 0. Shared
    subexpressions count once per occurrence, so the result may be huge.

    Pass the same `cache` dictionary to measure many expressions that share
    parts in linear total time (the expressions must stay alive meanwhile).

    Examples
    --------
    >>> x, y = sympy.symbols("x y")
    >>> tree_size(sympy.sin(x*y) + sympy.exp(x))
    4
    """
    size: dict[int, int] = {} if cache is None else cache
    if id(expr) in size:
        return size[id(expr)]
    for node in postorder(expr, size):  # skips what the cache already knows
        size[id(node)] = _own_operations(node) + sum(size[id(arg)] for arg in node.args)
    return size[id(expr)]


def tree_size_exceeds(expr: sympy.Basic, limit: int) -> bool:
    """Whether :func:`tree_size` of `expr` is above `limit`, stopping as soon as it is.

    The walk is top-down over the tree (each occurrence of a shared part
    counted again, as :func:`tree_size` counts it), so it ends after about
    `limit` operations however large and deep `expr` is.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> tree_size_exceeds(sympy.sin(x) + x, 1), tree_size_exceeds(sympy.sin(x) + x, 2)
    (True, False)
    """
    operations, visits = 0, 0
    stack = [expr]
    while stack:
        node = stack.pop()
        operations += _own_operations(node)
        if operations > limit:
            return True
        visits += 1
        if visits > 8 * limit + 64:  # parts that count nothing (numbers, tuples): measure it whole
            return tree_size(expr) > limit
        stack.extend(node.args)
    return False


def _own_operations(node: sympy.Basic) -> int:
    if not node.args or isinstance(node, (sympy.Tuple, sympy.Number)):
        return 0
    if isinstance(node, (sympy.Add, sympy.Mul)):
        return len(node.args) - 1
    return 1
