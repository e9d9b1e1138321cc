"""Listings that page: the queries behind `cases list`, `review list`, `outbox list` and the console's lists.

One query function per listing, used by the command line and the console
alike. ``Listing`` reads a page in short batches by id (keyset: each batch in
its own short transaction, so a long listing neither holds memory nor the
database), and says whether more rows follow the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, defer, selectinload

from escalations.storage.models import Case, InboundMessage, InboundStatus, OutboxMessage, OutboxStatus

DEFAULT_LIMIT = 100  # rows a list prints unless asked for more: a screenful an operator can read
BATCH = 500  # rows read per transaction


def cases_query(partnerships: Sequence[str] | None = None) -> Select[tuple[Case]]:
    """Cases (with their deadlines), oldest first; ``partnerships``: only theirs."""
    query = select(Case).options(selectinload(Case.deadlines))
    return query.where(Case.partnership.in_(partnerships)) if partnerships is not None else query


def held_query(status: str = InboundStatus.REVIEW, with_raw: bool = False) -> Select[tuple[InboundMessage]]:
    """Messages held in review (or quarantine) with the case each names; the raw bytes only when asked for."""
    query = select(InboundMessage).where(InboundMessage.status == status).options(selectinload(InboundMessage.case))
    return query if with_raw else query.options(defer(InboundMessage.raw))


def outbox_query(status: str | None = None, dead: bool = False) -> Select[tuple[OutboxMessage]]:
    """Outbox rows without their bytes; ``dead``: every row that failed someone (dead, or some recipients not reached)."""
    query = select(OutboxMessage).options(defer(OutboxMessage.raw), selectinload(OutboxMessage.case))
    if status:
        query = query.where(OutboxMessage.status == status)
    if dead:
        query = query.where((OutboxMessage.status == OutboxStatus.DEAD) | OutboxMessage.undelivered_at.is_not(None))
    return query


class Listing:
    """Up to ``limit`` rows after ``offset``, by id, each turned into a plain value inside its batch's session.

    Iterate once; afterwards ``more`` says whether rows follow, and ``next_offset`` where they start."""

    def __init__(
        self,
        sessions: Callable[[], Session],
        query: Select[Any],
        convert: Callable[[Any], Any],
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        batch: int = BATCH,
    ) -> None:
        self.sessions, self.query, self.convert = sessions, query, convert
        self.limit, self.offset, self.batch = limit, offset, batch
        self.more = False
        self.next_offset = offset

    def __iter__(self) -> Iterator[Any]:
        model = self.query.column_descriptions[0]["entity"]
        after: int | None = None
        left = self.limit
        while left > 0:
            want = min(left, self.batch)
            query = self.query.order_by(model.id).limit(want + 1)  # one more: does anything follow?
            query = query.offset(self.offset) if after is None else query.where(model.id > after)
            with self.sessions() as session:
                rows = session.scalars(query).all()
                values = [self.convert(row) for row in rows[:want]]
            yield from values
            self.next_offset += len(values)
            left -= len(values)
            if len(rows) <= want:
                return
            after = rows[want - 1].id
            self.more = left == 0
