"""Anonymising a case: its personal data removed, the figures reports count kept, the removal recorded.

Used by retention (``service.retention``) and by an erasure decision
(``service.subject``) alike, so the two have the same effects.

- gone: the person's name and date of birth, every free text (the concern,
  the outcome sought, the outcome's words, timeline reasons, what people
  wrote), the raw messages the case came in and went out in, with their
  documents, the names and contacts of the professionals in the notice, and
  document file names in the console's access log;
- kept: the reference, partnership, dates (opened, closed, each event and
  deadline), agencies, stage and level reached, state (the outcome), the
  notice's categories, immediate risk and form, whether each deadline was
  met and when, and each timeline entry's kind and rule: what the board's
  figures are made of.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalations.storage.models import Anonymisation, Case, CaseEvent, ConsoleAccess, InboundMessage, NoticeRecord, OutboxMessage

ERASURE = "erasure"
# What a notice keeps: the fields the board's figures count. Everything else (names, dates of birth,
# free text, professionals' contacts) is removed.
NOTICE_KEPT = ("partnership", "form", "categories", "immediate_risk", "stage", "case_reference")


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
        "outbox": sum(scrub_outbox(r) for r in session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id))),
        "access_log": _scrub_access(session, case.id, rule),
    }
    case.outcome = None
    case.raised_by_email = None
    # matching's blocking keys are the person's date of birth and name words (migration 0011)
    case.subject_dob = case.subject_first = case.subject_last = None
    case.anonymised_at = now
    record = Anonymisation(
        case_id=case.id, reference=case.reference, at=now, rule=rule, decision=decision, by=by, removed=removed
    )
    session.add(record)
    return record


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


def scrub_outbox(row: OutboxMessage) -> int:
    row.raw = b""
    return 1


def _scrub_access(session: Session, case_id: int, rule: str) -> int:
    """Who looked stays in the access log; what they looked at loses its words (a document's file name)."""
    query = select(ConsoleAccess).where(ConsoleAccess.case_id == case_id, ConsoleAccess.action == "document_download")
    entries = session.scalars(query).all()
    for entry in entries:
        entry.what = f"document [name removed: {rule}]"
    return len(entries)
