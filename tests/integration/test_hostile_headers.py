"""NUL and CR/LF in headers and the envelope, over real SMTP, on SQLite and PostgreSQL (issue 12, defect 10).

Before: a NUL in the Message-ID or MAIL FROM got 451 for ever on PostgreSQL
(text cannot hold NUL); a CR/LF in the Message-ID made the acknowledgement
raise (it is copied into In-Reply-To), and `quarantine retry` failed the same way.
"""

from __future__ import annotations

import email
import email.policy
import smtplib
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from escalations.intake.receiving import Envelope, receive
from escalations.intake.smtp import IntakeHandler
from escalations.service.cli import main
from escalations.service.runtime import Runtime
from escalations.storage.models import InboundMessage, InboundStatus, OutboxMessage
from escalations.storage.repositories import Stored
from tests.support.forms import salford_notice
from tests.support.intake_server import IntakeServer
from tests.support.mail import notice_email, wire

SENDER = "a.khan@northside-health.example"
MAILBOX = "escalations@salford.example"
PLACEHOLDER = b"<placeholder@northside-health.example>"


@pytest.fixture
def intake(runtime: Runtime) -> Iterator[IntakeServer]:
    def store(raw: bytes, envelope: Envelope) -> Stored:
        return receive(runtime.sessions, raw, envelope, runtime.clock())

    with IntakeServer(IntakeHandler(runtime.mailboxes, store, 200_000)) as server:
        yield server


def _notice_with_message_id(header_value: bytes, subject: str = "Escalation notice") -> bytes:
    raw = wire(notice_email(salford_notice(), subject=subject, message_id=PLACEHOLDER.decode()))
    return raw.replace(PLACEHOLDER, header_value, 1)


def _send(intake: IntakeServer, raw: bytes, mail_from: str = SENDER) -> tuple[int, bytes]:
    with smtplib.SMTP(intake.host, intake.port, timeout=10) as client:
        client.ehlo()
        client.putcmd("MAIL", f"FROM:<{mail_from}>")  # smtplib would not send a NUL itself
        assert client.getreply()[0] == 250
        assert client.rcpt(MAILBOX)[0] == 250
        return client.data(raw)


def _inbound(runtime: Runtime) -> list[InboundMessage]:
    with runtime.sessions() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def _acknowledgement(runtime: Runtime) -> email.message.EmailMessage:
    with runtime.sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "acknowledgement")).one()
        message = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


@pytest.mark.parametrize(
    "message_id",
    [b"<nul\x00id@northside-health.example>", b"=?utf-8?q?evil=0D=0ABcc=3A_victim=40elsewhere.example?="],
    ids=["nul", "encoded-crlf"],
)
def test_a_hostile_message_id_is_stored_exactly_and_acknowledged_without_it(
    intake: IntakeServer, runtime: Runtime, message_id: bytes
) -> None:
    raw = _notice_with_message_id(message_id)
    code, reply = _send(intake, raw)
    assert code == 250, reply
    [row] = _inbound(runtime)
    assert (row.raw, row.message_id) == (raw, None)
    runtime.worker().run_until_idle()
    [row] = _inbound(runtime)
    assert row.status == InboundStatus.PROCESSED, row.last_error
    ack = _acknowledgement(runtime)
    assert ack["In-Reply-To"] is None and ack["Bcc"] is None
    assert list(ack["To"].addresses)[0].addr_spec == SENDER


def test_a_nul_in_mail_from_is_stored_readably_not_refused(intake: IntakeServer, runtime: Runtime) -> None:
    raw = _notice_with_message_id(b"<fine@northside-health.example>")
    code, reply = _send(intake, raw, mail_from="a.kh\x00an@northside-health.example")
    assert code == 250, reply
    [row] = _inbound(runtime)
    assert row.raw == raw
    assert row.envelope_from == "a.kh\ufffdan@northside-health.example"


def test_a_nul_in_subject_and_references_does_not_stop_processing(intake: IntakeServer, runtime: Runtime) -> None:
    raw = _notice_with_message_id(b"<fine@northside-health.example>", subject="Escalation\x00 notice")
    raw = raw.replace(b"Subject:", b"References: <a\x00b@northside-health.example> <c@northside-health.example>\r\nSubject:", 1)
    assert _send(intake, raw)[0] == 250
    runtime.worker().run_until_idle()
    [row] = _inbound(runtime)
    assert row.status in (InboundStatus.PROCESSED, InboundStatus.REVIEW), row.last_error
    assert row.tries <= 1


def test_quarantine_retry_of_a_crlf_message_id_now_succeeds(intake: IntakeServer, runtime: Runtime) -> None:
    raw = _notice_with_message_id(b"=?utf-8?q?x=0D=0AX-Injected=3A_1?=")
    assert _send(intake, raw)[0] == 250
    with runtime.sessions.begin() as session:  # as the code before this change left it
        row = session.scalars(select(InboundMessage)).one()
        row.status, row.tries, row.last_error = InboundStatus.QUARANTINED, 3, "ValueError: Header values may not contain linefeed"
        inbound_id = row.id
    assert main(["quarantine", "retry", str(inbound_id), "--config", str(runtime.settings.path)]) == 0
    runtime.worker().run_until_idle()
    [row] = _inbound(runtime)
    assert row.status == InboundStatus.PROCESSED, row.last_error
    assert _acknowledgement(runtime)["X-Injected"] is None


def test_any_text_column_set_with_a_nul_is_stored_with_a_replacement_character(intake: IntakeServer, runtime: Runtime) -> None:
    # The net under every session: an error text quoting a stranger's header must not fail the transaction.
    assert _send(intake, _notice_with_message_id(b"<fine@northside-health.example>"))[0] == 250
    with runtime.sessions.begin() as session:
        session.scalars(select(InboundMessage)).one().last_error = "could not read \x00 in caf\udce9"
    [row] = _inbound(runtime)
    assert row.last_error == "could not read \ufffd in caf\ufffd"
