"""Labelled values from every source into the canonical notice's fields.

Each field has a rule: how its text becomes a value, what to say when it
cannot, and how answers from several places combine. One-value fields that are
answered differently in two places are left empty with a problem naming both
places (DESIGN.md: unknown values are never guessed); free text and lists are
joined. Where each value came from is kept in ``Notice.sources``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from escalations.intake.notices import normalise as n
from escalations.intake.notices.fields import LabelledValue, Vocabulary, normalise_label
from escalations.intake.notices import labels as meaning
from escalations.intake.notices.labels import NAME_HALVES
from escalations.intake.notices.model import CATEGORY_SLUGS, Attempt, Notice, Problem

ADULT_AGE = 18


@dataclass(frozen=True)
class _Rule:
    """How one field's text becomes a value, and what to say when it cannot."""

    parse: Callable[[str], Any]
    unreadable: str | None  # None: nothing to report (empty text, someone else's reference)
    combine: str = "one"  # "one": a single value; "text": paragraphs joined; "list": items


def _categories(text: str) -> list[str] | None:
    return n.parse_categories(text) or None


def _outcomes(text: str) -> list[str] | None:
    outcome = n.clean_text(text)
    return [outcome] if outcome else None


_HALVED = ("subject", "raised_by", "challenged")

RULES: dict[str, _Rule] = {
    "subject.name": _Rule(n.clean_subject_name, "is not a name"),
    "subject.dob": _Rule(n.parse_uk_date, "is not a date"),
    "subject.kind": _Rule(n.parse_subject_kind, "does not say child or adult"),
    "raised_by.name": _Rule(n.clean_name, "is not a name"),
    "raised_by.role": _Rule(n.clean_text, None),
    "raised_by.agency": _Rule(n.clean_text, None),
    "raised_by.email": _Rule(n.clean_email, "is not an email address"),
    "raised_by.phone": _Rule(n.clean_phone, "is not a UK telephone number"),
    "challenged.agency": _Rule(n.clean_text, None),
    "challenged.name": _Rule(n.clean_name, "is not a name"),
    "challenged.role": _Rule(n.clean_text, None),
    "categories": _Rule(_categories, "names no category we know", "list"),
    "concern": _Rule(n.clean_text, None, "text"),
    "immediate_risk": _Rule(n.parse_yes_no, "is not a clear yes or no"),
    "stage": _Rule(n.parse_stage, "is not a stage number"),
    "outcome_sought": _Rule(n.clean_text, None, "text"),
    "copies_to": _Rule(n.parse_copies, None, "list"),
    "signed.name": _Rule(n.clean_name, "is not a name"),
    **{f"{side}.{half}": _Rule(n.clean_name, "is not a name") for side in _HALVED for half in NAME_HALVES},
    "signed.role": _Rule(n.clean_text, None),
    "signed.date": _Rule(n.parse_uk_date, "is not a date"),
    "attempts": _Rule(n.parse_attempts, None, "list"),
    "attempts.date": _Rule(n.parse_dates, "is not a list of dates", "list"),
    "attempts.outcome": _Rule(_outcomes, None, "list"),
    "case_reference": _Rule(n.parse_case_reference, None),
    # B&NES Appendix A, "Unresolved Dispute and Referral to BCSSP Chair".
    "panel.referral_date": _Rule(n.parse_uk_date, "is not a date"),
    "panel.convene": _Rule(n.parse_yes_no, "is not a clear yes or no"),
    "panel.outcome": _Rule(n.parse_dated_outcome, None),  # "20/02/2026 – the panel agreed…"
    "panel.date": _Rule(n.parse_uk_date, "is not a date"),
}
_PAIRED = ("attempts", "attempts.date", "attempts.outcome")


