"""`escalations serve`: the SMTP intake and IMAP watchers in this process; the worker, sender and scheduler in a child; the web console in another.

Two processes, so that nothing the worker does can stop the intake answering
(DESIGN.md invariant 11; issue 12: one hostile email held the GIL in a regular
expression for minutes and froze SMTP, the worker and even SIGTERM):

- the **intake** process (the one you start) runs the SMTP server on its
  asyncio loop and the IMAP watchers on threads. They only store. It starts the
  **processing** process, ``python -m escalations.service.cli serve --only
  worker,sender,scheduler`` with the same settings file, supervises it
  (restarted with a growing pause, 1 s to a minute, if it dies), wakes it with
  SIGUSR1 when a message is stored, and forwards SIGTERM/SIGINT to it;
- the **processing** process runs the worker on its main thread, so the
  per-message budget (``[worker] message_budget_seconds``, ``service.budget``)
  can interrupt it with SIGALRM, and the sender and scheduler on threads;
- the **console** process (``--only console``, when ``[console] enabled``)
  serves the web console with uvicorn, supervised the same way, so no page
  can hold up the intake or the worker.

``--only`` picks components (``intake``, ``worker``, ``sender``, ``scheduler``,
``console``; default all): ``--only intake`` takes mail in and nothing else, and
the processing components can run without intake (on another host, say). With
``[worker] enabled = false`` the default is intake (and the console). SIGTERM (or SIGINT)
stops the listener, lets the worker finish the message in hand, and exits.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Sequence

from escalations.intake.notices import sandbox
from escalations.intake.receiving import QueuedReceiver
from escalations.intake.smtp import IntakeHandler, make_server_factory
from escalations.intake.smtp_limits import IntakeLimits
from escalations.service import faults
from escalations.service.imap_runner import start_watchers
from escalations.service.runtime import Runtime
from escalations.storage.inbound_writer import InboundWriter
from escalations.storage.logs import log_failure
from escalations.storage.repositories import Stored

log = logging.getLogger(__name__)

COMPONENTS = ("intake", "worker", "sender", "scheduler", "console")
PROCESSING = ("worker", "sender", "scheduler")
STOP_GRACE_SECONDS = 20.0  # the processing process's time to finish the message in hand after SIGTERM
RESTART_PAUSES = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
STEADY_SECONDS = 60.0  # a child that ran this long before dying starts the pauses again
PARENT_ENV = faults.PARENT_ENV  # the intake process's pid, in the processing process
PR_SET_PDEATHSIG = 1  # Linux prctl(2)


def parse_only(text: str | None) -> frozenset[str]:
    """``--only``'s comma-separated components; ValueError naming any we do not know."""
    if text is None:
        return frozenset(COMPONENTS)
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in COMPONENTS]
    if unknown or not names:
        raise ValueError(f"--only takes {', '.join(COMPONENTS)} (comma-separated), not {', '.join(unknown) or 'nothing'}")
    return frozenset(names)


