"""What both commands (``symgrad EXPRESSION`` and ``symgrad mlp``) share.

The argument parser class whose errors are one line, one validator per kind of
option (the same option has the same range under every command), the output
formats, the delivery of the result, and the guard that turns every failure
into one line on stderr and an exit code. :mod:`symgrad.cli` and
:mod:`symgrad.nn.cli` import this module; it imports neither.

Exit codes: 0 success, 1 the derivative disagrees with SymPy (a bug), 2 bad
input or options (and running out of memory), 3 internal error (a bug), 130
interrupted.

Examples
--------
>>> timeout("2.5")
2.5
>>> dpi("5")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: '5' is not between 10 and 1200
>>> one_line("a\\nb\\n")
'a\\\\nb'
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .errors import EXIT_MISMATCH, EXIT_OK, EXIT_USAGE, ParseError, SymgradError
from .explain import SymgradWarning

__all__ = [
    "ArgumentParser", "FORMATS", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "DEFAULT_MEMORY_MB",
    "number_between", "max_paths", "timeout", "dpi", "memory_megabytes", "learning_rate", "seed",
    "add_memory_limit", "one_line", "error_lines", "deliver", "guarded", "deck_path",
]

#: A bug in symgrad (reported in one line, never a traceback).
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
#: The output formats of both commands.
FORMATS = ("latex", "text", "markdown", "json", "beamer")
DEFAULT_MEMORY_MB = 4096


def one_line(text: str) -> str:
    """`text` without line breaks (each shown as ``\\n``), for a one-line message."""
    return "\\n".join(text.splitlines())


class ArgumentParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose error message is one line, whatever was typed."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)}\n")


# --- option validators: one per kind of option ----------------------------------------


def number_between(kind: type, low: float, high: float, *, low_open: bool = False):
    """An argparse type: a number of `kind` in [low, high] (or (low, high] with `low_open`)."""

    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{_shown(text)} is not {what}") from None
        if not (low < value if low_open else low <= value) or value > high or value != value:
            raise argparse.ArgumentTypeError(f"{_shown(text)} is not between {low:g} and {high:g}")
        return value

    return convert


def _shown(text: str) -> str:
    return repr(text[:40] + ("..." if len(text) > 40 else ""))


#: ``--max-paths N``.
max_paths = number_between(int, 0, 10**6)
#: ``--timeout SECONDS``.
timeout = number_between(float, 0, 3600, low_open=True)
#: ``--dpi``.
dpi = number_between(float, 10, 1200)
#: ``--memory-limit MB`` (0: no cap).
memory_megabytes = number_between(int, 0, 2**20)
#: ``--lr ETA`` of ``symgrad mlp`` (the range :func:`symgrad.nn.numbers` accepts).
learning_rate = number_between(float, 0, 100, low_open=True)
#: ``--seed N`` of ``symgrad mlp``.
seed = number_between(int, 0, 2**31)


def add_memory_limit(parser: argparse.ArgumentParser) -> None:
    """Add ``--memory-limit MB`` to `parser`."""
    parser.add_argument("--memory-limit", type=memory_megabytes, default=DEFAULT_MEMORY_MB, metavar="MB",
                        help=f"cap the process's memory at MB megabytes where the platform allows "
                        f"(default: {DEFAULT_MEMORY_MB}; 0: no cap)")


def deck_path(out: str | None) -> str:
    """The ``-o`` file of ``--format beamer``: a deck is a ``.tex`` file with its figures beside it."""
    from .errors import OptionError

    if not out or not out.endswith(".tex"):
        raise OptionError("--format beamer writes a deck and its figures beside it: give -o DECK.tex")
    return out


# --- output and errors -------------------------------------------------------------------


def _single_width(char: str) -> bool:
    """Whether `char` takes one column in a terminal, so a caret under it lines up."""
    import unicodedata

    return char.isascii() or (unicodedata.east_asian_width(char) not in "WF" and not unicodedata.combining(char))


def error_lines(err: SymgradError) -> list[str]:
    """The message of `err` in one line, and for a parse error the text with a caret under the column."""
    lines = [f"symgrad: error: {one_line(str(err))}"]
    if isinstance(err, ParseError) and err.text and err.column is not None:
        text = err.text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
        start = max(0, min(err.column - 1 - 35, len(text) - 70))
        window = text[start:start + 70]
        if window.isprintable() and all(_single_width(char) for char in window):
            lines += ["  " + window, "  " + " " * (err.column - 1 - start) + "^"]
    return lines


def deliver(rendered: str, out: str | None, caught: list, explanation=None) -> int:
    """Print the warnings, write `rendered` to `out` (or stdout), and say the exit code.

    A mismatch with SymPy is exit 1.
    """
    for warning in caught:
        if issubclass(warning.category, SymgradWarning):
            print(f"symgrad: warning: {warning.message}", file=sys.stderr)
    if out:
        try:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(rendered)
        except OSError as err:
            print(f"symgrad: error: cannot write {one_line(out)}: {err.strerror}", file=sys.stderr)
            return EXIT_USAGE
    else:
        sys.stdout.write(rendered)
    if explanation is not None and explanation.check.status == "mismatch":
        print(f"symgrad: error: the derivative disagrees with SymPy ({explanation.check.reason}); "
              "this is a bug, please report it", file=sys.stderr)
        return EXIT_MISMATCH
    return EXIT_OK


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


def guarded(action: Callable[[], int], memory_limit: int = DEFAULT_MEMORY_MB) -> int:
    """Run `action` under the memory cap; turn every failure into one line and an exit code.

    Bad input is exit 2 (:class:`SymgradError` says its own code), running out of
    memory exit 2 with its own message, anything else a bug: exit 3.
    """
    try:
        _limit_memory(memory_limit)
        return action()
    except MemoryError:
        print(f"symgrad: error: out of memory (limit {memory_limit} MB)", file=sys.stderr)
        return EXIT_USAGE
    except SymgradError as err:
        print("\n".join(error_lines(err)), file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("symgrad: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except RecursionError:
        print("symgrad: error: the expression is too deeply nested", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:  # noqa: BLE001 - the one guard: a bug is one line and exit 3
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else ""
        print(f"symgrad: internal error: {type(err).__name__}: {first_line} (please report it)",
              file=sys.stderr)
        return EXIT_INTERNAL
