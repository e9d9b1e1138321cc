"""Claims on rows in work (an inbound message, an outbox row): who holds each, and whether that holder still lives.

A claim names its holder by a process identity: the host (hostname, boot id
and PID namespace, so two containers that share a hostname are never taken
for one), the pid, the process's start time and a random part. Another
process takes a claim over when its lease has run out (the holder's heartbeat
stopped renewing it), or at once when the holder was on this same host and
its process no longer exists: a `serve` restarted after SIGKILL or the OOM
killer picks up its own work in seconds, not after the lease.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=20)  # how long a claim holds without a heartbeat
HEARTBEAT_SECONDS = 5.0  # how often a holder renews its claims: several renewals fit in one lease

_PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessIdentity:
    """Who holds a claim; written to the row as ``host|pid|start|nonce``."""

    host: str
    pid: int
    started: str  # the start time in clock ticks after boot (/proc), "" where unknown
    nonce: str

    def __str__(self) -> str:
        return f"{self.host}|{self.pid}|{self.started}|{self.nonce}"

    @classmethod
    def parse(cls, text: str | None) -> ProcessIdentity | None:
        parts = (text or "").rsplit("|", 3)
        if len(parts) != 4 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2], parts[3])


def this_process() -> ProcessIdentity:
    """This process's identity (a new one after a fork, since the pid changes)."""
    return _identity(os.getpid())


@lru_cache(maxsize=4)
def _identity(pid: int) -> ProcessIdentity:
    return ProcessIdentity(host_key(), pid, _start_time(pid) or "", secrets.token_hex(6))


@lru_cache(maxsize=1)
def host_key() -> str:
    """The hostname, plus the boot and PID namespace where /proc says them: pids compare only within one key."""
    parts = [socket.gethostname()[:80].replace("|", "_")]
    try:
        parts.append((_PROC / "sys/kernel/random/boot_id").read_text().strip()[:8])
        parts.append(os.readlink(_PROC / "self/ns/pid").strip("pid:[]"))
    except OSError:
        pass
    return "/".join(parts)


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat; read after the last ")" since the command name may hold anything."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def holder_gone(holder: str | None) -> bool:
    """True only when sure: the holder ran on this host and its process has ended (or its pid now names another)."""
    other = ProcessIdentity.parse(holder)
    me = this_process()
    if other is None or other.host != me.host or other == me:
        return False
    if other.pid == me.pid:
        return True  # our pid, but not us: the holder was an earlier process (a restarted container's pid 1)
    started = _start_time(other.pid)
    if started is not None:
        return started != other.started
    if _PROC.joinpath("self").exists():
        return True  # /proc works here and has no such pid
    try:
        os.kill(other.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Heartbeat:
    """Calls ``renew`` every ``every`` seconds on a daemon thread while work goes on; a context manager.

    A renewal that fails (the database away) is logged and tried again at the
    next beat; if none succeeds for a whole lease, the claim lapses and another
    process may take the work over, which the holder notices when it commits.
    """

    def __init__(self, renew: Callable[[], object], every: float = HEARTBEAT_SECONDS, name: str = "heartbeat") -> None:
        self.renew = renew
        self.every = every
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            # A renewal stuck on a frozen database must not hold up the work; a late one
            # changes nothing, since it renews only a claim that is still held.
            self._thread.join(timeout=self.every)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.renew()
            except Exception as exc:
                log.warning("%s: could not renew a claim (%s); will try again", self.name, type(exc).__name__)
