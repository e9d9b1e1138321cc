"""Documents at rest: raw messages sealed with AES-GCM under a key kept outside the database.

A sealed blob names the key that sealed it, so keys can be rotated: the key
file holds every key still needed to open old blobs and says which one seals
new ones (``current``). A blob that does not start with ``MAGIC`` is plain (a
row stored before encryption was turned on), and is read as it is. With
encryption off, a plain message that happens to start with ``MAGIC`` is
stored behind an envelope with an empty key id, so the two can never be
confused.

The key ring hangs on the engine's dialect (``use_keyring``), so the column
type (``SealedBlob``) finds it without a global and every process that made
its engine from the settings reads and writes alike.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, LargeBinary, TypeDecorator

MAGIC = b"\x00ESCSEAL1\x00"
NONCE_BYTES = 12  # AES-GCM's standard nonce; random per blob (2**-32 collision bound far beyond any mailbox)
KEY_BYTES = 32  # AES-256
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
_ATTRIBUTE = "escalations_keyring"

log = logging.getLogger(__name__)


class SealError(Exception):
    """A blob cannot be opened or sealed: a key is missing or wrong, or the key file is unusable."""


@dataclass(frozen=True)
class Keyring:
    """Keys by id; ``current`` seals new blobs (None: store plain)."""

    current: str | None = None
    keys: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    source: str = "no [storage] encryption_key_file"

    def key(self, key_id: str) -> bytes:
        if key_id not in self.keys:
            raise SealError(
                f"a stored document was encrypted with key {key_id!r}, which is not in {self.source}: "
                "add that key back to the key file (keep old keys until `escalations keys rotate` has run)"
            )
        return self.keys[key_id]


NO_KEYS = Keyring()


def load_keyring(path: Path | None) -> Keyring:
    """The key file (TOML: ``current = "id"`` and a ``[keys]`` table of id = base64 key); no file: plain storage."""
    if path is None:
        return NO_KEYS
    try:
        if path.stat().st_mode & 0o077:
            log.warning("encryption key file %s can be read by other users: chmod 600 it (README, 'Data protection')", path)
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SealError(f"encryption key file {path} cannot be read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SealError(f"encryption key file {path} is not valid TOML: {exc}") from None
    return _keyring(data, str(path))


def _keyring(data: dict[str, Any], source: str) -> Keyring:
    unknown = set(data) - {"current", "keys"}
    if unknown:
        raise SealError(f"{source}: {sorted(unknown)[0]} is not a key-file setting (expected current and [keys])")
    table = data.get("keys")
    if not isinstance(table, dict) or not table:
        raise SealError(f"{source}: needs a [keys] table with at least one key")
    keys = {key_id: _key(source, key_id, text) for key_id, text in table.items()}
    current = data.get("current")  # absent: new mail is stored plain, old mail still opens (turning encryption off)
    if current is not None and current not in keys:
        raise SealError(f"{source}: current = {current!r} names no key of [keys]")
    return Keyring(current, keys, source)


def _key(source: str, key_id: str, text: Any) -> bytes:
    if not _KEY_ID.match(key_id):
        raise SealError(f"{source}: key id {key_id!r} must be 1 to 32 letters, digits, '.', '_' or '-'")
    try:
        key = base64.b64decode(str(text), validate=True)
    except ValueError:
        raise SealError(f"{source}: key {key_id!r} is not base64") from None
    if len(key) != KEY_BYTES:
        raise SealError(f"{source}: key {key_id!r} is {len(key)} bytes; AES-256 needs {KEY_BYTES}")
    return key


def new_key_line(key_id: str) -> str:
    """A fresh random key as a line for the key file's [keys] table."""
    if not _KEY_ID.match(key_id):
        raise SealError(f"key id {key_id!r} must be 1 to 32 letters, digits, '.', '_' or '-'")
    return f'"{key_id}" = "{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"'


# -- blobs --------------------------------------------------------------------


def seal(plain: bytes, keyring: Keyring) -> bytes:
    """The bytes to store: sealed under the current key, or plain (escaped if they look sealed)."""
    if keyring.current is None:
        return _envelope("", plain) if plain.startswith(MAGIC) else plain
    header = _envelope(keyring.current, b"")
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + AESGCM(keyring.key(keyring.current)).encrypt(nonce, plain, header)


def unseal(stored: bytes, keyring: Keyring) -> bytes:
    """The plain bytes of a stored blob, whichever key (or none) sealed it."""
    key_id, body = split(stored)
    if key_id is None:
        return stored
    if key_id == "":
        return body
    header = _envelope(key_id, b"")
    try:
        return AESGCM(keyring.key(key_id)).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], header)
    except InvalidTag:
        raise SealError(
            f"key {key_id!r} in {keyring.source} does not open a document stored under that id: "
            "this is not the key file the documents were encrypted with"
        ) from None


def key_id_of(stored: bytes) -> str | None:
    """The id of the key that sealed a stored blob; None when it is plain."""
    key_id, _ = split(stored)
    return key_id or None


def split(stored: bytes) -> tuple[str | None, bytes]:
    """(key id, rest) of an envelope; (None, stored) for plain bytes; ("", plain) for escaped plain bytes."""
    if not stored.startswith(MAGIC) or len(stored) <= len(MAGIC):
        return None, stored
    size = stored[len(MAGIC)]
    start = len(MAGIC) + 1
    key_id = stored[start : start + size].decode("ascii", "replace")
    return key_id, stored[start + size :]


def _envelope(key_id: str, body: bytes) -> bytes:
    name = key_id.encode("ascii")
    return MAGIC + bytes([len(name)]) + name + body


# -- the column type and the engine --------------------------------------------


def use_keyring(engine: Engine, keyring: Keyring) -> None:
    """Seal and open this engine's document columns with ``keyring``."""
    setattr(engine.dialect, _ATTRIBUTE, keyring)


def keyring_of(dialect: Any) -> Keyring:
    return getattr(dialect, _ATTRIBUTE, NO_KEYS)


class SealedBlob(TypeDecorator[bytes]):
    """A binary column whose values are sealed on the way in and opened on the way out."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Any) -> bytes | None:
        return None if value is None else seal(_bytes(value), keyring_of(dialect))

    def process_result_value(self, value: bytes | None, dialect: Any) -> bytes | None:
        return None if value is None else unseal(_bytes(value), keyring_of(dialect))


def _bytes(value: Any) -> bytes:
    """Drivers hand back bytes or a memoryview; a 25 MB message is not copied when it is bytes already."""
    return value if isinstance(value, bytes) else bytes(value)
