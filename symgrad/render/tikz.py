"""The computation graph as TikZ code for a Beamer frame, one overlay per chain-rule path.

The same left-to-right layout as the matplotlib figures (:mod:`symgrad.layout`),
written as a ``tikzpicture`` that takes the document's own fonts. Overlay k
(``\\only<k>``) highlights path k in its palette colour and shows its
product, so one frame steps through the paths; the last overlay shows them
all with the sum. Needs ``\\usepackage{tikz}`` (Beamer loads it) and
``\\usetikzlibrary{arrows.meta}``. No matplotlib here.

Examples
--------
>>> import symgrad
>>> code = to_tikz(symgrad.explain("x*sin(x)", "x"))
>>> code.count("path 1 of 2"), code.count("path 2 of 2"), code.count(r"\\only<3>")
(1, 1, 1)
"""

from __future__ import annotations

from ..graph import edge as edge_info
from ..graph import node, order, output_node
from ..i18n import gettext as _
from ..i18n import latex_language_preamble
from ..layout import layered_layout
from ..palette import PALETTE
from .printers import name_to_latex, to_latex

__all__ = ["to_tikz", "PREAMBLE"]

#: What the document needs in its preamble.
PREAMBLE = "\\usepackage{tikz}\n\\usetikzlibrary{arrows.meta}"
#: Frame size the picture fits into (cm): a 16:9 Beamer frame's text area, below a title.
FIT = (13.0, 6.0)


def _node_id(node: str) -> str:
    return "n-" + "".join(c if c.isalnum() else "-" for c in node)


def _point(item, layout, scale) -> str:
    x, y = layout.positions[item]
    return f"({x * scale[0]:.3f},{-y * scale[1]:.3f})"


def _scale(layout) -> tuple[float, float]:
    return (min(2.6, FIT[0] / max(layout.width - 1, 1)), min(1.4, FIT[1] / max(layout.height - 1, 1)))


def _nodes(graph, layout, scale) -> list[str]:
    lines = []
    output = output_node(graph)
    for name in order(graph):
        record = node(graph, name)
        if record.is_constant:
            style, text = "sgconst", to_latex(record.symbol)
        elif record.is_input:
            style, text = "sginput", name_to_latex(name)
        else:
            style, text = ("sgoutput" if name == output else "sgop"), name_to_latex(name)
        below = ""
        if record.is_operation:
            below = f", label={{[sgdef]below:${to_latex(record.definition)}$}}"
        lines.append(f"  \\node[{style}{below}] ({_node_id(name)}) at {_point(name, layout, scale)} {{${text}$}};")
    return lines


def _route(graph, layout, scale, edge, label: str = "") -> str:
    """TikZ path of `edge` through its waypoints, rounded (kink-free); `label` sits on its last leg."""
    source, target, key = edge
    parts = [f"({_node_id(source)})"] + [_point(w, layout, scale) for w in layout.routes[edge]]
    last = f"({_node_id(target)})"
    keys = sorted(graph[source][target])
    if len(keys) > 1:
        bend = "left" if keys.index(key) % 2 == 0 else "right"
        return f"{parts[0]} to[bend {bend}=18] {label} {last}"
    return " -- ".join(parts) + f" -- {label} {last}"


def _edges(graph, layout, scale) -> list[str]:
    return [f"  \\draw[sgedge] {_route(graph, layout, scale, edge)};" for edge in graph.edges(keys=True)]


def _edge_labels(graph, layout, scale) -> list[str]:
    """Each edge's local derivative on its last leg, drawn over the highlighted paths."""
    lines = []
    for edge in graph.edges(keys=True):
        label = to_latex(edge_info(graph, *edge).local_derivative)
        lines.append(f"  \\path[sglabelpath] {_route(graph, layout, scale, edge, f'node[sglabel] {{${label}$}}')};")
    return lines


