"""The IMAP watcher against a real Dovecot: nothing lost, skipped or taken twice, whatever the server or the process does."""

from __future__ import annotations

import json
import logging
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient
from sqlalchemy import func, select

from escalations.intake.imap import Watcher
from escalations.intake.receiving import Envelope, receive
from escalations.service.cli import main
from escalations.service.clock import system_clock
from escalations.service.imap_runner import SignInAlert
from escalations.service.imap_status import mailbox_status, status_text
from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings
from escalations.storage.models import Case, ImapMailbox, InboundMessage, InboundStatus, OutboxMessage
from escalations.storage.repositories import ImapMailboxRepository
from tests.conftest import write_settings
from tests.support.dovecot import Dovecot, dovecot_binary
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire
from tests.support.smtp_sink import free_port

COMMAND = str(Path(sys.executable).with_name("escalations"))
SALFORD = "escalations@salford.example"
PASSWORDS = {"salford": "salford-secret", "bsp": "bsp-secret", "oauth": "token-2"}


# -- fixtures and helpers ------------------------------------------------------------


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot(dovecot_binary(), PASSWORDS)
    server.start()
    yield server
    server.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'escalations.db'}"


def imap_table(tmp_path: Path, dovecot: Dovecot, name: str, user: str, password: str | None = None, **options: Any) -> str:
    """One ``[[imap]]`` table for a Dovecot user; the password goes in a file unless options say otherwise."""
    values: dict[str, Any] = {
        "name": name,
        "host": dovecot.host,
        "port": dovecot.port,
        "ssl": False,
        "starttls": False,
        "username": user,
        "folder": "INBOX",
        "processed_folder": "Processed",
        "poll_seconds": 0.3,
        "timeout_seconds": 10,
        "backoff_max_seconds": 1,
    }
    if not any(k.startswith(("password_", "oauth2_")) for k in options):
        secret = tmp_path / f"{name}.password"
        secret.write_text(PASSWORDS[user] if password is None else password)
        values["password_file"] = str(secret)
    values.update(options)
    return "[[imap]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())


def settings_file(tmp_path: Path, database_url: str, *tables: str, **kw: Any) -> Path:
    path = write_settings(tmp_path, database_url, smtp_enabled=kw.pop("smtp_enabled", False), **kw)
    with path.open("a", encoding="utf-8") as f:
        f.write("\n" + "\n".join(tables))
    return path


@pytest.fixture
def runtimes() -> Iterator[Callable[[Path], Runtime]]:
    made: list[Runtime] = []

    def make(path: Path) -> Runtime:
        runtime = Runtime(load_settings(path), clock=system_clock)
        runtime.prepare_database()
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


