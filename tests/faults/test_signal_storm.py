"""A storm of wake-ups must not freeze the processing process.

The intake process wakes the worker with SIGUSR1 after each stored message. A
Python signal handler runs on the main thread between two bytecodes, wherever
that thread is; the handler used to call ``Event.set()``, and a wake-up that
arrived while the main thread was inside ``set``/``clear`` of that Event (or
inside the previous handler) deadlocked it on the Event's lock, with SQLite's
write lock held: every later store timed out with 451, for good
(benchmarks/intake.py found it at ~300 messages). Here the processing process
gets tens of thousands of SIGUSR1 while it works; afterwards it must still
process mail, and stop on SIGTERM.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from escalations.storage.models import InboundStatus
from tests.faults.conftest import fault_settings, send
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire
from tests.support.serve_process import Serve, until
from tests.support.smtp_sink import free_port

pytestmark = [pytest.mark.faults, pytest.mark.slow]

STORM_SECONDS = 4.0
PROCESSING = re.compile(r"scheduler, sender, worker running in process (\d+)")


def _notice(n: int) -> bytes:
    # A child of its own each time (a date of birth never repeated): each notice opens a case, none is
    # taken for a reply to an earlier one.
    born = date(2016, 3, 1) + timedelta(days=n)
    return wire(notice_email(salford_notice(dob=f"{born:%d/%m/%Y}"), message_id=f"<storm-{n}@northside-health.example>"))


def test_a_storm_of_wake_ups_neither_freezes_the_worker_nor_the_intake(
    tmp_path: Path, database_url: str, serves: list[Serve], probe_for: Any
) -> None:
    probe = probe_for(database_url)
    port = free_port()
    settings = fault_settings(tmp_path, database_url, smtp_port=port, store_timeout=10.0)
    serve = Serve(settings, tmp_path / "serve.log")
    serves.append(serve)
    serve.wait_listening(port)
    serve.wait_log("worker: started")
    match = PROCESSING.search(serve.text())
    assert match, serve.text()
    child = int(match.group(1))
    assert os.getpriority(os.PRIO_PROCESS, child) - os.getpriority(os.PRIO_PROCESS, serve.pid) == 5, "[worker] nice"

    stop = threading.Event()
    sent = [0]

    def storm() -> None:
        while not stop.is_set():
            for _ in range(200):
                os.kill(child, signal.SIGUSR1)
            sent[0] += 200

    hammer = threading.Thread(target=storm)
    hammer.start()
    try:
        deadline, n = time.monotonic() + STORM_SECONDS, 0
        while time.monotonic() < deadline:  # the worker works (and waits, and is woken) all through the storm
            assert send(port, _notice(n), timeout=30) == 250
            n += 1
    finally:
        stop.set()
        hammer.join()
    assert sent[0] > 5_000, sent[0]

    # After the storm: one more notice is stored at once and everything is processed.
    started = time.monotonic()
    assert send(port, _notice(n), timeout=30) == 250
    assert time.monotonic() - started < 10, "the store waited on a frozen write lock"
    until(
        lambda: (look := probe.look()).inbound and all(s == InboundStatus.PROCESSED for _, s, _ in look.inbound),
        60,
        "every stored message processed after the storm",
    )
    assert len(probe.look().inbound) == n + 1
    assert serve.stop(30) == 0, serve.text()[-3000:]
