"""Word .docx bytes into labelled values, after checking the package is safe to open.

The package is checked as a zip first (size, parts, unpacked size counted as it
is read, compression ratio), so python-docx only ever opens a package whose
every part has already been read within the limits. Then the body is walked in
document order: label/value tables, tables with a row of labels over rows of
answers, nested tables, and "Label: value" paragraphs; then headers and footers.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import Protocol

import docx
from docx.document import Document
from docx.opc.exceptions import OpcError
from docx.oxml.exceptions import InvalidXmlError
from docx.section import Section, _Footer, _Header
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from lxml.etree import LxmlError

from escalations.intake.notices.fields import LabelledValue, Line, labelled_values, match_label

__all__ = ["LabelledValue", "UnreadableDocument", "read_docx"]

MAX_PARTS = 1000
MAX_UNPACKED_BYTES = 50_000_000
MAX_COMPRESSION_RATIO = 100
# Honest XML can compress past 100:1 (a blank 1,500-row table is 117:1 in 600 kB),
# so, as in Apache POI, the ratio only counts once a part unpacks past this size.
RATIO_GRACE_BYTES = 1024 * 1024
_CHUNK = 64 * 1024
_OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_DAMAGED = "The document is damaged or is not a Word .docx file."
# What zipfile and python-docx raise on a damaged package (RuntimeError: an encrypted
# part; NotImplementedError: an unknown compression method; KeyError: a missing part).
_BROKEN_ZIP = (
    zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError,
)
_BROKEN_DOCX = (OpcError, InvalidXmlError, LxmlError, KeyError, IndexError, *_BROKEN_ZIP)


class _Container(Protocol):
    """A body, cell, header or footer: anything holding paragraphs and tables."""

    def iter_inner_content(self) -> Iterator[Paragraph | Table]: ...


class UnreadableDocument(Exception):
    """The document can never be read (permanent); the message is safe to show the sender."""


def read_docx(data: bytes, *, max_bytes: int = 10_000_000) -> list[LabelledValue]:
    """Every labelled value in a .docx, in reading order; ``UnreadableDocument`` if unsafe."""
    check_package(data, max_bytes=max_bytes)
    try:
        document = docx.Document(io.BytesIO(data))
        return _document_values(document)
    except _BROKEN_DOCX as exc:
        raise UnreadableDocument(_DAMAGED) from exc


def check_package(data: bytes, *, max_bytes: int) -> None:
    """Raise ``UnreadableDocument`` unless ``data`` is a zip package within every limit."""
    if len(data) > max_bytes:
        raise UnreadableDocument(f"The document is larger than the {max_bytes:,}-byte limit.")
    if data.startswith(_OLE_SIGNATURE):
        raise UnreadableDocument(
            "The document is password-protected or in the old Word 97-2003 format; "
            "please send it as an unprotected .docx file."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            _check_directory(package.infolist())
            _read_every_part(package)
    except _BROKEN_ZIP as exc:
        raise UnreadableDocument(_DAMAGED) from exc


def _check_directory(parts: list[zipfile.ZipInfo]) -> None:
    if len(parts) > MAX_PARTS:
        raise UnreadableDocument(f"The document has more than {MAX_PARTS} parts.")
    if any(part.flag_bits & 0x1 for part in parts):
        raise UnreadableDocument(
            "The document is encrypted; please send an unprotected .docx file."
        )
    if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise UnreadableDocument(_too_large())
    for part in parts:
        _check_ratio(part.file_size, part.compress_size)


def _read_every_part(package: zipfile.ZipFile) -> None:
    """Decompress every part, counting what actually comes out, not what the header claims."""
    total = 0
    for part in package.infolist():
        unpacked = 0
        with package.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                if unpacked == 0 and b"<!DOCTYPE" in chunk:
                    # Word never writes a DTD; lxml would not expand one either.
                    raise UnreadableDocument("The document contains a document type declaration.")
                unpacked += len(chunk)
                total += len(chunk)
                if total > MAX_UNPACKED_BYTES:
                    raise UnreadableDocument(_too_large())
                _check_ratio(unpacked, part.compress_size)


def _check_ratio(unpacked: int, compressed: int) -> None:
    if unpacked > RATIO_GRACE_BYTES and unpacked > MAX_COMPRESSION_RATIO * max(compressed, 1):
        raise UnreadableDocument(
            f"The document is compressed more than {MAX_COMPRESSION_RATIO} to 1, "
            "which Word never does."
        )


def _too_large() -> str:
    return f"The document would unpack to more than {MAX_UNPACKED_BYTES:,} bytes."


def _document_values(document: Document) -> list[LabelledValue]:
    headers, footers = _headers_and_footers(document)
    body = _container_values(document, "docx")
    return headers + body + footers


def _headers_and_footers(document: Document) -> tuple[list[LabelledValue], list[LabelledValue]]:
    """Each distinct header and footer once (a linked one repeats the section before)."""
    found: dict[str, list[LabelledValue]] = {"header": [], "footer": []}
    seen: list[object] = []
    for section in document.sections:
        for kind, part in _section_parts(section):
            if part.is_linked_to_previous or any(part.part is other for other in seen):
                continue
            seen.append(part.part)
            where = f"docx {kind} {len(seen)}"
            found[kind] += _container_values(part, where)
    return found["header"], found["footer"]


def _section_parts(section: Section) -> Iterator[tuple[str, _Header | _Footer]]:
    yield "header", section.header
    yield "header", section.first_page_header
    yield "header", section.even_page_header
    yield "footer", section.footer
    yield "footer", section.first_page_footer
    yield "footer", section.even_page_footer


def _container_values(container: _Container, where: str) -> list[LabelledValue]:
    """Labelled values in a body, cell, header or footer: paragraph runs and tables in order."""
    found: list[LabelledValue] = []
    lines: list[Line] = []
    paragraphs = tables = 0
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            paragraphs += 1
            lines.append(Line(block.text, f"{where} paragraph {paragraphs}", _is_heading(block)))
        else:
            tables += 1
            found += labelled_values(lines) + _table_values(block, f"{where} table {tables}")
            lines = []
    return found + labelled_values(lines)


def _is_heading(paragraph: Paragraph) -> bool:
    """A heading or an all-bold line: the end of any answer above it."""
    # The style id, not paragraph.style: resolving the style object scans every style.
    if (paragraph._p.style or "").startswith(("Heading", "Title")):
        return True
    runs = [run for run in paragraph.runs if run.text.strip()]
    return bool(runs) and all(run.bold for run in runs)


class _TableReader:
    """One table's labelled values, row by row."""

    def __init__(self, where: str) -> None:
        self.where = where
        # Cell elements already read, by id (kept alive here, so ids stay theirs):
        # python-docx gives a merged cell again for every row and column it spans.
        self.read: dict[int, object] = {}
        self.header: dict[int, str] = {}  # grid column -> label, from a row of labels

    def row(self, row: _Row, number: int) -> list[LabelledValue]:
        source = f"{self.where} row {number}"
        grid = list(row.cells)
        cells = _distinct(grid)
        labels = [_cell_label(cell) for cell in cells]
        filled = [label for cell, label in zip(cells, labels) if cell.text.strip()]
        if len(filled) >= 2 and all(filled):
            self.header = {
                col: cell.text.strip() for col, cell in enumerate(grid) if _cell_label(cell)
            }
            return []
        if self.header and not any(labels):
            return self._under_header(grid, source)
        self.header = {}
        return self._pairs(cells, labels, source)

    def _under_header(self, grid: list[_Cell], source: str) -> list[LabelledValue]:
        found = []
        for col, cell in enumerate(grid):
            label, value = self.header.get(col), cell.text.strip()
            if label and value and self._first_time(cell):
                found.append(LabelledValue(label, value, source))
        return found

    def _pairs(
        self, cells: list[_Cell], labels: list[str | None], source: str
    ) -> list[LabelledValue]:
        """Label cell, then its value in the next different cell; other cells read as text."""
        found: list[LabelledValue] = []
        at = 0
        while at < len(cells):
            cell, label = cells[at], labels[at]
            if label and at + 1 < len(cells) and not labels[at + 1]:
                value_cell = cells[at + 1]
                value = value_cell.text.strip()
                if value and self._first_time(value_cell):
                    found.append(LabelledValue(cell.text.strip(), value, source))
                at += 2
                continue
            if not label and self._first_time(cell):
                found += _container_values(cell, f"{source} cell {at + 1}")
            at += 1
        return found

    def _first_time(self, cell: _Cell) -> bool:
        if id(cell._tc) in self.read:
            return False
        self.read[id(cell._tc)] = cell._tc
        return True


def _table_values(table: Table, where: str) -> list[LabelledValue]:
    reader = _TableReader(where)
    return [value for number, row in enumerate(table.rows, 1) for value in reader.row(row, number)]


def _distinct(cells: list[_Cell]) -> list[_Cell]:
    """The row's cells once each: python-docx repeats a merged cell for every column it spans."""
    distinct: list[_Cell] = []
    for cell in cells:
        if not distinct or cell._tc is not distinct[-1]._tc:
            distinct.append(cell)
    return distinct


def _cell_label(cell: _Cell) -> str | None:
    text = cell.text.strip()
    return match_label(text) if text else None

