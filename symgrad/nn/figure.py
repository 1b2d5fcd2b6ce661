"""The familiar network diagram: neurons in columns, weights as lines, V0 … V_k.

With a chosen weight v^{(l)}_{ij}, the lines that carry dL/dv are highlighted:
the weight itself, then every line leaving neuron i of layer l+1 and every
line after it up to the loss. With numbers at a point, each neuron shows its
value (forward, green) and the gradient of the loss with respect to it
(backward, vermillion) under its circle, in the colours of the backward-pass
picture. Imports matplotlib; used only for figures.

Examples
--------
>>> from symgrad import nn
>>> fig = plot_network(nn.mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse"), wrt="v0_1_2")
>>> fig.symgrad_highlighted
3
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse

from ..errors import OptionError
from ..graph import output_node
from ..numeric import evaluate
from ..figure import ShownFigure
from ..i18n import gettext as _
from ..plot import PALETTE, SLIDE_SIZE, THEMES, flow_colours, short_number
from ..render.printers import name_to_latex
from .builder import Network, parse_weight_name
from .report import LOSS_NAMES

__all__ = ["plot_network", "carrying_lines"]

Line = tuple[tuple[int, int], tuple[int, int]]  # ((layer, neuron), (layer, neuron)), from 0


def carrying_lines(sizes: tuple[int, ...], wrt: str) -> set[Line]:
    """The lines of the diagram on the paths from the loss back to weight `wrt`.

    The loss is drawn as layer ``len(sizes)`` with one neuron.

    Examples
    --------
    >>> sorted(carrying_lines((2, 2, 1), "v0_1_2"))
    [((0, 1), (1, 0)), ((1, 0), (2, 0)), ((2, 0), (3, 0))]
    """
    found = parse_weight_name(wrt)
    if found is None:
        raise OptionError(_("{wrt!r} is not a weight name such as v0_1_2").format(wrt=wrt))
    layer, row, column = found
    lines = {((layer, column - 1), (layer + 1, row - 1))}
    reached = {row - 1}
    widths = list(sizes) + [1]
    for current in range(layer + 1, len(widths) - 1):
        following = range(widths[current + 1])
        lines |= {((current, a), (current + 1, b)) for a in reached for b in following}
        reached = set(following)
    return lines


def plot_network(net: Network, wrt: str | None = None, *, theme: str = "light",
                 figsize: tuple[float, float] = SLIDE_SIZE, values=None, titled: bool = True) -> Figure:
    """Draw `net` as a layered diagram, highlighting the lines that carry dL/d`wrt`.

    Parameters
    ----------
    net : Network
    wrt : str, optional
        A weight such as ``v0_1_2``: its line is drawn thick and labelled
        v⁽⁰⁾₁₂, and the lines that carry dL/dv are highlighted.
    theme : {"light", "dark"}
    figsize : (float, float)
    values : optional
        Numbers at a point, with ``values`` and ``gradients`` by node name
        (:attr:`symgrad.nn.training.Numbers.at`, or
        :func:`symgrad.point.evaluate_at` of ``net.graph``): each neuron's
        value and ∇, the gradient of L with respect to it, under its circle.
    titled : bool
        Write the title (the network, its loss and the chosen weight) on
        top; a slide deck gives the frame its own title instead.

    Returns
    -------
    matplotlib.figure.Figure
        ``symgrad_highlighted`` is the number of highlighted lines;
        ``symgrad_notes`` what was left out.

    Examples
    --------
    >>> from symgrad import nn
    >>> from symgrad.nn.training import numbers, random_point
    >>> net = nn.mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse")
    >>> at = numbers(net, random_point(net, seed=1)).at
    >>> fig = plot_network(net, "v0_1_2", values=at)
    >>> sorted({t.get_gid().split()[0] for t in fig.axes[0].texts if t.get_gid()})
    ['gradient', 'value', 'weight']
    """
    if theme not in THEMES:
        raise OptionError(_("theme must be one of {themes}, got {theme!r}").format(themes=", ".join(THEMES), theme=theme))
    colours = THEMES[theme]
    fig = ShownFigure(figsize=figsize, facecolor=colours["background"])
    scale = min(1.0, figsize[1] / SLIDE_SIZE[1])  # titles shrink with a smaller figure
    FigureCanvasAgg(fig)
    ax = fig.add_axes([0.03, 0.05, 0.94, 0.82])
    ax.set_axis_off()
    widths = list(net.sizes) + [1]
    tallest = max(widths)
    ax.set_xlim(-0.6, len(widths) - 0.4)
    ax.set_ylim(tallest - 0.4, -0.6)
    position = {(l, i): (float(l), (tallest - w) / 2 + i) for l, w in enumerate(widths) for i in range(w)}
    hot = carrying_lines(tuple(net.sizes), wrt) if wrt is not None else set()
    box = ax.get_position()
    points_x = box.width * figsize[0] * 72 / (len(widths) + 0.2)
    points_y = box.height * figsize[1] * 72 / (tallest + 0.2)
    diameter = min(0.45 * points_x, 0.7 * points_y)  # points, so that neurons are round
    for l in range(len(widths) - 1):
        for a in range(widths[l]):
            for b in range(widths[l + 1]):
                line = ((l, a), (l + 1, b))
                (x0, y0), (x1, y1) = position[line[0]], position[line[1]]
                on_path = line in hot
                ax.plot([x0, x1], [y0, y1], color=PALETTE[0] if on_path else colours["edge"],
                        linewidth=3.5 if on_path else 0.8, zorder=2 if on_path else 1,
                        alpha=1.0 if on_path else 0.6)
    font = max(6.0, min(18.0, diameter / 2.6))
    for (l, i), (x, y) in position.items():
        is_loss = l == len(widths) - 1
        face = colours["output"] if is_loss else (colours["input"] if l == 0 else colours["operation"])
        edge = colours["output_edge"] if is_loss else (colours["input_edge"] if l == 0 else colours["operation_edge"])
        ax.add_patch(Ellipse((x, y), diameter / points_x, diameter / points_y, facecolor=face,
                             edgecolor=edge, linewidth=2.0, zorder=3))
        label = _neuron_label(l, i, len(widths))
        ax.text(x, y, label, ha="center", va="center", fontsize=font, color=colours["text"], zorder=4)
    notes: list[str] = []
    if values is not None:
        _write_numbers(ax, net, position, values, colours, diameter / points_y, points_y, notes)
    if wrt is not None:
        _mark_weight(ax, position, wrt, colours, font)
    for l in range(len(net.sizes) - 1):
        activation = net.activation_name(l)
        ax.text(l + 0.5, -0.55, f"$V_{{{l}}}$, $f_{{{l}}}$ = {activation}", ha="center", va="bottom",
                fontsize=max(13.0, 16 * scale), color=colours["text"])
    title = _("network {sizes}, loss {loss}").format(sizes="-".join(map(str, net.sizes)), loss=_(LOSS_NAMES.get(net.loss_name, net.loss_name)))
    if wrt is not None:
        title += _(": the lines that carry {derivative}").format(
            derivative=f"$\\partial L / \\partial {name_to_latex(wrt)}$")
    if titled:
        fig.text(0.03, 0.97, title, fontsize=max(12.0, 20 * scale), va="top", color=colours["text"])
    if notes:
        fig.text(0.03, 0.015, _("Note: {notes}").format(notes="; ".join(notes)), fontsize=12, va="bottom",
                 color=colours["muted"])
    fig.symgrad_highlighted = len(hot)
    fig.symgrad_notes = notes
    return fig


#: Smallest font (points) of a neuron's value and gradient; below it they are left out, with a note.
NUMBER_FONT = 8.0


def neuron_node(net: Network, layer: int, index: int) -> str | None:
    """The graph node of neuron `index` (from 0) of `layer` in the diagram: x, h or ŷ, or L (the loss).

    None for a neuron the loss does not use (no node of the graph), such as
    ŷ₁ when L = −ln ŷ₂.

    Examples
    --------
    >>> from symgrad import nn
    >>> net = nn.mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse")
    >>> [neuron_node(net, layer, 0) for layer in range(4)]
    ['x1', 'h1_1', 'yhat_1', 'L']
    """
    if layer == len(net.sizes):
        return output_node(net.graph)
    expr = net.inputs[index] if layer == 0 else net.activations[layer - 1][index]
    name = expr.name if layer == 0 else net.node_names.get(expr)
    return name if name in net.graph else None


def _write_numbers(ax, net: Network, position, values, colours, height: float, points_y: float, notes) -> None:
    """Each neuron's value (green) and gradient ∇ (vermillion) under its circle, if they fit legibly."""
    room = (1.0 - height) * points_y  # points between two circles of a column
    font = min(13.0, room / 2.7)
    if font < NUMBER_FONT:
        notes.append(_("values and gradients left out (too many neurons for the canvas)"))
        return
    forward, backward = flow_colours(colours)
    notes.append(_("under each neuron: its value (forward pass) and \u2207, the gradient of L with respect to it "
                   "(backward pass)"))
    for (layer, index), (x, y) in position.items():
        name = neuron_node(net, layer, index)
        value, gradient = _unused_neuron(net, layer, index, values) if name is None else (
            values.values[name], values.gradients[name])
        gid = name or f"{layer}_{index + 1}"
        below = y + height / 2 + 0.03
        ax.text(x, below, short_number(value), ha="center", va="top", fontsize=font,
                color=forward, fontweight="bold", zorder=4, gid=f"value {gid}")
        ax.text(x, below + 1.25 * font / points_y, "\u2207 " + short_number(gradient), ha="center", va="top",
                fontsize=font, color=backward, fontweight="bold", zorder=4, gid=f"gradient {gid}")


