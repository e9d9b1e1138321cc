"""IMAP in the service: a watcher thread per ``[[imap]]`` mailbox, the sign-in alert, and `imap backfill`.

A watcher never stops on its own and shares nothing with the others but the
database, so one failing mailbox cannot stop the rest or the SMTP intake.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from datetime import UTC, date, timedelta
from typing import TextIO

from imapclient.exceptions import IMAPClientError
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalations.intake.imap import AuthFailure, Watcher
from escalations.outbound.compose import Sender
from escalations.outbound.letters import letter, outbox_row
from escalations.routing.policy import Policy
from escalations.service import faults
from escalations.service.runtime import Runtime
from escalations.service.settings import ImapSettings
from escalations.storage.models import Contact
from escalations.storage.repositories import ImapMailboxRepository, OutboxRepository, Stored

log = logging.getLogger(__name__)

ALERT_EVERY = timedelta(hours=1)  # the issue: a business manager hears of a failing sign-in at most once an hour


def start_watchers(
    runtime: Runtime, stop: threading.Event, on_stored: Callable[[Stored], None] = lambda stored: None
) -> list[threading.Thread]:
    """Start one watcher thread per mailbox; each runs until ``stop`` is set."""
    alert = SignInAlert(runtime)
    threads = []
    for settings in runtime.settings.imap:
        watcher = Watcher(settings, runtime.sessions, runtime.clock, on_stored=on_stored, on_auth_failure=alert)
        watcher.folder.after_commit = lambda: faults.point("imap-stored")
        # Daemon: a watcher blocked on a dead socket (at most timeout_seconds) must not hold up exit;
        # nothing is lost if it is cut short, since it commits before it moves.
        thread = threading.Thread(target=watcher.run, args=(stop,), name=f"imap-{settings.name}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads


class SignInAlert:
    """Queues the "mailbox cannot sign in" email to the business managers of the mailbox's partnerships."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def __call__(self, settings: ImapSettings, error: str) -> None:
        policies = sorted((p for p in self.runtime.policies.values() if p.mailbox == settings.address), key=lambda p: p.id)
        if not policies:
            log.error("imap %s: no partnership mailbox matches its address, so no business manager can be told", settings.name)
            return
        now = self.runtime.clock()
        with self.runtime.sessions.begin() as session:
            state = ImapMailboxRepository(session).ensure(settings.name, now, lock=True)
            if state.last_auth_alert_at is not None and now - state.last_auth_alert_at < ALERT_EVERY:
                return
            managers = _business_managers(session, policies)
            if not managers:
                log.error("imap %s: the directory has no business manager to tell", settings.name)
                return
            self._queue(session, settings, policies, managers, error)
            state.last_auth_alert_at = now
        log.warning("imap %s: sign-in alert queued for %s business manager(s)", settings.name, len(managers))

    def _queue(
        self, session: Session, settings: ImapSettings, policies: list[Policy], managers: tuple[str, ...], error: str
    ) -> None:
        now = self.runtime.clock()
        policy = policies[0]
        context = {
            "reference": None,
            "partnership": {"id": policy.id, "name": policy.name, "short_name": policy.short_name},
            "partnerships": [p.name for p in policies],
            "mailbox": {
                "name": settings.name,
                "address": settings.address,
                "host": settings.host,
                "folder": settings.folder,
                "username": settings.username,
            },
            "error": error,
            "when": policy.calendar.local(now).strftime("%A %-d %B %Y, %H:%M"),
        }
        alert = letter("mailbox_alert", managers, mailbox=settings.name)
        OutboxRepository(session).add(
            outbox_row(
                alert,
                context,
                policy,
                Sender(self.runtime.settings.outbound.from_address),
                now,
                dedupe_key=f"mailbox-alert:{settings.name}:{now.astimezone(UTC):%Y-%m-%dT%H}",
            )
        )


def _business_managers(session: Session, policies: list[Policy]) -> tuple[str, ...]:
    emails = session.scalars(
        select(Contact.email)
        .where(Contact.partnership.in_([p.id for p in policies]), Contact.role == "business_manager", Contact.agency_id.is_(None))
        .order_by(Contact.id)
    ).all()
    return tuple(dict.fromkeys(e.lower() for e in emails))


# -- `escalations imap backfill` -------------------------------------------------


def backfill(runtime: Runtime, name: str, since: date, stream: TextIO | None = None) -> int:
    """Take a mailbox's mail since a date with a progress bar; 0 done, 1 no such mailbox, 75 try again later."""
    stream = stream or sys.stderr
    settings = next((m for m in runtime.settings.imap if m.name == name), None)
    if settings is None:
        known = ", ".join(m.name for m in runtime.settings.imap) or "none"
        print(f"no [[imap]] mailbox named {name!r} (configured: {known})", file=stream)
        return 1
    bar = ProgressBar(stream, f"backfill {name}")
    try:
        done = Watcher(settings, runtime.sessions, runtime.clock).backfill(since, bar.update)
    except (AuthFailure, IMAPClientError, OSError) as exc:
        bar.finish()
        print(f"backfill {name}: stopped, {type(exc).__name__}: {exc}; run it again, nothing is taken twice", file=stream)
        return 75
    bar.finish()
    print(f"backfill {name}: {done.taken} message(s) taken, {done.already} taken before")
    return 0


class ProgressBar:
    """A bar redrawn in place on a terminal; elsewhere (a log) a line at every tenth."""

    WIDTH = 30

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self.tty = stream.isatty()
        self.drawn = False

    def update(self, done: int, total: int) -> None:
        if self.tty:
            filled = self.WIDTH * done // max(total, 1)
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}")
            self.drawn = True
        elif done == total or done * 10 // total != (done - 1) * 10 // total:
            self.stream.write(f"{self.label}: {done}/{total}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
