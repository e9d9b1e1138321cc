"""Pure normalisers: the text a practitioner typed into a form into typed values.

Every function returns ``None`` (or ``[]``) when the text does not say one thing
clearly; the caller records a problem rather than guessing (DESIGN.md).
"""

from __future__ import annotations

import re
from datetime import date

from escalations.intake.notices.model import Attempt

# Ticks and boxes as readers hand them over: Word's own check boxes, typed ticks, and
# the Wingdings/Wingdings 2 glyphs (which the Word reader turns into these).
TICKED = "☒☑✓✔✗✘√⌧🗹🗷🗸🗵⮽"
UNTICKED = "☐□◻❑❒▢"
_BOXES = TICKED + UNTICKED
# "[x] Yes [ ] No" written by hand: read as the Word check-box glyphs.
_HAND_BOXES = ((re.compile(r"[\[(][xX✓✔][\])]"), "☒"), (re.compile(r"[\[(]\s?[\])]"), "☐"))
# "Yes X  No ☐": a typed X beside printed boxes is a tick (only where boxes are printed).
_TYPED_X = re.compile(r"(?<![\w'’])[xX](?![\w'’])")

_MONTHS = ("january february march april may june july august september october november december").split()
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_SHORT = {"weds": 2}  # the one common short form that is not a prefix
_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix")
_LONGEST_DATE = 40  # "Wednesday 30th September 2026" and room to spare
_TWO_DIGIT_CUTOFF = 50  # "17" is 2017, "55" is 1955
_YEARS = range(1900, 2100)

_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)
_DATE_SEPARATORS = re.compile(r"[\s\-/.]+")
_AGE = re.compile(r"\s?(?:aged? ?)?\d{1,3} ?(?:y|yrs?|years?|months?|mths?|weeks?)?(?: old)?\)\s?", re.IGNORECASE)
_FILLER_WORDS = frozenset({"of", "the"})  # "the 3rd of May 2019"
_LEADERS = re.compile(r"[._…]{4,}")  # a form's dotted line; "..." is a writer's ellipsis


def parse_uk_date(text: str) -> date | None:
    """A date written the British way (day first), or ``None`` if it is not one date.

    Numbers: "14/02/2017", "14.02.17", "3/9/19", "2017-02-14" (a four-digit year
    first is read year-month-day). Words: "3rd of September 2019", "Sept 3 2019",
    "03 Sep 19", "Tuesday 3 September 2019" (a weekday that does not fit is not a date).
    """
    head, bracket, rest = text.partition("(")
    if bracket and head.strip() and _AGE.fullmatch(rest):  # "01/02/2019 (age 7)", "(7 yrs)": the age beside it
        text = head
    if len(text) > _LONGEST_DATE:
        return None
    cleaned = _ORDINAL.sub("", text.strip().rstrip(".").replace(",", " ").replace("'", " "))
    tokens = [word for word in _DATE_SEPARATORS.split(cleaned.lower()) if word]
    tokens = [word for word in tokens if word not in _FILLER_WORDS]
    weekday = _weekday(tokens[0]) if len(tokens) == 4 else None
    if weekday is not None:
        tokens = tokens[1:]
    if len(tokens) != 3:
        return None
    found = _numeric_date(tokens) if all(map(_is_number, tokens)) else _worded_date(tokens)
    return found if found is None or weekday in (None, found.weekday()) else None


def _numeric_date(tokens: list[str]) -> date | None:
    if len(tokens[0]) == 4:  # ISO order, the only one that starts with the year
        year, month, day = tokens
        return _valid_date(int(year), int(month), int(day)) if len(day) <= 2 else None
    day, month, year = tokens
    if len(day) > 2 or len(month) > 2 or len(year) not in (2, 4):
        return None
    return _valid_date(_full_year(year), int(month), int(day))


def _worded_date(tokens: list[str]) -> date | None:
    first, second, year = tokens
    if not _is_number(year) or len(year) not in (2, 4):
        return None
    day, month = (first, _month(second)) if _is_number(first) else (second, _month(first))
    if month is None or not _is_number(day) or len(day) > 2:
        return None
    return _valid_date(_full_year(year), month, int(day))


def _is_number(token: str) -> bool:
    return token.isascii() and token.isdigit()  # "²" is a digit to str.isdigit, not to int()


