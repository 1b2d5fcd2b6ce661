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
from .chain import tidy_if_small
from .deadline import Budget, budgeted, checkpoint, current_budget, run_within, stage
from .exprtools import costly_constants, is_undefined, tree_size, tree_size_exceeds
from .errors import OptionError, SymgradWarning, TimeLimitExceeded, VariableError
from .i18n import N_, check_language, current_language, default_language, use_language
from .graph import DEFAULT_MAX_NODES, build_graph, graph_expression, input_nodes, is_input, node, node_symbol
from .graph import output_node
from .i18n import gettext as _
from .parse import is_valid_name, parse_with_notes
from .paths import count_paths
from .point import PointValues, evaluate_at, parse_point
from .verify import (
    Check, Complexity, agree_numerically, check_derivative, complexity, format_count, significant_digits,
)

__all__ = ["explain", "Explanation", "SymgradWarning", "DEFAULT_MAX_PATHS", "MAX_LISTED_PATHS"]

#: How many paths are listed (and written out) by default; the count is always exact.
DEFAULT_MAX_PATHS = 16
#: Derivatives of up to this many operations (as a tree) are also tried factored.
FACTOR_LIMIT = 400
#: At most this many paths are listed (each is written out as a product; 20 000 took minutes).
MAX_LISTED_PATHS = 10_000
#: The check against SymPy gets this share of the time left of the run's budget; the
#: rest is kept for what comes after it (writing the result, drawing figures).
CHECK_SHARE = 0.75
#: ... and at least this many seconds per graph node are kept for writing (LaTeX of a
#: 4 000-node graph took 3-9 s on the 2-core development machine).
WRITING_SECONDS_PER_NODE = 0.001


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
    lang: str | None = None,
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
        Seconds for this call, and again for each later call that computes
        or writes something (``to_latex()``, ``plot()``, ...): parsing, the
        graph, the derivative, the paths, the check, the rendering and the
        figures all share it (the check gets what is left; see
        :mod:`symgrad.deadline`). Running out raises :class:`TimeLimitExceeded`
        naming the stage.
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
    lang : str, optional
        The language of every sentence, heading and figure label (``"en"``,
        ``"ru"``); default: the language of an enclosing
        :func:`symgrad.i18n.use_language`, else ``$SYMGRAD_LANG``, else English.
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
    lang = check_language(lang) if lang is not None else current_language()
    with use_language(lang):  # the errors too, from the first: a parse error in the language asked for
        return _explained(expr, wrt, share=share, prefix=prefix, output=output, max_paths=max_paths,
                          time_limit=time_limit, check=check, seed=seed, max_nodes=max_nodes, at=at, lang=lang,
                          node_names=node_names)


def _explained(expr, wrt, *, share, prefix, output, max_paths, time_limit, check, seed, max_nodes, at, lang,
               node_names) -> Explanation:
    """:func:`explain` once the language is set."""
    _validate_options(max_paths, time_limit, max_nodes)
    with run_within(time_limit):
        text = expr if isinstance(expr, str) else None
        with stage(_("reading the expression")):
            parsed, readings = parse_with_notes(expr) if isinstance(expr, str) else (expr, ())
        with stage(_("building the graph")):
            graph = build_graph(parsed, share=share, prefix=prefix, output=output, max_nodes=max_nodes,
                                node_names=node_names)
            _check_names_print_apart(graph)
        with stage(_("reading the point")):
            point = _point(at, graph) if at is not None else None
        explanation = Explanation(graph, _variable_name(wrt, graph), text=text, max_paths=max_paths,
                                  time_limit=time_limit, run_check=check, seed=seed, point=point)
        explanation.readings = readings
        explanation.lang = lang
        if point is not None:
            explanation.values  # noqa: B018 - a point where the expression is undefined fails here, eagerly
        return explanation


