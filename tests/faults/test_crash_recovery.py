"""SIGKILL `escalations serve` at each step of a message's path; the restarted service finishes the work within 30 s.

The steps: right after the SMTP 250; with the message claimed and its reading
not begun, and read but nothing committed (fault points, service/faults.py);
after an IMAP message is committed and before it is moved (real Dovecot); and
after the relay's 250 before the outbox row is marked sent (the relay kills
`serve` the instant its client has read the 250). Each asserts 0 lost, 0
duplicated cases, and the recovery time from the restart.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest

from escalations.service.worker import MAX_TRIES
from escalations.storage.models import ImapMailbox, InboundStatus
from tests.faults.conftest import RECOVERY_BOUND, assert_once, fault_settings, send, settle
from tests.support.dovecot import Dovecot, dovecot_binary
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire
from tests.support.serve_process import Serve, until
from tests.support.smtp_sink import Received, SmtpSink, free_port

pytestmark = [pytest.mark.faults, pytest.mark.slow]

KILL_AT = "ESCALATIONS_FAULT_KILL_AT"


def _notice(tag: str) -> bytes:
    return wire(notice_email(salford_notice(), message_id=f"<{tag}@northside-health.example>"))


def test_killed_right_after_the_250(tmp_path: Path, database_url: str, serves: list[Serve], probe_for: Any, figure: Any) -> None:
    port, probe = free_port(), probe_for(database_url)
    with SmtpSink() as relay:
        settings = fault_settings(tmp_path, database_url, smtp_port=port, relay=relay)
        first = Serve(settings, tmp_path / "first.log")
        serves.append(first)
        first.wait_listening(port)
        assert send(port, _notice("after-250")) == 250
        first.kill()
        [(_, left, _)] = probe.look().inbound
        second = Serve(settings, tmp_path / "second.log")
        serves.append(second)
        look, took = settle(probe, relay, second.started)
        duplicates = assert_once(look, relay, cases=1)
    assert took <= RECOVERY_BOUND
    assert duplicates == 0
    figure(step="after the SMTP 250", left=left, recovery_seconds=round(took, 2))


def test_killed_mid_parse_with_nothing_committed(
    tmp_path: Path, database_url: str, serves: list[Serve], probe_for: Any, figure: Any
) -> None:
    # worker-claimed (reading not begun) is hit on every run of the quarantine test below.
    point = "worker-prepared"
    port, probe = free_port(), probe_for(database_url)
    with SmtpSink() as relay:
        settings = fault_settings(tmp_path, database_url, smtp_port=port, relay=relay)
        first = Serve(settings, tmp_path / "first.log", env={KILL_AT: point})
        serves.append(first)
        first.wait_listening(port)
        assert send(port, _notice(point)) == 250
        assert first.wait_dead() == -signal.SIGKILL
        [(inbound_id, status, tries)] = probe.look().inbound
        assert (status, tries) == (InboundStatus.PROCESSING, 1), "the dead worker's claim is left behind"
        second = Serve(settings, tmp_path / "second.log")
        serves.append(second)
        look, took = settle(probe, relay, second.started)
        duplicates = assert_once(look, relay, cases=1)
    assert took <= RECOVERY_BOUND
    assert duplicates == 0
    assert look.inbound == [(inbound_id, InboundStatus.PROCESSED, 2)]
    assert "taken over (its process has ended)" in second.text(), "taken at once, not after the lease"
    figure(step=f"message in hand ({point})", recovery_seconds=round(took, 2))


def test_a_message_that_kills_the_worker_every_time_ends_in_quarantine(
    tmp_path: Path, serves: list[Serve], probe_for: Any, figure: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'escalations.db'}"
    port, probe = free_port(), probe_for(url)
    settings = fault_settings(tmp_path, url, smtp_port=port)
    for attempt in range(1, MAX_TRIES + 1):
        serve = Serve(settings, tmp_path / f"run{attempt}.log", env={KILL_AT: "worker-claimed"})
        serves.append(serve)
        if attempt == 1:
            serve.wait_listening(port)
            assert send(port, _notice("poison")) == 250
        assert serve.wait_dead() == -signal.SIGKILL, f"run {attempt}"
        if attempt > 1:
            assert "taken over (its process has ended)" in serve.text(), "the restart took the dead run's claim at once"
    last = Serve(settings, tmp_path / "last.log", env={KILL_AT: "worker-claimed"})
    serves.append(last)
    until(lambda: probe.look().inbound[0][1] == InboundStatus.QUARANTINED, 60, "quarantine")
    took = time.monotonic() - last.started
    assert last.alive(), "the message no longer reaches the point that kills"
    assert probe.look().inbound[0][2] == MAX_TRIES + 1
    assert probe.look().cases == []
    figure(step="a message that kills the worker each time", quarantined_after_seconds=round(took, 2), runs=MAX_TRIES + 1)


def test_killed_after_an_imap_message_is_committed_before_it_is_moved(
    tmp_path: Path, serves: list[Serve], probe_for: Any, figure: Any
) -> None:
    dovecot = Dovecot(dovecot_binary(), {"salford": "salford-secret"})
    dovecot.start()
    try:
        url = f"sqlite:///{tmp_path / 'escalations.db'}"
        probe = probe_for(url)
        (tmp_path / "imap.password").write_text("salford-secret")
        imap = (
            f'[[imap]]\nname = "salford"\nhost = "{dovecot.host}"\nport = {dovecot.port}\nssl = false\nstarttls = false\n'
            f'username = "salford"\npassword_file = "{tmp_path / "imap.password"}"\nfolder = "INBOX"\n'
            f'processed_folder = "Processed"\naddress = "escalations@salford.example"\npoll_seconds = 0.3\n'
            f"timeout_seconds = 10\nbackoff_max_seconds = 1\n"
        )
        settings = fault_settings(tmp_path, url, smtp_port=free_port(), smtp_enabled=False, tables=imap)
        first = Serve(settings, tmp_path / "first.log", env={KILL_AT: "imap-stored"})
        serves.append(first)
        until(
            lambda: probe.count(ImapMailbox, ImapMailbox.uidvalidity.is_not(None), default=0) == 1, 60, "the watcher's first look"
        )
        dovecot.append("salford", "INBOX", _notice("imap"))
        assert first.wait_dead() == -signal.SIGKILL
        assert len(probe.look().inbound) == 1, "committed"
        assert len(dovecot.uids("salford", "INBOX")) == 1, "and not moved"
        second = Serve(settings, tmp_path / "second.log")
        serves.append(second)
        look, took = settle(probe, None, second.started)
        until(lambda: dovecot.uids("salford", "INBOX") == [], 30, "the move")
        assert len(dovecot.uids("salford", "Processed")) == 1
        assert_once(look, None, cases=1)
        assert len(look.inbound) == 1, "taken again from the folder, recognised, not stored twice"
    finally:
        dovecot.close()
    assert took <= RECOVERY_BOUND
    figure(step="IMAP: after commit, before the move", recovery_seconds=round(took, 2))


def test_killed_after_the_relays_250_before_the_row_is_marked_sent(
    tmp_path: Path, database_url: str, serves: list[Serve], probe_for: Any, figure: Any
) -> None:
    port, probe = free_port(), probe_for(database_url)
    victims: list[Serve] = []

    def kill_once(delivered: list[Received]) -> None:
        if victims and victims[0].alive():
            victims[0].kill(wait=False)

    with SmtpSink(on_quit=kill_once) as relay:
        settings = fault_settings(tmp_path, database_url, smtp_port=port, relay=relay)
        first = Serve(settings, tmp_path / "first.log")
        serves.append(first)
        victims.append(first)
        first.wait_listening(port)
        assert send(port, _notice("relay-250")) == 250
        assert first.wait_dead() == -signal.SIGKILL
        sent_before = len(relay.received)
        second = Serve(settings, tmp_path / "second.log")
        serves.append(second)
        look, took = settle(probe, relay, second.started)
        duplicates = assert_once(look, relay, cases=1)
    assert sent_before >= 1
    assert took <= RECOVERY_BOUND
    assert duplicates == 1, "the mail in flight went out again, as SMTP cannot avoid"
    assert sum(u for *_, u in look.outbox) == 1, "and it is recorded as possibly sent"
    assert "may have gone out" in second.text()
    figure(step="after the relay's 250, before marking sent", recovery_seconds=round(took, 2), duplicates=duplicates)
