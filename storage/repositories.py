"""Repositories: add and query through a session the caller owns; never commit."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, union, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased, defer, selectinload

from escalations.storage.claims import holder_gone, this_process
from escalations.storage.engine import REHEARSAL
from escalations.storage.inbound_store import store_inbound
from escalations.storage.models import (
    Agency,
    BouncingAddress,
    Case,
    Chaser,
    CaseEvent,
    CaseSequence,
    Contact,
    Deadline,
    ImapMailbox,
    InboundMessage,
    InboundStatus,
    NoticeRecord,
    Notification,
    OutboxMessage,
    OutboxStatus,
    Secret,
)


def _body_digest(raw: bytes) -> str:
    """A digest of everything after the header section: copies of one message fetched different ways share it."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, body = raw.partition(separator)
        if found:
            return hashlib.sha256(body).hexdigest()
    return hashlib.sha256(raw).hexdigest()


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

    @property
    def _rehearsing(self) -> bool:
        """A rehearsal (service.rehearsal) reads only: what would be written is answered from a read."""
        return bool(self.session.info.get(REHEARSAL))


@dataclass(frozen=True)
class Stored:
    id: int
    duplicate: bool


@dataclass(frozen=True)
class Claim:
    id: int
    token: str
    tries: int
    taken_over: str | None = None  # why another holder's claim was taken: "holder-gone" or "lease-expired"


class InboundRepository(_Repository):
    def store(self, message: InboundMessage) -> Stored:
        """Add a received message unless its dedupe key is known; say which."""
        return self.store_values({c.key: getattr(message, c.key) for c in InboundMessage.__table__.columns if c.key != "id"})

    def store_values(self, values: dict[str, Any]) -> Stored:
        """Add a received message, given as its columns, unless its dedupe key is known; say which."""
        return Stored(*store_inbound(self.session, values))

    def claim_next(
        self,
        now: datetime,
        lease: timedelta,
        only: int | None = None,
        holder: str | None = None,
        gone: Callable[[str | None], bool] = holder_gone,
    ) -> Claim | None:
        """Take the oldest message waiting, or whose holder's lease ran out, or whose holder has died on this host."""
        dead = _dead_holders(self.session, InboundMessage, InboundMessage.status == InboundStatus.PROCESSING, now, gone)
        waiting = (InboundMessage.status == InboundStatus.RECEIVED) | (
            (InboundMessage.status == InboundStatus.PROCESSING)
            & ((InboundMessage.claimed_until < now) | InboundMessage.claimed_by.in_(dead))
        )
        query: Select[tuple[InboundMessage]] = select(InboundMessage).where(waiting).order_by(InboundMessage.id).limit(1)
        if only is not None:
            query = query.where(InboundMessage.id == only)
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        message = self.session.scalars(query).first()
        if message is None:
            return None
        taken_over = None
        if message.status == InboundStatus.PROCESSING:
            taken_over = "holder-gone" if message.claimed_by in dead or gone(message.claimed_by) else "lease-expired"
        message.status = InboundStatus.PROCESSING
        message.claim_token = str(uuid.uuid4())
        message.claimed_by = holder or str(this_process())
        message.claimed_until = now + lease
        message.heartbeat_at = now
        message.tries += 1
        return Claim(message.id, message.claim_token, message.tries, taken_over)

    def renew(self, claim: Claim, now: datetime, lease: timedelta) -> bool:
        """The heartbeat: extend the lease of a claim still held; False if it was lost."""
        result = self.session.execute(
            update(InboundMessage)
            .where(
                InboundMessage.id == claim.id,
                InboundMessage.claim_token == claim.token,
                InboundMessage.status == InboundStatus.PROCESSING,
            )
            .values(claimed_until=now + lease, heartbeat_at=now)
        )
        return bool(result.rowcount)

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

    def asked_in_review(self, message_ids: Collection[str]) -> InboundMessage | None:
        """The message held in review whose sender we asked for more by one of ``message_ids`` (our
        question's Message-ID, kept in its review record), still undecided; raw bytes loaded only if used."""
        query = select(InboundMessage).where(InboundMessage.status == InboundStatus.REVIEW)
        for message in self.session.scalars(query.options(defer(InboundMessage.raw)).order_by(InboundMessage.id)):
            review = message.review or {}
            if review.get("asked") in message_ids and not review.get("decision"):
                return message
        return None

    def count_by_status(self) -> dict[str, int]:
        rows = self.session.execute(select(InboundMessage.status, func.count()).group_by(InboundMessage.status)).all()
        return {status: count for status, count in rows}


