"""The outbox sender: the only code that sends mail (DESIGN.md invariant 4).

A pass claims due rows (a short lease, so several senders never take the same
row), delivers each outside any transaction, then records the result.
Temporary failures retry with exponential backoff; permanent ones, and rows
that have failed too often, are dead-lettered and listed by ``outbox list --dead``.
Recipients refused with a 4xx while others were accepted are retried alone;
every recipient not reached is recorded once and told to a listener
(``outbound.failures``), which alerts the business manager.
A crash between delivery and the record resends the same bytes with the same
Message-ID, which the receiving side can recognise.
"""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.orm import Session, sessionmaker

from escalations.outbound.failures import (
    GAVE_UP,
    REFUSED,
    FailureListener,
    Undelivered,
    envelope_recipients,
    is_permanent,
    split_refusals,
    tell,
)
from escalations.outbound.transports import PermanentDeliveryError, Refused, TemporaryDeliveryError, Transport
from escalations.storage.logs import log_failure
from escalations.storage.models import CaseEvent, OutboxMessage, OutboxStatus
from escalations.storage.repositories import CaseRepository, OutboxRepository

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class _Job:
    id: int
    raw: bytes
    mail_from: str
    recipients: tuple[str, ...]
    attempts: int


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failure, never more than an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


class OutboxSender:
    def __init__(self, sessions: sessionmaker[Session], transport: Transport, clock: Callable[[], datetime],
                 failures: FailureListener | None = None) -> None:
        self.sessions = sessions
        self.transport = transport
        self.clock = clock
        self.failures = failures

    def run_once(self, limit: int = 20) -> int:
        """One delivery pass; returns how many rows it tried."""
        jobs = self._claim(limit)
        for job in jobs:
            self._deliver(job)
        return len(jobs)

    def _claim(self, limit: int) -> list[_Job]:
        now = self.clock()
        with self.sessions.begin() as session:
            jobs = []
            for row in OutboxRepository(session).due(now, limit):
                row.attempts += 1
                row.next_attempt_at = now + LEASE
                jobs.append(_Job(row.id, row.raw, row.mail_from, envelope_recipients(row), row.attempts))
            return jobs

    def _deliver(self, job: _Job) -> None:
        message = email.message_from_bytes(job.raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        try:
            refused = self.transport.send(message, sender=job.mail_from, recipients=job.recipients)
        except TemporaryDeliveryError as exc:
            self._record(job, error=str(exc), permanent=job.attempts >= MAX_ATTEMPTS, refused=exc.refused)
        except PermanentDeliveryError as exc:
            self._record(job, error=str(exc), permanent=True, refused=exc.refused)
        except Exception as exc:  # a bug or an unexpected library error: retry, never lose the row
            log_failure(log, "outbox %s: unexpected delivery error", exc, job.id)
            self._record(job, error=f"unexpected error: {type(exc).__name__}", permanent=job.attempts >= MAX_ATTEMPTS)
        else:
            note = "; ".join(f"{addr}: {code} {text}" for addr, (code, text) in refused.items())
            self._record(job, error=f"refused by some recipients: {note}" if note else None, sent=True, refused=refused)

    def _record(self, job: _Job, error: str | None, permanent: bool = False, sent: bool = False, refused: Refused | None = None) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            row = OutboxRepository(session).get(job.id)
            if row is None:
                return
            row.last_error = error
            if sent:
                row.status, row.sent_at = OutboxStatus.SENT, now
                log.info("outbox %s: sent (%s)", row.id, row.kind)
                if error:
                    self._event(session, row, "outbound-partly-refused", error, now)
                self._partly_refused(session, row, refused or {}, now)
            elif permanent:
                self._give_up(session, row, job, error, refused or {}, now)
            else:
                if refused:  # every recipient refused, some only for now
                    self._partly_refused(session, row, refused, now)
                row.next_attempt_at = now + backoff(row.attempts)
                log.warning("outbox %s: will retry at %s: %s", row.id, row.next_attempt_at.isoformat(), error)

    def _partly_refused(self, session: Session, row: OutboxMessage, refused: Refused, now: datetime) -> None:
        """5xx recipients are not reached (told once); 4xx ones are tried again alone, after a backoff."""
        permanent, temporary = split_refusals(refused)
        tell(self.failures, session, row, permanent, now)
        if not temporary:
            row.pending_recipients = None
            return
        row.pending_recipients = temporary
        if row.status == OutboxStatus.SENT:  # the others have it: back to pending for these alone
            row.status = OutboxStatus.PENDING
            row.next_attempt_at = now + backoff(row.attempts)
            log.warning("outbox %s: %s recipient(s) refused for now; retrying them alone at %s", row.id, len(temporary), row.next_attempt_at.isoformat())

    def _give_up(self, session: Session, row: OutboxMessage, job: _Job, error: str | None, refused: Refused, now: datetime) -> None:
        """No more tries: the recipients of this attempt were not reached. Dead unless others already have it."""
        others_have_it = row.sent_at is not None  # an earlier attempt reached the other recipients
        row.pending_recipients = None
        if others_have_it:
            row.status = OutboxStatus.SENT
            log.error("outbox %s: gave up on the recipients refused for now after %s attempt(s)", row.id, row.attempts)
        else:
            row.status = OutboxStatus.DEAD
            log.error("outbox %s: dead-lettered after %s attempt(s): %s", row.id, row.attempts, error)
            self._event(session, row, "outbound-dead-letter", f"delivery failed for good: {error}", now)
        exhausted = row.attempts >= MAX_ATTEMPTS
        tell(self.failures, session, row, [_not_reached(address, refused, error, exhausted) for address in job.recipients], now)

    @staticmethod
    def _event(session: Session, row: OutboxMessage, rule: str, reason: str, now: datetime) -> None:
        if row.case_id is None:
            return
        CaseRepository(session).add_event(
            CaseEvent(case_id=row.case_id, at=now, kind="outbound", rule=rule, reason=reason, outbox_id=row.id, data={"kind": row.kind})
        )


def _not_reached(address: str, refused: Refused, error: str | None, exhausted: bool) -> Undelivered:
    code, text = refused.get(address, (None, error or "no answer"))
    permanent = is_permanent(code) if code is not None else not exhausted
    return Undelivered(address, REFUSED if permanent else GAVE_UP, code, text)
