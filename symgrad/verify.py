"""Checking a derivative against SymPy, and the numbers that compare the two ways.

:func:`check_derivative` compares symgrad's derivative with ``sympy.diff`` of
the whole expression: first symbolically (the difference must reduce to 0
within a time bound), then at random points in 50-digit arithmetic (agreement
to 30 significant digits, or 12 when the expression has decimal numbers such
as 0.1, at 5 or more points; see :func:`significant_digits`). When ``sympy.diff``
is out of reach (a huge expression, or out of time) a witness that needs no
symbolic derivative decides: central finite differences of the expression in
90-digit arithmetic (:func:`finite_difference_check`). The result is a
:class:`Check` with status ``symbolic``, ``numeric``, ``mismatch`` or
``unknown`` and the method that decided. Points are searched for where every
intermediate value is real and finite (:func:`real_points`).

:func:`complexity` gives the sizes that show why the decomposed way is simpler.
"""

from __future__ import annotations

import decimal

import random
from collections import Counter
from collections.abc import Container, Iterator
from dataclasses import dataclass, field

import mpmath
import networkx as nx
import sympy
from sympy.core.function import AppliedUndef

from .deadline import Budget, can_interrupt
from .errors import TimeLimitExceeded
from .exprtools import postorder, tidy, tree_size, tree_size_exceeds
from .errors import GraphError, PointError
from .numeric import NotANumber, concretize, evaluate
from .tape import compile_expression, compile_tape
from .chain import backward_walk
from .graph import input_nodes, is_constant, node_symbol, order
from .i18n import gettext as _
from .i18n import ngettext
from .paths import nodes_on_paths, path_totals

