"""Retention and erasure: a case's personal data removed, the figures reports need kept, each removal recorded.

A partnership's ``retention_years`` (a local setting: no policy text sets it)
counts from the day a case closed (resolved, withdrawn or closed). A case
past it is anonymised:

- gone: the person's name and date of birth, every free text (the concern,
  the outcome sought, the outcome's words, timeline reasons, what people
  wrote), the raw messages it came in and went out in, with their
  documents, and the names and contacts of the professionals in the notice;
- kept: the reference, partnership, dates (opened, closed, each event and
  deadline), agencies, stage and level reached, state (the outcome), the
  notice's categories, immediate risk and form, whether each deadline was
  met and when, and each timeline entry's kind and rule: what the board's
  figures are made of.

Mail on no case (rejected in review, screened out) follows the same rule
from the day it arrived, under the longest retention of the partnerships it
was sent to; a partnership with no retention set keeps everything (no
period is invented on its behalf). A case still open, or with mail still to
send, is never touched. Every anonymisation writes an ``anonymisations`` row
(reference, when, the rule), and an erasure the decision too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from escalations.routing.policy import Policy
from escalations.service.quarantine_report import partnerships_of
from escalations.storage.models import (
    Anonymisation,
    Case,
    CaseEvent,
    CaseState,
    ConsoleAccess,
    InboundMessage,
    InboundStatus,
    NoticeRecord,
    OutboxMessage,
    OutboxStatus,
)
from escalations.storage.repositories import NotificationRepository

log = logging.getLogger(__name__)

ENDED = (CaseState.RESOLVED, CaseState.WITHDRAWN, CaseState.CLOSED)
ERASURE = "erasure"
# Mail on no case that is settled: anything still waiting (received, processing, review) is left for a person.
SETTLED_MAIL = (
    InboundStatus.PROCESSED,
    InboundStatus.IGNORED,
    InboundStatus.DUPLICATE,
    InboundStatus.REJECTED,
    InboundStatus.QUARANTINED,
)
# What a notice keeps: the fields the board's figures count. Everything else (names, dates of birth,
# free text, professionals' contacts) is removed.
NOTICE_KEPT = ("partnership", "form", "categories", "immediate_risk", "stage", "case_reference")


def retention_rule(partnership: str, years: int) -> str:
    return f"retention:{partnership}:{years}y-after-close"


def years_after(moment: datetime, years: int) -> datetime:
    """The same day and time ``years`` later (29 February goes to 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


# -- what is due ----------------------------------------------------------------


@dataclass(frozen=True)
class DueCase:
    case_id: int
    reference: str
    closed_at: datetime
    due_at: datetime
    rule: str


@dataclass(frozen=True)
class DueMail:
    table: str  # inbound | outbox
    row_id: int
    at: datetime
    due_at: datetime
    rule: str


def due_cases(session: Session, policies: Mapping[str, Policy], now: datetime) -> list[DueCase]:
    """Closed cases past their partnership's retention, not anonymised yet, with nothing left to send."""
    out = []
    query = select(Case).where(Case.state.in_(ENDED), Case.closed_at.is_not(None), Case.anonymised_at.is_(None))
    for case in session.scalars(query.order_by(Case.id)):
        policy = policies.get(case.partnership)
        if policy is None or not policy.retention_years or case.closed_at is None:
            continue
        due_at = years_after(case.closed_at, policy.retention_years)
        if due_at <= now and not _unsent(session, case.id):
            out.append(
                DueCase(case.id, case.reference, case.closed_at, due_at, retention_rule(policy.id, policy.retention_years))
            )
    return out


def _unsent(session: Session, case_id: int) -> bool:
    query = select(OutboxMessage.id).where(OutboxMessage.case_id == case_id, OutboxMessage.status == OutboxStatus.PENDING)
    return session.scalar(query.limit(1)) is not None


def due_mail(session: Session, policies: Mapping[str, Policy], now: datetime) -> list[DueMail]:
    """Mail on no case past the longest retention of the partnerships it belongs to, its content still stored."""
    out = []
    inbound = select(InboundMessage).where(
        InboundMessage.case_id.is_(None), InboundMessage.status.in_(SETTLED_MAIL), InboundMessage.size > 0
    )
    for message in session.scalars(inbound.order_by(InboundMessage.id)):
        years = _longest(policies, partnerships_of(message, policies))
        if years and message.raw and (due := years_after(message.received_at, years[0])) <= now:
            out.append(DueMail("inbound", message.id, message.received_at, due, years[1]))
    everyone = _longest(policies, set(policies))  # a letter on no case (a daily summary) is every partnership's
    outbox = select(OutboxMessage).where(OutboxMessage.case_id.is_(None), OutboxMessage.status != OutboxStatus.PENDING)
    for row in session.scalars(outbox.order_by(OutboxMessage.id)) if everyone else ():
        if row.raw and (due := years_after(row.created_at, everyone[0])) <= now:
            out.append(DueMail("outbox", row.id, row.created_at, due, everyone[1]))
    return out


def _longest(policies: Mapping[str, Policy], ids: set[str]) -> tuple[int, str] | None:
    """The longest retention among these partnerships and its rule; None if any of them has none set."""
    chosen = [policies[i] for i in sorted(ids) if i in policies]
    if not chosen or any(not p.retention_years for p in chosen):
        return None
    longest = max(chosen, key=lambda p: p.retention_years or 0)
    assert longest.retention_years is not None
    return longest.retention_years, retention_rule(longest.id, longest.retention_years)


# -- removing -------------------------------------------------------------------


def scrub_notice(data: dict[str, Any]) -> dict[str, Any]:
    """A notice's canonical JSON with only the counted fields left (DESIGN.md's shape, the rest null or empty)."""
    kept: dict[str, Any] = {key: data.get(key) for key in NOTICE_KEPT}
    subject = data.get("subject") or {}
    kept["subject"] = {"kind": subject.get("kind"), "name": None, "dob": None}
    kept["raised_by"] = {"agency": (data.get("raised_by") or {}).get("agency")}
    kept["challenged"] = {"agency": (data.get("challenged") or {}).get("agency")}
    kept["attempts"] = [{"date": a.get("date")} for a in data.get("attempts") or [] if isinstance(a, dict)]
    kept["signed"] = {"date": (data.get("signed") or {}).get("date")}
    kept.update(concern=None, outcome_sought=None, copies_to=[], problems=[])
    kept["categories"] = list(kept.get("categories") or [])
    return kept


def scrub_event_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """An event's data with numbers and yes/no kept (stages, levels, counts), every text removed."""
    return {k: v for k, v in (data or {}).items() if isinstance(v, bool | int | float) or v is None}


def anonymise_case(
    session: Session, case: Case, now: datetime, rule: str, decision: str | None = None, by: str | None = None
) -> Anonymisation:
    """Remove a case's personal data in the caller's transaction, and record that it was done and why."""
    removed = {
        "notices": _scrub_notices(session, case.id),
        "events": _scrub_events(session, case.id, rule),
        "inbound": sum(scrub_inbound(m, rule) for m in _case_messages(session, case.id)),
        "outbox": sum(_scrub_outbox(r) for r in session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id))),
        "access_log": _scrub_access(session, case.id, rule),
    }
    case.outcome = None
    case.raised_by_email = None
    case.anonymised_at = now
    record = Anonymisation(
        case_id=case.id, reference=case.reference, at=now, rule=rule, decision=decision, by=by, removed=removed
    )
    session.add(record)
    return record


