"""Issue 9: the letters to a practitioner carry the partnership's blank Word form, over the real path.

A notice arrives over a real SMTP connection (aiosmtpd on loopback, smtplib); the
worker queues the letters; the outbox sender delivers them over SMTP to a real
relay sink. The form the practitioner receives is then used as the letter says:
filled in by Word's way (python-docx on its content controls) and attached to the
reply to "more information needed", which completes the held notice and routes it.
"""

from __future__ import annotations

import smtplib
from datetime import date
from email.message import EmailMessage

from sqlalchemy import select

from escalations.intake.notices.reader import DOCX_TYPE, Attachment, read_notice
from escalations.intake.receiving import Envelope, receive
from escalations.intake.smtp import IntakeHandler
from escalations.outbound.notice_forms import form_filename
from escalations.outbound.transports import SmtpTransport
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, OutboxMessage, OutboxStatus
from escalations.storage.repositories import Stored
from tests.integration.test_form_round_trips import POLICIES, answers_for
from tests.support.filled_forms import fill_docx
from tests.support.forms import docx_table_notice
from tests.support.intake_server import IntakeServer
from tests.support.mail import notice_email, wire
from tests.support.scenario import contact
from tests.support.smtp_sink import Received, SmtpSink

POLICY = POLICIES["salford"]
MAILBOX = "escalations@salford.example"
SENDER = contact("salford", "Northside Health", "practitioner")
POLICE = "Salford Police"
CHILD, BORN = "Jo Bloggs", date(2017, 2, 14)
TODAY = date(2026, 3, 10)


def _intake(runtime: Runtime, message: EmailMessage) -> None:
    """Over a real SMTP connection, then the worker until idle."""

    def store(raw: bytes, envelope: Envelope) -> Stored:
        return receive(runtime.sessions, raw, envelope, runtime.clock())

    with IntakeServer(IntakeHandler(runtime.mailboxes, store, 2_000_000)) as server:
        with smtplib.SMTP(server.host, server.port, timeout=10) as client:
            assert client.sendmail(SENDER, [MAILBOX], wire(message)) == {}
    runtime.worker().run_until_idle()


def _delivered(runtime: Runtime) -> dict[str, Received]:
    """Every queued letter, sent by the outbox sender to a relay sink, as the relay took it, by kind."""
    with runtime.sessions() as session:
        kinds = {
            row.message_id: row.kind
            for row in session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING))
        }
    with SmtpSink() as relay:
        assert runtime.outbox_sender(SmtpTransport(relay.host, relay.port, timeout=5)).run_once() == len(kinds)
        received = relay.wait_for(len(kinds))
    return {kinds[r.message["Message-ID"]]: r for r in received}


def _the_form(letter: Received) -> bytes:
    """The one attachment a practitioner's letter carries: the blank Word form, named without personal data."""
    [part] = list(letter.message.iter_attachments())
    assert (part.get_filename(), part.get_content_type()) == (form_filename(POLICY, "docx"), DOCX_TYPE)
    assert part.get_filename() == "salford-escalation-notice.docx"
    text = letter.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "The partnership's blank escalation form is attached (salford-escalation-notice.docx)" in text
    return part.get_content()


def _read(data: bytes) -> dict:
    attachment = Attachment("form.docx", DOCX_TYPE, data)
    return read_notice([attachment], None, today=TODAY, partnership=POLICY.id, form=POLICY.form).to_json()


def test_the_form_sent_with_more_information_needed_filled_in_and_attached_to_the_reply_routes_the_case(
    runtime: Runtime,
) -> None:
    rows = [
        ("Name of child", CHILD),
        ("Date of birth", BORN.strftime("%d/%m/%Y")),
        ("Information of concern", "The referral was closed without a home visit."),
        ("Current stage", "2"),
    ]
    _intake(runtime, notice_email(docx_table_notice(rows), sender=SENDER, to=MAILBOX))
    letters = _delivered(runtime)
    assert set(letters) == {"information_needed"} and letters["information_needed"].rcpt_tos == [SENDER]
    asked = letters["information_needed"]
    text = asked.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "fill it in (in Word or LibreOffice), save it, and attach it to your reply" in text
    blank = _the_form(asked)
    assert _read(blank)["subject"] == {"kind": None, "name": None, "dob": None}, "the blank form says nothing"

    answers, expected = answers_for(POLICY)
    answers |= {"subject.name": CHILD, "subject.dob": BORN, "challenged.agency": POLICE}
    expected["subject"] |= {"name": CHILD, "dob": BORN.isoformat()}
    expected["challenged"]["agency"] = POLICE
    filled = fill_docx(blank, answers)
    assert _read(filled) == expected, "the form as sent reads back exact once filled in"

    with runtime.sessions() as session:
        reference = session.scalars(select(Case.reference)).one()
    reply = notice_email(
        filled,
        sender=SENDER,
        to=MAILBOX,
        subject=f"RE: [{reference}] More information needed",
        body="Form attached.",
        filename="escalation form filled in.docx",
    )
    reply["In-Reply-To"] = reply["References"] = asked.message["Message-ID"]
    _intake(runtime, reply)
    with runtime.sessions() as session:
        case = session.scalars(select(Case)).one()
        assert (case.state, case.stage) == ("open", 2)

    letters = _delivered(runtime)
    assert {"acknowledgement", "routed_case"} <= set(letters)
    assert any(a.endswith("@police.salford.example") for a in letters["routed_case"].rcpt_tos)
    acknowledgement = letters["acknowledgement"]
    assert acknowledgement.rcpt_tos == [SENDER]
    text = acknowledgement.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "send it to this mailbox as a new email, not as a reply to this one" in text
    assert _read(_the_form(acknowledgement))["challenged"] == {"agency": None, "name": None, "role": None}
    routed = [p.get_filename() for p in letters["routed_case"].message.iter_attachments()]
    assert routed and form_filename(POLICY, "docx") not in routed, "managers get the notice, not a blank form"
