"""What the console's pages show: plain values read from the database for one person's partnerships.

Each function takes the caller's session, the partnerships the person may see
and the time; none writes except ``record_access`` (the access log).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from escalations.intake import mime
from escalations.intake.notices.reader import Attachment
from escalations.outbound.compose import attachment_name, deadline_label
from escalations.routing.deadlines import breached, chased, overdue
from escalations.routing.policy import Policy
from escalations.service import views
from escalations.service.case_actions import CaseView
from escalations.storage import listings
from escalations.storage.models import (
    Agency,
    Case,
    CaseState,
    ConsoleAccess,
    Deadline,
    InboundMessage,
    InboundStatus,
    NoticeRecord,
    OutboxMessage,
    OutboxStatus,
)

OPEN_STATES = (CaseState.OPEN, CaseState.AWAITING_INFORMATION)
STATES = (CaseState.OPEN, CaseState.AWAITING_INFORMATION, CaseState.RESOLVED, CaseState.WITHDRAWN, CaseState.CLOSED)
PAGE_SIZE = 25
SIDES = ("raising", "challenged")  # an agency filter's sides
MAX_SEARCH = 100  # characters of a search kept
UK = ZoneInfo("Europe/London")  # every partnership here is in England: times as their people read them


# -- Today --------------------------------------------------------------------


def today(session: Session, mine: Sequence[str], policies: Mapping[str, Policy], now: datetime) -> dict[str, Any]:
    open_cases = select(Case).where(Case.partnership.in_(mine), Case.state.in_(OPEN_STATES))
    by_stage = session.execute(
        select(Case.partnership, Case.stage, func.count())
        .where(Case.partnership.in_(mine), Case.state.in_(OPEN_STATES))
        .group_by(Case.partnership, Case.stage)
        .order_by(Case.partnership, Case.stage)
    ).all()
    deadlines = session.execute(
        select(Deadline, Case.reference, Case.partnership, Case.state)
        .join(Case, Deadline.case_id == Case.id)
        .where(Case.partnership.in_(mine), Case.state.in_(OPEN_STATES), Deadline.met.is_(False))
        .order_by(Deadline.due)
    ).all()
    overdue, due_today = [], []
    for deadline, reference, partnership, state in deadlines:
        line = _deadline_line(deadline, reference, policies[partnership], now)
        if is_overdue(deadline, state, now):
            overdue.append(line)
        elif chased(deadline.kind, state == CaseState.AWAITING_INFORMATION) and _same_day(
            policies[partnership], deadline.due, now
        ):
            due_today.append(line)
    held = session.scalars(open_cases.where(Case.state == CaseState.AWAITING_INFORMATION).order_by(Case.opened_at)).all()
    # How long, as the daily review summary and `cases show` say it: since the sender was asked, in working days.
    waiting = [(c, views.waiting(c, policies[c.partnership], now)) for c in held]
    return {
        "by_stage": [{"partnership": p, "stage": s, "count": n} for p, s, n in by_stage],
        "overdue": overdue,
        "due_today": due_today,
        "immediate_risk": session.scalars(open_cases.where(Case.immediate_risk.is_(True)).order_by(Case.id)).all(),
        "waiting": [{"case": c, "text": views.waiting_text(w, policies[c.partnership])} for c, w in waiting if w is not None],
        "review": _review_count(session, mine, policies),
        "quarantined": len(quarantined(session, mine, policies)),
        "outbox": outbox_health(session, now),
    }


def _review_count(session: Session, mine: Sequence[str], policies: Mapping[str, Policy]) -> dict[str, int]:
    """Held messages these partnerships' people see in Review, and how many of them no policy was chosen for yet."""
    held = [h["message"] for h in held_for_review(session, mine, policies)]
    return {"mine": len(held), "undecided": sum(1 for m in held if policy_undecided(m.review or {}))}


def is_overdue(deadline: Deadline, state: str, now: datetime) -> bool:
    """The chasers' rule (routing.deadlines.overdue), for a stored deadline of a case in ``state``."""
    return state in OPEN_STATES and overdue(
        deadline.kind, deadline.due, deadline.met, state == CaseState.AWAITING_INFORMATION, now
    )


def overdue_case_ids(session: Session, mine: Sequence[str], now: datetime) -> list[int]:
    """The open cases with a deadline overdue by the chasers' rule (read here, as SQL cannot call it)."""
    rows = session.execute(
        select(Deadline, Case.state)
        .join(Case, Deadline.case_id == Case.id)
        .where(Case.partnership.in_(mine), Case.state.in_(OPEN_STATES), Deadline.met.is_(False), Deadline.due <= now)
    ).all()
    return sorted({d.case_id for d, state in rows if is_overdue(d, state, now)})


def _same_day(policy: Policy, due: datetime, now: datetime) -> bool:
    return policy.calendar.local(due).date() == policy.calendar.local(now).date()


