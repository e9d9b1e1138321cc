"""Matching and the deadline pass at 10,000, 100,000 and 1,000,000 open cases (issue 15).

Run from the repository root with the test dependencies installed:

    .venv/bin/python benchmarks/scale.py [--sizes 10000,100000,1000000] [--postgres URL] [--notices 200] [--write]

For each database (SQLite in a temporary directory; PostgreSQL in a temporary
database made on the server ``--postgres`` names, dropped afterwards) and each
size, it migrates a new database with the project's own migrations, loads the
packaged example directory, and fills it by bulk SQL that follows the schema:
N open cases spread over the five partnerships, each with its first notice
(canonical JSON: the child's name and date of birth, dates of birth spread over
18 years), its blocking keys (routing.matching.blocking_keys, as the service
sets them) and one unmet stage deadline ten days off; then ANALYZE. Then it times:

* **matching**: for ``--notices`` notices, half about a child of an existing
  case and half about a new child with an existing date of birth, the
  service's own look-up and decision (service.matching.notice_candidates and
  routing.matching.match_notice), in a read transaction, per notice;
* **a real notice**: a few Salford Word notices through the worker
  (read, screen, match, decide, compose, commit), per notice;
* **the deadline pass with nothing due**: Scheduler.run_once, the first pass in
  the process and the passes after it.

``--write`` puts the figures into benchmarks/README.md between the
``scale.py figures`` markers.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from escalations.intake.receiving import Envelope, receive  # noqa: E402
from escalations.routing.matching import NoticeFacts, match_notice  # noqa: E402
from escalations.service.matching import notice_candidates  # noqa: E402
from escalations.service.runtime import Runtime  # noqa: E402
from escalations.service.settings import load_settings  # noqa: E402
from escalations.storage.engine import read_sessions  # noqa: E402
from escalations.storage.models import Case, InboundMessage  # noqa: E402
from escalations.storage.plans import query_plan  # noqa: E402
from escalations.storage.repositories import CaseRepository, due_cases_query  # noqa: E402
from tests.conftest import write_settings  # noqa: E402
from tests.support.authentication import RELAY, by_gateway  # noqa: E402
from tests.support.forms import salford_notice  # noqa: E402
from tests.support.mail import notice_email, wire  # noqa: E402

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
DOB_DAYS = 6570  # dates of birth over 18 years
FIRST_DAY = date(2008, 1, 1)
STRIDE = 7919  # spreads case numbers over dates of birth and names
REAL_NOTICES = 5

# Fictional names made of letters (matching ignores digits): "A" + two letters, "B" + three letters.
_SQLITE_NAME = (
    "'a' || char(97 + i % 26) || char(97 + (i / 26) % 26)",
    "'b' || char(97 + (i * 7) % 26) || char(97 + (i / 7) % 26) || char(97 + (i / 182) % 26)",
)
_PG_NAME = (
    "'a' || chr(97 + i % 26) || chr(97 + (i / 26) % 26)",
    "'b' || chr(97 + (i * 7) % 26) || chr(97 + (i / 7) % 26) || chr(97 + (i / 182) % 26)",
)


def _fill_sql(dialect: str, partnerships: list[str]) -> list[str]:
    """INSERT … SELECT statements for cases, their first notices and their deadlines (ids 1..:n)."""
    sqlite = dialect == "sqlite"
    first, last = _SQLITE_NAME if sqlite else _PG_NAME
    series = (
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) "
        if sqlite
        else "WITH s(i) AS (SELECT generate_series(1, :n)) "
    )
    offset = "(i * 7919) % 6570" if sqlite else "((i::bigint * 7919) % 6570)::int"
    dob = f"date('2008-01-01', '+' || ({offset}) || ' days')" if sqlite else f"(date '2008-01-01' + {offset})"
    cases_partnership = "CASE i % 5 " + " ".join(f"WHEN {k} THEN '{p}'" for k, p in enumerate(partnerships)) + " END"
    now = "'2026-03-10 10:00:00.000000'" if sqlite else "timestamptz '2026-03-10 10:00:00+00'"
    due = "'2026-03-20 10:00:00.000000'" if sqlite else "timestamptz '2026-03-20 10:00:00+00'"
    name = f"{first} || ' ' || {last}"
    if sqlite:
        data = f"""'{{"subject": {{"kind": "child", "name": "' || {name} || '", "dob": "' || {dob} || '"}}}}'"""
    else:
        data = f"json_build_object('subject', json_build_object('kind', 'child', 'name', {name}, 'dob', to_char({dob}, 'YYYY-MM-DD')))"
    false = "0" if sqlite else "false"
    return [
        f"{series}INSERT INTO cases (id, reference, partnership, year, number, state, stage, level, immediate_risk, "
        "subject_kind, raised_by_email, opened_at, updated_at, subject_dob, subject_first, subject_last) "
        f"SELECT i, 'BEN-2025-' || i, {cases_partnership}, 2025, i, 'open', 1, 1, {false}, 'child', "
        f"'bench@northside-health.example', {now}, {now}, {dob}, {first}, {last} FROM s",
        f"{series}INSERT INTO notices (case_id, inbound_id, form, data, read_at) SELECT i, :inbound, 'bench', {data}, {now} FROM s",
        f"{series}INSERT INTO deadlines (case_id, kind, stage, due, set_at, met, rule, reason) "
        f"SELECT i, 'stage_response', 1, {due}, {now}, {false}, 'bench', 'bench' FROM s",
    ]


def _subject(i: int) -> tuple[str, date]:
    """Case i's child, as the SQL above writes it."""
    a = "a" + chr(97 + i % 26) + chr(97 + (i // 26) % 26)
    b = "b" + chr(97 + (i * 7) % 26) + chr(97 + (i // 7) % 26) + chr(97 + (i // 182) % 26)
    return f"{a} {b}", FIRST_DAY + timedelta(days=(i * STRIDE) % DOB_DAYS)


def fill(runtime: Runtime, n: int) -> float:
    """N open cases by bulk SQL; the seconds it took."""
    started = time.perf_counter()
    engine = runtime.engine
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO inbound_messages (received_at, source, envelope_to, raw_sha256, dedupe_key, raw, size, status, tries) "
                "VALUES (:at, 'smtp', '[]', 'bench', 'bench-seed', :raw, 1, 'processed', 1)"
            ),
            {"at": NOW.replace(tzinfo=None) if engine.dialect.name == "sqlite" else NOW, "raw": b"x"},
        )
        inbound = conn.execute(select(InboundMessage.id)).scalar_one()
        for statement in _fill_sql(engine.dialect.name, sorted(runtime.policies)):
            conn.execute(text(statement), {"n": n, "inbound": inbound})
        if engine.dialect.name == "postgresql":  # the cases were given their ids: the sequence goes on after them
            conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), :n)"), {"n": n})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return time.perf_counter() - started


