"""Run one hostile case through the real intake: aiosmtpd on loopback, smtplib, the worker, a real database.

Each case gets a database of its own, copied from a template that already
holds the seed directory (and, for replies, an open case made by a real
notice), so no case can see another's. The outcome of the case is read back
from the rows the service wrote, never from its logs.
"""

from __future__ import annotations

import email
import email.policy
import multiprocessing
import os
import shutil
import smtplib
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from escalations.intake.receiving import Envelope, receive
from escalations.intake.smtp import IntakeHandler
from escalations.routing.policy import load_policies
from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings
from escalations.storage.models import Case, CaseEvent, InboundMessage, InboundStatus, OutboxMessage
from escalations.storage.repositories import Stored
from tests.support.intake_server import IntakeServer

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config"
# Tuesday 10 March 2026, 10:00 in London: a working day, so deadlines are ordinary.
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
# A case that takes longer than this to process has frozen something (a notice takes ~0.3 s here).
BOUND_SECONDS = float(os.environ.get("HOSTILE_BOUND_SECONDS", "8"))
# The cases that froze the service (issue 12 defect 1) are given less: linear code handles them in
# well under a second, and while the defect remains each one costs this much of the CI budget.
ISOLATED_BOUND_SECONDS = float(os.environ.get("HOSTILE_ISOLATED_BOUND_SECONDS", "3"))
MAILBOXES = frozenset(p.mailbox for p in load_policies(CONFIG / "partnerships").values())

# The outcome classes of issue 12: refused at SMTP (the sender keeps it), or stored and then one of these.
REFUSED = "refused"
IGNORED = "ignored"  # screened out by a named rule: recorded, never answered
REVIEW = "review"  # held for a person, with the rule and reason
AWAITING = "awaiting"  # a case held awaiting information, the problem told to the sender
QUARANTINED = "quarantined"  # could not be processed, with its reason; kept and listed
OPENED = "opened"  # a case opened and routed
MOVED = "moved"  # an existing case's state or stage changed
RECORDED = "recorded"  # recorded on an existing case (correspondence, a duplicate), nothing moved
OUTCOMES = (REFUSED, IGNORED, REVIEW, AWAITING, QUARANTINED, OPENED, MOVED, RECORDED)
# Anything else is final (a status added later, say for a bounce, counts too; its outcome then shows as itself).
UNFINISHED = {InboundStatus.RECEIVED, InboundStatus.PROCESSING}


@dataclass(frozen=True)
class Delivery:
    """What the attacker's SMTP client sends. ``verbatim``: DATA is written as is (no line-end fixing)."""

    raw: bytes
    mail_from: str = "attacker@evil.example"
    rcpt: tuple[str, ...] = ("escalations@salford.example",)
    verbatim: bool = False
    mail_options: tuple[str, ...] = ()  # ESMTP parameters of MAIL FROM (SIZE=…)
    mail_command: str | None = None  # a MAIL command written as is, for syntax the client would not send


@dataclass(frozen=True)
class Ctx:
    """What a builder may know: our Message-ID signing, and the Message-IDs of mail sent on the set-up case."""

    secret: str
    domain: str
    sent_message_ids: tuple[str, ...] = ()


@dataclass
class Observed:
    smtp_code: int
    smtp_text: str
    outcome: str
    rule: str = ""  # the inbound row's outcome (rule: reason) or last_error
    status: str = ""
    seconds: float = 0.0
    rows: int = 0
    outbox: list[email.message.EmailMessage] = field(default_factory=list)
    outbox_kinds: list[str] = field(default_factory=list)
    outbox_recipients: list[list[str]] = field(default_factory=list)
    case_before: dict[str, tuple[str, int]] = field(default_factory=dict)
    case_after: dict[str, tuple[str, int]] = field(default_factory=dict)
    met_by_case: list[str] = field(default_factory=list)  # "met:…" events this message caused (a response counted)
    left_unfinished: list[str] = field(default_factory=list)
    timed_out: bool = False

    def __str__(self) -> str:
        return f"{self.outcome} (SMTP {self.smtp_code}; {self.status}: {self.rule[:160]!r}; {self.seconds:.2f}s)"


def settings_text(directory: Path, url: str) -> str:
    """Production defaults except where a test must say: the database, maildir delivery, the packaged config."""
    return f"""
[storage]
url = "{url}"
[outbound]
transport = "maildir"
maildir = "{directory / "outbox"}"
from = "escalations@partnership.example"
[partnerships]
dir = "{CONFIG / "partnerships"}"
[directory]
seed = "{CONFIG / "directory.example.csv"}"
"""


def make_runtime(directory: Path, url: str) -> Runtime:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "escalations.toml"
    path.write_text(settings_text(directory, url), encoding="utf-8")
    return Runtime(load_settings(path), clock=lambda: NOW)


# --- databases ---------------------------------------------------------------------------------


