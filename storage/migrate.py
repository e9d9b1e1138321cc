"""Apply the Alembic migrations: on start, and by `escalations migrate`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
_PG_LOCK_KEY = 0x65736361  # one migrating process at a time on a shared database


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    config = alembic_config(engine)
    if engine.dialect.name != "postgresql":
        command.upgrade(config, revision)
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
        try:
            command.upgrade(config, revision)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
            lock.commit()
