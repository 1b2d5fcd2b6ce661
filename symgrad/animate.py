"""An animation of backpropagation: values fill in left to right, then gradients flow back.

One picture is drawn (:func:`symgrad.plot.plot` with ``backward=True``) and
its wire labels are revealed step by step: one step per node in the forward
pass (the node's outgoing wires get their values), then one per node in
reverse order (its incoming wires get their gradients). A graph too large to
label is drawn as the figure draws it (:mod:`symgrad.collapse`): the nodes
on the paths, and groups, each group one step. matplotlib's
animation writes a GIF with Pillow (no new dependency), or an MP4 when
ffmpeg is present. matplotlib is imported only when this module is.

Examples
--------
>>> import symgrad
>>> from symgrad.animate import animation_steps
>>> e = symgrad.explain("sigmoid(w*x + b)", "w")
>>> len(animation_steps(e.graph)) == 2 * e.graph.number_of_nodes()
True
"""

from __future__ import annotations

from pathlib import Path

from .collapse import GraphView
from .deadline import checkpoint
from .errors import OptionError
from .graph import order
from .i18n import gettext as _
from .plot import BACKWARD_COLOUR, FORWARD_COLOUR, plot

__all__ = ["animate", "animation_steps", "save_animation", "ANIMATION_FORMATS"]

ANIMATION_FORMATS = ("gif", "mp4")
#: Most nodes (and groups) of an animated figure: two frames each.
MAX_ANIMATED_NODES = 100


def animation_steps(drawn) -> list[tuple[str, str]]:
    """``("forward", node)`` for each node in computation order, then ``("backward", node)`` in reverse.

    `drawn` is a graph, or a :class:`~symgrad.collapse.GraphView` (a figure's
    ``symgrad_view``), whose groups are steps like nodes.
    """
    nodes = drawn.order if isinstance(drawn, GraphView) else order(drawn)
    return [("forward", n) for n in nodes] + [("backward", n) for n in reversed(nodes)]


def animate(explanation, *, values=None, theme: str | None = None, interval: float = 700):
    """A ``matplotlib.animation.FuncAnimation`` of the forward then the backward pass.

    Parameters
    ----------
    explanation : Explanation
    values : symgrad.point.PointValues, optional
        Numbers at a point (default: the explanation's own, if any); else symbols.
    theme : {"light", "dark"}, optional
    interval : float
        Milliseconds per step.

    Returns
    -------
    matplotlib.animation.FuncAnimation
        ``symgrad_steps`` lists the steps, one per frame; ``symgrad_show(i)``
        sets the picture to frame i; ``symgrad_figure`` is the figure drawn on.
    """
    from matplotlib.animation import FuncAnimation

    values = values if values is not None else explanation.values
    fig = plot(explanation, backward=True, values=values, theme=theme, highlight=False, pyplot=False,
               title=_("Backpropagation: values forward, then gradients back"))
    view = fig.symgrad_view
    if view.dag.number_of_nodes() > MAX_ANIMATED_NODES:
        raise OptionError(_("the figure has {nodes} nodes and groups; animations are made for at most {limit} "
                            "(two frames per node)").format(nodes=view.dag.number_of_nodes(),
                                                             limit=MAX_ANIMATED_NODES))
    ax = fig.axes[0]
    labels = {t.get_gid(): t for t in ax.texts if (t.get_gid() or "").startswith(("value ", "gradient "))}
    patches = {p.get_gid().split(" ", 1)[1]: p for p in ax.patches
               if (p.get_gid() or "").startswith(("node ", "group "))}
    original = {node: (p.get_edgecolor(), p.get_linewidth()) for node, p in patches.items()}
    steps = animation_steps(view)
    position = {step: i for i, step in enumerate(steps)}
    for text in labels.values():
        text.set_visible(False)

    def show(frame: int):
        checkpoint()  # the time budget of the run: one check per frame
        phase, current = steps[frame]
        for gid, text in labels.items():
            kind, source, target, _ = gid.split(" ")
            if kind == "value":
                text.set_visible(position[("forward", source)] <= frame)
            else:
                text.set_visible(position[("backward", target)] <= frame)
        for node, patch in patches.items():
            colour, width = original[node]
            if node == current:
                colour, width = (FORWARD_COLOUR if phase == "forward" else BACKWARD_COLOUR), 5.0
            patch.set_edgecolor(colour)
            patch.set_linewidth(width)
        return list(labels.values()) + list(patches.values())

    animation = FuncAnimation(fig, show, frames=len(steps), interval=interval, blit=False, repeat=False)
    animation.symgrad_steps = steps
    animation.symgrad_show = show
    animation.symgrad_figure = fig
    return animation


def save_animation(animation, path: str | Path, *, dpi: float = 100) -> Path:
    """Write `animation` (from :func:`animate`) as .gif (Pillow) or .mp4 (ffmpeg), chosen by the extension."""
    from matplotlib.animation import FFMpegWriter, PillowWriter

    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in ANIMATION_FORMATS:
        raise OptionError(_("animation file {name}: the extension must be .gif or .mp4").format(name=repr(path.name)))
    fps = 1000.0 / animation._interval
    if kind == "mp4":
        if not FFMpegWriter.isAvailable():
            raise OptionError(_("animation file {name}: .mp4 needs ffmpeg; write a .gif instead").format(
                name=repr(path.name)))
        writer = FFMpegWriter(fps=fps)
    else:
        writer = PillowWriter(fps=fps)
    figure = animation.symgrad_figure
    canvas, screen_dpi = figure.canvas, figure.dpi
    # matplotlib draws each frame twice when saving: once for a screen (draw_idle) and once
    # into the file. No screen here: skip the first, and lay the text out at the file's dpi.
    canvas.draw_idle = lambda *args, **kwargs: None
    figure.set_dpi(dpi)
    try:
        animation.save(path, writer=writer, dpi=dpi)
    finally:
        del canvas.draw_idle
        figure.set_dpi(screen_dpi)
    return path
