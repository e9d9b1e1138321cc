"""Bury adults (the BSP 7 Minute Briefing, text 003) walked step by step on an injected clock.

Steps 1-4 come from briefing 5; the step times (five working days) and the
chasers are local settings. Briefing 6: imminent risk goes to the Police on 999
with a safeguarding adults referral; the leads are told at once and chased after
one clock hour (local). London times in comments (GMT).
"""

from __future__ import annotations

from datetime import UTC, datetime

from escalations.service.runtime import Runtime
from escalations.storage.models import CaseState

from tests.conftest import Clock
from tests.support.scenario import Scenario, by_kind, contact

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
MAILBOX = "bsp@bury.example"
RAISING, CHALLENGED = "Bury Community Health", "Bury Adult Social Care"


def _at(role: str, side: str = "raising") -> str:
    return contact("bury-adults", RAISING if side == "raising" else CHALLENGED, role)


def _rows(step: str, risk: str = "No") -> list[tuple[str, str]]:
    return [
        ("Name of adult", "Pat Jones"),
        ("Date of birth", "12 March 1952"),
        ("Agency you disagree with", CHALLENGED),
        ("Details of the disagreement", "Discharged home without the agreed care package."),
        ("Step", step),
        ("Is the adult at imminent risk of harm?", risk),
    ]


def test_four_steps_to_the_board(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 10, 10, 0))  # Tuesday 10:00
    ref = s.notice(_at("practitioner"), _rows("1"))
    assert ref.startswith("BURYA-")
    assert by_kind(s.sent())["routed_case"].to == {_at("practitioner", "challenged")}  # 5, Step 1
    assert s.open_deadlines(ref) == {("stage_response", 1, T(2026, 3, 17, 17, 0))}  # local: 5 working days
    steps = [
        (2, _at("practitioner", "challenged"), {_at("line_manager"), _at("line_manager", "challenged")}),  # Step 2
        (3, _at("line_manager", "challenged"), {_at("senior_manager"), _at("designated_safeguarding_lead")}),  # Step 3
        (4, _at("senior_manager", "challenged"), {contact("bury-adults", None, "board_referrals")}),  # Step 4, 6: by email
    ]
    for step, replier, expect in steps:
        s.at(T(2026, 3, 11, 10, 0)).reply(ref, replier, "Unresolved")
        assert s.case(ref).stage == step
        assert expect <= by_kind(s.sent())["routed_case"].to
        assert ("stage_response", step, T(2026, 3, 18, 17, 0)) in s.open_deadlines(ref)  # local: 5 working days
    # Chasers (local): the step-4 contacts at the deadline and each working day; then the business manager.
    for day in (T(2026, 3, 18, 17, 0), T(2026, 3, 19, 9, 0), T(2026, 3, 20, 9, 0)):
        s.at(day).tick()
    chasers = s.sent()
    assert [m.kind for m in chasers] == ["chaser", "chaser", "chaser"]
    assert contact("bury-adults", None, "board_referrals") in chasers[0].to
    s.at(T(2026, 3, 23, 9, 0)).tick()  # the fourth working day: after three chasers, the business manager
    [attention] = s.sent()
    assert (attention.kind, attention.to) == ("needs_attention", {contact("bury-adults", None, "business_manager")})
    s.at(T(2026, 3, 23, 10, 0)).reply(ref, contact("bury-adults", None, "chair"), "Resolved: mediation agreed a joint review.")
    assert s.case(ref).state == CaseState.RESOLVED


def test_friday_1630_imminent_risk_999_and_one_clock_hour(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 13, 16, 30))  # Friday 16:30
    ref = s.notice(_at("practitioner"), _rows("1", risk="Yes"))
    ack = by_kind(s.sent())["acknowledgement"].text
    # 6 PLEASE NOTE: the Police on 999 and a safeguarding adults referral; the text gives the number.
    assert "999" in ack and "safeguarding adults referral" in ack and "[number not set" not in ack
    assert s.open_deadlines(ref) == {
        ("stage_response", 1, T(2026, 3, 20, 17, 0)),  # local: 5 working days
        ("immediate_risk", 1, T(2026, 3, 13, 17, 30)),  # local: one clock hour, Friday 17:30, not Monday
    }
    s.at(T(2026, 3, 13, 17, 30)).tick()
    assert [m.kind for m in s.sent()] == ["chaser"]


def test_christmas_eve(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 12, 24, 16, 30))  # Thursday 24 December 16:30
    ref = s.notice(_at("practitioner"), _rows("1", risk="Yes"))
    assert s.open_deadlines(ref) == {
        ("stage_response", 1, T(2027, 1, 5, 17, 0)),  # local: 5 working days past the bank holidays
        ("immediate_risk", 1, T(2026, 12, 24, 17, 30)),  # local: one clock hour
    }
