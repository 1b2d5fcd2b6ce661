"""The derivation as a Beamer deck: one ``.tex`` that ``pdflatex`` compiles, its figures beside it.

The deck prints the same blocks as every other format (:mod:`symgrad.render.blocks`,
or a network report of :mod:`symgrad.nn.report`) with :class:`BeamerPrinter`,
the LaTeX printer's subclass for slides: each heading opens a frame, each listed
path gets a frame of its own (with the figure that highlights it), the backward
pass gets its figure (gradients below the wires), and every equation is scaled
down to the frame's width if it is wider (``adjustbox``), one equation per
paragraph so that long lists break across frames (``allowframebreaks``).

:func:`write_deck` writes three kinds of file for ``deck.tex``:

* ``deck-figures/*.pdf``: the figures;
* ``deck-body.tex``: the frames only. It finds its figures relative to its own
  folder (``\\CurrentFilePath``), so a parent document in another folder can
  ``\\input{decks/deck-body}`` it (it needs only Beamer);
* ``deck.tex``: the complete document, which inputs the body beside it. Compiled
  from its own folder, it finds the body by the relative name; compiled from
  elsewhere (``pdflatex /abs/path/deck.tex``; TeX does not tell a document where
  it lies), by the absolute folder written into it when it was made.

Only packages of texlive-latex-recommended (beamer) and -extra (adjustbox) are used.

Examples
--------
>>> import symgrad, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> written = write_deck(symgrad.explain("x*sin(x)", "x"), folder / "deck.tex")
>>> sorted(p.name for p in (folder / "deck-figures").iterdir())
['backward.pdf', 'graph.pdf', 'path1.pdf', 'path2.pdf', 'sum.pdf']
>>> "\\\\begin{frame}" in (folder / "deck-body.tex").read_text()
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OptionError
from ..i18n import gettext as _
from ..i18n import latex_language_preamble, use_language
from .blocks import Adjoint, Equations, Heading, Route, Text, TooLarge, item_size
from .printers import LatexPrinter, escape_latex_text

__all__ = ["BeamerPrinter", "Frame", "deck_frames", "write_deck", "body", "document"]

#: Up to this many equations of a block are aligned in one box; more are one box each (to break between).
ALIGNED_EQUATIONS = 4
#: Table rows per tabular, so that a long table breaks across frames.
TABLE_ROWS = 12
#: Figure height on a frame of its own, and beside equations.
_FIGURE_HEIGHT = {True: r"0.8\textheight", False: r"0.5\textheight"}
#: Size (inches) the figures are drawn at: small, so that their labels read large on a slide.
FIGURE_SIZE = (8.5, 4.78)
#: Graphs of more nodes get only the graph's figure: a path drawn on them is too small to follow.
FIGURE_NODE_LIMIT = 60
#: Characters safe in a folder name written into the deck (no TeX specials, no spaces).
_SAFE_PATH = re.compile(r"[A-Za-z0-9/._+-]+\Z")

_PREAMBLE = r"""\documentclass[aspectratio=169,11pt]{beamer}
\usepackage{amsmath,amssymb}
\usepackage{adjustbox}
\setbeamertemplate{navigation symbols}{}
\setbeamertemplate{footline}[frame number]
\setbeamercolor{frametitle}{fg=blue!50!black}
\setbeamertemplate{frametitle continuation}{}
\allowdisplaybreaks
"""


class BeamerPrinter(LatexPrinter):
    """The LaTeX printer for slides: equations that never run wider than the frame.

    Each equation is its own paragraph, scaled down to the text width when wider
    (``adjustbox``'s ``max width``), so that a frame with ``allowframebreaks``
    can break between any two; tables are split every :data:`TABLE_ROWS` rows.

    Examples
    --------
    >>> from symgrad.render.blocks import Equation, Equations, Name
    >>> print(BeamerPrinter().doprint(Equations([Equation(Name("f"), [Name("u1")])])))
    \\sgequation{f &= u_{1}}
    """

    def _print_Heading(self, block) -> str:
        return rf"\medskip\textbf{{{self.inline(block.parts)}}}\par"

    def _print_Text(self, block) -> str:
        return self.inline(block.parts) + r"\par"

    #: A 16:9 Beamer frame at 11 pt: 128 mm paper less 1 cm margins (W9a's measurement, in pt).
    _default_settings = {**LatexPrinter._default_settings, "text_width": 307.0}

    def _print_Equations(self, block) -> str:
        """Each equation broken to the frame's width (the LaTeX printer's fitting), in one aligned box."""
        equations = [self.equation_rows(Equations([equation])) for equation in block.equations]
        equations = [rows for rows in equations if rows]
        if len(equations) <= ALIGNED_EQUATIONS:  # a few: aligned at their = signs, in one box
            rows = [row for rows in equations for row in rows]
            return "\\sgequation{" + " \\\\ ".join(rows) + "}" if rows else ""
        return "\n".join("\\sgequation{" + " \\\\ ".join(rows) + "}" for rows in equations)

    def unfit(self, item, lhs=None) -> str:
        """On a slide, what does not fit is named by its size (a deck has no appendix)."""
        size = item.size if isinstance(item, TooLarge) else item_size(item)
        return self._print(TooLarge(size, wide=not isinstance(item, TooLarge)))

    def _print_Table(self, block) -> str:
        chunks = [block.rows[i:i + TABLE_ROWS] for i in range(0, len(block.rows), TABLE_ROWS)] or [[]]
        tables = []
        for rows in chunks:
            body = "\n".join(rf"{escape_latex_text(a)} & {escape_latex_text(b)} \\" for a, b in rows)
            tables.append("\\sgtable{%\n" + body + "\n}")
        return "\n".join(tables)


@dataclass
class Frame:
    """One frame of the deck: its title (heading parts), its blocks, and a figure's name."""

    title: tuple
    blocks: list = field(default_factory=list)
    figure: str | None = None