def fill(notice: Notice, values: list[LabelledValue], vocabulary: Vocabulary) -> None:
    """Normalise each value by its field's rule, then set each field from what was found.

    A value placed by its reader (``LabelledValue.path``) keeps that field; others are
    matched by their label. A label asking for several things ("Your details (name,
    role, agency)") has its answer split where the parts are plain; a fallback (the
    signature under an email) counts only where nothing else gave the field.
    """
    found: dict[str, list[tuple[Any, str]]] = {}
    fallbacks: dict[str, list[tuple[Any, str, str, str]]] = {}
    for value in values:
        for path, text, rule_name in _placed(value, vocabulary):
            rule = RULES.get(path)
            if rule is None or n.nothing_ticked(text):  # boxes, none ticked: unanswered
                continue
            parsed = rule.parse(text)
            if parsed is None and rule.unreadable:
                message = f"The answer to '{value.label}' in {value.source} {rule.unreadable}."
                notice.problems.append(Problem(_problem_field(path), message))
            for part, item in _parts(path, parsed):
                if rule_name.startswith(FALLBACK):
                    fallbacks.setdefault(part, []).append((item, value.source, value.label, rule_name))
                    continue
                found.setdefault(part, []).append((item, value.source))
                notice.readings.setdefault(part, []).append(_reading(value, rule_name))
    named = "raised_by.name" in found and not _signed_by_raiser(found, fallbacks)
    for part, items in fallbacks.items():
        signature = items[0][3] == "fallback:signature"
        if part not in found and not (signature and named):
            found[part] = [(item, source) for item, source, _, _ in items[:1]]
            item, source, label, rule_name = items[0]
            notice.readings.setdefault(part, []).append(f"'{label}' ({rule_name}) in {source}")
    _join_halves(found, notice.readings)
    for path, items in found.items():
        if path not in _PAIRED and not path.endswith(NAME_HALVES):
            _assign(notice, path, items)
    notice.attempts = _all_attempts(found)
    notice.sources = {path: _unique([source for _, source in items]) for path, items in found.items()}


def _signed_by_raiser(found: dict[str, list[tuple[Any, str]]], fallbacks: dict[str, list[tuple[Any, str, str, str]]]) -> bool:
    """The signatory is the raiser only when nothing else names one, or when what names the raiser
    names the signatory too ("Agency A contact: Lucy Harrington" over "Kind regards, Lucy Harrington,
    Detective Constable"): then the signature's role and agency are the raiser's where no label gave them."""
    signed = [item for item, _, _, rule in fallbacks.get("raised_by.name", []) if rule == "fallback:signature"]
    named = {_same_name(item) for item, _ in found.get("raised_by.name", [])}
    return len(named) == 1 and bool(signed) and _same_name(signed[0]) in named


def _same_name(name: Any) -> str:
    return " ".join(str(name).replace("\u2019", "'").split()).casefold()


def _join_halves(found: dict[str, list[tuple[Any, str]]], readings: dict[str, list[str]]) -> None:
    """ "First name" and "Surname" answered apart: the side's name, where nothing else gives it."""
    for side in _HALVED:
        first, last = found.get(f"{side}.first_name", []), found.get(f"{side}.last_name", [])
        if f"{side}.name" in found or len(first) != 1 or len(last) != 1:
            continue
        found[f"{side}.name"] = [(f"{first[0][0]} {last[0][0]}", first[0][1])]
        readings[f"{side}.name"] = [*readings.pop(f"{side}.first_name", []), *readings.pop(f"{side}.last_name", [])]


FALLBACK = "fallback:"  # a rule whose reading counts only when nothing else gives the field
_PEOPLE = ("raised_by.name", "signed.name", "challenged.name")
_SEPARATORS = re.compile(r"\s*(?:,|;|\n|\s[-–—|/]\s)\s*")
_DOB_WORD = re.compile(r"[\s(,]*(?:d\.?\s?o\.?\s?b\.?|date of birth|born)[\s:]*$", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"\b\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}\b")


def _reading(value: LabelledValue, rule: str) -> str:
    return f"'{value.label}' ({rule}) in {value.source}"


