"""Receiving: commit a message's raw bytes and envelope, before anyone is told it arrived."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesHeaderParser

from sqlalchemy.orm import Session, sessionmaker

from escalations.intake import header_values
from escalations.storage.models import InboundMessage, InboundStatus
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
    """The Message-ID, read from the header section only (cheap, and enough for the dedupe key)."""
    try:
        headers = BytesHeaderParser().parsebytes(raw[:262_144])
        value = str(headers.get("Message-ID", "") or "")
    except Exception:  # hostile headers must not stop us storing the bytes
        return None
    return header_values.message_id(value)  # a NUL, a CR/LF or 2,000 octets: no Message-ID, the bytes still stored


def _printable(text: str | None, limit: int) -> str | None:
    """A client-given name kept for the record: printable ASCII only (no NUL for PostgreSQL), bounded."""
    if not text:
        return None
    return "".join(ch if " " < ch < "\x7f" else "?" for ch in text[:limit])


def receive(sessions: sessionmaker[Session], raw: bytes, envelope: Envelope, now: datetime) -> Stored:
    """Store the message in its own committed transaction; a duplicate is recognised, not stored twice."""
    message_id = header_message_id(raw)
    imap = None
    if envelope.imap_uid is not None:
        imap = (envelope.mailbox or "", envelope.imap_uidvalidity or 0, envelope.imap_uid)
    row = InboundMessage(
        received_at=now,
        source=envelope.source,
        mailbox=header_values.storable_or_none(envelope.mailbox),
        envelope_from=_envelope_from(envelope.mail_from),
        envelope_to=[header_values.storable(rcpt) for rcpt in envelope.rcpt_tos],
        message_id=message_id,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        dedupe_key=dedupe_key(message_id, raw, imap),
        imap_uidvalidity=envelope.imap_uidvalidity,
        imap_uid=envelope.imap_uid,
        peer_ip=envelope.peer,
        helo=_printable(envelope.helo, 255),
        raw=raw,
        size=len(raw),
        status=InboundStatus.RECEIVED,
        tries=0,
    )
    with sessions.begin() as session:
        return InboundRepository(session).store(row)


def _envelope_from(mail_from: str | None) -> str | None:
    """MAIL FROM as a text column holds it: no NUL (PostgreSQL refuses it), at most the column's 998 characters."""
    return None if mail_from is None else header_values.storable(mail_from)[:998]
