"""``/healthz`` and ``/metrics`` on the console app, over a real database that real messages went through.

The clock is fixed, so ages are exact; the worker and the sender are the
production ones, run one pass at a time. A real socket (not the TestClient)
is used only where the answer depends on one: the SMTP intake's greeting.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from escalations.console.app import HEADERS, create_app
from escalations.intake.receiving import Envelope, receive
from escalations.service.runtime import Runtime
from escalations.service.settings import ConfigError, load_settings
from escalations.storage.repositories import ImapMailboxRepository
from tests.conftest import Clock, write_settings
from tests.support.forms import docx_table_notice
from tests.support.mail import notice_email, wire
from tests.support.scenario import contact
from tests.support.smtp_sink import free_port

LOOPBACK = ("127.0.0.1", 50000)
MAILBOX = "escalations@salford.example"
CHILD = "Jo Bloggs"
LIMIT = 600  # the default health_max_wait_seconds


def _runtime(tmp_path: Path, database_url: str, clock: Clock, extra: str = "", smtp: bool = False, port: int = 2525) -> Runtime:
    path = write_settings(tmp_path, database_url, smtp_enabled=smtp, smtp_port=port)
    path.write_text(path.read_text() + extra)
    runtime = Runtime(load_settings(path), clock=clock)
    runtime.prepare_database()
    return runtime


@pytest.fixture
def quiet(tmp_path: Path, database_url: str, clock: Clock) -> Iterator[Runtime]:
    """SMTP intake off (mail by IMAP or `ingest` only), no mailboxes watched."""
    runtime = _runtime(tmp_path, database_url, clock)
    yield runtime
    runtime.close()


def _client(runtime: Runtime, client: tuple[str, int] = LOOPBACK) -> TestClient:
    return TestClient(create_app(runtime), base_url="http://127.0.0.1:8025", client=client)


def _notice(runtime: Runtime, again: bytes | None = None) -> bytes:
    """Store a Salford notice as the SMTP intake would (``again``: these same bytes once more); its bytes."""
    sender = contact("salford", "Northside Health", "practitioner")
    rows = [
        ("Name of child", CHILD),
        ("Date of birth", "14/02/2017"),
        ("Information of concern", "The referral was closed without a home visit."),
        ("Current stage", "1"),
        ("Is the child at immediate risk of significant harm?", "No"),
    ]
    raw = again or wire(notice_email(docx_table_notice(rows), sender=sender, to=MAILBOX))
    receive(runtime.sessions, raw, Envelope("smtp", sender, (MAILBOX,)), runtime.clock())
    return raw


def _metrics(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by name and labels, read by Prometheus's own parser (so the format must be right)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _no_personal_data(text: str) -> None:
    for word in (CHILD, "14/02/2017", "2017-02-14", "northside-health", "SAL-20", "referral was closed"):
        assert word not in text, word


def test_healthy_when_nothing_waits(quiet: Runtime) -> None:
    with _client(quiet) as client:
        response = client.get("/healthz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["parts"]) == {"database", "intake", "worker", "sender"}
    assert body["parts"]["intake"] == {"ok": True, "smtp": "off"}
    assert body["parts"]["worker"] == {"ok": True, "waiting": 0, "oldest_waiting_seconds": None}
    assert response.headers["content-type"] == "application/json"
    for name, value in HEADERS.items():
        assert response.headers[name] == value


def test_a_message_waiting_too_long_fails_the_worker_and_processing_it_heals(quiet: Runtime, clock: Clock) -> None:
    _notice(quiet)
    with _client(quiet) as client:
        clock.moment += timedelta(seconds=LIMIT)
        at_limit = client.get("/healthz")
        clock.moment += timedelta(seconds=1)
        late = client.get("/healthz")
        assert quiet.worker().run_once()
        healed = client.get("/healthz")
    assert at_limit.status_code == 200 and at_limit.json()["parts"]["worker"]["oldest_waiting_seconds"] == LIMIT
    assert late.status_code == 503
    assert late.json()["failing"] == ["worker"]
    assert late.json()["parts"]["worker"] == {"ok": False, "waiting": 1, "oldest_waiting_seconds": LIMIT + 1}
    _no_personal_data(late.text)
    # Processed, it wrote to the outbox: due now, and the sender is well.
    assert healed.status_code == 200, healed.text
    assert healed.json()["parts"]["sender"]["due"] >= 1 and healed.json()["parts"]["sender"]["oldest_due_seconds"] == 0


def test_a_due_outbox_row_waiting_too_long_fails_the_sender(quiet: Runtime, clock: Clock) -> None:
    _notice(quiet)
    assert quiet.worker().run_once()
    with _client(quiet) as client:
        clock.moment += timedelta(seconds=LIMIT + 5)
        late = client.get("/healthz")
        while quiet.outbox_sender().run_once():
            pass
        sent = client.get("/healthz")
    assert late.status_code == 503 and late.json()["failing"] == ["sender"]
    assert late.json()["parts"]["sender"]["oldest_due_seconds"] == LIMIT + 5
    _no_personal_data(late.text)
    assert sent.status_code == 200 and sent.json()["parts"]["sender"] == {"ok": True, "due": 0, "oldest_due_seconds": None}


def test_the_wait_limit_is_a_local_setting(tmp_path: Path, database_url: str, clock: Clock) -> None:
    runtime = _runtime(tmp_path, database_url, clock, "\n[console]\nhealth_max_wait_seconds = 30\n")
    try:
        _notice(runtime)
        clock.moment += timedelta(seconds=31)
        with _client(runtime) as client:
            assert client.get("/healthz").json()["failing"] == ["worker"]
    finally:
        runtime.close()


def test_an_intake_that_does_not_answer_fails(tmp_path: Path, database_url: str, clock: Clock) -> None:
    runtime = _runtime(tmp_path, database_url, clock, smtp=True, port=free_port())
    try:
        with _client(runtime) as client:
            response = client.get("/healthz")
    finally:
        runtime.close()
    assert response.status_code == 503 and response.json()["failing"] == ["intake"]
    assert response.json()["parts"]["intake"] == {"ok": False, "smtp": "not answering (ConnectionRefusedError)"}


def test_an_intake_that_turns_mail_away_fails(tmp_path: Path, database_url: str, clock: Clock) -> None:
    """A server that greets with 421 (too many sessions, say) is up but not taking mail."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def greet() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.sendall(b"421 4.3.2 too busy\r\n")
            connection.recv(100)

    thread = threading.Thread(target=greet)
    thread.start()
    runtime = _runtime(tmp_path, database_url, clock, smtp=True, port=port)
    try:
        with _client(runtime) as client:
            response = client.get("/healthz")
    finally:
        runtime.close()
        thread.join(10)
        listener.close()
    assert response.json()["parts"]["intake"] == {"ok": False, "smtp": "greeted with '421', not 220"}


