"""Pure normalisers: the text a practitioner typed into a form into typed values.

Every function returns ``None`` (or ``[]``) when the text does not say one thing
clearly; the caller records a problem rather than guessing (DESIGN.md).
"""

from __future__ import annotations

import re
from datetime import date

from escalations.intake.notices.model import Attempt

TICKED = "☒☑✓✔✗✘"
UNTICKED = "☐□"
_BOXES = TICKED + UNTICKED
# "[x] Yes [ ] No" written by hand: read as the Word check-box glyphs.
_HAND_BOXES = ((re.compile(r"[\[(][xX✓✔][\])]"), "☒"), (re.compile(r"[\[(]\s?[\])]"), "☐"))

_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_LONGEST_DATE = 40  # "Wednesday 30th September 2026" and room to spare
_TWO_DIGIT_CUTOFF = 50  # "17" is 2017, "55" is 1955
_YEARS = range(1900, 2100)

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)
_LEADERS = re.compile(r"[._…]{4,}")  # a form's dotted line; "..." is a writer's ellipsis


def parse_uk_date(text: str) -> date | None:
    """A date written the British way (day first), or ``None`` if it is not one date."""
    cleaned = _ORDINAL.sub("", text.strip().rstrip(".").replace(",", " ")).lower()
    cleaned = " ".join(word for word in cleaned.split() if word != "of")  # "3rd of May 2019"
    if match := _ISO.fullmatch(cleaned):
        year, month, day = (int(part) for part in match.groups())
        return _valid_date(year, month, day)
    if match := _NUMERIC.fullmatch(cleaned):
        day, month, year = match.groups()
        return _valid_date(_full_year(year), int(month), int(day))
    return _worded_date(re.split(r"[\s\-/.]+", cleaned))


def _worded_date(tokens: list[str]) -> date | None:
    if len(tokens) == 4 and tokens[0][:3] in _WEEKDAYS:
        tokens = tokens[1:]  # "Tuesday 3rd September 2019"
    if len(tokens) != 3 or not tokens[2].isdigit() or len(tokens[2]) not in (2, 4):
        return None
    first, second, year = tokens
    day, month = (first, _month(second)) if first.isdigit() else (second, _month(first))
    if month is None or not day.isdigit() or len(day) > 2:
        return None
    return _valid_date(_full_year(year), month, int(day))


def _month(token: str) -> int | None:
    if len(token) < 3:
        return None
    for number, name in enumerate(_MONTHS, start=1):
        if name.startswith(token):
            return number
    return None


def _full_year(digits: str) -> int:
    year = int(digits)
    if len(digits) == 2:
        return 2000 + year if year <= _TWO_DIGIT_CUTOFF else 1900 + year
    return year


def _valid_date(year: int, month: int, day: int) -> date | None:
    if year not in _YEARS:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_dates(text: str) -> list[date] | None:
    """Dates listed one a line or between commas; ``None`` if any of them is not a date."""
    dates = [parse_uk_date(item) for item in _items(text, "\n;,")]
    return [when for when in dates if when] if dates and None not in dates else None


def parse_attempts(text: str) -> list[Attempt]:
    """One attempt a line: "12/01/2026 – spoke to the social worker"; undated lines kept."""
    return [_attempt(line) for line in text.splitlines() if line.strip()]


def _attempt(line: str) -> Attempt:
    if whole := parse_uk_date(line):
        return Attempt(whole, None)
    for at, char in enumerate(line[:_LONGEST_DATE]):
        if char in "-–—:" and (when := parse_uk_date(line[:at])):
            return Attempt(when, clean_text(line[at + 1 :]))
    return Attempt(None, clean_text(line))


def parse_yes_no(text: str) -> bool | None:
    """Yes/no in words or as ticked boxes ("☒ Yes ☐ No"); ``None`` when unclear."""
    boxed = _hand_boxes(text)
    if any(box in boxed for box in _BOXES):
        ticked = {word for word, is_ticked in _ticked_items(boxed) if is_ticked}
        answers = {_yes_no_word(word) for word in ticked} - {None}
        return answers.pop() if len(answers) == 1 else None
    return _yes_no_word(text)


def _yes_no_word(text: str) -> bool | None:
    match = re.fullmatch(r"\s*(yes|no|y|n|true|false)\b\s*(?:[-–—,.;:(].*)?", text, re.I | re.S)
    if not match:
        return None
    return match.group(1).lower() in ("yes", "y", "true")


def _hand_boxes(text: str) -> str:
    for pattern, glyph in _HAND_BOXES:
        text = pattern.sub(glyph, text)
    return text


def nothing_ticked(text: str) -> bool:
    """True for a list of boxes with none ticked: a question left unanswered."""
    boxed = _hand_boxes(text)
    return any(box in boxed for box in UNTICKED) and not any(box in boxed for box in TICKED)


def _ticked_text(text: str) -> str:
    """In a list of boxes, only the ticked items' wording; other text unchanged."""
    boxed = _hand_boxes(text)
    if not any(box in boxed for box in _BOXES):
        return text
    return " | ".join(words for words, ticked in _ticked_items(boxed) if ticked)


