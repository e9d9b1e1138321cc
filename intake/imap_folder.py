"""One look at a watched folder: which UIDs wait, and taking each (fetch, commit, and only then move or flag).

The watcher (``intake.imap``) owns the connection; this module owns what is
done in the selected folder and what is recorded about it (DESIGN.md
invariants 1 and 2):

- Each message is fetched with ``BODY.PEEK[]`` (``\\Seen`` is never touched),
  committed with ``receive`` under its (mailbox, UIDVALIDITY, UID), and only
  then moved (MOVE, else COPY + ``\\Deleted`` + UID EXPUNGE) or flagged.
- The first look notes the folder's UIDNEXT; what was there before is left for
  ``escalations imap backfill``, since years of old mail must not be answered
  as new.
- A UIDVALIDITY change rescans the folder from the day before watching began;
  the same bytes taken before, from this mailbox under any UID, are
  recognised by Message-ID and hash and not stored again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.parser import BytesHeaderParser
from typing import Any, Protocol

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy.orm import Session, sessionmaker

from escalations.intake.imap_auth import ImapError
from escalations.intake.receiving import Envelope, header_message_id, receive
from escalations.storage.repositories import ImapMailboxRepository, Stored

log = logging.getLogger(__name__)

DELETED = b"\\Deleted"

Progress = Callable[[int, int], None]
OnStored = Callable[[Stored], None]


class FolderSettings(Protocol):
    name: str
    folder: str
    processed_folder: str
    processed_flag: str | None
    address: str | None


@dataclass(frozen=True)
class Pass:
    """What one look at the folder did."""

    taken: int = 0  # stored as new inbound messages
    already: int = 0  # recognised as taken before, and moved or flagged again


@dataclass(frozen=True)
class Position:
    """Where the watcher stands in the folder: it takes UIDs from ``first_uid`` on under ``uidvalidity``."""

    uidvalidity: int | None
    first_uid: int | None
    watching_since: datetime | None


def return_path(raw: bytes) -> str | None:
    """The envelope sender the delivering server recorded in Return-Path; "" for a null sender, None if absent."""
    try:
        value = BytesHeaderParser().parsebytes(raw[:262_144]).get("Return-Path")
    except Exception:  # hostile headers must not stop us storing the bytes
        return None
    if value is None:
        return None
    return str(value).strip().strip("<>").strip()


def describe(exc: BaseException) -> str:
    """What went wrong, for the log and `status`. A database error's text can quote the message itself,
    so only the server's and the network's own words are kept (no personal data in logs)."""
    if isinstance(exc, (ImapError, OSError, IMAPClientError)):
        return f"{type(exc).__name__}: {exc}"[:500]
    return type(exc).__name__


class MailboxRecord:
    """The mailbox's row in ``imap_mailboxes``: its position, and its health for `escalations status`."""

    def __init__(self, name: str, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self.name = name
        self.sessions = sessions
        self.clock = clock

    def position(self) -> Position:
        with self.sessions.begin() as session:
            row = ImapMailboxRepository(session).ensure(self.name, self.clock())
            return Position(row.uidvalidity, row.first_uid, row.watching_since)

    def update(self, **fields: Any) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            row = ImapMailboxRepository(session).ensure(self.name, now)
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = now

    def update_quietly(self, **fields: Any) -> None:
        try:
            self.update(**fields)
        except Exception as exc:  # the database may be what failed
            log.warning("imap %s: could not record its state (%s)", self.name, type(exc).__name__)


class Folder:
    """The watched folder of one mailbox, on a connection the caller owns."""

    def __init__(
        self,
        settings: FolderSettings,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        on_stored: OnStored = lambda stored: None,
    ) -> None:
        self.settings = settings
        self.name = settings.name
        self.sessions = sessions
        self.clock = clock
        self.on_stored = on_stored
        self.record = MailboxRecord(settings.name, sessions, clock)
        self.after_commit: Callable[[], None] = lambda: None  # between commit and move: the fault matrix kills here

    def prepare(self, client: IMAPClient) -> None:
        """Create the processed folder if it is missing (not needed where taken mail is only flagged)."""
        folder = self.settings.processed_folder
        if self.settings.processed_flag or client.folder_exists(folder):
            return
        try:
            client.create_folder(folder)
            log.info("imap %s: created the folder %s", self.name, folder)
        except IMAPClientError:
            if not client.folder_exists(folder):  # another watcher may have just made it
                raise

    def look(self, client: IMAPClient) -> Pass:
        """Select the folder and take what arrived since watching began."""
        selected = client.select_folder(self.settings.folder)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        uidnext = int(selected.get(b"UIDNEXT") or 0) or max(client.search(["ALL"]), default=0) + 1
        position = self.record.position()
        if position.uidvalidity is None:
            position = self._first_look(client, uidvalidity, uidnext)
        elif position.uidvalidity != uidvalidity:
            return self._rescan(client, position, uidvalidity, uidnext)
        first = position.first_uid or 1
        uids = [uid for uid in client.search(self._waiting("UID", f"{first}:*")) if uid >= first]
        return self._take_all(client, uids, uidvalidity)

    def backfill(self, client: IMAPClient, since: date, progress: Progress) -> Pass:
        """Take what arrived on or after ``since``, taken before or not (it is recognised), oldest first."""
        uidvalidity = int(client.select_folder(self.settings.folder)[b"UIDVALIDITY"])
        uids = client.search(["NOT", "DELETED", "SINCE", since])
        log.info("imap %s: backfill since %s: %s message(s) in %s", self.name, since, len(uids), self.settings.folder)
        return self._take_all(client, uids, uidvalidity, progress)

    def _first_look(self, client: IMAPClient, uidvalidity: int, uidnext: int) -> Position:
        there = len(client.search(["NOT", "DELETED"]))
        now = self.clock()
        self.record.update(uidvalidity=uidvalidity, first_uid=uidnext, watching_since=now)
        log.info(
            "imap %s: first look: taking mail from UID %s on; %s message(s) already in %s are left for "
            "`escalations imap backfill`",
            self.name,
            uidnext,
            there,
            self.settings.folder,
        )
        return Position(uidvalidity, uidnext, now)

    def _rescan(self, client: IMAPClient, position: Position, uidvalidity: int, uidnext: int) -> Pass:
        log.warning(
            "imap %s: UIDVALIDITY changed from %s to %s (the folder was recreated or restored); rescanning, "
            "and mail taken before is recognised",
            self.name,
            position.uidvalidity,
            uidvalidity,
        )
        since = (position.watching_since or self.clock()).date() - timedelta(days=1)
        done = self._take_all(client, client.search(self._waiting("SINCE", since)), uidvalidity)
        # Recorded only now: a rescan cut short is done again, and finds what it took the first time.
        self.record.update(uidvalidity=uidvalidity, first_uid=uidnext)
        log.info("imap %s: rescan done: %s new, %s taken before", self.name, done.taken, done.already)
        return done

    def _waiting(self, *criteria: Any) -> list[Any]:
        """Search criteria for the messages not yet taken (in flag mode, those without our keyword)."""
        flag = self.settings.processed_flag
        return ["NOT", "DELETED", *criteria, *(["UNKEYWORD", flag] if flag else [])]

    def _take_all(self, client: IMAPClient, uids: Sequence[int], uidvalidity: int, progress: Progress | None = None) -> Pass:
        taken = already = 0
        ordered = sorted(uids)
        for done, uid in enumerate(ordered, start=1):
            stored = self._take_or_skip(client, uid, uidvalidity)
            if stored is not None:
                taken, already = (taken, already + 1) if stored.duplicate else (taken + 1, already)
            if progress is not None:
                progress(done, len(ordered))
        return Pass(taken, already)

    def _take_or_skip(self, client: IMAPClient, uid: int, uidvalidity: int) -> Stored | None:
        """One message; a failure of its own (not the connection's) must not hold up the messages after it."""
        try:
            return self.take(client, uid, uidvalidity)
        except (OSError, IMAPClientError):
            raise
        except Exception as exc:
            error = f"UID {uid}: {describe(exc)}"
            log.error("imap %s: could not take %s; it stays in the folder and is tried again on the next look", self.name, error)
            log.debug("imap %s: the failure", self.name, exc_info=exc)
            self.record.update_quietly(last_error=error, last_error_at=self.clock())
            return None

    # -- one message -------------------------------------------------------------

    def take(self, client: IMAPClient, uid: int, uidvalidity: int) -> Stored | None:
        """Fetch, commit, and only then move or flag one message (invariant 1)."""
        raw = client.fetch([uid], [b"BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")
        if raw is None:
            return None  # expunged by someone else since the search
        stored = self.store(bytes(raw), uid, uidvalidity)
        self.after_commit()
        self.mark(client, uid)
        log.info(
            "imap %s: UID %s %s inbound %s", self.name, uid, "was taken before as" if stored.duplicate else "stored as", stored.id
        )
        if not stored.duplicate:
            self.on_stored(stored)
        return stored

    def store(self, raw: bytes, uid: int, uidvalidity: int) -> Stored:
        """Commit the message, unless the same bytes were taken from this mailbox before (under any UID)."""
        with self.sessions() as session:
            earlier = ImapMailboxRepository(session).taken_before(
                self.name, header_message_id(raw), hashlib.sha256(raw).hexdigest()
            )
        if earlier is not None:
            return Stored(earlier, duplicate=True)
        address = self.settings.address
        envelope = Envelope(
            source="imap",
            mail_from=return_path(raw),
            rcpt_tos=(address,) if address else (),
            mailbox=self.name,
            imap_uidvalidity=uidvalidity,
            imap_uid=uid,
        )
        return receive(self.sessions, raw, envelope, self.clock())

    def mark(self, client: IMAPClient, uid: int) -> None:
        """Move the message to the processed folder, or flag it where so configured. Never ``\\Seen``."""
        flag = self.settings.processed_flag
        folder = self.settings.processed_folder
        if flag:
            client.add_flags([uid], [flag], silent=True)
        elif client.has_capability("MOVE"):
            client.move([uid], folder)
        else:
            client.copy([uid], folder)
            client.add_flags([uid], [DELETED], silent=True)
            if client.has_capability("UIDPLUS"):
                client.uid_expunge([uid])
            else:
                client.expunge()  # without UIDPLUS this also expunges what a person marked deleted, as they asked
