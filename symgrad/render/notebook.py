"""The derivation in a notebook: one rich display with everything, within a size bound.

:func:`mimebundle` gives what Jupyter shows for an :class:`~symgrad.Explanation`:
``text/html`` (the whole derivation: prose, every section, the values table, the
check in words, the complexity table, and the graph figure as inline SVG, with
math in ``$...$`` and ``$$...$$`` that Jupyter's MathJax and KaTeX render),
``text/markdown``, ``text/latex`` (the equations, one ``aligned`` block) and
``text/plain``. :class:`View` shows one part: ``"figure"``, ``"result"`` or
``"full"`` (what ``Explanation.show`` returns).

The size bound: expressions of more than :data:`NOTEBOOK_TERMS` operations
stand in as "too large to show here", and once the math of a display reaches
:data:`MAX_MATH` characters the remaining equations are left out with a note
saying how to get them (``to_latex()``, ``to_markdown()``).

Examples
--------
>>> from symgrad import explain
>>> bundle = mimebundle(explain("x*sin(x)", "x"), figure=False)
>>> sorted(bundle)
['text/html', 'text/latex', 'text/markdown', 'text/plain']
>>> "agrees with SymPy" in bundle["text/html"]
True
"""

from __future__ import annotations

import base64
import html

import sympy

from ..exprtools import tree_size
from ..i18n import N_
from ..i18n import gettext as _
from . import blocks as b
from .printers import MarkdownPrinter, MathJaxPrinter, escape_latex_text, rhs_strings

__all__ = ["mimebundle", "View", "PARTS", "NOTEBOOK_TERMS", "MAX_MATH", "HtmlPrinter"]

#: What :meth:`Explanation.show` can show.
PARTS = ("full", "result", "figure")
#: Expressions larger than this (operations) are not shown in a notebook.
NOTEBOOK_TERMS = 400
#: Characters of math in one display, at most (KaTeX and MathJax render it in about a second).
MAX_MATH = 60_000
#: Graphs with more nodes than this are not drawn in the full display (``show("figure")`` draws them).
FIGURE_NODE_LIMIT = 60
#: An SVG larger than this (characters) is embedded as PNG instead.
MAX_SVG = 300_000


# --- bounding ---------------------------------------------------------------------------


def _bounded_item(item):
    """`item` with every expression too large for a notebook replaced by :class:`TooLarge`."""
    if isinstance(item, sympy.Basic):
        size = tree_size(item)
        return b.TooLarge(size) if size > NOTEBOOK_TERMS else item
    if isinstance(item, b.Product):
        return b.Product(tuple(_bounded_item(i) for i in item.items))
    if isinstance(item, b.Sum):
        return b.Sum(tuple(_bounded_item(i) for i in item.items))
    return item


def bounded_blocks(blocks: list) -> list:
    """`blocks` with expressions too large for a notebook stood in for (see the module)."""
    bounded = []
    for block in blocks:
        if isinstance(block, b.Equations):
            block = b.Equations([b.Equation(eq.lhs, [_bounded_item(r) for r in eq.rhs], eq.note)
                                 for eq in block.equations])
        bounded.append(block)
    return bounded


def _left_out(count: int) -> str:
    return _("{count} more equation blocks are not shown here, to keep the display quick; "
             "the whole derivation: to_latex() or to_markdown().").format(count=count)


def _within_bound(chunks: list[str], blocks: list, note) -> list[str]:
    """The printed `chunks` until their math reaches :data:`MAX_MATH`; then `note` for the rest."""
    kept, total = [], 0
    for index, (chunk, block) in enumerate(zip(chunks, blocks)):
        if isinstance(block, b.Equations):
            total += len(chunk)
            if total > MAX_MATH:
                rest = sum(isinstance(x, b.Equations) for x in blocks[index:])
                tail = [c for c, x in zip(chunks[index:], blocks[index:]) if not isinstance(x, b.Equations)]
                return kept + [note(rest)] + tail
        kept.append(chunk)
    return kept


def _printed(printer, blocks: list) -> tuple[list[str], list]:
    """Each block's printed chunk, with the blocks that printed something."""
    pairs = printer.each_block(blocks)
    return [c for c, _ in pairs], [x for _, x in pairs]


