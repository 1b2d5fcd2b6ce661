"""The derivation in Markdown, math in ``$...$`` (GitHub, Jupyter, MkDocs)."""

from __future__ import annotations

from .blocks import Equations, Heading, Table, Text, build_blocks
from .mathfmt import latex_math, rhs_strings

__all__ = ["render", "render_blocks"]

_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>#|$"})


def _inline(parts) -> str:
    return "".join(p.translate(_MARKDOWN_SPECIALS) if isinstance(p, str) else f"${latex_math(p)}$"
                   for p in parts)


def render(explanation) -> str:
    """Render an :class:`~symgrad.Explanation` as Markdown."""
    return render_blocks(build_blocks(explanation))


def render_blocks(blocks) -> str:
    """Render a list of :mod:`~symgrad.render.blocks` as Markdown."""
    out: list[str] = []
    first = True
    for block in blocks:
        if isinstance(block, Heading):
            out.append(("# " if first else "## ") + _inline(block.parts))
            first = False
        elif isinstance(block, Text):
            out.append(_inline(block.parts))
        elif isinstance(block, Equations):
            for eq in block.equations:
                rhs = " = ".join(rhs_strings(eq.rhs, latex_math))
                note = f" ({eq.note})" if eq.note else ""
                out.append(f"- ${latex_math(eq.lhs)} = {rhs}${note}")
        elif isinstance(block, Table):
            rows = ["| quantity | value |", "|---|---:|"]
            rows += [f"| {a.translate(_MARKDOWN_SPECIALS)} | {b} |" for a, b in block.rows]
            out.append("\n".join(rows))
    return "\n\n".join(out) + "\n"
