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


def _coordinates(code: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"\\node\[[^\n]*?\] \([^)]*\) at \((-?[\d.]+),(-?[\d.]+)\)", code)]


@pytest.mark.parametrize("expression, wrt", [
    ("+".join(f"sin(x{i}*x)" for i in range(12)), "x"),  # 12 paths, 37 nodes: too many rows for a frame
    ("sin(" * 40 + "x" + ")" * 40, "x"),  # a path of 41 nodes: too many columns
])
def test_a_graph_too_large_for_a_frame_is_drawn_as_the_figures_draw_it(expression, wrt):
    from symgrad.render.printers import name_to_latex
    from symgrad.render.tikz import FIT

    e = symgrad.explain(expression, wrt, check=False)
    code = to_tikz(e)
    assert "[sggroup]" in code or "[sgrun]" in code
    points = _coordinates(code)
    assert 3 <= len(points) < e.graph.number_of_nodes()
    assert all(0 <= x <= FIT[0] + 1e-9 and -FIT[1] - 1e-9 <= y <= 0 for x, y in points)
    drawn = set(re.findall(r"\\node\[(?:sginput|sgop|sgoutput|sgconst)[^\n]*?\{\$(.*?)\$\};", code))
    for label in re.findall(r"node\[sglabel\] \{\$(.*?)\$\}", code):  # an edge label names drawn nodes only
        for name in e.graph:
            if "_{" in name_to_latex(name) and name_to_latex(name) in label:
                assert name_to_latex(name) in drawn, (label, name)
    overlays = len(re.findall(r"\\only<(\d+)>\{\\node\[sgcaption", code))
    assert 2 <= overlays <= len(e.listed_paths) + 1  # the paths drawn, then the sum


@pytest.mark.timeout(120)
def test_tikz_of_the_nested_family_at_n_1000_is_small_and_names_its_huge_sum_in_words():
    from families import nested

    e = symgrad.explain(nested(1000), "x", check=False)
    code = to_tikz(e)
    assert len(code) < 20_000 and "[sgrun]" in code
    assert "sum: the sum over 1.32e477 (478 digits) paths" in code
    assert "the product of the local derivatives of its 3000 edges" in code


def test_tikz_of_a_long_path_compiles_in_beamer_and_steps_through_its_paths(tmp_path):
    from programs import required_tool

    pdflatex = required_tool("pdflatex")
    e = symgrad.explain("+".join(f"sin(x{i}*x)" for i in range(12)), "x", check=False)
    code = to_tikz(e)
    (tmp_path / "deck.tex").write_text(beamer_document(code))
    run = subprocess.run([pdflatex, "-halt-on-error", "-interaction=nonstopmode", "deck.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-2000:]
    pages = re.search(r"Output written on deck.pdf \((\d+) page", run.stdout)
    overlays = len(re.findall(r"\\only<(\d+)>\{\\node\[sgcaption", code))
    assert pages and int(pages.group(1)) == overlays
    assert "Overfull \\hbox" not in run.stdout
