"""Small tools for SymPy expressions that may be huge DAGs.

SymPy's own ``xreplace``, ``count_ops`` and printers walk an expression as a
tree; an expression with shared subexpressions (``f = g(f_prev, f_prev)``
repeated 1000 times) is exponentially large as a tree. These helpers visit
each distinct subexpression once, iteratively (no recursion limit).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping

import sympy
__all__ = ["postorder", "substitute", "tidy", "tree_size"]


def postorder(expr: sympy.Basic, known: Container[int] = ()) -> Iterator[sympy.Basic]:
    """Yield each distinct subexpression once, children before parents.

    Subexpressions whose ``id`` is in `known` are neither yielded nor entered.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> [str(e) for e in postorder(sympy.sin(x) + x)]
    ['x', 'sin(x)', 'x + sin(x)']
    """
    seen: set[int] = set()
    if id(expr) in known:
        return
    stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded or not node.args:
            seen.add(id(node))
            yield node
            continue
        stack.append((node, True))
        stack.extend(
            (arg, False) for arg in reversed(node.args) if id(arg) not in seen and id(arg) not in known
        )


def _rebuild(expr: sympy.Basic, leaf: Callable[[sympy.Basic], sympy.Basic | None],
             evaluate: bool) -> sympy.Basic:
    """Rebuild `expr` bottom-up; `leaf` may replace a subexpression outright."""
    done: dict[int, sympy.Basic] = {}
    for node in postorder(expr):
        replacement = leaf(node)
        if replacement is not None:
            done[id(node)] = replacement
        elif not node.args:
            done[id(node)] = node
        else:
            args = [done[id(arg)] for arg in node.args]
            done[id(node)] = _construct(node, args, evaluate)
    return done[id(expr)]


def _construct(node: sympy.Basic, args: list[sympy.Basic], evaluate: bool) -> sympy.Basic:
    if all(new is old for new, old in zip(args, node.args)) and not evaluate:
        return node
    if isinstance(node, (sympy.Derivative, sympy.Subs, sympy.Tuple)) or not isinstance(
        node, sympy.Expr
    ):
        return node.func(*args)
    if isinstance(node, (sympy.Add, sympy.Mul, sympy.Pow, sympy.Function)):
        return node.func(*args, evaluate=evaluate)
    return node.func(*args)


def substitute(expr: sympy.Expr, mapping: Mapping[sympy.Basic, sympy.Basic]) -> sympy.Expr:
    """Replace symbols by expressions without evaluating, keeping derivatives valid.

    A derivative with respect to a symbol that is replaced by an expression
    becomes a ``Subs``: ``Derivative(f(u), u)`` with ``u -> x**2`` is
    ``f'`` at ``x**2``, not the meaningless ``Derivative(f(x**2), x**2)``.

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

    return _rebuild(expr, leaf, evaluate=False)


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


def tidy(expr: sympy.Expr) -> sympy.Expr:
    """Rebuild `expr` with SymPy's automatic evaluation (``x*x`` -> ``x**2``).

    Meant for expressions of moderate size: evaluation of functions such as
    ``sin`` inspects their whole argument.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> tidy(sympy.Add(sympy.Mul(x, x, evaluate=False), x, x, evaluate=False))
    x**2 + 2*x
    """
    return _rebuild(expr, lambda node: None, evaluate=True)


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
    for node in postorder(expr, size):  # skips what the cache already knows
        size[id(node)] = _own_operations(node) + sum(size[id(arg)] for arg in node.args)
    return size[id(expr)]


def _own_operations(node: sympy.Basic) -> int:
    if not node.args or isinstance(node, (sympy.Tuple, sympy.Number)):
        return 0
    if isinstance(node, (sympy.Add, sympy.Mul)):
        return len(node.args) - 1
    return 1
