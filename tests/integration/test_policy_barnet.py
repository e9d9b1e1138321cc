"""Barnet's escalation policy walked clause by clause (text 002), on an injected clock.

London wall-clock times in comments; 2026 is GMT until 29 March. Barnet 3: an
unresolved matter is escalated the same working day and everything is resolved
within five working days. The chasers (a local setting) move an unanswered stage
on at its deadline. Recipients of stages 2 and 4 are not asserted here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from escalations.service.runtime import Runtime
from escalations.storage.models import CaseState

from tests.conftest import Clock
from tests.support.scenario import Scenario, by_kind, contact, notice_rows

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
MAILBOX = "escalations@barnet.example"
RAISING, CHALLENGED = "Barnet Community Health", "Barnet Children's Social Care"


def _at(role: str, side: str = "raising") -> str:
    return contact("barnet", RAISING if side == "raising" else CHALLENGED, role)


def test_an_unanswered_ladder_moves_on_each_working_day_and_fits_in_five(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 10, 10, 0))  # Tuesday 10:00
    ref = s.notice(_at("practitioner"), notice_rows("Sam Smith", "03/09/2019", CHALLENGED, "1"))
    sent = by_kind(s.sent())
    assert sent["routed_case"].to == {_at("practitioner", "challenged")}  # Barnet 2, Stage 1
    assert s.open_deadlines(ref) == {
        ("stage_response", 1, T(2026, 3, 10, 17, 0)),  # Barnet 3: the same working day, Tuesday 17:00
        ("overall_resolution", 1, T(2026, 3, 17, 17, 0)),  # Barnet 3: five working days, Tuesday 17 March
    }
    assert s.at(T(2026, 3, 10, 15, 0)).tick() == 1  # local: a reminder two hours before a same-day deadline
    assert [m.kind for m in s.sent()] == ["reminder"]

    # Barnet 3 (same working day): unanswered at 17:00, stage 1 moves on then, with no chaser first.
    s.at(T(2026, 3, 10, 17, 0)).tick()
    assert sorted(m.kind for m in s.sent()) == ["case_update", "routed_case"]
    assert s.case(ref).stage == 2
    # Barnet 2, Stage 2; Barnet 3 same working day: it arrived at the close, so Wednesday 17:00.
    assert ("stage_response", 2, T(2026, 3, 11, 17, 0)) in s.open_deadlines(ref)

    # Barnet 2, Stage 2: up line management one level at a time (Deputy Team Manager, Team Manager,
    # Head of Service), each unanswered level moving on at its same-working-day deadline (Barnet 3).
    s.at(T(2026, 3, 11, 17, 0)).tick()
    assert (s.case(ref).stage, s.case(ref).level) == (2, 2)
    assert ("stage_response", 2, T(2026, 3, 12, 17, 0)) in s.open_deadlines(ref)  # Thursday 17:00
    s.sent()
    s.at(T(2026, 3, 12, 17, 0)).tick()
    assert (s.case(ref).stage, s.case(ref).level) == (2, 3)
    assert ("stage_response", 2, T(2026, 3, 13, 17, 0)) in s.open_deadlines(ref)  # Friday 17:00
    s.sent()

    s.at(T(2026, 3, 13, 17, 0)).tick()
    assert s.case(ref).stage == 3  # Barnet 2, Stage 3: BSCB representatives
    routed = by_kind(s.sent())["routed_case"]
    assert routed.to == {_at("designated_safeguarding_lead"), _at("designated_safeguarding_lead", "challenged")}
    assert ("stage_response", 3, T(2026, 3, 16, 17, 0)) in s.open_deadlines(ref)  # Barnet 3: Monday 17:00

    s.at(T(2026, 3, 16, 17, 0)).tick()
    assert s.case(ref).stage == 4  # Barnet 2, Stage 4: reached at the end of working day 4
    s.sent()
    stage4_due = T(2026, 3, 17, 17, 0)  # Barnet 3: still resolved the same working day, Tuesday 17:00
    assert ("stage_response", 4, stage4_due) in s.open_deadlines(ref)
    assert stage4_due <= T(2026, 3, 17, 17, 0), "the whole ladder fits in Barnet 3's five working days"

    # The last stage unanswered: nowhere further to go, so the business manager is told; and
    # Barnet 3: past five working days the escalating agency's manager is asked for reasons and safety.
    s.at(stage4_due).tick()
    sent = by_kind(s.sent())
    assert set(sent) == {"needs_attention", "overrun"}
    assert s.case(ref).stage == 4
    assert sent["overrun"].to == {_at("line_manager")}
    assert "safety" in sent["overrun"].text
    # Issue 11: the reasons are asked for in the asker's own words; "Resolved" would close the case.
    assert "Start your reply with" not in sent["overrun"].text and '"Resolved" followed by' not in sent["overrun"].text
    assert "write your answer in your own words" in sent["overrun"].text


def test_a_reply_moves_a_stage_on_at_once_and_resolution_goes_to_the_action_log(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 10, 10, 0))  # Tuesday 10:00
    ref = s.notice(_at("practitioner"), notice_rows("Sam Smith", "03/09/2019", CHALLENGED, "1"))
    s.sent()
    s.at(T(2026, 3, 10, 11, 0)).reply(ref, _at("practitioner", "challenged"), "Unresolved: we still do not agree.")
    assert s.case(ref).stage == 2
    assert ("stage_response", 2, T(2026, 3, 10, 17, 0)) in s.open_deadlines(ref)  # Barnet 3: same working day
    s.sent()
    # Barnet 2, Stage 2: up line management one level at a time, each the same working day.
    s.at(T(2026, 3, 10, 11, 30)).reply(ref, _at("line_manager", "challenged"), "Escalate")
    assert (s.case(ref).stage, s.case(ref).level) == (2, 2)
    s.reply(ref, _at("team_manager", "challenged"), "Escalate")
    assert (s.case(ref).stage, s.case(ref).level) == (2, 3)
    s.sent()
    s.at(T(2026, 3, 10, 12, 0)).reply(ref, _at("head_of_service", "challenged"), "Escalate")
    assert s.case(ref).stage == 3
    assert ("stage_response", 3, T(2026, 3, 10, 17, 0)) in s.open_deadlines(ref)  # Barnet 3: same working day
    s.sent()
    s.at(T(2026, 3, 10, 13, 0)).reply(ref, _at("designated_safeguarding_lead", "challenged"), "Escalate")
    assert s.case(ref).stage == 4
    assert ("stage_response", 4, T(2026, 3, 10, 17, 0)) in s.open_deadlines(ref)  # Barnet 3: resolved the same day
    s.sent()
    s.at(T(2026, 3, 10, 15, 30)).reply(ref, contact("barnet", None, "head_of_safeguarding"), "Resolved: mediation agreed.")
    [closed] = s.sent()
    assert s.case(ref).state == CaseState.RESOLVED
    # Barnet 4 Key Learning: issue, learning and outcome to the Board Manager for the BSCB Action Log.
    assert contact("barnet", None, "board_manager") in closed.everyone and "Action Log" in closed.text
    assert s.open_deadlines(ref) == set()


def test_friday_1630_immediate_risk_is_due_that_evening_not_monday(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 13, 16, 30))  # Friday 16:30
    ref = s.notice(_at("practitioner"), notice_rows("Sam Smith", "03/09/2019", CHALLENGED, "1", risk="Yes"))
    sent = by_kind(s.sent())
    # Barnet 1: the DSL is informed immediately, and the Head of Safeguarding and Quality Assurance.
    assert {_at("designated_safeguarding_lead"), contact("barnet", None, "head_of_safeguarding")} <= sent["routed_case"].to
    ack = sent["acknowledgement"].text
    assert "999" in ack and "Emergency Duty Team" in ack and "[number not set" in ack  # out of hours, a marked placeholder
    assert s.open_deadlines(ref) == {
        ("stage_response", 1, T(2026, 3, 13, 17, 0)),  # Barnet 3: the same working day, Friday 17:00
        ("immediate_risk", 1, T(2026, 3, 13, 17, 30)),  # Barnet 1 "immediately": one clock hour (local), not Monday
        ("overall_resolution", 1, T(2026, 3, 20, 17, 0)),  # Barnet 3: five working days
    }
    s.at(T(2026, 3, 13, 17, 0)).tick()
    assert s.case(ref).stage == 2  # moved on at 17:00 Friday, not left for Monday
    s.sent()
    # The immediate-risk deadline runs in clock time at every stage: Friday 18:00.
    assert ("immediate_risk", 2, T(2026, 3, 13, 18, 0)) in s.open_deadlines(ref)
    s.at(T(2026, 3, 13, 18, 0)).tick()
    # Still unanswered an hour later, Friday evening: it moves on again (Barnet 2, Stage 2: the next level up).
    assert (s.case(ref).stage, s.case(ref).level) == (2, 2)


def test_christmas_eve_is_due_christmas_eve(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 12, 24, 16, 30))  # Thursday 24 December 16:30
    ref = s.notice(_at("practitioner"), notice_rows("Sam Smith", "03/09/2019", CHALLENGED, "1", risk="Yes"))
    assert s.open_deadlines(ref) == {
        ("stage_response", 1, T(2026, 12, 24, 17, 0)),  # Barnet 3: same working day; no closure days shipped
        ("immediate_risk", 1, T(2026, 12, 24, 17, 30)),  # Barnet 1: one clock hour (local)
        # Barnet 3: five working days past Christmas (25th), Boxing Day (28th) and New Year's Day: 5 January.
        ("overall_resolution", 1, T(2027, 1, 5, 17, 0)),
    }
