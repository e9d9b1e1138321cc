"""The field vocabulary: the label wordings forms use, and how a labelled line is recognised.

Each canonical field path (DESIGN.md, "The canonical notice") lists the labels the
five partnerships' forms and practitioners' own documents use for it. Readers of
every format turn a document into ``LabelledValue``s with ``labelled_values`` and
leave the meaning of the value to ``reader``. A ``Vocabulary`` can be extended by
a partnership's form profile (``[form.labels]`` in its TOML file).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from escalations.intake.notices import labels as meaning
from escalations.intake.notices.labels import Classification
from escalations.intake.notices.normalise import (
    clean_email,
    has_boxes,
    clean_phone,
    parse_case_reference,
    parse_stage,
    parse_uk_date,
    parse_yes_no,
)

VOCABULARY: dict[str, tuple[str, ...]] = {
    "subject.name": (
        # Salford Appendix 2; then the wordings of practitioners' own forms.
        "Name of Child/Young Person",
        "Child's full name",
        "Name of child",
        "Child's name",
        "Child name",
        "Full name of child",
        "Name of the child",
        "Name of young person",
        "Young person's name",
        "Child/Young person's name",
        "Name of child or young person",
        "Name of adult",
        "Adult's name",
        "Adult's full name",
        "Name of adult at risk",
        "Name of child/adult",
        "Name of child or adult",
        "Subject name",
        "Name of service user",
        "Service user's name",
    ),
    "subject.dob": (
        "D.O.B",
        "DOB",
        "Date of birth",
        "Child's date of birth",
        "Child's DOB",
        "Adult's date of birth",
        "Birth date",
    ),
    "subject.kind": (
        "Child or adult",
        "Adult or child",
        "Is this about a child or an adult?",
        "Child/Adult",
        "Is the person a child or an adult?",
    ),
    "raised_by.name": (
        "Your name",
        "Name of practitioner",
        "Practitioner's name",
        "Practitioner name",
        "Raised by",
        "Escalated by",
        "Completed by",
        "Name of professional",
        "Professional's name",
        "Name of person raising the concern",
        "Name of person completing this form",
        "Referrer's name",
        "Name of referrer",
    ),
    "raised_by.role": (
        "Your role",
        "Your job title",
        "Job title",
        "Your designation",
        "Designation",
        "Your position",
        "Practitioner's role",
        "Role of practitioner",
        "Referrer's role",
    ),
    "raised_by.agency": (
        "Your agency",
        "Your organisation",
        "Your agency/organisation",
        "Your service",
        "Agency raising the concern",
        "Agency raising the escalation",
        "Referring agency",
        "Name of agency raising the concern",
        "Agency escalating the concern",
    ),
    "raised_by.email": (
        "Your email",
        "Your email address",
        "Email",
        "Email address",
        "E-mail",
        "E-mail address",
        "Contact email",
        "Secure email",
        "Your secure email address",
    ),
    "raised_by.phone": (
        "Telephone",
        "Telephone number",
        "Your telephone number",
        "Telephone no",
        "Tel",
        "Tel no",
        "Phone",
        "Phone number",
        "Contact number",
        "Contact telephone number",
        "Your contact number",
        "Mobile",
        "Mobile number",
    ),
    "challenged.agency": (
        "Agency whose decision is challenged",
        "Agency you disagree with",
        "Agency being challenged",
        "Agency challenged",
        "Name of agency being challenged",
        "Organisation being challenged",
        "Organisation you disagree with",
        "Service you disagree with",
        "Agency the disagreement is with",
        "Other agency",
        "Other agency involved",
        "Agency in disagreement",
        # Salford 3.1: "the service about which there is a concern".
        "Service about which there is a concern",
        "Agency about which there is a concern",
    ),
    "challenged.name": (
        "Practitioner you disagree with",
        "Name of practitioner challenged",
        "Name of practitioner being challenged",
        "Professional being challenged",
        "Name of professional you disagree with",
        "Name of worker in the other agency",
    ),
    "challenged.role": (
        "Their role",
        "Their job title",
        "Their designation",
        "Role of practitioner challenged",
        "Role of professional being challenged",
    ),
    "categories": (
        "Nature of disagreement",
        "Nature of the disagreement",
        "Area of disagreement",
        "Areas of disagreement",
        "Type of disagreement",
        "Category of disagreement",
        "Disagreement category",
        "Theme of disagreement",
        "Themes of disagreement",
    ),
    "concern": (
        # Salford Appendix 2; Barnet 4 "the issue in dispute"; Bury adults 6 "details of
        # the disagreement".
        "Please document any information of concern",
        "Information of concern",
        "Details of the disagreement",
        "Details of disagreement",
        "Details of concern",
        "Details of the concern",
        "Details of the issue",
        "The issue in dispute",
        "Issue in dispute",
        "Summary of concerns",
        "Summary of the disagreement",
        "Description of the disagreement",
        "Please describe the disagreement",
        "What is the disagreement about?",
        "What is the problem?",
        "Reason for escalation",
        "Reasons for escalation",
        "Details of the professional disagreement",
        "Details of the disagreement and action already taken",
    ),
    "immediate_risk": (
        "Is the child at immediate risk of significant harm?",
        "Immediate risk",
        "Is the adult at imminent risk of harm?",
        "Is the adult at immediate risk of harm?",
        # Barnet 1 and B&NES wordings of the same question.
        "Is the child at risk of immediate harm?",
        "Is the child believed to be at risk of immediate harm?",
        "Is the child or young person at risk of immediate harm?",
        "Is the child/adult at risk of immediate harm?",
        "Is the child at immediate risk?",
        "Is there an immediate risk of significant harm?",
        "Immediate risk of significant harm",
        "Risk of immediate harm",
        "Imminent risk",
        "Imminent risk of harm",
    ),
    "stage": (
        "Current stage",
        "Stage being escalated to",
        "Stage",
        "Step",
        "Level",
        "Tier",
        "Escalation stage",
        "Stage of escalation",
        "Stage reached",
        "Current step",
        "Step being escalated to",
        "Current level",
        "Escalation level",
        "Level of escalation",
        "Level being escalated to",
    ),
    "outcome_sought": (
        "Outcome you are seeking",
        "Outcome sought",
        "Outcome you are seeking to achieve",
        "What outcome are you seeking?",
        "Desired outcome",
        "Resolution sought",
        "What would you like to happen?",
    ),
    "copies_to": (
        "Who has a copy of this notice been sent to?",
        "Copies sent to",
        "Copied to",
        "Copy sent to",
        "Copies to",
        "Who has been sent a copy?",
        "Who has a copy?",
    ),
    "signed.name": ("Signed", "Signed by", "Signature", "Print name", "Name of signatory"),
    "signed.role": ("Role",),
    "signed.date": (
        "Dated",
        "Date",
        "Date signed",
        "Date completed",
        "Date form completed",
        "Date of notice",
        "Date of escalation",
        "Date raised",
    ),
    # B&NES Appendix A: "Attempts to resolve issue", then "Dates:" and "Outcome:";
    # Bury adults 6: "action which has already been taken to resolve it".
    "attempts": (
        "Attempts to resolve issue",
        "Attempts to resolve the issue",
        "Attempts to resolve",
        "Action already taken",
        "Action which has already been taken to resolve it",
        "Action taken to resolve",
        "Action taken to date",
        "Actions taken so far",
        "Previous attempts to resolve",
        "Steps taken to resolve the disagreement",
        "What has been done to resolve the disagreement?",
    ),
    "attempts.date": ("Dates", "Date of attempt", "Date of discussion"),
    "attempts.outcome": ("Outcome", "Outcomes", "Outcome of discussion", "Outcome of attempt"),
    "case_reference": (
        "Case reference",
        "Reference",
        "Our reference",
        "Escalation reference",
        "Case ref",
        "Ref",
    ),
}

# B&NES Appendix A, "Unresolved Dispute and Referral to BCSSP Chair" (Notice.panel).
# Kept apart: on another partnership's form "Date of referral" is the date of a
# referral to children's services, so these are read only where the caller asks.
PANEL_VOCABULARY: dict[str, tuple[str, ...]] = {
    "panel.referral_date": (
        "Date of Referral",
        "Date of referral to the Chair",
        "Date of referral to BCSSP Chair",
        "Date referred to the Chair",
    ),
    "panel.convene": (
        "Chair's Decision to Convene a Resolution Panel",
        "Chair's Decision to Convene a Resolution Panel: Yes or No",
        "Chair's decision to convene a panel",
        "Decision to convene a Resolution Panel",
        "Resolution Panel convened",
    ),
    "panel.outcome": (
        "Outcome and Date of BCSSP Resolution Panel",
        "Outcome and date of Resolution Panel",
        "Outcome of BCSSP Resolution Panel",
        "Outcome of Resolution Panel",
        "Resolution Panel outcome",
    ),
    "panel.date": ("Date of BCSSP Resolution Panel", "Date of Resolution Panel"),
}

# Every canonical field path, and the fields a form answers by ticking one or more
# named options ("categories.thresholds", "stage.2", "immediate_risk.yes").
FIELD_PATHS = frozenset(VOCABULARY) | frozenset(PANEL_VOCABULARY)
OPTION_FIELDS = frozenset({"subject.kind", "categories", "immediate_risk", "stage", "panel.convene"})


def field_path(name: str) -> tuple[str, str | None] | None:
    """``(path, option)`` when ``name`` is exactly a field path, or an option of one.

    The reading rule for our own forms (``escalations forms make``): a Word content
    control tagged, or a PDF field named, ``subject.dob`` is that field whatever
    label is printed beside it; ``categories.thresholds`` is the option
    "thresholds" of ``categories``. Anything else (``subject.colour``, a label) is
    not a path: it is read by its wording like any other label.
    """
    name = name.strip()
    if name in FIELD_PATHS:
        return name, None
    head, dot, option = name.rpartition(".")
    if dot and head in OPTION_FIELDS and option:
        return head, option
    return None


# Fields whose answer may run over several paragraphs below a label standing alone.
FREE_TEXT = frozenset({"concern", "outcome_sought", "attempts", "copies_to", "panel.outcome"})
# Fields answered by ticking options, often listed in the rows below the label.
TICK_LISTS = frozenset({"categories"})

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
    "panel.referral_date": lambda value: re.search(r"\d", value),
    "panel.date": lambda value: re.search(r"\d", value),
    "panel.convene": parse_yes_no,
}
_DASH = re.compile(r"\s[-–—]\s")
_DASHED_LABEL_WORDS = 8
# Rules a dash does not stand in for: a wording of the vocabulary (``_bare`` tried it, with its
# checks), and a colon's question ("Professional Disagreement – Escalation Form" is a title).
_NOT_DASHED = frozenset({"vocabulary", "synonyms:concern-question"})
_SHORTEST_SLIP = 5  # letters: a word this long may be misspelt and still be the label's
_LONG_WORD = 9  # letters: a word this long may carry two slips
_LONGEST_LABEL = 150
_LONGEST_SHORT_ANSWER = 12  # words: a one-line answer below its label (a name, an agency, a date)
_SIDE_LINES = 5  # lines of one side's details: name, role, agency, email, telephone
_CACHE = 4096  # classified label texts kept per vocabulary
GENERIC = "generic."  # a generic label's path prefix before its section places it


@dataclass(frozen=True)
class LabelledValue:
    label: str
    value: str
    source: str  # e.g. "docx table 1 row 3", "docx paragraph 12", "email body line 4"
    # The field the label gave and the rule that decided it ("synonyms:challenged-agency",
    # "section:raiser", "vocabulary", "form-label"), once ``resolve_scopes`` has placed it.
    # ``None`` rule: not yet placed (the label is matched again when the notice is filled).
    path: str | None = field(default=None, compare=False)
    rule: str | None = field(default=None, compare=False)


HEADING_VALUE = ""  # a section heading's marker in the values: ``rule`` "section:…", no value


@dataclass(frozen=True)
class Line:
    """One line of a document's running text, before labels are found in it."""

    text: str
    source: str
    ends_answer: bool = False  # a heading or signature: it cannot continue an answer


