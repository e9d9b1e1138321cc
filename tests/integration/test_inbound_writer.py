"""The intake's one writer (issue 15): several waiting stores in one commit, each answered only after it, none lost.

A real database (SQLite and PostgreSQL), a real lock held by another
connection to make stores wait, and a real aiosmtpd server with smtplib
clients on loopback.
"""

from __future__ import annotations

import smtplib
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from escalations.intake.receiving import Envelope, QueuedReceiver, inbound_values
from escalations.intake.smtp import IntakeHandler
from escalations.service.runtime import Runtime
from escalations.storage.inbound_writer import InboundWriter
from escalations.storage.models import InboundMessage
from tests.support.forms import salford_notice
from tests.support.intake_server import IntakeServer
from tests.support.mail import notice_email, wire

SENDER, MAILBOX = "a.khan@northside-health.example", "escalations@salford.example"
_NOTICE = wire(notice_email(salford_notice(), message_id="<template@northside-health.example>"))


def _raw(n: int) -> bytes:
    return _NOTICE.replace(b"<template@northside-health.example>", f"<writer-{n}@northside-health.example>".encode())


def _values(runtime: Runtime, n: int) -> dict[str, Any]:
    return inbound_values(_raw(n), Envelope("smtp", SENDER, (MAILBOX,)), runtime.clock())


def _stored_ids(runtime: Runtime) -> list[str | None]:
    with runtime.sessions() as session:
        return list(session.scalars(select(InboundMessage.message_id).order_by(InboundMessage.id)))


@contextmanager
def _writes_held(runtime: Runtime) -> Iterator[None]:
    """Another connection holds what an insert needs (SQLite's write lock; a PostgreSQL table lock) until the block ends."""
    url = runtime.engine.url
    if url.get_backend_name() == "sqlite":
        lock: Any = sqlite3.connect(url.database, isolation_level=None, timeout=5)
        lock.execute("BEGIN IMMEDIATE")
    else:
        lock = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
        lock.execute("LOCK TABLE inbound_messages IN SHARE MODE")
    try:
        yield
    finally:
        lock.rollback()
        lock.close()


def _until(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _commits(runtime: Runtime) -> list[int]:
    commits: list[int] = []
    event.listen(runtime.engine, "commit", lambda _conn: commits.append(1))
    return commits


def test_stores_waiting_together_are_committed_together_and_each_answered_after(runtime: Runtime) -> None:
    writer = InboundWriter(runtime.engine, writers=1)
    commits = _commits(runtime)
    try:
        with _writes_held(runtime):
            futures = [writer.submit(_values(runtime, n)) for n in range(10)]
            assert all(f is not None and not f.done() for f in futures), "nothing is answered before its commit"
        results = [f.result(timeout=30) for f in futures if f is not None]
    finally:
        writer.close()
    assert [r.duplicate for r in results] == [False] * 10
    assert len(set(r.id for r in results)) == 10
    assert len(commits) <= 2, f"10 waiting stores took {len(commits)} commits"
    assert _stored_ids(runtime) == [f"<writer-{n}@northside-health.example>" for n in range(10)]


def test_a_store_that_fails_does_not_fail_the_others_in_its_batch(runtime: Runtime) -> None:
    writer = InboundWriter(runtime.engine, writers=1)
    bad = _values(runtime, 1)
    del bad["raw"]  # a row the insert cannot take
    try:
        with _writes_held(runtime):
            futures = [writer.submit(v) for v in (_values(runtime, 0), bad, _values(runtime, 2), _values(runtime, 0))]
        first, failed, third, again = futures
        assert first is not None and failed is not None and third is not None and again is not None
        assert not first.result(timeout=30).duplicate and not third.result(timeout=30).duplicate
        assert again.result(timeout=30).id == first.result().id, "the same message twice in one batch is stored once"
        assert again.result().duplicate
        with pytest.raises(Exception):
            failed.result(timeout=30)
    finally:
        writer.close()
    assert _stored_ids(runtime) == ["<writer-0@northside-health.example>", "<writer-2@northside-health.example>"]


def test_a_full_queue_refuses_at_once_and_an_abandoned_store_is_skipped(runtime: Runtime) -> None:
    writer = InboundWriter(runtime.engine, writers=1, max_waiting=2)
    try:
        with _writes_held(runtime):
            first = writer.submit(_values(runtime, 0))
            assert first is not None
            _until(first.running)  # the writer has taken it, and waits on the lock
            abandoned, waiting = writer.submit(_values(runtime, 1)), writer.submit(_values(runtime, 2))
            assert abandoned is not None and waiting is not None
            assert writer.submit(_values(runtime, 3)) is None, "beyond max_waiting the intake is told at once (451)"
            assert abandoned.cancel(), "a caller that timed out (and answered 451) withdraws its store"
        assert not first.result(timeout=30).duplicate and not waiting.result(timeout=30).duplicate
    finally:
        writer.close()
    assert _stored_ids(runtime) == ["<writer-0@northside-health.example>", "<writer-2@northside-health.example>"]


def test_ten_smtp_sessions_at_once_each_get_250_only_once_committed(runtime: Runtime) -> None:
    writer = InboundWriter(runtime.engine)
    handler = IntakeHandler(runtime.mailboxes, QueuedReceiver(writer, runtime.clock), 200_000)

    def deliver(n: int) -> bool:
        with smtplib.SMTP(server.host, server.port, timeout=30) as client:
            client.sendmail(SENDER, [MAILBOX], _raw(n))
        # What a fresh connection sees right after the 250.
        with runtime.sessions() as session:
            wanted = f"<writer-{n}@northside-health.example>"
            return session.scalar(select(func.count()).where(InboundMessage.message_id == wanted)) == 1

    try:
        with IntakeServer(handler) as server, ThreadPoolExecutor(10) as pool:
            seen = list(pool.map(deliver, range(40)))
    finally:
        writer.close()
    assert seen == [True] * 40
    assert sorted(_stored_ids(runtime)) == sorted(f"<writer-{n}@northside-health.example>" for n in range(40))
