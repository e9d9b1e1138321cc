"""The installed `escalations` command, end to end: real processes, real SMTP on loopback, real databases."""

from __future__ import annotations

import json
import signal
import smtplib
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from escalations.intake.receiving import Envelope, receive
from escalations.storage.engine import make_session_factory
from escalations.storage.models import Case, CaseEvent, InboundMessage, InboundStatus, OutboxMessage
from tests.conftest import write_settings
from tests.support.dns import Zone
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire
from tests.support.smtp_sink import SmtpSink, free_port

pytestmark = pytest.mark.slow

COMMAND = str(Path(sys.executable).with_name("escalations"))
EXAMPLE = Path(str(resources.files("escalations.config"))) / "examples" / "salford-notice.eml"
PRACTITIONER = "a.khan@northside-health.example"


class Serve:
    """One `escalations serve` process and its log."""

    def __init__(self, settings: Path, log: Path) -> None:
        self.settings = settings
        self.log_path = log
        self.log = log.open("ab")
        self.process = subprocess.Popen([COMMAND, "serve", "--config", str(settings)], stdout=self.log, stderr=subprocess.STDOUT)

    def wait_listening(self, port: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(self.log_path.read_text())

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        finally:
            self.log.close()


@pytest.fixture
def processes() -> Iterator[list[Serve]]:
    started: list[Serve] = []
    yield started
    for serve in started:
        if serve.process.poll() is None:
            serve.process.kill()
            serve.process.wait(10)
        serve.log.close()


def _cli(settings: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMMAND, *args, "--config", str(settings)], capture_output=True, text=True, timeout=60)