class Service:
    def __init__(self, runtime: Runtime, only: Collection[str] | None = None, child_args: Sequence[str] = ()) -> None:
        self.runtime = runtime
        chosen = frozenset(COMPONENTS if only is None else only)
        if only is None and not runtime.settings.worker.enabled:
            chosen = frozenset({"intake", "console"})
        if only is None and not runtime.settings.console.enabled:
            chosen -= {"console"}
        self.only = chosen
        self.child_args = tuple(child_args)  # --config and -v, for the processing process
        self.stopping = threading.Event()
        self.work_waiting = threading.Event()
        self.mail_waiting = threading.Event()
        self.threads: list[threading.Thread] = []
        self.children: dict[str, subprocess.Popen[bytes]] = {}  # "processing" and "console", by their supervisors

    def run(self) -> None:
        if not os.environ.get(PARENT_ENV):  # the intake process has migrated and seeded already
            self.runtime.prepare_database()
        try:
            if "intake" in self.only:
                self._run_intake()
            elif self.only == {"console"}:
                self._run_console()
            else:
                self._run_processing()
        finally:
            self.stopping.set()
            self.work_waiting.set()
            self.mail_waiting.set()
            for thread in self.threads:
                thread.join()
            sandbox.close_readers()
            self.runtime.close()
            log.info("serve: stopped")

    def stop(self) -> None:
        self.stopping.set()

    # -- the intake process ---------------------------------------------------

    def _run_intake(self) -> None:
        self.threads += start_watchers(self.runtime, self.stopping, self._stored)
        processing = sorted(self.only & set(PROCESSING))
        if processing:
            # Ignored here, so ignored in the child until it sets its handler (an ignored signal
            # stays ignored across exec): a wake-up during its start-up must not kill it.
            signal.signal(signal.SIGUSR1, signal.SIG_IGN)
            self._start_thread("supervisor", lambda: self._supervise("processing", processing))
        self._supervise_console()
        asyncio.run(self._serve_smtp())

    def _supervise_console(self) -> None:
        """The console in a process of its own: no page, however slow, holds up the intake or the worker."""
        if "console" in self.only:
            self._start_thread("console supervisor", lambda: self._supervise("console", ["console"]))

    async def _serve_smtp(self) -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        settings = self.runtime.settings.smtp
        server = writer = None
        if settings.enabled:
            limits = IntakeLimits(settings.max_sessions, settings.max_inflight_bytes)
            writer = InboundWriter(self.runtime.engine)  # this process's one writer of received mail (group commit)
            handler = IntakeHandler(
                self.runtime.mailboxes,
                QueuedReceiver(writer, self.runtime.clock),
                settings.max_message_bytes,
                self._stored,
                limits,
                store_timeout=settings.store_timeout_seconds,
            )
            server = await loop.create_server(make_server_factory(handler), settings.host, settings.port)
            log.info(
                "serve: SMTP intake listening on %s:%s for %s mailbox(es)",
                settings.host,
                settings.port,
                len(self.runtime.mailboxes),
            )
        while not (stop.is_set() or self.stopping.is_set()):
            try:
                await asyncio.wait_for(stop.wait(), timeout=0.25)
            except TimeoutError:
                pass
        log.info("serve: stopping")
        self.stopping.set()
        if server is not None:
            server.close()
            await server.wait_closed()
        if writer is not None:
            writer.close()

    def _stored(self, stored: Stored) -> None:
        if stored.duplicate:
            return
        self.work_waiting.set()
        child = self.children.get("processing")
        if child is not None and child.poll() is None:
            try:
                os.kill(child.pid, signal.SIGUSR1)  # wake the worker; it polls anyway
            except OSError:
                pass

    def _supervise(self, name: str, components: list[str]) -> None:
        """Keep a child process (``processing`` or ``console``) running until we stop; then stop it too."""
        command = [sys.executable, "-m", "escalations.service.cli", "serve", "--only", ",".join(components), *self.child_args]
        failures = 0
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                child = self.children[name] = subprocess.Popen(command, env={**os.environ, PARENT_ENV: str(os.getpid())})
            except OSError as exc:
                log_failure(log, "serve: could not start the %s process", exc, name)
                exit_code: object = "none (not started)"
            else:
                log.info("serve: %s running in process %s", ", ".join(components), child.pid)
                while child.poll() is None and not self.stopping.wait(0.2):
                    pass
                exit_code = child.returncode
            if self.stopping.is_set():
                break
            failures = 0 if time.monotonic() - started > STEADY_SECONDS else failures + 1
            pause = RESTART_PAUSES[min(failures, len(RESTART_PAUSES)) - 1] if failures else RESTART_PAUSES[0]
            log.error("serve: the %s process exited with code %s; starting it again in %g s", name, exit_code, pause)
            self.stopping.wait(pause)
        self._stop_child(name)

    def _stop_child(self, name: str) -> None:
        child = self.children.get(name)
        if child is None or child.poll() is not None:
            return
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            log.error("serve: the %s process did not stop within %g s; killing it", name, STOP_GRACE_SECONDS)
            child.kill()
            child.wait()

    # -- the processing process -----------------------------------------------

    def _run_processing(self) -> None:
        self._relay_signals()
        _stop_with_parent()
        if os.environ.get(PARENT_ENV):
            # Started by the intake process on this machine: when both want a CPU, the intake
            # (SMTP clients waiting for their 250) goes first; the worker's queue waits a little.
            # Its notice readers, started from here, inherit this.
            os.nice(self.runtime.settings.worker.nice)
        self._supervise_console()
        if "sender" in self.only:
            self._start_thread("sender", self._sender_loop)
        if "scheduler" in self.only:
            self._start_thread("scheduler", self._scheduler_loop)
        if "worker" in self.only:
            self._worker_loop()  # on the main thread: its budget needs SIGALRM
        else:
            while not self.stopping.wait(0.5):
                pass

    # -- the console process ----------------------------------------------------

    def _run_console(self) -> None:
        from escalations.console.server import serve_console

        _stop_with_parent()
        serve_console(self.runtime)  # on the main thread: uvicorn takes SIGTERM and SIGINT itself

    def _relay_signals(self) -> None:
        """SIGTERM, SIGINT and SIGUSR1 reach the loops through a pipe that a thread reads.

        A Python signal handler runs on the main thread between two bytecodes, wherever
        that thread is: inside ``Event.set`` or ``Event.wait`` of the very Event the
        handler would set, say, whose lock is not re-entrant. A handler that called
        ``work_waiting.set()`` deadlocked the worker there, holding SQLite's write lock,
        and every store answered 451 from then on (a burst of wake-ups in
        ``benchmarks/intake.py`` did it). So the handlers do nothing: the interpreter's
        own C handler writes each signal's number to the pipe (``signal.set_wakeup_fd``),
        and the ``signals`` thread turns it into the events' ``set()``, as any thread may.
        """
        read, write = os.pipe()
        os.set_blocking(write, False)  # set_wakeup_fd requires it; a full pipe drops a wake-up, not the process
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
            signal.signal(sig, _noted)
        signal.siginterrupt(signal.SIGUSR1, False)  # a wake-up must not interrupt a database call
        signal.set_wakeup_fd(write, warn_on_full_buffer=False)

        def relay() -> None:
            while data := os.read(read, 64):
                if signal.SIGTERM in data or signal.SIGINT in data:
                    self._wake_all()
                    return
                if signal.SIGUSR1 in data:
                    self.work_waiting.set()

        thread = threading.Thread(target=relay, name="signals", daemon=True)  # ends with the stop, or with us
        thread.start()

    def _wake_all(self) -> None:
        self.stopping.set()
        self.work_waiting.set()
        self.mail_waiting.set()

    def _start_thread(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name)
        thread.start()
        self.threads.append(thread)

    def _worker_loop(self) -> None:
        worker = self.runtime.worker(self.runtime.settings.worker.message_budget_seconds)
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


def _noted(_signum: int, _frame: object) -> None:
    """A handler that does nothing: the signal's number is in the wakeup pipe (``_relay_signals``)."""


def _stop_with_parent() -> None:
    """Started by an intake process: be sent SIGTERM when it dies (even by SIGKILL), on Linux."""
    parent = os.environ.get(PARENT_ENV)
    if not parent:
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the parent's SIGTERM still reaches us
        pass
    if str(os.getppid()) != parent:  # it died before the prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _guarded(name: str, step: Callable[[], object]) -> object:
    """Run one step; a failure (the database away, say) is logged and the loop goes on."""
    try:
        return step()
    except Exception as exc:
        log_failure(log, "%s: step failed; will try again", exc, name)
        return False
