"""At home in a notebook (issue 13): a real notebook executed with nbclient, its outputs checked
(mime types, content, exactly one image per figure), and its math rendered by the real KaTeX."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from symgrad import explain
from symgrad.render.notebook import MAX_MATH, View, mimebundle
from symgrad.verify import Check

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]

CELLS = {
    "full": 'import symgrad\ne = symgrad.explain("sigmoid(w*x + b)", "w", at="w=0.5,x=2,b=-1")\ne',
    "plot": "e.plot()",
    "ax": "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(); e.plot(ax=ax)",
    "figure": 'e.show("figure")',
    "result": 'e.show("result")',
    "gradient": 'e.values.gradients["w"]',
    "network figure": 'from symgrad import nn\nfrom symgrad.nn.figure import plot_network\n'
                      'plot_network(nn.mlp([2, 2, 1]), "v0_1_1")',
    "network": 'nn.mlp([4, 3, 3, 3, 4]).explain("v0_1_1")',
}


@pytest.fixture(scope="module")
def outputs() -> dict[str, list]:
    """Each cell's outputs, from one executed notebook."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in CELLS.values()])
    nbclient.NotebookClient(notebook, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    return {name: cell.outputs for name, cell in zip(CELLS, notebook.cells)}


def _images(cell_outputs) -> int:
    return sum("image/png" in output.get("data", {}) for output in cell_outputs)


def _result(cell_outputs) -> dict:
    (result,) = [o for o in cell_outputs if o.output_type == "execute_result"]
    return result["data"]


@pytest.mark.timeout(600)
def test_the_full_display_carries_everything(outputs):
    data = _result(outputs["full"])
    assert {"text/html", "text/latex", "text/markdown", "text/plain"} <= set(data)
    page = data["text/html"]
    for heading in ("Computation graph", "Local derivatives", "Paths from", "Backpropagation", "Result",
                    "Values and gradients at the point", "Check against SymPy", "Why the decomposed way is simpler"):
        assert heading in page, heading
    assert "agrees with SymPy" in page and "symgrad-symbolic" in page
    assert "<table>" in page and "<td>w: value, gradient</td>" in page and "0.5, 0.5" in page
    assert "<svg" in page and page.count("<svg") == 1
    assert "$$\\begin{aligned}" in page
    assert data["text/plain"].startswith("<Explanation df/dw")


@pytest.mark.timeout(600)
def test_figures_show_themselves_exactly_once(outputs):
    assert _images(outputs["plot"]) == 1
    assert _images(outputs["ax"]) == 1
    assert _images(outputs["network figure"]) == 1
    assert _images(outputs["figure"]) == 1


@pytest.mark.timeout(600)
def test_parts_and_python_values(outputs):
    result = _result(outputs["result"])["text/html"]
    assert "Result" in result and "Local derivatives" not in result and "<svg" not in result
    assert _result(outputs["gradient"])["text/plain"] == "0.5"


@pytest.mark.timeout(600)
def test_the_network_display_is_bounded(outputs):
    data = _result(outputs["network"])
    assert len(data["text/html"]) < 200_000 and len(data["text/latex"]) < MAX_MATH + 10_000
    assert "too many to draw here" in data["text/html"]


def test_a_mismatch_is_impossible_to_miss():
    e = explain("x*sin(x)", "x")
    e.__dict__["check"] = Check("mismatch", None, reason="a test of the display")
    page = mimebundle(e, figure=False)["text/html"]
    banner = page.splitlines()[2]
    assert "symgrad-mismatch" in banner and "MISMATCH" in banner and "font-weight:bold" in banner
    assert "DISAGREES" in page


def test_show_refuses_an_unknown_part():
    from symgrad import OptionError

    with pytest.raises(OptionError, match="part must be one of full, result, figure"):
        explain("x*x", "x").show("everything")
    assert isinstance(explain("x*x", "x").show("result"), View)


# --- the math, rendered by KaTeX ------------------------------------------------------------


def _katex() -> Path | None:
    found = os.environ.get("SYMGRAD_KATEX") or str(ROOT / ".ci" / "node" / "node_modules" / "katex")
    if shutil.which("node") and Path(found, "package.json").exists():
        return Path(found).resolve()
    if os.environ.get("CI") == "true":
        pytest.fail("KaTeX is needed in CI: .ci/run installs it (SYMGRAD_KATEX)")
    pytest.skip("KaTeX not installed (mkdir -p .ci/node && cd .ci/node && npm install katex@0.16)")


_RENDER = """
const katex = require(process.argv[1]);
const items = JSON.parse(require("fs").readFileSync(0, "utf8"));
const errors = [];
for (const [tex, display] of items) {
  try { katex.renderToString(tex, {displayMode: display, throwOnError: true, strict: "ignore"}); }
  catch (e) { errors.push([tex.slice(0, 120), String(e.message).slice(0, 200)]); }
}
console.log(JSON.stringify(errors));
"""


def _math(text: str) -> list[tuple[str, bool]]:
    """The ``$$...$$`` and ``$...$`` pieces of `text` (HTML unescaped, SVG left out)."""
    text = html.unescape(re.sub(r"<svg.*?</svg>", "", text, flags=re.S))
    display = re.findall(r"\$\$(.+?)\$\$", text, flags=re.S)
    rest = re.sub(r"\$\$(.+?)\$\$", "", text, flags=re.S)
    inline = re.findall(r"(?<!\\)\$(.+?)(?<!\\)\$", rest, flags=re.S)
    return [(m, True) for m in display] + [(m, False) for m in inline]


def _katex_errors(katex: Path, pieces: list[tuple[str, bool]]) -> list:
    done = subprocess.run(["node", "-e", _RENDER, str(katex / "dist" / "katex.js")],
                          input=json.dumps(pieces), capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout)


@pytest.mark.timeout(600)
def test_katex_renders_every_piece_of_math(outputs):
    katex = _katex()
    for name in ("full", "result", "network"):
        data = _result(outputs[name])
        pieces = _math(data["text/html"]) + _math(data["text/markdown"]) + _math(data["text/latex"])
        assert len(pieces) > 5
        assert _katex_errors(katex, pieces) == [], name
