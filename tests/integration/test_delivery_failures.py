"""Nobody thinks mail arrived that did not: refusals, retries alone, alerts, bounces, and automated replies.

A real relay sink (aiosmtpd on loopback) refuses recipients as told; bounces
and out-of-office replies arrive through the real SMTP intake; a real database.
"""

from __future__ import annotations

import dataclasses

import email
import email.policy
import json
import smtplib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from escalations.intake.receiving import Envelope, receive
from escalations.intake.smtp import IntakeHandler
from escalations.outbound.sender import MAX_ATTEMPTS, OutboxSender, backoff
from escalations.outbound.transports import SmtpTransport
from escalations.service.cli import main
from escalations.service.runtime import Runtime
from escalations.storage.models import BouncingAddress, Case, CaseEvent, InboundMessage, OutboxMessage, OutboxStatus
from tests.conftest import Clock
from tests.support.authentication import RELAY, from_domain, upstream
from tests.support.automated_mail import OOO_SAMPLES, exchange_ndr_plain, outlook_ooo, postfix_dsn
from tests.support.forms import salford_notice
from tests.support.intake_server import IntakeServer
from tests.support.mail import notice_email, wire
from tests.support.smtp_sink import SmtpSink

BUSINESS_MANAGER = "business.manager@salford.example"
CHILD = "Jo Bloggs"  # the notice's child: never in a subject line


def _rows(runtime: Runtime, kind: str | None = None) -> list[OutboxMessage]:
    with runtime.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        return list(session.scalars(query.where(OutboxMessage.kind == kind) if kind else query))


def _routed(runtime: Runtime) -> OutboxMessage:
    raw = wire(notice_email(salford_notice()))
    receive(
        runtime.sessions,
        raw,
        Envelope("smtp", "a.khan@northside-health.example", ("escalations@salford.example",)),
        runtime.clock(),
    )
    runtime.worker().run_until_idle()
    [routed] = _rows(runtime, "routed_case")
    assert len(routed.recipients) >= 2, "these tests need a routed case with several recipients"
    return routed


def _events(runtime: Runtime, rule: str) -> list[CaseEvent]:
    with runtime.sessions() as session:
        return list(session.scalars(select(CaseEvent).where(CaseEvent.rule == rule).order_by(CaseEvent.id)))


def _met(runtime: Runtime) -> set[tuple[str, int]]:
    with runtime.sessions() as session:
        return {(d.kind, d.stage) for d in session.scalars(select(Case)).one().deadlines if d.met}


def _send(runtime: Runtime, relay: SmtpSink) -> int:
    return runtime.outbox_sender(SmtpTransport(relay.host, relay.port, timeout=5)).run_once()


def _cli(runtime: Runtime, *args: str) -> int:
    return main([*args, "--config", str(runtime.settings.path)])


