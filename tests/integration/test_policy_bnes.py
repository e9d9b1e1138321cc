"""B&NES's escalation protocol (text 004) walked stage by stage on an injected clock.

Timescales: "agreed for each stage", none given, so five working days is a local
setting, as are the chasers. Immediate harm: "within 24 hours" and "on the same
day": the same day in clock time, the earlier of the two. Recipients of stages 4
and 5 are not asserted here. London times in comments (GMT).
"""

from __future__ import annotations

from datetime import UTC, datetime

from escalations.service.runtime import Runtime

from tests.conftest import Clock
from tests.support.scenario import Scenario, by_kind, contact, notice_rows

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
MAILBOX = "escalations@bnes.example"
RAISING, CHALLENGED = "B&NES Community Health", "B&NES Social Care"


def _at(role: str, side: str = "raising") -> str:
    return contact("bnes", RAISING if side == "raising" else CHALLENGED, role)


def test_five_stages_with_local_times(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 10, 10, 0))  # Tuesday 10:00
    ref = s.notice(_at("practitioner"), notice_rows("Alex Example", "30/06/2012", CHALLENGED, "1"))
    # Resolving Concerns: at the lowest possible level, between the people who disagree.
    assert by_kind(s.sent())["routed_case"].to == {_at("practitioner", "challenged")}
    assert s.open_deadlines(ref) == {("stage_response", 1, T(2026, 3, 17, 17, 0))}  # local: 5 working days
    ladder = [
        (2, "practitioner", T(2026, 3, 11, 10, 0), T(2026, 3, 18, 17, 0)),  # the relevant manager (local: line)
        (3, "line_manager", T(2026, 3, 12, 10, 0), T(2026, 3, 19, 17, 0)),  # up the line (local: team managers)
        (4, "team_manager", T(2026, 3, 13, 10, 0), T(2026, 3, 20, 17, 0)),  # the Service Managers
        (5, "service_manager", T(2026, 3, 16, 10, 0), T(2026, 3, 23, 17, 0)),  # the Chair of the BCSSP
    ]
    for stage, replier, at, due in ladder:
        s.at(at).reply(ref, _at(replier, "challenged"), "Unresolved")
        assert s.case(ref).stage == stage
        assert ("stage_response", stage, due) in s.open_deadlines(ref)  # local: agreed per stage; 5 working days
        routed = by_kind(s.sent())["routed_case"]
        if stage in (2, 3):  # the management line (local: the flowchart is not in the text)
            role = {2: "line_manager", 3: "team_manager"}[stage]
            assert {_at(role), _at(role, "challenged")} <= routed.to
    # Chasers (local): reminder at the start of the due day, chaser at the deadline.
    s.at(T(2026, 3, 23, 9, 0)).tick()
    s.at(T(2026, 3, 23, 17, 0)).tick()
    assert [m.kind for m in s.sent()] == ["reminder", "chaser"]


def test_friday_1630_immediate_harm_is_due_that_night(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 13, 16, 30))  # Friday 16:30
    ref = s.notice(_at("practitioner"), notice_rows("Alex Example", "30/06/2012", CHALLENGED, "1", risk="Yes"))
    ack = by_kind(s.sent())["acknowledgement"].text
    assert "24 hours" in ack and "999" in ack and "Emergency Duty Team" in ack
    assert s.open_deadlines(ref) == {
        ("stage_response", 1, T(2026, 3, 20, 17, 0)),  # local: 5 working days
        # Introduction "within 24 hours" / Stages "on the same day": Friday 23:59, not Monday.
        ("immediate_risk", 1, T(2026, 3, 13, 23, 59)),
    }


def test_christmas_eve(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 12, 24, 16, 30))  # Thursday 24 December 16:30
    ref = s.notice(_at("practitioner"), notice_rows("Alex Example", "30/06/2012", CHALLENGED, "1", risk="Yes"))
    assert s.open_deadlines(ref) == {
        ("stage_response", 1, T(2027, 1, 5, 17, 0)),  # local: 5 working days past the bank holidays
        ("immediate_risk", 1, T(2026, 12, 24, 23, 59)),  # the same day, clock time
    }
