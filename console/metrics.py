"""``/metrics``: Prometheus figures counted from the database at each scrape.

Counted from the rows, not kept in memory, so they are right across restarts
and whichever process (or host) did the work: a received message is a row of
``inbound_messages`` for as long as the database keeps it (retention
anonymises rows, never deletes them). What can go down as well as up
(quarantined, dead, overdue, waiting) is a gauge. ``prometheus_client`` writes
the exposition format (names, help, label escaping, ``_total``), with a fresh
registry per scrape rather than the library's global one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from escalations.console.app import Console
from escalations.console.health import Part, check_parts, due_outbox, waiting_messages
from escalations.console.pages import OPEN_STATES
from escalations.service.imap_status import mailbox_entries
from escalations.storage.models import Case, Deadline, InboundMessage, InboundStatus, OutboxMessage, OutboxStatus


def metrics_endpoint(console: Console) -> Callable[[Request], object]:
    async def metrics(request: Request) -> Response:
        if not allowed(request.client.host if request.client else None, console.settings.metrics_allowed):
            return refused()
        body = await run_in_threadpool(exposition, console)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics


def allowed(client: str | None, networks: tuple[str, ...]) -> bool:
    """Whether this peer address is within one of the networks (a peer that is no address is not)."""
    try:
        address = ipaddress.ip_address(client or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:  # a dual-stack listener's IPv4 peer
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


def refused() -> Response:
    return PlainTextResponse("not from this address ([console] metrics_allowed)\n", status_code=403)


def exposition(console: Console) -> bytes:
    parts = check_parts(console)
    families = [_parts(parts)]
    if parts[0].ok:  # the database answered
        with console.runtime.sessions() as session:
            families += database_families(session, console, console.now())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return generate_latest(registry)


class _Families(Collector):
    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


def database_families(session: Session, console: Console, now: datetime) -> list[Metric]:
    return [
        *_messages(session),
        *_outbox(session),
        _overdue(session, now, sorted(console.runtime.policies)),
        *_queues(session, now),
        *_mailboxes(session, console, now),
    ]


def _parts(parts: list[Part]) -> Metric:
    family = GaugeMetricFamily("escalations_part_healthy", "1 when /healthz finds this part healthy, else 0", labels=["part"])
    for part in parts:
        family.add_metric([part.name], int(part.ok))
    return family


def _messages(session: Session) -> list[Metric]:
    received = CounterMetricFamily(
        "escalations_messages_received", "Messages stored, by how they came (smtp, imap, ingest)", labels=["source"]
    )
    for source, count in session.execute(select(InboundMessage.source, func.count()).group_by(InboundMessage.source)):
        received.add_metric([source], count)
    finished = select(func.count()).where(InboundMessage.processed_at.is_not(None))
    processed = CounterMetricFamily(
        "escalations_messages_processed", "Messages the worker finished, whatever the outcome", value=session.scalar(finished)
    )
    by_status = GaugeMetricFamily("escalations_messages", "Messages now in each state", labels=["status"])
    for status, count in session.execute(select(InboundMessage.status, func.count()).group_by(InboundMessage.status)):
        by_status.add_metric([status], count)
    held = select(func.count()).where(InboundMessage.status == InboundStatus.QUARANTINED)
    quarantined = GaugeMetricFamily(
        "escalations_messages_quarantined",
        "Messages in quarantine now (`quarantine retry` takes them out)",
        value=session.scalar(held),
    )
    return [received, processed, by_status, quarantined]


def _outbox(session: Session) -> list[Metric]:
    counts = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return [
        CounterMetricFamily("escalations_outbox_sent", "Outbox messages sent", value=counts.get(OutboxStatus.SENT, 0)),
        GaugeMetricFamily(
            "escalations_outbox_dead",
            "Outbox messages refused for good (`outbox retry` requeues)",
            value=counts.get(OutboxStatus.DEAD, 0),
        ),
        GaugeMetricFamily(
            "escalations_outbox_pending", "Outbox messages not sent yet", value=counts.get(OutboxStatus.PENDING, 0)
        ),
    ]


def _overdue(session: Session, now: datetime, partnerships: list[str]) -> Metric:
    """Deadlines past due and not met on open cases (the console's Today page counts them the same way)."""
    family = GaugeMetricFamily(
        "escalations_deadlines_overdue", "Deadlines past due, not met, on open cases", labels=["partnership"]
    )
    late = (
        select(Case.partnership, func.count())
        .select_from(Deadline)
        .join(Case, Deadline.case_id == Case.id)
        .where(Case.state.in_(OPEN_STATES), Deadline.met.is_(False), Deadline.due <= now)
        .group_by(Case.partnership)
    )
    counts = dict(session.execute(late).all())
    for partnership in sorted(set(counts) | set(partnerships)):  # every partnership has a line, 0 included
        family.add_metric([partnership], counts.get(partnership, 0))
    return family


def _queues(session: Session, now: datetime) -> list[Metric]:
    waiting, due = waiting_messages(session, now), due_outbox(session, now)
    return [
        GaugeMetricFamily(
            "escalations_oldest_waiting_message_age_seconds",
            "Age of the message that has waited longest for the worker (0: none waits)",
            value=waiting.oldest_seconds or 0,
        ),
        GaugeMetricFamily(
            "escalations_oldest_due_outbox_age_seconds",
            "Time the longest-due outbox row has been due (0: none is due)",
            value=due.oldest_seconds or 0,
        ),
    ]


def _mailboxes(session: Session, console: Console, now: datetime) -> list[Metric]:
    connected = GaugeMetricFamily("escalations_imap_connected", "1 when the mailbox's watcher is connected", labels=["mailbox"])
    success = GaugeMetricFamily(
        "escalations_imap_last_success_timestamp_seconds", "When the watcher last succeeded (Unix time)", labels=["mailbox"]
    )
    for entry in mailbox_entries(session, console.runtime.settings.imap, now):
        connected.add_metric([entry["name"]], int(entry["connected"]))
        if entry["last_success"]:
            success.add_metric([entry["name"]], datetime.fromisoformat(entry["last_success"]).timestamp())
    return [connected, success]