def _weekday(token: str) -> int | None:
    if token in _WEEKDAY_SHORT:
        return _WEEKDAY_SHORT[token]
    matches = [n for n, name in enumerate(_WEEKDAYS) if len(token) >= 3 and name.startswith(token)]
    return matches[0] if len(matches) == 1 else None


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


def parse_dated_outcome(text: str) -> Attempt | None:
    """An outcome that may open with its date: "20/02/2026 – the panel agreed…".

    Only a date at the start counts: a date later in the text ("review by
    01/04/2026") is part of the outcome, not the date it happened.
    """
    first, _, rest = text.strip().partition("\n")
    if not first:
        return None
    opening = _attempt(first)
    outcome = clean_text("\n".join(part for part in (opening.outcome or "", rest) if part))
    if opening.date is None:
        return Attempt(None, clean_text(text))
    return Attempt(opening.date, outcome)


def _attempt(line: str) -> Attempt:
    if whole := parse_uk_date(line):
        return Attempt(whole, None)
    for at, char in enumerate(line[:_LONGEST_DATE]):
        if char in "-–—:" and (when := parse_uk_date(line[:at])):
            return Attempt(when, clean_text(line[at + 1 :]))
    return Attempt(None, clean_text(line))


# The form's own words, left as printed: the question was not answered.
_PROMPTS = re.compile(
    r"(?:yes\s*(?:or|/)\s*no|y\s*/\s*n|n\s*/\s*a|not applicable|dd\s*/\s*mm\s*/\s*yy(?:yy)?"
    r"|click (?:or tap )?(?:here )?to enter (?:a date|text)|choose an item|please select|select)",
    re.IGNORECASE,
)


def nothing_ticked(text: str) -> bool:
    """True for an answer left blank: boxes with none ticked, or the form's own prompt.

    "☐ Yes ☐ No", "Yes or No" and "Click or tap here to enter text." are questions
    nobody answered, not answers nobody could read.
    """
    boxed = _hand_boxes(text)
    if any(box in boxed for box in UNTICKED) and not any(box in boxed for box in TICKED):
        return True
    return _PROMPTS.fullmatch(text.strip().rstrip(".").strip()) is not None


def parse_yes_no(text: str) -> bool | None:
    """Yes/no in words or as ticked boxes ("☒ Yes ☐ No"); ``None`` when unclear.

    A box ticked on its own answers yes; the printed prompt "Yes or No" before an
    answer is skipped, and so is the other word left behind when one was struck
    through ("Yes / ~~No~~" reaches here as "Yes /").
    """
    boxed = _hand_boxes(text)
    if any(box in boxed for box in _BOXES):
        items = _ticked_items(boxed)
        if [ticked for words, ticked in items] == [True] and not items[0][0]:
            return True  # a single ticked box beside the question
        ticked = {word for word, is_ticked in items if is_ticked}
        answers = {_yes_no_word(word) for word in ticked} - {None}
        return answers.pop() if len(answers) == 1 else None
    found = _yes_no_word(_without_prompt(text))
    if found is None and TRANSLATED.search(text):  # "Ie / Yes", "Na / No": a bilingual form's answer
        versions = {_yes_no_word(version) for version in TRANSLATED.split(text)[:3]} - {None}
        return versions.pop() if len(versions) == 1 else None  # "Yes / No" left as printed: no answer
    return found


# A text given in two languages, its versions apart by a spaced slash ("Ie / Yes"); labels.py reads labels so.
TRANSLATED = re.compile(r" / ")


# Searched without a leading "\s*" (which would read a long run of spaces once per
# space); the spaces before the prompt are then dropped by hand.
_PROMPT_FIRST = re.compile(r"yes\s*(?:or|/)\s*no\b[\s:\-–—?]*(?=\S)", re.IGNORECASE)
_LEADING_OR = re.compile(r"\s*(?:or|/)\s+", re.IGNORECASE)  # used with match(): one attempt


def _without_prompt(text: str) -> str:
    if match := _PROMPT_FIRST.search(text):
        text = text[: match.start()].rstrip() + text[match.end() :]
    return _without_dangling(text)


def _without_dangling(text: str) -> str:
    """Drop an "or" or "/" left at either end ("Yes /" once "No" was struck through)."""
    if match := _LEADING_OR.match(text):
        text = text[match.end() :]
    body = text.rstrip()
    for word in ("or", "/"):
        if body.lower().endswith(word):
            return body[: -len(word)].rstrip()
    return text


