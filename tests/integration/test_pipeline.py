"""The worker and pipeline on a real database: stored message in, case, events, deadlines and outbox out."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from escalations.intake.notices import sandbox
from escalations.intake.receiving import Envelope, receive
from escalations.service.cli import main
from escalations.service.runtime import Runtime
from escalations.service.worker import MAX_TRIES
from escalations.storage.models import (
    Case,
    CaseEvent,
    CaseSequence,
    CaseState,
    InboundMessage,
    InboundStatus,
    OutboxMessage,
)
from escalations.storage.repositories import CaseRepository
from tests.conftest import Clock
from tests.support import pdfs
from tests.support.authentication import RELAY, by_gateway
from tests.support.forms import bury_adults_notice, bury_children_notice, docx_table_notice, salford_notice
from tests.support.mail import notice_email, wire

PRACTITIONER = "a.khan@northside-health.example"


def _deliver(runtime: Runtime, raw: bytes, to: str = "escalations@salford.example", sender: str | None = PRACTITIONER) -> int:
    """Handed over by the partnership's gateway, which authenticated the sender (tests.support.authentication)."""
    return receive(runtime.sessions, by_gateway(raw), Envelope("smtp", sender, (to,), peer=RELAY), runtime.clock()).id


def _process(runtime: Runtime) -> int:
    return runtime.worker().run_until_idle()


def _inbound(runtime: Runtime, inbound_id: int) -> InboundMessage:
    with runtime.sessions() as session:
        row = session.get(InboundMessage, inbound_id)
        assert row is not None
        return row


def _outbox(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _cases(runtime: Runtime) -> list[Case]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Case).order_by(Case.id)))


def _headers(row: OutboxMessage) -> email.message.EmailMessage:
    return email.message_from_bytes(row.raw, policy=email.policy.default)  # type: ignore[return-value]


def test_notice_opens_a_case_and_queues_acknowledgement_and_routed_summary(runtime: Runtime) -> None:
    inbound_id = _deliver(runtime, wire(notice_email(salford_notice())))
    assert _process(runtime) == 1

    [case] = _cases(runtime)
    assert case.reference == "SAL-2026-0001"
    assert (case.partnership, case.state, case.stage) == ("salford", CaseState.OPEN, 2)
    assert _inbound(runtime, inbound_id).status == InboundStatus.PROCESSED

    ack, routed = _outbox(runtime)
    assert ack.kind == "acknowledgement" and ack.recipients == [PRACTITIONER]
    assert routed.kind == "routed_case"
    # Salford stage 2: line manager and safeguarding lead on both sides; copies to the
    # challenged service manager (3.4) and the SSCB business manager (4.2).
    to = _headers(routed)["To"].addresses
    cc = _headers(routed)["Cc"].addresses
    assert {a.addr_spec for a in to} == {
        "elin.everard@northside-health.example",
        "idris.greystone@northside-health.example",
        "lowri.dalby@childrens.salford.example",
        "priya.fairbank@childrens.salford.example",
    }
    assert {a.addr_spec for a in cc} == {"niall.tandy@childrens.salford.example", "business.manager@salford.example"}
    for row in (ack, routed):
        headers = _headers(row)
        assert headers["Subject"].startswith("[SAL-2026-0001] ")
        assert "Jo" not in headers["Subject"] and "Bloggs" not in headers["Subject"]
        assert headers["X-Auto-Response-Suppress"] == "All"
        assert headers["Message-ID"] == row.message_id
    assert [p.get_filename() for p in _headers(routed).iter_attachments()] == ["SAL-2026-0001-notice-1.docx"]


def test_case_timeline_explains_every_decision(runtime: Runtime) -> None:
    _deliver(runtime, wire(notice_email(salford_notice())))
    _process(runtime)
    with runtime.sessions() as session:
        case = CaseRepository(session).by_reference("SAL-2026-0001")
        assert case is not None
        rules = [e.rule for e in case.events]
        assert all(e.reason for e in case.events)
        deadlines = [(d.kind, d.stage, d.due, d.met) for d in case.deadlines]
    assert rules[0] == "new-notice"
    assert {"policy:mailbox", "stage-from-notice", "raising-agency", "challenged-agency", "copy:service-manager-copy"} <= set(
        rules
    )
    assert rules.count("send:acknowledgement") == 1 and rules.count("send:routed_case") == 1
    # Received Tuesday 10 March 2026 10:00 GMT; Salford stage 2 is the same working day,
    # and the copy to the Service Manager (3.4, within 2 working days) is made at once.
    assert deadlines == [
        ("stage_response", 2, datetime(2026, 3, 10, 17, 0, tzinfo=UTC), False),
        ("copy:service-manager-copy", 2, datetime(2026, 3, 12, 17, 0, tzinfo=UTC), True),
    ]


