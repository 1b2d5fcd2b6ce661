"""The computation graph as TikZ code for a Beamer frame, one overlay per chain-rule path.

The same left-to-right layout as the matplotlib figures (:mod:`symgrad.layout`),
written as a ``tikzpicture`` that takes the document's own fonts. Overlay k
(``\\only<k>``) highlights path k in its palette colour and shows its
product, so one frame steps through the paths; the last overlay shows them
all with the sum. A graph too large for a frame is drawn as the figures draw
it (:func:`symgrad.collapse.fitting_view`): the nodes on the paths by name,
the others in dashed groups ("42 inputs"), the middle of a long path as one
dashed node named by its ends. Needs ``\\usepackage{tikz}`` (Beamer loads it) and
``\\usetikzlibrary{arrows.meta}``. No matplotlib here.

Examples
--------
>>> import symgrad
>>> code = to_tikz(symgrad.explain("x*sin(x)", "x"))
>>> code.count("path 1 of 2"), code.count("path 2 of 2"), code.count(r"\\only<3>")
(1, 1, 1)
"""

from __future__ import annotations

from ..collapse import GraphView, fitting_view, group_caption
from ..exprtools import tree_size_exceeds
from ..graph import edge as edge_info
from ..graph import node, output_node, short_local_derivative
from ..i18n import gettext as _
from ..i18n import latex_language_preamble, ngettext
from ..layout import layered_layout, layout_size
from ..palette import PALETTE
from ..verify import format_count
from .printers import escape_latex_text, name_to_latex, to_latex, to_unicode

__all__ = ["to_tikz", "PREAMBLE"]

#: What the document needs in its preamble.
PREAMBLE = "\\usepackage{tikz}\n\\usetikzlibrary{arrows.meta}"
#: Frame size the picture fits into (cm): a 16:9 Beamer frame's text area, below a title.
FIT = (13.0, 4.6)
#: Least distance (cm) between two columns and two rows of nodes (9 mm across, a definition below).
MIN_SPACING = (1.5, 1.1)
#: A caption's formula longer than this (characters of LaTeX) is left out: it would not fit the frame.
MAX_CAPTION = 400


def _node_id(node: str) -> str:
    return "n-" + "".join(c if c.isalnum() else "-" for c in node)


def _point(item, layout, scale) -> str:
    x, y = layout.positions[item]
    return f"({x * scale[0]:.3f},{-y * scale[1]:.3f})"


def _scale(layout) -> tuple[float, float]:
    return (min(2.6, FIT[0] / max(layout.width - 1, 1)), min(1.4, FIT[1] / max(layout.height - 1, 1)))


def _nodes(view: GraphView, layout, scale) -> list[str]:
    graph = view.graph
    lines = []
    output = output_node(graph)
    for name in view.order:
        if view.is_group(name):
            lines.append(_group_node(view.groups[name], name, layout, scale))
            continue
        record = node(graph, name)
        if record.is_constant:
            style, text = "sgconst", to_latex(record.symbol)
        elif record.is_input:
            style, text = "sginput", name_to_latex(name)
        else:
            style, text = ("sgoutput" if name == output else "sgop"), name_to_latex(name)
        below = ""
        if record.is_operation and not any(s.name in view.group_of for s in record.definition.free_symbols):
            below = f", label={{[sgdef]below:${to_latex(record.definition)}$}}"
        lines.append(f"  \\node[{style}{below}] ({_node_id(name)}) at {_point(name, layout, scale)} {{${text}$}};")
    return lines


def _group_node(group, name: str, layout, scale) -> str:
    """A dashed node for a group: "42 inputs", or a run's ends on the path (u₃ … u₇₄)."""
    if group.kind == "run":
        first, last = (name_to_latex(end) for end in group.ends)
        style, text = "sgrun", f"${first}$\\\\$\\vdots$\\\\${last}$"
    else:
        count, kind = group_caption(group).split(" ", 1)
        style, text = "sggroup", f"{escape_latex_text(count)}\\\\{escape_latex_text(kind)}"
    return f"  \\node[{style}] ({_node_id(name)}) at {_point(name, layout, scale)} {{{text}}};"


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