__all__ = [
    "Check", "check_derivative", "finite_difference_check", "central_difference", "real_points",
    "never_real_reason", "free_symbols", "agree_numerically", "significant_digits", "Complexity",
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
    text = exact_digits(number)
    digits = len(text.lstrip("-"))
    if digits <= 15:
        return text
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    return f"{sign}{text[0]}.{text[1:3]}e{digits - 1} ({digits} digits)"


def exact_digits(number: int) -> str:
    """All decimal digits of an integer, however many (``str`` refuses beyond 4300).

    Examples
    --------
    >>> len(exact_digits(10**5000)), exact_digits(-12)
    (5001, '-12')
    """
    return format(decimal.Decimal(number), "f")

#: Digits to which two correct derivatives must agree at a random point.
SIGNIFICANT_DIGITS = 30
#: Decimal numbers such as 0.1 are SymPy Floats of about 15 digits, so two
#: correct derivatives of an expression that has them agree only that far.
FLOAT_SIGNIFICANT_DIGITS = 12
WORKING_DIGITS = 50
MIN_POINTS = 5
#: Candidate points drawn from the first, narrow range ±[0.1, 2] ...
MAX_TRIES = 40
#: ... and in all, over the wider ranges too, before a check gives up.
MAX_SAMPLE_TRIES = 400
#: Expressions up to this size are compared by SymPy even where no time limit
#: can be enforced (off the main thread).
UNBOUNDED_SIZE_LIMIT = 300
#: Expressions larger than this, written out as a tree, are not given to
#: ``sympy.diff`` at all: its result swells with the tree (seconds at 10^5
#: operations), so the finite-difference witness decides at once.
DIRECT_TREE_LIMIT = 10_000
#: A product of more factors than this gets a tenth of the check's time for sympy.diff, not half:
#: SymPy's time grows with the square of the factors (400: 1.5 s, 2 000: minutes).
MANY_FACTORS = 300
#: The finite-difference witness: central differences with step 10**-FD_STEP_DIGITS
#: (relative to the point) in FD_WORKING_DIGITS-digit arithmetic. Truncation
#: (~step**2) and rounding (~10**-FD_WORKING_DIGITS / step) both stay near
#: 10**-60, far below the 30 digits compared. The difference with the step
#: 10**5 smaller is compared with symgrad's value; where they differ, the
#: difference with the larger step must give the same digits as the smaller
#: one, or the point is skipped (the expression oscillates faster than the
#: steps resolve) rather than reported as a mismatch.
FD_STEP_DIGITS = 30
FD_WORKING_DIGITS = 90

#: The names of the ways a check can be decided (``Check.method``).
METHOD_SYMBOLIC = "sympy-diff-symbolic"
METHOD_SYMPY_NUMERIC = "sympy-diff-numeric"
METHOD_FINITE_DIFFERENCES = "finite-differences"


@dataclass
class Check:
    """The outcome of comparing symgrad's derivative with an independent one.

    Attributes
    ----------
    status : str
        ``"symbolic"`` (the difference from ``sympy.diff`` simplifies to 0),
        ``"numeric"`` (equal to :func:`significant_digits` digits, 30 or 12, at
        `points` random points, or to finite differences), ``"mismatch"`` (they
        differ: a bug) or ``"unknown"`` (could not be decided).
    direct : sympy.Expr or None
        ``sympy.diff`` of the whole expression, if it finished in time.
    points : int
        Random points at which both were compared.
    reason : str
        One sentence saying how the status was reached.
    details : dict
        ``"method"``: how it was decided (:attr:`method`); ``"point"``: where a
        mismatch was found; ``"paths_agree"``: see :attr:`Explanation.check`.
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

    @property
    def method(self) -> str | None:
        """``"sympy-diff-symbolic"``, ``"sympy-diff-numeric"``, ``"finite-differences"`` or None."""
        return self.details.get("method")

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
    graph: nx.MultiDiGraph | None = None,
) -> Check:
    """Compare `derivative` with ``sympy.diff(expression, variable)``, or with finite differences.

    The witnesses, in order: the difference from ``sympy.diff`` simplifies to
    0 (``sympy-diff-symbolic``); it vanishes at random points
    (``sympy-diff-numeric``); and, when ``sympy.diff`` is out of reach (the
    expression is too large, it ran out of time, or nothing was decided), the
    derivative equals central finite differences of the expression itself,
    in high precision, at random points (``finite-differences``): a witness
    that uses neither symgrad's rules nor SymPy's.

    Parameters
    ----------
    derivative : sympy.Expr
        symgrad's derivative, in terms of the inputs.
    expression : sympy.Expr
        The differentiated expression.
    variable : sympy.Symbol
    time_limit : float
        Seconds for the whole check (see :mod:`symgrad.deadline`).
    seed : int
        Seed of the random points.
    graph : networkx.MultiDiGraph, optional
        The graph whose backward pass gave `derivative`. The finite-difference
        witness then takes symgrad's values from the graph's tape (one forward
        and one backward pass per point, :func:`symgrad.tape.compile_tape`)
        instead of evaluating `derivative`, which may be a huge shared expression.

    Returns
    -------
    Check
        Its ``details["method"]`` names the witness that decided.

    Examples
    --------
    >>> x = sympy.Symbol("x", real=True)
    >>> check_derivative(2*x*sympy.cos(x**2), sympy.sin(x**2), x).method
    'sympy-diff-symbolic'
    >>> check_derivative(x*sympy.cos(x**2), sympy.sin(x**2), x).status
    'mismatch'
    """
    budget = Budget(time_limit)
    size = tree_size(expression)
    small = size <= UNBOUNDED_SIZE_LIMIT
    direct, why = _direct_derivative(expression, variable, budget, size, small)
    if direct is None:
        return finite_difference_check(derivative, expression, variable, budget=budget, seed=seed, why=why,
                                       graph=graph)
    symbolic_reason = _symbolic_zero(derivative, direct, budget, small)
    if symbolic_reason is True:
        return Check("symbolic", direct, reason=_("the difference from sympy.diff simplifies to 0"),
                     details={"method": METHOD_SYMBOLIC})
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
    if result.status == "unknown":
        witness = finite_difference_check(derivative, expression, variable, budget=budget, seed=seed,
                                          why=result.reason, graph=graph)
        witness.direct = direct
        return witness
    return result


def _direct_derivative(expression, variable, budget: Budget, size: int, small: bool):
    """``(sympy.diff(expression, variable), "")`` if it finishes in time, else ``(None, why)``."""
    if size > DIRECT_TREE_LIMIT:
        return None, _("sympy.diff was not tried: the expression has {count} operations written out as a tree"
                       ).format(count=format_count(size))
    if not can_interrupt() and not small:
        return None, _("SymPy's diff cannot be time-limited off the main thread")
    # SymPy's diff of a product takes time quadratic in its factors (800: 6 s): a long one gets less
    many = any(isinstance(n, sympy.Mul) and len(n.args) > MANY_FACTORS for n in postorder(expression))
    try:
        with budget.limit("sympy.diff", 0.1 if many else 0.5):
            return sympy.diff(expression, variable), ""
    except TimeLimitExceeded as err:
        return None, str(err)
    except RecursionError:
        return None, _("sympy.diff ran out of recursion depth")
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - a failure inside SymPy leaves the witness to numbers
        return None, _("sympy.diff failed ({error})").format(error=type(err).__name__)


def _symbolic_zero(derivative, direct, budget: Budget, small: bool):
    """True if ``derivative - direct`` reduces to 0 in time, else a reason string."""
    if tree_size_exceeds(derivative, 20 * UNBOUNDED_SIZE_LIMIT):
        return _("the derivatives are too large for simplify")
    if not can_interrupt() and not small:
        return _("simplify cannot be time-limited off the main thread")
    try:
        with budget.limit("simplify", 0.5):
            # sympy.diff of an unevaluated expression keeps unevaluated arguments
            # (sigmoid(w*x + b) next to sigmoid(b + w*x)): evaluate both first.
            difference = tidy(derivative) - tidy(direct)
            if difference == 0 or (small and sympy.expand(difference) == 0):
                return True
            if sympy.simplify(difference) == 0:
                return True
            return _("simplify did not reduce the difference to 0")
    except TimeLimitExceeded as err:
        return str(err)
    except RecursionError:
        return _("simplify ran out of recursion depth")
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - SymPy's simplify fails on some inputs (KeyError, TypeError)
        return _("simplify failed ({error})").format(error=type(err).__name__)


def _numeric_check(derivative, direct, expression, budget: Budget, seed: int, why: str) -> Check:
    method = {"method": METHOD_SYMPY_NUMERIC}
    try:
        with budget.limit("the numeric comparison"):
            agreed, disagreement = agree_numerically(derivative, direct, set(), seed=seed, real_at=expression,
                                                     digits=significant_digits(expression), budget=budget)
    except TimeLimitExceeded as err:
        return Check("unknown", direct, reason=f"{why}; {err}", details=method)
    if disagreement is not None:
        return Check("mismatch", direct, agreed, reason=_("the derivatives differ at {point}").format(point=disagreement),
                     details={**method, "point": disagreement})
    if agreed >= MIN_POINTS:
        digits = significant_digits(expression)
        return Check("numeric", direct, agreed, details=method,
                     reason=why + "; " + _("equal to sympy.diff to {digits} significant digits at {points} random "
                                           "points").format(digits=digits, points=agreed))
    return Check("unknown", direct, agreed, details=method,
                 reason=why + "; " + _("only {points} random points had finite values").format(points=agreed))


def finite_difference_check(derivative: sympy.Expr, expression: sympy.Expr, variable: sympy.Symbol, *,
                            budget: Budget | None = None, seed: int = 0, why: str = "",
                            graph: nx.MultiDiGraph | None = None) -> Check:
    """Compare `derivative` with central finite differences of `expression` at random real points.

    This witness needs neither symgrad's rule table nor SymPy's derivative:
    only values of the expression, computed in
    :data:`FD_WORKING_DIGITS`-digit arithmetic with a step of
    ``10**-FD_STEP_DIGITS``. The expression is compiled once
    (:func:`symgrad.tape.compile_expression`, each distinct subexpression one
    instruction) and run at every point, so a shared expression of 3**1000
    tree operations costs its few thousand nodes per value.

    Parameters
    ----------
    derivative, expression : sympy.Expr
    variable : sympy.Symbol
    budget : Budget, optional
        Time left; checked between points, so the bound holds in any thread.
    seed : int
    why : str
        Why the other witnesses did not decide (starts the reason).
    graph : networkx.MultiDiGraph, optional
        The graph whose backward pass gave `derivative`: symgrad's values are
        then the tape's adjoint of `variable` (see :func:`check_derivative`).

    Returns
    -------
    Check
        ``numeric``, ``mismatch`` or ``unknown``, with method ``finite-differences``.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> finite_difference_check(sympy.cos(x) / x - sympy.sin(x) / x**2, sympy.sin(x) / x, x).status
    'numeric'
    >>> finite_difference_check(sympy.cos(x) / x, sympy.sin(x) / x, x).status
    'mismatch'
    """
    budget = budget or Budget(60.0)
    prefix = f"{why}; " if why else ""
    try:
        with budget.limit("the finite-difference comparison"):
            return _finite_difference_check(derivative, expression, variable, budget, seed, prefix, graph)
    except TimeLimitExceeded as err:
        return Check("unknown", None, reason=f"{prefix}{err}", details={"method": METHOD_FINITE_DIFFERENCES})


def _finite_difference_check(derivative, expression, variable, budget: Budget, seed: int, prefix: str,
                             graph) -> Check:
    method = {"method": METHOD_FINITE_DIFFERENCES}
    try:
        expression = _concrete(expression)
        mine = _DerivativeValues(derivative, graph, variable)
    except (ValueError, TypeError):
        return Check("unknown", None, reason=prefix + _("an abstract function has no concrete stand-in"),
                     details=method)
    digits = significant_digits(expression)
    symbols = sorted(free_symbols(expression) | set(mine.symbols) | {variable}, key=str)
    values = _compiled(expression, FD_WORKING_DIGITS)
    if mine.tape is None:
        points = real_points(expression, symbols, seed=seed, budget=budget)
    else:  # the tape's forward pass is real: it raises where a node is not real and finite
        points = _candidate_points(expression, symbols, seed=seed, tries=MAX_SAMPLE_TRIES, budget=budget)
    agreed = 0
    try:
        for point in points:
            try:
                ours = mine(point)
                theirs = central_difference(expression, variable, point, FD_STEP_DIGITS + 5, values=values)
                if not _close(ours, theirs, digits):  # a mismatch, or a step too coarse for the point?
                    coarse = central_difference(expression, variable, point, FD_STEP_DIGITS, values=values)
                    if not _close(coarse, theirs, digits + 3):
                        continue  # the expression varies faster than the step resolves (sin(1e40*x))
            except NotANumber:
                continue
            if not _close(ours, theirs, digits):
                where = {str(s): float(v) for s, v in point.items()}
                return Check("mismatch", None, agreed, details={**method, "point": where},
                             reason=prefix + _("the derivative differs from finite differences at {point}").format(
                                 point=where))
            agreed += 1
            if agreed >= MIN_POINTS:
                break
    except TimeLimitExceeded as err:
        return Check("unknown", None, agreed, reason=f"{prefix}{err}", details=method)
    if agreed >= MIN_POINTS:
        return Check("numeric", None, agreed, details=method,
                     reason=prefix + _("equal to central finite differences ({working}-digit arithmetic) to {digits} "
                                       "significant digits at {points} random points").format(
                         working=FD_WORKING_DIGITS, digits=digits, points=agreed))
    if agreed == 0:
        return Check("unknown", None, 0, details=method,
                     reason=f"{prefix}{never_real_reason(expression, symbols, seed=seed)}")
    return Check("unknown", None, agreed, details=method,
                 reason=prefix + _("only {points} random points had finite values").format(points=agreed))


class _DerivativeValues:
    """symgrad's derivative at a point (symbol -> number), at :data:`WORKING_DIGITS` digits.

    From the graph's tape when there is a graph (the adjoint of the variable:
    one forward and one backward pass, no walk of the derivative's
    expression), else from the derivative's expression compiled once.
    """

    def __init__(self, derivative: sympy.Expr, graph: nx.MultiDiGraph | None, variable: sympy.Symbol):
        self.tape = None
        if graph is not None:
            names = {node_symbol(graph, name): name for name in input_nodes(graph)}
            try:
                if variable in names:
                    self.tape = compile_tape(graph, "mpmath", WORKING_DIGITS)
            except (GraphError, NotANumber):  # abstract functions or a constant without a value: the expression
                self.tape = None
        if self.tape is not None:
            self.names, self.wrt = names, names[variable]
            self.symbols = tuple(names)
        else:
            self.expression = _compiled(_concrete(derivative), WORKING_DIGITS)
            self.symbols = self.expression.symbols

    def __call__(self, point: dict):
        if self.tape is None:
            return self.expression.evaluate(point)
        try:
            _, gradient = self.tape.gradient({name: point[symbol] for symbol, name in self.names.items()})
        except PointError as err:
            raise NotANumber(str(err)) from None
        return gradient[self.wrt]



class _NoValue:
    """An expression that has no value at any point (a constant of it is not a finite number)."""

    def __init__(self, expr: sympy.Expr, error: NotANumber):
        self.symbols = tuple(sorted(free_symbols(expr), key=str))
        self.error = error

    def evaluate(self, point):
        raise self.error


def _compiled(expr: sympy.Expr, digits: int, real: bool = False):
    """`expr` compiled once for mpmath (:func:`symgrad.tape.compile_expression`), to run at many points."""
    try:
        return compile_expression(expr, "mpmath", digits, real=real)
    except NotANumber as err:  # e.g. nan or zoo in SymPy's derivative: undefined at every point
        return _NoValue(expr, err)


def central_difference(expression: sympy.Expr, variable: sympy.Symbol, point,
                       step_digits: int = FD_STEP_DIGITS, *, values=None):
    """``(f(x + h) - f(x - h)) / 2h`` at `point`, in :data:`FD_WORKING_DIGITS`-digit arithmetic.

    The step is ``h = 10**-step_digits * max(|x|, 1)``. The witness compares
    two steps, 10**5 apart, before it reports a mismatch at a point.

    Parameters
    ----------
    expression : sympy.Expr
    variable : sympy.Symbol
    point : dict
        Symbol -> number, for every symbol of `expression`.
    step_digits : int
    values : ExpressionTape, optional
        `expression` already compiled at :data:`FD_WORKING_DIGITS` digits
        (:func:`symgrad.tape.compile_expression`), to compile it once for many points.

    Raises
    ------
    NotANumber
        If the expression has no finite real value on either side.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> mpmath.nstr(central_difference(x**3, x, {x: 2}), 20)
    '12.0'
    """
    values = values or _compiled(expression, FD_WORKING_DIGITS)
    with mpmath.workdps(FD_WORKING_DIGITS):
        centre = mpmath.mpf(point[variable])
        step = mpmath.mpf(10) ** -step_digits * max(abs(centre), mpmath.mpf(1))
        sides = [values.evaluate({**point, variable: centre + sign * step}) for sign in (1, -1)]
        if any(isinstance(v, mpmath.mpc) and v.imag != 0 for v in sides):
            raise NotANumber("not real next to the point")
        return (mpmath.re(sides[0]) - mpmath.re(sides[1])) / (2 * step)


def _concrete(expr: sympy.Expr) -> sympy.Expr:
    """:func:`concretize`, called only when there is an abstract function (its search walks the tree)."""
    if any(isinstance(node, AppliedUndef) for node in postorder(expr)):
        return concretize(expr)
    return expr


def _symbols_of(expr: sympy.Expr) -> set:
    """SymPy's free_symbols for small expressions (a tree walk), :func:`free_symbols` for large ones."""
    return free_symbols(expr) if tree_size_exceeds(expr, DIRECT_TREE_LIMIT) else expr.free_symbols