def test_same_message_twice_makes_one_case(runtime: Runtime) -> None:
    raw = wire(notice_email(salford_notice()))
    first, second = _deliver(runtime, raw), _deliver(runtime, raw)
    assert first == second
    _process(runtime)
    assert len(_cases(runtime)) == 1
    assert len(_outbox(runtime)) == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied", "Subject": "Automatic reply: Escalation notice"},
        {"Precedence": "bulk"},
        {"List-Id": "<safeguarding.lists.example>"},
        {"X-Escalations-Origin": "salford"},
    ],
    ids=["out-of-office", "bulk", "list", "our-own"],
)
def test_automated_mail_is_recorded_and_never_answered(runtime: Runtime, headers: dict[str, str]) -> None:
    subject = headers.pop("Subject", "Escalation notice")
    inbound_id = _deliver(runtime, wire(notice_email(salford_notice(), subject=subject, headers=headers)))
    _process(runtime)
    row = _inbound(runtime, inbound_id)
    assert row.status == InboundStatus.IGNORED
    assert row.outcome and row.outcome.startswith("screening:")
    assert _outbox(runtime) == [] and _cases(runtime) == []


def test_bounce_with_null_sender_is_never_answered(runtime: Runtime) -> None:
    inbound_id = _deliver(runtime, wire(notice_email(salford_notice(), sender="mailer-daemon@mx.salford.example")), sender="")
    _process(runtime)
    assert _inbound(runtime, inbound_id).status == InboundStatus.IGNORED
    assert _outbox(runtime) == []


def test_sender_outside_the_directory_goes_to_review_unanswered(runtime: Runtime) -> None:
    raw = wire(notice_email(salford_notice(), sender="someone@unknown-agency.example"))
    inbound_id = _deliver(runtime, raw, sender="someone@unknown-agency.example")
    _process(runtime)
    row = _inbound(runtime, inbound_id)
    assert row.status == InboundStatus.REVIEW and row.outcome.startswith("unknown-sender")
    assert _outbox(runtime) == [] and _cases(runtime) == []


def test_notice_with_no_readable_fields_is_held_and_the_sender_told(runtime: Runtime) -> None:
    blank = docx_table_notice([], paragraphs=["Nothing useful in here at all."])
    inbound_id = _deliver(runtime, wire(notice_email(blank, body="see attached")))
    _process(runtime)
    [case] = _cases(runtime)
    assert case.state == CaseState.AWAITING_INFORMATION
    assert _inbound(runtime, inbound_id).status == InboundStatus.PROCESSED
    [reply] = _outbox(runtime)
    assert reply.kind == "information_needed" and reply.recipients == [PRACTITIONER]
    text = _headers(reply).get_body(("plain",)).get_content()
    assert "could not be read" in text


def test_held_case_is_routed_when_the_notice_arrives(runtime: Runtime) -> None:
    _deliver(runtime, wire(notice_email(None, body="I want to escalate a case, form to follow.")))
    _process(runtime)
    [case] = _cases(runtime)
    assert case.state == CaseState.AWAITING_INFORMATION
    _deliver(runtime, wire(notice_email(salford_notice(), subject=f"RE: [{case.reference}] More information needed")))
    _process(runtime)
    [case] = _cases(runtime)
    assert (case.state, case.stage) == (CaseState.OPEN, 2)
    assert [r.kind for r in _outbox(runtime)] == ["information_needed", "acknowledgement", "routed_case"]


def test_reply_naming_a_case_is_recorded_on_it(runtime: Runtime) -> None:
    _deliver(runtime, wire(notice_email(salford_notice())))
    _process(runtime)
    reply = notice_email(
        None,
        sender="lowri.dalby@childrens.salford.example",
        subject="RE: [SAL-2026-0001] Escalation – stage 2",
        body="We will visit tomorrow.\n\n> Stage: 4\n> Name of Child/Young Person: someone else",
    )
    inbound_id = _deliver(runtime, wire(reply), sender="lowri.dalby@childrens.salford.example")
    _process(runtime)
    [case] = _cases(runtime)
    assert case.stage == 2, "quoted text must never read as a notice"
    assert _inbound(runtime, inbound_id).case_id == case.id
    with runtime.sessions() as session:
        rules = session.scalars(select(CaseEvent.rule).where(CaseEvent.inbound_id == inbound_id)).all()
    # The other agency's reply is the stage's response, and (issue 11) it is passed on to the case's other parties.
    assert rules == ["match:reference", "met:stage_response", "send:reply_update", "authentication:pass"]


