"""Slide figures of the computation graph, drawn with matplotlib.

It imports matplotlib (as do :mod:`symgrad.nn.figure` and
:mod:`symgrad.animate`, which draw with it), and :mod:`symgrad` imports it
only when a figure is asked for. It reads a finished graph (and, for a
derivative, an :class:`~symgrad.Explanation`) and draws it left to right:
inputs in the first column, the output in the last, one column per layer
(:mod:`symgrad.layout`). Labels use matplotlib's mathtext, so no TeX is
needed; ``usetex=True`` uses a real LaTeX installation instead.

Examples
--------
>>> import symgrad
>>> from symgrad.plot import plot
>>> fig = plot(symgrad.explain("x*sin(x)", "x"))
>>> len(fig.symgrad_highlighted)
2
"""

from __future__ import annotations

import itertools
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import matplotlib.colors
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.mathtext import MathTextParser
from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from .collapse import GraphView, fitting_view, group_caption
from .deadline import checkpoint
from .exprtools import tree_size_exceeds
from .errors import OptionError, SymgradWarning
from .figure import ShownFigure
from .graph import edge as edge_info
from .graph import node, order, output_node, short_local_derivative
from .i18n import gettext as _
from .i18n import ngettext
from .layout import layered_layout, layout_size
from .palette import PALETTE, path_colour
from .render.printers import LATEX, name_to_latex, to_latex, to_unicode, user_name
from .verify import format_count

__all__ = ["plot", "save_figure", "write_frames", "frame_options", "path_colour", "PALETTE", "THEMES", "FORMATS"]

FORMATS = ("png", "svg", "pdf")
SLIDE_SIZE = (13.333, 7.5)  # inches, 16:9
#: Above this many nodes, edges carry no derivative labels (there is no room).
EDGE_LABEL_NODE_LIMIT = 40
#: Smallest font size (points) at which node labels are still drawn.
MIN_FONT = 6.0
#: Most nodes drawn in one figure, after the nodes off the highlighted paths are grouped
#: (:mod:`symgrad.collapse`); a 2 125-node figure drawn in full took 30 s. TikZ (.tex) has no limit.
MAX_FIGURE_NODES = 1000
#: Most nodes drawn in slide frames (a dozen figures, after grouping as for one figure).
MAX_FRAME_NODES = 150
#: Largest raster image written: width x height in pixels (--dpi x the size in inches).
MAX_FIGURE_PIXELS = 40_000_000

THEMES = {
    "light": dict(background="#FFFFFF", text="#1A1A1A", edge="#7A7A7A", operation="#EAF1FB",
                  operation_edge="#3A6EA5", input="#FFF4E0", input_edge="#B8860B", constant="#F0F0F0",
                  constant_edge="#A0A0A0", output="#DDF3E4", output_edge="#1B7F3B", muted="#8A8A8A"),
    "dark": dict(background="#16181D", text="#F2F2F2", edge="#9AA0A6", operation="#24354D",
                 operation_edge="#8AB4F8", input="#4A3A14", input_edge="#F2C14E", constant="#2B2B2B",
                 constant_edge="#777777", output="#1E4029", output_edge="#7BD88F", muted="#9A9A9A"),
}

_MATHTEXT = MathTextParser("path")


# --- labels ----------------------------------------------------------------------


def _mathtext(latex: str, fallback: str) -> str:
    """``$latex$`` if matplotlib's mathtext can typeset it, else the plain fallback."""
    text = f"${latex}$"
    try:
        _MATHTEXT.parse(text)
    except (ValueError, RuntimeError):
        return fallback.replace("$", "")
    return text


def _op_label(graph, name: str) -> str:
    record = node(graph, name)
    op, params = record.op, record.params
    if op == "add" and any(sign < 0 for sign in params):
        return "$-$"
    if op == "mul" and any(e < 0 for e in params):
        return r"$\times/\div$"
    if op == "pow":
        return _mathtext(rf"(\cdot)^{{{to_latex(params)}}}", f"^{params}")
    if op in ("function", "other"):
        function = user_name(params)
        return _mathtext(name_to_latex(function), function)
    return f"${LATEX.operation_symbol(op)}$"


def _node_lines(view: GraphView, name: str, values=None, gradients: bool = True) -> list[str]:
    if view.is_group(name):
        return _group_lines(view.groups[name])
    record = node(view.graph, name)
    if record.is_constant:
        lines = [_mathtext(to_latex(record.symbol), str(record.symbol))]
    elif record.is_input:
        lines = [f"${name_to_latex(name)}$"]
    else:
        lines = [f"${name_to_latex(name)}$", _op_label(view.graph, name)]
    if values is not None:
        lines.append(f"{short_number(values.values[name])}")
        if gradients:
            lines.append(rf"$\nabla$ {short_number(values.gradients[name])}")
    return lines


def _group_lines(group) -> list[str]:
    """A group's label in two lines: its size, then what it holds ("42" / "inputs").

    A run of a path: its ends on the path, one above the other ("u₃" / "…" / "u₆₈");
    the notes say how many nodes it holds.
    """
    if group.kind == "run":
        first, last = (f"${name_to_latex(end)}$" for end in group.ends)
        return [first, "\u2026", last]
    return group_caption(group).split(" ", 1)


def short_number(number) -> str:
    """A number for a figure: four significant digits, or two and an exponent.

    Examples
    --------
    >>> short_number(0.123456), short_number(-2), short_number(1.5e-7), short_number(0)
    ('0.1235', '−2', '1.50e−07', '0')
    """
    value = float(number)
    if value == 0:
        return "0"
    text = f"{value:.4g}" if 1e-3 <= abs(value) < 1e4 else f"{value:.2e}"
    return text.replace("-", "\u2212")  # a true minus sign: a hyphen beside an arrow reads as part of it



# --- geometry --------------------------------------------------------------------


@dataclass
class _Frame:
    """Scale of the drawing: points per layout unit and the node size."""

    points_x: float
    points_y: float
    diameter: float  # points
    font: float  # points

    def size(self, scale: float = 1.0) -> tuple[float, float]:
        return self.diameter * scale / self.points_x, self.diameter * scale / self.points_y


#: Height of a line of the legend or the notes under a figure, in points (1.75 x the 18 pt font).
LEGEND_LINE_POINTS = 1.75 * 18


def _axes_box(legend_lines: int, has_title: bool, fig_height: float = 7.5) -> list[float]:
    """The drawing's box in figure fractions, above `legend_lines` lines of legend and notes.

    A line of the legend at its largest font (18 pt) takes 1.75 x 18 pt, as in :func:`_reserved`.
    """
    bottom = min(0.45, 0.02 + (legend_lines * LEGEND_LINE_POINTS + 8) / (fig_height * 72)) if legend_lines else 0.04
    top = 0.90 if has_title else 0.97
    return [0.02, bottom, 0.96, top - bottom]


def _frame(fig: Figure, ax, size: tuple[int, int], max_lines: int, max_chars: int, reserved: float = 0.0) -> _Frame:
    """The scale of a drawing of `size` (columns, rows) in `ax`, and its node font."""
    bbox = ax.get_position()
    width_pts = bbox.width * fig.get_figwidth() * 72
    height_pts = bbox.height * fig.get_figheight() * 72 * (1 - reserved)
    points_x = width_pts / max(size[0], 1)
    points_y = height_pts / max(size[1], 1)
    diameter = min(0.62 * points_x, 0.72 * points_y, 110.0)
    font = min(20.0, diameter / (1.25 * max_lines + 0.3), 1.9 * diameter / max(max_chars, 1))
    return _Frame(points_x, points_y, diameter, font)


# --- drawing ----------------------------------------------------------------------


