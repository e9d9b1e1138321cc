"""Replies passed on: what one party writes on a case reaches its other parties, without the quoted history.

The policies keep a written record shared with everyone involved (issue 11: the
other side's replies never reached the raiser). A reply from an authenticated
party that comments on a case, or says ``In progress``, goes to the raiser and
the people at the case's stage, never back to its sender. ``In progress``
also holds the stage's reminders and chasers until the next working day; it
never closes the case, moves its stage or meets a deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from escalations.outbound.compose import ROLE_LABELS, stage_context
from escalations.outbound.letters import letter
from escalations.routing.policy import Policy
from escalations.service.case_actions import CaseActions, CaseView
from escalations.storage.models import Case
from escalations.storage.repositories import CaseRepository

IN_PROGRESS = "in-progress"  # its data: who said so, until when chasers wait, and what they said
# The deadlines an "In progress" holds: the stage's own answer. Never an immediate-risk deadline
# (nothing waits when a child or adult is at immediate risk), a copy the policy requires, or a held notice.
PAUSED_DEADLINES = ("stage_response", "panel_decision")
MAX_WORDS = 10_000  # characters of a reply passed on; the whole reply stays on the case


def paused_until(policy: Policy, now: datetime) -> datetime:
    """The start of the next working day: "In progress" holds chasers until then."""
    calendar = policy.calendar
    return calendar.start_of_day(calendar.next_working_day(calendar.local(now).date()))


def chasers_paused(cases: CaseRepository, case: Case, now: datetime) -> bool:
    """Whether a recent "In progress" still holds the case's reminders and chasers."""
    data = cases.latest_event_data(case.id, IN_PROGRESS) or {}
    return bool(data.get("until")) and now < datetime.fromisoformat(data["until"])


def held(deadline_kind: str, paused: bool) -> bool:
    """Whether a reminder or chaser for a deadline of this kind waits (an "In progress" is current)."""
    return paused and deadline_kind in PAUSED_DEADLINES


def in_progress(actions: CaseActions, view: CaseView, actor: str | None, text: str, words: str) -> None:
    """Recorded on the timeline, told to the others, chasers held to the next working day; nothing moves."""
    case = view.case
    until = paused_until(view.policy, actions.now)
    shown = view.policy.calendar.local(until).strftime("%A %-d %B %Y, %H:%M")
    actions.event(
        case,
        "inbound",
        IN_PROGRESS,
        f"{actor} says the work is in progress; reminders and chasers wait until {shown}. "
        f"The case stays at stage {case.stage} with its deadlines." + (f" {text}" if text else ""),
        data={"by": actor, "until": until.isoformat(), "text": text[:2000]},
    )
    case.updated_at = actions.now
    pass_on(actions, view, actor, words, word="In progress", paused_until=shown)


def parties(actions: CaseActions, view: CaseView) -> list[str]:
    """The case's parties now: its raiser and the people at its current stage."""
    return [a for a in dict.fromkeys([view.case.raised_by_email, *sorted(actions.stage_people(view))]) if a]


@dataclass(frozen=True)
class Before:
    """A case's parties and place before a reply tries to move it."""

    parties: tuple[str, ...]
    place: tuple[int, int]  # stage and level


def before(actions: CaseActions, view: CaseView) -> Before:
    return Before(tuple(parties(actions, view)), (view.case.stage, view.case.level or 1))


def left_behind(actions: CaseActions, view: CaseView, actor: str | None, was: Before, words: str, word: str) -> None:
    """After an "Unresolved": the earlier parties not told otherwise get the reply. When the case moved, the
    raiser and the sender have the case update and the new stage's people the case; at the policy's last
    stage nothing moves (the business manager is asked to step in), so every other party gets it."""
    case = view.case
    moved = (case.stage, case.level or 1) != was.place
    told = {case.raised_by_email, *actions.stage_people(view)} if moved else set()
    others = [a for a in was.parties if a != actor and a not in told]
    if others:
        pass_on(actions, view, actor, words, word=word, to=others)


def pass_on(
    actions: CaseActions,
    view: CaseView,
    actor: str | None,
    words: str,
    word: str | None = None,
    paused_until: str | None = None,
    to: list[str] | None = None,
) -> None:
    """The reply's own words (no quoted history) to the case's other parties (or ``to``), as an update letter."""
    case, policy = view.case, view.policy
    others = to if to is not None else [a for a in parties(actions, view) if a != actor]
    if not others:
        return
    stage = policy.stage(case.stage)
    cut = words if len(words) <= MAX_WORDS else words[:MAX_WORDS] + "\n(the rest of the reply is kept with the case)"
    context = stage_context(
        case.reference,
        policy,
        stage,
        level=case.level or 1,
        who=_who(view, actor),
        word=word,
        words=cut,
        paused_until=paused_until,
    )
    actions.queue(case, policy, letter("reply_update", others, reference=case.reference, stage=stage.number), context)


def _who(view: CaseView, address: str | None) -> dict[str, str]:
    """The sender as the directory knows them (name, role, agency), else their address."""
    contact = view.directory.contact(address)
    if contact is None:
        return {"name": address or "Someone", "role_label": "", "agency": ""}
    return {"name": contact.name, "role_label": ROLE_LABELS.get(contact.role, contact.role), "agency": contact.agency or ""}