# "Not that I know of", "None that I am aware of", "Not as far as I know": a no, however hedged.
_NOT_AWARE = re.compile(
    r"\s*(?:not|none|no)\s+(?:that I(?:'m|’m| am)? (?:know|aware)(?: of)?|as far as I(?:'m|’m| am)? (?:know|aware))\W*",
    re.IGNORECASE,
)


# "None identified", "Nil": nothing of the risk asked about.
_NONE = re.compile(r"\s*(?:none|nil)(?: (?:identified|noted|reported|at present|currently|at this time))?\W*", re.I)


def _yes_no_word(text: str) -> bool | None:
    text = text.lstrip(" -–—:")  # "Immediate risk? - No": the dash between question and answer
    if _NOT_AWARE.fullmatch(text[:100]) or _NONE.fullmatch(text[:100]):
        return False
    match = re.fullmatch(r"\s*(yes|no|y|n|true|false)\b\s*(?:[-–—,.;:(].*)?", text, re.I | re.S)
    if not match:
        return _risk_sentence(text)
    return match.group(1).lower() in ("yes", "y", "true")


_RISK_WORDS = re.compile(r"\b(?:risk|harm|danger)", re.IGNORECASE)
_NO_RISK = re.compile(r"(?:no|not|none)\b", re.IGNORECASE)  # used with match(): the answer's first word


# One rule for a negated or conditional statement of risk, here and in an email's sentences (body.py).
NEGATION = re.compile(r"\b(?:no|not|none|nor|never|neither|without)\b|n['’]t\b", re.IGNORECASE)
CONDITIONAL = re.compile(r"\b(?:if|whether|unless|should|might|may|could)\b", re.IGNORECASE)
_UNSURE = re.compile(r"\b(?:unknown|not known|unsure|not sure|unclear|don['’]t know|do not know|n/a)\b", re.IGNORECASE)


def _risk_sentence(text: str) -> bool | None:
    """ "No immediate risk identified", "Not at immediate risk", "There is no immediate risk": no;
    "Yes there is a risk", "Ruby is at immediate risk of harm": yes. Only a short answer about the risk
    itself; one that is unsure, conditional, asks, or says both yes and no is no answer."""
    words = text.split()
    if not 2 <= len(words) <= 25 or not _RISK_WORDS.search(text) or _UNSURE.search(text):  # noqa: PLR2004
        return None
    first = words[0].lower().strip(",.;:")
    mixed = any(word.lower().strip(",.;:") == "yes" for word in words[1:])
    if first == "yes" and not _NO_RISK.search(" ".join(words[1:])):
        return True
    if _NO_RISK.fullmatch(first):
        return None if mixed else False
    if mixed or "?" in text or CONDITIONAL.search(text):
        return None
    if NEGATION.search(text):
        return False  # "There is no immediate risk", "The risk is not immediate"
    return True if _IMMEDIACY.search(text) else None  # "Ruby is at immediate risk": yes; "High risk": not said


_IMMEDIACY = re.compile(r"\b(?:immediate|immediately|imminent|danger|urgent|999|police)\b", re.IGNORECASE)


def has_boxes(text: str) -> bool:
    """True when the text carries check boxes or ticks, printed or typed ("[x]")."""
    return any(box in _hand_boxes(text) for box in _BOXES)


# "Thresholds (Y) Resources (N)": a yes or no typed after each option, read as its box when there are two or more.
_TYPED_YES_NO = re.compile(r"\((?:(y|yes)|n|no)\)", re.IGNORECASE)


def _hand_boxes(text: str) -> str:
    for pattern, glyph in _HAND_BOXES:
        text = pattern.sub(glyph, text)
    if len(_TYPED_YES_NO.findall(text, 0, _MAX_TYPED)) >= 2:  # noqa: PLR2004
        text = _TYPED_YES_NO.sub(lambda match: " ☒" if match.group(1) else " ☐", text)
    text = _drawn_boxes(text)
    if any(box in text for box in _BOXES):
        text = _TYPED_X.sub("☒", text)
    return text


_MAX_TYPED = 5_000
_ITEM_SEPARATORS = re.compile(r"([\n\t])")
_LONGEST_OPTION = 80  # characters: an option of a list, not a sentence
_MOST_OPTIONS = 40


