"""Reporting periods: a month or a quarter, and which one the report sent on a given day covers.

The report goes on the first working day of a month (monthly), or of January,
April, July and October (quarterly), and covers the period just ended.
"""

from __future__ import annotations

from datetime import date, timedelta

from escalations.reports.facts import Period
from escalations.routing.calendar import WorkingCalendar

KINDS = ("monthly", "quarterly")


def first_working_day(calendar: WorkingCalendar, day: date) -> date:
    """The first working day of ``day``'s month."""
    return calendar.working_day_on_or_after(day.replace(day=1))


def ended_before(day: date, kind: str) -> Period:
    """The whole month (or quarter) that ended before ``day``'s month (or quarter) began."""
    if kind not in KINDS:
        raise ValueError(f"a report period is one of {', '.join(KINDS)}, not {kind!r}")
    first = day.replace(day=1)
    if kind == "quarterly":
        first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
    end = first - timedelta(days=1)
    months = 3 if kind == "quarterly" else 1
    start = end.replace(day=1)
    for _ in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    return Period(start, end)


def due_on(calendar: WorkingCalendar, today: date, kind: str) -> Period | None:
    """The period whose report goes out today, if today is the first working day of a month (or quarter)."""
    if kind == "quarterly" and today.month not in (1, 4, 7, 10):
        return None
    if today != first_working_day(calendar, today):
        return None
    return ended_before(today, kind)