def free_symbols(expr: sympy.Basic) -> set[sympy.Symbol]:
    """The symbols of `expr`, each distinct subexpression visited once (SymPy's walks the tree).

    Examples
    --------
    >>> x, y = sympy.symbols("x y")
    >>> sorted(free_symbols(sympy.sin(x) * y), key=str)
    [x, y]
    """
    return {node for node in postorder(expr) if isinstance(node, sympy.Symbol)}


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
                      digits: int = SIGNIFICANT_DIGITS, budget: Budget | None = None) -> tuple[int, dict | None]:
    """Compare two expressions at random points, to `digits` significant digits.

    Abstract functions are replaced by concrete ones first. Points where
    either side has no finite value are skipped, and so are points where a
    subexpression of `real_at` (the differentiated expression) is not real:
    the real chain rule says nothing there (``abs(sqrt(x))`` at ``x < 0``).
    With `real_at`, the points are searched for as :func:`real_points` does.

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
        first, second = _concrete(first), _concrete(second)
        real_at = _concrete(real_at) if real_at is not None else None
    except (ValueError, TypeError):
        # e.g. SymPy's Derivative(g(g(x)), g(x)): no concrete stand-in; undecided
        return 0, None
    symbols = set(symbols) | _symbols_of(first) | _symbols_of(second)
    if real_at is not None:
        symbols |= free_symbols(real_at)
    symbols = sorted(symbols, key=str)
    if real_at is not None:
        candidates = real_points(real_at, symbols, seed=seed, budget=budget)
    else:
        rng = random.Random(seed)
        candidates = ({s: _random_value(rng) for s in symbols} for _ in range(MAX_TRIES))
    first, second = _compiled(first, WORKING_DIGITS), _compiled(second, WORKING_DIGITS)
    agreed = 0
    for point in candidates:
        if agreed >= points:
            break
        try:
            a, b = first.evaluate(point), second.evaluate(point)
        except NotANumber:
            continue
        if not _close(a, b, digits):
            return agreed, {str(s): float(v) for s, v in point.items()}
        agreed += 1
    return agreed, None


# --- points where an expression is real --------------------------------------------


def real_points(expression: sympy.Expr, symbols, *, seed: int = 0, tries: int = MAX_SAMPLE_TRIES,
                budget: Budget | None = None) -> Iterator[dict]:
    """Random points where every subexpression of `expression` is real and finite.

    The first :data:`MAX_TRIES` candidates are drawn from ±[0.1, 2]; the
    rest from wider ranges, both signs, magnitudes from 1e-6 to 1e6, and
    next to the numbers of the expression (``log(x - 100)`` needs x > 100,
    ``log(-x - 50)`` x < -50), up to `tries` candidates in all.

    Raises
    ------
    TimeLimitExceeded
        When `budget` runs out (checked between candidates, in any thread).

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> point = next(real_points(sympy.sqrt(x - 1000), [x]))
    >>> point[x] > 1000
    True
    """
    values = _compiled(expression, WORKING_DIGITS, real=True)
    for point in _candidate_points(expression, symbols, seed=seed, tries=tries, budget=budget):
        try:
            values.evaluate(point)
        except NotANumber:
            continue
        yield point


def _candidate_points(expression: sympy.Expr, symbols, *, seed: int, tries: int,
                      budget: Budget | None) -> Iterator[dict]:
    """The candidates that :func:`real_points` tests, in its order, untested."""
    rng = random.Random(seed)
    anchors = None
    for attempt in range(tries):
        if budget is not None and budget.remaining() <= 0:
            raise TimeLimitExceeded(_("the search for real points ran out of time"))
        if attempt < MAX_TRIES:
            yield {s: _random_value(rng) for s in symbols}
        else:
            anchors = _anchors(expression) if anchors is None else anchors
            yield {s: _wider_value(rng, anchors) for s in symbols}


def _anchors(expression: sympy.Expr) -> list:
    """The magnitudes of the expression's numbers, where domains tend to begin."""
    numbers = {abs(node) for node in postorder(expression)
               if isinstance(node, sympy.Number) and node.is_finite and node.is_real}
    return sorted(mpmath.mpf(sympy.Float(n, 30)) for n in numbers if 0 < n < 10**12)