def outbox_health(session: Session, now: datetime) -> dict[str, Any]:
    pending = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
    oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == OutboxStatus.PENDING))
    return {
        "pending": session.scalar(select(func.count()).select_from(pending.subquery())),
        "oldest_minutes": int((now - oldest).total_seconds() // 60) if oldest else None,
        "dead": session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DEAD)),
        "undelivered": session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.undelivered_at.is_not(None))
        ),
    }


def _deadline_line(deadline: Deadline, reference: str, policy: Policy, now: datetime) -> dict[str, Any]:
    return {
        "reference": reference,
        "label": deadline_label(policy, deadline.kind, deadline.stage),
        "stage": deadline.stage,
        "due": policy.calendar.local(deadline.due),
        "left": working_days_left(policy, deadline.due, now),
    }


def working_days_left(policy: Policy, due: datetime, now: datetime) -> str:
    calendar = policy.calendar
    if breached(due, now):
        late = calendar.working_days_between(due, now)
        return f"overdue by {late} working day{'s' if late != 1 else ''}" if late else "overdue (today)"
    left = calendar.working_days_between(now, due)
    return f"{left} working day{'s' if left != 1 else ''} left" if left else "due by the end of today"


# -- Cases --------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilter:
    """The Cases page's filters, read from its query string (so a URL is a saved view)."""

    partnership: str = ""
    state: str = ""
    stage: int | None = None
    agency: int | None = None
    side: str = ""  # the agency's side: raising, challenged, or either ("")
    overdue: bool = False
    immediate_risk: bool = False
    search: str = ""
    opened_from: date | None = None
    opened_to: date | None = None
    page: int = 1

    @classmethod
    def from_query(cls, query: Mapping[str, str], mine: Sequence[str]) -> CaseFilter:
        return cls(
            partnership=query.get("partnership", "") if query.get("partnership") in mine else "",
            state=query.get("state", "") if query.get("state") in (*STATES, "active") else "",
            stage=_number(query.get("stage")),
            agency=_number(query.get("agency")),
            side=query.get("side", "") if query.get("side") in SIDES else "",
            overdue=query.get("overdue") == "1",
            immediate_risk=query.get("immediate_risk") == "1",
            search=(query.get("q") or "").strip()[:MAX_SEARCH],
            opened_from=_day(query.get("from")),
            opened_to=_day(query.get("to")),
            page=max(1, _number(query.get("page")) or 1),
        )

    def query_string(self, page: int) -> str:
        from urllib.parse import urlencode

        values = {
            "partnership": self.partnership,
            "state": self.state,
            "stage": self.stage or "",
            "agency": self.agency or "",
            "side": self.side,
            "overdue": "1" if self.overdue else "",
            "immediate_risk": "1" if self.immediate_risk else "",
            "q": self.search,
            "from": self.opened_from.isoformat() if self.opened_from else "",
            "to": self.opened_to.isoformat() if self.opened_to else "",
            "page": page,
        }
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 10 else None


