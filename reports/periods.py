"""Reporting periods: a month or a quarter, and which one the report sent on a given day covers.

The report goes on the first working day of a month (monthly), or of January,
April, July and October (quarterly), and covers the period just ended; if the
service was not running that day, it goes on the next day it runs in the period.
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
    """The period whose report is due today: the one just ended, from the first working day of the month (or
    quarter) on. Every later day of the period asks again, so a report missed because the service was down on
    that first working day still goes (the unique claim in storage.report_sends sends it once)."""
    if kind not in KINDS:
        raise ValueError(f"a report period is one of {', '.join(KINDS)}, not {kind!r}")
    start = today.replace(day=1)
    if kind == "quarterly":
        start = start.replace(month=(start.month - 1) // 3 * 3 + 1)
    if today < first_working_day(calendar, start):
        return None
    return ended_before(today, kind)
