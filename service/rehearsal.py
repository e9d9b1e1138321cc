"""A rehearsal: a message's decision run once ahead of its write transaction, reading only, to do its slow work there.

On SQLite (WAL) a transaction that writes holds the one write lock from its
``BEGIN IMMEDIATE`` to its commit, and the SMTP intake's store waits for it
(issue 15). So the worker first runs the very same decision code in a read
snapshot (a deferred BEGIN, which never blocks the writer) on a session that
sends no write to the database, keeping what was slow there: every letter
rendered (Jinja, MIME, its Message-ID) and any earlier message read again.
The write transaction then runs the decision again on what it reads under the
lock (reads and choices, a few milliseconds) and takes each rendered letter
only where its inputs are exactly the same; anything that changed between the
two (another worker moved the case) is decided and rendered afresh inside it.
Nothing the rehearsal did is written: its session rolls back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from escalations.outbound.letters import KeptLetters
from escalations.service.budget import BudgetExceeded
from escalations.storage.engine import REHEARSAL, read_sessions

log = logging.getLogger(__name__)
_REHEARSING: ContextVar[bool] = ContextVar("escalations_rehearsing", default=False)


class _Quiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _REHEARSING.get()


def quiet_in_rehearsal(logger: logging.Logger) -> logging.Logger:
    """A decision's log lines ("inbound 7: processed") are said by the write transaction only, not twice."""
    logger.addFilter(_Quiet())
    return logger


class RehearsalWrite(Exception):
    """A rehearsal reached a statement that would write: it stops there (what it rendered so far is kept)."""


class Rehearsal:
    """What a rehearsal made ahead, for the write transaction to take: its letters and the messages it read again."""

    def __init__(self) -> None:
        self.letters = KeptLetters()
        self.read: dict[tuple[int, int], Any] = {}  # an earlier message prepared again, by (inbound id, hash of its bytes)

    @property
    def rendered(self) -> int:
        """Letters rendered in the write transaction: those whose inputs changed since the rehearsal."""
        return self.letters.rendered

    def prepared(self, inbound_id: int, raw: bytes, prepare: Callable[[], Any]) -> Any:
        """An earlier message read again (a notice held in review that a reply completes): once, in the rehearsal."""
        key = (inbound_id, hash(raw))
        if key not in self.read:
            self.read[key] = prepare()
        return self.read[key]

    def applying(self) -> Rehearsal:
        """From now on, for the write transaction: letters are taken, not kept."""
        self.letters.take_from_now()
        return self


@contextmanager
def rehearsal_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A read snapshot whose session never writes: flushes are skipped, and a write statement raises."""
    reads = read_sessions(sessions)
    session = _NoWrites(bind=reads.kw["bind"], autoflush=False, expire_on_commit=False)
    session.info[REHEARSAL] = True
    event.listen(session, "do_orm_execute", _refuse_writes)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


class _NoWrites(Session):
    def flush(self, objects: Any = None) -> None:
        """Nothing goes to the database: new rows stay pending (without ids) until the session rolls back."""

    def commit(self) -> None:
        raise RehearsalWrite("a rehearsal never commits")

    @contextmanager  # type: ignore[override]
    def begin_nested(self) -> Iterator[None]:
        """No savepoint: one is released by flushing what it holds, and nothing here is flushed. A failure
        inside (caught by the caller) leaves its pending rows in this session, which rolls back unwritten."""
        yield None


def _refuse_writes(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise RehearsalWrite(f"a rehearsal reached a write ({type(state.statement).__name__})")


def rehearse(sessions: sessionmaker[Session], run: Callable[[Session, Rehearsal], object]) -> Rehearsal:
    """Run ``run`` in a rehearsal session; whatever it rendered before it ended (or failed) is kept.

    A failure here is not the message's: the write transaction meets it again and handles it as ever
    (a try counted, quarantine). Only the budget and a database that is down stop the message here."""
    rehearsal = Rehearsal()
    token = _REHEARSING.set(True)
    try:
        with rehearsal_session(sessions) as session:
            run(session, rehearsal)
    except BudgetExceeded:
        raise
    except RehearsalWrite as exc:
        log.debug("rehearsal stopped before a write: %s", exc)
    except OperationalError:
        raise
    except Exception as exc:
        log.debug("rehearsal failed (%s); the write transaction decides alone", type(exc).__name__)
    finally:
        _REHEARSING.reset(token)
    return rehearsal.applying()