def _until(check: Callable[[], object], timeout: float = 30, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")


def _count(url: str, model: type, *where: object) -> int:
    engine = create_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    finally:
        engine.dispose()


def test_demo_path_notice_in_case_out_mail_relayed(tmp_path: Path, database_url: str, processes: list[Serve]) -> None:
    port = free_port()
    with SmtpSink() as relay:
        settings = write_settings(
            tmp_path, database_url, smtp_port=port, outbound=f'transport = "smtp"\nhost = "127.0.0.1"\nport = {relay.port}'
        )
        serve = Serve(settings, tmp_path / "serve.log")
        processes.append(serve)
        serve.wait_listening(port)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            assert client.sendmail(PRACTITIONER, ["escalations@salford.example"], EXAMPLE.read_bytes()) == {}
        received = relay.wait_for(2, timeout=30)
        assert len(received) == 2
        [ack] = [r for r in received if r.message["Auto-Submitted"] == "auto-replied"]
        [routed] = [r for r in received if r.message["Auto-Submitted"] == "auto-generated"]

        assert ack.message["Auto-Submitted"] == "auto-replied"
        assert ack.rcpt_tos == [PRACTITIONER]
        assert ack.message["Subject"] == "[SAL-2026-0001] Escalation received – stage 2"
        assert ack.message["In-Reply-To"] == "<example-salford-notice-1@northside-health.example>"
        assert routed.message["Subject"] == "[SAL-2026-0001] Escalation – stage 2"
        assert set(routed.rcpt_tos) == {
            "elin.everard@northside-health.example",
            "idris.greystone@northside-health.example",
            "lowri.dalby@childrens.salford.example",
            "priya.fairbank@childrens.salford.example",
            "niall.tandy@childrens.salford.example",
            "business.manager@salford.example",
        }
        for received in (ack, routed):
            assert received.mail_from == "escalations@partnership.example"
            assert received.message["X-Auto-Response-Suppress"] == "All"
            assert "Bloggs" not in received.message["Subject"]

        shown = _cli(settings, "cases", "show", "SAL-2026-0001", "--json")
        assert shown.returncode == 0, shown.stderr
        case = json.loads(shown.stdout)
        assert (case["partnership"], case["state"], case["stage"], case["immediate_risk"]) == ("salford", "open", 2, False)
        assert [(d["kind"], d["met"]) for d in case["deadlines"]] == [
            ("stage_response", False),
            ("copy:service-manager-copy", True),
        ]
        assert case["deadlines"][0]["due"].endswith("+00:00")
        assert case["events"][0]["rule"] == "new-notice"

        assert serve.stop(signal.SIGTERM) == 0
    log = serve.log_path.read_text()
    assert "serve: stopped" in log
    assert "Bloggs" not in log and "Jo " not in log, "logs carry ids and references, never names"


def test_killed_after_250_the_message_is_processed_once_on_restart(
    tmp_path: Path, database_url: str, processes: list[Serve]
) -> None:
    port = free_port()
    intake_only = write_settings(tmp_path, database_url, smtp_port=port, worker_enabled=False, name="intake.toml")
    full = write_settings(tmp_path, database_url, smtp_port=port, name="full.toml")
    raw = wire(notice_email(salford_notice(), message_id="<kill-test@northside-health.example>"))

    first = Serve(intake_only, tmp_path / "first.log")
    processes.append(first)
    first.wait_listening(port)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        assert client.sendmail(PRACTITIONER, ["escalations@salford.example"], raw) == {}
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    url = _stored_url(full)
    assert _count(url, InboundMessage, InboundMessage.status == InboundStatus.RECEIVED) == 1
    assert _count(url, Case) == 0

    second = Serve(full, tmp_path / "second.log")
    processes.append(second)
    second.wait_listening(port)
    _until(lambda: _count(url, InboundMessage, InboundMessage.status == InboundStatus.PROCESSED) == 1, what="processing")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:  # the sending server's retry of the same message
        assert client.sendmail(PRACTITIONER, ["escalations@salford.example"], raw) == {}
    time.sleep(1.0)
    assert second.stop() == 0
    assert _count(url, Case) == 1
    assert _count(url, InboundMessage) == 1
    assert _count(url, OutboxMessage) == 2


def test_ingest_exit_codes(tmp_path: Path, database_url: str) -> None:
    settings = write_settings(tmp_path, database_url)
    message = tmp_path / "notice.eml"
    message.write_bytes(wire(notice_email(salford_notice())))
    stored = subprocess.run(
        [COMMAND, "ingest", "--config", str(settings), "--sender", PRACTITIONER, "--recipient", "escalations@salford.example"],
        input=message.read_bytes(),
        capture_output=True,
        timeout=60,
    )
    assert stored.returncode == 0, stored.stderr
    assert _count(_stored_url(settings), InboundMessage) == 1

    too_big = tmp_path / "big.eml"
    too_big.write_bytes(wire(notice_email(b"x" * 300_000)))
    assert _cli(settings, "ingest", str(too_big)).returncode == 65

    unreachable = write_settings(tmp_path, f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test", name="down.toml")
    failed = _cli(unreachable, "ingest", str(message))
    assert failed.returncode == 75, failed.stderr
    assert _count(_stored_url(settings), InboundMessage) == 1


@pytest.mark.postgres
def test_two_serve_processes_share_fifty_messages_on_postgres(tmp_path: Path, postgres_url: str, processes: list[Serve]) -> None:
    settings = [write_settings(tmp_path, postgres_url, smtp_enabled=False, name=f"worker{i}.toml") for i in (1, 2)]
    # Migrate and seed once, then store fifty notices directly, as the intake would.
    assert _cli(settings[0], "migrate").returncode == 0
    for i, path in enumerate(settings, start=1):
        processes.append(Serve(path, tmp_path / f"worker{i}.log"))
    for serve in processes:
        _until(lambda: "worker: started" in serve.log_path.read_text(), what="worker start")
    # Fifty notices stored as the intake stores them, while both workers wait.
    engine = create_engine(postgres_url)
    sessions = make_session_factory(engine)
    for i in range(50):
        notice = salford_notice(dob=f"{i % 28 + 1:02d}/{i // 28 + 1:02d}/2017")  # fifty different children
        raw = wire(notice_email(notice, message_id=f"<bulk-{i}@northside-health.example>"))
        receive(sessions, raw, Envelope("smtp", PRACTITIONER, ("escalations@salford.example",)), datetime.now(UTC))
    _until(
        lambda: _count(postgres_url, InboundMessage, InboundMessage.status == InboundStatus.PROCESSED) == 50,
        timeout=120,
        what="fifty messages processed",
    )
    for serve in processes:
        assert serve.stop() == 0

    with sessions() as session:
        references = session.scalars(select(Case.reference)).all()
        openings = session.execute(
            select(CaseEvent.inbound_id, func.count()).where(CaseEvent.rule == "new-notice").group_by(CaseEvent.inbound_id)
        ).all()
        acknowledgements = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "acknowledgement")
        )
    engine.dispose()
    assert sorted(references) == [f"SAL-{datetime.now(UTC).year}-{n:04d}" for n in range(1, 51)]
    assert len(openings) == 50 and all(count == 1 for _, count in openings), "no message handled twice"
    assert acknowledgements == 50
    logs = [p.log_path.read_text() for p in processes]
    assert all("processed (new-notice)" in log for log in logs), "both processes took work"


