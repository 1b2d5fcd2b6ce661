"""Why gradients add up where a value is used twice: paths, their sum, and backprop.

Two expressions:

* ``x*sin(x)`` -- x is used twice (directly and inside sin), so there are
  two paths from f back to x: the product rule is the sum over paths;
* ``sin(x*y)*cos(x*y) + x*y`` -- the subexpression ``x*y`` is computed once
  (node u1) and used three times: the graph forks at u1, and the derivative
  with respect to x is the sum of one product per path through the fork.

For each, the script prints the path count, every path with its chain-rule
product, the sum of the products, backpropagation's result, and whether the
two agree (and agree with SymPy).

Run::

    python examples/shared_subexpression.py
"""

import sys
from pathlib import Path

import sympy

try:
    import symgrad
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import symgrad

EXAMPLES = [("x*sin(x)", "x"), ("sin(x*y)*cos(x*y) + x*y", "x")]


def show(expression: str, wrt: str) -> None:
    explanation = symgrad.explain(expression, wrt=wrt)
    graph = explanation.graph
    out = explanation.output
    print(f"{out} = {expression}")
    print("Computation graph:")
    for node in symgrad.operation_nodes(graph):
        print(f"  {node} = {sympy.sstr(graph.nodes[node]['definition'], order='none')}")
    forks = [n for n in graph if graph.out_degree(n) > 1 and graph.nodes[n]["kind"] == "operation"]
    for node in forks:
        users = sorted({t for _, t in graph.out_edges(node)}, key=str)
        print(f"  fork: {node} = {graph.nodes[node]['expression']} is used by {', '.join(users)}")

    print(f"Paths from {out} back to {wrt}: {explanation.path_count}")
    for number, path in enumerate(explanation.paths, start=1):
        route = " <- ".join(path.nodes)
        factors = " * ".join(f"({factor})" for factor in path.factors)
        print(f"  path {number}: {route}")
        print(f"    product = {factors} = {path.product_in_inputs}")

    path_sum = sympy.Add(*(p.product_in_inputs for p in explanation.paths))
    backprop = explanation.derivative
    same = sympy.simplify(path_sum - backprop) == 0
    print(f"Sum over paths:  d{out}/d{wrt} = {path_sum}")
    print(f"Backpropagation: d{out}/d{wrt} = {backprop}")
    print(f"backprop == sum of paths: {same}")
    print(f"check against sympy.diff: {explanation.check.status}")
    print()


def main() -> None:
    for expression, wrt in EXAMPLES:
        show(expression, wrt)


if __name__ == "__main__":
    main()