def _dead_holders(session: Session, model: Any, held: Any, now: datetime, gone: Callable[[str | None], bool]) -> list[str]:
    """The holders of live-leased claims whose process has ended on this host (a few rows: an index on status)."""
    holders = session.scalars(
        select(model.claimed_by).where(held, model.claimed_until >= now, model.claimed_by.is_not(None)).distinct()
    ).all()
    return [h for h in holders if gone(h)]


class CaseRepository(_Repository):
    def next_number(self, partnership: str, year: int) -> int:
        """Issue the next case number; the row lock makes it safe across workers."""
        if self._rehearsing:  # the number the write transaction will issue, unless another case is opened first
            last = self.session.scalar(
                select(CaseSequence.last).where(CaseSequence.partnership == partnership, CaseSequence.year == year)
            )
            return int(last or 0) + 1
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

    def add_event(self, event: CaseEvent) -> None:
        self.session.add(event)

    def add_deadline(self, deadline: Deadline) -> None:
        self.session.add(deadline)

    def add_notice(self, notice: NoticeRecord) -> None:
        self.session.add(notice)

    def first_notice_record(self, case_id: int) -> NoticeRecord | None:
        return self.session.scalars(
            select(NoticeRecord).where(NoticeRecord.case_id == case_id).order_by(NoticeRecord.id).limit(1)
        ).first()

    def open_cases(self, partnership: str) -> list[Case]:
        """A partnership's open (routed, not closed) cases."""
        query = select(Case).where(Case.partnership == partnership, Case.state == "open").order_by(Case.id)
        return list(self.session.scalars(query))

    def awaiting_information(self, partnership: str) -> list[Case]:
        """A partnership's cases whose notice is held for its sender's missing details, oldest first."""
        query = (
            select(Case)
            .where(Case.partnership == partnership, Case.state == "awaiting_information")
            .order_by(Case.opened_at, Case.id)
        )
        return list(self.session.scalars(query))

    def any_awaiting_information(self, partnership: str) -> bool:
        """Whether a partnership has a case held for information (one probe of the index on partnership and state)."""
        query = select(Case.id).where(Case.partnership == partnership, Case.state == "awaiting_information").limit(1)
        return self.session.scalar(query) is not None

    def latest_notice(self, case_id: int) -> dict[str, Any] | None:
        """The canonical JSON of the last notice recorded for a case (a held notice with every answer so far)."""
        record = self.session.scalars(
            select(NoticeRecord).where(NoticeRecord.case_id == case_id).order_by(NoticeRecord.id.desc()).limit(1)
        ).first()
        return record.data if record is not None else None

    def latest_event_data(self, case_id: int, rule: str) -> dict[str, Any] | None:
        """The data of the case's last event with this rule (what was asked, say)."""
        event = self.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.rule == rule).order_by(CaseEvent.id.desc()).limit(1)
        ).first()
        return event.data if event is not None else None

    def first_notice(self, case_id: int) -> dict[str, Any] | None:
        """The canonical JSON of the first notice read for a case."""
        record = self.first_notice_record(case_id)
        return record.data if record is not None else None

    def case_for_message_id(self, message_id: str, exclude_inbound: int | None = None) -> int | None:
        """The case a stored Message-ID belongs to: one we sent, or one we received on a case."""
        sent = self.session.scalar(select(OutboxMessage.case_id).where(OutboxMessage.message_id == message_id))
        if sent is not None:
            return sent
        return self.session.scalar(
            select(InboundMessage.case_id)
            .where(
                InboundMessage.message_id == message_id,
                InboundMessage.case_id.is_not(None),
                InboundMessage.id != (exclude_inbound or -1),
            )
            .order_by(InboundMessage.id)
            .limit(1)
        )

    def recipients_of(self, case_id: int) -> set[str]:
        """Everyone we have written to on a case."""
        rows = self.session.scalars(select(OutboxMessage.recipients).where(OutboxMessage.case_id == case_id))
        return {address for recipients in rows for address in recipients}

    def recipients_of_kind(self, case_id: int, kind: str) -> set[str]:
        """Everyone we have sent one kind of email on a case (``routed_case``: who has the case itself)."""
        rows = self.session.scalars(
            select(OutboxMessage.recipients).where(OutboxMessage.case_id == case_id, OutboxMessage.kind == kind)
        )
        return {address for recipients in rows for address in recipients}

    def earlier_same_message(self, inbound: InboundMessage) -> InboundMessage | None:
        """An earlier stored copy of this message: the same Message-ID and the same body bytes."""
        body = _body_digest(inbound.raw)
        earlier = self.session.scalars(
            select(InboundMessage)
            .where(InboundMessage.message_id == inbound.message_id, InboundMessage.id < inbound.id)
            .order_by(InboundMessage.id)
        )
        return next((m for m in earlier if _body_digest(m.raw) == body), None)

    def cases_with_document(self, partnership: str, document_sha256: str) -> list[tuple[Case, dict[str, Any]]]:
        """Each case of a partnership a notice document with these bytes opened, with whom that notice was about.

        Equal bytes are only a candidate: the caller compares the subject (a leaflet is no notice)."""
        rows = self.session.execute(
            select(Case, NoticeRecord.data)
            .join(NoticeRecord, NoticeRecord.case_id == Case.id)
            .where(NoticeRecord.document_sha256 == document_sha256, Case.partnership == partnership)
            .order_by(Case.id, NoticeRecord.id)
        )
        return [(case, (data or {}).get("subject") or {}) for case, data in rows]

    def awaiting_from(self, partnership: str, sender: str) -> Sequence[Case]:
        """A sender's cases of a partnership that wait for information, oldest first."""
        return self.session.scalars(
            select(Case)
            .where(Case.partnership == partnership, Case.state == "awaiting_information", Case.raised_by_email == sender)
            .order_by(Case.id)
        ).all()

    def open_subjects_sharing(
        self, partnership: str, dob: date | None, words: Sequence[str]
    ) -> list[tuple[str, dict[str, Any], frozenset[str]]]:
        """Open cases of a partnership sharing a blocking key with a notice (routing.matching.blocking_keys):
        its reference, its first notice's subject, and its two agencies.

        The same date of birth; or, where the case has no date of birth (or the
        notice none), a name word at either end of the name. Three index look-ups,
        so the cost follows the cases found, not the cases open."""
        ids = self._sharing(partnership, dob, words)
        if ids is None:
            return []
        first = select(func.min(NoticeRecord.id)).where(NoticeRecord.case_id == Case.id).correlate(Case).scalar_subquery()
        raising, challenged = aliased(Agency), aliased(Agency)
        rows = self.session.execute(  # one round trip: the cases, their first notices and their agencies' names
            select(Case.reference, NoticeRecord.data, raising.name, challenged.name)
            .outerjoin(NoticeRecord, NoticeRecord.id == first)
            .outerjoin(raising, raising.id == Case.raising_agency_id)
            .outerjoin(challenged, challenged.id == Case.challenged_agency_id)
            .where(Case.id.in_(ids), Case.state.in_(("open", "awaiting_information")))
            .order_by(Case.id)
        )
        return [
            (reference, (data or {}).get("subject") or {}, frozenset(n for n in (a, b) if n is not None))
            for reference, data, a, b in rows
        ]

    def _sharing(self, partnership: str, dob: date | None, words: Sequence[str]) -> Any:
        same = Case.partnership == partnership
        parts = [select(Case.id).where(same, Case.subject_dob == dob)] if dob is not None else []
        if words:
            no_dob = (Case.subject_dob.is_(None),) if dob is not None else ()
            parts += [
                select(Case.id).where(same, column.in_(list(words)), *no_dob)
                for column in (Case.subject_first, Case.subject_last)
            ]
        if not parts:
            return None
        return union(*parts) if len(parts) > 1 else parts[0]

    def first_subjects(self, case_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The subject of each case's first notice (its ``subject`` object; empty when it has none)."""
        first = select(func.min(NoticeRecord.id)).where(NoticeRecord.case_id.in_(case_ids)).group_by(NoticeRecord.case_id)
        rows = self.session.execute(select(NoticeRecord.case_id, NoticeRecord.data).where(NoticeRecord.id.in_(first)))
        return {case_id: (data or {}).get("subject") or {} for case_id, data in rows if case_id is not None}


class OutboxRepository(_Repository):
    def add(self, message: OutboxMessage) -> OutboxMessage:
        self.session.add(message)
        self.session.flush()
        return message

    def due(self, now: datetime, limit: int = 50, gone: Callable[[str | None], bool] = holder_gone) -> Sequence[OutboxMessage]:
        """Pending rows due now that no live sender holds (unclaimed, lease run out, or holder dead on this host)."""
        pending = OutboxMessage.status == OutboxStatus.PENDING
        dead = _dead_holders(self.session, OutboxMessage, pending, now, gone)
        free = OutboxMessage.claim_token.is_(None) | (OutboxMessage.claimed_until < now) | OutboxMessage.claimed_by.in_(dead)
        query = (
            select(OutboxMessage)
            .where(pending, OutboxMessage.next_attempt_at <= now, free)
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

    def claimed(self, outbox_id: int, token: str) -> OutboxMessage | None:
        """The row, locked, if this sender's claim on it still holds."""
        query = select(OutboxMessage).where(
            OutboxMessage.id == outbox_id, OutboxMessage.claim_token == token, OutboxMessage.status == OutboxStatus.PENDING
        )
        if self._postgres:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def renew(self, claims: Sequence[tuple[int, str]], now: datetime, lease: timedelta) -> None:
        """The sender's heartbeat: extend the lease on the rows it still holds."""
        for outbox_id, token in claims:
            self.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == outbox_id, OutboxMessage.claim_token == token)
                .values(claimed_until=now + lease)
            )

    def by_message_id(self, message_id: str) -> OutboxMessage | None:
        return self.session.scalars(select(OutboxMessage).where(OutboxMessage.message_id == message_id.strip())).first()


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

    def view_rows(self, partnership: str) -> tuple[Sequence[Any], Sequence[Any]]:
        """What routing's directory view holds, as plain rows (no ORM objects to build and track: the worker
        reads it inside its write transaction): agencies (id, name, domains, aliases) in the order of
        ``agencies``, and contacts (name, email, role, agency name, phone) in the order of ``contacts``."""
        agencies = self.session.execute(
            select(Agency.id, Agency.name, Agency.domains, Agency.aliases)
            .where(Agency.partnership == partnership)
            .order_by(Agency.partnership, Agency.name)
        ).all()
        contacts = self.session.execute(
            select(Contact.name, Contact.email, Contact.role, Agency.name, Contact.phone)
            .outerjoin(Agency, Agency.id == Contact.agency_id)
            .where(Contact.partnership == partnership)
            .order_by(Contact.partnership, Contact.id)
        ).all()
        return agencies, contacts

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
                existing[agency.name].aliases = list(agency.aliases or [])
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
            .where(
                InboundMessage.raw_sha256 == raw_sha256,
                InboundMessage.source == "imap",
                InboundMessage.mailbox == mailbox,
                same_id,
            )
            .order_by(InboundMessage.id)
            .limit(1)
        )

    def taken_since(self, mailbox: str, since: datetime) -> int:
        return (
            self.session.scalar(
                select(func.count())
                .select_from(InboundMessage)
                .where(InboundMessage.source == "imap", InboundMessage.mailbox == mailbox, InboundMessage.received_at >= since)
            )
            or 0
        )


