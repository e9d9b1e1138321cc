"""A printed row of labels with their answers under them, read column by column.

Printed forms put two or three labels on one line, each above its own box ("Name
(SURNAME, Forename)" beside "Date of birth", "Signature" "Print name" "Date"), or
give the two sides two columns of labels above boxes under a heading each. Read
line by line, the labels run together and the answers under them too. A line
whose every segment is a label opens a band; the band goes on while each line's
segments start at the same column starts (a box's text starts where its label
does) and none crosses into the next column. It is read column by column, each
column's text wrapping at the next column's start: a label on its line and its
answer below, which the reader pairs as it does a label above its answer. The
heading row of such columns, just above, joins the band. A label column with its
answers to its right is not a band: its answers are no labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from escalations.intake.notices.fields import Vocabulary

if TYPE_CHECKING:
    from escalations.intake.notices.pdf_layout import TextLine

_SNAP = 4.0  # points: a box's text starts this close to its label's start
_MOST_COLUMNS = 4
_MOST_LINES = 60  # lines one band reads at most


def label_row_runs(lines: Sequence[TextLine], vocabulary: Vocabulary) -> list[tuple[bool, list[TextLine]]]:
    """``lines`` in runs: (True, a band of labels above answers read column by column) or (False,
    lines outside any band, as they are)."""
    runs: list[tuple[bool, list[TextLine]]] = []
    rest: list[TextLine] = []
    at = 0
    while at < len(lines):
        starts = _label_row(lines[at], vocabulary)
        end = at + 1
        while starts and end < len(lines) and end - at < _MOST_LINES and _in_band(lines[end], lines[end - 1], starts):
            end += 1
        if starts is None or end == at + 1:  # no answers under the labels: a row of column headings, as it is
            rest.append(lines[at])
            at += 1
            continue
        band = [rest.pop()] if rest and _heads(rest[-1], lines[at], starts) else []
        runs += [(False, rest)] if rest else []
        runs.append((True, _by_column(band + list(lines[at:end]), starts)))
        rest = []
        at = end
    return runs + ([(False, rest)] if rest else [])


def _label_row(line: TextLine, vocabulary: Vocabulary) -> list[float] | None:
    """The column starts of a line of two to four segments, each a label; ``None`` for any other."""
    segments = line.segments
    if not 2 <= len(segments) <= _MOST_COLUMNS:  # noqa: PLR2004
        return None
    if any(vocabulary.match(" ".join(word.text for word in segment)) is None for segment in segments):
        return None
    return [segment[0].x0 for segment in segments]


def _column(x: float, starts: list[float]) -> int | None:
    return next((k for k, start in enumerate(starts) if abs(x - start) <= _SNAP), None)


def _fits(line: TextLine, starts: list[float]) -> bool:
    """Every segment starts at a column's start and ends before the next column's."""
    for segment in line.segments:
        k = _column(segment[0].x0, starts)
        if k is None or (k + 1 < len(starts) and segment[-1].x1 > starts[k + 1]):
            return False
    return True


def _heads(line: TextLine, row: TextLine, starts: list[float]) -> bool:
    """A bold line of as many segments, at the same starts, just above the first label row."""
    return line.page == row.page and line.bold and len(line.segments) == len(starts) and _fits(line, starts)


def _in_band(line: TextLine, above: TextLine, starts: list[float]) -> bool:
    """The band goes on: same page, not a heading of one segment (the next section), fitting the columns."""
    if line.page != above.page or (line.bold and len(line.segments) == 1):
        return False
    return _fits(line, starts)


def _by_column(band: list[TextLine], starts: list[float]) -> list[TextLine]:
    """The band's lines cut at the column starts, the first column's top to bottom, then the next."""
    out = []
    for k, _ in enumerate(starts):
        right = starts[k + 1] - _SNAP if k + 1 < len(starts) else None
        for line in band:
            words = [word for segment in line.segments if _column(segment[0].x0, starts) == k for word in segment]
            if words:
                out.append(replace(line, words=words, right=right if right is not None else line.right))
    return out
