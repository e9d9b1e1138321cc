"""WordprocessingML into what Word shows: paragraphs, tables, text boxes and content controls.

python-docx's ``paragraph.text`` and ``table.rows`` skip content controls, tracked
insertions, form fields, symbol-font ticks and text boxes, all common in filled-in
forms, so this walks the XML python-docx parsed (entities unresolved, no DTD, no
network). Text is what a reader of the page sees: inserted text in; deleted,
hidden and struck-through ("delete as appropriate") text out; every check box,
whatever drew it, as ☒ or ☐, and a bare tick as ✓.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from lxml.etree import _Element

from escalations.intake.notices import symbols
from escalations.intake.notices.fields import field_path
from escalations.intake.notices.normalise import parse_uk_date

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

MAX_DEPTH = 24  # tables in tables, text boxes, controls; a real form nests two or three
MAX_SPAN = 64  # grid columns a cell may span, and a row may have (Word allows 63)
CHECKED, UNCHECKED = "☒", "☐"


class TooDeep(Exception):
    """The document nests tables, text boxes or controls deeper than any form does."""


@dataclass
class Paragraph:
    text: str  # lines of one paragraph (soft line breaks) are separated by "\n"
    heading: bool  # a heading style or all bold: the end of any answer above it


@dataclass
class TextBox:
    blocks: list[Block]


@dataclass
class Control:
    """A content control named by its tag and title, and the text it shows."""

    names: tuple[str, ...]
    text: str
    tag: str | None = None

    @property
    def field(self) -> tuple[str, str | None] | None:
        """``(path, option)`` when the tag is a field path: one of our own forms' answer boxes."""
        return field_path(self.tag) if self.tag else None


@dataclass(eq=False)
class Cell:
    """One table cell; a merged cell is one ``Cell`` repeated in every grid slot it covers."""

    blocks: list[Block]
    single: bool = True  # covers one grid column only

    @cached_property
    def text(self) -> str:
        return "\n".join(block_lines(self.blocks)).strip()


@dataclass
class Table:
    rows: list[list[Cell]]  # one entry per grid column


Block = Paragraph | Table | TextBox | Control


def blocks(container: _Element, depth: int = 0) -> list[Block]:
    """The blocks of a body, cell, header, footer, text box or block-level control, in order."""
    if depth > MAX_DEPTH:
        raise TooDeep
    found: list[Block] = []
    for child in container:
        if child.tag == W + "p":
            found += _Inline(depth).paragraph(child)
        elif child.tag == W + "tbl":
            found.append(_table(child, depth + 1))
        elif child.tag == W + "sdt":
            found += _block_control(child, depth + 1)
        elif child.tag == W + "customXml":
            found += blocks(child, depth + 1)
    return found


def block_lines(found: list[Block]) -> list[str]:
    """What the blocks show, a line each: a table row's cells side by side."""
    lines: list[str] = []
    for block in found:
        if isinstance(block, Paragraph):
            lines += block.text.split("\n")
        elif isinstance(block, Table):
            lines += [" ".join(text for text in row if text) for row in shown_rows(block.rows)]
        elif isinstance(block, TextBox):
            lines += block_lines(block.blocks)
    return lines


# --- tables ----------------------------------------------------------------------------


def _table(tbl: _Element, depth: int) -> Table:
    rows: list[list[Cell]] = []
    above: dict[int, Cell] = {}  # grid column -> the cell there in the row above
    for tr in _children(tbl, W + "tr"):
        if _changed(tr, "trPr", "del"):
            continue  # a row deleted with track changes on
        row = [Cell([]) for _ in range(_grid_count(tr, "gridBefore"))]
        for tc in _children(tr, W + "tc"):
            if not _changed(tc, "tcPr", "cellDel") and len(row) < MAX_SPAN:
                row += _cell(tc, len(row), above, row, depth)
        rows.append(row)
        above = dict(enumerate(row))
    return Table(rows)


def _cell(tc: _Element, column: int, above: dict[int, Cell], row: list[Cell], depth: int) -> list[Cell]:
    properties = tc.find(W + "tcPr")
    span = min(max(_int(properties, "gridSpan", 1), 1), MAX_SPAN)
    if _merge(properties, "vMerge") == "continue" and column in above:
        cell = above[column]  # merged down from the row above
    elif _merge(properties, "hMerge") == "continue" and row:
        cell = row[-1]
    else:
        cell = Cell(blocks(tc, depth), single=span == 1)
    return [cell] * span