def _drawn_boxes(text: str) -> str:
    """A printed list of options whose boxes are drawn, not written: the ticked ones carry an "X" typed
    in the box ("X Information sharing"), the others nothing before their words. With both kinds among
    short items (lines or columns), each item gets its box."""
    if len(text) > _LONGEST_OPTION * _MOST_OPTIONS or any(box in text for box in _BOXES):
        return text
    parts = _ITEM_SEPARATORS.split(text)
    items = [part.strip() for part in parts[::2]]
    if not 2 <= len(items) <= _MOST_OPTIONS or not all(0 < len(item) <= _LONGEST_OPTION for item in items):  # noqa: PLR2004
        return text
    marked = [item[:2] in ("X ", "x ") and len(item) > 2 for item in items]  # noqa: PLR2004
    if all(marked) or not any(marked):
        return text
    boxed = [f"☒ {item[2:]}" if ticked else f"☐ {item}" for item, ticked in zip(items, marked)]
    return "".join(box + (parts[2 * at + 1] if 2 * at + 1 < len(parts) else "") for at, box in enumerate(boxed))


def _ticked_text(text: str) -> str:
    """In a list of boxes, only the ticked items' wording; other text unchanged."""
    boxed = _hand_boxes(text)
    if not any(box in boxed for box in _BOXES):
        return text
    return " | ".join(words for words, ticked in _ticked_items(boxed) if ticked)


def _ticked_items(text: str) -> list[tuple[str, bool]]:
    """Pair each box with its wording: boxes lead ("☒ Yes") or trail ("Yes ☒") the words."""
    parts = [part.strip() for part in re.split(f"([{_BOXES}])", text)]
    if parts and parts[0].startswith("(") and parts[0].endswith(")") and len(parts[0]) <= 40:
        parts[0] = ""  # "(tick all that apply) ☒ Level of need ☐ …": the label's own aside
    if parts and not parts[0]:  # the text opens with a box: each box owns the words after it
        return [(parts[i + 1], parts[i] in TICKED) for i in range(1, len(parts) - 1, 2)]
    return [(parts[i - 1], parts[i] in TICKED) for i in range(1, len(parts), 2)]


_STAGE = re.compile(
    r"\s*(?:(stage|step|tier|level)\s*:?\s*)?(\d{1,2}|" + "|".join(_NUMBER_WORDS + _ORDINAL_WORDS) + r"|[ivx]{1,4})\b"
    r"(?: ?(?:stage|step|tier|level)\b)?(?: of \d{1,2}\b)?"  # "2nd stage", "Step 2 of 4"
    r"(\s*(?:[-–—:.,;(/].*)?)",
    re.IGNORECASE | re.DOTALL,
)
# "Stage 2 - 3", "2/3", "stage 2 to 3": two stages, so not one stage.
_TICKED_STAGE = re.compile(r"\s*(?:(?:stage|step|tier|level)\s*)?\d{1,2}\b", re.IGNORECASE)
_SECOND_NUMBER = re.compile(r"\s*(?:[-–—/,&]|to|and|or)\s*\d", re.IGNORECASE)


def parse_stage(text: str) -> int | None:
    """The stage in "Stage 4", "4 – BSCB representatives", "Step 3", "Level 2", "stage two".

    Greater Manchester's policy numbers its tiers as levels; Roman numerals count
    only after the word ("Stage II"), as a lone "I" or "V" is not a stage.
    """
    if has_boxes(text):  # "☐ 1 Practitioner ☒ 2 Manager ☐ 3 …", "☒ 2": the one box ticked
        ticked = [words for words, on in _ticked_items(_hand_boxes(text)) if on]
        if len(ticked) != 1 or has_boxes(ticked[0]):
            return None
        first = _TICKED_STAGE.match(ticked[0])  # "2 Manager", "Stage 3 – senior managers"
        return parse_stage(first.group(0)) if first else None
    match = _STAGE.fullmatch(_ORDINAL.sub("", text))
    if not match or _SECOND_NUMBER.match(match.group(3)):
        return None
    word, number = match.group(1), match.group(2).lower()
    if _is_number(number):
        stage = int(number)
    elif number in _NUMBER_WORDS:
        stage = _NUMBER_WORDS.index(number) + 1
    elif number in _ORDINAL_WORDS:
        stage = _ORDINAL_WORDS.index(number) + 1
    elif word and number in _ROMAN:
        stage = _ROMAN.index(number) + 1
    else:
        return None
    return stage if 1 <= stage <= 9 else None