def _placed(value: LabelledValue, vocabulary: Vocabulary) -> list[tuple[str, str, str]]:
    """(field, text, rule) for each field one answer gives."""
    if value.rule is not None:
        path, rule = value.path, value.rule
    else:
        found = vocabulary.classify(value.label)
        path, rule = vocabulary.match(value.label), found.rule
    if not path and value.value and value.rule != "heading" and (side := _side_asked(value.label, vocabulary)):
        # "Details of the professional being challenged: Al Smith, Team Manager, Bury CSC"
        return _person_parts(f"{side}.name", value.value, f"{rule} answered", whole=True)
    if path in _AGENCIES and _side_asked(value.label, vocabulary, who=True):
        # "Who do you disagree with? Al Smith, Team Manager, Bury CSC": a person, their role, their agency
        found = _person_parts(path.replace(".agency", ".name"), value.value, rule, whole=True)
        if found:
            return found
    if not path or (path.startswith("panel.") and path not in vocabulary.labels):
        return []  # unknown, or B&NES's panel where the form does not have it
    if (lines := _labelled_lines(path, value.value, rule, vocabulary)) is not None:
        return lines
    if path == "concern" and _asks_about(value.label) and (party := _agency_and_person(value.value)):
        # "Concern about: Bury Police (Declan Rhys, Detective Sergeant)": whom the concern is about, not what
        path, rule = "challenged.agency", f"{rule} names a party"
    if path in _AGENCIES and (party := _agency_and_person(value.value)):
        # "Disagreement with: Bury Police (Declan Rhys, Detective Sergeant)": the agency, and its worker
        side = path.split(".")[0]
        return [(path, party[0], rule)] + _person_parts(f"{side}.name", party[1], f"{rule} bracketed")
    if path in _AGENCIES and (worker := _person_and_agency(value.value)):
        # "Professional / agency you disagree with: Team Manager Al Smith (Bury CSC)": the worker, and their agency
        side = path.split(".")[0]
        return [(path, worker[1], f"{rule} bracketed")] + _worker(f"{side}.name", worker[0], rule)
    if path == "concern" and n.has_boxes(value.value):  # "What is it about? (tick all that apply)" and boxes
        return _boxes_and_prose(value.value, rule)
    if path == "concern" and (listed := _category_lines(value.value, rule)):  # "Concerns:" / "Thresholds" / "…"
        return listed
    if path == "categories" and _prose(value.value):  # "Nature of disagreement" answered in sentences
        return [("concern", value.value, f"{rule} prose")]
    if path == "subject.kind" and n.parse_subject_kind(value.value) is None and n.clean_name(value.value):
        path, rule = "subject.name", f"{rule} answered by a name"  # "Child / adult: Harley Nowak": who, not which
    if path == "subject.name" and _surname_first_asked(value.label):  # "Name (Surname, Forename)": "Evans, Ruby"
        return [(path, n.reorder_surname_first(value.value), f"{rule} surname first")]
    if path == "subject.name" and _NUMERIC_DATE.search(value.value):  # "Tyler Whittaker (DOB 08/12/2022)"
        path = "subject.name+subject.dob"
    if "+" in path:
        found = [(part, text, f"{rule} part") for part, text in split_answer(path.split("+"), value.value)]
        return [piece for part, text, why in found for piece in _person(part, text, why)]
    if path in _PEOPLE:  # "Completed by: Hannah Ogunleye, Specialist Health Visitor"
        found = _person_parts(path, value.value, rule) or _person(path, value.value, rule)
        if normalise_label(value.label) in _SIGNING and path == "raised_by.name":  # the raiser signs it too
            found += [(f"signed.{p.split('.')[1]}", text, f"{why} signatory") for p, text, why in found if p in _SIGNS]
        return found
    return [(path, value.value, rule)]


_FORENAME_WORDS = frozenset({"forename", "forenames", "first", "given"})


def _surname_first_asked(label: str) -> bool:
    """A label that says the surname is written before the forename: "Name (SURNAME, Forename)"."""
    words = re.findall(r"[a-z]+", label[:200].casefold())  # the brackets too: that is where forms say it
    later = [at for at, word in enumerate(words) if word in _FORENAME_WORDS]
    return "surname" in words and bool(later) and words.index("surname") < later[0]


_SIDES = {path: side for side, path in meaning.SIDE_PATHS.items()}
_MAX_LINES = 12  # lines of one answer looked at as labelled lines


