"""The SMTP intake against a bare aiosmtpd sink that fsyncs each message before its 250, side by side.

Run from the repository root with the test dependencies installed:

    .venv/bin/python benchmarks/intake.py [--seconds 8] [--rounds 2] [--burst 60] [--write]

The script starts its own sink (a bare aiosmtpd server, in a process of its
own, that writes each message to a file and fsyncs it before answering 250)
and `escalations serve` on the embedded defaults (SQLite in WAL with
synchronous=FULL, the worker, sender and scheduler in its processing process),
both on loopback, their files on the same disk. Clients in a third process keep
1 and then 10 SMTP sessions busy for a fixed time, each sending 39 KB messages
one after another, and time each message from the end of its DATA (the final
".") to the reply. Runs alternate sink / service, ``--rounds`` times. Then a
burst of Word notices is sent to the service and, while its worker processes
them, 10 sessions are timed again (against the sink too, for the same load).

The messages come from a sender outside the directory, so the worker screens
each one and stops (it still parses every message). The machine is shared:
compare the service with the sink measured alongside it (the ratios), not
figures taken at different times. ``--write`` puts the figures into
benchmarks/README.md between the ``intake.py`` markers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.conftest import default_trust, write_settings  # noqa: E402
from tests.support.authentication import RELAY, by_gateway  # noqa: E402
from tests.support.forms import salford_notice  # noqa: E402
from tests.support.mail import notice_email, wire  # noqa: E402
from tests.support.serve_process import Serve  # noqa: E402
from tests.support.smtp_sink import free_port  # noqa: E402

SENDER, MAILBOX = "someone@elsewhere.example", "escalations@salford.example"
MESSAGE_BYTES = 39 * 1024
MARKERS = ("<!-- intake.py figures -->", "<!-- /intake.py figures -->")


# -- the bare sink ---------------------------------------------------------------


class FsyncSink:
    """aiosmtpd handler: each message written to a file of its own and fsynced (in a thread) before the 250."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        path = self.directory / f"{os.getpid()}-{self.count}.eml"
        await asyncio.get_running_loop().run_in_executor(None, _write_synced, path, envelope.original_content)  # type: ignore[attr-defined]
        return "250 OK"


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def run_sink(port: int, directory: Path) -> None:
    from aiosmtpd.smtp import SMTP

    async def serve() -> None:
        handler = FsyncSink(directory)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: SMTP(handler, data_size_limit=None), "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


# -- the clients -----------------------------------------------------------------


def filler_message(n: int) -> bytes:
    """A 39 KB message: a short text and an attachment of random bytes (base64 on the wire)."""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = MAILBOX
    message["Subject"] = "Minutes"
    message["Message-ID"] = f"<intake-bench-{n}-{random.getrandbits(48)}@elsewhere.example>"
    message.set_content("The minutes are attached.\n")
    message.add_attachment(random.randbytes(MESSAGE_BYTES * 3 // 4 - 600), maintype="application", subtype="octet-stream")
    return by_gateway(wire(message))


def _dot_stuffed(raw: bytes) -> bytes:
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    body = b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)
    return body if body.endswith(b"\r\n") else body + b"\r\n"


@dataclass
class Run:
    accepted: int
    refused: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms) or [float("nan")]
        return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))]


def session(port: int, messages: list[bytes], until: float, out: Run, lock: threading.Lock) -> None:
    """One SMTP session sending message after message until ``until``; the end of DATA → reply, timed."""
    client = smtplib.SMTP("127.0.0.1", port, timeout=60)
    # Without TCP_NODELAY the final ".\r\n", a small write after the 39 KB body, waits in this
    # client's kernel for the body's last ACK (Nagle against the server's delayed ACK): ~40 ms
    # counted as the server's, for the sink and the service alike. A mail server sends it at once.
    client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client.ehlo("bench.elsewhere.example")
    i = 0
    try:
        while time.monotonic() < until:
            body = messages[i % len(messages)]
            i += 1
            client.mail(SENDER)
            client.rcpt(MAILBOX)
            client.putcmd("data")
            code, _ = client.getreply()
            assert code == 354, code
            client.send(body)
            began = time.perf_counter()
            client.send(b".\r\n")
            code, _ = client.getreply()
            took = 1000 * (time.perf_counter() - began)
            with lock:
                if code == 250:
                    out.accepted += 1
                    out.latencies_ms.append(took)
                else:
                    out.refused += 1
    finally:
        client.quit()


