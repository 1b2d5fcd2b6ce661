"""Printing the math items of :mod:`symgrad.render.blocks`: thin calls to the printers.

Every item (a SymPy expression or a block such as
:class:`~symgrad.render.blocks.Partial`) is printed by the ``_print_<Item>``
method of :class:`~symgrad.render.printers.LatexPrinter` or
:class:`~symgrad.render.printers.UnicodePrinter`.
"""

from __future__ import annotations

from .printers import LATEX, UNICODE, escape_latex_text, rhs_strings

__all__ = ["latex_math", "unicode_math", "escape_latex_text", "rhs_strings"]


def latex_math(item) -> str:
    """LaTeX (math mode) for one math item."""
    return LATEX.doprint(item)


def unicode_math(item) -> str:
    """One-line Unicode for one math item."""
    return UNICODE.doprint(item)
