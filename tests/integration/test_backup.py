"""Backups (issue 16): taken while `serve` takes mail over SMTP, restored into an empty database, nothing lost."""

from __future__ import annotations

import smtplib
import sqlite3
import threading
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from escalations.service.backup import BackupError, backup, restore
from escalations.service.cli import main
from escalations.storage.engine import make_engine
from escalations.storage.models import InboundMessage
from tests.conftest import write_settings
from tests.support.serve_process import Serve, serve_processes, until
from tests.support.smtp_sink import free_port

SALFORD = "escalations@salford.example"


class Sender(threading.Thread):
    """Sends one message after another to the running service, noting when each was accepted (250)."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.accepted: list[tuple[str, float]] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as client:
                while not self.stop.is_set():
                    message_id = f"<{uuid.uuid4().hex}@northside-health.example>"
                    client.send_message(_message(message_id))
                    self.accepted.append((message_id, time.monotonic()))
        except BaseException as exc:  # the test says what went wrong
            self.error = exc


def _message(message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "A Khan <a.khan@northside-health.example>"
    message["To"] = SALFORD
    message["Subject"] = "Question"
    message["Message-ID"] = message_id
    message.set_content("Could someone call me back about the referral?")
    return message


def _message_ids(database: Path) -> set[str]:
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            return set(connection.scalars(select(InboundMessage.message_id)))
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_backup_taken_under_load_restores_every_message_accepted_before_it(tmp_path: Path) -> None:
    port = free_port()
    live = tmp_path / "live" / "escalations.db"
    (tmp_path / "live").mkdir()
    settings = write_settings(tmp_path / "live", f"sqlite:///{live}", smtp_port=port)
    copy = tmp_path / "backup.db"
    with serve_processes() as started:
        serve = Serve(settings, tmp_path / "serve.log")
        started.append(serve)
        serve.wait_listening(port)
        sender = Sender(port)
        sender.start()
        until(lambda: len(sender.accepted) >= 30 or sender.error, 60, "30 messages accepted")
        began = time.monotonic()
        assert main(["backup", "-o", str(copy), "--config", str(settings)]) == 0
        until(lambda: any(at > began for _, at in sender.accepted) or sender.error, 60, "mail accepted after the backup")
        sender.stop.set()
        sender.join(30)
        assert sender.error is None, sender.error
        serve.stop()
    before = {mid for mid, at in sender.accepted if at < began}
    after = {mid for mid, at in sender.accepted if at > began}
    assert len(before) >= 30 and after

    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    restored_db = restored_dir / "escalations.db"
    target = write_settings(restored_dir, f"sqlite:///{restored_db}", smtp_port=port)
    assert main(["restore", str(copy), "--config", str(target)]) == 0
    found = _message_ids(restored_db)
    assert before <= found, f"{len(before - found)} message(s) accepted before the backup are missing"
    assert found <= before | after, "nothing in the copy that was never sent"
    assert main(["cases", "list", "--config", str(target)]) == 0, "the restored database serves"


def test_restore_refuses_a_database_in_use_and_a_file_that_is_no_backup(tmp_path: Path, capsys) -> None:
    database = tmp_path / "escalations.db"
    settings = write_settings(tmp_path, f"sqlite:///{database}")
    assert main(["migrate", "--config", str(settings)]) == 0
    copy = tmp_path / "copy.db"
    backup(f"sqlite:///{database}", copy)
    with pytest.raises(BackupError, match="already exists"):
        backup(f"sqlite:///{database}", copy)
    restore(f"sqlite:///{tmp_path / 'fresh.db'}", copy)  # an empty (absent) database: fine
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO inbound_messages (received_at, source, envelope_to, raw_sha256, dedupe_key, raw, size, status, tries)"
            " VALUES ('2026-03-10 10:00:00', 'smtp', '[]', 'x', 'k', x'00', 1, 'received', 0)"
        )
    engine.dispose()
    capsys.readouterr()
    assert main(["restore", str(copy), "--config", str(settings)]) == 1
    assert "is not empty (1 inbound_messages)" in capsys.readouterr().err
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="not a readable SQLite database"):
        restore(f"sqlite:///{tmp_path / 'other.db'}", junk)
    other = tmp_path / "other-app.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(BackupError, match="not an escalations database"):
        restore(f"sqlite:///{tmp_path / 'other.db'}", other)


def test_postgresql_is_refused_with_pg_dump_advice(tmp_path: Path, capsys) -> None:
    settings = write_settings(tmp_path, "postgresql+psycopg://escalations@db.example/escalations")
    assert main(["backup", "-o", str(tmp_path / "x.db"), "--config", str(settings)]) == 1
    assert "pg_dump --format=custom" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "x.db"), "--config", str(settings)]) == 1
    assert "pg_restore" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()
