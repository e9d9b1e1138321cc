"""Plain views of stored rows for the command line (JSON contract of DESIGN.md, and text)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import make_url

from escalations.intake import mime
from escalations.intake.notices.model import Notice
from escalations.routing.replies import own_words
from escalations.routing.deadlines import INFORMATION
from escalations.routing.policy import Policy
from escalations.storage.models import Case, CaseState, InboundMessage, OutboxMessage


def waiting(case: Case, policy: Policy | None, now: datetime) -> dict[str, Any] | None:
    """How long a held notice has waited for its sender's information: since when, in working days passed."""
    if case.state != CaseState.AWAITING_INFORMATION:
        return None
    held = [d.set_at or case.opened_at for d in case.deadlines if d.kind == INFORMATION]
    since = min(held, default=case.opened_at)
    days = policy.calendar.working_days_between(since, now) if policy is not None else None
    return {"since": since.isoformat(), "working_days": days}


def waiting_text(wait: dict[str, Any], policy: Policy | None) -> str:
    since = datetime.fromisoformat(wait["since"])
    day = (policy.calendar.local(since) if policy is not None else since).strftime("%-d %B %Y")
    days = wait["working_days"]
    return f"waiting for information since {day}" + (
        f" ({days} working day{'' if days == 1 else 's'})" if days is not None else ""
    )


def case_summary(case: Case, policy: Policy | None = None, now: datetime | None = None) -> dict[str, Any]:
    """A case as the JSON contract gives it; with its policy and the time, how long it has waited for information."""
    wait = waiting(case, policy, now) if now is not None else None
    return {
        "reference": case.reference,
        "partnership": case.partnership,
        "state": case.state,
        "stage": case.stage,
        "level": case.level,
        "immediate_risk": case.immediate_risk,
        "subject_kind": case.subject_kind,
        "opened_at": case.opened_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "deadlines": [
            {"kind": d.kind, "stage": d.stage, "due": d.due.isoformat(), "met": d.met, "rule": d.rule} for d in case.deadlines
        ],
        "waiting": wait,
        "waiting_text": waiting_text(wait, policy) if wait else None,
    }


def case_detail(
    case: Case,
    messages: dict[int, dict[str, Any]] | None = None,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The case and its timeline; ``messages`` adds each inbound email's own words (quotes and signature stripped)."""
    detail = case_summary(case, policy, now)
    detail["outcome"] = case.outcome
    shown: set[int] = set()
    events = []
    for e in case.events:
        event = {
            "at": e.at.isoformat(),
            "kind": e.kind,
            "rule": e.rule,
            "reason": e.reason,
            "inbound_id": e.inbound_id,
            "outbox_id": e.outbox_id,
            "data": e.data,
        }
        if e.kind == "inbound" and e.inbound_id in (messages or {}) and e.inbound_id not in shown:
            event["message"] = (messages or {})[e.inbound_id]
            shown.add(e.inbound_id)
        events.append(event)
    detail["events"] = events
    return detail


def inbound_for_display(message: InboundMessage) -> dict[str, Any]:
    """Who wrote and what they said in their own words; the raw message stays stored as it came."""
    try:
        mail = mime.parse(message.raw)
    except mime.MalformedMessage:
        return {"from": message.envelope_from, "date": None, "text": "(the message could not be read)"}
    return {
        "from": mail.from_address,
        "date": mail.date.isoformat() if mail.date else None,
        "attachments": len(mail.attachments),
        "text": own_words(mime.body_text(mail)),
    }


def case_text(detail: dict[str, Any]) -> str:
    lines = [
        f"{detail['reference']}  {detail['partnership']}  {detail['state']}  stage {detail['stage']}"
        + ("  IMMEDIATE RISK" if detail["immediate_risk"] else ""),
        "",
    ]
    if detail.get("waiting_text"):
        lines += [detail["waiting_text"][0].upper() + detail["waiting_text"][1:], ""]
    lines += ["Deadlines:"]
    lines += [
        f"  {d['kind']:20} stage {d['stage']}  due {d['due']}  {'met' if d['met'] else 'open'}" for d in detail["deadlines"]
    ] or ["  none"]
    lines += ["", "Timeline:"]
    for e in detail["events"]:
        lines.append(f"  {e['at']}  {e['kind']:9} {e['rule']}: {e['reason']}")
        message = e.get("message")
        if message:
            lines.append(
                f"{'':4}From {message['from']}"
                + (f", {message['attachments']} attachment(s)" if message.get("attachments") else "")
            )
            lines += [f"{'':6}| {line}" for line in (message["text"] or "(no text)").splitlines()]
    return "\n".join(lines)


def inbound_summary(message: InboundMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "received_at": message.received_at.isoformat(),
        "source": message.source,
        "status": message.status,
        "tries": message.tries,
        "size": message.size,
        "case": message.case.reference if message.case else None,
        "reason": message.last_error if message.status == "quarantined" else message.outcome,
        "from": message.envelope_from,
        "candidates": (message.review or {}).get("candidates", []),
        "partnership": (message.review or {}).get("partnership"),
    }


def outbox_summary(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "kind": message.kind,
        "case": message.case.reference if message.case else None,
        "status": message.status,
        "message_id": message.message_id,
        "recipients": list(message.recipients),
        "attempts": message.attempts,
        "created_at": message.created_at.isoformat(),
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "last_error": message.last_error,
        "pending_recipients": list(message.pending_recipients or []),
        "undelivered": list(message.undelivered or []),
    }


def case_line(c: dict[str, Any]) -> str:
    risk = "  IMMEDIATE RISK" if c["immediate_risk"] else ""
    wait = f"  {c['waiting_text']}" if c.get("waiting_text") else ""
    return f"{c['reference']:16} {c['partnership']:14} {c['state']:22} stage {c['stage']}{risk}{wait}"


def outbox_line(r: dict[str, Any]) -> str:
    line = f"{r['id']:6} {r['status']:8} {r['kind']:20} {r['case'] or '-':16} attempts {r['attempts']}  {r['last_error'] or ''}"
    missed = [
        f"{'':6} not reached: {u['address']} ({u['how']}: {' '.join(str(v) for v in (u.get('code'), u.get('status'), u.get('text')) if v)})"
        for u in r.get("undelivered") or []
    ]
    return "\n".join([line, *missed])


def inbound_line(r: dict[str, Any]) -> str:
    line = f"{r['id']:6} {r['received_at']} {r['source']:6} tries {r['tries']}  {r['reason']}"
    return line + (f"\n{'':6} candidates: {', '.join(r['candidates'])}" if r["candidates"] else "")


def notice_text(notice: Notice) -> str:
    values = notice.to_json()
    lines = []
    for key, value in values.items():
        if key == "problems":
            continue
        lines.append(f"{key}: {value}")
    lines += [f"problem: {p['field']}: {p['message']}" for p in values["problems"]]
    return "\n".join(lines)


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