def _path_overlays(explanation, layout, scale) -> list[str]:
    graph = explanation.graph
    paths = explanation.listed_paths[: len(PALETTE)]
    lines = []
    bottom = -(layout.height - 0.5) * scale[1] - 0.9
    for index, path in enumerate(paths):
        slide = index + 1
        colour = f"sgpath{index}"
        for edge in path.edges:
            lines.append(f"  \\only<{slide},{len(paths) + 1}>{{\\draw[sgpath, {colour}] {_route(graph, layout, scale, edge)};}}")
        product = to_latex(path.product)
        lines.append(f"  \\only<{slide}>{{\\node[sgcaption, text={colour}] at (0,{bottom:.3f}) "
                     "{" + _("path {number} of {count}: {product}").format(
                         number=slide, count=explanation.path_count, product=f"${product}$") + "};}")
    total = to_latex(explanation.derivative)
    lines.append(f"  \\only<{len(paths) + 1}>{{\\node[sgcaption] at (0,{bottom:.3f}) "
                 "{" + _("sum: {derivative}").format(
                     derivative=f"$\\frac{{\\partial {name_to_latex(explanation.output)}}}"
                                f"{{\\partial {name_to_latex(explanation.wrt)}}} = {total}$") + "};}")
    return lines


def _styles(count: int) -> list[str]:
    colours = [f"\\definecolor{{sgpath{i}}}{{HTML}}{{{PALETTE[i][1:]}}}" for i in range(count)]
    return colours + [
        "\\tikzset{",
        "  sgnode/.style={draw, thick, minimum size=9mm, inner sep=1pt},",
        "  sgop/.style={sgnode, circle, draw=blue!60!black, fill=blue!6},",
        "  sgoutput/.style={sgnode, circle, very thick, draw=green!45!black, fill=green!8},",
        "  sginput/.style={sgnode, rounded corners=2mm, draw=orange!70!black, fill=orange!10},",
        "  sgconst/.style={sgnode, rounded corners=2mm, draw=gray, fill=gray!8, minimum size=7mm},",
        "  sgdef/.style={font=\\scriptsize, text=gray!70!black, inner sep=1pt},",
        "  sgedge/.style={-{Stealth[length=2mm]}, gray, rounded corners=4mm},",
        "  sglabel/.style={font=\\scriptsize, fill=white, fill opacity=0.85, text opacity=1, inner sep=1pt},",
        "  sglabelpath/.style={rounded corners=4mm},",
        "  sgpath/.style={-{Stealth[length=2.5mm]}, line width=2pt, rounded corners=4mm, opacity=0.85},",
        "  sgcaption/.style={anchor=west, font=\\small},",
        "}",
    ]


def to_tikz(explanation_or_graph) -> str:
    """A ``tikzpicture`` of the graph; with an explanation, one overlay per listed path.

    Parameters
    ----------
    explanation_or_graph : Explanation or networkx.MultiDiGraph

    Returns
    -------
    str
        Colour definitions, styles and the picture, to ``\\input`` inside a
        Beamer frame (or any document with :data:`PREAMBLE`; overlays then
        need Beamer).
    """
    explanation = explanation_or_graph if hasattr(explanation_or_graph, "listed_paths") else None
    graph = explanation.graph if explanation is not None else explanation_or_graph
    layout = layered_layout(graph)
    scale = _scale(layout)
    count = min(len(explanation.listed_paths), len(PALETTE)) if explanation is not None else 0
    lines = ["% Generated by symgrad; needs " + PREAMBLE.replace("\n", " ")]
    lines += _styles(count)
    lines.append("\\begin{tikzpicture}")
    lines += _nodes(graph, layout, scale)
    lines += _edges(graph, layout, scale)
    if explanation is not None:
        lines += _path_overlays(explanation, layout, scale)
    lines += _edge_labels(graph, layout, scale)
    lines.append("\\end{tikzpicture}")
    return "\n".join(lines) + "\n"


def beamer_document(tikz: str, title: str | None = None) -> str:
    """A complete Beamer document with one frame holding `tikz` (for checking it compiles)."""
    title = title if title is not None else _("The computation graph")
    language = "".join(line + "\n" for line in latex_language_preamble())
    return ("\\documentclass[aspectratio=169]{beamer}\n" + language + PREAMBLE + "\n\\begin{document}\n"
            f"\\begin{{frame}}{{{title}}}\n\\centering\n{tikz}\\end{{frame}}\n\\end{{document}}\n")
