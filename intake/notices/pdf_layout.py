"""Where the words sit on a PDF page, read as a form: lines, labels beside their answers, tables.

A PDF has no paragraphs, only words at positions. Words on one baseline make a
line; a gap of more than an em splits a line into segments, which is how a
label in a left column is told from its answer to the right. Lines of one
paragraph that wrapped at the right edge are joined again, and so are the
wrapped lines of an answer in the right-hand column, so free text reads as
written. Ruled tables are read row by row, as label | answer pairs or as a row
of labels over rows of answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pdfplumber.page import Page

from escalations.intake.notices import letter
from escalations.intake.notices.pdf_columns import reading_order
from escalations.intake.notices.pdf_rows import label_row_runs
from escalations.intake.notices.fields import (
    LabelledValue,
    Line,
    Vocabulary,
    labelled_values,
)
from escalations.intake.notices.pdf_fields import Widget
from escalations.intake.notices.pdf_tables import table_values

_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"(page\s*)?\d+(\s*(of|/)\s*\d+)?", re.IGNORECASE)
_MARGIN = 0.08  # the top and bottom 8% of a page: where headers and footers sit
_WIDGET_LINE = 14.0  # a tall multi-line box is placed by its first line


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool


@dataclass
class TextLine:
    """Words on one baseline, left to right, split into segments at wide gaps."""

    page: int
    number: int
    words: list[Word]
    segments: list[list[Word]] = field(default_factory=list)
    right: float | None = None  # where its text wraps, when not at the page's right edge (a column's)

    def __post_init__(self) -> None:
        self.segments = _segments(self.words)

    @property
    def text(self) -> str:
        return "\t".join(_joined(segment) for segment in self.segments)

    @property
    def source(self) -> str:
        return f"pdf page {self.page} line {self.number}"

    @property
    def top(self) -> float:
        return min(word.top for word in self.words)

    @property
    def bottom(self) -> float:
        return max(word.bottom for word in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def size(self) -> float:
        return max(word.size for word in self.words)

    @property
    def bold(self) -> bool:
        """Every word bold: a heading, which ends any answer above it (a field's text never is)."""
        printed = [word for word in self.words if word.size]
        return bool(printed) and all(word.bold for word in printed)


@dataclass
class Cell:
    right: float  # the cell's right edge, where its text wraps
    bottom: float  # how far down the page it reaches (a merged cell, over the rows it covers)
    lines: list[TextLine]


@dataclass
class Table:
    page: int
    number: int
    top: float
    rows: list[list[Cell | None]]  # None: a cell merged into its neighbour
    row_bounds: list[tuple[float, float, float, float]]  # each row's box


@dataclass
class PageLayout:
    number: int
    height: float
    lines: list[TextLine]
    tables: list[Table]
    has_text: bool
    has_images: bool
    right_edge: float


def page_layout(page: Page, widgets: Sequence[Widget]) -> PageLayout:
    """The page's words (and the unnamed form fields shown on it), as tables and the lines between."""
    height = float(page.height)
    # Words split where letters are more than 0.15 em apart: Word's PDFs place each word
    # with no space character between, and a 10 pt space is only 2.8 pt wide.
    raw = page.extract_words(x_tolerance_ratio=0.15, extra_attrs=["fontname", "size"])
    words = [_word(w) for w in raw]
    words += [_widget_word(widget, height) for widget in widgets]
    boxes = [(table.bbox, table.rows) for table in page.find_tables()]
    tables, outside = [], list(words)
    for number, (bbox, rows) in enumerate(boxes, start=1):
        inside = [w for w in outside if _within(w, bbox)]
        outside = [w for w in outside if not _within(w, bbox)]
        cells = [[_cell(inside, c, page.page_number) if c else None for c in row.cells] for row in rows]
        bounds = [tuple(float(v) for v in row.bbox) for row in rows]
        tables.append(Table(page.page_number, number, float(bbox[1]), cells, bounds))  # type: ignore[arg-type]
    lines = _lines(outside, page.page_number)
    right = max((line.x1 for line in lines), default=float(page.width))
    return PageLayout(page.page_number, height, lines, tables, bool(page.chars), bool(page.images), right)


def layout_values(pages: Sequence[PageLayout], vocabulary: Vocabulary) -> list[LabelledValue]:
    """Labelled values from every page in reading order; an answer may run on to the next page.

    Running text is read up to each table and the table on its own, as the Word
    reader does: a label standing alone above a table does not take what follows it.
    """
    margins, body = _margins(pages)
    edges = {page.number: page.right_edge for page in pages}
    found = [value for line in margins for value in _read([line], vocabulary, edges)]
    running: list[TextLine] = []
    text: list[TextLine] = []  # all the running text, for a letter's sentences (``letter``)
    for block in _blocks(pages, body, vocabulary):
        if isinstance(block, Table):
            found += _read(running, vocabulary, edges) + _table_values(block, vocabulary)
            running = []
        else:
            running.append(block)
            text.append(block)
    found += _read(running, vocabulary, edges)
    if not letter.is_letter([(line.text, line.source) for line in text]):  # a form: no lines joined again
        return found
    paragraphs = [(line.text, line.source) for line in logical_lines(text, vocabulary, edges)]
    return found + letter.letter_values(paragraphs, found)


def _read(lines: Sequence[TextLine], vocabulary: Vocabulary, edges: dict[int, float]) -> list[LabelledValue]:
    return labelled_values(logical_lines(lines, vocabulary, edges), vocabulary=vocabulary)


# --- words and lines --------------------------------------------------------------------------


def _word(raw: dict[str, Any]) -> Word:
    top, bottom = float(raw["top"]), float(raw["bottom"])
    size = float(raw.get("size") or bottom - top)
    bold = bool(_BOLD.search(str(raw.get("fontname") or "")))
    return Word(raw["text"], float(raw["x0"]), float(raw["x1"]), top, bottom, size, bold)


def _widget_word(widget: Widget, height: float) -> Word:
    x0, y0, x1, y1 = widget.rect
    top = height - y1
    size = min(y1 - y0, _WIDGET_LINE)
    # Size 0 marks a field's text: it is neither bold nor plain, so it never makes a line a heading.
    return Word(widget.text, x0, x1, top, top + size, 0.0, False)


def _cell(words: list[Word], bbox: tuple[float, float, float, float], page: int) -> Cell:
    return Cell(float(bbox[2]) - 2, float(bbox[3]), _lines([w for w in words if _within(w, bbox)], page))


def _within(word: Word, bbox: tuple[float, float, float, float]) -> bool:
    x, y = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _lines(words: Iterable[Word], page: int) -> list[TextLine]:
    """Words grouped by baseline: a word joins a line when its middle lies within the line's height."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        middle = (word.top + word.bottom) / 2
        if rows and rows[-1][0].top - 1 <= middle <= max(w.bottom for w in rows[-1]) + 1:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [TextLine(page, n, sorted(row, key=lambda w: w.x0)) for n, row in enumerate(rows, start=1)]


def _segments(words: list[Word]) -> list[list[Word]]:
    """Runs of words split at gaps wider than an em, and at leaders ("Name ........ Jo Bloggs"):
    dots or underscores printed to lead the eye from a label to its answer are a gap."""
    segments: list[list[Word]] = []
    cut = False
    for word in words:
        text = word.text.rstrip(_LEADERS)
        leader = len(word.text) - len(text) >= _LEADER_LENGTH
        if leader and not text:
            cut = True
            continue
        word = replace(word, text=text) if leader else word
        if segments and not cut and word.x0 - segments[-1][-1].x1 <= _em(segments[-1][-1], word):
            segments[-1].append(word)
        else:
            segments.append([word])
        cut = leader
    return segments


_LEADERS = "._…"
_LEADER_LENGTH = 3  # "..." after a label; an abbreviation's one full stop is not a leader


def _em(left: Word, right: Word) -> float:
    return max(left.size, right.size) or 10.0


def _joined(words: list[Word]) -> str:
    return " ".join(word.text for word in words)


# --- headers, footers and reading order -------------------------------------------------------


def _margins(pages: Sequence[PageLayout]) -> tuple[list[TextLine], set[int]]:
    """Header and footer lines, once each; and the ids of the lines that are the body.

    A line in the top or bottom margin that repeats on another page (numbers
    aside), or that is only a page number, is not part of the notice's flow:
    it would otherwise land in the middle of an answer running over the page.
    """
    seen: dict[str, set[int]] = {}
    for page in pages:
        for line in _in_margin(page):
            seen.setdefault(_shape(line.text), set()).add(page.number)
    once: dict[str, TextLine] = {}
    body: set[int] = set()
    for page in pages:
        margin = {id(line) for line in _in_margin(page)}
        for line in page.lines:
            shape = _shape(line.text)
            if id(line) in margin and _PAGE_NUMBER.fullmatch(line.text.strip()):
                continue
            if id(line) in margin and len(seen.get(shape, ())) > 1:
                once.setdefault(shape, line)
                continue
            body.add(id(line))
    return list(once.values()), body


def _in_margin(page: PageLayout) -> Iterator[TextLine]:
    for line in page.lines:
        if line.bottom < page.height * _MARGIN or line.top > page.height * (1 - _MARGIN):
            yield line


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split()).casefold())


def _blocks(pages: Sequence[PageLayout], body: set[int], vocabulary: Vocabulary) -> Iterator[TextLine | Table]:
    """Each page's tables and running text top to bottom; the text between two tables in
    reading order (``pdf_columns``: a band of two columns, the left column first)."""
    for page in pages:
        blocks: list[tuple[float, TextLine | Table]] = [(t.top, t) for t in page.tables]
        blocks += [(line.top, line) for line in page.lines if id(line) in body]
        running: list[TextLine] = []
        for _, block in sorted(blocks, key=lambda item: item[0]):
            if isinstance(block, Table):
                yield from _in_reading_order(running, vocabulary)
                running = []
                yield block
            else:
                running.append(block)
        yield from _in_reading_order(running, vocabulary)


def _in_reading_order(lines: list[TextLine], vocabulary: Vocabulary) -> Iterator[TextLine]:
    """Rows of labels above their answers column by column (``pdf_rows``), the rest in reading order."""
    for band, run in label_row_runs(lines, vocabulary):
        yield from run if band else reading_order(run, vocabulary)


# --- lines into the reader's lines --------------------------------------------------------------


@dataclass
class _Logical:
    """One line for ``labelled_values``: a visual line and the wrapped lines that continue it."""

    first: TextLine
    last: TextLine
    texts: list[str]
    value_x: float | None  # where a label's answer starts, to its right

    @property
    def line(self) -> Line:
        return Line("\t".join(self.texts), self.first.source, self.first.bold)


def logical_lines(lines: Sequence[TextLine], vocabulary: Vocabulary, edges: dict[int, float]) -> list[Line]:
    """Visual lines as the reader's lines: wrapped lines joined, labels beside answers marked."""
    out: list[_Logical] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev and not line.bold and not _opens_with_label(line, vocabulary):
            joiner = _continuation(prev, line, edges)
            if joiner is not None:
                prev.texts[-1] += joiner + line.text.replace("\t", " ")
                prev.last = line
                continue
        out.append(_start(line, vocabulary))
    return [logical.line for logical in out]


def _start(line: TextLine, vocabulary: Vocabulary) -> _Logical:
    """A line's segments, a label segment followed by an answer segment given its colon."""
    texts = [_joined(segment) for segment in line.segments]
    value_x = None
    for i, text in enumerate(texts[:-1]):
        if vocabulary.match(text):
            if not text.rstrip().endswith((":", "?")):
                texts[i] = text + ":"
            value_x = line.segments[i + 1][0].x0
    return _Logical(line, line, texts, value_x)


def _continuation(prev: _Logical, line: TextLine, edges: dict[int, float]) -> str | None:
    """ " " when ``line`` wraps on from ``prev``, "\\n" when it is a new line of the same answer, else None."""
    last = prev.last
    em = last.size or line.size or 10.0
    over_page = line.page == last.page + 1  # the foot of one page to the head of the next
    if not (line.page == last.page or over_page):
        return None
    if not over_page and (line.top - last.bottom > 0.8 * em or line.top <= last.top):
        return None  # a gap between, or the top of the next column
    if _wraps_back(prev, line, edges, em):
        return " "
    if len(line.segments) != 1:
        return None
    if prev.value_x is not None:  # the answer column, to the right of a label
        if abs(line.x0 - prev.value_x) > em:
            return None
        joiner = _wrap_joiner(last, line, last.right or edges[last.page])
        return "\n" if joiner is None else joiner
    # a wrapped line keeps its weight: a bold label alone does not run on into the plain answer under it
    paragraph = len(prev.first.segments) == 1 and abs(line.x0 - prev.first.x0) <= em and last.bold == line.bold
    return _wrap_joiner(last, line, last.right or edges[last.page]) if paragraph else None


def _wraps_back(prev: _Logical, line: TextLine, edges: dict[int, float], em: float) -> bool:
    """A tabbed line ("Name:<tab>Jo Bloggs<tab>Role:<tab>Deputy") that ran past the right
    margin and went on at the paragraph's left edge ("Headteacher"), as a word processor
    wraps a paragraph laid out with tab stops."""
    first = prev.first
    return (
        prev.last is first
        and prev.value_x is not None
        and len(first.segments) > 2
        and abs(line.x0 - first.x0) <= em
        and _wrapped(first, line, first.right or edges[first.page])
    )


def _wrap_joiner(last: TextLine, line: TextLine, right: float) -> str | None:
    """How a wrapped line joins the line above: at a space; with nothing between after a
    hyphen ("Amelia-" / "Rose") or where one word too long for its box was broken at the
    box's edge (an email address in a narrow cell); ``None`` when the line above was not wrapped."""
    if not _wrapped(last, line, right):
        return None
    tail = last.words[-1].text
    if len(tail) > 1 and tail.endswith("-") and tail[-2].isalpha():
        return ""
    if len(last.words) == 1 and line.words[0].text[:1].islower() and right - last.x1 < _BROKEN_WORD * (last.size or 10.0):
        return ""
    return " "


_BROKEN_WORD = 1.0  # ems left at the edge (a cell's padding) by a word broken there


def _wrapped(last: TextLine, line: TextLine, right: float) -> bool:
    """The line above stopped because the next word would not fit before the right edge."""
    next_word = line.words[0]
    return right - last.x1 < (next_word.x1 - next_word.x0) + (last.size or 10.0)


def _opens_with_label(line: TextLine, vocabulary: Vocabulary) -> bool:
    """A label alone, or a label and its answer, by the same rules the reader applies to lines."""
    text = _joined(line.segments[0])
    found = labelled_values([Line(text, "")], vocabulary=vocabulary)
    return bool(vocabulary.match(text) or any(value.value for value in found))


# --- tables ---------------------------------------------------------------------------------------


def _table_values(table: Table, vocabulary: Vocabulary) -> list[LabelledValue]:
    """A ruled table read by the Word table reader, each cell's lines joined as running text's are."""

    def lines_of(cell: Cell) -> list[Line]:
        return logical_lines(cell.lines, vocabulary, {cell.lines[0].page: cell.right} if cell.lines else {})

    return table_values(table, vocabulary, lines_of)
