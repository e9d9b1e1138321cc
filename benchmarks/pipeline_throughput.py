"""How fast one worker turns stored notices into routed cases, and what it costs in memory.

Run from the repository root with the test dependencies installed:

    .venv/bin/python benchmarks/pipeline_throughput.py [--messages 200] [--postgres URL] [--write]

It stores N distinct Salford notices (a Word attachment each) and N distinct
Barnet notices (a two-page PDF each) as the SMTP intake would, then times one
worker processing them, message by message (read in the sandbox, screen, match,
decide, compose, commit: the notice's time from the worker taking it to its
acknowledgement committed in the outbox), and one sender pass delivering the
outbox to a maildir. Then it starts one ``escalations serve`` on SQLite (the
embedded defaults), sends it N more Word notices over SMTP as fast as one
session can, and times from the first to the last notice processed: the
notices per second one ``serve`` sustains. The CPU per notice (this process and its reader children,
mean) is what the machine's load hardly changes: on an idle machine it is about
the wall time less the waits for the disk. ``--write`` replaces the figures
table in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from escalations.intake.notices import sandbox  # noqa: E402
from escalations.intake.receiving import Envelope, receive  # noqa: E402
from escalations.service.runtime import Runtime  # noqa: E402
from escalations.service.settings import load_settings  # noqa: E402
from tests.conftest import default_trust, write_settings  # noqa: E402
from tests.support.serve_process import Serve  # noqa: E402
from tests.support.smtp_sink import free_port  # noqa: E402
from tests.support.authentication import RELAY, by_gateway  # noqa: E402
from tests.support.forms import salford_notice  # noqa: E402
from tests.support.mail import notice_email, wire  # noqa: E402
from tests.support.pdfs import two_page_notice  # noqa: E402

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
FIRST_NAMES = ("Sam", "Alex", "Jo", "Robin", "Charlie", "Morgan", "Jamie", "Kit")
SURNAMES = ("Smith", "Okafor", "Nowak", "Hughes", "Patel", "Byrne", "Adeyemi", "Walsh", "Kowalski", "Reid")


def _dob(i: int) -> str:
    return f"{i % 28 + 1:02d}/{i // 28 % 12 + 1:02d}/{2010 + i // 336}"


def word_notice(i: int) -> tuple[bytes, str, str]:
    """A Salford Word notice, the sender and the partnership's mailbox."""
    sender = "a.khan@northside-health.example"
    raw = wire(notice_email(salford_notice(dob=_dob(i)), sender=sender, message_id=f"<bench-word-{i}@northside-health.example>"))
    return raw, sender, "escalations@salford.example"


