"""Salford's Escalation Procedure walked clause by clause (text 001), on an injected clock.

London wall-clock times in comments (GMT in March and December 2026). The text
sets no time for a stage to answer (3.1: "at the earliest opportunity"): the
same working day is a local setting, as are the chasers. 1.6's "same working day"
for a concern about a child is read in clock time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from escalations.service.runtime import Runtime
from escalations.storage.models import CaseState

from tests.conftest import Clock
from tests.support.scenario import Scenario, by_kind, contact, notice_rows

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
MAILBOX = "escalations@salford.example"
RAISING, CHALLENGED = "Northside Health", "Salford Children's Services"


def _at(role: str, side: str = "raising") -> str:
    return contact("salford", RAISING if side == "raising" else CHALLENGED, role)


def test_three_stages_clause_by_clause(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 10, 10, 0))  # Tuesday 10:00
    ref = s.notice(_at("practitioner"), notice_rows("Jo Bloggs", "14/02/2017", CHALLENGED, "1"))
    sent = by_kind(s.sent())
    assert sent["routed_case"].to == {_at("practitioner", "challenged")}  # 2.1: practitioner / case worker level
    # 3.4: copied to the Service Manager within 2 working days (done at once); 4.2: to the SSCB Business Manager.
    assert sent["routed_case"].cc == {_at("service_manager", "challenged"), contact("salford", None, "business_manager")}
    assert "Emergency Duty Team" in sent["acknowledgement"].text
    case = s.case(ref)
    assert {(d.kind, d.due, d.met) for d in case.deadlines} == {
        ("stage_response", T(2026, 3, 10, 17, 0), False),  # local: the same working day, Tuesday 17:00
        ("copy:service-manager-copy", T(2026, 3, 12, 17, 0), True),  # 3.4: within 2 working days, Thursday
    }

    s.at(T(2026, 3, 10, 11, 0)).reply(ref, _at("practitioner", "challenged"), "Unresolved: the threshold was not met.")
    assert s.case(ref).stage == 2  # 2.4: line manager or lead for safeguarding, with their opposite number
    assert ("stage_response", 2, T(2026, 3, 10, 17, 0)) in s.open_deadlines(ref)  # local: same working day
    s.sent()
    s.at(T(2026, 3, 10, 12, 0)).reply(ref, _at("line_manager", "challenged"), "Escalate")
    assert s.case(ref).stage == 3  # 3.1: the practitioner's manager to the Operational/Service Manager
    routed = by_kind(s.sent())["routed_case"]
    assert contact("salford", None, "quality_assurance_unit") in routed.to  # 3.2: consultation and advice
    # 3.1 "at the earliest opportunity": no time in the text; local: same working day, Tuesday 17:00.
    assert ("stage_response", 3, T(2026, 3, 10, 17, 0)) in s.open_deadlines(ref)

    # Chasers (local): at the deadline, then each working day's start; after three, the business manager.
    s.at(T(2026, 3, 10, 17, 0)).tick()
    assert [m.kind for m in s.sent()] == ["chaser"]
    s.at(T(2026, 3, 11, 9, 0)).tick()
    s.at(T(2026, 3, 12, 9, 0)).tick()
    assert [m.kind for m in s.sent()] == ["chaser", "chaser"]
    s.at(T(2026, 3, 13, 9, 0)).tick()
    [attention] = s.sent()
    assert (attention.kind, attention.to) == ("needs_attention", {contact("salford", None, "business_manager")})

    s.at(T(2026, 3, 13, 10, 0)).reply(ref, _at("service_manager", "challenged"), "Resolved: an assessment starts today.")
    [closed] = s.sent()
    assert s.case(ref).state == CaseState.RESOLVED
    assert contact("salford", None, "business_manager") in closed.cc  # 5 (second 4.2): general issues


def test_friday_1630_immediate_risk_is_due_that_night(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 13, 16, 30))  # Friday 16:30
    ref = s.notice(_at("practitioner"), notice_rows("Jo Bloggs", "14/02/2017", CHALLENGED, "1", risk="Yes"))
    ack = by_kind(s.sent())["acknowledgement"].text
    assert "same working day" in ack and "999" in ack and "Emergency Duty Team" in ack
    assert s.open_deadlines(ref) == {
        ("stage_response", 1, T(2026, 3, 13, 17, 0)),  # local: same working day, Friday 17:00 (no cut-off)
        ("immediate_risk", 1, T(2026, 3, 13, 23, 59)),  # 1.6: same day, clock time: Friday night, not Monday
    }


def test_christmas_eve_is_not_4_january(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 12, 24, 16, 30))  # Thursday 24 December 16:30
    ref = s.notice(_at("practitioner"), notice_rows("Jo Bloggs", "14/02/2017", CHALLENGED, "1", risk="Yes"))
    case = s.case(ref)
    assert {(d.kind, d.due) for d in case.deadlines} == {
        ("stage_response", T(2026, 12, 24, 17, 0)),  # local: the same working day; no closure days shipped
        ("immediate_risk", T(2026, 12, 24, 23, 59)),  # 1.6: the same day, clock time
        # 3.4: 2 working days past Christmas Day and the Boxing Day substitute (28th): Wednesday 30 December.
        ("copy:service-manager-copy", T(2026, 12, 30, 17, 0)),
    }
