"""SQLAlchemy 2 typed models: inbound mail, cases and their timeline, outbox, directory."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from escalations.storage.crypto import SealedBlob

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; times must be aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class InboundStatus:
    RECEIVED = "received"  # stored, waiting for a worker
    PROCESSING = "processing"  # claimed by a worker until claimed_until
    PROCESSED = "processed"  # the pipeline ran and its results committed
    IGNORED = "ignored"  # screened out (automated mail, our own mail): recorded, never answered
    REVIEW = "review"  # a person must decide (ambiguous policy, unknown case)
    QUARANTINED = "quarantined"  # failed MAX_TRIES times; `quarantine retry` puts it back
    DUPLICATE = "duplicate"  # the same message came in again (say by SMTP and by IMAP): linked, not processed
    REJECTED = "rejected"  # a person decided in review that it is not for the service


class InboundMessage(Base):
    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16))  # smtp | imap | ingest
    mailbox: Mapped[str | None] = mapped_column(String(320))
    envelope_from: Mapped[str | None] = mapped_column(String(998))
    envelope_to: Mapped[list[Any]]
    message_id: Mapped[str | None] = mapped_column(String(998))
    raw_sha256: Mapped[str] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    imap_uidvalidity: Mapped[int | None] = mapped_column(BigInteger)  # IMAP allows up to 2**32 - 1
    imap_uid: Mapped[int | None] = mapped_column(BigInteger)
    raw: Mapped[bytes] = mapped_column(SealedBlob)  # sealed at rest when a key file is set (storage.crypto)
    size: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.RECEIVED)
    tries: Mapped[int] = mapped_column(default=0)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_until: Mapped[datetime | None]  # the lease, renewed by the holder's heartbeat
    claimed_by: Mapped[str | None] = mapped_column(String(200))  # the holder's process identity (storage.claims)
    heartbeat_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    review: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # why it waits, the candidates, a person's decision
    # Sender authentication (DESIGN.md invariant 10): the SMTP client's address and HELO name, and the result.
    peer_ip: Mapped[str | None] = mapped_column(String(45))
    helo: Mapped[str | None] = mapped_column(String(255))
    authentication: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    case: Mapped[Case | None] = relationship()

    __table_args__ = (
        Index("ix_inbound_messages_status_id", "status", "id"),
        Index("ix_inbound_messages_message_id", "message_id"),
    )


class CaseSequence(Base):
    """The last case number issued per partnership and year; rows are locked to issue the next."""

    __tablename__ = "case_sequences"

    partnership: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class CaseState:
    OPEN = "open"
    AWAITING_INFORMATION = "awaiting_information"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    partnership: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(24), default=CaseState.OPEN)
    stage: Mapped[int]
    level: Mapped[int] = mapped_column(default=1, server_default="1")  # up line management within a stage (Barnet 2)
    immediate_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    subject_kind: Mapped[str | None] = mapped_column(String(8))
    raising_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    challenged_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    raised_by_email: Mapped[str | None] = mapped_column(String(320))
    outcome: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]  # personal data removed (retention or erasure: service.retention)
    # Matching's blocking keys (routing.matching.blocking_keys) from the first notice's subject (migration 0011).
    subject_dob: Mapped[date | None] = mapped_column(Date)
    subject_first: Mapped[str | None] = mapped_column(String(40))
    subject_last: Mapped[str | None] = mapped_column(String(40))

    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan")
    deadlines: Mapped[list[Deadline]] = relationship(back_populates="case", order_by="Deadline.id", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("partnership", "year", "number"),
        Index("ix_cases_partnership_state", "partnership", "state"),
        Index("ix_cases_partnership_subject_dob", "partnership", "subject_dob"),
        Index("ix_cases_partnership_subject_first", "partnership", "subject_first"),
        Index("ix_cases_partnership_subject_last", "partnership", "subject_last"),
    )


class CaseEvent(Base):
    """One line of a case's timeline: what happened, the rule that made it happen, and why."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(24))  # inbound | outbound | decision | deadline | note
    rule: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class NoticeRecord(Base):
    """A notice as read, in its canonical JSON form, linked to the message it came in."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    form: Mapped[str | None] = mapped_column(String(80))
    data: Mapped[dict[str, Any]]
    document_sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # the notice file, to spot it sent twice
    read_at: Mapped[datetime]


class Deadline(Base):
    __tablename__ = "deadlines"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    stage: Mapped[int]
    due: Mapped[datetime]  # indexed with met (ix_deadlines_met_due, migration 0011)
    set_at: Mapped[datetime | None]  # when the deadline was set (reminders differ for same-day deadlines)
    met: Mapped[bool] = mapped_column(Boolean, default=False)
    met_at: Mapped[datetime | None]
    rule: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="deadlines")

    # The deadline pass reads unmet deadlines by due time (migration 0011): its cost follows what is due.
    __table_args__ = (UniqueConstraint("case_id", "stage", "kind"), Index("ix_deadlines_met_due", "met", "due"))


class Chaser(Base):
    """A reminder, chaser or move-on taken for a deadline; the unique key makes each happen once."""

    __tablename__ = "chasers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[int]
    for_date: Mapped[date] = mapped_column(Date)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime]


class Notification(Base):
    """A once-only message not tied to one deadline (the daily review summary), by unique key."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))


