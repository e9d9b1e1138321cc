"""Retention: cases past their partnership's retention period found and anonymised, once a day.

A partnership's ``retention_years`` (a local setting: no policy text sets it)
counts from the day a case closed (resolved, withdrawn or closed). A case
past it is anonymised (``service.anonymise``: what goes and what stays).

Mail on no case (rejected in review, screened out) follows the same rule
from the day it arrived, under the longest retention of the partnerships it
was sent to; a partnership with no retention set keeps everything (no
period is invented on its behalf). A case still open, or with mail still to
send, is never touched. Every anonymisation writes an ``anonymisations`` row
(reference, when, the rule).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from escalations.routing.policy import Policy
from escalations.service.anonymise import anonymise_case, scrub_inbound, scrub_outbox
from escalations.service.quarantine_report import partnerships_of
from escalations.storage.models import Anonymisation, Case, CaseState, InboundMessage, InboundStatus, OutboxMessage, OutboxStatus
from escalations.storage.repositories import NotificationRepository

log = logging.getLogger(__name__)

ENDED = (CaseState.RESOLVED, CaseState.WITHDRAWN, CaseState.CLOSED)
# Mail on no case that is settled: anything still waiting (received, processing, review) is left for a person.
SETTLED_MAIL = (
    InboundStatus.PROCESSED,
    InboundStatus.IGNORED,
    InboundStatus.DUPLICATE,
    InboundStatus.REJECTED,
    InboundStatus.QUARANTINED,
)


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


def anonymise_mail(session: Session, due: DueMail, now: datetime) -> None:
    """Remove one case-less message's content, and record it under its rule."""
    if due.table == "inbound":
        message = session.get(InboundMessage, due.row_id)
        removed = {"inbound": scrub_inbound(message, due.rule) if message else 0}
    else:
        row = session.get(OutboxMessage, due.row_id)
        removed = {"outbox": scrub_outbox(row) if row else 0}
    session.add(Anonymisation(case_id=None, reference=f"{due.table} {due.row_id}", at=now, rule=due.rule, removed=removed))


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


__all__ = ["ENDED", "daily", "due_cases", "due_mail", "run"]