IMAP = """
[[imap]]
name = "salford"
host = "imap.salford.example"
username = "escalations@salford.example"
password_env = "NOT_USED_HERE"
"""


def test_each_watched_mailbox_is_a_part(tmp_path: Path, database_url: str, clock: Clock) -> None:
    runtime = _runtime(tmp_path, database_url, clock, IMAP)
    try:
        with _client(runtime) as client:
            never = client.get("/healthz")
            with runtime.sessions.begin() as session:
                row = ImapMailboxRepository(session).ensure("salford", clock())
                row.connected, row.mode, row.last_success_at, row.updated_at = True, "idle", clock(), clock()
            watching = client.get("/healthz")
            metrics = _metrics(client.get("/metrics").text)
            clock.moment += timedelta(hours=1)  # the watcher stopped reporting: a process that died
            silent = client.get("/healthz")
    finally:
        runtime.close()
    assert never.status_code == 503 and never.json()["failing"] == ["mailbox:salford"]
    assert watching.status_code == 200
    assert watching.json()["parts"]["mailbox:salford"] == {
        "ok": True,
        "connected": True,
        "mode": "idle",
        "last_success": clock.moment.replace(hour=10).isoformat(),
    }
    assert metrics[("escalations_imap_connected", (("mailbox", "salford"),))] == 1
    assert metrics[("escalations_imap_last_success_timestamp_seconds", (("mailbox", "salford"),))] == (
        (clock.moment - timedelta(hours=1)).timestamp()
    )
    assert silent.json()["failing"] == ["mailbox:salford"]