def _labelled_lines(path: str, text: str, rule: str, vocabulary: Vocabulary) -> list[tuple[str, str, str]] | None:
    """ "Name: Callum Nwosu" / "Role: Senior Practitioner" / "Agency: …" as the lines of one
    answer to a label about a side ("Practitioner / agency you disagree with"): each line to
    its own field, a generic label ("Name", "Role") on the outer label's side. Every line
    must be labelled, or the answer is taken whole (``None``)."""
    scope = _SIDES.get(path.split("+", 1)[0].split(".", 1)[0])
    lines = [line for line in text.split("\n", _MAX_LINES + 1) if line.strip()]
    if scope is None or not 2 <= len(lines) <= _MAX_LINES:
        return None
    found: list[tuple[str, str, str]] = []
    for line in lines:
        split = vocabulary.split(line)
        if split is None or not split[2]:
            return None
        inner = meaning.scoped(vocabulary.classify(split[1]), scope)
        if inner.path is None:
            return None
        found += _person(inner.path, split[2], f"{rule} line '{split[1]}' ({inner.rule})")
    return found


# Labels naming the person who filled the form in, at its foot: the raiser, and the signatory.
_SIGNING = frozenset({"completed by", "form completed by"})
_SIGNS = ("raised_by.name", "raised_by.role")
_NAME_AND_ROLE = re.compile(r"([^()]{1,80}?)\s*\(([^()]{1,80})\)\s*")


_AGENCIES = ("raised_by.agency", "challenged.agency")


def _side_asked(label: str, vocabulary: Vocabulary, *, who: bool = False) -> str | None:
    """The side (``raised_by``/``challenged``) a heading about a side ("Details of the professional
    raising the concern"), or with ``who`` a "who" question ("Who do you disagree with?"), asks for."""
    found = vocabulary.classify(label)
    if found.side not in (meaning.RAISER, meaning.CHALLENGED):
        return None
    if who:
        return meaning.SIDE_PATHS[found.side] if {"who", "whom"} & set(meaning.tokens(label)) else None
    return meaning.SIDE_PATHS[found.side] if found.heading and found.attribute is None else None


def _person_parts(path: str, text: str, rule: str, *, whole: bool = False) -> list[tuple[str, str, str]]:
    """ "Name, Role" or "Name, Role, Agency" for a person's name: each part to its field.
    ``whole``: only all three ("Name, Role, Agency"), as where the label asked for no name alone."""
    side = path.split(".")[0]
    bracketed = _NAME_AND_ROLE.fullmatch(text.strip())
    if bracketed and "," in bracketed.group(2):  # "Claire Bennett (Police Constable, Salford Police)"
        text = f"{bracketed.group(1)}, {bracketed.group(2)}"
    pieces = _pieces(text)
    contact = [] if whole and len(pieces) < 3 else _contact_pieces(side, pieces, rule)  # noqa: PLR2004
    pieces = [piece for piece in pieces if not any(piece == said for _, said, _ in contact)]
    if whole and len(pieces) < 3:  # noqa: PLR2004 - a name, a role and an agency (which may hold a comma)
        return []
    if len(pieces) > 3:  # "Claire Rhys, Senior Practitioner, Adult Social Care, Bury": the agency has a comma
        pieces = [pieces[0], pieces[1], ", ".join(pieces[2:])]
    if 2 <= len(pieces) <= 3 and n.clean_name(pieces[0]) and 2 <= len(pieces[0].split()) <= 5:
        wanted = [f"{side}.name", f"{side}.role", f"{side}.agency"][: len(pieces)]
        if side == "signed" and len(pieces) == 3:
            wanted = wanted[:2]
            pieces = [pieces[0], pieces[1]]
        if side == "challenged" or all(part in RULES for part in wanted):
            return [(part, piece, f"{rule} part") for part, piece in zip(wanted, pieces) if part in RULES] + contact
    return []


def _contact_pieces(side: str, pieces: list[str], rule: str) -> list[tuple[str, str, str]]:
    """The pieces of a person's details that are an email address or a telephone number, by their
    kind: "Jo Bloggs / Health Visitor / Bury 0-19 / 0161 496 0000". Only the raiser has them."""
    if side != "raised_by":
        return []
    found = []
    for piece in pieces[1:]:
        kind = "email" if n.clean_email(piece) == piece.strip() else "phone" if _is_phone(piece) else None
        if kind:
            found.append((f"raised_by.{kind}", piece, f"{rule} part"))
    return found


