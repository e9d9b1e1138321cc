"""Claims with a process identity and a heartbeat: a dead holder's work is taken over at once, a live one's never.

Real processes (a child Python whose identity outlives it), a real database,
a real relay sink on loopback.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from escalations.intake.receiving import Envelope, receive
from escalations.outbound import sender as sender_module
from escalations.outbound.sender import OutboxSender
from escalations.outbound.transports import Refused, SmtpTransport
from escalations.service.runtime import Runtime
from escalations.storage.claims import LEASE, ProcessIdentity, holder_gone, this_process
from escalations.storage.models import CaseEvent, InboundMessage, InboundStatus, OutboxMessage, OutboxStatus
from escalations.storage.repositories import InboundRepository
from tests.conftest import Clock
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire
from tests.support.smtp_sink import SmtpSink

IDENTITY = "from escalations.storage.claims import this_process; print(this_process(), flush=True)"


def _exited_identity() -> str:
    """The identity of a process on this host that has ended."""
    done = subprocess.run([sys.executable, "-c", IDENTITY], capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip()


def test_a_holder_is_gone_only_when_its_process_on_this_host_has_ended() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", IDENTITY + "; import time; time.sleep(60)"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        alive = child.stdout.readline().strip()
        assert ProcessIdentity.parse(alive) is not None
        assert holder_gone(alive) is False
    finally:
        child.kill()
        child.wait(10)
        assert child.stdout is not None
        child.stdout.close()
    assert holder_gone(alive) is True
    assert holder_gone(str(this_process())) is False
    me = this_process()
    elsewhere = ProcessIdentity("another-host/abc/123", me.pid + 1, "1", "x")
    assert holder_gone(str(elsewhere)) is False, "on another host only the lease tells"
    assert holder_gone(str(ProcessIdentity(me.host, me.pid, me.started, "another-nonce"))) is True, "our pid, not us"
    assert holder_gone(None) is False and holder_gone("garbage") is False


def _store(runtime: Runtime) -> int:
    raw = wire(notice_email(salford_notice()))
    return receive(
        runtime.sessions,
        raw,
        Envelope("smtp", "a.khan@northside-health.example", ("escalations@salford.example",)),
        runtime.clock(),
    ).id


def _claim_as(runtime: Runtime, holder: str) -> None:
    with runtime.sessions.begin() as session:
        assert InboundRepository(session).claim_next(runtime.clock(), LEASE, holder=holder) is not None


def _inbound(runtime: Runtime, inbound_id: int) -> InboundMessage:
    with runtime.sessions() as session:
        row = session.get(InboundMessage, inbound_id)
        assert row is not None
        return row


def test_a_restarted_worker_takes_over_a_dead_processes_claim_before_its_lease_ends(runtime: Runtime) -> None:
    inbound_id = _store(runtime)
    _claim_as(runtime, _exited_identity())  # the worker was killed with this message in hand
    assert runtime.worker().run_once() is True
    row = _inbound(runtime, inbound_id)
    assert (row.status, row.tries, row.claimed_by) == (InboundStatus.PROCESSED, 2, None)


def test_a_claim_held_on_another_host_waits_for_its_lease(runtime: Runtime, clock: Clock) -> None:
    inbound_id = _store(runtime)
    _claim_as(runtime, str(ProcessIdentity("another-host/abc/123", 4242, "99", "x")))
    assert runtime.worker().run_once() is False, "its holder may be alive: only the lease tells"
    clock.moment += LEASE + timedelta(seconds=1)
    assert runtime.worker().run_once() is True
    assert _inbound(runtime, inbound_id).status == InboundStatus.PROCESSED


class _RunningClock:
    """The test clock's moment plus the real time elapsed: leases run out as they would."""

    def __init__(self, start: datetime) -> None:
        self.start, self.began = start, time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)


class _SlowRelay(SmtpTransport):
    """A relay that takes its time: each delivery lasts longer than a whole lease."""

    def send(self, message: EmailMessage, *, sender: str, recipients: Sequence[str]) -> Refused:
        time.sleep(1.5)
        return super().send(message, sender=sender, recipients=recipients)


def test_a_batch_outliving_the_lease_is_never_taken_by_a_second_sender(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sender_module, "LEASE", timedelta(seconds=1))
    monkeypatch.setattr(sender_module, "HEARTBEAT_SECONDS", 0.2)
    _store(runtime)
    runtime.worker().run_until_idle()
    clock = _RunningClock(runtime.clock())
    with SmtpSink() as relay:
        first = OutboxSender(runtime.sessions, _SlowRelay(relay.host, relay.port, timeout=5), clock)
        second = OutboxSender(runtime.sessions, SmtpTransport(relay.host, relay.port, timeout=5), clock)
        batch = threading.Thread(target=first.run_once)
        batch.start()
        while not _claimed(runtime) and batch.is_alive():
            time.sleep(0.01)
        taken_by_second = 0
        while batch.is_alive():  # the first sender's batch lasts two leases and more
            taken_by_second += second.run_once()
            time.sleep(0.1)
        batch.join()
        received = relay.wait_for(2)
    assert taken_by_second == 0
    ids = [r.message["Message-ID"] for r in received]
    assert len(ids) == len(set(ids)) == 2, "each row sent once"


def _claimed(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return len(session.scalars(select(OutboxMessage.id).where(OutboxMessage.claim_token.is_not(None))).all())


def test_a_row_left_sending_by_a_dead_sender_is_sent_again_and_recorded_as_possibly_sent(runtime: Runtime) -> None:
    _store(runtime)
    runtime.worker().run_until_idle()
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        crashed = rows[0]  # claimed and in its SMTP transaction when its sender was killed
        crashed.claim_token, crashed.claimed_by, crashed.claimed_until = "t", _exited_identity(), now + LEASE
        crashed.sending_since, crashed.attempts = now, 1
        crashed_id, message_id = crashed.id, crashed.message_id
    with SmtpSink() as relay:
        sender = runtime.outbox_sender(SmtpTransport(relay.host, relay.port, timeout=5))
        assert sender.run_once() == 2
        received = relay.wait_for(2)
    assert message_id in [r.message["Message-ID"] for r in received], "sent again with the same Message-ID"
    with runtime.sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(r.status, r.uncertain_deliveries, r.sending_since, r.claimed_by) for r in rows] == [
            (OutboxStatus.SENT, 1, None, None),
            (OutboxStatus.SENT, 0, None, None),
        ]
        events = session.scalars(select(CaseEvent).where(CaseEvent.rule == "outbound-possibly-sent")).all()
        assert [e.outbox_id for e in events] == [crashed_id]