# Each slug with the wordings the five policies use for it (INDEX.md, "Disagreement
# themes"): Bury 4 and Salford 1.4/1.7 lists, Barnet 1, Bury adults 4, and the slug
# itself written out.
_CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "thresholds": (
        r"threshold",
        r"levels? of (?:need|risk)",
        r"recogni[sz]\w{0,12} (?:the )?need",
        r"eligib",
        r"criteria for (?:services|intervention|support)",
    ),
    "roles_responsibilities": (r"roles?\s*(?:and|&)?\s*responsibilit", r"lead agency", r"who should (?:lead|act)"),
    "action_communication": (r"need for action", r"communicat", r"action and communication", r"lack of action"),
    "information_sharing": (
        r"information\s*sharing",
        r"sharing (?:of )?information",
        r"info sharing",
        r"information (?:is |was )?not (?:being )?shared",
        r"consent to share",
        r"data sharing",
    ),
    "response_to_concern": (
        r"respon(?:se|ding) to (?:an? )?(?:safeguarding )?(?:concern|referral|disclosure)",
        r"safeguarding response",
    ),
    "referral_not_accepted": (r"referral",),
    "assessment_outcome": (r"assessment",),
    "step_up_down": (r"step(?:ped|ping)?\s*(?:up|down)", r"case closure", r"closure of (?:the )?case", r"closing (?:the )?case"),
    "case_conference": (
        r"case conference",
        r"child protection conference",
        r"strategy (?:meeting|discussion)",
        r"\bi?cpc\b",
        r"\brcpc\b",
        r"\bconference\b",
    ),
    "plan_progression": (
        r"progression of (?:the )?plans?",
        r"plans? progression",
        r"progress of (?:the )?plans?",
        r"planned interventions?",
        r"\bdrift",
    ),
    "resources": (r"resource", r"capacity", r"funding", r"staffing"),
    "statutory_roles": (
        r"statutory roles?",
        r"not fulfilling",
        r"working together",
        r"statutory (?:duties|duty|responsibilit|functions?)",
    ),
    "non_attendance": (
        r"non\s*attendance",
        r"not attend",
        r"attendance at statutory meetings",
        r"fail\w{0,6} to attend",
        r"did not attend",
    ),
    "unilateral_decision": (r"uni\s*lateral", r"without consult", r"not consulted", r"single agency decision"),
    "service_timeliness": (r"service provision", r"timeliness", r"timely", r"timescale", r"\bdelay"),
}


def parse_categories(text: str) -> list[str]:
    """Category slugs named in ``text``; in a ticked list only the ticked items count.

    Linear: the wording's spaces are single, so no pattern's ``\\s*`` has a run to read twice.
    """
    wording = re.sub(r"[\s_\-/]+", " ", _ticked_text(text).lower())
    return [slug for slug, patterns in _CATEGORY_WORDS.items() if any(re.search(pattern, wording) for pattern in patterns)]


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


ADULT_AGE = 18


