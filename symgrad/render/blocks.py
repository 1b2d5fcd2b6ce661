"""The derivation as a list of format-neutral blocks.

Every output format (LaTeX, Markdown, text) prints the same blocks, so they
say the same things in the same order. Math is kept as small structures
(SymPy expressions, partial derivatives, adjoints, products) that each format
prints its own way; text is fixed wording with validated names and numbers.

Every sentence is written whole, as one template whose math goes in named
places (:func:`sentence`), so that each can become one translatable message.
"""

from __future__ import annotations

import string
from contextvars import ContextVar
from dataclasses import dataclass, field

import sympy

from ..deadline import checkpoint
from ..exprtools import is_undefined, tree_size, tree_size_exceeds
from ..graph import edge, input_nodes, is_constant, node, operation_nodes, order
from ..i18n import N_, ngettext, pgettext
from ..i18n import gettext as _
from ..parse import reading_words
from ..rules import rule_name
from ..verify import format_count

__all__ = [
    "Partial", "Adjoint", "Name", "Typed", "Product", "Sum", "Route", "TooLarge", "Equation", "Heading",
    "Text", "Equations", "Raw",
    "Table", "Choice", "Note", "item_size", "sentence", "build_blocks", "adjoint_equation", "printable", "too_large_sentence", "PRINT_LIMIT", "MAX_LISTED",
]

#: Expressions larger than this (operations, as a tree) are not printed.
PRINT_LIMIT = 3000
#: Longest list of definitions, local derivatives or adjoint equations printed.
MAX_LISTED = 200


@dataclass(frozen=True)
class Name:
    """A node or variable name, e.g. ``u3``."""

    id: str


@dataclass(frozen=True)
class Typed:
    """Text as the user typed it (``e^x``, ``2x``): set in a typewriter font, never as math or words."""

    text: str


@dataclass(frozen=True)
class Partial:
    """d numerator / d denominator; `position` (1-based) tells parallel edges apart.

    With `path` (1-based), the contribution of that path alone.
    """

    numerator: str
    denominator: str
    position: int | None = None
    path: int | None = None


@dataclass(frozen=True)
class Adjoint:
    """The adjoint (gradient) of a node in the backward pass."""

    node: str


@dataclass(frozen=True)
class Product:
    """Items multiplied with an explicit dot, in order."""

    items: tuple


# Product, Sum (and Adjoint, Raw, ...) are alike in shape but stay separate classes: the
# printers dispatch on the block's class (_print_Product, _print_Sum).
@dataclass(frozen=True)
class Sum:
    """Items added, in order."""

    items: tuple


@dataclass(frozen=True)
class Raw:
    """Math written by hand for each format, e.g. a matrix: LaTeX and Unicode."""

    latex: str
    unicode: str


@dataclass(frozen=True)
class TooLarge:
    """Stands in for an expression too large to print (`wide`: too long for the page)."""

    size: int
    wide: bool = False


@dataclass(frozen=True)
class Choice:
    """Math written in the first of its `forms` that fits (e.g. in the inputs, then in node names).

    A form fits in `max_lines` lines (None: the printer's ``max_lines``); a
    last form None leaves the side out.
    """

    forms: tuple
    max_lines: int | None = None


@dataclass(frozen=True)
class Note:
    """A short remark in parentheses where math would stand, e.g. a reference to the appendix."""

    text: str


@dataclass
class Equation:
    """``lhs = rhs[0] = rhs[1] ...`` with an optional note such as the rule name."""

    lhs: object
    rhs: list
    note: str = ""


@dataclass(frozen=True)
class Route:
    """A path written as its nodes, output first: f <- u3 <- w1."""

    nodes: tuple[str, ...]


class Heading:
    """A section title; its parts are plain strings or inline math."""

    def __init__(self, *parts):
        self.parts = parts


class Text:
    """A paragraph; its parts are plain strings or inline math."""

    def __init__(self, *parts):
        self.parts = parts


@dataclass
class Equations:
    equations: list[Equation] = field(default_factory=list)


@dataclass
class Table:
    rows: list[tuple[str, str]]


def too_large_sentence(size: int, wide: bool = False) -> str:
    """What stands in for an expression of `size` operations that is not printed."""
    if wide:
        return ngettext("too long to print here: {count} operation; to_json(full=True) has it",
                        "too long to print here: {count} operations; to_json(full=True) has it",
                        size).format(count=format_count(size))
    return ngettext("too large to print: {count} operation", "too large to print: {count} operations",
                    size).format(count=format_count(size))


