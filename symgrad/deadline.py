"""Time budgets for steps that may run long (SymPy's ``diff`` and ``simplify``).

On POSIX, in the main thread, :func:`time_limit` interrupts the step with
:class:`~symgrad.errors.TimeLimitExceeded` when its budget runs out (a timer
signal). Elsewhere nothing can interrupt pure-Python code safely, so
:func:`can_interrupt` says ``False`` and callers skip the open-ended steps.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import TimeLimitExceeded

__all__ = ["time_limit", "can_interrupt", "Budget"]


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
        raise TimeLimitExceeded(f"no time left for {what}")
    if not can_interrupt():
        yield
        return

    outer_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_remaining and outer_remaining <= seconds:
        yield  # the enclosing limit is the tighter one and stays in charge
        return

    def expire(signum, frame):
        raise TimeLimitExceeded(f"{what} did not finish within {seconds:.3g} s")

    previous_handler = signal.signal(signal.SIGALRM, expire)
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if outer_remaining:
            left = outer_remaining - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


class Budget:
    """A total time budget shared by several steps.

    Examples
    --------
    >>> budget = Budget(10.0)
    >>> 9.0 < budget.remaining() <= 10.0
    True
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.started = time.monotonic()

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def limit(self, what: str, fraction: float = 1.0):
        """A :func:`time_limit` for `what` using `fraction` of what is left."""
        return time_limit(self.remaining() * fraction, what)
