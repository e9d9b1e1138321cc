"""A partnership's notice form as a Word document whose answer boxes are tagged content controls.

python-docx lays out the page (A4, headings, a table of questions per section);
the answer boxes are WordprocessingML it has no API for: plain-text content
controls (several lines where the answer is free text), date pickers
(``dd/MM/yyyy``, en-GB) and Word 2010 check boxes, each with ``w:tag`` set to
the canonical field path (``subject.dob``; ``categories.thresholds`` for one box
of a list) and ``w:alias`` to the printed question, locked against deletion so
a filled copy keeps its tags. The printed question sits beside every box; any
guidance sits in a row of its own above it, so the question cell holds only the
question (a copy whose tags were lost is still read by its labels). No macros,
no fields, no links, and no one's name in the document properties.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape, quoteattr

import docx
from docx.document import Document
from docx.oxml import parse_xml
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.shared import Mm, Pt
from docx.table import _Cell

from escalations.outbound.notice_forms import ADDED_NOTE, FormField, NoticeForm, Option

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
_NS = f'xmlns:w="{W_NS}" xmlns:w14="{W14_NS}"'
TEXT_PROMPT = "Click or tap here to enter text."
DATE_PROMPT = "Click or tap to enter a date."
DATE_FORMAT = "dd/MM/yyyy"
UNCHECKED = "☐"
_GREY = "808080"
ROOM = {"concern": 40, "attempts": 24}  # millimetres; other free text gets 16


def write_docx(form: NoticeForm) -> bytes:
    document = docx.Document()
    _page(document, form)
    _opening(document, form)
    ids = iter(range(1, 10_000))
    for section in form.sections:
        document.add_heading(section.heading, level=2)
        if section.guidance:
            _small(document.add_paragraph(), section.guidance)
        table = document.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for item in section.fields:
            _question(table, item, ids)
    for line in form.closing:
        document.add_paragraph().add_run(line).bold = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page(document: Document, form: NoticeForm) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(18))
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(10)
    properties = document.core_properties
    properties.author = properties.last_modified_by = form.partnership_name
    properties.title, properties.subject = form.title, form.partnership_name
    properties.keywords, properties.comments, properties.category = form.form_id, "", "escalation notice form"
    properties.revision = 1


def _opening(document: Document, form: NoticeForm) -> None:
    document.add_heading(form.title, level=1)
    document.add_paragraph().add_run(form.partnership_name).bold = True
    if form.published:
        document.add_paragraph(f"The partnership's {form.published}, as a form to fill in.")
    if form.intro:
        document.add_paragraph(form.intro)
    if form.has_added:
        _small(document.add_paragraph(), ADDED_NOTE)


def _small(paragraph, text: str) -> None:
    run = paragraph.add_run(text)
    run.italic, run.font.size = True, Pt(8.5)


def _question(table, item: FormField, ids) -> None:
    if item.guidance:
        guidance = table.add_row().cells
        merged = guidance[0].merge(guidance[1])
        _small(merged.paragraphs[0], item.guidance)
    row = table.add_row()
    if item.kind == "text":  # room to write in, as the printed form leaves
        row.height, row.height_rule = Mm(ROOM.get(item.path, 16)), WD_ROW_HEIGHT_RULE.AT_LEAST
    label, answer = row.cells
    label.width, answer.width = Mm(62), Mm(112)
    label.paragraphs[0].add_run(item.shown_label).bold = True
    _answer(answer, item, ids)


def _answer(cell: _Cell, item: FormField, ids) -> None:
    if item.kind == "ticks":
        for number, option in enumerate(item.options):
            paragraph = cell.paragraphs[0] if number == 0 else cell.add_paragraph()
            paragraph._p.append(parse_xml(checkbox(item, option, next(ids))))
            paragraph.add_run(f" {option.text}")
        return
    control = date_picker(item, next(ids)) if item.kind == "date" else text_box(item, next(ids))
    cell.paragraphs[0]._p.append(parse_xml(control))


def _properties(tag: str, alias: str, number: int, body: str) -> str:
    return (
        f"<w:sdtPr><w:alias w:val={quoteattr(alias)}/><w:tag w:val={quoteattr(tag)}/>"
        f'<w:id w:val="{number}"/><w:lock w:val="sdtLocked"/>{body}</w:sdtPr>'
    )


def _prompt(text: str) -> str:
    return f'<w:r><w:rPr><w:color w:val="{_GREY}"/></w:rPr><w:t>{escape(text)}</w:t></w:r>'


def text_box(item: FormField, number: int) -> str:
    """A plain-text control showing Word's own prompt; several lines for free text."""
    lines = ' w:multiLine="1"' if item.kind == "text" else ""
    body = f"<w:showingPlcHdr/><w:text{lines}/>"
    return f"<w:sdt {_NS}>{_properties(item.path, item.label, number, body)}<w:sdtContent>{_prompt(TEXT_PROMPT)}</w:sdtContent></w:sdt>"


def date_picker(item: FormField, number: int) -> str:
    body = (
        f'<w:showingPlcHdr/><w:date><w:dateFormat w:val="{DATE_FORMAT}"/><w:lid w:val="en-GB"/>'
        '<w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>'
    )
    return f"<w:sdt {_NS}>{_properties(item.path, item.label, number, body)}<w:sdtContent>{_prompt(DATE_PROMPT)}</w:sdtContent></w:sdt>"


def checkbox(item: FormField, option: Option, number: int) -> str:
    """A Word 2010 check box, unticked, drawn with MS Gothic's ballot boxes as Word draws it."""
    body = (
        '<w14:checkbox><w14:checked w14:val="0"/><w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
        '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox>'
    )
    alias = f"{item.label}: {option.text}"
    run = (
        '<w:r><w:rPr><w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic" '
        f'w:hint="eastAsia"/></w:rPr><w:t>{UNCHECKED}</w:t></w:r>'
    )
    return f"<w:sdt {_NS}>{_properties(item.option_name(option), alias, number, body)}<w:sdtContent>{run}</w:sdtContent></w:sdt>"
