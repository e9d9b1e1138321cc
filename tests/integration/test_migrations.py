"""Upgrading a database that already holds cases keeps every row and every link."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, text

from escalations.storage.engine import make_engine
from escalations.storage.migrate import upgrade
from escalations.storage.models import Agency, Case, CaseEvent, Deadline, InboundMessage, NoticeRecord


def test_upgrade_from_the_first_schema_keeps_data(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO cases (id, reference, partnership, year, number, state, stage, immediate_risk, opened_at, updated_at) "
                    "VALUES (1, 'SAL-2026-0001', 'salford', 2026, 1, 'open', 2, false, '2026-03-10 10:00:00+00', '2026-03-10 10:00:00+00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO inbound_messages (id, received_at, source, envelope_to, message_id, raw_sha256, dedupe_key, raw, size, status, tries, case_id) "
                    "VALUES (1, '2026-03-10 10:00:00+00', 'smtp', '[]', '<a@b.example>', 'x', 'k1', :raw, 3, 'processed', 1, 1)"
                ),
                {"raw": b"abc"},
            )
            conn.execute(
                text(
                    "INSERT INTO case_events (case_id, at, kind, rule, reason, inbound_id, data) "
                    "VALUES (1, '2026-03-10 10:00:00+00', 'inbound', 'new-notice', 'opened', 1, '{}')"
                )
            )
            conn.execute(
                text("INSERT INTO notices (case_id, inbound_id, data, read_at) VALUES (1, 1, '{}', '2026-03-10 10:00:00+00')")
            )
            conn.execute(
                text(
                    "INSERT INTO agencies (id, partnership, name, domains) VALUES (7, 'salford', 'Salford Police', '[\"police.salford.example\"]')"
                )
            )
        upgrade(engine)
        with engine.connect() as conn:
            counts = [
                conn.execute(select(func.count()).select_from(m)).scalar()
                for m in (Case, InboundMessage, CaseEvent, NoticeRecord)
            ]
            assert counts == [1, 1, 1, 1]
            assert conn.execute(select(InboundMessage.raw, InboundMessage.case_id)).one() == (b"abc", 1)
            # 0006: the SMTP client and the authentication result, empty for mail taken before.
            assert conn.execute(select(InboundMessage.peer_ip, InboundMessage.helo, InboundMessage.authentication)).one() == (
                None,
                None,
                None,
            )
            # 0007: an agency from before has no aliases (NULL), and keeps its name and domains.
            assert conn.execute(select(Agency.name, Agency.domains, Agency.aliases)).one() == (
                "Salford Police",
                ["police.salford.example"],
                None,
            )
            if engine.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_a_case_held_before_0009_gets_a_deadline_due_at_once(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0008")
        with engine.begin() as conn:
            for number, state in ((1, "awaiting_information"), (2, "open")):
                conn.execute(
                    text(
                        "INSERT INTO cases (id, reference, partnership, year, number, state, stage, immediate_risk, opened_at, updated_at) "
                        f"VALUES ({number}, 'SAL-2026-000{number}', 'salford', 2026, {number}, '{state}', 1, false, "
                        "'2026-03-10 10:00:00+00', '2026-03-11 09:00:00+00')"
                    )
                )
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(Deadline.case_id, Deadline.kind, Deadline.due, Deadline.set_at, Deadline.met)).all()
        assert rows == [
            (1, "information", datetime(2026, 3, 11, 9, 0, tzinfo=UTC), datetime(2026, 3, 10, 10, 0, tzinfo=UTC), False)
        ]
    finally:
        engine.dispose()
