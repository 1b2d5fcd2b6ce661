"""Time budgets: one for a whole run, shared by its stages, in any thread.

A run (a CLI command, one call of the API such as :func:`symgrad.explain` or
:meth:`~symgrad.Explanation.to_latex`) happens inside :func:`run_within`, which
makes its :class:`Budget` the active one for the current thread (a context
variable). Each stage says its name with :func:`stage` ("building the graph",
"drawing the figure", ...) and long loops call :func:`checkpoint`; when the
budget is spent, either raises :class:`~symgrad.errors.TimeLimitExceeded` whose
one-line message names the stage. This cooperative bound works in every thread.

On POSIX, in the main thread, a timer signal is the backstop: it interrupts
even a long step inside SymPy or matplotlib that has no checkpoint, and
:func:`time_limit` bounds single steps (SymPy's ``diff`` and ``simplify``) the
same way. Elsewhere nothing can interrupt pure-Python code safely, so
:func:`can_interrupt` says ``False`` and callers skip the open-ended steps; for
a hard bound off the main thread run the whole explanation in a child process
(:func:`symgrad.explain_in_subprocess`).
"""

from __future__ import annotations

import contextvars
import functools
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .errors import TimeLimitExceeded
from .i18n import gettext as _

__all__ = ["time_limit", "can_interrupt", "Budget", "run_within", "stage", "checkpoint",
           "current_budget", "budgeted"]

#: After the backstop signal has fired once it fires again this often, so that code which
#: catches one TimeLimitExceeded (a fallback) cannot run on past the budget.
_REPEAT_SECONDS = 0.1


