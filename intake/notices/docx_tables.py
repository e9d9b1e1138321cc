"""A Word table's labels and answers, row by row, as a person filling the form laid them out.

Labels beside their answers (a label cell, then its answer in the next cell or,
for a row of boxes, the cells after it); a row of labels over rows of answers;
a label across the row over the rows that answer it (free text, or options to
tick); an answer that runs on below a blank label cell. A merged cell is read
once, however many rows and columns it covers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from escalations.intake.notices import wordml
from escalations.intake.notices.fields import (
    FREE_TEXT,
    TICK_LISTS,
    LabelledValue,
    Vocabulary,
    attribute_columns,
    column_sides,
    side_row_values,
    heading_marker,
    is_heading,
)
from escalations.intake.notices import labels as meaning
from escalations.intake.notices.labels import SIDE_ATTRIBUTES, SIDE_PATHS
from escalations.intake.notices.normalise import has_boxes
from escalations.intake.notices.wordml import MARKS, Cell, Paragraph, Table

# Reads a cell that is neither a label nor an answer, as running text ("Name: Jo Bloggs").
CellReader = Callable[[Cell, str], list[LabelledValue]]


@dataclass
class _Pending:
    """A label alone in its row, and the rows below that answer it."""

    label: str
    path: str
    source: str
    rows: list[list[Cell]] = field(default_factory=list)

    def takes(self, row: list[Cell]) -> bool:
        """Free text runs on; a list to tick runs on while its rows are options (a box or
        a mark, or a blank in a column marked above); anything else is one row."""
        if not self.rows or self.path in FREE_TEXT:
            return True
        if self.path not in TICK_LISTS:
            return False
        marked = {col for done in self.rows for col, cell in enumerate(done) if cell.text in MARKS}
        return any(has_boxes(cell.text) or cell.text in MARKS for cell in row) or any(
            col in marked and cell.single and not cell.text for col, cell in enumerate(row)
        )

    def answer(self) -> list[LabelledValue]:
        lines = [" ".join(filter(None, texts)) for texts in wordml.shown_rows(self.rows)]
        text = "\n".join(line for line in lines if line).strip()
        return [LabelledValue(self.label, text, self.source)] if text else []


class TableReader:
    """One table's labelled values, row by row."""

    def __init__(self, vocabulary: Vocabulary, read_cell: CellReader, where: str) -> None:
        self.vocabulary, self.read_cell, self.where = vocabulary, read_cell, where
        # Cells already read, by id (the table keeps them alive, so ids stay theirs):
        # a merged cell appears again in every row and column it spans.
        self.read: set[int] = set()
        self.header: dict[int, str] = {}  # grid column -> label, from a row of labels
        # grid column -> side, from a row of headings naming both sides ("Person raising the
        # disagreement | Person whose decision is disputed"): a generic label under it
        # ("Role | Role") in a later row is that column's side's, until the next section.
        self.sides: dict[int, str] = {}
        self.pending: _Pending | None = None
        self.continuing: tuple[str, str] | None = None  # (label, field) a blank-label row adds to

    def values(self, table: Table) -> list[LabelledValue]:
        found: list[LabelledValue] = []
        shown = wordml.shown_rows(table.rows)
        for number, (grid, texts) in enumerate(zip(table.rows, shown, strict=True), 1):
            found += self.row(grid, texts, f"{self.where} row {number}")
        return found + (self.pending.answer() if self.pending else [])

    def row(self, grid: list[Cell], texts: list[str], source: str) -> list[LabelledValue]:
        cells = _distinct(grid)
        labels = [self.label(cell) for cell in cells]
        found: list[LabelledValue] = []
        # A heading across the table, or alone in its row beside blank cells ("Section 3: Details of
        # the agency you disagree with | (blank)"), as a ruled PDF's table and some Word forms have it.
        shown = [(cell, label) for cell, label in zip(cells, labels) if cell.text]
        section = len(shown) == 1 and (len(cells) == 1 or not shown[0][1]) and is_heading(shown[0][0].text, self.vocabulary)
        if self.pending:
            if not any(labels) and not section and not _heading_row(cells) and self.pending.takes(grid):
                self.pending.rows.append(grid)
                self._mark(cells)
                return []
            found, self.pending = self.pending.answer(), None
        if section:  # "Section 3: Details of the agency you disagree with" across the table
            found.append(heading_marker(shown[0][0].text, source))
            if not shown[0][1]:
                self._mark(cells)
                self.header, self.continuing, self.sides = {}, None, {}
                return found
        return found + self.laid_out(grid, cells, labels, texts, source)

    def laid_out(
        self,
        grid: list[Cell],
        cells: list[Cell],
        labels: list[str | None],
        texts: list[str],
        source: str,
    ) -> list[LabelledValue]:
        """A row read by its layout: labels over answers, under labels, or beside them."""
        filled = [label for cell, label in zip(cells, labels) if cell.text]
        if len(filled) >= 2 and all(filled):
            self.header = {col: cell.text for col, cell in enumerate(grid) if self.label(cell)}
            named = column_sides(list(self.header.values()), self.vocabulary)
            self.sides = dict(zip(self.header, named)) if named and len(named) == len(self.header) else self.sides
            self.continuing = None
            return []
        if self.header and not any(labels):
            return self._under_header(grid, texts, source)
        if self.header and labels[0] and not any(labels[1:]) and (sided := self._by_side(grid, texts, source)):
            return sided
        if self.header and (by_row := self._side_row(grid, texts, source)) is not None:
            return by_row
        self.header = {}
        if self._starts_pending(cells, labels, source):
            return []
        if not any(labels) and self.continuing and not cells[0].text:
            return self._continued(cells[1:], texts[1:], source)
        self.continuing = None
        return self._pairs(cells, labels, texts, source)

    def label(self, cell: Cell) -> str | None:
        text = cell.text
        return self.vocabulary.match(text) if text else None

    def _starts_pending(self, cells: list[Cell], labels: list[str | None], source: str) -> bool:
        """A label whose answer is in the rows below: a label across the whole row, or a
        list to tick or free text beside a blank cell ("Nature of disagreement (tick all
        that apply)", "Details of the disagreement" with its answer in the row below).

        Any other label beside a blank cell is a question left unanswered: the blank
        cell was its answer box, and the row below belongs to something else.
        """
        named = [(cell, path) for cell, path in zip(cells, labels) if path]
        others = [cell for cell, path in zip(cells, labels) if not path]
        if len(named) != 1 or any(cell.text for cell in others):
            return False
        cell, path = named[0]
        if len(cells) > 1 and path not in TICK_LISTS | FREE_TEXT:
            return False  # free text may be written in the rows below its blank answer box
        self.pending = _Pending(cell.text, path, source)
        return True

    def _under_header(self, grid: list[Cell], texts: list[str], source: str) -> list[LabelledValue]:
        found = []
        by_column = _texts_by_column(grid, texts)
        for col, cell in enumerate(grid):
            label, value = self.header.get(col), by_column[col]
            if _holds_table(cell) and self._first_time(cell):
                found += self.read_cell(cell, f"{source} cell {col + 1}")  # a form of its own, not an answer
            elif label and value and self._first_time(cell):
                found.append(self._placed(label, value, self.sides.get(col), source))
        return found

    def _placed(self, label: str, value: str, side: str | None, source: str) -> LabelledValue:
        """An answer under its label; a generic label in a column a heading row gave a side to is that side's."""
        found = self.vocabulary.classify(label)
        placed = meaning.scoped(found, side) if side and found.attribute and found.side is None else None
        if placed is None or not placed.path:
            return LabelledValue(label, value, source)
        return LabelledValue(label, value, source, placed.path, f"column:{side}")

    def _by_side(self, grid: list[Cell], texts: list[str], source: str) -> list[LabelledValue]:
        """A row of a table whose columns are the two sides ("| Agency A (raising the concern) |
        Agency B (concern about) |"): "Role | Health Visitor | Learning Mentor", each answer
        the field of its column's side."""
        found: list[LabelledValue] = []
        attribute = self.vocabulary.classify(grid[0].text).attribute
        sides = {col: self.vocabulary.classify(label).side for col, label in self.header.items()}
        if not attribute or len({side for side in sides.values() if side}) < 2:
            return []
        by_column = _texts_by_column(grid, texts)
        for col, cell in enumerate(grid):
            side = sides.get(col)
            if col and side and attribute in SIDE_ATTRIBUTES[side] and by_column[col] and self._first_time(cell):
                path = f"{SIDE_PATHS[side]}.{attribute}"
                found.append(LabelledValue(grid[0].text, by_column[col], source, path, f"column:{side}"))
        self._mark(grid)
        return found or [LabelledValue(grid[0].text, "", source, None, "column:none")]

    def _side_row(self, grid: list[Cell], texts: list[str], source: str) -> list[LabelledValue] | None:
        """A row giving one side under column headings of attributes ("| | Name | Role | Agency |")."""
        columns = sorted(col for col in self.header if col)
        attributes = attribute_columns([self.header[col] for col in columns], self.vocabulary)
        if not attributes or len(attributes) != len(columns) or 0 in self.header:
            return None
        by_column = _texts_by_column(grid, texts)
        found = side_row_values([by_column[0], *(by_column[col] for col in columns)], attributes, source, self.vocabulary)
        if found is not None:
            self._mark(grid)
        return found

    def _continued(self, cells: list[Cell], texts: list[str], source: str) -> list[LabelledValue]:
        """A row with its label column blank, under a list or free-text answer: more of it."""
        label, path = self.continuing or ("", "")
        value = _joined(texts)
        if not value or (path in TICK_LISTS and not has_boxes(value)):
            return []
        self._mark(cells)
        return [LabelledValue(label, value, source)]

    def _pairs(self, cells: list[Cell], labels: list[str | None], texts: list[str], source: str) -> list[LabelledValue]:
        """Label cell, then its value in the next cell(s); other cells read as text."""
        found: list[LabelledValue] = []
        at = 0
        while at < len(cells):
            if labels[at] and (beyond := _past_spacers(labels, texts, at)) is not None:
                # "Name | (blank spacer) | Jo Bloggs": the answer after the blank cells between
                label, value = cells[at].text, texts[beyond]
                self.continuing = None
                fresh = [self._first_time(cell) for cell in cells[at + 1 : beyond + 1]]
                found += [LabelledValue(label, value, source)] if any(fresh) else []
                at = beyond + 1
                continue
            if labels[at] and at + 1 < len(cells) and not labels[at + 1]:
                end = _value_end(labels, texts, at)
                found += self._pair(cells, texts, at, end, source)
                at = end
                continue
            if not labels[at] and self._first_time(cells[at]):
                found += self.read_cell(cells[at], f"{source} cell {at + 1}")
            at += 1
        return found

    def _pair(self, cells: list[Cell], texts: list[str], at: int, end: int, source: str) -> list[LabelledValue]:
        if end == at + 2 and _holds_table(cells[at + 1]) and self._first_time(cells[at + 1]):
            # "Your details | (a table: Name | Jo, Role | HV)": the inner table's labels answer, when it has any
            inner = self.read_cell(cells[at + 1], f"{source} cell {at + 2}")
            if inner:
                return inner
            self.read.discard(id(cells[at + 1]))
        label = cells[at].text
        value = texts[at + 1] if end == at + 2 else _joined(map(wordml.as_box, texts[at + 1 : end]))
        path = self.label(cells[at]) or ""
        self.continuing = (label, path) if path in FREE_TEXT | TICK_LISTS else None
        fresh = [self._first_time(cell) for cell in cells[at + 1 : end]]
        return [LabelledValue(label, value, source)] if value and any(fresh) else []

    def _first_time(self, cell: Cell) -> bool:
        if id(cell) in self.read:
            return False
        self.read.add(id(cell))
        return True

    def _mark(self, cells: list[Cell]) -> None:
        self.read.update(id(cell) for cell in cells)