def _unused_neuron(net: Network, layer: int, index: int, values) -> tuple[object, int]:
    """(value, 0) of a neuron the loss does not use: its value at the point, and a zero gradient."""
    expr = net.activations[layer - 1][index]
    return evaluate(expr, {symbol: values.point[symbol.name] for symbol in expr.free_symbols}), 0


#: Colour of the chosen weight's own line (Okabe & Ito vermillion), apart from the paths' orange.
WEIGHT_COLOUR = "#D55E00"


def _neuron_label(layer: int, index: int, layers: int) -> str:
    """x_i for inputs, h^(l)_i for hidden neurons, ŷ_i for the output (as the text names them), L for the loss."""
    if layer == layers - 1:
        return "$L$"
    if layer == 0:
        return f"$x_{{{index + 1}}}$"
    if layer == layers - 2:
        return rf"$\hat{{y}}_{{{index + 1}}}$"
    return f"$h^{{({layer})}}_{{{index + 1}}}$"


def _mark_weight(ax, position, wrt: str, colours, font: float) -> None:
    """Draw the chosen weight's line thick in its own colour, labelled v^(l)_ij."""
    layer, row, column = parse_weight_name(wrt)
    (x0, y0), (x1, y1) = position[(layer, column - 1)], position[(layer + 1, row - 1)]
    ax.plot([x0, x1], [y0, y1], color=WEIGHT_COLOUR, linewidth=6.0, zorder=2.5, solid_capstyle="round",
            gid=f"weight {wrt}")
    ax.text(x0 + 0.45 * (x1 - x0), y0 + 0.45 * (y1 - y0), rf"$v^{{({layer})}}_{{{row}{column}}}$",
            ha="center", va="center", fontsize=max(12.0, font), color=WEIGHT_COLOUR, zorder=5, gid="weight label",
            bbox=dict(boxstyle="round,pad=0.2", facecolor=colours["background"], edgecolor=WEIGHT_COLOUR))