def time_matching(runtime: Runtime, n: int, count: int) -> tuple[list[float], float]:
    """Milliseconds per notice for the service's candidate look-up and decision (wall each; this process's CPU, mean)."""
    spent = []
    cpu = time.process_time()
    for k in range(count):
        i = 1 + (k * 104729) % n
        name, dob = _subject(i)
        if k % 2:
            name = "Zed Quill"  # a new child born the same day as case i's
        partnership = sorted(runtime.policies)[i % 5]
        facts = NoticeFacts(name, dob, frozenset())
        started = time.perf_counter()
        with read_sessions(runtime.sessions)() as session:  # as the worker reads ahead: no write lock
            decided = match_notice(facts, notice_candidates(CaseRepository(session), partnership, facts, None, None))
        spent.append((time.perf_counter() - started) * 1000)
        assert decided.outcome in ("review", "new", "match"), decided
        assert (decided.outcome == "new") == bool(k % 2), (k, decided)
    return spent, (time.process_time() - cpu) * 1000 / count


def time_real_notices(runtime: Runtime, count: int) -> list[float]:
    """Milliseconds per Word notice through the worker (read, screen, match, decide, compose, commit)."""
    spent = []
    for k in range(count):
        raw = wire(
            notice_email(salford_notice(dob=f"{k + 1:02d}/02/2017"), message_id=f"<bench-scale-{k}@northside-health.example>")
        )
        stored = receive(
            runtime.sessions,
            by_gateway(raw),
            Envelope("smtp", "a.khan@northside-health.example", ("escalations@salford.example",), peer=RELAY),
            NOW,
        )
        started = time.perf_counter()
        assert runtime.worker().run_once()
        spent.append((time.perf_counter() - started) * 1000)
        with runtime.sessions() as session:
            message = session.get(InboundMessage, stored.id)
            assert message is not None and message.status == "processed", (message.status, message.outcome) if message else None
    return spent


