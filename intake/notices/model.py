"""The canonical notice: what a reader made of one emailed escalation notice.

The JSON shape is a stable contract (DESIGN.md, "The canonical notice").
Unknown values are ``None`` (or empty), never guessed; whatever a reader could
not read or was unsure of is a ``Problem``.

One key is added to DESIGN.md's shape, and printed only when something in it is
known: ``panel``, B&NES Appendix A's "Unresolved Dispute and Referral to BCSSP
Chair" (``{"referral_date", "convene", "outcome", "date"}``). A consumer that does
not know it loses nothing it had before.
"""

from __future__ import annotations

import copy

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

CATEGORY_SLUGS = (
    "thresholds",
    "roles_responsibilities",
    "action_communication",
    "information_sharing",
    "response_to_concern",
    "referral_not_accepted",
    "assessment_outcome",
    "step_up_down",
    "case_conference",
    "plan_progression",
    "resources",
    "statutory_roles",
    "non_attendance",
    "unilateral_decision",
    "service_timeliness",
)


@dataclass
class Problem:
    field: str
    message: str


@dataclass
class Subject:
    kind: str | None = None  # "child" or "adult"
    name: str | None = None
    dob: date | None = None


@dataclass
class Person:
    name: str | None = None
    role: str | None = None
    agency: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass
class Challenged:
    agency: str | None = None
    name: str | None = None
    role: str | None = None


@dataclass
class Attempt:
    date: date | None = None
    outcome: str | None = None


@dataclass
class Signed:
    name: str | None = None
    role: str | None = None
    date: date | None = None


@dataclass
class Panel:
    """B&NES Appendix A: the referral to the BCSSP Chair and the Resolution Panel (stage 5)."""

    referral_date: date | None = None  # "Date of Referral"
    convene: bool | None = None  # "Chair's Decision to Convene a Resolution Panel: Yes or No"
    outcome: str | None = None  # "Outcome and Date of BCSSP Resolution Panel": the outcome…
    date: date | None = None  # …and the date the panel met

    @property
    def is_empty(self) -> bool:
        return all(value is None for value in asdict(self).values())


@dataclass
class Notice:
    partnership: str | None = None
    form: str | None = None
    subject: Subject = field(default_factory=Subject)
    raised_by: Person = field(default_factory=Person)
    challenged: Challenged = field(default_factory=Challenged)
    categories: list[str] = field(default_factory=list)
    concern: str | None = None
    immediate_risk: bool | None = None
    stage: int | None = None
    attempts: list[Attempt] = field(default_factory=list)
    outcome_sought: str | None = None
    copies_to: list[str] = field(default_factory=list)
    signed: Signed = field(default_factory=Signed)
    panel: Panel = field(default_factory=Panel)
    case_reference: str | None = None
    problems: list[Problem] = field(default_factory=list)
    # Where each field's value was read ("subject.dob": ["attachment 2 pdf page 1 field 'DOB'"]).
    # Not part of the JSON contract, nor of equality: two readings of one notice are equal.
    sources: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)
    # Which label and which rule gave each field ("subject.name": ["'Child:' (synonyms:
    # subject-name) in email body line 3"]). Not part of the JSON contract, nor of equality.
    readings: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def has_content(self) -> bool:
        """True when the reader found at least one field a person filled in."""
        return bool(
            self.subject.name
            or self.subject.dob
            or self.concern
            or self.raised_by.name
            or self.challenged.agency
            or self.stage is not None
            or self.immediate_risk is not None
        )

    def updated_with(self, later: Notice) -> Notice:
        """This notice with every value ``later`` gives put in (a sender answering what was missing).

        The problems are the later reading's: what is still missing is worked out afresh.
        """
        merged = copy.deepcopy(self)
        for name in ("partnership", "form", "concern", "immediate_risk", "stage", "outcome_sought", "case_reference"):
            if getattr(later, name) is not None:
                setattr(merged, name, getattr(later, name))
        for name in ("categories", "attempts", "copies_to"):
            if getattr(later, name):
                setattr(merged, name, list(getattr(later, name)))
        for name in ("subject", "raised_by", "challenged", "signed", "panel"):
            part, newer = getattr(merged, name), getattr(later, name)
            for attribute in vars(newer):
                if getattr(newer, attribute) is not None:
                    setattr(part, attribute, getattr(newer, attribute))
        merged.problems = list(later.problems)
        merged.sources = {**self.sources, **later.sources}
        merged.readings = {**self.readings, **later.readings}
        return merged

    def to_json(self) -> dict[str, Any]:
        """The canonical JSON form, dates as ISO strings; ``panel`` only when it says something."""
        values = asdict(self)
        del values["sources"]
        del values["readings"]
        if self.panel.is_empty:
            del values["panel"]
        return _jsonable(values)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Notice:
        return cls(
            partnership=data.get("partnership"),
            form=data.get("form"),
            subject=Subject(**_dates(data.get("subject") or {}, "dob")),
            raised_by=Person(**(data.get("raised_by") or {})),
            challenged=Challenged(**(data.get("challenged") or {})),
            categories=list(data.get("categories") or []),
            concern=data.get("concern"),
            immediate_risk=data.get("immediate_risk"),
            stage=data.get("stage"),
            attempts=[Attempt(**_dates(a, "date")) for a in data.get("attempts") or []],
            outcome_sought=data.get("outcome_sought"),
            copies_to=list(data.get("copies_to") or []),
            signed=Signed(**_dates(data.get("signed") or {}, "date")),
            panel=Panel(**_dates(data.get("panel") or {}, "referral_date", "date")),
            case_reference=data.get("case_reference"),
            problems=[Problem(**p) for p in data.get("problems") or []],
        )


def _dates(values: dict[str, Any], *keys: str) -> dict[str, Any]:
    out = dict(values)
    for key in keys:
        if out.get(key):
            out[key] = date.fromisoformat(out[key])
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