def test_a_recipient_refused_for_good_is_told_once_listed_and_retried(runtime: Runtime, clock: Clock, capsys) -> None:  # type: ignore[no-untyped-def]
    routed = _routed(runtime)
    lost, *others = routed.recipients
    with SmtpSink(reject={lost: "550 5.1.1 <%s>: no such user" % lost}) as relay:
        _send(runtime, relay)
        got = {r.message["Message-ID"]: r for r in relay.wait_for(2)}
    assert got[routed.message_id].rcpt_tos == others, "the others were told"
    [row] = _rows(runtime, "routed_case")
    assert row.status == OutboxStatus.SENT and [u["address"] for u in row.undelivered] == [lost]
    assert row.undelivered[0]["code"] == 550 and row.undelivered[0]["how"] == "refused"

    [alert] = _rows(runtime, "delivery_failure")
    assert alert.recipients == [BUSINESS_MANAGER]
    message = email.message_from_bytes(alert.raw, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    with runtime.sessions() as session:
        stage = session.scalars(select(Case.stage)).one()
    assert message["Subject"] == f"[SAL-2026-0001] Not delivered – stage {stage}", "the reference and stage only"
    assert "Bloggs" not in text and "Bloggs" not in alert.raw.decode("utf-8", "replace"), (
        "no personal data of the case in the alert"
    )
    assert lost in text and "They have not been told" in text and f"escalations outbox retry {routed.id}" in text
    [event] = _events(runtime, "delivery:not-reached")
    assert event.data["not_reached"][0]["address"] == lost and event.data["not_reached"][0]["role"]
    who = event.data["not_reached"][0]
    assert f"the {who['role'].replace('_', ' ')} at {who['agency']} ({lost})" in text, (
        "the role and agency of whoever was not reached"
    )

    assert _cli(runtime, "outbox", "list", "--dead") == 0
    listed = capsys.readouterr().out
    assert f"not reached: {lost}" in listed and "routed_case" in listed and "acknowledgement" not in listed

    with SmtpSink() as relay:  # the alert goes out once, and nothing alerts again
        assert _send(runtime, relay) == 1
        [told] = relay.wait_for(1)
        assert told.rcpt_tos == [BUSINESS_MANAGER]
        assert _send(runtime, relay) == 0
    assert len(_rows(runtime, "delivery_failure")) == 1

    assert _cli(runtime, "outbox", "retry", str(routed.id)) == 0
    assert "again to 1 recipient(s)" in capsys.readouterr().out
    with SmtpSink() as relay:
        assert _send(runtime, relay) == 1
        [again] = relay.wait_for(1)
    assert again.rcpt_tos == [lost] and again.message["Message-ID"] == routed.message_id
    [row] = _rows(runtime, "routed_case")
    assert (row.status, row.undelivered, row.pending_recipients) == (OutboxStatus.SENT, None, None)
    assert _events(runtime, "outbound-requeued")


def test_outbox_retry_refuses_an_unknown_id_or_a_row_that_reached_everyone(runtime: Runtime, capsys) -> None:  # type: ignore[no-untyped-def]
    routed = _routed(runtime)
    assert _cli(runtime, "outbox", "retry", "9999") == 1
    assert "no outbox message 9999" in capsys.readouterr().err
    assert _cli(runtime, "outbox", "retry", str(routed.id)) == 1
    assert "nothing to retry" in capsys.readouterr().err
    with SmtpSink() as relay:
        _send(runtime, relay)
    assert _cli(runtime, "outbox", "retry", str(routed.id)) == 1
    assert "reached every recipient" in capsys.readouterr().err


def test_a_dead_row_is_alerted_listed_and_requeued(runtime: Runtime, capsys) -> None:  # type: ignore[no-untyped-def]
    routed = _routed(runtime)
    with SmtpSink(reject_data="554 5.6.0 Message refused") as relay:
        _send(runtime, relay)
    dead = [r for r in _rows(runtime) if r.status == OutboxStatus.DEAD]
    assert {r.kind for r in dead} == {"acknowledgement", "routed_case"}
    assert len(_rows(runtime, "delivery_failure")) == 2
    assert _cli(runtime, "outbox", "list", "--dead", "--json", "--limit", "1", "--offset", "1") == 0
    [only] = json.loads(capsys.readouterr().out)
    assert only["id"] == routed.id and only["status"] == "dead"
    assert _cli(runtime, "outbox", "retry", str(routed.id)) == 0
    with SmtpSink() as relay:
        _send(runtime, relay)
        got = relay.wait_for(3)
    again = [r for r in got if r.message["Message-ID"] == routed.message_id]
    assert again and again[0].rcpt_tos == routed.recipients


def test_a_recipient_refused_for_now_is_retried_alone_with_backoff(runtime: Runtime, clock: Clock) -> None:
    routed = _routed(runtime)
    busy, *others = routed.recipients
    start = clock()
    with SmtpSink(reject={busy: "451 4.3.0 mailbox busy, try later"}) as relay:
        _send(runtime, relay)
        got = {r.message["Message-ID"]: r for r in relay.wait_for(2)}
    assert got[routed.message_id].rcpt_tos == others
    [row] = _rows(runtime, "routed_case")
    assert (row.status, row.pending_recipients, row.undelivered) == (OutboxStatus.PENDING, [busy], None)
    assert row.next_attempt_at == start + backoff(1)
    assert _rows(runtime, "delivery_failure") == [], "nobody is alerted about a recipient that may yet be reached"

    clock.moment = start + backoff(1)
    with SmtpSink() as relay:
        assert _send(runtime, relay) == 1
        [retry] = relay.wait_for(1)
    assert retry.rcpt_tos == [busy], "only the refused recipient is tried again"
    assert retry.message["Message-ID"] == routed.message_id
    [row] = _rows(runtime, "routed_case")
    assert (row.status, row.pending_recipients) == (OutboxStatus.SENT, None)


def test_a_recipient_refused_for_now_until_the_last_attempt_is_not_reached(runtime: Runtime, clock: Clock) -> None:
    routed = _routed(runtime)
    busy = routed.recipients[0]
    with SmtpSink(reject={busy: "451 4.3.0 try later"}) as relay:
        for _ in range(MAX_ATTEMPTS + 1):
            _send(runtime, relay)
            clock.moment += timedelta(hours=2)
    [row] = _rows(runtime, "routed_case")
    assert row.status == OutboxStatus.SENT, "the others have it"
    assert [(u["address"], u["how"]) for u in row.undelivered] == [(busy, "gave-up")]
    assert len(_rows(runtime, "delivery_failure")) == 1


def test_an_alert_that_dies_does_not_alert_again(runtime: Runtime) -> None:
    routed = _routed(runtime)
    lost = routed.recipients[0]
    with SmtpSink(reject={lost: "550 5.1.1 no such user", BUSINESS_MANAGER: "550 5.1.1 no such user"}) as relay:
        for _ in range(3):
            _send(runtime, relay)
    [alert] = _rows(runtime, "delivery_failure")
    assert alert.status == OutboxStatus.DEAD
    assert len(_events(runtime, "delivery:not-reached")) == 2, "the dead alert is on the timeline too"


# -- bounces and automated replies through the real SMTP intake --------------------


@pytest.fixture
def intake(runtime: Runtime) -> Iterator[IntakeServer]:
    def store(raw: bytes, envelope: Envelope):  # type: ignore[no-untyped-def]
        # As if handed over by the trusted gateway of the test settings, which authenticates senders.
        return receive(runtime.sessions, raw, dataclasses.replace(envelope, peer=RELAY), runtime.clock())

    with IntakeServer(IntakeHandler(runtime.mailboxes, store, 200_000)) as server:
        yield server


def _smtp(intake: IntakeServer, raw: bytes, sender: str) -> None:
    with smtplib.SMTP(intake.host, intake.port, timeout=10) as client:
        assert client.sendmail(sender, ["escalations@salford.example"], raw) == {}


@pytest.mark.parametrize("bounce", [postfix_dsn, exchange_ndr_plain], ids=["postfix-dsn", "exchange-plain-ndr"])
def test_a_bounce_over_smtp_marks_the_contact_bouncing_and_alerts(
    runtime: Runtime, clock: Clock, intake: IntakeServer, bounce, capsys
) -> None:  # type: ignore[no-untyped-def]
    routed = _routed(runtime)
    with SmtpSink() as relay:
        _send(runtime, relay)
    lost = routed.recipients[0]
    met_before = _met(runtime)
    clock.moment += timedelta(minutes=3)
    _smtp(intake, bounce(lost, routed.message_id), "")
    runtime.worker().run_until_idle()

    with runtime.sessions() as session:
        inbound = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
        assert inbound is not None and inbound.status == "ignored", "a bounce is never answered"
        [marked] = session.scalars(select(BouncingAddress)).all()
    assert _met(runtime) == met_before, "a bounce is no response"
    assert (marked.address, marked.outbox_id, marked.inbound_id) == (lost, routed.id, inbound.id)
    [row] = _rows(runtime, "routed_case")
    assert [(u["address"], u["how"]) for u in row.undelivered] == [(lost, "bounced")]
    [alert] = _rows(runtime, "delivery_failure")
    assert alert.recipients == [BUSINESS_MANAGER] and b"bounced" in alert.raw
    assert _events(runtime, "delivery:not-reached")
    assert _cli(runtime, "outbox", "list", "--dead") == 0
    assert f"not reached: {lost} (bounced" in capsys.readouterr().out

    assert _cli(runtime, "directory", "export") == 0
    exported = capsys.readouterr()
    assert f"bouncing: {lost} (1 bounce(s)" in exported.err and "bouncing" not in exported.out, "the CSV is unchanged"

    _smtp(intake, bounce(lost, routed.message_id).replace(b"10:0", b"11:0"), "")  # the same bounce again, later
    runtime.worker().run_until_idle()
    assert len(_rows(runtime, "delivery_failure")) == 1, "told once"
    with runtime.sessions() as session:
        assert session.scalars(select(BouncingAddress.bounces)).one() == 2


def test_a_bounce_naming_someone_we_did_not_write_to_changes_nothing(runtime: Runtime, intake: IntakeServer) -> None:
    routed = _routed(runtime)
    _smtp(intake, postfix_dsn("someone.else@northside-health.example", routed.message_id), "")
    runtime.worker().run_until_idle()
    with runtime.sessions() as session:
        assert session.scalars(select(BouncingAddress)).all() == []
    assert _rows(runtime, "delivery_failure") == []


def test_an_out_of_office_without_headers_meets_no_deadline_and_chasers_continue(
    runtime: Runtime, clock: Clock, intake: IntakeServer
) -> None:
    routed = _routed(runtime)
    manager = routed.recipients[0]
    met_before = _met(runtime)
    subject, body = OOO_SAMPLES["en-gmail-vacation"]
    _smtp(intake, outlook_ooo(subject, body, sender=manager, in_reply_to=routed.message_id), manager)
    runtime.worker().run_until_idle()
    assert _met(runtime) == met_before, "the out-of-office met no deadline"
    with runtime.sessions() as session:
        case = session.scalars(select(Case)).one()
        response = next(d for d in case.deadlines if d.kind == "stage_response")
        assert session.scalars(select(InboundMessage.status).order_by(InboundMessage.id.desc())).first() == "ignored"
    clock.moment = response.due + timedelta(hours=1)
    runtime.scheduler().run_once()
    assert _rows(runtime, "chaser"), "the chasers go on"


def test_a_command_with_an_absence_note_still_counts(runtime: Runtime, intake: IntakeServer) -> None:
    routed = _routed(runtime)
    manager = routed.recipients[0]
    body = "Resolved - home visit agreed for Thursday.\n\nI am out of the office from tomorrow with limited access to email."
    raw = outlook_ooo("RE: [SAL-2026-0001] Escalation - stage 1", body, sender=manager, in_reply_to=routed.message_id)
    _smtp(intake, upstream(raw, from_domain(manager)), manager)
    runtime.worker().run_until_idle()
    with runtime.sessions() as session:
        assert session.scalars(select(Case.state)).one() == "resolved"


def test_every_recipient_refused_some_for_good_some_for_now(runtime: Runtime, clock: Clock) -> None:
    routed = _routed(runtime)
    lost, *busy = routed.recipients
    refusals = {lost: "550 5.1.1 no such user", **{b: "452 4.2.2 mailbox full" for b in busy}}
    start = clock()
    with SmtpSink(reject=refusals) as relay:
        _send(runtime, relay)
    [row] = _rows(runtime, "routed_case")
    assert (row.status, row.pending_recipients, row.sent_at) == (OutboxStatus.PENDING, busy, None)
    assert [u["address"] for u in row.undelivered] == [lost]
    assert row.next_attempt_at == start + backoff(1)
    assert len(_rows(runtime, "delivery_failure")) == 1, "the one refused for good is told at once"

    clock.moment = start + backoff(1)
    with SmtpSink() as relay:
        _send(runtime, relay)
        got = {r.message["Message-ID"]: r for r in relay.wait_for(1)}
    assert got[routed.message_id].rcpt_tos == busy
    [row] = _rows(runtime, "routed_case")
    assert row.status == OutboxStatus.SENT and [u["address"] for u in row.undelivered] == [lost]


class _FailingAlerts:
    """A listener that writes, then fails (a fault we cannot provoke through the real templates)."""

    def undelivered(self, session, row, failures, now):  # type: ignore[no-untyped-def]
        session.add(CaseEvent(case_id=row.case_id, at=now, kind="note", rule="half-written", reason="x", data={}))
        session.flush()
        raise RuntimeError("the alert could not be composed")


def test_a_failing_alert_does_not_undo_the_record_of_the_failure(runtime: Runtime) -> None:
    routed = _routed(runtime)
    lost = routed.recipients[0]
    with SmtpSink(reject={lost: "550 5.1.1 no such user"}) as relay:
        OutboxSender(
            runtime.sessions, SmtpTransport(relay.host, relay.port, timeout=5), runtime.clock, _FailingAlerts()
        ).run_once()
    [row] = _rows(runtime, "routed_case")
    assert row.status == OutboxStatus.SENT and [u["address"] for u in row.undelivered] == [lost]
    assert _events(runtime, "half-written") == [], "the alert's half-done work is rolled back alone"
