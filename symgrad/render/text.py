"""The derivation for a terminal: plain lines with Unicode math."""

from __future__ import annotations

from .blocks import build_blocks
from .printers import UnicodePrinter

__all__ = ["render", "render_blocks"]


def render(explanation) -> str:
    """Render an :class:`~symgrad.Explanation` as Unicode text."""
    return render_blocks(build_blocks(explanation))


def render_blocks(blocks) -> str:
    """Render a list of :mod:`~symgrad.render.blocks` as Unicode text."""
    return "\n".join(UnicodePrinter().document(blocks)).lstrip("\n") + "\n"
