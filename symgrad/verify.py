"""Checking a derivative against SymPy, and the numbers that compare the two ways.

:func:`check_derivative` compares symgrad's derivative with ``sympy.diff`` of
the whole expression: first symbolically (the difference must reduce to 0
within a time bound), then at random points in 50-digit arithmetic (agreement
to 30 significant digits, or 12 when the expression has decimal numbers such
as 0.1, at 5 or more points; see :func:`significant_digits`). The result is a :class:`Check`
with status ``symbolic``, ``numeric``, ``mismatch`` or ``unknown``.

:func:`complexity` gives the sizes that show why the decomposed way is simpler.
"""

from __future__ import annotations

import random
from collections.abc import Container
from dataclasses import dataclass, field

import mpmath
import networkx as nx
import sympy

from .deadline import Budget, can_interrupt
from .errors import TimeLimitExceeded
from .exprtools import postorder, tidy, tree_size
from .numeric import NotANumber, concretize, evaluate, is_real_at
from .chain import backward_walk
from .graph import is_constant, order
from .paths import nodes_on_paths, path_totals

__all__ = [
    "Check", "check_derivative", "agree_numerically", "significant_digits", "Complexity",
    "complexity", "backward_operations", "format_count",
]


def format_count(number: int | None) -> str:
    """An exact count, shortened when it has more than 15 digits.

    Examples
    --------
    >>> format_count(6561), format_count(3**1000)
    ('6561', '1.32e477 (478 digits)')
    """
    if number is None:
        return "-"
    digits = len(str(abs(number)))
    if digits <= 15:
        return str(number)
    text = str(number)
    return f"{text[0]}.{text[1:3]}e{digits - 1} ({digits} digits)"

#: Digits to which two correct derivatives must agree at a random point.
SIGNIFICANT_DIGITS = 30
#: Decimal numbers such as 0.1 are SymPy Floats of about 15 digits, so two
#: correct derivatives of an expression that has them agree only that far.
FLOAT_SIGNIFICANT_DIGITS = 12
WORKING_DIGITS = 50
MIN_POINTS = 5
MAX_TRIES = 40
#: Expressions up to this size are compared by SymPy even where no time limit
#: can be enforced (off the main thread).
UNBOUNDED_SIZE_LIMIT = 300


@dataclass
class Check:
    """The outcome of comparing symgrad's derivative with SymPy's.

    Attributes
    ----------
    status : str
        ``"symbolic"`` (the difference simplifies to 0), ``"numeric"`` (equal
        to :func:`significant_digits` digits, 30 or 12, at `points` random
        points), ``"mismatch"``
        (they differ: a bug) or ``"unknown"`` (could not be decided).
    direct : sympy.Expr or None
        ``sympy.diff`` of the whole expression, if it finished in time.
    points : int
        Random points at which both were compared.
    reason : str
        One sentence saying how the status was reached.
    """

    status: str
    direct: sympy.Expr | None
    points: int = 0
    reason: str = ""
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """False only for a mismatch."""
        return self.status != "mismatch"

    def __repr__(self) -> str:
        """The status and how it was reached, e.g. ``<Check symbolic: the difference ... simplifies to 0>``."""
        return f"<Check {self.status}: {self.reason}>" if self.reason else f"<Check {self.status}>"


def check_derivative(
    derivative: sympy.Expr,
    expression: sympy.Expr,
    variable: sympy.Symbol,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
) -> Check:
    """Compare `derivative` with ``sympy.diff(expression, variable)``.

    Parameters
    ----------
    derivative : sympy.Expr
        symgrad's derivative, in terms of the inputs.
    expression : sympy.Expr
        The differentiated expression.
    variable : sympy.Symbol
    time_limit : float
        Seconds for the whole check; SymPy steps that run out fall back to
        numbers, then to ``unknown``.
    seed : int
        Seed of the random points.

    Returns
    -------
    Check

    Examples
    --------
    >>> x = sympy.Symbol("x", real=True)
    >>> check_derivative(2*x*sympy.cos(x**2), sympy.sin(x**2), x).status
    'symbolic'
    >>> check_derivative(x*sympy.cos(x**2), sympy.sin(x**2), x).status
    'mismatch'
    """
    budget = Budget(time_limit)
    small = tree_size(expression) <= UNBOUNDED_SIZE_LIMIT
    if not can_interrupt() and not small:
        return Check("unknown", None, reason="SymPy's diff cannot be time-limited off the main thread")
    try:
        with budget.limit("sympy.diff", 0.5):
            direct = sympy.diff(expression, variable)
    except TimeLimitExceeded as err:
        return Check("unknown", None, reason=str(err))
    except RecursionError:
        return Check("unknown", None, reason="sympy.diff ran out of recursion depth")
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - a failure inside SymPy leaves the check undecided
        return Check("unknown", None, reason=f"sympy.diff failed ({type(err).__name__})")
    symbolic_reason = _symbolic_zero(derivative, direct, budget, small)
    if symbolic_reason is True:
        return Check("symbolic", direct, reason="the difference from sympy.diff simplifies to 0")
    result = _numeric_check(derivative, direct, expression, budget, seed, symbolic_reason)
    if result.status == "mismatch":
        # A second opinion: SymPy's diff of the unevaluated expression is occasionally wrong
        # ((x**(1*3**-1) * (log(10)/log(102))**-1)**0.5 gives a constant); that of the
        # evaluated expression is then the one to trust.
        try:
            with budget.limit("sympy.diff of the evaluated expression", 0.5):
                evaluated = sympy.diff(tidy(expression), variable)
            second = _numeric_check(derivative, evaluated, expression, budget, seed,
                                    f"{symbolic_reason}; SymPy's diff of the expression as typed "
                                    "disagrees (a SymPy bug), that of the evaluated expression agrees")
        except (TimeLimitExceeded, RecursionError, ValueError, TypeError):
            return result
        if second.status != "mismatch":
            return second
    return result


