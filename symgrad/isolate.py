"""Hard bounds in any thread: an explanation computed in a child process.

:func:`symgrad.explain` keeps its time budget cooperatively in every thread and
with a timer signal in the main thread (:mod:`symgrad.deadline`). A web server's
worker thread that needs a bound no step can escape (a long call inside SymPy
has no checkpoint) runs the explanation in a child process instead:
:func:`explain_in_subprocess` starts a fresh interpreter (``multiprocessing``,
"spawn" context: nothing of the parent is inherited), caps its memory, and
kills it if it has not answered within the budget.
"""

from __future__ import annotations

import multiprocessing
import warnings
from collections.abc import Mapping

from . import errors
from .errors import OptionError, SymgradError, TimeLimitExceeded
from .i18n import gettext as _

__all__ = ["explain_in_subprocess", "OUTPUTS", "STARTUP_SECONDS", "GRACE_SECONDS"]

#: What :func:`explain_in_subprocess` can return: the data of ``to_dict()`` or a rendering.
OUTPUTS = ("dict", "latex", "text", "markdown", "json")
#: Seconds the child may take to start (import Python, SymPy and symgrad), not counted in the budget.
STARTUP_SECONDS = 60.0
#: Seconds past the budget before the child is killed (its own timer normally ends it first).
GRACE_SECONDS = 1.0


def explain_in_subprocess(expr: str, wrt: str, *, time_limit: float = 10.0, output: str = "dict",
                          memory_limit: int = 4096, **options) -> dict | str:
    """:func:`symgrad.explain` in a child process, killed when its budget runs out.

    Safe to call from any thread. The child runs the whole explanation
    (parse, graph, derivative, check, rendering) within `time_limit` seconds,
    counted from when it has started; if it has not answered
    :data:`GRACE_SECONDS` later it is killed.

    Parameters
    ----------
    expr : str
        The expression text (as for :func:`symgrad.explain`).
    wrt : str
        The variable.
    time_limit : float, default 10
        The budget of the whole explanation, in seconds.
    output : {"dict", "latex", "text", "markdown", "json"}
        Return ``to_dict()`` of the explanation, or its rendering.
    memory_limit : int, default 4096
        Cap of the child's address space in megabytes (0: none), where the platform allows.
    **options
        Further keyword arguments of :func:`symgrad.explain` (plain values: they are pickled).

    Returns
    -------
    dict or str

    Raises
    ------
    TimeLimitExceeded
        The child ran out of its budget, or was killed at the limit.
    SymgradError
        The same refusal :func:`symgrad.explain` gives (ParseError, VariableError, ...).
    MemoryError
        The child ran out of its memory cap.

    Examples
    --------
    >>> explain_in_subprocess("x*sin(x)", "x", time_limit=20)["derivative"]
    'x*cos(x) + sin(x)'
    """
    if output not in OUTPUTS:
        raise OptionError(_("output must be one of {choices}, got {value!r}").format(
            choices=", ".join(OUTPUTS), value=output))
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, expr, wrt, time_limit, output, memory_limit, options),
                            daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(STARTUP_SECONDS) or receiver.recv() != "ready":
            raise TimeLimitExceeded(_("the child process did not start within {seconds:g} s").format(
                seconds=STARTUP_SECONDS))
        if not receiver.poll(time_limit + GRACE_SECONDS):
            err = TimeLimitExceeded(_("the time budget of {seconds:g} s ran out; the child process "
                                      "was stopped").format(seconds=time_limit))
            err.budget_seconds = time_limit
            raise err
        kind, payload = receiver.recv()
    except EOFError:
        raise MemoryError(_("the child process ended without an answer (out of memory?)")) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    return _result(kind, payload)


def _result(kind: str, payload):
    if kind == "ok":
        return payload
    if kind == "memory":
        raise MemoryError(payload)
    if kind == "refused":
        name, message = payload
        error = getattr(errors, name, SymgradError)
        raise error(message) if issubclass(error, SymgradError) else SymgradError(message)
    raise RuntimeError(payload)


def _child(sender, expr: str, wrt: str, time_limit: float, output: str, memory_limit: int,
           options: Mapping) -> None:
    """The child's side: explain within the budget, send ("ok" | "refused" | "memory" | "bug", payload)."""
    from .cli_common import limit_memory  # noqa: PLC0415 - imported in the child only
    from .deadline import run_within  # noqa: PLC0415
    from .explain import explain  # noqa: PLC0415

    limit_memory(memory_limit)
    sender.send("ready")
    try:
        with warnings.catch_warnings(), run_within(time_limit):
            warnings.simplefilter("ignore")
            explanation = explain(expr, wrt, time_limit=time_limit, **options)
            result = explanation.to_dict() if output == "dict" else getattr(explanation, f"to_{output}")()
        sender.send(("ok", result))
    except SymgradError as err:
        sender.send(("refused", (type(err).__name__, str(err))))
    except MemoryError:
        sender.send(("memory", _("out of memory (limit {limit} MB)").format(limit=memory_limit)))
    except Exception as err:  # noqa: BLE001 - reported to the parent as a bug, in one line
        sender.send(("bug", f"{type(err).__name__}: {str(err).strip()[:300]}"))
    finally:
        sender.close()
