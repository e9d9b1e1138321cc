"""Issue 11, letters: who raised the concern, "In progress", and replies passed on to the other parties.

Through the pipeline on an injected clock, against the packaged Salford policy and
the example directory; every email sent is also checked by tests.support.letters.
"""

from __future__ import annotations

from datetime import UTC, datetime

from escalations.intake.receiving import Envelope, receive
from escalations.service.runtime import Runtime

from tests.conftest import Clock
from tests.support.authentication import RELAY
from tests.support.mail import notice_email, wire
from tests.support.scenario import Scenario, contact, notice_rows

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
MAILBOX = "escalations@salford.example"
RAISING, CHALLENGED = "Northside Health", "Salford Children's Services"
RAISER = contact("salford", RAISING, "practitioner")  # Dev Vellacott, 0161 496 0103
PRACTITIONER = contact("salford", CHALLENGED, "practitioner")  # Kamal Underhill
QUOTED = (
    "\n\nOn Tue, 10 Mar 2026 at 10:00, SSCB Safeguarding escalations <escalations@salford.example>\nwrote:\n"
    "> A professional disagreement has been escalated to you.\n> Child: Jo Bloggs (date of birth 14 February 2017)\n"
)
OUTLOOK = (
    "\n\n________________________________\nFrom: SSCB Safeguarding escalations <escalations@salford.example>\n"
    "Sent: 10 March 2026 10:00\nSubject: Escalation\n\nChild: Jo Bloggs\n"
)


def opened(runtime: Runtime, clock: Clock, **more: str) -> tuple[Scenario, str]:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 10, 10, 0))  # Tuesday 10:00
    reference = s.notice(RAISER, notice_rows("Jo Bloggs", "14/02/2017", CHALLENGED, "1", **more))
    return s, reference


# -- the routed email names who raised the concern ------------------------------


def test_the_routed_email_names_the_raiser_from_the_directory_when_the_notice_does_not(runtime: Runtime, clock: Clock) -> None:
    s, _ = opened(runtime, clock)
    [routed] = [m for m in s.sent() if m.kind == "routed_case"]
    assert "Raised by: not stated" not in routed.text
    assert "Raised by: Dev Vellacott, practitioner, Northside Health" in routed.text
    assert f"How to reach them: {RAISER}, 0161 496 0103" in routed.text


def test_the_routed_email_takes_the_raisers_own_details_from_the_notice(runtime: Runtime, clock: Clock) -> None:
    rows = {"Your name": "Dev Vellacott", "Your role": "Health Visitor", "Your telephone number": "07700 900123"}
    s, _ = opened(runtime, clock, **rows)
    [routed] = [m for m in s.sent() if m.kind == "routed_case"]
    assert "Raised by: Dev Vellacott, Health Visitor, Northside Health" in routed.text
    assert "How to reach them: dev.vellacott@northside-health.example, 07700 900123" in routed.text


# -- "In progress" ------------------------------------------------------------------


def test_in_progress_is_recorded_told_to_the_others_and_holds_chasers_until_the_next_working_day(
    runtime: Runtime, clock: Clock
) -> None:
    s, ref = opened(runtime, clock)
    s.sent()
    deadlines = s.open_deadlines(ref)
    s.at(T(2026, 3, 10, 11, 0)).reply(ref, PRACTITIONER, "In progress: a home visit is booked for Thursday." + QUOTED)
    case = s.case(ref)
    assert (case.state, case.stage) == ("open", 1), "In progress never closes or moves a case"
    assert s.open_deadlines(ref) == deadlines, "nor meets a deadline"
    [event] = [e for e in case.events if e.rule == "in-progress"]
    assert PRACTITIONER in event.reason and "Wednesday 11 March 2026, 09:00" in event.reason
    [update] = s.sent()
    assert update.kind == "reply_update" and update.subject == f"[{ref}] Reply received – stage 1"
    assert RAISER in update.to and PRACTITIONER not in update.everyone
    assert "Kamal Underhill, practitioner, Salford Children's Services, replied" in update.text
    assert "In progress: a home visit is booked for Thursday." in update.text
    assert "reminders wait until Wednesday 11 March 2026, 09:00" in update.text
    assert "Jo Bloggs" not in update.text and "wrote:" not in update.text, "no quoted history"
    s.at(T(2026, 3, 10, 17, 0)).tick()  # the stage 1 deadline (same working day): held
    assert [m.kind for m in s.sent()] == []
    s.at(T(2026, 3, 11, 9, 0)).tick()  # the next working day: chased again
    assert [m.kind for m in s.sent()] == ["chaser"]