def item_size(item) -> int:
    """Operations in a math item written out as a tree (its parts added up)."""
    if isinstance(item, sympy.Basic):
        return tree_size(item)
    if isinstance(item, (Sum, Product)):
        return sum(item_size(i) for i in item.items) + max(len(item.items) - 1, 0)
    if isinstance(item, Choice):
        return item_size(item.forms[0])
    if isinstance(item, TooLarge):
        return item.size
    return 0


def printable(expr: sympy.Expr | None):
    """`expr`, or a :class:`TooLarge` marker if it would print enormously."""
    if expr is None:
        return None
    checkpoint()  # the time budget of the run (symgrad.deadline): one check per expression shown
    measures = _measures.get()
    if measures is None:
        return expr if not tree_size_exceeds(expr, PRINT_LIMIT) else TooLarge(tree_size(expr))
    return measures.printable(expr)


class _Measures:
    """What :func:`build_blocks` has measured: each expression's verdict, and one tree_size cache.

    Both are keyed by ``id``; the expressions are kept alive meanwhile so that
    the keys stay theirs. The paths and the backward pass show the same local
    derivatives many times, and the large expressions share most of their parts.
    """

    def __init__(self):
        self._verdicts: dict[int, object] = {}
        self._sizes: dict[int, int] = {}
        self._alive: list = []

    def printable(self, expr: sympy.Expr):
        verdict = self._verdicts.get(id(expr))
        if verdict is None:
            # a walk of at most about PRINT_LIMIT steps decides; only what is not printed is measured whole
            verdict = expr if not tree_size_exceeds(expr, PRINT_LIMIT) else TooLarge(tree_size(expr, self._sizes))
            self._verdicts[id(expr)] = verdict
            self._alive.append(expr)
        return verdict


#: The :class:`_Measures` of the :func:`build_blocks` call in progress, if any.
_measures: ContextVar[_Measures | None] = ContextVar("_measures", default=None)


def sentence(template: str, **values) -> tuple:
    """The parts of a whole sentence: its words, with `values` in its ``{name}`` places.

    A value that is a string joins the words; any other value (a name, a
    path, an expression) is a math item that each format prints its own way.

    Examples
    --------
    >>> sentence("Path {number}: {route}", number="2", route=Route(("f", "x")))
    ('Path 2: ', Route(nodes=('f', 'x')))
    """
    parts: list = []
    for words, field_name, _spec, _conversion in string.Formatter().parse(template):
        pieces = [words] if words else []
        if field_name is not None:
            pieces.append(values[field_name])
        for piece in pieces:
            if isinstance(piece, str) and parts and isinstance(parts[-1], str):
                parts[-1] += piece
            else:
                parts.append(piece)
    return tuple(parts)


def _more(total: int, shown: int, sentence_for) -> list:
    """The sentence ``sentence_for(count)`` (with a ``{count}`` place) if only `shown` of `total` are listed."""
    if total <= shown:
        return []
    return [Text(sentence_for(total - shown).format(count=total - shown))]


def build_blocks(explanation) -> list:
    """Turn an :class:`~symgrad.Explanation` into blocks, in reading order."""
    token = _measures.set(_Measures())
    try:
        return _blocks(explanation)
    finally:
        _measures.reset(token)


def _reading_parts(readings) -> list:
    """"Read as: e^u as exp(u); ln(u) as log(u)." with what was typed and how it was read as :class:`Typed`."""
    said: list = []
    for number, reading in enumerate(readings):
        said += ["; "] if number else []
        said += sentence(_("{typed} as {read_as}"), typed=_reading_side(reading.typed),
                         read_as=_reading_side(reading.read_as))
    head, tail = _("Read as: {readings}.").split("{readings}")
    return [head, *said, tail]


def _reading_side(side: str):
    """Our own words ("Euler's number e") as translated words; typed text as :class:`Typed`."""
    return reading_words(side) or Typed(side)


def _blocks(e) -> list:
    blocks: list = [
        Heading(*sentence(_("Derivative of {output} with respect to {wrt}"), output=Name(e.output), wrt=Name(e.wrt))),
        Equations([Equation(Name(e.output), [_expression_or_definition(e)])]),
    ]
    if getattr(e, "readings", ()):
        blocks.append(Text(*_reading_parts(e.readings)))
    blocks += _graph_blocks(e)
    blocks += _local_blocks(e)
    blocks += _path_blocks(e)
    blocks += _backprop_blocks(e)
    blocks += _result_blocks(e)
    blocks += _point_blocks(e)
    blocks += _check_blocks(e)
    blocks += _complexity_blocks(e)
    blocks += _other_local_blocks(e)
    return blocks


