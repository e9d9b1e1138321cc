"""Limits on processing one stranger's message: a time budget, a size limit, caps on what is read."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from escalations.intake import mime
from escalations.intake.receiving import Envelope, receive
from escalations.service import worker as worker_module
from escalations.service.runtime import Runtime
from escalations.service.worker import MAX_TRIES
from escalations.storage.models import CaseEvent, InboundMessage, InboundStatus
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire

PRACTITIONER = "a.khan@northside-health.example"


def _deliver(runtime: Runtime, raw: bytes, sender: str = PRACTITIONER) -> int:
    return receive(runtime.sessions, raw, Envelope("imap", sender, ("escalations@salford.example",)), runtime.clock()).id


def _inbound(runtime: Runtime, inbound_id: int) -> InboundMessage:
    with runtime.sessions() as session:
        row = session.get(InboundMessage, inbound_id)
        assert row is not None
        return row


def test_a_message_over_its_time_budget_is_a_failed_try_then_quarantined_and_the_next_is_processed(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every routine on message text is linear now, so slowness is provoked here: a
    # backtracking pattern on the message, as the old HTML reader was.
    real_prepare = worker_module.prepare

    def slow_prepare(raw, envelope_from, context):  # type: ignore[no-untyped-def]
        if b"hostile" in raw:
            re.fullmatch(r"(a+)+b", "a" * 64)
        return real_prepare(raw, envelope_from, context)

    monkeypatch.setattr(worker_module, "prepare", slow_prepare)
    _deliver(runtime, wire(notice_email(salford_notice(), message_id="<warm@northside-health.example>")))
    assert runtime.worker().run_until_idle() == 1  # imports and the reader processes started, outside the budget
    hostile = _deliver(runtime, wire(notice_email(None, body="hostile", message_id="<hostile@northside-health.example>")))
    good = _deliver(runtime, wire(notice_email(salford_notice(child="Sam Carter", dob="03/09/2019"))))
    worker = runtime.worker(budget_seconds=2)
    assert worker.run_until_idle() == MAX_TRIES + 1
    row = _inbound(runtime, hostile)
    assert (row.status, row.tries) == (InboundStatus.QUARANTINED, MAX_TRIES)
    assert "BudgetExceeded: processing took longer than its budget of 2 s" in (row.last_error or "")
    assert _inbound(runtime, good).status == InboundStatus.PROCESSED


def test_a_message_larger_than_the_limit_is_kept_unread_with_the_reason(runtime: Runtime) -> None:
    # The IMAP watcher takes any size; the worker reads no more than the SMTP limit (200,000 here).
    raw = wire(notice_email(salford_notice(), body="x" * 250_000))
    inbound_id = _deliver(runtime, raw)
    runtime.worker().run_until_idle()
    row = _inbound(runtime, inbound_id)
    assert row.status == InboundStatus.QUARANTINED
    assert "more than the 200,000 we read" in (row.last_error or "")
    assert row.raw == raw


def test_what_was_cut_before_reading_is_said_on_the_case(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mime, "MAX_TEXT_CHARS", 2_000)
    long_subject = "Escalation " + "notice " * 2_000
    raw = wire(notice_email(salford_notice(), subject=long_subject, body="Please see the notice. " * 200))
    inbound_id = _deliver(runtime, raw)
    runtime.worker().run_until_idle()
    row = _inbound(runtime, inbound_id)
    assert row.status == InboundStatus.PROCESSED
    assert "the Subject header was longer than 8,192 characters" in (row.outcome or "")
    assert "the text body was longer than 2,000 characters" in (row.outcome or "")
    with runtime.sessions() as session:
        [event] = session.scalars(select(CaseEvent).where(CaseEvent.rule == "read-in-part")).all()
        assert event.case_id == row.case_id
        assert "only its beginning was read" in event.reason
