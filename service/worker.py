"""The worker: claim a stored message, run the pipeline, commit its results in one transaction.

A claim is a short lease held by a process identity (storage.claims): several
workers (threads or `serve` processes) on one database never take the same
message; a heartbeat renews the lease while the message is in hand; a worker
that dies mid-message leaves it to be claimed again at once by a process on
the same host (it can see the holder is gone), or by any process when the
lease runs out. The claim counts a try; after MAX_TRIES the message goes to
quarantine with its reason, so one bad message never stops the others
(Mailman's shunt queue), even one that kills the worker every time.

It reads ahead (issue 15): once a message is read, while it is matched, decided
and committed, the next message waiting is read (parsed, screened, its document
read by a sandbox reader child) on a thread of its own. That message is only
looked at, never claimed: its claim, its try, its lease and its decision come
when the worker takes it in turn, as ever, and the reading is used only if the
claim is of the very message read (the same bytes, the same day); anything else
is thrown away (another worker took it, say) and the message read again. So a
crash leaves nothing claimed by the read-ahead, messages are decided one at a
time in their order, and the budget covers the wait for a reading taken (the
reading itself is bounded by the sandbox's limits).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from escalations.intake.authentication import Origin
from escalations.intake.mime import MalformedMessage
from escalations.service.budget import budget
from escalations.service import faults
from escalations.service.pipeline import LONDON, Apply, Context, Prepared, premise_for, prepare, rehearse_message
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


@dataclass(eq=False)
class _Ahead:
    """The next waiting message, being read on a thread of its own while the worker decides the one in hand."""

    id: int
    raw: bytes
    day: date  # the notice's "today" it was read with (service.pipeline.prepare)
    done: threading.Event = field(default_factory=threading.Event)
    prepared: Prepared | None = None
    error: BaseException | None = None
    thread: threading.Thread | None = None


class Worker:
    def __init__(
        self, sessions: sessionmaker[Session], context: Context, budget_seconds: float | None = None, read_ahead: bool = True
    ) -> None:
        self.sessions = sessions
        self.context = context
        self.budget_seconds = budget_seconds  # per message; only on the main thread (service.budget)
        self.read_ahead = read_ahead
        self._ahead: _Ahead | None = None  # at most one reading ahead at a time

    def run_once(self) -> bool:
        """Handle one message if one is waiting; say whether there was one."""
        work = self._claim()
        if work is None:
            return False
        self._handle(work, read_ahead=self.read_ahead)
        return True

    def _handle(self, work: _Work, read_ahead: bool = False) -> None:
        with Heartbeat(lambda: self._renew(work.claim), every=HEARTBEAT_SECONDS, name=f"heartbeat-inbound-{work.claim.id}"):
            self._handle_claimed(work, read_ahead)

    def _renew(self, claim: Claim) -> None:
        with self.sessions.begin() as session:
            if not InboundRepository(session).renew(claim, self.context.clock(), LEASE):
                # Finished a moment ago, or taken over after a lapse: the commit checks the claim either way.
                log.debug("inbound %s: no longer held by this worker", claim.id)

    def _handle_claimed(self, work: _Work, read_ahead: bool = False) -> None:
        try:
            with budget(self.budget_seconds):  # BudgetExceeded: a failed try like any other
                self._process(work, read_ahead)
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

    def _process(self, work: _Work, read_ahead: bool = False) -> None:
        faults.point("worker-claimed")
        prepared = self._prepared(work)
        faults.point("worker-prepared")
        if read_ahead:
            self._read_next(work.claim.id)
            faults.point("worker-reading-ahead")
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

    def _prepared(self, work: _Work) -> Prepared:
        """The message read: by the read-ahead if it read this very message today (waited for within the
        budget), else here. A failure the reading met is raised here, as if met here."""
        ahead, self._ahead = self._ahead, None
        today = self.context.clock().astimezone(LONDON).date()
        if ahead is not None and ahead.id == work.claim.id and ahead.raw == work.raw and ahead.day == today:
            ahead.done.wait()  # interrupted by the budget's SIGALRM like any wait on the main thread
            if ahead.error is not None:
                raise ahead.error
            if ahead.prepared is not None:
                return ahead.prepared
        elif ahead is not None and not ahead.done.is_set():
            self._ahead = ahead  # still reading a message another worker took: no second reading beside it
        return prepare(work.raw, work.envelope_from, self.context, work.origin)

    def _read_next(self, current: int) -> None:
        """Start reading the next waiting message, unless a reading is still going (one at a time)."""
        if self._ahead is not None and not self._ahead.done.is_set():
            return
        with read_sessions(self.sessions)() as session:  # a look without the write lock; nothing claimed
            message = InboundRepository(session).next_waiting(current)
            if message is None:
                self._ahead = None
                return
            origin = Origin(message.source, message.envelope_from, message.peer_ip, message.helo)
            ahead = _Ahead(message.id, message.raw, self.context.clock().astimezone(LONDON).date())
            envelope_from = message.envelope_from

        def read() -> None:
            try:
                ahead.day = self.context.clock().astimezone(LONDON).date()  # as prepare takes it, a moment later
                ahead.prepared = prepare(ahead.raw, envelope_from, self.context, origin)
            except BaseException as exc:  # given to the worker when it takes this message, as its own failure
                ahead.error = exc
            finally:
                ahead.done.set()

        ahead.thread = threading.Thread(target=read, name=f"read-ahead-inbound-{ahead.id}", daemon=True)
        self._ahead = ahead
        ahead.thread.start()

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