def _expression_or_definition(e):
    """The expression, or (too long for the page) the output node's definition in node names."""
    output = node(e.graph, e.output)
    if output.definition is None or not output.is_operation:
        return printable(e.expression)
    return Choice((printable(e.expression), output.definition))


def _graph_blocks(e) -> list:
    g = e.graph
    operations = operation_nodes(g)
    constants = sum(1 for n in g if is_constant(g, n))
    counts = {
        "nodes": ngettext("{n} node", "{n} nodes", g.number_of_nodes()),
        "inputs": ngettext("{n} input", "{n} inputs", len(input_nodes(g))),
        "constants": ngettext("{n} constant", "{n} constants", constants),
        "operations": ngettext("{n} operation", "{n} operations", len(operations)),
        "edges": ngettext("{n} edge", "{n} edges", g.number_of_edges()),
    }
    numbers = {"nodes": g.number_of_nodes(), "inputs": len(input_nodes(g)), "constants": constants,
               "operations": len(operations), "edges": g.number_of_edges()}
    summary = (
        _("The computation graph has {nodes} ({inputs}, {constants}, {operations}) and {edges}.").format(
            **{key: phrase.format(n=numbers[key]) for key, phrase in counts.items()})
        + " " + _("Every intermediate value gets a name, in the order it is computed:")
    )
    definitions = [
        Equation(Name(n), [printable(node(g, n).definition)]) for n in operations[:MAX_LISTED]
    ]
    return [Heading(_("Computation graph")), Text(summary), Equations(definitions)] + _more(
        len(operations), MAX_LISTED, lambda n: ngettext("... and {count} more definition, not listed.",
                                       "... and {count} more definitions, not listed.", n)
    )


def _edge_partial(graph, source: str, target: str, key: int) -> Partial:
    parallel = graph.number_of_edges(source, target) > 1
    return Partial(target, source, key + 1 if parallel else None)


def _edges_on_listed_paths(e) -> set:
    return {edge_key for path in e.listed_paths for edge_key in path.edges}


def _local_equations(e, edges) -> list[Equation]:
    g = e.graph
    position = {n: i for i, n in enumerate(order(g))}
    edges = sorted(edges, key=lambda x: (position[x[1]], x[2]))
    return [Equation(_edge_partial(g, d.source, d.target, d.key), [printable(d.local_derivative)], rule_name(d.rule))
            for d in (edge(g, s, t, k) for s, t, k in edges[:MAX_LISTED])]


#: H(u) as SymPy's Heaviside(u, 0) means it: 1 for u > 0, else 0.
HEAVISIDE = Raw(r"H(u) = \begin{cases} 1, & u > 0 \\ 0, & u \le 0 \end{cases}", "H(u) = 1 (u > 0), 0 (u ≤ 0)")


def _heaviside_blocks(expressions) -> list:
    """The definition of H, if one of `expressions` uses it (the derivative of ReLU)."""
    if not any(isinstance(x, sympy.Basic) and x.has(sympy.Heaviside) for x in expressions):
        return []
    return [Text(_("Here H is the Heaviside step function, the derivative of ReLU:")),
            Equations([Equation(Raw("", ""), [HEAVISIDE])])]


def _local_blocks(e) -> list:
    g = e.graph
    on_paths = _edges_on_listed_paths(e)
    if not on_paths:
        on_paths = set(g.edges(keys=True))
    equations = _local_equations(e, on_paths)
    others = len(_other_edges(g, on_paths))
    text = _("Each edge carries the local derivative of its target with respect to its source. "
             "The edges on the paths listed below:") if others else \
        _("Each edge carries the local derivative of its target with respect to its source:")
    blocks = [Heading(_("Local derivatives")), Text(text), Equations(equations)]
    blocks += _more(len(on_paths), MAX_LISTED, lambda n: ngettext("... and {count} more edge, not listed.",
                                                                  "... and {count} more edges, not listed.", n))
    if others:
        blocks.append(Text(ngettext("The {count} other edge is listed at the end.",
                                    "The {count} other edges are listed at the end.", others).format(count=others)))
    return blocks + _heaviside_blocks(eq.rhs[0] for eq in equations)


#: Local derivatives of the edges on no listed path, listed at the end, at most this many.
MAX_OTHER_EDGES = 40