def test_unknown_reference_goes_to_review(runtime: Runtime) -> None:
    inbound_id = _deliver(runtime, wire(notice_email(None, subject="RE: [SAL-2026-0999] Escalation")))
    _process(runtime)
    assert _inbound(runtime, inbound_id).status == InboundStatus.REVIEW


@pytest.mark.parametrize(
    ("notice", "sender", "policy", "prefix"),
    [
        (lambda: bury_children_notice(reference=None), "h.visitor@bury-health.example", "bury-children", "BURYC"),
        (lambda: bury_adults_notice(), "h.visitor@bury-health.example", "bury-adults", "BURYA"),
    ],
)
def test_bury_shared_mailbox_picks_policy_by_subject(runtime: Runtime, notice, sender: str, policy: str, prefix: str) -> None:  # type: ignore[no-untyped-def]
    _deliver(runtime, wire(notice_email(notice(), sender=sender, to="bsp@bury.example")), to="bsp@bury.example", sender=sender)
    _process(runtime)
    [case] = _cases(runtime)
    assert case.partnership == policy
    assert case.reference.startswith(f"{prefix}-2026-")


def test_malformed_message_is_quarantined_with_its_reason_and_kept(runtime: Runtime) -> None:
    inbound_id = _deliver(runtime, b"\x00\x01\x02 not an email at all")
    _process(runtime)
    row = _inbound(runtime, inbound_id)
    assert row.status == InboundStatus.QUARANTINED
    assert "MalformedMessage" in (row.last_error or "")
    assert row.raw == b"\x00\x01\x02 not an email at all"


def test_message_that_keeps_failing_is_quarantined_after_three_tries_then_retried(runtime: Runtime, clock: Clock) -> None:
    # A real fault: a case numbered outside the sequence (a bad restore, say) makes
    # the next reference collide with the unique constraint on every try.
    with runtime.sessions.begin() as session:
        session.add(
            Case(
                reference="SAL-2026-0001",
                partnership="salford",
                year=2026,
                number=1,
                stage=1,
                opened_at=clock(),
                updated_at=clock(),
            )
        )
    inbound_id = _deliver(runtime, wire(notice_email(salford_notice())))
    for _ in range(MAX_TRIES):
        assert runtime.worker().run_once() is True
    assert runtime.worker().run_once() is False, "a quarantined message is not claimed again"
    row = _inbound(runtime, inbound_id)
    assert (row.status, row.tries) == (InboundStatus.QUARANTINED, MAX_TRIES)
    assert "IntegrityError" in (row.last_error or "")
    assert _outbox(runtime) == []

    with runtime.sessions.begin() as session:  # the operator repairs the sequence and retries
        session.merge(CaseSequence(partnership="salford", year=2026, last=1))
    assert main(["quarantine", "retry", str(inbound_id), "--config", str(runtime.settings.path)]) == 0
    _process(runtime)
    assert _inbound(runtime, inbound_id).status == InboundStatus.PROCESSED
    assert [c.reference for c in _cases(runtime)] == ["SAL-2026-0001", "SAL-2026-0002"]


def test_worker_survives_a_bad_message_and_handles_the_next(runtime: Runtime) -> None:
    bad = _deliver(runtime, b"\x00garbage")
    good = _deliver(runtime, wire(notice_email(salford_notice())))
    _process(runtime)
    assert _inbound(runtime, bad).status == InboundStatus.QUARANTINED
    assert _inbound(runtime, good).status == InboundStatus.PROCESSED


def test_case_references_are_unique_under_concurrent_workers(runtime: Runtime) -> None:
    for i in range(12):
        notice = salford_notice(dob=f"{i + 1:02d}/02/2017")  # twelve different children
        _deliver(runtime, wire(notice_email(notice, message_id=f"<n{i}@northside-health.example>")))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            runtime.worker().run_until_idle()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    references = [c.reference for c in _cases(runtime)]
    assert sorted(references) == [f"SAL-2026-{n:04d}" for n in range(1, 13)]
    with runtime.sessions() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(InboundMessage).where(InboundMessage.status == InboundStatus.PROCESSED)
            )
            == 12
        )


def test_reference_year_follows_london_time(runtime: Runtime, clock: Clock) -> None:
    clock.moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # GMT: still 2026 in London
    _deliver(runtime, wire(notice_email(salford_notice())))
    _process(runtime)
    assert _cases(runtime)[0].reference == "SAL-2026-0001"


