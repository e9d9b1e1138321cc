"""Transports against a real aiosmtpd server and a real Maildir: each failure lands in its kind."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage
from pathlib import Path

import pytest

from escalations.outbound.transports import (
    MaildirTransport,
    PermanentDeliveryError,
    SmtpTransport,
    TemporaryDeliveryError,
    make_transport,
)
from tests.support.smtp_sink import SmtpSink, TlsContexts, free_port, make_self_signed_context

SENDER = "escalations@partnership.example"
BOUNCES = "bounces@partnership.example"
MANAGER = "manager@council.example"
DEPUTY = "deputy@council.example"
ACCOUNTS = {"relay": "s3cret"}
LOGIN = {"username": "relay", "password": "s3cret"}
BODY = "Case ESC-2024-0042 has reached stage 2."


@pytest.fixture(scope="module")
def tls() -> TlsContexts:
    return make_self_signed_context()


def notice() -> EmailMessage:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = MANAGER
    message["Subject"] = "ESC-2024-0042: stage 2"
    message["Message-ID"] = "<esc-2024-0042.stage-2@partnership.example>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(BODY)
    return message


def transport_to(sink: SmtpSink, **options: object) -> SmtpTransport:
    return SmtpTransport(sink.host, sink.port, timeout=5, **options)  # type: ignore[arg-type]


def test_plain_delivery_uses_the_given_envelope_not_the_headers() -> None:
    with SmtpSink() as sink:
        refused = transport_to(sink).send(notice(), sender=BOUNCES, recipients=[MANAGER, DEPUTY])
        [received] = sink.wait_for(1)
    assert refused == {}
    assert received.mail_from == BOUNCES
    assert received.rcpt_tos == [MANAGER, DEPUTY]
    assert received.message["Message-ID"] == "<esc-2024-0042.stage-2@partnership.example>"
    assert received.message.get_content().strip() == BODY
    assert not received.tls


def test_starttls_then_login_delivers(tls: TlsContexts) -> None:
    with SmtpSink(tls_context=tls.server, require_starttls=True, auth=ACCOUNTS) as sink:
        transport = transport_to(sink, starttls=True, ssl_context=tls.client, **LOGIN)
        transport.send(notice(), sender=SENDER, recipients=[MANAGER])
        [received] = sink.wait_for(1)
    assert (received.tls, received.login, received.rcpt_tos) == (True, "relay", [MANAGER])


def test_implicit_tls_then_login_delivers(tls: TlsContexts) -> None:
    with SmtpSink(tls_context=tls.server, implicit_tls=True, auth=ACCOUNTS) as sink:
        transport = transport_to(sink, implicit_tls=True, ssl_context=tls.client, **LOGIN)
        transport.send(notice(), sender=SENDER, recipients=[MANAGER])
        [received] = sink.wait_for(1)
    assert (received.tls, received.login) == (True, "relay")


def test_starttls_asked_but_not_offered_is_temporary_and_sends_nothing() -> None:
    with SmtpSink() as sink:
        with pytest.raises(TemporaryDeliveryError, match="does not offer STARTTLS"):
            transport_to(sink, starttls=True).send(notice(), sender=SENDER, recipients=[MANAGER])
        assert sink.received == []


def test_untrusted_certificate_is_temporary(tls: TlsContexts) -> None:
    with SmtpSink(tls_context=tls.server) as sink:
        with pytest.raises(TemporaryDeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            transport_to(sink, starttls=True).send(notice(), sender=SENDER, recipients=[MANAGER])
        assert sink.received == []


def test_wrong_password_is_temporary_and_names_535(tls: TlsContexts) -> None:
    with SmtpSink(tls_context=tls.server, auth=ACCOUNTS) as sink:
        transport = transport_to(sink, starttls=True, username="relay", password="guess", ssl_context=tls.client)
        with pytest.raises(TemporaryDeliveryError, match="535") as caught:
            transport.send(notice(), sender=SENDER, recipients=[MANAGER])
        assert sink.received == []
    assert "guess" not in str(caught.value)


def test_login_over_plaintext_to_loopback_is_allowed() -> None:
    with SmtpSink(auth=ACCOUNTS) as sink:
        transport_to(sink, **LOGIN).send(notice(), sender=SENDER, recipients=[MANAGER])
        [received] = sink.wait_for(1)
    assert received.login == "relay"


def test_missing_login_is_temporary() -> None:
    with SmtpSink(auth=ACCOUNTS) as sink:
        with pytest.raises(TemporaryDeliveryError, match="530"):
            transport_to(sink).send(notice(), sender=SENDER, recipients=[MANAGER])


def test_credentials_are_never_sent_in_plaintext_off_loopback() -> None:
    with pytest.raises(ValueError, match="without TLS"):
        SmtpTransport("relay.council.example", 25, **LOGIN)


def test_one_recipient_refused_returns_it_and_delivers_to_the_rest() -> None:
    with SmtpSink(reject={DEPUTY: "550 5.1.1 no such user"}) as sink:
        refused = transport_to(sink).send(notice(), sender=SENDER, recipients=[MANAGER, DEPUTY])
        [received] = sink.wait_for(1)
    assert refused == {DEPUTY: (550, "5.1.1 no such user")}
    assert received.rcpt_tos == [MANAGER]


@pytest.mark.parametrize(
    ("replies", "kind"),
    [
        (["550 5.1.1 no such user"], PermanentDeliveryError),
        (["550 5.1.1 no such user", "553 5.1.3 bad address"], PermanentDeliveryError),
        (["451 4.3.0 try later"], TemporaryDeliveryError),
        (["550 5.1.1 no such user", "451 4.3.0 try later"], TemporaryDeliveryError),
    ],
)
def test_all_recipients_refused_is_permanent_only_if_all_5xx(replies: list[str], kind: type):
    addresses = [MANAGER, DEPUTY][: len(replies)]
    with SmtpSink(reject=dict(zip(addresses, replies))) as sink:
        with pytest.raises(kind, match=replies[0].split()[0]) as caught:
            transport_to(sink).send(notice(), sender=SENDER, recipients=addresses)
        assert sink.received == []
    assert type(caught.value) is kind


@pytest.mark.parametrize(
    ("sink_options", "kind", "code"),
    [
        ({"reject_data": "554 5.6.0 message refused"}, PermanentDeliveryError, "554"),
        ({"reject_data": "452 4.3.1 out of storage"}, TemporaryDeliveryError, "452"),
        ({"reject_mail": "550 5.7.1 sender refused"}, PermanentDeliveryError, "550"),
        ({"reject_mail": "421 4.3.2 closing"}, TemporaryDeliveryError, "421"),
    ],
)
def test_refusal_of_the_whole_message_by_code(sink_options: dict, kind: type, code: str) -> None:
    with SmtpSink(**sink_options) as sink:
        with pytest.raises(kind, match=code) as caught:
            transport_to(sink).send(notice(), sender=SENDER, recipients=[MANAGER])
    assert type(caught.value) is kind
    assert BODY not in str(caught.value)


def test_connection_refused_is_temporary() -> None:
    transport = SmtpTransport("127.0.0.1", free_port(), timeout=5)
    with pytest.raises(TemporaryDeliveryError, match="ConnectionRefusedError"):
        transport.send(notice(), sender=SENDER, recipients=[MANAGER])


def test_silent_server_times_out_as_temporary() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts in the kernel, never greets
        transport = SmtpTransport("127.0.0.1", silent.getsockname()[1], timeout=0.2)
        with pytest.raises(TemporaryDeliveryError, match="timed out"):
            transport.send(notice(), sender=SENDER, recipients=[MANAGER])


def test_no_recipients_is_a_caller_error() -> None:
    with pytest.raises(ValueError):
        SmtpTransport("127.0.0.1", free_port()).send(notice(), sender=SENDER, recipients=[])


def test_maildir_writes_one_file_into_new_with_the_envelope(tmp_path: Path) -> None:
    original = notice()
    maildir = tmp_path / "outbox"
    refused = MaildirTransport(maildir).send(original, sender=SENDER, recipients=[MANAGER, DEPUTY])
    [written] = (maildir / "new").iterdir()
    stored = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert refused == {}
    assert sorted(p.name for p in maildir.iterdir()) == ["cur", "new", "tmp"]
    assert list((maildir / "tmp").iterdir()) == []
    assert stored["X-Envelope-From"] == SENDER
    assert stored["X-Envelope-To"] == f"{MANAGER}, {DEPUTY}"
    for header in ("From", "To", "Subject", "Message-ID", "Auto-Submitted"):
        assert stored[header] == original[header]
    assert stored.get_content().strip() == BODY
    assert "X-Envelope-To" not in original


def test_maildir_that_cannot_be_written_is_temporary(tmp_path: Path) -> None:
    in_the_way = tmp_path / "outbox"
    in_the_way.write_text("not a folder")
    with pytest.raises(TemporaryDeliveryError, match="Maildir"):
        MaildirTransport(in_the_way).send(notice(), sender=SENDER, recipients=[MANAGER])


def test_make_transport_builds_each_kind(tmp_path: Path) -> None:
    assert isinstance(make_transport("smtp", host="127.0.0.1", port=25), SmtpTransport)
    assert isinstance(make_transport("maildir", path=tmp_path), MaildirTransport)


def test_make_transport_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="pigeon"):
        make_transport("pigeon")
