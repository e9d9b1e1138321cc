"""The deadline pass and matching read through their indexes, on SQLite and PostgreSQL (issue 15).

Each test fills a database with a few thousand cases (so a planner has a
reason to choose), refreshes the statistics, and reads the plan: the query
must search its index, never scan the table. The timings are in
benchmarks/scale.py; this checks the shape that makes them independent of the
number of open cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select, text

from escalations.storage.engine import make_engine
from escalations.storage.migrate import upgrade
from escalations.storage.models import Case, Deadline
from escalations.storage.plans import query_plan
from escalations.storage.repositories import CaseRepository, ChaserRepository, due_cases_query
from escalations.storage.engine import make_session_factory

CASES = 4000
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
WORDS = ("bloggs", "carter", "khan", "smith", "jones", "patel", "evans", "brown")


@pytest.fixture
def filled(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    cases = [
        {
            "id": i,
            "reference": f"SAL-2026-{i:05d}",
            "partnership": "salford",
            "year": 2026,
            "number": i,
            "state": "open" if i % 3 else "resolved",
            "stage": 1,
            "level": 1,
            "immediate_risk": False,
            "opened_at": NOW,
            "updated_at": NOW,
            "subject_dob": date(2010, 1, 1) + timedelta(days=i % 3000),
            "subject_first": f"n{i % 500}",
            "subject_last": WORDS[i % len(WORDS)] + str(i % 97),
        }
        for i in range(1, CASES + 1)
    ]
    # Most deadlines are met or far off: the pass must not read them to find the few due.
    deadlines = [
        {
            "case_id": i,
            "kind": "stage_response",
            "stage": 1,
            "due": NOW + timedelta(days=30 if i % 50 else -1),
            "met": i % 4 == 0 or i > CASES // 2,  # the older half closed long ago
            "rule": "test",
            "reason": "test",
        }
        for i in range(1, CASES + 1)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Case), cases)
        conn.execute(insert(Deadline), deadlines)
        conn.execute(text("ANALYZE"))
    yield engine
    engine.dispose()


def _scans(plan: str, table: str) -> bool:
    return f"SCAN {table}\n" in plan + "\n" or f"SCAN {table} " in plan or f"Seq Scan on {table}" in plan


def test_the_deadline_pass_reads_unmet_deadlines_by_due_time(filled: Engine) -> None:
    with filled.connect() as conn:
        plan = query_plan(conn, due_cases_query(NOW + timedelta(hours=12)))
    assert "ix_deadlines_met_due" in plan, plan
    assert not _scans(plan, "deadlines"), plan
    with make_session_factory(filled)() as session:
        due = ChaserRepository(session).cases_with_open_deadlines(NOW + timedelta(hours=12))
    assert due == [i for i in range(1, CASES // 2 + 1) if i % 50 == 0 and i % 4 and i % 3]


def test_matching_finds_its_candidates_through_the_blocking_keys(filled: Engine) -> None:
    dob = date(2010, 1, 1) + timedelta(days=123)
    with make_session_factory(filled)() as session:
        ids = CaseRepository(session)._sharing("salford", dob, ("n7", "khan5"))
        query = select(Case.id).where(Case.id.in_(ids), Case.state.in_(("open", "awaiting_information")))
        plan = query_plan(session.connection(), query)
        found = set(session.scalars(query))
    assert "ix_cases_partnership_subject_dob" in plan, plan
    assert not _scans(plan, "cases"), plan
    assert found == {i for i in range(1, CASES + 1) if i % 3000 == 123 and i % 3}