class Running:
    """A watcher in a thread of its own, as `serve` runs it."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher
        self.stop = threading.Event()
        self.thread = threading.Thread(target=watcher.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(15)
        assert not self.thread.is_alive(), "the watcher stops when asked"


@pytest.fixture
def watch() -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(runtime: Runtime, index: int = 0, kind: type[Watcher] = Watcher) -> Running:
        watcher = kind(runtime.settings.imap[index], runtime.sessions, runtime.clock, on_auth_failure=SignInAlert(runtime))
        running = Running(watcher)
        started.append(running)
        return running

    yield start
    for running in started:
        running.close()


def until(check: Callable[[], Any], timeout: float = 15, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


def state(runtime: Runtime, name: str) -> ImapMailbox | None:
    with runtime.sessions() as session:
        return session.get(ImapMailbox, name)


def watching(runtime: Runtime, name: str) -> bool:
    row = state(runtime, name)
    return bool(row and row.connected and row.first_uid)


def inbound(runtime: Runtime) -> list[InboundMessage]:
    with runtime.sessions() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def message(n: int | str, subject: str = "Escalation notice") -> bytes:
    return wire(
        notice_email(
            None,
            to=SALFORD,
            subject=subject,
            message_id=f"<imap-test-{n}@northside-health.example>",
            headers={"Return-Path": "<a.khan@northside-health.example>"},
        )
    )


# -- taken over IDLE and by polling -------------------------------------------------------


@pytest.mark.parametrize("idle", [True, False], ids=["idle", "polling"])
def test_mail_is_taken_within_seconds_and_ends_in_the_processed_folder(
    tmp_path: Path,
    sqlite_url: str,
    dovecot: Dovecot,
    runtimes: Callable[[Path], Runtime],
    watch: Callable[..., Running],
    idle: bool,
) -> None:
    runtime = runtimes(
        settings_file(tmp_path, sqlite_url, imap_table(tmp_path, dovecot, "salford", "salford", idle=idle, address=SALFORD))
    )
    watch(runtime)
    until(lambda: watching(runtime, "salford"), what="the watcher's first look")
    assert state(runtime, "salford").mode == ("idle" if idle else "polling")  # type: ignore[union-attr]

    appended = time.monotonic()
    dovecot.append("salford", "INBOX", message(1))
    until(lambda: dovecot.uids("salford", "Processed"), what="the message moved")
    assert time.monotonic() - appended < 5
    [row] = inbound(runtime)
    assert (row.source, row.mailbox, row.envelope_to, row.envelope_from) == (
        "imap",
        "salford",
        [SALFORD],
        "a.khan@northside-health.example",
    )
    assert row.imap_uid == 1 and row.imap_uidvalidity == state(runtime, "salford").uidvalidity  # type: ignore[union-attr]
    assert row.raw == message(1) and row.status == InboundStatus.RECEIVED
    assert dovecot.uids("salford", "INBOX") == []


def test_a_message_someone_else_has_read_is_still_taken(
    tmp_path: Path, sqlite_url: str, dovecot: Dovecot, runtimes: Callable[[Path], Runtime], watch: Callable[..., Running]
) -> None:
    runtime = runtimes(settings_file(tmp_path, sqlite_url, imap_table(tmp_path, dovecot, "salford", "salford")))
    first = watch(runtime)
    until(lambda: watching(runtime, "salford"), what="the watcher's first look")
    first.close()
    dovecot.append("salford", "INBOX", message("seen"), flags=[b"\\Seen"])  # a person opened it in their mail client

    watch(runtime)
    until(lambda: inbound(runtime), what="the read message taken")
    until(lambda: dovecot.uids("salford", "Processed"), what="the message moved")
    [(raw, flags)] = dovecot.messages("salford", "Processed")
    assert raw == message("seen") and b"\\Seen" in flags


def test_without_move_the_message_is_copied_deleted_and_expunged_by_uid(
    tmp_path: Path, sqlite_url: str, dovecot: Dovecot, runtimes: Callable[[Path], Runtime], watch: Callable[..., Running]
) -> None:
    class NoMove(Watcher):
        def connect(self) -> IMAPClient:
            client = super().connect()
            offered = client.has_capability
            client.has_capability = lambda capability: capability.upper() != "MOVE" and offered(capability)  # type: ignore[method-assign]
            return client

    runtime = runtimes(settings_file(tmp_path, sqlite_url, imap_table(tmp_path, dovecot, "salford", "salford")))
    watch(runtime, kind=NoMove)
    until(lambda: watching(runtime, "salford"), what="the watcher's first look")
    dovecot.append("salford", "INBOX", message(1))
    dovecot.append("salford", "INBOX", message(2))
    until(lambda: len(dovecot.uids("salford", "Processed")) == 2, what="both messages copied")
    until(lambda: dovecot.uids("salford", "INBOX") == [], what="both expunged from INBOX")
    assert len(inbound(runtime)) == 2


# -- the server goes away ---------------------------------------------------------------


def test_dovecot_restarted_in_the_middle_of_idle(
    tmp_path: Path, sqlite_url: str, dovecot: Dovecot, runtimes: Callable[[Path], Runtime], watch: Callable[..., Running]
) -> None:
    runtime = runtimes(settings_file(tmp_path, sqlite_url, imap_table(tmp_path, dovecot, "salford", "salford")))
    watch(runtime)
    until(lambda: watching(runtime, "salford"), what="the watcher's first look")
    dovecot.append("salford", "INBOX", message("before"))
    until(lambda: len(inbound(runtime)) == 1, what="the first message")
    time.sleep(0.3)  # back in IDLE

    dovecot.stop()
    until(lambda: not state(runtime, "salford").connected, what="the disconnect noticed")  # type: ignore[union-attr]
    dovecot.deliver_while_stopped("salford", message("meanwhile"))
    dovecot.start()

    until(lambda: len(inbound(runtime)) == 2, timeout=20, what="the message that arrived meanwhile")
    until(lambda: dovecot.uids("salford", "INBOX") == [], what="INBOX emptied")
    assert [m.message_id for m in inbound(runtime)] == [
        "<imap-test-before@northside-health.example>",
        "<imap-test-meanwhile@northside-health.example>",
    ]
    until(lambda: state(runtime, "salford").connected, what="connected again")  # type: ignore[union-attr]
    assert state(runtime, "salford").last_error  # type: ignore[union-attr]


KILLED_BEFORE_MOVE = """
import os, signal, sys, threading
from escalations.intake.imap import Watcher
from escalations.intake.imap_folder import Folder
from escalations.service.clock import system_clock
from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings

