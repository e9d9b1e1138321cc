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

from escalations.intake.notices import normalise as n
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
    }
)
_STAGE_IN_SENTENCE = (
    re.compile(r"\((?:stage|step|level|tier)\s*(\d)\)", re.IGNORECASE),
    re.compile(r"\b(?:to|at|now at|reached)\s+(?:stage|step|level|tier)\s*(\d)\b", re.IGNORECASE),
)


def signature_values(lines: list[tuple[str, str]]) -> list[LabelledValue]:
    """The signatory under the last closing ("Kind regards,") or "--": name, role, agency.

    ``lines`` are (text, source) in order. The first line must read as a person's name
    (two to four words, each capitalised, no digits); the next lines, up to a blank,
    are the role and the agency, an address or a telephone number going to its field.
    """
    start = None
    for at, (text, _) in enumerate(lines):
        words = text.strip().rstrip(",.!").strip().casefold()
        if words in CLOSINGS or text.strip() == "--":
            start = at + 1
    if start is None:
        return []
    block: list[tuple[str, str]] = []
    for text, source in lines[start:]:
        stripped = text.strip()
        if not stripped:
            if block:
                break
            continue
        if stripped.startswith(">") or len(stripped) > _LONGEST_LINE:
            break
        block.append((stripped, source))
        if len(block) >= _SIGNATURE_LINES:
            break
    if not block or not _looks_like_name(block[0][0]):
        return []
    found = [LabelledValue("signature", block[0][0], block[0][1], "raised_by.name", SIGNATURE_RULE)]
    wanted = ["raised_by.role", "raised_by.agency"]
    for text, source in block[1:]:
        if n.clean_email(text):
            found.append(LabelledValue("signature", text, source, "raised_by.email", SIGNATURE_RULE))
        elif n.clean_phone(text):
            found.append(LabelledValue("signature", text, source, "raised_by.phone", SIGNATURE_RULE))
        elif wanted and not any(ch.isdigit() for ch in text):
            found.append(LabelledValue("signature", text, source, wanted.pop(0), SIGNATURE_RULE))
    return found


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return (
        2 <= len(words) <= 4 and n.clean_name(text) is not None and all(word[:1].isupper() for word in words) and "," not in text
    )


def sentence_values(lines: list[tuple[str, str]]) -> list[LabelledValue]:
    """The stage a sentence gives ("escalating to step 3", "(stage 2)"), when it gives one only."""
    found: dict[str, tuple[str, str]] = {}
    for text, source in lines:
        line = text[: _LONGEST_LINE * 5]
        for pattern in _STAGE_IN_SENTENCE:
            for match in pattern.finditer(line):
                found.setdefault(match.group(1), (match.group(0), source))
    if len(found) != 1:
        return []
    number, (said, source) = next(iter(found.items()))
    return [LabelledValue(said.strip(), number, source, "stage", SENTENCE_RULE)]


_PROSE_WORDS = 12  # fewer: a greeting or a line of a covering note, not a concern
_LONGEST_PARAGRAPH = 5_000
# A covering note's words: the notice is elsewhere ("please find attached", "the child below").
_COVERING = re.compile(r"\b(?:attach\w*|enclos\w*|below|following|form)\b", re.IGNORECASE)


def prose_values(lines: list[tuple[str, str]], labelled: set[str]) -> list[LabelledValue]:
    """The concern written as a paragraph: the longest paragraph of sentences before the
    signature that holds no labelled line (``labelled``: their sources) and is no covering note."""
    end = len(lines)
    for at, (text, _) in enumerate(lines):
        if text.strip().rstrip(",.!").strip().casefold() in CLOSINGS or text.strip() == "--":
            end = at
            break
    best: tuple[int, str, str] | None = None
    paragraph: list[tuple[str, str]] = []
    for text, source in [*lines[:end], ("", "")]:
        if text.strip():
            paragraph.append((text.strip()[: _LONGEST_LINE * 5], source))
            continue
        if paragraph and not any(source in labelled for _, source in paragraph):
            joined = " ".join(line for line, _ in paragraph)[:_LONGEST_PARAGRAPH]
            words = len(joined.split())
            sentence = joined.endswith((".", "!", "?")) or ". " in joined
            if words >= _PROSE_WORDS and sentence and not _COVERING.search(joined) and (best is None or words > best[0]):
                best = (words, joined, paragraph[0][1])
        paragraph = []
    return [LabelledValue("paragraph", best[1], best[2], "concern", PROSE_RULE)] if best else []
