"""The derivation as plain data for JSON.

Expression strings are SymPy's ``str()`` form, using only the vocabulary's
names and SymPy's standard functions (``Heaviside``, ``sign``, ``Subs``,
``Derivative``), so ``sympy.sympify(s, locals=symgrad.sympify_namespace(inputs))``
reads them back. An expression of more than
:data:`~symgrad.render.blocks.PRINT_LIMIT` operations (counted as a tree) is
``null``; ``derivative_size`` tells how large the derivative is.
"""

from __future__ import annotations

import math

import sympy

from ..deadline import checkpoint
from ..exprtools import costly_constants, tree_size
from ..graph import edge, input_nodes, node, order
from ..verify import exact_digits
from .blocks import PRINT_LIMIT

__all__ = ["to_dict", "expression_string", "json_number", "json_count"]


#: Without ``full``, expressions of more than this many operations are null and the
#: graph's nodes and edges are listed up to :data:`MAX_JSON_LISTED` each: the JSON then
#: grows linearly with the graph up to that cap, about 270 bytes per node and edge (n = 1000 of the
#: nested family: under 1 MB). ``to_dict(e, full=True)`` lists everything up to
#: :data:`~symgrad.render.blocks.PRINT_LIMIT` operations per expression.
JSON_LIMIT = 300
MAX_JSON_LISTED = 1000
#: Without ``full``, a listed path of more edges than this has null ``nodes`` and ``factors``.
MAX_JSON_PATH = 200


def expression_string(expr: sympy.Expr | None, sizes: dict[int, int] | None = None,
                      limit: int = PRINT_LIMIT) -> str | None:
    """``str(expr)``, or None if it has more than `limit` operations; `sizes` caches tree sizes."""
    checkpoint()  # the time budget of the run (symgrad.deadline): one check per expression written
    if expr is None or tree_size(expr, sizes) > limit:
        return None
    # SymPy's default ordering evaluates constants (sin(exp(exp(20))) takes hours): keep them in place.
    return sympy.sstr(expr, order="none") if costly_constants(expr) else sympy.sstr(expr)


def json_number(value) -> float | str | None:
    """A finite float, or the string ``"inf"``, ``"-inf"`` or ``"nan"`` (JSON has no such numbers).

    Examples
    --------
    >>> json_number(0.5), json_number(float("inf")), json_number(float("-inf")), json_number(float("nan"))
    (0.5, 'inf', '-inf', 'nan')
    """
    if value is None:
        return None
    number = float(value)
    if math.isfinite(number):
        return number
    return "nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")


#: Counts with more digits than this are given in JSON as a string of all their digits.
JSON_INT_DIGITS = 4000


def json_count(count: int | None) -> int | str | None:
    """A count as a JSON integer, or as the string of all its digits when it is very long.

    Examples
    --------
    >>> json_count(12), len(json_count(10**5000))
    (12, 5001)
    """
    if count is None or count.bit_length() <= 3.32 * JSON_INT_DIGITS:
        return count
    return exact_digits(count)


def to_dict(explanation, full: bool = False) -> dict:
    """Everything an explanation says, as JSON-ready data.

    Without `full`, expressions beyond :data:`JSON_LIMIT` operations are null
    and at most :data:`MAX_JSON_LISTED` nodes and edges are listed
    (``nodes_listed``, ``edges_listed`` say how many); a path longer than
    :data:`MAX_JSON_PATH` edges gives only its ``length``.
    """
    e, g = explanation, explanation.graph
    check, c = e.check, e.complexity
    sizes: dict[int, int] = {}
    limit, listed = (PRINT_LIMIT, None) if full else (JSON_LIMIT, MAX_JSON_LISTED)

    def string(expr):
        return expression_string(expr, sizes, limit)

    nodes = [
        {
            "id": n.id,
            "kind": n.kind,
            "op": n.op,
            "definition": string(n.definition),
            "expression": string(n.expression),
        }
        for n in (node(g, name) for name in order(g)[:listed])
    ]
    edges = [
        {"source": d.source, "target": d.target, "position": d.key,
         "local_derivative": string(d.local_derivative), "rule": d.rule}
        for d in (edge(g, s, t, k) for s, t, k in list(g.edges(keys=True))[:listed])
    ]
    long_path = MAX_JSON_PATH if not full else None

    def shown(path) -> bool:
        return long_path is None or len(path.edges) <= long_path

    paths = [
        {"length": len(p.edges),
         "nodes": list(p.nodes) if shown(p) else None,
         "factors": [string(f) for f in p.factors] if shown(p) else None,
         "product": string(p.product),
         "product_in_inputs": string(p.product_in_inputs)}
        for p in e.listed_paths
    ]
    derivative = string(e.derivative)
    at = e.values
    point = None if at is None else {
        "point": {k: json_number(v) for k, v in at.point.items()},
        "values": {k: json_number(v) for k, v in at.values.items()},
        "gradients": {k: json_number(v) for k, v in at.gradients.items()},
        "finite_differences": {k: json_number(v) for k, v in at.finite_differences.items()},
        "max_relative_error": json_number(at.max_relative_error),
    }
    return {
        "expression": string(e.expression),
        "output": e.output,
        "wrt": e.wrt,
        "read_as": [str(r) for r in getattr(e, "readings", ())],
        "inputs": input_nodes(g),
        "functions": sorted({getattr(n.params, "user_name", n.params.__name__)
                             for n in (node(g, name) for name in g) if n.op == "function"}),
        "nodes": nodes,
        "edges": edges,
        "nodes_listed": len(nodes),
        "edges_listed": len(edges),
        "path_count": json_count(e.path_count),
        "paths": paths,
        "paths_listed": len(paths),
        "derivative": derivative,
        "derivative_size": json_count(tree_size(e.derivative)),
        "path_sum": string(e.path_sum),
        "at": point,
        "direct": string(check.direct),
        "check": {"status": check.status, "reason": check.reason, "points": check.points,
                  **{k: v for k, v in check.details.items()}},
        "complexity": {
            "nodes": c.nodes, "edges": c.edges, "paths": json_count(c.paths),
            "edges_on_paths": c.edges_on_paths, "direct_size": json_count(c.direct_size),
            "direct_computed": c.direct_computed,
            "largest_local_size": json_count(c.largest_local_size),
            "total_local_size": json_count(c.total_local_size),
            "chain_rule_size": json_count(c.chain_rule_size), "backprop_operations": c.backprop_operations,
            "summary": c.sentence(e.output, e.wrt),
        },
    }
