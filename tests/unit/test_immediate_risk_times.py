"""Immediate-risk notices at awkward moments: the due time each policy gives, from the engine alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from escalations.intake.notices.model import Challenged, Notice, Subject
from escalations.routing.directory import AgencyEntry, ContactEntry, Directory, parse_csv
from escalations.routing.escalation import decide
from escalations.routing.policy import load_policies

CONFIG = Path(str(resources.files("escalations.config")))
POLICIES = load_policies(CONFIG / "partnerships")
ROWS = parse_csv((CONFIG / "directory.example.csv").read_text(encoding="utf-8"), POLICIES)
T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
SENDERS = {
    "barnet": ("nadia.practitioner@barnet-health.example", "Barnet Children's Social Care"),
    "salford": ("a.khan@northside-health.example", "Salford Children's Services"),
    "bury-children": ("h.visitor@bury-health.example", "Bury Children's Social Care"),
    "bury-adults": ("h.visitor@bury-health.example", "Bury Adult Social Care"),
    "bnes": ("p.shah@bnes-health.example", "B&NES Social Care"),
}


def directory(pid: str) -> Directory:
    rows = [r for r in ROWS if r.partnership == pid]
    agencies = {r.agency: AgencyEntry(r.agency, r.agency_domains) for r in rows if r.agency}
    return Directory(pid, tuple(agencies.values()), tuple(ContactEntry(r.name, r.email, r.role, r.agency, r.phone) for r in rows))


def immediate_due(pid: str, received: datetime) -> datetime:
    sender, challenged = SENDERS[pid]
    kind = "adult" if pid == "bury-adults" else "child"
    notice = Notice(
        subject=Subject(kind=kind, name="Test Person"),
        challenged=Challenged(agency=challenged),
        concern="x",
        immediate_risk=True,
        stage=1,
    )
    decision = decide(POLICIES[pid], notice, directory(pid), sender, received)
    [due] = [d.due for d in decision.deadlines if d.kind == "immediate_risk"]
    return due


SAME_DAY = ["barnet", "salford", "bury-children", "bury-adults"]


@pytest.mark.parametrize("pid", SAME_DAY)
@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (T(2026, 3, 10, 10, 0), T(2026, 3, 10, 17, 0), "a Tuesday morning: that day"),
        (T(2026, 3, 13, 16, 45), T(2026, 3, 16, 17, 0), "Friday 16:45, after the cut-off: Monday"),
        (T(2026, 3, 14, 11, 0), T(2026, 3, 16, 17, 0), "a Saturday: Monday"),
        (T(2026, 4, 30, 14, 30), T(2026, 4, 30, 16, 0), "Thursday 15:30 BST before the May bank holiday: that day 17:00 BST"),
        (T(2026, 4, 30, 15, 30), T(2026, 5, 1, 16, 0), "Thursday 16:30 BST, after the cut-off: Friday 17:00 BST"),
        (T(2026, 5, 1, 15, 30), T(2026, 5, 5, 16, 0), "Friday 16:30 BST before the bank holiday Monday: Tuesday"),
        (T(2026, 3, 29, 0, 30), T(2026, 3, 30, 16, 0), "the night the clocks go forward: Monday 17:00 BST"),
        (T(2026, 10, 25, 0, 30), T(2026, 10, 26, 17, 0), "the night the clocks go back: Monday 17:00 GMT"),
        (T(2026, 12, 24, 15, 0), T(2026, 12, 24, 17, 0), "Christmas Eve afternoon: that day"),
        (
            T(2026, 12, 24, 16, 30),
            T(2027, 1, 4, 17, 0),
            "Christmas Eve after the cut-off: past the bank holidays and the closure days",
        ),
    ],
)
def test_same_working_day(pid: str, received: datetime, due: datetime, why: str) -> None:
    assert immediate_due(pid, received) == due, why


@pytest.mark.parametrize(
    "received",
    [T(2026, 3, 13, 16, 45), T(2026, 3, 14, 11, 0), T(2026, 3, 28, 12, 0), T(2026, 10, 24, 23, 30), T(2026, 12, 24, 16, 30)],
)
def test_bnes_immediate_harm_is_24_clock_hours_whatever_the_day(received: datetime) -> None:
    assert immediate_due("bnes", received) == received + timedelta(hours=24)