def _other_local_blocks(e) -> list:
    g = e.graph
    on_paths = _edges_on_listed_paths(e)
    if not on_paths:
        return []
    others = _other_edges(g, on_paths)
    if not others:
        return []
    equations = _local_equations(e, others)[:MAX_OTHER_EDGES]
    return [Heading(_("Local derivatives of the other edges")), Equations(equations)] + _more(
        len(others), len(equations),
        lambda n: ngettext("... and {count} more edge, not listed (the JSON output has them all).",
                           "... and {count} more edges, not listed (the JSON output has them all).", n)) + _heaviside_blocks(eq.rhs[0] for eq in equations)


def _other_edges(g, on_paths: set) -> list:
    """Edges on no listed path, those leaving a constant left out: nobody needs ∂u/∂2."""
    return [x for x in g.edges(keys=True) if x not in on_paths and not is_constant(g, x[0])]


def _path_count_sentence(count: int, listed: int) -> str:
    """The sentence that introduces the paths: how many there are, how many are listed."""
    if listed < count:
        first = ngettext("There is {count} path; the first {listed} are listed.",
                         "There are {count} paths; the first {listed} are listed.", count)
    elif count == 1:  # its own message: Russian says "one path" differently from 21
        return pgettext("one path", "There is {count} path. Along it, the local derivatives multiply "
                                    "(chain rule):").format(count=count)
    else:
        first = ngettext("There is {count} path.", "There are {count} paths.", count)
    return (first.format(count=format_count(count), listed=listed) + " "
            + _("Along each one, the local derivatives multiply (chain rule):"))


def _path_blocks(e) -> list:
    blocks: list = [Heading(*sentence(_("Paths from {output} back to {wrt}"), output=Name(e.output), wrt=Name(e.wrt)))]
    if not e.occurs:
        return blocks + [Text(*sentence(_("{wrt} does not occur in the expression: there are no paths, "
                                          "and the derivative is 0."), wrt=Name(e.wrt)))]
    count, listed = e.path_count, e.listed_paths
    blocks.append(Text(_path_count_sentence(count, len(listed))))
    partials: dict = {}  # the listed paths share most of their edges
    for number, path in enumerate(listed, start=1):
        leibniz = Product(tuple(partials.get(x) or partials.setdefault(x, _edge_partial(e.graph, *x))
                                for x in path.edges)) \
            if len(path.edges) > 1 else None
        factors = Choice((Product(tuple(printable(f) for f in path.factors)), Note(ngettext(
            "the product of the local derivative of its {count} edge",
            "the product of the local derivatives of its {count} edges", len(path.edges)).format(
                count=len(path.edges))))) if path.edges else sympy.S.One
        rhs = [Choice((leibniz, None), max_lines=1), factors, Choice((printable(path.product_in_inputs), None))]
        blocks += [Text(*sentence(_("Path {number}: {route}"), number=str(number), route=Route(path.nodes))),
                   Equations([Equation(Partial(e.output, e.wrt, path=number), [r for r in rhs if r is not None])])]
    blocks.append(Heading(_("Sum over the paths")))
    if e.path_sum is not None:
        contributions = Sum(tuple(Partial(e.output, e.wrt, path=k) for k in range(1, len(listed) + 1)))
        products = Sum(tuple(printable(p.product_in_inputs) for p in listed)) if listed else sympy.S.Zero
        blocks += [Text(_("The derivative is the sum of the contributions of all paths:")),
                   Equations([Equation(Partial(e.output, e.wrt),
                                       [contributions, Choice((products, None)) if len(listed) > 1 else None])])]
        if is_undefined(e.path_sum) and not is_undefined(e.derivative):
            blocks.append(Text(_("Written in the inputs, these products are undefined: an intermediate value "
                                 "sits where its local derivative is infinite. Added in the node symbols first, "
                                 "they cancel; the result below is their sum, found that way.")))
    else:
        blocks.append(Text(ngettext("The sum of all {count} product is not written out: "
                                    "backpropagation below computes it in one pass over the edges.",
                                    "The sum of all {count} products is not written out: "
                                    "backpropagation below computes it in one pass over the edges.",
                                    count).format(count=format_count(count))))
    return blocks


def _backprop_blocks(e) -> list:
    if not e.occurs:
        return []
    steps = e.adjoint_steps
    text = _("Backpropagation (reverse accumulation) gets the same sum in one pass: the output's "
             "adjoint is 1, and each node's adjoint is the sum, over the nodes that use it, of "
             "their adjoint times the local derivative.")
    equations = [adjoint_equation(step) for step in steps[:MAX_LISTED]]
    return [Heading(_("Backpropagation")), Text(text), Equations(equations)] + _more(
        len(steps), MAX_LISTED, lambda n: ngettext("... and {count} more adjoint equation, not listed.",
                                       "... and {count} more adjoint equations, not listed.", n)
    )


