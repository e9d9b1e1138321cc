"""The database frozen, down, or out of disk: the SMTP intake answers 451 within its bound, and nothing is lost.

PostgreSQL here is a private server started for the test (never the shared
one), frozen with SIGSTOP on every server process, then stopped. The full
disk is a small tmpfs under the SQLite database (needs root and mount).
"""

from __future__ import annotations

import errno
import os
import smtplib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import assert_once, fault_settings, send, settle
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire
from tests.support.private_postgres import PrivatePostgres, wait_until_answering
from tests.support.serve_process import Serve, until
from tests.support.smtp_sink import SmtpSink, free_port

pytestmark = [pytest.mark.faults, pytest.mark.slow]

STORE_TIMEOUT = 3.0
SLACK = 2.0  # the client's own round trips on a loaded test machine


_NOTICES: dict[int, bytes] = {}


def _notice(n: int) -> bytes:
    """Notice n, the same bytes every time (a sending server's retry sends what it sent before)."""
    # A different child each time: each notice is a case of its own.
    if n not in _NOTICES:
        _NOTICES[n] = wire(
            notice_email(salford_notice(dob=f"{n + 1:02d}/05/2016"), message_id=f"<db-fault-{n}@northside-health.example>")
        )
    return _NOTICES[n]


def _timed_send(port: int, raw: bytes) -> tuple[int, float]:
    started = time.monotonic()
    code = send(port, raw, timeout=120)
    return code, time.monotonic() - started


def _until_accepted(port: int, raw: bytes, timeout: float = 60) -> None:
    """A sending server's retries after our 451, sped up."""
    until(lambda: send(port, raw) == 250, timeout, "the retry accepted", every=0.5)


def _greets_quickly(port: int) -> float:
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.noop()
    return time.monotonic() - started


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    pg = PrivatePostgres()
    try:
        pg.start()
        wait_until_answering(pg)
        yield pg
    finally:
        pg.close()


def test_postgres_frozen_then_down_gets_451_within_the_bound_and_loses_nothing(
    tmp_path: Path, private_postgres: PrivatePostgres, serves: list[Serve], probe_for: Any, figure: Any
) -> None:
    pg, port = private_postgres, free_port()
    probe = probe_for(pg.url)
    with SmtpSink() as relay:
        settings = fault_settings(tmp_path, pg.url, smtp_port=port, relay=relay, store_timeout=STORE_TIMEOUT)
        serve = Serve(settings, tmp_path / "serve.log")
        serves.append(serve)
        serve.wait_listening(port)
        assert send(port, _notice(0)) == 250
        settle(probe, relay, time.monotonic(), cases=1)

        pg.freeze()
        try:
            frozen = [_timed_send(port, _notice(n)) for n in (1, 2)]
            greeting = _greets_quickly(port)
        finally:
            pg.thaw()
        thawed = time.monotonic()
        for n in (1, 2):
            _until_accepted(port, _notice(n))
        settle(probe, relay, thawed, cases=3)
        after_thaw = time.monotonic() - thawed

        pg.stop()
        down = _timed_send(port, _notice(3))
        pg.start()
        started = time.monotonic()
        _until_accepted(port, _notice(3))
        look, after_start = settle(probe, relay, started, cases=4)
        duplicates = assert_once(look, relay, cases=4)
        assert serve.alive()
    assert [code for code, _ in frozen] == [451, 451]
    assert all(took <= STORE_TIMEOUT + SLACK for _, took in frozen), frozen
    assert greeting < 1.0, "the intake keeps answering while the database is frozen"
    assert down[0] == 451 and down[1] <= STORE_TIMEOUT + SLACK, down
    assert duplicates == 0
    figure(
        fault="PostgreSQL frozen (SIGSTOP)",
        replies=[c for c, _ in frozen],
        reply_seconds=[round(t, 2) for _, t in frozen],
        bound=STORE_TIMEOUT,
        settled_after_thaw_seconds=round(after_thaw, 2),
    )
    figure(
        fault="PostgreSQL down (stopped)",
        replies=[down[0]],
        reply_seconds=[round(down[1], 2)],
        settled_after_start_seconds=round(after_start, 2),
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("filling a disk needs a small tmpfs, and mounting one needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as f:  # unbuffered: nothing left to write (and fail) when it closes
        try:
            while True:
                f.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_sqlite_on_a_full_disk_answers_451_or_stores_and_loses_nothing(
    tmp_path: Path, small_disk: Path, serves: list[Serve], probe_for: Any, figure: Any
) -> None:
    url = f"sqlite:///{small_disk / 'escalations.db'}"
    port, probe = free_port(), probe_for(url)
    with SmtpSink() as relay:
        settings = fault_settings(tmp_path, url, smtp_port=port, relay=relay, store_timeout=STORE_TIMEOUT)
        serve = Serve(settings, tmp_path / "serve.log")
        serves.append(serve)
        serve.wait_listening(port)
        assert send(port, _notice(0)) == 250
        settle(probe, relay, time.monotonic(), cases=1)

        filler = _fill(small_disk)
        replies = [_timed_send(port, _notice(n)) for n in (1, 2, 3)]
        time.sleep(2)  # the worker and sender meet the full disk too
        assert serve.alive()
        filler.unlink()
        freed = time.monotonic()
        for n, (code, _) in zip((1, 2, 3), replies):
            if code != 250:
                _until_accepted(port, _notice(n))
        look, took = settle(probe, relay, freed, cases=4)
        duplicates = assert_once(look, relay, cases=4)
    assert all(code in (250, 451) for code, _ in replies), replies
    assert all(t <= STORE_TIMEOUT + SLACK for _, t in replies), replies
    assert duplicates == 0
    figure(
        fault="SQLite disk full (tmpfs)",
        replies=[c for c, _ in replies],
        reply_seconds=[round(t, 2) for _, t in replies],
        settled_after_freeing_seconds=round(took, 2),
    )