def _stored_url(settings: Path) -> str:
    from escalations.service.settings import load_settings

    return load_settings(settings).storage_url


def test_a_managers_reply_moves_the_right_case_and_a_look_alike_waits_for_review(
    tmp_path: Path, database_url: str, processes: list[Serve], dns_zone: Zone
) -> None:
    port = free_port()
    # The manager's mail server is this host, as the agency's SPF record (on the test DNS server) says.
    dns_zone.txt("childrens.salford.example", "v=spf1 ip4:127.0.0.1 -all")
    with SmtpSink() as relay:
        settings = write_settings(
            tmp_path, database_url, smtp_port=port, outbound=f'transport = "smtp"\nhost = "127.0.0.1"\nport = {relay.port}'
        )
        serve = Serve(settings, tmp_path / "serve.log")
        processes.append(serve)
        serve.wait_listening(port)
        other_child = wire(
            notice_email(salford_notice(child="Sam Carter", dob="03/09/2019"), message_id="<other@northside-health.example>")
        )
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail(PRACTITIONER, ["escalations@salford.example"], EXAMPLE.read_bytes())
            client.sendmail(PRACTITIONER, ["escalations@salford.example"], other_child)
        received = relay.wait_for(4, timeout=30)
        [routed] = [r for r in received if r.message["Subject"] == "[SAL-2026-0001] Escalation – stage 2"]

        manager = "lowri.dalby@childrens.salford.example"
        reply = notice_email(
            None,
            sender=manager,
            subject="RE: Escalation",
            body="Escalate: we cannot agree at this level.\n\n> earlier text",
            headers={"In-Reply-To": routed.message["Message-ID"], "References": routed.message["Message-ID"]},
        )
        look_alike = notice_email(salford_notice(dob=None), message_id="<look-alike@northside-health.example>")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail(manager, ["escalations@salford.example"], wire(reply))
            client.sendmail(PRACTITIONER, ["escalations@salford.example"], wire(look_alike))
        url = _stored_url(settings)
        _until(
            lambda: (
                _count(url, InboundMessage, InboundMessage.status == InboundStatus.RECEIVED) == 0
                and _count(url, InboundMessage, InboundMessage.status == InboundStatus.PROCESSING) == 0
            ),
            what="processing",
        )

        first = json.loads(_cli(settings, "cases", "show", "SAL-2026-0001", "--json").stdout)
        second = json.loads(_cli(settings, "cases", "show", "SAL-2026-0002", "--json").stdout)
        assert (first["stage"], second["stage"]) == (3, 2), "the reply moved the case it answered, and only that one"
        review = json.loads(_cli(settings, "review", "list", "--json").stdout)
        assert [(r["reason"].split(":")[0], r["candidates"]) for r in review] == [("possible-same-case", ["SAL-2026-0001"])]
        assert serve.stop() == 0


def _descendants(pid: int) -> list[set[int]]:
    """The processes below ``pid`` by generation (from /proc): its children, theirs, and so on."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        if entry.name.isdigit():
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    generations, wanted = [], {pid}
    while wanted := {child for child, parent in parents.items() if parent in wanted}:
        generations.append(wanted)
    return generations


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_serve_stopped_leaves_no_notice_reader_behind(tmp_path: Path, processes: list[Serve]) -> None:
    """The reader children live on between notices (intake/notices/sandbox.py), so stopping must end them."""
    port = free_port()
    settings = write_settings(tmp_path, f"sqlite:///{tmp_path / 'escalations.db'}", smtp_port=port)
    serve = Serve(settings, tmp_path / "serve.log")
    processes.append(serve)
    serve.wait_listening(port)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        assert client.sendmail(PRACTITIONER, ["escalations@salford.example"], wire(notice_email(salford_notice()))) == {}
    url = _stored_url(settings)
    _until(lambda: _count(url, InboundMessage, InboundMessage.status == InboundStatus.PROCESSED) == 1, what="processing")
    # serve -> the processing process -> its forkserver -> a reader child, still there after the notice.
    generations = _descendants(serve.process.pid)
    assert len(generations) >= 3 and any(_alive(pid) for pid in generations[2]), generations
    below = set().union(*generations)
    assert serve.stop() == 0
    _until(lambda: not any(_alive(pid) for pid in below), timeout=10, what="every process below serve to end")
