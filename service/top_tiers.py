"""The top tiers' own decisions, in the caller's transaction: Barnet stage 4's way forward, B&NES
stage 5's Chair's decision and Resolution Panel.

Each records what was decided as a decision on the timeline (never as the outcome), only from the
people whose decision it is, reads a choice against the numbered list that was sent, and writes the
letters it causes to the outbox through ``CaseActions``. Nothing here commits or sends.
"""

from __future__ import annotations

from collections.abc import Sequence

from escalations.intake import mime
from escalations.intake.notices.formats import is_notice_file
from escalations.intake.notices.reader import Attachment
from escalations.outbound.compose import attachment_name, case_summary, people, stage_context
from escalations.outbound.letters import letter as catalogue_letter
from escalations.routing import escalation as engine
from escalations.routing.agencies import answer as agency_answer
from escalations.routing.agencies import option_number
from escalations.routing.policy import Tier
from escalations.service.case_actions import (
    DOCUMENTS_FORWARDED,
    PANEL_OPTIONS,
    WAY_FORWARD_OPTIONS,
    CaseActions,
    CaseView,
    addresses_of,
)
from escalations.storage.models import Case, Deadline, InboundMessage


def _from_decider(actions: CaseActions, view: CaseView, roles: Sequence[str], what: str, actor: str | None) -> bool:
    """Whether ``actor`` holds one of the partnership ``roles`` that make this decision; if not, say so on
    the timeline (and it is not the stage's response: the people who decide are still chased)."""
    deciders, _ = engine.tier_contacts(Tier(partnership=tuple(roles)), view.parties, view.directory)
    if actor in {r.email for r in deciders}:
        return True
    who = " or ".join(r.replace("_", " ") for r in roles)
    actions.event(view.case, "decision", f"{what}-not-theirs", f"{actor} is not the {who}: recorded, not applied")
    return False


def convene_panel(actions: CaseActions, view: CaseView, actor: str | None, text: str = "") -> None:
    """B&NES 5: the Chair convenes a Resolution Panel of the agencies in dispute and a third they name."""
    case, policy = view.case, view.policy
    stage = policy.stage(case.stage)
    assert stage.panel is not None
    if not _from_decider(actions, view, (stage.panel.decided_by, "business_manager"), "panel-decision", actor):
        return
    options = (actions.cases.latest_event_data(case.id, PANEL_OPTIONS) or {}).get("agencies") or []
    # Read as the answer to the numbered agency question is (routing/agencies.py): a number, a name or an alias.
    named, how = agency_answer(text, options, view.directory) if text else (None, "no agency named")
    if named is None:
        actions.event(
            case, "decision", "panel-agency-unclear", f'{actor} named no third agency from the list sent: "{text[:80]}"'
        )
        return _ask_again(actions, view, actor, text, "Panel", "the third agency of the Resolution Panel", options)
    call = engine.convene_panel(policy, stage, view.parties, view.directory, named)
    actions.event(
        case,
        "decision",
        "chair-decision:panel",
        f"{actor} recorded the Chair's decision to convene a Resolution Panel, naming {named} as its third agency ({how})",
        data={"convene": True, "third_agency": named, "by": actor},
    )
    for reason in call.reasons:
        actions.event(case, "decision", reason.rule, reason.text, data={"members": addresses_of(call.chair + call.members)})
    for gap in call.gaps:
        actions.event(case, "decision", "directory-gap", gap.reason)
    actions.meet(
        case,
        lambda d: d.stage == case.stage and d.kind == "stage_response",
        f"the Chair convened a panel ({actor or 'unknown'})",
    )
    if stage.respond_within is not None:
        due = policy.calendar.due(actions.now, stage.respond_within)
        actions.cases.add_deadline(
            Deadline(
                case=case,
                kind="panel_decision",
                stage=stage.number,
                due=due,
                set_at=actions.now,
                met=False,
                rule="panel-timescale",
                reason=f"the panel's decision {stage.respond_within.describe()}",
            )
        )
        actions.event(case, "deadline", "panel-timescale", f"panel_decision due {due.isoformat()}")
    # Panel members get the case summary and the documents: the notice, the report and Appendix A.
    notice, files = actions.original_notice(case)
    documents = forwarded_documents(actions, case) + files
    context = stage_context(
        case.reference,
        policy,
        stage,
        chair=people(call.chair),
        members=people(call.members),
        agencies=list(call.agencies),
        **case_summary(policy, notice, call.agencies, case.raised_by_email, view.directory.contact(case.raised_by_email)),
    )
    to = addresses_of(call.chair + call.members)
    if to:
        named_files = tuple((attachment_name(case.reference, i, a), a) for i, a in enumerate(documents, start=1))
        letter = catalogue_letter("panel_convened", to, reference=case.reference, stage=stage.number, attachments=named_files)
        actions.queue(case, policy, letter, context)


