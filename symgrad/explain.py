"""The whole pipeline behind one call: text -> graph -> paths -> derivative -> check."""

from __future__ import annotations

import itertools
import json
import warnings
from collections.abc import Iterator, Mapping
from functools import cached_property

import networkx as nx
import sympy

from .chain import AdjointStep, ChainPath, adjoint_steps, chain_paths, reverse_accumulate
from .deadline import Budget
from .errors import OptionError, TimeLimitExceeded, VariableError
from .graph import DEFAULT_MAX_NODES, build_graph, input_nodes, is_input, node_symbol, output_node
from .parse import is_valid_name, parse_with_notes
from .paths import count_paths
from .point import PointValues, evaluate_at, parse_point
from .verify import (
    Check, Complexity, agree_numerically, check_derivative, complexity, significant_digits,
)

__all__ = ["explain", "Explanation", "SymgradWarning", "DEFAULT_MAX_PATHS"]

#: How many paths are listed (and written out) by default; the count is always exact.
DEFAULT_MAX_PATHS = 16


class SymgradWarning(UserWarning):
    """A legal but degenerate request, e.g. a variable that does not occur."""


def explain(
    expr: str | sympy.Expr,
    wrt: str | sympy.Symbol,
    *,
    share: bool = True,
    prefix: str | None = None,
    output: str | None = None,
    max_paths: int = DEFAULT_MAX_PATHS,
    time_limit: float = 10.0,
    check: bool = True,
    seed: int = 0,
    max_nodes: int = DEFAULT_MAX_NODES,
    at: str | Mapping[str, float] | None = None,
    node_names: Mapping[sympy.Expr, str] | None = None,
) -> Explanation:
    """Explain the derivative of `expr` with respect to `wrt`, backprop style.

    Parameters
    ----------
    expr : str or sympy.Expr
        Text such as ``"sigmoid(w1*x1 + w2*x2 + b)"`` (parsed safely by
        :func:`symgrad.parse`) or a SymPy expression.
    wrt : str or sympy.Symbol
        The input variable to differentiate with respect to.
    share : bool, default True
        Merge identical subexpressions into one node (see :func:`build_graph`).
    prefix, output : str, optional
        Names of the intermediate nodes (``u``) and of the output (``f``).
    max_paths : int, default 16
        How many paths to list and write out; the count is always exact.
    time_limit : float, default 10
        Seconds for the check against SymPy (see :mod:`symgrad.deadline`).
    check : bool, default True
        Compare with ``sympy.diff``; with ``False`` the check is ``unknown``.
    seed : int
        Seed of the random points of the numeric check.
    max_nodes : int
        Refuse graphs larger than this.
    at : str or mapping, optional
        A point such as ``"w=0.5,x=2,b=-1"`` or ``{"w": 0.5, ...}``: the
        explanation then also gives every node's value and gradient there
        (:attr:`Explanation.values`), checked against finite differences.
    node_names : mapping of sympy.Expr to str, optional
        Node ids for chosen subexpressions (see :func:`build_graph`).

    Returns
    -------
    Explanation

    Raises
    ------
    ParseError, GraphError, VariableError, OptionError, PointError
        All subclasses of :class:`SymgradError`, with one-line messages
        (PointError: `at` is malformed, or the expression is undefined there).

    Warns
    -----
    SymgradWarning
        If `wrt` does not occur in the expression (the derivative is 0).

    Examples
    --------
    >>> e = explain("sigmoid(w1*x1 + w2*x2 + b)", wrt="w1")
    >>> e.path_count
    1
    >>> e.derivative
    x1*(1 - sigmoid(b + w1*x1 + w2*x2))*sigmoid(b + w1*x1 + w2*x2)
    >>> e.check.status
    'symbolic'
    """
    _validate_options(max_paths, time_limit, max_nodes)
    text = expr if isinstance(expr, str) else None
    parsed, readings = parse_with_notes(expr) if isinstance(expr, str) else (expr, ())
    graph = build_graph(parsed, share=share, prefix=prefix, output=output, max_nodes=max_nodes,
                        node_names=node_names)
    point = _point(at, graph) if at is not None else None
    explanation = Explanation(graph, _variable_name(wrt, graph), text=text, max_paths=max_paths,
                              time_limit=time_limit, run_check=check, seed=seed, point=point)
    explanation.readings = readings
    if point is not None:
        explanation.values  # noqa: B018 - a point where the expression is undefined fails here, eagerly
    return explanation


