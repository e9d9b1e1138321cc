"""The embedded SMTP intake over a real socket: a real aiosmtpd server and smtplib on loopback."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from escalations.intake.receiving import Envelope, receive
from escalations.intake.smtp import IntakeHandler
from escalations.service.runtime import Runtime
from escalations.storage.models import InboundMessage, InboundStatus
from escalations.storage.repositories import Stored
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire
from tests.support.intake_server import IntakeServer

MAX_BYTES = 200_000


class _Server:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.seen_at_250: list[int] = []

        def store(raw: bytes, envelope: Envelope) -> Stored:
            stored = receive(runtime.sessions, raw, envelope, runtime.clock())
            # What a fresh connection sees at the moment we are about to answer 250.
            with runtime.sessions() as session:
                self.seen_at_250.append(session.scalar(select(func.count()).select_from(InboundMessage)) or 0)
            return stored

        self.intake = IntakeServer(IntakeHandler(runtime.mailboxes, store, MAX_BYTES))


@pytest.fixture
def server(runtime: Runtime) -> Iterator[_Server]:
    s = _Server(runtime)
    with s.intake:
        yield s


def _client(server: _Server) -> smtplib.SMTP:
    return smtplib.SMTP(server.intake.host, server.intake.port, timeout=10)


def _count(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage)) or 0


def test_accepted_message_is_committed_before_250(server: _Server, runtime: Runtime) -> None:
    raw = wire(notice_email(salford_notice()))
    with _client(server) as client:
        refused = client.sendmail("a.khan@northside-health.example", ["Escalations@Salford.example"], raw)
    assert refused == {}
    assert server.seen_at_250 == [1]
    with runtime.sessions() as session:
        row = session.scalars(select(InboundMessage)).one()
        assert row.raw == raw
        assert row.envelope_from == "a.khan@northside-health.example"
        assert row.envelope_to == ["Escalations@Salford.example"]
        assert row.status == InboundStatus.RECEIVED
        assert row.source == "smtp"


def test_unknown_recipient_is_refused_550_never_relayed(server: _Server, runtime: Runtime) -> None:
    with _client(server) as client:
        client.ehlo()
        client.mail("someone@elsewhere.example")
        code, reply = client.rcpt("victim@other-domain.example")
        assert code == 550
        assert b"5.1.1" in reply
        code, _ = client.rcpt("escalations@barnet.example")
        assert code == 250
    assert _count(runtime) == 0


def test_message_with_only_unknown_recipients_is_not_stored(server: _Server, runtime: Runtime) -> None:
    with _client(server) as client, pytest.raises(smtplib.SMTPRecipientsRefused):
        client.sendmail("someone@elsewhere.example", ["nobody@salford.example"], b"Subject: x\r\n\r\nbody\r\n")
    assert _count(runtime) == 0


def test_oversized_message_gets_552_and_is_not_stored(server: _Server, runtime: Runtime) -> None:
    raw = wire(notice_email(b"x" * (MAX_BYTES + 10_000)))
    with _client(server) as client:
        client.ehlo()
        assert client.mail("a.khan@northside-health.example")[0] == 250  # no SIZE declared
        assert client.rcpt("escalations@salford.example")[0] == 250
        code, reply = client.data(raw)
    assert code == 552, reply
    assert _count(runtime) == 0


def test_oversized_declared_size_is_refused_at_mail_from(server: _Server) -> None:
    with _client(server) as client:
        client.ehlo()
        code, _ = client.mail("a@northside-health.example", options=[f"SIZE={MAX_BYTES * 2}"])
    assert code == 552


def test_our_own_storage_failure_answers_451_not_5xx(server: _Server, runtime: Runtime) -> None:
    # A real fault: the table the message must go into is gone.
    with runtime.engine.begin() as conn:
        conn.execute(
            text(
                "DROP TABLE inbound_messages CASCADE"
                if runtime.engine.dialect.name == "postgresql"
                else "DROP TABLE inbound_messages"
            )
        )
    with _client(server) as client, pytest.raises(smtplib.SMTPDataError) as caught:
        client.send_message(notice_email(salford_notice()), to_addrs=["escalations@salford.example"])
    assert caught.value.smtp_code == 451


def test_same_message_delivered_twice_is_stored_once(server: _Server, runtime: Runtime) -> None:
    raw = wire(notice_email(salford_notice(), message_id="<twice@northside-health.example>"))
    for _ in range(2):
        with _client(server) as client:
            assert client.sendmail("a.khan@northside-health.example", ["escalations@salford.example"], raw) == {}
    assert _count(runtime) == 1


def test_malformed_mime_is_still_stored(server: _Server, runtime: Runtime) -> None:
    raw = (
        b"From: a.khan@northside-health.example\r\nTo: escalations@salford.example\r\nSubject: broken\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        b"--never-closed\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"@@@ not base64 @@@\r\n"
    )
    with _client(server) as client:
        assert client.sendmail("a.khan@northside-health.example", ["escalations@salford.example"], raw) == {}
    assert _count(runtime) == 1
