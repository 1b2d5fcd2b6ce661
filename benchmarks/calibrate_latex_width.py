"""Calibrate the LaTeX printer's width estimate: points per character of the Unicode form.

The LaTeX printer cannot measure a formula; it estimates the width of a
printed item from the length of its one-line Unicode form (which writes the
same symbols, fractions flattened to a/b). This script typesets every math
item of a corpus of derivations in ``\\displaystyle`` at 11 pt, reads each box's
width from the log, and prints the largest ratio width / characters: the
``points_per_character`` the printer uses (rounded up).

Usage::

    PYTHONPATH=. python3 benchmarks/calibrate_latex_width.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import symgrad
from symgrad.nn import mlp
from symgrad.render.blocks import Equations, build_blocks
from symgrad.render.printers import LATEX, UNICODE

CORPUS = [
    ("sigmoid(w1*x1 + w2*x2 + b)", "w1", {}),
    ("x*sin(x)", "x", {}),
    ("sin(x*y)*cos(x*y) + x*y", "x", {}),
    ("(t - sigmoid(v1*sigmoid(v0*x)))^2", "v0", {"output": "L"}),
    ("x*x*x*x*x*x*x*x + abs(x) - relu(x)/softplus(x) + log(x, 2)^sqrt(x)", "x", {}),
    ("alpha*beta_12 - gamma^E + exp(-x^2/2)/sqrt(2*pi)", "x", {}),
]


def _items(blocks):
    for block in blocks:
        if isinstance(block, Equations):
            for equation in block.equations:
                yield equation.lhs
                yield from equation.rhs


def corpus_items():
    explanations = [symgrad.explain(e, w, **o) for e, w, o in CORPUS]
    explanations.append(mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse").explain("v0_1_1"))
    for e in explanations:
        for item in _items(build_blocks(e)):
            try:
                latex, text = LATEX.doprint(item), UNICODE.doprint(item)
            except Exception:  # noqa: BLE001 - a calibration script skips what it cannot print
                continue
            if 3 <= len(text) <= 400:
                yield latex, text


def main() -> int:
    pairs = list(dict.fromkeys(corpus_items()))
    lines = [r"\documentclass[11pt]{article}", r"\usepackage{amsmath,amssymb}", r"\begin{document}"]
    lines += [rf"\setbox0\hbox{{$\displaystyle {latex}$}}\typeout{{WIDTH {i} \the\wd0}}"
              for i, (latex, _) in enumerate(pairs)]
    lines.append(r"\end{document}")
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "c.tex").write_text("\n".join(lines), encoding="utf-8")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "c.tex"], cwd=folder,
                       capture_output=True, check=False)
        log = Path(folder, "c.log").read_text(encoding="utf-8", errors="replace")
    widths = {int(i): float(w) for i, w in re.findall(r"WIDTH (\d+) ([0-9.]+)pt", log)}
    ratios = sorted((widths[i] / len(pairs[i][1]), pairs[i][1]) for i in widths)
    for ratio, text in ratios[-5:]:
        print(f"{ratio:5.2f} pt/char  {text[:70]}")
    print(f"{len(ratios)} items; median {ratios[len(ratios) // 2][0]:.2f}, largest {ratios[-1][0]:.2f} pt per character")
    return 0


if __name__ == "__main__":
    sys.exit(main())
