"""Run a real SMTP server on loopback that records what it is sent, for tests.

`SmtpSink` wraps an aiosmtpd `Controller` listening on 127.0.0.1 on a port
the kernel picked, so tests run in parallel without clashing. It can offer
STARTTLS (or speak TLS from the first byte), demand a login, and refuse the
sender, chosen recipients or the message with the replies a test names::

    tls = make_self_signed_context()
    with SmtpSink(tls_context=tls.server, auth={"relay": "s3cret"}) as sink:
        ...  # send to sink.host, sink.port trusting tls.client
        [received] = sink.wait_for(1)
        assert received.rcpt_tos == ["manager@example.org"]

Every test that starts a sink must stop it (use ``with``): warnings are
errors in this project, and a server left running leaks its socket.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, NamedTuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    """One message as the sink took it: the envelope, the raw bytes and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    message: EmailMessage
    login: str | None = None  # the username the client logged in with, if any
    tls: bool = False  # whether the message came over an encrypted connection


class TlsContexts(NamedTuple):
    """A server context with a fresh self-signed certificate; a client context trusting only it."""

    server: ssl.SSLContext
    client: ssl.SSLContext


def free_port() -> int:
    """A loopback port nothing listens on (for connection-refused tests; racy, but briefly)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def make_self_signed_context(hostname: str = "localhost") -> TlsContexts:
    """Generate a certificate for `hostname`, 127.0.0.1 and ::1, and the contexts to use it."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _self_signed_certificate(key, hostname)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as folder:  # load_cert_chain reads only files
        cert_file, key_file = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(_pem_private_key(key))
        server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))
    return TlsContexts(server, client)