def anonymise_mail(session: Session, due: DueMail, now: datetime) -> None:
    """Remove one case-less message's content, and record it under its rule."""
    if due.table == "inbound":
        message = session.get(InboundMessage, due.row_id)
        removed = {"inbound": scrub_inbound(message, due.rule) if message else 0}
    else:
        row = session.get(OutboxMessage, due.row_id)
        removed = {"outbox": _scrub_outbox(row) if row else 0}
    session.add(Anonymisation(case_id=None, reference=f"{due.table} {due.row_id}", at=now, rule=due.rule, removed=removed))


def _scrub_notices(session: Session, case_id: int) -> int:
    records = session.scalars(select(NoticeRecord).where(NoticeRecord.case_id == case_id)).all()
    for record in records:
        record.data = scrub_notice(record.data or {})
    return len(records)


def _scrub_events(session: Session, case_id: int, rule: str) -> int:
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)).all()
    for event in events:
        event.reason = f"[removed: {rule}]"
        event.data = scrub_event_data(event.data)
    return len(events)


def _case_messages(session: Session, case_id: int) -> Sequence[InboundMessage]:
    """The case's messages, the ones its timeline or notices name, and every copy of them stored again."""
    named = select(CaseEvent.inbound_id).where(CaseEvent.case_id == case_id, CaseEvent.inbound_id.is_not(None))
    read = select(NoticeRecord.inbound_id).where(NoticeRecord.case_id == case_id)
    own = InboundMessage.case_id == case_id
    theirs = InboundMessage.case_id.is_(None) & (InboundMessage.id.in_(named) | InboundMessage.id.in_(read))
    messages = list(session.scalars(select(InboundMessage).where(own | theirs)))
    ids = [m.id for m in messages]
    copies = session.scalars(select(InboundMessage).where(InboundMessage.duplicate_of.in_(ids))).all() if ids else []
    return messages + [c for c in copies if c.id not in ids]