def decline_panel(actions: CaseActions, view: CaseView, actor: str | None, text: str) -> None:
    """B&NES 5: the Chair decides not to convene a panel: a decision on the timeline, not the outcome;
    the case stays open until its people say it is resolved or withdrawn."""
    case, policy = view.case, view.policy
    stage = policy.stage(case.stage)
    assert stage.panel is not None
    if not _from_decider(actions, view, (stage.panel.decided_by, "business_manager"), "panel-decision", actor):
        return
    actions.event(
        case,
        "decision",
        "chair-decision:no-panel",
        f"{actor} recorded the Chair's decision not to convene a Resolution Panel" + (f": {text}" if text else ""),
        data={"convene": False, "by": actor, "reason": text},
    )
    actions.meet(case, lambda d: d.stage == case.stage and d.kind == "stage_response", f"the Chair decided ({actor})")
    told = engine.stage_contacts(policy, stage, view.parties, view.directory)
    to = list(dict.fromkeys([*(r.email for r in told), *([case.raised_by_email] if case.raised_by_email else [])]))
    context = stage_context(
        case.reference,
        policy,
        stage,
        event=f"the Chair decided not to convene a Resolution Panel. {text}".strip(),
        routed_to=[],
        deadlines=[],
    )
    actions.queue(
        case,
        policy,
        catalogue_letter("chair_decision", to, reference=case.reference, stage=stage.number),
        context,
    )


def forwarded_documents(actions: CaseActions, case: Case) -> tuple[Attachment, ...]:
    """The documents that travelled to this stage (B&NES: the Service Manager's report and Appendix A)."""
    data = actions.cases.latest_event_data(case.id, DOCUMENTS_FORWARDED) or {}
    inbound = actions.session.get(InboundMessage, data["inbound_id"]) if data.get("inbound_id") else None
    if inbound is None:
        return ()
    try:
        mail = mime.parse(inbound.raw)
    except mime.MalformedMessage:
        return ()
    return tuple(a for a in mail.attachments if is_notice_file(a))


def _ask_again(
    actions: CaseActions, view: CaseView, actor: str | None, given: str, word: str, what: str, options: Sequence[str]
) -> None:
    """A choice from a numbered list that named nothing on it: the list again, to whoever replied."""
    if not actor:
        return
    stage = view.policy.stage(view.case.stage)
    context = stage_context(
        view.case.reference, view.policy, stage, given=given[:200], word=word, what=what, options=list(options)
    )
    letter = catalogue_letter("choose_again", [actor], reference=view.case.reference, stage=stage.number)
    actions.queue(view.case, view.policy, letter, context)


def agree_way_forward(actions: CaseActions, view: CaseView, kind: str, text: str, actor: str | None) -> None:
    """Barnet 4: the Board Manager or Head of Safeguarding records the way forward they agreed:
    mediation, or a meeting chaired by the safeguarding lead they name from the list sent."""
    case, policy = view.case, view.policy
    stage = policy.stage(case.stage)
    way = stage.way_forward
    assert way is not None
    if not _from_decider(actions, view, way.agreed_by, "way-forward", actor):
        return
    chairs = (actions.cases.latest_event_data(case.id, WAY_FORWARD_OPTIONS) or {}).get("chairs") or []
    index = pick(text, [[c["name"], c.get("agency") or ""] for c in chairs]) if kind == "chair" else None
    chair = chairs[index] if index is not None else None
    if kind == "chair" and chair is None:
        actions.event(case, "decision", "way-forward-unclear", f'{actor} named no chair from the list sent: "{text[:80]}"')
        listed = [f"{c['name']}, {c.get('agency') or ''}" for c in chairs]
        return _ask_again(actions, view, actor, text, "Chair", "the safeguarding lead who will chair the meeting", listed)
    way_text = f"a meeting chaired by {chair['name']} ({chair['agency']})" if chair else "mediation"
    actions.event(
        case,
        "decision",
        f"way-forward:{kind}",
        f"{actor} recorded the way forward agreed: {way_text}"
        + (f". {text}" if text and not chair else "")
        + f". {stage.clause}",
        data={"way": kind, "chair": chair, "by": actor, "details": text},
    )
    actions.meet(case, lambda d: d.stage == case.stage and d.kind == "stage_response", f"way forward agreed ({actor})")
    told = engine.stage_contacts(policy, stage, view.parties, view.directory, level=case.level or 1)
    to = list(
        dict.fromkeys(
            [
                *(r.email for r in told),
                *([chair["email"]] if chair else []),
                *([case.raised_by_email] if case.raised_by_email else []),
            ]
        )
    )
    context = stage_context(case.reference, policy, stage, given=text, chosen=chair, way=way_text)
    actions.queue(
        case,
        policy,
        catalogue_letter("way_forward", to, reference=case.reference, stage=stage.number),
        context,
    )


def pick(text: str, options: Sequence[Sequence[str]]) -> int | None:
    """Which option of a numbered list a reply names: by its number, or by one of its names (one match only)."""
    number = option_number(text)
    if number is not None:
        return number - 1 if 1 <= number <= len(options) else None
    words = text.strip().lower()
    named = [i for i, names in enumerate(options) if any(n and n.lower() in words for n in names)]
    return named[0] if len(named) == 1 else None
