"""Every email finds its case, or waits for a person: matching layers, duplicates and review, on real databases."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from escalations.intake.receiving import Envelope, receive
from escalations.service.cli import main
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, CaseEvent, InboundMessage, InboundStatus, OutboxMessage
from tests.conftest import Clock
from tests.support.authentication import RELAY, by_gateway
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire
from tests.support.scenario import contact

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
MAILBOX = "escalations@salford.example"
PRACTITIONER = "a.khan@northside-health.example"
OTHER_SIDE = "lowri.dalby@childrens.salford.example"  # line manager, Salford Children's Services


def _deliver(runtime: Runtime, raw: bytes, sender: str = PRACTITIONER, source: str = "smtp") -> InboundMessage:
    """Handed over by the partnership's gateway, which authenticated the sender (tests.support.authentication)."""
    stored = receive(runtime.sessions, by_gateway(raw), Envelope(source, sender, (MAILBOX,), peer=RELAY), runtime.clock())
    runtime.worker().run_until_idle()
    with runtime.sessions() as session:
        row = session.get(InboundMessage, stored.id)
        assert row is not None
        _ = row.case  # loaded while the session is open
        return row


def _opened(runtime: Runtime) -> tuple[str, list[OutboxMessage]]:
    _deliver(runtime, wire(notice_email(salford_notice(), message_id="<first-notice@northside-health.example>")))
    with runtime.sessions() as session:
        case = session.scalars(select(Case)).one()
        sent = list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id).order_by(OutboxMessage.id)))
        return case.reference, sent


def _cases(runtime: Runtime) -> list[Case]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Case).order_by(Case.id)))


def _reply(
    sender: str, subject: str, body: str, in_reply_to: str | None = None, references: str | None = None, mailer: str | None = None
) -> bytes:
    headers = {}
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if references:
        headers["References"] = references
    if mailer:
        headers["X-Mailer"] = mailer
    return wire(notice_email(None, sender=sender, to=MAILBOX, subject=subject, body=body, headers=headers))


@pytest.mark.parametrize(
    ("subject", "use_in_reply_to", "use_references", "mailer"),
    [
        ("RE: [{ref}] Escalation – stage 2", True, True, "Microsoft Outlook 16.0"),
        ("Re: [{ref}] Escalation – stage 2", True, True, None),  # Gmail
        ("Re: [{ref}] Escalation – stage 2", True, True, "Apple Mail (2.3774)"),
        ("AW: [{ref}] Escalation – stage 2", True, False, "Thunderbird 128"),
        ("Escalation response", True, False, "CaseSystem 4.2"),  # a case system: no reference, no References
        ("Case update", False, True, None),  # only References survived
    ],
    ids=["outlook", "gmail", "apple-mail", "thunderbird-german", "case-system-no-reference", "references-only"],
)
def test_replies_from_the_common_clients_find_their_case(
    runtime: Runtime, subject: str, use_in_reply_to: bool, use_references: bool, mailer: str | None
) -> None:
    ref, sent = _opened(runtime)
    routed = sent[1].message_id
    raw = _reply(
        OTHER_SIDE,
        subject.format(ref=ref),
        "Resolved: we will visit tomorrow.\n\nOn Tue someone wrote:\n> Unresolved",
        in_reply_to=routed if use_in_reply_to else None,
        references=f"<first-notice@northside-health.example> {routed}" if use_references else None,
        mailer=mailer,
    )
    row = _deliver(runtime, raw, OTHER_SIDE)
    [case] = _cases(runtime)
    assert row.case_id == case.id and case.state == "resolved"


def test_a_reply_to_the_practitioners_own_email_matches_by_the_stored_message_id(runtime: Runtime) -> None:
    ref, _ = _opened(runtime)
    raw = _reply(OTHER_SIDE, "Re: Escalation notice", "Thanks, noted.", in_reply_to="<first-notice@northside-health.example>")
    row = _deliver(runtime, raw, OTHER_SIDE)
    with runtime.sessions() as session:
        rules = session.scalars(select(CaseEvent.rule).where(CaseEvent.inbound_id == row.id)).all()
    assert row.case is not None and row.case.reference == ref
    assert rules[0] == "match:message-id"


