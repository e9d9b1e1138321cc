"""Chaser planning against the real policies and calendars: pure values, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from escalations.routing.deadlines import CHASER, ESCALATE, INFORMATION, OVERRUN, REMINDER, OpenDeadline, due_actions
from escalations.routing.policy import load_policies

POLICIES = load_policies(Path(str(resources.files("escalations.config"))) / "partnerships")
T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731


def deadline(
    kind: str = "stage_response", due: datetime = T(2026, 3, 10, 17, 0), set_at: datetime = T(2026, 3, 10, 10, 0)
) -> OpenDeadline:
    return OpenDeadline(1, 7, kind, 1, due, set_at)


def kinds(pid: str, d: OpenDeadline, now: datetime, sent: frozenset[str] = frozenset()) -> list[tuple[str, int, str]]:
    return [(a.kind, a.number, a.for_date.isoformat()) for a in due_actions(POLICIES[pid], d, sent, now)]


@pytest.mark.parametrize(
    ("pid", "d", "now", "expected"),
    [
        # Same-day deadline set at 10:00: reminder two hours before.
        ("barnet", deadline(), T(2026, 3, 10, 14, 59), []),
        ("barnet", deadline(), T(2026, 3, 10, 15, 0), [(REMINDER, 1, "2026-03-10")]),
        # Set at 16:30 for 17:00: too close for a reminder to mean anything.
        ("barnet", deadline(set_at=T(2026, 3, 10, 16, 30)), T(2026, 3, 10, 16, 45), []),
        # A deadline days away: reminder at the start of the due day (09:00 London).
        ("salford", deadline(due=T(2026, 3, 12, 17, 0)), T(2026, 3, 12, 8, 59), []),
        ("salford", deadline(due=T(2026, 3, 12, 17, 0)), T(2026, 3, 12, 9, 0), [(REMINDER, 1, "2026-03-12")]),
        # At breach, the first chaser; next working day the second (Friday → Monday).
        ("salford", deadline(due=T(2026, 3, 13, 17, 0)), T(2026, 3, 13, 17, 0), [(CHASER, 1, "2026-03-13")]),
        ("salford", deadline(due=T(2026, 3, 13, 17, 0)), T(2026, 3, 14, 12, 0), [(CHASER, 1, "2026-03-13")]),
        ("salford", deadline(due=T(2026, 3, 13, 17, 0)), T(2026, 3, 16, 9, 0), [(CHASER, 2, "2026-03-16")]),
        # Salford: after three chasers, the business manager (the fourth working day's start).
        ("salford", deadline(due=T(2026, 3, 13, 17, 0)), T(2026, 3, 18, 9, 0), [(ESCALATE, 1, "2026-03-18")]),
        # Barnet 3 (same working day): an unanswered stage moves on at its deadline, no chaser first.
        ("barnet", deadline(), T(2026, 3, 10, 16, 59), [(REMINDER, 1, "2026-03-10")]),
        ("barnet", deadline(), T(2026, 3, 10, 17, 0), [(ESCALATE, 1, "2026-03-10")]),
        # Immediate risk is chased in clock time, any day: Salford's same-day deadline, Friday 23:59.
        # (set Friday 16:30: a reminder two hours before)
        ("salford", deadline("immediate_risk", T(2026, 3, 13, 23, 59), T(2026, 3, 13, 16, 30)), T(2026, 3, 13, 21, 58), []),
        (
            "salford",
            deadline("immediate_risk", T(2026, 3, 13, 23, 59), T(2026, 3, 13, 16, 30)),
            T(2026, 3, 13, 21, 59),
            [(REMINDER, 1, "2026-03-13")],
        ),
        ("salford", deadline("immediate_risk", due=T(2026, 3, 13, 23, 59)), T(2026, 3, 13, 23, 59), [(CHASER, 1, "2026-03-13")]),
        ("salford", deadline("immediate_risk", due=T(2026, 3, 13, 23, 59)), T(2026, 3, 14, 0, 59), [(CHASER, 2, "2026-03-14")]),
        ("salford", deadline("immediate_risk", due=T(2026, 3, 13, 23, 59)), T(2026, 3, 14, 1, 59), [(CHASER, 3, "2026-03-14")]),
        # Saturday 02:59, after three hourly chasers: the business manager, not Monday.
        ("salford", deadline("immediate_risk", due=T(2026, 3, 13, 23, 59)), T(2026, 3, 14, 2, 59), [(ESCALATE, 1, "2026-03-14")]),
        # Barnet: moves on at the immediate-risk deadline itself.
        ("barnet", deadline("immediate_risk", due=T(2026, 3, 13, 17, 30)), T(2026, 3, 13, 17, 30), [(ESCALATE, 1, "2026-03-13")]),
        # Barnet 3: past five working days, the reasons are asked for once.
        ("barnet", deadline("overall_resolution", due=T(2026, 3, 17, 17, 0)), T(2026, 3, 17, 16, 59), []),
        (
            "barnet",
            deadline("overall_resolution", due=T(2026, 3, 17, 17, 0)),
            T(2026, 3, 17, 17, 0),
            [(OVERRUN, 1, "2026-03-17")],
        ),
        ("salford", deadline("overall_resolution", due=T(2026, 3, 17, 17, 0)), T(2026, 3, 18, 17, 0), []),
        # A held notice: its sender was just told what is missing, so no reminder; chased once due.
        ("salford", deadline(INFORMATION), T(2026, 3, 10, 16, 0), []),
        ("salford", deadline(INFORMATION), T(2026, 3, 10, 17, 0), [(CHASER, 1, "2026-03-10")]),
        # Barnet moves on at the deadline (escalate_after = 0): the business manager hears of it that day.
        ("barnet", deadline(INFORMATION), T(2026, 3, 12, 9, 0), [(ESCALATE, 1, "2026-03-10")]),
    ],
)
def test_what_is_due(pid: str, d: OpenDeadline, now: datetime, expected: list[tuple[str, int, str]]) -> None:
    assert kinds(pid, d, now) == expected


def test_an_immediate_risk_outage_sends_the_latest_chaser_only() -> None:
    d = deadline("immediate_risk", due=T(2026, 3, 13, 23, 59))
    sent = frozenset({f"case:7:stage:1:immediate_risk:chaser:{n}" for n in (1, 2)})
    assert kinds("salford", d, T(2026, 3, 14, 2, 30), sent) == [(CHASER, 3, "2026-03-14")]
    assert kinds("salford", d, T(2026, 3, 14, 2, 30), sent | {"case:7:stage:1:immediate_risk:chaser:3"}) == []


def test_a_taken_action_is_not_planned_again() -> None:
    d = deadline(due=T(2026, 3, 13, 17, 0))
    [first] = due_actions(POLICIES["salford"], d, set(), T(2026, 3, 13, 17, 5))
    assert due_actions(POLICIES["salford"], d, {first.key}, T(2026, 3, 13, 18, 0)) == []
    [second] = due_actions(POLICIES["salford"], d, {first.key}, T(2026, 3, 16, 9, 0))
    assert second.key != first.key


def test_a_long_outage_sends_one_chaser_not_a_backlog() -> None:
    d = deadline(due=T(2026, 3, 13, 17, 0))
    actions = due_actions(POLICIES["bnes"], d, set(), T(2026, 3, 16, 10, 0))
    assert [(a.kind, a.number) for a in actions] == [(CHASER, 2)]


def test_keys_are_built_from_ids_and_iso_dates() -> None:
    [action] = due_actions(POLICIES["salford"], deadline(due=T(2026, 3, 13, 17, 0)), set(), T(2026, 3, 13, 17, 0))
    assert action.key == "case:7:stage:1:stage_response:chaser:2026-03-13"
