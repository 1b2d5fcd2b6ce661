"""Command line: ``symgrad EXPRESSION --wrt VARIABLE [options]``.

A thin layer over :func:`symgrad.explain`: parse the options, print the
derivation in the chosen format, map errors to one-line messages and exit
codes. Exit codes: 0 success, 1 the derivative disagrees with SymPy (a bug),
2 bad input or options, 3 internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence

from . import __version__
from .errors import EXIT_MISMATCH, EXIT_OK, EXIT_USAGE, OptionError, ParseError, SymgradError
from .explain import DEFAULT_MAX_PATHS, SymgradWarning, explain

__all__ = ["main", "build_parser"]

EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
_FORMATS = ("latex", "text", "markdown", "json")
_EPILOG = """\
examples:
  symgrad "sigmoid(w1*x1 + w2*x2 + b)" --wrt w1
  symgrad "x*sin(x)" --wrt x --format text
  symgrad "(y - sigmoid(w*x + b))^2" --wrt w --output-name L --standalone -o dL_dw.tex

exit status: 0 success; 1 the derivative disagrees with SymPy (a bug, please
report it); 2 invalid expression or option; 3 internal error.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``symgrad`` command."""
    parser = argparse.ArgumentParser(
        prog="symgrad",
        description="Explain a derivative the way backpropagation computes it: "
        "computation graph, chain-rule paths, their sum, and a check against SymPy.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("expression", help='the expression, e.g. "sigmoid(w1*x1 + w2*x2 + b)"')
    parser.add_argument("--wrt", metavar="VARIABLE",
                        help="the variable to differentiate with respect to "
                        "(may be omitted when the expression has one variable)")
    parser.add_argument("--format", "-f", choices=_FORMATS, default="latex",
                        help="output format (default: latex)")
    parser.add_argument("--standalone", action="store_true",
                        help="with --format latex: a complete document for pdflatex")
    parser.add_argument("--max-paths", type=_non_negative_int, default=DEFAULT_MAX_PATHS, metavar="N",
                        help=f"list at most N paths (default: {DEFAULT_MAX_PATHS}); the count is always exact")
    parser.add_argument("--timeout", type=_positive_float, default=10.0, metavar="SECONDS",
                        help="time budget of the check against SymPy (default: 10)")
    parser.add_argument("--no-check", action="store_true", help="skip the check against SymPy")
    parser.add_argument("--tree", action="store_true",
                        help="one node per occurrence of a subexpression (default: shared nodes)")
    parser.add_argument("--prefix", help="name stem of the intermediate nodes (default: u)")
    parser.add_argument("--output-name", metavar="NAME", help="name of the output node (default: f)")
    parser.add_argument("--out", "-o", metavar="FILE", help="write to FILE instead of standard output")
    parser.add_argument("--at", metavar="POINT",
                        help="values and gradients at a point, e.g. w=0.5,x=2,b=-1 (in the output and figures)")
    figures = parser.add_argument_group("figures (matplotlib; no TeX needed)")
    figures.add_argument("--figure", metavar="FILE",
                         help="draw the graph with the paths highlighted; .png, .svg or .pdf")
    figures.add_argument("--frames", metavar="DIR",
                         help="write numbered slide frames (graph, forward pass, one per path, sum) "
                         "and an index frames.md / frames.tex to DIR")
    figures.add_argument("--frame-format", choices=("png", "svg", "pdf"), default="png",
                         help="file format of --frames (default: png)")
    figures.add_argument("--dpi", type=_dpi, default=150, help="resolution of PNG files (default: 150)")
    figures.add_argument("--transparent", action="store_true", help="transparent background")
    figures.add_argument("--theme", choices=("light", "dark"), default="light", help="colours (default: light)")
    figures.add_argument("--edge-labels", choices=("auto", "on", "off"), default="auto",
                         help="local derivatives on the edges (auto: for graphs of at most 40 nodes)")
    figures.add_argument("--usetex", action="store_true", help="typeset labels with a LaTeX installation")
    parser.add_argument("--memory-limit", type=_memory_megabytes, default=DEFAULT_MEMORY_MB, metavar="MB",
                        help=f"cap the process's memory at MB megabytes where the platform allows "
                        f"(default: {DEFAULT_MEMORY_MB}; 0: no cap)")
    parser.add_argument("--version", action="version", version=f"symgrad {__version__}")
    return parser


def _number_between(kind: type, low: float, high: float, *, low_open: bool = False):
    """An argparse type: a number of `kind` in [low, high] (or (low, high])."""

    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
        if not (low < value if low_open else low <= value) or value > high or value != value:
            raise argparse.ArgumentTypeError(f"{text} is not between {low:g} and {high:g}")
        return value

    return convert


_non_negative_int = _number_between(int, 0, 10**6)
_dpi = _number_between(float, 10, 1200)
_positive_float = _number_between(float, 0, 3600, low_open=True)


def _error_lines(err: SymgradError) -> list[str]:
    lines = [f"symgrad: error: {err}"]
    if isinstance(err, ParseError) and err.text and err.column is not None:
        text = err.text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
        start = max(0, min(err.column - 1 - 35, len(text) - 70))
        window = text[start:start + 70]
        if window.isprintable() and all(_single_width(char) for char in window):
            lines += ["  " + window, "  " + " " * (err.column - 1 - start) + "^"]
    return lines


def _single_width(char: str) -> bool:
    """Whether `char` takes one column in a terminal, so a caret under it lines up."""
    import unicodedata

    return char.isascii() or (unicodedata.east_asian_width(char) not in "WF" and not unicodedata.combining(char))


def _default_variable(expression: str) -> str:
    from .graph import build_graph
    from .parse import parse

    inputs = build_graph(parse(expression)).graph["inputs"]
    if len(inputs) == 1:
        return inputs[0]
    from .errors import VariableError

    names = ", ".join(inputs) if inputs else "none"
    raise VariableError(f"choose the variable with --wrt (the expression's variables: {names})")


def _render(explanation, args) -> str:
    if args.format == "text":
        return explanation.to_text()
    if args.format == "markdown":
        return explanation.to_markdown()
    if args.format == "json":
        return explanation.to_json() + "\n"
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
        raise OptionError("--usetex: LaTeX could not typeset the labels (matplotlib needs latex, "
                          "dvipng and the cm-super fonts); leave out --usetex") from err


def _write_figures(explanation, args: argparse.Namespace) -> None:
    from .plot import save_figure, write_frames

    style = dict(theme=args.theme, usetex=args.usetex)
    if args.figure:
        labels = {"auto": None, "on": True, "off": False}[args.edge_labels]
        figure = explanation.plot(edge_labels=labels, **style)
        save_figure(figure, args.figure, dpi=args.dpi, transparent=args.transparent)
    if args.frames:
        write_frames(explanation, args.frames, kind=args.frame_format, values=explanation.values,
                     dpi=args.dpi, transparent=args.transparent, **style)


def run(args: argparse.Namespace) -> int:
    """Explain as `args` say, print, and return the exit code."""
    wrt = args.wrt if args.wrt is not None else _default_variable(args.expression)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SymgradWarning)
        explanation = explain(
            args.expression, wrt, share=not args.tree, prefix=args.prefix,
            output=args.output_name, max_paths=args.max_paths, time_limit=args.timeout,
            check=not args.no_check, at=args.at,
        )
        rendered = _render(explanation, args)
        _draw_figures(explanation, args)
    return deliver(rendered, args.out, caught, explanation)


def deliver(rendered: str, out: str | None, caught: list, explanation=None) -> int:
    """Print the warnings, write `rendered` to `out` (or stdout), and say the exit code.

    Shared by ``symgrad`` and ``symgrad mlp``: a mismatch with SymPy is exit 1.
    """
    for warning in caught:
        if issubclass(warning.category, SymgradWarning):
            print(f"symgrad: warning: {warning.message}", file=sys.stderr)
    if out:
        try:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(rendered)
        except OSError as err:
            print(f"symgrad: error: cannot write {out}: {err.strerror}", file=sys.stderr)
            return EXIT_USAGE
    else:
        sys.stdout.write(rendered)
    if explanation is not None and explanation.check.status == "mismatch":
        print(f"symgrad: error: the derivative disagrees with SymPy ({explanation.check.reason}); "
              "this is a bug, please report it", file=sys.stderr)
        return EXIT_MISMATCH
    return EXIT_OK


# --- memory cap: --memory-limit MB (RLIMIT_AS where the platform has it) -----------

DEFAULT_MEMORY_MB = 4096
_memory_megabytes = _number_between(int, 0, 2**20)


def _limit_memory(megabytes: int) -> None:
    """Lower the soft address-space limit to `megabytes` (0: leave it); a no-op without RLIMIT_AS."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    if megabytes == 0 or not hasattr(resource, "RLIMIT_AS"):
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = megabytes * 2**20
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft == resource.RLIM_INFINITY or wanted < soft:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
        except (ValueError, OSError):
            pass  # the platform refuses: run without the cap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``symgrad`` command; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "mlp":
        from .nn_cli import main as mlp_main
        return mlp_main(argv[1:])
    parser = build_parser()
    argv, shifted = _leading_minus(parser, argv)
    args = parser.parse_args(argv)
    if shifted:
        args.expression = args.expression[1:]
    return guarded(lambda: run(args), args.memory_limit)