class Secret(Base):
    """Service secrets kept in the database so every process shares them (the Message-ID HMAC key)."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class OutboxStatus:
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # permanently refused; listed by `outbox list --dead`, requeued by `outbox retry`


class OutboxMessage(Base):
    """One email to send, rendered whole (fixed Message-ID) in the transaction that decided it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    mail_from: Mapped[str] = mapped_column(String(320))
    recipients: Mapped[list[Any]]
    raw: Mapped[bytes] = mapped_column(SealedBlob)  # sealed at rest when a key file is set (storage.crypto)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(36))  # a sender holds the row (storage.claims)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_until: Mapped[datetime | None]
    sending_since: Mapped[datetime | None]  # set before the SMTP transaction, cleared when its result is recorded
    uncertain_deliveries: Mapped[int] = mapped_column(default=0)  # times it was sent again after a crash mid-delivery
    # The next attempt goes to these only: the rest accepted it, these were refused with 4xx.
    pending_recipients: Mapped[list[Any] | None] = mapped_column(JSON)
    # Recipients not reached for good: [{"address", "code", "text", "how", "at"}] (5xx, 4xx to the end, a bounce).
    undelivered: Mapped[list[Any] | None] = mapped_column(JSON)
    undelivered_at: Mapped[datetime | None] = mapped_column(index=True)

    case: Mapped[Case | None] = relationship()

    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)


class BouncingAddress(Base):
    """A directory address whose mail bounced (kept apart from contacts, which an import replaces)."""

    __tablename__ = "bouncing_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    bounces: Mapped[int] = mapped_column(default=1)
    status: Mapped[str | None] = mapped_column(String(16))  # the DSN status, e.g. 5.1.1
    diagnostic: Mapped[str | None] = mapped_column(Text)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    domains: Mapped[list[Any]]
    # Other names it goes by (the directory CSV's agency_aliases); None on rows from before migration 0007.
    aliases: Mapped[list[Any] | None] = mapped_column(JSON)

    contacts: Mapped[list[Contact]] = relationship(back_populates="agency", order_by="Contact.id")

    __table_args__ = (UniqueConstraint("partnership", "name"),)


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership: Mapped[str] = mapped_column(String(40), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))

    agency: Mapped[Agency | None] = relationship(back_populates="contacts")

    __table_args__ = (UniqueConstraint("partnership", "agency_id", "role", "email"),)


class ImapMailbox(Base):
    """Where the watcher of one ``[[imap]]`` mailbox stands, and how it is doing (`escalations status`).

    The watcher takes UIDs from ``first_uid`` on under ``uidvalidity``; mail
    that was in the folder before its first connection is left for
    ``escalations imap backfill``. UIDVALIDITY and UIDs are unsigned 32-bit.
    """

    __tablename__ = "imap_mailboxes"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    first_uid: Mapped[int | None] = mapped_column(BigInteger)
    watching_since: Mapped[datetime | None]
    connected: Mapped[bool] = mapped_column(Boolean, default=False)
    mode: Mapped[str | None] = mapped_column(String(16))  # idle | polling
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    last_auth_alert_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


# IMAP intake recognises a message it took before under another UIDVALIDITY by its hash.
Index("ix_inbound_messages_raw_sha256", InboundMessage.raw_sha256)


class ConsoleSignIn(Base):
    """A request for a console sign-in link: the link's hash, the asking browser's hash, and when it was used.

    Every request is a row, links sent or not, so the rate limits count them across processes.
    """

    __tablename__ = "console_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    client: Mapped[str | None] = mapped_column(String(45))  # the asking address (rate limit per client)
    requested_at: Mapped[datetime]
    via: Mapped[str] = mapped_column(String(8))  # email | cli | refused (not a person who may sign in)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    browser_hash: Mapped[str | None] = mapped_column(String(64))  # the pre-sign-in cookie's hash; None for `console link`
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_console_sign_ins_email_requested_at", "email", "requested_at"),
        Index("ix_console_sign_ins_client_requested_at", "client", "requested_at"),
    )


class ConsoleSession(Base):
    """A signed-in browser: only the hash of its cookie is kept; revoked_at ends it at once."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    client: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ConsoleAccess(Base):
    """The access log (DESIGN.md invariant 12): who saw which case page or document, and when."""

    __tablename__ = "console_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(24))  # case_view | document_download
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    what: Mapped[str] = mapped_column(Text)


class Anonymisation(Base):
    """The record of one case's personal data removed: by retention or by an erasure decision (service.retention)."""

    __tablename__ = "anonymisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)  # None: mail on no case
    reference: Mapped[str | None] = mapped_column(String(24))
    at: Mapped[datetime]
    rule: Mapped[str] = mapped_column(String(80))  # retention:<partnership>:<years>y | erasure
    decision: Mapped[str | None] = mapped_column(Text)  # an erasure: the decision as recorded by the person who made it
    by: Mapped[str | None] = mapped_column(String(320))
    removed: Mapped[dict[str, Any]] = mapped_column(default=dict)  # counts of what was removed, no content


class ReportSend(Base):
    """The board report sent without asking: one row per partnership and period (a second scheduler's insert fails)."""

    __tablename__ = "report_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))

    __table_args__ = (UniqueConstraint("partnership", "period_start"),)
