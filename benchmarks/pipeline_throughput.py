"""How fast one worker turns stored notices into routed cases, and what it costs in memory.

Run from the repository root with the test dependencies installed:

    .venv/bin/python benchmarks/pipeline_throughput.py [--messages 200] [--postgres URL] [--write]

It stores N distinct Salford notices (a Word attachment each) as the SMTP
intake would, then times one worker processing them all (read, screen, match,
decide, compose, commit), and one sender pass delivering the outbox to a
maildir. ``--write`` replaces the figures table in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from escalations.intake.receiving import Envelope, receive  # noqa: E402
from escalations.service.runtime import Runtime  # noqa: E402
from escalations.service.settings import load_settings  # noqa: E402
from tests.conftest import write_settings  # noqa: E402
from tests.support.forms import salford_notice  # noqa: E402
from tests.support.mail import notice_email, wire  # noqa: E402

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def run(url: str, count: int, workdir: Path) -> dict[str, float]:
    runtime = Runtime(load_settings(write_settings(workdir, url)), clock=lambda: NOW)
    runtime.prepare_database()
    raws = [
        wire(
            notice_email(
                salford_notice(dob=f"{i % 28 + 1:02d}/{i // 28 % 12 + 1:02d}/{2010 + i // 336}"),
                message_id=f"<bench-{i}@northside-health.example>",
            )
        )
        for i in range(count)
    ]
    start = time.perf_counter()
    for raw in raws:
        receive(runtime.sessions, raw, Envelope("smtp", "a.khan@northside-health.example", ("escalations@salford.example",)), NOW)
    stored = time.perf_counter() - start
    start = time.perf_counter()
    handled = runtime.worker().run_until_idle()
    processed = time.perf_counter() - start
    sender = runtime.outbox_sender()
    start = time.perf_counter()
    sent = 0
    while n := sender.run_once(limit=100):
        sent += n
    delivered = time.perf_counter() - start
    runtime.close()
    assert handled == count and sent == 2 * count, (handled, sent)
    return {
        "store_ms": 1000 * stored / count,
        "process_ms": 1000 * processed / count,
        "deliver_ms": 1000 * delivered / sent,
        "per_second": count / processed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--postgres", help="also run on this PostgreSQL database (it must be empty)")
    parser.add_argument("--write", action="store_true", help="write the figures into benchmarks/README.md")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("SQLite (WAL, synchronous=FULL)", run(f"sqlite:///{tmp}/bench.db", args.messages, Path(tmp))))
    if args.postgres:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(("PostgreSQL (psycopg 3)", run(args.postgres, args.messages, Path(tmp))))
    table = [
        "| database | store a message | process a notice | deliver an email | notices/second | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    table += [
        f"| {name} | {r['store_ms']:.1f} ms | {r['process_ms']:.1f} ms | {r['deliver_ms']:.1f} ms | {r['per_second']:.0f} | {r['peak_rss_mb']:.0f} MB |"
        for name, r in rows
    ]
    machine = f"{args.messages} notices, one worker, Python {platform.python_version()}, {platform.machine()}, measured {datetime.now(UTC):%Y-%m-%d}"
    text = "\n".join(table) + f"\n\n{machine}.\n"
    print(text)
    if args.write:
        readme = REPO / "benchmarks" / "README.md"
        head = readme.read_text(encoding="utf-8").split("<!-- figures -->")[0]
        readme.write_text(head + "<!-- figures -->\n\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