def plot(
    explanation_or_graph,
    *,
    ax=None,
    highlight: bool = True,
    max_paths: int | None = None,
    edge_labels: bool | None = None,
    values=None,
    theme: str | None = None,
    usetex: bool = False,
    title: str | None = None,
    caption: str | None = None,
    paths: Sequence | None = None,
    figsize: tuple[float, float] = SLIDE_SIZE,
    gradients: bool = True,
    pyplot: bool = True,
    backward: bool = False,
    reuse=None,
):
    """Draw the computation graph, with the chain-rule paths highlighted.

    Parameters
    ----------
    explanation_or_graph : Explanation or networkx.MultiDiGraph
        With an explanation, its listed paths are highlighted, each in its own
        colour, with a legend of their chain-rule products.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new 16:9 figure; the legend, title,
        caption and notes stay inside it, and it is returned.
    highlight : bool
        Highlight the paths (explanations only).
    max_paths : int, optional
        Highlight at most this many paths (default: the explanation's listing,
        at most 8, one per palette colour); the others are summarised.
    edge_labels : bool, optional
        Write each edge's local derivative on it; default: when the graph has
        at most 40 nodes. Labels that would collide are dropped, with a note.
    values : symgrad.point.PointValues, optional
        Write each node's value and gradient (adjoint) under its name.
    theme : {"light", "dark"}, optional
        Default: the one that suits the active matplotlib style's background
        (``plt.style.use("dark_background")`` gives "dark").
    usetex : bool
        Typeset labels with a real LaTeX installation (``text.usetex``).
    title, caption : str, optional
        Text above the graph and below it.
    paths : sequence of ChainPath, optional
        Highlight exactly these paths. A path keeps its number and colour from
        the explanation's listing (path k is ``PALETTE[k - 1]``) whichever
        subset is drawn.
    gradients : bool
        With `values`, write the gradients too (False: the forward pass only).
    backward : bool
        Draw the backward pass, CS231n style: on each wire, the value flowing
        forward above it (green, →) and the gradient flowing back below it
        (vermillion, ←): the gradient at the wire's head times the local
        derivative. Without `values`, in symbols: ``f̄·u₃(1 − u₃)``.
    pyplot : bool
        Without `ax`, create the figure through ``matplotlib.pyplot`` (so that
        notebooks show it and ``plt.savefig`` works); False gives a bare
        ``Figure`` with an Agg canvas, known to no GUI.
    reuse : Figure or Axes, optional
        What an earlier call for the same graph returned: its nodes and their
        places are drawn again (no new layout), so that a sequence of slides
        agrees and is drawn fast.

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.axes.Axes
        The new figure, or `ax` when given (its figure is ``ax.figure``).
        Attributes ``symgrad_highlighted`` (the highlighted paths),
        ``symgrad_path_numbers`` (their numbers in the listing, from 1) and
        ``symgrad_notes`` (what was left out) tell what was drawn;
        ``symgrad_view`` (:class:`~symgrad.collapse.GraphView`) and
        ``symgrad_layout`` say which nodes were drawn where.

    Notes
    -----
    When the graph has more nodes than can be labelled legibly, the nodes on
    the highlighted paths (and on every listed path, so that all frames
    agree), the variable and the output are drawn with their names, and the
    others are grouped: the other inputs as one node ("42 inputs"), the other
    constants as one, the other operations as one node per stretch of
    columns between the kept nodes (:mod:`symgrad.collapse`). Paths too long
    to label keep two named nodes at each end of a long run and draw its
    middle as one dashed node (u₃ … u₇₄); the legend writes its factors as
    "…". A graph whose drawn nodes are still more than
    :data:`MAX_FIGURE_NODES` is refused.
    """
    theme = _active_theme() if theme is None else theme
    if theme not in THEMES:
        raise OptionError(_("theme must be one of {themes}, got {theme!r}").format(themes=", ".join(THEMES), theme=theme))
    colours = THEMES[theme]
    explanation = None if _is_graph(explanation_or_graph) else explanation_or_graph
    graph = explanation_or_graph if explanation is None else explanation.graph
    chosen = _chosen_paths(explanation, highlight, max_paths, paths)
    notes: list[str] = []
    given_axes = ax is not None
    more = explanation is not None and highlight and paths is None and len(chosen) < explanation.path_count
    text_lines = len(chosen) + bool(caption) + bool(more)
    # outside rc_context: pyplot's first figure loads the backend, which may turn interactive mode on
    fig, ax = _figure_and_axes(ax, figsize, colours, text_lines, bool(title), pyplot)
    with matplotlib.rc_context(_RC | {"text.usetex": usetex}):
        host = ax if given_axes else fig
        reserve = _reserved(ax, text_lines, bool(title)) if given_axes else (0.0, 0.0)
        def lines_of(view):
            output = output_node(graph)
            return {n: _node_lines(view, n, None if backward and n != output else values, gradients)
                    for n in view.order}

        if reuse is None:
            view, layout = _view_and_layout(fig, ax, explanation, graph, chosen, lines_of, sum(reserve))
        else:
            view, layout = reuse.symgrad_view, reuse.symgrad_layout
        drawn = [p for p in chosen if view.drawn_edges(p.edges) is not None]  # a large graph: fewer
        if explanation is not None and highlight and (paths is None or len(drawn) < len(chosen)):
            hidden = (explanation.path_count if paths is None else len(chosen)) - len(drawn)
            if hidden:
                notes.append(ngettext("{count} more path not drawn", "{count} more paths not drawn",
                                      hidden).format(count=format_count(hidden)))
        if len(drawn) < len(chosen):  # the legend is shorter: the graph gets its room
            chosen, text_lines = drawn, len(drawn) + bool(caption) + bool(notes)
            if given_axes:
                reserve = _reserved(ax, text_lines, bool(title))
            else:
                ax.set_position(_axes_box(text_lines, bool(title), fig.get_figheight()))
        labels = lines_of(view)
        named = [v for n, v in labels.items() if not view.is_group(n)]  # a group's label fits its own box
        frame = _frame(fig, ax, (layout.width, layout.height), max(len(v) for v in labels.values()),
                       max(_visible_length(line) for v in named for line in v), sum(reserve))
        _set_limits(ax, layout, reserve)
        notes.extend(_grouping_notes(view))
        patches = _draw_nodes(ax, view, layout, labels, frame, colours, notes)
        _draw_edges(ax, view, layout, patches, frame, colours)
        numbers = [_path_number(explanation, path, i) for i, path in enumerate(chosen)]
        _draw_paths(ax, view, layout, patches, frame, chosen, numbers)
        drawn_nodes = view.dag.number_of_nodes()
        show_labels = edge_labels if edge_labels is not None else drawn_nodes <= EDGE_LABEL_NODE_LIMIT
        if backward:
            paths = chosen or (explanation.listed_paths if explanation is not None else [])
            _draw_wire_flows(fig, ax, view, patches, frame, colours, notes, values,
                             {edge for path in paths for edge in path.edges})
            notes.insert(0, _("above each wire: the value flowing forward \u2192;  below: the gradient flowing back \u2190"))
        elif show_labels:
            _draw_edge_labels(fig, ax, view, layout, patches, frame, colours, notes, chosen, values)
        elif edge_labels is None and drawn_nodes > EDGE_LABEL_NODE_LIMIT:
            notes.append(_("edge labels omitted (too many nodes)"))
        above = _draw_texts(host, title, caption, notes, colours)
        _draw_legend(host, explanation, chosen, numbers, colours, frame, above, view)
    host.symgrad_highlighted = chosen
    host.symgrad_path_numbers = [n + 1 for n in numbers]
    host.symgrad_notes = notes
    host.symgrad_layout = layout
    host.symgrad_view = view
    return host


#: rcParams while drawing: mathtext in the text font, and a fallback list for SVG text.
_RC = {"mathtext.fontset": "dejavusans", "font.family": "sans-serif",
       "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial", "Liberation Sans"]}


def _view_and_layout(fig, ax, explanation, graph, chosen, lines_of, reserved: float):
    """The whole graph if every label fits legibly, else the nodes that matter and groups; and its layout.

    The chosen paths and the listed ones (every frame draws the same) are
    kept, as many as have room (:func:`symgrad.collapse.fitting_view`).
    """
    listed = [] if explanation is None else explanation.listed_paths[: len(PALETTE)]
    candidates = list({tuple(p.edges): p for p in list(chosen) + list(listed)}.values())

    def fits(view) -> bool:
        return _labels_fit(fig, ax, view, layout_size(view.dag, view.group_edges()), lines_of, reserved)

    view = fitting_view(graph, candidates, fits, wrt=None if explanation is None else explanation.wrt,
                        cites=_legend_symbols)
    _check_drawable(view)
    checkpoint()
    return view, layered_layout(view.dag, node_order=view.order, direct=view.group_edges())


def _legend_symbols(path) -> set:
    """The nodes a path's legend entry names in its product (when the product is short enough to show)."""
    return {s.name for s in path.product.free_symbols} if _shows_product(path) else set()


def _grouping_notes(view) -> list[str]:
    """What the groups of `view` hide: the nodes off the paths, and the middles of long runs of the paths."""
    on_runs = sum(len(g.members) for g in view.groups.values() if g.kind == "run")
    off = view.hidden_count() - on_runs  # a run's count includes the operations off the paths it holds
    notes = []
    if off:
        notes.append(ngettext("{count} node off the paths drawn in groups",
                              "{count} nodes off the paths drawn in groups", off).format(count=off))
    if len(view.runs()) == 1:
        notes.append(ngettext("{count} node along a long stretch of a path drawn as one group",
                              "{count} nodes along a long stretch of a path drawn as one group",
                              on_runs).format(count=on_runs))
    elif on_runs:
        notes.append(ngettext("{count} node along {runs} long stretches of the paths drawn as groups",
                              "{count} nodes along {runs} long stretches of the paths drawn as groups",
                              on_runs).format(count=on_runs, runs=len(view.runs())))
    return notes


def _labels_fit(fig, ax, view, size, lines_of, reserved: float) -> bool:
    """Whether a drawing of `size` (columns, rows) has room for its node labels at :data:`MIN_FONT`.

    The estimate with the shortest labels comes first, so that a large graph's
    labels are never computed only to learn that they do not fit.
    """
    if _frame(fig, ax, size, 2, 1, reserved).font < MIN_FONT:
        return False
    labels = lines_of(view)
    return _frame(fig, ax, size, max(len(v) for v in labels.values()),
                  max(_visible_length(line) for v in labels.values() for line in v), reserved).font >= MIN_FONT


