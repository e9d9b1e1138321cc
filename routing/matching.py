"""Matching: which policy and which case an inbound message belongs to, or that a person must decide.

Layers, each recording which one matched and why (a wrong match is a data
breach, so the service must be right or ask):

1. our own Message-IDs in In-Reply-To / References, which carry the case
   reference and an HMAC so they cannot be forged (and any stored Message-ID);
2. a case reference in the subject (after reply and forward prefixes in the
   common languages), the body, or the notice, from a participant of that case;
3. for a notice with no reference (``match_notice``): a notice of its sender's
   about the same person held for information; the same notice document sent
   again; then the same child or adult (tolerant name matching plus the same
   date of birth) between the same two agencies among the partnership's open
   cases. One confident match continues that case; none opens a new one;
   anything in between goes to review. A different date of birth is never a
   match.

Pure: the service hands in what it looked up. Layer 3's open cases are looked
up by blocking keys (``blocking_keys``: the date of birth, and the first and
last word of the name), stored on each case and indexed, so the look-up reads
the few cases that share a key, never every open case.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from escalations.routing.policy import Policy

REFERENCE = re.compile(r"\b([A-Z]{2,6}-\d{4}-\d{4,6})\b", re.I)
BRACKETED = re.compile(r"\[\s*([A-Z]{2,6}-\d{4}-\d{4,6})\s*\]", re.I)
# Reply and forward prefixes: English, German (AW, WG), Nordic (SV, VS, VB), French (TR, RE),
# Spanish/Portuguese (RV, ENC), Dutch (Antw, Doorst), Italian (R, I), Polish (ODP, PD), Welsh (ATB, YML).
# Used with match(text, position): one attempt at each prefix, none left to backtrack into.
_PREFIX = re.compile(
    r"\s*(?:[\[(]\s*)?(?:re|fw|fwd|aw|wg|sv|vs|vb|tr|rv|enc|antw|doorst|odp|pd|atb|yml|r|i)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*(?:[\])]\s*)?",
    re.I,
)

CONFIDENT_NAME = 90  # rapidfuzz token_sort_ratio at or above: the same name (case, order, small slips)
POSSIBLE_NAME = 70  # between the two: a person must look


# -- our Message-IDs ------------------------------------------------------------


def new_message_id(reference: str | None, domain: str, secret: str) -> str:
    """``<ref.random.mac@domain>``: the reference and a MAC over it, so a reply names its case unforgeably."""
    ref = (reference or "hold").lower()
    nonce = secrets.token_hex(5)
    return f"<{ref}.{nonce}.{_mac(secret, ref, nonce)}@{domain}>"


def reference_from_message_id(message_id: str, secret: str) -> str | None:
    """The case reference an untampered Message-ID of ours carries; None for anyone else's or a forgery."""
    match = re.fullmatch(r"<([a-z]{2,6}-\d{4}-\d{4,6})\.([0-9a-f]{10})\.([0-9a-f]{12})@[^<>\s]+>", message_id.strip().lower())
    if not match:
        return None
    ref, nonce, mac = match.groups()
    return ref.upper() if hmac.compare_digest(mac, _mac(secret, ref, nonce)) else None


def _mac(secret: str, ref: str, nonce: str) -> str:
    # 48 bits: a forger gets one guess per email, and a wrong guess only sends the mail to review.
    return hmac.new(secret.encode(), f"{ref}.{nonce}".encode(), hashlib.sha256).hexdigest()[:12]


# -- references ------------------------------------------------------------------


def strip_prefixes(subject: str) -> str:
    """The subject without any run of reply/forward prefixes ("RE: AW: [FW:] …")."""
    text = subject or ""
    position = 0
    while (match := _PREFIX.match(text, position)) and match.end() > position:
        position = match.end()
    return text[position:].strip()


def subject_reference(subject: str) -> str | None:
    """A ``[PREFIX-YYYY-NNNN]`` in the subject, or a bare one right after the prefixes."""
    text = strip_prefixes(subject)
    match = BRACKETED.search(text) or re.match(rf"^\s*{REFERENCE.pattern}", text, re.I)
    return match.group(1).upper() if match else None


