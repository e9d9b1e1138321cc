"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), settings, runtime."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings
from tests.support.authentication import RELAY, UPSTREAM
from tests.support.dns import Zone, dns_server

POSTGRES_URL = os.environ.get("ESCALATIONS_TEST_POSTGRES_URL")
REQUIRE_SERVICES = os.environ.get("ESCALATIONS_REQUIRE_SERVICES") == "1"
REPO = Path(__file__).resolve().parent.parent
PACKAGED_CONFIG = REPO / "config"


def pytest_report_header() -> str:
    return f"PostgreSQL tests: {'on, ' + make_url(POSTGRES_URL).render_as_string(hide_password=True) if POSTGRES_URL else 'skipped (set ESCALATIONS_TEST_POSTGRES_URL)'}"


def _temporary_postgres_database() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards."""
    if not POSTGRES_URL:
        if REQUIRE_SERVICES:
            pytest.fail("ESCALATIONS_REQUIRE_SERVICES=1 but ESCALATIONS_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need ESCALATIONS_TEST_POSTGRES_URL (for example postgresql://postgres@127.0.0.1:5432/test)")
    base = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"esc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that takes this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'escalations.db'}"
    else:
        yield from _temporary_postgres_database()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _temporary_postgres_database()


def write_settings(
    directory: Path,
    database_url: str,
    *,
    smtp_port: int = 2525,
    smtp_enabled: bool = True,
    worker_enabled: bool = True,
    outbound: str = "",
    name: str = "escalations.toml",
    trust: str | None = None,
    reports: bool = False,
) -> Path:
    """A settings file that uses the packaged partnerships and example directory."""
    outbound = outbound or f'transport = "maildir"\nmaildir = "{directory / "outbox"}"'
    path = directory / name
    path.write_text(
        f"""
[storage]
url = "{database_url}"
[smtp]
enabled = {str(smtp_enabled).lower()}
host = "127.0.0.1"
port = {smtp_port}
max_message_bytes = 200000
[outbound]
{outbound}
from = "escalations@partnership.example"
[partnerships]
dir = "{PACKAGED_CONFIG / "partnerships"}"
[directory]
seed = "{PACKAGED_CONFIG / "directory.example.csv"}"
[worker]
enabled = {str(worker_enabled).lower()}
poll_seconds = 0.2
sender_poll_seconds = 0.2
[trust]
{trust if trust is not None else default_trust()}
[reports]
# Off unless a test asks: the scenarios count every email, and must not change on the first working day of a month.
send = {str(reports).lower()}
""",
        encoding="utf-8",
    )
    return path


def default_trust() -> str:
    """The test settings' trust: the test upstream's header via the test relay, and only the test DNS server."""
    return (
        f'authserv_id = ["{UPSTREAM}"]\nrelays = ["{RELAY}"]\nnameservers = ["{dns_server().address}"]\ndns_timeout_seconds = 1\n'
    )


@pytest.fixture
def dns_zone() -> Iterator[Zone]:
    """The test DNS server's records, empty at the start of each test that takes this."""
    zone = dns_server().zone
    zone.clear()
    yield zone
    zone.clear()


class Clock:
    """A settable test clock (aware UTC)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def clock() -> Clock:
    # Tuesday 10 March 2026, 10:00 in London (GMT).
    return Clock(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))


@pytest.fixture
def runtime(tmp_path: Path, database_url: str, clock: Clock) -> Iterator[Runtime]:
    settings = load_settings(write_settings(tmp_path, database_url))
    rt = Runtime(settings, clock=clock)
    rt.prepare_database()
    yield rt
    rt.close()