def adjoint_equation(step) -> Equation:
    """``nodē = Σ consumer̄ · local derivative`` for one :class:`~symgrad.chain.AdjointStep`."""
    if not step.terms:
        return Equation(Adjoint(step.node), [sympy.S.One])
    terms = tuple(Product((Adjoint(t), printable(local))) for t, _, local in step.terms)
    return Equation(Adjoint(step.node), [Sum(terms) if len(terms) > 1 else terms[0]])


#: How the result's form is named, by :attr:`~symgrad.Explanation.result`'s key.
_RESULT_FORM = {
    "backpropagation": N_("The result, as the backward pass gives it (the shortest of the forms compared):"),
    "sympy": N_("The result, as SymPy's diff writes it (the shortest of the forms compared):"),
    "paths": N_("The result, as the sum over the paths gives it (the shortest of the forms compared):"),
    "factored": N_("The result, factored (the shortest of the forms compared):"),
}


def _result_blocks(e) -> list:
    if not e.occurs:
        return [Heading(_("Result")), Equations([Equation(Partial(e.output, e.wrt), [sympy.S.Zero])])]
    expression, form = e.result
    return [Heading(_("Result")), Text(_(_RESULT_FORM[form])),
            Equations([Equation(Partial(e.output, e.wrt), [Choice((printable(expression), Adjoint(e.wrt)))])])]


def _number(value) -> str:
    return format(float(value), ".6g")


def _point_blocks(e) -> list:
    at = e.values
    if at is None:
        return []
    where = ", ".join(f"{name} = {_number(value)}" for name, value in at.point.items())
    rows = [(_("{name}: value, gradient").format(name=name), f"{_number(at.values[name])}, {_number(at.gradients[name])}")
            for name in order(e.graph) if not is_constant(e.graph, name)]
    difference = at.finite_differences.get(e.wrt)
    check = (_("Central finite difference of {output} in {wrt}: {difference} "
               "(largest relative gap over all inputs: {gap}).").format(
                   output=e.output, wrt=e.wrt, difference=_number(difference), gap=f"{at.max_relative_error:.1e}")
             if difference is not None else _("No finite difference: the point is on the edge of the domain."))
    return [Heading(_("Values and gradients at the point")),
            Text(_("At {point}: the forward pass gives each node's value, the backward pass its "
                   "gradient (the derivative of {output} with respect to it).").format(point=where, output=e.output)),
            Table(rows), Text(check)]


_STATUS_TEXT = {
    "symbolic": N_("The result agrees with SymPy's direct derivative exactly."),
    "numeric": N_("The result agrees with SymPy's direct derivative numerically."),
    "mismatch": N_("The result DISAGREES with SymPy's direct derivative. This is a bug in symgrad; please report it."),
    "unknown": N_("The result could not be checked against SymPy's direct derivative."),
}
#: The check's status word as users read it.
_STATUS_NAME = {"symbolic": N_("symbolic"), "numeric": N_("numeric"), "mismatch": N_("mismatch"),
                "unknown": N_("unknown")}


def _check_blocks(e) -> list:
    check = e.check
    blocks = [Heading(_("Check against SymPy")),
              Text(_("Status: {status}.").format(status=_(_STATUS_NAME[check.status]))
                   + " " + _(_STATUS_TEXT[check.status])),
              Text(_("How: {reason}.").format(reason=check.reason))]
    if check.direct is not None and check.status == "mismatch":
        blocks += [Text(_("SymPy's direct derivative:")),
                   Equations([Equation(Partial(e.output, e.wrt), [printable(check.direct)])])]
    return blocks


def _complexity_blocks(e) -> list:
    c = e.complexity
    direct = (format_count(c.direct_size) if c.direct_size is not None
              else _("did not finish") if c.direct_computed else _("not computed"))
    rows = [
        (_("nodes in the graph"), format_count(c.nodes)),
        (_("edges in the graph"), format_count(c.edges)),
        (_("paths from {output} to {wrt}").format(output=e.output, wrt=e.wrt), format_count(c.paths)),
        (_("edges on those paths"), format_count(c.edges_on_paths)),
        (_("operations in SymPy's direct derivative"), direct),
        (_("operations in the largest local derivative"), format_count(c.largest_local_size)),
        (_("operations in all local derivatives"), format_count(c.total_local_size)),
        (_("operations in the sum over paths"), format_count(c.chain_rule_size)),
        (_("operations in one backward pass"), format_count(c.backprop_operations)),
    ]
    return [Heading(_("Why the decomposed way is simpler")), Table(rows),
            Text(c.sentence(e.output, e.wrt))]