def _holds_table(cell: Cell) -> bool:
    """A cell with a table in it (a nested form, or two tables .doc ran together)."""
    return any(isinstance(block, Table) for block in cell.blocks)


def _distinct(cells: list[Cell]) -> list[Cell]:
    """The row's cells once each: a merged cell fills every column it spans."""
    distinct: list[Cell] = []
    for cell in cells:
        if not distinct or cell is not distinct[-1]:
            distinct.append(cell)
    return distinct


def _texts_by_column(grid: list[Cell], texts: list[str]) -> list[str]:
    """``texts`` (one per distinct cell) spread back over the grid columns each cell covers."""
    by_column: list[str] = []
    at = -1
    for col, cell in enumerate(grid):
        if col == 0 or cell is not grid[col - 1]:
            at += 1
        by_column.append(texts[at])
    return by_column


def _heading_row(cells: list[Cell]) -> bool:
    """One cell across the row, in bold or a heading style: a new section of the form."""
    if len(cells) != 1:
        return False
    shown = [b for b in cells[0].blocks if isinstance(b, Paragraph) and b.text.strip()]
    return bool(shown) and all(paragraph.heading for paragraph in shown)


def _past_spacers(labels: list[str | None], texts: list[str], at: int) -> int | None:
    """Where the answer is when blank cells stand between a label and it, else ``None``."""
    beyond = at + 1
    while beyond < len(texts) and not texts[beyond].strip():
        beyond += 1
    if beyond == at + 1 or beyond >= len(texts) or labels[beyond] or texts[beyond] in MARKS:
        return None
    return beyond


def _value_end(labels: list[str | None], texts: list[str], at: int) -> int:
    """Where a label's answer ends: the next cell, or every cell of a row of boxes
    ("Immediate risk | Yes | X | No | "), where a blank is an unticked box."""
    end = next((i for i in range(at + 1, len(labels)) if labels[i]), len(labels))
    return end if any(text in MARKS for text in texts[at + 1 : end]) else at + 2


def _joined(texts: Iterable[str]) -> str:
    return " ".join(text for text in texts if text).strip()
