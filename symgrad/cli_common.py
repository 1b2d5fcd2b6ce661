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
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import EXIT_MISMATCH, EXIT_OK, EXIT_USAGE, OptionError, ParseError, SymgradError, TimeLimitExceeded
from .explain import MAX_LISTED_PATHS, SymgradWarning
from .i18n import gettext as _
from .i18n import use_language

__all__ = [
    "ArgumentParser", "FORMATS", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "DEFAULT_MEMORY_MB",
    "number_between", "max_paths", "timeout", "dpi", "memory_megabytes", "learning_rate", "seed",
    "add_memory_limit", "add_language", "language", "one_line", "error_lines", "deliver", "guarded",
    "check_output_file", "check_output_folder", "check_figure_suffix", "written_atomically", "written_folder", "to_ascii",
    "read_expression", "limit_memory", "minimum_memory_megabytes", "address_space_megabytes", "caused_by_memory",
    "MEMORY_HEADROOM_MB", "deck_path",
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
        self.exit(EXIT_USAGE, _("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": one_line(message)})


# --- option validators: one per kind of option ----------------------------------------


def number_between(kind: type, low: float, high: float, *, low_open: bool = False):
    """An argparse type: a number of `kind` in [low, high] (or (low, high] with `low_open`)."""

    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            message = _("{value} is not an integer") if kind is int else _("{value} is not a number")
            raise argparse.ArgumentTypeError(message.format(value=_shown(text))) from None
        if not (low < value if low_open else low <= value) or value > high or value != value:
            raise argparse.ArgumentTypeError(_("{value} is not between {low} and {high}").format(
                value=_shown(text), low=_bound(low), high=_bound(high)))
        return value

    return convert


def _bound(number: float) -> str:
    """A range's end as typed: 2147483648, not 2.14748e+09; 0.5, not 0.500000."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _shown(text: str) -> str:
    return repr(text[:40] + ("..." if len(text) > 40 else ""))


#: ``--max-paths N``.
max_paths = number_between(int, 0, MAX_LISTED_PATHS)
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
                        help=_("cap the process's memory at MB megabytes where the platform allows "
                               "(default: {default}; 0: no cap)").format(default=DEFAULT_MEMORY_MB))


def language(text: str) -> str:
    """``--lang``: a language symgrad has a catalog for."""
    from .i18n import check_language

    try:
        return check_language(text)
    except SymgradError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_language(parser: argparse.ArgumentParser) -> None:
    """Add ``--lang LANG`` to `parser`: the language of every sentence, heading and figure label."""
    parser.add_argument("--lang", type=language, default=None, metavar=_("LANG"),
                        help=_("language of the output and figures: en or ru "
                               "(default: $SYMGRAD_LANG, else en)"))


def deck_path(out: str | None) -> str:
    """The ``-o`` file of ``--format beamer``: a deck is a ``.tex`` file with its figures beside it."""
    from .errors import OptionError

    if not out or not out.endswith(".tex"):
        raise OptionError(_("--format beamer writes a deck and its figures beside it: give -o DECK.tex"))
    return out


# --- output and errors -------------------------------------------------------------------


def _single_width(char: str) -> bool:
    """Whether `char` takes one column in a terminal, so a caret under it lines up."""
    import unicodedata

    return char.isascii() or (unicodedata.east_asian_width(char) not in "WF" and not unicodedata.combining(char))


def error_lines(err: SymgradError) -> list[str]:
    """The message of `err` in one line, and for a parse error the text with a caret under the column."""
    lines = [_("symgrad: error: {message}").format(message=one_line(str(err)) + _timeout_hint(err))]
    if isinstance(err, ParseError) and err.text and err.column is not None:
        text = err.text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
        start = max(0, min(err.column - 1 - 35, len(text) - 70))
        window = text[start:start + 70]
        if window.isprintable() and all(_single_width(char) for char in window):
            lines += ["  " + window, "  " + " " * (err.column - 1 - start) + "^"]
    return lines


def _printable_error(err: SymgradError) -> str:
    """:func:`error_lines` joined, in English if standard error cannot carry the translation."""
    text = "\n".join(error_lines(err))
    if _encodable(text, sys.stderr):
        return text
    with use_language("en"):  # an ASCII terminal: the English words at least read
        return "\n".join(error_lines(_in_current_language(err)))


def _in_current_language(err: SymgradError) -> SymgradError:
    """A parse error raised again in the current language (its message was translated when raised)."""
    if not isinstance(err, ParseError) or not err.text:
        return err
    from .parse import parse

    try:
        parse(err.text)  # the same text, the same default limits: bounded, and refused again
    except ParseError as again:
        return again if again.column == err.column else err
    return err


def _timeout_hint(err: SymgradError) -> str:
    """`` (try --timeout 30)`` after a run that ran out of its budget, else nothing."""
    seconds = getattr(err, "budget_seconds", None)
    if not isinstance(err, TimeLimitExceeded) or seconds is None or seconds >= 3600:
        return ""
    return " " + _("(try --timeout {seconds:g})").format(seconds=min(3600, max(30, 3 * round(seconds))))


def deliver(rendered: str | None, out: str | None, caught: list, explanation=None, *,
            ascii_fallback: bool = False) -> int:
    """Print the warnings, write `rendered` to `out` (or stdout), and say the exit code.

    `out` is written whole or not at all (:func:`written_atomically`). Text that
    standard output's encoding cannot carry is spelled in ASCII with
    `ascii_fallback` (:func:`to_ascii`), else refused (exit 2). `rendered` None:
    nothing to print. A mismatch with SymPy is exit 1.
    """
    for warning in caught:
        if issubclass(warning.category, SymgradWarning):
            print(_("symgrad: warning: {message}").format(message=warning.message), file=sys.stderr)
    if out:
        with written_atomically(out) as temporary:
            temporary.write_text(rendered, encoding="utf-8")
    elif rendered is not None:
        sys.stdout.write(_printable(rendered, ascii_fallback))
    if explanation is not None and explanation.check.status == "mismatch":
        print(_("symgrad: error: the derivative disagrees with SymPy ({reason}); this is a bug, please report it")
              .format(reason=explanation.check.reason), file=sys.stderr)
        return EXIT_MISMATCH
    return EXIT_OK


# --- files: checked before the work, written whole or not at all -------------------------


def read_expression(text: str) -> str:
    """`text`, or for ``-`` the expression read from standard input (one line or several, stripped)."""
    if text != "-":
        return text
    expression = sys.stdin.read().strip()
    if not expression:
        raise OptionError(_("no expression on standard input (the expression '-' reads it from there)"))
    return expression


def check_output_file(path: str | None, option: str) -> None:
    """Refuse at once (exit 2) an output file that cannot be written: empty, a folder, no such folder."""
    if path is None:
        return
    if not path:
        raise OptionError(_("{option}: the file name is empty").format(option=option))
    target = Path(path)
    if target.is_dir():
        raise OptionError(_("{option}: {path} is a folder, not a file").format(option=option, path=one_line(path)))
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise OptionError(_("{option}: cannot write {path}: {folder} is a file, not a folder").format(
            option=option, path=one_line(path), folder=one_line(str(folder))))
    if not folder.is_dir():
        raise OptionError(_("{option}: cannot write {path}: the folder {folder} does not exist").format(
            option=option, path=one_line(path), folder=one_line(str(folder))))


# Opens like check_output_file (None, empty, Path); the checks after differ, and each
# message names a folder, not a file, so the two stay apart.
def check_output_folder(path: str | None, option: str) -> None:
    """Refuse at once (exit 2) an output folder that cannot be made: empty, a file, under a file."""
    if path is None:
        return
    if not path:
        raise OptionError(_("{option}: the folder name is empty").format(option=option))
    target = Path(path)
    existing = next((p for p in (target, *target.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise OptionError(_("{option}: {path} is a file, not a folder").format(
            option=option, path=one_line(str(existing))))


def check_figure_suffix(path: str | None, option: str, suffixes: tuple[str, ...]) -> None:
    """Refuse at once (exit 2) a figure file whose extension is none of `suffixes` (``.png``, ...)."""
    if path and Path(path).suffix.lower() not in suffixes:
        raise OptionError(_("{option} {path}: the extension must be one of {suffixes}").format(
            option=option, path=one_line(path), suffixes=", ".join(suffixes)))


def _cannot_write(path, err: OSError, option: str) -> OptionError:
    reason = err.strerror or type(err).__name__
    return OptionError(_("{option}: cannot write {path}: {reason}").format(
        option=option, path=one_line(str(path)), reason=reason))


def _permissions_for_new_files() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def written_atomically(path: str, option: str = "-o") -> Iterator[Path]:
    """A temporary file beside `path` to write to; renamed to `path` only if the block succeeds.

    Nothing half-written is left behind: on any failure the temporary file is
    removed, and an :class:`OSError` becomes an :class:`OptionError` (exit 2)
    naming `option` and `path`.
    """
    target = Path(path)
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=target.suffix)
        os.close(handle)
        os.chmod(name, _permissions_for_new_files())
    except OSError as err:
        raise _cannot_write(path, err, option) from None
    try:
        yield Path(name)
        os.replace(name, target)
    except OSError as err:
        _remove(Path(name))
        raise _cannot_write(path, err, option) from None
    except BaseException:
        _remove(Path(name))
        raise


@contextmanager
def written_folder(path: str, option: str = "--frames") -> Iterator[Path]:
    """A temporary folder beside `path` to write files to; they move into `path` only if the block succeeds."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    except OSError as err:
        raise _cannot_write(path, err, option) from None
    try:
        yield temporary
        target.mkdir(exist_ok=True)
        for item in sorted(temporary.iterdir()):
            os.replace(item, target / item.name)
    except OSError as err:
        raise _cannot_write(path, err, option) from None
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


# --- text a terminal's encoding cannot carry -------------------------------------------------

#: Characters of the text format and their ASCII spelling.
_ASCII = {"\u00b7": "*", "\u2202": "d", "\u2190": "<-", "\u2192": "->", "\u2500": "-", "\u2212": "-",
          "\u03c3": "sigma", "\u03b7": "eta", "\u2211": "sum", "\u2248": "~", "\u2026": "...",
          "\u00d7": "x", "\u2264": "<=", "\u2265": ">=", "\u2260": "!=", "\u221a": "sqrt",
          "\u2022": "*", "\u2013": "-", "\u2014": "--", "\u2299": "(.)", "\u2032": "'"}
_SUPERSCRIPTS = ("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207a\u207b\u207d\u207e\u207f"
                 "\u02e1\u1d40")  # also superscript l and T (layer indices, transposes)
_SUBSCRIPTS = "\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089\u208a\u208b\u208d\u208e"


def _greek_names() -> dict[str, str]:
    from .render.printers import GREEK
    return {letter: name for name, letter in GREEK.items()}


#: Greek letters spelled as they are typed (α: alpha, δ: delta).
_GREEK_NAMES = _greek_names()


def _superscript(match: re.Match) -> str:
    power = unicodedata.normalize("NFKC", match.group())
    return "^" + (power if len(power) == 1 or power.startswith("(") else f"({power})")


def to_ascii(text: str) -> str | None:
    """`text` (the ``text`` format) spelled in ASCII: x² as x^2, u₃ as u3, ū₃ as u3_bar, ∂ as d; None if it cannot be.

    Examples
    --------
    >>> to_ascii("\u2202f/\u2202x\u2081 = 2\u00b7x\u2081\u00b2 ; f\u0304 = 1 ; u\u0304\u2083")
    'df/dx1 = 2*x1^2 ; f_bar = 1 ; u3_bar'
    >>> to_ascii("\u20ac") is None
    True
    """
    text = unicodedata.normalize("NFD", text)
    text = re.sub(f"(\\w)\u0304([{_SUBSCRIPTS}]*)", lambda m: m.group(1) + m.group(2) + "_bar", text)
    text = re.sub("(\\w)\u0302", lambda m: m.group(1) + "hat", text)  # ŷ: yhat, as it is typed
    text = text.replace("\u0304", "_bar")  # a bar over anything else (a bracket, a superscript)
    text = re.sub(f"[{_SUPERSCRIPTS}]+", _superscript, text)
    text = re.sub(f"(\\)?)([{_SUBSCRIPTS}]+)", lambda m: m.group(1) + ("_" if m.group(1) else "")
                  + unicodedata.normalize("NFKC", m.group(2)), text)
    text = "".join(_ASCII.get(char) or _GREEK_NAMES.get(char, char) for char in text)
    return text if text.isascii() else None


def _encodable(text: str, stream) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except UnicodeEncodeError:
        return False
    except LookupError:
        return True
    return True


def _printable(rendered: str, ascii_fallback: bool) -> str:
    """`rendered` as standard output's encoding can carry it, or an :class:`OptionError`."""
    if _encodable(rendered, sys.stdout):
        return rendered
    spelled = to_ascii(rendered) if ascii_fallback else None
    if spelled is not None:
        return spelled
    encoding = getattr(sys.stdout, "encoding", None) or "?"
    # In English on purpose: a terminal that cannot print the output may not print a translation either.
    raise OptionError(f"the output encoding {encoding} cannot print this text; write it to a file with -o, "
                      "or set PYTHONIOENCODING=utf-8")


#: Address space a run needs beyond what the interpreter has mapped when the cap is set
#: (SymPy's caches, the graph, matplotlib when drawing): a smaller cap is refused.
MEMORY_HEADROOM_MB = 256


def address_space_megabytes() -> int | None:
    """The address space this process has mapped now, in MB (None where unknown: not Linux)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    import resource

    return -(-pages * resource.getpagesize() // 2**20)


def minimum_memory_megabytes() -> int | None:
    """The smallest ``--memory-limit`` accepted now: the mapped address space plus the headroom."""
    used = address_space_megabytes()
    return None if used is None else used + MEMORY_HEADROOM_MB


def _advised(needed: int) -> int:
    """The least cap to advise: `needed` rounded up to 16 MB with 8 MB to spare.

    A run maps a megabyte or two more or less than the last one (address-space
    layout), so advising the exact figure could see it refused next time.

    >>> _advised(333), _advised(336)
    (352, 352)
    """
    return -(-(needed + 8) // 16) * 16


def limit_memory(megabytes: int) -> None:
    """Lower the soft address-space limit to `megabytes` (0: leave it); a no-op without RLIMIT_AS.

    Raises
    ------
    OptionError
        If `megabytes` is less than the process needs (:func:`minimum_memory_megabytes`):
        such a cap would fail at a random allocation of the start-up, not in the run.
    """
    try:
        import resource
    except ImportError:  # not POSIX
        return
    if megabytes == 0 or not hasattr(resource, "RLIMIT_AS"):
        return
    needed = minimum_memory_megabytes()
    if needed is not None and megabytes < needed:
        raise OptionError(_("--memory-limit {limit} MB is less than symgrad needs to run here ({needed} MB); "
                            "give at least {needed}, or 0 for no cap").format(limit=megabytes,
                                                                              needed=_advised(needed)))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = megabytes * 2**20
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft == resource.RLIM_INFINITY or wanted < soft:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
        except (ValueError, OSError):
            pass  # the platform refuses: run without the cap


def _tolerant_stderr() -> None:
    """Let messages reach stderr whatever its encoding (characters it cannot carry as escapes)."""
    reconfigure = getattr(sys.stderr, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):
            pass


_limit_memory = limit_memory  # the name before issue 15


def _release_memory_cap(soft_before) -> None:
    """Put the address-space limit back, so that the error can be printed and the process end cleanly."""
    if soft_before is None:
        return
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (soft_before, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ValueError, OSError):
        pass


def _soft_memory_limit():
    try:
        import resource
    except ImportError:
        return None
    return resource.getrlimit(resource.RLIMIT_AS)[0] if hasattr(resource, "RLIMIT_AS") else None


def caused_by_memory(err: BaseException) -> bool:
    """Whether `err` is, or was raised while handling, a :class:`MemoryError`.

    Out of memory inside a lazy import or C code can surface as ``SystemError``
    or ``ImportError`` with the MemoryError as its cause or context.
    """
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, MemoryError):
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return False


def guarded(action: Callable[[], int], memory_limit: int = DEFAULT_MEMORY_MB) -> int:
    """Run `action` under the memory cap; turn every failure into one line and an exit code.

    Bad input is exit 2 (:class:`SymgradError` says its own code), running out of
    memory exit 2 with its own message (whatever exception it surfaced as), anything
    else a bug: exit 3.
    """
    _tolerant_stderr()
    out_of_memory = _("symgrad: error: {message}").format(  # made before the cap
        message=_("out of memory (limit {limit} MB)").format(limit=memory_limit))
    soft_before = _soft_memory_limit()
    try:
        try:
            limit_memory(memory_limit)
            return action()
        except BaseException as err:
            if caused_by_memory(err):
                _release_memory_cap(soft_before)
                print(out_of_memory, file=sys.stderr)
                return EXIT_USAGE
            raise
        finally:
            _release_memory_cap(soft_before)
    except MemoryError:
        print(out_of_memory, file=sys.stderr)
        return EXIT_USAGE
    except SymgradError as err:
        print(_printable_error(err), file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(_("symgrad: interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except RecursionError:
        print(_("symgrad: error: {message}").format(message=_("the expression is too deeply nested")), file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:  # noqa: BLE001 - the one guard: a bug is one line and exit 3
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else ""
        print(_("symgrad: internal error: {error} (please report it)").format(
            error=f"{type(err).__name__}: {first_line}"), file=sys.stderr)
        return EXIT_INTERNAL