def _is_path_text(block) -> bool:
    return isinstance(block, Text) and any(isinstance(part, Route) for part in block.parts)


def _has_adjoints(block) -> bool:
    return isinstance(block, Equations) and any(isinstance(eq.lhs, Adjoint) for eq in block.equations)


def deck_frames(blocks, figures: set[str] | None = None) -> list[Frame]:
    """Split `blocks` into frames: one per heading, one per listed path.

    A path (a text naming its route, and what follows it up to the next path)
    gets the figure ``path{k}``; the first frame gets ``graph``, the frame of
    the adjoint equations ``backward`` and the one after the last path
    ``sum``, if `figures` has them.

    Examples
    --------
    >>> import symgrad
    >>> from symgrad.render.blocks import build_blocks
    >>> frames = deck_frames(build_blocks(symgrad.explain("x*sin(x)", "x")), {"path1", "path2"})
    >>> [f.figure for f in frames if f.figure]
    ['path1', 'path2']
    """
    figures = figures or set()
    frames: list[Frame] = []
    paths = 0
    for block in blocks:
        if isinstance(block, Heading):
            frames.append(Frame(block.parts))
            if paths and "sum" in figures and not _placed(frames, "sum"):
                frames[-1].figure = "sum"
            continue
        if not frames:
            frames.append(Frame(()))
        if _is_path_text(block):
            paths += 1
            if any(_is_path_text(b) for b in frames[-1].blocks):
                frames.append(Frame(frames[-1].title))
            if f"path{paths}" in figures:
                frames[-1].figure = f"path{paths}"
        if _has_adjoints(block) and "backward" in figures and not _placed(frames, "backward"):
            frames.insert(len(frames) - 1, Frame(frames[-1].title, figure="backward"))  # a frame of its own
        frames[-1].blocks.append(block)
    if frames and "graph" in figures:
        frames[0].figure = "graph"
    return [f for f in frames if f.blocks or f.figure]


def _placed(frames: list[Frame], figure: str) -> bool:
    return any(f.figure == figure for f in frames)


#: Equation lines shown beneath a figure at half the text height; with more, the figure gets a frame of its own.
LINES_BESIDE_FIGURE = 1


def _frame_text(frame: Frame, printer: BeamerPrinter, figure_path: Callable[[str], str]) -> str:
    title = printer.inline(frame.title)
    body = [text for text in (printer._print(block) for block in frame.blocks) if text]
    if not frame.figure:
        return _frame_source(title, body)
    figure = figure_path(frame.figure)
    if body and _equation_lines(frame.blocks) > LINES_BESIDE_FIGURE:
        # beside it the figure would shrink to half the frame, and the text break onto a page of its own anyway
        return _frame_source(title, [_figure_source(figure, alone=True)]) + "\n" + _frame_source(title, body)
    return _frame_source(title, [_figure_source(figure, alone=not body), *body])


def _frame_source(title: str, lines: list[str]) -> str:
    return "\n".join([rf"\begin{{frame}}[allowframebreaks]{{{title}}}", *lines, r"\end{frame}"])


def _figure_source(path: str, alone: bool) -> str:
    return (rf"\begin{{center}}\includegraphics[width=\linewidth,height={_FIGURE_HEIGHT[alone]},keepaspectratio]"
            rf"{{{path}}}\end{{center}}")


def _equation_lines(blocks) -> int:
    """Lines of equations in `blocks`: one per right-hand side of each equation."""
    return sum(len(eq.rhs) for block in blocks if isinstance(block, Equations) for eq in block.equations)


def _macros() -> str:
    """What the body defines for itself, so that a parent needs only Beamer (and adjustbox)."""
    return "\n".join([
        r"\providecommand{\sgequation}[1]{\par\noindent\begin{adjustbox}{max width=\linewidth,center}"
        r"$\displaystyle\begin{aligned}[b]#1\end{aligned}$\end{adjustbox}\par\smallskip}",
        r"\providecommand{\sgtable}[1]{\par{\centering\small\begin{tabular}{lr}\hline #1\hline\end{tabular}\par}"
        r"\smallskip}",
    ])


