"""``/healthz`` and ``/metrics``: how each part of the service is doing, judged from what it leaves in the database.

The console runs in its own process (service/serve.py), often on the same host
as the rest but not always, so it cannot ask the worker or the sender whether
they are alive. It judges them by their work instead: a message waiting longer
than ``[console] health_max_wait_seconds`` means the worker is stopped or
stuck, a due outbox row waiting that long means the sender is. The SMTP intake
is asked directly (its greeting), each IMAP watcher by the state it records.

Neither answer holds personal data or case data: counts, ages in seconds, part
and mailbox names only. ``/healthz`` needs no session (a load balancer or
systemd's watchdog asks it); ``/metrics`` answers only ``[console]
metrics_allowed`` addresses (default loopback).
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from escalations.console.app import Console
from escalations.service.imap_status import mailbox_entries
from escalations.service.settings import SmtpSettings
from escalations.storage.logs import log_failure
from escalations.storage.models import InboundMessage, InboundStatus, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

SMTP_PROBE_SECONDS = 3.0  # the intake answers within this or is failing (it answers at once when well)
WAITING = (InboundStatus.RECEIVED, InboundStatus.PROCESSING)  # the worker's queue


@dataclass(frozen=True)
class Part:
    """One part's verdict and the figures it rests on (no personal data: counts, ages, states)."""

    name: str
    ok: bool
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Queue:
    """How many wait, and the age in seconds of the one that has waited longest (None: nothing waits)."""

    count: int
    oldest_seconds: int | None


def health_routes(console: Console) -> list[Route]:
    from escalations.console.metrics import metrics_endpoint  # here: metrics.py builds on this module

    async def healthz(_request: Request) -> Response:
        parts = await run_in_threadpool(check_parts, console)
        return JSONResponse(health_body(parts, console.now()), status_code=200 if all(p.ok for p in parts) else 503)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_endpoint(console), methods=["GET"]),
    ]


def health_body(parts: list[Part], now: datetime) -> dict[str, Any]:
    failing = [p.name for p in parts if not p.ok]
    return {
        "status": "failing" if failing else "ok",
        "failing": failing,
        "checked_at": now.isoformat(),
        "parts": {p.name: {"ok": p.ok, **p.figures} for p in parts},
    }


def check_parts(console: Console) -> list[Part]:
    """Every part; with the database away, the intake alone can still be asked."""
    runtime, limit = console.runtime, console.settings.health_max_wait_seconds
    intake = intake_part(runtime.settings.smtp)
    try:
        with runtime.sessions() as session:
            session.execute(text("SELECT 1"))
            now = console.now()
            return [Part("database", True), intake, *queue_parts(session, now, limit), *mailbox_parts(session, console, now)]
    except Exception as exc:  # the detail (it may name the host and user) goes to the log, not the answer
        log_failure(log, "healthz: the database did not answer", exc)
        return [Part("database", False, {"error": type(exc).__name__}), intake]


def queue_parts(session: Session, now: datetime, limit: int) -> list[Part]:
    waiting, due = waiting_messages(session, now), due_outbox(session, now)
    return [
        Part("worker", _within(waiting, limit), {"waiting": waiting.count, "oldest_waiting_seconds": waiting.oldest_seconds}),
        Part("sender", _within(due, limit), {"due": due.count, "oldest_due_seconds": due.oldest_seconds}),
    ]


def _within(queue: Queue, limit: int) -> bool:
    return queue.oldest_seconds is None or queue.oldest_seconds <= limit


def waiting_messages(session: Session, now: datetime) -> Queue:
    """Messages stored and not yet finished by a worker (received, or held by one now)."""
    count, oldest = session.execute(
        select(func.count(), func.min(InboundMessage.received_at)).where(InboundMessage.status.in_(WAITING))
    ).one()
    return Queue(count, _age(now, oldest))


def due_outbox(session: Session, now: datetime) -> Queue:
    """Outbox rows the sender should have tried by now (a row waiting out a retry pause is not due)."""
    due = (OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
    count, oldest = session.execute(select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(*due)).one()
    return Queue(count, _age(now, oldest))


def _age(now: datetime, moment: datetime | None) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


def mailbox_parts(session: Session, console: Console, now: datetime) -> list[Part]:
    """Each watched mailbox, as its watcher last recorded it (service.imap_status decides "connected")."""
    entries = mailbox_entries(session, console.runtime.settings.imap, now)
    return [
        Part(
            f"mailbox:{e['name']}",
            e["connected"],
            {"connected": e["connected"], "mode": e["mode"], "last_success": e["last_success"]},
        )
        for e in entries
    ]


def intake_part(smtp: SmtpSettings) -> Part:
    """The SMTP intake answers with its 220 greeting; off (mail by IMAP or `ingest` only) is not a failure."""
    if not smtp.enabled:
        return Part("intake", True, {"smtp": "off"})
    problem = smtp_problem(_reachable(smtp.host), smtp.port)
    return Part("intake", problem is None, {"smtp": problem or "answering"})


def _reachable(host: str) -> str:
    """A wildcard listener is asked on loopback."""
    return {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)


def smtp_problem(host: str, port: int) -> str | None:
    """None when the server greets with 220; else what went wrong, in words with no data in them."""
    try:
        with socket.create_connection((host, port), timeout=SMTP_PROBE_SECONDS) as connection:
            connection.settimeout(SMTP_PROBE_SECONDS)
            greeting = connection.recv(512)
            connection.sendall(b"QUIT\r\n")
    except OSError as exc:
        return f"not answering ({type(exc).__name__})"
    code = greeting[:3].decode("ascii", "replace")
    return None if code == "220" else f"greeted with {code!r}, not 220"
