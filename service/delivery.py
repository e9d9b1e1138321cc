"""Undelivered mail is told: the case timeline, and the business manager, once (issue 12, defects 8 and 9).

``DeliveryAlerts`` is the sender's failure listener: for each outbox row with
recipients not reached (refused, given up on, or bounced later) it records
who was not reached on the case timeline, naming their role and agency, and
queues one alert to the partnership's business manager through the same
templates as every other letter. An alert that itself fails is recorded and
logged, never alerted again (a dead business-manager address would loop).
``record_bounce`` ties a bounce read by ``intake.bounces`` to the outbox row
it is about and marks the address as bouncing.
"""

from __future__ import annotations

import email.parser
import email.policy
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from escalations.intake.bounces import Bounce
from escalations.intake.screening import ORIGIN_HEADER
from escalations.outbound.compose import ROLE_LABELS, Sender, partnership_context, stage_context
from escalations.outbound.letters import label
from escalations.outbound.letters import letter as catalogue_letter
from escalations.outbound.failures import BOUNCED, REFUSED, Undelivered, tell
from escalations.routing import escalation as engine
from escalations.routing.directory import Directory
from escalations.routing.policy import Policy
from escalations.service.case_actions import CaseActions
from escalations.service.directory import load_directory
from escalations.service.rehearsal import Rehearsal
from escalations.storage.models import Case, CaseEvent, InboundMessage, OutboxMessage, OutboxStatus
from escalations.storage.repositories import BounceRepository, CaseRepository, OutboxRepository

log = logging.getLogger(__name__)

ALERT_KIND = "delivery_failure"


class DeliveryAlerts:
    """Records on the case and tells the business manager about recipients not reached."""

    def __init__(self, policies: Mapping[str, Policy], sender: Sender, rehearsal: Rehearsal | None = None) -> None:
        self.policies = policies
        self.sender = sender
        self.rehearsal = rehearsal  # a bounce read by the worker: its alert rendered ahead (service.rehearsal)

    def undelivered(self, session: Session, row: OutboxMessage, failures: Sequence[Undelivered], now: datetime) -> None:
        policy = self._policy(session, row)
        if policy is None:
            log.error("outbox %s: recipients not reached, and no configured partnership to tell", row.id)
            return
        directory, _ = load_directory(session, policy.id)
        people = [_person(directory, f) for f in failures]
        case = session.get(Case, row.case_id) if row.case_id is not None else None
        actions = CaseActions(session, self.policies, self.sender, now, rehearsal=self.rehearsal)
        if case is not None:
            actions.event(
                case,
                "outbound",
                "delivery:not-reached",
                _timeline_text(row, people),
                outbox_id=row.id,
                data={"kind": row.kind, "not_reached": [{k: p[k] for k in ("address", "role", "agency", "how")} for p in people]},
            )
        if row.kind == ALERT_KIND:
            log.error("outbox %s: an alert about undelivered mail was not delivered either; not alerting again", row.id)
            return
        self._alert(actions, policy, directory, case, row, people)

    def _alert(
        self,
        actions: CaseActions,
        policy: Policy,
        directory: Directory,
        case: Case | None,
        row: OutboxMessage,
        people: list[dict[str, Any]],
    ) -> None:
        managers = tuple(dict.fromkeys(r.email for r in engine.business_managers(directory)))
        if not managers:
            log.error("outbox %s: recipients not reached and the %s directory has no business manager", row.id, policy.id)
            if case is not None:
                actions.event(
                    case,
                    "decision",
                    "no-business-manager",
                    "the directory has no business manager to tell about undelivered mail",
                )
            return
        missed = {p["address"].lower() for p in people} | {e["address"].lower() for e in row.undelivered or []}
        waiting = {a.lower() for a in row.pending_recipients or []}
        reached = row.status != OutboxStatus.DEAD and any(a.lower() not in missed | waiting for a in row.recipients)
        extra = {
            "what": label(row.kind),
            "outbox_id": row.id,
            "people": people,
            "reached": reached,
        }
        if case is not None:
            stage = policy.stage(case.stage)
            letter = catalogue_letter(ALERT_KIND, managers, reference=case.reference, stage=stage.number)
            actions.queue(case, policy, letter, stage_context(case.reference, policy, stage, **extra))
        else:
            letter = catalogue_letter(ALERT_KIND, managers, partnership=policy.short_name)
            actions.queue(
                None, policy, letter, {"reference": None, "partnership": partnership_context(policy), "stage": None, **extra}
            )

    def _policy(self, session: Session, row: OutboxMessage) -> Policy | None:
        """The case's partnership, else the one our own header on the message names."""
        if row.case_id is not None:
            case = session.get(Case, row.case_id)
            if case is not None and case.partnership in self.policies:
                return self.policies[case.partnership]
        headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(row.raw)
        return self.policies.get(str(headers.get(ORIGIN_HEADER, "")).strip())


