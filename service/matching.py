"""What matching compares a notice with: the few cases that share a blocking key, never every open case.

``routing.matching.match_notice`` decides; this module looks up its candidates
(and gives a new case the columns it is found by later). The worker decides
once before its write transaction (a ``Premise``, read without the write lock);
inside the transaction the candidates are read again and the decision is kept
only if the facts and the candidates are unchanged, else made again there.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dataclasses import dataclass

from escalations.routing.matching import Candidates, NoticeFacts, NoticeMatch, OpenCase, blocking_keys, match_notice, name_words
from escalations.storage.repositories import CaseRepository


def matching_columns(name: str | None, dob: date | None) -> dict[str, Any]:
    """A new case's blocking-key columns, from its first notice's subject."""
    keys = blocking_keys(name, dob)
    return {"subject_dob": keys.dob, "subject_first": keys.first, "subject_last": keys.last}


def notice_candidates(
    cases: CaseRepository, partnership: str, facts: NoticeFacts, sender: str | None, document_sha256: str | None
) -> Candidates:
    """The sender's held cases, the cases the same notice document opened, and the open cases sharing a key."""
    held = []
    if sender and facts.name and facts.dob:
        awaiting = cases.awaiting_from(partnership, sender)
        subjects = cases.first_subjects([c.id for c in awaiting]) if awaiting else {}
        held = [_open_case(c.reference, subjects.get(c.id, {})) for c in awaiting]
    documented = cases.cases_with_document(partnership, document_sha256) if document_sha256 else []
    same_document = [_open_case(case.reference, subject) for case, subject in documented]
    shared = (
        cases.open_subjects_sharing(partnership, facts.dob, name_words(facts.name)) if facts.has_content and facts.name else []
    )
    return Candidates(
        tuple(held), tuple(same_document), tuple(_open_case(r, subject, agencies) for r, subject, agencies in shared)
    )


def _open_case(reference: str, subject: dict[str, Any], agencies: frozenset[str] = frozenset()) -> OpenCase:
    dob = subject.get("dob")
    return OpenCase(reference, subject.get("name"), date.fromisoformat(dob) if dob else None, agencies)


@dataclass(frozen=True)
class Premise:
    """Layer 3 decided before the write transaction: for which partnership, on which facts and candidates."""

    partnership: str
    facts: NoticeFacts
    candidates: Candidates
    decision: NoticeMatch


def decide_match(
    cases: CaseRepository, partnership: str, facts: NoticeFacts, sender: str | None, sha: str | None, premise: Premise | None
) -> NoticeMatch:
    """In the write transaction: the candidates read again (index look-ups); the decision made before the
    transaction stands when nothing it rested on has changed (no fuzzy comparison while the lock is held)."""
    candidates = notice_candidates(cases, partnership, facts, sender, sha)
    if premise is not None and (premise.partnership, premise.facts, premise.candidates) == (partnership, facts, candidates):
        return premise.decision
    return match_notice(facts, candidates)
