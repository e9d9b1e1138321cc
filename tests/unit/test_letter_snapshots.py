"""Letter snapshots (issue 11): every catalogue kind, text and HTML, with a fixed clock and fixed data.

Each letter is built as the service builds it (catalogue letter, real compose
helpers, real templates, real engine over a fictional directory) and compared with
tests/snapshots/letters/<kind>.txt and .html, which a person has read as the
recipient would. After a deliberate wording change, regenerate them with

    ESCALATIONS_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/unit/test_letter_snapshots.py

and read the diff before committing it.
"""

from __future__ import annotations

import email
import email.policy
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from escalations.intake.notices.reader import Attachment

from escalations.outbound.compose import (
    Letter,
    build,
    case_context,
    case_summary,
    chaser_context,
    deadline_lines,
    partnership_context,
    people,
    stage_context,
)
from escalations.outbound.letters import CATALOGUE, case_letters, letter
from escalations.routing.deadlines import OpenDeadline, due_actions
from escalations.routing.escalation import Parties, convene_panel, decide
from escalations.routing.policy import Policy
from tests.support.letters import unreadable
from tests.unit.test_compose import (
    CHALLENGED,
    INBOUND_ID,
    NOTICE_FILE,
    POLICIES,
    PRACTITIONER,
    RAISING,
    SENDER,
    directory,
    notice,
)

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots" / "letters"
UPDATE = os.environ.get("ESCALATIONS_UPDATE_SNAPSHOTS") == "1"
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # Tuesday 10:00 in London
SAL, BAR, BNES = POLICIES["salford"], POLICIES["barnet"], POLICIES["bnes"]
BUSINESS_MANAGER = "aisha.ashdown@salford.example"

Example = tuple[Letter, dict[str, Any], Policy, str | None]


def ref(policy: Policy) -> str:
    return f"{policy.prefix}-2026-0007"


def _opening(name: str, missing: tuple = ()) -> Example:
    """The acknowledgement, routed case and directory gap of a new Salford notice."""
    where = directory(SAL, missing)
    the_notice = notice(SAL)
    decision = decide(SAL, the_notice, where, PRACTITIONER, NOW)
    context = case_context(ref(SAL), SAL, decision, the_notice, NOW)
    [made] = [x for x in case_letters(ref(SAL), decision, PRACTITIONER, INBOUND_ID, (NOTICE_FILE,)) if x.kind == name]
    return made, context, SAL, ref(SAL)


def _stage(policy: Policy, number: int = 1, **extra: Any) -> dict[str, Any]:
    return stage_context(ref(policy), policy, policy.stage(number), **extra)


def _to(name: str, policy: Policy, number: int | None = 1, **values: str) -> Letter:
    return letter(name, ["someone@partnership.example"], reference=ref(policy), stage=number, **values)


def _decision(policy: Policy, number: int):  # type: ignore[no-untyped-def]
    return decide(policy, notice(policy, number), directory(policy), PRACTITIONER, NOW)


def _case_update() -> Example:
    decision = _decision(SAL, 2)
    context = _stage(
        SAL,
        2,
        event=f"escalated to stage 2 ({SAL.stage(2).name_at(1)}). kamal.underhill@childrens.riverside.example replied "
        '"Unresolved" (we do not agree the threshold is met).',
        routed_to=people(decision.to),
        deadlines=deadline_lines(SAL, decision.deadlines),
    )
    return _to("case_update", SAL, 2), context, SAL, ref(SAL)


def _chair_decision() -> Example:
    context = _stage(
        BNES,
        5,
        event="the Chair decided not to convene a Resolution Panel. Mediation is agreed instead.",
        routed_to=[],
        deadlines=[],
    )
    return _to("chair_decision", BNES, 5), context, BNES, ref(BNES)


def _reply_update() -> Example:
    who = {"name": "Kamal Underhill", "role_label": "practitioner", "agency": CHALLENGED.name}
    context = _stage(
        SAL,
        who=who,
        word="In progress",
        words="In progress: a home visit is booked for Thursday; I will write after it.\nKamal",
        paused_until="Wednesday 11 March 2026, 09:00",
    )
    return _to("reply_update", SAL), context, SAL, ref(SAL)


def _closed(state: str) -> Example:
    decision = _decision(SAL, 1)
    outcome = "A strategy discussion is booked for Thursday." if state == "resolved" else "The family has moved away."
    context = _stage(SAL, state=state, outcome=outcome, copies=people(decision.cc), copy_reasons=[])
    return _to(state, SAL), context, SAL, ref(SAL)


