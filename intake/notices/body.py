"""What a notice written into an email says outside its labelled lines.

The signature under it ("Thanks,\\nFarah Iqbal\\nSafeguarding Adults Lead Nurse\\n
Northern Care Alliance") names the person raising the concern, their role and
agency; a sentence may give the stage ("I am escalating this to step 3", "(stage 2)").
A concern written as a paragraph with no label over it is the longest such
paragraph. All are fallbacks (``canonical.FALLBACK``): they count only where no label gave the
field, and every line is bounded before it is matched.
"""

from __future__ import annotations

import re
from dataclasses import replace

from escalations.intake.notices import normalise as n
from escalations.intake.notices.canonical import role_first
from escalations.intake.notices.fields import LabelledValue

SIGNATURE_RULE = "fallback:signature"
SENTENCE_RULE = "fallback:sentence"
PROSE_RULE = "fallback:prose"
_LONGEST_LINE = 200
_SIGNATURE_LINES = 5
CLOSINGS = frozenset(
    {
        "thanks",
        "thank you",
        "many thanks",
        "with thanks",
        "thanks again",
        "kind regards",
        "regards",
        "best regards",
        "warm regards",
        "best wishes",
        "yours sincerely",
        "yours faithfully",
        "all the best",
        "with best wishes",
        "cheers",
        "sincerely",
        "kindest regards",
        "with kind regards",
        "kind regards and thanks",
        "thanks and regards",
        "many thanks again",
        "thank you very much",
        "thanks very much",
        "best",
        "warm wishes",
        "warmest regards",
    }
)
_N = r"\s*(\d|one|two|three|four|five)\b"  # a stage's number, in figures or in words ("stage two")
_STAGE_IN_SENTENCE = (
    re.compile(r"\((?:stage|step|level|tier)" + _N + r"\)", re.IGNORECASE),
    re.compile(r"\b(?:to|at|now at|reached|as)\s+(?:stage|step|level|tier)" + _N, re.IGNORECASE),
    # "stage 3 of the escalation policy": a stage of the procedure, whatever verb comes before it
    re.compile(
        r"\b(?:stage|step|level|tier)" + _N + r" of (?:the|our|your) (?:escalation|resolution|policy|procedure|process)\b",
        re.IGNORECASE,
    ),
    # "a level 2 escalation", "– stage 3 escalation", "stage 2 now": the stage the escalation is at
    re.compile(r"\b(?:stage|step|level|tier)" + _N + r"(?: escalation\b| now\b)", re.IGNORECASE),
    # "this is the second stage of the process": the stage as an ordinal word
    re.compile(r"\bthe (first|second|third|fourth|fifth) (?:stage|step|level|tier)\b", re.IGNORECASE),
)
_ORDINAL_WORDS = {"first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5"}
_ORDINAL_WORDS |= {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}