def _check_drawable(view) -> None:
    """Refuse a figure too large to draw within a run's time budget, even with its nodes grouped."""
    nodes = view.dag.number_of_nodes()
    if nodes > MAX_FIGURE_NODES:
        raise OptionError(_("the figure would have {nodes} nodes even with the nodes off the paths grouped; "
                            "figures are drawn for at most {limit} (write a .tex figure, TikZ, instead)").format(
                                nodes=nodes, limit=MAX_FIGURE_NODES))


def _check_pixels(size: tuple[float, float], dpi: float) -> None:
    """Refuse a raster image of `size` inches of more than :data:`MAX_FIGURE_PIXELS` pixels, saying the largest dpi."""
    width, height = size
    pixels = width * height * dpi * dpi
    if pixels > MAX_FIGURE_PIXELS:
        largest = int((MAX_FIGURE_PIXELS / (width * height)) ** 0.5)
        raise OptionError(_("the image would have {millions:.0f} million pixels; at most {limit} million "
                            "are written (use --dpi {largest} or less)").format(
                                millions=pixels / 1e6, limit=MAX_FIGURE_PIXELS // 10**6, largest=largest))


def _active_theme() -> str:
    """"dark" when the active style's figure background is dark, else "light"."""
    red, green, blue, _ = matplotlib.colors.to_rgba(matplotlib.rcParams["figure.facecolor"])
    return "dark" if 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.5 else "light"


def _reserved(ax, text_lines: int, has_title: bool) -> tuple[float, float]:
    """Fractions of a given Axes kept free for the legend and notes (bottom) and the title (top)."""
    height = ax.get_position().height * ax.figure.get_figheight() * 72  # points
    bottom = min(0.6, (text_lines * LEGEND_LINE_POINTS + 8) / height) if text_lines else 0.0
    return bottom, min(0.2, 34 / height) if has_title else 0.0


def _is_graph(obj) -> bool:
    return hasattr(obj, "graph") and hasattr(obj, "nodes") and hasattr(obj, "edges")


def _chosen_paths(explanation, highlight: bool, max_paths: int | None, paths) -> list:
    if paths is not None:
        return list(paths)
    if explanation is None or not highlight:
        return []
    limit = len(PALETTE) if max_paths is None else min(max_paths, len(PALETTE))
    return explanation.listed_paths[:limit]


def _path_number(explanation, path, position: int) -> int:
    """The path's index in the explanation's listing (its number minus 1), else its position."""
    if explanation is not None:
        for index, listed in enumerate(explanation.listed_paths):
            if listed.edges == path.edges:
                return index
    return position


def _figure_and_axes(ax, figsize, colours, legend_lines: int, has_title: bool, pyplot: bool = True):
    if ax is not None:
        ax.set_axis_off()
        return ax.figure, ax
    if pyplot:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=figsize, facecolor=colours["background"], FigureClass=ShownFigure)
    else:
        fig = ShownFigure(figsize=figsize, facecolor=colours["background"])
        FigureCanvasAgg(fig)
    ax = fig.add_axes(_axes_box(legend_lines, has_title, fig.get_figheight()))
    ax.set_axis_off()
    ax.set_facecolor(colours["background"])
    return fig, ax


def _set_limits(ax, layout, reserve: tuple[float, float] = (0.0, 0.0)) -> None:
    """Fit the layout, leaving the `reserve` fractions (bottom, top) of the Axes free."""
    bottom, top = reserve
    span = layout.height / (1 - bottom - top)
    ax.set_xlim(-0.5, layout.width - 0.5)
    ax.set_ylim(layout.height - 0.5 + bottom * span, -0.5 - top * span)


def _visible_length(line: str) -> int:
    """Rough width of a label line in characters (mathtext commands count little)."""
    stripped = line.replace("$", "").replace("\\mathrm", "").replace("\\", "")
    return max(1, len(stripped.replace("{", "").replace("}", "").replace("_", "")))


def _draw_nodes(ax, view, layout, labels, frame, colours, notes) -> dict:
    """Draw each node (a group as a dashed box) with its label; return the patches by node."""
    patches = {}
    output = output_node(view.graph)
    labelled = frame.font >= MIN_FONT
    if not labelled:
        notes.append(_("node labels omitted (too many nodes for the canvas)"))
    for name in view.order:
        x, y = layout.positions[name]
        group = view.is_group(name)
        run = group and view.groups[name].kind == "run"
        kind = "group" if group else node(view.graph, name).kind
        scale = 0.7 if kind == "constant" else 1.0
        width, height = frame.size(scale)
        width *= 1.3 if group else 1.0  # "operations" is wider than a name
        if run:  # a stretch of a path: an operation's colours, dashed
            patch = Ellipse((x, y), width, height, facecolor=colours["operation"],
                            edgecolor=colours["operation_edge"], linewidth=1.5, linestyle="--", zorder=3)
        elif kind == "operation":
            face, edge = ("output", "output_edge") if name == output else ("operation", "operation_edge")
            patch = Ellipse((x, y), width, height, facecolor=colours[face], edgecolor=colours[edge],
                            linewidth=3.0 if name == output else 1.5, zorder=3)
        else:
            face, edge = ("constant", "muted") if group else (kind, f"{kind}_edge")
            patch = FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                   boxstyle=f"round,pad=0,rounding_size={0.25 * width}", mutation_aspect=height / width,
                                   facecolor=colours[face], edgecolor=colours[edge], linewidth=1.5, zorder=3,
                                   linestyle="--" if group else "-")
        patch.set_gid(f"group {name}" if group else f"node {name}")
        ax.add_patch(patch)
        patches[name] = patch
        if labelled:
            colour = colours["muted"] if kind in ("constant", "group") and not run else colours["text"]
            lines, font = labels[name], frame.font * scale
            if group and not run:
                lines, font = _group_label(lines, width * frame.points_x, font)
            text = ax.text(x, y, "\n".join(lines), ha="center", va="center", zorder=5, color=colour,
                           fontsize=font, linespacing=1.15)
            text.set_gid(f"label {name}")
            if run:  # its ends' names are measured, not estimated: they must be found in it
                _shrink_into(text, patch)
    return patches


def _shrink_into(text, patch) -> None:
    """Scale `text` down to fit the box of an ellipse `patch` (its inscribed rectangle)."""
    renderer = _renderer(text.figure)
    room, box = patch.get_window_extent(renderer), text.get_window_extent(renderer)
    scale = min(1.0, 0.7 * room.width / max(box.width, 1), 0.7 * room.height / max(box.height, 1))
    text.set_fontsize(text.get_fontsize() * scale)


def _group_label(lines: list[str], box_width: float, font: float) -> tuple[list[str], float]:
    """A group's lines and font: smaller to fit its box (`box_width` points), or its count alone."""
    fitting = 0.85 * box_width / (0.62 * max(_visible_length(line) for line in lines))
    if fitting >= MIN_FONT:
        return lines, min(font, fitting)
    return lines[:1], font


def _edge_segments(layout, source, target, key) -> list[tuple[tuple, tuple]]:
    points = [layout.positions[source]] + [layout.positions[w] for w in layout.routes[(source, target, key)]]
    points.append(layout.positions[target])
    return list(zip(points, points[1:]))


def _parallel_rad(graph, source, target, key) -> float:
    """Curvature that separates parallel edges (``x*x``): 0 for a single edge."""
    keys = sorted(graph[source][target])
    if len(keys) == 1:
        return 0.0
    return 0.35 * (keys.index(key) - (len(keys) - 1) / 2)


def _arrow(ax, start, end, patch_a, patch_b, colour, width, rad, arrow: bool, zorder: int, frame):
    style = "-|>" if arrow else "-"
    arrow_patch = FancyArrowPatch(
        start, end, patchA=patch_a, patchB=patch_b, arrowstyle=style, color=colour, linewidth=width,
        mutation_scale=max(8.0, frame.diameter * 0.22), connectionstyle=f"arc3,rad={rad}",
        shrinkA=1, shrinkB=1, zorder=zorder, capstyle="round", joinstyle="round",
    )
    ax.add_artist(arrow_patch)  # not add_patch: its data-limit update clips every arrow (slow)
    return arrow_patch


def _draw_edge(ax, graph, layout, patches, frame, edge, colour, width, zorder, alpha: float = 1.0):
    checkpoint()  # the time budget of the run: one check per edge drawn
    source, target, key = edge
    segments = _edge_segments(layout, source, target, key)
    rad = _parallel_rad(graph, source, target, key)
    if len(segments) > 1:
        drawn = [_smooth_route(ax, edge, segments, patches[source], patches[target], colour, width, zorder, frame)]
    else:
        (start, end), = segments
        drawn = [_arrow(ax, start, end, patches[source], patches[target], colour, width, rad, True, zorder, frame)]
    for artist in drawn:
        artist.set_alpha(alpha)
    return drawn


def _leg_point(start, end, t: float, curved: bool) -> tuple[float, float]:
    """Point at parameter t on one leg of an edge: straight, or the Bézier of :func:`_smooth_route`."""
    (x0, y0), (x1, y1) = start, end
    if not curved:
        return x0 + t * (x1 - x0), y0 + t * (y1 - y0)
    u = 1 - t
    weights = (u ** 3, 3 * u * u * t, 3 * u * t * t, t ** 3)
    xs, ys = (x0, (x0 + x1) / 2, (x0 + x1) / 2, x1), (y0, y0, y1, y1)
    return sum(w * x for w, x in zip(weights, xs)), sum(w * y for w, y in zip(weights, ys))