def can_interrupt() -> bool:
    """Whether :func:`time_limit` can stop a step here (POSIX main thread)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float, what: str = "step") -> Iterator[None]:
    """Run the body for at most `seconds`, or raise :class:`TimeLimitExceeded`.

    Nested limits are honoured: the inner one never extends the outer one.

    Examples
    --------
    >>> with time_limit(5.0):
    ...     total = sum(range(10))
    >>> total
    45
    """
    if seconds <= 0:
        raise TimeLimitExceeded(_("no time left for {step}").format(step=what))
    if not can_interrupt():
        yield
        return

    outer_remaining, _interval = signal.getitimer(signal.ITIMER_REAL)
    if outer_remaining and outer_remaining <= seconds:
        yield  # the enclosing limit is the tighter one and stays in charge
        return

    def expire(signum, frame):
        raise TimeLimitExceeded(_("{step} did not finish within {seconds:.3g} s").format(step=what, seconds=seconds))

    previous_handler = signal.signal(signal.SIGALRM, expire)
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with _raised_again_when_swallowed():
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if outer_remaining:
            left = outer_remaining - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


class Budget:
    """A total time budget shared by several steps.

    Attributes
    ----------
    seconds : float
        The whole budget.
    stage : str
        What the run is doing now (set by :func:`stage`); named when time runs out.

    Examples
    --------
    >>> budget = Budget(10.0)
    >>> 9.0 < budget.remaining() <= 10.0
    True
    >>> str(Budget(10.0, stage="drawing the figure").ran_out())
    'the time budget of 10 s ran out while drawing the figure'
    """

    def __init__(self, seconds: float, stage: str = ""):
        self.seconds = seconds
        self.started = time.monotonic()
        self.stage = stage or _("starting")

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def ran_out(self, what: str | None = None) -> TimeLimitExceeded:
        """The error that says this budget ran out while doing `what` (default: the current stage)."""
        err = TimeLimitExceeded(_("the time budget of {seconds:g} s ran out while {stage}").format(
            seconds=float(f"{self.seconds:.3g}"), stage=what or self.stage))
        err.budget_seconds = self.seconds
        err.stage = what or self.stage
        return err

    def check(self, what: str | None = None) -> None:
        """Raise :meth:`ran_out` if the budget is spent."""
        if time.monotonic() - self.started >= self.seconds:
            raise self.ran_out(what)

    def limit(self, what: str, fraction: float = 1.0):
        """A :func:`time_limit` for `what` using `fraction` of what is left."""
        return time_limit(self.remaining() * fraction, what)


# --- the budget of a whole run ---------------------------------------------------------

_active: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("symgrad_budget", default=None)


def current_budget() -> Budget | None:
    """The budget of the run in progress in this thread (context), if any."""
    return _active.get()


def checkpoint(what: str | None = None) -> None:
    """Raise :class:`TimeLimitExceeded` if the active budget is spent (cheap; call it in long loops).

    Examples
    --------
    >>> with run_within(5.0):
    ...     checkpoint()
    >>> checkpoint()  # no run in progress: nothing to check
    """
    budget = _active.get()
    if budget is not None:
        budget.check(what)


@contextmanager
def stage(what: str) -> Iterator[None]:
    """Name the stage the active run is in for the body (restored after); check the budget on entry.

    Examples
    --------
    >>> with run_within(5.0) as budget, stage("listing the paths"):
    ...     budget.stage
    'listing the paths'
    """
    budget = _active.get()
    if budget is None:
        yield
        return
    budget.check(what)
    previous, budget.stage = budget.stage, what
    try:
        yield
    finally:
        budget.stage = previous


@contextmanager
def run_within(seconds: float, *, hard: bool = True) -> Iterator[Budget]:
    """Run the body under a budget of `seconds` shared by every stage inside it.

    If a run is already in progress (an enclosing :func:`run_within`), its
    budget stays in charge and is the one yielded: a whole CLI command is one
    run. Otherwise a new :class:`Budget` becomes the active one for this
    thread; with `hard`, in the main thread on POSIX, a timer signal also
    interrupts a step that has no checkpoint when the budget is spent.

    Examples
    --------
    >>> with run_within(5.0) as budget:
    ...     budget.seconds
    5.0
    """
    outer = _active.get()
    if outer is not None:
        yield outer
        return
    budget = Budget(seconds)
    token = _active.set(budget)
    try:
        if hard and can_interrupt():
            with _backstop(budget):
                yield budget
        else:
            yield budget
    finally:
        _active.reset(token)


@contextmanager
def _backstop(budget: Budget) -> Iterator[None]:
    """A timer signal that raises ``budget.ran_out()`` when the budget is spent, and again every 0.1 s."""
    outer_remaining, _interval = signal.getitimer(signal.ITIMER_REAL)
    if outer_remaining and outer_remaining <= budget.remaining():
        yield  # an enclosing timer (a test's timeout) is the tighter one
        return

    def expire(signum, frame):
        signal.setitimer(signal.ITIMER_REAL, _REPEAT_SECONDS)
        raise budget.ran_out()

    previous_handler = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(budget.remaining(), 1e-3))
    try:
        with _raised_again_when_swallowed():
            yield
    finally:
        while True:  # stop the timer, even if it fires once more on the way (its handler re-arms it)
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
                break
            except TimeLimitExceeded:
                continue
        signal.signal(signal.SIGALRM, previous_handler)
        if outer_remaining:
            left = outer_remaining - (time.monotonic() - budget.started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


@contextmanager
def _raised_again_when_swallowed() -> Iterator[None]:
    """While a timer signal may raise :class:`TimeLimitExceeded`: when Python swallows it, raise it again soon.

    The signal can arrive while a weakref callback or a ``__del__`` runs;
    Python then prints "Exception ignored in ..." and goes on. Here such an
    exception is not printed, and the timer fires again after a millisecond,
    in the code that was running, so the budget still ends the step.
    """
    previous = sys.unraisablehook

    def hook(unraisable) -> None:
        if isinstance(unraisable.exc_value, TimeLimitExceeded):
            signal.setitimer(signal.ITIMER_REAL, 1e-3)
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


def budgeted(what: str) -> Callable:
    """Decorate a method of an object with a ``time_limit``: the call is a run (or a stage of one).

    The call runs within :func:`run_within` ``(self.time_limit)`` and is named
    `what` (translated when the name is shown).
    """

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            with run_within(self.time_limit), stage(_(what)):
                return method(self, *args, **kwargs)
        return wrapper

    return decorate
