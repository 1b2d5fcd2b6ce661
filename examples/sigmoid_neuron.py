"""dL/dw1 of a single sigmoid neuron, step by step, as text and as a LaTeX document.

The neuron computes ``sigmoid(w1*x1 + w2*x2 + b)``. symgrad names every
intermediate value (u1 = w1*x1, u2 = w2*x2, u3 = u1 + u2 + b, f = sigmoid(u3)),
writes the local derivative on each edge, follows the single path from f back
to w1, multiplies along it, and checks the result against SymPy.

Run::

    python examples/sigmoid_neuron.py              # writes ./sigmoid_neuron.tex
    python examples/sigmoid_neuron.py --out build  # writes build/sigmoid_neuron.tex

Compile the .tex file with ``pdflatex sigmoid_neuron.tex`` for a handout.
"""

import argparse
import sys
from pathlib import Path

try:
    import symgrad
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import symgrad

EXPRESSION = "sigmoid(w1*x1 + w2*x2 + b)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", metavar="DIR",
                        help="directory for sigmoid_neuron.tex (default: current directory)")
    args = parser.parse_args()

    explanation = symgrad.explain(EXPRESSION, wrt="w1")
    print(explanation.to_text())

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    tex_file = out_dir / "sigmoid_neuron.tex"
    tex_file.write_text(explanation.to_latex(standalone=True), encoding="utf-8")
    print()
    print(f"df/dw1 = {explanation.derivative}")
    print(f"Wrote {tex_file} (compile with: pdflatex {tex_file.name})")


if __name__ == "__main__":
    main()
