"""Benchmark: every weight's gradient of a 4-8-8-3 network, symgrad vs sympy.diff.

The network is ``symgrad.nn.mlp([4, 8, 8, 3], hidden="relu", output="softmax",
loss="cross_entropy")`` (target symbols t1..t3): 120 weights, the loss one
shared SymPy expression. In the same run it measures

* symgrad: ``build_graph`` + ``chain.gradients`` -- the derivative of L with
  respect to all 120 weights from ONE backward pass (SymPy's cache cleared
  first; best of a few repeats);
* SymPy: ``sympy.diff(L, v)`` called once per weight (cache cleared first);

checks that both agree at a random point for every weight (50-digit
arithmetic), and compares the size of symgrad's graph (nodes) with the
operation count of SymPy's 120 derivatives written out as trees
(``symgrad.exprtools.tree_size``). Goal: symgrad at least 20x faster.

Usage::

    PYTHONPATH=. python3 benchmarks/bench_mlp.py
    PYTHONPATH=. python3 benchmarks/bench_mlp.py --sizes 4,3,3,4 --repeats 1

Results on the development machine (Python 3.11, SymPy 1.12+)::

    network                                                   4-8-8-3, ReLU, softmax, cross-entropy
    weights                                                   120
    symgrad: graph + all gradients (one backward pass)        64.4 ms
    SymPy: sympy.diff once per weight                         20870.5 ms
    speed-up                                                  324.3x
    symgrad graph: nodes / edges                              296 / 400
    operations: one forward pass / one backward pass          259 / 539
    operations in SymPy's derivatives as trees (all weights)  3585216
    agree with sympy.diff at a random point (every weight)    yes

    goal: all gradients at least 20x faster than sympy.diff per weight, and the same values: PASS

Exit status is 0 whether or not the goal is met (it is a report).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import mpmath
import sympy
from sympy.core.cache import clear_cache

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from symgrad import nn  # noqa: E402
from symgrad.chain import gradients  # noqa: E402
from symgrad.exprtools import tree_size  # noqa: E402
from symgrad.graph import build_graph  # noqa: E402
from symgrad.numeric import evaluate  # noqa: E402

GOAL = 20.0


def time_symgrad(net: nn.Network, repeats: int):
    best, result, graph = float("inf"), None, None
    for _ in range(repeats):
        clear_cache()
        start = time.perf_counter()
        graph = build_graph(net.loss, output="L")
        result = gradients(graph, net.weight_names)
        best = min(best, time.perf_counter() - start)
    return best, graph, result


def time_sympy(net: nn.Network):
    clear_cache()
    start = time.perf_counter()
    result = {v.name: sympy.diff(net.loss, v) for m in net.weights for row in m for v in row}
    return time.perf_counter() - start, result


def agree(net: nn.Network, mine: dict, direct: dict, seed: int = 0) -> bool:
    rng = random.Random(seed)
    point = {s: mpmath.mpf(rng.uniform(-1, 1)) for s in net.loss.free_symbols}
    for name in net.weight_names:
        a, b = evaluate(mine[name], point), evaluate(direct[name], point)
        if abs(a - b) > mpmath.mpf(10) ** -25 * max(1, abs(b)):
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4,8,8,3")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    net = nn.mlp(sizes, hidden="relu", output="softmax", loss="cross_entropy")
    ours, graph, mine = time_symgrad(net, args.repeats)
    theirs, direct = time_sympy(net)
    sizes_cache: dict[int, int] = {}
    direct_ops = sum(tree_size(d, sizes_cache) for d in direct.values())
    counts = nn.operation_counts(graph)
    same = agree(net, mine, direct)
    speedup = theirs / ours
    rows = [
        ("network", "-".join(map(str, sizes)) + ", ReLU, softmax, cross-entropy"),
        ("weights", str(len(net.weight_names))),
        ("symgrad: graph + all gradients (one backward pass)", f"{ours * 1000:.1f} ms"),
        ("SymPy: sympy.diff once per weight", f"{theirs * 1000:.1f} ms"),
        ("speed-up", f"{speedup:.1f}x"),
        ("symgrad graph: nodes / edges", f"{graph.number_of_nodes()} / {graph.number_of_edges()}"),
        ("operations: one forward pass / one backward pass", f"{counts.forward} / {counts.backward}"),
        ("operations in SymPy's derivatives as trees (all weights)", f"{direct_ops}"),
        ("agree with sympy.diff at a random point (every weight)", "yes" if same else "NO"),
    ]
    width = max(len(a) for a, _ in rows)
    for a, b in rows:
        print(f"{a:<{width}}  {b}")
    ok = speedup >= GOAL and same
    print(f"\ngoal: all gradients at least {GOAL:.0f}x faster than sympy.diff per weight, "
          f"and the same values: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
