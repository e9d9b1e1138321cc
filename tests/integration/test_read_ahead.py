"""The worker reads the next waiting message while it decides the one in hand (issue 15), claiming nothing ahead.

Real sandbox reader children, a real database, real notices: the reading ahead
is used only for the very message the worker then claims, each message is read
and decided once, the budget covers the wait for a reading, and a process killed
with a reading ahead in flight leaves that message waiting, not claimed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy import select

from escalations.intake.receiving import Envelope, receive
from escalations.service import worker as worker_module
from escalations.service.runtime import Runtime
from escalations.service.worker import Worker
from escalations.storage.models import Case, InboundMessage, InboundStatus, OutboxMessage
from tests.conftest import Clock
from tests.support.authentication import RELAY, by_gateway
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire

MAILBOX = "escalations@salford.example"
PRACTITIONER = "a.khan@northside-health.example"
DOBS = ("14/02/2017", "03/05/2016", "21/11/2015", "09/09/2018")


def _store(runtime: Runtime, i: int) -> int:
    raw = wire(notice_email(salford_notice(dob=DOBS[i]), message_id=f"<read-ahead-{i}@northside-health.example>"))
    return receive(runtime.sessions, by_gateway(raw), Envelope("smtp", PRACTITIONER, (MAILBOX,), peer=RELAY), runtime.clock()).id


def _readings(monkeypatch) -> list[tuple[bytes, str]]:  # type: ignore[no-untyped-def]
    """Each reading of a message (its Message-ID and the thread that read it), as the worker calls it."""
    real = worker_module.prepare
    readings: list[tuple[bytes, str]] = []

    def prepare(raw, *args, **kwargs):  # type: ignore[no-untyped-def]
        readings.append((raw.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0], threading.current_thread().name))
        return real(raw, *args, **kwargs)

    monkeypatch.setattr(worker_module, "prepare", prepare)
    return readings


def _inbound(runtime: Runtime) -> list[tuple[int, str, int]]:
    with runtime.sessions() as session:
        rows = session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        return [(m.id, m.status, m.tries) for m in rows]


def test_the_next_message_is_read_ahead_and_each_is_read_and_decided_once(runtime: Runtime, monkeypatch) -> None:
    ids = [_store(runtime, i) for i in range(3)]
    readings = _readings(monkeypatch)
    assert runtime.worker().run_until_idle() == 3
    assert [message_id for message_id, _ in readings] == [f"<read-ahead-{i}@northside-health.example>".encode() for i in range(3)]
    assert [thread.startswith("read-ahead-inbound-") for _, thread in readings] == [False, True, True], readings
    assert _inbound(runtime) == [(i, InboundStatus.PROCESSED, 1) for i in ids], "each claimed once, one try each"
    with runtime.sessions() as session:
        assert len(session.scalars(select(Case)).all()) == 3
        kinds = session.scalars(select(OutboxMessage.kind).where(OutboxMessage.kind == "acknowledgement")).all()
    assert len(kinds) == 3, "one acknowledgement each"


def test_a_message_another_worker_took_is_not_taken_from_the_reading_ahead(runtime: Runtime, monkeypatch) -> None:
    """Worker A reads message 2 ahead; worker B claims and decides it first: A never uses its reading,
    and message 2 is decided once (by B, from its own reading)."""
    ids = [_store(runtime, i) for i in range(3)]
    readings = _readings(monkeypatch)
    a, b = runtime.worker(), runtime.worker()
    assert a.run_once()  # the first; A reads the second ahead
    assert b.run_once()  # B claims the second (reading it itself) and reads the third ahead
    assert a.run_once()  # A claims the third: its reading of the second is not for it, and is dropped
    assert not a.run_once() and not b.run_once()
    for thread in threading.enumerate():
        if thread.name.startswith("read-ahead-"):
            thread.join(30)
    read = [message_id.split(b"@")[0].decode() for message_id, _ in readings]
    assert sorted(read) == ["<read-ahead-0", "<read-ahead-1", "<read-ahead-1", "<read-ahead-2", "<read-ahead-2"]
    assert _inbound(runtime) == [(i, InboundStatus.PROCESSED, 1) for i in ids]
    with runtime.sessions() as session:
        dobs = session.scalars(select(Case.subject_dob).order_by(Case.id)).all()
    assert dobs == [date(2017, 2, 14), date(2016, 5, 3), date(2015, 11, 21)], "each decided from its own reading"


def test_the_budget_covers_the_wait_for_a_reading_ahead(runtime: Runtime, monkeypatch) -> None:
    """A reading ahead that takes longer than the message's budget: the worker, waiting for it on the main
    thread, is stopped by the budget (a failed try, the message waits again), and its next try reads afresh."""
    first, second = _store(runtime, 0), _store(runtime, 1)
    real = worker_module.prepare

    def prepare(raw, *args, **kwargs):  # type: ignore[no-untyped-def]
        if threading.current_thread().name.startswith("read-ahead-"):
            time.sleep(4)  # a slow reading ahead
        return real(raw, *args, **kwargs)

    monkeypatch.setattr(worker_module, "prepare", prepare)
    worker = runtime.worker(budget_seconds=1.5)
    assert worker.run_once()  # the first message; the second is being read ahead
    started = time.monotonic()
    assert worker.run_once()  # the second: it waits for the reading, and the budget stops it
    assert time.monotonic() - started < 3.5, "stopped by the budget, not when the reading ended"
    with runtime.sessions() as session:
        message = session.get(InboundMessage, second)
        assert message is not None and (message.status, message.tries) == (InboundStatus.RECEIVED, 1)
        assert "BudgetExceeded" in (message.last_error or "")
    assert worker.run_once()  # read afresh on the main thread, within the budget
    assert _inbound(runtime) == [(first, InboundStatus.PROCESSED, 1), (second, InboundStatus.PROCESSED, 2)]


KILLED_WORKER = """
import sys
from datetime import datetime
from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings

runtime = Runtime(load_settings(sys.argv[1]), clock=lambda: datetime.fromisoformat(sys.argv[2]))
runtime.worker().run_once()
raise SystemExit("not killed")
"""


def test_a_worker_killed_while_reading_ahead_leaves_the_next_message_waiting(
    tmp_path: Path, database_url: str, clock: Clock, runtime: Runtime
) -> None:
    """SIGKILL (service.faults) with the first message claimed and read and the second being read ahead:
    the first is taken over at once (its holder is gone), the second was never claimed; each is decided once."""
    first, second = _store(runtime, 0), _store(runtime, 1)
    env = {**os.environ, "ESCALATIONS_FAULT_KILL_AT": "worker-reading-ahead"}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, str(runtime.settings.path), clock().isoformat()],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    assert _inbound(runtime) == [(first, InboundStatus.PROCESSING, 1), (second, InboundStatus.RECEIVED, 0)]
    assert Worker(runtime.sessions, runtime.context()).run_until_idle() == 2
    assert _inbound(runtime) == [(first, InboundStatus.PROCESSED, 2), (second, InboundStatus.PROCESSED, 1)]
    with runtime.sessions() as session:
        assert len(session.scalars(select(Case)).all()) == 2
