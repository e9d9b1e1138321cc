"""Peak memory of the SMTP intake under a burst of large messages (issue 12, "Bounded resources").

Run from the repository root with the test dependencies installed:

    .venv/bin/python benchmarks/smtp_memory.py [--messages 12] [--mb 24] [--code DIR] [--postgres URL]

It starts ``escalations serve`` with the worker off (only the SMTP intake, on a
fresh SQLite database in a temporary folder, or on the given PostgreSQL
database, which must be empty), sends N messages of the given size at once
from N smtplib clients on loopback, and reads the server's peak resident
memory (VmHWM) from /proc. A client told 4xx (421 busy, 452 no room) tries
again after half a second, as a sending server would later; every message
must end stored. ``--code DIR`` runs the server from another checkout (for
the figure before a change: ``git worktree add /tmp/before main``).
"""

from __future__ import annotations

import argparse
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SENDER = "a.khan@northside-health.example"
MAILBOX = "escalations@salford.example"


def settings(folder: Path, url: str, port: int) -> Path:
    path = folder / "escalations.toml"
    repo = Path(__file__).resolve().parent.parent
    path.write_text(
        f'[storage]\nurl = "{url}"\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nmax_message_bytes = 26214400\n'
        f'[outbound]\ntransport = "maildir"\nmaildir = "{folder / "outbox"}"\n'
        f'[partnerships]\ndir = "{repo / "config" / "partnerships"}"\n'
        f'[directory]\nseed = "{repo / "config" / "directory.example.csv"}"\n[worker]\nenabled = false\n',
        encoding="utf-8",
    )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(config: Path, code: str | None, folder: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if code:  # an `escalations` folder first on the path wins over the editable install
        (folder / "code").mkdir()
        (folder / "code" / "escalations").symlink_to(Path(code).resolve())
        env["PYTHONPATH"] = str(folder / "code")
    command = [
        sys.executable,
        "-c",
        "from escalations.service.cli import main; raise SystemExit(main())",
        "serve",
        "--config",
        str(config),
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=open(folder / "serve.log", "wb"))


def wait_for_greeting(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "serve exited; see serve.log"
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=5).quit()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("serve did not answer within 60 s")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmHWM in /proc (Linux only)")


def body(megabytes: int) -> bytes:
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n"
    return line * (megabytes * 1_000_000 // len(line))


def send(port: int, raw: bytes, tally: dict[str, int], lock: threading.Lock) -> None:
    while True:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=300) as client:
                client.sendmail(SENDER, [MAILBOX], raw)  # smtplib declares SIZE= when the server offers it
            return
        except (smtplib.SMTPConnectError, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as refused:
            code = getattr(refused, "smtp_code", 0)
            if not 400 <= code < 500:
                raise
            with lock:
                tally[str(code)] = tally.get(str(code), 0) + 1
            time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=12)
    parser.add_argument("--mb", type=int, default=24, help="size of each message in MB (10^6 bytes)")
    parser.add_argument("--code", help="a checkout's folder to run the server from (the figure before a change)")
    parser.add_argument("--postgres", help="an empty PostgreSQL database instead of SQLite")
    args = parser.parse_args()
    shared = body(args.mb)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        url = args.postgres or f"sqlite:///{folder / 'escalations.db'}"
        server = start_server(settings(folder, url, port), args.code, folder)
        try:
            wait_for_greeting(port, server)
            idle = peak_rss_mb(server.pid)
            tally: dict[str, int] = {}
            lock = threading.Lock()
            raws = [
                f"From: {SENDER}\r\nTo: {MAILBOX}\r\nSubject: burst {i}\r\nMessage-ID: <burst-{i}@northside-health.example>\r\n\r\n".encode()
                + shared
                for i in range(args.messages)
            ]
            threads = [threading.Thread(target=send, args=(port, raw, tally, lock)) for raw in raws]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
            peak = peak_rss_mb(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    retries = ", ".join(f"{n}×{code}" for code, n in sorted(tally.items())) or "none"
    print(
        f"{args.messages} messages of {args.mb} MB at once: peak RSS {peak:.0f} MB (idle {idle:.0f} MB), "
        f"all stored in {elapsed:.1f} s, retries: {retries}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