def test_in_progress_from_an_unauthenticated_sender_is_held_and_tells_nobody(runtime: Runtime, clock: Clock) -> None:
    s, ref = opened(runtime, clock)
    s.sent()
    forged = notice_email(None, sender=PRACTITIONER, to=MAILBOX, subject=f"RE: [{ref}] Escalation", body="In progress: nothing")
    receive(runtime.sessions, wire(forged), Envelope("smtp", PRACTITIONER, (MAILBOX,), peer=RELAY), clock())
    runtime.worker().run_until_idle()
    case = s.case(ref)
    assert not [e for e in case.events if e.rule == "in-progress"]
    assert [e.rule for e in case.events if e.rule == "move-held"] == ["move-held"]
    assert s.sent() == []
    s.at(T(2026, 3, 10, 17, 0)).tick()
    assert "chaser" in [m.kind for m in s.sent()], "a forged In progress holds nothing"


def test_the_acknowledgement_does_not_offer_in_progress_but_the_routed_case_does(runtime: Runtime, clock: Clock) -> None:
    s, _ = opened(runtime, clock)
    sent = {m.kind: m for m in s.sent()}
    assert '"In progress" followed by what is being done' in sent["routed_case"].text
    assert "In progress" not in sent["acknowledgement"].text


# -- replies passed on ------------------------------------------------------------


def test_a_comment_from_the_other_side_reaches_the_raiser_without_the_quoted_history(runtime: Runtime, clock: Clock) -> None:
    s, ref = opened(runtime, clock)
    s.sent()
    s.at(T(2026, 3, 10, 12, 0)).reply(ref, PRACTITIONER, "We visited this morning and will call you.\nKamal" + OUTLOOK)
    [update] = s.sent()
    assert update.kind == "reply_update" and RAISER in update.to and PRACTITIONER not in update.everyone
    assert "We visited this morning and will call you.\nKamal" in update.text
    assert "Sent: 10 March" not in update.text and "Jo Bloggs" not in update.text
    assert s.case(ref).state == "open"


def test_the_raisers_comment_reaches_the_people_at_the_stage(runtime: Runtime, clock: Clock) -> None:
    s, ref = opened(runtime, clock)
    s.sent()
    s.at(T(2026, 3, 10, 12, 0)).reply(ref, RAISER, "The family moved on Monday; new address to follow." + QUOTED)
    [update] = s.sent()
    assert PRACTITIONER in update.to and RAISER not in update.everyone
    assert "Dev Vellacott, practitioner, Northside Health, replied" in update.text


def test_an_unresolved_reply_reaches_the_raiser_with_its_reason(runtime: Runtime, clock: Clock) -> None:
    s, ref = opened(runtime, clock)
    s.sent()
    s.at(T(2026, 3, 10, 12, 0)).reply(ref, PRACTITIONER, "Unresolved: we do not agree the threshold is met." + QUOTED)
    updates = [m for m in s.sent() if m.kind == "case_update" and RAISER in m.everyone]
    assert updates and "we do not agree the threshold is met" in updates[0].text
    assert "Jo Bloggs" not in updates[0].text


def test_an_unauthenticated_comment_is_recorded_but_not_passed_on(runtime: Runtime, clock: Clock) -> None:
    s, ref = opened(runtime, clock)
    s.sent()
    forged = notice_email(None, sender=PRACTITIONER, to=MAILBOX, subject=f"RE: [{ref}] Escalation", body="All sorted, thanks.")
    receive(runtime.sessions, wire(forged), Envelope("smtp", PRACTITIONER, (MAILBOX,), peer=RELAY), clock())
    runtime.worker().run_until_idle()
    assert s.sent() == []
    assert any(e.rule == "response-not-counted" for e in s.case(ref).events)


def test_an_unresolved_from_the_raiser_reaches_the_stage_it_left(runtime: Runtime, clock: Clock) -> None:
    s, ref = opened(runtime, clock)
    s.sent()
    s.at(T(2026, 3, 10, 12, 0)).reply(ref, RAISER, "Unresolved: no visit has been offered." + QUOTED)
    assert s.case(ref).stage == 2
    [left] = [m for m in s.sent() if m.kind == "reply_update"]
    assert PRACTITIONER in left.to and RAISER not in left.everyone
    assert 'starting "Unresolved"' in left.text and "no visit has been offered" in left.text
    assert "Jo Bloggs" not in left.text


def test_an_unresolved_at_the_last_stage_reaches_every_other_party(runtime: Runtime, clock: Clock) -> None:
    last = str(runtime.policies["salford"].last_stage)
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 10, 10, 0))
    ref = s.notice(RAISER, notice_rows("Jo Bloggs", "14/02/2017", CHALLENGED, last))
    s.sent()
    lead = contact("salford", CHALLENGED, "service_manager")  # Salford 3: the Operational / Service Manager
    s.at(T(2026, 3, 10, 12, 0)).reply(ref, lead, "Unresolved: we stand by the decision." + QUOTED)
    assert s.case(ref).stage == int(last)
    sent = s.sent()
    assert "needs_attention" in [m.kind for m in sent]
    [passed] = [m for m in sent if m.kind == "reply_update"]
    assert RAISER in passed.to and lead not in passed.everyone and "we stand by the decision" in passed.text