def _half_width(patch) -> float:
    return patch.width / 2 if isinstance(patch, Ellipse) else patch.get_width() / 2


def _smooth_route(ax, edge, segments, source_patch, target_patch, colour, width, zorder, frame):
    """A long edge as one smooth curve through its waypoints (horizontal tangents there: no kinks).

    Each leg is a cubic Bézier whose handles run horizontally, so that legs
    meet with the same tangent; the curve leaves the source and enters the
    target horizontally, at their left and right sides.
    """
    from matplotlib.path import Path as MplPath

    points = [segments[0][0]] + [end for _, end in segments]
    (x0, y0), (xn, yn) = points[0], points[-1]
    points[0] = (x0 + _half_width(source_patch), y0)
    points[-1] = (xn - _half_width(target_patch) - 0.01, yn)
    if not hasattr(ax, "symgrad_legs"):
        ax.symgrad_legs = {}
    ax.symgrad_legs[edge] = list(zip(points, points[1:]))  # where labels go along the curve
    vertices, codes = [points[0]], [MplPath.MOVETO]
    for (ax_, ay), (bx, by) in zip(points, points[1:]):
        handle = (bx - ax_) / 2
        vertices += [(ax_ + handle, ay), (bx - handle, by), (bx, by)]
        codes += [MplPath.CURVE4] * 3
    arrow = FancyArrowPatch(path=MplPath(vertices, codes), arrowstyle="-|>", color=colour, linewidth=width,
                            mutation_scale=max(8.0, frame.diameter * 0.22), zorder=zorder, capstyle="round",
                            joinstyle="round")
    ax.add_artist(arrow)
    return arrow


def _draw_edges(ax, view, layout, patches, frame, colours) -> None:
    """Every drawn edge; one to or from a group (standing for many) thinner and faded."""
    width = max(0.8, min(2.0, frame.diameter / 40))
    for edge in view.dag.edges(keys=True):
        grouped = view.is_group(edge[0]) or view.is_group(edge[1])
        for artist in _draw_edge(ax, view.dag, layout, patches, frame, edge, colours["edge"],
                                 width * (0.7 if grouped else 1), 1, alpha=0.45 if grouped else 1.0):
            artist.set_gid("wire {} {} {}".format(*edge))  # wire labels keep clear of it (_WireScene)


def _draw_paths(ax, view, layout, patches, frame, chosen, numbers) -> None:
    uses: dict = {}
    for index, path in zip(numbers, chosen):
        for edge in view.drawn_edges(path.edges):
            uses.setdefault(edge, []).append(index)
    base = max(1.5, min(4.0, frame.diameter / 18))
    for edge, indices in uses.items():
        for rank, index in enumerate(indices):
            width = base * (1 + 0.9 * (len(indices) - 1 - rank))
            _draw_edge(ax, view.dag, layout, patches, frame, edge, path_colour(index), width, 2)


def _draw_edge_labels(fig, ax, view, layout, patches, frame, colours, notes, chosen=(), values=None) -> None:
    """Write each edge's local derivative on it; edges on the highlighted paths go first.

    A path edge tries its full label, then the node-symbol form, then the
    Leibniz symbol, each along every segment of the edge, on the wire or
    beside it (with a leader line), at sizes down to :data:`READABLE_FONT`.
    A path edge left without its formula is named in the notes; with
    `values`, labels are the local derivatives' numbers at the point.
    """
    graph = view.graph
    renderer = _renderer(fig)
    occupied = [_NodeShape(p.get_window_extent(renderer).expanded(1.02, 1.02), isinstance(p, Ellipse))
                for p in patches.values()]
    real = set(view.real_edges())
    on_paths = list(dict.fromkeys(edge for path in chosen for edge in path.edges if edge in real))
    priority = set(on_paths)
    node_px = max(shape.box.width for shape in occupied)  # a wire's ends are hidden by its nodes
    # from the node's size, not its font: a node holding its value and gradient (4 lines) has a small one
    font = max(MIN_FONT, min(EDGE_FONT, frame.font * 0.8 if values is None else 0.16 * frame.diameter))
    dropped, carried = 0, []
    for edge in on_paths + [e for e in view.real_edges() if e not in priority]:
        forms = _edge_label_forms(graph, edge, values, edge in priority, hidden=view.group_of)
        fonts = _label_fonts(font) if edge in priority else [font]
        placed = _place_edge_label(fig, ax, renderer, graph, layout, edge, forms, fonts, occupied,
                                   colours, leader=edge in priority, node_px=node_px)
        dropped += placed is None
        as_symbol = values is None and placed == len(forms) - 1  # the Leibniz symbol, not the formula
        if edge in priority and (placed is None or as_symbol):
            carried.append(_leibniz_unicode(graph, edge) + " = " + _shortened(_local_text(graph, edge, values)))
    if dropped:
        notes.append(ngettext("{count} edge label omitted (no room)", "{count} edge labels omitted (no room)",
                              dropped).format(count=dropped))
    if carried:
        notes.append("; ".join(carried))


def _shortened(text: str, most: int = 60) -> str:
    """`text`, cut to `most` characters with an ellipsis (a note names a formula, it does not hold it)."""
    return text if len(text) <= most else text[:most - 1] + "…"


@dataclass
class _NodeShape:
    """A node's outline in display coordinates, for labels to keep clear of (an ellipse or its box)."""

    box: Bbox
    elliptic: bool

    def overlaps(self, other: Bbox) -> bool:
        if not self.box.overlaps(other):
            return False
        if not self.elliptic:
            return True
        cx, cy = (self.box.x0 + self.box.x1) / 2, (self.box.y0 + self.box.y1) / 2
        nearest_x = min(max(cx, other.x0), other.x1)
        nearest_y = min(max(cy, other.y0), other.y1)
        rx, ry = self.box.width / 2, self.box.height / 2
        return ((nearest_x - cx) / rx) ** 2 + ((nearest_y - cy) / ry) ** 2 < 1


def _label_shifts(half_height: float, leader: bool) -> list[tuple[float, float]]:
    """Offsets from the wire (display units): on it, then above and below at growing distance."""
    shifts = [(0.0, 0.0)]
    if leader:
        for step in (1.3, 2.4, 3.5, 4.6, 5.7, 6.8):
            shifts += [(0.0, step * half_height), (0.0, -step * half_height)]
    return shifts


#: Colours of the backward-pass picture (Okabe & Ito): values forward, gradients back.
FORWARD_COLOUR, BACKWARD_COLOUR = "#009E73", "#D55E00"


def flow_colours(colours: dict) -> tuple[str, str]:
    """(forward, backward) text colours for a theme's `colours`: lighter on a dark background."""
    if colours is THEMES["dark"]:
        return "#3DDC97", "#FF8A5C"
    return FORWARD_COLOUR, BACKWARD_COLOUR


#: Between a wire and its labels' boxes (points); and the least room kept free around a label from
#: every other wire, label and node (points), so that a label is read as its own wire's.
WIRE_GAP, WIRE_CLEARANCE = 3.0, 9.0
#: The least room between a wire label and a node (points): nearness to a node misleads less than to a wire.
NODE_CLEARANCE = 4.0
#: Where along a wire (fractions of its visible length) its labels may sit, the middle first.
WIRE_PLACES = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82, 0.12, 0.88)
#: Largest font of a wire label (points).
WIRE_FONT = 16.0


def _draw_wire_flows(fig, ax, view, patches, frame, colours, notes, values, first=frozenset()) -> None:
    """Write each wire's forward value above it and its backward gradient below it (wires of groups: none).

    A label is written parallel to its wire (turned to the wire's angle on the
    screen), just off it, at the place along the wire (:data:`WIRE_PLACES`)
    where other wires, labels and nodes are farthest, and never closer than
    :data:`WIRE_CLEARANCE`: so it is read as its own wire's. A wire's two
    labels sit across it at the same place when they can. The wires in
    `first` (those of the paths) go first, then the rest, shorter wires (less
    room) before longer ones in each; a label that has no place at :data:`READABLE_FONT` is
    dropped and counted in `notes`. Texts have gids ``value S T K`` and
    ``gradient S T K`` (:mod:`symgrad.animate` reveals them by these).
    """
    renderer = _renderer(fig)
    scene = _WireScene.of(ax, patches.values(), fig.dpi / 72)
    font = max(READABLE_FONT, min(WIRE_FONT, 0.26 * frame.diameter))  # not the node font: a node may hold 4 lines
    forward_colour, backward_colour = flow_colours(colours)
    wires = []
    for edge in sorted(view.real_edges(), key=lambda edge: (edge not in first, scene.length(edge))):
        forward, back = _wire_texts(view.graph, edge, values)
        wires.append((edge, [_flow_text(ax, content, colour, colours, f"{kind} {edge[0]} {edge[1]} {edge[2]}")
                             for content, colour, kind in ((forward, forward_colour, "value"),
                                                           (back, backward_colour, "gradient"))]))
    unplaced = _place_all_flow_labels(renderer, scene, wires, _label_fonts(font))
    for text in unplaced:
        text.remove()
    dropped = len(unplaced)
    if dropped:
        notes.append(ngettext("{count} wire label omitted (no room)", "{count} wire labels omitted (no room)",
                              dropped).format(count=dropped))