def _leading_minus(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[list[str], bool]:
    """Let the expression start with '-' (``symgrad "-x^2" --wrt x``) when it is not an option.

    argparse takes such an argument for an option; a leading blank makes it a
    positional argument, and :func:`main` removes the blank again.
    """
    options = parser._option_string_actions  # noqa: SLF001 - the option table argparse keeps
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
        long_option = arg.startswith("--")
        if long_option or name in options or arg[:2] in options:
            action = options.get(name) or next((a for o, a in options.items() if o.startswith(name)), None)
            skip_value = action is not None and action.nargs != 0 and "=" not in arg and arg in options
            continue
        return argv[:index] + [" " + arg] + argv[index + 1:], True
    return argv, False


def guarded(action: Callable[[], int], memory_limit: int = DEFAULT_MEMORY_MB) -> int:
    """Run `action` under the memory cap; turn every failure into one line and an exit code."""
    try:
        _limit_memory(memory_limit)
        return action()
    except MemoryError:
        print(f"symgrad: error: out of memory (limit {memory_limit} MB)", file=sys.stderr)
        return EXIT_USAGE
    except SymgradError as err:
        print("\n".join(_error_lines(err)), file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("symgrad: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except RecursionError:
        print("symgrad: error: the expression is too deeply nested", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:  # noqa: BLE001 - never a traceback for users
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else ""
        print(f"symgrad: internal error: {type(err).__name__}: {first_line} (please report it)",
              file=sys.stderr)
        return EXIT_INTERNAL
