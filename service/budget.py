"""A time budget for one message: SIGALRM interrupts the worker when the message has taken too long.

The worker runs on the main thread of its own process (``serve`` starts it
with ``--only worker,sender,scheduler``), so a real-time interval timer can stop
it wherever it is in Python code, and even inside a regular expression: ``_sre``
checks for signals as it matches, and the handler's exception ends the match.
(C code that never checks, such as libxml2 parsing, runs to its end first; the
inputs it gets are capped in ``intake.mime`` so that end is near.) Off the main
thread, or where the platform has no ``setitimer``, the budget does nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class BudgetExceeded(Exception):
    """The message took longer than its processing budget."""


@contextmanager
def budget(seconds: float | None) -> Iterator[None]:
    """Raise BudgetExceeded inside the block once it has run ``seconds``."""
    if not seconds or not _can_interrupt():
        yield
        return

    def expired(_signum: int, _frame: object) -> None:
        raise BudgetExceeded(f"processing took longer than its budget of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _can_interrupt() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