def _is_phone(piece: str) -> bool:
    """A piece that is a telephone number and nothing else (digits, spaces, a + or brackets)."""
    return bool(n.clean_phone(piece)) and not any(ch.isalpha() for ch in piece.split(":")[-1])


def _person(path: str, text: str, rule: str) -> list[tuple[str, str, str]]:
    """A name with the role in brackets after it ("Priya Harrington (Senior Practitioner)"): both."""
    side, _, attribute = path.partition(".")
    role = f"{side}.role"
    match = _NAME_AND_ROLE.fullmatch(text) if attribute == "name" and role in RULES else None
    if match and n.clean_name(match.group(1)) and 2 <= len(match.group(1).split()) <= 5:
        return [(path, match.group(1), rule), (role, match.group(2), f"{rule} bracketed")]
    if attribute == "name" and role in RULES and (titled := _role_first(text)):
        return [(path, titled[1], rule), (role, titled[0], f"{rule} role before the name")]
    return [(path, text, rule)]


# The last word of a job title ("Senior Practitioner", "Detective Sergeant", "Team Manager"): a person's
# name written after their title ("Team Manager Siobhan Adeyemi") starts after it.
_TITLE_ENDS = frozenset(
    "practitioner worker manager officer nurse visitor constable sergeant inspector lead headteacher teacher "
    "mentor coordinator co-ordinator adviser advisor consultant paediatrician midwife therapist director "
    "psychologist psychiatrist gp clinician navigator".split()
)


def _role_first(text: str) -> tuple[str, str] | None:
    """(role, name) for "<Title> <Name>": every word capitalised, the title ending in a job-title word,
    two or three words of a name after it; ``None`` for anything else ("Dr Jane Smith" has no role)."""
    words = text.split()
    if not 3 <= len(words) <= 8 or not all(word[:1].isupper() for word in words):
        return None
    ends = [at for at, word in enumerate(words) if word.casefold().strip(",.") in _TITLE_ENDS]
    if not ends or not 2 <= len(words) - ends[-1] - 1 <= 3:
        return None
    role, name = " ".join(words[: ends[-1] + 1]), " ".join(words[ends[-1] + 1 :])
    return (role, name) if n.clean_name(name) else None


role_first = _role_first  # the body's sentences name people so too ("I met Team Manager Jo Bloggs from …")


_PROSE_WORDS = 12  # a list of categories is short phrases; a concern is sentences
_AGENCY_AND_PERSON = re.compile(r"([A-Z][^()\n.:;?!]{1,80}?)\s*\(([^()\n]{3,80})\)\s*")
_ABOUT = ("about", "regarding", "with", "against")  # "Concern about:", "Disagreement with:": its object


_LIST_ITEM_WORDS = 6  # a list's item is a few words with no full stop; a concern is sentences


def _category_lines(text: str, rule: str) -> list[tuple[str, str, str]]:
    """An answer whose first lines are a list, each item naming a category ("Thresholds", "Information
    sharing"): those lines are the categories, the sentences after them the concern ([] for any other)."""
    lines = [line.strip(" •-–*\t") for line in text.splitlines() if line.strip()]
    listed = 0
    while listed < len(lines) and len(lines[listed].split()) <= _LIST_ITEM_WORDS and not lines[listed].endswith("."):
        if not n.parse_categories(lines[listed]):
            return []
        listed += 1
    if not listed:
        return []
    prose = "\n".join(lines[listed:])
    return [("categories", "\n".join(lines[:listed]), f"{rule} listed")] + (
        [("concern", prose, f"{rule} after the list")] if prose else []
    )


def _asks_about(label: str) -> bool:
    """A label ending in its object word ("Concern about", "Concerns regarding"): what, or whom."""
    words = normalise_label(label).split()
    return bool(words) and words[-1] in _ABOUT