def _children(parent: _Element, tag: str) -> Iterator[_Element]:
    """``tag`` children, including those inside row- and cell-level controls and custom XML."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from _children(content, tag)
        elif child.tag == W + "customXml":
            yield from _children(child, tag)


def _changed(element: _Element, properties: str, mark: str) -> bool:
    found = element.find(W + properties)
    return found is not None and found.find(W + mark) is not None


def _grid_count(tr: _Element, name: str) -> int:
    return min(max(_int(tr.find(W + "trPr"), name, 0), 0), MAX_SPAN)


def _int(properties: _Element | None, name: str, default: int) -> int:
    found = properties.find(W + name) if properties is not None else None
    value = found.get(W + "val") if found is not None else None
    return int(value) if value is not None and value.isascii() and value.isdigit() else default


def _merge(properties: _Element | None, name: str) -> str | None:
    found = properties.find(W + name) if properties is not None else None
    if found is None:
        return None
    return found.get(W + "val") or "continue"  # no value means continue the merge


# What a person puts in a cell to tick it, or a box left empty.
MARKS = frozenset("xX✓✔☒☑✗✘√⌧") | {UNCHECKED}


def shown_rows(rows: list[list[Cell]]) -> list[list[str]]:
    """Each row's distinct cells' text, with ticks typed into a grid made into boxes.

    A column whose filled cells are all ticks or boxes is a column of check boxes:
    its blank cells are unticked boxes and a typed X is a tick, so "Roles | (blank)"
    under "Level of need | X" reads as not ticked rather than as chosen.
    """
    ticks = _tick_columns(rows)
    shown = []
    for row in rows:
        texts, previous = [], None
        for column, cell in enumerate(row):
            if cell is not previous:
                texts.append(as_box(cell.text) if column in ticks and cell.single else cell.text)
            previous = cell
        shown.append(texts)
    return shown


def _tick_columns(rows: list[list[Cell]]) -> set[int]:
    marks: dict[int, set[str]] = {}
    for row in rows:
        for column, cell in enumerate(row):
            if cell.single:
                marks.setdefault(column, set()).add(cell.text)
    return {column for column, texts in marks.items() if texts & MARKS and texts <= MARKS | {""}}


def as_box(text: str) -> str:
    """A cell among boxes: blank is an unticked box, a typed X a ticked one."""
    if not text:
        return UNCHECKED
    return CHECKED if text in ("x", "X") else text


# --- content controls ------------------------------------------------------------------


def _block_control(sdt: _Element, depth: int) -> list[Block]:
    properties, content = sdt.find(W + "sdtPr"), sdt.find(W + "sdtContent")
    if content is None or _on(properties, W + "showingPlcHdr"):
        return []  # the control's own prompt ("Click or tap here to enter text.")
    inner = blocks(content, depth)
    names = _control_names(properties)
    if names:
        control = Control(names, "\n".join(block_lines(inner)).strip(), _tag(properties))
        # A box tagged with a field path is answered by the control alone: what it holds
        # is not page text for labels to find (a reading rule, in docx_reader).
        inner = [control] if control.field else [*inner, control]
    return inner


def _control_names(properties: _Element | None) -> tuple[str, ...]:
    if properties is None:
        return ()
    found = (properties.find(W + "tag"), properties.find(W + "alias"))
    return tuple(name for el in found if el is not None and (name := el.get(W + "val") or ""))


def _tag(properties: _Element | None) -> str | None:
    found = properties.find(W + "tag") if properties is not None else None
    return (found.get(W + "val") or None) if found is not None else None


def _on(properties: _Element | None, tag: str) -> bool:
    """A WordprocessingML on/off property: present with no value, "1", "true" or "on"."""
    found = properties.find(tag) if properties is not None else None
    if found is None:
        return False
    value = found.get(W + "val", found.get(W14 + "val"))
    return value is None or value.lower() in ("1", "true", "on")


def _checkbox(properties: _Element | None) -> str | None:
    box = properties.find(W14 + "checkbox") if properties is not None else None
    if box is None:
        return None
    return CHECKED if _on(box, W14 + "checked") else UNCHECKED


_DATE_TOKEN = re.compile(r"dddd|ddd|dd|d|MMMM|MMM|MM|M|yyyy|yy|'[^']*'|.", re.DOTALL)


def date_picker_text(shown: str, full_date: str | None, date_format: str | None) -> str:
    """A date picker's answer: the ISO date it holds when that is the date it shows.

    Word keeps the date picked (``w:fullDate``) beside the text it shows in the
    control's format, which may be month first. When the two agree the ISO date is
    the answer; when they do not, the answer carries both, so it is not read as
    either (a person must look).
    """
    held = _iso_date(full_date)
    if held is None or not shown.strip():
        return shown
    if parse_uk_date(shown) == held or _rendered(held, date_format) == _squash(shown):
        return held.isoformat()
    return f"{shown.strip()} (the date picker holds {held.isoformat()})"


def _iso_date(full_date: str | None) -> date | None:
    try:
        return date.fromisoformat((full_date or "")[:10])
    except ValueError:
        return None


_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_MONTHS = ("January February March April May June July August September October November December").split()


def _rendered(day: date, date_format: str | None) -> str | None:
    """The date in a Word date format ("dd/MM/yyyy", "dddd, d MMMM yyyy"), in English."""
    if not date_format:
        return None
    weekday, month = _WEEKDAYS[day.weekday()], _MONTHS[day.month - 1]
    names = {
        "dddd": weekday,
        "ddd": weekday[:3],
        "dd": f"{day.day:02}",
        "d": str(day.day),
        "MMMM": month,
        "MMM": month[:3],
        "MM": f"{day.month:02}",
        "M": str(day.month),
        "yyyy": f"{day.year:04}",
        "yy": f"{day.year % 100:02}",
    }
    tokens = _DATE_TOKEN.findall(date_format)
    return _squash("".join(names.get(token, token.strip("'")) for token in tokens))


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


# --- paragraphs and runs ---------------------------------------------------------------


@dataclass
class _Field:
    """A field (``w:fldChar`` begin … separate … end) being read within one paragraph."""

    kind: str | None  # "text" for a FORMTEXT; checkbox and drop-down show at "begin"
    default: str = ""
    result_at: int | None = None  # where in the paragraph the shown result begins


@dataclass
class _Inline:
    """One paragraph's text as it is built, run by run."""

    depth: int
    pieces: list[str] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)
    in_code: int = 0  # open fields still in their code (begin … separate): nothing shown
    after: list[Block] = field(default_factory=list)  # its text boxes and named controls
    runs: int = 0
    bold: int = 0
    last_bold: bool = False  # the last run with text was bold

    def _label_ends(self, text: str, bold: bool) -> str:
        """A tab where a bold label runs straight into its plain answer ("<b>Name of child</b>Jo
        Bloggs", as LibreOffice writes an HTML label set in a box of fixed width); else nothing."""
        before = next((piece for piece in reversed(self.pieces) if piece), "")
        glued = before[-1:].isalnum() and text[:1].isalnum()
        return "\t" if glued and self.last_bold and not bold else ""

    def paragraph(self, p: _Element) -> list[Block]:
        self.walk(p)
        text = "".join(self.pieces)
        heading = _heading_style(p) or (self.runs > 0 and self.bold == self.runs)
        return [Paragraph(text, heading), *self.after]

    def walk(self, parent: _Element) -> None:
        for child in parent:
            tag = child.tag
            if tag == W + "r":
                self.run(child)
            elif tag in _INLINE_WRAPPERS:
                self.walk(child)
            elif tag == W + "sdt":
                self.control(child)
            # w:del and w:moveFrom (deleted text), w:pPr, bookmarks, comments, maths: not shown

    def run(self, r: _Element) -> None:
        properties = r.find(W + "rPr")
        shown = not any(_on(properties, W + name) for name in ("vanish", "strike", "dstrike"))
        font, bold = symbols.run_font(properties), _on(properties, W + "b")
        for child in r:
            if child.tag == W + "fldChar":
                self.field_part(child)
            elif shown and not self.in_code and child.tag != W + "instrText":
                self.content(child, font, bold)

    def content(self, child: _Element, font: str | None, bold: bool) -> None:
        tag = child.tag
        if tag == W + "t":
            text = symbols.decode(child.text or "", font)
            if text.strip():
                self.runs, self.bold = self.runs + 1, self.bold + bold
                self.pieces.append(self._label_ends(text, bold))
                self.last_bold = bold
            self.pieces.append(text)
        elif tag in (W + "tab", W + "ptab"):
            self.pieces.append("\t")
        elif tag in (W + "br", W + "cr"):
            self.pieces.append("\n")
        elif tag == W + "noBreakHyphen":
            self.pieces.append("-")
        elif tag == W + "sym":
            self.pieces.append(symbols.decode_sym(child.get(W + "font"), child.get(W + "char")))
        elif tag in (W + "drawing", W + "pict", W + "object", MC + "AlternateContent"):
            self.after += [TextBox(blocks(box, self.depth + 1)) for box in _text_boxes(child)]

    def field_part(self, child: _Element) -> None:
        kind = child.get(W + "fldCharType")
        if kind == "begin":
            self.fields.append(self.begin(child.find(W + "ffData")))
            self.in_code += 1
        elif kind == "separate" and self.fields and self.fields[-1].result_at is None:
            self.fields[-1].result_at = len(self.pieces)
            self.in_code -= 1
        elif kind == "end" and self.fields:
            done = self.fields.pop()
            self.in_code -= done.result_at is None
            self.end(done)

    def begin(self, form_field: _Element | None) -> _Field:
        """A legacy form field: a check box or drop-down shows its state here."""
        if form_field is None:
            return _Field(None)
        if (box := form_field.find(W + "checkBox")) is not None:
            self.pieces.append(CHECKED if _legacy_checked(box) else UNCHECKED)
            return _Field("checkbox")
        if (choices := form_field.find(W + "ddList")) is not None:
            self.pieces.append(_legacy_choice(choices))
            return _Field("dropdown")
        text_input = form_field.find(W + "textInput")
        default = text_input.find(W + "default") if text_input is not None else None
        return _Field("text", default.get(W + "val", "") if default is not None else "")

    def end(self, done: _Field) -> None:
        """A FORMTEXT still showing its blank or its default text was not filled in."""
        if done.kind != "text" or done.result_at is None:
            return
        result = "".join(self.pieces[done.result_at :]).strip()
        if not result or result == done.default.strip():
            del self.pieces[done.result_at :]

    def control(self, sdt: _Element) -> None:
        properties, content = sdt.find(W + "sdtPr"), sdt.find(W + "sdtContent")
        if content is None:
            return
        if self.depth > MAX_DEPTH:
            raise TooDeep
        start = len(self.pieces)
        if (box := _checkbox(properties)) is not None:
            self.pieces.append(box)
        elif not _on(properties, W + "showingPlcHdr"):
            self.depth += 1
            self.walk(content)
            self.depth -= 1
        shown = "".join(self.pieces[start:])
        picker = properties.find(W + "date") if properties is not None else None
        if picker is not None:
            shown = date_picker_text(shown, picker.get(W + "fullDate"), _date_format(picker))
            self.pieces[start:] = [shown]
        if names := _control_names(properties):
            control = Control(names, shown.strip(), _tag(properties))
            if control.field:
                del self.pieces[start:]  # answered by the control alone, as above
            self.after.append(control)


