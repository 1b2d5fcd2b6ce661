"""The squared-error loss of a tiny two-layer network, differentiated by backprop.

Network: inputs x1, x2; hidden units h1 = sigmoid(w1_1*x1 + w1_2*x2) and
h2 = sigmoid(w2_1*x1 + w2_2*x2); linear output v1_1*h1 + v1_2*h2; target t;
loss L = (output - t)^2. The script prints dL/dw1_1 (a first-layer weight):
its single path back through h1, the path's chain-rule product, the check
status against SymPy and the complexity comparison. It also shows that an
input such as x1, which feeds both hidden units, has two paths.

Run::

    python examples/two_layer_loss.py
    python examples/two_layer_loss.py --wrt w2_2
    python examples/two_layer_loss.py --sigmoid-output   # sigmoid on the output unit too
"""

import argparse
import sys
from pathlib import Path

import sympy

try:
    import symgrad
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import symgrad

HIDDEN = "v1_1*sigmoid(w1_1*x1 + w1_2*x2) + v1_2*sigmoid(w2_1*x1 + w2_2*x2)"


def loss_text(sigmoid_output: bool) -> str:
    output = f"sigmoid({HIDDEN})" if sigmoid_output else HIDDEN
    return f"({output} - t)^2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrt", default="w1_1", help="weight to differentiate by (default: w1_1)")
    parser.add_argument("--sigmoid-output", action="store_true",
                        help="put a sigmoid on the output unit (default: linear)")
    args = parser.parse_args()

    loss = loss_text(args.sigmoid_output)
    explanation = symgrad.explain(loss, wrt=args.wrt, output="L")
    graph = explanation.graph
    print(f"L = {loss}")
    print("Computation graph:")
    for node in symgrad.operation_nodes(graph):
        print(f"  {node} = {sympy.sstr(graph.nodes[node]['definition'], order='none')}")
    print()
    print(f"dL/d{args.wrt} = {explanation.derivative}")
    print(f"Paths from L back to {args.wrt}: {explanation.path_count}")
    for number, path in enumerate(explanation.paths, start=1):
        print(f"  path {number}: {' <- '.join(path.nodes)}")
        print(f"    product of local derivatives = {' * '.join(f'({f})' for f in path.factors)}")
        print(f"                                 = {path.product_in_inputs}")
    print(f"Check against sympy.diff: {explanation.check.status} ({explanation.check.reason})")
    print(explanation.complexity.sentence(explanation.output, explanation.wrt))
    print()
    through_both = symgrad.explain(loss, wrt="x1", output="L", check=False)
    print(f"For comparison, x1 feeds both hidden units: {through_both.path_count} paths from L back to x1.")


if __name__ == "__main__":
    main()
