"""The embedded SMTP intake: accept mail for our mailboxes only, store it, then answer.

Nothing else happens in the SMTP callbacks (Mailman's LMTP runner is the
model): the worker reads the stored message later. The ``250`` is given only
after the raw bytes and envelope are committed; our own failures answer
``451`` so the sending server keeps the message and tries again. A store
that does not finish in time (a frozen database, a lock held too long) is
answered ``451`` too, and at most a few store threads can be stuck at once:
beyond them every message gets ``451`` at once rather than piling up.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Collection
from contextlib import suppress
from typing import Any, Protocol, runtime_checkable

from aiosmtpd.smtp import SMTP, Envelope as SmtpEnvelope, Session as SmtpSession

from escalations.intake.receiving import Envelope
from escalations.intake.smtp_limits import (
    DEFAULT_INFLIGHT_MESSAGES,
    DEFAULT_MAX_SESSIONS,
    REPLY_NO_ROOM,
    REPLY_TOO_BIG,
    BoundedSMTP,
    Busy,
    IntakeLimits,
    declared_size,
)
from escalations.storage.logs import log_failure
from escalations.storage.repositories import Stored

log = logging.getLogger(__name__)

REPLY_OK_RCPT = "250 2.1.5 Recipient OK"
REPLY_UNKNOWN_RCPT = "550 5.1.1 Mailbox unavailable: this server accepts mail only for its partnership mailboxes"
REPLY_TEMPORARY = "451 4.3.0 Temporary local problem: please try again later"
REPLY_NO_RCPT = "503 5.5.1 Error: need RCPT command"

StoreFn = Callable[[bytes, Envelope], Stored]
STORE_TIMEOUT_SECONDS = 15.0
STORE_THREADS = 4  # stores in flight at once, stuck ones included


@runtime_checkable
class Stores(Protocol):
    """Where DATA hands a message to be committed: a future set after the commit, or None when full (451 at once)."""

    def submit(self, raw: bytes, envelope: Envelope) -> asyncio.Future[Stored] | None: ...


class StoreThreads:
    """Runs a blocking store on daemon threads, at most ``limit`` at once.

    Daemon threads, not an executor: a call stuck on a frozen database must
    not stop the process from exiting, and when it comes unstuck its result
    is simply dropped (the client was answered 451 and sends again; the
    dedupe key recognises a copy that did get committed). ``serve`` uses one
    queued writer instead (intake.receiving.QueuedReceiver).
    """

    def __init__(self, store: StoreFn, limit: int = STORE_THREADS) -> None:
        self.store = store
        self._slots = threading.BoundedSemaphore(limit)

    def submit(self, raw: bytes, envelope: Envelope) -> asyncio.Future[Stored] | None:
        """The store's future, or None when every thread is busy."""
        if not self._slots.acquire(blocking=False):
            return None
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Stored] = loop.create_future()

        def run() -> None:
            try:
                outcome: tuple[Any, BaseException | None] = (self.store(raw, envelope), None)
            except BaseException as exc:
                outcome = (None, exc)
            finally:
                self._slots.release()
            with suppress(RuntimeError):  # the loop has closed: nobody is waiting any more
                loop.call_soon_threadsafe(_settle, future, *outcome)

        threading.Thread(target=run, name="smtp-store", daemon=True).start()
        return future


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # timed out and cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class IntakeHandler:
    """aiosmtpd handler: RCPT checks the mailbox, DATA stores the message."""

    def __init__(
        self,
        mailboxes: Collection[str],
        store: StoreFn | Stores,
        max_message_bytes: int,
        on_stored: Callable[[Stored], None] = lambda stored: None,
        limits: IntakeLimits | None = None,
        store_timeout: float = STORE_TIMEOUT_SECONDS,
        store_threads: int = STORE_THREADS,
    ) -> None:
        self.mailboxes = frozenset(m.lower() for m in mailboxes)
        self.stores = store if isinstance(store, Stores) else StoreThreads(store, store_threads)
        self.max_message_bytes = max_message_bytes
        self.on_stored = on_stored
        self.limits = limits or IntakeLimits(DEFAULT_MAX_SESSIONS, DEFAULT_INFLIGHT_MESSAGES * max_message_bytes)
        self.store_timeout = store_timeout

    async def handle_MAIL(
        self, server: SMTP, session: SmtpSession, envelope: SmtpEnvelope, address: str, mail_options: list[str]
    ) -> str:
        # A declared SIZE (RFC 1870) holds its share of the in-flight budget from now on.
        if isinstance(server, BoundedSMTP) and not server.reserve(declared_size(mail_options)):
            return REPLY_NO_ROOM
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: SmtpSession, envelope: SmtpEnvelope, address: str, rcpt_options: list[str]
    ) -> str:
        # Never an open relay: any address that is not one of our mailboxes is refused.
        if address.lower() not in self.mailboxes:
            return REPLY_UNKNOWN_RCPT
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return REPLY_OK_RCPT

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: SmtpEnvelope) -> str:
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw or "").encode("utf-8", "surrogateescape")
        if not envelope.rcpt_tos:
            return REPLY_NO_RCPT
        if len(raw) > self.max_message_bytes:
            return REPLY_TOO_BIG
        smtp_envelope = Envelope(
            source="smtp",
            mail_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            peer=_peer(session),
            helo=session.host_name or None,
        )
        pending = self.stores.submit(raw, smtp_envelope)
        if pending is None:
            log.warning("smtp intake: too many stores waiting (the database is not answering); answered 451")
            return REPLY_TEMPORARY
        try:
            stored = await asyncio.wait_for(pending, self.store_timeout)
        except TimeoutError:
            log.warning(
                "smtp intake: a message from %s was not stored within %ss; answered 451", smtp_envelope.peer, self.store_timeout
            )
            return REPLY_TEMPORARY
        except Exception as exc:
            log_failure(log, "smtp intake: could not store a message from %s; answered 451", exc, smtp_envelope.peer)
            return REPLY_TEMPORARY
        log.info("smtp intake: stored inbound %s%s", stored.id, " (duplicate)" if stored.duplicate else "")
        self.on_stored(stored)
        return f"250 2.0.0 OK: queued as {stored.id}"


def _peer(session: SmtpSession) -> str | None:
    peer: Any = session.peer
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return str(peer) if peer else None


def make_server_factory(handler: IntakeHandler, hostname: str | None = None) -> Callable[[], asyncio.Protocol]:
    """A protocol factory for ``loop.create_server``: one bounded session per connection, or a 421."""

    def factory() -> asyncio.Protocol:
        if not handler.limits.open_session():
            return Busy()
        return BoundedSMTP(
            handler,
            handler.limits,
            data_size_limit=handler.max_message_bytes,
            enable_SMTPUTF8=True,
            hostname=hostname,
            ident="escalations intake",
        )

    return factory
