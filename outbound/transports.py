"""Hand one composed message to the next hop (an SMTP relay or a Maildir), failing by kind.

A transport is the only code that touches the network or the spool for
outgoing mail; the sender worker calls it with a message taken from the
outbox and the envelope worked out from the directory. Failures are split
into the two kinds the worker acts on: a `TemporaryDeliveryError` leaves the
outbox row to be retried, a `PermanentDeliveryError` sends it to quarantine.
Error text carries the SMTP code and the server's words, never the message.
"""

from __future__ import annotations

import copy
import ipaddress
import mailbox
import os
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any, Protocol

Refused = dict[str, tuple[int, str]]


class DeliveryError(Exception):
    """The message was not delivered; ``refused`` names each recipient refused and how, when the relay said."""

    def __init__(self, message: str, refused: Refused | None = None) -> None:
        super().__init__(message)
        self.refused: Refused = dict(refused or {})


class TemporaryDeliveryError(DeliveryError):
    """Worth trying again later: network trouble, timeouts, 4xx, rejected credentials."""


class PermanentDeliveryError(DeliveryError):
    """The next hop refused the message itself with a 5xx; retrying will not help."""


class Transport(Protocol):
    def send(self, message: EmailMessage, *, sender: str, recipients: Sequence[str]) -> Refused:
        """Deliver; return the recipients refused (address -> (code, text)) when others were accepted.

        A refused recipient with a 4xx code is worth retrying; with a 5xx it is not.
        Raise `TemporaryDeliveryError` or `PermanentDeliveryError` when no one got it.
        """


class SmtpTransport:
    """Relay through an SMTP server, one connection per message."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        starttls: bool = False,
        implicit_tls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        _check_settings(host, starttls, implicit_tls, username, password)
        self.host, self.port = host, port
        self.starttls, self.implicit_tls = starttls, implicit_tls
        self.username = username
        self._login = None if username is None or password is None else (username, password)
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.local_hostname = local_hostname

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host!r}, {self.port!r}, username={self.username!r})"

    def send(self, message: EmailMessage, *, sender: str, recipients: Sequence[str]) -> Refused:
        if not recipients:
            raise ValueError("a message needs at least one envelope recipient")
        try:
            return self._deliver(message, sender, list(recipients))
        except smtplib.SMTPRecipientsRefused as exc:
            raise _all_refused(self._where, exc.recipients) from exc
        except smtplib.SMTPResponseException as exc:
            raise _response_error(self._where, exc) from exc
        except OSError as exc:  # also every other smtplib.SMTPException
            raise TemporaryDeliveryError(f"{self._where}: {type(exc).__name__}: {exc}") from exc

    def _deliver(self, message: EmailMessage, sender: str, recipients: list[str]) -> Refused:
        smtp = self._connect()
        try:
            smtp.ehlo()
            if self.starttls:
                self._start_tls(smtp)
            if self._login is not None:
                smtp.login(*self._login)
            refused = smtp.send_message(message, sender, recipients)
        finally:
            _quit(smtp)
        return {address: (code, _text(reply)) for address, (code, reply) in refused.items()}

    def _connect(self) -> smtplib.SMTP:
        """Open the connection; the one place a test or subclass swaps the socket."""
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                self.local_hostname,
                timeout=self.timeout,
                context=self.ssl_context,
            )
        return smtplib.SMTP(self.host, self.port, self.local_hostname, timeout=self.timeout)

    def _start_tls(self, smtp: smtplib.SMTP) -> None:
        # Never fall back to plaintext: a relay that stops offering STARTTLS
        # is misconfigured or being tampered with, and that is worth a retry.
        if not smtp.has_extn("starttls"):
            raise TemporaryDeliveryError(f"{self._where} does not offer STARTTLS; refusing to send in plaintext")
        smtp.starttls(context=self.ssl_context)
        smtp.ehlo()

    @property
    def _where(self) -> str:
        return f"SMTP {self.host}:{self.port}"


class MaildirTransport:
    """Drop each message into a Maildir, for the demo and for tests that read files."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)

    def __repr__(self) -> str:
        return f"MaildirTransport({self.path!r})"

    def send(self, message: EmailMessage, *, sender: str, recipients: Sequence[str]) -> Refused:
        stamped = _with_envelope(message, sender, recipients)
        try:
            _maildir(self.path).add(stamped)  # written to tmp/, then renamed into new/
        except OSError as exc:
            raise TemporaryDeliveryError(f"Maildir {self.path}: {exc}") from exc
        return {}