def body_reference(text: str | None) -> str | None:
    """A reference written in the sender's own words; several different ones mean none."""
    found = {m.upper() for m in REFERENCE.findall(text or "")}
    return found.pop() if len(found) == 1 else None


# -- policies --------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyChoice:
    policy: Policy | None
    rule: str
    reason: str


def policies_for(addresses: Iterable[str], policies: Mapping[str, Policy]) -> list[Policy]:
    wanted = {a.lower() for a in addresses}
    return [p for p in policies.values() if p.mailbox in wanted]


def choose_policy(candidates: list[Policy], subject_kind: str | None) -> PolicyChoice:
    """The one policy for this mailbox and subject, or None with the reason a person must decide."""
    if not candidates:
        return PolicyChoice(None, "no-mailbox", "sent to no partnership mailbox we know")
    if len(candidates) == 1:
        policy = candidates[0]
        return PolicyChoice(policy, "mailbox", f"sent to {policy.mailbox}, the {policy.short_name} mailbox")
    fitting = [p for p in candidates if subject_kind in p.protects]
    if len(fitting) == 1:
        policy = fitting[0]
        who = "a child" if subject_kind == "child" else "an adult"
        return PolicyChoice(policy, "shared-mailbox-subject", f"the notice is about {who}, so {policy.name} applies")
    names = ", ".join(p.id for p in candidates)
    return PolicyChoice(
        None,
        "shared-mailbox-unknown-subject",
        f"the mailbox serves {names} and the notice does not say whether it is about a child or an adult",
    )


# -- layer 3: the same child between the same agencies --------------------------


@dataclass(frozen=True)
class OpenCase:
    reference: str
    subject_name: str | None
    subject_dob: date | None
    agencies: frozenset[str]  # the raising and challenged agency names


@dataclass(frozen=True)
class SubjectMatch:
    outcome: str  # "match" | "new" | "review"
    reference: str | None
    reason: str
    candidates: tuple[str, ...] = field(default=())


def name_score(a: str, b: str) -> float:
    """How alike two names are (0-100), tolerating order, case, punctuation and small slips.

    Twins share a surname and a date of birth: where the names share a word and
    the other words are plainly different names (not a slip, not a short form
    such as Jo for Joanne), they are two people and the score is 0.
    """
    ka, kb = _name_key(a).split(), _name_key(b).split()
    shared = set(ka) & set(kb)
    rest_a, rest_b = [w for w in ka if w not in shared], [w for w in kb if w not in shared]
    if shared and rest_a and rest_b and not any(_alike(x, y) for x in rest_a for y in rest_b):
        return 0.0
    return float(fuzz.token_sort_ratio(" ".join(ka), " ".join(kb)))


def _alike(x: str, y: str) -> bool:
    return x.startswith(y) or y.startswith(x) or fuzz.ratio(x, y) >= 80


def match_subject(name: str | None, dob: date | None, agencies: frozenset[str], open_cases: Sequence[OpenCase]) -> SubjectMatch:
    """Layer 3: one confident match, none, or a reason a person must look."""
    if not name:
        return SubjectMatch("new", None, "the notice names no child or adult to match on")
    confident, possible = [], []
    for case in open_cases:
        if not case.subject_name:
            continue
        if dob and case.subject_dob and dob != case.subject_dob:
            continue  # a different date of birth is never the same person (twins aside, never guess)
        score = name_score(name, case.subject_name)
        same_everything = dob is not None and dob == case.subject_dob and case.agencies == agencies and len(agencies) == 2
        if score >= CONFIDENT_NAME and same_everything:
            confident.append(case.reference)
        elif score >= POSSIBLE_NAME:
            possible.append(case.reference)
    if len(confident) == 1 and not possible:
        return SubjectMatch(
            "match", confident[0], f"the same name and date of birth, between the same two agencies, as open case {confident[0]}"
        )
    if confident or possible:
        both = tuple(confident + possible)
        return SubjectMatch(
            "review",
            None,
            f"the notice may be about the same person as open case(s) {', '.join(both)}; a person must decide",
            both,
        )
    return SubjectMatch("new", None, "no open case is about the same person between the same agencies")


