"""Bounded SMTP intake over real sockets: sessions, in-flight bytes and long lines (issue 12, defect 10)."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from escalations.intake.receiving import Envelope, receive
from escalations.intake.smtp import IntakeHandler
from escalations.intake.smtp_limits import MAX_LINE_BYTES, IntakeLimits
from escalations.service.runtime import Runtime
from escalations.storage.models import InboundMessage
from escalations.storage.repositories import Stored
from tests.support.intake_server import IntakeServer

SENDER = "a.khan@northside-health.example"
MAILBOX = "escalations@salford.example"


def _intake(runtime: Runtime, max_bytes: int, limits: IntakeLimits) -> IntakeServer:
    def store(raw: bytes, envelope: Envelope) -> Stored:
        return receive(runtime.sessions, raw, envelope, runtime.clock())

    return IntakeServer(IntakeHandler(runtime.mailboxes, store, max_bytes, limits=limits))


@pytest.fixture
def make_intake(runtime: Runtime) -> Iterator[Callable[[int, IntakeLimits], IntakeServer]]:
    started: list[IntakeServer] = []

    def make(max_bytes: int, limits: IntakeLimits) -> IntakeServer:
        server = _intake(runtime, max_bytes, limits).__enter__()
        started.append(server)
        return server

    yield make
    for server in started:
        server.__exit__(None, None, None)


def _client(intake: IntakeServer) -> smtplib.SMTP:
    client = smtplib.SMTP(intake.host, intake.port, timeout=10)
    client.ehlo()
    return client


def _message(size: int, subject: str = "limits") -> bytes:
    head = f"From: {SENDER}\r\nTo: {MAILBOX}\r\nSubject: {subject}\r\n\r\n".encode()
    line = b"x" * 76 + b"\r\n"
    return head + line * ((size - len(head)) // len(line))


def _stored(runtime: Runtime) -> list[bytes]:
    with runtime.sessions() as session:
        return [row.raw for row in session.scalars(select(InboundMessage).order_by(InboundMessage.id))]


def _eventually(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "the server never caught up"
        time.sleep(0.02)


def test_a_session_beyond_the_maximum_gets_421_and_a_freed_place_is_reused(make_intake: Callable[..., IntakeServer]) -> None:
    limits = IntakeLimits(max_sessions=2, max_inflight_bytes=1_000_000)
    intake = make_intake(200_000, limits)
    first, second = _client(intake), _client(intake)
    with pytest.raises(smtplib.SMTPConnectError) as caught:
        smtplib.SMTP(intake.host, intake.port, timeout=10)
    assert caught.value.smtp_code == 421
    assert b"4.3.2" in caught.value.smtp_error
    first.quit()
    _eventually(lambda: limits.sessions == 1)
    third = _client(intake)
    assert third.noop()[0] == 250
    second.quit()
    third.quit()
    _eventually(lambda: limits.sessions == 0)


def test_declared_size_that_does_not_fit_gets_452_at_mail_from(make_intake: Callable[..., IntakeServer]) -> None:
    limits = IntakeLimits(max_sessions=10, max_inflight_bytes=300_000)
    intake = make_intake(200_000, limits)
    with _client(intake) as first, _client(intake) as second:
        assert first.mail(SENDER, options=["SIZE=150000"])[0] == 250
        code, reply = second.mail(SENDER, options=["SIZE=200000"])
        assert (code, reply[:5]) == (452, b"4.3.1")
        assert second.mail(SENDER, options=["SIZE=150000"])[0] == 250  # what is left still fits
        first.rset()  # the first message is abandoned: its share comes back
        second.rset()
        assert limits.budget.used == 0
        assert second.mail(SENDER, options=["SIZE=200000"])[0] == 250


def test_message_that_outgrows_the_budget_while_arriving_gets_452_and_is_not_kept(
    make_intake: Callable[..., IntakeServer], runtime: Runtime
) -> None:
    limits = IntakeLimits(max_sessions=10, max_inflight_bytes=250_000)
    intake = make_intake(200_000, limits)
    held, undeclared = _message(180_000, "held"), _message(150_000, "undeclared")
    with _client(intake) as first, _client(intake) as second:
        assert first.mail(SENDER, options=[f"SIZE={len(held)}"])[0] == 250
        assert first.rcpt(MAILBOX)[0] == 250
        assert second.mail(SENDER)[0] == 250  # no SIZE: charged as its bytes arrive
        assert second.rcpt(MAILBOX)[0] == 250
        code, reply = second.data(undeclared)
        assert (code, reply[:5]) == (452, b"4.3.1"), reply
        assert first.data(held)[0] == 250
        assert second.sendmail(SENDER, [MAILBOX], undeclared) == {}  # the retry fits once the other is stored
    assert _stored(runtime) == [held, undeclared]
    assert limits.budget.used == 0


def test_a_message_of_the_largest_size_fits_a_budget_of_exactly_that_size(
    make_intake: Callable[..., IntakeServer], runtime: Runtime
) -> None:
    intake = make_intake(200_000, IntakeLimits(max_sessions=10, max_inflight_bytes=200_000))
    largest = _message(199_990)
    with _client(intake) as client:
        client.mail(SENDER)  # no SIZE: the budget is taken in chunks as it arrives, never past the largest size
        client.rcpt(MAILBOX)
        assert client.data(largest)[0] == 250
    assert _stored(runtime) == [largest]


def test_nothing_left_at_data_gets_452_before_any_byte_is_sent(make_intake: Callable[..., IntakeServer]) -> None:
    limits = IntakeLimits(max_sessions=10, max_inflight_bytes=200_000)
    intake = make_intake(200_000, limits)
    with _client(intake) as first, _client(intake) as second:
        assert first.mail(SENDER, options=["SIZE=200000"])[0] == 250
        second.mail(SENDER)
        second.rcpt(MAILBOX)
        second.putcmd("data")
        code, reply = second.getreply()
        assert (code, reply[:5]) == (452, b"4.3.1")


def test_long_lines_and_leading_dots_are_stored_byte_exact(make_intake: Callable[..., IntakeServer], runtime: Runtime) -> None:
    intake = make_intake(3_000_000, IntakeLimits(max_sessions=10, max_inflight_bytes=6_000_000))
    html = b"<p>" + b"word " * 200_000 + b"</p>"  # one 1 MB line: HTML written without line breaks
    raw = (
        f"From: {SENDER}\r\nTo: {MAILBOX}\r\nSubject: long line\r\nContent-Type: text/html\r\n\r\n".encode()
        + html
        + b"\r\n.a line that starts with a dot\r\n..two dots\r\n.\r\nend\r\n"
    )
    assert len(html) < MAX_LINE_BYTES
    with _client(intake) as client:
        assert client.sendmail(SENDER, [MAILBOX], raw) == {}
    assert _stored(runtime) == [raw]


def test_a_line_beyond_the_bound_refuses_that_message_with_a_reason_a_person_can_act_on(
    make_intake: Callable[..., IntakeServer], runtime: Runtime
) -> None:
    limits = IntakeLimits(max_sessions=10, max_inflight_bytes=6_000_000)
    intake = make_intake(3_000_000, limits)
    raw = f"From: {SENDER}\r\nTo: {MAILBOX}\r\nSubject: too long\r\n\r\n".encode() + b"y" * (MAX_LINE_BYTES + 10) + b"\r\n"
    with _client(intake) as client:
        client.mail(SENDER)
        client.rcpt(MAILBOX)
        code, reply = client.data(raw)
        assert code == 552 and reply.startswith(b"5.3.4")
        assert b"line longer than" in reply and b"Word or PDF attachment" in reply
        fine = _message(10_000)
        assert client.sendmail(SENDER, [MAILBOX], fine) == {}  # the session goes on
    assert _stored(runtime) == [fine]
    assert limits.budget.used == 0


def test_oversized_message_is_drained_not_kept_and_gives_its_share_back(
    make_intake: Callable[..., IntakeServer], runtime: Runtime
) -> None:
    limits = IntakeLimits(max_sessions=10, max_inflight_bytes=400_000)
    intake = make_intake(200_000, limits)
    with _client(intake) as client:
        client.mail(SENDER)
        client.rcpt(MAILBOX)
        code, reply = client.data(_message(300_000))
        assert (code, reply[:5]) == (552, b"5.3.4")
        assert limits.budget.used == 0
    assert _stored(runtime) == []


def test_a_client_that_vanishes_mid_data_gives_its_place_and_bytes_back(
    make_intake: Callable[..., IntakeServer], runtime: Runtime
) -> None:
    limits = IntakeLimits(max_sessions=10, max_inflight_bytes=400_000)
    intake = make_intake(200_000, limits)
    client = _client(intake)
    client.mail(SENDER)
    client.rcpt(MAILBOX)
    client.putcmd("data")
    assert client.getreply()[0] == 354
    client.send(_message(150_000))  # no final dot: the connection drops mid-message
    _eventually(lambda: limits.budget.used > 0)
    client.close()
    _eventually(lambda: (limits.sessions, limits.budget.used) == (0, 0))
    assert _stored(runtime) == []