# --- HTML ---------------------------------------------------------------------------------


class HtmlPrinter(MarkdownPrinter):
    """HTML for Jupyter: the LaTeX printer's math in ``$...$`` and ``$$\\begin{aligned}...$$``."""

    def inline(self, parts) -> str:
        return "".join(html.escape(p) if isinstance(p, str) else self._inline_item(p) for p in parts)

    def _inline_item(self, item) -> str:
        if isinstance(item, b.Typed):
            return f"<code>{html.escape(item.text)}</code>"
        return html.escape(f"${self._print(item)}$")

    def _print_Heading(self, block) -> str:
        self._headings += 1
        tag = "h2" if self._headings == 1 else "h3"
        return f"<{tag}>{self.inline(block.parts)}</{tag}>"

    def _print_Text(self, block) -> str:
        return f"<p>{self.inline(block.parts)}</p>"

    def _print_Equations(self, block) -> str:
        lines = []
        for eq in block.equations:
            rhs = r" \\ &= ".join(rhs_strings(eq.rhs, self._print))
            note = rf" && \text{{({escape_latex_text(eq.note)})}}" if eq.note else ""
            lines.append(f"{self._print(eq.lhs)} &= {rhs}{note}")
        if not lines:
            return ""
        math = "$$\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}$$"
        return f"<div>{html.escape(math)}</div>"

    def _print_Table(self, block) -> str:
        rows = "".join(f"<tr><td>{html.escape(a)}</td><td style=\"text-align:right\">{html.escape(v)}</td></tr>"
                       for a, v in block.rows)
        return f"<table>{rows}</table>"

    def _print_TooLarge(self, item) -> str:
        return rf"\text{{({_too_large(item.size)})}}"


def _too_large(size: int) -> str:
    return _("too large to show here: {size} operations").format(size=size)


#: Status -> (colour, the words) of the banner at the top of the display.
_BANNER = {
    "symbolic": ("#1a7f37", N_("Check: the result agrees with SymPy's direct derivative exactly.")),
    "numeric": ("#1a7f37", N_("Check: the result agrees with SymPy's direct derivative numerically.")),
    "unknown": ("#9a6700", N_("Check: the result could not be checked against SymPy.")),
    "mismatch": ("#cf222e", N_("MISMATCH: the result DISAGREES with SymPy's direct derivative. "
                               "This is a bug in symgrad; please report it.")),
}


def check_banner(explanation) -> str:
    """The check's status in words, as a coloured box (red and bold for a mismatch)."""
    status = explanation.check.status
    colour, words = _BANNER[status]
    weight = "bold" if status == "mismatch" else "normal"
    return (f'<div class="symgrad-check symgrad-{status}" style="border-left:6px solid {colour};'
            f'padding:4px 8px;margin:4px 0;font-weight:{weight};color:{colour}">{html.escape(_(words))}</div>')


def figure_html(explanation) -> str:
    """The graph figure as inline SVG (PNG if the SVG is large); for a large graph, how to draw it."""
    nodes = explanation.graph.number_of_nodes()
    if nodes > FIGURE_NODE_LIMIT:
        return "<p><em>" + html.escape(_("The graph has {nodes} nodes, too many to draw here quickly; "
                                         "show(\"figure\") draws it.").format(nodes=nodes)) + "</em></p>"
    try:
        import matplotlib

        from ..figure import figure_bytes
        figure = explanation.plot(pyplot=False)
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "symgrad"}):
            svg = figure_bytes(figure, "svg").decode("utf-8")
    except Exception:  # noqa: BLE001 - a display never fails for want of its picture
        return ""
    if len(svg) <= MAX_SVG:
        svg = svg[svg.find("<svg"):].replace("$", "&#36;")  # no math delimiters for MathJax to find
        return f'<div class="symgrad-figure" style="max-width:100%;overflow-x:auto">{svg}</div>'
    png = base64.b64encode(figure_bytes(figure, "png")).decode("ascii")
    return f'<div class="symgrad-figure"><img src="data:image/png;base64,{png}" style="max-width:100%"/></div>'


