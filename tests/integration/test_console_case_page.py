"""A case page, from a notice that came by email: the timeline with what came in and what went out in their own
words, the decisions with the rule that made them, the deadlines with working days left, and the parties."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from sqlalchemy import select
from starlette.testclient import TestClient

from escalations.console.app import create_app
from escalations.intake import mime
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, CaseEvent, OutboxMessage
from tests.conftest import Clock
from tests.support.console import SALFORD_MANAGER, sign_in
from tests.support.scenario import Scenario, contact, notice_rows


def test_the_case_page_shows_both_sides_of_the_mail_the_rules_and_the_working_days_left(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@salford.example").at(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    rows = notice_rows("Jo Bloggs", "14/02/2017", "Salford Children's Services", "2")
    reference = s.notice(contact("salford", "Northside Health", "practitioner"), rows)
    with runtime.sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        sent = session.scalars(
            select(OutboxMessage).join(CaseEvent, CaseEvent.outbox_id == OutboxMessage.id).where(CaseEvent.case_id == case.id)
        ).all()
        rules = [e.rule for e in case.events if e.kind == "decision"]
    assert sent and rules
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        sign_in(client, runtime, SALFORD_MANAGER)
        page = client.get(f"/cases/{reference}").text
    timeline = page.split('id="h-timeline"', 1)[1].split("</section>", 1)[0]
    assert "From dev.vellacott@northside-health.example" in timeline  # what came in
    for row in sent:  # and every email that went out, to whom, its subject and its words
        mail = mime.parse(row.raw)
        words = next(line for line in (mime.body_text(mail) or "").splitlines() if line.strip())
        assert f"To {escape(', '.join(row.recipients))}: {escape(mail.subject)}" in timeline
        assert escape(words) in timeline
    assert all(f"<code>{escape(rule)}</code>" in timeline for rule in rules)
    deadlines = page.split('id="h-deadlines"', 1)[1].split("</section>", 1)[0]
    assert "<strong>due by the end of today</strong>" in deadlines, deadlines  # stage 2: the same working day
    parties = page.split('id="h-parties"', 1)[1].split("</section>", 1)[0]
    assert "Jo Bloggs" in parties and "Northside Health" in parties and "Salford Children&#39;s Services" in parties