def _flow_text(ax, content, colour, colours, gid):
    """A wire label, not yet placed: centred on its anchor, turned about it, on a patch of background.

    An annotation of the point of the wire it labels, so that its leader
    line (kept in ``symgrad_leader`` unless the label sits away from the wire)
    is shown and hidden with it.
    """
    text = ax.annotate(content, (0, 0), ha="center", va="center", rotation_mode="anchor", zorder=4, color=colour,
                       fontweight="bold", bbox=dict(boxstyle="round,pad=0.1", facecolor=colours["background"],
                                                    edgecolor="none", alpha=0.85),
                       arrowprops=dict(arrowstyle="-", color=colour, linewidth=1.0, shrinkA=0, shrinkB=0, alpha=0.8))
    text.symgrad_leader = text.arrowprops, text.arrow_patch
    text.set_gid(gid)
    return text


def _wire_texts(graph, edge, values) -> tuple[str, str]:
    """(value forward, gradient back) on `edge`, as numbers at the point (with a true minus) or in symbols.

    In symbols the gradient is the target's adjoint times the local
    derivative in node symbols, the bar over the letter only: ``ū₁·x₁``.
    """
    source, target, _ = edge
    if values is not None:
        gradient = values.gradients[target] * _local_value(graph, edge, values)
        value, gradient = (short_number(number) for number in (values.values[source], gradient))
        return f"{value} \u2192", f"\u2190 {gradient}"  # a minus sign, not a hyphen beside the arrow
    local = short_local_derivative(graph, *edge)
    sign = "-" if local.could_extract_minus_sign() else ""  # -ū₁·sin(x), not ū₁·-sin(x)
    local = -local if sign else local
    factor = "" if local == 1 else r" \cdot " + to_latex(local)
    back = _mathtext(rf"\leftarrow {sign}{_adjoint_latex(target)}{factor}",
                     f"\u2190 {target[0]}\u0304{target[1:]} \u00b7 {to_unicode(local)}")
    return _mathtext(rf"{name_to_latex(source)} \rightarrow", f"{source} \u2192"), back


def _adjoint_latex(name: str) -> str:
    r"""The adjoint of node `name` in LaTeX, the bar over its letter and not its indices.

    >>> _adjoint_latex("u1"), _adjoint_latex("f"), _adjoint_latex("v0_1_2")
    ('\\bar{u}_{1}', '\\bar{f}', '\\bar{v}^{(0)}_{12}')
    """
    latex = name_to_latex(name)
    letter = re.match(r"\\[A-Za-z]+\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z]", latex)
    if letter is None or latex[letter.end():][:1] not in ("", "_", "^"):
        return rf"\bar{{{latex}}}"
    return rf"\bar{{{letter.group()}}}{latex[letter.end():]}"


@dataclass
class _LabelBox:
    """A label's turned rectangle in display coordinates (pixels): centre, angle (radians), half sizes."""

    centre: np.ndarray
    angle: float
    half_width: float
    half_height: float
    anchor: np.ndarray | None = None  # the point of the wire it labels
    lifted: bool = False  # away from the wire, with a leader line to `anchor`

    def leader(self, skip: float = 0.0) -> "_LabelBox | None":
        """The leader line from the wire (but its first `skip` pixels) to the (level) box, as a box of no height.

        It points at the box's centre and stops at its side, as matplotlib
        draws an annotation's line to its text's background box.
        """
        if not self.lifted:
            return None
        towards = self.centre - self.anchor
        inside = min(self.half_width / max(abs(towards[0]), 1e-9), self.half_height / max(abs(towards[1]), 1e-9))
        length = float(np.hypot(*towards)) * max(0.0, 1 - inside)
        direction = towards / max(np.hypot(*towards), 1e-9)
        start, end = self.anchor + direction * min(skip, length), self.anchor + direction * length
        return _LabelBox((start + end) / 2, float(np.arctan2(direction[1], direction[0])),
                         float(np.hypot(*(end - start))) / 2, 0.0)

    def distance(self, points: np.ndarray) -> np.ndarray:
        """Distance from each of `points` (n x 2) to the rectangle, 0 inside it."""
        offset = points - self.centre
        cos, sin = np.cos(self.angle), np.sin(self.angle)
        along = np.abs(offset[:, 0] * cos + offset[:, 1] * sin) - self.half_width
        across = np.abs(offset[:, 1] * cos - offset[:, 0] * sin) - self.half_height
        return np.hypot(np.maximum(along, 0), np.maximum(across, 0))

    def outline(self, step: float = 3.0) -> np.ndarray:
        """Points around the rectangle every `step` pixels, and its centre."""
        count = max(2, int(2 * (self.half_width + self.half_height) / step))
        fractions = np.linspace(-1, 1, count)[:, None]
        ones = np.ones_like(fractions)
        sides = np.vstack([np.hstack([fractions, -ones]), np.hstack([fractions, ones]),
                           np.hstack([-ones, fractions]), np.hstack([ones, fractions]), [[0.0, 0.0]]])
        cos, sin = np.cos(self.angle), np.sin(self.angle)
        return (sides * (self.half_width, self.half_height)) @ np.array([[cos, sin], [-sin, cos]]) + self.centre

    def corners(self) -> np.ndarray:
        cos, sin = np.cos(self.angle), np.sin(self.angle)
        return (np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)]) * (self.half_width, self.half_height)
                @ np.array([[cos, sin], [-sin, cos]]) + self.centre)

    def reach(self) -> float:
        return float(np.hypot(self.half_width, self.half_height))


def _resample(points: np.ndarray, step: float) -> np.ndarray:
    """The polyline `points` with a point every `step` pixels along it (its ends kept)."""
    lengths = np.hypot(*np.diff(points, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(lengths)])
    places = np.append(np.arange(0.0, along[-1], step), along[-1])
    return np.column_stack([np.interp(places, along, points[:, 0]), np.interp(places, along, points[:, 1])])


