"""The top tiers carry what the policies require (issue 10, part B), through the real pipeline.

Each test walks a case with the example directory and a fixed clock, and
checks who is asked, what they are sent (and what is attached), and what is
recorded as a decision rather than an outcome.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage

from escalations.intake.receiving import Envelope, receive
from escalations.service.runtime import Runtime
from escalations.storage.models import OutboxMessage
from sqlalchemy import select

from tests.conftest import Clock
from tests.support.authentication import RELAY, by_gateway
from tests.support.mail import notice_email, wire
from tests.support.scenario import Scenario, by_kind, contact

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731  (GMT until 29 March 2026)


def _attachments(runtime: Runtime, kind: str) -> list[tuple[str, str]]:
    """(file name, content type) of the latest queued email of ``kind``."""
    with runtime.sessions() as session:
        raw = session.scalars(
            select(OutboxMessage.raw).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())
        ).first()
    assert raw is not None, f"no {kind} email"
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return [(str(part.get_filename()), part.get_content_type()) for part in message.iter_attachments()]


def _send(runtime: Runtime, clock: Clock, message: EmailMessage, sender: str, mailbox: str) -> None:
    receive(runtime.sessions, by_gateway(wire(message)), Envelope("smtp", sender, (mailbox,), peer=RELAY), clock())
    runtime.worker().run_until_idle()


# -- Bury adults step 4 -----------------------------------------------------------

BURYA_RAISING, BURYA_CHALLENGED = "Bury Community Health", "Bury Adult Social Care"


def test_bury_adults_step_4_email_holds_the_details_the_action_taken_and_the_notice(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "bsp@bury.example").at(T(2026, 3, 10, 10, 0))
    rows = [
        ("Name of adult", "Pat Jones"),
        ("Date of birth", "12 March 1952"),
        ("Agency you disagree with", BURYA_CHALLENGED),
        ("Details of the disagreement", "Discharged home without the agreed care package."),
        ("Action already taken", "Line managers met on 3 March and could not agree."),
        ("Step", "3"),
    ]
    ref = s.notice(contact("bury-adults", BURYA_RAISING, "practitioner"), rows)
    s.sent()
    s.reply(ref, contact("bury-adults", BURYA_CHALLENGED, "senior_manager"), "Unresolved")
    step4 = by_kind(s.sent())["routed_case"]
    assert contact("bury-adults", None, "board_referrals") in step4.to
    # Bury adults 6: the email holds the details of the disagreement and the action already taken.
    assert "Discharged home without the agreed care package." in step4.text
    assert "Action already taken to resolve it:" in step4.text
    assert "Line managers met on 3 March and could not agree." in step4.text
    assert _attachments(runtime, "routed_case") == [
        (f"{ref}-notice-1.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    ]
    assert "The original notice is attached" in step4.text


def test_a_notice_written_in_the_email_travels_as_that_email(runtime: Runtime, clock: Clock) -> None:
    practitioner = contact("bury-adults", BURYA_RAISING, "practitioner")
    body = "\n".join(
        [
            "Name of adult: Pat Jones",
            "Date of birth: 12 March 1952",
            f"Agency you disagree with: {BURYA_CHALLENGED}",
            "Details of the disagreement: Discharged home without the agreed care package.",
            "Action already taken: Safeguarding leads spoke on 5 March; no agreement.",
            "Step: 4",
        ]
    )
    clock.moment = T(2026, 3, 10, 10, 0)
    _send(
        runtime,
        clock,
        notice_email(None, sender=practitioner, to="bsp@bury.example", body=body),
        practitioner,
        "bsp@bury.example",
    )
    s = Scenario(runtime, clock, "bsp@bury.example")
    step4 = by_kind(s.sent())["routed_case"]
    assert contact("bury-adults", None, "board_referrals") in step4.to
    assert "Safeguarding leads spoke on 5 March; no agreement." in step4.text
    [(name, kind)] = _attachments(runtime, "routed_case")
    assert name.endswith("-notice-1.eml") and kind == "message/rfc822"
