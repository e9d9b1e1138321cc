"""`escalations backup` and `restore`: one consistent copy of a SQLite database, and back into an empty one.

SQLite's online backup API copies the database page by page under a read
transaction, so the copy is one moment of the database even while `serve`
writes to it (WAL mode: writers carry on, and what they commit after the copy
began is not in it). Every message whose SMTP ``250`` (or ``ingest`` exit 0)
came before the backup started was committed before it, so it is in the copy.

PostgreSQL has its own tools, which do this better than we could: the
commands refuse and say which (``pg_dump``, ``pg_restore``).

The copy holds sealed documents as they are stored: keep the key file
(``[storage] encryption_key_file``) apart from the backups, and keep every key
any backup still needs.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

REQUIRED_TABLES = ("alembic_version", "inbound_messages", "cases", "outbox")
# A database with any of these rows is in use: restoring over it would lose them.
DATA_TABLES = ("inbound_messages", "cases", "outbox", "case_events", "notices")
PG_DUMP_ADVICE = (
    "PostgreSQL databases are backed up with PostgreSQL's own tools: "
    "pg_dump --format=custom --file=escalations.dump DBNAME (consistent while the service runs), "
    "and restored into an empty database with pg_restore --dbname=DBNAME escalations.dump "
    "(README, 'Data protection')"
)


class BackupError(Exception):
    """A backup or restore that cannot be done as asked; the message says why and what to do."""


def sqlite_path(url: str) -> Path:
    """The database file of a sqlite:/// URL; BackupError with pg_dump advice for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        raise BackupError(PG_DUMP_ADVICE)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise BackupError(f"{parsed.get_backend_name()} database {parsed.database!r} is not a file this command can copy")
    return Path(parsed.database)


def backup(url: str, output: Path) -> int:
    """Copy the live database to ``output`` (never over an existing file); returns the bytes written."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"the database {source_path} does not exist")
    if output.exists():
        raise BackupError(f"{output} already exists; choose a new file name")
    temporary = _temporary_beside(output)
    try:
        _copy(_connect(source_path), temporary)  # read-write: a read-only open of a WAL database can fail
        _check(temporary)
        os.link(temporary, output)  # fails, rather than replaces, if the file appeared meanwhile
    finally:
        temporary.unlink(missing_ok=True)
    return output.stat().st_size


def restore(url: str, source: Path) -> dict[str, int]:
    """Copy a backup into the configured database, which must be empty (or not exist yet); returns row counts."""
    target_path = sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    _check(source)
    if target_path.exists():
        in_use = _rows(target_path)
        if any(in_use.values()):
            held = ", ".join(f"{n} {t}" for t, n in in_use.items() if n)
            raise BackupError(f"the database {target_path} is not empty ({held}); restore only into an empty database")
    target_path.parent.mkdir(parents=True, exist_ok=True)
    _copy(_connect(source, readonly=True), target_path)
    return _rows(target_path)


def _connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode=ro" if readonly else path.resolve().as_uri()
    return sqlite3.connect(uri, uri=True, timeout=30)


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """The online backup API, all pages in one step: one read transaction, so one consistent moment."""
    destination = sqlite3.connect(target, timeout=30)
    try:
        with source:
            source.backup(destination, pages=-1)
        # A copy made from a WAL database is in WAL mode too: fold it into one file to be moved about.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
        source.close()


def _check(path: Path) -> None:
    """A readable SQLite database with this service's tables; BackupError saying what is wrong otherwise."""
    try:
        connection = _connect(path, readonly=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc})") from None
    if not result or result[0] != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result[0] if result else 'no answer'}")
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise BackupError(f"{path} is not an escalations database (no {', '.join(missing)} table)")


def _rows(path: Path) -> dict[str, int]:
    connection = _connect(path, readonly=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in DATA_TABLES if t in tables}
    finally:
        connection.close()


def _temporary_beside(output: Path) -> Path:
    handle, name = tempfile.mkstemp(dir=output.parent, prefix=".backup-", suffix=".db")
    os.close(handle)
    os.chmod(name, 0o600)  # the copy holds everything the database does; SQLite takes an empty file as a new database
    return Path(name)