def _point(at: str | Mapping[str, float], graph: nx.MultiDiGraph) -> dict:
    inputs = input_nodes(graph)
    if isinstance(at, str):
        return parse_point(at, inputs)
    return parse_point(",".join(f"{name}={float(value)!r}" for name, value in dict(at).items()), inputs)


def _validate_options(max_paths: int, time_limit: float, max_nodes: int) -> None:
    if not isinstance(max_paths, int) or max_paths < 0:
        raise OptionError(f"max_paths must be a non-negative integer, got {max_paths!r}")
    if not isinstance(time_limit, (int, float)) or not 0 < time_limit <= 3600:
        raise OptionError(f"time_limit must be between 0 and 3600 seconds, got {time_limit!r}")
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise OptionError(f"max_nodes must be a positive integer, got {max_nodes!r}")


def _variable_name(wrt: str | sympy.Symbol, graph: nx.MultiDiGraph) -> str:
    name = wrt.name if isinstance(wrt, sympy.Symbol) else wrt
    if not isinstance(name, str) or not is_valid_name(name):
        raise VariableError(f"wrt={str(wrt)[:40]!r} is not a variable name (letters, digits, _)")
    if name in graph and not is_input(graph, name):
        raise VariableError(
            f"{name!r} names an intermediate node of the graph, not an input; "
            "choose another prefix or output name"
        )
    if name not in graph:
        inputs = ", ".join(input_nodes(graph)) or "none"
        warnings.warn(
            f"{name!r} does not occur in the expression (inputs: {inputs}); its derivative is 0",
            SymgradWarning,
            stacklevel=3,
        )
    return name


