"""Word .docx bytes into labelled values, after checking the package is safe to open.

The package is checked as a zip first (size, parts, unpacked size counted as it
is read, compression ratio), so python-docx only ever opens a package whose
every part has already been read within the limits. ``wordml`` turns the XML
into what Word shows; this module finds the labels and answers in it, in
document order (headers, body, footers): "Label: value" paragraphs and the
blank-form habit "D.O.B 3rd September 2019", label/value tables side by side,
a row of labels over rows of answers, a label row over its answer rows (a
ticked list, free text), nested tables, merged cells, text boxes, and content
controls named after a field.

One reading rule is our own (``escalations forms make``): a content control whose
tag is exactly a field path (``subject.dob``, or ``categories.thresholds`` for one
box of a list) answers that field, and nothing else in the document does. Its
text is not page text, and what the page's labels give for that field is
dropped, so a printed "Role" beside ``raised_by.role`` cannot be read as the
signatory's role; a form whose controls were removed is read by its labels as before.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import docx
from docx.document import Document
from docx.opc.exceptions import OpcError
from docx.oxml.exceptions import InvalidXmlError
from docx.section import Section, _Footer, _Header
from lxml.etree import LxmlError, _Element

from escalations.intake.notices import letter, wordml
from escalations.intake.notices.docx_tables import TableReader
from escalations.intake.notices.fields import (
    EVERY_FIELD,
    LabelledValue,
    GENERIC,
    Line,
    Vocabulary,
    labelled_values,
    resolve_scopes,
)
from escalations.intake.notices.normalise import has_boxes
from escalations.intake.notices.wordml import Cell, Control, Paragraph, Table, TextBox

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
_TOO_DEEP = "The document nests tables or boxes too deeply to be a form."
# What zipfile and python-docx raise on a damaged package (RuntimeError: an encrypted
# part; NotImplementedError: an unknown compression method; KeyError: a missing part).
_BROKEN_ZIP = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)
_BROKEN_DOCX = (OpcError, InvalidXmlError, LxmlError, KeyError, IndexError, *_BROKEN_ZIP)


class UnreadableDocument(Exception):
    """The document can never be read (permanent); the message is safe to show the sender."""


def read_docx(data: bytes, *, max_bytes: int = 10_000_000, vocabulary: Vocabulary = EVERY_FIELD) -> list[LabelledValue]:
    """Every labelled value in a .docx, in reading order; ``UnreadableDocument`` if unsafe.

    ``vocabulary`` says which labels to look for (a partnership's form profile can
    add its own wordings with ``Vocabulary.extended``).
    """
    check_package(data, max_bytes=max_bytes)
    try:
        document = docx.Document(io.BytesIO(data))
        return _document_values(document, vocabulary)
    except _BROKEN_DOCX as exc:
        raise UnreadableDocument(_DAMAGED) from exc
    except (wordml.TooDeep, RecursionError) as exc:
        raise UnreadableDocument(_TOO_DEEP) from exc


def check_package(data: bytes, *, max_bytes: int) -> None:
    """Raise ``UnreadableDocument`` unless ``data`` is a zip package within every limit."""
    if len(data) > max_bytes:
        raise UnreadableDocument(f"The document is larger than the {max_bytes:,}-byte limit.")
    if data.startswith(_OLE_SIGNATURE):
        raise UnreadableDocument(
            "The document is password-protected or in the old Word 97-2003 format; please send it as an unprotected .docx file."
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
        raise UnreadableDocument("The document is encrypted; please send an unprotected .docx file.")
    if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise UnreadableDocument(_too_large())
    for part in parts:
        _check_ratio(part.file_size, part.compress_size)


def _read_every_part(package: zipfile.ZipFile) -> None:
    """Decompress every part, counting what actually comes out, not what the header claims."""
    total = 0
    for part in package.infolist():
        unpacked, tail = 0, b""
        parsed = part.filename.lower().endswith((".xml", ".rels"))  # media are never parsed
        with package.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                if parsed and b"<!DOCTYPE" in tail + chunk:
                    # Word never writes a DTD; lxml would not expand one either. Searched in
                    # every chunk (with the last few bytes before it): a long comment can
                    # push a declaration past the first.
                    raise UnreadableDocument("The document contains a document type declaration.")
                tail = chunk[-8:]
                unpacked += len(chunk)
                total += len(chunk)
                if total > MAX_UNPACKED_BYTES:
                    raise UnreadableDocument(_too_large())
                _check_ratio(unpacked, part.compress_size)


def _check_ratio(unpacked: int, compressed: int) -> None:
    if unpacked > RATIO_GRACE_BYTES and unpacked > MAX_COMPRESSION_RATIO * max(compressed, 1):
        raise UnreadableDocument(f"The document is compressed more than {MAX_COMPRESSION_RATIO} to 1, which Word never does.")


def _too_large() -> str:
    return f"The document would unpack to more than {MAX_UNPACKED_BYTES:,} bytes."


def _document_values(document: Document, vocabulary: Vocabulary) -> list[LabelledValue]:
    """Headers, then the body, then footers; then what named content controls add."""
    body = document.element.body
    if body is None:
        raise UnreadableDocument(_DAMAGED)
    reading = _Reading(vocabulary)
    headers, footers = _headers_and_footers(document)
    for element, where in [*headers, (body, "docx"), *footers]:
        items = wordml.blocks(element)
        reading.container(items, where)
        if where == "docx":
            reading.letter(items)
    return reading.result()


def _headers_and_footers(
    document: Document,
) -> tuple[list[tuple[_Element, str]], list[tuple[_Element, str]]]:
    """Each distinct header and footer once (a linked one repeats the section before)."""
    found: dict[str, list[tuple[_Element, str]]] = {"header": [], "footer": []}
    seen: list[object] = []
    for section in document.sections:
        for kind, part in _section_parts(section):
            if part.is_linked_to_previous or any(part.part is other for other in seen):
                continue
            seen.append(part.part)
            found[kind].append((part.part.element, f"docx {kind} {len(seen)}"))
    return found["header"], found["footer"]


def _section_parts(section: Section) -> Iterator[tuple[str, _Header | _Footer]]:
    yield "header", section.header
    yield "header", section.first_page_header
    yield "header", section.even_page_header
    yield "footer", section.footer
    yield "footer", section.first_page_footer
    yield "footer", section.even_page_footer


@dataclass
class _Reading:
    """The labelled values of one document as its containers are read."""

    vocabulary: Vocabulary
    found: list[LabelledValue] = field(default_factory=list)
    controls: list[LabelledValue] = field(default_factory=list)
    tagged: list[tuple[Control, str]] = field(default_factory=list)  # tagged with a field path

    def container(self, items: list[wordml.Block], where: str) -> None:
        """A body, cell, header or footer: its running text, tables, text boxes and controls."""
        lines: list[Line] = []
        self._blocks(items, where, lines)
        self.found += labelled_values(lines, vocabulary=self.vocabulary)

    def _blocks(self, items: list[wordml.Block], where: str, lines: list[Line]) -> None:
        counts: Counter[str] = Counter()
        for block in items:
            kind = _KINDS[type(block)]
            counts[kind] += 1
            source = f"{where} {kind} {counts[kind]}"
            if isinstance(block, Paragraph):
                lines += [Line(text, source, block.heading) for text in block.text.split("\n")]
            elif isinstance(block, TextBox):
                self._blocks(block.blocks, source, lines)  # its text runs on from the page's
            elif isinstance(block, Control) and block.field:
                self.tagged.append((block, source))
            elif isinstance(block, Control):
                self.controls += _control_values(block, source, self.vocabulary)
            elif len(block.rows) == 1 and len(block.rows[0]) == 1:  # a box drawn as a one-cell table
                self._blocks(block.rows[0][0].blocks, source, lines)  # its text runs on, as a text box's does
            elif _option_grid(block):  # "☐ Information sharing | ☒ Referral not accepted | …" under its label
                for cell in _unique_cells(block):
                    self._blocks(cell.blocks, source, lines)
            else:
                self.found += labelled_values(lines, vocabulary=self.vocabulary)
                lines.clear()
                self.tagged += _tagged_in(block.rows, source)  # an answer cell is read as text
                self.found += TableReader(self.vocabulary, self.cell, source).values(block)

    def letter(self, items: list[wordml.Block]) -> None:
        """The body's running paragraphs read as a letter's (``letter``), where it is one."""
        numbered = [block for block in items if isinstance(block, Paragraph)]
        lines = [(text, f"docx paragraph {at}") for at, block in enumerate(numbered, 1) for text in block.text.split("\n")]
        self.found += letter.letter_values(lines, self.found)

    def cell(self, cell: Cell, where: str) -> list[LabelledValue]:
        """A cell that is not a label or its answer, read like a page ("Name: Jo Bloggs")."""
        inner = _Reading(self.vocabulary)
        inner.container(cell.blocks, where)
        self.controls += inner.controls
        return inner.found  # its tagged controls were taken with the table's

    def result(self) -> list[LabelledValue]:
        """Everything found; a named control's answer only where the layout did not give it;
        a field with a control tagged with its path, from those controls only."""
        given = {self._key(value) for value in self.found}
        read = self.found + [value for value in self.controls if self._key(value) not in given]
        read = resolve_scopes(read, self.vocabulary)
        covered = {control.field[0] for control, _ in self.tagged if control.field}
        kept = [value for value in read if not _covered(value.path, covered)]
        return kept + _tagged_values(self.tagged)

    def _key(self, value: LabelledValue) -> tuple[str | None, str]:
        return self.vocabulary.match(value.label), " ".join(value.value.split()).casefold()


def _unique_cells(table: Table) -> list[Cell]:
    """The table's cells row by row, a merged cell once."""
    seen: list[Cell] = []
    for row in table.rows:
        seen += [cell for cell in row if cell.text and not any(cell is other for other in seen)]
    return seen