def _ticked_items(text: str) -> list[tuple[str, bool]]:
    """Pair each box with its wording: boxes lead ("☒ Yes") or trail ("Yes ☒") the words."""
    parts = [part.strip() for part in re.split(f"([{_BOXES}])", text)]
    if parts and not parts[0]:  # the text opens with a box: each box owns the words after it
        return [(parts[i + 1], parts[i] in TICKED) for i in range(1, len(parts) - 1, 2)]
    return [(parts[i - 1], parts[i] in TICKED) for i in range(1, len(parts), 2)]


_STAGE = re.compile(
    r"\s*(?:(?:stage|step|tier)\s*)?(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")\b"
    r"\s*(?:[-–—:.,;(/].*)?",
    re.IGNORECASE | re.DOTALL,
)


def parse_stage(text: str) -> int | None:
    """The stage number in "Stage 4", "4 – BSCB representatives", "Step 3", "stage two"."""
    match = _STAGE.fullmatch(text)
    if not match:
        return None
    number = match.group(1).lower()
    stage = int(number) if number.isdigit() else _NUMBER_WORDS.index(number) + 1
    return stage if 1 <= stage <= 9 else None


# Each slug with the wordings the five policies use for it (INDEX.md, "Disagreement themes").
_CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "thresholds": (r"threshold", r"levels? of need"),
    "roles_responsibilities": (r"roles?\s*(?:and|&)?\s*responsibilit",),
    "action_communication": (r"need for action", r"communicat"),
    "information_sharing": (r"information\s*sharing", r"sharing (?:of )?information"),
    "response_to_concern": (r"respon(?:se|ding) to (?:an? )?(?:safeguarding )?concern",),
    "referral_not_accepted": (r"referral",),
    "assessment_outcome": (r"assessment",),
    "step_up_down": (r"step\s*(?:up|down)",),
    "case_conference": (r"case conference", r"child protection conference"),
    "plan_progression": (r"progression of (?:the )?plans?", r"plans? progression"),
    "resources": (r"resource", r"capacity"),
    "statutory_roles": (r"statutory roles?", r"not fulfilling", r"working together"),
    "non_attendance": (r"non\s*attendance", r"not attend"),
    "unilateral_decision": (r"uni\s*lateral",),
    "service_timeliness": (r"service provision", r"timeliness", r"timely"),
}


def parse_categories(text: str) -> list[str]:
    """Category slugs named in ``text``; in a ticked list only the ticked items count."""
    wording = re.sub(r"[\s_\-/]+", " ", _ticked_text(text).lower())
    return [
        slug
        for slug, patterns in _CATEGORY_WORDS.items()
        if any(re.search(pattern, wording) for pattern in patterns)
    ]


_REFERENCE = re.compile(r"\b([a-z]{2,6}-\d{4}-\d{4})\b", re.IGNORECASE)


def parse_case_reference(text: str) -> str | None:
    """Our case reference (``PREFIX-YYYY-NNNN``) if the text carries one."""
    match = _REFERENCE.search(text)
    return match.group(1).upper() if match else None


def parse_subject_kind(text: str) -> str | None:
    """Whether the text says "child" or "adult" (a ticked box counts; both is unclear)."""
    wording = _ticked_text(text).lower()
    kinds = {"child" for word in ("child", "young person") if word in wording}
    kinds |= {"adult"} if "adult" in wording else set()
    return kinds.pop() if len(kinds) == 1 else None


def clean_text(text: str) -> str | None:
    """Free text with form leaders ("....") dropped and spacing tidied; ``None`` if empty."""
    lines = [" ".join(_LEADERS.sub(" ", line).split()) for line in text.splitlines()]
    cleaned = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", cleaned) or None


def parse_copies(text: str) -> list[str]:
    """Who a copy went to, one a line or between semicolons.

    Not split at commas: "Team Manager, Northside Health" is one person.
    """
    return [item for item in map(clean_text, _items(text, "\n;")) if item]


def _items(text: str, separators: str) -> list[str]:
    return [item.strip() for item in re.split(f"[{separators}]", text) if item.strip()]


def clean_name(text: str) -> str | None:
    """A person's name as written, or ``None`` if it does not look like one."""
    name = (clean_text(text) or "").replace("\n", " ").strip(" ,;:-–")
    if not name or len(name) > 100 or not re.search(r"[^\W\d_]", name):
        return None
    return None if re.search(r"[\d@<>]", name) else name


_EMAIL = re.compile(
    r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+"
)


def clean_email(text: str) -> str | None:
    """One lower-case address ("Name <addr>" and "mailto:" allowed), or ``None``."""
    candidate = text.strip()
    if match := re.fullmatch(r"[^<>]*<([^<>]+)>\s*", candidate):
        candidate = match.group(1)
    candidate = candidate.strip().lower().removeprefix("mailto:")
    return candidate if _EMAIL.fullmatch(candidate) else None


def clean_phone(text: str) -> str | None:
    """A UK telephone number as digits and spaces (leading + kept), or ``None``."""
    written = text.strip().replace("(0)", " ")
    if not re.fullmatch(r"\+?[\d\s().\-]+", written):
        return None
    tidy = " ".join(re.sub(r"[().\-]", " ", written).split())
    digits = re.sub(r"\D", "", tidy)
    domestic = tidy.startswith("0") and len(digits) in (10, 11)
    international = tidy.startswith("+44") and len(digits) in (11, 12)
    return tidy if domestic or international else None
