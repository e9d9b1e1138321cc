"""Bury children (the BSP 7 Minute Briefing, text 000) walked tier by tier on an injected clock.

The Greater Manchester policy the briefing points to is not among the texts:
tiers 2-4 and every tier's time are local settings (five working days), as are
the chasers. Briefing 5: immediate risk of significant harm is escalated the
same working day, read in clock time. London times in comments (GMT).
"""

from __future__ import annotations

from datetime import UTC, datetime

from escalations.service.runtime import Runtime
from escalations.storage.models import CaseState

from tests.conftest import Clock
from tests.support.scenario import Scenario, by_kind, contact, notice_rows

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
MAILBOX = "bsp@bury.example"
RAISING, CHALLENGED = "Bury Health Visiting", "Bury Children's Social Care"


def _at(role: str, side: str = "raising") -> str:
    return contact("bury-children", RAISING if side == "raising" else CHALLENGED, role)


def test_four_tiers_with_local_times_and_chasers(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 10, 10, 0))  # Tuesday 10:00
    ref = s.notice(_at("practitioner"), notice_rows("Kai Doe", "03/09/2019", CHALLENGED, "1"))
    assert ref.startswith("BURYC-")
    assert by_kind(s.sent())["routed_case"].to == {_at("practitioner", "challenged")}  # 3: practitioners
    assert s.open_deadlines(ref) == {("stage_response", 1, T(2026, 3, 17, 17, 0))}  # local: 5 working days

    # Chasers (local): reminder at the due day's start, a chaser at the deadline and each working day.
    s.at(T(2026, 3, 17, 9, 0)).tick()
    s.at(T(2026, 3, 17, 17, 0)).tick()
    assert [m.kind for m in s.sent()] == ["reminder", "chaser"]

    for stage, replier, at in [
        (2, _at("practitioner", "challenged"), T(2026, 3, 18, 10, 0)),  # local tier: line managers
        (3, _at("line_manager", "challenged"), T(2026, 3, 19, 10, 0)),  # local tier: senior managers / DSLs
        (4, _at("senior_manager", "challenged"), T(2026, 3, 20, 10, 0)),  # local tier: the partnership
    ]:
        s.at(at).reply(ref, replier, "Unresolved")
        s.sent()
        assert s.case(ref).stage == stage
        # local: 5 working days from the day it arrived (Wed 18 -> Wed 25, Thu 19 -> Thu 26, Fri 20 -> Fri 27).
        assert ("stage_response", stage, T(2026, 3, 25 + stage - 2, 17, 0)) in s.open_deadlines(ref)
    s.at(T(2026, 3, 23, 10, 0)).reply(ref, contact("bury-children", None, "business_manager"), "Resolved: strategy meeting held.")
    assert s.case(ref).state == CaseState.RESOLVED
    assert s.open_deadlines(ref) == set()


def test_friday_1630_immediate_risk_is_due_that_night(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 13, 16, 30))  # Friday 16:30
    ref = s.notice(_at("practitioner"), notice_rows("Kai Doe", "03/09/2019", CHALLENGED, "1", risk="Yes"))
    sent = by_kind(s.sent())
    assert {_at("designated_safeguarding_lead"), _at("designated_safeguarding_lead", "challenged")} <= sent["routed_case"].to
    ack = sent["acknowledgement"].text
    assert "same working day" in ack
    assert "999" in ack and "Emergency Duty Team" in ack
    assert s.open_deadlines(ref) == {
        ("stage_response", 1, T(2026, 3, 20, 17, 0)),  # local: 5 working days
        ("immediate_risk", 1, T(2026, 3, 13, 23, 59)),  # 5 Impact: same working day, in clock time: Friday night
    }
    s.at(T(2026, 3, 13, 23, 59)).tick()
    [chaser] = s.sent()  # chased at the deadline on Friday night, not Monday
    assert chaser.kind == "chaser" and _at("designated_safeguarding_lead", "challenged") in chaser.to
    # Chasers (local): every clock hour, any day; after three, the business manager, Saturday 02:59.
    for hour in (0, 1):
        s.at(T(2026, 3, 14, hour, 59)).tick()
    assert [m.kind for m in s.sent()] == ["chaser", "chaser"]
    s.at(T(2026, 3, 14, 2, 59)).tick()
    [attention] = s.sent()
    assert (attention.kind, attention.to) == ("needs_attention", {contact("bury-children", None, "business_manager")})


def test_christmas_eve(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 12, 24, 16, 30))  # Thursday 24 December 16:30
    ref = s.notice(_at("practitioner"), notice_rows("Kai Doe", "03/09/2019", CHALLENGED, "1", risk="Yes"))
    assert s.open_deadlines(ref) == {
        # local: 5 working days past 25 and 28 December and 1 January: Tuesday 5 January.
        ("stage_response", 1, T(2027, 1, 5, 17, 0)),
        ("immediate_risk", 1, T(2026, 12, 24, 23, 59)),  # 5 Impact: the same day, clock time
    }
