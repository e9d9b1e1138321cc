"""Receiving: commit a message's raw bytes and envelope, before anyone is told it arrived."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from escalations.intake import header_values
from escalations.intake.header_scan import header_field
from escalations.storage.inbound_writer import InboundWriter
from escalations.storage.models import InboundStatus
from escalations.storage.repositories import InboundRepository, Stored, dedupe_key


@dataclass(frozen=True)
class Envelope:
    source: str  # smtp | imap | ingest
    mail_from: str | None
    rcpt_tos: tuple[str, ...] = ()
    mailbox: str | None = None
    imap_uidvalidity: int | None = None
    imap_uid: int | None = None
    peer: str | None = field(default=None, compare=False)  # the SMTP client's IP address
    helo: str | None = field(default=None, compare=False)  # the name it gave in HELO/EHLO


def header_message_id(raw: bytes) -> str | None:
    """The Message-ID, read by a bounded scan of the header section (no parse of the message: the store's hot path)."""
    value = header_field(raw, b"message-id")
    if value is None:
        return None
    # As the standard library's parser reads header bytes: ASCII, anything else kept as a surrogate (then refused).
    return header_values.message_id(value.decode("ascii", "surrogateescape"))  # NUL, CR/LF, 2,000 octets: none


def _printable(text: str | None, limit: int) -> str | None:
    """A client-given name kept for the record: printable ASCII only (no NUL for PostgreSQL), bounded."""
    if not text:
        return None
    return "".join(ch if " " < ch < "\x7f" else "?" for ch in text[:limit])


def inbound_values(raw: bytes, envelope: Envelope, now: datetime) -> dict[str, Any]:
    """The inbound row's columns for a received message, every text value made storable (no database work)."""
    message_id = header_message_id(raw)
    imap = None
    if envelope.imap_uid is not None:
        imap = (envelope.mailbox or "", envelope.imap_uidvalidity or 0, envelope.imap_uid)
    return {
        "received_at": now,
        "source": envelope.source,
        "mailbox": header_values.storable_or_none(envelope.mailbox),
        "envelope_from": _envelope_from(envelope.mail_from),
        "envelope_to": [header_values.storable(rcpt) for rcpt in envelope.rcpt_tos],
        "message_id": message_id,
        "raw_sha256": hashlib.sha256(raw).hexdigest(),
        "dedupe_key": dedupe_key(message_id, raw, imap),
        "imap_uidvalidity": envelope.imap_uidvalidity,
        "imap_uid": envelope.imap_uid,
        "peer_ip": envelope.peer,
        "helo": _printable(envelope.helo, 255),
        "raw": raw,
        "size": len(raw),
        "status": InboundStatus.RECEIVED,
        "tries": 0,
    }


def receive(sessions: sessionmaker[Session], raw: bytes, envelope: Envelope, now: datetime) -> Stored:
    """Store the message in its own committed transaction; a duplicate is recognised, not stored twice."""
    with sessions.begin() as session:
        return InboundRepository(session).store_values(inbound_values(raw, envelope, now))


class QueuedReceiver:
    """The SMTP intake's stores, handed to the process's one inbound writer (group commit) rather than a thread each."""

    def __init__(self, writer: InboundWriter, clock: Callable[[], datetime]) -> None:
        self.writer = writer
        self.clock = clock

    def submit(self, raw: bytes, envelope: Envelope) -> asyncio.Future[Stored] | None:
        """The store's future on the running loop, set once committed; None when the writer is full."""
        pending = self.writer.submit(inbound_values(raw, envelope, self.clock()))
        return None if pending is None else asyncio.wrap_future(pending)


def _envelope_from(mail_from: str | None) -> str | None:
    """MAIL FROM as a text column holds it: no NUL (PostgreSQL refuses it), at most the column's 998 characters."""
    return None if mail_from is None else header_values.storable(mail_from)[:998]