class Databases:
    """One database per set-up, put back to its template state before every case.

    The template (migrated, the seed directory loaded, the set-up's messages
    processed) is made once; each case then starts from a copy of it: a file
    copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL. The runtime
    (its engine and compiled statements) is kept between cases, its connections
    dropped while the database is replaced.
    """

    def __init__(self, root: Path, backend: str, postgres_url: str | None = None) -> None:
        self.root = root
        self.backend = backend
        self.postgres_url = postgres_url
        self._runtimes: dict[str, tuple[Runtime, str, str]] = {}  # setup -> (runtime, template, working)
        self._made: list[str] = []

    @contextmanager
    def fresh(self, setup: str, steps: Sequence[Callable[[Ctx], Delivery]]) -> Iterator[Runtime]:
        """The set-up's runtime, on a database just restored from its template."""
        if setup not in self._runtimes:
            self._runtimes[setup] = self._prepare(setup, steps)
        runtime, template, working = self._runtimes[setup]
        runtime.engine.dispose()
        self._restore(template, working)
        yield runtime
        runtime.engine.dispose()

    def _prepare(self, setup: str, steps: Sequence[Callable[[Ctx], Delivery]]) -> tuple[Runtime, str, str]:
        template, working = f"hostile_tpl_{setup.replace('-', '_')}_{uuid.uuid4().hex[:6]}", f"hostile_{uuid.uuid4().hex[:10]}"
        runtime = make_runtime(self.root / f"template-{setup}", self._url(template, create=True))
        try:
            runtime.prepare_database()
            ctx = Ctx(runtime.secret, runtime.context().sender.domain)
            for build in steps:
                delivery = build(ctx)
                receive(runtime.sessions, delivery.raw, Envelope("smtp", delivery.mail_from, delivery.rcpt), NOW)
                runtime.worker().run_until_idle()
        finally:
            runtime.close()
        self._restore(template, working)
        return make_runtime(self.root / f"working-{setup}", self._url(working)), template, working

    def _url(self, name: str, create: bool = False) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.root / name}.db"
        base = make_url(self.postgres_url).set(drivername="postgresql+psycopg")
        if create:
            self._admin(f'CREATE DATABASE "{name}"')
            self._made.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    def _restore(self, template: str, working: str) -> None:
        if self.backend == "sqlite":
            for suffix in ("-wal", "-shm"):
                (self.root / f"{working}.db{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.root / f"{template}.db", self.root / f"{working}.db")
            return
        self._admin(f'DROP DATABASE IF EXISTS "{working}" WITH (FORCE)', f'CREATE DATABASE "{working}" TEMPLATE "{template}"')
        if working not in self._made:
            self._made.append(working)

    def _admin(self, *statements: str) -> None:
        admin = create_engine(make_url(self.postgres_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            admin.dispose()

    def close(self) -> None:
        for runtime, _, _ in self._runtimes.values():
            runtime.close()
        if self.backend == "postgres" and self._made:
            self._admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in reversed(self._made)))


def warm_up() -> None:
    """Start the document sandbox's forkserver once, so no case's bound pays for it (seconds on a busy machine)."""
    from escalations.intake.notices.formats import Format
    from escalations.intake.notices.sandbox import read_document
    from tests.support.forms import salford_notice

    read_document(Format.DOCX, salford_notice())


# --- the SMTP side ------------------------------------------------------------------------------


class Intake:
    """One production SMTP server for the whole suite; each message is stored in the current case's database."""

    def __init__(self, max_message_bytes: int = 26_214_400) -> None:
        self.runtime: Runtime | None = None
        self.server = IntakeServer(IntakeHandler(MAILBOXES, self._store, max_message_bytes))

    def _store(self, raw: bytes, envelope: Envelope) -> Stored:
        assert self.runtime is not None, "no case is running"
        return receive(self.runtime.sessions, raw, envelope, self.runtime.clock())

    def __enter__(self) -> Intake:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def send(self, delivery: Delivery) -> tuple[int, str]:
        """The final SMTP reply to the message (the first refusal, if any command was refused)."""
        with smtplib.SMTP(self.server.host, self.server.port, timeout=30) as client:
            client.ehlo("client.evil.example")
            if delivery.mail_command is not None:
                code, reply = client.docmd(delivery.mail_command)
            else:
                code, reply = client.mail(delivery.mail_from, list(delivery.mail_options))
            if code >= 400:
                return code, reply.decode("utf-8", "replace")
            accepted = 0
            last = (0, b"")
            for rcpt in delivery.rcpt:
                code, reply = client.rcpt(rcpt)
                accepted += code < 400
                last = (code, reply)
            if not accepted:
                return last[0], last[1].decode("utf-8", "replace")
            if delivery.verbatim:
                code, reply = client.docmd("DATA")
                if code != 354:
                    return code, reply.decode("utf-8", "replace")
                client.send(delivery.raw + b"\r\n.\r\n")
                code, reply = client.getreply()
            else:
                code, reply = client.data(delivery.raw)
            return code, reply.decode("utf-8", "replace")


# --- one case -------------------------------------------------------------------------------------


def _process(runtime: Runtime, isolate: bool) -> tuple[float, bool]:
    """Run the worker until idle; with ``isolate`` in a forked child killed at the bound."""
    started = time.monotonic()
    if not isolate:
        runtime.worker().run_until_idle()
        return time.monotonic() - started, False
    path = runtime.settings.path
    child = multiprocessing.get_context("fork").Process(target=_work_in_child, args=(str(path),), daemon=True)
    sys.stdout.flush()  # or the child would write the parent's buffered output a second time
    sys.stderr.flush()
    with warnings.catch_warnings():
        # Python 3.12 warns of fork() in a threaded process; the child only opens its own connections.
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    child.join(ISOLATED_BOUND_SECONDS)
    timed_out = child.is_alive()
    if timed_out:
        child.kill()
        child.join(5)
    return time.monotonic() - started, timed_out


def _work_in_child(settings_path: str) -> None:
    runtime = Runtime(load_settings(settings_path), clock=lambda: NOW)
    try:
        runtime.worker().run_until_idle()
    finally:
        runtime.close()
    os._exit(0)


def _cases(runtime: Runtime) -> dict[str, tuple[str, int]]:
    with runtime.sessions() as session:
        return _cases_in(session)


def _cases_in(session: Session) -> dict[str, tuple[str, int]]:
    return {c.reference: (c.state, c.stage) for c in session.scalars(select(Case))}


def _last_ids(runtime: Runtime) -> tuple[int, int]:
    with runtime.sessions() as session:
        inbound = session.scalar(select(func.max(InboundMessage.id))) or 0
        outbox = session.scalar(select(func.max(OutboxMessage.id))) or 0
    return inbound, outbox


def sent_message_ids(runtime: Runtime) -> tuple[str, ...]:
    with runtime.sessions() as session:
        return tuple(session.scalars(select(OutboxMessage.message_id).order_by(OutboxMessage.id)))


def run_case(intake: Intake, runtime: Runtime, build: Callable[[Ctx], Delivery], isolate: bool = False) -> Observed:
    ctx = Ctx(runtime.secret, runtime.context().sender.domain, sent_message_ids(runtime))
    delivery = build(ctx)
    inbound_before, outbox_before = _last_ids(runtime)
    cases_before = _cases(runtime)
    intake.runtime = runtime
    try:
        code, reply = intake.send(delivery)
    finally:
        intake.runtime = None
    seconds, timed_out = _process(runtime, isolate)
    return _observe(runtime, code, reply, inbound_before, outbox_before, cases_before, seconds, timed_out)


def _observe(
    runtime: Runtime,
    code: int,
    reply: str,
    inbound_before: int,
    outbox_before: int,
    cases_before: dict[str, tuple[str, int]],
    seconds: float,
    timed_out: bool,
) -> Observed:
    with runtime.sessions() as session:
        rows = list(session.scalars(select(InboundMessage).where(InboundMessage.id > inbound_before).order_by(InboundMessage.id)))
        outbox = list(session.scalars(select(OutboxMessage).where(OutboxMessage.id > outbox_before).order_by(OutboxMessage.id)))
        met = (
            list(
                session.scalars(
                    select(CaseEvent.rule).where(CaseEvent.inbound_id.in_([r.id for r in rows]), CaseEvent.rule.like("met:%"))
                )
            )
            if rows
            else []
        )
        observed = Observed(
            smtp_code=code,
            smtp_text=reply,
            outcome="",
            seconds=seconds,
            rows=len(rows),
            timed_out=timed_out,
            outbox=[email.message_from_bytes(o.raw, policy=email.policy.default) for o in outbox],  # type: ignore[misc]
            outbox_kinds=[o.kind for o in outbox],
            outbox_recipients=[list(o.recipients) for o in outbox],
            case_before=cases_before,
            met_by_case=met,
            left_unfinished=[f"{r.id}:{r.status}" for r in rows if r.status in UNFINISHED],
        )
        observed.case_after = _cases_in(session)
        if rows:
            row = rows[-1]
            observed.status = row.status
            observed.rule = row.outcome or row.last_error or ""
            observed.outcome = _classify(row, cases_before, observed.case_after)
        else:
            observed.outcome = REFUSED if code >= 400 else "lost"
    return observed


def _classify(row: InboundMessage, before: dict[str, tuple[str, int]], after: dict[str, tuple[str, int]]) -> str:
    if row.status == InboundStatus.IGNORED:
        return IGNORED
    if row.status == InboundStatus.REVIEW:
        return REVIEW
    if row.status == InboundStatus.QUARANTINED:
        return QUARANTINED
    if row.status == InboundStatus.DUPLICATE:
        return RECORDED
    if row.status != InboundStatus.PROCESSED:
        return row.status  # received or processing (an invariant failure), or a status this suite does not know yet
    rule = (row.outcome or "").split(":", 1)[0]
    if rule == "awaiting-information":
        return AWAITING
    if any(ref not in before for ref in after):
        return OPENED
    if any(after[ref] != state for ref, state in before.items()):
        return MOVED
    return RECORDED
