"""`escalations serve`: the SMTP intake, the IMAP watchers, the worker and the outbox sender in one process.

The SMTP server runs on an asyncio loop and only stores; the worker and the
sender are threads that do the blocking database and network work. SIGTERM
(or SIGINT) stops the listener, lets the worker finish the message in hand,
and exits.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable

from escalations.intake.receiving import Envelope, receive
from escalations.intake.smtp import IntakeHandler, make_server_factory
from escalations.service.imap_runner import start_watchers
from escalations.service.runtime import Runtime
from escalations.storage.logs import log_failure
from escalations.storage.repositories import Stored

log = logging.getLogger(__name__)


class Service:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.process = runtime.settings.worker.enabled
        self.stopping = threading.Event()
        self.work_waiting = threading.Event()
        self.mail_waiting = threading.Event()
        self.threads: list[threading.Thread] = []

    def run(self) -> None:
        self.runtime.prepare_database()
        self.threads += start_watchers(self.runtime, self.stopping, self._stored)
        if self.process:
            self._start_thread("worker", self._worker_loop)
            self._start_thread("sender", self._sender_loop)
            self._start_thread("scheduler", self._scheduler_loop)
        try:
            asyncio.run(self._serve_smtp())
        finally:
            self.stopping.set()
            self.work_waiting.set()
            self.mail_waiting.set()
            for thread in self.threads:
                thread.join()
            self.runtime.close()
            log.info("serve: stopped")

    def stop(self) -> None:
        self.stopping.set()

    async def _serve_smtp(self) -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        settings = self.runtime.settings.smtp
        server = None
        if settings.enabled:
            handler = IntakeHandler(self.runtime.mailboxes, self._store, settings.max_message_bytes, self._stored,
                                    store_timeout=settings.store_timeout_seconds)
            server = await loop.create_server(make_server_factory(handler), settings.host, settings.port)
            log.info("serve: SMTP intake listening on %s:%s for %s mailbox(es)", settings.host, settings.port, len(self.runtime.mailboxes))
        while not (stop.is_set() or self.stopping.is_set()):
            try:
                await asyncio.wait_for(stop.wait(), timeout=0.25)
            except TimeoutError:
                pass
        log.info("serve: stopping")
        if server is not None:
            server.close()
            await server.wait_closed()

    def _store(self, raw: bytes, envelope: Envelope) -> Stored:
        return receive(self.runtime.sessions, raw, envelope, self.runtime.clock())

    def _stored(self, stored: Stored) -> None:
        if not stored.duplicate:
            self.work_waiting.set()

    def _start_thread(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name)
        thread.start()
        self.threads.append(thread)

    def _worker_loop(self) -> None:
        worker = self.runtime.worker()
        poll = self.runtime.settings.worker.poll_seconds
        log.info("worker: started")
        while not self.stopping.is_set():
            handled = _guarded("worker", worker.run_once)
            if handled:
                self.mail_waiting.set()
            else:
                self.work_waiting.wait(poll)
                self.work_waiting.clear()

    def _sender_loop(self) -> None:
        sender = self.runtime.outbox_sender()
        poll = self.runtime.settings.worker.sender_poll_seconds
        while not self.stopping.is_set():
            if not _guarded("sender", sender.run_once):
                self.mail_waiting.wait(poll)
                self.mail_waiting.clear()


    def _scheduler_loop(self) -> None:
        scheduler = self.runtime.scheduler()
        every = self.runtime.settings.worker.scheduler_seconds
        while not self.stopping.is_set():
            if _guarded("scheduler", scheduler.run_once):
                self.mail_waiting.set()
            self.stopping.wait(every)


def _guarded(name: str, step: Callable[[], object]) -> object:
    """Run one step; a failure (the database away, say) is logged and the loop goes on."""
    try:
        return step()
    except Exception as exc:
        log_failure(log, "%s: step failed; will try again", exc, name)
        return False
