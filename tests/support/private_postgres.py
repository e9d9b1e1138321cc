"""A private PostgreSQL server for tests that stop or freeze it: its own data directory and loopback port.

Never the shared server the other tests use. ``initdb`` refuses to run as
root, so as root the server runs as the ``postgres`` user (or ``nobody``).
Frozen means every server process stopped with SIGSTOP: connections are
accepted by the kernel and then nothing answers, as with a hung host or a
storage stall; down means stopped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import suppress
from pathlib import Path

import pytest

from tests.support.smtp_sink import free_port

REQUIRE_SERVICES = os.environ.get("ESCALATIONS_REQUIRE_SERVICES") == "1"


def _binary(name: str) -> str:
    found = shutil.which(
        name, path=f"{os.environ.get('PATH', '')}:/usr/local/bin:/usr/lib/postgresql/16/bin:/usr/lib/postgresql/15/bin"
    )
    if found:
        return found
    message = f"a private PostgreSQL needs {name} (the PostgreSQL server binaries) on PATH"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        with suppress(KeyError):
            pwd.getpwnam(user)
            return ["runuser", "-u", user, "--"]
    pytest.skip("running as root with neither a postgres nor a nobody user to run initdb as")


class PrivatePostgres:
    host = "127.0.0.1"

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _binary("initdb"), _binary("pg_ctl")
        self.prefix = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="esc-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.frozen: list[int] = []
        if self.prefix:
            user = pwd.getpwnam(self.prefix[2])
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._as_server_user([self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/postgres"

    def _as_server_user(self, command: list[str]) -> None:
        done = subprocess.run(self.prefix + command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr or done.stdout}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses={self.host} -c fsync=off"
        self._as_server_user(
            [self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "-t", "60", "start"]
        )

    def stop(self) -> None:
        """Down: a fast shutdown, connections cut."""
        self.thaw()
        self._as_server_user([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def postmaster(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def processes(self) -> list[int]:
        """The postmaster and every process it started."""
        main = self.postmaster()
        found = [main]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with suppress(OSError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rpartition(")")[2].split()[1]) == main:
                        found.append(int(entry.name))
        return found

    def freeze(self) -> None:
        """Frozen, not down: SIGSTOP to every server process."""
        self.frozen = self.processes()
        for pid in self.frozen:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.frozen:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.frozen = []

    def close(self) -> None:
        self.thaw()
        if (self.data / "postmaster.pid").exists():
            with suppress(Exception):
                self._as_server_user([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "log"
        return path.read_text(errors="replace") if path.exists() else ""


def wait_until_answering(pg: PrivatePostgres, timeout: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(host=pg.host, port=pg.port, user="postgres", dbname="postgres", connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