def load(port: int, sessions: int, seconds: float, messages: list[bytes]) -> Run:
    run, lock = Run(0, 0, seconds, []), threading.Lock()
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=session, args=(port, messages[k::sessions], until, run, lock)) for k in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return run


# -- the service -----------------------------------------------------------------


def processed(database: Path) -> int:
    with sqlite3.connect(database, timeout=30) as db:
        return db.execute("select count(*) from inbound_messages where status not in ('received', 'processing')").fetchone()[0]


def send_burst(port: int, count: int) -> list[bytes]:
    notices = [
        by_gateway(
            wire(
                notice_email(
                    salford_notice(dob=f"{i % 28 + 1:02d}/{i // 28 % 12 + 1:02d}/2014"),
                    message_id=f"<burst-{i}-{random.getrandbits(32)}@northside-health.example>",
                )
            )
        )
        for i in range(count)
    ]
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        for raw in notices:
            client.sendmail("a.khan@northside-health.example", [MAILBOX], raw)
    return notices


def measure(args: argparse.Namespace, work: Path) -> dict[str, object]:
    sink_port, service_port = free_port(), free_port()
    (work / "sink").mkdir()
    sink = subprocess.Popen([sys.executable, __file__, "--sink", str(sink_port), str(work / "sink")])
    # The clients stand for the trusted gateway (its Authentication-Results believed): no DNS look-ups by the worker.
    trust = default_trust().replace(f'relays = ["{RELAY}"]', 'relays = ["127.0.0.1"]')
    settings = write_settings(work, f"sqlite:///{work / 'escalations.db'}", smtp_port=service_port, trust=trust)
    service = Serve(settings, work / "serve.log", args=["--only", "intake"] if args.intake_only else [])
    try:
        service.wait_listening(service_port)
        _wait_port(sink_port)
        messages = [_dot_stuffed(filler_message(n)) for n in range(400)]  # as they go on the wire after DATA
        load(service_port, 1, 1.0, messages)  # warm both up (the service's first store migrates nothing, but opens files)
        load(sink_port, 1, 1.0, messages)
        runs: dict[tuple[str, int], list[Run]] = {}
        for _ in range(args.rounds):
            for sessions in (1, 10):
                for name, port in (("sink", sink_port), ("service", service_port)):
                    runs.setdefault((name, sessions), []).append(load(port, sessions, args.seconds, messages))
        if args.intake_only:  # no worker: no burst to process
            return {"runs": runs}
        database = work / "escalations.db"
        _until_idle(database, service)
        before = processed(database)
        send_burst(service_port, args.burst)
        burst_started = time.monotonic()
        during = load(service_port, 10, args.seconds, messages)
        done_in_window = processed(database) - before
        burst_sink = load(sink_port, 10, args.seconds, messages)
        _until_idle(database, service)
        burst_seconds = time.monotonic() - burst_started
    finally:
        service.stop()
        sink.terminate()
        sink.wait(10)
    return {
        "runs": runs,
        "during": during,
        "burst_sink": burst_sink,
        "done_in_window": done_in_window,
        "burst_seconds": burst_seconds,
    }


def _wait_port(port: int) -> None:
    import socket

    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {port}")