def body(blocks, figures: set[str], figure_folder: str) -> str:
    """The frames of the deck (no preamble), finding the figures relative to the body's own folder."""
    printer = BeamerPrinter()
    frames = deck_frames(blocks, figures)
    lines = [
        "% Generated by symgrad: the frames of a Beamer deck. \\input it from any folder;",
        "% the parent needs \\documentclass{beamer} and \\usepackage{adjustbox}.",
        r"\edef\sgdeckfolder{\ifx\CurrentFilePath\empty\else\CurrentFilePath/\fi}",
        _macros(),
    ]
    lines += [_frame_text(f, printer, lambda name: rf"\sgdeckfolder {figure_folder}/{name}.pdf") for f in frames]
    return "\n\n".join(lines) + "\n"


def document(title_parts: tuple, subtitle: str, body_name: str, folder: Path | None) -> str:
    """The complete deck: preamble, title frame, and the body beside it.

    `folder` (absolute) is written in as the fallback for compiling from another folder.
    """
    printer = BeamerPrinter()
    fallback = str(folder).rstrip("/") + "/" if folder is not None and _SAFE_PATH.match(str(folder)) else ""
    find = (rf"\IfFileExists{{{body_name}.tex}}{{\def\sgdeckbody{{{body_name}}}}}"
            rf"{{\def\sgdeckbody{{{fallback}{body_name}}}}}")
    return (_PREAMBLE
            + "".join(line + "\n" for line in latex_language_preamble())
            + rf"\title{{{printer.inline(title_parts)}}}" + "\n"
            + rf"\subtitle{{{escape_latex_text(subtitle)}}}" + "\n\\date{}\n"
            + find + "\n\\begin{document}\n\\begin{frame}\n\\titlepage\n\\end{frame}\n"
            + "\\input{\\sgdeckbody}\n\\end{document}\n")


def write_deck(explanation=None, path: str | Path = "deck.tex", *, blocks=None, figures=None,
               title: tuple | None = None) -> list[Path]:
    """Write a Beamer deck of `explanation` (or of `blocks`) to `path`, its body and figures beside it.

    Parameters
    ----------
    explanation : Explanation, optional
        Its derivation's blocks, and the figures of :func:`symgrad.plot.frame_options`
        (graph, one per listed path, the sum, the backward pass; only the graph
        beyond :data:`FIGURE_NODE_LIMIT` nodes).
    path : str or pathlib.Path
        The deck; must end in ``.tex``.
    blocks : list, optional
        Blocks to print instead of the explanation's (a network report).
    figures : dict of str to callable, optional
        More figures: name -> a function returning a matplotlib figure.
    title : tuple, optional
        The title's parts (default: the first heading).

    Returns
    -------
    list of pathlib.Path
        The deck, its body and its figures.
    """
    with use_language(getattr(explanation, "lang", None)):
        return _write_deck(explanation, Path(path), blocks, figures, title)


def _write_deck(explanation, path: Path, blocks, figures, title) -> list[Path]:
    if path.suffix != ".tex":
        raise OptionError(_("a Beamer deck is a .tex file, got {name!r}").format(name=path.name))
    if blocks is None:
        from .blocks import build_blocks
        blocks = build_blocks(explanation)
    makers = dict(_explanation_figures(explanation) if explanation is not None else {})
    makers.update(figures or {})
    folder = path.parent / f"{path.stem}-figures"
    folder.mkdir(parents=True, exist_ok=True)
    written = [_save(make(), folder / f"{name}.pdf") for name, make in makers.items()]
    body_path = path.parent / f"{path.stem}-body.tex"
    body_path.write_text(body(blocks, set(makers), folder.name), encoding="utf-8")
    heading = next((b for b in blocks if isinstance(b, Heading)), None)
    title = title if title is not None else (heading.parts if heading else ("symgrad",))
    path.write_text(document(title, _("Backpropagation, step by step (symgrad)"), body_path.stem,
                             path.parent.resolve()), encoding="utf-8")
    return [path, body_path, *written]


def _save(figure, target: Path) -> Path:
    figure.savefig(target, format="pdf", bbox_inches="tight", pad_inches=0.04)
    return target


def _explanation_figures(explanation) -> dict[str, Callable]:
    """Name -> figure maker for the graph, each listed path, the sum and the backward pass."""
    from ..plot import frame_options, plot

    small = len(explanation.graph) <= FIGURE_NODE_LIMIT
    wanted = {"graph", "sum", "backward"} if small else {"graph"}
    makers = {}
    for name, options in frame_options(explanation, explanation.values):
        if name in wanted or (small and name.startswith("path")):
            options = {**options, "title": None, "figsize": FIGURE_SIZE}
            makers[name] = (lambda o: lambda: plot(explanation, pyplot=False, **o))(options)
    return makers
