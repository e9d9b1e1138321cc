"""Which directory agency a notice's raising and challenged sides are (issue 9, "Agencies from the directory").

Pure: given one partnership's directory view and what a message says, each side
is resolved with its evidence (which text, which rule, what score). Wherever an
agency may be named is looked at: the labelled field, a role line
("Health Visitor, Northside Health"), the email's own To/Cc addresses, the
sender's address, the body. Names are compared as tokens, tolerant of case,
punctuation, "the"/"&"/"and", word order, common abbreviations (CSC, GMP,
NHS FT, ...), the agency's aliases from the directory, and typos (rapidfuzz).

Two agencies about as likely is no answer: the resolution is ``ambiguous`` and
the caller asks the sender (never a guess). All text is bounded before it is
read, and every step is linear in the text (tokenising is one pass; names are
looked up by token in a dict).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from escalations.routing.directory import AgencyEntry, Directory

MAX_FIELD = 400  # characters of one labelled value or role line read
MAX_BODY = 20_000  # characters of a body searched for agency names
ACCEPT = 75.0  # a score at or above names the agency
MARGIN = 30.0  # ...if no other agency scores within this much of it
CLOSE = 60.0  # an agency below this is never "about as likely"
TYPO = 85.0  # rapidfuzz ratio at or above: the same word with a slip (words of 5 letters or more)

# Words that say what kind of body something is, not which one it is.
NOISE = frozenset(
    """