def test_a_forged_message_id_is_not_a_match(runtime: Runtime) -> None:
    ref, sent = _opened(runtime)
    genuine = sent[1].message_id
    forged = genuine.replace(genuine.split(".")[2].split("@")[0], "0" * 12)
    row = _deliver(runtime, _reply(OTHER_SIDE, "Escalation response", "Resolved", in_reply_to=forged), OTHER_SIDE)
    [case, *others] = _cases(runtime)
    assert case.reference == ref and case.state == "open", "the forged reply moved nothing"
    assert row.case_id != case.id


def test_a_reference_from_an_unrelated_sender_waits_for_review(runtime: Runtime) -> None:
    ref, _ = _opened(runtime)
    outsider = contact("salford", "Salford Police", "practitioner")  # in the directory, not in this case
    row = _deliver(runtime, _reply(outsider, f"RE: [{ref}] Escalation", "Resolved: closing it."), outsider)
    assert row.status == InboundStatus.REVIEW and row.outcome.startswith("reference-from-outsider")
    assert _cases(runtime)[0].state == "open"


def test_a_participant_may_name_the_reference_in_the_body(runtime: Runtime) -> None:
    ref, _ = _opened(runtime)
    row = _deliver(runtime, _reply(OTHER_SIDE, "Escalation", f"Re case {ref}: we have booked a meeting."), OTHER_SIDE)
    assert row.case is not None and row.case.reference == ref


@pytest.mark.parametrize(
    ("overrides", "outcome"),
    [
        ({"dob": "14/02/2017", "stage": "3"}, "continues"),  # the same child, the same agencies: the next stage
        ({"dob": "15/02/2017"}, "new"),  # a different date of birth is never the same child
        ({"child": "Max Bloggs"}, "new"),  # a twin
        ({"dob": None}, "review"),  # no date of birth to be sure
        ({"child": "Joanne Bloggs"}, "review"),
    ],
)
def test_a_notice_without_a_reference_finds_the_same_child_or_asks(
    runtime: Runtime, overrides: dict[str, str | None], outcome: str
) -> None:
    ref, _ = _opened(runtime)
    row = _deliver(runtime, wire(notice_email(salford_notice(**overrides), message_id="<second@northside-health.example>")))
    cases = _cases(runtime)
    if outcome == "continues":
        assert len(cases) == 1 and row.case_id == cases[0].id and cases[0].stage == 3
    elif outcome == "new":
        assert len(cases) == 2 and row.case_id == cases[1].id
    else:
        assert len(cases) == 1 and row.status == InboundStatus.REVIEW
        assert row.review["candidates"] == [ref] and row.review["partnership"] == "salford"


def test_the_same_message_by_smtp_and_imap_is_processed_once(runtime: Runtime) -> None:
    raw = wire(notice_email(salford_notice(), message_id="<both-ways@northside-health.example>"))
    first = _deliver(runtime, raw)
    # The IMAP copy carries the delivering server's headers on top of the same message.
    second = _deliver(
        runtime,
        b"Delivered-To: escalations@salford.example\r\nReceived: from mx.example by imap.example\r\n" + raw,
        source="imap",
    )
    assert second.status == InboundStatus.DUPLICATE and second.duplicate_of == first.id
    assert len(_cases(runtime)) == 1
    with runtime.sessions() as session:
        assert len(session.scalars(select(OutboxMessage)).all()) == 2


def test_the_same_notice_from_two_people_is_recorded_once_with_both(runtime: Runtime) -> None:
    document = salford_notice()
    _deliver(runtime, wire(notice_email(document)))
    colleague = contact("salford", "Northside Health", "line_manager")
    row = _deliver(runtime, wire(notice_email(document, sender=colleague)), colleague)
    [case] = _cases(runtime)
    assert row.case_id == case.id and row.outcome.startswith("duplicate-notice")
    with runtime.sessions() as session:
        event = session.scalars(
            select(CaseEvent).where(CaseEvent.inbound_id == row.id, CaseEvent.rule == "duplicate-notice")
        ).one()
    assert event.data == {"sender": colleague}