def _random_value(rng: random.Random) -> mpmath.mpf:
    magnitude = rng.uniform(0.1, 2.0)
    return mpmath.mpf(rng.choice((-1, 1)) * magnitude)


def _wider_value(rng: random.Random, anchors: list) -> mpmath.mpf:
    sign = rng.choice((-1, 1))
    if anchors and rng.random() < 0.5:
        anchor = rng.choice(anchors)
        offset = rng.choice((rng.uniform(0.001, 1.0), rng.uniform(1.0, 2.0) * anchor, 10 ** rng.uniform(-3, 3)))
        return sign * (anchor + mpmath.mpf(offset))
    return mpmath.mpf(sign * 10 ** rng.uniform(-6, 6))


def never_real_reason(expression: sympy.Expr, symbols, *, seed: int = 0, tries: int = 20) -> str:
    """A sentence naming the subexpression that was not real (or not finite) at the points tried.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> never_real_reason(sympy.log(-x**2 - 1) + x, [x])
    'log(-x**2 - 1) was not real and finite at any of the 400 points tried'
    """
    rng = random.Random(seed)
    anchors = _anchors(expression)
    culprits: Counter = Counter()
    for _try in range(tries):
        point = {s: _wider_value(rng, anchors) for s in symbols}
        culprit = _first_not_real(expression, point)
        if culprit is not None:
            culprits[culprit] += 1
    if not culprits:
        return _("no point among the {tries} tried gave a finite value to both derivatives").format(
            tries=MAX_SAMPLE_TRIES)
    culprit = culprits.most_common(1)[0][0]
    text = str(culprit)
    text = text if len(text) <= 80 else text[:77] + "..."
    return _("{expression} was not real and finite at any of the {tries} points tried").format(
        expression=text, tries=MAX_SAMPLE_TRIES)