the of for and in at a an to on by from with is it its was are be this that my our your we i please
nhs trust foundation ft service services department dept team teams
council city borough metropolitan local authority county district
limited ltd plc cic partnership organisation organization agency
""".split()
)

# Abbreviations people write for agencies, expanded before comparing.
ABBREVIATIONS = {
    "csc": "childrens social care",
    "cs": "childrens services",
    "cyps": "children and young peoples services",
    "asc": "adult social care",
    "gmp": "greater manchester police",
    "hv": "health visiting",
    "hvs": "health visiting",
    "cahms": "camhs",
    "sch": "school",
    "acad": "academy",
    "dsl": "designated safeguarding lead",
    "constabulary": "police",
    "healthcare": "health",
    "children": "childrens",
    "childs": "childrens",
    "child": "childrens",
    "adults": "adult",
    "visitor": "visiting",
    "visitors": "visiting",
}

# Short forms whose use makes a match's rule "abbreviation" (the rest of ABBREVIATIONS are spellings).
ACRONYMS = frozenset({"csc", "cs", "cyps", "asc", "gmp", "hv", "hvs", "sch", "acad", "dsl", "ft"})

_WORD = re.compile(r"[a-z0-9]+")  # one pass, no nesting
_LINE_SPLIT = re.compile(r"[,;|/\n()]|\s[-\u2013\u2014]\s|\s@\s|\bat\b")


@dataclass(frozen=True)
class Evidence:
    """One reason to think a side is an agency: the text, where it was, the rule and the score."""

    side: str  # raising | challenged
    agency: str
    where: str  # "the challenged agency field", "the Cc address x@y", ...
    text: str
    rule: str  # name | alias | abbreviation | words | typo | domain | answer
    score: float

    def to_json(self) -> dict[str, object]:
        return {
            "side": self.side,
            "agency": self.agency,
            "where": self.where,
            "text": self.text[:200],
            "rule": self.rule,
            "score": round(self.score, 1),
        }

    def describe(self) -> str:
        return f"{self.agency} ({self.rule}, score {self.score:.0f}) from {self.where}: {self.text[:80]!r}"


@dataclass(frozen=True)
class Resolution:
    side: str
    agency: AgencyEntry | None
    evidence: tuple[Evidence, ...] = ()
    ambiguous: tuple[str, ...] = ()  # agency names about as likely as each other: ask, do not guess
    unknown: str | None = None  # text that names no directory agency

    @property
    def resolved(self) -> bool:
        return self.agency is not None

    def describe(self) -> str:
        if self.agency is not None:
            best = next((e for e in self.evidence if e.agency == self.agency.name), None)
            return f"the {self.side} agency is {self.agency.name}" + (f": {best.describe()}" if best else "")
        if self.ambiguous:
            return f"the {self.side} agency could be {' or '.join(self.ambiguous)}; the sender is asked"
        if self.unknown:
            return f"the {self.side} agency {self.unknown[:80]!r} is not in the directory"
        return f"nothing names the {self.side} agency"

    def to_json(self) -> dict[str, object]:
        return {
            "side": self.side,
            "agency": self.agency.name if self.agency else None,
            "ambiguous": list(self.ambiguous),
            "unknown": self.unknown,
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(frozen=True)
class Match:
    agency: AgencyEntry
    score: float
    rule: str
    coverage: float = 1.0


def tokens(text: str | None, limit: int = MAX_FIELD) -> list[str]:
    """Lower-case words, apostrophes dropped ("children's" is "childrens"), & as "and",
    abbreviations expanded and noise words left out."""
    raw = (text or "")[:limit].lower().replace("'", "").replace("\u2019", "").replace("&", " and ")
    out: list[str] = []
    for word in _WORD.findall(raw):
        for part in ABBREVIATIONS.get(word, word).split():
            if part not in NOISE:
                out.append(part)
    return out


@dataclass
class _Variant:
    agency: AgencyEntry
    text: str
    words: tuple[str, ...]
    rule: str  # name | alias | initials


@dataclass
class Names:
    """A directory's agencies by their names, aliases and initials, weighted by how telling each word is."""

    directory: Directory
    variants: list[_Variant] = field(default_factory=list)
    weight: dict[str, float] = field(default_factory=dict)
    by_word: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, directory: Directory) -> Names:
        names = cls(directory)
        holders: dict[str, set[str]] = {}
        for agency in directory.agencies:
            for text, rule in [(agency.name, "name")] + [(a, "alias") for a in agency.aliases]:
                words = tuple(tokens(text))
                if words:
                    names.variants.append(_Variant(agency, text, words, rule))
                    for w in words:
                        holders.setdefault(w, set()).add(agency.name)
                initials = _initials(text)
                if initials:
                    names.variants.append(_Variant(agency, text, (initials,), "initials"))
        # A word most agencies share ("Salford", "Bury") tells little; one only this agency has tells most.
        names.weight = {w: 1.0 / len(h) for w, h in holders.items()}
        for index, variant in enumerate(names.variants):
            for w in set(variant.words):
                names.by_word.setdefault(w, []).append(index)
        return names

    def score(self, text: str) -> list[Match]:
        """Every agency the text could name, best first. A name scores by how much of its telling words
        the text holds (coverage) and how much of the text's own telling words it explains (precision: a
        word no agency has, like "Royal", counts against every one), the better of the two weighing most."""
        raw_words = _WORD.findall((text or "")[:MAX_FIELD].lower().replace("'", "").replace("\u2019", ""))
        words = set(tokens(text))
        if not words:
            return []
        present: dict[str, float] = {}
        unknown = 0.0
        for w in words:
            if w in self.by_word:
                present[w] = 1.0
                continue
            found = process.extractOne(w, self.by_word.keys(), scorer=fuzz.ratio, score_cutoff=TYPO) if len(w) >= 5 else None
            if found is not None and len(found[0]) >= 5:
                present[found[0]] = max(present.get(found[0], 0.0), found[1] / 100.0)
            else:
                unknown += 1.0
        abbreviated = any(w in ACRONYMS for w in raw_words)
        text_weight = unknown + sum(self.weight.get(w, 1.0) for w in present)
        best: dict[str, Match] = {}
        for index in {i for w in present for i in self.by_word[w]}:
            variant = self.variants[index]
            total = sum(self.weight.get(w, 1.0) for w in set(variant.words))
            got = sum(self.weight.get(w, 1.0) * present.get(w, 0.0) for w in set(variant.words))
            coverage = got / total if total else 0.0
            precision = got / text_weight if text_weight else 0.0
            # Both count, the better one most: "Police" names Bury Police (all of the text explained), and so does
            # "GMP Bury division"; "Lancashire Constabulary Fire Service" does not (most of it is another body).
            score = 100.0 * (0.75 * max(coverage, precision) + 0.25 * min(coverage, precision))
            if any(0 < present.get(w, 0.0) < 1.0 for w in variant.words):
                rule = "typo"
            elif coverage < 1.0:
                rule = "words"
            elif abbreviated:
                rule = "abbreviation"
            else:
                rule = variant.rule
            held = best.get(variant.agency.name)
            if held is None or (score, coverage) > (held.score, held.coverage):
                best[variant.agency.name] = Match(variant.agency, score, rule, coverage)
        return sorted(best.values(), key=lambda m: (-m.score, m.agency.name))