def _symbolic_zero(derivative, direct, budget: Budget, small: bool):
    """True if ``derivative - direct`` reduces to 0 in time, else a reason string."""
    if tree_size(derivative) > 20 * UNBOUNDED_SIZE_LIMIT:
        return "the derivatives are too large for simplify"
    if not can_interrupt() and not small:
        return "simplify cannot be time-limited off the main thread"
    try:
        with budget.limit("simplify", 0.5):
            # sympy.diff of an unevaluated expression keeps unevaluated arguments
            # (sigmoid(w*x + b) next to sigmoid(b + w*x)): evaluate both first.
            difference = tidy(derivative) - tidy(direct)
            if difference == 0 or (small and sympy.expand(difference) == 0):
                return True
            if sympy.simplify(difference) == 0:
                return True
            return "simplify did not reduce the difference to 0"
    except TimeLimitExceeded as err:
        return str(err)
    except RecursionError:
        return "simplify ran out of recursion depth"
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - SymPy's simplify fails on some inputs (KeyError, TypeError)
        return f"simplify failed ({type(err).__name__})"


def _numeric_check(derivative, direct, expression, budget: Budget, seed: int, why: str) -> Check:
    try:
        with budget.limit("the numeric comparison"):
            agreed, disagreement = agree_numerically(derivative, direct, expression.free_symbols, seed=seed,
                                                     real_at=expression, digits=significant_digits(expression))
    except TimeLimitExceeded as err:
        return Check("unknown", direct, reason=f"{why}; {err}")
    if disagreement is not None:
        return Check("mismatch", direct, agreed, reason=f"the derivatives differ at {disagreement}",
                     details={"point": disagreement})
    if agreed >= MIN_POINTS:
        digits = significant_digits(expression)
        return Check("numeric", direct, agreed,
                     reason=f"{why}; equal to {digits} significant digits at {agreed} random points")
    return Check("unknown", direct, agreed, reason=f"{why}; only {agreed} random points had finite values")


def significant_digits(expression: sympy.Expr) -> int:
    """Digits to which two correct derivatives of `expression` must agree.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> significant_digits(x / 3), significant_digits(x / sympy.Float("1.5"))
    (30, 12)
    """
    has_float = any(isinstance(node, sympy.Float) for node in postorder(expression))
    return FLOAT_SIGNIFICANT_DIGITS if has_float else SIGNIFICANT_DIGITS


def agree_numerically(first: sympy.Expr, second: sympy.Expr, symbols, *, seed: int = 0,
                      points: int = MIN_POINTS, real_at: sympy.Expr | None = None,
                      digits: int = SIGNIFICANT_DIGITS) -> tuple[int, dict | None]:
    """Compare two expressions at random points, to `digits` significant digits.

    Abstract functions are replaced by concrete ones first. Points where
    either side has no finite value are skipped, and so are points where a
    subexpression of `real_at` (the differentiated expression) is not real:
    the real chain rule says nothing there (``abs(sqrt(x))`` at ``x < 0``).

    Returns
    -------
    (int, dict or None)
        How many points agreed, and the first point where they disagree.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> agree_numerically(sympy.sin(2*x), 2*sympy.sin(x)*sympy.cos(x), {x})
    (5, None)
    """
    try:
        first, second = concretize(first), concretize(second)
        real_at = concretize(real_at) if real_at is not None else None
    except (ValueError, TypeError):
        # e.g. SymPy's Derivative(g(g(x)), g(x)): no concrete stand-in; undecided
        return 0, None
    symbols = sorted(symbols | first.free_symbols | second.free_symbols, key=str)
    rng = random.Random(seed)
    agreed = 0
    for _ in range(MAX_TRIES):
        if agreed >= points:
            break
        point = {s: _random_value(rng) for s in symbols}
        if real_at is not None and not is_real_at(real_at, point, WORKING_DIGITS):
            continue
        try:
            a = evaluate(first, point, WORKING_DIGITS)
            b = evaluate(second, point, WORKING_DIGITS)
        except NotANumber:
            continue
        if not _close(a, b, digits):
            return agreed, {str(s): float(v) for s, v in point.items()}
        agreed += 1
    return agreed, None


