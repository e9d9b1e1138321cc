"""``/healthz`` and ``/metrics`` from a real `escalations serve`: a real notice by SMTP, the real worker and sender.

The worker stopped (``[worker] enabled = false``: intake and console only) shows
as failing once a message has waited past the limit, and healthy again once a
processing-only `serve` takes the message.
"""

from __future__ import annotations

import json
import smtplib
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from escalations.console.app import HEADERS
from tests.conftest import write_settings
from tests.e2e.test_service import COMMAND, EXAMPLE, PRACTITIONER, Serve, _until, processes  # noqa: F401  (a fixture)
from tests.support.smtp_sink import free_port

pytestmark = pytest.mark.slow

MAILBOX = "escalations@salford.example"


def _settings(tmp_path: Path, database_url: str, worker: bool = True, max_wait: int = 600) -> tuple[Path, int, int]:
    smtp, console = free_port(), free_port()
    path = write_settings(tmp_path, database_url, smtp_port=smtp, worker_enabled=worker)
    path.write_text(path.read_text() + f"\n[console]\nenabled = true\nport = {console}\nhealth_max_wait_seconds = {max_wait}\n")
    return path, smtp, console


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        response = urllib.request.urlopen(url, timeout=20)
    except urllib.error.HTTPError as error:  # a 503 is an answer all the same
        response = error
    with response:
        return response.status, dict(response.headers.items()), response.read().decode()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in text_string_to_metric_families(text) for s in f.samples}


def _send(port: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        assert client.sendmail(PRACTITIONER, [MAILBOX], EXAMPLE.read_bytes()) == {}


def _health(base: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status, _headers, body = _get(base + "/healthz")
    return status, json.loads(body)


def test_a_notice_through_serve_shows_in_healthz_and_metrics(tmp_path: Path, database_url: str, processes: list[Serve]) -> None:  # noqa: F811
    path, smtp, console = _settings(tmp_path, database_url)
    serve = Serve(path, tmp_path / "serve.log")
    processes.append(serve)
    serve.wait_listening(smtp, timeout=60)
    serve.wait_listening(console, timeout=60)
    base = f"http://127.0.0.1:{console}"
    _send(smtp)

    def finished() -> dict | None:  # type: ignore[type-arg]
        samples = _samples(_get(base + "/metrics")[2])
        done = samples[("escalations_messages_processed_total", ())] == 1 and samples[("escalations_outbox_pending", ())] == 0
        return samples if done else None

    samples = _until(finished, 60, "the notice processed and its mail sent")
    assert isinstance(samples, dict)
    assert samples[("escalations_messages_received_total", (("source", "smtp"),))] == 1
    assert samples[("escalations_outbox_sent_total", ())] == 2  # the acknowledgement and the routed case
    assert samples[("escalations_outbox_dead", ())] == 0
    assert samples[("escalations_messages_quarantined", ())] == 0
    assert samples[("escalations_deadlines_overdue", (("partnership", "salford"),))] == 0
    status, headers, body = _get(base + "/healthz")
    assert status == 200, body
    parts = json.loads(body)["parts"]
    assert parts["intake"] == {"ok": True, "smtp": "answering"}
    assert parts["worker"] == {"ok": True, "waiting": 0, "oldest_waiting_seconds": None}
    assert parts["sender"] == {"ok": True, "due": 0, "oldest_due_seconds": None}
    for name, value in HEADERS.items():
        assert headers[name] == value
    assert "Bloggs" not in body and "SAL-2026" not in body and "northside" not in body
    assert serve.stop() == 0


def test_a_stopped_worker_fails_healthz_until_one_runs(tmp_path: Path, database_url: str, processes: list[Serve]) -> None:  # noqa: F811
    path, smtp, console = _settings(tmp_path, database_url, worker=False, max_wait=2)
    serve = Serve(path, tmp_path / "serve.log")  # intake and console only
    processes.append(serve)
    serve.wait_listening(smtp, timeout=60)
    serve.wait_listening(console, timeout=60)
    base = f"http://127.0.0.1:{console}"
    assert _health(base)[0] == 200
    _send(smtp)
    status, body = _until(lambda: (h := _health(base))[0] == 503 and h, 30, "healthz to fail")  # type: ignore[misc]
    assert body["failing"] == ["worker"] and body["parts"]["worker"]["waiting"] == 1
    assert _samples(_get(base + "/metrics")[2])[("escalations_part_healthy", (("part", "worker"),))] == 0
    with (tmp_path / "processing.log").open("ab") as log:
        processing = subprocess.Popen(
            [COMMAND, "serve", "--only", "worker,sender,scheduler", "--config", str(path)], stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _until(lambda: _health(base)[0] == 200, 60, "healthz to pass once a worker runs")
        finally:
            processing.terminate()
            assert processing.wait(30) == 0
    assert serve.stop() == 0
