"""A matplotlib figure that shows itself in Jupyter exactly once, with no magic.

The figures of :func:`symgrad.plot.plot` and :func:`symgrad.nn.figure.plot_network`
are :class:`ShownFigure`: an ordinary :class:`matplotlib.figure.Figure` that,
as the last value of a notebook cell, displays as an image (PNG, with the SVG
beside it) whether or not pyplot or ``%matplotlib inline`` was used. A figure
that pyplot also manages is then closed in pyplot, so that the inline backend
does not show it a second time at the end of the cell. Saved as SVG, by
``fig.savefig`` or ``plt.savefig``, its text stays text (``svg.fonttype:
none``): searchable, and editable by a lecturer who translates a label.

Examples
--------
>>> fig = ShownFigure(figsize=(2, 1))
>>> sorted(fig._repr_mimebundle_())
['image/png', 'text/plain']
"""

from __future__ import annotations

import io

import matplotlib
from matplotlib.figure import Figure

__all__ = ["ShownFigure", "figure_bytes"]

#: Resolution of the image a notebook shows.
NOTEBOOK_DPI = 100


def figure_bytes(figure: Figure, kind: str = "png", dpi: float = NOTEBOOK_DPI) -> bytes:
    """`figure` as an image file's bytes (``png`` or ``svg``)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format=kind, dpi=dpi, facecolor=figure.get_facecolor())
    return buffer.getvalue()


class ShownFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` with its own notebook display (see the module)."""

    def savefig(self, fname, *args, **kwargs):
        """:meth:`matplotlib.figure.Figure.savefig`, with SVG text kept as ``<text>``."""
        with matplotlib.rc_context({"svg.fonttype": "none"}):
            return super().savefig(fname, *args, **kwargs)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"image/png": figure_bytes(self, "png"), "text/plain": repr(self)}

    def _ipython_display_(self) -> None:
        from IPython.display import publish_display_data

        publish_display_data(self._repr_mimebundle_())
        _forget_in_pyplot(self)


def _forget_in_pyplot(figure: Figure) -> None:
    """Close `figure` in pyplot if pyplot manages it (the inline backend would show it again)."""
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and getattr(figure, "number", None) is not None and pyplot.fignum_exists(figure.number):
        pyplot.close(figure)