def _random_value(rng: random.Random) -> mpmath.mpf:
    magnitude = rng.uniform(0.1, 2.0)
    return mpmath.mpf(rng.choice((-1, 1)) * magnitude)


def _close(a, b, digits: int) -> bool:
    with mpmath.workdps(WORKING_DIGITS):
        scale = max(abs(a), abs(b), mpmath.mpf(1))
        return abs(a - b) <= scale * mpmath.mpf(10) ** (-digits)


# --- complexity ------------------------------------------------------------------


@dataclass
class Complexity:
    """Sizes that compare the direct derivative with the chain-rule route.

    All sizes are operation counts of expressions written out as trees
    (see :func:`symgrad.exprtools.tree_size`).
    """

    nodes: int
    edges: int
    paths: int
    edges_on_paths: int
    direct_size: int | None
    largest_local_size: int
    total_local_size: int
    chain_rule_size: int
    backprop_operations: int

    def sentence(self, output: str, variable: str) -> str:
        """One sentence that states the comparison for this expression."""
        if self.paths == 0:
            return (f"{output} does not depend on {variable}: there are no paths, no local "
                    "derivative to multiply, and the derivative is 0.")
        if self.direct_size is None:
            direct = "SymPy's direct derivative did not finish in time"
        else:
            direct = (f"SymPy's direct derivative d{output}/d{variable} has "
                      f"{format_count(self.direct_size)} operations")
        locals_ = (
            f"the chain rule needs {_counted(self.edges_on_paths, 'local derivative')} of at most "
            f"{_counted(self.largest_local_size, 'operation')} each ({self.total_local_size} in all)"
        )
        paths = (
            f"the {_counted(self.paths, 'path')} written out as products "
            f"take{'s' if self.paths == 1 else ''} {format_count(self.chain_rule_size)} operations, "
            f"while backpropagation visits each of the {self.edges_on_paths} edges once "
            f"({format_count(self.backprop_operations)} operations)"
        )
        return f"{direct}; {locals_}; {paths}."


def _counted(number: int, noun: str) -> str:
    return f"{format_count(number)} {noun}{'' if number == 1 else 's'}"


def complexity(graph: nx.MultiDiGraph, variable: str, path_count: int,
               direct: sympy.Expr | None) -> Complexity:
    """Compute the :class:`Complexity` figures for one derivative.

    `chain_rule_size` is the size of the sum over all paths of the products of
    local derivatives, computed exactly without listing the paths.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> g = build_graph(parse("x*sin(x)"))
    >>> c = complexity(g, "x", 2, None)
    >>> (c.edges_on_paths, c.largest_local_size, c.chain_rule_size)
    (3, 1, 3)
    """
    relevant = nodes_on_paths(graph, variable) if variable in graph else set()
    edges = [e for _, consumers in backward_walk(graph, relevant) for e in consumers]
    sizes = {(e.source, e.target, e.key): tree_size(e.local_derivative) for e in edges}
    return Complexity(
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        paths=path_count,
        edges_on_paths=len(edges),
        direct_size=tree_size(direct) if direct is not None else None,
        largest_local_size=max(sizes.values(), default=0),
        total_local_size=sum(sizes.values()),
        chain_rule_size=_chain_rule_size(graph, variable, sizes),
        backprop_operations=backward_operations(graph, relevant),
    )


def _chain_rule_size(graph: nx.MultiDiGraph, variable: str, sizes: dict) -> int:
    """Operations of sum_paths prod_edges local, as a tree, without listing the paths."""
    totals = path_totals(graph, variable, weight=sizes.__getitem__) if variable in graph else None
    if totals is None or totals.count == 0:
        return 0
    multiplications = totals.edges - totals.count  # a path of k factors has k - 1
    additions = totals.count - 1
    return totals.weight + multiplications + additions


def backward_operations(graph: nx.MultiDiGraph, nodes: Container[str] | None = None,
                        cache: dict[int, int] | None = None) -> int:
    """Arithmetic operations of one backward pass over `nodes`.

    Each local derivative's operations (as a tree, :func:`~symgrad.exprtools.tree_size`),
    one multiplication per edge and one addition per extra consumer at a fork,
    walking the edges between `nodes` as :func:`symgrad.chain.backward_walk`
    does. Default: every node but the constants (all the gradients at once).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
    nodes : container of str, optional
        E.g. the nodes on the paths to one variable.
    cache : dict, optional
        A :func:`~symgrad.exprtools.tree_size` cache to share with other counts.

    Examples
    --------
    >>> from symgrad import parse, build_graph
    >>> backward_operations(build_graph(parse("x*sin(x)")))  # cos, 3 multiplies, 1 add at x
    5
    """
    if nodes is None:
        nodes = {n for n in order(graph) if not is_constant(graph, n)}
    sizes = {} if cache is None else cache
    operations = 0
    for _, edges in backward_walk(graph, nodes):
        locals_ = sum(tree_size(e.local_derivative, sizes) for e in edges)
        operations += locals_ + len(edges) + max(0, len(edges) - 1)
    return operations