def _self_signed_certificate(key: ec.EllipticCurvePrivateKey, hostname: str) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    names = [
        x509.DNSName(hostname),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        # A fixed, wide window: tests never read the clock (DESIGN invariant 8).
        .not_valid_before(datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc))
        .not_valid_after(datetime.datetime(2099, 12, 31, tzinfo=datetime.timezone.utc))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _pem_private_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class SmtpSink:
    """A recording SMTP server on loopback; a context manager, or call start() and stop().

    tls_context: a server SSLContext (see `make_self_signed_context`); STARTTLS
        is offered with it, or, with ``implicit_tls=True``, every connection
        starts with a TLS handshake (SMTPS, as on port 465).
    require_starttls: refuse all but EHLO/NOOP/QUIT until STARTTLS.
    auth: username -> password; AUTH PLAIN and LOGIN are offered (with STARTTLS,
        only after it) and MAIL FROM is refused with 530 until the client
        logs in. Wrong credentials get 535.
    reject_mail: a reply such as "550 5.7.1 sender refused" for every MAIL FROM.
    reject: recipient address (any case) -> reply, e.g. "550 5.1.1 no such user"
        or "451 4.3.0 try later"; other recipients are accepted.
    reject_data: a reply such as "554 5.6.0 message refused" for every DATA.
    on_quit: called with what a session delivered when its client says QUIT,
        that is the instant the client has read our 250 (the fault matrix
        kills the sending process here).
    """

    host = LOOPBACK

    def __init__(
        self,
        *,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        require_starttls: bool = False,
        auth: Mapping[str, str] | None = None,
        reject_mail: str | None = None,
        reject: Mapping[str, str] | None = None,
        reject_data: str | None = None,
        on_quit: Callable[[list[Received]], None] | None = None,
    ) -> None:
        if implicit_tls and tls_context is None:
            raise ValueError("implicit_tls needs a tls_context")
        self._handler = _RecordingHandler(auth, reject_mail, reject, reject_data)
        self._handler.on_quit = on_quit
        self._controller = _LoopbackController(self._handler, tls_context, implicit_tls, require_starttls, auth)
        self.port: int = self._controller.port

    def start(self) -> SmtpSink:
        try:
            self._controller.start()
        except BaseException:
            self.stop()  # the loop may be running even though the server failed
            raise
        return self

    def stop(self) -> None:
        self._controller.stop(no_assert=True)
        self._controller.close_socket()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def received(self) -> list[Received]:
        """Everything received so far, in order of arrival (a copy)."""
        return self._handler.snapshot()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Block until at least `count` messages arrived; return all received so far.

        Raises TimeoutError saying how many did arrive if `count` is not reached.
        """
        return self._handler.wait_for(count, timeout)


class _LoopbackController(Controller):
    """A Controller on a socket we bind ourselves to port 0: aiosmtpd 1.4 cannot pick a port."""

    def __init__(
        self,
        handler: _RecordingHandler,
        tls_context: ssl.SSLContext | None,
        implicit_tls: bool,
        require_starttls: bool,
        auth: Mapping[str, str] | None,
    ) -> None:
        self._socket = socket.create_server((LOOPBACK, 0))
        super().__init__(
            handler,
            hostname=LOOPBACK,
            port=self._socket.getsockname()[1],
            ssl_context=tls_context if implicit_tls else None,
            server_hostname="sink.test",
            **_smtp_options(tls_context, implicit_tls, require_starttls, auth),
        )

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._socket, ssl=self.ssl_context)

    def close_socket(self) -> None:
        self._socket.close()  # the server closes it too when it stops; closing twice is harmless


def _smtp_options(
    tls_context: ssl.SSLContext | None,
    implicit_tls: bool,
    require_starttls: bool,
    auth: Mapping[str, str] | None,
) -> dict[str, Any]:
    # AUTH is enforced in handle_MAIL rather than with aiosmtpd's auth_required,
    # which warns (an error here) when combined with AUTH over plaintext.
    # aiosmtpd's auth_require_tls means "after STARTTLS", so it must be off
    # under implicit TLS, where the connection is encrypted from the start.
    starttls = tls_context is not None and not implicit_tls
    options: dict[str, Any] = {"auth_require_tls": starttls}
    if starttls:
        options.update(tls_context=tls_context, require_starttls=require_starttls)
    if auth is not None:
        options["authenticator"] = _Authenticator(auth)
    return options


class _Authenticator:
    """Checks AUTH PLAIN / LOGIN credentials against a dict."""

    def __init__(self, accounts: Mapping[str, str]) -> None:
        self._accounts = dict(accounts)

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        if self._accounts.get(login) != password:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=login)


class _RecordingHandler:
    """aiosmtpd hooks: answer as configured, and record each message accepted."""

    def __init__(
        self,
        auth: Mapping[str, str] | None,
        reject_mail: str | None,
        reject: Mapping[str, str] | None,
        reject_data: str | None,
    ) -> None:
        self._needs_login = auth is not None
        self._reject_mail = reject_mail
        self._reject = {address.lower(): reply for address, reply in (reject or {}).items()}
        self._reject_data = reject_data
        self._received: list[Received] = []
        self._arrived = threading.Condition()
        self.on_quit: Callable[[list[Received]], None] | None = None
        self._by_session: dict[int, list[Received]] = {}

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]) -> str:
        if self._needs_login and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if self._reject_mail is not None:
            return self._reject_mail
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]) -> str:
        refusal = self._reject.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._reject_data is not None:
            return self._reject_data
        received = _received(server, session, envelope)
        self._record(received)
        self._by_session.setdefault(id(session), []).append(received)
        return "250 2.0.0 Message accepted for delivery"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        delivered = self._by_session.pop(id(session), [])
        if delivered and self.on_quit is not None:
            self.on_quit(delivered)
        return "221 Bye"

    def _record(self, received: Received) -> None:
        with self._arrived:
            self._received.append(received)
            self._arrived.notify_all()

    def snapshot(self) -> list[Received]:
        with self._arrived:
            return list(self._received)

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self._received) >= count, timeout):
                raise TimeoutError(f"expected {count} message(s), {len(self._received)} arrived")
            return list(self._received)


def _received(server: SMTP, session: Session, envelope: Envelope) -> Received:
    data = envelope.original_content or b""
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return Received(
        mail_from=envelope.mail_from or "",
        rcpt_tos=list(envelope.rcpt_tos),
        data=data,
        message=message,
        login=session.auth_data if session.authenticated else None,
        tls=_over_tls(server),
    )


def _over_tls(server: SMTP) -> bool:
    # After STARTTLS or under implicit TLS the server's transport is the TLS one.
    transport = server.transport
    return transport is not None and transport.get_extra_info("ssl_object") is not None