def _option_grid(table: Table) -> bool:
    """A table of tick boxes alone, no label among them: the options of the label above it."""
    cells = _unique_cells(table)
    return len(cells) >= 2 and all(has_boxes(cell.text) for cell in cells)  # noqa: PLR2004


_KINDS = {Paragraph: "paragraph", Table: "table", TextBox: "text box", Control: "content control"}


def _tagged_in(rows: list[list[Cell]], where: str) -> list[tuple[Control, str]]:
    """The field-path controls anywhere in a table's cells, each merged cell once."""
    found: list[tuple[Control, str]] = []
    seen: set[int] = set()
    for number, row in enumerate(rows, 1):
        for column, cell in enumerate(row, 1):
            if id(cell) not in seen:
                seen.add(id(cell))
                found += _tagged_blocks(cell.blocks, f"{where} row {number} cell {column}")
    return found


def _tagged_blocks(items: list[wordml.Block], where: str) -> list[tuple[Control, str]]:
    found: list[tuple[Control, str]] = []
    for number, block in enumerate(items, 1):
        if isinstance(block, Control) and block.field:
            found.append((block, f"{where} content control {number}"))
        elif isinstance(block, TextBox):
            found += _tagged_blocks(block.blocks, where)
        elif isinstance(block, Table):
            found += _tagged_in(block.rows, f"{where} table")
    return found


