"""Storing a received message: one ``INSERT … ON CONFLICT DO NOTHING RETURNING id``, built once per dialect.

Building a new statement with ``.values(…)`` for every message was more than
half of the SMTP intake's CPU (issue 15): each build makes a new cache key, so
SQLAlchemy compiled it again too. Built once without values and executed with
the row as parameters, it is compiled once per engine and then taken from the
engine's compiled cache.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from escalations.storage.models import InboundMessage

_TABLE = InboundMessage.__table__
_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}
_EXISTING = select(_TABLE.c.id).where(_TABLE.c.dedupe_key == bindparam("dedupe_key"))


@cache
def insert_statement(dialect: str) -> Executable:
    """The insert that skips a known dedupe key and returns the new row's id (None for a duplicate)."""
    insert = _INSERTS[dialect](_TABLE)
    return insert.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_TABLE.c.id)


def store_inbound(executor: Connection | Session, values: dict[str, Any]) -> tuple[int, bool]:
    """Insert the row unless its dedupe key is known: its id and whether it was a duplicate. Never commits."""
    dialect = executor.get_bind().dialect.name if isinstance(executor, Session) else executor.dialect.name
    new_id = executor.execute(insert_statement(dialect), values).scalar_one_or_none()
    if new_id is not None:
        return new_id, False
    return executor.execute(_EXISTING, {"dedupe_key": values["dedupe_key"]}).scalar_one(), True
