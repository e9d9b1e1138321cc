"""Storage on real SQLite and PostgreSQL: migrations, pragmas, dedupe, claims and case numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from escalations.intake.receiving import Envelope, receive
from escalations.service.runtime import Runtime
from escalations.storage.engine import make_engine, normalise_url
from escalations.storage.migrate import upgrade
from escalations.storage.models import Base, Case
from escalations.storage.repositories import CaseRepository, InboundRepository, dedupe_key

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def test_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        upgrade(engine)  # applying again is a no-op
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'e.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_postgres_urls_use_psycopg_3() -> None:
    assert normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert normalise_url("postgres://u@h/db").startswith("postgresql+psycopg://")


def test_times_come_back_aware_in_utc(runtime: Runtime) -> None:
    local = datetime(2026, 7, 1, 18, 0, tzinfo=timezone(timedelta(hours=1)))
    with runtime.sessions.begin() as session:
        session.add(
            Case(
                reference="SAL-2026-0001", partnership="salford", year=2026, number=1, stage=1, opened_at=local, updated_at=local
            )
        )
    with runtime.sessions() as session:
        case = CaseRepository(session).by_reference("sal-2026-0001")
        assert case is not None
        assert case.opened_at == local and case.opened_at.tzinfo == UTC


def test_dedupe_key_covers_message_id_bytes_and_imap_position() -> None:
    raw = b"Subject: x\r\n\r\nbody\r\n"
    assert dedupe_key("<a@x>", raw) == dedupe_key("<a@x>", raw)
    assert dedupe_key("<a@x>", raw) != dedupe_key("<b@x>", raw)
    assert dedupe_key("<a@x>", raw) != dedupe_key("<a@x>", raw + b"more")
    assert dedupe_key("<a@x>", raw, ("bsp", 1, 7)) != dedupe_key("<a@x>", raw, ("bsp", 2, 7))


def test_two_open_claims_never_take_the_same_message(runtime: Runtime) -> None:
    for i in range(2):
        receive(runtime.sessions, f"Message-ID: <{i}@x.example>\r\n\r\nbody\r\n".encode(), Envelope("smtp", "a@x.example"), NOW)
    first = runtime.sessions()
    second = runtime.sessions()
    try:
        first.begin()
        claim_a = InboundRepository(first).claim_next(NOW, timedelta(minutes=5))
        first.commit()
        second.begin()
        claim_b = InboundRepository(second).claim_next(NOW, timedelta(minutes=5))
        second.commit()
        assert claim_a is not None and claim_b is not None
        assert claim_a.id != claim_b.id
        second.begin()
        assert InboundRepository(second).claim_next(NOW, timedelta(minutes=5)) is None
        # A lease that ran out (its worker died) makes the message claimable again.
        again = InboundRepository(second).claim_next(NOW + timedelta(minutes=6), timedelta(minutes=5))
        second.commit()
        assert again is not None and again.tries == 2
    finally:
        first.close()
        second.close()


def test_case_numbers_run_per_partnership_and_year(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        repo = CaseRepository(session)
        numbers = [
            repo.next_number("salford", 2026),
            repo.next_number("salford", 2026),
            repo.next_number("barnet", 2026),
            repo.next_number("salford", 2027),
        ]
    assert numbers == [1, 2, 1, 1]
