"""SQLite's writers queue at a gate (storage.engine.GatedConnection), not in SQLite's busy handler.

The busy handler sleeps in steps that grow to 100 ms, so a writer that found the
lock taken went on waiting long after it was free. Every write transaction of
the service now first takes an flock on ``<database>.writers`` in every process
and lets it go at its end; readers never touch it.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from escalations.storage import engine as engines
from escalations.storage.engine import GATE_SUFFIX, GatedConnection, make_engine, make_session_factory, read_sessions


def _engine(path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("create table t (n integer)"))
    return engine


def _gate_taken(path: Path) -> bool:
    """Whether some open file description holds the gate (asked from another process, as a writer elsewhere would)."""
    probe = (
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDWR)\n"
        "try:\n    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept BlockingIOError:\n    sys.exit(1)\n"
    )
    return subprocess.run([sys.executable, "-c", probe, f"{path}{GATE_SUFFIX}"]).returncode == 1


def test_a_write_transaction_holds_the_gate_from_begin_to_commit_and_a_read_never_takes_it(tmp_path: Path) -> None:
    path = tmp_path / "gate.db"
    engine = _engine(path)
    sessions = make_session_factory(engine)
    assert not _gate_taken(path)
    with sessions() as session:
        session.execute(text("insert into t values (1)"))
        assert _gate_taken(path)
        session.commit()
    assert not _gate_taken(path)
    with sessions() as session:
        session.execute(text("insert into t values (2)"))
        session.rollback()
    assert not _gate_taken(path)
    with read_sessions(sessions)() as reader:
        assert reader.scalar(text("select count(*) from t")) == 1
        assert not _gate_taken(path)
    engine.dispose()


def test_a_second_writer_waits_at_the_gate_and_starts_when_the_first_commits(tmp_path: Path) -> None:
    path = tmp_path / "gate.db"
    engine = _engine(path)
    sessions = make_session_factory(engine)
    order: list[str] = []
    second_waiting = threading.Event()

    def second() -> None:
        with sessions() as session:
            second_waiting.set()
            session.execute(text("insert into t values (2)"))  # BEGIN: at the gate until the first commits
            order.append("second began")
            session.commit()

    with sessions() as first:
        first.execute(text("insert into t values (1)"))
        thread = threading.Thread(target=second)
        thread.start()
        assert second_waiting.wait(10)
        thread.join(0.3)
        assert thread.is_alive(), "the second writer did not wait"
        order.append("first commits")
        first.commit()
    thread.join(10)
    assert not thread.is_alive()
    assert order == ["first commits", "second began"]
    with engine.connect() as connection:
        assert connection.scalar(text("select count(*) from t")) == 2
    engine.dispose()


def test_a_gate_held_too_long_fails_like_a_locked_database_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "gate.db"
    engine = _engine(path)
    monkeypatch.setattr(engines, "SQLITE_BUSY_TIMEOUT_MS", 300)
    holder = os.open(f"{path}{GATE_SUFFIX}", os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # a writer elsewhere that never lets go
    try:
        with pytest.raises(OperationalError, match="locked"), make_session_factory(engine)() as session:
            session.execute(text("insert into t values (1)"))
    finally:
        os.close(holder)
    with make_session_factory(engine)() as session:  # the gate free again: the connection works
        session.execute(text("insert into t values (2)"))
        session.commit()
        assert session.scalar(text("select n from t")) == 2
    engine.dispose()


def test_memory_databases_have_no_gate() -> None:
    engine = make_engine("sqlite://")
    with engine.connect() as connection:
        assert not isinstance(connection.connection.dbapi_connection, GatedConnection)
    engine.dispose()
