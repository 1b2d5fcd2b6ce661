"""The lecture's network: 4-3-3-4, ReLU hidden layers, softmax output, cross-entropy loss.

y = f2(V2 f1(V1 f0(V0 x))) with f0 = f1 = ReLU and f2 = softmax, and
L = -log y_k for the true class k. The script derives dL/dv for a first-layer
weight (``--wrt``, default v0_1_1, printed v^{(0)}_{11}) by the chain rule:
why it has as many paths as it has (the widths of the later layers multiply),
the check against SymPy, every gradient from one backward pass at a seeded
random point (checked against finite differences), and one gradient-descent
step. It writes the whole derivation as a standalone LaTeX document
``lecture_network.tex`` into ``--out DIR``.

Run::

    python examples/lecture_network.py
    python examples/lecture_network.py --wrt v1_2_3 --target 3 --out /tmp
"""

import argparse
import sys
from pathlib import Path

try:
    import symgrad
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import symgrad

from symgrad import nn
from symgrad.cli import main as symgrad_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrt", default="v0_1_1", help="the weight (default: v0_1_1)")
    parser.add_argument("--target", type=int, default=2, help="the true class, 1..4 (default: 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and inputs")
    parser.add_argument("--out", type=Path, default=Path("."), help="directory of lecture_network.tex")
    args = parser.parse_args()

    net = nn.mlp([4, 3, 3, 4], hidden="relu", output="softmax", loss="cross_entropy", target=args.target)
    counts = nn.operation_counts(net.graph)
    print(f"{net!r}")
    print(f"graph: {counts.nodes} nodes, {counts.edges} edges; one forward pass {counts.forward} "
          f"operations, one backward pass (all {len(net.weight_names)} gradients) {counts.backward}")

    formula = nn.path_formula(net, args.wrt)
    print(f"\npaths from L back to {args.wrt}: {formula.total}")
    print(formula.sentence())
    for weight in ("v0_1_1", "v1_1_1", "v2_1_1"):
        total = nn.path_formula(net, weight).total
        print(f"  {weight}: {total} path{'' if total == 1 else 's'}")

    explanation = net.explain(args.wrt, max_paths=3)
    print(f"\ncheck against SymPy: {explanation.check.status} ({explanation.check.reason})")
    print(explanation.complexity.sentence("L", args.wrt))

    numbers = nn.numbers(net, nn.random_point(net, seed=args.seed), learning_rate=0.1)
    print(f"\nat a random point (seed {args.seed}): L = {float(numbers.loss):.6f}, "
          f"dL/d{args.wrt} = {float(numbers.gradients[args.wrt]):.6g}")
    print(f"largest gap to finite differences over all {len(numbers.gradients)} gradients: "
          f"{numbers.max_relative_error:.1e}")
    print(f"one step v <- v - 0.1 dL/dv: L = {float(numbers.loss_after):.6f}")

    out = args.out / "lecture_network.tex"
    code = symgrad_main(["mlp", "--sizes", "4,3,3,4", "--target", str(args.target), "--wrt", args.wrt,
                     "--seed", str(args.seed), "--max-paths", "3", "--standalone", "-o", str(out)])
    if code == 0:
        print(f"\nwrote {out} (pdflatex {out.name})")
    sys.exit(code)


if __name__ == "__main__":
    main()
