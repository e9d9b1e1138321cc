"""The encryption keys against the database: refuse a wrong key at start, and re-seal under a new one.

Each key that seals anything leaves a check value in ``secrets``
(``key-check:<id>``, a known text sealed under it). At start the key file's
keys are tried on their check values: a key file whose key has the right id
but the wrong bytes is refused before any message is stored under it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import LargeBinary, select, type_coerce, update
from sqlalchemy.orm import Session, sessionmaker

from escalations.storage.crypto import Keyring, SealError, key_id_of, seal, unseal
from escalations.storage.models import InboundMessage, OutboxMessage, Secret
from escalations.storage.repositories import SecretRepository

CHECK_TEXT = b"escalations key check"
SEALED_TABLES = (InboundMessage, OutboxMessage)  # the columns of type SealedBlob
BATCH = 200


def check_keys(sessions: sessionmaker[Session], keyring: Keyring) -> None:
    """Raise SealError if a key of the key file is not the one that sealed under its id before."""
    if not keyring.keys:
        return
    with sessions.begin() as session:
        if keyring.current is not None:
            value = lambda: base64.b64encode(seal(CHECK_TEXT, keyring)).decode()  # noqa: E731
            SecretRepository(session).get_or_create(f"key-check:{keyring.current}", value)
        for key_id in keyring.keys:
            stored = session.scalar(select(Secret.value).where(Secret.name == f"key-check:{key_id}"))
            if stored is not None and unseal(base64.b64decode(stored), keyring) != CHECK_TEXT:
                raise SealError(f"key {key_id!r} in {keyring.source} is not the key stored documents were sealed with")


@dataclass(frozen=True)
class Rotated:
    table: str
    resealed: int
    kept: int


def rotate(sessions: sessionmaker[Session], keyring: Keyring) -> list[Rotated]:
    """Re-seal every stored document not under the current key (or open them all when ``current`` is None).

    A batch is one transaction: a rotation stopped half-way leaves every row
    readable with the same key file, and running it again finishes the job.
    """
    return [_rotate_table(sessions, model, keyring) for model in SEALED_TABLES]


def _rotate_table(sessions: sessionmaker[Session], model: type, keyring: Keyring) -> Rotated:
    resealed = kept = 0
    for batch in _batches(sessions, model):
        with sessions.begin() as session:
            for row_id, stored in batch:
                if key_id_of(stored) == keyring.current:
                    kept += 1
                    continue
                # Through the column's own type: it seals the plain bytes under the current key.
                session.execute(update(model).where(model.id == row_id).values(raw=unseal(stored, keyring)))
                resealed += 1
    return Rotated(model.__tablename__, resealed, kept)


def _batches(sessions: sessionmaker[Session], model: type) -> Iterator[list[tuple[int, bytes]]]:
    """(id, stored bytes as they are in the database) in id order, a batch at a time."""
    last = 0
    while True:
        with sessions() as session:
            rows = session.execute(
                select(model.id, type_coerce(model.raw, LargeBinary)).where(model.id > last).order_by(model.id).limit(BATCH)
            ).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [(row_id, bytes(stored)) for row_id, stored in rows]


def stored_key_ids(session: Session) -> dict[str | None, int]:
    """How many stored documents each key sealed (None: plain), for `escalations keys status`."""
    counts: dict[str | None, int] = {}
    for model in SEALED_TABLES:
        for stored in session.scalars(select(type_coerce(model.raw, LargeBinary))):
            key_id = key_id_of(bytes(stored))
            counts[key_id] = counts.get(key_id, 0) + 1
    return counts


__all__ = ["SealError", "check_keys", "rotate", "stored_key_ids"]