def time_passes(runtime: Runtime, count: int = 10) -> tuple[float, list[float], float]:
    """The first pass in the process, then ``count`` more (wall each; this process's CPU, mean), in milliseconds."""
    scheduler = runtime.scheduler()
    passes = []
    cpu = 0.0
    for k in range(count + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        taken = scheduler.run_once()
        passes.append((time.perf_counter() - started) * 1000)
        cpu += (time.process_time() - cpu_started) * 1000 if k else 0.0
        assert taken == 0, "nothing is due"
    return passes[0], passes[1:], cpu / count


@contextmanager
def database(kind: str, postgres: str | None, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        path = workdir / f"scale-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    assert postgres is not None
    base = make_url(postgres).set(drivername="postgresql+psycopg")
    name = f"esc_scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(kind: str, n: int, postgres: str | None, notices: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp, database(kind, postgres, Path(tmp)) as url:
        runtime = Runtime(load_settings(write_settings(Path(tmp), url)), clock=lambda: NOW)
        try:
            runtime.prepare_database()
            built = fill(runtime, n)
            first_pass, passes, pass_cpu = time_passes(runtime)
            matching, matching_cpu = time_matching(runtime, n, notices)
            real = time_real_notices(runtime, REAL_NOTICES)
            with runtime.engine.connect() as conn:
                plan = query_plan(conn, due_cases_query(NOW + timedelta(hours=12)))
            with runtime.sessions() as session:
                opened = session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
        finally:
            runtime.close()
    return {
        "database": kind,
        "open cases": n,
        "built s": built,
        "matching p50": statistics.median(matching),
        "matching p95": _p95(matching),
        "matching cpu": matching_cpu,
        "pass cpu": pass_cpu,
        "worker p50": statistics.median(real),
        "first pass": first_pass,
        "pass p50": statistics.median(passes),
        "pass max": max(passes),
        "deadline plan": " / ".join(line.strip() for line in plan.splitlines()),
        "last case id": opened,
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| database | open cases | build (s) | matching: wall p50 / p95, CPU mean (ms) | Word notice through the worker, "
        "wall p50 (ms) | deadline pass, nothing due: first, then wall p50 / max, CPU mean (ms) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['database']} | {r['open cases']:,} | {r['built s']:.0f} "
            f"| {r['matching p50']:.1f} / {r['matching p95']:.1f}, {r['matching cpu']:.1f} "
            f"| {r['worker p50']:.0f} | {r['first pass']:.0f}, then {r['pass p50']:.1f} / {r['pass max']:.1f}, {r['pass cpu']:.1f} |"
        )
    plans = [f"- {r['database']}, {r['open cases']:,}: `{r['deadline plan']}`" for r in rows]
    return "\n".join(lines) + "\n\nThe deadline pass's query, as each database planned it:\n\n" + "\n".join(plans) + "\n"


def machine() -> str:
    cpus = os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.machine()}, {cpus} cores, Python {platform.python_version()}, {platform.system()} (load average {load})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a temporary database is made on it and dropped")
    parser.add_argument("--notices", type=int, default=200)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    kinds = [k for k in ("sqlite", "postgres") if (k != "postgres" or args.postgres) and args.only in (None, k)]
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        for kind in kinds:
            row = measure(kind, n, args.postgres, args.notices)
            print(row, flush=True)
            rows.append(row)
    text_ = table(rows)
    print(text_)
    if args.write:
        _write(text_)
    return 0


def _write(figures: str) -> None:
    readme = REPO / "benchmarks" / "README.md"
    content = readme.read_text(encoding="utf-8")
    start, end = "<!-- scale.py figures -->", "<!-- /scale.py figures -->"
    head, _, rest = content.partition(start)
    _, _, tail = rest.partition(end)
    stamp = f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; the machine was shared with other jobs.\n\n"
    readme.write_text(f"{head}{start}\n\n{stamp}{figures}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
