"""Plain views of stored rows for the command line (JSON contract of DESIGN.md, and text)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url

from escalations.intake.notices.model import Notice
from escalations.storage.models import Case, InboundMessage, OutboxMessage


def case_summary(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "partnership": case.partnership,
        "state": case.state,
        "stage": case.stage,
        "immediate_risk": case.immediate_risk,
        "subject_kind": case.subject_kind,
        "opened_at": case.opened_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "deadlines": [
            {"kind": d.kind, "stage": d.stage, "due": d.due.isoformat(), "met": d.met, "rule": d.rule}
            for d in case.deadlines
        ],
    }


def case_detail(case: Case) -> dict[str, Any]:
    detail = case_summary(case)
    detail["events"] = [
        {
            "at": e.at.isoformat(),
            "kind": e.kind,
            "rule": e.rule,
            "reason": e.reason,
            "inbound_id": e.inbound_id,
            "outbox_id": e.outbox_id,
            "data": e.data,
        }
        for e in case.events
    ]
    return detail


def case_text(detail: dict[str, Any]) -> str:
    lines = [
        f"{detail['reference']}  {detail['partnership']}  {detail['state']}  stage {detail['stage']}"
        + ("  IMMEDIATE RISK" if detail["immediate_risk"] else ""),
        "",
        "Deadlines:",
    ]
    lines += [f"  {d['kind']:20} stage {d['stage']}  due {d['due']}  {'met' if d['met'] else 'open'}" for d in detail["deadlines"]] or ["  none"]
    lines += ["", "Timeline:"]
    lines += [f"  {e['at']}  {e['kind']:9} {e['rule']}: {e['reason']}" for e in detail["events"]]
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
    }


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