def killed(folder, client, uid):
    os.kill(os.getpid(), signal.SIGKILL)  # committed, and not yet moved

Folder.mark = killed
runtime = Runtime(load_settings(sys.argv[1]), clock=system_clock)
runtime.prepare_database()
Watcher(runtime.settings.imap[0], runtime.sessions, runtime.clock).run(threading.Event())
"""


@pytest.mark.slow
def test_killed_after_the_commit_and_before_the_move(
    tmp_path: Path, database_url: str, dovecot: Dovecot, runtimes: Callable[[Path], Runtime]
) -> None:
    settings = settings_file(tmp_path, database_url, imap_table(tmp_path, dovecot, "salford", "salford", address=SALFORD))
    runtime = runtimes(settings)
    with (tmp_path / "killed.log").open("wb") as output:
        killed = subprocess.Popen(
            [sys.executable, "-c", KILLED_BEFORE_MOVE, str(settings)], stdout=output, stderr=subprocess.STDOUT
        )
    try:
        until(lambda: watching(runtime, "salford") or killed.poll() is not None, timeout=30, what="the watcher's first look")
        raw = wire(notice_email(salford_notice(), to=SALFORD, message_id="<imap-kill@northside-health.example>"))
        dovecot.append("salford", "INBOX", raw)
        assert killed.wait(30) == -signal.SIGKILL, (tmp_path / "killed.log").read_text()
    finally:
        if killed.poll() is None:
            killed.kill()
        killed.wait(10)
    [stored] = inbound(runtime)
    assert stored.status == InboundStatus.RECEIVED
    assert dovecot.uids("salford", "INBOX") == [1] and dovecot.uids("salford", "Processed") == []

    with (tmp_path / "serve.log").open("wb") as log:
        serve = subprocess.Popen([COMMAND, "serve", "--config", str(settings)], stdout=log, stderr=subprocess.STDOUT)
    try:
        until(lambda: dovecot.uids("salford", "Processed") == [1], timeout=30, what="the message moved after the restart")
        until(lambda: inbound(runtime)[0].status == InboundStatus.PROCESSED, timeout=30, what="the message processed")
        time.sleep(0.5)
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(30) == 0
    finally:
        if serve.poll() is None:
            serve.kill()
        serve.wait(10)
    assert dovecot.uids("salford", "INBOX") == []
    assert [m.id for m in inbound(runtime)] == [stored.id], "stored once"
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1, "processed once"
    assert "UID 1 was taken before as inbound" in (tmp_path / "serve.log").read_text()


# -- UIDVALIDITY -------------------------------------------------------------------------


@pytest.mark.parametrize("mark", ["move", "flag"])
def test_a_recreated_folder_is_rescanned_without_duplicates(
    tmp_path: Path,
    sqlite_url: str,
    dovecot: Dovecot,
    runtimes: Callable[[Path], Runtime],
    watch: Callable[..., Running],
    caplog: pytest.LogCaptureFixture,
    mark: str,
) -> None:
    options: dict[str, Any] = {"folder": "Escalations", "idle": False}
    if mark == "flag":
        options["processed_flag"] = "$EscalationsTaken"
    runtime = runtimes(settings_file(tmp_path, sqlite_url, imap_table(tmp_path, dovecot, "salford", "salford", **options)))
    dovecot.append("salford", "Escalations", message("old"))  # there before the watcher: left for backfill
    running = watch(runtime)
    until(lambda: watching(runtime, "salford"), what="the watcher's first look")
    dovecot.append("salford", "Escalations", message("a"))
    dovecot.append("salford", "Escalations", message("b"))
    until(lambda: len(inbound(runtime)) == 2, what="two messages taken")
    running.close()
    before = {m.message_id: m.id for m in inbound(runtime)}
    old_validity = state(runtime, "salford").uidvalidity  # type: ignore[union-attr]

    # Restored from a backup: the same two messages (unflagged), and one new one.
    dovecot.recreate("salford", "Escalations", [message("a"), message("b"), message("c")])
    with caplog.at_level(logging.INFO, logger="escalations.intake"):
        running = watch(runtime)
        until(lambda: len(inbound(runtime)) == 3, what="the new message taken")
        until(lambda: state(runtime, "salford").uidvalidity != old_validity, what="the new UIDVALIDITY recorded")  # type: ignore[union-attr]
        running.close()
    after = {m.message_id: m.id for m in inbound(runtime)}
    assert {k: after[k] for k in before} == before
    assert set(after) - set(before) == {"<imap-test-c@northside-health.example>"}
    assert "UIDVALIDITY changed" in caplog.text and "rescan done: 1 new, 2 taken before" in caplog.text
    left = dovecot.messages("salford", "Escalations")
    if mark == "move":
        assert left == []
        assert len(dovecot.uids("salford", "Processed")) == 5  # a and b twice: the restore brought them back
    else:
        assert len(left) == 3 and all(b"$EscalationsTaken" in flags for _, flags in left)
        assert dovecot.uids("salford", "Processed") == []


# -- sign-in -------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["oauth2_token_file", "oauth2_token_command"])
def test_xoauth2_token_rotated_without_a_restart(
    tmp_path: Path,
    sqlite_url: str,
    dovecot: Dovecot,
    runtimes: Callable[[Path], Runtime],
    watch: Callable[..., Running],
    source: str,
) -> None:
    token = tmp_path / "token"
    token.write_text("token-1\n")  # expired
    given = str(token) if source == "oauth2_token_file" else f"cat {token}"
    runtime = runtimes(settings_file(tmp_path, sqlite_url, imap_table(tmp_path, dovecot, "oauth", "oauth", **{source: given})))
    watch(runtime)
    until(lambda: state(runtime, "oauth") and state(runtime, "oauth").last_error, what="the refused token")  # type: ignore[union-attr]
    assert "AuthFailure" in state(runtime, "oauth").last_error  # type: ignore[union-attr,operator]

    token.write_text("token-2\n")
    until(lambda: watching(runtime, "oauth"), what="signed in with the new token")
    dovecot.append("oauth", "INBOX", message(1))
    until(lambda: len(inbound(runtime)) == 1, what="the message taken")


@pytest.mark.slow
def test_two_mailboxes_one_with_a_wrong_password(
    tmp_path: Path, sqlite_url: str, dovecot: Dovecot, runtimes: Callable[[Path], Runtime]
) -> None:
    port = free_port()
    settings = settings_file(
        tmp_path,
        sqlite_url,
        imap_table(tmp_path, dovecot, "salford", "salford", password_env="SALFORD_IMAP_PASSWORD", address=SALFORD),
        imap_table(tmp_path, dovecot, "bsp", "bsp", password="not-the-password", address="bsp@bury.example"),
        smtp_enabled=True,
        smtp_port=port,
        worker_enabled=False,
    )
    runtime = runtimes(settings)  # to watch the database while `serve` runs
    env = {**os.environ, "SALFORD_IMAP_PASSWORD": PASSWORDS["salford"]}
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        serve = subprocess.Popen([COMMAND, "serve", "--config", str(settings)], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        until(lambda: log_path.read_text().count("imap bsp: authentication failed") >= 3, timeout=30, what="three refusals")
        until(lambda: watching(runtime, "salford"), timeout=30, what="salford connected")
        dovecot.append("salford", "INBOX", message(1))
        until(lambda: inbound(runtime), what="salford's message taken")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            assert client.sendmail("a.khan@northside-health.example", [SALFORD], message("smtp")) == {}

        salford, bsp = json.loads(_cli(settings, "status", "--json").stdout)["mailboxes"]
        assert (salford["name"], salford["connected"], salford["mode"], salford["taken_today"]) == ("salford", True, "idle", 1)
        assert salford["last_success"] is not None
        assert (bsp["name"], bsp["connected"], bsp["taken_today"]) == ("bsp", False, 0)
        assert "AuthFailure" in bsp["last_error"] and "not-the-password" not in log_path.read_text()
        text = _cli(settings, "status").stdout
        assert "NOT CONNECTED" in text and "connected (idle)" in text and "AuthFailure" in text
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(30) == 0, log_path.read_text()

    assert sorted(m.source for m in inbound(runtime)) == ["imap", "smtp"]
    with runtime.sessions() as session:
        alerts = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "mailbox_alert")).all()
    [alert] = alerts  # one, however many refusals: at most once an hour
    assert alert.recipients == ["business.manager@bury.example"]
    raw = alert.raw.decode()
    assert "Subject: Escalations mailbox bsp: cannot sign in" in raw and "Auto-Submitted: auto-generated" in raw
    assert "ERROR escalations.intake.imap: imap bsp: authentication failed" in log_path.read_text()


# -- backfill ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mark", ["move", "flag"])
def test_backfill_takes_mail_already_there_since_a_date_and_is_safe_twice(
    tmp_path: Path,
    sqlite_url: str,
    dovecot: Dovecot,
    runtimes: Callable[[Path], Runtime],
    capsys: pytest.CaptureFixture[str],
    mark: str,
) -> None:
    options = {"processed_flag": "$EscalationsTaken"} if mark == "flag" else {}
    settings = settings_file(tmp_path, sqlite_url, imap_table(tmp_path, dovecot, "salford", "salford", **options))
    runtime = runtimes(settings)
    dovecot.append("salford", "INBOX", message("2019"), when=datetime(2019, 6, 3, 9, 0))
    for n in range(3):
        dovecot.append("salford", "INBOX", message(f"recent-{n}"), when=datetime(2026, 2, 2 + n, 9, 0))
    watcher = Watcher(runtime.settings.imap[0], runtime.sessions, runtime.clock)
    assert watcher.check_once().taken == 0, "the watcher leaves mail that was there before it to backfill"

    args = ["imap", "backfill", "--mailbox", "salford", "--since", "2026-01-01", "--config", str(settings)]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "backfill salford: 3 message(s) taken, 0 taken before" in out
    assert "backfill salford: 3/3" in err
    assert main(args) == 0
    out, _ = capsys.readouterr()
    assert f"backfill salford: 0 message(s) taken, {3 if mark == 'flag' else 0} taken before" in out
    assert sorted(m.message_id for m in inbound(runtime)) == [
        f"<imap-test-recent-{n}@northside-health.example>" for n in range(3)
    ]
    assert main(["imap", "backfill", "--mailbox", "nope", "--since", "2026-01-01", "--config", str(settings)]) == 1


def _cli(settings: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([COMMAND, *args, "--config", str(settings)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done


# -- the alert and the status, on the database alone ----------------------------------------------


def offline_table(name: str, address: str | None) -> str:
    return f'[[imap]]\nname = "{name}"\nhost = "imap.invalid"\nusername = "{name}"\npassword_env = "UNUSED"\n' + (
        f'address = "{address}"\n' if address else ""
    )


def test_sign_in_alert_reaches_the_business_managers_at_most_once_an_hour(tmp_path: Path, database_url: str, clock: Any) -> None:
    path = settings_file(tmp_path, database_url, offline_table("bsp", "bsp@bury.example"), offline_table("other", None))
    runtime = Runtime(load_settings(path), clock=clock)
    try:
        runtime.prepare_database()
        alert = SignInAlert(runtime)
        bsp, other = runtime.settings.imap
        start = clock.moment
        for minutes in (0, 1, 30, 59, 61, 62):
            clock.moment = start + timedelta(minutes=minutes)
            alert(bsp, "AuthFailure: [AUTHENTICATIONFAILED] Authentication failed.")
            alert(other, "AuthFailure: no address, nobody to tell")
        with runtime.sessions() as session:
            alerts = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [a.created_at - start for a in alerts] == [timedelta(0), timedelta(minutes=61)]
        first = alerts[0]
        assert (first.kind, first.case_id, first.recipients) == ("mailbox_alert", None, ["business.manager@bury.example"])
        text = first.raw.decode()
        assert "Subject: Escalations mailbox bsp: cannot sign in" in text and "X-Auto-Response-Suppress: All" in text
    finally:
        runtime.close()


def test_status_counts_today_in_london_and_distrusts_a_silent_watcher(tmp_path: Path, database_url: str, clock: Any) -> None:
    path = settings_file(tmp_path, database_url, offline_table("salford", SALFORD), offline_table("never", None))
    runtime = Runtime(load_settings(path), clock=clock)
    try:
        runtime.prepare_database()
        clock.moment = datetime(2026, 6, 9, 22, 30, tzinfo=UTC)  # 23:30 in London: still the 9th
        receive(
            runtime.sessions,
            message("yesterday"),
            Envelope("imap", None, mailbox="salford", imap_uidvalidity=7, imap_uid=1),
            clock(),
        )
        clock.moment = datetime(2026, 6, 9, 23, 30, tzinfo=UTC)  # 00:30 on the 10th
        receive(
            runtime.sessions, message("today"), Envelope("imap", None, mailbox="salford", imap_uidvalidity=7, imap_uid=2), clock()
        )
        with runtime.sessions.begin() as session:
            row = ImapMailboxRepository(session).ensure("salford", clock())
            row.connected, row.mode, row.last_success_at = True, "idle", clock()
        salford, never = mailbox_status(runtime)
        assert (salford["connected"], salford["mode"], salford["taken_today"]) == (True, "idle", 1)
        assert (never["connected"], never["last_success"], never["taken_today"]) == (False, None, 0)
        clock.moment += timedelta(minutes=30)  # no word for longer than two IDLE renewals: the process died
        assert mailbox_status(runtime)[0]["connected"] is False
        text = status_text(mailbox_status(runtime))
        assert "salford" in text and "NOT CONNECTED" in text and "never" in text
    finally:
        runtime.close()
