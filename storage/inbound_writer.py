"""The one writer of received messages in a process: stores queued, run by one thread, several in one commit.

Several SMTP sessions storing at once used to mean several threads each
opening its own ``BEGIN IMMEDIATE`` and backing off on SQLite's write lock
(issue 15). Here the stores wait in one queue; a writer thread takes every
store waiting, inserts them in one transaction and commits once (group commit:
one fsync for all of them), then answers each. Its results reach the caller
only after that commit, so "commit, then 250" holds for every message in a
batch. SQLite allows one writer at a time, so one thread; PostgreSQL gets a
small pool of them.

A store whose caller stopped waiting (timed out and answered 451) before the
writer took it is skipped; one already in a transaction is committed and its
sender's retry is recognised as a duplicate. When the writer is stuck (a
frozen database) at most ``max_waiting`` stores queue behind it; beyond that
``submit`` refuses at once, so the intake answers 451 rather than piling up.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from escalations.storage.engine import is_postgres
from escalations.storage.inbound_store import store_inbound
from escalations.storage.logs import log_failure
from escalations.storage.repositories import Stored

log = logging.getLogger(__name__)

POSTGRES_WRITERS = 2  # a small pool: a second commit can be in flight while the first waits for the disk
MAX_BATCH = 64  # stores in one transaction at most (a burst is split, so no one answer waits for all of it)
MAX_WAITING = 256  # stores queued behind a writer at most


@dataclass(frozen=True)
class _Store:
    values: dict[str, Any]
    future: Future[Stored]


class InboundWriter:
    def __init__(
        self, engine: Engine, writers: int | None = None, max_batch: int = MAX_BATCH, max_waiting: int = MAX_WAITING
    ) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Store | None] = queue.SimpleQueue()
        self._room = threading.BoundedSemaphore(max_waiting)
        count = writers or (POSTGRES_WRITERS if is_postgres(engine) else 1)
        # Daemon threads: one stuck on a frozen database must not stop the process from exiting.
        self._threads = [threading.Thread(target=self._run, name=f"inbound-writer-{n}", daemon=True) for n in range(count)]
        for thread in self._threads:
            thread.start()

    def submit(self, values: dict[str, Any]) -> Future[Stored] | None:
        """The store's future (set after its commit), or None when too many stores wait already."""
        if not self._room.acquire(blocking=False):
            return None
        future: Future[Stored] = Future()
        self._queue.put(_Store(values, future))
        return future

    def close(self, timeout: float = 5.0) -> None:
        """Let the writers finish what is queued, then stop (a stuck one is left behind: a daemon)."""
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            live = [store for store in batch if store.future.set_running_or_notify_cancel()]
            if live:
                self._write(live)

    def _take(self) -> list[_Store] | None:
        """The next store and every other one waiting now, up to a batch; None when told to stop."""
        first = self._queue.get()
        if first is None:
            return None
        batch = [first]
        while len(batch) < self.max_batch:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                break
            if more is None:
                self._queue.put(None)  # stop after this batch
                break
            batch.append(more)
        for _ in batch:
            self._room.release()
        return batch

    def _write(self, batch: list[_Store]) -> None:
        try:
            with self.engine.begin() as connection:
                results = [Stored(*store_inbound(connection, store.values)) for store in batch]
        except OperationalError as exc:  # the database, not a message: every store in the batch fails alike
            self._fail(batch, exc)
        except Exception as exc:
            if len(batch) == 1:
                self._fail(batch, exc)
            else:  # one message's values failed the batch: store each alone, so the others still go in
                for store in batch:
                    self._write([store])
        else:
            for store, result in zip(batch, results):
                store.future.set_result(result)

    @staticmethod
    def _fail(batch: list[_Store], exc: Exception) -> None:
        log_failure(log, "inbound writer: %s store(s) failed", exc, len(batch), level=logging.WARNING)
        for store in batch:
            store.future.set_exception(exc)