def test_an_immediate_risk_answer_we_are_unsure_of_holds_the_notice(runtime: Runtime) -> None:
    rows = [
        ("Name of Child/Young Person", "Jo Bloggs"),
        ("D.O.B", "14/02/2017"),
        ("Please document any information of concern", "Bruising seen twice."),
        ("Is the child at immediate risk of significant harm?", "Yes"),
        ("Immediate risk", "No"),
    ]
    _deliver(runtime, wire(notice_email(docx_table_notice(rows))))
    _process(runtime)
    [case] = _cases(runtime)
    assert case.state == CaseState.AWAITING_INFORMATION, "conflicting immediate-risk answers are never guessed"
    [reply] = _outbox(runtime)
    text = _headers(reply).get_body(("plain",)).get_content()
    assert reply.kind == "information_needed" and "immediate risk" in text.lower()


def test_an_attachment_we_cannot_read_holds_the_notice_and_says_why(runtime: Runtime) -> None:
    message = notice_email(salford_notice())
    message.add_attachment(b"%PDF-1.7\n this is not really a pdf", maintype="application", subtype="pdf", filename="scan.pdf")
    _deliver(runtime, wire(message))
    _process(runtime)
    [case] = _cases(runtime)
    assert case.state == CaseState.AWAITING_INFORMATION
    [reply] = _outbox(runtime)
    assert "PDF" in _headers(reply).get_body(("plain",)).get_content()


def test_a_held_notice_is_completed_by_writing_the_missing_detail_in_the_reply(runtime: Runtime) -> None:
    _deliver(runtime, wire(notice_email(salford_notice(dob=None))))
    _process(runtime)
    [case] = _cases(runtime)
    assert case.state == CaseState.AWAITING_INFORMATION
    [reply] = _outbox(runtime)
    assert "date of birth" in _headers(reply).get_body(("plain",)).get_content()
    answer = notice_email(
        None,
        subject=f"RE: [{case.reference}] More information needed",
        body="Date of birth: 14/02/2017\n\nOn Tue, 10 Mar 2026, SSCB wrote:\n> Name of Child/Young Person: someone else",
        headers={"In-Reply-To": reply.message_id},
    )
    _deliver(runtime, wire(answer))
    _process(runtime)
    [case] = _cases(runtime)
    assert (case.state, case.stage) == (CaseState.OPEN, 2)
    routed = [r for r in _outbox(runtime) if r.kind == "routed_case"]
    text = _headers(routed[0]).get_body(("plain",)).get_content()
    assert "Jo Bloggs (date of birth 14 February 2017)" in text, "the first notice's details with the answer put in"


def test_a_reader_child_killed_mid_notice_loses_nothing_and_the_next_notice_is_read(runtime: Runtime) -> None:
    """As the kernel's OOM killer would: the reader children live on between notices (sandbox.ReaderPool)."""
    sandbox.close_readers()  # a fresh pool: its only child is the one reading this notice
    slow = _deliver(runtime, wire(notice_email(pdfs.slow_notice(), filename="notice.pdf")))
    worker = threading.Thread(target=_process, args=(runtime,))
    worker.start()
    deadline = time.monotonic() + 30
    while not sandbox.readers().children() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    [reading] = sandbox.readers().children()
    os.kill(reading, signal.SIGKILL)
    worker.join(60)
    assert _inbound(runtime, slow).status == InboundStatus.PROCESSED
    [held] = _cases(runtime)
    assert held.state == CaseState.AWAITING_INFORMATION
    [reply] = _outbox(runtime)
    assert "could not be read" in _headers(reply).get_body(("plain",)).get_content()

    good = _deliver(runtime, wire(notice_email(salford_notice())))
    _process(runtime)
    assert _inbound(runtime, good).status == InboundStatus.PROCESSED
    assert [case.state for case in _cases(runtime)] == [CaseState.AWAITING_INFORMATION, CaseState.OPEN]
    assert reading not in sandbox.readers().children()


def test_a_reply_carrying_the_notice_has_it_read_once(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reply's attachments are read with its body and alone (its quoted text is no notice): one reading serves both."""
    _deliver(runtime, wire(notice_email(None, body="I want to escalate a case, form to follow.")))
    _process(runtime)
    [case] = _cases(runtime)
    reads: list[int] = []
    reading = sandbox.read_document
    monkeypatch.setattr(sandbox, "read_document", lambda *args, **kwargs: reads.append(1) or reading(*args, **kwargs))
    _deliver(runtime, wire(notice_email(salford_notice(), subject=f"RE: [{case.reference}] More information needed")))
    _process(runtime)
    [case] = _cases(runtime)
    assert (case.state, case.stage) == (CaseState.OPEN, 2)
    assert len(reads) == 1