def age_on(born: date, day: date) -> int:
    """Whole years of age on ``day``; born on 29 February, a year older on 1 March."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def kind_by_age(born: date, on: date) -> str:
    """The subject's kind by age on the notice's date: an adult from the 18th birthday.

    The notice's date is its signed date (the day it is read when it has none): the
    policy that applies is the one for the person as they were when it was raised.
    """
    return "adult" if age_on(born, on) >= ADULT_AGE else "child"


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


# Another name the person is known by, after theirs: "Ruby Evans (aka Ruby Nowak)", "… also known as …".
_ALIAS = re.compile(r"\s*\(?\b(?:aka|a\.k\.a\.?|also known as|known as|previously known as)\b", re.IGNORECASE)
_INFANT = re.compile(r"baby\s+(?=\S+\s+\S)", re.IGNORECASE)  # "Baby Ruby Evans": the word is no part of her name


def clean_subject_name(text: str) -> str | None:
    """The name of the child or adult: as ``clean_name``, without another name they are known by, the
    word "Baby" before a named infant, and in forename-surname order where the surname was written
    first in capitals ("SMITH, Jayden", as case records write it)."""
    name = clean_name(text)
    if name is None:
        return None
    if alias := _ALIAS.search(name[:200]):
        name = name[: alias.start()].strip(" ,;-–") or name
    name = _INFANT.sub("", name, count=1) if _INFANT.match(name) else name
    return _surname_first(name) or name


def _surname_first(name: str) -> str | None:
    """ "SMITH, Jayden" → "Jayden SMITH": one comma, capitals before it and a written name after it."""
    surname, comma, forenames = name.partition(",")
    letters = [ch for ch in surname if ch.isalpha()]
    if not comma or "," in forenames or not letters or not all(ch.isupper() for ch in letters):
        return None
    if not forenames.strip() or forenames.strip().isupper() or len(surname.split()) > 3:  # noqa: PLR2004
        return None
    return f"{forenames.strip()} {surname.strip()}"


def reorder_surname_first(name: str) -> str:
    """ "Evans, Ruby" → "Ruby Evans": a name under a label that says the surname comes first."""
    surname, comma, forenames = name.partition(",")
    if not comma or "," in forenames or not forenames.strip() or len(surname.split()) > 3:  # noqa: PLR2004
        return name
    return f"{forenames.strip()} {surname.strip()}"


_EMAIL = re.compile(r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+")
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-")
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_LONGEST_LOCAL, _LONGEST_DOMAIN = 64, 255  # RFC 5321 4.5.3.1


def clean_email(text: str) -> str | None:
    """The one lower-case address the text gives, or ``None``.

    "Name <addr>", "mailto:addr" and "addr (secure)" all give the address; two
    addresses, or something that only looks like one, give ``None``. A bounded
    scanner around the one "@" (a regular expression searching for addresses
    read a long run of address characters once per character: issue 12).
    """
    if text.count("@") != 1:
        return None
    at = text.index("@")
    start = _run_start(text, at, _LOCAL_CHARS, _LONGEST_LOCAL)
    end = _run_end(text, at + 1, _DOMAIN_CHARS, _LONGEST_DOMAIN)
    if start is None or end is None or start == at or end == at + 1:
        return None
    return _address(text[start:end])


def _run_start(text: str, before: int, chars: frozenset[str], longest: int) -> int | None:
    """Where the run of ``chars`` ending at ``before`` starts; None if longer than ``longest``."""
    start = before
    while start > 0 and text[start - 1] in chars:
        if before - start == longest:
            return None
        start -= 1
    return start


def _run_end(text: str, after: int, chars: frozenset[str], longest: int) -> int | None:
    end = after
    while end < len(text) and text[end] in chars:
        if end - after == longest:
            return None
        end += 1
    return end


def _address(candidate: str) -> str | None:
    address = candidate.lower().removeprefix("mailto:").rstrip(".")
    return address if _EMAIL.fullmatch(address) else None


_PHONE_RUN = re.compile(r"[\d\s().\-]+")  # one attempt per run: the class has no boundary to backtrack to
_LEAST_PHONE = 9  # a digit or "(", seven more, and a last digit


def clean_phone(text: str) -> str | None:
    """The one UK telephone number the text gives, as digits and spaces, or ``None``.

    "0161 496 0000 (direct line)" gives the number; two numbers, or a number with
    an extension ("0161 496 0000 ext 12"), give ``None``: which one to ring is not ours to guess.
    """
    if re.search(r"\bext(?:ension)?\b|\bx\d", text, re.IGNORECASE):
        return None
    numbers = [_phone(found) for found in _phone_candidates(text)]
    return numbers[0] if len(numbers) == 1 else None


def _phone_candidates(text: str) -> list[str]:
    """What ``\\+?[\\d(][\\d\\s().\\-]{7,}\\d`` would find, in linear time.

    That pattern, searched, reads a run such as "((((" to its end once per "(";
    but in any run of its characters it finds at most one number: from the first
    digit or "(" that leaves room for eight more characters up to the run's last digit.
    """
    found = []
    for run in _PHONE_RUN.finditer(text):
        chars = run.group()
        last = next((i for i in range(len(chars) - 1, -1, -1) if chars[i].isdecimal()), -1)
        room = last - _LEAST_PHONE + 1  # the last place a number can start
        first = next((i for i in range(room + 1) if chars[i].isdecimal() or chars[i] == "("), None)
        if first is None:
            continue
        plus = "+" if first == 0 and text[run.start() - 1 : run.start()] == "+" else ""
        found.append(plus + chars[first : last + 1])
    return found


def _phone(written: str) -> str | None:
    written = written.strip().replace("(0)", " ")
    if written.startswith("0044"):
        written = "+44" + written[4:]
    tidy = " ".join(re.sub(r"[().\-]", " ", written).split())
    digits = re.sub(r"\D", "", tidy)
    domestic = tidy.startswith("0") and len(digits) in (10, 11)
    international = tidy.startswith("+44") and len(digits) in (11, 12)
    return tidy if domestic or international else None
