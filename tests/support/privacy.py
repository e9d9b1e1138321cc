"""Seeded cases for the data protection tests (issue 16): a partnership with a retention period, and
everything the database holds, read back as text to look for a person in."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from escalations.intake.receiving import Envelope, receive
from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings
from escalations.storage.models import Base, Case, CaseEvent, Deadline, NoticeRecord
from tests.conftest import PACKAGED_CONFIG, Clock, write_settings
from tests.support.scenario import Scenario, contact, notice_rows

SALFORD = "escalations@salford.example"
BARNET = "escalations@barnet.example"
SAL_RAISING, SAL_CHALLENGED = "Northside Health", "Salford Children's Services"


def retention_settings(tmp_path: Path, database_url: str, years: dict[str, int]) -> Path:
    """Test settings whose partnerships are the packaged ones, with ``retention_years`` set for some (marked local)."""
    partnerships = tmp_path / "partnerships"
    shutil.copytree(PACKAGED_CONFIG / "partnerships", partnerships)
    for pid, n in years.items():
        path = partnerships / f"{pid}.toml"
        local = f'retention_years = {n}\nlocal = ["retention_years"]\nwhy_local = "Set by the test partnership."\n'
        path.write_text(local + path.read_text(encoding="utf-8"), encoding="utf-8")
    settings = write_settings(tmp_path, database_url)
    text = settings.read_text(encoding="utf-8").replace(str(PACKAGED_CONFIG / "partnerships"), str(partnerships))
    settings.write_text(text, encoding="utf-8")
    return settings


def start(settings: Path, clock: Clock) -> Runtime:
    runtime = Runtime(load_settings(settings), clock=clock)
    runtime.prepare_database()
    return runtime


def salford_case(runtime: Runtime, clock: Clock, at: datetime, child: str, dob: str, stage: str = "1") -> str:
    """A Salford case opened by a Northside Health practitioner's notice at ``at``."""
    s = Scenario(runtime, clock, SALFORD).at(at)
    rows = _own_concern(notice_rows(child, dob, SAL_CHALLENGED, stage), child) + [("Category of concern", "Thresholds")]
    return s.notice(contact("salford", SAL_RAISING, "practitioner"), rows)


def barnet_case(runtime: Runtime, clock: Clock, at: datetime, child: str, dob: str) -> str:
    s = Scenario(runtime, clock, BARNET).at(at)
    sender = contact("barnet", "Barnet Community Health", "practitioner")
    return s.notice(sender, _own_concern(notice_rows(child, dob, "Barnet Children's Social Care", "1"), child))


def _own_concern(rows: list[tuple[str, str]], child: str) -> list[tuple[str, str]]:
    """Each child's concern in words of its own, so a test can tell whose free text is left."""
    concern = f"The referral for {child.split()[0]} was closed without a visit."
    return [(label, concern if label.startswith("Please document") else value) for label, value in rows]


def close(runtime: Runtime, reference: str, state: str, at: datetime, outcome: str) -> None:
    """Close a case as a resolution reply would (the closing itself is tested with the policies)."""
    with runtime.sessions.begin() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        case.state, case.closed_at, case.updated_at, case.outcome = state, at, at, outcome
        for deadline in case.deadlines:
            deadline.met, deadline.met_at = True, deadline.met_at or at


def auto_reply(runtime: Runtime, at: datetime, text: str) -> None:
    """An out-of-office answer to the Salford mailbox: screened out, on no case."""
    raw = (
        "From: Someone <someone@northside-health.example>\r\nTo: escalations@salford.example\r\n"
        f"Subject: Automatic reply\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <ooo-{at.timestamp():.0f}@northside-health.example>\r\n"
        f"Date: Tue, 10 Mar 2026 10:00:00 +0000\r\n\r\n{text}\r\n"
    ).encode()
    receive(runtime.sessions, raw, Envelope("smtp", "someone@northside-health.example", (SALFORD,)), at)
    runtime.worker().run_until_idle()


def send_all(runtime: Runtime) -> None:
    """The outbox sender's passes (to the test maildir) until nothing waits: retention leaves mail still to send."""
    sender = runtime.outbox_sender()
    while sender.run_once() > 0:
        pass


def everything(runtime: Runtime) -> str:
    """Every row of every table as text (raw messages opened): where a name must not be found once removed."""
    parts: list[str] = []
    with runtime.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                for value in row:
                    parts.append(value.decode("utf-8", "replace") if isinstance(value, bytes) else f"{value!r} {value}")
    return "\n".join(parts)


def figures(runtime: Runtime) -> dict[str, list[tuple]]:
    """What the board's reports are made of: case columns, deadlines, timeline kinds and rules, notice categories."""
    with runtime.sessions() as session:
        cases = session.scalars(select(Case).order_by(Case.id)).all()
        return {
            "cases": [
                (
                    c.reference,
                    c.partnership,
                    c.state,
                    c.stage,
                    c.level,
                    c.immediate_risk,
                    c.subject_kind,
                    c.raising_agency_id,
                    c.challenged_agency_id,
                    c.opened_at,
                    c.closed_at,
                )
                for c in cases
            ],
            "deadlines": [
                (d.case_id, d.kind, d.stage, d.due, d.met, d.met_at, d.set_at)
                for d in session.scalars(select(Deadline).order_by(Deadline.id))
            ],
            "events": [(e.case_id, e.at, e.kind, e.rule) for e in session.scalars(select(CaseEvent).order_by(CaseEvent.id))],
            "notices": [
                (
                    n.case_id,
                    n.read_at,
                    n.form,
                    tuple(n.data.get("categories") or []),
                    n.data.get("immediate_risk"),
                    n.data.get("stage"),
                    (n.data.get("subject") or {}).get("kind"),
                    (n.data.get("raised_by") or {}).get("agency"),
                    (n.data.get("challenged") or {}).get("agency"),
                )
                for n in session.scalars(select(NoticeRecord).order_by(NoticeRecord.id))
            ],
        }