def make_transport(kind: str, **options: Any) -> Transport:
    """Build the transport a configuration names: "smtp" or "maildir"."""
    kinds: dict[str, type[SmtpTransport] | type[MaildirTransport]] = {
        "smtp": SmtpTransport,
        "maildir": MaildirTransport,
    }
    if kind not in kinds:
        raise ValueError(f"unknown transport {kind!r}; expected one of {sorted(kinds)}")
    return kinds[kind](**options)


def _check_settings(host: str, starttls: bool, implicit_tls: bool, username: str | None, password: str | None) -> None:
    if starttls and implicit_tls:
        raise ValueError("choose STARTTLS or implicit TLS, not both")
    if (username is None) != (password is None):
        raise ValueError("give both a username and a password, or neither")
    if username is not None and not (starttls or implicit_tls or _is_loopback(host)):
        raise ValueError(f"refusing to send credentials to {host} without TLS")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _all_refused(where: str, refused: dict[str, tuple[int, bytes]]) -> DeliveryError:
    """Every recipient refused: permanent only if every refusal was a 5xx."""
    permanent = all(_is_permanent(code) for code, _ in refused.values())
    kind = PermanentDeliveryError if permanent else TemporaryDeliveryError
    detail = "; ".join(f"{addr}: {code} {_text(reply)}" for addr, (code, reply) in refused.items())
    return kind(f"{where} refused every recipient: {detail}", {a: (code, _text(reply)) for a, (code, reply) in refused.items()})


def _response_error(where: str, exc: smtplib.SMTPResponseException) -> DeliveryError:
    return _kind_of(exc)(f"{where} {_step(exc)}: {exc.smtp_code} {_text(exc.smtp_error)}")


def _kind_of(exc: smtplib.SMTPResponseException) -> type[DeliveryError]:
    """Only a 5xx aimed at this message is permanent.

    A refused greeting, EHLO, STARTTLS or login is the relay's configuration
    (or ours) to fix, and 530 "authentication required" is too.
    """
    about_message = isinstance(exc, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError))
    if about_message and _is_permanent(exc.smtp_code) and exc.smtp_code != 530:
        return PermanentDeliveryError
    return TemporaryDeliveryError


def _step(exc: smtplib.SMTPResponseException) -> str:
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return "refused the sender"
    if isinstance(exc, smtplib.SMTPDataError):
        return "refused the message"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "refused the login"
    return "answered"


def _is_permanent(code: int) -> bool:
    return 500 <= code <= 599


def _quit(smtp: smtplib.SMTP) -> None:
    """Say goodbye; an odd answer to QUIT must not turn a delivery into a failure."""
    try:
        smtp.quit()
    except OSError:
        pass
    finally:
        smtp.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _with_envelope(message: EmailMessage, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """A copy of the message that shows its envelope, as a local delivery agent would."""
    stamped = copy.deepcopy(message)
    del stamped["X-Envelope-From"]
    del stamped["X-Envelope-To"]
    stamped["X-Envelope-From"] = sender
    stamped["X-Envelope-To"] = ", ".join(recipients)
    return stamped


def _maildir(path: str) -> mailbox.Maildir:
    # mailbox.Maildir only creates cur/new/tmp when the top folder is new;
    # make them ourselves so an empty folder from a deploy script works too.
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub), mode=0o700, exist_ok=True)
    return mailbox.Maildir(path, create=False)