def _initials(text: str) -> str | None:
    """ "Bury Children's Social Care" -> "bcsc": the initials people write for a long name (3 letters or more)."""
    words = [w for w in _WORD.findall(text.lower().replace("'", "").replace("&", " ")) if w not in ("the", "of", "and", "for")]
    return "".join(w[0] for w in words) if len(words) >= 3 else None


def choose(matches: Sequence[Match], exclude: str | None = None) -> tuple[Match | None, tuple[str, ...]]:
    """The one agency a text names, or the agencies it could name when two are close."""
    candidates = [m for m in matches if m.agency.name != exclude]
    if not candidates:
        return None, ()
    close = [m for m in candidates if m.score >= max(candidates[0].score - MARGIN, CLOSE)]
    if candidates[0].score < ACCEPT:
        return None, tuple(m.agency.name for m in close) if len(close) > 1 else ()
    if len(close) > 1:
        return None, tuple(m.agency.name for m in close)
    return candidates[0], ()


def parts(text: str | None) -> list[str]:
    """A role line's parts: "Claire Bennett, School Nurse, Central London Community Healthcare"."""
    return [p.strip() for p in _LINE_SPLIT.split((text or "")[:MAX_FIELD]) if p.strip()]


@dataclass(frozen=True)
class Sources:
    """What one message says that may name an agency (all optional)."""

    raising_field: str | None = None  # the labelled "your agency" value
    challenged_field: str | None = None  # the labelled "agency you disagree with" value
    raising_lines: tuple[str, ...] = ()  # role lines of the raiser and signatory
    challenged_lines: tuple[str, ...] = ()  # the challenged person's name and role lines
    sender: str | None = None  # the From: address
    copied: tuple[str, ...] = ()  # the email's own To and Cc addresses
    body: str | None = None  # the sender's own words


def resolve(directory: Directory, sources: Sources, names: Names | None = None) -> tuple[Resolution, Resolution]:
    """The raising and the challenged agency, each with its evidence."""
    names = names or Names.of(directory)
    raising = _raising(directory, names, sources)
    taken = raising.agency.name if raising.agency else None
    return raising, _challenged(directory, names, sources, taken)


def _raising(directory: Directory, names: Names, s: Sources) -> Resolution:
    evidence: list[Evidence] = []
    by_domain = directory.agency_for_address(s.sender)
    if by_domain is not None:
        evidence.append(Evidence("raising", by_domain.name, "the sender's address", s.sender or "", "domain", 100.0))
    found, ambiguous, unknown = _from_texts(
        names,
        "raising",
        [("the raising agency field", s.raising_field)] + [("the raiser's role line", line) for line in s.raising_lines],
        evidence,
        None,
    )
    if by_domain is not None:
        return Resolution("raising", by_domain, tuple(evidence))  # the address is the firmest evidence
    return Resolution("raising", found, tuple(evidence), ambiguous, unknown)


def _challenged(directory: Directory, names: Names, s: Sources, taken: str | None) -> Resolution:
    """The notice's own words first (which may name the sender's own agency: a disagreement within one
    agency, which the policy signposts); then the addresses and the body, which never name the sender's own."""
    evidence: list[Evidence] = []
    found, ambiguous, unknown = _from_texts(
        names,
        "challenged",
        [("the challenged agency field", s.challenged_field)]
        + [("the challenged person's line", line) for line in s.challenged_lines],
        evidence,
        None,
    )
    if found is not None or ambiguous or (unknown and s.challenged_field):
        return Resolution("challenged", found, tuple(evidence), ambiguous, unknown)
    # An address at an agency's domain on the email, other than the sender's: the other side was copied in.
    sender_domain = (s.sender or "").rsplit("@", 1)[-1].lower()
    copied: dict[str, Evidence] = {}
    for address in s.copied[:100]:
        agency = directory.agency_for_address(address)
        if agency is None or agency.name == taken or address.rsplit("@", 1)[-1].lower() == sender_domain:
            continue
        copied.setdefault(
            agency.name, Evidence("challenged", agency.name, f"the email's To/Cc address {address}", address, "domain", 90.0)
        )
    evidence += copied.values()
    if len(copied) == 1:
        name = next(iter(copied))
        return Resolution("challenged", _agency(directory, name), tuple(evidence))
    if len(copied) > 1:
        return Resolution("challenged", None, tuple(evidence), tuple(sorted(copied)))
    mentioned = mentions(names, s.body, exclude=taken)
    evidence += [
        Evidence("challenged", a, "the body of the email", text, "named in the text", 80.0) for a, text in mentioned.items()
    ]
    if len(mentioned) == 1:
        return Resolution("challenged", _agency(directory, next(iter(mentioned))), tuple(evidence))
    return Resolution("challenged", None, tuple(evidence), tuple(sorted(mentioned)) if len(mentioned) > 1 else (), unknown)


