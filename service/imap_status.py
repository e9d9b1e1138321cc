"""`escalations status`: each watched mailbox's state, as the watchers recorded it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from escalations.intake.imap import IDLE_RENEW_SECONDS
from escalations.service.runtime import Runtime
from escalations.service.settings import ImapSettings
from escalations.storage.models import ImapMailbox
from escalations.storage.repositories import ImapMailboxRepository

LONDON = ZoneInfo("Europe/London")


def mailbox_status(runtime: Runtime) -> list[dict[str, Any]]:
    """One entry per configured mailbox; "taken today" counts from midnight in London."""
    with runtime.sessions() as session:
        return mailbox_entries(session, runtime.settings.imap, runtime.clock())


def mailbox_entries(session: Session, mailboxes: Sequence[ImapSettings], now: datetime) -> list[dict[str, Any]]:
    """The same, in the caller's session (the web console's Today page)."""
    midnight = datetime.combine(now.astimezone(LONDON).date(), time(), LONDON).astimezone(UTC)
    repo = ImapMailboxRepository(session)
    rows = {row.name: row for row in repo.all()}
    return [_entry(m, rows.get(m.name), repo.taken_since(m.name, midnight), now) for m in mailboxes]


def _entry(mailbox: ImapSettings, row: ImapMailbox | None, taken_today: int, now: datetime) -> dict[str, Any]:
    # A watcher records its state at least once per IDLE renewal or poll; a
    # "connected" older than that is a process that died without saying so.
    quiet_limit = timedelta(seconds=2 * max(IDLE_RENEW_SECONDS, mailbox.poll_seconds) + mailbox.timeout_seconds)
    heard = row.updated_at if row else None
    return {
        "name": mailbox.name,
        "address": mailbox.address,
        "host": mailbox.host,
        "folder": mailbox.folder,
        "connected": bool(row and row.connected and heard and now - heard <= quiet_limit),
        "mode": row.mode if row else None,
        "last_success": _iso(row.last_success_at if row else None),
        "last_error": row.last_error if row else None,
        "last_error_at": _iso(row.last_error_at if row else None),
        "taken_today": taken_today,
        "uidvalidity": row.uidvalidity if row else None,
        "last_heard": _iso(heard),
    }


def status_text(entries: list[dict[str, Any]]) -> str:
    if not entries:
        return "no [[imap]] mailboxes are configured"
    lines = []
    for e in entries:
        state = f"connected ({e['mode']})" if e["connected"] else "NOT CONNECTED"
        lines.append(f"{e['name']:12} {state:20} last success {e['last_success'] or 'never'}  taken today {e['taken_today']}")
        lines.append(f"{'':12} {e['folder']} on {e['host']}" + (f" for {e['address']}" if e["address"] else ""))
        if e["last_error"]:
            lines.append(f"{'':12} last error {e['last_error_at']}: {e['last_error']}")
    return "\n".join(lines)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
