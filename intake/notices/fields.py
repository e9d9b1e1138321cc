"""The field vocabulary: the label wordings forms use, and how a labelled line is recognised.

Each canonical field path (DESIGN.md, "The canonical notice") lists the labels the
five partnerships' forms and practitioners' own documents use for it. Readers of
every format turn a document into ``LabelledValue``s with ``labelled_values`` and
leave the meaning of the value to ``reader``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from escalations.intake.notices.normalise import (
    clean_email,
    clean_phone,
    parse_case_reference,
    parse_stage,
    parse_uk_date,
    parse_yes_no,
)

VOCABULARY: dict[str, tuple[str, ...]] = {
    "subject.name": (
        "Name of Child/Young Person", "Child's full name", "Name of child", "Child's name",
        "Name of young person", "Name of adult", "Adult's name", "Subject name",
    ),
    "subject.dob": ("D.O.B", "DOB", "Date of birth"),
    "subject.kind": ("Child or adult", "Adult or child", "Is this about a child or an adult?"),
    "raised_by.name": ("Your name", "Name of practitioner", "Practitioner's name", "Raised by"),
    "raised_by.role": ("Your role", "Your job title", "Job title"),
    "raised_by.agency": ("Your agency", "Your organisation", "Agency raising the concern"),
    "raised_by.email": ("Your email", "Your email address", "Email", "Email address", "E-mail"),
    "raised_by.phone": (
        "Telephone", "Telephone number", "Your telephone number", "Phone", "Contact number", "Tel",
    ),
    "challenged.agency": (
        "Agency whose decision is challenged", "Agency you disagree with",
        "Agency being challenged",
    ),
    "challenged.name": ("Practitioner you disagree with", "Name of practitioner challenged"),
    "challenged.role": ("Their role", "Role of practitioner challenged"),
    "categories": (
        "Nature of disagreement", "Nature of the disagreement", "Area of disagreement",
        "Type of disagreement",
    ),
    "concern": (
        "Please document any information of concern", "Details of the disagreement",
        "Details of disagreement", "Information of concern",
    ),
    "immediate_risk": (
        "Is the child at immediate risk of significant harm?", "Immediate risk",
        "Is the adult at imminent risk of harm?", "Is the adult at immediate risk of harm?",
    ),
    "stage": ("Current stage", "Stage being escalated to", "Stage", "Step"),
    "outcome_sought": ("Outcome you are seeking", "Outcome sought"),
    "copies_to": ("Who has a copy of this notice been sent to?", "Copies sent to", "Copied to"),
    "signed.name": ("Signed", "Signed by", "Signature"),
    "signed.role": ("Role",),
    "signed.date": ("Dated", "Date", "Date signed"),
    # B&NES Appendix A: "Attempts to resolve issue", then "Dates:" and "Outcome:".
    "attempts": ("Attempts to resolve issue", "Action already taken"),
    "attempts.date": ("Dates", "Date of attempt"),
    "attempts.outcome": ("Outcome",),
    "case_reference": ("Case reference", "Reference", "Our reference"),
}

# Fields whose answer may run over several paragraphs below a label standing alone.
FREE_TEXT = frozenset({"concern", "outcome_sought", "attempts", "copies_to"})

# Without a colon, "Label value" is read only where the value is plainly that
# field's kind of value, or (for free text) the label is more than one ordinary
# word: a paragraph that opens "Outcome of the meeting…" or "Immediate risk was
# discussed…" is not a label.
_BARE_CHECKS: dict[str, Callable[[str], object]] = {
    "stage": parse_stage,
    "immediate_risk": parse_yes_no,
    "signed.date": parse_uk_date,
    # Any digit will do: "D.O.B 31/02/2019" is then reported as a problem, not dropped.
    "subject.dob": lambda value: re.search(r"\d", value),
    "attempts.date": lambda value: re.search(r"\d", value),
    "raised_by.email": clean_email,
    "raised_by.phone": clean_phone,
    "case_reference": parse_case_reference,
}
_FUZZY_MIN = 0.9
_LONGEST_LABEL = 150
_LEADER_CHARS = ".…_"  # the dotted lines of a blank form


@dataclass(frozen=True)
class LabelledValue:
    label: str
    value: str
    source: str  # e.g. "docx table 1 row 3", "docx paragraph 12", "email body line 4"


@dataclass(frozen=True)
class Line:
    """One line of a document's running text, before labels are found in it."""

    text: str
    source: str
    ends_answer: bool = False  # a heading or signature: it cannot continue an answer