class ChaserRepository(_Repository):
    def keys_for_case(self, case_id: int) -> set[str]:
        return set(self.session.scalars(select(Chaser.key).where(Chaser.case_id == case_id)))

    def take(self, chaser: Chaser) -> Chaser | None:
        """Record the action unless its key is taken (by an earlier pass or another scheduler)."""
        if self._rehearsing:
            taken = self.session.scalar(select(Chaser.id).where(Chaser.key == chaser.key))
            return None if taken is not None else chaser
        insert = self._insert()
        values = {c.key: getattr(chaser, c.key) for c in Chaser.__table__.columns if c.key not in ("id", "outbox_id")}
        stmt = insert(Chaser).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(Chaser.id)
        new_id = self.session.execute(stmt).scalar_one_or_none()
        return self.session.get(Chaser, new_id) if new_id is not None else None

    def cases_with_open_deadlines(self, before: datetime) -> list[int]:
        """Open cases, and cases waiting for information, with an unmet deadline due before ``before``.

        Two index reads whose cost follows what is due, not what is open: the
        unmet deadlines by due time (the index on (met, due); ``met = false``, not
        ``IS``, so both planners use it), then those few cases by primary key."""
        due = sorted(set(self.session.scalars(due_cases_query(before))))
        if not due:
            return []
        chased = select(Case.id).where(Case.id.in_(due), Case.state.in_(("open", "awaiting_information")))
        return list(self.session.scalars(chased.order_by(Case.id)))


