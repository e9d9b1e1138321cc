"""Repositories: add and query through a session the caller owns; never commit."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from escalations.storage.models import (
    Agency,
    Case,
    CaseEvent,
    CaseSequence,
    Contact,
    Deadline,
    ImapMailbox,
    InboundMessage,
    InboundStatus,
    NoticeRecord,
    OutboxMessage,
    OutboxStatus,
)


def dedupe_key(message_id: str | None, raw: bytes, imap: tuple[str, int, int] | None = None) -> str:
    """Message-ID plus a hash of the raw bytes (plus mailbox, UIDVALIDITY, UID for IMAP)."""
    digest = hashlib.sha256()
    digest.update((message_id or "").strip().encode("utf-8", "replace"))
    digest.update(b"\0" + hashlib.sha256(raw).digest())
    if imap is not None:
        digest.update(b"\0" + "\0".join(map(str, imap)).encode())
    return digest.hexdigest()


class _Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert(self):  # type: ignore[no-untyped-def]
        return pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True)
class Stored:
    id: int
    duplicate: bool


@dataclass(frozen=True)
class Claim:
    id: int
    token: str
    tries: int


class InboundRepository(_Repository):
    def store(self, message: InboundMessage) -> Stored:
        """Add a received message unless its dedupe key is known; say which."""
        insert = self._insert()
        values = {c.key: getattr(message, c.key) for c in InboundMessage.__table__.columns if c.key != "id"}
        stmt = insert(InboundMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
        result = self.session.execute(stmt.returning(InboundMessage.id))
        new_id = result.scalar_one_or_none()
        if new_id is not None:
            return Stored(new_id, duplicate=False)
        existing = self.session.scalar(
            select(InboundMessage.id).where(InboundMessage.dedupe_key == message.dedupe_key)
        )
        assert existing is not None
        return Stored(existing, duplicate=True)

    def claim_next(self, now: datetime, lease: timedelta) -> Claim | None:
        """Take the oldest message waiting (or whose worker's lease ran out) for this worker."""
        waiting = (InboundMessage.status == InboundStatus.RECEIVED) | (
            (InboundMessage.status == InboundStatus.PROCESSING) & (InboundMessage.claimed_until < now)
        )
        query: Select[tuple[InboundMessage]] = (
            select(InboundMessage).where(waiting).order_by(InboundMessage.id).limit(1)
        )
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        message = self.session.scalars(query).first()
        if message is None:
            return None
        message.status = InboundStatus.PROCESSING
        message.claim_token = str(uuid.uuid4())
        message.claimed_until = now + lease
        message.tries += 1
        return Claim(message.id, message.claim_token, message.tries)

    def lock_claimed(self, claim: Claim) -> InboundMessage | None:
        """The message, locked, if this worker's claim on it still holds."""
        query = select(InboundMessage).where(
            InboundMessage.id == claim.id,
            InboundMessage.claim_token == claim.token,
            InboundMessage.status == InboundStatus.PROCESSING,
        )
        if self._postgres:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def get(self, message_id: int) -> InboundMessage | None:
        return self.session.get(InboundMessage, message_id)

    def with_status(self, status: str) -> Sequence[InboundMessage]:
        return self.session.scalars(
            select(InboundMessage).where(InboundMessage.status == status).order_by(InboundMessage.id)
        ).all()

    def count_by_status(self) -> dict[str, int]:
        rows = self.session.execute(
            select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
        ).all()
        return {status: count for status, count in rows}


class CaseRepository(_Repository):
    def next_number(self, partnership: str, year: int) -> int:
        """Issue the next case number; the row lock makes it safe across workers."""
        insert = self._insert()
        self.session.execute(
            insert(CaseSequence)
            .values(partnership=partnership, year=year, last=0)
            .on_conflict_do_nothing(index_elements=["partnership", "year"])
        )
        number = self.session.execute(
            update(CaseSequence)
            .where(CaseSequence.partnership == partnership, CaseSequence.year == year)
            .values(last=CaseSequence.last + 1)
            .returning(CaseSequence.last)
        ).scalar_one()
        return int(number)

    def add(self, case: Case) -> Case:
        self.session.add(case)
        self.session.flush()
        return case

    def by_reference(self, reference: str) -> Case | None:
        return self.session.scalars(
            select(Case)
            .where(Case.reference == reference.upper())
            .options(selectinload(Case.events), selectinload(Case.deadlines))
        ).first()

    def all(self) -> Sequence[Case]:
        return self.session.scalars(
            select(Case).options(selectinload(Case.deadlines)).order_by(Case.id)
        ).all()

    def add_event(self, event: CaseEvent) -> None:
        self.session.add(event)

    def add_deadline(self, deadline: Deadline) -> None:
        self.session.add(deadline)

    def add_notice(self, notice: NoticeRecord) -> None:
        self.session.add(notice)


class OutboxRepository(_Repository):
    def add(self, message: OutboxMessage) -> OutboxMessage:
        self.session.add(message)
        self.session.flush()
        return message

    def due(self, now: datetime, limit: int = 50) -> Sequence[OutboxMessage]:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        return self.session.scalars(query).all()

    def all(self, status: str | None = None) -> Sequence[OutboxMessage]:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if status:
            query = query.where(OutboxMessage.status == status)
        return self.session.scalars(query).all()

    def get(self, outbox_id: int) -> OutboxMessage | None:
        return self.session.get(OutboxMessage, outbox_id)


class DirectoryRepository(_Repository):
    def agencies(self, partnership: str | None = None) -> Sequence[Agency]:
        query = select(Agency).options(selectinload(Agency.contacts)).order_by(Agency.partnership, Agency.name)
        if partnership:
            query = query.where(Agency.partnership == partnership)
        return self.session.scalars(query).all()

    def contacts(self, partnership: str | None = None) -> Sequence[Contact]:
        query = select(Contact).options(selectinload(Contact.agency)).order_by(Contact.partnership, Contact.id)
        if partnership:
            query = query.where(Contact.partnership == partnership)
        return self.session.scalars(query).all()

    def is_empty(self) -> bool:
        return self.session.scalar(select(func.count()).select_from(Contact)) == 0

    def replace_partnership(
        self, partnership: str, agencies: Sequence[Agency], contacts: Sequence[tuple[str | None, Contact]]
    ) -> None:
        """Swap one partnership's directory for a new one, in the caller's transaction.

        ``contacts`` pairs each contact with its agency's name (None for a
        partnership role). Agencies that leave the directory keep their row,
        since cases may point at them, but lose their domains so no mail is
        routed by them.
        """
        for contact in self.contacts(partnership):
            self.session.delete(contact)
        existing = {a.name: a for a in self.session.scalars(select(Agency).where(Agency.partnership == partnership))}
        for old in existing.values():
            old.domains = []
        for agency in agencies:
            if agency.name in existing:
                existing[agency.name].domains = list(agency.domains)
            else:
                self.session.add(agency)
                existing[agency.name] = agency
        self.session.flush()
        for agency_name, contact in contacts:
            contact.agency = existing[agency_name] if agency_name else None
            self.session.add(contact)
        self.session.flush()


class ImapMailboxRepository(_Repository):
    """Watched IMAP mailboxes' state, and what each has taken."""

    def ensure(self, name: str, now: datetime, lock: bool = False) -> ImapMailbox:
        """The mailbox's row, created on first use (two processes may race to create it)."""
        self.session.execute(
            self._insert()(ImapMailbox)
            .values(name=name, connected=False, updated_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        query = select(ImapMailbox).where(ImapMailbox.name == name)
        if lock and self._postgres:
            query = query.with_for_update()
        return self.session.scalars(query).one()

    def all(self) -> Sequence[ImapMailbox]:
        return self.session.scalars(select(ImapMailbox).order_by(ImapMailbox.name)).all()

    def taken_before(self, mailbox: str, message_id: str | None, raw_sha256: str) -> int | None:
        """The inbound id of the same bytes taken from this mailbox before, under any UIDVALIDITY or UID."""
        same_id = InboundMessage.message_id.is_(None) if message_id is None else InboundMessage.message_id == message_id
        return self.session.scalar(
            select(InboundMessage.id)
            .where(InboundMessage.raw_sha256 == raw_sha256, InboundMessage.source == "imap",
                   InboundMessage.mailbox == mailbox, same_id)
            .order_by(InboundMessage.id)
            .limit(1)
        )

    def taken_since(self, mailbox: str, since: datetime) -> int:
        return self.session.scalar(
            select(func.count()).select_from(InboundMessage).where(
                InboundMessage.source == "imap", InboundMessage.mailbox == mailbox, InboundMessage.received_at >= since
            )
        ) or 0