_INLINE_WRAPPERS = frozenset(
    W + name for name in ("hyperlink", "ins", "moveTo", "smartTag", "customXml", "fldSimple", "dir", "bdo")
)


def _heading_style(p: _Element) -> bool:
    style = p.find(f"{W}pPr/{W}pStyle")
    return style is not None and (style.get(W + "val") or "").startswith(("Heading", "Title"))


def _legacy_checked(box: _Element) -> bool:
    if box.find(W + "checked") is not None:
        return _on(box, W + "checked")
    return _on(box, W + "default")


def _legacy_choice(choices: _Element) -> str:
    entries = [entry.get(W + "val", "") for entry in choices.findall(W + "listEntry")]
    index = _int(choices, "result", _int(choices, "default", 0))
    return entries[index] if 0 <= index < len(entries) else ""


def _date_format(picker: _Element) -> str | None:
    found = picker.find(W + "dateFormat")
    return found.get(W + "val") if found is not None else None


def _text_boxes(element: _Element) -> Iterator[_Element]:
    """The outermost ``w:txbxContent`` in a drawing; of alternate content, the first choice.

    Word writes each text box twice (a DrawingML choice and a VML fallback) so a
    reader that knows neither still sees it once; the fallback is read only when
    the choice holds no text box.
    """
    if element.tag == MC + "AlternateContent":
        for branch in element:
            found = list(_text_boxes(branch))
            if found:
                yield from found
                return
        return
    for child in element:
        if child.tag == W + "txbxContent":
            yield child
        else:
            yield from _text_boxes(child)
