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
from dataclasses import dataclass, field

import sympy

from ..deadline import checkpoint
from ..exprtools import tree_size
from ..graph import edge, input_nodes, is_constant, node, operation_nodes, order
from ..verify import format_count

__all__ = [
    "Partial", "Adjoint", "Name", "Product", "Sum", "Route", "TooLarge", "Equation", "Heading",
    "Text", "Equations", "Raw",
    "Table", "sentence", "build_blocks", "adjoint_equation", "printable", "too_large_sentence", "PRINT_LIMIT", "MAX_LISTED",
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
class Partial:
    """d numerator / d denominator; `position` (1-based) tells parallel edges apart."""

    numerator: str
    denominator: str
    position: int | None = None


@dataclass(frozen=True)
class Adjoint:
    """The adjoint (gradient) of a node in the backward pass."""

    node: str


@dataclass(frozen=True)
class Product:
    """Items multiplied with an explicit dot, in order."""

    items: tuple


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
    """Stands in for an expression too large to print."""

    size: int


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


def too_large_sentence(size: int) -> str:
    """What stands in for an expression of `size` operations that is not printed."""
    return f"too large to print: {size} operations"


def printable(expr: sympy.Expr | None):
    """`expr`, or a :class:`TooLarge` marker if it would print enormously."""
    if expr is None:
        return None
    checkpoint()  # the time budget of the run (symgrad.deadline): one check per expression shown
    size = tree_size(expr)
    return expr if size <= PRINT_LIMIT else TooLarge(size)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


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
    for words, field_name, _, _ in string.Formatter().parse(template):
        pieces = [words] if words else []
        if field_name is not None:
            pieces.append(values[field_name])
        for piece in pieces:
            if isinstance(piece, str) and parts and isinstance(parts[-1], str):
                parts[-1] += piece
            else:
                parts.append(piece)
    return tuple(parts)


def _more(total: int, shown: int, template: str) -> list:
    """`template` (a sentence with a ``{count}`` place) if only `shown` of `total` are listed."""
    if total <= shown:
        return []
    return [Text(template.format(count=total - shown))]


def build_blocks(explanation) -> list:
    """Turn an :class:`~symgrad.Explanation` into blocks, in reading order."""
    e = explanation
    blocks: list = [
        Heading(*sentence("Derivative of {output} with respect to {wrt}", output=Name(e.output), wrt=Name(e.wrt))),
        Equations([Equation(Name(e.output), [printable(e.expression)])]),
    ]
    if getattr(e, "readings", ()):
        blocks.append(Text("Read as: " + "; ".join(str(r) for r in e.readings) + "."))
    blocks += _graph_blocks(e)
    blocks += _local_blocks(e)
    blocks += _path_blocks(e)
    blocks += _backprop_blocks(e)
    blocks += _result_blocks(e)
    blocks += _point_blocks(e)
    blocks += _check_blocks(e)
    blocks += _complexity_blocks(e)
    return blocks


def _graph_blocks(e) -> list:
    g = e.graph
    operations = operation_nodes(g)
    constants = sum(1 for n in g if is_constant(g, n))
    summary = (
        f"The computation graph has {_plural(g.number_of_nodes(), 'node')} "
        f"({_plural(len(input_nodes(g)), 'input')}, {_plural(constants, 'constant')}, "
        f"{_plural(len(operations), 'operation')}) and {_plural(g.number_of_edges(), 'edge')}. "
        "Every intermediate value gets a name, in the order it is computed:"
    )
    definitions = [
        Equation(Name(n), [printable(node(g, n).definition)]) for n in operations[:MAX_LISTED]
    ]
    return [Heading("Computation graph"), Text(summary), Equations(definitions)] + _more(
        len(operations), MAX_LISTED, "... and {count} more definitions, not listed."
    )


def _edge_partial(graph, source: str, target: str, key: int) -> Partial:
    parallel = graph.number_of_edges(source, target) > 1
    return Partial(target, source, key + 1 if parallel else None)


def _local_blocks(e) -> list:
    g = e.graph
    position = {n: i for i, n in enumerate(order(g))}
    edges = sorted(g.edges(keys=True), key=lambda x: (position[x[1]], x[2]))
    equations = [
        Equation(_edge_partial(g, d.source, d.target, d.key), [printable(d.local_derivative)], d.rule)
        for d in (edge(g, s, t, k) for s, t, k in edges[:MAX_LISTED])
    ]
    text = "Each edge carries the local derivative of its target with respect to its source:"
    return [Heading("Local derivatives"), Text(text), Equations(equations)] + _more(
        len(edges), MAX_LISTED, "... and {count} more edges, not listed."
    )


#: (one path?, only some listed?) -> the sentence that introduces the paths.
_PATH_COUNT = {
    (True, False): "There is {count} path. Along each one, the local derivatives multiply (chain rule):",
    (True, True): "There is {count} path; the first {listed} are listed. "
                  "Along each one, the local derivatives multiply (chain rule):",
    (False, False): "There are {count} paths. Along each one, the local derivatives multiply (chain rule):",
    (False, True): "There are {count} paths; the first {listed} are listed. "
                   "Along each one, the local derivatives multiply (chain rule):",
}


def _path_blocks(e) -> list:
    blocks: list = [Heading(*sentence("Paths from {output} back to {wrt}", output=Name(e.output), wrt=Name(e.wrt)))]
    if not e.occurs:
        return blocks + [Text(*sentence("{wrt} does not occur in the expression: there are no paths, "
                                        "and the derivative is 0.", wrt=Name(e.wrt)))]
    count, listed = e.path_count, e.listed_paths
    blocks.append(Text(_PATH_COUNT[count == 1, len(listed) < count].format(
        count=format_count(count), listed=len(listed))))
    for number, path in enumerate(listed, start=1):
        leibniz = Product(tuple(_edge_partial(e.graph, s, t, k) for s, t, k in path.edges)) \
            if path.edges else Partial(e.output, e.wrt)
        rhs = [Product(tuple(printable(f) for f in path.factors)) if path.edges else sympy.S.One,
               printable(path.product_in_inputs)]
        blocks += [Text(*sentence("Path {number}: {route}", number=str(number), route=Route(path.nodes))),
                   Equations([Equation(leibniz, rhs)])]
    blocks.append(Heading("Sum over the paths"))
    if e.path_sum is not None:
        products = Sum(tuple(printable(p.product_in_inputs) for p in listed)) if listed else sympy.S.Zero
        rhs = [products, printable(e.path_sum)] if len(listed) > 1 else [printable(e.path_sum)]
        blocks.append(Equations([Equation(Partial(e.output, e.wrt), rhs)]))
    else:
        blocks.append(Text(f"The sum of all {format_count(count)} products is not written out: "
                           "backpropagation below computes it in one pass over the edges."))
    return blocks


def _backprop_blocks(e) -> list:
    if not e.occurs:
        return []
    steps = e.adjoint_steps
    text = ("Backpropagation (reverse accumulation) gets the same sum in one pass: the output's "
            "adjoint is 1, and each node's adjoint is the sum, over the nodes that use it, of "
            "their adjoint times the local derivative.")
    equations = [adjoint_equation(step) for step in steps[:MAX_LISTED]]
    return [Heading("Backpropagation"), Text(text), Equations(equations)] + _more(
        len(steps), MAX_LISTED, "... and {count} more adjoint equations, not listed."
    )


def adjoint_equation(step) -> Equation:
    """``nodē = Σ consumer̄ · local derivative`` for one :class:`~symgrad.chain.AdjointStep`."""
    if not step.terms:
        return Equation(Adjoint(step.node), [sympy.S.One])
    terms = tuple(Product((Adjoint(t), printable(local))) for t, _, local in step.terms)
    return Equation(Adjoint(step.node), [Sum(terms) if len(terms) > 1 else terms[0]])


def _result_blocks(e) -> list:
    return [Heading("Result"), Equations([Equation(Partial(e.output, e.wrt), [printable(e.derivative)])])]


def _number(value) -> str:
    return format(float(value), ".6g")


def _point_blocks(e) -> list:
    at = e.values
    if at is None:
        return []
    where = ", ".join(f"{name} = {_number(value)}" for name, value in at.point.items())
    rows = [(f"{name}: value, gradient", f"{_number(at.values[name])}, {_number(at.gradients[name])}")
            for name in order(e.graph) if not is_constant(e.graph, name)]
    difference = at.finite_differences.get(e.wrt)
    check = (f"Central finite difference of {e.output} in {e.wrt}: {_number(difference)} "
             f"(largest relative gap over all inputs: {at.max_relative_error:.1e})."
             if difference is not None else "No finite difference: the point is on the edge of the domain.")
    return [Heading("Values and gradients at the point"),
            Text(f"At {where}: the forward pass gives each node's value, the backward pass its "
                 f"gradient (the derivative of {e.output} with respect to it)."),
            Table(rows), Text(check)]


_STATUS_TEXT = {
    "symbolic": "The result agrees with SymPy's direct derivative exactly.",
    "numeric": "The result agrees with SymPy's direct derivative numerically.",
    "mismatch": "The result DISAGREES with SymPy's direct derivative. This is a bug in symgrad; please report it.",
    "unknown": "The result could not be checked against SymPy's direct derivative.",
}


def _check_blocks(e) -> list:
    check = e.check
    blocks = [Heading("Check against SymPy"),
              Text(f"Status: {check.status}. {_STATUS_TEXT[check.status]}"),
              Text(f"How: {check.reason}.")]
    if check.direct is not None:
        blocks += [Text("SymPy's direct derivative:"),
                   Equations([Equation(Partial(e.output, e.wrt), [printable(check.direct)])])]
    return blocks


def _complexity_blocks(e) -> list:
    c = e.complexity
    direct = format_count(c.direct_size) if c.direct_size is not None else "did not finish"
    rows = [
        ("nodes in the graph", format_count(c.nodes)),
        ("edges in the graph", format_count(c.edges)),
        (f"paths from {e.output} to {e.wrt}", format_count(c.paths)),
        ("edges on those paths", format_count(c.edges_on_paths)),
        ("operations in SymPy's direct derivative", direct),
        ("operations in the largest local derivative", format_count(c.largest_local_size)),
        ("operations in all local derivatives", format_count(c.total_local_size)),
        ("operations in the sum over paths", format_count(c.chain_rule_size)),
        ("operations in one backward pass", format_count(c.backprop_operations)),
    ]
    return [Heading("Why the decomposed way is simpler"), Table(rows),
            Text(c.sentence(e.output, e.wrt))]
