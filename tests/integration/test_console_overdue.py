"""The console's "overdue" is the chasers' rule: what Today lists and Cases filters is exactly what a scheduler pass chases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from escalations.console import pages
from escalations.routing.deadlines import CHASER, ESCALATE, INFORMATION, OVERRUN
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, CaseState, Chaser, Deadline
from tests.conftest import Clock
from tests.support.console import stored_case

# (case state, deadline kind, hours from now to its due moment, met): each one a way the two could disagree.
DEADLINES = {
    "open, stage response past due": (CaseState.OPEN, "stage_response", -1, False),
    "open, stage response due later": (CaseState.OPEN, "stage_response", 50, False),
    "open, stage response met": (CaseState.OPEN, "stage_response", -30, True),
    "open, an information deadline left from before routing": (CaseState.OPEN, INFORMATION, -2, False),
    "waiting for information, past due": (CaseState.AWAITING_INFORMATION, INFORMATION, -3, False),
    "waiting for information, a stage deadline": (CaseState.AWAITING_INFORMATION, "stage_response", -4, False),
    "resolved, never met": (CaseState.RESOLVED, "stage_response", -5, False),
    "due this very moment": (CaseState.OPEN, "immediate_risk", 0, False),
}


def _cases(runtime: Runtime) -> dict[str, int]:
    """One case per line of DEADLINES, its only deadline as the line says; deadline ids by line."""
    now = runtime.clock()
    ids = {}
    for n, (what, (state, kind, hours, met)) in enumerate(DEADLINES.items()):
        reference = stored_case(runtime, name=f"Child Number{n}")
        with runtime.sessions.begin() as session:
            case = session.scalars(select(Case).where(Case.reference == reference)).one()
            case.state = state
            (deadline,) = case.deadlines  # stored_case's one deadline, made this line's
            deadline.kind, deadline.due, deadline.met, deadline.reason = kind, now + timedelta(hours=hours), met, what
            deadline.set_at = now - timedelta(days=3)
            session.flush()
            ids[what] = deadline.id
    return ids


def test_the_console_counts_as_overdue_exactly_what_the_chasers_chase(runtime: Runtime, clock: Clock) -> None:
    ids = _cases(runtime)
    now = clock()
    with runtime.sessions() as session:
        rows = session.execute(select(Deadline, Case).join(Case, Deadline.case_id == Case.id)).all()
        console_overdue = {d.id for d, case in rows if pages.is_overdue(d, case.state, now)}
        listed = pages.today(session, ["salford"], runtime.policies, now)["overdue"]
        filtered = pages.cases(session, ["salford"], pages.CaseFilter(overdue=True), now)["cases"]
        by_case = {case.id: d.id for d, case in rows}
        filtered_deadlines = {by_case[c.id] for c in filtered}

    expected = {ids["open, stage response past due"], ids["waiting for information, past due"], ids["due this very moment"]}
    assert console_overdue == expected
    assert len(listed) == len(expected) and filtered_deadlines == expected

    runtime.scheduler().run_once()
    with runtime.sessions() as session:
        chased = set(session.scalars(select(Chaser.deadline_id).where(Chaser.kind.in_((CHASER, ESCALATE, OVERRUN)))))
    assert chased == console_overdue


def test_a_deadline_not_yet_due_is_due_today_not_overdue(runtime: Runtime, clock: Clock) -> None:
    reference = stored_case(runtime)
    with runtime.sessions.begin() as session:
        deadline = session.scalars(select(Deadline).join(Case).where(Case.reference == reference)).one()
        deadline.due = clock() + timedelta(hours=3)  # 13:00 the same Tuesday
    with runtime.sessions() as session:
        today = pages.today(session, ["salford"], runtime.policies, clock())
    assert [d["reference"] for d in today["due_today"]] == [reference] and today["overdue"] == []
    clock.moment += timedelta(hours=3)
    with runtime.sessions() as session:
        today = pages.today(session, ["salford"], runtime.policies, clock())
    assert [d["reference"] for d in today["overdue"]] == [reference] and today["due_today"] == []
