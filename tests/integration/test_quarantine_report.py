"""Quarantined messages reach the business managers' daily summary: count, ids and kind, once a day, no personal data."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from sqlalchemy import select

from escalations.intake.receiving import Envelope, receive
from escalations.service.runtime import Runtime
from escalations.storage.models import InboundMessage, InboundStatus, OutboxMessage
from tests.conftest import Clock
from tests.support.scenario import contact

SENDER = "a.khan@northside-health.example"
WEDNESDAY_OPENING = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
THURSDAY_OPENING = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)


def _quarantined_for_real(runtime: Runtime, mailbox: str) -> int:
    """An empty message: unreadable for good, so the worker quarantines it at once."""
    blank = b"\r\n" * (1 + len(mailbox))  # bytes of its own, or it is a duplicate of the last one
    stored = receive(runtime.sessions, blank, Envelope("smtp", SENDER, (mailbox,)), runtime.clock())
    runtime.worker().run_until_idle()
    with runtime.sessions() as session:
        row = session.get(InboundMessage, stored.id)
        assert row is not None and row.status == InboundStatus.QUARANTINED, row and row.status
    return stored.id


def _crashed_without_envelope(runtime: Runtime, to: str) -> int:
    """A message the worker died on repeatedly (as the worker records it); it came by a pipe with no recipient."""
    raw = f"From: {SENDER}\r\nTo: {to}\r\nSubject: Jo Bloggs\r\n\r\nabout Jo Bloggs\r\n".encode()
    stored = receive(runtime.sessions, raw, Envelope("ingest", SENDER, ()), runtime.clock())
    with runtime.sessions.begin() as session:
        row = session.get(InboundMessage, stored.id)
        assert row is not None
        row.status, row.tries = InboundStatus.QUARANTINED, 4
        row.last_error = "the worker stopped while processing it, repeatedly"
    return stored.id


def _summaries(runtime: Runtime) -> dict[tuple[str, ...], list[email.message.EmailMessage]]:
    found: dict[tuple[str, ...], list[email.message.EmailMessage]] = {}
    with runtime.sessions() as session:
        for row in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "review_summary").order_by(OutboxMessage.id)
        ):
            message = email.message_from_bytes(row.raw, policy=email.policy.default)
            assert isinstance(message, email.message.EmailMessage)
            found.setdefault(tuple(row.recipients), []).append(message)
    return found


def _text(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert isinstance(part, email.message.EmailMessage)
    return part.get_content()


def test_each_partnership_hears_of_its_own_quarantine_once_a_day(runtime: Runtime, clock: Clock) -> None:
    salford = _quarantined_for_real(runtime, "Escalations@Salford.example")
    bury = _quarantined_for_real(runtime, "bsp@bury.example")
    barnet = _crashed_without_envelope(runtime, "Escalations <escalations@barnet.example>")
    clock.moment = WEDNESDAY_OPENING
    runtime.scheduler().run_once()
    runtime.scheduler().run_once()  # a second pass the same day sends nothing more
    sent = _summaries(runtime)
    salford_bm = (contact("salford", None, "business_manager"),)
    bury_bm = (contact("bury-children", None, "business_manager"),)
    barnet_bm = (contact("barnet", None, "business_manager"),)
    assert set(sent) == {salford_bm, bury_bm, barnet_bm}  # nothing for B&NES, which has none
    [to_salford] = sent[salford_bm]
    assert to_salford["Subject"] == "SSCB escalations: 1 in quarantine"
    assert f"inbound {salford}, received 10 March 2026, 10:00: MalformedMessage" in _text(to_salford)
    assert "quarantine retry ID" in _text(to_salford) and "empty message" not in _text(to_salford)
    assert len(sent[bury_bm]) == 2  # Bury's mailbox serves both Bury partnerships: each tells its business manager
    assert all(f"inbound {bury}," in _text(m) and f"inbound {salford}," not in _text(m) for m in sent[bury_bm])
    [to_barnet] = sent[barnet_bm]
    assert f"inbound {barnet}, received 10 March 2026, 10:00: worker stopped" in _text(to_barnet)
    assert "Bloggs" not in to_barnet.as_string()
    clock.moment = THURSDAY_OPENING  # still in quarantine the next working day: told again
    runtime.scheduler().run_once()
    assert len(_summaries(runtime)[salford_bm]) == 2


def test_review_and_quarantine_share_one_summary(runtime: Runtime, clock: Clock) -> None:
    _quarantined_for_real(runtime, "escalations@salford.example")
    with runtime.sessions.begin() as session:  # a message a person must decide on
        stored = receive(
            runtime.sessions,
            b"Subject: x\r\n\r\ny\r\n",
            Envelope("smtp", SENDER, ("escalations@salford.example",)),
            runtime.clock(),
        )
        row = session.get(InboundMessage, stored.id)
        assert row is not None
        row.status, row.outcome, row.review = InboundStatus.REVIEW, "no case named", {"partnership": "salford"}
    clock.moment = WEDNESDAY_OPENING
    runtime.scheduler().run_once()
    [[summary]] = _summaries(runtime).values()
    assert summary["Subject"] == "SSCB escalations: 1 waiting for review, 1 in quarantine"
    assert "no case named" in _text(summary) and "in quarantine" in _text(summary)