def _until_idle(database: Path, service: Serve, timeout: float = 600) -> None:
    """Wait until the worker has handled every stored message (so one phase's work does not spill into the next)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(database, timeout=30) as db:
            waiting = db.execute("select count(*) from inbound_messages where status in ('received', 'processing')").fetchone()[0]
        if not waiting:
            return
        assert service.alive(), service.text()
        time.sleep(0.5)
    raise TimeoutError("the worker did not finish")


def report(figures: dict[str, object], args: argparse.Namespace) -> str:
    runs: dict[tuple[str, int], list[Run]] = figures["runs"]  # type: ignore[assignment]
    rows = [
        "| sessions | sink: accepted/s | service: accepted/s | ratio | sink p50 / p99 | service p50 / p99 | service refused |",
        "|---|---|---|---|---|---|---|",
    ]
    for sessions in (1, 10):
        sink, service = _merged(runs[("sink", sessions)]), _merged(runs[("service", sessions)])
        rows.append(
            f"| {sessions} | {sink.rate:.0f} | {service.rate:.0f} | {service.rate / sink.rate:.2f}× | "
            f"{sink.percentile(0.5):.1f} / {sink.percentile(0.99):.1f} ms | {service.percentile(0.5):.1f} / {service.percentile(0.99):.1f} ms | {service.refused} |"
        )
    if args.intake_only:
        return "\n".join(rows) + f"\n\n`serve --only intake` (no worker), load average {os.getloadavg()[0]:.1f}.\n"
    during, burst_sink = figures["during"], figures["burst_sink"]
    assert isinstance(during, Run) and isinstance(burst_sink, Run)
    rows.append(
        f"| 10, during a burst of {args.burst} Word notices | {burst_sink.rate:.0f} | {during.rate:.0f} | {during.rate / burst_sink.rate:.2f}× | "
        f"{burst_sink.percentile(0.5):.1f} / {burst_sink.percentile(0.99):.1f} ms | {during.percentile(0.5):.1f} / {during.percentile(0.99):.1f} ms | {during.refused} |"
    )
    machine = (
        f"{MESSAGE_BYTES // 1024} KB messages, {args.seconds:g} s per run, {args.rounds} alternating rounds; the burst: "
        f"{figures['done_in_window']} notices processed during the {args.seconds:g} s measured, all {args.burst} in "
        f"{figures['burst_seconds']:.1f} s. Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs "
        f"shared with other work (load average {os.getloadavg()[0]:.1f} at the end); measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    targets = "Targets (issue 15): accepted rate ≥ 0.7× the sink's at 1 and 10 sessions; p99 end-of-DATA→250 ≤ 50 ms at 10 sessions, also during a burst."
    return "\n".join(rows) + f"\n\n{machine}.\n\n{targets}\n"


def _merged(runs: list[Run]) -> Run:
    return Run(
        sum(r.accepted for r in runs),
        sum(r.refused for r in runs),
        sum(r.seconds for r in runs),
        [x for r in runs for x in r.latencies_ms],
    )


def write(text: str) -> None:
    readme = REPO / "benchmarks" / "README.md"
    content = readme.read_text(encoding="utf-8")
    head, _, rest = content.partition(MARKERS[0])
    _, _, tail = rest.partition(MARKERS[1])
    readme.write_text(f"{head}{MARKERS[0]}\n\n{text}\n{MARKERS[1]}{tail}", encoding="utf-8")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--sink":
        run_sink(int(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each timed run")
    parser.add_argument("--rounds", type=int, default=2, help="alternating sink/service rounds")
    parser.add_argument("--burst", type=int, default=60, help="Word notices in the burst")
    parser.add_argument(
        "--intake-only", action="store_true", help="serve --only intake: no worker (where the intake's own time goes)"
    )
    parser.add_argument("--write", action="store_true", help="write the figures into benchmarks/README.md")
    args = parser.parse_args()
    if args.intake_only and args.write:
        parser.error("--intake-only is a diagnosis: its figures are not the issue's, so not written")
    with tempfile.TemporaryDirectory(dir=REPO / "benchmarks") as tmp:
        text = report(measure(args, Path(tmp)), args)
    print(text)
    if args.write:
        write(text)


if __name__ == "__main__":
    main()
