"""The worker: claim a stored message, run the pipeline, commit its results in one transaction.

A claim is a short lease held by a process identity (storage.claims): several
workers (threads or `serve` processes) on one database never take the same
message; a heartbeat renews the lease while the message is in hand; a worker
that dies mid-message leaves it to be claimed again at once by a process on
the same host (it can see the holder is gone), or by any process when the
lease runs out. The claim counts a try; after MAX_TRIES the message goes to
quarantine with its reason, so one bad message never stops the others
(Mailman's shunt queue), even one that kills the worker every time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from escalations.intake.authentication import Origin
from escalations.intake.mime import MalformedMessage
from escalations.service.budget import budget
from escalations.service import faults
from escalations.service.pipeline import Apply, Context, premise_for, prepare, rehearse_message
from escalations.storage.claims import HEARTBEAT_SECONDS, LEASE, Heartbeat
from escalations.storage.engine import read_sessions
from escalations.storage.logs import log_failure
from escalations.storage.models import InboundMessage, InboundStatus
from escalations.storage.repositories import Claim, InboundRepository

log = logging.getLogger(__name__)

MAX_TRIES = 3


class PermanentFailure(Exception):
    """Retrying will not help: quarantine at once."""


@dataclass(frozen=True)
class _Work:
    claim: Claim
    raw: bytes
    envelope_from: str | None
    origin: Origin


class Worker:
    def __init__(self, sessions: sessionmaker[Session], context: Context, budget_seconds: float | None = None) -> None:
        self.sessions = sessions
        self.context = context
        self.budget_seconds = budget_seconds  # per message; only on the main thread (service.budget)

    def run_once(self) -> bool:
        """Handle one message if one is waiting; say whether there was one."""
        work = self._claim()
        if work is None:
            return False
        self._handle(work)
        return True

    def _handle(self, work: _Work) -> None:
        with Heartbeat(lambda: self._renew(work.claim), every=HEARTBEAT_SECONDS, name=f"heartbeat-inbound-{work.claim.id}"):
            self._handle_claimed(work)

    def _renew(self, claim: Claim) -> None:
        with self.sessions.begin() as session:
            if not InboundRepository(session).renew(claim, self.context.clock(), LEASE):
                # Finished a moment ago, or taken over after a lapse: the commit checks the claim either way.
                log.debug("inbound %s: no longer held by this worker", claim.id)

    def _handle_claimed(self, work: _Work) -> None:
        try:
            with budget(self.budget_seconds):  # BudgetExceeded: a failed try like any other
                self._process(work)
        except OperationalError:
            # The database failed (down, disk full), not the message: give the try back and let the loop pause.
            self._storage_failed(work.claim)
            raise
        except (MalformedMessage, PermanentFailure) as exc:
            self._failed(work.claim, f"{type(exc).__name__}: {exc}", permanent=True)
        except Exception as exc:
            # The message text stays in the database; the log says only what kind of failure it was.
            log_failure(log, "inbound %s: try %s failed", exc, work.claim.id, work.claim.tries)
            self._failed(work.claim, f"{type(exc).__name__}: {exc}"[:2000], permanent=False)

    def run_message(self, message_id: int) -> bool:
        """Handle one particular waiting message now (after a review decision, say)."""
        work = self._claim(message_id)
        if work is None:
            return False
        self._handle(work)
        return True

    def run_until_idle(self, limit: int = 10_000) -> int:
        handled = 0
        while handled < limit and self.run_once():
            handled += 1
        return handled

    def _claim(self, only: int | None = None) -> _Work | None:
        now = self.context.clock()
        with self.sessions.begin() as session:
            repo = InboundRepository(session)
            claim = repo.claim_next(now, LEASE, only=only)
            if claim is None:
                return None
            message = repo.get(claim.id)
            assert message is not None
            if claim.taken_over is not None:
                log.warning(
                    "inbound %s: taken over (%s) from a worker that stopped with it in hand; try %s",
                    claim.id,
                    "its process has ended" if claim.taken_over == "holder-gone" else "its lease ran out",
                    claim.tries,
                )
            if claim.tries > MAX_TRIES:
                # Tried MAX_TRIES times already and never finished: the process
                # itself died on it (a crash, the OOM killer). Stop here.
                self._quarantine(message, message.last_error or "the worker stopped while processing it, repeatedly")
                return None
            origin = Origin(message.source, message.envelope_from, message.peer_ip, message.helo)
            return _Work(claim, message.raw, message.envelope_from, origin)

    def _process(self, work: _Work) -> None:
        faults.point("worker-claimed")
        prepared = prepare(work.raw, work.envelope_from, self.context, work.origin)
        faults.point("worker-prepared")
        premise = premise_for(read_sessions(self.sessions), work.claim.id, prepared, self.context)  # matching, lock-free
        # The decision rehearsed in a read snapshot, its letters rendered there: the write transaction
        # below holds SQLite's write lock for reads and rows only (issue 15: the intake waits on it).
        now = self.context.clock()
        rehearsal = rehearse_message(self.sessions, work.claim.id, prepared, self.context, premise, now)
        with self.sessions.begin() as session:
            message = InboundRepository(session).lock_claimed(work.claim)
            if message is None:
                log.warning("inbound %s: claim lost (lease expired); another worker has it", work.claim.id)
                return
            Apply(session, message, prepared, self.context, premise, now=now, rehearsal=rehearsal).run()
        if rehearsal.rendered:
            log.debug(
                "inbound %s: %s letter(s) rendered in the transaction (changed since the rehearsal)",
                work.claim.id,
                rehearsal.rendered,
            )

    def _failed(self, claim: Claim, error: str, permanent: bool) -> None:
        with self.sessions.begin() as session:
            message = InboundRepository(session).lock_claimed(claim)
            if message is None:
                return
            message.last_error = error
            if permanent or claim.tries >= MAX_TRIES:
                self._quarantine(message, error)
            else:
                message.status = InboundStatus.RECEIVED
                release(message)

    def _storage_failed(self, claim: Claim) -> None:
        try:
            with self.sessions.begin() as session:
                message = InboundRepository(session).lock_claimed(claim)
                if message is not None:
                    message.status, message.tries = InboundStatus.RECEIVED, max(message.tries - 1, 0)
                    release(message)
        except OperationalError:
            pass  # still failing: the lease runs out and the message is claimed again, counting a try

    @staticmethod
    def _quarantine(message: InboundMessage, error: str) -> None:
        message.status = InboundStatus.QUARANTINED
        message.last_error = error
        release(message)
        log.error("inbound %s: quarantined after %s tr%s", message.id, message.tries, "y" if message.tries == 1 else "ies")


def release(message: InboundMessage) -> None:
    """Let go of a message's claim (it is done, waits again, or is in quarantine)."""
    message.claim_token = None
    message.claimed_until = None
    message.claimed_by = None