def signature_values(lines: list[tuple[str, str]]) -> list[LabelledValue]:
    """The signatory under the last closing ("Kind regards,") or "--": name, role, agency.

    ``lines`` are (text, source) in order. The first line must read as a person's name
    (two to four words, each capitalised, no digits); the next lines, up to a blank,
    are the role and the agency, an address or a telephone number going to its field.
    """
    start, signed = None, None
    for at, (text, source) in enumerate(lines):
        words = text.strip().rstrip(",.!").strip().casefold()
        if words in CLOSINGS or text.strip() == "--":
            start, signed = at + 1, None
        elif (closed := _closing_with_name(text)) is not None:  # "Many thanks, Jo Bloggs"
            start, signed = at + 1, (closed, source)
    if start is None:
        start = _unsigned_block(lines)
    if start is None:
        return []
    block, end = _block(lines, start, [signed] if signed else [])
    if len(block) == 1 and len(block[0][0].split()) == 1:  # "Thanks\nJo" and, after a blank, the full signature
        later, _ = _block(lines, end, [])
        block = later if later and _looks_like_name(later[0][0]) else block
    if block and (bracketed := _NAME_AND_ROLE.fullmatch(block[0][0])) and _looks_like_name(bracketed.group(1)):
        block = [(bracketed.group(1), block[0][1]), (bracketed.group(2), block[0][1])] + block[1:]  # "Jo Bloggs (HV)"
    if block and not _looks_like_name(block[0][0]):  # "Jo Bloggs | Health Visitor | Bury 0-19": one line
        pieces = [piece.strip() for piece in re.split(r"\s[|•·–—-]\s|,\s", block[0][0]) if piece.strip()]
        if 2 <= len(pieces) <= 3 and _looks_like_name(pieces[0]):
            block = [(piece, block[0][1]) for piece in pieces] + block[1:]
    labelled = bool(block) and _SIGNED.match(block[0][0]) is not None
    if labelled:  # "Signed: Jo Bloggs" over the role: the signatory's own block
        block[0] = (_SIGNED.sub("", block[0][0]), block[0][1])
    if not block or not _looks_like_name(block[0][0]):
        return []
    found = [LabelledValue("signature", block[0][0], block[0][1], "raised_by.name", SIGNATURE_RULE)]
    wanted = ["raised_by.role", "raised_by.agency"]
    for text, source in _role_and_agency_apart(block[1:]):
        if labelled and wanted == ["raised_by.role", "raised_by.agency"] and not (n.clean_email(text) or n.clean_phone(text)):
            found.append(LabelledValue("signature", text, source, "signed.role", SIGNATURE_RULE))
        if n.clean_email(text):
            found.append(LabelledValue("signature", text, source, "raised_by.email", SIGNATURE_RULE))
        elif n.clean_phone(text):
            found.append(LabelledValue("signature", text, source, "raised_by.phone", SIGNATURE_RULE))
        elif wanted and sum(ch.isdigit() for ch in text) <= 4:  # "Bury 0-19 Health Visiting"; not an address
            found.append(LabelledValue("signature", text, source, wanted.pop(0), SIGNATURE_RULE))
    return found


# What a mail program adds under a mail: "Sent from my iPhone", "Get Outlook for Android".
_DEVICE = re.compile(r"\s*(?:sent from my|get outlook for)\b", re.IGNORECASE)
_UNSIGNED_LINES = range(2, 5)


def _unsigned_block(lines: list[tuple[str, str]]) -> int | None:
    """Where a signature with no sign-off starts: the mail's last block of two to four lines
    (a device line under it aside), a name first and no label in it, after the mail's text."""
    end = len(lines)
    while end and (not lines[end - 1][0].strip() or _DEVICE.match(lines[end - 1][0])):
        end -= 1
    start = end
    while start and lines[start - 1][0].strip():
        start -= 1
    block = [text for text, _ in lines[start:end]]
    if not start or len(block) not in _UNSIGNED_LINES or any(":" in text or text.lstrip().startswith(">") for text in block):
        return None
    return start if _looks_like_name(block[0].strip()) else None


# A letter's lines under its signature that are no part of it: "cc: Jo Bloggs", "Enc.", "bcc:".
_COPIES = re.compile(r"(?:b?cc|c\.c\.|encl?s?\.?|enclosures?)\s*[:.]", re.IGNORECASE)
_SIGNED = re.compile(r"^(?:signed|signature)\s*:\s*", re.IGNORECASE)


def _block(lines: list[tuple[str, str]], start: int, block: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], int]:
    """The lines of a signature from ``start`` to the first blank after some text (at most ``_SIGNATURE_LINES``),
    and where it ended."""
    at = start
    for at in range(start, len(lines)):
        stripped = lines[at][0].strip()
        if not stripped:
            if block:
                break
            continue
        if stripped.startswith(">") or len(stripped) > _LONGEST_LINE or len(block) >= _SIGNATURE_LINES:
            break
        if _COPIES.match(stripped):  # "cc: Jo Bloggs" under a letter's signature
            break
        block.append((stripped, lines[at][1]))
    return block, at


_NAME_AND_ROLE = re.compile(r"([^()]{3,60}?)\s?\(([^()]{2,60})\)")


def _closing_with_name(text: str) -> str | None:
    """ "Many thanks, Jo Bloggs", "Regards - Jo Bloggs": a closing and the writer's name on one line."""
    head, comma, name = text.strip()[:_LONGEST_LINE].partition(",")
    if not comma:
        head, dash, name = text.strip()[:_LONGEST_LINE].partition(" - ")
        if not dash:
            return None
    name = name.strip().rstrip(".!")
    return name if head.strip().casefold() in CLOSINGS and _looks_like_name(name) else None


