"""A ruled PDF table read by the Word table reader: the same cells, rows and merges reach the classifier.

A form printed to PDF (by Word, LibreOffice or a PDF library) keeps its table as
ruling lines, and pdfplumber finds the grid: each cell's box, or ``None`` where a
merged cell covers the slot. Here each cell's lines become a Word cell's
paragraphs (a wrapped line joined, a bold line a heading) and a merged cell is one
cell repeated in every slot it covers, as ``wordml`` gives a Word table, so
``docx_tables.TableReader`` reads label | answer pairs, a row of labels over rows
of answers, a label over the rows that answer it (ticked options, free text),
two sides in two columns, and answers running on below a blank label cell, by one
set of rules for both formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from escalations.intake.notices import wordml
from escalations.intake.notices.docx_tables import TableReader
from escalations.intake.notices.fields import LabelledValue, Line, Vocabulary, labelled_values

if TYPE_CHECKING:
    from escalations.intake.notices.pdf_layout import Cell, Table

Bounds = tuple[float, float, float, float]


def table_values(table: Table, vocabulary: Vocabulary, lines_of) -> list[LabelledValue]:
    """The table's labelled values; ``lines_of(cell)`` gives a PDF cell's lines as the reader's lines."""
    source = f"pdf page {table.page} table {table.number}"
    grid = word_table(table.rows, table.row_bounds, lambda cell: _paragraphs(lines_of(cell)))

    def read_cell(cell: wordml.Cell, where: str) -> list[LabelledValue]:
        lines = [Line(b.text, where, b.heading) for b in cell.blocks if isinstance(b, wordml.Paragraph)]
        return labelled_values(lines, vocabulary=vocabulary)

    return TableReader(vocabulary, read_cell, source).values(grid)


def word_table(rows: Sequence[Sequence[Cell | None]], bounds: Sequence[Bounds], blocks_of) -> wordml.Table:
    """The grid as a Word table: a slot a merged cell covers holds that cell (the one above when
    the cell above reaches down into this row, else the one to its left)."""
    made: list[list[wordml.Cell]] = []
    reach: dict[int, float] = {}  # column -> how far down the cell last placed in it reaches
    for number, row in enumerate(rows):
        top = bounds[number][1]
        cells: list[wordml.Cell] = []
        for column, cell in enumerate(row):
            if cell is not None:
                cells.append(wordml.Cell(blocks_of(cell)))
                reach[column] = cell.bottom
            elif made and column < len(made[-1]) and reach.get(column, top) > top + 1:
                cells.append(made[-1][column])  # merged down from the row above
            elif cells:
                cells.append(cells[-1])  # merged across from the left
            else:
                cells.append(wordml.Cell([]))
        made.append(cells)
    return wordml.Table(_spans_marked(made))


def _spans_marked(rows: list[list[wordml.Cell]]) -> list[list[wordml.Cell]]:
    """A cell repeated across a row covers more than one column: not a single box of a grid."""
    for row in rows:
        for column, cell in enumerate(row):
            if (column and row[column - 1] is cell) or (column + 1 < len(row) and row[column + 1] is cell):
                cell.single = False
    return rows


def _paragraphs(lines: Sequence[Line]) -> list[wordml.Block]:
    return [wordml.Paragraph(line.text.replace("\t", " "), line.ends_answer) for line in lines]