def _covered(path: str | None, covered: set[str]) -> bool:
    """Whether a tagged control answers ``path`` ("attempts" answers "attempts.date" too)."""
    return path is not None and any(path == c or path.startswith(c + ".") for c in covered)


_TICKS = (wordml.CHECKED, "x", "X", "✓", "✔")


def _tagged_values(tagged: list[tuple[Control, str]]) -> list[LabelledValue]:
    """Each field-path control's text; a field's ticked options joined, one a line."""
    values: list[LabelledValue] = []
    options: dict[str, tuple[list[str], str]] = {}
    for control, source in tagged:
        path, option = control.field or ("", None)
        if option is None:
            if control.text:
                values.append(LabelledValue(path, control.text, f"{source} tag '{control.tag}' (field path)", path, "field-path"))
            continue
        ticked, _ = options.setdefault(path, ([], f"{source} tags '{path}.…' (field path options)"))
        if control.text in _TICKS:
            ticked.append(option.replace("_", " "))
    values += [
        LabelledValue(path, "\n".join(ticked), where, path, "field-path") for path, (ticked, where) in options.items() if ticked
    ]
    return values


def _control_values(control: Control, source: str, vocabulary: Vocabulary) -> list[LabelledValue]:
    """A content control tagged or titled with a field ("subject.dob", "Date of birth")."""
    for name in control.names:
        found = vocabulary.classify(name)
        path = vocabulary.match(name)
        if path and not path.startswith(GENERIC) and control.text:
            return [LabelledValue(name, control.text, f"{source} '{name}'", path, found.rule)]
    return []
