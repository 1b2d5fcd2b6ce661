"""Printing the math items of :mod:`symgrad.render.blocks` in LaTeX or Unicode."""

from __future__ import annotations

import sympy

from ..verify import format_count
from .blocks import Adjoint, Name, Partial, Product, Raw, Route, Sum, TooLarge
from .printers import name_to_latex, name_to_unicode, to_latex, to_unicode

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
    if isinstance(item, TooLarge):
        return rf"\text{{(too large to print: {format_count(item.size)} operations)}}"
    if isinstance(item, Raw):
        return item.latex
    if isinstance(item, sympy.Basic):
        return to_latex(item)
    if isinstance(item, Name):
        return name_to_latex(item.id)
    if isinstance(item, Partial):
        fraction = rf"\frac{{\partial {name_to_latex(item.numerator)}}}{{\partial {name_to_latex(item.denominator)}}}"
        if item.position is None:
            return fraction
        return rf"\left.{fraction}\right|_{{\#{item.position}}}"
    if isinstance(item, Adjoint):
        return rf"\overline{{{name_to_latex(item.node)}}}"
    if isinstance(item, Product):
        return r" \cdot ".join(_latex_factor(i) for i in item.items)
    if isinstance(item, Sum):
        return _join_terms(item.items, latex_math)
    if isinstance(item, Route):
        return r" \leftarrow ".join(name_to_latex(n) for n in item.nodes)
    raise TypeError(f"cannot print {type(item).__name__}")


def _join_terms(items, printer) -> str:
    """``a + b - c``: a term that is a negated expression is subtracted, not added."""
    text = ""
    for index, item in enumerate(items):
        negative = isinstance(item, sympy.Basic) and item.could_extract_minus_sign()
        if index == 0:
            text = printer(item)
        else:
            text += (" - " + printer(-item)) if negative else (" + " + printer(item))
    return text


def _latex_factor(item) -> str:
    text = latex_math(item)
    if isinstance(item, (sympy.Add, Sum)) or (isinstance(item, sympy.Basic) and item.could_extract_minus_sign()):
        return rf"\left({text}\right)"
    return text


def unicode_math(item) -> str:
    """One-line Unicode for one math item."""
    if isinstance(item, TooLarge):
        return f"(too large to print: {format_count(item.size)} operations)"
    if isinstance(item, Raw):
        return item.unicode
    if isinstance(item, sympy.Basic):
        return to_unicode(item)
    if isinstance(item, Name):
        return name_to_unicode(item.id)
    if isinstance(item, Partial):
        text = f"∂{name_to_unicode(item.numerator)}/∂{name_to_unicode(item.denominator)}"
        return text if item.position is None else f"{text}|#{item.position}"
    if isinstance(item, Adjoint):
        name = name_to_unicode(item.node)
        return name[0] + "\u0304" + name[1:]
    if isinstance(item, Product):
        return " · ".join(_unicode_factor(i) for i in item.items)
    if isinstance(item, Sum):
        return _join_terms(item.items, unicode_math)
    if isinstance(item, Route):
        return " ← ".join(name_to_unicode(n) for n in item.nodes)
    raise TypeError(f"cannot print {type(item).__name__}")


def _unicode_factor(item) -> str:
    text = unicode_math(item)
    if isinstance(item, (sympy.Add, Sum)) or (isinstance(item, sympy.Basic) and item.could_extract_minus_sign()):
        return f"({text})"
    return text
