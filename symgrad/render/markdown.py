"""The derivation in Markdown, math in ``$...$`` (GitHub, Jupyter, MkDocs)."""

from __future__ import annotations

from .blocks import build_blocks
from .printers import MarkdownPrinter

__all__ = ["render", "render_blocks"]


def render(explanation) -> str:
    """Render an :class:`~symgrad.Explanation` as Markdown."""
    return render_blocks(build_blocks(explanation))


def render_blocks(blocks) -> str:
    """Render a list of :mod:`~symgrad.render.blocks` as Markdown."""
    return "\n\n".join(MarkdownPrinter().document(blocks)) + "\n"
