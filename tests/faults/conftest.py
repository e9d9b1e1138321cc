"""The fault matrix's shared pieces: settings for a `serve` under test, a look at its database, and the figures.

Each test runs the installed `escalations serve`, breaks it (SIGKILL at a
step, the database frozen or down, the disk full, a second process), and
then asserts nothing was lost, nothing was done twice, and how long recovery
took. With ESCALATIONS_FAULT_FIGURES=FILE every measured figure is appended to
FILE as a JSON line (docs/reliability.md is written from them).
"""

from __future__ import annotations

import json
import os
import smtplib
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError

from escalations.storage.engine import make_session_factory
from escalations.storage.models import Case, CaseEvent, InboundMessage, InboundStatus, OutboxMessage, OutboxStatus
from tests.conftest import write_settings
from tests.support.serve_process import Serve, serve_processes, until
from tests.support.smtp_sink import SmtpSink

RECOVERY_BOUND = 30.0  # the issue: SIGKILL at any step, the message processed within 30 s of the restart
PRACTITIONER = "a.khan@northside-health.example"
MAILBOX = "escalations@salford.example"


def fault_settings(
    directory: Path,
    url: str,
    *,
    smtp_port: int,
    relay: SmtpSink | None = None,
    smtp_enabled: bool = True,
    store_timeout: float | None = None,
    tables: str = "",
    name: str = "escalations.toml",
) -> Path:
    outbound = f'transport = "smtp"\nhost = "127.0.0.1"\nport = {relay.port}' if relay else ""
    path = write_settings(directory, url, smtp_port=smtp_port, smtp_enabled=smtp_enabled, outbound=outbound, name=name)
    text = path.read_text(encoding="utf-8")
    if store_timeout is not None:
        text = text.replace(
            "max_message_bytes = 200000\n", f"max_message_bytes = 200000\nstore_timeout_seconds = {store_timeout}\n"
        )
    path.write_text(text + "\n" + tables, encoding="utf-8")
    return path


@dataclass(frozen=True)
class Look:
    """The database at one moment: what every test's verdict is read from."""

    inbound: list[tuple[int, str, int]]  # id, status, tries
    cases: list[str]
    openings: Counter[int]  # inbound id -> new-notice events
    outbox: list[tuple[int, str, str, int]]  # id, Message-ID, status, uncertain deliveries

    @property
    def settled(self) -> bool:
        return (
            bool(self.inbound)
            and all(s == InboundStatus.PROCESSED for _, s, _ in self.inbound)
            and bool(self.outbox)
            and all(s == OutboxStatus.SENT for _, _, s, _ in self.outbox)
        )


class Probe:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, pool_pre_ping=True, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
        self.sessions = make_session_factory(self.engine)

    def look(self) -> Look:
        with self.sessions() as session:
            inbound = [
                tuple(r)
                for r in session.execute(
                    select(InboundMessage.id, InboundMessage.status, InboundMessage.tries).order_by(InboundMessage.id)
                )
            ]
            cases = list(session.scalars(select(Case.reference).order_by(Case.id)))
            openings = Counter(session.scalars(select(CaseEvent.inbound_id).where(CaseEvent.rule == "new-notice")))
            outbox = [
                tuple(r)
                for r in session.execute(
                    select(
                        OutboxMessage.id, OutboxMessage.message_id, OutboxMessage.status, OutboxMessage.uncertain_deliveries
                    ).order_by(OutboxMessage.id)
                )
            ]
        return Look(inbound, cases, openings, outbox)  # type: ignore[arg-type]

    def claim(self, inbound_id: int) -> tuple[str, str | None]:
        with self.sessions() as session:
            row = session.get(InboundMessage, inbound_id)
            assert row is not None
            return row.status, row.claimed_by

    def held_by(self, pid: int) -> list[int]:
        """Inbound messages a process (by pid, on this host) has in hand."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(InboundMessage.id).where(
                        InboundMessage.status == InboundStatus.PROCESSING, InboundMessage.claimed_by.like(f"%|{pid}|%")
                    )
                )
            )

    def count(self, model: type, *where: object, default: int | None = None) -> int:
        """How many rows; ``default`` while the database is not there yet (serve still migrating it)."""
        try:
            with self.sessions() as session:
                return session.scalar(select(func.count()).select_from(model).where(*where)) or 0
        except OperationalError:
            if default is None:
                raise
            return default

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def serves() -> Iterator[list[Serve]]:
    with serve_processes() as started:
        yield started


@pytest.fixture
def probe_for() -> Iterator:  # type: ignore[type-arg]
    made: list[Probe] = []

    def make(url: str) -> Probe:
        made.append(Probe(url))
        return made[-1]

    yield make
    for probe in made:
        probe.close()


def send(port: int, raw: bytes, timeout: float = 60) -> int:
    """The reply code to the message (250 if accepted)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=timeout) as client:
        try:
            client.sendmail(PRACTITIONER, [MAILBOX], raw)
        except smtplib.SMTPDataError as exc:
            return exc.smtp_code
    return 250


def settle(
    probe: Probe, relay: SmtpSink | None, since: float, timeout: float = 90, cases: int | None = None
) -> tuple[Look, float]:
    """Wait until every message is processed and every row sent (and seen by the relay); return the look and the seconds since ``since``."""

    def done() -> Look | None:
        look = probe.look()
        if not look.settled or (cases is not None and len(look.cases) < cases):
            return None
        if relay is not None and not {m for _, m, _, _ in look.outbox} <= {r.message["Message-ID"] for r in relay.received}:
            return None
        return look

    look = until(done, timeout, "every message processed and every mail sent", every=0.1)
    assert isinstance(look, Look)
    return look, time.monotonic() - since


def assert_once(look: Look, relay: SmtpSink | None, cases: int) -> int:
    """0 lost, 0 duplicated cases; returns how many emails reached the relay twice (each must be one recorded as possibly sent)."""
    assert len(look.cases) == cases == len(set(look.cases)), look.cases
    assert all(count == 1 for count in look.openings.values()), f"a message opened two cases: {look.openings}"
    assert all(status == InboundStatus.PROCESSED for _, status, _ in look.inbound), look.inbound
    if relay is None:
        return 0
    got = Counter(r.message["Message-ID"] for r in relay.received)
    ours = {message_id: uncertain for _, message_id, _, uncertain in look.outbox}
    assert set(got) == set(ours), "the relay got exactly the outbox"
    twice = {m: n for m, n in got.items() if n > 1}
    for message_id, n in twice.items():
        assert n == 2 and ours[message_id] >= 1, (
            f"{message_id} sent {n} times, recorded as possibly sent {ours[message_id]} times"
        )
    return len(twice)


@pytest.fixture
def figure(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Record a measured figure for docs/reliability.md (only with ESCALATIONS_FAULT_FIGURES set)."""

    def record(**values: object) -> None:
        target = os.environ.get("ESCALATIONS_FAULT_FIGURES")
        if target:
            with open(target, "a", encoding="utf-8") as f:
                f.write(json.dumps({"test": request.node.name, **values}) + "\n")

    return record