def test_a_database_that_does_not_answer_fails_without_saying_where_it_is(quiet: Runtime, tmp_path: Path) -> None:
    with _client(quiet) as client:
        database = tmp_path / "escalations.db"
        if not database.exists():
            pytest.skip("the database is PostgreSQL here; its faults are in tests/faults")
        database.rename(tmp_path / "moved.db")
        database.mkdir()  # SQLite cannot open a folder
        quiet.engine.dispose()
        response = client.get("/healthz")
        metrics = client.get("/metrics")
    assert response.status_code == 503 and response.json()["failing"] == ["database"]
    assert response.json()["parts"]["database"] == {"ok": False, "error": "OperationalError"}
    assert str(tmp_path) not in response.text
    assert metrics.status_code == 200
    assert _metrics(metrics.text)[("escalations_part_healthy", (("part", "database"),))] == 0


def test_metrics_count_what_passed_through(quiet: Runtime, clock: Clock) -> None:
    _notice(quiet, again=_notice(quiet))  # the same bytes twice: stored once (the dedupe key)
    with _client(quiet) as client:
        before = _metrics(client.get("/metrics").text)
        while quiet.worker().run_once():
            pass
        while quiet.outbox_sender().run_once():
            pass
        clock.moment += timedelta(days=30)  # past every stage-1 deadline
        response = client.get("/metrics")
    after = _metrics(response.text)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=")
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    _no_personal_data(response.text)
    assert before[("escalations_messages_received_total", (("source", "smtp"),))] == 1
    assert before[("escalations_messages_processed_total", ())] == 0
    assert before[("escalations_oldest_waiting_message_age_seconds", ())] == 0
    assert after[("escalations_messages_received_total", (("source", "smtp"),))] == 1
    assert after[("escalations_messages_processed_total", ())] == 1
    assert after[("escalations_messages", (("status", "processed"),))] == 1
    assert after[("escalations_messages_quarantined", ())] == 0
    assert after[("escalations_outbox_sent_total", ())] >= 1
    assert after[("escalations_outbox_pending", ())] == 0 and after[("escalations_outbox_dead", ())] == 0
    assert after[("escalations_deadlines_overdue", (("partnership", "salford"),))] >= 1
    assert after[("escalations_deadlines_overdue", (("partnership", "barnet"),))] == 0
    assert after[("escalations_part_healthy", (("part", "worker"),))] == 1


def test_metrics_are_refused_beyond_the_allowed_addresses(tmp_path: Path, database_url: str, clock: Clock) -> None:
    runtime = _runtime(tmp_path, database_url, clock, '\n[console]\nmetrics_allowed = ["10.1.0.0/16"]\n')
    try:
        with _client(runtime, ("10.1.2.3", 4000)) as inside, _client(runtime) as loopback:
            allowed, refused = inside.get("/metrics"), loopback.get("/metrics")
    finally:
        runtime.close()
    assert allowed.status_code == 200 and "escalations_messages_processed_total" in allowed.text
    assert refused.status_code == 403 and "escalations_" not in refused.text
    for name, value in HEADERS.items():
        assert refused.headers[name] == value


@pytest.mark.parametrize("client", [("10.0.0.9", 4000), ("::ffff:10.0.0.9", 4000), ("testclient", 50000)])
def test_metrics_default_to_loopback_only(quiet: Runtime, client: tuple[str, int]) -> None:
    with _client(quiet, client) as c:
        assert c.get("/metrics").status_code == 403
    with _client(quiet, ("::ffff:127.0.0.1", 4000)) as c:
        assert c.get("/metrics").status_code == 200


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('metrics_allowed = ["not an address"]', "console.metrics_allowed"),
        ('metrics_allowed = "127.0.0.1"', "console.metrics_allowed"),
        ("health_max_wait_seconds = 0", "console.health_max_wait_seconds"),
    ],
)
def test_bad_console_settings_are_refused_by_name(tmp_path: Path, line: str, key: str) -> None:
    path = write_settings(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    path.write_text(path.read_text() + f"\n[console]\n{line}\n")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_settings(path)
    assert os.path.exists(path)
