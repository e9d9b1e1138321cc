"""The board report sent without asking: on the first working day of each month (or quarter), each
partnership's business manager(s) get the period just ended as a PDF, with the headline figures in the email.

Once per partnership and period (storage.report_sends: a unique row claimed in
the same transaction as the outbox row), so a restart, a rerun or two
schedulers never send it twice. The figures, the PDF and the email are made in
a read snapshot first (seconds of work that must not hold SQLite's write lock,
which the intake waits for: issue 15); the write transaction only checks the
report is still due and not sent, and to the same business managers, then
claims it and adds the outbox row. How often is the local setting ``[reports]
period`` (no policy says; the business manager reports to the board: Salford
4.2, Barnet 4, B&NES Appendix A). A partnership with no business manager in the
directory gets nothing and is logged: nothing is claimed, so once one is added
that day's pass sends it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from escalations.intake.notices.reader import Attachment
from escalations.outbound.compose import Letter
from escalations.outbound.letters import letter as catalogue_letter
from escalations.reports import figures as board_figures
from escalations.reports import render
from escalations.reports.facts import Period, load
from escalations.reports.periods import due_on
from escalations.reports.summary import summary
from escalations.routing import escalation as engine
from escalations.routing.policy import Policy
from escalations.service.case_actions import CaseActions
from escalations.service.directory import load_directory
from escalations.service.pipeline import Context
from escalations.service.rehearsal import Rehearsal
from escalations.storage.engine import read_sessions
from escalations.storage.report_sends import ReportSendRepository

log = logging.getLogger(__name__)


def send_due_reports(sessions: sessionmaker[Session], context: Context, period: str) -> int:
    """One pass: each partnership whose report is due and not yet sent gets it; returns how many were queued."""
    now = context.clock()
    due = {p.id: span for p in context.policies.values() if (span := _due(p, now, period)) is not None}
    if not due:
        return 0
    with read_sessions(
        sessions
    )() as session:  # one read: which of them are sent already (every pass after the first, nearly all)
        done = ReportSendRepository(session).sent({pid: span.start for pid, span in due.items()})
    sent = 0
    for pid in [p for p in due if p not in done]:  # in the policies' order
        sent += _send(sessions, context, context.policies[pid], period)
    return sent


def _due(policy: Policy, now: datetime, period: str) -> Period | None:
    calendar = policy.calendar
    today = calendar.local(now).date()
    if not calendar.is_working_day(today) or now < calendar.start_of_day(today):
        return None
    return due_on(calendar, today, period)


def _send(sessions: sessionmaker[Session], context: Context, policy: Policy, period: str) -> int:
    now = context.clock()
    span = _due(policy, now, period)
    if span is None:
        return 0
    # The slow part in a read snapshot, which never holds the write lock: the figures, the PDF, the email.
    with read_sessions(sessions)() as session:
        if ReportSendRepository(session).sent({policy.id: span.start}):
            return 0  # another process sent it a moment ago
        managers = _managers(session, policy)
        if not managers:
            log.warning("report: %s has no business manager in the directory; its report waits for one", policy.id)
            return 0
        figures = board_figures.compute(policy, load(session, policy, span, now))
    name = f"{policy.prefix}-report-{span.start.isoformat()}-{span.end.isoformat()}.pdf"
    attachment = (name, Attachment(name, "application/pdf", render.pdf(policy, figures)))
    said = headline(policy, figures)

    def letter(to: tuple[str, ...]) -> Letter:
        period_text = f"{span.start:%-d %b %Y} to {span.end:%-d %b %Y}"
        return catalogue_letter("board_report", to, attachments=(attachment,), partnership=policy.short_name, period=period_text)

    made = Rehearsal()  # the email built here and taken by the write transaction below (outbound.letters.KeptLetters)
    made.letters.keep(letter(managers), said, policy, context.sender, now)
    made.applying()
    # The write transaction: still not sent, still someone to send it to, then the claim and the row.
    with sessions.begin() as session:
        managers = _managers(session, policy)  # a directory change since the snapshot: the email is built again
        if not managers:
            log.warning("report: %s has no business manager in the directory; its report waits for one", policy.id)
            return 0
        claimed = ReportSendRepository(session).take(policy.id, span.start, span.end, now)
        if claimed is None:
            return 0
        row = CaseActions(session, context.policies, context.sender, now, rehearsal=made).queue(
            None, policy, letter(managers), said
        )
        claimed.outbox_id = row.id
    log.info("report: %s report for %s to %s queued", policy.id, span.start.isoformat(), len(managers))
    return 1


def _managers(session: Session, policy: Policy) -> tuple[str, ...]:
    directory, _ = load_directory(session, policy.id)
    return tuple(dict.fromkeys(r.email for r in engine.business_managers(directory)))


def headline(policy: Policy, f: board_figures.Figures) -> dict[str, object]:
    """What the email's body says: the period, the partnership, and the summary's sentences (figures only)."""
    return {
        "reference": None,
        "partnership": {"id": policy.id, "name": policy.name, "short_name": policy.short_name},
        "start": f"{f.start:%-d %B %Y}",
        "end": f"{f.end:%-d %B %Y}",
        "sentences": summary(f),
        "sent_at": f"{policy.calendar.local(f.now):%-d %B %Y}",
    }