def record_bounce(
    session: Session, listener: DeliveryAlerts, inbound: InboundMessage, bounce: Bounce, now: datetime
) -> OutboxMessage | None:
    """Tie a bounce to the outbox row it is about; mark each failed recipient of that row as bouncing.

    Our Message-IDs are signed and random, so only someone who saw the message
    can name it; and only recipients the row was really sent to count: a bounce
    naming anyone else, or no message of ours, changes nothing.
    """
    row = _bounced_row(session, bounce)
    if row is None:
        return None
    ours = {a.lower(): a for a in row.recipients}
    failures = [f for f in bounce.failures if f.address.lower() in ours]
    for failure in failures:
        BounceRepository(session).mark(failure.address.lower(), now, failure.status, failure.diagnostic, row.id, inbound.id)
    undelivered = [Undelivered(ours[f.address.lower()], BOUNCED, None, f.diagnostic or "bounced", f.status) for f in failures]
    tell(listener, session, row, undelivered, now)
    return row


def _bounced_row(session: Session, bounce: Bounce) -> OutboxMessage | None:
    outbox = OutboxRepository(session)
    for message_id in bounce.original_message_ids:
        row = outbox.by_message_id(message_id)
        if row is not None:
            return row
    return None


def _person(directory: Directory, failure: Undelivered) -> dict[str, Any]:
    """Who the address is in the directory: role and agency (a person's address is no case data)."""
    contacts = [c for c in directory.contacts if c.email == failure.address.lower()]
    roles = (
        " and ".join(dict.fromkeys(ROLE_LABELS.get(c.role, c.role) for c in contacts)) or "recipient (no longer in the directory)"
    )
    agency = contacts[0].agency if contacts else None
    return {
        "address": failure.address,
        "role": contacts[0].role if contacts else None,
        "role_label": roles,
        "agency": agency,
        "how": failure.how,
        "why": _why(failure),
    }


def _why(failure: Undelivered) -> str:
    said = " ".join(v for v in (str(failure.code) if failure.code else "", failure.status or "", failure.text) if v)[:300]
    if failure.how == BOUNCED:
        return f"it bounced after leaving us ({said})"
    if failure.how == REFUSED:
        return f"refused ({said})"
    return f"still refused or unreachable after every retry ({said})"


def _timeline_text(row: OutboxMessage, people: list[dict[str, Any]]) -> str:
    who = "; ".join(f"the {p['role_label']}" + (f" at {p['agency']}" if p["agency"] else "") + f" ({p['why']})" for p in people)
    return f"{label(row.kind)} did not reach {who}"


def requeue(session: Session, row: OutboxMessage, now: datetime) -> list[str] | None:
    """``outbox retry``: send again to whoever it did not reach; None when it reached everyone."""
    missed = [entry["address"] for entry in row.undelivered or []]
    if row.status == OutboxStatus.DEAD:
        recipients, pending = list(row.recipients), None
    elif missed:
        recipients = list(dict.fromkeys(list(row.pending_recipients or []) + missed))
        pending = recipients
    else:
        return None
    before = row.undelivered
    # Due at once (as when it was made), whichever clock the sender keeps.
    row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, min(now, row.created_at)
    row.pending_recipients, row.undelivered, row.undelivered_at = pending, None, None
    if row.case_id is not None:
        case = session.get(Case, row.case_id)
        if case is not None:
            CaseRepository(session).add_event(
                CaseEvent(
                    case_id=case.id,
                    at=now,
                    kind="outbound",
                    rule="outbound-requeued",
                    outbox_id=row.id,
                    reason=f"{label(row.kind)} put back in the queue by an operator for {len(recipients)} recipient(s)",
                    data={"recipients": recipients, "not_reached_before": before or []},
                )
            )
    log.info("outbox %s: requeued by an operator for %s recipient(s)", row.id, len(recipients))
    return recipients


def bouncing_notes(session: Session, addresses: set[str]) -> list[str]:
    """One line for each of these addresses whose mail bounced (for `directory export`, on stderr)."""
    return [
        f"bouncing: {b.address} ({b.bounces} bounce(s), last on {b.last_at.date().isoformat()}{', ' + b.status if b.status else ''})"
        for b in BounceRepository(session).all()
        if b.address in addresses
    ]
