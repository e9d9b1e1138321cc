"""A person's decisions on held messages: settle one waiting in review, or put a quarantined one back.

Shared by the command line (`review decide`, `quarantine retry`) and the web
console. Each changes the stored message in the caller's transaction; the
worker then takes it as decided (``pipeline`` reads ``review.decision``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from escalations.routing.policy import Policy
from escalations.storage.models import InboundMessage, InboundStatus
from escalations.storage.repositories import CaseRepository

DECISIONS = ("case", "new", "reject")


class NotHeld(Exception):
    """The message is not where the decision needs it (already decided, retried, or unknown)."""


def decide_review(
    session: Session,
    message_id: int,
    kind: str,
    reference: str | None,
    note: str,
    now: datetime,
    by: str | None = None,
    *,
    partnership: str | None = None,
    policies: Mapping[str, Policy] | None = None,
) -> InboundMessage:
    """Attach the message to a case, let it open a new one (under ``partnership``'s policy when given),
    or reject it (recorded, nothing sent)."""
    message = session.get(InboundMessage, message_id)
    if message is None or message.status != InboundStatus.REVIEW:
        raise NotHeld(f"inbound {message_id} is not waiting in review")
    if kind not in DECISIONS:
        raise ValueError(f"a review decision is one of {', '.join(DECISIONS)}")
    decision: dict[str, object] = {"kind": kind}
    if kind == "case":
        if not reference or CaseRepository(session).by_reference(reference) is None:
            raise NotHeld(f"no case {reference}")
        decision["reference"] = reference.upper()
    problem = partnership_problem(kind, partnership, message, policies or {})
    if problem:
        raise NotHeld(f"review decide: {problem}")
    if partnership:
        decision["partnership"] = partnership
    decision.update({"note": note, "at": now.isoformat()})
    if by:
        decision["by"] = by
    message.review = {**(message.review or {}), "decision": decision}
    if kind == "reject":
        message.status = InboundStatus.REJECTED
    else:
        message.status, message.tries = InboundStatus.RECEIVED, 0
    return message


def partnership_problem(
    kind: str, partnership: str | None, message: InboundMessage, policies: Mapping[str, Policy]
) -> str | None:
    """Why ``partnership`` cannot be taken as given, or None. A new case from a shared mailbox whose
    notice does not say child or adult needs one: without it the message would only come back to review."""
    if partnership and kind != "new":
        return "--partnership goes with --new"
    if partnership and partnership not in policies:
        return f"no partnership {partnership!r} (known: {', '.join(sorted(policies))})"
    if kind == "new" and not partnership and (message.review or {}).get("rule") == "shared-mailbox-unknown-subject":
        return "the mailbox serves more than one policy and the notice does not say which: add --partnership ID"
    return None


def retry_quarantined(session: Session, message_id: int) -> InboundMessage:
    """Back to the worker's queue with its tries reset."""
    message = session.get(InboundMessage, message_id)
    if message is None or message.status != InboundStatus.QUARANTINED:
        raise NotHeld(f"inbound {message_id} is not in quarantine")
    message.status = InboundStatus.RECEIVED
    message.tries = 0
    message.claim_token = None
    message.claimed_until = None
    message.claimed_by = None
    return message
