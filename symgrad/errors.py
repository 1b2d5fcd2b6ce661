"""The exceptions symgrad raises, and the CLI exit code of each.

Every error a user can cause is a :class:`SymgradError`; its message is one
line that names the problem and, where there is one, the place.

Examples
--------
>>> from symgrad.errors import ParseError
>>> err = ParseError("unknown character '@'", text="x @ y", column=3)
>>> str(err)
"unknown character '@' at column 3"
>>> err.exit_code
2
"""

from __future__ import annotations

__all__ = [
    "SymgradError",
    "ParseError",
    "VariableError",
    "OptionError",
    "GraphError",
    "PointError",
    "TimeLimitExceeded",
    "SymgradWarning",
    "EXIT_OK",
    "EXIT_MISMATCH",
    "EXIT_USAGE",
]

#: The derivation ran and agreed with SymPy (or could not be checked).
EXIT_OK = 0
#: symgrad's derivative disagrees with SymPy's: a bug, please report it.
EXIT_MISMATCH = 1
#: The input or an option was refused (parse error, unknown variable, ...).
EXIT_USAGE = 2


class SymgradError(Exception):
    """Base class of every error caused by what a user typed or asked for."""

    exit_code = EXIT_USAGE


class ParseError(SymgradError, ValueError):
    """The expression text was refused.

    Parameters
    ----------
    message : str
        What is wrong, without the position.
    text : str
        The text that was parsed.
    column : int or None
        1-based column of the offending character, if known.
    """

    def __init__(self, message: str, text: str = "", column: int | None = None):
        self.message = message
        self.text = text
        self.column = column
        from .i18n import gettext as _  # here: i18n imports this module

        super().__init__(_("{message} at column {column}").format(message=message, column=column)
                         if column is not None else message)


class VariableError(SymgradError, ValueError):
    """A variable name given with ``wrt`` (or similar) is not usable."""


class OptionError(SymgradError, ValueError):
    """An option has an unknown name or a value out of range."""


class GraphError(SymgradError, ValueError):
    """A SymPy expression cannot be turned into a computation graph, or a graph into numbers.

    The second case: abstract functions such as ``f(x)`` have no values, so a
    graph with one cannot be compiled into a numeric tape (``--at``).
    """


class PointError(SymgradError, ValueError):
    """A point given with ``--at`` is malformed, or the expression is undefined there."""


class TimeLimitExceeded(SymgradError):
    """A step did not finish within its time budget."""


class SymgradWarning(UserWarning):
    """A legal but degenerate request, e.g. a variable that does not occur."""
