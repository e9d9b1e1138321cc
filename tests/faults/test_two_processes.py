"""Two `serve` processes on one database (SQLite and PostgreSQL): each message handled once, each email sent once,
and when one is killed the other takes over its claims at once (it can see, on this host, that the holder is gone).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from escalations.storage.models import InboundMessage, InboundStatus
from tests.faults.conftest import RECOVERY_BOUND, assert_once, fault_settings, send, settle
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire
from tests.support.serve_process import Serve, until
from tests.support.smtp_sink import SmtpSink, free_port

pytestmark = [pytest.mark.faults, pytest.mark.slow]

NOTICES = 8


def _notice(n: int) -> bytes:
    return wire(notice_email(salford_notice(dob=f"{n + 1:02d}/06/2015"), message_id=f"<two-{n}@northside-health.example>"))


def test_two_processes_share_the_work_and_one_killed_is_taken_over_by_the_other(
    tmp_path: Path, database_url: str, serves: list[Serve], probe_for: Any, figure: Any
) -> None:
    ports, probe = [free_port(), free_port()], probe_for(database_url)
    with SmtpSink() as relay:
        settings = [
            fault_settings(tmp_path, database_url, smtp_port=p, relay=relay, name=f"serve{i}.toml") for i, p in enumerate(ports)
        ]
        first = Serve(settings[0], tmp_path / "first.log")
        serves.append(first)
        first.wait_listening(ports[0])  # the first has migrated and seeded the database
        second = Serve(settings[1], tmp_path / "second.log")
        serves.append(second)
        second.wait_listening(ports[1])
        for n in range(NOTICES):
            assert send(ports[n % 2], _notice(n)) == 250
        # Kill the first while it has work in hand (or as soon as any has been done).
        until(lambda: probe.count(InboundMessage, InboundMessage.status != InboundStatus.RECEIVED) >= 2, 60, "work under way")
        first.kill(wait=False)
        first.wait_dead()
        killed = time.monotonic()
        orphans = probe.held_by(first.pid)
        look, took = settle(probe, relay, killed, cases=NOTICES)
        duplicates = assert_once(look, relay, cases=NOTICES)
        assert second.alive()
    if orphans:
        assert "taken over (its process has ended)" in second.text(), "the survivor took the dead one's claim at once"
    # The survivor does the rest of the work alone, so this is a bound on the whole remainder, not on recovery alone.
    assert took <= RECOVERY_BOUND + 5 * NOTICES
    figure(
        fault="two serve processes, one SIGKILLed",
        notices=NOTICES,
        settled_after_kill_seconds=round(took, 2),
        duplicates=duplicates,
        orphaned_claims=len(orphans),
    )