def normalise_label(text: str) -> str:
    """Lower case, no punctuation, numbering or bracketed asides: "1. D.O.B:" -> "dob"."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"^\s*\(?(?:\d{1,2}|[a-h])[.)]\s+|^\s*\(?\d{1,2}[.)]\s*", "", text)
    text = meaning.NUMBERING.sub("", text)  # "1.2 Name of child", "Q3 Date of birth"
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.sub(r"['’.]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


class Vocabulary:
    """Labels by field path, indexed for exact, tolerant and "Label value" matching."""

    def __init__(self, labels: Mapping[str, Iterable[str]], own: Iterable[str] = ()) -> None:
        self.labels = {path: tuple(words) for path, words in labels.items()}
        self._own = frozenset(own)  # normalised wordings a form profile gave
        self._classified: dict[str, Classification] = {}
        self._written: list[str] | None = None
        self._exact = {normalise_label(label): path for path, words in self.labels.items() for label in words}
        # Each label with one word left out, for finding a label with that word misspelt by
        # looking up, not by comparing the text with every label.
        self._one_out: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for known, path in self._exact.items():
            words = known.split()
            for at, word in enumerate(words):
                key = (*words[:at], "", *words[at + 1 :])
                self._one_out.setdefault(key, []).append((word, path))
        self._prefixes = [
            (path, known, label) for path, words in self.labels.items() for label in words if (known := normalise_label(label))
        ]
        self._prefixes.sort(key=lambda entry: -len(entry[1]))  # longest label first
        self._prefixes_by_word: dict[str, list[tuple[str, str, str]]] = {}
        for entry in self._prefixes:
            self._prefixes_by_word.setdefault(entry[1].split(" ", 1)[0], []).append(entry)

    def extended(self, more: Mapping[str, Iterable[str]]) -> Vocabulary:
        """This vocabulary with more labels (a form profile's): a wording the profile gives
        to a field is taken from any other field that had it."""
        added = {path: list(words) for path, words in more.items()}
        taken = {normalise_label(word) for words in added.values() for word in words}
        merged = {path: [word for word in words if normalise_label(word) not in taken] for path, words in self.labels.items()}
        for path, words in added.items():
            merged.setdefault(path, []).extend(words)
        return Vocabulary(merged, self._own | taken)

    def match(self, text: str) -> str | None:
        """The field path ``text`` labels: by its wording, else by its meaning (``labels``).

        A generic label ("Name", "Organisation") gives ``generic.<attribute>`` or its
        default field (``Email``: the raiser's); ``resolve_scopes`` places it by section.
        A label asking for several things gives their paths joined by "+".
        """
        found = self.classify(text)
        if found.path:
            return found.path
        if found.parts:
            return "+".join(found.parts)
        if found.attribute and found.side is None:
            return meaning.GENERIC_DEFAULTS.get(found.attribute, GENERIC + found.attribute)
        return None

    def classify(self, text: str) -> Classification:
        """What ``text`` labels and which rule said so; cached, as readers ask about every line."""
        if len(text) > _LONGEST_LABEL:
            return meaning.UNKNOWN
        cached = self._classified.get(text)
        if cached is None:
            if len(self._classified) > _CACHE:
                self._classified.clear()
            cached = self._classified[text] = self._classify(text)
        return cached

    def _classify(self, text: str) -> Classification:
        if text.strip() in self.labels:
            return Classification(text.strip(), "field-path")
        exact = self._worded(text)
        by_meaning = meaning.classify(text)
        if exact is None:
            return by_meaning
        if normalise_label(text) in self._own:  # a generic one ("Role") is still the section's side's
            generic = by_meaning.attribute if by_meaning.side is None else None
            return Classification(exact, "form-label", None, generic)
        if by_meaning.attribute and by_meaning.side is None:  # "Email", "Role": a section may own it
            return Classification(exact, "vocabulary", None, by_meaning.attribute, by_meaning.heading)
        return Classification(exact, "vocabulary", by_meaning.side, by_meaning.attribute, by_meaning.heading)

    def worded_at(self, text: str, start: int) -> int | None:
        """Where the longest wording of this vocabulary, as written, ends if ``text`` has it at ``start``."""
        if self._written is None:
            self._written = sorted({w.casefold() for words in self.labels.values() for w in words}, key=len, reverse=True)
        window = text[start : start + _LONGEST_LABEL].casefold()
        for wording in self._written:
            if len(wording) > 3 and window.startswith(wording):
                return start + len(wording)
        return None

    def _worded(self, text: str) -> str | None:
        """The field path ``text`` labels, allowing for a small spelling slip.

        A slip keeps the label's words but one, and that one is misspelt, not
        replaced: "Date of brith" is a label, "Practitioners met" (an answer) is not
        "Practitioner name", and "Is the child at immediate risk of significant harm
        no" (a label and its answer) is not a label. A field path itself
        ("subject.dob", a content control's tag) names its field.
        """
        if len(text) > _LONGEST_LABEL:
            return None
        if text.strip() in self.labels:
            return text.strip()
        wanted = normalise_label(text)
        if not wanted or wanted in self._exact:
            return self._exact.get(wanted)
        return self._fuzzy(wanted.split())

    def _fuzzy(self, words: list[str]) -> str | None:
        """The one field whose label is ``words`` with one word misspelt; two such: unsure."""
        found: set[str] = set()
        for at, word in enumerate(words):
            for known, path in self._one_out.get((*words[:at], "", *words[at + 1 :]), ()):
                if known != word and _misspelt(word, known):
                    found.add(path)
        return found.pop() if len(found) == 1 else None

    def split(self, text: str) -> tuple[str, str, str] | None:
        """``(field, label, value)`` from "Label: value", "Label? value", "Label value" or "Label".

        The value is empty for a label standing alone.
        """
        stripped = text.strip()
        if not stripped:
            return None
        if path := self.match(stripped):
            return path, _tidy_label(stripped), ""
        for separator in _SEPARATOR.finditer(stripped[: _LONGEST_LABEL + 1]):
            label = stripped[: separator.end()].rstrip("\t")
            if separator.group().strip()[:1] in (*_LEADER_CHARS, ""):  # "Agency ........ Bury Police", "Agency    Bury Police"
                label = stripped[: separator.start()].rstrip() + ":"  # the dotted line or the spaces stand for a colon
            if path := self.match(label):
                return self._with_aside(path, label, stripped[separator.end() :])
        return self._bare(stripped) or self._dashed(stripped)

    def _with_aside(self, path: str, label: str, rest: str) -> tuple[str, str, str]:
        """ "Who is the disagreement with? (agency): Bury CSC": the question's guidance in brackets after
        its question mark, then a colon, is the label's; the answer is after the colon."""
        aside = _ASIDE_THEN_COLON.match(rest)
        asked = label.rstrip()
        whole = f"{asked.rstrip('?:').rstrip()} {aside.group(1)}{'?' if asked.endswith('?') else ':'}" if aside else ""
        if aside and (longer := self.match(whole)):
            return longer, _tidy_label(f"{label} {aside.group(1)}"), _tidy_value(rest[aside.end() :])
        value = _tidy_value(rest)
        return path, _tidy_label(label), "" if self._describes_side(label, value) else value

    def _describes_side(self, label: str, value: str) -> bool:
        """ "Agency B: agency being challenged", "Agency A: referring agency": words after the colon that say
        again, in lower case, which side the label is, are the label's description, not its answer (a
        heading over that side's details)."""
        if not value[:1].islower() or len(value.split()) > _DESCRIPTION_WORDS:
            return False
        side = self.classify(label).side
        return side in (meaning.RAISER, meaning.CHALLENGED) and self.classify(value).side == side

    def _dashed(self, stripped: str) -> tuple[str, str, str] | None:
        """ "Worker - Jo Bloggs (Social Worker)": a label by its meaning, a dash, the answer."""
        dash = _DASH.search(stripped, 0, _LONGEST_LABEL)
        if dash is None or len(stripped[: dash.start()].split()) > _DASHED_LABEL_WORDS:
            return None
        label, value = stripped[: dash.start()], _tidy_value(stripped[dash.end() :])
        found = self.classify(label + ":")  # the dash stands where a colon would
        path = self.match(label + ":")
        if not value or not path or path.startswith(GENERIC) or found.rule in _NOT_DASHED:
            return None  # a wording of the vocabulary was tried by ``_bare``, with its own checks
        return path, _tidy_label(label), value

    def _bare(self, stripped: str) -> tuple[str, str, str] | None:
        """ "D.O.B 3rd September 2019": a label with its answer after a space or dash."""
        opening = normalise_label(stripped[: _LONGEST_LABEL + 1]) + " "
        for path, known, label in self._prefixes_by_word.get(opening.split(" ", 1)[0], ()):
            if not opening.startswith(known + " "):
                continue  # cheap test first: most lines open with no label at all
            match = _prefix_pattern(label).fullmatch(stripped)
            if match and (value := _tidy_value(match.group(2))) and _bare_ok(path, known, value):
                return path, match.group(1), value
        return None


_DESCRIPTION_WORDS = 8
_ASIDE_THEN_COLON = re.compile(r"\s*(\([^()]{1,60}\))\s*:")


def _misspelt(word: str, known: str) -> bool:
    """One slip (a letter wrong, missing, extra or two swapped) in a word of five letters
    or more; two in a long word. Short words are not matched: "no" is not "on"."""
    if min(len(word), len(known)) < _SHORTEST_SLIP or word.isdigit() or known.isdigit():
        return False
    return _edits(word, known, limit=1 if len(known) < _LONG_WORD else 2)


def _edits(a: str, b: str, *, limit: int) -> bool:
    """Whether ``a`` is within ``limit`` edits of ``b`` (optimal string alignment distance)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


@functools.cache
def _prefix_pattern(label: str) -> re.Pattern[str]:
    """A line opening with ``label`` as written ("D.O.B", "Child's name") and a space or dash."""
    tokens = [r"['’.]?".join(re.escape(ch) for ch in token) for token in label.split()]
    return re.compile(
        r"\s*(?:\d{1,2}[.)]\s*)?(" + r"[^a-z0-9]+".join(tokens) + r")\.?(?![a-z0-9])"
        r"(?:\s*[-–—]\s*|\s+)(.*)",
        re.IGNORECASE | re.DOTALL,
    )


# The canonical notice's fields, and those with the B&NES panel fields too: readers
# find labels with ``EVERY_FIELD`` so that an answer ends where any known label begins.
NOTICE_FIELDS = Vocabulary(VOCABULARY)
EVERY_FIELD = NOTICE_FIELDS.extended(PANEL_VOCABULARY)


def match_label(text: str, vocabulary: Vocabulary = NOTICE_FIELDS) -> str | None:
    """The canonical field path ``text`` labels, allowing for small spelling slips."""
    return vocabulary.match(text)


def split_labelled(text: str, vocabulary: Vocabulary = NOTICE_FIELDS) -> tuple[str, str, str] | None:
    """``(field, label, value)`` from "Label: value", "Label? value", "Label value" or "Label"."""
    return vocabulary.split(text)


def _bare_ok(path: str, known: str, value: str) -> bool:
    if check := _BARE_CHECKS.get(path):
        return check(value) is not None
    return " " in known


_LEADER_CHARS = ".…_"  # the dotted lines of a blank form
# Where a label may end: a colon, question mark, tab or "=", a dotted line of three or more, or a run of spaces.
_SEPARATOR = re.compile(rf"[:?\t=]| ?{meaning.LEADERS} ?| {{2,}}")


def _tidy_label(label: str) -> str:
    return _strip_leaders(label.strip(" \t:="), end=True).rstrip(" \t:=")


def _tidy_value(value: str) -> str:
    """The value without the form's dotted lines or the colon left before it."""
    value = _strip_leaders(value.lstrip().removeprefix(":").removeprefix("="), end=False)
    return _strip_leaders(value, end=True).removesuffix(" |").strip().removesuffix(";").rstrip()


def _strip_leaders(text: str, *, end: bool) -> str:
    """Strip dotted lines (two or more dots; one is a full stop) and spaces from one end.

    By index, not by stripping copies in a loop: " .. .. .." would copy the text once per run.
    """
    if not end:
        return _strip_leaders(text[::-1], end=True)[::-1]
    cut = len(text)
    while True:
        spaces = cut
        while spaces and text[spaces - 1].isspace():
            spaces -= 1
        dots = spaces
        while dots and text[dots - 1] in _LEADER_CHARS:
            dots -= 1
        if spaces - dots < 2:
            return text[:spaces]
        cut = dots


# Where a blank form puts two labels on one line: "Name:<tab>D.O.B", "Signed:.....Role.....".
_SEGMENT_BREAK = re.compile(r"(\t+|[.…_]{4,}| {3,}|\u00a0{2,}| \| )")


def _segments(text: str, vocabulary: Vocabulary) -> list[str]:
    """Split a line at tabs and dotted lines, but only where a label follows."""
    pieces = _SEGMENT_BREAK.split(text)
    segments = [[pieces[0]]]  # joined once at the end: adding to a string in the loop is quadratic
    for gap, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        if piece.strip() and vocabulary.split(piece):
            segments.append([piece])
        else:
            segments[-1] += (gap, piece)
    joined = ["".join(parts) for parts in segments]
    return [part for segment in joined for part in _at_second_labels(segment, vocabulary)]


_WORDS_BEFORE_COLON = 6


def _at_second_labels(segment: str, vocabulary: Vocabulary) -> list[str]:
    """ "Name: Jo Bloggs DOB: 01/02/2019": split before a later "Label:" (words that are a label,
    then a colon), trying the most words first. A time ("10:30") or an address is no label."""
    if len(segment) > 2 * _LONGEST_LABEL:
        return [segment]
    colons = [at for at, char in enumerate(segment) if char == ":"][:8]
    if len(colons) < 2:
        return [segment]
    if not vocabulary.split(segment[: colons[0] + 1]):
        return [segment]
    cuts: list[int] = []
    for at in colons[1:]:
        if at + 1 < len(segment) and segment[at + 1] == "/":
            continue  # "https://"
        before = segment[:at].split(" ")
        for count in range(min(_WORDS_BEFORE_COLON, len(before) - 1), 0, -1):
            words = before[-count:]
            start = at - len(" ".join(words))
            path = vocabulary.match(segment[start : at + 1]) if words[0][:1].isalpha() else None
            listed = segment[:start].rstrip().endswith((";", "|"))  # "Raised by: Jo; Agency: Bury 0-19"
            if path and (listed or not path.startswith(GENERIC)) and start > (cuts[-1] if cuts else colons[0]) + 1:
                cuts.append(start)
                break
    if not cuts:
        return [segment]
    bounds = [0, *cuts, len(segment)]
    return [segment[a:b].strip() for a, b in zip(bounds, bounds[1:]) if segment[a:b].strip()]


@dataclass
class _Open:
    """A label standing alone, waiting for its answer on the following lines."""

    path: str
    label: str
    source: str
    parts: list[str] = field(default_factory=list)

    def takes(self, lead: str) -> bool:
        """Whether an unlabelled line continues the answer.

        Free text runs on; a ticked list runs on while its lines carry boxes (the
        narrative after it is not a list of categories); anything else is one line.
        """
        if self.path in FREE_TEXT:
            return True
        if not self.path:  # a side's details, a line each: "Jo Bloggs" / "Health Visitor" / "Bury 0-19"
            return len(self.parts) < _SIDE_LINES and len(lead.split()) <= _LONGEST_SHORT_ANSWER
        if not self.parts:  # a name, agency, date…: a short answer, not a paragraph of guidance
            boxes = self.path in OPTION_FIELDS and has_boxes(lead)  # "☐ 1 Practitioner ☒ 2 Manager …"
            return self.path in TICK_LISTS or boxes or len(lead.split()) <= _LONGEST_SHORT_ANSWER
        if self.path not in TICK_LISTS:
            return False
        # a list whose boxes are printed as glyphs runs on while its lines carry them; one whose boxes are
        # drawn (an "X" typed in the ticked ones, nothing before the others) while its lines are options
        return has_boxes(lead) or (not has_boxes(self.parts[0]) and _options(lead))

    def answer(self) -> list[LabelledValue]:
        text = "\n".join(self.parts).strip()
        if text:
            return [LabelledValue(self.label, text, self.source)]
        if self.path and not self.path.startswith(GENERIC) and self.path not in _DEFAULTED:
            # "Agency B – agency the disagreement is with" over a table of Name / Position / Agency: a
            # label naming a side with no answer of its own heads that side's section, as when answered
            return [heading_marker(self.label, self.source)]
        return []


_DEFAULTED = frozenset(meaning.GENERIC_DEFAULTS.values())  # a generic label's usual field: no side named


_LONGEST_OPTION = 8  # words of one option of a list ("Service provision and timeliness of interventions")


def _options(line: str) -> bool:
    """A line of one or more options (cells apart): short phrases, not a sentence."""
    cells = [cell.strip() for cell in line.split("\t")]
    return all(cell and len(cell.split()) <= _LONGEST_OPTION and not cell.endswith(".") for cell in cells)


def heading_marker(text: str, source: str) -> LabelledValue:
    """A section heading's place among the values, for ``resolve_scopes``."""
    return LabelledValue(text.strip(), HEADING_VALUE, source, None, "heading")


def is_heading(text: str, vocabulary: Vocabulary) -> bool:
    stripped = text.strip()
    return bool(stripped) and len(stripped) <= _LONGEST_LABEL and vocabulary.classify(stripped).heading


def resolve_scopes(values: Iterable[LabelledValue], vocabulary: Vocabulary) -> list[LabelledValue]:
    """Each value with its field and rule, generic labels placed by the section they are in.

    A section heading ("Section 3: Details of the agency you disagree with") or a label
    naming a side ("Your name", "Signed") opens that side's section; a label of the
    notice's other fields ("Details of the disagreement") closes it. In a section,
    "Name", "Organisation", "Role"… are that side's; outside one, a generic label keeps
    its default field where it has one ("Email": the raiser's) and is unknown where not.
    Heading markers are dropped. Values already placed (form fields, content controls)
    are kept as they are.
    """
    scope: str | None = None
    placed: list[LabelledValue] = []
    values = list(values)
    for at, value in enumerate(values):
        if value.rule == "heading" and value.value == HEADING_VALUE:
            scope = vocabulary.classify(value.label).side
            continue
        if value.rule is not None:
            placed.append(value)
            continue
        found = vocabulary.classify(value.label)
        if found.path is None and not found.parts and value.value:  # "Child:" was read as a label
            found = vocabulary.classify(value.label + ":")
        generic = bool(found.attribute) and found.side is None
        if found.side:  # the side its field is on, where it has one ("Name of adult (any other names)")
            scope = _SIDES_OF_PATHS.get((found.path or "").partition(".")[0], found.side)
        elif found.path and not generic and "+" not in found.path:
            scope = _carried(found.path)  # "Job title" worded as the raiser's: the raiser's section goes on
        if generic and scope is None and found.attribute == "name" and _date_of_birth_next(values, at, vocabulary):
            scope = meaning.SUBJECT  # "Name" then "DOB" under no heading: only the subject has a date of birth
        if generic:
            found = _scoped(found, scope)
            scope = _carried(found.path) or scope  # "Practitioner", then "Role", "Organisation": the raiser's
        path = found.path or ("+".join(found.parts) if found.parts else None)
        placed.append(LabelledValue(value.label, value.value, value.source, path, found.rule))
    return placed


_SIDES_BY_PATH = {path: side for side, path in meaning.SIDE_PATHS.items() if side != meaning.SIGNED}
_SIDES_OF_PATHS = {path: side for side, path in meaning.SIDE_PATHS.items()}


def _carried(path: str | None) -> str | None:
    """The side whose section a worded field of a person goes on with ("raised_by.role": the raiser's);
    ``None`` for the notice's own fields and the subject's (the subject has only a name and a birth date:
    a generic label after them is someone else's)."""
    side = _SIDES_BY_PATH.get((path or "").partition(".")[0])
    return side if side in (meaning.RAISER, meaning.CHALLENGED) else None


def _scoped(found: Classification, scope: str | None) -> Classification:
    """A generic label on its section's side. Under the subject's heading, one the subject cannot
    have ("Role", "Email", a practitioner's "Worker") is read as it is outside any section: the
    child has no job title, and the form has gone on to someone else."""
    subjects = meaning.SIDE_ATTRIBUTES[meaning.SUBJECT]
    if scope == meaning.SUBJECT and (found.path or (found.attribute or "").split("+")[0] not in subjects):
        # a practitioner's name keeps its own field; anything else only where it always goes (an email)
        path = found.path if found.attribute == "name" else meaning.GENERIC_DEFAULTS.get(found.attribute or "")
        return Classification(path if path and "+" not in path else None, "generic-default", None, found.attribute)
    return meaning.scoped(found, scope)


def _date_of_birth_next(values: list[LabelledValue], at: int, vocabulary: Vocabulary) -> bool:
    following = values[at + 1] if at + 1 < len(values) else None
    return following is not None and following.rule is None and vocabulary.classify(following.label).attribute == "dob"


# A table LibreOffice flattened into one paragraph ("Child's full nameSam SmithDate of
# birth3rd September 2019Your nameBen Osei…"): where a word runs into the next with no
# space, a label may begin or end.
_GLUE = re.compile(r"(?<=[a-z0-9?)’'.])(?=[A-Z☐☒])|(?<=[a-z?])(?=\d)")
_PROMPTS = (
    "Click or tap here to enter text.",
    "Click here to enter text.",
    "Click or tap to enter a date.",
    "Click here to enter a date.",
    "Choose an item.",
)
_GLUED_LABELS = 3  # a line is read as a flattened table only with this many labels run in
_LONGEST_GLUED = 5_000


def unglued(text: str, vocabulary: Vocabulary) -> list[str] | None:
    """The "Label: value" lines of a table flattened into one line, or ``None`` if it is not one.

    A label must start where one word runs into the next (or at the line's start) and end
    where its answer runs on the same way; the longest such label wins. Read only where
    at least ``_GLUED_LABELS`` labels are found: a name like "McDonald" is one joint, not three.
    """
    if len(text) > _LONGEST_GLUED:
        return None
    joints = [0, *[match.start() for match in _GLUE.finditer(text)]]
    if len(joints) <= _GLUED_LABELS:
        return None
    starts: list[tuple[int, int]] = []  # (label start, label end)
    at = 0
    while at < len(joints):
        start = joints[at]
        if starts and start < starts[-1][1]:
            at += 1
            continue
        ends = [end for end in joints[at + 1 : at + 8] if end - start <= _LONGEST_LABEL]
        label_end = next((end for end in reversed(ends) if _glued_label(text[start:end], vocabulary)), None)
        worded = vocabulary.worded_at(text, start)  # "Your emaila.khan@…": no joint after it
        if worded is not None:  # a wording as written is surer than a joint
            label_end = worded
        if label_end is not None:
            starts.append((start, label_end))
        at += 1
    if len(starts) < _GLUED_LABELS:
        return None
    pieces = []
    for number, (start, end) in enumerate(starts):
        stop = starts[number + 1][0] if number + 1 < len(starts) else len(text)
        if text.startswith("(", end) and 0 < (close := text.find(")", end, stop)) - end <= 40:
            end = close + 1  # "Nature of disagreement(tick all that apply)": the label's aside
        label = text[start:end].rstrip(" :")
        value = text[end:stop]
        for prompt in _PROMPTS:  # a content control's prompt, left as text by the conversion
            value = value.replace(prompt, "")
        pieces.append(f"{label}: {value.strip()}")
    lead = text[: starts[0][0]].strip()
    return ([lead] if lead else []) + pieces


def _glued_label(text: str, vocabulary: Vocabulary) -> bool:
    if text[-1:].isdigit():
        return False
    path = vocabulary.match(text)
    return bool(path) and not path.startswith(GENERIC)


def labelled_values(
    lines: Iterable[Line], *, blank_ends: bool = False, vocabulary: Vocabulary = EVERY_FIELD
) -> list[LabelledValue]:
    """Labels and their answers in running text, in order.

    An answer is on the label's line or, when the label stands alone, on the next
    line (or lines, for free text and ticked lists) until the next label, a
    heading, or, when ``blank_ends``, a blank line after the answer has begun.
    """
    found: list[LabelledValue] = []
    waiting: _Open | None = None
    columns: list[str] | None = None  # the sides of a table's columns ("Referrer | Agency challenged")
    attributes: list[str] | None = None  # the attributes of a table's columns ("Name | Role | Agency")
    for line in _with_tables_unglued(lines, vocabulary):
        cells = line.text.split("\t")
        if columns and (placed := column_values(cells, columns, line.source, vocabulary)) is not None:
            found += placed
            continue
        if attributes and (placed := side_row_values(cells, attributes, line.source, vocabulary)) is not None:
            found += placed
            continue
        columns = column_sides(cells, vocabulary)
        attributes = None if columns or "\t" not in line.text else attribute_columns(cells, vocabulary)
        if columns or attributes:
            found += waiting.answer() if waiting else []
            waiting = None
            continue
        entries, lead = _entries(line.text, vocabulary)
        if not entries and (answered := _side_answered(lead, vocabulary)):
            # "Details of the professional being challenged: Al Smith, Team Manager, Bury CSC"
            found += waiting.answer() if waiting else []
            found.append(heading_marker(answered[0], line.source))
            # its answer may go on below, a line each for the role, the agency, the telephone
            waiting = _Open("", answered[0], line.source, [answered[1]])
            continue
        if waiting and not waiting.parts and not entries and _GUIDANCE.fullmatch(lead):
            continue  # "(as known to your agency)" under "Full name:": the form's guidance, not the answer
        before = waiting
        taken = len(before.parts) if before else 0
        if waiting and _answer_ends(waiting, line, bool(entries), lead, blank_ends):
            found += waiting.answer() or _unanswered_side(waiting, bool(entries), vocabulary)
            waiting = None
        taken = bool(before) and len(before.parts) > taken  # the line answered the label above
        if not taken and (entries and not entries[0][2] or not entries and lead) and is_heading(line.text, vocabulary):
            found.append(heading_marker(line.text, line.source))
            if not entries and _asks_for_a_side(line.text, vocabulary):  # "Who are you?" answered below
                waiting = _Open("", _tidy_label(line.text), line.source)
            if not entries:
                continue
        found += [LabelledValue(label, value, line.source) for _, label, value in entries if value]
        if entries and not entries[-1][2]:
            waiting = _Open(entries[-1][0], entries[-1][1], line.source)
        elif entries and entries[-1][0] in TICK_LISTS and has_boxes(entries[-1][2]):
            # "Nature of disagreement: ☒ Level of need" and more boxes on the lines below
            found.pop()
            waiting = _Open(entries[-1][0], entries[-1][1], line.source, [entries[-1][2]])
    return found + (waiting.answer() if waiting else [])


def _unanswered_side(waiting: _Open, labelled: bool, vocabulary: Vocabulary) -> list[LabelledValue]:
    """A label naming a side ("Referrer", "Agency you are escalating to") left unanswered because
    labels follow it: the heading of that side's section, which those labels are in."""
    side = vocabulary.classify(waiting.label).side
    return [heading_marker(waiting.label, waiting.source)] if labelled and side in (meaning.RAISER, meaning.CHALLENGED) else []


_GUIDANCE = re.compile(r"\([^()]{1,120}\)")


def column_sides(cells: list[str], vocabulary: Vocabulary) -> list[str] | None:
    """The sides of a row of column headings naming both sides ("| Agency A (raising the concern) |
    Agency B (concern about) |", "Referrer<tab>Agency being challenged"), else ``None``."""
    texts = [cell.strip() for cell in cells if cell.strip()]
    if not 2 <= len(texts) <= 4 or any(len(text) > _LONGEST_LABEL for text in texts):
        return None
    sides = [vocabulary.classify(text).side for text in texts]
    if not all(side in (meaning.RAISER, meaning.CHALLENGED) for side in sides) or len(set(sides)) < 2:
        return None
    return [side for side in sides if side]


def attribute_columns(cells: list[str], vocabulary: Vocabulary) -> list[str] | None:
    """The attributes of a row of generic column headings ("| | Name | Role | Agency |"), for rows
    below that each give one side ("| Person raising the concern | Jo | HV | Bury 0-19 |")."""
    texts = [cell.strip() for cell in cells if cell.strip()]
    if not 2 <= len(texts) <= 6 or any(len(text) > _LONGEST_LABEL for text in texts):
        return None
    found = [vocabulary.classify(text) for text in texts]
    if not all(f.attribute and f.side is None for f in found) or len({f.attribute for f in found}) < len(found):
        return None
    return [f.attribute for f in found if f.attribute]


def side_row_values(cells: list[str], attributes: list[str], source: str, vocabulary: Vocabulary) -> list[LabelledValue] | None:
    """A row under ``attribute_columns``: the side its first cell names, each answer that side's
    attribute of its column; ``None`` when the first cell names no side."""
    texts = [cell.strip() for cell in cells]
    texts = texts[1:] if texts and not texts[0] else texts  # a blank corner cell kept by a table reader
    if len(texts) < 2 or len(texts[0]) > _LONGEST_LABEL:
        return None
    side = vocabulary.classify(texts[0] + ":").side
    if side not in (meaning.RAISER, meaning.CHALLENGED, meaning.SUBJECT):
        return None
    return [
        LabelledValue(f"{texts[0]} {attribute}", value, source, f"{meaning.SIDE_PATHS[side]}.{attribute}", f"row:{side}")
        for value, attribute in zip(texts[1:], attributes)
        if value and attribute in meaning.SIDE_ATTRIBUTES[side]
    ]


def column_values(cells: list[str], sides: list[str], source: str, vocabulary: Vocabulary) -> list[LabelledValue] | None:
    """A row under column headings of both sides ("Role | Health Visitor | Learning Mentor"): each
    answer the field of its column's side; ``None`` when the row is not one (no label first)."""
    texts = [cell.strip() for cell in cells if cell.strip()]
    if len(texts) < 2 or len(texts[0]) > _LONGEST_LABEL:
        return None
    attribute = vocabulary.classify(texts[0]).attribute
    if not attribute:
        return None
    return [
        LabelledValue(texts[0], value, source, f"{meaning.SIDE_PATHS[side]}.{attribute}", f"column:{side}")
        for value, side in zip(texts[1:], sides)
        if attribute in meaning.SIDE_ATTRIBUTES[side]
    ]


def _with_tables_unglued(lines: Iterable[Line], vocabulary: Vocabulary) -> Iterable[Line]:
    """The lines, with each paragraph that is a flattened table read as its "Label: value" lines."""
    group: list[Line] = []
    for line in [*lines, None]:
        if group and (line is None or line.source != group[0].source):
            text = "\n".join(member.text for member in group)
            pieces = unglued(text, vocabulary) if len(text) > 40 else None
            if pieces is None:
                yield from group
            else:
                for piece in pieces:
                    yield from (Line(part, group[0].source, group[0].ends_answer) for part in piece.split("\n"))
            group = []
        if line is not None:
            group.append(line)


def _side_answered(text: str, vocabulary: Vocabulary) -> tuple[str, str] | None:
    """ "Details of the professional raising the concern: Jo Bloggs, Health Visitor, Bury 0-19":
    a heading about one side with its answer after a colon; (label, answer) or ``None``."""
    head, colon, rest = text[: _LONGEST_LABEL + 1].partition("\t" if "\t" in text[: _LONGEST_LABEL + 1] else ":")
    if not colon or not rest.strip() or not _asks_for_a_side(head.rstrip(": ") + "?", vocabulary):
        return None  # a table's cells ("Your details<tab>Jo Bloggs") or a colon divide the heading from its answer
    return _tidy_label(head), _tidy_value(text[len(head) + 1 :])


def _asks_for_a_side(text: str, vocabulary: Vocabulary) -> bool:
    """A question about one side ("Who are you?", "Who is the disagreement with?") that is a
    heading: its answer below may give the side's name, role and agency."""
    found = vocabulary.classify(text)
    return text.rstrip().endswith("?") and found.side in (meaning.RAISER, meaning.CHALLENGED) and found.attribute is None


def _answer_ends(waiting: _Open, line: Line, labelled: bool, lead: str, blank_ends: bool) -> bool:
    """Take the line into the waiting answer if it continues it; True once the answer is over."""
    took = bool(lead) and not line.ends_answer and waiting.takes(lead)
    if took:
        waiting.parts.append(lead)
    if line.ends_answer or labelled or (lead and not took):
        return True
    if not waiting.parts:
        return False
    one_line = waiting.path not in FREE_TEXT | TICK_LISTS and bool(waiting.path)
    return one_line or (blank_ends and not lead)


def _entries(text: str, vocabulary: Vocabulary) -> tuple[list[tuple[str, str, str]], str]:
    """The labelled segments of a line, and any unlabelled text before the first."""
    segments = _segments(text, vocabulary)
    parsed = [vocabulary.split(segment) for segment in segments]
    lead = "" if parsed[0] else _tidy_value(segments[0])
    return [entry for entry in parsed if entry], lead