@dataclass
class _WireScene:
    """What a wire label must keep clear of, in display coordinates (pixels): wires, nodes, placed labels."""

    shafts: dict  # edge -> the points of its line (no arrowhead) every 3 px, where its labels go along
    along: dict  # edge -> the distance along its line to each of those points
    wire_points: np.ndarray  # every drawn wire's points, arrowheads included
    wire_owner: np.ndarray  # the index in `edges` of each point's wire
    edges: list  # the drawn wires' edges (those of groups included)
    nodes: list  # each node's outline, a matplotlib Path in display coordinates
    node_points: np.ndarray  # the points of all outlines, every 3 px
    bounds: Bbox
    pixels_per_point: float
    labels: list  # the _LabelBox of each label placed so far

    @classmethod
    def of(cls, ax, node_patches, pixels_per_point: float) -> "_WireScene":
        """The wires drawn in `ax` (arrows with gid ``wire S T K``) and the node patches."""
        shafts, points, owner, edges = {}, [np.zeros((0, 2))], [np.zeros(0, dtype=int)], []
        for artist in ax.patches:
            if isinstance(artist, FancyArrowPatch) and (artist.get_gid() or "").startswith("wire "):
                _, source, target, key = artist.get_gid().split(" ")
                edge = (source, target, int(key))
                parts = artist.get_transform().transform_path(artist.get_path()).to_polygons(closed_only=False)
                shafts[edge] = _resample(parts[0], 3.0)
                points += [shafts[edge]] + [_resample(p, 3.0) for p in parts[1:]]
                owner += [np.full(len(p), len(edges)) for p in points[len(owner):]]
                edges.append(edge)
        nodes = [p.get_transform().transform_path(p.get_path()) for p in node_patches]
        node_points = [_resample(n.to_polygons(closed_only=False)[0], 3.0) for n in nodes]
        along = {edge: np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(shaft, axis=0).T))])
                 for edge, shaft in shafts.items()}
        return cls(shafts, along, np.vstack(points), np.concatenate(owner), edges, nodes,
                   np.vstack([np.zeros((0, 2))] + node_points), ax.bbox, pixels_per_point, [])

    def length(self, edge) -> float:
        return float(self.along[edge][-1]) if edge in self.shafts else 0.0

    def clearance(self, box: _LabelBox, edge) -> float | None:
        """How far the nearest other wire, label or node is from `box` (pixels); None where it may not go.

        It may not go outside the axes, across its own wire (nearer than half
        :data:`WIRE_GAP`), nearer than :data:`NODE_CLEARANCE` to a node or
        than :data:`WIRE_CLEARANCE` to another wire or label; the leader line
        of a box away from its wire crosses nothing.
        """
        corners = box.corners()
        if not (corners[:, 0].min() >= self.bounds.x0 and corners[:, 0].max() <= self.bounds.x1
                and corners[:, 1].min() >= self.bounds.y0 and corners[:, 1].max() <= self.bounds.y1):
            return None
        distances = box.distance(self.wire_points)
        own = self.wire_owner == self.edges.index(edge)
        clear = WIRE_CLEARANCE * self.pixels_per_point
        nearest = distances[~own].min(initial=np.inf)
        if nearest < clear or distances[own].min() < 0.5 * WIRE_GAP * self.pixels_per_point:
            return None
        if box.distance(self.node_points).min(initial=np.inf) < NODE_CLEARANCE * self.pixels_per_point:
            return None
        if any(node.contains_point(box.centre) for node in self.nodes):  # a box inside a node (its outline far)
            return None
        if box.lifted and not self._leader_is_free(box, own):
            return None
        outline = box.outline()
        for label in self.labels:
            if np.hypot(*(label.centre - box.centre)) < label.reach() + box.reach() + nearest:
                nearest = min(nearest, box.distance(label.outline()).min(), label.distance(outline).min())
                if label.lifted:
                    nearest = min(nearest, label.leader().distance(outline).min())
        return nearest if nearest >= clear else None

    def _leader_is_free(self, box: _LabelBox, own: np.ndarray) -> bool:
        """Whether `box`'s leader line keeps clear of the other wires, the nodes and the placed labels.

        Its first stretch, by the wire, may pass the wire's other label (not its leader).
        """
        free = 0.5 * WIRE_CLEARANCE * self.pixels_per_point
        leader = box.leader()
        if min(leader.distance(self.wire_points[~own]).min(initial=np.inf),
               leader.distance(self.node_points).min(initial=np.inf)) < free:
            return False
        away = box.leader(skip=WIRE_GAP * self.pixels_per_point + free)
        line = leader.outline()
        return all(away.distance(label.outline()).min() >= free
                   and (not label.lifted or label.leader().distance(line).min() >= free) for label in self.labels)

    def box_along(self, edge, place: float, half_width: float, half_height: float, side: int,
                  lift: float = 0.0, shift: float = 0.0) -> _LabelBox | None:
        """The box of a label at fraction `place` of `edge`'s line, above (side 1) or below (-1) it.

        Parallel to the wire, :data:`WIRE_GAP` off it; or, `lift` pixels
        farther, level, above or below the point (`shift` times its half
        width to the right), with a leader line.
        """
        shaft = self.shafts.get(edge)
        if shaft is None or len(shaft) < 2:
            return None
        along = self.along[edge]
        at = place * along[-1]

        def point(s):
            return np.array([np.interp(s, along, shaft[:, 0]), np.interp(s, along, shaft[:, 1])])

        chord = point(min(along[-1], at + half_width)) - point(max(0.0, at - half_width))
        angle = float(np.arctan2(chord[1], chord[0]))
        if np.cos(angle) < 0:  # never upside down
            angle += np.pi if angle < 0 else -np.pi
        offset = half_height + WIRE_GAP * self.pixels_per_point
        anchor = point(at)
        if lift:
            return _LabelBox(anchor + (shift * half_width, side * (offset + lift)), 0.0, half_width, half_height,
                             anchor, True)
        normal = np.array([-np.sin(angle), np.cos(angle)])
        return _LabelBox(anchor + side * offset * normal, angle, half_width, half_height, anchor)


