"""What a form design is: a way of printing a ``Case``, and the fields it prints.

A design's ``render`` returns a ``Rendered``: the document or email body, and
``printed``, the canonical fields the notice states. Every other field must
read as null (or []): the reader may not invent it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from tests.corpus.cases import CATEGORY_TEXT, Case

# The canonical fields the corpus scores (DESIGN.md, "The canonical notice").
SCORED = (
    "subject.kind",
    "subject.name",
    "subject.dob",
    "raised_by.name",
    "raised_by.role",
    "raised_by.agency",
    "raised_by.email",
    "raised_by.phone",
    "challenged.agency",
    "challenged.name",
    "challenged.role",
    "categories",
    "concern",
    "immediate_risk",
    "stage",
    "signed.name",
    "signed.role",
    "signed.date",
)
SUBJECT = frozenset({"subject.name", "subject.dob"})
RAISER = frozenset({"raised_by.name", "raised_by.role", "raised_by.agency", "raised_by.email", "raised_by.phone"})
CHALLENGED = frozenset({"challenged.agency", "challenged.name", "challenged.role"})
SIGNED = frozenset({"signed.name", "signed.role", "signed.date"})

# How a notice is carried: an attachment made by a tool, or the email's own body.
KINDS = ("docx", "pdf", "odt", "doc", "rtf", "email-text", "email-html")
TOOLS = {
    "docx": "python-docx",
    "pdf": "reportlab",
    "odt": "libreoffice",
    "doc": "libreoffice",
    "rtf": "libreoffice",
    "email-text": "email",
    "email-html": "email",
}


@dataclass(frozen=True)
class Rendered:
    kind: str  # one of KINDS
    payload: bytes | str  # file bytes; HTML for LibreOffice kinds; the body for email kinds
    printed: frozenset[str]


@dataclass(frozen=True)
class Design:
    name: str
    description: str
    kind: str
    partnerships: tuple[str, ...]
    render: Callable[[Case, random.Random], Rendered]
    count: int = 5
    # The design's own people and wordings (names with particles, roles as abbreviations, agencies as
    # people write them): the case as ``make_case`` made it, changed before it is printed and scored.
    cast: Callable[[Case, random.Random], Case] | None = None
    # "libreoffice": ``render`` gives a .docx that LibreOffice prints as ``kind`` (a PDF), as "Save as PDF" does.
    printer: str = ""

    @property
    def tool(self) -> str:
        return f"{TOOLS['docx']}, printed by {self.printer}" if self.printer else TOOLS[self.kind]


# --- how forms print things ---------------------------------------------------------------------------

ORDINALS = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}


def date_text(day: date, style: str) -> str:
    """A date as people write them on forms."""
    if style == "slash":
        return day.strftime("%d/%m/%Y")
    if style == "dots":
        return day.strftime("%d.%m.%Y")
    if style == "ordinal":
        return f"{day.day}{ORDINALS.get(day.day, 'th')} {day.strftime('%B %Y')}"
    if style == "short":
        return f"{day.day} {day.strftime('%b %Y')}"
    return f"{day.day} {day.strftime('%B %Y')}"


def yes_no(value: bool, yes: str = "Yes", no: str = "No") -> str:
    return yes if value else no


def tick_row(options: list[tuple[str, bool]], gap: str = "   ") -> str:
    """``☐ 1 Practitioner   ☒ 2 Manager``: one line of boxes."""
    return gap.join(f"{'☒' if ticked else '☐'} {text}" for text, ticked in options)


def category_boxes(case: Case) -> list[tuple[str, bool]]:
    return [(text, slug in case.categories) for slug, text in CATEGORY_TEXT.items()]


def category_list(case: Case, joiner: str = "; ") -> str:
    return joiner.join(CATEGORY_TEXT[slug] for slug in case.categories)


def subject_word(case: Case) -> str:
    return "adult" if case.subject_kind == "adult" else "child"


_STAGE_NAMES: dict[str, list[str]] = {}


def stage_names(partnership: str) -> list[str]:
    """The partnership's stages by number (1 first), from its policy."""
    if not _STAGE_NAMES:
        from escalations.routing.policy import load_policies
        from escalations.service.settings import load_settings

        for pid, policy in load_policies(load_settings(None).partnerships_dir).items():
            _STAGE_NAMES[pid] = [stage.name for stage in policy.stages]
    return _STAGE_NAMES[partnership]