def _agency_and_person(text: str) -> tuple[str, str] | None:
    """(agency, "Name, Role") for an agency's name followed, in brackets, by a worker's name and role."""
    match = _AGENCY_AND_PERSON.fullmatch(text.strip())
    if not match or len(match.group(1).split()) > 8:  # noqa: PLR2004
        return None
    pieces = _pieces(match.group(2))
    if len(pieces) != 2 or not n.clean_name(pieces[0]) or not 2 <= len(pieces[0].split()) <= 5:  # noqa: PLR2004
        return None
    return match.group(1).strip(), match.group(2)


def _person_and_agency(text: str) -> tuple[str, str] | None:
    """("<Role> <Name>" or "<Name>, <Role>", agency) for a worker with their agency in brackets after them;
    ``None`` where the words before the brackets are not a name with a role ("Children's Services (Salford)")."""
    match = _AGENCY_AND_PERSON.fullmatch(text.strip())
    if not match or _agency_and_person(text) or len(match.group(1).split()) > 8:  # noqa: PLR2004
        return None
    person = match.group(1).strip()
    return (person, match.group(2).strip()) if _worker("challenged.name", person, "") else None


def _worker(path: str, text: str, rule: str) -> list[tuple[str, str, str]]:
    """A name with its role, in either order ("Team Manager Al Smith", "Al Smith, Team Manager"); [] otherwise."""
    pieces = _pieces(text)
    if len(pieces) == 2 and n.clean_name(pieces[0]) and 2 <= len(pieces[0].split()) <= 5:  # noqa: PLR2004
        return [(path, pieces[0], f"{rule} part"), (path.replace(".name", ".role"), pieces[1], f"{rule} part")]
    if titled := _role_first(text):
        return [(path, titled[1], rule), (path.replace(".name", ".role"), titled[0], f"{rule} role before the name")]
    return []


def _boxes_and_prose(text: str, rule: str) -> list[tuple[str, str, str]]:
    """The answer to "What the disagreement is about": its ticked lines are the categories and, where
    the lines without boxes are sentences, those are the concern (the form's two answers run on)."""
    lines = [line for line in text.split("\n") if line.strip()]
    boxed = [line for line in lines if n.has_boxes(line)]
    prose = "\n".join(line for line in lines if not n.has_boxes(line))
    if not _prose(prose):
        return [("categories", text, f"{rule} ticked")]
    return [("categories", "\n".join(boxed), f"{rule} ticked"), ("concern", prose, f"{rule} prose after the boxes")]


def _prose(text: str) -> bool:
    """Sentences, not a list of options: many words, a full stop, no boxes."""
    if n.has_boxes(text) or len(text.split()) < _PROSE_WORDS:
        return False
    return text.rstrip().endswith(".") or ". " in text


def _pieces(text: str) -> list[str]:
    return [piece for piece in _SEPARATORS.split(text.strip()) if piece.strip()]


def split_answer(parts: list[str], text: str) -> list[tuple[str, str]]:
    """One answer holding several facts, split only where the parts are plain.

    "Mohammed Al-Rashid, 22/09/2018" for a name and date of birth; "Claire Bennett,
    School Nurse, Central London Community Healthcare" for a name, role and agency.
    Fewer pieces than parts: only the first (the name) is taken; more: the last part
    takes the rest ("…, Salford Royal NHS Foundation Trust, Community Services").
    """
    contact = [p for p in parts if p.endswith((".email", ".phone"))]
    if contact and len(contact) == len(parts):  # "a.b@x.example / 0161 496 0000": each found by its kind
        return [(part, text) for part in parts]
    pieces = _pieces(text)
    dated = [p for p in parts if p.endswith(".dob")]
    if dated:
        if len(pieces) == 1 and (match := _NUMERIC_DATE.search(text)):
            pieces = [_without_dob_word(text[: match.start()]).strip(" ,;-–(") or "", match.group(0)]
        dates = [piece for piece in pieces if n.parse_uk_date(piece.strip("() "))]
        others = [piece for piece in pieces if piece not in dates]
        chosen = [(dated[0], dates[0].strip("() "))] if len(dates) == 1 else []
        rest = [p for p in parts if p not in dated]
        return chosen + ([(rest[0], others[0])] if rest and len(others) == 1 else [])
    if len(pieces) > len(parts) and "\n" in text and len(flat := _pieces(" ".join(text.split()))) == len(parts):
        pieces = flat  # "Jo Bloggs, Neighbourhood\nManager": the line ran out in a printed cell; commas part it
    if len(pieces) < len(parts):
        return [(parts[0], pieces[0])] if pieces else []
    if len(pieces) > len(parts):
        pieces = [*pieces[: len(parts) - 1], ", ".join(pieces[len(parts) - 1 :])]
    return list(zip(parts, pieces))