def _place_all_flow_labels(renderer, scene, wires, sizes) -> list:
    """Place every wire's labels, all of one size as far as they can be; return the texts that found no place.

    `wires`: (edge, [value text, gradient text]) in the order of placing.
    The largest of `sizes` at which every label fits at it or a step smaller
    (alike to the eye), but for at most one label in eight wires (a cramped
    one), which may be two steps smaller. If there is none, each wire's
    labels as large as they fit, or dropped.
    """
    allowance = max(1, len(wires) // 8)
    for index in range(len(sizes)):
        scene.labels.clear()
        late = []
        for edge, texts in wires:
            late += [(edge, text, side) for text, side in _place_flow_labels(renderer, scene, edge, texts,
                                                                              sizes[index:index + 2])]
            if len(late) > allowance:
                break
        else:
            if all(any(_place_flow_label(renderer, scene, edge, [text], size, (side,),
                                         (0.0, *_leader_lifts(size, scene.pixels_per_point)))
                       for size in sizes[index + 2:index + 3]) for edge, text, side in late):
                return []
    scene.labels.clear()
    return [text for edge, texts in wires for text, _side in _place_flow_labels(renderer, scene, edge, texts, sizes)]


def _place_flow_labels(renderer, scene, edge, texts, sizes) -> list:
    """Place a wire's (value, gradient) `texts` above and below `edge`; return (text, side) of those left out.

    At each of `sizes` (points, largest first): both at one place along the
    wire (across it from each other), else each at its own place; the first
    size at which both fit wins. Failing that, each alone at the largest size
    it fits, away from the wire with a leader line if need be.
    """
    checkpoint()  # the time budget of the run: one check per wire placed
    for size in sizes:
        if _place_flow_label(renderer, scene, edge, texts, size, (1, -1)):
            return []
        placed = len(scene.labels)
        if all(_place_flow_label(renderer, scene, edge, [text], size, (side,)) for text, side in zip(texts, (1, -1))):
            return []
        del scene.labels[placed:]  # one fitted, the other did not: try both smaller
    return [(text, side) for text, side in zip(texts, (1, -1))
            if not any(_place_flow_label(renderer, scene, edge, [text], size, (side,),
                                         (0.0, *_leader_lifts(size, scene.pixels_per_point))) for size in sizes)]


#: Where a label with a leader line may sit: the leader's point on the wire (fraction of its length), and the
#: label's centre to the right of that point (times the label's half width).
LEADER_PLACES, LEADER_SHIFTS = (0.5, 0.3, 0.7), (0.0, -0.7, 0.7, -1.4, 1.4)


def _leader_lifts(size: float, pixels_per_point: float) -> list[float]:
    """How much farther than :data:`WIRE_GAP` a label may sit from its wire, with a leader line (pixels)."""
    return [step * size * pixels_per_point for step in (0.7, 1.5, 2.5, 3.5, 4.5, 5.5)]


def _place_flow_label(renderer, scene, edge, texts, size, sides, lifts=(0.0,)) -> bool:
    """Place `texts` (one per side of `sides`, at `size` points) at one place along `edge`, with most room.

    Among the places of :data:`WIRE_PLACES` that keep :data:`WIRE_CLEARANCE`
    around every text, the one with most room (the middle first, among places
    with ample room), at the first of `lifts` (pixels off the wire, see
    :meth:`_WireScene.box_along`) where there is one. Returns whether the
    texts were placed.
    """
    halves = [_half_size(renderer, text, size, scene.pixels_per_point) for text in texts]
    ample = 2.5 * WIRE_CLEARANCE * scene.pixels_per_point
    best, best_room = None, (-1.0, 0)
    for lift in lifts:
        if lift:  # away from the wire: the first spot that has room, the leader's point in the middle first
            ample = WIRE_CLEARANCE * scene.pixels_per_point
        spots = itertools.product(LEADER_PLACES, LEADER_SHIFTS) if lift else ((place, 0.0) for place in WIRE_PLACES)
        for place, shift in spots:
            boxes = [scene.box_along(edge, place, *half, side, lift, shift) for half, side in zip(halves, sides)]
            rooms = [None if box is None else scene.clearance(box, edge) for box in boxes]
            if all(room is not None for room in rooms):
                level = round(abs(np.degrees(boxes[0].angle)) / 15)  # with room to spare, a curve's flatter stretch
                if (min(min(rooms), ample), -level) > best_room:
                    best, best_room = boxes, (min(min(rooms), ample), -level)
        if best is not None:
            break
    if best is None:
        return False
    to_data = texts[0].axes.transData.inverted()
    for text, box in zip(texts, best):
        text.set_fontsize(size)
        text.set_position(to_data.transform(box.centre))
        along = to_data.transform([box.centre, box.centre + (np.cos(box.angle), np.sin(box.angle))])
        text.set_rotation(np.degrees(np.arctan2(*(along[1] - along[0])[::-1])))  # in data: resizing turns it along
        text.set_transform_rotates_text(True)
        text.xy = tuple(to_data.transform(box.anchor))  # the point of the wire it labels
        text.arrowprops, text.arrow_patch = text.symgrad_leader if box.lifted else (None, None)
        scene.labels.append(box)
    return True


def _half_size(renderer, text, size: float, pixels_per_point: float) -> tuple[float, float]:
    """Half the width and height (pixels) of `text` at `size` points, level, with its background's pad.

    Measured once (typesetting is slow) and scaled: a text's size is proportional to its font's.
    """
    if not hasattr(text, "symgrad_measured"):
        text.set_rotation(0)
        extent = Text.get_window_extent(text, renderer)  # the text alone, not its leader line
        text.symgrad_measured = (extent.width, extent.height, text.get_fontsize())
    width, height, measured = text.symgrad_measured
    scale = size / measured
    pad = 0.1 * size * pixels_per_point
    return 1.01 * width * scale / 2 + pad, 1.01 * height * scale / 2 + pad


#: Smallest font size (points) to which a highlighted path's edge label may shrink.
READABLE_FONT = 9.0
#: Largest font of an edge label written as a number (points).
EDGE_FONT = 14.0


def _label_fonts(font: float) -> list[float]:
    sizes = [font]
    while sizes[-1] * 0.85 >= READABLE_FONT:
        sizes.append(sizes[-1] * 0.85)
    return sizes


def _local_derivative(graph, edge):
    return edge_info(graph, *edge).local_derivative


def _local_value(graph, edge, values):
    from .numeric import evaluate

    target = node(graph, edge[1])
    operands = {node(graph, o).symbol: values.values[o] for o in target.operands}
    return evaluate(_local_derivative(graph, edge), operands)


def _local_text(graph, edge, values) -> str:
    if values is not None:
        return short_number(_local_value(graph, edge, values))
    return to_unicode(_local_derivative(graph, edge))


def _leibniz_unicode(graph, edge) -> str:
    source, target, _ = edge
    return f"\u2202{to_unicode(node(graph, target).symbol)}/\u2202{to_unicode(node(graph, source).symbol)}"


def _edge_label_forms(graph, edge, values, priority: bool, hidden=()) -> list[str]:
    """Labels for `edge` from the most to the least informative; the first one is "the" label.

    A form written in the symbol of a node in `hidden` (drawn inside a group,
    so not to be found on the figure) is left out; then the Leibniz symbol
    ``∂u₃/∂u₂`` is the label even off the paths.
    """
    if values is not None:
        return [short_number(_local_value(graph, edge, values))]
    forms = []
    for form in dict.fromkeys([_local_derivative(graph, edge), short_local_derivative(graph, *edge)]):
        if not any(symbol.name in hidden for symbol in form.free_symbols):
            forms.append(_mathtext(to_latex(form), to_unicode(form)))
    if priority or not forms:
        source, target, _ = edge
        forms.append(f"$\\partial {name_to_latex(target)}/\\partial {name_to_latex(source)}$")
    return list(dict.fromkeys(forms))


def _place_edge_label(fig, ax, renderer, graph, layout, edge, forms, fonts, occupied, colours, leader,
                      node_px: float = 0.0):
    """Place the first form that fits; return its index in `forms`, or None if none fits."""
    source, target, key = edge
    segments = getattr(ax, "symgrad_legs", {}).get(edge) or _edge_segments(layout, source, target, key)
    segments = segments[-1:] + segments[:-1]
    rad = _parallel_rad(graph, source, target, key)
    to_display = ax.transData.transform
    for index, form in enumerate(forms):
        for size in fonts:
            text = ax.text(0, 0, form, fontsize=size, ha="center", va="center", zorder=4, color=colours["text"],
                           bbox=dict(boxstyle="round,pad=0.15", facecolor=colours["background"],
                                     edgecolor="none", alpha=0.9))
            extent = text.get_window_extent(renderer).expanded(1.05, 1.1)
            half_w, half_h = extent.width / 2, extent.height / 2
            for (x0, y0), (x1, y1) in segments:
                leg = to_display((x1, y1)) - to_display((x0, y0))
                # a path edge's label may sit on its wire only if the wire stays visible around it
                visible = float((leg ** 2).sum() ** 0.5) - node_px
                covers = leader and 2 * half_w > 0.6 * visible
                for t in (0.5, 0.38, 0.62, 0.28, 0.72):
                    x, y = _leg_point((x0, y0), (x1, y1), t, curved=len(segments) > 1)
                    if rad:
                        x, y = x + rad * (y1 - y0) * 0.5, y - rad * (x1 - x0) * 0.5
                    wire = to_display((x, y))
                    for shift in _label_shifts(half_h, leader)[1 if covers else 0:]:
                        centre = wire + shift
                        box = Bbox.from_extents(centre[0] - half_w, centre[1] - half_h,
                                                centre[0] + half_w, centre[1] + half_h)
                        if _inside(box, ax.bbox) and not any(o.overlaps(box) for o in occupied):
                            text.set_position(ax.transData.inverted().transform(centre))
                            text.set_gid(f"edge-label {source} {target} {key}")
                            occupied.append(box)
                            if shift[1]:
                                ax.plot([x, text.get_position()[0]], [y, text.get_position()[1]],
                                        color=colours["muted"], linewidth=0.8, zorder=3.5)
                            return index
            text.remove()
    return None


def _renderer(fig: Figure):
    """A renderer for text extents, giving a bare figure an Agg canvas if it has none."""
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def _inside(box, outer) -> bool:
    return box.x0 >= outer.x0 and box.y0 >= outer.y0 and box.x1 <= outer.x1 and box.y1 <= outer.y1


def _path_label(explanation, path, view=None) -> str:
    """The legend's text for `path`: its Leibniz product, then the product itself when short.

    The factors of edges inside or next to a run of `view` (drawn as one
    group) are written as one ``…``: their symbols are not on the figure.
    """
    graph = explanation.graph
    parts: list[tuple[str, str]] = []
    for source, target, key in path.edges:
        if view is not None and any(view.group_of.get(end) in view.groups for end in (source, target)):
            if not parts or parts[-1][0] != r"\ldots":
                parts.append((r"\ldots", "…"))
            continue
        parallel = graph.number_of_edges(source, target) > 1
        frac = rf"\partial {name_to_latex(target)} / \partial {name_to_latex(source)}"
        parts.append((frac + (rf"|_{{\#{key + 1}}}" if parallel else ""), f"∂{target}/∂{source}"))
    leibniz = r" \cdot ".join(latex for latex, _plain in parts) if parts else "1"
    text = f"{leibniz} = {to_latex(path.product)}" if _shows_product(path) else leibniz
    fallback = " · ".join(plain for _latex, plain in parts) + " = " + to_unicode(path.product)
    return _mathtext(text, fallback)


#: A path's product longer than this (characters of LaTeX) is left out of the legend.
MAX_LEGEND_PRODUCT = 160


def _shows_product(path) -> bool:
    """Whether the legend writes the path's product after its Leibniz form (short enough to read)."""
    return not tree_size_exceeds(path.product, MAX_LEGEND_PRODUCT) and len(to_latex(path.product)) <= MAX_LEGEND_PRODUCT


def _draw_legend(host, explanation, chosen, numbers, colours, frame, bottom: float = 0.01, view=None) -> None:
    """The paths' products, at the bottom left of `host` (a Figure or an Axes)."""
    if not chosen:
        return
    handles = [Line2D([0], [0], color=path_colour(i), linewidth=4) for i in numbers]
    labels = [_("path {number}:  {label}").format(number=i + 1, label=_path_label(explanation, p, view))
              for i, p in zip(numbers, chosen)]
    legend = host.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.02, bottom), frameon=False,
                         fontsize=min(18.0, max(10.0, 150.0 / (len(chosen) + 4))), labelcolor=colours["text"],
                         handlelength=2.0)
    _shrink_to_fit(host, legend)


def _shrink_to_fit(host, legend) -> None:
    """Scale the legend's texts down until it fits `host` (at most to a quarter), measuring only a few times.

    Each measurement typesets every label again (long products take a while),
    so the scale is computed from the overflow rather than found in small steps.
    """
    renderer = _renderer(host if isinstance(host, Figure) else host.figure)
    texts = legend.get_texts()
    sizes = [text.get_fontsize() for text in texts]
    total = 1.0
    for _attempt in range(4):
        box = legend.get_window_extent(renderer)
        if (box.x1 <= host.bbox.x1 - 2 and box.y1 <= host.bbox.y1) or total <= 0.27:
            return
        room = min((host.bbox.x1 - 2 - box.x0) / max(box.width, 1), (host.bbox.y1 - box.y0) / max(box.height, 1))
        total = max(0.27, total * min(0.95, 0.97 * room))
        for text, size in zip(texts, sizes):
            text.set_fontsize(size * total)


def _host_text(host, x: float, y: float, content: str, **style):
    """Text at a fraction of `host`: figure coordinates for a Figure, axes coordinates for an Axes."""
    if isinstance(host, Figure):
        return host.text(x, y, content, **style)
    return host.text(x, y, content, transform=host.transAxes, **style)


def _draw_texts(host, title, caption, notes, colours) -> float:
    """Title on top; caption (legible, in the text colour) and notes (smaller) at the bottom left.

    Returns the fraction of `host` above the bottom texts, where the legend may start.
    """
    if title:
        _host_text(host, 0.02, 0.965 if isinstance(host, Figure) else 0.99, title, fontsize=22, va="top",
                   ha="left", color=colours["text"])
    renderer = _renderer(host if isinstance(host, Figure) else host.figure)
    bottom = 0.012
    blocks = [(_("Note: {notes}").format(notes="; ".join(notes)), 12, colours["muted"])] if notes else []
    blocks += [(caption, 18, colours["text"])] if caption else []
    for content, size, colour in blocks:
        text = _host_text(host, 0.02, bottom, content, fontsize=size, va="bottom", ha="left", color=colour)
        _fit_width(text, host, renderer)
        bottom += text.get_window_extent(renderer).height / host.bbox.height + 0.008
    return bottom


#: A note or caption is shrunk down to this size at most, then wrapped onto this many lines.
BOTTOM_TEXT_FONT, BOTTOM_TEXT_LINES = 10.0, 3