def cases(session: Session, mine: Sequence[str], wanted: CaseFilter, now: datetime) -> dict[str, Any]:
    query = _filtered(session, mine, wanted, now)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.order_by(Case.opened_at.desc(), Case.id.desc()).limit(PAGE_SIZE).offset((wanted.page - 1) * PAGE_SIZE)
    ).all()
    return {"cases": rows, "total": total, "pages": max(1, -(-total // PAGE_SIZE)), "agencies": agencies(session, mine)}


def _filtered(session: Session, mine: Sequence[str], wanted: CaseFilter, now: datetime) -> Select[tuple[Case]]:
    query = listings.cases_query([wanted.partnership] if wanted.partnership else mine)
    if wanted.state == "active":
        query = query.where(Case.state.in_(OPEN_STATES))
    elif wanted.state:
        query = query.where(Case.state == wanted.state)
    if wanted.stage is not None:
        query = query.where(Case.stage == wanted.stage)
    if wanted.agency is not None:
        raising, challenged = Case.raising_agency_id == wanted.agency, Case.challenged_agency_id == wanted.agency
        query = query.where({"raising": raising, "challenged": challenged}.get(wanted.side, or_(raising, challenged)))
    if wanted.immediate_risk:
        query = query.where(Case.immediate_risk.is_(True))
    if wanted.overdue:
        query = query.where(Case.id.in_(overdue_case_ids(session, mine, now)))
    if wanted.opened_from is not None:  # whole days in UK time, as the page shows them
        query = query.where(Case.opened_at >= _uk_midnight(wanted.opened_from))
    if wanted.opened_to is not None:
        query = query.where(Case.opened_at < _uk_midnight(wanted.opened_to + timedelta(days=1)))
    if wanted.search:
        named = _named(session, mine, wanted.search)
        query = query.where(or_(Case.reference.ilike(f"%{_like(wanted.search)}%", escape="\\"), Case.id.in_(named)))
    return query


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UK).astimezone(UTC)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _named(session: Session, mine: Sequence[str], search: str) -> list[int]:
    """Cases whose notices name a person (the child or adult) containing the search words, in any case."""
    wanted = search.casefold()
    rows = session.execute(
        select(NoticeRecord.case_id, NoticeRecord.data)
        .join(Case, NoticeRecord.case_id == Case.id)
        .where(Case.partnership.in_(mine))
    )
    return sorted(
        {case_id for case_id, data in rows if wanted in str(((data or {}).get("subject") or {}).get("name") or "").casefold()}
    )


def agencies(session: Session, mine: Sequence[str]) -> Sequence[Agency]:
    return session.scalars(select(Agency).where(Agency.partnership.in_(mine)).order_by(Agency.partnership, Agency.name)).all()


# -- A case -------------------------------------------------------------------


def find_case(session: Session, mine: Sequence[str], reference: str) -> Case | None:
    """A case by reference, only if it is one of these partnerships' (else None, as if it did not exist)."""
    case = session.scalars(
        select(Case)
        .where(Case.reference == reference.upper()[:24], Case.partnership.in_(mine))
        .options(selectinload(Case.events), selectinload(Case.deadlines))
    ).first()
    return case


def case_page(session: Session, case: Case, policy: Policy, now: datetime, view: CaseView | None = None) -> dict[str, Any]:
    inbound_ids = sorted({e.inbound_id for e in case.events if e.inbound_id})
    messages = {m.id: m for m in session.scalars(select(InboundMessage).where(InboundMessage.id.in_(inbound_ids)))}
    shown = {i: views.inbound_for_display(m) for i, m in messages.items()}
    detail = views.case_detail(case, shown)
    _with_sent_words(session, detail["events"])
    names = {a.id: a.name for a in session.scalars(select(Agency).where(Agency.partnership == case.partnership))}
    notice = session.scalars(select(NoticeRecord).where(NoticeRecord.case_id == case.id).order_by(NoticeRecord.id)).first()
    subject = ((notice.data if notice else {}) or {}).get("subject") or {}
    return {
        "case": case,
        "policy": policy,
        "events": detail["events"],
        "deadlines": [
            {**_deadline_line(d, case.reference, policy, now), "met": d.met, "met_at": d.met_at, "rule": d.rule}
            for d in case.deadlines
        ],
        "documents": documents(case, [messages[i] for i in inbound_ids]),
        "parties": {
            "subject": subject.get("name"),
            "subject_kind": case.subject_kind,
            "raised_by": case.raised_by_email,
            "raising_agency": names.get(case.raising_agency_id or -1),
            "challenged_agency": names.get(case.challenged_agency_id or -1),
        },
        "agencies": sorted(names.items(), key=lambda item: item[1]),
        "raisers": side_contacts(view, "raising") if view is not None else [],
        "challengers": side_contacts(view, "challenged") if view is not None else [],
        "challenged_person": view_challenged(view),
        "stages": [(s.number, s.name) for s in policy.stages],
        "access": session.scalars(
            select(ConsoleAccess).where(ConsoleAccess.case_id == case.id).order_by(ConsoleAccess.id.desc()).limit(50)
        ).all(),
    }


def _with_sent_words(session: Session, events: list[dict[str, Any]]) -> None:
    """Each email we sent, in its own words, on the first timeline entry that records it (as inbound mail is)."""
    ids = sorted({e["outbox_id"] for e in events if e["outbox_id"]})
    sent = {o.id: o for o in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))}
    shown: set[int] = set()
    for event in events:
        row = sent.get(event["outbox_id"] or -1)
        if row is not None and row.id not in shown:
            event["sent"] = outbound_for_display(row)
            shown.add(row.id)


def outbound_for_display(row: OutboxMessage) -> dict[str, Any]:
    """To whom, the subject and the text of an email we sent, as it left (our own mail, read as any other)."""
    try:
        mail = mime.parse(row.raw)
    except mime.MalformedMessage:
        return {"to": ", ".join(row.recipients), "subject": "", "text": "(the message could not be read)"}
    return {"to": ", ".join(row.recipients), "subject": mail.subject or "", "text": mime.body_text(mail) or ""}


def side_contacts(view: CaseView, side: str) -> list[str]:
    """Who may take over a side (raising or challenged): the directory contacts of that side's agency."""
    agency = view.parties.raising if side == "raising" else view.parties.challenged
    if agency is None:
        return []
    return sorted({c.email.lower() for c in view.directory.contacts if c.agency == agency.name})


def view_challenged(view: CaseView | None) -> str | None:
    """The challenged side's person, as the case's routing sees them (a notice's name, or a reassignment)."""
    return view.parties.challenged_name if view is not None else None