def scrub_inbound(message: InboundMessage, rule: str) -> int:
    message.raw = b""
    message.size = 0
    message.review = None
    message.last_error = None
    message.outcome = f"{message.status}; content removed ({rule})"
    return 1


def _scrub_outbox(row: OutboxMessage) -> int:
    row.raw = b""
    return 1


def _scrub_access(session: Session, case_id: int, rule: str) -> int:
    """Who looked stays in the access log; what they looked at loses its words (a document's file name)."""
    query = select(ConsoleAccess).where(ConsoleAccess.case_id == case_id, ConsoleAccess.action == "document_download")
    entries = session.scalars(query).all()
    for entry in entries:
        entry.what = f"document [name removed: {rule}]"
    return len(entries)


# -- the pass -------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionReport:
    cases: list[DueCase]
    mail: list[DueMail]
    unset: list[str]  # partnerships with no retention set: nothing of theirs is touched

    def lines(self, dry_run: bool) -> list[str]:
        verb = "would anonymise" if dry_run else "anonymised"
        out = [
            f"{verb} {c.reference} (closed {c.closed_at.date().isoformat()}, due {c.due_at.date().isoformat()}, {c.rule})"
            for c in self.cases
        ]
        out += [f"{verb} {m.table} message {m.row_id} on no case (of {m.at.date().isoformat()}, {m.rule})" for m in self.mail]
        out += [f"partnership {p}: retention_years is not set, nothing of its is anonymised" for p in self.unset]
        done = "due (dry run: nothing changed)" if dry_run else "anonymised"
        return out + [f"retention: {len(self.cases)} case(s) and {len(self.mail)} message(s) on no case {done}"]


def run(sessions: sessionmaker[Session], policies: Mapping[str, Policy], now: datetime, dry_run: bool = False) -> RetentionReport:
    """One retention pass: each case in its own transaction, so a failure leaves the others done."""
    with sessions() as session:
        report = RetentionReport(
            due_cases(session, policies, now),
            due_mail(session, policies, now),
            sorted(p.id for p in policies.values() if not p.retention_years),
        )
    if dry_run:
        return report
    for due in report.cases:
        with sessions.begin() as session:
            case = session.get(Case, due.case_id)
            if case is not None and case.anonymised_at is None:  # another pass may have been first
                anonymise_case(session, case, now, due.rule)
                log.info("retention: case %s anonymised (%s)", due.reference, due.rule)
    for mail in report.mail:
        with sessions.begin() as session:
            anonymise_mail(session, mail, now)
    return report


def daily(sessions: sessionmaker[Session], policies: Mapping[str, Policy], now: datetime) -> int:
    """The scheduler's retention pass, once a day across every process (a once-only key per date)."""
    if not any(p.retention_years for p in policies.values()):
        return 0
    with sessions.begin() as session:
        if not NotificationRepository(session).take(f"retention:{now.date().isoformat()}", "retention", now):
            return 0
    report = run(sessions, policies, now)
    return len(report.cases) + len(report.mail)


__all__ = ["ERASURE", "anonymise_case", "daily", "due_cases", "run", "scrub_notice"]