def _first_not_real(expression: sympy.Expr, point) -> sympy.Basic | None:
    """The first subexpression (children first) without a finite real value at `point`.

    Each node is evaluated one level at a time from its children's values,
    so the walk costs one evaluation per distinct subexpression.
    """
    values: dict[int, object] = {}
    for node in postorder(expression):
        if node.args:
            dummies = [sympy.Dummy() for _ in node.args]
            try:
                shell = node.func(*dummies, evaluate=False)
            except TypeError:
                shell = node.func(*dummies)
            local = dict(zip(dummies, (values[id(a)] for a in node.args)))
        else:
            shell, local = node, point
        try:
            value = evaluate(shell, local, WORKING_DIGITS)
        except NotANumber:
            return node
        if isinstance(value, mpmath.mpc) and value.imag != 0:
            return node
        values[id(node)] = value
    return None


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
    #: False when the direct derivative was not asked for (no check): `direct_size` is None then.
    direct_computed: bool = True

    def sentence(self, output: str, variable: str) -> str:
        """One sentence that states the comparison for this expression."""
        if self.paths == 0:
            return _("{output} does not depend on {variable}: there are no paths, no local "
                     "derivative to multiply, and the derivative is 0.").format(output=output, variable=variable)
        if not self.direct_computed:
            direct = _("SymPy's direct derivative was not computed (the check was off)")
        elif self.direct_size is None:
            direct = _("SymPy's direct derivative did not finish in time")
        else:
            direct = _("SymPy's direct derivative d{output}/d{variable} has {size}").format(
                output=output, variable=variable, size=_counted(self.direct_size))
        locals_ = ngettext(
            "the chain rule needs {count} local derivative of at most {size} each ({total} in all)",
            "the chain rule needs {count} local derivatives of at most {size} each ({total} in all)",
            self.edges_on_paths).format(count=format_count(self.edges_on_paths),
                                        size=_counted(self.largest_local_size), total=self.total_local_size)
        paths = ngettext(
            "the {count} path written out as products takes {size}, while backpropagation "
            "visits each of the {edges} edges once ({backward})",
            "the {count} paths written out as products take {size}, while backpropagation "
            "visits each of the {edges} edges once ({backward})",
            self.paths).format(count=format_count(self.paths), size=_counted(self.chain_rule_size),
                               edges=self.edges_on_paths, backward=_counted(self.backprop_operations))
        return f"{direct}; {locals_}; {paths}."


