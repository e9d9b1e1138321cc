"""Immediate-risk notices at awkward moments: the due time each policy gives, from the engine alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# Immediate risk runs in clock time from arrival: no weekend, bank holiday, closure,
# cut-off or office hours moves it.
# Salford 1.6, Bury children 5 ("same working day" read for a child at risk as the
# day it arrives) and B&NES ("on the same day", the earlier of it and "within 24 hours"):
# 23:59 London time on the day the notice arrives.
SAME_DAY = ["salford", "bury-children", "bnes"]
# Barnet 1 "immediately" and Bury adults 6 "call 999": the service tells the leads at
# once and chases after one clock hour (a local setting).
ONE_HOUR = ["barnet", "bury-adults"]

MOMENTS = [
    (T(2026, 3, 10, 10, 0), "a Tuesday morning"),
    (T(2026, 3, 13, 16, 30), "Friday 16:30"),
    (T(2026, 3, 14, 11, 0), "a Saturday"),
    (T(2026, 5, 1, 15, 30), "Friday 16:30 BST before the May bank holiday"),
    (T(2026, 3, 29, 0, 30), "the night the clocks go forward"),
    (T(2026, 10, 25, 0, 30), "the night the clocks go back"),
    (T(2026, 12, 24, 16, 30), "Christmas Eve 16:30"),
]


def london_end_of_day(moment: datetime) -> datetime:
    local = moment.astimezone(ZoneInfo("Europe/London"))
    return local.replace(hour=23, minute=59, second=0, microsecond=0).astimezone(UTC)


@pytest.mark.parametrize("pid", SAME_DAY)
@pytest.mark.parametrize(("received", "why"), MOMENTS)
def test_same_day_is_the_day_it_arrived(pid: str, received: datetime, why: str) -> None:
    due = immediate_due(pid, received)
    assert due == london_end_of_day(received), why
    assert due - received < timedelta(hours=24), why


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (T(2026, 3, 13, 16, 30), T(2026, 3, 13, 23, 59)),  # Friday 16:30 GMT: Friday 23:59, not Monday
        (T(2026, 12, 24, 16, 30), T(2026, 12, 24, 23, 59)),  # Christmas Eve: that night, not 4 January
        (T(2026, 7, 3, 15, 30), T(2026, 7, 3, 22, 59)),  # Friday 16:30 BST: 23:59 BST
    ],
)
def test_friday_and_christmas_eve_are_due_that_night(received: datetime, due: datetime) -> None:
    for pid in SAME_DAY:
        assert immediate_due(pid, received) == due, pid


@pytest.mark.parametrize("pid", ONE_HOUR)
@pytest.mark.parametrize(("received", "why"), MOMENTS)
def test_immediately_is_one_clock_hour(pid: str, received: datetime, why: str) -> None:
    assert immediate_due(pid, received) == received + timedelta(hours=1), why


@settings(deadline=None, max_examples=200)
@given(
    pid=st.sampled_from(sorted(POLICIES)),
    received=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)),
)
def test_immediate_risk_is_never_more_than_a_day_away(pid: str, received: datetime) -> None:
    """Whatever the day or hour (weekend, bank holiday, Christmas, clock change), the due time is that day in London.

    Within 24 hours, except from the first hour of the day the clocks go back, which lasts 25."""
    due = immediate_due(pid, received)
    london = ZoneInfo("Europe/London")
    assert received <= due <= received + timedelta(hours=25)
    assert due.astimezone(london).date() == received.astimezone(london).date() or due == received + timedelta(hours=1)
    if (received + timedelta(hours=24)).astimezone(london).utcoffset() == received.astimezone(london).utcoffset():
        assert due <= received + timedelta(hours=24)
