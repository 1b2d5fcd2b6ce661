"""The derivation for a terminal: plain lines with Unicode math."""

from __future__ import annotations

from .blocks import Equations, Heading, Table, Text, build_blocks
from .mathfmt import rhs_strings, unicode_math

__all__ = ["render", "render_blocks"]


def _inline(parts) -> str:
    return "".join(p if isinstance(p, str) else unicode_math(p) for p in parts)


def render(explanation) -> str:
    """Render an :class:`~symgrad.Explanation` as Unicode text."""
    return render_blocks(build_blocks(explanation))


def render_blocks(blocks) -> str:
    """Render a list of :mod:`~symgrad.render.blocks` as Unicode text."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            title = _inline(block.parts)
            out += ["", title, "─" * len(title)]
        elif isinstance(block, Text):
            out.append(_inline(block.parts))
        elif isinstance(block, Equations):
            for eq in block.equations:
                line = f"  {unicode_math(eq.lhs)} = " + " = ".join(rhs_strings(eq.rhs, unicode_math))
                out.append(line + (f"    [{eq.note}]" if eq.note else ""))
        elif isinstance(block, Table):
            width = max(len(a) for a, _ in block.rows)
            out += [f"  {a:<{width}}  {b:>12}" for a, b in block.rows]
    return "\n".join(out).lstrip("\n") + "\n"
