"""The derivation as plain data for JSON.

Expression strings are SymPy's ``str()`` form, using only the vocabulary's
names and SymPy's standard functions (``Heaviside``, ``sign``, ``Subs``,
``Derivative``), so ``sympy.sympify(s, locals=symgrad.sympify_namespace(inputs))``
reads them back. An expression of more than
:data:`~symgrad.render.blocks.PRINT_LIMIT` operations (counted as a tree) is
``null``; ``derivative_size`` tells how large the derivative is.
"""

from __future__ import annotations

import sympy

from ..exprtools import tree_size
from ..graph import edge, input_nodes, node, order
from .blocks import PRINT_LIMIT

__all__ = ["to_dict", "expression_string"]


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
    if expr is None or tree_size(expr, sizes) > limit:
        return None
    return sympy.sstr(expr)



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
        "point": {k: float(v) for k, v in at.point.items()},
        "values": {k: float(v) for k, v in at.values.items()},
        "gradients": {k: float(v) for k, v in at.gradients.items()},
        "finite_differences": {k: float(v) for k, v in at.finite_differences.items()},
        "max_relative_error": at.max_relative_error,
    }
    return {
        "expression": string(e.expression),
        "output": e.output,
        "wrt": e.wrt,
        "inputs": input_nodes(g),
        "functions": sorted({n.params.__name__ for n in (node(g, name) for name in g) if n.op == "function"}),
        "nodes": nodes,
        "edges": edges,
        "nodes_listed": len(nodes),
        "edges_listed": len(edges),
        "path_count": e.path_count,
        "paths": paths,
        "paths_listed": len(paths),
        "derivative": derivative,
        "derivative_size": tree_size(e.derivative),
        "path_sum": string(e.path_sum),
        "at": point,
        "direct": string(check.direct),
        "check": {"status": check.status, "reason": check.reason, "points": check.points,
                  **{k: v for k, v in check.details.items()}},
        "complexity": {
            "nodes": c.nodes, "edges": c.edges, "paths": c.paths,
            "edges_on_paths": c.edges_on_paths, "direct_size": c.direct_size,
            "largest_local_size": c.largest_local_size, "total_local_size": c.total_local_size,
            "chain_rule_size": c.chain_rule_size, "backprop_operations": c.backprop_operations,
            "summary": c.sentence(e.output, e.wrt),
        },
    }