def normalise_label(text: str) -> str:
    """Lower case, no punctuation, numbering or bracketed asides: "1. D.O.B:" -> "dob"."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"^\s*\(?\d{1,2}[.)]\s*", "", text)
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.sub(r"['’.]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_EXACT = {normalise_label(label): path for path, labels in VOCABULARY.items() for label in labels}
_BY_WORD_COUNT = {
    words: [(known, path) for known, path in _EXACT.items() if known.count(" ") == words]
    for words in {known.count(" ") for known in _EXACT}
}


def match_label(text: str) -> str | None:
    """The canonical field path ``text`` labels, allowing for small spelling slips.

    A slip keeps the label's words: "Date of brith" is a label, but "Is the child
    at immediate risk of significant harm no" (a label and its answer) is not.
    """
    if len(text) > _LONGEST_LABEL:
        return None
    wanted = normalise_label(text)
    if not wanted or wanted in _EXACT:
        return _EXACT.get(wanted)
    best, best_path = _FUZZY_MIN, None
    for known, path in _BY_WORD_COUNT.get(wanted.count(" "), []):
        if 2 * min(len(known), len(wanted)) / (len(known) + len(wanted)) < best:
            continue  # lengths too far apart to reach ``best``
        matcher = SequenceMatcher(None, wanted, known)
        if matcher.quick_ratio() >= best and (ratio := matcher.ratio()) >= best:
            best, best_path = ratio, path
    return best_path


def _prefix_pattern(label: str) -> re.Pattern[str]:
    """A line opening with ``label`` as written ("D.O.B", "Child's name") and a space or dash."""
    tokens = [r"['’.]?".join(re.escape(ch) for ch in token) for token in label.split()]
    return re.compile(
        r"\s*(?:\d{1,2}[.)]\s*)?(" + r"[^a-z0-9]+".join(tokens) + r")\.?(?![a-z0-9])"
        r"(?:\s*[-–—]\s*|\s+)(.*)",
        re.IGNORECASE | re.DOTALL,
    )


_PREFIXES = [
    (path, known, _prefix_pattern(known))
    for known, path in sorted(_EXACT.items(), key=lambda item: -len(item[0]))
]


def split_labelled(text: str) -> tuple[str, str, str] | None:
    """``(field, label, value)`` from "Label: value", "Label? value", "Label value" or "Label".

    The value is empty for a label standing alone.
    """
    stripped = text.strip()
    if not stripped:
        return None
    if path := match_label(stripped):
        return path, _tidy_label(stripped), ""
    for separator in re.finditer(r"[:?]", stripped[: _LONGEST_LABEL + 1]):
        label = stripped[: separator.end()]
        if path := match_label(label):
            return path, _tidy_label(label), _tidy_value(stripped[separator.end() :])
    for path, known, pattern in _PREFIXES:
        match = pattern.fullmatch(stripped)
        if match and (value := _tidy_value(match.group(2))) and _bare_ok(path, known, value):
            return path, match.group(1), value
    return None


def _bare_ok(path: str, known: str, value: str) -> bool:
    if check := _BARE_CHECKS.get(path):
        return check(value) is not None
    return " " in known


def _tidy_label(label: str) -> str:
    return _strip_leaders(label.strip(" \t:"), end=True).rstrip(" \t:")


def _tidy_value(value: str) -> str:
    """The value without the form's dotted lines or the colon left before it."""
    value = _strip_leaders(value.lstrip().removeprefix(":"), end=False)
    return _strip_leaders(value, end=True)


def _strip_leaders(text: str, *, end: bool) -> str:
    """Strip dotted lines (two or more dots; one is a full stop) and spaces from one end."""
    while True:
        text = text.rstrip() if end else text.lstrip()
        bare = text.rstrip(_LEADER_CHARS) if end else text.lstrip(_LEADER_CHARS)
        if len(text) - len(bare) < 2:
            return text
        text = bare


# Where a blank form puts two labels on one line: "Name:<tab>D.O.B", "Signed:.....Role.....".
_SEGMENT_BREAK = re.compile(r"(\t+|[.…_]{4,})")


def _segments(text: str) -> list[str]:
    """Split a line at tabs and dotted lines, but only where a label follows."""
    pieces = _SEGMENT_BREAK.split(text)
    segments = [pieces[0]]
    for gap, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        if piece.strip() and split_labelled(piece):
            segments.append(piece)
        else:
            segments[-1] += gap + piece
    return segments


@dataclass
class _Open:
    """A label standing alone, waiting for its answer on the following lines."""

    path: str
    label: str
    source: str
    parts: list[str] = field(default_factory=list)

    def ends_at(self, line: Line, labelled: bool, lead: str, *, blank_ends: bool) -> bool:
        return (
            line.ends_answer
            or labelled
            or (self.path not in FREE_TEXT and bool(self.parts))
            or (blank_ends and not lead and bool(self.parts))
        )

    def answer(self) -> list[LabelledValue]:
        text = "\n".join(self.parts).strip()
        return [LabelledValue(self.label, text, self.source)] if text else []


def labelled_values(lines: Iterable[Line], *, blank_ends: bool = False) -> list[LabelledValue]:
    """Labels and their answers in running text, in order.

    An answer is on the label's line or, when the label stands alone, on the next
    line (or lines, for free text) until the next label, a heading, or, when
    ``blank_ends``, a blank line after the answer has begun.
    """
    found: list[LabelledValue] = []
    waiting: _Open | None = None
    for line in lines:
        entries, lead = _entries(line.text)
        if waiting and lead and not line.ends_answer:
            waiting.parts.append(lead)
        if waiting and waiting.ends_at(line, bool(entries), lead, blank_ends=blank_ends):
            found += waiting.answer()
            waiting = None
        found += [LabelledValue(label, value, line.source) for _, label, value in entries if value]
        if entries and not entries[-1][2]:
            waiting = _Open(entries[-1][0], entries[-1][1], line.source)
    return found + (waiting.answer() if waiting else [])


def _entries(text: str) -> tuple[list[tuple[str, str, str]], str]:
    """The labelled segments of a line, and any unlabelled text before the first."""
    segments = _segments(text)
    parsed = [split_labelled(segment) for segment in segments]
    lead = "" if parsed[0] else _tidy_value(segments[0])
    return [entry for entry in parsed if entry], lead
