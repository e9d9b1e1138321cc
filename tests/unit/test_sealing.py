"""Documents at rest (issue 16): AES-GCM sealing, plain rows still read, a wrong or missing key refused."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from escalations.storage.crypto import MAGIC, NO_KEYS, Keyring, SealError, key_id_of, load_keyring, new_key_line, seal, unseal

MESSAGE = b"From: a@northside-health.example\r\nSubject: notice\r\n\r\nJo Bloggs, born 14/02/2017\r\n"


def ring(current: str | None, **keys: bytes) -> Keyring:
    return Keyring(current, keys, "test keys")


ONE = ring("k1", k1=b"1" * 32)


def test_a_sealed_message_opens_and_shows_nothing_of_itself() -> None:
    stored = seal(MESSAGE, ONE)
    assert stored.startswith(MAGIC) and b"Bloggs" not in stored and key_id_of(stored) == "k1"
    assert unseal(stored, ONE) == MESSAGE
    assert seal(MESSAGE, ONE) != stored, "a fresh nonce each time"


def test_plain_rows_from_before_encryption_are_read_as_they_are() -> None:
    assert unseal(MESSAGE, ONE) == MESSAGE and key_id_of(MESSAGE) is None
    assert seal(MESSAGE, NO_KEYS) == MESSAGE


def test_plain_bytes_that_look_sealed_are_kept_apart_when_encryption_is_off() -> None:
    hostile = MAGIC + b"\x02k1" + b"x" * 40
    stored = seal(hostile, NO_KEYS)
    assert stored != hostile and unseal(stored, NO_KEYS) == hostile and unseal(stored, ONE) == hostile


def test_a_wrong_key_under_the_right_id_is_refused_clearly() -> None:
    stored = seal(MESSAGE, ONE)
    with pytest.raises(SealError, match="does not open"):
        unseal(stored, ring("k1", k1=b"2" * 32))


def test_a_blob_under_a_key_no_longer_in_the_file_names_the_key() -> None:
    stored = seal(MESSAGE, ONE)
    with pytest.raises(SealError, match="'k1', which is not in"):
        unseal(stored, ring("k2", k2=b"2" * 32))
    with pytest.raises(SealError, match="'k1', which is not in"):
        unseal(stored, NO_KEYS)


def test_a_tampered_blob_is_refused() -> None:
    stored = bytearray(seal(MESSAGE, ONE))
    stored[-1] ^= 1
    with pytest.raises(SealError):
        unseal(bytes(stored), ONE)


def test_the_key_file_from_generated_lines(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(f'current = "2027-01"\n[keys]\n{new_key_line("2026-12")}\n{new_key_line("2027-01")}\n', encoding="utf-8")
    keyring = load_keyring(path)
    assert keyring.current == "2027-01" and set(keyring.keys) == {"2026-12", "2027-01"}
    assert all(len(k) == 32 for k in keyring.keys.values())


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('current = "a"\n[keys]\na = "not base64!"\n', "not base64"),
        (f'current = "a"\n[keys]\na = "{base64.b64encode(b"short").decode()}"\n', "AES-256 needs 32"),
        (f'current = "b"\n[keys]\na = "{base64.b64encode(b"1" * 32).decode()}"\n', "names no key"),
        ('current = "a"\n', "needs a [keys] table"),
        (f'current = "a"\ncipher = "des"\n[keys]\na = "{base64.b64encode(b"1" * 32).decode()}"\n', "cipher is not"),
        ("current = ", "not valid TOML"),
    ],
)
def test_a_bad_key_file_is_refused_saying_why(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SealError, match=says.replace("[", r"\[")) as caught:
        load_keyring(path)
    assert str(path) in str(caught.value)


def test_a_missing_key_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SealError, match="cannot be read"):
        load_keyring(tmp_path / "nowhere.toml")


def test_a_key_file_others_can_read_is_warned_of(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(f'current = "a"\n[keys]\n{new_key_line("a")}\n', encoding="utf-8")
    path.chmod(0o644)
    load_keyring(path)
    assert "can be read by other users" in caplog.text
    caplog.clear()
    path.chmod(0o600)
    load_keyring(path)
    assert "can be read by other users" not in caplog.text
