"""A contact leaving the directory: the open cases they hold, and on which side, so someone can take them over.

Read only. Whoever hands the cases over does it with the case actions a person
uses on a case (``CaseActions.reassign_raiser`` and ``reassign_challenged``),
so each case's timeline says who moved it and to whom.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from escalations.routing.directory import DirectoryRow, folded
from escalations.service.case_actions import CaseActions
from escalations.storage.models import Case, CaseState
from escalations.storage.repositories import CaseRepository

RAISING = "raising"
CHALLENGED = "challenged"
AT_STAGE = "stage"  # answers for the case's stage by their role; the stage's other people carry on without them
KEPT = "kept"  # a side they hold, and keep: they stay in the directory at that agency in another role


@dataclass(frozen=True)
class Holding:
    case: Case
    side: str  # RAISING | CHALLENGED | AT_STAGE | KEPT
    why: str

    @property
    def handed_over(self) -> bool:
        """Whether someone must take the case over (a side's person), rather than the stage's others carrying on."""
        return self.side in (RAISING, CHALLENGED)

    @property
    def then(self) -> str:
        """What becomes of the case when the contact goes."""
        if self.handed_over:
            return f"the {self.side} side is reassigned to the person chosen"
        if self.side == KEPT:
            return "it stays with them: they stay in the directory there in another role"
        return "the stage's other people carry on"


def holdings(actions: CaseActions, contact: DirectoryRow, staying: bool = False) -> list[Holding]:
    """The open cases (routed, or waiting for information) of the contact's partnership that this contact holds;
    ``staying``: the person keeps another role at the same agency, so the sides they hold stay theirs."""
    repo = CaseRepository(actions.session)
    cases = repo.open_cases(contact.partnership) + repo.awaiting_information(contact.partnership)
    found = [h for h in (_holding(actions, case, contact) for case in sorted(cases, key=lambda c: c.id)) if h is not None]
    return [replace(h, side=KEPT) if staying and h.handed_over else h for h in found]


def _holding(actions: CaseActions, case: Case, contact: DirectoryRow) -> Holding | None:
    email = contact.email.lower()
    if (case.raised_by_email or "").lower() == email:
        return Holding(case, RAISING, "raised the case")
    view = actions.view(case)
    challenged = view.parties.challenged
    named = view.parties.challenged_name or ""
    if contact.agency and challenged is not None and challenged.name == contact.agency and folded(named) == folded(contact.name):
        return Holding(case, CHALLENGED, "is the challenged side's person")
    if case.state == CaseState.OPEN and email in actions.stage_people(view):
        return Holding(case, AT_STAGE, f"answers for stage {case.stage} as {contact.role.replace('_', ' ')}")
    return None
