"""How long a board report takes for a year of 10,000 cases, on SQLite and PostgreSQL (target: HTML under 2 s).

Run from the repository root with the test dependencies installed:

    .venv/bin/python benchmarks/report.py [--cases 10000] [--postgres URL] [--write]

The cases are written straight into the tables (a year of the pipeline would take
hours; the report reads only what is stored): one partnership (Salford), opened
through 2026 at random working hours, spread over its agencies, with the deadlines,
notices, move-ons and timeline entries the pipeline would have left: each case
reaches a random stage, each stage's response answered in or out of time or moved
on, one in ten with immediate risk, one in twenty held for information, one in
eight still open. Then it times the HTML report and the CSV escalation log for
the whole year (three times each, the best kept) and the PDF (once: it runs long).
``--write`` replaces this benchmark's figures in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402

from escalations.reports.command import make  # noqa: E402
from escalations.reports.facts import Period  # noqa: E402
from escalations.service.runtime import Runtime  # noqa: E402
from escalations.service.settings import load_settings  # noqa: E402
from escalations.storage.models import Agency, Case, CaseEvent, Chaser, Deadline, InboundMessage, NoticeRecord  # noqa: E402
from tests.conftest import write_settings  # noqa: E402

PARTNERSHIP = "salford"
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
NOW = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
CATEGORIES = ("thresholds", "information_sharing", "response_to_concern", "non_attendance", "plan_progression")
START, END = "<!-- report benchmark: start -->", "<!-- report benchmark: end -->"


def seed(runtime: Runtime, count: int, rng: random.Random) -> None:
    policy = runtime.policies[PARTNERSHIP]
    calendar = policy.calendar
    with runtime.sessions.begin() as session:
        agencies = session.scalars(select(Agency.id).where(Agency.partnership == PARTNERSHIP)).all()
        inbound = InboundMessage(
            received_at=NOW,
            source="ingest",
            mailbox=policy.mailbox,
            envelope_to=[policy.mailbox],
            raw_sha256="0" * 64,
            dedupe_key="benchmark",
            raw=b"",
            size=0,
            status="processed",
        )
        session.add(inbound)
        session.flush()
        chasers: list[Chaser | NoticeRecord] = []
        for n in range(1, count + 1):
            day = calendar.working_day_on_or_after(date(2026, 1, 1) + timedelta(days=rng.randrange(365)))
            if day.year != 2026:
                day = date(2026, 12, 31)
            opened = calendar.start_of_day(day) + timedelta(minutes=rng.randrange(8 * 60))
            chasers += _case(session, policy, inbound.id, n, opened, agencies, rng)
            if n % 1000 == 0:
                session.flush()
        session.flush()  # these name cases and deadlines by id, with no relationship to order them after
        session.add_all(chasers)


def _case(
    session, policy, inbound_id: int, n: int, opened: datetime, agencies, rng: random.Random
) -> list[Chaser | NoticeRecord]:  # type: ignore[no-untyped-def]
    """One case as the pipeline would have left it; the rows naming it without a relationship (the scheduler's
    move-ons, the notice as read) come back to be added once the cases and deadlines are in."""
    chasers = []
    calendar = policy.calendar
    top = rng.choice([1, 1, 1, 2, 2, 3][: len(policy.stages) * 2])
    still_open = rng.random() < 0.125
    raising, challenged = rng.sample(list(agencies), 2)
    case = Case(
        id=n,
        reference=f"{policy.prefix}-2026-{n:05d}",
        partnership=policy.id,
        year=2026,
        number=n,
        state="open" if still_open else rng.choice(["resolved"] * 8 + ["withdrawn"]),
        stage=top,
        immediate_risk=rng.random() < 0.1,
        subject_kind="child",
        raising_agency_id=raising,
        challenged_agency_id=challenged,
        opened_at=opened,
        updated_at=opened,
    )
    session.add(case)
    at = opened
    for stage in range(1, top + 1):
        due = calendar.due(at, policy.stage(stage).respond_within)
        answered = at + timedelta(hours=rng.choice([2, 6, 30, 80]))
        last_open = still_open and stage == top
        deadline = Deadline(
            id=n * 10 + stage,
            case_id=case.id,
            kind="stage_response",
            stage=stage,
            due=due,
            set_at=at,
            met=not last_open,
            met_at=None if last_open else answered,
            rule="benchmark",
            reason="benchmark",
        )
        session.add(deadline)
        if not last_open:
            session.add(CaseEvent(case_id=case.id, at=answered, kind="deadline", rule="met:stage_response", reason="", data={}))
            if answered > due and rng.random() < 0.3:
                chasers.append(
                    Chaser(
                        case_id=case.id,
                        deadline_id=deadline.id,
                        kind="escalate",
                        number=1,
                        for_date=answered.date(),
                        key=f"b:{case.id}:{stage}",
                        created_at=answered,
                    )
                )
        at = answered
    if not still_open:
        case.closed_at = at
    if rng.random() < 0.05:
        session.add(
            Deadline(
                id=n * 10,
                case_id=case.id,
                kind="information",
                stage=1,
                due=opened + timedelta(days=1),
                set_at=opened,
                met=True,
                met_at=opened + timedelta(hours=20),
                rule="b",
                reason="b",
            )
        )
    chasers.append(
        NoticeRecord(
            case_id=case.id,
            inbound_id=inbound_id,
            form="benchmark",
            data={
                "categories": rng.sample(CATEGORIES, rng.randint(1, 2)),
                "subject": {"name": f"Child {n}", "dob": "2015-01-01"},
            },
            read_at=opened,
        )
    )
    return chasers


def best(work: Callable[[], object], times: int = 3) -> tuple[float, float]:
    """The best wall time and the best CPU time (this process) of ``times`` runs."""
    timings = []
    for _ in range(times):
        started, cpu = time.perf_counter(), time.process_time()
        work()
        timings.append((time.perf_counter() - started, time.process_time() - cpu))
    return min(t[0] for t in timings), min(t[1] for t in timings)


def measure(url: str, count: int, directory: Path) -> dict[str, tuple[float, float]]:
    runtime = Runtime(load_settings(write_settings(directory, url, name=f"bench-{abs(hash(url))}.toml")), clock=lambda: NOW)
    runtime.prepare_database()
    try:
        seed(runtime, count, random.Random(14))
        policy = runtime.policies[PARTNERSHIP]

        def report(fmt: str) -> Callable[[], object]:
            def run() -> object:
                with runtime.sessions() as session:
                    return make(session, policy, YEAR, fmt, NOW)

            return run

        return {fmt: best(report(fmt), times=1 if fmt == "pdf" else 3) for fmt in ("html", "csv", "pdf")}
    finally:
        runtime.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL (a fresh database is best)")
    parser.add_argument("--write", action="store_true", help="put the figures in benchmarks/README.md")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("SQLite", measure(f"sqlite:///{Path(tmp) / 'bench.db'}", args.cases, Path(tmp))))
        if args.postgres:
            rows.append(("PostgreSQL", measure(args.postgres, args.cases, Path(tmp))))
    table = _table(rows, args.cases)
    print(table)
    if args.write:
        _write(table)
    return 0 if all(r["html"][1] < 2.0 for _, r in rows) else 1


def _table(rows: list[tuple[str, dict[str, tuple[float, float]]]], count: int) -> str:
    load = os.getloadavg()[0]
    lines = [
        "| database | HTML (target < 2 s): wall / CPU | PDF: wall / CPU | CSV escalation log: wall / CPU |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {name} | " + " | ".join(f"{r[k][0]:.2f} s / {r[k][1]:.2f} s" for k in ("html", "pdf", "csv")) + " |"
        for name, r in rows
    ]
    lines += [
        "",
        f"{count:,} cases over 2026, one partnership; HTML and CSV the best of three, the PDF once; {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f} at the end; measured {date.today().isoformat()}. "
        "CPU is this process's (the database server's is apart): on a busy machine the wall time is mostly waiting for a core.",
    ]
    return "\n".join(lines)


def _write(table: str) -> None:
    readme = REPO / "benchmarks" / "README.md"
    text = readme.read_text(encoding="utf-8")
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    readme.write_text(f"{before}{START}\n{table}\n{END}{after}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