def pdf_notice(i: int) -> tuple[bytes, str, str]:
    """A Barnet two-page printed PDF notice, the sender and the partnership's mailbox."""
    sender, mailbox = "juno.prendergast@barnet-health.example", "escalations@barnet.example"
    child = f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {SURNAMES[i // len(FIRST_NAMES) % len(SURNAMES)]}"
    message = notice_email(
        two_page_notice(child=child, dob=_dob(i)),
        sender=sender,
        to=mailbox,
        filename="notice.pdf",
        message_id=f"<bench-pdf-{i}@barnet-health.example>",
    )
    return wire(message), sender, mailbox


KINDS: dict[str, Callable[[int], tuple[bytes, str, str]]] = {"Word": word_notice, "two-page PDF": pdf_notice}


def run(url: str, count: int, workdir: Path) -> dict[str, dict[str, float]]:
    runtime = Runtime(load_settings(write_settings(workdir, url)), clock=lambda: NOW)
    runtime.prepare_database()
    figures = {}
    try:
        worker = runtime.worker()
        sender = runtime.outbox_sender()
        for kind, make in KINDS.items():
            messages = [make(i) for i in range(count)]
            start = time.perf_counter()
            for raw, mail_from, mailbox in messages:
                receive(runtime.sessions, by_gateway(raw), Envelope("smtp", mail_from, (mailbox,), peer=RELAY), NOW)
            stored = time.perf_counter() - start
            times = []
            children = ChildrenCpu()
            children.take()
            start, cpu = time.perf_counter(), time.process_time()
            while True:
                began = time.perf_counter()
                if not worker.run_once():
                    break
                times.append(1000 * (time.perf_counter() - began))
                cpu -= children.take()  # counted, below, with this process's
            processed, cpu = time.perf_counter() - start, time.process_time() - cpu
            start = time.perf_counter()
            sent = 0
            while n := sender.run_once(limit=100):
                sent += n
            delivered = time.perf_counter() - start
            assert len(times) == count and sent >= count, (kind, len(times), sent)
            figures[kind] = {
                "store_ms": 1000 * stored / count,
                "p50_ms": statistics.median(times),
                "p95_ms": sorted(times)[max(0, round(0.95 * len(times)) - 1)],
                "deliver_ms": 1000 * delivered / sent,
                "per_second": count / processed,
                "cpu_ms": 1000 * cpu / count,
            }
    finally:
        runtime.close()
    return figures


def serve_rate(count: int, workdir: Path) -> float:
    """Notices per second one `serve` on SQLite sustains, from the first notice sent over SMTP to the last processed."""
    import smtplib
    import sqlite3

    port = free_port()
    # The client stands for the trusted gateway (its Authentication-Results believed): no DNS look-ups by the worker.
    trust = default_trust().replace(f'relays = ["{RELAY}"]', 'relays = ["127.0.0.1"]')
    database = workdir / "serve.db"
    service = Serve(write_settings(workdir, f"sqlite:///{database}", smtp_port=port, trust=trust), workdir / "serve.log")
    try:
        service.wait_listening(port)
        notices = [by_gateway(word_notice(i)[0]) for i in range(count)]  # a database of its own: the same notices again
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            for raw in notices:
                client.sendmail("a.khan@northside-health.example", ["escalations@salford.example"], raw)
        while True:
            with sqlite3.connect(database, timeout=30) as db:
                done = db.execute("select count(*) from inbound_messages where status = 'processed'").fetchone()[0]
            if done >= count:
                return count / (time.perf_counter() - started)
            assert service.alive(), service.text()
            time.sleep(0.05)
    finally:
        service.stop()


class ChildrenCpu:
    """CPU seconds the reader children used since last asked (a child started since: all of its time).

    Asked after every notice, so a child replaced after its documents loses at most one notice's time.
    """

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}

    def take(self) -> float:
        used = 0.0
        for pid in sandbox.readers().children():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # replaced a moment ago
                continue
            now = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
            used += now - self.seen.get(pid, 0.0)
            self.seen[pid] = now
        return used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200, help="notices of each kind")
    parser.add_argument("--postgres", help="also run on this PostgreSQL database (it must be empty)")
    parser.add_argument("--write", action="store_true", help="write the figures into benchmarks/README.md")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("SQLite (WAL, synchronous=FULL)", run(f"sqlite:///{tmp}/bench.db", args.messages, Path(tmp))))
    with tempfile.TemporaryDirectory() as tmp:
        sustained = serve_rate(args.messages, Path(tmp))
    if args.postgres:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(("PostgreSQL (psycopg 3)", run(args.postgres, args.messages, Path(tmp))))
    table = [
        "| database | notice | store a message | notice → acknowledgement in the outbox (p50 / p95) | CPU per notice | notices/second | deliver an email |",
        "|---|---|---|---|---|---|---|",
    ]
    table += [
        f"| {name} | {kind} | {r['store_ms']:.1f} ms | {r['p50_ms']:.1f} ms / {r['p95_ms']:.1f} ms | {r['cpu_ms']:.1f} ms | {r['per_second']:.1f} | {r['deliver_ms']:.1f} ms |"
        for name, figures in rows
        for kind, r in figures.items()
    ]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    machine = (
        f"{args.messages} notices of each kind, one worker, peak RSS {peak:.0f} MB; Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end; "
        f"measured {datetime.now(UTC):%Y-%m-%d}"
    )
    targets = "Targets (issue 15): p50 ≤ 80 ms Word, ≤ 200 ms two-page PDF; ≥ 20 notices/s sustained on SQLite."
    serve_line = f"One `serve` on SQLite, {args.messages} Word notices sent over SMTP: **{sustained:.1f} notices/s** sustained."
    text = "\n".join(table) + f"\n\n{serve_line}\n\n{machine}.\n\n{targets}\n"
    print(text)
    if args.write:
        readme = REPO / "benchmarks" / "README.md"
        head = readme.read_text(encoding="utf-8").split("<!-- figures -->")[0]
        readme.write_text(head + "<!-- figures -->\n\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
