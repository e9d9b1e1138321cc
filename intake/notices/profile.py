"""A partnership's form profile as the readers use it: its own label wordings, its required fields.

``config/partnerships/<id>.toml`` ``[form]`` lists the wordings that
partnership's form uses for each canonical field (``labels``, which win over the
shared vocabulary's) and the fields a notice must give (``required``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from escalations.intake.notices.fields import EVERY_FIELD, NOTICE_FIELDS, Vocabulary
from escalations.intake.notices.model import Notice, Problem

PANEL = "panel."

# How a missing field is named to the sender ("The notice does not give …").
DESCRIPTIONS = {
    "subject.name": "the name of the child or adult",
    "subject.dob": "their date of birth",
    "subject.kind": "whether this is about a child or an adult",
    "concern": "the information of concern (what the disagreement is about)",
    "challenged.agency": "the agency whose decision is challenged",
    "raised_by.name": "your name",
    "raised_by.agency": "your agency",
    "immediate_risk": "whether there is an immediate risk of harm",
    "stage": "the stage of the escalation",
    "signed.name": "who signed the notice",
    "signed.date": "the date the notice was signed",
}


class FormProfile(Protocol):
    """What ``routing.policy.FormProfile`` carries (intake does not import routing)."""

    @property
    def id(self) -> str: ...
    @property
    def required(self) -> Sequence[str]: ...
    @property
    def labels(self) -> Mapping[str, Sequence[str]]: ...


@dataclass(frozen=True)
class Wordings:
    """A form profile with labels only: what the pipeline knows before it has chosen a policy."""

    id: str | None = None
    required: tuple[str, ...] = ()
    labels: Mapping[str, Sequence[str]] = field(default_factory=dict)


def wordings_of(forms: Sequence[FormProfile]) -> Wordings | None:
    """The label wordings of the forms a message may be (one mailbox can serve two policies).

    A wording that two of the forms give to different fields is left out: it names neither.
    """
    if not forms:
        return None
    owners: dict[str, set[str]] = {}
    for form in forms:
        for path, words in form.labels.items():
            for word in words:
                owners.setdefault(word, set()).add(path)
    labels: dict[str, list[str]] = {}
    for word, paths in owners.items():
        if len(paths) == 1:
            labels.setdefault(next(iter(paths)), []).append(word)
    return Wordings(forms[0].id if len(forms) == 1 else None, (), labels)


def reading_vocabulary(labels: Mapping[str, Sequence[str]] | None) -> Vocabulary:
    """The labels a reader looks for: every field's, so an answer ends where any label begins."""
    return _extended(EVERY_FIELD, frozen_labels(labels)) if labels else EVERY_FIELD


def field_vocabulary(labels: Mapping[str, Sequence[str]] | None) -> Vocabulary:
    """The labels that fill the notice's fields.

    B&NES's panel fields only where the profile names them: elsewhere "Date of
    referral" is the date of a referral to children's services, not to the Chair.
    """
    if not labels:
        return NOTICE_FIELDS
    base = EVERY_FIELD if any(path.startswith(PANEL) for path in labels) else NOTICE_FIELDS
    return _extended(base, frozen_labels(labels))


def frozen_labels(labels: Mapping[str, Sequence[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A profile's labels as a key, in their own order (the order decides ties between wordings)."""
    return tuple((path, tuple(words)) for path, words in labels.items())


# Built once per form profile, not per notice: building one normalises some 5,000 wordings,
# and a vocabulary keeps its classified labels, which the next notice of that form asks about again.
@functools.lru_cache(maxsize=64)
def _extended(base: Vocabulary, labels: tuple[tuple[str, tuple[str, ...]], ...]) -> Vocabulary:
    return base.extended(dict(labels))


def missing_required(notice: Notice, required: Sequence[str]) -> list[Problem]:
    """A problem for each required field the notice leaves empty and says nothing else about."""
    values = notice.to_json()
    reported = {problem.field for problem in notice.problems}
    return [
        Problem(path, f"The notice does not give {describe(path)}.")
        for path in required
        if not _value_at(values, path) and path not in reported
    ]


def describe(path: str) -> str:
    return DESCRIPTIONS.get(path, path.replace("_", " ").replace(".", " "))


def _value_at(values: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(values, list):
            values = [item.get(part) for item in values if isinstance(item, dict) and item.get(part)]
        elif isinstance(values, dict):
            values = values.get(part)
        else:
            return None
    return values