def _fit_width(text, host, renderer) -> None:
    """Shrink `text` to fit `host`'s width, not below :data:`BOTTOM_TEXT_FONT`; then wrap and cut it."""
    room = host.bbox.x1 - 2 - text.get_window_extent(renderer).x0
    while text.get_window_extent(renderer).width > room and text.get_fontsize() * 0.85 >= BOTTOM_TEXT_FONT:
        text.set_fontsize(text.get_fontsize() * 0.85)
    width = text.get_window_extent(renderer).width
    if width <= room:
        return
    content = text.get_text()
    characters = max(20, int(len(content) * room / width * 0.95))
    lines = textwrap.wrap(content, characters)
    if len(lines) > BOTTOM_TEXT_LINES:
        lines = lines[:BOTTOM_TEXT_LINES]
        lines[-1] = lines[-1][:characters - 1] + "…"
    text.set_text("\n".join(lines))


# --- files ---------------------------------------------------------------------------


def save_figure(fig, path: str | Path, *, dpi: float = 150, transparent: bool = False) -> Path:
    """Save `fig` as PNG, SVG or PDF, chosen by the file extension."""
    fig = fig if isinstance(fig, Figure) else fig.figure  # an Axes that plot(ax=...) returned
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise OptionError(_("figure file {name!r}: the extension must be one of .png, .svg, .pdf").format(name=path.name))
    if not 10 <= dpi <= 1200:
        raise OptionError(_("dpi must be between 10 and 1200, got {dpi}").format(dpi=dpi))
    if kind == "png":
        _check_pixels(fig.get_size_inches(), dpi)
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # SVG text stays searchable text
        fig.savefig(path, format=kind, dpi=dpi, transparent=transparent,
                    facecolor="none" if transparent else fig.get_facecolor())
    return path


def write_frames(explanation, directory: str | Path, *, kind: str = "png", values=None,
                 theme: str | None = None, dpi: float = 150, transparent: bool = False,
                 usetex: bool = False, final_directory: str | Path | None = None) -> list[Path]:
    """Write a numbered sequence of slide frames and an index.

    Frames: the graph alone; the forward pass (values only); one frame per
    listed path (numbered and coloured as in the listing) with its product as
    caption; all paths together with the sum; the backward pass (gradients,
    and each edge's local derivative). The graph is laid out once (for the
    sum frame, which has the most text) and every frame draws the same nodes
    in the same places; a large graph's nodes off the paths are grouped as
    in :func:`plot` (a path that has no room there gets no frame), and more
    than :data:`MAX_FRAME_NODES` drawn nodes are refused. ``frames.md`` and
    ``frames.tex`` (one ``\\includegraphics`` per frame) list them in order.
    `final_directory`: where the frames will live if they are written elsewhere
    first (the CLI writes to a temporary folder and moves it): ``frames.tex``
    names that folder as its fallback for compiling from elsewhere.

    Returns
    -------
    list of pathlib.Path
        The frame files, in slide order.
    """
    directory = Path(directory)
    if kind not in FORMATS:
        raise OptionError(_("frame format must be one of {formats}, got {kind!r}").format(formats=", ".join(FORMATS), kind=kind))
    if kind == "png":
        _check_pixels(SLIDE_SIZE, dpi)  # before any frame is drawn
    frames = frame_options(explanation, values)
    style = dict(theme=theme, usetex=usetex, pyplot=False)
    names = [name for name, _options in frames]
    first = plot(explanation, **style, **frames[names.index("sum")][1])  # the layout every frame reuses
    nodes = first.symgrad_view.dag.number_of_nodes()
    if nodes > MAX_FRAME_NODES:
        raise OptionError(_("the frames would have {nodes} nodes even with the nodes off the paths grouped; "
                            "slide frames are drawn for at most {limit} (draw one --figure instead)").format(
                                nodes=nodes, limit=MAX_FRAME_NODES))
    drawn = set(first.symgrad_path_numbers)  # a large graph may have room for fewer paths than are listed
    frames = [(name, options) for name, options in frames
              if not name.startswith("path") or int(name[4:]) in drawn]
    directory.mkdir(parents=True, exist_ok=True)
    width = len(str(len(frames)))
    written = []
    for index, (name, options) in enumerate(frames, start=1):
        checkpoint()  # the time budget of the run: one check per frame
        fig = first if name == "sum" else plot(explanation, reuse=first, **style, **options)
        path = directory / f"frame-{index:0{width}d}-{name}.{kind}"
        save_figure(fig, path, dpi=dpi, transparent=transparent)
        written.append(path)
    _write_index(directory, written, Path(final_directory) if final_directory is not None else directory)
    return written


def frame_options(e, values=None) -> list[tuple[str, dict]]:
    """The slide frames of :func:`write_frames`: ``(name, plot options)`` in slide order.

    Examples
    --------
    >>> import symgrad
    >>> [name for name, _ in frame_options(symgrad.explain("x*sin(x)", "x"))]
    ['graph', 'forward', 'path1', 'path2', 'sum', 'backward']
    """
    target = rf"$\partial {name_to_latex(e.output)} / \partial {name_to_latex(e.wrt)}$"
    frames = [("graph", dict(highlight=False, edge_labels=False,
                             title=_("The computation graph"), caption=_definitions_caption(e)))]
    frames.append(("forward", dict(highlight=False, values=values, gradients=False, edge_labels=False,
                                   title=_("Forward pass: each node computes its value from its operands"))))
    for number, path in enumerate(e.listed_paths[: len(PALETTE)], start=1):
        frames.append((f"path{number}", dict(paths=[path], values=values, gradients=False,
                                             title=_("Path {number} of {count} for {target}").format(
                                                 number=number, count=e.path_count, target=target),
                                             caption=_path_caption(path))))
    frames.append(("sum", dict(title=_("{target}: the sum over the paths").format(target=target), values=values, gradients=False,
                               caption=_sum_caption(e))))
    frames.append(("backward", dict(highlight=False, values=values, backward=True,
                                    title=_("Backward pass: gradients flow right to left"))))
    return frames


def _path_caption(path) -> str:
    count = len(path.edges)
    return ngettext("{n} local derivative multiplied along the path",
                    "{n} local derivatives multiplied along the path", count).format(n=count)


def _definitions_caption(e) -> str:
    count = sum(1 for n in order(e.graph) if node(e.graph, n).is_operation)
    nodes, edges = e.graph.number_of_nodes(), e.graph.number_of_edges()
    return _("{nodes}, {operations}, {edges}").format(
        nodes=ngettext("{n} node", "{n} nodes", nodes).format(n=nodes),
        operations=ngettext("{n} operation", "{n} operations", count).format(n=count),
        edges=ngettext("{n} edge", "{n} edges", edges).format(n=edges))


def _sum_caption(e) -> str:
    from .exprtools import tree_size  # str() of a deep shared derivative grows exponentially: measure first
    derivative = to_latex(e.derivative) if tree_size(e.derivative) <= 40 and len(str(e.derivative)) < 120 else None
    sentence = ngettext("{n} path, summed", "{n} paths, summed", e.path_count).format(n=e.path_count)
    if derivative is None:
        return sentence
    return sentence + ": " + _mathtext(rf"\partial {name_to_latex(e.output)} / \partial {name_to_latex(e.wrt)} = {derivative}", "")


def _write_index(directory: Path, frames: list[Path], final_directory: Path) -> None:
    """``frames.md``, and ``frames.tex``: a Beamer deck of the frames that pdflatex compiles as it is.

    pdflatex reads PNG and PDF but not SVG: SVG frames get no ``frames.tex`` (a warning says so).
    """
    markdown = ["# " + _("Frames"), ""] + [f"{i}. ![{p.stem}]({p.name})" for i, p in enumerate(frames, start=1)]
    (directory / "frames.md").write_text("\n".join(markdown) + "\n", encoding="utf-8")
    if any(p.suffix == ".svg" for p in frames):
        import warnings

        from .i18n import gettext
        warnings.warn(SymgradWarning(gettext("SVG frames: no frames.tex written (pdflatex reads PNG and PDF "
                                             "frames, not SVG); use --frame-format pdf for a Beamer deck")),
                      stacklevel=3)
        return
    (directory / "frames.tex").write_text(_frames_deck(final_directory, frames), encoding="utf-8")


def _frames_deck(directory: Path, frames: list[Path]) -> str:
    """A complete Beamer document, one frame per file; found from its own folder, or else by its absolute one."""
    folder = str(directory.resolve()).rstrip("/") + "/"
    fallback = folder if all(c.isalnum() or c in "/._+-" for c in folder) else ""
    first = frames[0].name if frames else "frames.md"
    tex = ["% Generated by symgrad: a Beamer deck of the frames in this folder; pdflatex frames.tex",
           "\\documentclass[aspectratio=169]{beamer}",
           "\\setbeamertemplate{navigation symbols}{}",
           f"\\IfFileExists{{{first}}}{{\\def\\sgframes{{}}}}{{\\def\\sgframes{{{fallback}}}}}",
           "\\begin{document}"]
    for p in frames:
        tex.append("\\begin{frame}\\centering\\includegraphics[width=\\linewidth,height=0.95\\textheight,"
                   f"keepaspectratio]{{\\sgframes {p.name}}}\\end{{frame}}")
    return "\n".join(tex + ["\\end{document}"]) + "\n"
