"""Each partnership's own blank notice form: its policy's wording, with every answer box named by field.

The wording (headings, questions, guidance, the themes to tick) is data, in
``templates/forms/<partnership>.toml``, taken from the policy text's own form
where it has one (Salford Appendix 2, B&NES Appendix A) and from its questions
where it has none; a box the published form lacks is marked as added. The
stages and the partnership's name come from its policy. ``blank_form`` writes the
form as a Word document (``notice_form_docx``) or a fillable PDF
(``notice_form_pdf``) whose answer boxes are named with the canonical field paths
(DESIGN.md, "The canonical notice"), which the readers take as exact.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from escalations.intake.notices.fields import FIELD_PATHS
from escalations.intake.notices.model import CATEGORY_SLUGS
from escalations.intake.notices.reader import DOCX_TYPE, Attachment
from escalations.routing.policy import Policy

log = logging.getLogger(__name__)
FORMS = Path(__file__).resolve().parent.parent / "templates" / "forms"
FORMATS = ("docx", "pdf")

DATES = frozenset({"subject.dob", "signed.date", "panel.referral_date", "panel.date"})
FREE_TEXT = frozenset({"concern", "attempts", "outcome_sought", "copies_to", "panel.outcome"})
YES_NO = (("yes", "Yes"), ("no", "No"))
KINDS = {"child": "Child or young person", "adult": "Adult"}
ADDED_NOTE = (
    "Boxes marked * are not on the published form: the escalation service needs them to send your notice to the right people."
)


class FormError(Exception):
    """A form's wording file is missing or wrong (a packaging or configuration error)."""


@dataclass(frozen=True)
class Option:
    value: str  # what the box's name ends with: "thresholds", "2", "yes"
    text: str  # what is printed beside it


@dataclass(frozen=True)
class FormField:
    path: str  # the canonical field path, the answer box's tag or name
    label: str
    kind: str  # "line", "date", "text" (several lines) or "ticks" (one box per option)
    guidance: str = ""
    added: bool = False  # not on the partnership's published form
    options: tuple[Option, ...] = ()

    @property
    def shown_label(self) -> str:
        return f"{self.label} *" if self.added else self.label

    def option_name(self, option: Option) -> str:
        return f"{self.path}.{option.value}"


@dataclass(frozen=True)
class Section:
    heading: str
    guidance: str
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class NoticeForm:
    partnership: str  # id
    partnership_name: str
    form_id: str
    title: str
    published: str  # the policy's own name for its form, or "" where it names none
    intro: str
    closing: tuple[str, ...]
    sections: tuple[Section, ...]

    @property
    def fields(self) -> tuple[FormField, ...]:
        return tuple(f for section in self.sections for f in section.fields)

    @property
    def has_added(self) -> bool:
        return any(f.added for f in self.fields)


def notice_form(policy: Policy, forms: Path = FORMS) -> NoticeForm:
    """The partnership's form: its wording file, with options from its policy."""
    wording = _load(forms / f"{policy.id}.toml")
    categories = _categories(wording.get("categories", []))
    sections = tuple(
        Section(
            section["heading"],
            section.get("guidance", ""),
            tuple(_field(entry, policy, categories) for entry in section["fields"]),
        )
        for section in wording["sections"]
    )
    return NoticeForm(
        policy.id,
        policy.name,
        policy.form.id,
        wording["title"],
        wording.get("published", ""),
        wording.get("intro", ""),
        tuple(wording.get("closing", [])),
        sections,
    )


def blank_form(policy: Policy, form_format: str) -> bytes:
    """The blank form as file bytes, ``docx`` or ``pdf`` (for ``forms make``, and to attach to letters)."""
    return _written(notice_form(policy), form_format)


@lru_cache(maxsize=16)
def _written(form: NoticeForm, form_format: str) -> bytes:
    """Made once per wording and format: letters are composed inside the worker's transaction, and
    making a form takes about a tenth of a second."""
    if form_format == "docx":
        from escalations.outbound.notice_form_docx import write_docx

        return write_docx(form)
    if form_format == "pdf":
        from escalations.outbound.notice_form_pdf import write_pdf

        return write_pdf(form)
    raise ValueError(f"unknown form format {form_format!r} (docx or pdf)")


def form_filename(policy: Policy, form_format: str) -> str:
    """A file name for the blank form: the form's id, never anything about a person."""
    return f"{policy.form.id}.{form_format}"


def blank_form_attachment(policy: Policy) -> Attachment | None:
    """The blank Word form as a letter to a practitioner carries it (the acknowledgement, "more information needed").

    None where the partnership has no form wording (a partnership added by configuration
    alone): the letter still goes, without the form, rather than hold up the case.
    """
    try:
        form = notice_form(policy)
    except FormError as exc:
        log.warning("partnership %s: no blank form to attach: %s", policy.id, exc)
        return None
    return Attachment(form_filename(policy, "docx"), DOCX_TYPE, _written(form, "docx"))


def _field(entry: dict[str, Any], policy: Policy, categories: tuple[Option, ...]) -> FormField:
    unknown = set(entry) - {"path", "label", "guidance", "added"}
    path = entry.get("path", "")
    if unknown or path not in FIELD_PATHS or not entry.get("label"):
        raise FormError(f"{policy.id}: field {entry!r}: needs a field path and a label, and nothing else")
    options = _options(path, policy, categories)
    kind = "ticks" if options else "date" if path in DATES else "text" if path in FREE_TEXT else "line"
    return FormField(path, entry["label"], kind, entry.get("guidance", ""), bool(entry.get("added")), options)


def _options(path: str, policy: Policy, categories: tuple[Option, ...]) -> tuple[Option, ...]:
    if path == "categories":
        return categories
    if path == "stage":
        return tuple(Option(str(stage.number), f"{stage.number} – {stage.name}") for stage in policy.stages)
    if path in ("immediate_risk", "panel.convene"):
        return tuple(Option(value, text) for value, text in YES_NO)
    if path == "subject.kind":
        return tuple(Option(kind, KINDS[kind]) for kind in policy.protects)
    return ()


def _categories(entries: list[list[str]]) -> tuple[Option, ...]:
    options = tuple(Option(slug, text) for slug, text in entries)
    wrong = [option.value for option in options if option.value not in CATEGORY_SLUGS]
    if wrong:
        raise FormError(f"not category slugs: {', '.join(wrong)}")
    return options


_KEYS = {"title", "published", "intro", "closing", "categories", "sections"}


def _load(path: Path) -> dict[str, Any]:
    try:
        wording = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FormError(f"{path.name}: {exc}") from exc
    unknown = set(wording) - _KEYS
    if unknown or "title" not in wording or not wording.get("sections"):
        raise FormError(f"{path.name}: needs a title and sections; unknown keys: {sorted(unknown)}")
    for section in wording["sections"]:
        if set(section) - {"heading", "guidance", "fields"}:
            raise FormError(f"{path.name}: unknown keys in section {section.get('heading')!r}")
    return wording
