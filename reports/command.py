"""`escalations report`: one partnership's report for a period, as HTML, PDF or the CSV escalation log.

The command line (service/cli.py) wires the session, the policies and the clock
and calls ``make``; the console page calls the same. Personal data (names and
dates of birth, in the CSV only) is written only when asked, and that is
recorded in the access log (DESIGN.md invariant 12) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from escalations.reports import escalation_log, figures, render
from escalations.reports.facts import Period, load
from escalations.routing.policy import Policy
from escalations.storage.models import ConsoleAccess

FORMATS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}
PERSONAL_DATA_ACTION = "report_personal_data"


class ReportError(Exception):
    """A report cannot be made as asked (an unknown format, a period the wrong way round)."""


@dataclass(frozen=True)
class Report:
    data: bytes
    media_type: str
    filename: str  # reference prefix and dates only (invariant 6: no personal data in file names)


def period(start: date, end: date) -> Period:
    if end < start:
        raise ReportError(f"the period ends ({end}) before it starts ({start})")
    if (end - start).days > 366 * 5:
        raise ReportError("a report covers at most five years")
    return Period(start, end)


def make(
    session: Session, policy: Policy, span: Period, fmt: str, now: datetime, personal: bool = False, who: str = ""
) -> Report:
    if fmt not in FORMATS:
        raise ReportError(f"a report's format is one of {', '.join(FORMATS)}, not {fmt!r}")
    if personal and fmt != "csv":
        raise ReportError("personal data goes only in the escalation log (--format csv)")
    facts = load(session, policy, span, now, personal=personal)
    if personal:
        session.add(
            ConsoleAccess(
                at=now,
                email=who or "unknown",
                action=PERSONAL_DATA_ACTION,
                case_id=None,
                what=f"escalation log with names and dates of birth: {policy.id} {span.start.isoformat()} to {span.end.isoformat()} ({len(facts.cases)} cases)",
            )
        )
    name = f"{policy.prefix}-report-{span.start.isoformat()}-{span.end.isoformat()}.{fmt}"
    if fmt == "csv":
        return Report(escalation_log.write(policy, facts.cases, personal).encode("utf-8"), FORMATS[fmt], name)
    computed = figures.compute(policy, facts)
    data = render.pdf(policy, computed) if fmt == "pdf" else render.html(policy, computed).encode("utf-8")
    return Report(data, FORMATS[fmt], name)
