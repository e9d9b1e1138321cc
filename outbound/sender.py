"""The outbox sender: the only code that sends mail (DESIGN.md invariant 4).

A pass claims due rows under this process's identity, with a short lease its
heartbeat renews while the pass lasts (storage.claims), so two senders never
take one row however long a batch takes. Each row is marked ``sending`` in a
commit of its own just before its SMTP transaction, delivered outside any
transaction, and its result committed at once (per row, not per batch).
A crash between the relay's ``250`` and that commit leaves the row marked
``sending``: whoever claims it next knows it may have gone out, records that
on the row and the case timeline, and sends it again with the same bytes and
Message-ID, which the receiving side can recognise. Temporary failures retry
with exponential backoff; permanent ones, and rows that have failed too
often, are dead-lettered and listed by ``outbox list --dead``.
Recipients refused with a 4xx while others were accepted are retried alone;
every recipient not reached is recorded once and told to a listener
(``outbound.failures``), which alerts the business manager.
"""

from __future__ import annotations

import email
import email.policy
import logging
import time
import uuid
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
from escalations.storage.claims import HEARTBEAT_SECONDS, LEASE, Heartbeat, this_process
from escalations.storage.logs import log_failure
from escalations.storage.models import CaseEvent, OutboxMessage, OutboxStatus
from escalations.storage.repositories import CaseRepository, OutboxRepository

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
RECORD_PATIENCE_SECONDS = 60.0  # how long a delivery's result is kept trying to reach the database


@dataclass(frozen=True)
class _Job:
    id: int
    token: str
    raw: bytes
    mail_from: str
    recipients: tuple[str, ...]
    attempts: int


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failure, never more than an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


class OutboxSender:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        transport: Transport,
        clock: Callable[[], datetime],
        failures: FailureListener | None = None,
    ) -> None:
        self.sessions = sessions
        self.transport = transport
        self.clock = clock
        self.failures = failures

    def run_once(self, limit: int = 20) -> int:
        """One delivery pass; returns how many rows it tried."""
        jobs = self._claim(limit)
        if not jobs:
            return 0
        held = {job.id: job.token for job in jobs}
        with Heartbeat(lambda: self._renew(held), every=HEARTBEAT_SECONDS, name="heartbeat-outbox"):
            for job in jobs:
                if self._start(job):
                    self._deliver(job)
                held.pop(job.id, None)
        return len(jobs)

    def _claim(self, limit: int) -> list[_Job]:
        now = self.clock()
        holder = str(this_process())
        with self.sessions.begin() as session:
            jobs = []
            for row in OutboxRepository(session).due(now, limit):
                if row.sending_since is not None:
                    self._possibly_sent(session, row, now)
                row.attempts += 1
                row.claim_token, row.claimed_by, row.claimed_until = str(uuid.uuid4()), holder, now + LEASE
                jobs.append(_Job(row.id, row.claim_token, row.raw, row.mail_from, envelope_recipients(row), row.attempts))
            return jobs

    def _possibly_sent(self, session: Session, row: OutboxMessage, now: datetime) -> None:
        """The last sender died during this row's SMTP transaction: the relay may have it already."""
        row.uncertain_deliveries += 1
        row.sending_since = None
        log.warning(
            "outbox %s: its sender stopped during delivery; it may have gone out, sending it again (same Message-ID)", row.id
        )
        self._event(
            session,
            row,
            "outbound-possibly-sent",
            "the sender stopped during delivery, so this may already have been delivered; sent again with the same "
            "Message-ID, which lets mail clients show it once",
            now,
        )

    def _renew(self, held: dict[int, str]) -> None:
        with self.sessions.begin() as session:
            OutboxRepository(session).renew(list(held.items()), self.clock(), LEASE)

    def _start(self, job: _Job) -> bool:
        """Mark the row as being sent, committed before the SMTP transaction begins; False if the claim was lost."""
        with self.sessions.begin() as session:
            row = OutboxRepository(session).claimed(job.id, job.token)
            if row is None:
                log.warning("outbox %s: claim lost before sending (its lease ran out); another sender has it", job.id)
                return False
            row.sending_since = self.clock()
            return True

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

    def _record(
        self, job: _Job, error: str | None, permanent: bool = False, sent: bool = False, refused: Refused | None = None
    ) -> None:
        """Commit a delivery's result; if the database fails, keep trying a while (a resend is what the failure costs)."""
        waited, pause = 0.0, 0.25
        while True:
            try:
                return self._record_once(job, error, permanent, sent, refused)
            except Exception as exc:
                if waited >= RECORD_PATIENCE_SECONDS:
                    log_failure(log, "outbox %s: could not record its delivery; it will be sent again", exc, job.id)
                    return None
                log.warning("outbox %s: could not record its delivery yet (%s); trying again", job.id, type(exc).__name__)
                time.sleep(pause)
                waited, pause = waited + pause, min(pause * 2, 5.0)

    def _record_once(self, job: _Job, error: str | None, permanent: bool, sent: bool, refused: Refused | None) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            row = OutboxRepository(session).get(job.id)
            if row is None:
                return
            row.claim_token = row.claimed_by = row.claimed_until = row.sending_since = None
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
            log.warning(
                "outbox %s: %s recipient(s) refused for now; retrying them alone at %s",
                row.id,
                len(temporary),
                row.next_attempt_at.isoformat(),
            )

    def _give_up(
        self, session: Session, row: OutboxMessage, job: _Job, error: str | None, refused: Refused, now: datetime
    ) -> None:
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
            CaseEvent(
                case_id=row.case_id, at=now, kind="outbound", rule=rule, reason=reason, outbox_id=row.id, data={"kind": row.kind}
            )
        )


def _not_reached(address: str, refused: Refused, error: str | None, exhausted: bool) -> Undelivered:
    code, text = refused.get(address, (None, error or "no answer"))
    permanent = is_permanent(code) if code is not None else not exhausted
    return Undelivered(address, REFUSED if permanent else GAVE_UP, code, text)
