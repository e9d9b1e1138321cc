"""Working-day calendar: turns a time of receipt and a policy timescale into a deadline.

A working day is Monday to Friday, not a bank holiday of the partnership's
nation (``holidays`` for GB with an explicit subdivision: ENG, WLS, SCT, NIR,
substitute days included) and not one of the partnership's own closure days.
Wall-clock times are Europe/London; every datetime returned is aware UTC.

How ``due`` reads each kind of timescale:

* ``same_working_day`` (Barnet 3 "the same working day"; a stage timescale):
  received on a working day before the same-day cut-off (local) -> the end of
  that day; received later, or on a non-working day -> the end of the next
  working day.  No policy states a cut-off: unless a partnership sets one (a
  local setting) it is the close of the day itself.
* ``same_day`` (immediate risk: Salford 1.6, Bury children 5, B&NES "on the
  same day"): clock time, 23:59 local on the day it arrived, whatever the day;
  weekends, bank holidays, closures and working hours never move it.
* ``working_days`` N (Salford 3.4 "within 2 working days", Barnet 3 "five
  working days"): the effective day of receipt is the day received if it is
  a working day and the time is before close, else the next working day;
  due is the end of the Nth working day after it.  Mon 10:00 + 2 -> Wed
  close; Sat -> Mon effective -> Wed close; Mon 17:30 -> Tue -> Thu close.
* ``hours`` N (B&NES "within 24 hours", or a local time for "immediately"):
  clock hours, counted in UTC so a clock change neither adds nor removes an hour.

``working_days_between`` counts the other way: the working days after the
effective day of receipt whose close has passed, so that
``working_days_between(r, due(r, N working days)) == N``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

NATIONS = ("ENG", "WLS", "SCT", "NIR")
KINDS = ("same_working_day", "same_day", "working_days", "hours")
CLOCK_KINDS = ("same_day", "hours")  # clock time from arrival: no calendar moves them

_SAME_DAY = re.compile(r"same working day")
_SAME_CLOCK_DAY = re.compile(r"same day")
_COUNTED = re.compile(r"(?P<amount>\d+) (?P<unit>working days?|hours?)")
_UNIT_KINDS = {"working day": "working_days", "hour": "hours"}


@dataclass(frozen=True)
class Timescale:
    """How fast a stage must respond, as a policy words it."""

    kind: str
    amount: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown timescale kind {self.kind!r}; expected one of {KINDS}")
        if (self.kind in ("same_working_day", "same_day")) != (self.amount == 0) or self.amount < 0:
            raise ValueError(f"timescale {self.kind!r} cannot have amount {self.amount}")

    @property
    def clock_time(self) -> bool:
        """True when the deadline runs in clock time from arrival (immediate risk)."""
        return self.kind in CLOCK_KINDS

    @classmethod
    def parse(cls, text: str) -> Timescale:
        """Read policy wording such as "same working day", "2 working days" or "24 hours"."""
        words = " ".join(text.replace("_", " ").lower().split())
        if _SAME_DAY.fullmatch(words):
            return cls("same_working_day")
        if _SAME_CLOCK_DAY.fullmatch(words):
            return cls("same_day")
        counted = _COUNTED.fullmatch(words)
        if counted is None:
            raise ValueError(
                f"cannot read timescale {text!r}; expected 'same working day', 'same day', 'N working days' or 'N hours'"
            )
        return cls(_UNIT_KINDS[counted["unit"].rstrip("s")], int(counted["amount"]))

    def describe(self) -> str:
        """Wording for emails: "by the end of the same working day", "within 2 working days"."""
        if self.kind == "same_working_day":
            return "by the end of the same working day"
        if self.kind == "same_day":
            return "the same day (clock time, weekends and holidays included)"
        unit = "working day" if self.kind == "working_days" else "hour"
        return f"within {self.amount} {unit}{'' if self.amount == 1 else 's'}"


@lru_cache(maxsize=256)
def _bank_holidays(nation: str, year: int) -> frozenset[date]:
    # Built lazily per year and shared by every calendar of the same nation.
    return frozenset(holidays.country_holidays("GB", subdiv=nation, years=year))


def _require_day(day: date) -> date:
    # A datetime is a date subclass but never equals one, so it would miss
    # every bank holiday and closure silently.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}")
    return day


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime {moment.isoformat()} is naive; pass a timezone-aware one")
    return moment


class WorkingCalendar:
    """One partnership's working days and hours, with its nation's bank holidays."""

    def __init__(
        self,
        nation: str,
        *,
        timezone: str = "Europe/London",
        opens: time = time(9, 0),
        closes: time = time(17, 0),
        same_day_cutoff: time | None = None,
        closures: Iterable[date] = (),
    ) -> None:
        if nation not in NATIONS:
            raise ValueError(f"unknown nation {nation!r}; expected one of {', '.join(NATIONS)}")
        cutoff = closes if same_day_cutoff is None else same_day_cutoff
        if not (opens < closes and opens <= cutoff <= closes):
            raise ValueError("working hours need opens < closes, opens <= cut-off <= closes")
        self.nation = nation
        self.tz = ZoneInfo(timezone)
        self.opens, self.closes, self.same_day_cutoff = opens, closes, cutoff
        self.closures = frozenset(_require_day(day) for day in closures)
        self._years: dict[int, list[int]] = {}  # per year: working days from 1 January through each day

    def is_working_day(self, day: date) -> bool:
        _require_day(day)
        if day.weekday() >= 5 or day in self.closures:
            return False
        return day not in _bank_holidays(self.nation, day.year)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self.working_day_on_or_after(_require_day(day) + timedelta(days=1))

    def working_day_on_or_after(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The nth working day after working day ``day`` (``day`` itself when n is 0)."""
        if n < 0 or not self.is_working_day(day):
            raise ValueError(f"add_working_days needs n >= 0 from a working day, got {day}, {n}")
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def end_of_day(self, day: date) -> datetime:
        """Close of business on ``day`` in local time, as UTC, whatever the clocks did that day."""
        return datetime.combine(_require_day(day), self.closes, tzinfo=self.tz).astimezone(UTC)

    def start_of_day(self, day: date) -> datetime:
        """Opening time on ``day`` in local time, as UTC."""
        return datetime.combine(_require_day(day), self.opens, tzinfo=self.tz).astimezone(UTC)

    def local(self, moment: datetime) -> datetime:
        return _require_aware(moment).astimezone(self.tz)

    def due(self, received: datetime, timescale: Timescale) -> datetime:
        """When a response to something received at ``received`` is due, in UTC."""
        if timescale.kind == "hours":
            return _require_aware(received).astimezone(UTC) + timedelta(hours=timescale.amount)
        if timescale.kind == "same_day":
            end = datetime.combine(self.local(received).date(), time(23, 59), tzinfo=self.tz).astimezone(UTC)
            return max(end, received.astimezone(UTC))
        if timescale.kind == "same_working_day":
            return self.end_of_day(self._same_day_deadline_day(received))
        last_day = self.add_working_days(self._effective_day(received), timescale.amount)
        return self.end_of_day(last_day)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after the effective day of ``start`` that had closed by ``end``.

        Counted from a table of each year's working days, so a board report's
        thousands of spans of months cost a look-up each, not a walk day by day."""
        here = self.local(end)
        last_closed = here.date() if here.time() >= self.closes else here.date() - timedelta(days=1)
        return max(0, self._working_days_after(self._effective_day(start), last_closed))

    def _working_days_after(self, first: date, last: date) -> int:
        """Working days in (first, last]; negative when last is before first."""
        if last < first:
            return -self._working_days_after(last, first)
        count = self._through(last) - self._through(first)
        for year in range(first.year, last.year):
            count += self._year(year)[-1]
        return count

    def _through(self, day: date) -> int:
        return self._year(day.year)[day.timetuple().tm_yday - 1]

    def _year(self, year: int) -> list[int]:
        table = self._years.get(year)
        if table is None:
            table, count, day = [], 0, date(year, 1, 1)
            while day.year == year:
                count += self.is_working_day(day)
                table.append(count)
                day += timedelta(days=1)
            self._years[year] = table
        return table

    def _same_day_deadline_day(self, received: datetime) -> date:
        # Barnet 3: the same working day; after the cut-off (by default the close) the next.
        here = self.local(received)
        if self.is_working_day(here.date()) and here.time() < self.same_day_cutoff:
            return here.date()
        return self.next_working_day(here.date())

    def _effective_day(self, received: datetime) -> date:
        # Salford 3.4: the count starts from the day it arrived only if it arrived in hours.
        here = self.local(received)
        if self.is_working_day(here.date()) and here.time() < self.closes:
            return here.date()
        return self.next_working_day(here.date())