def _information(name: str, with_case: bool) -> Example:
    context = {
        "reference": ref(SAL) if with_case else None,
        "partnership": partnership_context(SAL),
        "problems": ["The notice does not give: their date of birth."],
        "question": None,
        "understood": None,
        "subject_word": "child",
        "reminder": name == "information_chaser",
    }
    made = letter(name, [PRACTITIONER], reference=ref(SAL) if with_case else None, partnership=SAL.short_name)
    return made, context, SAL, ref(SAL) if with_case else None


def _chasing(kind: str, to_business_manager: bool = False) -> Example:
    deadline = OpenDeadline(1, 7, "stage_response", 1, datetime(2026, 3, 10, 17, 0, tzinfo=UTC), NOW)
    at = deadline.due - timedelta(hours=2) if kind == "reminder" else datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
    [action] = [a for a in due_actions(SAL, deadline, frozenset(), at) if a.kind == kind]
    decision = _decision(SAL, 1)
    waiting = [{"name": "Dev Vellacott", "role_label": "practitioner", "agency": RAISING.name, "why": "raised the concern"}]
    context = chaser_context(ref(SAL), SAL, SAL.stage(1), action, to_business_manager, decision.to, waiting)
    return _to(kind, SAL), context, SAL, ref(SAL)


def _overrun() -> Example:
    breach = BAR.overall_breach
    assert breach is not None
    deadline = OpenDeadline(1, 7, "overall_resolution", 4, datetime(2026, 5, 5, 16, 0, tzinfo=UTC), NOW)
    [action] = due_actions(BAR, deadline, frozenset(), datetime(2026, 5, 6, 9, 0, tzinfo=UTC))
    context = _stage(BAR, 4, what=action.reason, request=breach.request, reply_words=[])
    return _to("overrun", BAR, 4), context, BAR, ref(BAR)


def _panel() -> Example:
    where = directory(BNES)
    call = convene_panel(BNES, BNES.stage(5), Parties(RAISING, CHALLENGED, PRACTITIONER), where, "")
    context = _stage(
        BNES,
        5,
        chair=people(call.chair),
        members=people(call.members),
        agencies=list(call.agencies),
        **case_summary(BNES, notice(BNES, 5), [RAISING.name, CHALLENGED.name], PRACTITIONER),
    )
    return _to("panel_convened", BNES, 5), context, BNES, ref(BNES)


def _way_forward() -> Example:
    chosen = {"name": "Rhian Thornbury", "agency": "Barnet Police", "email": "rhian.thornbury@police.barnet.example"}
    way = f"a meeting chaired by {chosen['name']} ({chosen['agency']})"
    context = _stage(BAR, 4, given="2", chosen=chosen, way=way)
    return _to("way_forward", BAR, 4), context, BAR, ref(BAR)


def _choose_again() -> Example:
    options = ["Salford Police", "Salford Education"]
    context = _stage(BNES, 5, given="the police", word="Panel", what="the third agency of the panel", options=options)
    return _to("choose_again", BNES, 5), context, BNES, ref(BNES)


def _delivery_failure(with_case: bool) -> Example:
    missed = {
        "address": "kamal.underhill@childrens.riverside.example",
        "role_label": "practitioner",
        "agency": CHALLENGED.name,
        "why": "refused (550 5.1.1 no such user)",
    }
    extra = {"what": "escalation email", "outbox_id": 42, "people": [missed], "reached": True}
    if with_case:
        return _to("delivery_failure", SAL), _stage(SAL, **extra), SAL, ref(SAL)
    context = {"reference": None, "partnership": partnership_context(SAL), "stage": None, **extra}
    return letter("delivery_failure", [BUSINESS_MANAGER], partnership=SAL.short_name), context, SAL, None


def _review_summary() -> Example:
    context = {
        "reference": None,
        "partnership": partnership_context(SAL),
        "items": [
            {
                "id": 12,
                "received": "9 March 2026, 16:40",
                "reason": "the sender's address is not in the SSCB directory, so nothing is sent to it",
                "candidates": [],
            }
        ],
        "quarantined": [{"id": 14, "received": "9 March 2026, 17:05", "kind": "an attachment could not be read"}],
        "information": [{"reference": "SAL-2026-0005", "waiting": "waiting for information since 6 March 2026 (2 working days)"}],
    }
    made = letter(
        "review_summary", [BUSINESS_MANAGER], partnership=SAL.short_name, counts="1 waiting for review, 1 in quarantine"
    )
    return made, context, SAL, None


