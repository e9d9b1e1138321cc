"""What a report needs of each case, read from storage once: plain frozen values, no session after this.

A stage's response is its ``stage_response`` deadline row: when the stage was
entered (``set_at``), when it was due, when it was concluded (``met_at``), and
whether the scheduler concluded it by moving the case on because nobody answered
(an ``escalate`` chaser taken at that same moment). One row per stage and kind is
kept (storage), so a stage entered twice, or Barnet 2's levels, count once, as
last entered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Row, func, select
from sqlalchemy.orm import Session

from escalations.routing.deadlines import ESCALATE, INFORMATION, overdue
from escalations.routing.policy import Policy
from escalations.storage.models import Agency, Case, CaseEvent, CaseState, Chaser, Deadline, InboundMessage, NoticeRecord

RESPONSE_KINDS = ("stage_response", "immediate_risk")
OPEN_STATES = (CaseState.OPEN, CaseState.AWAITING_INFORMATION)


@dataclass(frozen=True, slots=True)
class StageFact:
    stage: int
    entered: datetime
    due: datetime
    concluded: datetime | None
    moved_on_unanswered: bool
    days: int | None = None  # working days from entering the stage to its answer (None: not answered)

    @property
    def answered(self) -> bool:
        return self.concluded is not None and not self.moved_on_unanswered

    @property
    def timely(self) -> bool:
        """Answered by its due time (a stage the scheduler moved on for want of an answer was not)."""
        return self.answered and self.concluded is not None and self.concluded <= self.due


@dataclass(frozen=True)
class Hold:
    since: datetime
    until: datetime | None  # None: still waiting


@dataclass(frozen=True)
class CaseFact:
    reference: str
    opened: datetime
    closed: datetime | None
    state: str
    stage: int
    outcome: str | None
    raising: str | None
    challenged: str | None
    immediate_risk: bool
    categories: tuple[str, ...]
    stages: tuple[StageFact, ...]
    first_response: datetime | None
    information_holds: tuple[Hold, ...]
    overdue: tuple[tuple[str, int, datetime], ...]  # (kind, stage, due) chased and past due at the report's "now"
    subject_name: str | None = None
    subject_dob: str | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True)
class Period:
    """Dates inclusive, in the partnership's own time zone."""

    start: date
    end: date

    def bounds(self, policy: Policy) -> tuple[datetime, datetime]:
        tz = policy.calendar.tz
        return datetime.combine(self.start, time(0), tzinfo=tz), datetime.combine(
            self.end + timedelta(days=1), time(0), tzinfo=tz
        )

    def year_before(self) -> Period:
        return Period(_minus_year(self.start), _minus_year(self.end))


@dataclass(frozen=True)
class ReviewHold:
    received: datetime
    decided: datetime | None


@dataclass(frozen=True)
class Facts:
    period: Period
    now: datetime
    cases: tuple[CaseFact, ...]  # raised in the period
    open_now: tuple[CaseFact, ...]  # open at ``now``, whenever raised
    raised_year_before: int
    directory_agencies: tuple[str, ...]
    review_holds: tuple[ReviewHold, ...]


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def load(session: Session, policy: Policy, period: Period, now: datetime, personal: bool = False) -> Facts:
    """Every fact a report on ``policy``'s partnership for ``period`` needs, as of ``now``.

    Plain rows (no ORM objects: a year of cases is tens of thousands of rows), each
    table read once, joined to the same choice of cases: raised in the period, or open."""
    start, end = period.bounds(policy)
    chosen = (Case.partnership == policy.id) & (
        ((Case.opened_at >= start) & (Case.opened_at < end)) | Case.state.in_(OPEN_STATES)
    )
    cases = session.execute(select(*CASE_COLUMNS).where(chosen).order_by(Case.opened_at, Case.id)).all()
    agencies = dict(session.execute(select(Agency.id, Agency.name).where(Agency.partnership == policy.id)).all())
    deadlines = _by_case(session.execute(select(*DEADLINE_COLUMNS).join(Case, Case.id == Deadline.case_id).where(chosen)))
    notices = _first_notices(session, chosen)
    moved = _moved_on(session, chosen)
    answers = _first_answers(session, chosen, moved)
    facts = {
        c.id: _case_fact(
            policy, c, deadlines.get(c.id, ()), agencies, notices.get(c.id, {}), moved, answers.get(c.id), now, personal
        )
        for c in cases
    }
    before_start, before_end = period.year_before().bounds(policy)
    return Facts(
        period=period,
        now=now,
        cases=tuple(facts[c.id] for c in cases if start <= c.opened_at < end),
        open_now=tuple(facts[c.id] for c in cases if c.state in OPEN_STATES and c.opened_at <= now),
        raised_year_before=session.scalar(
            select(func.count(Case.id)).where(
                Case.partnership == policy.id, Case.opened_at >= before_start, Case.opened_at < before_end
            )
        )
        or 0,
        directory_agencies=tuple(sorted(agencies.values())),
        review_holds=_review_holds(session, policy, start, end),
    )


