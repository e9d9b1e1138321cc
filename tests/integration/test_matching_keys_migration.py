"""Migration 0011 fills in the blocking keys of the cases already stored, from each one's first notice."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select, text

from escalations.storage.engine import make_engine
from escalations.storage.migrate import upgrade
from escalations.storage.models import Case

NOW = "'2026-03-10 10:00:00+00'"


def _case(conn, case_id: int, notices: list[dict]) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        text(
            "INSERT INTO cases (id, reference, partnership, year, number, state, stage, immediate_risk, opened_at, updated_at) "
            f"VALUES (:id, :ref, 'salford', 2026, :id, 'open', 1, false, {NOW}, {NOW})"
        ),
        {"id": case_id, "ref": f"SAL-2026-{case_id:04d}"},
    )
    for data in notices:
        conn.execute(
            text(
                "INSERT INTO inbound_messages (received_at, source, envelope_to, raw_sha256, dedupe_key, raw, size, status, tries, case_id) "
                f"VALUES ({NOW}, 'smtp', '[]', 'x', :key, :raw, 3, 'processed', 1, :id)"
            ),
            {"key": f"k{case_id}-{len(data)}-{id(data)}", "raw": b"abc", "id": case_id},
        )
        inbound = conn.execute(text("SELECT MAX(id) FROM inbound_messages")).scalar()
        conn.execute(
            text(f"INSERT INTO notices (case_id, inbound_id, data, read_at) VALUES (:id, :inbound, :data, {NOW})"),
            {"id": case_id, "inbound": inbound, "data": json.dumps(data)},
        )


def test_existing_cases_get_the_keys_of_their_first_notice(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0010")
        with engine.begin() as conn:
            _case(conn, 1, [{"subject": {"name": "BLOGGS, Jo", "dob": "2017-02-14"}}, {"subject": {"name": "Sam Carter"}}])
            _case(conn, 2, [{"subject": {"name": "Sam Carter", "dob": "14 Feb"}}])  # a date kept as written
            _case(conn, 3, [])  # no notice recorded
            _case(conn, 4, [{"subject": {}}, {"subject": {"name": "Max Bloggs", "dob": "2017-02-14"}}])
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(Case.id, Case.subject_dob, Case.subject_first, Case.subject_last).order_by(Case.id)).all()
        assert [tuple(r) for r in rows] == [
            (1, date(2017, 2, 14), "bloggs", "jo"),
            (2, None, "sam", "carter"),
            (3, None, None, None),
            (4, None, None, None),  # the first notice named nobody: as matching has always read it
        ]
    finally:
        engine.dispose()
