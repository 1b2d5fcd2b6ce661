"""``--format beamer`` decks compile with pdflatex as written, fit their frames, and find their figures.

Each deck is made by the command line (in process), compiled once with
``pdflatex -halt-on-error``, and its ``.log`` parsed: no ``Overfull \\vbox``, no
``Overfull \\hbox`` wider than 1 pt, and a frame count within the bound stated
per case. Under CI (CI=true) a missing pdflatex fails instead of skipping.
"""

import os
import re
import subprocess

import pytest

from symgrad.cli import main
from programs import required_tool  # noqa: E402 - pytest puts tests/ on the path

#: (arguments, most frames): the corpus of issue 9. Frame bounds: a slide per section, one per
#: listed path, and the breaks of long lists (the network's 137 local derivatives today).
EXPRESSIONS = {
    "sigmoid neuron": (["sigmoid(w1*x1 + w2*x2 + b)", "--wrt", "w1", "--at", "w1=0.5,x1=1,w2=-1,x2=2,b=0"], 20),
    "x sin x": (["x*sin(x)", "--wrt", "x"], 16),
    "fork": (["sin(x*y)*cos(x*y) + x*y", "--wrt", "x"], 24),
    "two-layer loss": (["(t - sigmoid(v1*sigmoid(v0*x)))^2", "--wrt", "v0", "--output-name", "L"], 20),
}
NETWORKS = {
    "2-2-1 sigmoid": (["--sizes", "2,2,1", "--hidden", "sigmoid", "--output", "sigmoid", "--loss", "mse",
                       "--wrt", "v0_1_1", "--seed", "1"], 40),
    **{f"4-3-3-3-4 {weight}": (["--sizes", "4,3,3,3,4", "--hidden", "relu", "--output", "softmax",
                                "--loss", "cross_entropy", "--wrt", weight, "--max-paths", "4",
                                *(["--no-check"] if weight != "v0_1_1" else [])], 90)
       for weight in ("v0_1_1", "v1_2_3", "v2_3_1", "v3_4_2")},
}
_OVERFULL_HBOX = re.compile(r"Overfull \\hbox \(([0-9.]+)pt too wide\)")




def _compile(tex, cwd, *options):
    """Compile `tex` once in `cwd`; return the log's text (the run must succeed)."""
    result = subprocess.run([required_tool("pdflatex"), "-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape",
                             *options, str(tex)], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    out = next((o.split("=", 1)[1] for o in options if o.startswith("-output-directory=")), cwd)
    return (os.path.join(out, os.path.basename(str(tex))[:-4] + ".log"), result.stdout)


def _fits(log_path, most_frames):
    log = open(log_path, encoding="latin-1").read()
    assert "Overfull \\vbox" not in log
    too_wide = [float(w) for w in _OVERFULL_HBOX.findall(log)]
    assert all(w <= 1.0 for w in too_wide), too_wide
    pages = int(re.search(r"Output written on .*?\((\d+) pages?", log, re.S).group(1))
    assert 3 <= pages <= most_frames, pages
    return pages


def _deck(tmp_path, argv):
    deck = tmp_path / "deck.tex"
    assert main([*argv, "--format", "beamer", "-o", str(deck)]) == 0
    return deck


@pytest.mark.timeout(240)
@pytest.mark.parametrize("name", EXPRESSIONS)
def test_expression_deck_compiles_and_fits(tmp_path, name):
    argv, most = EXPRESSIONS[name]
    deck = _deck(tmp_path, argv)
    figures = sorted(p.name for p in (tmp_path / "deck-figures").iterdir())
    assert "graph.pdf" in figures and "path1.pdf" in figures and "backward.pdf" in figures
    log, _ = _compile(deck, tmp_path)
    _fits(log, most)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", NETWORKS)
def test_network_deck_compiles_and_fits(tmp_path, name):
    argv, most = NETWORKS[name]
    deck = _deck(tmp_path, ["mlp", *argv])
    body = (tmp_path / "deck-body.tex").read_text(encoding="utf-8")
    assert "Backward pass in matrix form" in body and r"\hat{y}" in body
    assert not re.search(r"\bu_\{[0-9]+\}\s*&=\s*\\(sigma|operatorname\{ReLU\})", body)  # neurons are z, h, ŷ
    log, _ = _compile(deck, tmp_path)
    _fits(log, most)


@pytest.mark.timeout(300)
def test_nested_family_deck_at_n_20(tmp_path):
    import sympy

    from symgrad.render.beamer import write_deck
    import symgrad

    x = sympy.Symbol("x", real=True)
    f = x
    for _ in range(20):
        f = sympy.Add(sympy.Mul(sympy.sin(f, evaluate=False), sympy.cos(f, evaluate=False), evaluate=False),
                      sympy.Pow(f, 2, evaluate=False), evaluate=False)
    deck = write_deck(symgrad.explain(f, "x", max_paths=2, time_limit=2), tmp_path / "deck.tex")[0]
    log, _ = _compile(deck, tmp_path)
    _fits(log, 60)


@pytest.mark.timeout(240)
def test_deck_compiles_from_another_folder_and_as_input_of_a_parent(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    deck = _deck(decks, ["x*sin(x)", "--wrt", "x", "--no-check"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    log, _ = _compile(deck.resolve(), elsewhere, f"-output-directory={elsewhere}")
    assert "deck-figures/path1.pdf" in open(log, encoding="latin-1").read()
    parent = tmp_path / "lecture.tex"
    parent.write_text("\\documentclass[aspectratio=169]{beamer}\n\\usepackage{adjustbox}\n\\begin{document}\n"
                      "\\input{decks/deck-body}\n\\end{document}\n", encoding="utf-8")
    log, _ = _compile(parent, tmp_path)
    assert "decks/deck-figures/backward.pdf" in open(log, encoding="latin-1").read()


def test_beamer_needs_a_tex_file(capsys):
    assert main(["x*sin(x)", "--wrt", "x", "--format", "beamer"]) == 2
    assert "give -o DECK.tex" in capsys.readouterr().err


@pytest.mark.timeout(240)
def test_frames_index_is_a_deck_that_compiles_from_anywhere(tmp_path):
    frames = tmp_path / "frames"
    assert main(["x*sin(x)", "--wrt", "x", "--no-check", "--frames", str(frames), "--dpi", "30",
                 "-o", os.devnull]) == 0
    log, _ = _compile((frames / "frames.tex").resolve(), tmp_path, f"-output-directory={tmp_path}")
    assert _fits(log, 6) == 6


def test_svg_frames_get_no_tex_index_and_a_warning(tmp_path, capsys):
    frames = tmp_path / "frames"
    assert main(["x*y", "--wrt", "x", "--no-check", "--frames", str(frames), "--frame-format", "svg",
                 "-o", os.devnull]) == 0
    assert not (frames / "frames.tex").exists() and (frames / "frames.md").exists()
    assert "no frames.tex written" in capsys.readouterr().err


def test_a_figure_with_long_equations_gets_a_frame_of_its_own(tmp_path):
    # beside three lines of a path's product the figure would shrink to half the frame
    deck = _deck(tmp_path, ["x*(x + 1) - 1/x", "--wrt", "x"])
    body = (tmp_path / "deck-body.tex").read_text(encoding="utf-8")
    frames = body.split(r"\begin{frame}")[1:]
    path_one = [f for f in frames if "path1.pdf" in f]
    assert len(path_one) == 1 and r"height=0.8\textheight" in path_one[0] and r"\sgequation" not in path_one[0]
    assert deck.exists()