def _edges(view: GraphView, layout, scale) -> list[str]:
    grouped = view.group_edges()
    return [f"  \\draw[{'sggroupedge' if edge in grouped else 'sgedge'}] {_route(view.dag, layout, scale, edge)};"
            for edge in view.dag.edges(keys=True)]


def _edge_labels(view: GraphView, layout, scale) -> list[str]:
    """Each edge's local derivative on its last leg, drawn over the highlighted paths.

    The full derivative when it fits between the edge's nodes, else its
    node-symbol form (u₃(1 − u₃)), else its Leibniz symbol (∂u₃/∂u₂); a form
    written in a node drawn inside a group is skipped (its node is not on the
    picture). An edge with no room even for the symbol has no label.
    """
    graph, lines = view.graph, []
    for edge in view.real_edges():
        label = _edge_label(view, edge, _room(layout, scale, edge))
        if label is not None:
            route = _route(graph, layout, scale, edge, f"node[sglabel] {{${label}$}}")
            lines.append(f"  \\path[sglabelpath] {route};")
    return lines


#: Rough width (cm) of a character of a \\scriptsize label, and a node's width (cm).
LABEL_CHARACTER, NODE_WIDTH = 0.13, 0.9


def _room(layout, scale, edge) -> float:
    """Width (cm) free for a label on the last leg of `edge`, between the nodes or waypoints at its ends."""
    source, target, _key = edge
    start = layout.routes[edge][-1] if layout.routes.get(edge) else source
    span = abs(layout.positions[target][0] - layout.positions[start][0]) * scale[0]
    return span - NODE_WIDTH * (1.0 if start == source else 0.5)


def _edge_label(view: GraphView, edge, room: float) -> str | None:
    """The most informative label of `edge` that fits in `room` cm and names only nodes on the picture."""
    graph = view.graph
    source, target, key = edge
    forms = [edge_info(graph, *edge).local_derivative, short_local_derivative(graph, *edge)]
    for form in forms:
        hidden = any(s.name in view.group_of for s in form.free_symbols)
        if not hidden and len(to_unicode(form)) * LABEL_CHARACTER <= room:
            return to_latex(form)
    leibniz = f"\\partial {name_to_latex(target)}/\\partial {name_to_latex(source)}"
    width = (len(to_unicode(node(graph, target).symbol)) + len(to_unicode(node(graph, source).symbol)) + 3)
    return leibniz if width * LABEL_CHARACTER <= room else None


def _path_overlays(explanation, view: GraphView, layout, scale) -> list[str]:
    """One overlay per listed path the picture shows (its number and colour from the listing), then the sum."""
    shown = [(index, view.drawn_edges(path.edges), path)
             for index, path in enumerate(explanation.listed_paths[: len(PALETTE)])]
    shown = [(index, edges, path) for index, edges, path in shown if edges is not None]
    lines = []
    bottom = -(layout.height - 0.5) * scale[1] - 0.9
    last = len(shown) + 1
    for slide, (index, edges, path) in enumerate(shown, start=1):
        colour = f"sgpath{index}"
        for edge in edges:
            lines.append(f"  \\only<{slide},{last}>{{\\draw[sgpath, {colour}] {_route(view.dag, layout, scale, edge)};}}")
        lines.append(f"  \\only<{slide}>{{\\node[sgcaption, text={colour}] at (0,{bottom:.3f}) "
                     "{" + _("path {number} of {count}: {product}").format(
                         number=index + 1, count=format_count(explanation.path_count),
                         product=_caption_formula(path.product, len(path.edges))) + "};}")
    formula = _short_latex(explanation.derivative)
    derivative = (f"$\\frac{{\\partial {name_to_latex(explanation.output)}}}"
                  f"{{\\partial {name_to_latex(explanation.wrt)}}} = {formula}$")
    if formula is None:
        derivative = escape_latex_text(ngettext("the sum over {count} path", "the sum over {count} paths",
                                         explanation.path_count).format(count=format_count(explanation.path_count)))
    lines.append(f"  \\only<{last}>{{\\node[sgcaption] at (0,{bottom:.3f}) "
                 "{" + _("sum: {derivative}").format(derivative=derivative) + "};}")
    return lines


