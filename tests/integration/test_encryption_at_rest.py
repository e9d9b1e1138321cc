"""Documents at rest (issue 16): raw mail sealed in a real database, read by the pipeline, rotated, refused with a wrong key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import LargeBinary, select, type_coerce

from escalations.routing.policy import ConfigError
from escalations.service.cli import main
from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings
from escalations.storage.crypto import key_id_of, new_key_line
from escalations.storage.keys import rotate
from escalations.storage.models import InboundMessage, OutboxMessage
from tests.conftest import Clock, write_settings
from tests.support.scenario import Scenario, contact, notice_rows

SALFORD = "escalations@salford.example"
CHILD = "Kit Marlowe-Fenwick"


def _settings(tmp_path: Path, database_url: str, key_file: Path | None) -> Path:
    path = write_settings(tmp_path, database_url)
    if key_file is not None:
        text = path.read_text(encoding="utf-8").replace("[storage]\n", f'[storage]\nencryption_key_file = "{key_file}"\n', 1)
        path.write_text(text, encoding="utf-8")
    return path


def _keys(path: Path, current: str, *lines: str) -> Path:
    path.write_text(f'current = "{current}"\n[keys]\n' + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _runtime(settings: Path, clock: Clock) -> Runtime:
    runtime = Runtime(load_settings(settings), clock=clock)
    runtime.prepare_database()
    return runtime


def _stored(runtime: Runtime) -> list[bytes]:
    """Every raw column as the database holds it, not opened."""
    with runtime.sessions() as session:
        return [
            bytes(b)
            for model in (InboundMessage, OutboxMessage)
            for b in session.scalars(select(type_coerce(model.raw, LargeBinary)).order_by(model.id))
        ]


def _notice(runtime: Runtime, clock: Clock, child: str = CHILD) -> str:
    s = Scenario(runtime, clock, SALFORD).at(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    sender = contact("salford", "Northside Health", "practitioner")
    return s.notice(sender, notice_rows(child, "14/02/2017", "Salford Children's Services", "1"))


def test_mail_is_sealed_at_rest_and_the_service_reads_it(tmp_path: Path, database_url: str, clock: Clock) -> None:
    key1 = new_key_line("k1")
    runtime = _runtime(_settings(tmp_path, database_url, _keys(tmp_path / "keys.toml", "k1", key1)), clock)
    try:
        reference = _notice(runtime, clock)
        stored = _stored(runtime)
        assert stored and all(key_id_of(b) == "k1" for b in stored), "inbound and outbound copies sealed"
        assert not any(b"Marlowe" in b for b in stored)
        with runtime.sessions() as session:
            message = session.scalars(select(InboundMessage)).first()
            assert message is not None and b"Content-Type" in message.raw, "read through the column: opened"
        assert main(["cases", "show", reference, "--config", str(runtime.settings.path)]) == 0
    finally:
        runtime.close()


def test_rows_stored_plain_stay_readable_once_encryption_is_on_and_rotation_seals_them(
    tmp_path: Path, database_url: str, clock: Clock
) -> None:
    plain = _runtime(_settings(tmp_path, database_url, None), clock)
    try:
        _notice(plain, clock, "Ada Plain")
        before = len(_stored(plain))
        assert before and all(key_id_of(b) is None for b in _stored(plain))
    finally:
        plain.close()
    key1, key2 = new_key_line("k1"), new_key_line("k2")
    keys = _keys(tmp_path / "keys.toml", "k1", key1)
    sealed = _runtime(_settings(tmp_path, database_url, keys), clock)
    try:
        _notice(sealed, clock, CHILD)
        ids = [key_id_of(b) for b in _stored(sealed)]
        assert ids[:before].count(None) >= 1 and "k1" in ids, "old rows plain, new ones sealed"
        with sealed.sessions() as session:
            assert all(b"Subject: " in m.raw for m in session.scalars(select(InboundMessage))), "plain and sealed alike"
    finally:
        sealed.close()

    # Rotation: k2 becomes current, every row is re-sealed under it, and k1 can leave the file.
    _keys(keys, "k2", key1, key2)
    rotated = _runtime(_settings(tmp_path, database_url, keys), clock)
    try:
        done = rotate(rotated.sessions, rotated.keyring)
        assert sum(t.resealed for t in done) == len(ids) and all(key_id_of(b) == "k2" for b in _stored(rotated))
        assert sum(t.resealed for t in rotate(rotated.sessions, rotated.keyring)) == 0, "a second run has nothing to do"
    finally:
        rotated.close()
    _keys(keys, "k2", key2)
    settings = _settings(tmp_path, database_url, keys)
    assert main(["cases", "list", "--config", str(settings)]) == 0
    final = _runtime(settings, clock)
    try:
        with final.sessions() as session:
            texts = [m.raw for m in session.scalars(select(InboundMessage))]
        assert len(texts) >= 2 and all(b"Subject: " in t for t in texts), "read with k2 alone"
    finally:
        final.close()


def test_a_wrong_key_file_is_refused_at_start_and_nothing_is_stored(
    tmp_path: Path, database_url: str, clock: Clock, capsys
) -> None:
    keys = _keys(tmp_path / "keys.toml", "k1", new_key_line("k1"))
    settings = _settings(tmp_path, database_url, keys)
    runtime = _runtime(settings, clock)
    try:
        _notice(runtime, clock)
    finally:
        runtime.close()
    _keys(keys, "k1", new_key_line("k1"))  # same id, other bytes: a key file mixed up with another service's
    wrong = Runtime(load_settings(settings), clock=clock)
    try:
        with pytest.raises(ConfigError, match="not the key file the documents were encrypted with"):
            wrong.prepare_database()
    finally:
        wrong.close()
    capsys.readouterr()
    assert main(["cases", "list", "--config", str(settings)]) == 78
    assert "storage.encryption_key_file" in capsys.readouterr().err


def test_a_key_removed_too_early_is_named_when_a_message_is_read(tmp_path: Path, database_url: str, clock: Clock, capsys) -> None:
    keys = _keys(tmp_path / "keys.toml", "k1", new_key_line("k1"))
    settings = _settings(tmp_path, database_url, keys)
    runtime = _runtime(settings, clock)
    try:
        reference = _notice(runtime, clock)
    finally:
        runtime.close()
    _keys(keys, "k2", new_key_line("k2"))  # k1 dropped before `keys rotate` ran
    capsys.readouterr()
    assert main(["cases", "show", reference, "--config", str(settings)]) == 78
    err = capsys.readouterr().err
    assert "'k1', which is not in" in err and "keys rotate" in err


def test_keys_rotate_and_generate_from_the_command_line(tmp_path: Path, clock: Clock, capsys) -> None:
    database_url = f"sqlite:///{tmp_path / 'esc.db'}"
    assert main(["keys", "generate", "--id", "k1"]) == 0
    line1 = capsys.readouterr().out.strip()
    keys = _keys(tmp_path / "keys.toml", "k1", line1)
    settings = _settings(tmp_path, database_url, None)
    runtime = _runtime(settings, clock)
    try:
        _notice(runtime, clock)
    finally:
        runtime.close()
    settings = _settings(tmp_path, database_url, keys)
    assert main(["keys", "rotate", "--config", str(settings)]) == 0
    assert "under key 'k1'" in capsys.readouterr().out
    check = _runtime(settings, clock)
    try:
        assert all(key_id_of(b) == "k1" for b in _stored(check))
    finally:
        check.close()


def test_encryption_turned_off_opens_every_message_back_to_plain(tmp_path: Path, clock: Clock) -> None:
    database_url = f"sqlite:///{tmp_path / 'esc.db'}"
    key1 = new_key_line("k1")
    keys = _keys(tmp_path / "keys.toml", "k1", key1)
    runtime = _runtime(_settings(tmp_path, database_url, keys), clock)
    try:
        _notice(runtime, clock)
    finally:
        runtime.close()
    keys.write_text(f"[keys]\n{key1}\n", encoding="utf-8")  # no current: keys kept to open, none to seal
    off = _runtime(_settings(tmp_path, database_url, keys), clock)
    try:
        assert sum(t.resealed for t in rotate(off.sessions, off.keyring)) > 0
        assert all(key_id_of(b) is None for b in _stored(off)) and any(b"Kit Marlowe" in b for b in _stored(off))
    finally:
        off.close()
    assert main(["cases", "list", "--config", str(_settings(tmp_path, database_url, None))]) == 0