def _point(at: str | Mapping[str, float], graph: nx.MultiDiGraph) -> dict:
    inputs = input_nodes(graph)
    if isinstance(at, str):
        return parse_point(at, inputs)
    return parse_point(",".join(f"{name}={float(value)!r}" for name, value in dict(at).items()), inputs)


def _validate_options(max_paths: int, time_limit: float, max_nodes: int) -> None:
    if not isinstance(max_paths, int) or not 0 <= max_paths <= MAX_LISTED_PATHS:
        raise OptionError(_("max_paths must be an integer between 0 and {limit}, got {value!r}").format(
            limit=MAX_LISTED_PATHS, value=max_paths))
    if not isinstance(time_limit, (int, float)) or not 0 < time_limit <= 3600:
        raise OptionError(_("time_limit must be between 0 and 3600 seconds, got {value!r}").format(value=time_limit))
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise OptionError(_("max_nodes must be a positive integer, got {value!r}").format(value=max_nodes))


def _check_names_print_apart(graph: nx.MultiDiGraph) -> None:
    """Refuse two names that would print the same (``x1`` and ``x_1`` are both x₁)."""
    from .render.printers import name_to_latex, name_to_unicode  # noqa: PLC0415 - the core does not import printing at load time

    functions = {node(graph, n).params.__name__ for n in graph if node(graph, n).op == "function"}
    for printer in (name_to_unicode, name_to_latex):
        printed: dict[str, str] = {}
        for name in sorted(set(input_nodes(graph)) | functions):
            other = printed.setdefault(printer(name), name)
            if other != name:
                raise VariableError(_("the names {first} and {second} would print the same; rename one").format(
                    first=repr(other), second=repr(name)))


