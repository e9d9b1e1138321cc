"""The Today page's counts of what waits: information (and for how long, in working days), review, quarantine, and
the health of the watched mailboxes and the outbox, each for the person's own partnerships only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from escalations.console.app import create_app
from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings
from escalations.storage.models import Case, CaseState, Deadline, ImapMailbox, InboundStatus, OutboxMessage
from tests.conftest import Clock, write_settings
from tests.support.console import SALFORD_MANAGER, held_message, sign_in, stored_case

IMAP = """
[[imap]]
name = "salford-inbox"
host = "imap.salford.example"
username = "escalations"
password_env = "UNUSED"
address = "escalations@salford.example"
[[imap]]
name = "bnes-inbox"
host = "imap.bnes.example"
username = "escalations"
password_env = "UNUSED"
address = "escalations@bnes.example"
"""


@pytest.fixture
def watched(tmp_path: Path, database_url: str, clock: Clock):  # type: ignore[no-untyped-def]
    """A runtime whose settings watch one IMAP mailbox of Salford's and one of B&NES's."""
    path = write_settings(tmp_path, database_url)
    path.write_text(path.read_text() + IMAP)
    runtime = Runtime(load_settings(path), clock=clock)
    runtime.prepare_database()
    yield runtime
    runtime.close()


def _section(html: str, heading: str) -> str:
    return html.split(f">{heading}</h2>", 1)[1].split("</section>", 1)[0]


def test_today_counts_what_waits_and_how_the_mail_is_doing(watched: Runtime, clock: Clock) -> None:
    runtime = watched
    waiting = stored_case(runtime, "salford", "Cy Waiting")
    with runtime.sessions.begin() as session:  # asked for its information on Thursday 5 March, 10:00
        case = session.scalars(select(Case).where(Case.reference == waiting)).one()
        case.state = CaseState.AWAITING_INFORMATION
        (deadline,) = case.deadlines
        deadline.kind, deadline.set_at = "information", clock.moment - timedelta(days=5)
        session.add(ImapMailbox(name="salford-inbox", connected=False, updated_at=clock.moment, last_error="LOGIN failed"))
        session.add(
            OutboxMessage(
                kind="test",
                message_id="<dead@test.example>",
                mail_from="escalations@salford.example",
                recipients=["x@northside-health.example"],
                raw=b"",
                next_attempt_at=clock.moment,
                created_at=clock.moment - timedelta(hours=1),
                status="dead",
            )
        )
    held_message(runtime, InboundStatus.REVIEW, reason="it names no case")
    held_message(runtime, InboundStatus.QUARANTINED)
    held_message(runtime, InboundStatus.QUARANTINED, partnership="bnes")
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        sign_in(client, runtime, SALFORD_MANAGER)
        page = client.get("/").text

    information = _section(page, "Waiting for information")
    # Thursday 5 March to Tuesday 10 March: Friday and Monday have passed (the review summary's own words).
    assert waiting in information and "waiting for information since 5 March 2026 (2 working days)" in information
    mail = _section(page, "Mail")
    assert "Waiting in review</a>: 1 for your partnerships" in mail
    assert "Quarantined messages</a>: 1<" in mail  # B&NES's is not counted here
    assert "Mailbox salford-inbox (escalations@salford.example): <strong>not connected</strong>" in mail
    assert "LOGIN failed" in mail and "bnes-inbox" not in mail
    assert "Outbox: 1 waiting to be sent (oldest 0 min), 1 refused for good" in mail  # the sign-in link; the dead row
    with runtime.sessions() as session:
        assert session.scalars(select(Deadline.kind).join(Case).where(Case.reference == waiting)).one() == "information"
