"""Command line: ``symgrad EXPRESSION --wrt VARIABLE [options]`` and ``symgrad mlp [options]``.

A thin layer over :func:`symgrad.explain` and :mod:`symgrad.nn`: one argparse
parser with two subcommands, the expression (the default: ``symgrad EXPRESSION``
needs no command word) and ``mlp`` (:mod:`symgrad.nn.cli`). What both share (output
delivery, error guarding, option validators) is :mod:`symgrad.cli_common`.
Exit codes: 0 success, 1 the derivative disagrees with SymPy (a bug), 2 bad
input or options, or out of memory, 3 internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from . import __version__
from .cli_common import (
    DEFAULT_MEMORY_MB, EXIT_INTERNAL, EXIT_INTERRUPTED, FORMATS, ArgumentParser, add_language, add_memory_limit,
    check_figure_suffix, check_output_file, check_output_folder, deck_path, deliver, dpi, guarded, max_paths,
    read_expression, timeout, written_atomically, written_folder,
)
from .deadline import run_within, stage
from .errors import OptionError, VariableError
from .explain import DEFAULT_MAX_PATHS, SymgradWarning, explain
from .graph import build_graph, input_nodes
from .i18n import N_, argparse_translated, language_of_arguments, use_language
from .i18n import gettext as _
from .nn import cli as mlp_cli
from .parse import parse

__all__ = ["main", "build_parser", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "DEFAULT_MEMORY_MB"]

#: The command word of the expression command: never typed, ``symgrad EXPRESSION`` is short for it.
EXPRESSION_COMMAND = "EXPRESSION"
_USAGE = N_("""\
symgrad EXPRESSION [--wrt VARIABLE] [options]
       symgrad mlp [options]    (the lecture's neural network; symgrad mlp --help)""")
_EPILOG = N_("""\
examples:
  symgrad "sigmoid(w1*x1 + w2*x2 + b)" --wrt w1
  symgrad "x*sin(x)" --wrt x --format text
  symgrad "(y - sigmoid(w*x + b))^2" --wrt w --output-name L --standalone -o dL_dw.tex
  symgrad mlp --sizes 4,3,3,4 --wrt v0_1_1

options: symgrad EXPRESSION --help (e.g. symgrad x --help) and symgrad mlp --help.
exit status: 0 success; 1 the derivative disagrees with SymPy (a bug, please
report it); 2 invalid expression or option, or out of memory; 3 internal error.
""")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``symgrad`` command: the subcommands EXPRESSION and ``mlp``.

    The expression command has no command word: :func:`main` puts
    :data:`EXPRESSION_COMMAND` before any arguments that do not start with ``mlp``
    (or are ``-h``/``--help`` alone, which list the commands).

    Examples
    --------
    >>> args = build_parser().parse_args([EXPRESSION_COMMAND, "x*sin(x)", "--wrt", "x"])
    >>> args.command, args.expression, args.format
    ('EXPRESSION', 'x*sin(x)', None)
    >>> build_parser().parse_args(["mlp", "--sizes", "2,1"]).sizes
    (2, 1)
    """
    parser = ArgumentParser(prog="symgrad", usage=_(_USAGE), epilog=_(_EPILOG),
                            description=_("Explain a derivative the way backpropagation computes it."),
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"symgrad {__version__}",
                        help=_("show program's version number and exit"))
    commands = parser.add_subparsers(dest="command", metavar=_("COMMAND"), title=_("commands"), required=True)
    _add_expression_arguments(commands.add_parser(
        EXPRESSION_COMMAND, prog="symgrad", usage=_(_USAGE), epilog=_(_EPILOG),
        help=_("explain the derivative of EXPRESSION (the default: no command word)"),
        description=_("Explain a derivative the way backpropagation computes it: "
                      "computation graph, chain-rule paths, their sum, and a check against SymPy."),
        formatter_class=argparse.RawDescriptionHelpFormatter))
    # The command is never typed: the list of commands shows it as the placeholder it stands for.
    commands._choices_actions[-1].metavar = _("EXPRESSION")  # noqa: SLF001 - the list argparse keeps
    mlp_cli.add_arguments(commands.add_parser(
        "mlp", prog="symgrad mlp", epilog=_(mlp_cli.EPILOG), help=_(mlp_cli.SUMMARY),
        description=_(mlp_cli.DESCRIPTION), formatter_class=argparse.RawDescriptionHelpFormatter))
    return parser


def _add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", metavar=_("expression"),
                        help=_('the expression, e.g. "sigmoid(w1*x1 + w2*x2 + b)"; - reads it from standard input'))
    parser.add_argument("--wrt", metavar=_("VARIABLE"),
                        help=_("the variable to differentiate with respect to "
                               "(may be omitted when the expression has one variable)"))
    parser.add_argument("--format", "-f", choices=FORMATS, default=None,
                        help=_("output format (default: latex; with only --figure or --frames, none); beamer: "
                               "a slide deck, with -o DECK.tex (its figures go to DECK-figures/ beside it)"))
    parser.add_argument("--standalone", action="store_true",
                        help=_("with --format latex: a complete document for pdflatex"))
    parser.add_argument("--max-paths", type=max_paths, default=DEFAULT_MAX_PATHS, metavar="N",
                        help=_("list at most N paths (default: {default}); the count is always exact").format(
                            default=DEFAULT_MAX_PATHS))
    parser.add_argument("--timeout", type=timeout, default=10.0, metavar=_("SECONDS"),
                        help=_("time budget of the whole run, the check against SymPy included (default: 10)"))
    parser.add_argument("--no-check", action="store_true", help=_("skip the check against SymPy"))
    parser.add_argument("--tree", action="store_true",
                        help=_("one node per occurrence of a subexpression (default: shared nodes)"))
    parser.add_argument("--prefix", metavar=_("PREFIX"), help=_("name stem of the intermediate nodes (default: u)"))
    parser.add_argument("--output-name", metavar=_("NAME"), help=_("name of the output node (default: f)"))
    parser.add_argument("--out", "-o", metavar=_("FILE"), help=_("write to FILE instead of standard output"))
    parser.add_argument("--at", metavar=_("POINT"),
                        help=_("values and gradients at a point, e.g. w=0.5,x=2,b=-1 (in the output and figures)"))
    figures = parser.add_argument_group(_("figures (matplotlib; no TeX needed)"))
    figures.add_argument("--figure", metavar=_("FILE"),
                         help=_("draw the graph with the paths highlighted; .png, .svg, .pdf, or .tex (TikZ for a "
                                "Beamer frame, one overlay per path), or .gif/.mp4 (animated backprop)"))
    figures.add_argument("--frames", metavar=_("DIR"),
                         help=_("write numbered slide frames (graph, forward pass, one per path, sum) "
                                "and an index frames.md / frames.tex to DIR"))
    figures.add_argument("--frame-format", choices=("png", "svg", "pdf"), default="png",
                         help=_("file format of --frames (default: png)"))
    figures.add_argument("--dpi", type=dpi, default=150, help=_("resolution of PNG files (default: 150)"))
    figures.add_argument("--transparent", action="store_true", help=_("transparent background"))
    figures.add_argument("--theme", choices=("light", "dark"), default="light", help=_("colours (default: light)"))
    figures.add_argument("--edge-labels", choices=("auto", "on", "off"), default="auto",
                         help=_("local derivatives on the edges (auto: for graphs of at most 40 nodes)"))
    figures.add_argument("--usetex", action="store_true", help=_("typeset labels with a LaTeX installation"))
    add_language(parser)
    add_memory_limit(parser)
    parser.add_argument("--version", action="version", version=f"symgrad {__version__}",
                        help=_("show program's version number and exit"))


def _default_variable(expression: str) -> str:
    inputs = input_nodes(build_graph(parse(expression)))
    if len(inputs) == 1:
        return inputs[0]
    names = ", ".join(inputs) if inputs else _("none")
    raise VariableError(_("choose the variable with --wrt (the expression's variables: {names})").format(names=names))


def _render(explanation, args) -> str:
    if args.format == "text":
        return explanation.to_text()
    if args.format == "markdown":
        return explanation.to_markdown()
    if args.format == "json":
        return explanation.to_json() + "\n"
    if args.format == "beamer":
        from .render.beamer import write_deck
        return write_deck(explanation, deck_path(args.out))[0].read_text(encoding="utf-8")
    return explanation.to_latex(standalone=args.standalone)


def _draw_figures(explanation, args: argparse.Namespace) -> None:
    """Write --figure and --frames; matplotlib is imported only here."""
    if not args.figure and not args.frames:
        return
    try:
        _write_figures(explanation, args)
    except RuntimeError as err:
        if not args.usetex:
            raise
        raise OptionError(_("--usetex: LaTeX could not typeset the labels (matplotlib needs latex, "
                            "dvipng and the cm-super fonts); leave out --usetex")) from err


def _write_figures(explanation, args: argparse.Namespace) -> None:
    from .plot import save_figure, write_frames

    style = dict(theme=args.theme, usetex=args.usetex)
    if args.figure and args.figure.lower().endswith(".tex"):  # TikZ for a Beamer frame, no matplotlib
        from .render.tikz import to_tikz
        with written_atomically(args.figure, "--figure") as temporary:
            temporary.write_text(to_tikz(explanation), encoding="utf-8")
    elif args.figure and args.figure.lower().endswith((".gif", ".mp4")):
        from .animate import animate, save_animation
        with written_atomically(args.figure, "--figure") as temporary:
            save_animation(animate(explanation, theme=args.theme), temporary, dpi=min(args.dpi, 100))
    elif args.figure:
        labels = {"auto": None, "on": True, "off": False}[args.edge_labels]
        figure = explanation.plot(edge_labels=labels, pyplot=False, **style)
        with written_atomically(args.figure, "--figure") as temporary:
            save_figure(figure, temporary, dpi=args.dpi, transparent=args.transparent)
    if args.frames:
        with written_folder(args.frames) as temporary:
            write_frames(explanation, temporary, kind=args.frame_format, values=explanation.values,
                         dpi=args.dpi, transparent=args.transparent, final_directory=args.frames, **style)


def run(args: argparse.Namespace) -> int:
    """Explain as `args` say, print, and return the exit code.

    The whole run, from parsing to the figures, shares the budget ``--timeout``.
    """
    _check_outputs(args)
    expression = read_expression(args.expression)
    with run_within(args.timeout):
        with stage(_("reading the expression")):
            wrt = args.wrt if args.wrt is not None else _default_variable(expression)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SymgradWarning)
            explanation = explain(
                expression, wrt, share=not args.tree, prefix=args.prefix,
                output=args.output_name, max_paths=args.max_paths, time_limit=args.timeout,
                check=not args.no_check, at=args.at, lang=args.lang,
            )
            derivation_wanted = args.format is not None or args.out or not (args.figure or args.frames)
            args.format = args.format or "latex"
            with stage(_("drawing the figure")):  # first: a figure too large is refused before any writing
                _draw_figures(explanation, args)
            rendered = _render(explanation, args) if derivation_wanted else None
        code = deliver(rendered, args.out, caught, explanation, ascii_fallback=args.format == "text")
    if not derivation_wanted:
        if args.figure:
            print(_("symgrad: wrote the figure to {path}").format(path=args.figure))
        if args.frames:
            print(_("symgrad: wrote the frames and their index (frames.md, frames.tex) to {path}").format(
                path=args.frames))
    return code


#: The figure files --figure writes, by extension.
FIGURE_SUFFIXES = (".png", ".svg", ".pdf", ".tex", ".gif", ".mp4")


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, output paths that cannot be written (exit 2, naming the path)."""
    check_output_file(args.out, "-o")
    check_output_file(args.figure, "--figure")
    check_figure_suffix(args.figure, "--figure", FIGURE_SUFFIXES)
    check_output_folder(args.frames, "--frames")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``symgrad`` command; returns the exit code.

    Examples
    --------
    >>> main(["x*x", "--wrt", "x", "--format", "json", "--no-check", "-o", "/dev/null"])
    0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    shifted = False
    if argv[:1] not in (["mlp"], ["-h"], ["--help"]):
        argv, shifted = _leading_minus(argv)
        argv = [EXPRESSION_COMMAND, *argv]
    with use_language(language_of_arguments(argv)), argparse_translated():  # --help and usage errors too
        args = build_parser().parse_args(argv)
    if shifted:
        args.expression = args.expression[1:]
    action = mlp_cli.run if args.command == "mlp" else run
    with use_language(language_of_arguments(argv)):  # the guard's own words (error:, out of memory)
        return guarded(lambda: _in_language(action, args), args.memory_limit)


def _in_language(action, args: argparse.Namespace) -> int:
    """Run `action` with every message in the language ``--lang`` (or $SYMGRAD_LANG) chooses."""
    with use_language(args.lang):
        return action(args)


def _leading_minus(argv: list[str]) -> tuple[list[str], bool]:
    """Let the expression start with '-' (``symgrad "-x^2" --wrt x``) when it is not an option.

    argparse takes such an argument for an option; a leading blank makes it a
    positional argument, and :func:`main` removes the blank again.
    """
    options = _expression_options()
    skip_value = False
    for index, arg in enumerate(argv):
        if skip_value or arg == "--":
            if arg == "--":
                return argv, False
            skip_value = False
            continue
        if not arg.startswith("-"):
            return argv, False
        name = arg.split("=", 1)[0]
        if arg.startswith("--") or name in options or arg[:2] in options:
            action = options.get(name) or next((a for o, a in options.items() if o.startswith(name)), None)
            skip_value = action is not None and action.nargs != 0 and "=" not in arg and arg in options
            continue
        return argv[:index] + [" " + arg] + argv[index + 1:], True
    return argv, False


def _expression_options() -> dict[str, argparse.Action]:
    """The expression command's option strings and their actions."""
    parser = argparse.ArgumentParser(add_help=True)
    _add_expression_arguments(parser)
    return parser._option_string_actions  # noqa: SLF001 - the option table argparse keeps
