"""A document written as a letter: its running paragraphs read as a mail's body is.

A letter ("Dear …", then paragraphs, then "Yours sincerely" over a signature block) says in
sentences what a form says by labels: whom it is about, whose decision is disputed, the stage,
the risk, and the concern in a paragraph of its own. Its running text (not its tables) goes to
the body's sentence, signature and prose readers, which are fallbacks (``canonical.FALLBACK``):
they count only where no label gave the field. A form's guidance paragraphs never reach them:
a document is a letter only when it opens with "Dear …" or closes with a sign-off.
"""

from __future__ import annotations

import re

from escalations.intake.notices import body
from escalations.intake.notices.fields import LabelledValue

LETTERHEAD_RULE = "fallback:letterhead"
_SALUTATION = re.compile(r"^\s*Dear\s+\S")
_SHORT_LINE_WORDS = 8  # a line of an address or a signature block, not a sentence


def is_letter(lines: list[tuple[str, str]]) -> bool:
    """A salutation or a sign-off on a line of its own."""
    return any(_SALUTATION.match(text) or _closing(text) for text, _ in lines)


def letter_values(lines: list[tuple[str, str]], labelled: list[LabelledValue]) -> list[LabelledValue]:
    """What the letter's paragraphs (``(text, source)``, one per line) say in sentences, its
    signature and its concern, given the values its labels gave (``labelled``)."""
    if not is_letter(lines):
        return []
    spaced = paragraphs(lines)
    sentences = body.sentence_values(spaced)
    prose = body.prose_values(spaced, labelled + sentences)
    return body.signature_values(spaced) + _letterhead(lines) + sentences + prose


# Words of an organisation's name: a letterhead of them is the writer's organisation.
_ORGANISATION_WORDS = frozenset(
    "health care services service police constabulary school academy college nhs trust council housing social "
    "hospital practice surgery nursing partnership board department unit".split()
)
_LETTERHEAD_WORDS = 8


def _letterhead(lines: list[tuple[str, str]]) -> list[LabelledValue]:
    """The letter's first line, where it names an organisation ("Oakfield Primary School"): the writer's
    agency, after the signature's (a fallback after a fallback: the first given counts)."""
    text, source = next(((text.strip(), source) for text, source in lines if text.strip()), ("", ""))
    words = text.casefold().replace(",", " ").split()
    if not 1 < len(words) <= _LETTERHEAD_WORDS or any(ch.isdigit() for ch in text) or not _ORGANISATION_WORDS & set(words):
        return []
    if not all(word[:1].isupper() or word in ("of", "and", "&", "for", "the") for word in text.split()):
        return []
    return [LabelledValue("letterhead", text, source, "raised_by.agency", LETTERHEAD_RULE)]


def paragraphs(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The lines with a blank between paragraphs, as a mail has them: a Word paragraph is one,
    but consecutive short lines (an address, a signature block) stay together as one block."""
    spaced: list[tuple[str, str]] = []
    for text, source in lines:
        if spaced and spaced[-1][0].strip() and text.strip() and not (_short(spaced[-1][0]) and _short(text)):
            if spaced[-1][1] != source:  # lines of one paragraph (a line break in it) stay together
                spaced.append(("", source))
        spaced.append((text, source))
    return spaced


def _short(text: str) -> bool:
    stripped = text.strip()
    return len(stripped.split()) < _SHORT_LINE_WORDS and not stripped.endswith((".", "?", "!"))


# The sign-offs of a letter; "Thank you" alone may end a form as well.
_SIGN_OFFS = frozenset(c for c in body.CLOSINGS if any(w in c for w in ("sincerely", "faithfully", "regards", "wishes")))


def _closing(text: str) -> bool:
    return text.strip().rstrip(",.!").strip().casefold() in _SIGN_OFFS