def _variable_name(wrt: str | sympy.Symbol, graph: nx.MultiDiGraph) -> str:
    name = wrt.name if isinstance(wrt, sympy.Symbol) else wrt
    if not isinstance(name, str) or not is_valid_name(name):
        raise VariableError(_("wrt={name} is not a variable name (letters, digits, _)").format(name=repr(str(wrt)[:40])))
    if name in graph and not is_input(graph, name):
        raise VariableError(
            _("{name} names an intermediate node of the graph, not an input; "
              "choose another prefix or output name").format(name=repr(name))
        )
    if name not in graph:
        inputs = ", ".join(input_nodes(graph)) or _("none")
        warnings.warn(
            _("{name} does not occur in the expression (inputs: {inputs}); its derivative is 0").format(
                name=repr(name), inputs=inputs),
            SymgradWarning,
            stacklevel=4,
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
        self.lang: str = default_language()  # the language of the outputs and figures

    def __repr__(self) -> str:
        return (f"<Explanation d{self.output}/d{self.wrt}: {format_count(self.path_count)} path(s), "
                f"check {self.check.status}>")

    # --- the pipeline's results ---------------------------------------------

    @property
    def output(self) -> str:
        """Name of the output node (``f`` by default)."""
        return output_node(self.graph)

    @property
    def expression(self) -> sympy.Expr:
        """The differentiated expression (as typed: unevaluated)."""
        return graph_expression(self.graph)

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
    @budgeted(N_("counting the paths"))
    def path_count(self) -> int:
        """Exact number of paths from the output back to :attr:`wrt`."""
        return count_paths(self.graph, self.wrt) if self.occurs else 0

    @property
    def paths(self) -> Iterator[ChainPath]:
        """All paths, lazily (there may be astronomically many)."""
        return chain_paths(self.graph, self.wrt) if self.occurs else iter(())

    @cached_property
    @budgeted(N_("listing the paths"))
    def listed_paths(self) -> list[ChainPath]:
        """The first :attr:`max_paths` paths."""
        listed = []
        for path in itertools.islice(self.paths, self.max_paths):
            checkpoint()
            listed.append(path)
        return listed

    @property
    def all_paths_listed(self) -> bool:
        return len(self.listed_paths) == self.path_count

    @cached_property
    @budgeted(N_("adding up the paths"))
    def path_sum(self) -> sympy.Expr | None:
        """Sum of the path products in the inputs, if every path is listed."""
        if not self.all_paths_listed:
            return None
        return sympy.Add(*(p.product_in_inputs for p in self.listed_paths))

    @cached_property
    @budgeted(N_("writing the backward pass"))
    def adjoint_steps(self) -> list[AdjointStep]:
        """The backward pass, one equation per node between output and variable."""
        return adjoint_steps(self.graph, self.wrt) if self.occurs else []

    @cached_property
    @budgeted(N_("computing the derivative by backpropagation"))
    def derivative(self) -> sympy.Expr:
        """d output / d wrt in terms of the inputs, by reverse accumulation."""
        return reverse_accumulate(self.graph, self.wrt) if self.occurs else sympy.S.Zero

    @cached_property
    @budgeted(N_("checking the derivative against SymPy"))
    def check(self) -> Check:
        """Comparison with ``sympy.diff`` (and of the path sum with backprop).

        It gets :data:`CHECK_SHARE` of the time left of the run's budget.
        """
        if not self.run_check:
            return Check("unknown", None, reason=_("the check was not requested"))
        derivative = self.derivative
        left = current_budget().remaining()
        seconds = min(self.time_limit, left * CHECK_SHARE,
                      left - WRITING_SECONDS_PER_NODE * self.graph.number_of_nodes())
        if seconds <= 0.01:
            return Check("unknown", None, reason=_("no time was left for the check"))
        budget = Budget(seconds)
        result = check_derivative(derivative, self.expression, self.variable,
                                  time_limit=seconds, seed=self.seed,
                                  graph=self.graph if self.occurs else None)
        if self.path_sum is not None and result.ok:
            try:  # within what is left of the same budget
                with budget.limit("the comparison of the path sum with backpropagation"):
                    agreed, disagreement = agree_numerically(
                        self.path_sum, self.derivative, set(), seed=self.seed,
                        real_at=self.expression, digits=significant_digits(self.expression))
            except TimeLimitExceeded:
                result.details["paths_agree"] = None
                return result
            # None when no point gave both a finite value: undecided, not agreed
            result.details["paths_agree"] = False if disagreement is not None else (True if agreed else None)
            if disagreement is not None:
                return Check("mismatch", result.direct, agreed,
                             reason=_("the sum over paths differs from backpropagation at {point}").format(point=disagreement),
                             details={"method": "path-sum-numeric", "point": disagreement})
        return result

    @cached_property
    def result(self) -> tuple[sympy.Expr, str]:
        """The derivative in the smallest of a few equivalent forms, and which form it is.

        The forms are the backward pass's (``"backpropagation"``), SymPy's
        ``diff`` (``"sympy"``, when the check proved it equal), the sum over
        the paths (``"paths"``) and the factored one (``"factored"``, tried
        for derivatives of up to :data:`FACTOR_LIMIT` operations within the
        explanation's time limit); the smallest as a tree wins, the earlier
        on a tie. A form that is undefined (``nan``) when the backward pass's
        is not is left out.

        Examples
        --------
        >>> explain("x*sin(x)", "x").result
        (x*cos(x) + sin(x), 'backpropagation')
        """
        forms = [("backpropagation", self.derivative)]
        if self.run_check and self.check.status == "symbolic" and self.check.direct is not None:
            forms.append(("sympy", self.check.direct))
        # the sum over the paths in the inputs may be undefined where backpropagation is not: (x - x)^0.5
        if self.path_sum is not None and (is_undefined(self.derivative) or not is_undefined(self.path_sum)):
            forms.append(("paths", tidy_if_small(self.path_sum)))
        # factor() evaluates constants: never on one that takes unbounded time (sin(exp(exp(20)))).
        if not tree_size_exceeds(self.derivative, FACTOR_LIMIT) and not costly_constants(self.derivative):
            try:
                with Budget(min(self.time_limit, 2.0)).limit("factoring the derivative"):
                    forms.append(("factored", sympy.factor(self.derivative)))
            except (TimeLimitExceeded, sympy.PolynomialError, ValueError, TypeError):
                pass
        if len(forms) == 1:  # a large derivative: nothing to compare it with
            return forms[0][1], forms[0][0]
        sizes: dict[int, int] = {}  # the forms share parts (and stay alive in `forms` meanwhile)
        name, expression = min(forms, key=lambda form: tree_size(form[1], sizes))
        return expression, name

    @cached_property
    @budgeted(N_("measuring the sizes"))
    def complexity(self) -> Complexity:
        """Sizes that show why the decomposed way is simpler."""
        return complexity(self.graph, self.wrt, self.path_count, self.check.direct, direct_computed=self.run_check)

    @cached_property
    @budgeted(N_("computing the values at the point"))
    def values(self) -> PointValues | None:
        """Forward values and gradients of every node at the point given with ``at``."""
        return evaluate_at(self.graph, self.point, always=(self.wrt,)) if self.point is not None else None

    # --- outputs --------------------------------------------------------------

    @budgeted(N_("drawing the figure"))
    def plot(self, **options):
        """Draw the graph with the paths highlighted; see :func:`symgrad.plot.plot`.

        Values and gradients at the point (``at=``) are drawn when known.
        Returns a matplotlib ``Figure``, or the ``ax=`` it drew into.
        """
        from .plot import plot

        options.setdefault("values", self.values)
        with use_language(self.lang):
            return plot(self, **options)

    @budgeted(N_("writing the LaTeX"))
    def to_latex(self, standalone: bool = False, settings: dict | None = None) -> str:
        """The derivation as an amsmath fragment, or a complete document.

        `settings` are :class:`~symgrad.render.printers.LatexPrinter`'s, e.g.
        ``{"text_width": 307}`` for a Beamer frame (every line fits it).
        """
        from .render import latex
        with use_language(self.lang):
            return latex.render(self, standalone=standalone, settings=settings)

    @budgeted(N_("writing the text"))
    def to_text(self) -> str:
        """The derivation for a terminal (Unicode)."""
        from .render import text
        with use_language(self.lang):
            return text.render(self)

    @budgeted(N_("writing the Markdown"))
    def to_markdown(self) -> str:
        """The derivation in Markdown with ``$...$`` math."""
        from .render import markdown
        with use_language(self.lang):
            return markdown.render(self)

    @budgeted(N_("writing the data"))
    def to_dict(self, full: bool = False) -> dict:
        """The derivation as plain data (what :meth:`to_json` writes); see :func:`symgrad.render.data.to_dict`."""
        from .render import data
        with use_language(self.lang):
            return data.to_dict(self, full=full)

    @budgeted(N_("writing the JSON"))
    def to_json(self, indent: int | None = 2, full: bool = False) -> str:
        """The derivation as one JSON object (`full`: every expression and node, however many)."""
        return json.dumps(self.to_dict(full=full), indent=indent, ensure_ascii=False)

    def show(self, part: str = "full"):
        """One part for a notebook: ``"full"`` (the derivation and figure), ``"result"`` or ``"figure"``.

        Returns an object that Jupyter displays (see :mod:`symgrad.render.notebook`).
        """
        from .render.notebook import View
        return View(self, part)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """For Jupyter: HTML with the whole derivation, the check and the figure; Markdown, LaTeX, text."""
        from .render.notebook import mimebundle
        return mimebundle(self)

    @budgeted(N_("writing the LaTeX"))
    def _repr_latex_(self) -> str:
        """For Jupyter: the derivation as one display-math block MathJax can show."""
        from .render import latex
        with use_language(self.lang):
            return latex.render_display_math(self)
