"""Duplicates per 100 crashes: SIGKILL `escalations serve` again and again while it processes and sends, count what went out twice.

Run from the repository root with the test dependencies installed:

    .venv/bin/python benchmarks/crash_duplicates.py [--crashes 100] [--mode random|relay-250] [--postgres URL]

It stores distinct Salford notices as the intake would, then runs the real
installed `serve` (worker and sender, relaying to a recording SMTP server on
loopback) and kills it with SIGKILL, restarting it each time, until
``--crashes`` kills are done; then one last run finishes the work. Modes:

- ``random``: each kill at a random moment 0–8 s after the worker is up, so
  kills land anywhere (reading, committing, in an SMTP transaction, idle);
  a message that happens to be in hand at three kills in a row goes to
  quarantine (as a message that kills the worker would): it is counted, and
  retried at the end as an operator would (`quarantine retry`);
- ``relay-250``: each kill the instant the relay has answered 250 and the
  sender has read it, before the row is marked sent: the worst case.

It prints the crashes, the emails the relay got twice (each must be one the
service recorded as possibly sent), cases opened twice (must be 0) and
messages lost (must be 0). The figures go in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, select  # noqa: E402

from escalations.intake.receiving import Envelope, receive  # noqa: E402
from escalations.storage.engine import make_session_factory  # noqa: E402
from escalations.storage.migrate import upgrade  # noqa: E402
from escalations.storage.models import CaseEvent, InboundMessage, InboundStatus, OutboxMessage, OutboxStatus  # noqa: E402
from tests.faults.conftest import fault_settings  # noqa: E402
from tests.support.forms import salford_notice  # noqa: E402
from tests.support.mail import notice_email, wire  # noqa: E402
from tests.support.serve_process import COMMAND, Serve, until  # noqa: E402
from tests.support.smtp_sink import Received, SmtpSink, free_port  # noqa: E402


def _store(url: str, count: int) -> None:
    engine = create_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    for i in range(count):
        notice = salford_notice(dob=f"{i % 28 + 1:02d}/{i // 28 % 12 + 1:02d}/{2010 + i // 336}")
        raw = wire(notice_email(notice, message_id=f"<crash-{i}@northside-health.example>"))
        receive(
            sessions,
            raw,
            Envelope("smtp", "a.khan@northside-health.example", ("escalations@salford.example",)),
            datetime.now(UTC),
        )
    engine.dispose()


def _settled(sessions) -> bool:  # type: ignore[no-untyped-def]
    with sessions() as session:
        waiting = session.scalars(select(InboundMessage.id).where(InboundMessage.status != InboundStatus.PROCESSED)).first()
        unsent = session.scalars(select(OutboxMessage.id).where(OutboxMessage.status != OutboxStatus.SENT)).first()
        return waiting is None and unsent is None


def _retry_quarantined(url: str, settings: Path) -> int:
    engine = create_engine(url)
    with make_session_factory(engine)() as session:
        ids = session.scalars(select(InboundMessage.id).where(InboundMessage.status == InboundStatus.QUARANTINED)).all()
    engine.dispose()
    for inbound_id in ids:
        subprocess.run(
            [COMMAND, "quarantine", "retry", str(inbound_id), "--config", str(settings)], check=True, capture_output=True
        )
    return len(ids)


def run(url: str, crashes: int, mode: str, workdir: Path) -> dict[str, object]:
    notices = max(crashes // 2 + 5, 10) if mode == "relay-250" else max(crashes // 2, 10)
    victim: list[Serve] = []
    armed = [False]

    def kill_at_250(delivered: list[Received]) -> None:
        if armed[0] and victim and victim[-1].alive():
            armed[0] = False
            victim[-1].kill(wait=False)

    with SmtpSink(on_quit=kill_at_250 if mode == "relay-250" else None) as relay:
        settings = fault_settings(workdir, url, smtp_port=free_port(), relay=relay, smtp_enabled=False)
        _store(url, notices)
        done = 0
        started = time.monotonic()
        while done < crashes:
            serve = Serve(settings, workdir / f"run{done}.log")
            victim.append(serve)
            serve.wait_log("worker: started")
            if mode == "relay-250":
                armed[0] = True
                try:
                    until(lambda: not serve.alive(), 60, "the kill at the relay's 250")
                except TimeoutError:
                    serve.close()
                    break  # nothing left to send
            else:
                time.sleep(random.uniform(0, 8))
                serve.kill()
            serve.close()
            done += 1
        quarantined = _retry_quarantined(url, settings)
        last = Serve(settings, workdir / "last.log")
        watch = create_engine(url, pool_pre_ping=True)
        until(lambda: _settled(make_session_factory(watch)), 600, "the work finished", every=0.5)
        watch.dispose()
        last.stop()
        last.close()
        elapsed = time.monotonic() - started
        got = Counter(r.message["Message-ID"] for r in relay.received)
    engine = create_engine(url)
    with make_session_factory(engine)() as session:
        rows = {m: u for m, u in session.execute(select(OutboxMessage.message_id, OutboxMessage.uncertain_deliveries))}
        openings = Counter(session.scalars(select(CaseEvent.inbound_id).where(CaseEvent.rule == "new-notice")))
        inbound = session.scalars(select(InboundMessage.status)).all()
    engine.dispose()
    extra = sum(n - 1 for n in got.values())
    return {
        "mode": mode,
        "crashes": done,
        "notices": notices,
        "emails": len(rows),
        "seconds": round(elapsed, 1),
        "extra_deliveries": extra,
        "emails_delivered_more_than_once": sum(1 for n in got.values() if n > 1),
        # Each extra delivery must be one the service recorded as possibly sent (uncertain_deliveries):
        "extra_deliveries_not_recorded": sum(max(0, n - 1 - rows.get(m, 0)) for m, n in got.items()),
        "recorded_possibly_sent": sum(rows.values()),
        "never_sent": sum(1 for m in rows if m not in got),
        "cases_opened_twice": sum(1 for n in openings.values() if n > 1),
        "messages_not_processed": sum(1 for s in inbound if s != InboundStatus.PROCESSED),
        "quarantined_by_kills": quarantined,
        "duplicates_per_100_crashes": round(100 * extra / max(done, 1), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crashes", type=int, default=100)
    parser.add_argument("--mode", choices=("random", "relay-250"), default="random")
    parser.add_argument("--postgres", help="an empty PostgreSQL database to use instead of SQLite")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    random.seed(args.seed)
    with tempfile.TemporaryDirectory(prefix="esc-crash-") as folder:
        workdir = Path(folder)
        url = args.postgres or f"sqlite:///{workdir / 'escalations.db'}"
        print(json.dumps(run(url, args.crashes, args.mode, workdir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
