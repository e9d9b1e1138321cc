"""Scale-out on PostgreSQL: notices per second with two `serve --only worker` processes against one, on one database.

Run from the repository root with the test dependencies installed and a
PostgreSQL server whose user may create databases:

    .venv/bin/python benchmarks/two_workers.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres [--notices 60] [--rounds 2] [--write]

For each run a new database is made and migrated, one or two processing
processes (``escalations serve --only worker``, as on machines sharing one
database: they take messages with ``FOR UPDATE SKIP LOCKED``) are started and
left idle, then the Word notices are stored as the intake stores them; the
time runs from the first store to the last notice processed. Runs alternate
one / two workers, ``--rounds`` times. Two workers can go no faster than the
CPUs free for them allow: on a machine shared with other work compare the
ratio, measured alongside, not the rates. ``--write`` puts the figures into
benchmarks/README.md between the ``two_workers.py`` markers.
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
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from escalations.intake.receiving import Envelope, receive  # noqa: E402
from escalations.service.runtime import Runtime  # noqa: E402
from escalations.service.settings import load_settings  # noqa: E402
from escalations.storage.models import InboundMessage, InboundStatus  # noqa: E402
from tests.conftest import write_settings  # noqa: E402
from tests.support.authentication import RELAY, by_gateway  # noqa: E402
from tests.support.forms import salford_notice  # noqa: E402
from tests.support.mail import notice_email, wire  # noqa: E402
from tests.support.serve_process import Serve  # noqa: E402

SENDER, MAILBOX = "a.khan@northside-health.example", "escalations@salford.example"
MARKERS = ("<!-- two_workers.py figures -->", "<!-- /two_workers.py figures -->")


def notices(count: int, tag: str) -> list[bytes]:
    return [
        wire(
            notice_email(
                salford_notice(dob=f"{i % 28 + 1:02d}/{i // 28 % 12 + 1:02d}/2013"),
                message_id=f"<two-workers-{tag}-{i}@northside-health.example>",
            )
        )
        for i in range(count)
    ]


def fresh_database(server: str) -> str:
    """A new, empty database on the server; its URL."""
    name = f"bench_two_workers_{uuid.uuid4().hex[:8]}"
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(server: str, url: str) -> None:
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and every descendant still running (its sandboxed reader children)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        used[child] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    tree, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(used.get(p, 0.0) for p in tree)


def run(server: str, workers: int, count: int, work: Path) -> tuple[float, float]:
    """Notices per second with ``workers`` processing processes, and their CPU seconds per notice."""
    url = fresh_database(server)
    settings = write_settings(work, url, smtp_enabled=False, name=f"w{workers}-{uuid.uuid4().hex[:6]}.toml")
    processes: list[Serve] = []
    try:
        with Runtime(load_settings(settings)) as runtime:
            runtime.prepare_database()
            messages = notices(count, uuid.uuid4().hex[:8])
            processes = [Serve(settings, work / f"worker-{workers}-{i}.log", args=["--only", "worker"]) for i in range(workers)]
            for process in processes:
                process.wait_log("worker: started")
            idle_cpu = sum(tree_cpu(p.pid) for p in processes)
            started = time.monotonic()
            for raw in messages:
                # Handed over by the trusted gateway, as in pipeline_throughput.py: no DNS look-ups in the timing.
                receive(runtime.sessions, by_gateway(raw), Envelope("smtp", SENDER, (MAILBOX,), peer=RELAY), runtime.clock())
            while _done(runtime) < count:
                assert all(p.alive() for p in processes)
                time.sleep(0.05)
            rate = count / (time.monotonic() - started)
            return rate, (sum(tree_cpu(p.pid) for p in processes) - idle_cpu) / count
    finally:
        for process in processes:
            process.stop()
        drop_database(server, url)


def _done(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).where(InboundMessage.status == InboundStatus.PROCESSED)) or 0


def write(text: str) -> None:
    readme = REPO / "benchmarks" / "README.md"
    content = readme.read_text(encoding="utf-8")
    head, _, rest = content.partition(MARKERS[0])
    _, _, tail = rest.partition(MARKERS[1])
    readme.write_text(f"{head}{MARKERS[0]}\n\n{text}\n{MARKERS[1]}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="a server URL whose user may create and drop databases")
    parser.add_argument("--notices", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="write the figures into benchmarks/README.md")
    args = parser.parse_args()
    rates: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for workers in (1, 2):
                rate, seconds = run(args.postgres, workers, args.notices, Path(tmp))
                rates[workers].append(rate)
                cpu[workers].append(seconds)
                print(f"{workers} worker(s): {rate:.1f} notices/s, {1000 * seconds:.0f} ms CPU a notice", flush=True)
    one, two = statistics.median(rates[1]), statistics.median(rates[2])
    text = (
        "| worker processes | notices/s (median of runs) | runs | CPU a notice (workers and their readers, median) |\n"
        "|---|---|---|---|\n"
        + "".join(
            f"| {n} | {statistics.median(rates[n]):.1f} | {', '.join(f'{r:.1f}' for r in rates[n])} | "
            f"{1000 * statistics.median(cpu[n]):.0f} ms |\n"
            for n in (1, 2)
        )
        + f"\nTwo workers ÷ one: **{two / one:.2f}×**. {args.notices} Word notices a run, {args.rounds} alternating rounds, "
        f"PostgreSQL on the same machine; Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs "
        f"shared with other work (load average {os.getloadavg()[0]:.1f} at the end); measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n\n"
        "Target (issue 15): two workers ≥ 1.7× one.\n"
    )
    print(text)
    if args.write:
        write(text)


if __name__ == "__main__":
    main()
