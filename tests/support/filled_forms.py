"""Our blank notice forms filled in the way a person's program fills them, for round-trip tests.

Word: python-docx edits each content control as Word does when someone types or
ticks in it (the prompt and its ``w:showingPlcHdr`` go, the text goes in, lines
split by ``w:br``; a date picker keeps the date picked in ``w:fullDate`` and
shows it as dd/MM/yyyy; a check box's ``w14:checked`` and glyph change).
PDF: pypdf sets each AcroForm field's value and each check box's state, and
asks the viewer to draw them (NeedAppearances), as a viewer saving a form does.

Answers are keyed by field path: text for text boxes, a ``date`` for dates, and
for a field answered with boxes the option (or options) to tick.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from xml.sax.saxutils import escape

import docx
from docx.oxml import parse_xml
from pypdf import PdfReader, PdfWriter

from escalations.intake.notices.fields import OPTION_FIELDS

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

Answer = str | date | Sequence[str]


def fill_docx(data: bytes, answers: Mapping[str, Answer]) -> bytes:
    document = docx.Document(io.BytesIO(data))
    for sdt in list(document.element.body.iter(W + "sdt")):
        properties = sdt.find(W + "sdtPr")
        tag = properties.find(W + "tag").get(W + "val")
        if properties.find(W14 + "checkbox") is not None:
            path, _, option = tag.rpartition(".")
            _tick(sdt, properties, option in _options(answers.get(path)))
        elif tag in answers:
            _type(sdt, properties, answers[tag])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _options(answer: Answer | None) -> Sequence[str]:
    if answer is None:
        return ()
    return [answer] if isinstance(answer, str) else list(answer)


def _tick(sdt, properties, ticked: bool) -> None:
    properties.find(f"{W14}checkbox/{W14}checked").set(W14 + "val", "1" if ticked else "0")
    sdt.find(f"{W}sdtContent/{W}r/{W}t").text = "☒" if ticked else "☐"


def _type(sdt, properties, answer: Answer) -> None:
    placeholder = properties.find(W + "showingPlcHdr")
    if placeholder is not None:
        properties.remove(placeholder)
    picker = properties.find(W + "date")
    if picker is not None:
        assert isinstance(answer, date)
        picker.set(W + "fullDate", f"{answer.isoformat()}T00:00:00Z")
        answer = answer.strftime("%d/%m/%Y")
    content = sdt.find(W + "sdtContent")
    for child in list(content):
        content.remove(child)
    content.append(parse_xml(_run(str(answer))))


def _run(text: str) -> str:
    pieces = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in text.split("\n"))
    return f"<w:r {_NS}>{pieces}</w:r>"


def fill_pdf(data: bytes, answers: Mapping[str, Answer]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    values: dict[str, str] = {}
    boxes: set[str] = set()
    for path, answer in answers.items():
        if isinstance(answer, date):
            values[path] = answer.strftime("%d/%m/%Y")
        elif isinstance(answer, str) and path not in OPTION_FIELDS:
            values[path] = answer
        else:
            boxes |= {f"{path}.{option}" for option in _options(answer)}
    values |= {box: "/Yes" for box in boxes}  # our forms' check boxes' on-state, as reportlab names it
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer.set_need_appearances_writer(True)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
