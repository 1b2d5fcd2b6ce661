"""The derivation as plain data for JSON.

Expression strings are SymPy's ``str()`` form, using only the vocabulary's
names and SymPy's standard functions (``Heaviside``, ``sign``, ``Subs``,
``Derivative``), so ``sympy.sympify(s, locals=symgrad.sympify_namespace(inputs))``
reads them back. Expressions too large to print are ``null`` with a note.
"""

from __future__ import annotations

import sympy

from ..exprtools import tree_size
from .blocks import PRINT_LIMIT

__all__ = ["to_dict", "expression_string"]


def expression_string(expr: sympy.Expr | None, sizes: dict[int, int] | None = None) -> str | None:
    """``str(expr)``, or None if it is too large to print; `sizes` caches tree sizes."""
    if expr is None or tree_size(expr, sizes) > PRINT_LIMIT:
        return None
    return sympy.sstr(expr)


_expression_string = expression_string


def to_dict(explanation) -> dict:
    """Everything an explanation says, as JSON-ready data."""
    e, g = explanation, explanation.graph
    check, c = e.check, e.complexity
    sizes: dict[int, int] = {}

    def expression_string(expr):
        return _expression_string(expr, sizes)

    nodes = [
        {
            "id": n,
            "kind": g.nodes[n]["kind"],
            "op": g.nodes[n]["op"],
            "definition": expression_string(g.nodes[n]["definition"]),
            "expression": expression_string(g.nodes[n]["expression"]),
        }
        for n in g.graph["order"]
    ]
    edges = [
        {"source": s, "target": t, "position": k,
         "local_derivative": expression_string(d["local_derivative"]), "rule": d["rule"]}
        for s, t, k, d in g.edges(keys=True, data=True)
    ]
    paths = [
        {"nodes": list(p.nodes), "factors": [expression_string(f) for f in p.factors],
         "product": expression_string(p.product),
         "product_in_inputs": expression_string(p.product_in_inputs)}
        for p in e.listed_paths
    ]
    derivative = expression_string(e.derivative)
    at = e.values
    point = None if at is None else {
        "point": {k: float(v) for k, v in at.point.items()},
        "values": {k: float(v) for k, v in at.values.items()},
        "gradients": {k: float(v) for k, v in at.gradients.items()},
        "finite_differences": {k: float(v) for k, v in at.finite_differences.items()},
        "max_relative_error": at.max_relative_error,
    }
    return {
        "expression": expression_string(e.expression),
        "output": e.output,
        "wrt": e.wrt,
        "read_as": [str(r) for r in getattr(e, "readings", ())],
        "inputs": list(g.graph["inputs"]),
        "functions": sorted({getattr(g.nodes[n]["params"], "user_name", g.nodes[n]["params"].__name__)
                             for n in g if g.nodes[n]["op"] == "function"}),
        "nodes": nodes,
        "edges": edges,
        "path_count": e.path_count,
        "paths": paths,
        "paths_listed": len(paths),
        "derivative": derivative,
        "derivative_size": tree_size(e.derivative),
        "path_sum": expression_string(e.path_sum),
        "at": point,
        "direct": expression_string(check.direct),
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
