"""Printing the math items of :mod:`symgrad.render.blocks`: thin calls to the printers.

Every item (a SymPy expression or a block such as
:class:`~symgrad.render.blocks.Partial`) is printed by the ``_print_<Item>``
method of :class:`~symgrad.render.printers.LatexPrinter` or
:class:`~symgrad.render.printers.UnicodePrinter`.
"""

from __future__ import annotations

from .printers import LATEX, UNICODE

__all__ = ["latex_math", "unicode_math", "escape_latex_text", "rhs_strings"]


def rhs_strings(items, printer) -> list[str]:
    """Print the right-hand sides of an equation, dropping a repeat of the previous one."""
    printed: list[str] = []
    for item in items:
        text = printer(item)
        if not printed or printed[-1] != text:
            printed.append(text)
    return printed


_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}", "<": r"$<$", ">": r"$>$",
}


def escape_latex_text(text: str) -> str:
    """Make plain text safe inside LaTeX text mode."""
    return "".join(_LATEX_SPECIALS.get(c, c) for c in text)


def latex_math(item) -> str:
    """LaTeX (math mode) for one math item."""
    return LATEX.doprint(item)


def unicode_math(item) -> str:
    """One-line Unicode for one math item."""
    return UNICODE.doprint(item)