def _result_only(blocks: list) -> list:
    """The first heading and equation (the expression), and the Result section."""
    start = next((i for i, x in enumerate(blocks) if isinstance(x, b.Heading)
                  and "".join(p for p in x.parts if isinstance(p, str)) == _("Result")), None)
    if start is None:
        return blocks
    end = next((i for i in range(start + 1, len(blocks)) if isinstance(blocks[i], b.Heading)), len(blocks))
    return blocks[:2] + blocks[start:end]


def html_document(explanation, part: str = "full", figure: bool = True) -> str:
    """The ``text/html`` of `part` (see :data:`PARTS`)."""
    if part == "figure":
        return figure_html(explanation)
    blocks = bounded_blocks(b.build_blocks(explanation))
    if part == "result":
        blocks = _result_only(blocks)
    chunks, printed = _printed(HtmlPrinter(), blocks)
    body = _within_bound(chunks, printed, lambda count: f"<p><em>{html.escape(_left_out(count))}</em></p>")
    if part == "full" and figure:
        body.insert(2, figure_html(explanation))
    body.insert(1, check_banner(explanation))
    return '<div class="symgrad">\n' + "\n".join(body) + "\n</div>"


def markdown_document(explanation, part: str = "full") -> str:
    """The ``text/markdown`` of `part`, bounded like the HTML."""
    blocks = bounded_blocks(b.build_blocks(explanation))
    if part == "result":
        blocks = _result_only(blocks)
    chunks, printed = _printed(_BoundedMarkdown(), blocks)
    return "\n\n".join(_within_bound(chunks, printed, lambda count: f"*{_left_out(count)}*")) + "\n"


def latex_math(explanation, part: str = "full") -> str:
    """The ``text/latex``: the equations of `part` as one ``$$\\begin{aligned}...$$`` block, bounded."""
    blocks = bounded_blocks(b.build_blocks(explanation))
    if part == "result":
        blocks = _result_only(blocks)
    chunks, printed = _printed(_BoundedMathJax(), blocks)
    note = lambda count: rf"&\text{{{escape_latex_text(_left_out(count))}}}"  # noqa: E731
    return "$$\\begin{aligned}\n" + " \\\\\n".join(_within_bound(chunks, printed, note)) + "\n\\end{aligned}$$"


class _BoundedMarkdown(MarkdownPrinter):
    def _print_TooLarge(self, item) -> str:
        return rf"\text{{({_too_large(item.size)})}}"


class _BoundedMathJax(MathJaxPrinter):
    def _print_TooLarge(self, item) -> str:
        return rf"\text{{({_too_large(item.size)})}}"


def mimebundle(explanation, part: str = "full", figure: bool = True) -> dict[str, str]:
    """What Jupyter shows for `explanation` (see the module); `figure` False leaves the picture out."""
    if part not in PARTS:
        from ..errors import OptionError
        raise OptionError(_("show: part must be one of {parts}, got {part!r}").format(
            parts=", ".join(PARTS), part=part))
    if part == "figure":
        from ..figure import figure_bytes
        drawn = explanation.plot(pyplot=False)
        return {"image/png": figure_bytes(drawn, "png"), "text/plain": repr(explanation)}
    return {
        "text/html": html_document(explanation, part, figure=figure),
        "text/markdown": markdown_document(explanation, part),
        "text/latex": latex_math(explanation, part),
        "text/plain": repr(explanation),
    }


class View:
    """One part of an explanation for a notebook: ``"full"``, ``"result"`` or ``"figure"``.

    Examples
    --------
    >>> from symgrad import explain
    >>> View(explain("x*x", "x"), "result")
    <View of <Explanation df/dx: 2 path(s), check symbolic>: result>
    """

    def __init__(self, explanation, part: str = "full"):
        if part not in PARTS:
            from ..errors import OptionError
            raise OptionError(_("show: part must be one of {parts}, got {part!r}").format(
                parts=", ".join(PARTS), part=part))
        self.explanation = explanation
        self.part = part

    def __repr__(self) -> str:
        return f"<View of {self.explanation!r}: {self.part}>"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return mimebundle(self.explanation, self.part)