CASE_COLUMNS = (
    Case.id,
    Case.reference,
    Case.opened_at,
    Case.closed_at,
    Case.state,
    Case.stage,
    Case.outcome,
    Case.raising_agency_id,
    Case.challenged_agency_id,
    Case.immediate_risk,
)
DEADLINE_COLUMNS = (
    Deadline.case_id,
    Deadline.kind,
    Deadline.stage,
    Deadline.due,
    Deadline.set_at,
    Deadline.met,
    Deadline.met_at,
)


def _by_case(rows: Iterable[Row]) -> dict[int, list[Row]]:
    found: dict[int, list[Row]] = {}
    for row in rows:
        found.setdefault(row.case_id, []).append(row)
    return found


def _first_notices(session: Session, chosen: ColumnElement[bool]) -> dict[int, dict]:
    """Each case's first notice as read (its categories; the subject's name and date of birth)."""
    found: dict[int, dict] = {}
    rows = session.execute(
        select(NoticeRecord.case_id, NoticeRecord.data)
        .join(Case, Case.id == NoticeRecord.case_id)
        .where(chosen)
        .order_by(NoticeRecord.id)
    )
    for case_id, data in rows:
        found.setdefault(case_id, data or {})
    return found


def _moved_on(session: Session, chosen: ColumnElement[bool]) -> set[tuple[int, datetime]]:
    """(case id, moment) of each move-on the scheduler took because a deadline went unanswered: whatever
    that case's deadlines were concluded at that moment was concluded for want of an answer."""
    rows = session.execute(
        select(Chaser.case_id, Chaser.created_at).join(Case, Case.id == Chaser.case_id).where(chosen, Chaser.kind == ESCALATE)
    )
    return {(case_id, at) for case_id, at in rows}


def _first_answers(session: Session, chosen: ColumnElement[bool], moved: set[tuple[int, datetime]]) -> dict[int, datetime]:
    """Each case's first answer: the first time one of its response deadlines was concluded other than by a move-on.
    Read from the timeline, which keeps every level and every stage entered again (the deadline rows keep the last)."""
    rules = [f"met:{kind}" for kind in RESPONSE_KINDS]
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.at)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(chosen, CaseEvent.rule.in_(rules))
        .distinct()
    )
    first: dict[int, datetime] = {}
    for case_id, at in rows:
        if (case_id, at) not in moved and (case_id not in first or at < first[case_id]):
            first[case_id] = at
    return first


def _case_fact(
    policy: Policy,
    case: Row,
    deadlines: Sequence[Row],
    agencies: dict[int, str],
    notice: dict,
    moved: set,
    first_answer: datetime | None,
    now: datetime,
    personal: bool,
) -> CaseFact:
    stages = tuple(
        sorted((_stage(policy, case, d, moved) for d in deadlines if d.kind == "stage_response"), key=lambda s: s.stage)
    )
    subject = notice.get("subject") or {}
    awaiting = case.state == CaseState.AWAITING_INFORMATION
    return CaseFact(
        reference=case.reference,
        opened=case.opened_at,
        closed=case.closed_at,
        state=case.state,
        stage=case.stage,
        outcome=case.outcome,
        raising=agencies.get(case.raising_agency_id) if case.raising_agency_id else None,
        challenged=agencies.get(case.challenged_agency_id) if case.challenged_agency_id else None,
        immediate_risk=case.immediate_risk,
        categories=tuple(notice.get("categories") or ()),
        stages=stages,
        first_response=first_answer,
        information_holds=tuple(Hold(d.set_at or case.opened_at, d.met_at) for d in deadlines if d.kind == INFORMATION),
        overdue=tuple(
            (d.kind, d.stage, d.due)
            for d in deadlines
            if case.state in OPEN_STATES and overdue(d.kind, d.due, d.met, awaiting, now)
        ),
        subject_name=subject.get("name") if personal else None,
        subject_dob=subject.get("dob") if personal else None,
    )


def _stage(policy: Policy, case: Row, d: Row, moved: set) -> StageFact:
    entered = d.set_at or case.opened_at
    concluded = d.met_at if d.met else None
    unanswered = (case.id, d.met_at) in moved
    answered = concluded is not None and not unanswered
    days = policy.calendar.working_days_between(entered, concluded) if answered else None
    return StageFact(d.stage, entered, d.due, concluded, unanswered, days)


def _review_holds(session: Session, policy: Policy, start: datetime, end: datetime) -> tuple[ReviewHold, ...]:
    """Messages for this partnership that waited in review, received in the period, and when a person decided."""
    rows = session.execute(
        select(InboundMessage.received_at, InboundMessage.review).where(
            InboundMessage.received_at >= start, InboundMessage.received_at < end
        )
    ).all()
    holds = []
    for received, review in rows:
        if not review or not review.get("rule"):
            continue  # never held for review
        decision = review.get("decision") or {}
        if policy.id not in (review.get("partnership"), decision.get("partnership")):
            continue
        decided = decision.get("at")
        holds.append(ReviewHold(received, datetime.fromisoformat(decided) if decided else None))
    return tuple(holds)