def _from_texts(
    names: Names, side: str, texts: Iterable[tuple[str, str | None]], evidence: list[Evidence], exclude: str | None
) -> tuple[AgencyEntry | None, tuple[str, ...], str | None]:
    """The first text (in order of trust) that names an agency; a whole field before its parts."""
    unknown = None
    for where, text in texts:
        if not text or not text.strip():
            continue
        match, ambiguous = choose(names.score(text), exclude)
        if match is None:
            # A line's parts, last first: "Health Visitor, Northside Health" puts the agency after the role.
            for piece in reversed([p for p in parts(text) if p != text.strip()]):
                match, _ = choose(names.score(piece), exclude)
                if match is not None:
                    text = piece
                    break
        if match is not None:
            evidence.append(Evidence(side, match.agency.name, where, text, match.rule, match.score))
            return match.agency, (), None
        if ambiguous:
            evidence += [Evidence(side, a, where, text, "ambiguous", 0.0) for a in ambiguous]
            return None, ambiguous, None
        if unknown is None and where.endswith("field"):
            unknown = text.strip()[:200]
    return None, (), unknown


def mentions(names: Names, body: str | None, exclude: str | None = None) -> dict[str, str]:
    """Agencies whose whole name, alias or abbreviation appears as a phrase in the text: {agency: phrase}.
    One pass over the text's words; each word looks up only the names that start with it."""
    words = tokens(body, MAX_BODY)
    starts: dict[str, list[_Variant]] = {}
    for v in names.variants:
        if v.rule != "initials" and (len(v.words) >= 2 or len(v.words[0]) >= 4):
            starts.setdefault(v.words[0], []).append(v)
    found: dict[str, str] = {}
    for i, w in enumerate(words):
        for v in starts.get(w, ()):
            if tuple(words[i : i + len(v.words)]) == v.words and v.agency.name != exclude:
                # A name whose words are all shared by other agencies ("Salford") names none of them.
                if sum(names.weight.get(x, 1.0) for x in v.words) >= 1.0:
                    found.setdefault(v.agency.name, v.text)
    return found


def _agency(directory: Directory, name: str) -> AgencyEntry | None:
    return next((a for a in directory.agencies if a.name == name), None)


# -- answers to the numbered question -----------------------------------------

_OPTION_WORDS = ("option", "number", "no.", "no", "agency", "#", "choice")


def option_number(text: str) -> int | None:
    """``2``, ``2.``, ``(2)``, ``Option 2``, ``No. 2 - Salford Police``: the number a line starts with."""
    line = text[:200].strip().lower()
    for word in _OPTION_WORDS:
        if line.startswith(word) and not line[len(word) : len(word) + 1].isalpha():
            line = line[len(word) :].strip()
            break
    line = line.lstrip("(#[ ").strip()
    digits = ""
    for ch in line:
        if not ch.isdigit():
            break
        digits += ch
    rest = line[len(digits) :]
    if not digits or len(digits) > 3 or (rest and rest[0].isalnum()):
        return None
    return int(digits)


def answer(text: str | None, options: Sequence[str], directory: Directory) -> tuple[str | None, str]:
    """The agency a reply picks from the numbered list it was sent: ``2``, ``2.``, ``Option 2``,
    the name, an alias, or a ``Label: value`` line. Returns (agency name or None, how it was read)."""
    listed = Directory(directory.partnership, tuple(a for a in directory.agencies if a.name in options), ())
    names = Names.of(listed)
    lines = [line.strip() for line in (text or "")[:4000].splitlines() if line.strip()]
    for line in lines[:10]:
        candidates = [line] + ([line.split(":", 1)[1].strip()] if ":" in line else [])
        for value in candidates:
            n = option_number(value)
            if n is not None and 1 <= n <= len(options):
                return options[n - 1], f"number {n} of the list sent"
            if n is not None:
                continue  # a number not on the list is not a name
            match, _ = choose(names.score(value))
            if match is not None and (value is not line or len(tokens(line)) <= 8):
                return match.agency.name, f"the name {value[:80]!r} ({match.rule})"
    return None, "no number or agency name in the reply"
