"""The outbox sender against a real SMTP relay sink on loopback and a real database."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

from sqlalchemy import select

from escalations.outbound.sender import MAX_ATTEMPTS, backoff
from escalations.outbound.transports import SmtpTransport
from escalations.service.cli import main
from escalations.service.runtime import Runtime
from escalations.storage.models import CaseEvent, OutboxMessage, OutboxStatus
from tests.conftest import Clock
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire
from tests.support.smtp_sink import SmtpSink, free_port
from escalations.intake.receiving import Envelope, receive


def _queue_case_mail(runtime: Runtime) -> list[OutboxMessage]:
    raw = wire(notice_email(salford_notice()))
    receive(
        runtime.sessions,
        raw,
        Envelope("smtp", "a.khan@northside-health.example", ("escalations@salford.example",)),
        runtime.clock(),
    )
    runtime.worker().run_until_idle()
    return _rows(runtime)


def _rows(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_delivers_through_the_relay_with_the_stored_message_id(runtime: Runtime) -> None:
    queued = _queue_case_mail(runtime)
    with SmtpSink() as relay:
        sender = runtime.outbox_sender(SmtpTransport(relay.host, relay.port, timeout=5))
        assert sender.run_once() == 2
        received = relay.wait_for(2)
    assert sorted(r.message["Message-ID"] for r in received) == sorted(q.message_id for q in queued)
    for row, got in zip(queued, sorted(received, key=lambda r: [q.message_id for q in queued].index(r.message["Message-ID"]))):
        assert got.rcpt_tos == row.recipients
        assert got.mail_from == "escalations@partnership.example"
    assert {r.status for r in _rows(runtime)} == {OutboxStatus.SENT}
    assert sender.run_once() == 0, "sent mail is not sent again"


def test_temporary_failure_retries_with_backoff_then_delivers(runtime: Runtime, clock: Clock) -> None:
    _queue_case_mail(runtime)
    start = clock()
    down = runtime.outbox_sender(SmtpTransport("127.0.0.1", free_port(), timeout=2))
    assert down.run_once() == 2
    rows = _rows(runtime)
    assert {r.status for r in rows} == {OutboxStatus.PENDING}
    assert all(r.attempts == 1 and r.last_error and r.next_attempt_at == start + backoff(1) for r in rows)
    assert down.run_once() == 0, "not due again until the backoff has passed"

    clock.moment = start + backoff(1)
    with SmtpSink() as relay:
        assert runtime.outbox_sender(SmtpTransport(relay.host, relay.port, timeout=5)).run_once() == 2
        relay.wait_for(2)
    assert {(r.status, r.attempts) for r in _rows(runtime)} == {(OutboxStatus.SENT, 2)}


def test_permanent_refusal_is_dead_lettered_recorded_and_listed(runtime: Runtime, capsys) -> None:  # type: ignore[no-untyped-def]
    _queue_case_mail(runtime)
    with SmtpSink(reject_data="554 5.6.0 Message refused") as relay:
        runtime.outbox_sender(SmtpTransport(relay.host, relay.port, timeout=5)).run_once()
    all_rows = _rows(runtime)
    rows = [r for r in all_rows if r.kind != "delivery_failure"]
    assert {r.status for r in rows} == {OutboxStatus.DEAD}
    assert all("554" in (r.last_error or "") for r in rows)
    assert [r.kind for r in all_rows if r not in rows] == ["delivery_failure"] * 2, "each dead row alerts the business manager"
    with runtime.sessions() as session:
        rules = session.scalars(select(CaseEvent.rule).where(CaseEvent.rule == "outbound-dead-letter")).all()
    assert len(rules) == 2
    assert main(["outbox", "list", "--status", "dead", "--config", str(runtime.settings.path)]) == 0
    listed = capsys.readouterr().out
    assert listed.count("dead") == 2 and "554" in listed


def test_gives_up_after_max_attempts(runtime: Runtime, clock: Clock) -> None:
    _queue_case_mail(runtime)
    sender = runtime.outbox_sender(SmtpTransport("127.0.0.1", free_port(), timeout=2))
    for _ in range(MAX_ATTEMPTS):
        clock.moment += timedelta(hours=2)
        sender.run_once()
    assert {(r.status, r.attempts) for r in _rows(runtime) if r.kind != "delivery_failure"} == {(OutboxStatus.DEAD, MAX_ATTEMPTS)}


def test_a_crash_after_delivery_resends_the_same_message_id(runtime: Runtime, clock: Clock) -> None:
    [ack, _routed] = _queue_case_mail(runtime)
    with SmtpSink() as relay:
        sender = runtime.outbox_sender(SmtpTransport(relay.host, relay.port, timeout=5))
        # Claim and deliver, but die before recording: the claim's lease runs out.
        jobs = sender._claim(limit=1)
        sender.transport.send(
            email.message_from_bytes(jobs[0].raw, policy=email.policy.default),  # type: ignore[arg-type]
            sender=jobs[0].mail_from,
            recipients=jobs[0].recipients,
        )
        clock.moment += timedelta(minutes=6)
        sender.run_once()
        received = relay.wait_for(3)
    ids = [r.message["Message-ID"] for r in received]
    assert ids.count(ack.message_id) == 2, "the resend carries the row's fixed Message-ID"
