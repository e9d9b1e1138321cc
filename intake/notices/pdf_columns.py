"""A printed page's running text in reading order: a band of two columns read left column first.

A PDF gives words at positions; read line by line across the page, a form printed
in two columns of questions ("1. The child" beside "3. The agency you disagree
with") interleaves the two, and every answer lands beside the wrong label. A
band of lines is two columns when a vertical gutter runs through it that no word
crosses, and right of the gutter lines open questions of their own (labels or
headings, at least ``_RIGHT_QUESTIONS``, one a heading: a column of its own has
sections). A label column with its answers to the right ("Name      Jo Bloggs")
has a gutter too, but nothing right of it is a question, so it stays one column:
its lines pair labels with answers; a tabbed form's second label on a line
("Name: Jo<tab>D.O.B: 1/2/2017") opens no section, so its lines stay whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from escalations.intake.notices.fields import Vocabulary

if TYPE_CHECKING:
    from escalations.intake.notices.pdf_layout import TextLine, Word

_RIGHT_QUESTIONS = 2  # lines right of the gutter opening a label or heading
_SNAP = 4.0  # points: segment starts this close are one column edge
_MIN_LINES = 3  # lines a two-column band holds at least


def reading_order(lines: Sequence[TextLine], vocabulary: Vocabulary) -> list[TextLine]:
    """One page's running text, top to bottom, each two-column band read column by column."""
    edge = _right_column(lines, vocabulary)
    if edge is None:
        return list(lines)
    out: list[TextLine] = []
    band: list[TextLine] = []
    for line in lines:
        if any(word.x0 < edge < word.x1 for word in line.words):  # a line across the gutter ends a band
            tail = _left_tail(band, edge)  # "Concern" alone above a full-width answer: it heads that answer
            out += _read_band(band[: len(band) - len(tail)], edge, vocabulary) + tail + [line]
            band = []
        else:
            band.append(line)
    return out + _read_band(band, edge, vocabulary)


def _left_tail(band: list[TextLine], edge: float) -> list[TextLine]:
    """The band's last lines with nothing right of the gutter."""
    count = 0
    while count < len(band) and _side(band[-1 - count], edge, right=True) is None:
        count += 1
    return band[len(band) - count :]


def _right_column(lines: Sequence[TextLine], vocabulary: Vocabulary) -> float | None:
    """Where a right-hand column of questions starts: the commonest start of a segment, not a
    line's first, that is a label or a heading; ``None`` when fewer than two lines have one."""
    starts: Counter[float] = Counter()
    for line in lines:
        for segment in line.segments[1:]:
            if _is_question(segment, vocabulary):
                starts[round(segment[0].x0 / _SNAP) * _SNAP] += 1
    if not starts:
        return None
    edge, count = starts.most_common(1)[0]
    return edge - _SNAP if count >= _RIGHT_QUESTIONS else None


def _is_question(segment: list[Word], vocabulary: Vocabulary) -> bool:
    """A label ("Agency", "Date of birth") or a heading."""
    return _is_heading(segment, vocabulary) or vocabulary.match(" ".join(word.text for word in segment)) is not None


def _is_heading(segment: list[Word], vocabulary: Vocabulary) -> bool:
    """Every word bold, and not a label: a section of the form ("3. The agency you disagree with")."""
    printed = [word for word in segment if word.size]
    return bool(printed) and all(word.bold for word in printed) and vocabulary.match(" ".join(w.text for w in segment)) is None


def _bold_alone(line: TextLine) -> bool:
    """One segment, every printed word bold: a column's heading, though it is worded as a label."""
    printed = [word for word in line.words if word.size]
    return len(line.segments) == 1 and bool(printed) and all(word.bold for word in printed)


def _read_band(band: list[TextLine], edge: float, vocabulary: Vocabulary) -> list[TextLine]:
    """Lines the gutter runs through: the left column, then the right, when the right opens
    questions of its own; otherwise the lines as they are."""
    right = [part for line in band if (part := _side(line, edge, right=True))]
    questions = sum(1 for line in right if _is_question(line.segments[0], vocabulary))
    # a heading of its own, or a bold label alone on its side of the line ("Agency you are escalating to")
    headed = any(_is_heading(line.segments[0], vocabulary) or _bold_alone(line) for line in right)
    if len(band) < _MIN_LINES or questions < _RIGHT_QUESTIONS or not headed:
        return band
    left = [part for line in band if (part := _side(line, edge, right=False))]
    return left + right


def _side(line: TextLine, edge: float, *, right: bool) -> TextLine | None:
    """The part of ``line`` on one side of the gutter, wrapping at the gutter when left of it."""
    words = [word for word in line.words if (word.x0 >= edge) == right]
    if not words:
        return None
    return replace(line, words=words, right=None if right else edge)