def _mailbox_alert() -> Example:
    context = {
        "reference": None,
        "partnership": partnership_context(SAL),
        "partnerships": [SAL.name],
        "mailbox": {
            "name": "salford",
            "address": "escalations@salford.example",
            "host": "imap.salford.example",
            "folder": "INBOX",
            "username": "escalations",
        },
        "error": "AUTHENTICATIONFAILED Invalid credentials",
        "when": "Tuesday 10 March 2026, 10:00",
    }
    return letter("mailbox_alert", [BUSINESS_MANAGER], mailbox="salford"), context, SAL, None


def _board_report() -> Example:
    context = {
        "reference": None,
        "partnership": partnership_context(SAL),
        "start": "1 February 2026",
        "end": "28 February 2026",
        "sentences": [
            "Four escalations were raised, one more than in the same period a year before.",
            "Three were resolved, all at stage one.",
        ],
        "sent_at": "2 March 2026",
    }
    pdf = Attachment("SAL-report-2026-02-01-2026-02-28.pdf", "application/pdf", b"%PDF-1.7 example")
    made = letter(
        "board_report",
        [BUSINESS_MANAGER],
        attachments=((pdf.filename, pdf),),
        partnership=SAL.short_name,
        period="1 Feb 2026 to 28 Feb 2026",
    )
    return made, context, SAL, None


def _console_sign_in() -> Example:
    context = {
        "link": "https://escalations.salford.example/sign-in/confirm?token=EXAMPLE",
        "minutes": 15,
        "partnership": partnership_context(SAL),
    }
    return letter("console_sign_in", [BUSINESS_MANAGER]), context, SAL, None


def _not_escalated() -> Example:
    signposts = [{"text": s.text} for s in BNES.signposts if s.stops_escalation]
    context = _stage(BNES, 1, signposts=signposts, subject_word="child")
    return letter("not_escalated", [PRACTITIONER], reference=ref(BNES), in_reply_to=INBOUND_ID), context, BNES, ref(BNES)


def _needs_attention() -> Example:
    what = "No response after chasing: the stage 1 response was due Tuesday 10 March 2026, 17:00; 3 chasers brought no response."
    return _to("needs_attention", SAL), _stage(SAL, event=what), SAL, ref(SAL)


EXAMPLES: dict[str, Callable[[], Example]] = {
    "acknowledgement": lambda: _opening("acknowledgement"),
    "routed_case": lambda: _opening("routed_case"),
    "directory_gap": lambda: _opening("directory_gap", ((CHALLENGED, "service_manager"),)),
    "not_escalated": _not_escalated,
    "case_update": _case_update,
    "chair_decision": _chair_decision,
    "reply_update": _reply_update,
    "resolved": lambda: _closed("resolved"),
    "withdrawn": lambda: _closed("withdrawn"),
    "information_needed": lambda: _information("information_needed", False),
    "information_chaser": lambda: _information("information_chaser", True),
    "needs_attention": _needs_attention,
    "reminder": lambda: _chasing("reminder"),
    "chaser": lambda: _chasing("chaser"),
    "overrun": _overrun,
    "panel_convened": _panel,
    "way_forward": _way_forward,
    "choose_again": _choose_again,
    "delivery_failure": lambda: _delivery_failure(True),
    "delivery_failure_without_case": lambda: _delivery_failure(False),
    "review_summary": _review_summary,
    "mailbox_alert": _mailbox_alert,
    "board_report": _board_report,
    "console_sign_in": _console_sign_in,
}


def rendered(name: str) -> tuple[str, str]:
    """The letter as its recipient reads it: subject and marking, then the text; and the HTML part."""
    made, context, policy, reference = EXAMPLES[name]()
    out = build(made, context, policy, SENDER, NOW, reference)
    message = email.message_from_bytes(out.raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    names = [part.get_filename() for part in message.iter_attachments()]
    head = [f"Subject: {message['Subject']}", f"Auto-Submitted: {message['Auto-Submitted']}"]
    head += [f"Attached: {', '.join(names)}"] if names else []
    return "\n".join(head) + "\n\n" + text.get_content(), html.get_content()


def test_every_catalogue_kind_has_a_snapshot_example() -> None:
    assert set(CATALOGUE) <= set(EXAMPLES), "add an example (and its snapshot) for each new letter kind"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_letter_matches_its_reviewed_snapshot(name: str) -> None:
    text, html = rendered(name)
    assert unreadable(text) == [] and unreadable(html) == []
    for suffix, words in (("txt", text), ("html", html)):
        path = SNAPSHOTS / f"{name}.{suffix}"
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(words, encoding="utf-8")
        assert path.is_file(), f"no snapshot {path.name}: run with ESCALATIONS_UPDATE_SNAPSHOTS=1 and read it"
        assert words == path.read_text(encoding="utf-8"), f"{path.name} changed: read the new letter, then regenerate"
