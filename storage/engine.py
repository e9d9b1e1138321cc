"""Engines and sessions: SQLite in WAL mode with full sync, or PostgreSQL through psycopg 3."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as exc_module
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from escalations.storage.text import make_text_storable

SQLITE_BUSY_TIMEOUT_MS = 30_000
GATE_SUFFIX = ".writers"  # beside the database file: the queue its writers wait in (WriterGate)
GATE_POLL_SECONDS = (0.0002, 0.0005, 0.001, 0.002)  # then every 2 ms until SQLITE_BUSY_TIMEOUT_MS
READ_ONLY = "escalations_read_only"  # an execution option: this connection's transactions only read
REHEARSAL = "escalations.rehearsal"  # in a session's info: a rehearsal (service.rehearsal), which reads and never writes
# A server that accepts the connection but never answers (frozen, not down) must not hold a
# thread for ever at connect; a peer that vanished is noticed by TCP keepalives.
POSTGRES_CONNECT = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whichever spelling the operator wrote."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    # Error messages must not quote bound parameters: they hold notices and names.
    kwargs.setdefault("hide_parameters", True)
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, **kwargs)
    connect_args = {k: v for k, v in POSTGRES_CONNECT.items() if k not in parsed.query}
    connect_args.update(kwargs.pop("connect_args", {}))
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "before_flush", make_text_storable)
    return factory


def _sqlite_engine(url: str, database: str | None, **kwargs: Any) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, Any] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    if database and database != ":memory:" and not database.startswith("file:"):
        connect_args["factory"] = GatedConnection
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin, so
        # that every one starts with BEGIN IMMEDIATE (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Several processes share one file: taking the write lock at BEGIN
        # means a transaction waits (busy_timeout) instead of failing when it
        # later upgrades a read lock, which is what claims and case numbers need.
        # A read-only session (read_sessions) takes no lock: WAL readers never wait for the writer.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        if isinstance(dbapi_connection, GatedConnection):
            try:
                dbapi_connection.enter_gate()
            except sqlite3.OperationalError as exc:  # as SQLite's own busy timeout would be raised
                raise exc_module.OperationalError("BEGIN IMMEDIATE", None, exc) from exc
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if isinstance(dbapi_connection, GatedConnection):
                dbapi_connection.leave_gate()
            raise

    return engine


class GatedConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions first queue at the database's gate.

    SQLite makes a writer that finds the write lock taken sleep and try again,
    in steps that grow to 100 ms (its busy handler): a store that the intake
    wants committed in a few milliseconds waited 25 to 100 ms after the
    worker's transaction had ended, and its p99 was the busy handler's. So,
    before ``BEGIN IMMEDIATE``, every writer of this file in every process takes
    an exclusive ``flock`` on ``<database>.writers``, and lets it go when the
    transaction ends: the next writer starts within a fraction of a millisecond.
    Waiting is bounded like SQLite's own (``SQLITE_BUSY_TIMEOUT_MS``), then
    ``sqlite3.OperationalError``. A program that does not take the gate (the
    ``sqlite3`` shell) still meets SQLite's own lock: the gate only orders.
    """

    def __init__(self, database: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._gate = os.open(f"{Path(database).resolve()}{GATE_SUFFIX}", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self._inside = False

    def enter_gate(self) -> None:
        if self._inside:
            return
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        for pause in _pauses():
            try:
                fcntl.flock(self._gate, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError("database is locked (another writer held it too long)") from None
                time.sleep(pause)
            else:
                self._inside = True
                return

    def leave_gate(self) -> None:
        if self._inside:
            self._inside = False
            fcntl.flock(self._gate, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_gate()
            if self._gate >= 0:
                os.close(self._gate)
                self._gate = -1


def _pauses() -> Iterator[float]:
    yield from GATE_POLL_SECONDS
    while True:
        yield GATE_POLL_SECONDS[-1]


def read_sessions(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions on the same engine for reading only: on SQLite a deferred BEGIN, which holds no write lock."""
    engine = sessions.kw["bind"]
    return sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