def _short_latex(expr) -> str | None:
    """`expr` in LaTeX if that has at most :data:`MAX_CAPTION` characters, else None.

    Its size is measured first, without printing it: a derivative written out
    in the inputs can be exponentially long (the nested family's).
    """
    if tree_size_exceeds(expr, MAX_CAPTION // 2):
        return None
    latex = to_latex(expr)
    return latex if len(latex) <= MAX_CAPTION else None


def _caption_formula(product, edges: int) -> str:
    """A path's product in math mode, or what it is when too long for a caption."""
    latex = _short_latex(product)
    if latex is not None:
        return f"${latex}$"
    return escape_latex_text(ngettext("the product of the local derivative of its {count} edge",
                               "the product of the local derivatives of its {count} edges", edges).format(count=edges))


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
        f"  sgcaption/.style={{anchor=north west, font=\\small, text width={FIT[0]:g}cm, align=left}},",
        "  sggroup/.style={sgnode, rounded corners=2mm, dashed, draw=gray, fill=gray!8, text=gray!70!black,"
        " font=\\scriptsize, align=center},",
        "  sgrun/.style={sgnode, circle, dashed, draw=blue!60!black, fill=blue!6, font=\\scriptsize,"
        " align=center, inner sep=0pt},",
        "  sggroupedge/.style={-{Stealth[length=1.5mm]}, gray!60},",
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
    paths = explanation.listed_paths[: len(PALETTE)] if explanation is not None else []
    view = fitting_view(graph, paths, _fits_frame, wrt=None if explanation is None else explanation.wrt,
                        cites=_caption_symbols)
    layout = layered_layout(view.dag, node_order=view.order, direct=view.group_edges())
    scale = _scale(layout)
    count = len(paths)
    lines = ["% Generated by symgrad; needs " + PREAMBLE.replace("\n", " ")]
    lines += _styles(count)
    lines.append("\\begin{tikzpicture}")
    lines += _nodes(view, layout, scale)
    lines += _edges(view, layout, scale)
    if explanation is not None:
        lines += _path_overlays(explanation, view, layout, scale)
    lines += _edge_labels(view, layout, scale)
    lines.append("\\end{tikzpicture}")
    return "\n".join(lines) + "\n"


def _caption_symbols(path) -> set:
    """The nodes a path's caption names: those of its product, when the caption shows it."""
    return {s.name for s in path.product.free_symbols} if _short_latex(path.product) is not None else set()


def _fits_frame(view: GraphView) -> bool:
    """Whether `view`'s layout has columns and rows at least :data:`MIN_SPACING` apart in :data:`FIT`."""
    width, height = layout_size(view.dag, view.group_edges())
    return FIT[0] / max(width - 1, 1) >= MIN_SPACING[0] and FIT[1] / max(height - 1, 1) >= MIN_SPACING[1]


def beamer_document(tikz: str, title: str | None = None) -> str:
    """A complete Beamer document with one frame holding `tikz` (for checking it compiles)."""
    title = title if title is not None else _("The computation graph")
    language = "".join(line + "\n" for line in latex_language_preamble())
    return ("\\documentclass[aspectratio=169]{beamer}\n" + language + PREAMBLE + "\n\\begin{document}\n"
            f"\\begin{{frame}}{{{title}}}\n\\centering\n{tikz}\\end{{frame}}\n\\end{{document}}\n")
