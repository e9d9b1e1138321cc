"""Recipients not reached: what the sender records when a relay refuses some or all of them.

Nobody may think mail arrived that did not. A recipient refused with a 5xx
(or a 4xx until the row gives up, or a bounce that comes back later) is
recorded on the outbox row as *undelivered*, once, and handed to a listener
that tells the business manager. A recipient refused with a 4xx while others
were accepted is tried again alone: the row stays pending for those only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from escalations.storage.logs import log_failure
from escalations.storage.models import OutboxMessage

log = logging.getLogger(__name__)

REFUSED = "refused"  # the relay said 5xx to this recipient
GAVE_UP = "gave-up"  # a 4xx (or no answer) until the row ran out of attempts
BOUNCED = "bounced"  # accepted by the relay, then a bounce (DSN) came back


@dataclass(frozen=True)
class Undelivered:
    """One recipient of one outbox row who was not reached, and why (the SMTP code and words)."""

    address: str
    how: str
    code: int | None
    text: str
    status: str | None = None  # the DSN status ("5.1.1") when a bounce said it

    def as_json(self, at: datetime) -> dict[str, object]:
        return {
            "address": self.address,
            "how": self.how,
            "code": self.code,
            "text": self.text[:500],
            "status": self.status,
            "at": at.isoformat(),
        }


class FailureListener(Protocol):
    def undelivered(self, session: Session, row: OutboxMessage, failures: Sequence[Undelivered], now: datetime) -> None:
        """Recipients of ``row`` were not reached (each told once); record and tell, in the caller's transaction."""


def is_permanent(code: int) -> bool:
    return 500 <= code <= 599


def split_refusals(refused: Mapping[str, tuple[int, str]]) -> tuple[list[Undelivered], list[str]]:
    """Refused recipients: the 5xx ones (not reached) and the 4xx ones (worth another try alone)."""
    permanent = [Undelivered(a, REFUSED, code, text) for a, (code, text) in refused.items() if is_permanent(code)]
    temporary = [a for a, (code, _) in refused.items() if not is_permanent(code)]
    return permanent, temporary


def record_undelivered(row: OutboxMessage, failures: Sequence[Undelivered], now: datetime) -> list[Undelivered]:
    """Add the recipients not already recorded as undelivered; return only the new ones (to tell once)."""
    known = {entry["address"].lower() for entry in row.undelivered or []}
    fresh = []
    for failure in failures:
        if failure.address.lower() not in known:
            known.add(failure.address.lower())
            fresh.append(failure)
    if fresh:
        row.undelivered = list(row.undelivered or []) + [f.as_json(now) for f in fresh]
        row.undelivered_at = row.undelivered_at or now
    return fresh


def envelope_recipients(row: OutboxMessage) -> tuple[str, ...]:
    """Whom the next attempt goes to: the 4xx-refused recipients alone, once the others have it."""
    return tuple(row.pending_recipients or row.recipients)


def tell(
    listener: FailureListener | None, session: Session, row: OutboxMessage, failures: Sequence[Undelivered], now: datetime
) -> None:
    fresh = record_undelivered(row, failures, now)
    if not fresh:
        return
    log.error("outbox %s: %s recipient(s) not reached (%s)", row.id, len(fresh), ", ".join(sorted({f.how for f in fresh})))
    if listener is None:
        return
    try:
        with session.begin_nested():  # a failing alert must not undo the record of the failure itself
            listener.undelivered(session, row, fresh, now)
    except Exception as exc:
        log_failure(log, "outbox %s: could not alert about recipients not reached", exc, row.id)