@dataclass(frozen=True)
class Document:
    inbound_id: int
    index: int
    name: str  # reference and position only (invariant 6)
    size: int
    content_type: str


def documents(case: Case, messages: Sequence[InboundMessage]) -> list[Document]:
    out = []
    for message in messages:
        for index, attachment in enumerate(_attachments(message), start=1):
            name = attachment_name(case.reference, len(out) + 1, attachment)
            out.append(Document(message.id, index, name, len(attachment.data), attachment.content_type))
    return out


def document(session: Session, case: Case, inbound_id: int, index: int) -> tuple[Document, bytes] | None:
    """One attachment of a message on this case's timeline (None if the message is not this case's)."""
    if inbound_id not in {e.inbound_id for e in case.events}:
        return None
    messages = [session.get(InboundMessage, i) for i in sorted({e.inbound_id for e in case.events if e.inbound_id})]
    listed = documents(case, [m for m in messages if m is not None])
    found = next((d for d in listed if d.inbound_id == inbound_id and d.index == index), None)
    if found is None:
        return None
    message = session.get(InboundMessage, inbound_id)
    return found, _attachments(message)[index - 1].data if message is not None else b""


def _attachments(message: InboundMessage) -> tuple[Attachment, ...]:
    try:
        return mime.parse(message.raw).attachments
    except mime.MalformedMessage:
        return ()


def record_access(session: Session, email: str, action: str, case: Case, what: str, now: datetime) -> None:
    session.add(ConsoleAccess(at=now, email=email, action=action, case_id=case.id, what=what))


# -- Review and Quarantine ----------------------------------------------------


# routing.matching's rules when no policy could be chosen for a notice: a person picks one in review.
POLICY_UNDECIDED = ("no-mailbox", "shared-mailbox-unknown-subject")


def policy_undecided(review: Mapping[str, Any]) -> bool:
    return not review.get("partnership") or review.get("rule") in POLICY_UNDECIDED


def review_partnerships(message: InboundMessage, policies: Mapping[str, Policy]) -> set[str]:
    """Whose people see a held message in Review: its partnership's; while no policy is chosen for it, every
    partnership whose mailbox received it (as Quarantine: all of them when it names no partnership mailbox)."""
    from escalations.service.quarantine_report import partnerships_of

    review = message.review or {}
    known = {review["partnership"]} if review.get("partnership") else set()
    return known | partnerships_of(message, policies) if policy_undecided(review) else known


def held_for_review(session: Session, mine: Sequence[str], policies: Mapping[str, Policy]) -> list[dict[str, Any]]:
    """Messages waiting in review for these partnerships, each with its reason, its words, its candidate cases
    and, while no policy is chosen for it, the partnerships a new case could follow."""
    held = session.scalars(listings.held_query(with_raw=True).order_by(InboundMessage.id).execution_options(yield_per=100))
    out = []
    for message in held:
        review = message.review or {}
        theirs = review_partnerships(message, policies) & set(mine)
        if not theirs:
            continue
        candidates = [c for c in (find_case(session, mine, r) for r in review.get("candidates") or []) if c is not None]
        out.append(
            {
                "message": message,
                "review": review,
                "shown": views.inbound_for_display(message),
                "candidates": candidates,
                "choices": sorted(theirs) if policy_undecided(review) else [],
            }
        )
    return out


def reviewable(session: Session, mine: Sequence[str], policies: Mapping[str, Policy], message_id: int) -> InboundMessage | None:
    message = session.get(InboundMessage, message_id)
    if message is None or message.status != InboundStatus.REVIEW or not review_partnerships(message, policies) & set(mine):
        return None
    return message


def quarantined(session: Session, mine: Sequence[str], policies: Mapping[str, Policy]) -> list[dict[str, Any]]:
    """Quarantined messages sent to these partnerships' mailboxes (or to none: someone must see those)."""
    from escalations.service.quarantine_report import failure_kind, partnerships_of

    rows = session.scalars(
        select(InboundMessage).where(InboundMessage.status == InboundStatus.QUARANTINED).order_by(InboundMessage.id)
    ).all()
    return [{"message": m, "kind": failure_kind(m.last_error)} for m in rows if partnerships_of(m, policies) & set(mine)]


def in_quarantine(
    session: Session, mine: Sequence[str], policies: Mapping[str, Policy], message_id: int
) -> InboundMessage | None:
    from escalations.service.quarantine_report import partnerships_of

    message = session.get(InboundMessage, message_id)
    if message is None or message.status != InboundStatus.QUARANTINED or not partnerships_of(message, policies) & set(mine):
        return None
    return message


def record_message_access(session: Session, email: str, action: str, what: str, now: datetime) -> None:
    session.add(ConsoleAccess(at=now, email=email, action=action, case_id=None, what=what))