def _name_key(name: str) -> str:
    return " ".join(re.sub(r"[^a-z ]+", " ", name.lower().replace("-", " ")).split())


# -- blocking keys: which open cases are worth comparing --------------------------

KEY_WORD_LENGTH = 40  # the column's width: longer words are cut (a name word is never this long)
MAX_NAME_WORDS = 8  # a hostile "name" of thousands of words asks about eight of them


@dataclass(frozen=True)
class BlockingKeys:
    """What a case is found by in layer 3: a candidate shares the date of birth or a name word at either end."""

    dob: date | None
    first: str | None  # the name's first word, normalised (case, punctuation, hyphens)
    last: str | None  # its last word ("BLOGGS, Jo" gives bloggs and jo: the order people write names in varies)


def name_words(name: str | None) -> tuple[str, ...]:
    """A name's normalised words, distinct, in order, at most MAX_NAME_WORDS."""
    words = dict.fromkeys(w[:KEY_WORD_LENGTH] for w in _name_key((name or "")[:1000]).split())
    return tuple(words)[:MAX_NAME_WORDS]


def blocking_keys(name: str | None, dob: date | None) -> BlockingKeys:
    words = _name_key((name or "")[:1000]).split()
    first, last = (words[0][:KEY_WORD_LENGTH], words[-1][:KEY_WORD_LENGTH]) if words else (None, None)
    return BlockingKeys(dob, first, last)


# -- the decision tree for a notice with no reference ---------------------------


@dataclass(frozen=True)
class NoticeFacts:
    """What the notice says about whom it is about, and between whom."""

    name: str | None
    dob: date | None
    agencies: frozenset[str]  # the raising and challenged agency names the directory resolved
    has_content: bool = True
    document: tuple[str, date | None] | None = None  # the notice document's own subject (name, date of birth)


@dataclass(frozen=True)
class Candidates:
    """The cases the service looked up for one notice, each with its first notice's subject."""

    held: Sequence[OpenCase] = ()  # the sender's own cases waiting for information, oldest first
    same_document: Sequence[OpenCase] = ()  # cases opened by a notice document with the same bytes
    open: Sequence[OpenCase] = ()  # open cases sharing a blocking key with the notice


@dataclass(frozen=True)
class NoticeMatch:
    outcome: str  # "held" | "same-document" | "match" | "review" | "new"
    reference: str | None
    reason: str
    candidates: tuple[str, ...] = field(default=())


def match_notice(facts: NoticeFacts, candidates: Candidates) -> NoticeMatch:
    """Which case a notice with no reference continues, or that it opens one, or that a person must look."""
    held = next((c for c in candidates.held if _same_person(facts.name, facts.dob, c)), None) if facts.dob else None
    if held is not None:
        why = f"its sender's notice about the same person waits for information on {held.reference}"
        return NoticeMatch("held", held.reference, why)
    document = facts.document
    again = next((c for c in candidates.same_document if _same_person(document[0], document[1], c)), None) if document else None
    if again is not None:
        return NoticeMatch("same-document", again.reference, f"the same notice document as case {again.reference}")
    if not facts.has_content:
        return NoticeMatch("new", None, "the message carries no notice to match on")
    found = match_subject(facts.name, facts.dob, facts.agencies, candidates.open)
    return NoticeMatch(found.outcome, found.reference, found.reason, found.candidates)


def _same_person(name: str | None, dob: date | None, case: OpenCase) -> bool:
    """Both name and date of birth agree (a missing name never agrees)."""
    return (
        dob == case.subject_dob
        and bool(name)
        and bool(case.subject_name)
        and name_score(name or "", case.subject_name or "") >= CONFIDENT_NAME
    )