def due_cases_query(before: datetime) -> Select[tuple[int]]:
    """The deadline pass's first read: the case of each unmet deadline due by ``before`` (one place, so its plan
    is checked). No ORDER BY or DISTINCT: with one, SQLite walks the case_id index over every deadline instead."""
    return select(Deadline.case_id).where(Deadline.met == False, Deadline.due <= before)  # noqa: E712 (the index's equality)


class SecretRepository(_Repository):
    def get_or_create(self, name: str, make: Callable[[], str]) -> str:
        """The named secret; the first process to ask makes it, the rest read the same one."""
        insert = self._insert()
        self.session.execute(insert(Secret).values(name=name, value=make()).on_conflict_do_nothing(index_elements=["name"]))
        value = self.session.scalar(select(Secret.value).where(Secret.name == name))
        assert value is not None
        return value


class NotificationRepository(_Repository):
    def take(self, key: str, kind: str, now: datetime) -> bool:
        """Claim a once-only notification; False when another pass or process already has."""
        if self._rehearsing:
            return self.session.scalar(select(Notification.id).where(Notification.key == key)) is None
        insert = self._insert()
        stmt = insert(Notification).values(key=key, kind=kind, created_at=now).on_conflict_do_nothing(index_elements=["key"])
        return self.session.execute(stmt.returning(Notification.id)).scalar_one_or_none() is not None


class BounceRepository(_Repository):
    """Addresses whose mail bounced: one row each, counting bounces."""

    def mark(
        self,
        address: str,
        now: datetime,
        status: str | None,
        diagnostic: str | None,
        outbox_id: int | None,
        inbound_id: int | None,
    ) -> None:
        if self._rehearsing:
            return  # a count, read by nothing the decision goes on to do: the write transaction keeps it
        insert = self._insert()
        self.session.execute(
            insert(BouncingAddress)
            .values(address=address, first_at=now, last_at=now, bounces=0)
            .on_conflict_do_nothing(index_elements=["address"])
        )
        self.session.execute(
            update(BouncingAddress)
            .where(BouncingAddress.address == address)
            .values(
                last_at=now,
                bounces=BouncingAddress.bounces + 1,
                status=status,
                diagnostic=(diagnostic or "")[:1000] or None,
                outbox_id=outbox_id,
                inbound_id=inbound_id,
            )
        )

    def all(self) -> Sequence[BouncingAddress]:
        return self.session.scalars(select(BouncingAddress).order_by(BouncingAddress.address)).all()