def test_review_decisions(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    ref, _ = _opened(runtime)
    config = ["--config", str(runtime.settings.path)]
    waiting = [
        _deliver(runtime, wire(notice_email(salford_notice(dob=None), message_id=f"<look-alike-{i}@northside-health.example>")))
        for i in range(3)
    ]
    assert all(w.status == InboundStatus.REVIEW for w in waiting)
    capsys.readouterr()
    assert main(["review", "list", "--json", *config]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["candidates"]) for r in listed] == [(w.id, [ref]) for w in waiting]

    assert main(["review", "decide", str(waiting[0].id), "--case", ref, *config]) == 0
    assert main(["review", "decide", str(waiting[1].id), "--new", *config]) == 0
    assert main(["review", "decide", str(waiting[2].id), "--reject", "--note", "sent in error", *config]) == 0
    assert main(["review", "decide", str(waiting[2].id), "--new", *config]) == 1, "only waiting messages can be decided"
    with runtime.sessions() as session:
        decided = {m.id: m for m in session.scalars(select(InboundMessage).where(InboundMessage.id.in_([w.id for w in waiting])))}
        cases = {c.id: c.reference for c in session.scalars(select(Case))}
    assert cases[decided[waiting[0].id].case_id] == ref
    assert decided[waiting[1].id].case_id not in (None, _cases(runtime)[0].id)
    assert decided[waiting[2].id].status == InboundStatus.REJECTED and decided[waiting[2].id].case_id is None


def test_business_manager_gets_one_review_summary_a_day(runtime: Runtime, clock: Clock) -> None:
    _opened(runtime)
    _deliver(runtime, wire(notice_email(salford_notice(dob=None), message_id="<look-alike@northside-health.example>")))
    clock.moment = T(2026, 3, 11, 9, 0)  # Wednesday, opening time
    runtime.scheduler().run_once()
    runtime.scheduler().run_once()
    clock.moment = T(2026, 3, 11, 15, 0)
    runtime.scheduler().run_once()
    with runtime.sessions() as session:
        summaries = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "review_summary")).all()
    assert len(summaries) == 1
    assert summaries[0].recipients == [contact("salford", None, "business_manager")]
    message = email.message_from_bytes(summaries[0].raw, policy=email.policy.default)
    assert "Bloggs" not in str(message["Subject"])


def test_the_timeline_shows_each_email_in_its_own_words(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    ref, _ = _opened(runtime)
    body = "We will visit tomorrow.\n\nOn Tue, 10 Mar 2026, A Khan wrote:\n> Please look at this again\n> Thanks"
    _deliver(runtime, _reply(OTHER_SIDE, f"RE: [{ref}] Escalation", body), OTHER_SIDE)
    capsys.readouterr()
    assert main(["cases", "show", ref, "--config", str(runtime.settings.path)]) == 0
    shown = capsys.readouterr().out
    assert "| We will visit tomorrow." in shown
    assert "Please look at this again" not in shown
    with runtime.sessions() as session:
        raw = session.scalars(select(InboundMessage.raw).where(InboundMessage.envelope_from == OTHER_SIDE)).one()
    assert b"Please look at this again" in raw, "the raw message stays stored whole"


def test_a_new_notice_on_an_old_thread_is_not_taken_for_that_case(runtime: Runtime) -> None:
    ref, sent = _opened(runtime)
    other_child = salford_notice(child="Sam Carter", dob="03/09/2019")
    raw = wire(
        notice_email(other_child, subject=f"RE: [{ref}] Escalation – stage 2", headers={"In-Reply-To": sent[0].message_id})
    )
    row = _deliver(runtime, raw)
    [case] = _cases(runtime)
    assert row.status == InboundStatus.REVIEW and row.outcome.startswith("different-subject")
    assert case.stage == 2, "the old case did not move"


def test_a_notice_written_in_the_email_finds_its_open_case_too(runtime: Runtime) -> None:
    body = (
        "Name of child: Jo Bloggs\nDate of birth: 14/02/2017\nAgency whose decision is challenged: Salford Children's Services\n"
        "Stage being escalated to: 3\nPlease document any information of concern: Still no visit."
    )
    _opened(runtime)
    row = _deliver(runtime, wire(notice_email(None, body=body, message_id="<in-the-body@northside-health.example>")))
    [case] = _cases(runtime)
    assert row.case_id == case.id and case.stage == 3
