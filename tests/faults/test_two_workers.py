"""Scale-out (issue 15): two `serve --only worker,sender` processes on one database share the queue, nothing twice.

The intake is not under test here: the notices are stored first as it would
store them, then two processing processes (as on two machines sharing one
PostgreSQL database; SQLite too, on one host) take them from the queue
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite). Each
notice opens exactly one case and each email reaches the relay once, and both
processes did some of the work.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from escalations.intake.receiving import Envelope, receive
from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings
from tests.faults.conftest import MAILBOX, PRACTITIONER, assert_once, fault_settings, settle
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire
from tests.support.serve_process import Serve
from tests.support.smtp_sink import SmtpSink, free_port

pytestmark = [pytest.mark.faults, pytest.mark.slow]

NOTICES = 16
HANDLED = re.compile(r"inbound (\d+): processed")


def _notice(n: int) -> bytes:
    # A different child each time: each notice is a case of its own.
    return wire(notice_email(salford_notice(dob=f"{n + 1:02d}/07/2015"), message_id=f"<worker-{n}@northside-health.example>"))


def test_two_worker_processes_take_each_message_once_and_share_the_work(
    tmp_path: Path, database_url: str, serves: list[Serve], probe_for: Any
) -> None:
    probe = probe_for(database_url)
    with SmtpSink() as relay:
        settings = fault_settings(tmp_path, database_url, smtp_port=free_port(), relay=relay, smtp_enabled=False)
        with Runtime(load_settings(settings)) as runtime:
            runtime.prepare_database()
            workers = [Serve(settings, tmp_path / f"worker{i}.log", args=["--only", "worker,sender"]) for i in range(2)]
            serves.extend(workers)
            for worker in workers:
                worker.wait_log("worker: started")
            started = time.monotonic()
            for n in range(NOTICES):
                receive(runtime.sessions, _notice(n), Envelope("smtp", PRACTITIONER, (MAILBOX,)), runtime.clock())
        look, _ = settle(probe, relay, started, cases=NOTICES)
        duplicates = assert_once(look, relay, cases=NOTICES)
        assert all(worker.alive() for worker in workers)
    handled = [set(HANDLED.findall(worker.text())) for worker in workers]
    assert duplicates == 0
    assert handled[0] and handled[1], "both processes took messages from the queue"
    assert not handled[0] & handled[1], "no message was handled by both"
    assert len(handled[0] | handled[1]) == NOTICES
