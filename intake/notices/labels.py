"""Label text classified by meaning: which canonical field a form's label asks for, and why.

Forms word their labels every way ("Agency you disagree with", "Agency B (concern
about)", "Which agency's decision are you challenging?", "Organisation you are
escalating to"). Rather than list every wording, a label is cut into normalised
tokens (case, punctuation, apostrophes, plurals and small misspellings set aside),
the tokens are mapped to a few classes of meaning (the person the notice is about,
an agency, the side that raises the concern, the side being challenged, a name, a
role, a date of birth…), and a short table of rules turns those classes into a
field path. Every answer carries the rule that decided it; a label the rules cannot
place is ``UNKNOWN``, never a guess.

A label must be made only of words labels are made of: "Salford Children's
Services" (an answer) has "Salford", which no label has, so it is no label, and a
sentence of a concern ("Your agency refused to visit") is not one either.

Generic labels ("Name", "Organisation", "Email", "Role", "Telephone", "Date of
birth") name an attribute without saying whose it is; ``Classification.attribute``
says which, and ``scoped`` puts it on the side a section heading ("Section 3:
Details of the agency you disagree with") named. Headings themselves classify with
``heading`` set.

Everything here is pure, bounded (a label is at most ``MAX_LABEL`` characters and
``MAX_WORDS`` words) and linear in the text; the tables are built once at import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from escalations.intake.notices.normalise import TRANSLATED

MAX_LABEL = 150  # characters
MAX_WORDS = 16

# Sides a label may put a person or an agency on.
SUBJECT, RAISER, CHALLENGED, SIGNED = "subject", "raiser", "challenged", "signed"
SIDE_PATHS = {SUBJECT: "subject", RAISER: "raised_by", CHALLENGED: "challenged", SIGNED: "signed"}
# What each side's record holds (the canonical notice: the challenged side has no email).
SIDE_ATTRIBUTES = {
    SUBJECT: {"name", "dob", "first_name", "last_name"},
    RAISER: {"name", "role", "agency", "email", "phone", "first_name", "last_name"},
    CHALLENGED: {"name", "role", "agency", "first_name", "last_name"},
    SIGNED: {"name", "role", "date"},
}
# Halves of a name ("First name", "Surname"), joined into the side's name when both are given.
NAME_HALVES = ("first_name", "last_name")


@dataclass(frozen=True)
class Classification:
    """What a label asks for.

    ``path``: the canonical field path (``None``: unknown, or a generic label
    outside any section). ``rule``: what decided it. ``side`` and ``attribute``:
    the person or agency and what of them, for party fields. ``heading``: the
    text reads as a section heading, scoping the generic labels after it to
    ``side``. ``parts``: for a label asking several things at once ("Your details
    (name, role, agency)"), the paths of its answer's parts in order.
    """

    path: str | None
    rule: str
    side: str | None = None
    attribute: str | None = None
    heading: bool = False
    parts: tuple[str, ...] = ()


UNKNOWN = Classification(None, "unknown")

# --- tokens -------------------------------------------------------------------------------

# Word -> class of meaning. Classes starting with "@" are function words: they may
# appear in a label but say nothing by themselves.
_WORDS: dict[str, str] = {}


def _add(cls: str, words: str) -> None:
    for word in words.split():
        _WORDS[word] = cls


_add(
    "subj",
    "child young yp cyp adult serviceuser individual patient resident pupil baby infant subject client student learner family re",
)
_add("person", "person people anyone anybody someone")
_add("agency", "agency organisation organization service team department provider trust employer")
_add("prof", "professional practitioner worker colleague staff clinician officer maker")
_add("roleword", "manager lead")
_add(
    "challenge",
    "disagree disagreeing disagreement challenge challenging challenged dispute disputing against receiving responding other "
    "recipient difference differences",
)
_add("escalate", "escalate escalating escalated")
_add(
    "raise",
    "referrer raising raised referring reporting originating initiating requesting completing completed submitting making "
    "submitted",
)
_add("your", "your my i me you yours")
_add("their", "their them they")
_add("name", "name surname forename forenames fullname lastname firstname")
_add("@", "first last given christian middle")  # with "name": a part of one ("First name", "Surname")
_add("dob", "dob birth born edd age")
_add("role", "role title designation position post job rank grade")
_add("email", "email e-mail emailaddress")
_add("phone", "telephone tel phone mobile number")
_add("contact", "contact")
# Speaking with someone: "Who have you spoken to?" asks for the person on the other side.
_add("spoke", "spoken spoke speak speaking talked discussed")
# The service asking: "How can we contact you?"; a label only in a question.
_add("we", "we")
_add("date", "date dated when")
_add("sign", "signed signature sign signatory completion submission")
_add("concern", "concern concerns issue issues problem information info referral worried worry worries")
_add(
    "details",
    "details detail description describe summary explain explanation account reason reasons outline brief briefly "
    "background rationale narrative overview basis grounds circumstance circumstances context situation",
)
_add("why", "why")
_add("tick", "tick ticks ticked select apply")
_add("kind", "kind")
_add("category", "category categories type types theme themes area areas nature")
_add("stage", "stage step level tier")
_add("risk", "risk harm danger")
_add("urgent", "immediate imminent urgent significant now")
_add("outcome", "outcome outcomes resolution result")
_add("seek", "seek seeking sought desired want like hope hoping wish expected proposed looking")
_add("attempt", "attempt attempts action actions steps done tried")
_add("copy", "copy copies copied cc")
_add("ref", "reference ref")
_add("section", "section part")
_add("decision", "decision decisions view")
_add("letter", "a b")
_add(
    "@",
    "of the for to by with in at on about is are was were this that which what whose who "
    "whom please give state enter provide an and or if any being been has have do does did "
    "being from being here below above its it his her s d o full print own involved concerned "
    "form notice escalation would could should can will so far taken resolve resolved already "
    "yet currently current where how them txt fld field text box reached else there here these "
    "those then than address off made work works employed relate relates related relating regarding process procedure "
    "policy safeguarding am believe think feel consider secure known happened identified face facing following best based call",
)


# Spelling slips a label may carry in a word of five letters or more.
_SLIP_LENGTH = 6  # a word this long may carry a slip and still be read as the word
_LONG_WORDS = tuple(word for word in _WORDS if len(word) >= _SLIP_LENGTH)

_BOX_MARKS = frozenset("☐☒☑✓✔✗✘[")
_REQUIRED = re.compile(r"\s*(?:\*|\((?:mandatory|required|optional)\))", re.IGNORECASE)
# Guidance a label carries ("(e.g. Social Worker, Children's Services)", ", including what has been
# tried"): examples of an answer, not words of the label. Bounded, with no nested repetition.
_HINT = re.compile(
    r"\(\s*(?:e\.?\s?g\b\.?|for example|for instance|such as|i\.?e\b\.?)[^()]{0,100}\)"
    r"|,\s*(?:including|e\.?\s?g\b\.?|for example|such as)\b[^()?]{0,100}$",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\(([^()]{0,80})\)")
# "1.", "b)", "iv:", "Q3", "1.2", "2.1.3", "3a)", "(c)": a question's number before its label.
NUMBERING = re.compile(
    r"^\s*\(?(?:(?:section|part|step|question|q)\s*)?"
    r"(?:\d{1,2}(?:\.\d{1,2}){1,2}\.?|\d{1,2}[a-h]?[.):]|[a-h][.):]|[ivx]{1,4}[.):]|(?<=q)\d{1,2}\b)\s+",
    re.IGNORECASE,
)
_SECTION_NUMBER = re.compile(r"^\s*(?:section|part)\s*(?:\d{1,2}|[a-h]|[ivx]{1,4})\s*[.:\-–—]?\s*", re.IGNORECASE)


def tokens(text: str) -> list[str]:
    """Lower-case words without apostrophes, plurals of known words, or punctuation.

    "Child's D.O.B" -> ["child", "dob"]; "Agencies" -> ["agency"]; "E-mail" -> ["email"].
    """
    text = unicodedata.normalize("NFKC", text[:MAX_LABEL])
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower()  # a form field's "ChildName"
    text = re.sub(r"d\.\s?o\.\s?b\.?", " dob ", text)
    text = re.sub(r"e-mail", "email", text)
    text = re.sub(r"\b(contact|tel|telephone|phone|mobile)\s+no\b\.?", r"\1 number", text)  # "Contact no."
    text = re.sub(r"y/ies\b|y\(ies\)", "ies", text)  # "Agency/ies": the plural, asked for in one
    text = re.sub(r"\b(agency|organisation|organization|service) ([12])\b", lambda m: f"{m[1]} {'ab'[int(m[2]) - 1]}", text)
    text = re.sub(r"['’`]s\b|s['’`](?=\s|$)|['’`.]", "", text)
    text = re.sub(r"\bservice\s+users?\b", "serviceuser", text)
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return [_singular(word) for word in words[: MAX_WORDS + 1]]


def _singular(word: str) -> str:
    if word in _WORDS or len(word) < 4:
        return word
    for end, repl in (("ies", "y"), ("s", "")):
        if word.endswith(end) and (stem := word[: -len(end)] + repl) in _WORDS:
            return stem
    return word


_SLIPS: dict[str, str | None] = {}  # words already looked for among the long words
_MAX_SLIPS = 10_000


def word_class(word: str) -> str | None:
    """The class of meaning of a word, allowing a slip in a word of six letters or more."""
    if word in _WORDS:
        return _WORDS[word]
    if len(word) < _SLIP_LENGTH or word.isdigit():
        return None
    if word not in _SLIPS:
        from escalations.intake.notices.fields import _misspelt  # one definition of a slip

        if len(_SLIPS) > _MAX_SLIPS:
            _SLIPS.clear()
        _SLIPS[word] = next(
            (_WORDS[known] for known in _LONG_WORDS if abs(len(known) - len(word)) <= 2 and _misspelt(word, known)),
            None,
        )
    return _SLIPS[word]


# --- classification -----------------------------------------------------------------------


def classify(text: str) -> Classification:
    """The field a label asks for, by meaning; ``UNKNOWN`` when the rules cannot place it."""
    if len(text) > MAX_LABEL:
        return UNKNOWN
    found = _classify(text)
    if found is UNKNOWN and TRANSLATED.search(text) and not re.search(r"[\t\n]", text.strip()):
        return _translated(text)
    return found


# "Enw'r plentyn / Name of child": a bilingual form gives each label in two languages, apart by a spaced
# slash ("Name/DOB", unspaced, is one label asking for either). At most three versions.


def _translated(text: str) -> Classification:
    """The label a translated label states: one version the rules place, every other version in words no
    label here has ("Enw'r plentyn", "Cam"). A version in known words ("Name of child / adult Zainab
    Morgan": "adult Zainab Morgan") means the slash is not between languages."""
    versions = [version for version in TRANSLATED.split(text) if version.strip()]
    if not 2 <= len(versions) <= 3:  # noqa: PLR2004
        return UNKNOWN
    found = [_classify(version) for version in versions]
    placed = [one for one in found if one is not UNKNOWN]
    foreign = [version for version, one in zip(versions, found) if one is UNKNOWN]
    if len(placed) != 1 or any(_WORDS.get(word, "@") != "@" for version in foreign for word in tokens(version)):
        return UNKNOWN
    asked = [version.strip()[-1:] in ("?", ":") for version in versions]
    if any(asked[:-1]) and not asked[-1]:  # "…harm?  / No": a question and its answer; a translation keeps
        return UNKNOWN  # the question mark (a colon after the last version may be the whole label's)
    return placed[0]


def _classify(text: str) -> Classification:
    text = _HINT.sub(" ", text).replace("\n", " ")  # guidance under a label says nothing of its field
    text = _REQUIRED.sub("", text)  # "Name of child *:", "(mandatory)": the form's marks, not words
    if "\t" in text.strip():  # "Their role<tab>Team Manager": a label and its answer in two cells
        return UNKNOWN
    if text.lstrip()[:1] in _BOX_MARKS:  # "☒ Roles": an option ticked, not a label
        return UNKNOWN
    if "?" in _PAREN.sub("", text).strip().rstrip("?:"):  # "Is the child at risk? No": a question and its answer
        return UNKNOWN
    stripped = text.strip().rstrip(":?.*").strip()
    colon = text.strip().endswith(":")
    section = bool(_SECTION_NUMBER.match(stripped))
    stripped = _SECTION_NUMBER.sub("", stripped)
    stripped = NUMBERING.sub("", stripped)
    within = _WITHIN.search(stripped)
    if within and _answered(stripped[: within.start()]):  # "Role: Team Manager", "Job title ____ Team Manager"
        return UNKNOWN  # a label and its answer, not one label
    asides = _PAREN.findall(stripped)
    main = _PAREN.sub(" ", stripped)
    words = tokens(main)
    if not words or len(words) > MAX_WORDS:
        return UNKNOWN
    words = _adjectives_dropped(words)
    if any(w == "safeguarding" and _WORDS.get(nxt) == "subj" for w, nxt in zip(words, words[1:])):
        return UNKNOWN  # "Safeguarding Adults", "Safeguarding Children Partnership": a service's name, nobody's
    if "ref" in words and {"name", "role", "agency", "email", "phone"} & {_WORDS.get(w) for w in words}:
        words = ["referrer" if w == "ref" else w for w in words]  # "txtRefName", "Ref. organisation": the referrer's
    if words == ["subject"]:  # "Subject: FW: Escalation": a forwarded email's header, not the person
        return UNKNOWN
    unknown = [word for word in words if word not in _WORDS]
    if len(unknown) > 1:  # two words no label has: an answer, or prose (checked before any slip)
        return UNKNOWN
    classes = [word_class(word) for word in words]
    if any(cls is None for cls in classes):  # a word no label has, even allowing a slip
        return UNKNOWN
    found = {cls for cls in classes if cls}
    if "we" in found and not _PAREN.sub("", text).strip().endswith("?"):
        return UNKNOWN  # "We disagree with the agency": a sentence of the writer's; only a question asks with "we"
    found.discard("we")
    if "spoke" in found and ("date" in found or not ({"who", "whom"} & set(words) or found & {"person", "prof", "name"})):
        return UNKNOWN  # "Date you spoke to them", "What was said when you spoke?": the attempts, not a person
    if {"person", "risk"} <= found and "urgent" not in found:  # "Name of the person at risk": the subject
        found.add("subj")
    aside_words = [tokens(aside) for aside in asides]
    aside_classes = [{word_class(w) for w in ws} - {None} for ws in aside_words]
    joined = bool(re.search(r",|/|&|\band\b", stripped, re.IGNORECASE))
    both = bool(re.search(r",|&|\band\b", stripped, re.IGNORECASE))  # "and", not "/" ("or")
    parts = _composite(words, aside_words, people=both) if joined else None
    asked = colon or text.strip().endswith("?") or (words[0] in _QUESTION_WORDS and len(words) > 2)
    result = _decide(words, found, aside_classes, colon=asked)  # "What the disagreement is about": a question
    if result is None:
        return UNKNOWN
    written = re.sub(r"[^a-z0-9]+", " ", main.lower()).split()
    if result.rule == "generic" and any(word not in _WORDS and _singular(word) != word for word in written):
        return UNKNOWN  # "Roles", "Names" alone: options or answers; a generic label is singular
    if parts and result.side:
        result = Classification(None, "composite:" + result.side, result.side, None, False, parts(result.side))
    elif parts and result.rule == "generic":  # "Role and agency": whose, the section says
        result = Classification(None, "generic", None, "+".join(parts.attributes))
    if section and not result.heading or section and result.path:  # "Part A: The child or adult": a heading
        side = SUBJECT if result.path == "subject.kind" else result.side
        return Classification(None, f"section:{side or 'none'}", side, None, heading=True)
    sentence = text.strip().endswith(".") and not text.strip().endswith("..") and not _ABBREVIATED.search(text.strip())
    if sentence and result.path is None and not result.parts:
        return UNKNOWN  # "reason or a date.": the end of a sentence, not a heading
    named = result.side is not None and result.attribute in (None, "agency", "name")
    about = words[0] == "about" and named and not text.rstrip().endswith((":", "?"))  # "About the agency you…"
    heading = not sentence and (
        section
        or ("details" in found and named)
        or about
        or _names_a_side(found, result, text)
        or _names_subject(found, result, text)
    )
    if heading and not result.heading:
        result = Classification(result.path, result.rule, result.side, result.attribute, True, result.parts)
    return result


def _who_about(words: list[str], found: set[str]) -> bool:
    """ "Who is this about?", "Whom does the escalation relate to?": a question for a person that names
    nobody but the dispute; the person a notice is about is its subject. Not "Who are you concerned
    about?" (the other side, on these forms), nor a question naming an agency or a worker."""
    asked = {"who", "whom"} & set(words)
    ends = words[-1:] in (["about"], ["regarding"]) or words[-2:] in (["relate", "to"], ["relates", "to"])
    return bool(asked) and ends and found <= {"@", "challenge", "escalate", "name"}


_PICK_WORDS = frozenset({"these", "following"})


def _picked(words: list[str], found: set[str]) -> bool:
    """ "Which of these describe the disagreement?", "Which of the following apply to the concern?":
    a question over a list of options, about the dispute: its categories, not its account."""
    return (
        words[:1] == ["which"]
        and bool(_PICK_WORDS & set(words))
        and bool({"challenge", "concern", "details", "category"} & found)
        and not found & {"agency", "prof", "name", "subj", "person", "role"}
    )


def _names_a_side(found: set[str], result: Classification, text: str) -> bool:
    """ "Professional raising the concern", "Organisation being challenged" standing alone, no colon:
    a label for the side's name or agency, and also the heading of the side's section below it."""
    if result.side not in (RAISER, CHALLENGED) or text.rstrip().endswith((":", "?")):
        return False
    verbs = {"raise", "challenge", "escalate"} & found
    said = found & {"name", "role", "email", "phone", "dob", "contact", "your", "their", "letter", "details"}
    return bool(verbs) and not said and bool(found & {"prof", "agency", "person"})


def _names_subject(found: set[str], result: Classification, text: str) -> bool:
    """ "Child", "The young person" standing alone, no colon: the label for the subject's name beside
    its answer, and the heading of the subject's section ("Name:", "D.O.B.:") when labels follow."""
    return result.path == "subject.name" and "name" not in found and not text.rstrip().endswith((":", "?"))


def _with_whom(words: list[str]) -> bool:
    """ "Disagreement is with", "Who is the disagreement with?": asks for the other side; not
    "What do you disagree with?", which asks what the disagreement is."""
    return words[-1:] in (["with"], ["against"]) and ("what" not in words or bool({"who", "whom"} & set(words)))


# The dotted line of a blank form: three dots or underscores, or an ellipsis ("…").
LEADERS = r"(?:[._]{3,}|…)[.…_]*"
# A colon, "=", a run of spaces, or a dotted line with words after it, inside a label's text:
# a label may end there.
_WITHIN = re.compile(rf"(?:[:=]|  +|{LEADERS})(?=\s*[^\s.…_=:])")


def _answered(head: str) -> bool:
    """The text before a colon inside a label is a field's label by itself ("Role" in "Role: Team Manager")."""
    found = classify(head + ":")
    return not found.heading and bool(found.path or found.attribute or found.parts)


_TRIED = frozenset({"taken", "tried", "resolve", "resolved"})  # words saying something was done about it
# Words that may stand beside "child" or "young person" in a label naming them without a colon
# ("The young person", "Child concerned"); any other ("Child's do", a slip of "DOB") is no name label.
_PERSON_FILLERS = frozenset({"the", "concerned", "involved", "of", "this", "s", "at"})
_AT_RISK = frozenset({"risk"})  # "Adult at risk": the statutory name for the person, not a question of risk

_DISPUTE_WORDS = frozenset({"disagreement", "challenge", "difference", "differences", "dispute"})


def _adjectives_dropped(words: list[str]) -> list[str]:
    """ "What is the professional disagreement?": "professional" there names no one."""
    return [
        w
        for at, w in enumerate(words)
        if not (_WORDS.get(w) == "prof" and words[at + 1 : at + 2] and words[at + 1] in _DISPUTE_WORDS)
    ]


_PART_ATTRIBUTES = {"name": "name", "dob": "dob", "role": "role", "agency": "agency", "email": "email", "phone": "phone"}


def _composite(words: list[str], asides: list[list[str]], *, people: bool = False):  # type: ignore[no-untyped-def]
    """ "Your details (name, role, agency)", "Name and date of birth of the child": a label
    asking for several attributes at once; the paths of the parts, by side, in order.
    With ``people`` (joined by "and", not "/"), a practitioner word asks for a name:
    "Agency and worker you disagree with"."""
    wanted: list[str] = []
    for group in [*asides, words]:
        attrs = []
        for word in group:
            cls = word_class(word)
            attribute = _PART_ATTRIBUTES.get(cls or "")
            if cls == "prof" and people:
                attribute = "name"
            elif cls == "prof" and "name" not in attrs:
                continue
            if attribute and attribute not in attrs:
                attrs.append(attribute)
        if len(attrs) >= 2 and all(a in _PART_ATTRIBUTES for a in attrs):
            wanted = attrs
            break
    if len(wanted) < 2:
        return None

    def parts(side: str) -> tuple[str, ...]:
        allowed = SIDE_ATTRIBUTES[side]
        return tuple(f"{SIDE_PATHS[side]}.{a}" for a in wanted if a in allowed)

    parts.attributes = tuple(wanted)  # type: ignore[attr-defined]
    return parts


_ATTRIBUTE_WORDS = {"name", "dob", "role", "email", "phone"}
_ROLE_ALONE = {"prof", "roleword", "@"}
_GENERIC = {"@", "name", "dob", "role", "email", "phone", "agency", "date", "contact"}  # and a name's halves
_PARTY = {"agency", "prof", "roleword", "person", "name", "role", "their", "decision", "letter", "subj"}


def _raising(words: list[str]) -> bool:
    """A word of raising with the dispute as its object: "raising the challenge", "making the challenge"."""
    meaning = [_WORDS.get(word) for word in words if _WORDS.get(word) != "@"]
    return any(
        cls == "raise" and meaning[at + 1 : at + 2] in (["challenge"], ["concern"], ["escalate"])
        for at, cls in enumerate(meaning)
    )


def _escalating_to(words: list[str]) -> bool:
    """ "Organisation you are escalating to", "Agency escalated to": the other side."""
    for at, word in enumerate(words):
        if _WORDS.get(word) == "escalate" and "to" in words[at + 1 : at + 3]:
            return True
    return False


_OBJECT_END = ("about", "with", "against", "regarding")
_QUESTION_WORDS = frozenset({"what", "why", "how", "which"})
_ABBREVIATED = re.compile(r"\b(?:no|tel|ref|dept|org)\.$", re.IGNORECASE)  # "Contact no.": a word cut short, no sentence


def _side(words: list[str], found: set[str], asides: list[set[str]]) -> tuple[str | None, str]:
    """Whose field: (side, why). A side said in brackets ("Agency B (concern about)") counts."""
    if _WORDS.get(words[0]) == "sign" and "date" not in found:
        return SIGNED, "signed"  # "Signature of the person completing the form": whoever it is of, the signatory
    if "spoke" in found:  # "Who in that agency have you spoken to?": the worker on the other side
        return (None, "") if "own" in words else (CHALLENGED, "spoken-to")
    for aside in asides:  # "(raising the concern)", "(concern about)": the brackets say it
        if "raise" in aside or ("your" in aside and "challenge" not in aside):
            return RAISER, "raiser"
        if "challenge" in aside or "concern" in aside or "escalate" in aside:
            return CHALLENGED, "challenged"
    every = set(found)
    if "raise" in every and words[-1] in _OBJECT_END:  # "Agency you are raising the concern about": its object
        return CHALLENGED, "raised-about"
    if "subj" in every and "challenge" in every and not (_PARTY - {"subj", "name"}) & every and not _with_whom(words):
        return SUBJECT, "subject-of-dispute"  # "Child subject of the disagreement", "Adult the challenge is about"
    if _raising(words):  # "Person raising the challenge", "Name of person making the challenge"
        return RAISER, "raiser"
    if "challenge" in every and _with_whom(words):
        return CHALLENGED, "challenged"  # "Who is the disagreement with?", "Disagreement is with (agency)"
    if "escalate" in every:
        return (CHALLENGED, "challenged") if _escalating_to(words) else (RAISER, "raiser")
    if "letter" in every and "agency" in every and len(words) <= 3:  # "Agency A", "Agency B"
        return (RAISER, "agency-letter") if "a" in words else (CHALLENGED, "agency-letter")
    if len(words) > 1 and _WORDS.get(words[-2]) == "agency" and words[-1] in ("a", "b"):  # "Name of worker in Agency B"
        return (RAISER, "agency-letter") if words[-1] == "a" else (CHALLENGED, "agency-letter")
    if "challenge" in every and not (_PARTY & every):
        return None, ""  # "Section 4: The disagreement": about the dispute, not a side
    if "challenge" in every or ("concern" in every and "agency" in found and "details" not in found and "raise" not in every):
        return CHALLENGED, "challenged"
    if "their" in every:
        return CHALLENGED, "their"
    if "concerned" in words and not ({"subj", "person"} & every):
        return CHALLENGED, "concerned"  # "Worker concerned", "Agency concerned"; not "Child concerned"
    if "decision" in every and "your" not in every:
        return CHALLENGED, "decision"  # "Who made the decision?": the decision disputed
    if "raise" in every or "your" in every:
        return RAISER, "raiser"
    if "sign" in every:
        return SIGNED, "signed"
    if ("prof" in every or "roleword" in every) and (
        every & _ATTRIBUTE_WORDS or every <= _ROLE_ALONE or every == {"prof", "agency", "@"} or every == {"prof", "agency"}
    ):
        return RAISER, "role-word"  # "Lead professional", "Manager's name"; not "Team Manager"
    if "subj" in every or "person" in every:
        return SUBJECT, "subject"
    return None, ""


def _attribute(words: list[str], found: set[str]) -> str | None:
    if "spoke" in found and not found & {"name", "role"}:
        return "name"  # "Who in that organisation have you spoken to?": a person, not the organisation
    if "dob" in found:
        return "dob"
    if "email" in found:
        return "email"
    if "name" in found and "agency" in found and not ({"subj", "prof", "person", "roleword"} & found):
        return "agency"  # "Name of agency you are escalating to", "Agency name"
    if "name" in found and len(words) <= 4:
        if {"first", "forename", "forenames", "given", "christian", "firstname"} & set(words):
            return "first_name"  # "First name", "Forename(s)": half a name, joined with the surname
        if {"surname", "last", "lastname"} & set(words) or words[-2:] == ["family", "name"]:
            return "last_name"
    if "name" in found:
        return "name"
    if "role" in found and "decision" not in found:
        return "role"
    if "phone" in found and (
        "number" in words or "telephone" in words or "tel" in words or "phone" in words or "mobile" in words
    ):
        return "phone"
    if "contact" in found:  # "Contact details", "How can we contact you?"; "Contact", "Contact person"
        return "contact" if "details" in found or words[0] == "how" else "name"
    if "agency" in found:
        return "agency"
    return None


def _decide(words: list[str], found: set[str], asides: list[set[str]], *, colon: bool) -> Classification | None:
    """The rules, in order: the notice's own questions first, then the parties' fields."""
    if "happened" in words and found <= {"@", "details", "concern", "attempt", "your", "date"}:
        return Classification("concern", "synonyms:what-happened")  # "What happened, and what have you done?"
    if "risk" in found and ("urgent" in found or "harm" in words):
        return Classification("immediate_risk", "synonyms:immediate-risk")
    if "copy" in found:
        return Classification("copies_to", "synonyms:copies")
    if "ref" in found and len(words) <= 4:
        return Classification("case_reference", "synonyms:reference")
    if "outcome" in found and "seek" in found:
        return Classification("outcome_sought", "synonyms:outcome-sought")
    tried = "attempt" in found or ("stage" in found and bool(_TRIED & set(words)))  # "Step(s) taken to resolve"
    if (
        tried
        and "details" not in found
        and ("challenge" in found or "outcome" in found or _TRIED & set(words) or "date" in found)
    ):
        if "date" in found and "outcome" not in found and not _TRIED & set(words):  # "Date of attempt"; not "taken to date"
            return Classification("attempts.date", "synonyms:attempt-date")
        if "outcome" in found and "challenge" not in found and "date" not in found:  # "Outcome of attempt"
            return Classification("attempts.outcome", "synonyms:attempt-outcome")
        return Classification("attempts", "synonyms:attempts")
    if "stage" in found and not ({"subj", "agency", "name", "category"} & found) and "need" not in words:
        return Classification("stage", "synonyms:stage")
    if _who_about(words, found):  # "Who is this about?", "Who is the disagreement about?": the person the notice is about
        return Classification("subject.name", "synonyms:who-about", SUBJECT, "name")
    if _picked(words, found):  # "Which of these describe the disagreement?": options, picked
        return Classification("categories", "synonyms:categories-which")
    if "category" in found and ({"challenge", "concern"} & found):
        return Classification("categories", "synonyms:categories")
    if found == {"category"} and words in (["category"], ["categories"], ["theme"], ["themes"]):
        return Classification("categories", "synonyms:categories-alone")  # "Category:", "Theme(s):" on a notice
    if "kind" in found and {"challenge", "concern"} & found and not found & {"subj", "person", "agency", "prof", "name"}:
        return Classification("categories", "synonyms:categories-kind")  # "What kind of disagreement is it?"
    if (
        "details" in found
        and "challenge" in found
        and "agency" not in found
        and "name" not in found
        and "prof" not in found
        and not ({"your", "their"} & found)
    ):
        return Classification("concern", "synonyms:concern")
    if "tick" in found or any("tick" in aside for aside in asides):
        if {"challenge", "concern", "category", "details"} & found:  # "Reason for escalation (please tick)"
            return Classification("categories", "synonyms:categories-ticked")
    if "challenge" in found and found <= {"challenge", "@"} and {"relate", "relates", "regarding"} & set(words):
        return Classification("categories", "synonyms:categories")  # "Disagreement relates to"
    disputed = {"concern", "decision", "challenge", "@", "your", "why"}
    if found <= disputed and "challenge" in found and found & {"concern", "decision"}:
        if not {"who", "whom", "whose"} & set(words) and (not _with_whom(words) or words[0] in ("decision", "what")):
            return Classification("concern", "synonyms:concern-disputed")  # "Issue in dispute", "Decision being challenged"
    asked = {"who", "whom"} & set(words)
    if not asked and "challenge" in found and found <= {"challenge", "@", "your"} and colon and not _with_whom(words):
        return Classification("concern", "synonyms:concern-question")  # "What is the disagreement?", "What do you disagree with?"
    if "why" in found and found <= {"why", "challenge", "escalate", "raise", "your", "@", "details", "concern"}:
        return Classification("concern", "synonyms:concern-why")  # "Why are you escalating?", "Explain why you disagree"
    if "concern" in found and "escalate" in found and not ({"agency", "name", "prof", "person"} & found):
        return Classification("concern", "synonyms:concern")  # "Issues being escalated"
    if "details" in found and "escalate" in found and found <= {"details", "escalate", "@"}:
        return Classification("concern", "synonyms:concern")  # "Rationale for escalation"
    if "urgent" in found and "concern" in found and "safeguarding" in words:
        return Classification("immediate_risk", "synonyms:immediate-risk")  # "Any immediate safeguarding concerns?"
    if found == {"concern"} and len(words) == 1 and colon:  # "Issue:", "Concerns:"
        return Classification("concern", "synonyms:concern")
    if (
        "concern" in found and found <= {"concern", "@", "your"} and colon and not asked
    ):  # "What is the issue?", "Issues of concern"
        return Classification("concern", "synonyms:concern-question")
    if (
        "concern" in found
        and ({"details", "your"} & found or words[:1] == ["concern"])
        and "agency" not in found
        and "name" not in found
        and "raise" not in found
    ):
        return Classification("concern", "synonyms:concern")
    if found <= {"subj", "person", "@", "kind", "your", "letter"} and "or" in words and {"child", "adult"} <= set(words):
        return Classification("subject.kind", "synonyms:subject-kind")
    if "sign" in found and "date" in found:
        return Classification("signed.date", "synonyms:signed-date")
    if "date" in found and "raise" in found and found <= {"date", "raise", "@"}:  # "Date completed", "Date raised"
        return Classification("signed.date", "synonyms:date-completed")
    if found == {"prof"} and all(_WORDS[w] == "prof" for w in words):  # "Worker", "Officer / worker": the section's
        return Classification("raised_by.name", "generic", None, "name")
    side, why = _side(words, found, asides)
    attribute = _attribute(words, found)
    if why == "role-word" and attribute in ("name", "role", None):  # "Name of worker", "Worker role": whose the section says
        attribute = attribute or "name"  # "Worker/manager involved": a person, named
        return Classification(f"raised_by.{attribute}", "role-word", None, attribute)
    if attribute == "dob" and side not in (None, SUBJECT):  # "What is their date of birth?": only the subject has one
        return Classification("subject.dob", "synonyms:subject-dob", SUBJECT, "dob")
    if "details" in found and found <= {"details", "@"}:  # "Details", "Summary", "Description" alone: the concern
        return Classification("concern", "synonyms:concern")
    if attribute == "contact":  # "Contact details": an email address and a telephone number
        if side in (None, RAISER) and found <= _GENERIC | {"details", "your"}:
            return (
                Classification(None, "generic", side, "contact", parts=CONTACT_PARTS)
                if side
                else Classification(None, "generic", None, "contact")
            )
        return None
    if side is None:
        if attribute and found <= _GENERIC:  # "Name", "Organisation", "Email": whose depends on the section
            return Classification(None, "generic", None, attribute)
        if "details" in found or "challenge" in found:  # a heading about the dispute itself
            return Classification(None, "section:none", None, None, heading=True)
        return None
    if attribute is None:
        if (
            side == SUBJECT
            and found & {"subj"}
            and (
                colon
                or "details" in found
                or (
                    found - _AT_RISK <= {"subj", "person", "@"}  # "Young person", "Adult at risk"
                    and len(words) > 1  # not "Child" alone: the answer to "Child or adult?" as often as a label
                    and not {"child", "adult"} <= set(words)
                    and all(_WORDS[w] != "@" or w in _PERSON_FILLERS for w in words)
                )
            )
        ):
            attribute = "name"  # "Adult:", "Child/Young Person:", "Young person" (not "Child": an answer)
        elif side in (RAISER, CHALLENGED) and "where" in words and "details" not in found:
            attribute = "agency"  # "Where do you work?", "Where are you based?": a place of work
        elif side in (RAISER, CHALLENGED) and found & {"prof", "roleword", "person"} and "details" not in found:
            attribute = "name"  # "Practitioner you disagree with", "Referrer", "Completed by"
        elif (
            side == RAISER
            and "raise" in found
            and "details" not in found
            and "your" not in found
            and {"completed", "completing", "raised", "referrer"} & set(words)
        ):
            attribute = "name"  # "Raised by", "Completed by"
        elif side == SIGNED and "details" not in found:
            attribute = "name"  # "Signature", "Signed by"
        elif side == CHALLENGED and "decision" in found and "who" in words:
            attribute = "name"  # "Who made the decision?": a person
        elif side == CHALLENGED and ({"who", "whom"} & set(words) or _with_whom(words)) and "details" not in found:
            # "Who is the disagreement with?": an agency, perhaps a person too; "(name)" in brackets: a person
            attribute = next((a for a in ("name", "role", "agency") if any(a in aside for aside in asides)), "agency")
        elif side == CHALLENGED and _escalating_to(words) and "details" not in found:
            attribute = "agency"  # "Escalating to:", "Escalated to": where the matter goes, an organisation
        elif side == CHALLENGED and "decision" in found and ({"who", "whose", "which"} & set(words) or colon is False):
            # "Whose decision…?", "Which agency's decision…": the side; "Date of decision" asks neither
            if found & {"date", "outcome"}:
                return None
            attribute = "name" if "who" in words else "agency"
    if attribute is None or attribute not in SIDE_ATTRIBUTES[side]:
        if "details" in found or attribute is None:
            return Classification(None, f"section:{side}", side, None, heading=True)
        return None
    if side == SUBJECT and attribute == "name" and not ({"subj"} & found):
        # "Name of person" alone says nobody in particular: a generic name, whose the section says
        return Classification(None, "generic", None, "name") if found <= {"person", "name", "@"} else None
    return Classification(f"{SIDE_PATHS[side]}.{attribute}", f"synonyms:{side}-{attribute}", side, attribute)


CONTACT_PARTS = ("raised_by.email", "raised_by.phone")

# Where a generic label outside any section has always been read (an email address or a
# telephone number on a notice is the sender's; a date of birth, the subject's).
GENERIC_DEFAULTS = {
    "email": "raised_by.email",
    "phone": "raised_by.phone",
    "dob": "subject.dob",
    "contact": "+".join(CONTACT_PARTS),
}


def scoped(found: Classification, scope: str | None) -> Classification:
    """A generic label ("Name", "Organisation") on the side its section named; unknown outside one,
    or where that side has no such field (the challenged agency's email is not the raiser's)."""
    if found.attribute is None or found.side is not None:
        return found
    if scope is None:
        default = found.path or GENERIC_DEFAULTS.get(found.attribute)
        return Classification(default, found.rule if found.path else "generic-default", None, found.attribute)
    if found.attribute == "contact":
        parts = CONTACT_PARTS if scope == RAISER else ()
        return Classification(None, f"section:{scope}", scope, found.attribute, parts=parts)
    if "+" in found.attribute and scope == SUBJECT and set(found.attribute.split("+")) - SIDE_ATTRIBUTES[SUBJECT]:
        scope = RAISER  # "Name / role / organisation" after the child's name: the subject has no role; the writer's
    if "+" in found.attribute:  # "Role and agency" in the raiser's section: the raiser's role, then agency
        allowed = SIDE_ATTRIBUTES.get(scope, set())
        parts = tuple(f"{SIDE_PATHS[scope]}.{a}" for a in found.attribute.split("+") if a in allowed)
        return Classification(None, f"section:{scope}", scope, found.attribute, parts=parts)
    if found.attribute not in SIDE_ATTRIBUTES.get(scope, set()):
        return Classification(None, f"section:{scope}", scope, found.attribute)
    path = f"{SIDE_PATHS[scope]}.{found.attribute}"
    return Classification(path, f"section:{scope}", scope, found.attribute)
