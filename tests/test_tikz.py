"""TikZ output: compiles inside a Beamer frame, one overlay per listed path."""

import re
import shutil
import subprocess
import sys

import pytest

import symgrad
from symgrad.palette import PALETTE
from symgrad.render.tikz import beamer_document, to_tikz

TWO_LAYER_LOSS = ("(y - sigmoid(v1*sigmoid(v0*x)))^2", "v0")


@pytest.mark.parametrize("expression, wrt", [("x*sin(x) + x*x", "x"), TWO_LAYER_LOSS, ("x - y", "x")])
def test_one_overlay_per_listed_path_and_one_for_the_sum(expression, wrt):
    e = symgrad.explain(expression, wrt, check=False)
    code = to_tikz(e)
    count = len(e.listed_paths)
    for k, path in enumerate(e.listed_paths, start=1):
        assert len(re.findall(rf"\\only<{k},{count + 1}>\{{\\draw\[sgpath, sgpath{k - 1}\]", code)) == len(path.edges)
        assert f"path {k} of {e.path_count}:" in code
    assert f"\\definecolor{{sgpath0}}{{HTML}}{{{PALETTE[0][1:]}}}" in code
    assert code.count(rf"\only<{count + 1}>{{") == 1  # the sum


def test_tikz_needs_no_matplotlib():
    code = ("import sys, symgrad; from symgrad.render.tikz import to_tikz; "
            "to_tikz(symgrad.explain('x*sin(x)', 'x')); print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_tikz_compiles_in_a_beamer_frame_with_one_page_per_overlay(tmp_path):
    e = symgrad.explain(*TWO_LAYER_LOSS, check=False)
    result = subprocess.run([sys.executable, "-m", "symgrad", TWO_LAYER_LOSS[0], "--wrt", "v0", "-f", "text",
                             "--figure", str(tmp_path / "graph.tex")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    tikz = (tmp_path / "graph.tex").read_text()
    (tmp_path / "deck.tex").write_text(beamer_document("\\input{graph.tex}\n"))
    run = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "deck.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-2000:]
    pages = re.search(r"Output written on deck.pdf \((\d+) page", run.stdout)
    assert pages and int(pages.group(1)) == len(e.listed_paths) + 1
    assert "\\begin{tikzpicture}" in tikz
