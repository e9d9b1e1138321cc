"""The board figures, computed from a report's facts: pure, every number from one rule.

Working days are the partnership's own calendar (routing.calendar):
``working_days_between(entered, answered)``, the days whose close passed in
between, so an answer the day a stage began is 0. The 90th percentile is the
nearest-rank one (the smallest value at or above 90% of the values), so it is
always a value that happened; the median is the usual middle (a half between two).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from escalations.routing.deadlines import describe
from escalations.routing.policy import Policy
from escalations.reports.facts import CaseFact, Facts, StageFact

NOT_KNOWN = "(not known)"


@dataclass(frozen=True)
class Spread:
    """How many values, and their median and nearest-rank 90th percentile (None when there are none)."""

    count: int
    median: float | None
    p90: float | None
    largest: float | None


@dataclass(frozen=True)
class Timeliness:
    label: str  # a stage ("Stage 2: …") or an agency
    timescale: str
    reached: int
    judged: int  # answered, or past due without an answer
    timely: int
    waiting: int  # not answered and not yet due
    days: Spread  # working days to answer, of those answered

    @property
    def share(self) -> float | None:
        return self.timely / self.judged if self.judged else None


@dataclass(frozen=True)
class Resolution:
    maximum: str | None  # the policy's overall timescale, where it has one (Barnet 3: 5 working days)
    resolved: int
    within: int | None
    days: Spread
    open_past_maximum: int | None


@dataclass(frozen=True)
class ImmediateRisk:
    notices: int
    answered: int
    hours: Spread


@dataclass(frozen=True)
class OpenCase:
    reference: str
    stage: int
    state: str
    opened: date
    age_working_days: int
    age_days: int
    overdue: tuple[str, ...]  # each overdue deadline as a person reads it, with how long ago it was due


@dataclass(frozen=True)
class Holds:
    information: int
    information_waiting: int
    information_days: Spread  # working days each notice waited for its sender's details
    review: int
    review_waiting: int
    review_hours: Spread  # clock hours each message waited for a person's decision


@dataclass(frozen=True)
class Figures:
    partnership: str
    name: str
    short_name: str
    start: date
    end: date
    now: datetime
    raised: int
    raised_year_before: int
    by_month: tuple[tuple[str, int], ...]
    raising_agencies: tuple[str, ...]
    challenged_agencies: tuple[str, ...]
    matrix: dict[tuple[str, str], int]
    raised_none: tuple[str, ...]
    stage_reached: tuple[tuple[str, int], ...]
    categories: tuple[tuple[str, int], ...]
    outcomes: tuple[tuple[str, int], ...]
    timeliness: tuple[Timeliness, ...]
    timeliness_by_agency: tuple[Timeliness, ...]
    resolution: Resolution
    immediate: ImmediateRisk
    open_now: tuple[OpenCase, ...]
    holds: Holds

    @property
    def overdue_now(self) -> int:
        return sum(1 for c in self.open_now if c.overdue)


def spread(values: Iterable[float]) -> Spread:
    ordered = sorted(values)
    if not ordered:
        return Spread(0, None, None, None)
    return Spread(len(ordered), statistics.median(ordered), ordered[math.ceil(0.9 * len(ordered)) - 1], ordered[-1])


def compute(policy: Policy, facts: Facts) -> Figures:
    cases = facts.cases
    raising = _counts(c.raising or NOT_KNOWN for c in cases)
    challenged = _counts(c.challenged or NOT_KNOWN for c in cases)
    return Figures(
        partnership=policy.id,
        name=policy.name,
        short_name=policy.short_name,
        start=facts.period.start,
        end=facts.period.end,
        now=facts.now,
        raised=len(cases),
        raised_year_before=facts.raised_year_before,
        by_month=by_month(policy, facts),
        raising_agencies=tuple(name for name, _ in raising),
        challenged_agencies=tuple(name for name, _ in challenged),
        matrix=dict(Counter((c.raising or NOT_KNOWN, c.challenged or NOT_KNOWN) for c in cases)),
        raised_none=tuple(a for a in facts.directory_agencies if a not in {c.raising for c in cases}),
        stage_reached=tuple((f"Stage {s.number}", sum(1 for c in cases if c.stage == s.number)) for s in policy.stages),
        categories=_counts(cat for c in cases for cat in (c.categories or (NOT_KNOWN,))),
        outcomes=_counts(outcome(c) for c in cases),
        timeliness=tuple(stage_timeliness(policy, cases, s.number, facts.now) for s in policy.stages),
        timeliness_by_agency=tuple(
            timeliness(
                policy,
                name,
                "each stage's own",
                [s for c in cases if (c.challenged or NOT_KNOWN) == name for s in c.stages],
                facts.now,
            )
            for name, _ in challenged
        ),
        resolution=resolution(policy, cases, facts.now),
        immediate=immediate_risk(cases),
        open_now=tuple(open_case(policy, c, facts.now) for c in facts.open_now),
        holds=holds(policy, facts),
    )


def _counts(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """Counts, largest first, then by name (a stable order for tables and charts)."""
    return tuple(sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])))


def by_month(policy: Policy, facts: Facts) -> tuple[tuple[str, int], ...]:
    """Escalations raised in each calendar month of the period (months with none included)."""
    counts = Counter(policy.calendar.local(c.opened).strftime("%Y-%m") for c in facts.cases)
    months, day = [], facts.period.start.replace(day=1)
    while day <= facts.period.end:
        months.append((day.strftime("%b %Y"), counts.get(day.strftime("%Y-%m"), 0)))
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return tuple(months)


def outcome(case: CaseFact) -> str:
    if case.state == "resolved":
        return f"resolved at stage {case.stage}"
    if case.state == "withdrawn":
        return "withdrawn"
    if case.is_open:
        return "still open"
    if (case.outcome or "").startswith("not escalated"):
        return "not escalated"
    return "closed"


def stage_timeliness(policy: Policy, cases: Sequence[CaseFact], number: int, now: datetime) -> Timeliness:
    stage = policy.stage(number)
    scale = stage.respond_within.describe() if stage.respond_within else "no timescale"
    found = [s for c in cases for s in c.stages if s.stage == number]
    return timeliness(policy, f"Stage {number}: {stage.name}", scale, found, now)


def timeliness(policy: Policy, label: str, scale: str, stages: Sequence[StageFact], now: datetime) -> Timeliness:
    """Of the stage responses given: how many were judged (answered, or past due), how many were in time."""
    answered = [s for s in stages if s.answered]
    past_due = [s for s in stages if s.concluded is None and now >= s.due]
    moved_on = [s for s in stages if s.moved_on_unanswered]
    return Timeliness(
        label=label,
        timescale=scale,
        reached=len(stages),
        judged=len(answered) + len(past_due) + len(moved_on),
        timely=sum(1 for s in answered if s.timely),
        waiting=len(stages) - len(answered) - len(past_due) - len(moved_on),
        days=spread(s.days for s in answered if s.days is not None),
    )


def resolution(policy: Policy, cases: Sequence[CaseFact], now: datetime) -> Resolution:
    calendar, overall = policy.calendar, policy.overall
    resolved = [c for c in cases if c.state == "resolved" and c.closed is not None]
    return Resolution(
        maximum=overall.describe() if overall else None,
        resolved=len(resolved),
        within=sum(1 for c in resolved if c.closed <= calendar.due(c.opened, overall)) if overall else None,  # type: ignore[operator]
        days=spread(calendar.working_days_between(c.opened, c.closed) for c in resolved if c.closed is not None),
        open_past_maximum=sum(1 for c in cases if c.is_open and now > calendar.due(c.opened, overall)) if overall else None,
    )


def immediate_risk(cases: Sequence[CaseFact]) -> ImmediateRisk:
    """Immediate-risk notices, and the clock hours from the notice to the first answer to it."""
    risky = [c for c in cases if c.immediate_risk]
    hours = [round((c.first_response - c.opened).total_seconds() / 3600, 1) for c in risky if c.first_response is not None]
    return ImmediateRisk(len(risky), len(hours), spread(hours))


def open_case(policy: Policy, case: CaseFact, now: datetime) -> OpenCase:
    calendar = policy.calendar
    return OpenCase(
        reference=case.reference,
        stage=case.stage,
        state=case.state,
        opened=calendar.local(case.opened).date(),
        age_working_days=calendar.working_days_between(case.opened, now),
        age_days=(calendar.local(now).date() - calendar.local(case.opened).date()).days,
        overdue=tuple(
            f"{describe(policy, kind, stage)}, due {calendar.local(due):%-d %b %Y %H:%M}" for kind, stage, due in case.overdue
        ),
    )


def holds(policy: Policy, facts: Facts) -> Holds:
    calendar, now = policy.calendar, facts.now
    information = [h for c in facts.cases for h in c.information_holds]
    return Holds(
        information=len(information),
        information_waiting=sum(1 for h in information if h.until is None),
        information_days=spread(calendar.working_days_between(h.since, h.until or now) for h in information),
        review=len(facts.review_holds),
        review_waiting=sum(1 for h in facts.review_holds if h.decided is None),
        review_hours=spread(round(((h.decided or now) - h.received).total_seconds() / 3600, 1) for h in facts.review_holds),
    )