class Explanation:
    """The derivative of one expression with respect to one variable, explained.

    Made by :func:`explain`. Everything is computed lazily and cached.

    Attributes
    ----------
    graph : networkx.MultiDiGraph
        The computation graph (see :func:`symgrad.build_graph`).
    wrt : str
        The variable.
    text : str or None
        The text that was parsed, if any.
    max_paths : int
        How many paths :attr:`listed_paths` holds at most.
    """

    def __init__(self, graph: nx.MultiDiGraph, wrt: str, *, text: str | None = None,
                 max_paths: int = DEFAULT_MAX_PATHS, time_limit: float = 10.0,
                 run_check: bool = True, seed: int = 0, point: Mapping | None = None):
        self.graph = graph
        self.wrt = wrt
        self.text = text
        self.max_paths = max_paths
        self.time_limit = time_limit
        self.run_check = run_check
        self.seed = seed
        self.point = point
        self.readings: tuple = ()  # how the text was read where not literally (parse_with_notes)

    def __repr__(self) -> str:
        return (f"<Explanation d{self.output}/d{self.wrt}: {self.path_count} path(s), "
                f"check {self.check.status}>")

    # --- the pipeline's results ---------------------------------------------

    @property
    def output(self) -> str:
        """Name of the output node (``f`` by default)."""
        return output_node(self.graph)

    @property
    def expression(self) -> sympy.Expr:
        """The differentiated expression (as typed: unevaluated)."""
        return self.graph.graph["expression"]

    @property
    def occurs(self) -> bool:
        """Whether :attr:`wrt` is an input of the expression."""
        return self.wrt in self.graph

    @property
    def variable(self) -> sympy.Symbol:
        """:attr:`wrt` as the SymPy symbol used in the expression."""
        if self.occurs:
            return node_symbol(self.graph, self.wrt)
        return sympy.Symbol(self.wrt, real=True)

    @cached_property
    def path_count(self) -> int:
        """Exact number of paths from the output back to :attr:`wrt`."""
        return count_paths(self.graph, self.wrt) if self.occurs else 0

    @property
    def paths(self) -> Iterator[ChainPath]:
        """All paths, lazily (there may be astronomically many)."""
        return chain_paths(self.graph, self.wrt) if self.occurs else iter(())

    @cached_property
    def listed_paths(self) -> list[ChainPath]:
        """The first :attr:`max_paths` paths."""
        return list(itertools.islice(self.paths, self.max_paths))

    @property
    def all_paths_listed(self) -> bool:
        return len(self.listed_paths) == self.path_count

    @cached_property
    def path_sum(self) -> sympy.Expr | None:
        """Sum of the path products in the inputs, if every path is listed."""
        if not self.all_paths_listed:
            return None
        return sympy.Add(*(p.product_in_inputs for p in self.listed_paths))

    @cached_property
    def adjoint_steps(self) -> list[AdjointStep]:
        """The backward pass, one equation per node between output and variable."""
        return adjoint_steps(self.graph, self.wrt) if self.occurs else []

    @cached_property
    def derivative(self) -> sympy.Expr:
        """d output / d wrt in terms of the inputs, by reverse accumulation."""
        return reverse_accumulate(self.graph, self.wrt) if self.occurs else sympy.S.Zero

    @cached_property
    def check(self) -> Check:
        """Comparison with ``sympy.diff`` (and of the path sum with backprop)."""
        if not self.run_check:
            return Check("unknown", None, reason="the check was not requested")
        budget = Budget(self.time_limit)
        result = check_derivative(self.derivative, self.expression, self.variable,
                                  time_limit=self.time_limit, seed=self.seed)
        if self.path_sum is not None and result.ok:
            try:  # within what is left of the same budget
                with budget.limit("the comparison of the path sum with backpropagation"):
                    agreed, disagreement = agree_numerically(
                        self.path_sum, self.derivative, self.expression.free_symbols, seed=self.seed,
                        real_at=self.expression, digits=significant_digits(self.expression))
            except TimeLimitExceeded:
                result.details["paths_agree"] = None
                return result
            result.details["paths_agree"] = disagreement is None
            if disagreement is not None:
                return Check("mismatch", result.direct, agreed,
                             reason=f"the sum over paths differs from backpropagation at {disagreement}")
        return result

    @cached_property
    def complexity(self) -> Complexity:
        """Sizes that show why the decomposed way is simpler."""
        return complexity(self.graph, self.wrt, self.path_count, self.check.direct)

    @cached_property
    def values(self) -> PointValues | None:
        """Forward values and gradients of every node at the point given with ``at``."""
        return evaluate_at(self.graph, self.point) if self.point is not None else None

    # --- outputs --------------------------------------------------------------

    def plot(self, **options):
        """Draw the graph with the paths highlighted; see :func:`symgrad.plot.plot`.

        Values and gradients at the point (``at=``) are drawn when known.
        Returns a matplotlib ``Figure``, or the ``ax=`` it drew into.
        """
        from .plot import plot

        options.setdefault("values", self.values)
        return plot(self, **options)

    def to_latex(self, standalone: bool = False) -> str:
        """The derivation as an amsmath fragment, or a complete document."""
        from .render import latex
        return latex.render(self, standalone=standalone)

    def to_text(self) -> str:
        """The derivation for a terminal (Unicode)."""
        from .render import text
        return text.render(self)

    def to_markdown(self) -> str:
        """The derivation in Markdown with ``$...$`` math."""
        from .render import markdown
        return markdown.render(self)

    def to_dict(self) -> dict:
        """The derivation as plain data (what :meth:`to_json` writes)."""
        from .render import data
        return data.to_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        """The derivation as one JSON object."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def _repr_latex_(self) -> str:
        """For Jupyter: the derivation as one display-math block MathJax can show."""
        from .render import latex
        return latex.render_display_math(self)