def _without_dob_word(name: str) -> str:
    """ "Tyler Whittaker (DOB": the name without the word for the date after it (the last 20
    characters searched: a long run of spaces is not read once per space)."""
    head, tail = name[:-20], name[-20:]
    return head + _DOB_WORD.sub("", tail)


def _parts(path: str, parsed: Any) -> list[tuple[str, Any]]:
    """The field values one answer gives: the panel's outcome may carry the date it met."""
    if parsed is None:
        return []
    if isinstance(parsed, Attempt) and path == "panel.outcome":
        dated = [("panel.date", parsed.date)] if parsed.date else []
        return dated + ([(path, parsed.outcome)] if parsed.outcome else [])
    return [(path, parsed)]


def _assign(notice: Notice, path: str, items: list[tuple[Any, str]]) -> None:
    combine = RULES[path].combine
    if combine == "list":
        value: Any = _unique([item for parsed, _ in items for item in parsed])
        if path == "categories":
            value = [slug for slug in CATEGORY_SLUGS if slug in value]
    elif combine == "text":
        value = "\n\n".join(_unique([parsed for parsed, _ in items]))
    else:
        distinct = _unique([parsed for parsed, _ in items])
        if len(distinct) > 1:
            sources = " and ".join(_unique([source for _, source in items]))
            notice.problems.append(Problem(path, f"Different answers in {sources}; none was used."))
            return
        value = distinct[0]
    _set(notice, path, value)


def _all_attempts(found: dict[str, list[tuple[Any, str]]]) -> list[Attempt]:
    """Written attempts, then "Dates" paired with "Outcome" when they pair one to one."""
    attempts = [attempt for parsed, _ in found.get("attempts", []) for attempt in parsed]
    dates = [when for parsed, _ in found.get("attempts.date", []) for when in parsed]
    outcomes = [text for parsed, _ in found.get("attempts.outcome", []) for text in parsed]
    if len(dates) == len(outcomes):
        return attempts + [Attempt(when, text) for when, text in zip(dates, outcomes)]
    unpaired = [Attempt(when, None) for when in dates] + [Attempt(None, text) for text in outcomes]
    return attempts + unpaired


def settle_subject(notice: Notice, today: date) -> None:
    """A date of birth after today is a problem; otherwise the age decides child or adult."""
    subject = notice.subject
    if subject.dob and subject.dob > today:
        message = "The date of birth is after today; it was not used."
        notice.problems.append(Problem("subject.dob", message))
        subject.dob = None
    if subject.dob is None or any(problem.field == "subject.kind" for problem in notice.problems):
        return
    age = _age(subject.dob, today)
    by_age = "adult" if age >= ADULT_AGE else "child"
    if subject.kind not in (None, by_age):
        message = f"The notice says {subject.kind} but the date of birth says {by_age}."
        notice.problems.append(Problem("subject.kind", message))
        subject.kind = None
    else:
        subject.kind = by_age


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _problem_field(path: str) -> str:
    return "attempts" if path.startswith("attempts.") else path


def _unique(values: list[Any]) -> list[Any]:
    """Values in order without repeats; text compared regardless of case."""
    seen: set[Any] = set()
    unique = []
    for value in values:
        key = value.casefold() if isinstance(value, str) else value
        if key not in seen:
            seen.add(key)
            unique.append(value)
    return unique


def _set(notice: Notice, path: str, value: Any) -> None:
    *parents, name = path.split(".")
    target: Any = notice
    for parent in parents:
        target = getattr(target, parent)
    setattr(target, name, value)