def _counted(number: int) -> str:
    """``"{number} operation(s)"`` in the current language."""
    return ngettext("{n} operation", "{n} operations", number).format(n=format_count(number))


def complexity(graph: nx.MultiDiGraph, variable: str, path_count: int,
               direct: sympy.Expr | None, direct_computed: bool = True) -> Complexity:
    """Compute the :class:`Complexity` figures for one derivative.

    `direct` is SymPy's derivative, None when it did not finish or, with
    `direct_computed` False, when it was not asked for.

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
    shared: dict[int, int] = {}  # one tree_size cache: local derivatives repeat (cos(u1), 2*u1, ...)
    sizes = {(e.source, e.target, e.key): tree_size(e.local_derivative, shared) for e in edges}
    return Complexity(
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        paths=path_count,
        edges_on_paths=len(edges),
        direct_size=tree_size(direct) if direct is not None else None,
        largest_local_size=max(sizes.values(), default=0),
        total_local_size=sum(sizes.values()),
        chain_rule_size=_chain_rule_size(graph, variable, sizes),
        backprop_operations=backward_operations(graph, relevant, shared),
        direct_computed=direct_computed,
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
    for _node, edges in backward_walk(graph, nodes):
        locals_ = sum(tree_size(e.local_derivative, sizes) for e in edges)
        operations += locals_ + len(edges) + max(0, len(edges) - 1)
    return operations