def _role_and_agency_apart(block: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """ "Health Visitor | Bury 0-19 Health Visiting": a role and an agency on one signature line,
    split where a bar or a spaced dash divides it into two (a comma may be inside an agency's name)."""
    lines = []
    for text, source in block:
        pieces = [piece.strip() for piece in re.split(r"\s[|•·–—]\s", text) if piece.strip()]
        lines += [(piece, source) for piece in pieces] if len(pieces) == 2 else [(text, source)]  # noqa: PLR2004
    worded = [line for line in lines if not (n.clean_email(line[0]) or n.clean_phone(line[0]))]
    if len(worded) == 1 and len(parts := worded[0][0].split(", ")) == 2 and len(parts[1].split()) >= 2:  # noqa: PLR2004
        # "Team Manager, Bury CSC" as the only line for both: a role, then an agency of two words or more
        # ("Adult Social Care, Bury", one word after the comma, is an agency's name and stays whole)
        at = lines.index(worded[0])
        lines[at : at + 1] = [(parts[0], worded[0][1]), (parts[1], worded[0][1])]
    return lines


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return (
        2 <= len(words) <= 4 and n.clean_name(text) is not None and all(word[:1].isupper() for word in words) and "," not in text
    )


def sentence_values(lines: list[tuple[str, str]]) -> list[LabelledValue]:
    """What sentences give: the stage ("escalating to step 3", "(stage 2)") when they give one
    only; the subject named with a date of birth ("about Ruby Whittaker (DOB 01/02/2019)");
    the agency disagreed with ("I disagree with the decision made by Bury CSC to …")."""
    found: dict[str, tuple[str, str]] = {}
    subjects: dict[str, tuple[str, str]] = {}
    agencies: dict[str, tuple[str, str]] = {}
    for text, source in lines:
        line = text[: _LONGEST_LINE * 5]
        for pattern in _STAGE_IN_SENTENCE:
            for match in pattern.finditer(line):
                number = _ORDINAL_WORDS.get(match.group(1).casefold(), match.group(1))
                found.setdefault(number, (match.group(0), source))
        for match in _NAMED_WITH_DOB.finditer(line):
            subjects.setdefault(match.group(1).casefold(), (f"{match.group(1)}, {match.group(2)}", source))
        for match in _DISAGREED_WITH.finditer(line):
            if agency := _proper_name(line[match.end() : match.end() + _LONGEST_LINE]):
                agencies.setdefault(agency.casefold(), (agency, source))
        for match in _THE_AGENCYS_DECISION.finditer(line):
            agencies.setdefault(match.group(1).casefold(), (match.group(1), source))
    for name, (said, source) in list(agencies.items()):  # "Bury CSC for Ruby Whittaker (DOB …)": the agency
        agencies[name] = (_before_subject(said, subjects), source)  # ends before the person it is about
    people = _challenged_people(lines)
    if people:  # "the decision of Kwame Maguire, Health Visitor at Northside Health": the person's agency
        agencies = {}
    else:  # "I have spoken to Callum Ogunleye": the person, the agency said elsewhere
        people = _contacted_person(lines)
    values = []
    if len(found) == 1:
        number, (said, source) = next(iter(found.items()))
        values.append(LabelledValue(said.strip(), number, source, "stage", SENTENCE_RULE))
    if len(subjects) == 1:
        said, source = next(iter(subjects.values()))
        values.append(LabelledValue("sentence", said, source, "subject.name+subject.dob", SENTENCE_RULE))
    if len(agencies) == 1:
        said, source = next(iter(agencies.values()))
        values.append(LabelledValue("sentence", said, source, "challenged.agency", SENTENCE_RULE))
    return values + people + _writer_values(lines) + _risk_values(lines) + _category_values(lines)


# "My concerns are about neglect and the threshold decision", "It is about information sharing": the
# kinds of disagreement named in the sentence after such words (a kind of harm is none of them).
_ABOUT = re.compile(
    r"\b(?:concerns? (?:are|is|relates?) (?:about|around|regarding|to)|(?:it|this|the disagreement) "
    r"(?:is about|relates to|concerns))\s",
    re.IGNORECASE,
)


def _category_values(lines: list[tuple[str, str]]) -> list[LabelledValue]:
    for text, source in lines:
        for sentence in _SENTENCE_END.split(text[: _LONGEST_LINE * 5]):
            match = _ABOUT.search(sentence)
            if match and (slugs := n.parse_categories(sentence[match.end() :])):
                # the categories named, not the sentence: a sentence is read as a concern, never as a list
                named = "; ".join(slug.replace("_", " ") for slug in slugs)
                return [LabelledValue("sentence", named, source, "categories", SENTENCE_RULE)]
    return []


# "the decision of <Name>, <Role> at <Agency>", "I spoke to <Name> (<Role>) at <Agency>": the person on
# the other side, named with their role and agency in one phrase after a word of challenge or contact.
_CONTACT = (
    r"\b(?:decision (?:was )?(?:made |taken )?(?:of|by)|disagree(?:ment)? (?:is )?with(?: is)?|challeng(?:e|ing)|"
    r"spoke (?:to|with)|speaking (?:to|with)|(?:discussed|raised) (?:this |it |the case |the matter |my concerns? )?with|"
    r"met(?: with)?|conversation with|"
    r"(?:e-?mail|message|letter) (?:below )?to) "
    r"(?:the decision of )?([A-Z][\w'’-]{1,30}(?: [A-Z][\w'’-]{1,30}){1,6})"
)
# "my email below to Jo Bloggs (Team Manager, Bury CSC)": the role and the agency both in the brackets
_PERSON_BRACKETED = re.compile(_CONTACT + r" \(([^(),]{3,60}), ([A-Z][^(),]{2,60})\)")
_PERSON_AFTER = re.compile(
    _CONTACT + r"(?:, ([A-Za-z][\w'’&/-]*(?: (?!(?:at|from|of|in) )[A-Za-z][\w'’&/-]*){0,5}),? | \(([^()]{3,60})\),? | )"
    r"(?:(?:at|from|of|in) |(?<=, ))(?=[A-Z][\w&'’])"  # "<Name>, <Role>, <Agency>": the agency after a comma
)
# Words of an agency's name, never of a person's: "Northside Health" is no one.
_AGENCY_WORDS = frozenset(
    "health care services service police school academy nhs trust council team housing social children's children "
    "hospital practice partnership board department unit".split()
)


# "I have discussed the case with the <Role> at <Agency>, <Name>,": the person after their role and agency.
_ROLE_AT_AGENCY = re.compile(
    r"\b(?:spoke (?:to|with)|speaking (?:to|with)|discussed (?:this |it |the case |my concerns? )?with|met with|"
    r"conversation with|disagree(?:ment)? with) the ([A-Z][\w'’-]*(?: [A-Za-z0-9][\w'’-]*){0,5}) (?:at|from|of|in) (?=[A-Z])"
)


def _role_agency_person(line: str, source: str) -> list[LabelledValue]:
    """ "with the Team Manager at Bury CSC, Al Smith, and …": the role, the agency, then the name."""
    match = _ROLE_AT_AGENCY.search(line)
    run = _proper_name(line[match.end() : match.end() + _LONGEST_LINE]) if match else None
    parts = [part.strip() for part in (run or "").split(", ")]
    at = next((k for k in range(len(parts) - 1, 0, -1) if _looks_like_name(parts[k])), None)
    if match is None or at is None or _AGENCY_WORDS & set(parts[at].casefold().split()):
        return []
    return [
        LabelledValue("sentence", parts[at], source, "challenged.name", SENTENCE_RULE),
        LabelledValue("sentence", match.group(1), source, "challenged.role", SENTENCE_RULE),
        LabelledValue("sentence", ", ".join(parts[:at]), source, "challenged.agency", SENTENCE_RULE),
    ]


def _challenged_people(lines: list[tuple[str, str]]) -> list[LabelledValue]:
    """The challenged person, role and agency from one sentence naming all three; only when one
    person is named so (two would leave whose decision it is unclear)."""
    found: dict[str, list[LabelledValue]] = {}
    for text, source in lines:
        line = text[: _LONGEST_LINE * 5]
        if said := _role_agency_person(line, source):
            found.setdefault(said[0].value.casefold(), said)
        for match in _PERSON_AFTER.finditer(line):
            name, role = match.group(1), re.sub(r"^(?:the|a|an) ", "", (match.group(2) or match.group(3) or "").strip())
            agency = _proper_name(line[match.end() : match.end() + _LONGEST_LINE])
            if not role and (titled := role_first(name)):  # "I met Team Manager Jo Bloggs from Bury CSC"
                role, name = titled
            if not agency or not _looks_like_name(name) or _AGENCY_WORDS & set(name.casefold().split()):
                continue
            if role.casefold().split()[:1] in (["my"], ["our"]):  # "Jo Bloggs (my line manager)": the writer's side
                continue
            found.setdefault(name.casefold(), _person_values(name, role, agency, source))
        for match in _PERSON_BRACKETED.finditer(line):
            name, role, agency = match.groups()
            if _looks_like_name(name) and not _AGENCY_WORDS & set(name.casefold().split()):
                found.setdefault(name.casefold(), _person_values(name, role.strip(), agency.strip(), source))
    return next(iter(found.values())) if len(found) == 1 else []


def _person_values(name: str, role: str, agency: str, source: str) -> list[LabelledValue]:
    return [
        LabelledValue("sentence", name, source, "challenged.name", SENTENCE_RULE),
        *([LabelledValue("sentence", role, source, "challenged.role", SENTENCE_RULE)] if role else []),
        LabelledValue("sentence", agency, source, "challenged.agency", SENTENCE_RULE),
    ]


# "I have spoken to Callum Ogunleye and we could not agree", "I discussed it with Jo Bloggs (Team Manager)":
# the person on the other side, named after a word of contact with no agency beside them.
_CONTACTED = re.compile(
    r"\b(?:spoken|spoke|talked|speaking) (?:to|with) |\bdiscussed (?:this |it |the case |my concerns? )?with |"
    r"\b(?:met|meeting|conversation|call) with |\braised (?:this|it|my concerns?) with "
)
_PERSON = re.compile(r"([A-Z][\w'’-]{1,30}(?: [A-Z][\w'’-]{1,30}){1,3})(?: \(([^()]{3,60})\))?")


def _contacted_person(lines: list[tuple[str, str]]) -> list[LabelledValue]:
    """The challenged person from a sentence of contact ("I have spoken to <Name>", "I discussed it
    with <Name> (<Role>)"): a person's name (capitalised words, none an agency's or an acronym), not
    the writer's own side ("(my manager)"); only when one person is named so."""
    found: dict[str, list[LabelledValue]] = {}
    for text, source in lines:
        line = text[: _LONGEST_LINE * 5]
        for contact in _CONTACTED.finditer(line):
            match = _PERSON.match(line, contact.end())
            if match is None:
                continue
            name, role = match.group(1), (match.group(2) or "").strip()
            words = name.split()
            if not _looks_like_name(name) or _AGENCY_WORDS & {w.casefold() for w in words}:
                continue
            if not all(any(ch.islower() for ch in word) for word in words):  # "Salford CSC": an agency's letters
                continue
            if role.casefold().split()[:1] in (["my"], ["our"]) or line[match.end() :].startswith((", my ", ", our ")):
                continue
            found.setdefault(
                name.casefold(),
                [
                    LabelledValue("sentence", name, source, "challenged.name", SENTENCE_RULE),
                    *([LabelledValue("sentence", role, source, "challenged.role", SENTENCE_RULE)] if role else []),
                ],
            )
    return next(iter(found.values())) if len(found) == 1 else []


# "I am the Safeguarding Lead Nurse working with Tyler at Northside Health", "I'm a school nurse at
# Oakfield Primary": the writer's role and agency, said of themselves.
_WRITER = re.compile(
    r"\bI(?: am|'m|’m) (?:a|an|the) ([A-Za-z][\w'’-]*(?: [A-Za-z][\w'’-]*){0,4}?)"
    r"(?: (?:working|based) (?:with|for) [A-Z][\w'’-]{1,30})? (?:at|from|for|in|with) (?=[A-Z])"
)
_NOT_ROLES = frozenset({"bit", "little", "parent", "relative", "friend", "member", "lot"})


def _writer_values(lines: list[tuple[str, str]]) -> list[LabelledValue]:
    for text, source in lines:
        line = text[: _LONGEST_LINE * 5]
        match = _WRITER.search(line)
        if not match or _NOT_ROLES & set(match.group(1).casefold().split()):
            continue
        if agency := _proper_name(line[match.end() : match.end() + _LONGEST_LINE]):
            return [
                LabelledValue("sentence", match.group(1), source, "raised_by.role", SENTENCE_RULE),
                LabelledValue("sentence", agency, source, "raised_by.agency", SENTENCE_RULE),
            ]
    return []


# Immediate risk said in a sentence: "There is no immediate risk to Ruby", "I do not consider Ruby to be
# at immediate risk" (no); "Ruby is at immediate risk of harm", "in immediate danger", "police called" (yes).
_IMMEDIATE = re.compile(
    r"\b(?:immediate(?:ly)?|imminent) (?:safeguarding )?(?:risk|danger|harm)\b|\bimmediate safeguarding concerns?\b|"
    r"\b(?:risk|danger) of (?:immediate|imminent) harm\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SAID_OF = re.compile(r"\s(?:is|are|am|was|were)\s")  # "Ruby is at immediate risk: …" is a sentence, no label


def _risk_values(lines: list[tuple[str, str]]) -> list[LabelledValue]:
    """Yes or no from the sentences that speak of immediate risk: a negated one says no, any other
    (not a question, not a condition) yes; nothing when they differ."""
    answers: dict[bool, tuple[str, str]] = {}
    for text, source in lines:
        for sentence in _SENTENCE_END.split(text[: _LONGEST_LINE * 5]):
            if not _IMMEDIATE.search(sentence) or sentence.rstrip().endswith("?") or n.CONDITIONAL.search(sentence):
                continue
            if ":" in sentence and not _SAID_OF.search(sentence.split(":", 1)[0]):
                continue  # "Immediate risk: Low risk": a label's answer, read (or left unclear) by its label
            answers.setdefault(not n.NEGATION.search(sentence), (sentence.strip(), source))
    if len(answers) != 1:
        return []
    risk, (sentence, source) = next(iter(answers.items()))
    return [LabelledValue("sentence", "yes" if risk else "no", source, "immediate_risk", SENTENCE_RULE)]


# "Ruby Whittaker (DOB 01/02/2019)", "RUBY WHITTAKER – d.o.b. 3rd Sept 2019", "Ruby Whittaker, aged 4 (DOB …)"
_NAMED_WITH_DOB = re.compile(
    r"\b([A-Z][\w'’-]{1,30}(?: [A-Z][\w'’-]{1,30}){1,3})"
    r"(?: \(?(?:aka|also known as|known as) [^,()]{1,60}\)?)?"  # "Ruby Evans (aka Ruby Nowak)": her name, not the other
    r"(?:,| [–—-])?(?: \(?(?:aged \d{1,3}|\d{1,3} years? old),?)? \(?(?:whose )?"
    r"(?i:d\.?o\.?b\.?|born(?: on)?|date of birth(?: is)?)[:\s]\s?"
    r"(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{1,2}(?:st|nd|rd|th)?(?: of)? [A-Z][a-z]{2,8} \d{4}|\d{4}-\d{2}-\d{2})"
)
_DISAGREED_WITH = re.compile(
    r"\b(?:disagree(?:ing|ment)? (?:is )?with(?: is)?|(?:in )?dispute with|(?:disagreement|dispute) (?:I|we) (?:have|had) with|"
    r"escalat(?:e|ing) (?:this |my concerns? |the matter |the case )?to|"
    r"challeng(?:e|ing)(?: to)?|concerns? (?:are|is) with(?: the decision)?|the decision (?=(?:made )?(?:of|by) ))"
    r"(?: the decision| the view| the response)?(?: (?:made )?(?:of|by|from))? (?=[A-Z])"
)
# "I disagree with the Bury CSC decision": the agency's name as the decision's adjective (a person's is "'s")
_THE_AGENCYS_DECISION = re.compile(
    r"\b(?:disagree(?:ing|ment)? with|challeng(?:e|ing)) the ((?:[A-Z&][\w&'’-]*)(?: [A-Z&][\w&'’-]*){0,5}) "
    r"(?:decision|view|response|outcome)\b"
)
_NAME_JOINERS = frozenset({"of", "and", "&", "the", "for"})


def _before_subject(agency: str, subjects: dict[str, tuple[str, str]]) -> str:
    """The agency's name up to a joining word before the subject's name, where the capitalised run went on
    into it ("Bury CSC for Ruby Whittaker" -> "Bury CSC")."""
    folded = agency.casefold()
    for subject in subjects:
        at = folded.find(subject)
        if at > 0:
            head = agency[:at].split()
            while head and head[-1].casefold() in _NAME_JOINERS:
                head.pop()
            return " ".join(head) or agency
    return agency


_NOT_NAMES = frozenset({"stage", "step", "level", "tier", "i", "we", "they", "this", "it", "my", "our", "your", "their"})


def _proper_name(text: str) -> str | None:
    """The capitalised words at the start of ``text`` ("Bury Children's Social Care to close…" ->
    "Bury Children's Social Care"), a bracketed or comma-joined capitalised part included."""
    words = text.split(" ")[:12]
    taken: list[str] = []
    for word in words:
        bare = word.rstrip(".,;:)")
        if bare == "I":  # "Northside Health, and I want…": the writer, after the name has ended
            break
        capital = bool(bare) and (bare[0].isupper() or bare[0].isdigit() or bare[0] in "&(")
        if not capital and not (bare in _NAME_JOINERS and taken):
            break
        taken.append(word)
        if word != bare and not word.endswith(","):  # "Police." ends the name; "Care," may go on
            break
    while taken and taken[-1].rstrip(".,;:)") in _NAME_JOINERS:
        taken.pop()
    name = re.sub(r"['’]s$", "", " ".join(taken).rstrip(".,;:"))  # "Bury CSC's decision": the agency, not its
    if name.count("(") != name.count(")"):
        name = name + ")" if name.count("(") > name.count(")") and text.startswith(name + ")") else name.split(" (")[0]
    first = name.split(" ", 1)[0].casefold()
    return name if len(name) >= 3 and first not in _NOT_NAMES else None


_PROSE_WORDS = 12  # fewer: a greeting or a line of a covering note, not a concern
_LONGEST_PARAGRAPH = 5_000
# A covering note's words: the notice is elsewhere ("please find attached", "the child below").
_COVERING = re.compile(r"\b(?:attach\w*|enclos\w*|below|following|form)\b", re.IGNORECASE)


def prose_values(lines: list[tuple[str, str]], values: list[LabelledValue]) -> list[LabelledValue]:
    """The concern written as a paragraph: the longest paragraph of sentences before the
    signature that is no labelled line nor part of an answer (``values``) and no covering note.

    A paragraph ends at a blank line or a labelled line: an HTML email's paragraphs come
    as lines with no blank between them.
    """
    labelled = {value.source for value in values}
    answered = {line.strip() for value in values for line in value.value.splitlines() if line.strip()}
    end = len(lines)
    for at, (text, _) in enumerate(lines):
        if text.strip().rstrip(",.!").strip().casefold() in CLOSINGS or text.strip() == "--":
            end = at
            break
    best: tuple[int, str, str] | None = None
    paragraph: list[tuple[str, str]] = []
    for text, source in [*lines[:end], ("", "")]:
        if source in labelled or text.strip() in answered:
            text = ""  # a labelled line, or a line of an answer: no part of an unlabelled paragraph
        if text.strip():
            paragraph.append((text.strip()[: _LONGEST_LINE * 5], source))
            continue
        if paragraph:
            joined = " ".join(line for line, _ in paragraph)[:_LONGEST_PARAGRAPH]
            words = len(joined.split())
            sentence = joined.endswith((".", "!", "?")) or ". " in joined
            if words >= _PROSE_WORDS and sentence and not _COVERING.search(joined) and (best is None or words > best[0]):
                best = (words, joined, paragraph[0][1])
        paragraph = []
    return [LabelledValue("paragraph", best[1], best[2], "concern", PROSE_RULE)] if best else []


# An earlier mail forwarded under a covering note: Outlook's "-----Original Message-----" or its
# "From: … / Sent: …" header block, Gmail's "---------- Forwarded message ---------", Apple's "Begin
# forwarded message:".
_FORWARD_RULE = re.compile(r"\s*(?:-{2,}\s*(?:original message|forwarded message)\s*-{2,}|begin forwarded message:)\s*", re.I)
_HEADER = re.compile(r"\s*(?:from|sent|date|to|cc|subject)\s*:", re.IGNORECASE)


def forwarded(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The forwarded mail's own lines (its header block left out), or [] when none is forwarded."""
    for at, (text, _) in enumerate(lines):
        ruled = _FORWARD_RULE.fullmatch(text[:_LONGEST_LINE]) is not None
        header = text.lstrip().casefold().startswith("from:") and at + 1 < len(lines)
        if ruled or (header and re.match(r"\s*(?:sent|date)\s*:", lines[at + 1][0], re.IGNORECASE)):
            rest = lines[at + 1 if ruled else at :]
            while rest and (not rest[0][0].strip() or _HEADER.match(rest[0][0])):
                rest = rest[1:]
            return rest
    return []


# "I am escalating the reply below", "I do not agree with the response below": the earlier mail quoted
# under this one is the other side's, and "On 3 March 2026, Jo Bloggs wrote:" names its writer.
_ESCALATES_BELOW = re.compile(
    r"\b(?:escalat\w*|disagree\w* with|challeng\w*|(?:do not|don['’]t) agree with)\b[^.\n]{0,40}?\b"
    r"(?:reply|response|e-?mail|answer|decision) below\b",
    re.IGNORECASE,
)
_WROTE = re.compile(r"On [^\n]{5,80}?, ([A-Z][\w'’-]{1,30}(?: [A-Z][\w'’-]{1,30}){1,3})(?: <[^<>\s]{3,100}>)? wrote:\s*")
_SIDES = {"raised_by.name": "challenged.name", "raised_by.role": "challenged.role", "raised_by.agency": "challenged.agency"}


def quoted_author_values(own: list[tuple[str, str]], quoted: list[tuple[str, str]]) -> list[LabelledValue]:
    """The other side as the writer of the reply this mail escalates: the name in "On …, <Name> wrote:",
    its role and agency from the quoted reply's signature, when that signature is theirs."""
    if not any(_ESCALATES_BELOW.search(text[: _LONGEST_LINE * 5]) for text, _ in own):
        return []
    authors = {match.group(1) for text, _ in own if (match := _WROTE.fullmatch(text[:_LONGEST_LINE]))}
    if len(authors) != 1:
        return []
    author = authors.pop()
    signed = signature_values(quoted)
    if not signed or signed[0].value.casefold() != author.casefold():
        return [LabelledValue("sentence", author, own[0][1], "challenged.name", SENTENCE_RULE)]
    return [replace(value, path=_SIDES[value.path]) for value in signed if value.path in _SIDES]


_FROM = re.compile(r"\s*From:\s*([^<>\n]{3,80}?)\s*<([^<>\s]{3,100})>\s*")


def forwarded_sender(lines: list[tuple[str, str]], signature: list[LabelledValue]) -> list[LabelledValue]:
    """A writer forwarding their own earlier mail: the forwarded header's "From: <Name> <address>", when
    it names the signature's person, gives their email address."""
    names = [value.value.casefold() for value in signature if value.path == "raised_by.name"]
    if not names or any(value.path == "raised_by.email" for value in signature):
        return []
    for text, source in lines:
        match = _FROM.fullmatch(text[:_LONGEST_LINE])
        if match and match.group(1).strip("\"' ").casefold() == names[0] and n.clean_email(match.group(2)):
            return [LabelledValue("From", match.group(2), source, "raised_by.email", SIGNATURE_RULE)]
    return []
