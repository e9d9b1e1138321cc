"""The per-message time budget: SIGALRM stops the worker's main thread, even inside a regular expression."""

from __future__ import annotations

import re
import signal
import threading
import time

import pytest

from escalations.service.budget import BudgetExceeded, budget

# Exponential backtracking: without an interruption this match runs for hours.
CATASTROPHIC = re.compile(r"(a+)+b")


def test_the_alarm_interrupts_a_regular_expression_running_in_c() -> None:
    started = time.monotonic()
    with pytest.raises(BudgetExceeded, match="budget of 0.3 s"), budget(0.3):
        CATASTROPHIC.fullmatch("a" * 64)
    assert time.monotonic() - started < 3, "_sre checks for signals while it matches"


def test_a_block_within_its_budget_runs_to_the_end_and_leaves_no_alarm_behind() -> None:
    before = signal.getsignal(signal.SIGALRM)
    with budget(5):
        total = sum(range(1000))
    assert total == 499500
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is before


def test_off_the_main_thread_there_is_no_budget() -> None:
    seen: list[BaseException | None] = []

    def work() -> None:
        try:
            with budget(0.05):
                time.sleep(0.2)
            seen.append(None)
        except BaseException as exc:  # pragma: no cover - the failure being tested for
            seen.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [None]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.parametrize("seconds", [None, 0])
def test_no_budget_means_none(seconds: float | None) -> None:
    with budget(seconds):
        time.sleep(0.01)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
