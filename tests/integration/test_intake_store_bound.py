"""The SMTP intake answers 451 within a bound when the database cannot store (a held lock, a frozen server).

Real SQLite locks on a real file, a real aiosmtpd server and smtplib on
loopback. The frozen PostgreSQL server is in tests/faults/.
"""

from __future__ import annotations

import smtplib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from escalations.intake.receiving import Envelope, receive
from escalations.intake.smtp import IntakeHandler
from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings
from escalations.storage.models import InboundMessage
from escalations.storage.repositories import Stored
from tests.conftest import Clock, write_settings
from tests.support.forms import salford_notice
from tests.support.intake_server import IntakeServer
from tests.support.mail import notice_email, wire

BOUND = 1.0
SENDER, MAILBOX = "a.khan@northside-health.example", "escalations@salford.example"


@pytest.fixture
def sqlite_runtime(tmp_path: Path, clock: Clock) -> Iterator[Runtime]:
    runtime = Runtime(load_settings(write_settings(tmp_path, f"sqlite:///{tmp_path / 'e.db'}")), clock=clock)
    runtime.prepare_database()
    yield runtime
    runtime.close()


def _handler(runtime: Runtime, threads: int = 4) -> IntakeHandler:
    def store(raw: bytes, envelope: Envelope) -> Stored:
        return receive(runtime.sessions, raw, envelope, runtime.clock())

    return IntakeHandler(runtime.mailboxes, store, 200_000, store_timeout=BOUND, store_threads=threads)


def _send(server: IntakeServer, raw: bytes) -> tuple[int, float]:
    """The reply code to DATA and how long it took."""
    started = time.monotonic()
    with smtplib.SMTP(server.host, server.port, timeout=30) as client:
        try:
            client.sendmail(SENDER, [MAILBOX], raw)
            code = 250
        except smtplib.SMTPDataError as exc:
            code = exc.smtp_code
    return code, time.monotonic() - started


def _count(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage)) or 0


def _hold_write_lock(runtime: Runtime) -> sqlite3.Connection:
    lock = sqlite3.connect(runtime.engine.url.database, isolation_level=None, timeout=5)
    lock.execute("BEGIN IMMEDIATE")
    return lock


def test_a_write_lock_held_too_long_gets_451_within_the_bound_and_nothing_is_lost(sqlite_runtime: Runtime) -> None:
    raw = wire(notice_email(salford_notice(), message_id="<locked@northside-health.example>"))
    with IntakeServer(_handler(sqlite_runtime)) as server:
        lock = _hold_write_lock(sqlite_runtime)
        try:
            code, took = _send(server, raw)
        finally:
            lock.rollback()
            lock.close()
        assert code == 451
        assert BOUND <= took < BOUND + 2, f"451 after {took:.1f}s"
        # The store that was waiting goes through once the lock is free; the sender's retry is then a duplicate.
        code, _ = _send(server, raw)
        assert code == 250
    assert _count(sqlite_runtime) == 1


def test_stuck_stores_cannot_pile_up_beyond_the_thread_limit(sqlite_runtime: Runtime) -> None:
    with IntakeServer(_handler(sqlite_runtime, threads=1)) as server:
        lock = _hold_write_lock(sqlite_runtime)
        try:
            first, _ = _send(server, wire(notice_email(salford_notice(), message_id="<one@northside-health.example>")))
            second, took = _send(server, wire(notice_email(salford_notice(), message_id="<two@northside-health.example>")))
        finally:
            lock.rollback()
            lock.close()
        assert (first, second) == (451, 451)
        assert took < BOUND / 2, "with the only store thread stuck, the answer is immediate"
        deadline = time.monotonic() + 10
        while _count(sqlite_runtime) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        code, _ = _send(server, wire(notice_email(salford_notice(), message_id="<two@northside-health.example>")))
        assert code == 250
    assert _count(sqlite_runtime) == 2
