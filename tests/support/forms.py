"""Real .docx notices made with python-docx, filled in with fictional people.

Each partnership's builder lays its notice out the way that partnership's form
(or, where the policy names none, a practitioner's own document) does, so the
reader is tested against paragraphs, label/value tables, header rows, nested
tables, check boxes, headers and footers. Keyword overrides replace a default
answer; ``None`` leaves that answer blank.

What python-docx cannot write (content controls, legacy form fields, Wingdings
ticks, text boxes, tracked changes, row and cell properties) is written as
WordprocessingML with the small builders at the end (``p``, ``r``, ``table``…)
and placed into a python-docx document by ``docx_from_xml``: still a real
package, saved by python-docx, not a hand-made binary.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import docx
from docx.document import Document
from docx.oxml import parse_xml
from docx.table import Table
from lxml import etree

NORTHSIDE = {
    "your_name": "Aisha Khan",
    "your_role": "Health Visitor",
    "your_agency": "Northside Health",
    "your_email": "a.khan@northside-health.example",
    "telephone": "0161 496 0000",
}


def docx_table_notice(rows: Sequence[tuple[str, str]], *, paragraphs: Iterable[str] = ()) -> bytes:
    """Paragraphs first, then one two-column table of label and answer rows."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if rows:
        _label_table(document, rows)
    return _save(document)


def salford_notice(**overrides: str | None) -> bytes:
    """Salford Appendix 2 Escalation Notice, with a table of the sender's details below it."""
    a = _answers(
        overrides,
        child="Jo Bloggs",
        dob="14/02/2017",
        concern=("Jo has missed three health appointments.\nThe referral was closed without a visit."),
        signed="Aisha Khan",
        role="Health Visitor",
        dated="05/03/2026",
        copies="Team Manager, Northside Health",
        challenged="Salford Children's Services",
        stage="2",
        immediate_risk="☐ Yes ☒ No",
        **NORTHSIDE,
    )
    document = docx.Document()
    document.add_paragraph().add_run("Appendix 2 – Escalation Notice").bold = True
    document.add_paragraph(f"Name of Child/Young Person: {a['child']}\tD.O.B {a['dob']}")
    document.add_paragraph("Please document any information of concern.")
    for line in a["concern"].splitlines():
        document.add_paragraph(line)
    document.add_paragraph(f"Signed: {a['signed']}.....Role: {a['role']}.....")
    document.add_paragraph(f"Dated: {a['dated']}")
    document.add_paragraph(f"Who has a copy of this notice been sent to? {a['copies']}")
    document.add_paragraph().add_run("Return to; SSCB Business Manager").bold = True
    _label_table(
        document,
        [
            ("Your name", a["your_name"]),
            ("Your role", a["your_role"]),
            ("Your agency", a["your_agency"]),
            ("Your email", a["your_email"]),
            ("Telephone", a["telephone"]),
            ("Agency whose decision is challenged", a["challenged"]),
            ("Current stage", a["stage"]),
            ("Is the child at immediate risk of significant harm?", a["immediate_risk"]),
        ],
    )
    return _save(document)


def barnet_notice(**overrides: str | None) -> bytes:
    """Barnet names no form: a practitioner's own two-column table, with ticked categories."""
    a = _answers(
        overrides,
        child="Sam Smith",
        dob="3rd September 2019",
        your_name="Ben Osei",
        your_role="Designated Safeguarding Lead",
        your_agency="Eastgate Primary School",
        your_email="b.osei@eastgate-school.example",
        telephone="020 7946 0000",
        challenged="Barnet Children's Social Care",
        categories=("☒ Level of need / threshold\n☐ Roles and responsibilities\n☒ Whether a case conference should be initiated"),
        concern="Concerns about neglect were not taken to a strategy discussion.",
        stage="3 – BSCB representatives",
        immediate_risk="No",
        outcome="A case conference is held.",
        signed="Ben Osei",
        date="4 March 2026",
    )
    return docx_table_notice(
        [
            ("Child's full name", a["child"]),
            ("Date of birth", a["dob"]),
            ("Your name", a["your_name"]),
            ("Your role", a["your_role"]),
            ("Your agency", a["your_agency"]),
            ("Your email", a["your_email"]),
            ("Telephone", a["telephone"]),
            ("Agency you disagree with", a["challenged"]),
            ("Nature of disagreement", a["categories"]),
            ("Details of the disagreement", a["concern"]),
            ("Stage being escalated to", a["stage"]),
            ("Is the child at immediate risk of significant harm?", a["immediate_risk"]),
            ("Outcome you are seeking", a["outcome"]),
            ("Signed", a["signed"]),
            ("Date", a["date"]),
        ],
        paragraphs=["Barnet Safeguarding Children Board – escalation"],
    )


def bnes_notice(**overrides: str | None) -> bytes:
    """B&NES Appendix A: a details table, then attempts as a Dates | Outcome table."""
    a = _answers(
        overrides,
        child="Alex Example",
        dob="30.06.12",
        your_name="Priya Shah",
        your_agency="Riverside Housing",
        challenged="B&NES Children's Services",
        stage="Stage 3",
        immediate_risk="No",
        first_date="12/01/2026",
        first_outcome="Practitioners met; not resolved.",
        second_date="19/01/2026",
        second_outcome="Line managers met; not resolved.",
    )
    document = docx.Document()
    _label_table(
        document,
        [
            ("Name of child", a["child"]),
            ("D.O.B", a["dob"]),
            ("Your name", a["your_name"]),
            ("Your agency", a["your_agency"]),
            ("Agency whose decision is challenged", a["challenged"]),
            ("Stage", a["stage"]),
            ("Immediate risk", a["immediate_risk"]),
        ],
    )
    document.add_paragraph().add_run("Attempts to resolve issue").bold = True
    attempts = document.add_table(rows=0, cols=2)
    _add_rows(
        attempts,
        [
            ("Dates", "Outcome"),
            (a["first_date"], a["first_outcome"]),
            (a["second_date"], a["second_outcome"]),
        ],
    )
    document.add_paragraph().add_run("Unresolved Dispute and Referral to BCSSP Chair").bold = True
    document.add_paragraph("Date of Referral:")
    return _save(document)


def bury_children_notice(**overrides: str | None) -> bytes:
    """Bury (Greater Manchester policy): the case reference in the page header, merged title row."""
    a = _answers(
        overrides,
        reference="BUR-2026-0012",
        child="Kai Doe",
        dob="Sept 3 2019",
        your_name="Tom Reid",
        your_agency="Bury Police",
        challenged="Bury Early Help",
        categories="Step up/step down decisions; Non-attendance at statutory meetings",
        concern="The family was stepped down to universal services without a meeting.",
        step="Step 2",
        immediate_risk="Yes ☐ No ☒",
    )
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = f"Case reference: {a['reference']}"
    table = document.add_table(rows=1, cols=2)
    title = table.cell(0, 0).merge(table.cell(0, 1))
    title.text = "Bury Safeguarding Partnership – professional challenge"
    rows = [
        ("Name of child", a["child"]),
        ("DOB", a["dob"]),
        ("Your name", a["your_name"]),
        ("Your agency", a["your_agency"]),
        ("Agency being challenged", a["challenged"]),
        ("Area of disagreement", a["categories"]),
        ("Details of the disagreement", a["concern"]),
        ("Step", a["step"]),
        ("Immediate risk", a["immediate_risk"]),
    ]
    _add_rows(table, rows)
    return _save(document)


def bury_adults_notice(**overrides: str | None) -> bytes:
    """Bury adults: the form inside a one-cell frame (a nested table); telephone in the footer."""
    a = _answers(
        overrides,
        adult="Pat Jones",
        dob="12 March 1952",
        your_name="Lee Park",
        your_agency="Bury Adult Social Care",
        your_email="l.park@bury-asc.example",
        telephone="+44 161 496 0999",
        challenged="Bury Community Mental Health Team",
        concern="Pat was discharged home without the care package agreed.",
        step="4",
        imminent_risk="No",
        attempts="12/01/2026 – practitioners discussed; not resolved\n20/01/2026 – line managers discussed; not resolved",
    )
    document = docx.Document()
    document.sections[0].footer.paragraphs[0].text = f"Telephone: {a['telephone']}"
    frame = document.add_table(rows=1, cols=1).cell(0, 0)
    frame.paragraphs[0].text = "Referral to the Safeguarding Adults Board"
    inner = frame.add_table(rows=0, cols=2)
    rows = [
        ("Name of adult", a["adult"]),
        ("Date of birth", a["dob"]),
        ("Your name", a["your_name"]),
        ("Your agency", a["your_agency"]),
        ("Your email", a["your_email"]),
        ("Agency you disagree with", a["challenged"]),
        ("Details of the disagreement", a["concern"]),
        ("Step", a["step"]),
        ("Is the adult at imminent risk of harm?", a["imminent_risk"]),
        ("Attempts to resolve issue", a["attempts"]),
    ]
    _add_rows(inner, rows)
    return _save(document)


def _answers(overrides: dict[str, str | None], **defaults: str) -> dict[str, str]:
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise TypeError(f"no such answer: {', '.join(sorted(unknown))}")
    merged = {**defaults, **overrides}
    return {key: "" if value is None else value for key, value in merged.items()}


def _label_table(document: Document, rows: Sequence[tuple[str, str]]) -> Table:
    table = document.add_table(rows=0, cols=2)
    _add_rows(table, rows)
    return table


def _add_rows(table: Table, rows: Sequence[tuple[str, str]]) -> None:
    """One row per pair; a newline in an answer starts a new paragraph in its cell."""
    for texts in rows:
        for cell, text in zip(table.add_row().cells, texts, strict=True):
            first, *more = text.split("\n")
            cell.text = first
            for line in more:
                cell.add_paragraph(line)


def _save(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- WordprocessingML builders -----------------------------------------------------------

NAMESPACES = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
}
_DECLARATIONS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
_REVISION = 'w:id="{id}" w:author="Aisha Khan" w:date="2026-03-04T10:00:00Z"'


def docx_from_xml(*body: str, header: Sequence[str] = (), footer: Sequence[str] = ()) -> bytes:
    """A .docx whose body (and header, footer) are these ``w:p``/``w:tbl``/``w:sdt`` elements."""
    document = docx.Document()
    _replace_content(document.element.body, body)
    section = document.sections[0]
    if header:
        _replace_content(section.header._element, header)
    if footer:
        _replace_content(section.footer._element, footer)
    return _save(document)


def _replace_content(container, blocks: Sequence[str]) -> None:
    for child in list(container):
        if not child.tag.endswith("}sectPr"):
            container.remove(child)
    anchor = container.find(f"{{{NAMESPACES['w']}}}sectPr")
    for block in blocks:
        element = _element(block)
        if anchor is None:
            container.append(element)
        else:
            anchor.addprevious(element)


def _element(xml: str):
    return parse_xml(re.sub(r"^\s*<([\w:]+)", rf"<\1 {_DECLARATIONS}", xml, count=1))


def r(
    text: str,
    *,
    bold: bool = False,
    strike: bool = False,
    hidden: bool = False,
    font: str | None = None,
) -> str:
    """A run of text; "\n" is a line break (Shift+Enter), "\t" a tab."""
    properties = "".join(
        [
            f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}"/>' if font else "",
            "<w:b/>" if bold else "",
            "<w:strike/>" if strike else "",
            "<w:vanish/>" if hidden else "",
        ]
    )
    pieces = []
    for part in re.split(r"(\n|\t)", text):
        if part == "\n":
            pieces.append("<w:br/>")
        elif part == "\t":
            pieces.append("<w:tab/>")
        elif part:
            pieces.append(f'<w:t xml:space="preserve">{escape(part)}</w:t>')
    rpr = f"<w:rPr>{properties}</w:rPr>" if properties else ""
    return f"<w:r>{rpr}{''.join(pieces)}</w:r>"


def p(*inline: str, style: str | None = None) -> str:
    """A paragraph of runs (plain strings become runs)."""
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{ppr}{''.join(_inline(item) for item in inline)}</w:p>"


def _inline(item: str) -> str:
    return item if item.lstrip().startswith("<") else r(item)


def heading(text: str) -> str:
    """A paragraph all in bold, as forms set their section titles."""
    return p(r(text, bold=True))


def cell(*blocks: str, span: int = 1, vmerge: str | None = None, deleted: bool = False) -> str:
    """A table cell of paragraphs (plain strings become paragraphs) or nested tables."""
    properties = "".join(
        [
            f'<w:gridSpan w:val="{span}"/>' if span > 1 else "",
            ("<w:vMerge/>" if vmerge == "continue" else f'<w:vMerge w:val="{vmerge}"/>') if vmerge else "",
            f"<w:cellDel {_REVISION.format(id=90)}/>" if deleted else "",
        ]
    )
    content = "".join(_block(block) for block in blocks) or "<w:p/>"
    return f"<w:tc><w:tcPr>{properties}</w:tcPr>{content}</w:tc>"


def _block(item: str) -> str:
    return item if item.lstrip().startswith("<") else p(item)


def row(*cells: str, deleted: bool = False, inserted: bool = False) -> str:
    """A table row; plain strings become one-paragraph cells."""
    marks = "".join(
        [
            f"<w:del {_REVISION.format(id=91)}/>" if deleted else "",
            f"<w:ins {_REVISION.format(id=92)}/>" if inserted else "",
        ]
    )
    content = "".join(item if item.lstrip().startswith("<") else cell(item) for item in cells)
    return f"<w:tr><w:trPr>{marks}</w:trPr>{content}</w:tr>"


def table(*rows: str, columns: int = 2) -> str:
    grid = "".join('<w:gridCol w:w="2400"/>' for _ in range(columns))
    properties = '<w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr>'
    return f"<w:tbl>{properties}<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def inserted(text: str, revision: int = 1) -> str:
    """Text typed with Track Changes on."""
    return f"<w:ins {_REVISION.format(id=revision)}>{r(text)}</w:ins>"


def deleted(text: str, revision: int = 2) -> str:
    """Text deleted with Track Changes on: still in the file, not on the page."""
    run = f'<w:r><w:delText xml:space="preserve">{escape(text)}</w:delText></w:r>'
    return f"<w:del {_REVISION.format(id=revision)}>{run}</w:del>"


def _sdt(properties: str, content: str) -> str:
    return f"<w:sdt><w:sdtPr>{properties}</w:sdtPr><w:sdtContent>{content}</w:sdtContent></w:sdt>"


def _names(tag: str | None, alias: str | None) -> str:
    return (f"<w:alias w:val={quoteattr(alias)}/>" if alias else "") + (f"<w:tag w:val={quoteattr(tag)}/>" if tag else "")


def text_control(text: str, *, tag: str | None = None, alias: str | None = None) -> str:
    """A plain or rich text content control, filled in."""
    return _sdt(_names(tag, alias) + "<w:richText/>", r(text))


def placeholder_control(prompt: str = "Click or tap here to enter text.") -> str:
    """A text content control nobody filled in: Word shows its prompt in grey."""
    return _sdt('<w:placeholder><w:docPart w:val="DefaultPlaceholder"/></w:placeholder><w:showingPlcHdr/><w:text/>', r(prompt))


def checkbox_control(checked: bool, *, tag: str | None = None, alias: str | None = None) -> str:
    """A Word 2010 check box content control, drawn with the MS Gothic ballot boxes."""
    state = (
        f'<w14:checkbox><w14:checked w14:val="{int(checked)}"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
        '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox>'
    )
    return _sdt(_names(tag, alias) + state, r("☒" if checked else "☐", font="MS Gothic"))


def dropdown_control(chosen: str, choices: Sequence[str], *, tag: str | None = None) -> str:
    items = "".join(f"<w:listItem w:displayText={quoteattr(c)} w:value={quoteattr(c)}/>" for c in choices)
    return _sdt(_names(tag, None) + f"<w:dropDownList>{items}</w:dropDownList>", r(chosen))


def date_control(shown: str, full_date: str, date_format: str = "dd/MM/yyyy", **names: str) -> str:
    """A date picker content control: the text it shows and the date it holds."""
    picker = (
        f'<w:date w:fullDate="{full_date}T00:00:00Z"><w:dateFormat w:val="{date_format}"/>'
        '<w:lid w:val="en-GB"/><w:storeMappedDataAs w:val="dateTime"/>'
        '<w:calendar w:val="gregorian"/></w:date>'
    )
    return _sdt(_names(names.get("tag"), names.get("alias")) + picker, r(shown))


def block_control(*blocks: str, tag: str | None = None, alias: str | None = None) -> str:
    """A content control around whole paragraphs or tables (or, inside a table, rows or cells)."""
    return _sdt(_names(tag, alias), "".join(blocks))


def _field(instruction: str, data: str | None, result: str | None = "") -> str:
    form_data = f"<w:ffData>{data}</w:ffData>" if data is not None else ""
    begin = f'<w:r><w:fldChar w:fldCharType="begin">{form_data}</w:fldChar></w:r>'
    code = f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
    separate = '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    shown = separate + result if result is not None else ""
    return begin + code + shown + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'


def form_text(value: str | None, *, default: str = "") -> str:
    """A legacy FORMTEXT field; unfilled, Word shows five en spaces (or its default text)."""
    shown = value if value is not None else (default or "\u2002" * 5)
    data = '<w:name w:val="Text1"/><w:enabled/><w:calcOnExit w:val="0"/><w:textInput>'
    data += f"<w:default w:val={quoteattr(default)}/>" if default else ""
    return _field("FORMTEXT", data + "</w:textInput>", r(shown))


def form_checkbox(checked: bool | None, *, default: bool = False) -> str:
    """A legacy FORMCHECKBOX: ``w:checked`` once clicked, else its ``w:default``."""
    state = "" if checked is None else f'<w:checked w:val="{int(checked)}"/>'
    data = (
        '<w:name w:val="Check1"/><w:enabled/><w:calcOnExit w:val="0"/><w:checkBox>'
        f'<w:sizeAuto/><w:default w:val="{int(default)}"/>{state}</w:checkBox>'
    )
    return _field("FORMCHECKBOX", data, result=None)


def form_dropdown(choices: Sequence[str], index: int | None) -> str:
    """A legacy FORMDROPDOWN: the chosen entry is ``w:result`` (the first when absent)."""
    result = "" if index is None else f'<w:result w:val="{index}"/>'
    entries = "".join(f"<w:listEntry w:val={quoteattr(c)}/>" for c in choices)
    data = f'<w:name w:val="Dropdown1"/><w:enabled/><w:ddList>{result}{entries}</w:ddList>'
    return _field("FORMDROPDOWN", data, result=None)


def field(instruction: str, result: str) -> str:
    """An ordinary field (MERGEFIELD, REF, DATE…): its code hidden, its result shown."""
    return _field(instruction, None, r(result))


def symbol(font: str, code: str) -> str:
    """A ``w:sym`` character, as Insert > Symbol writes a Wingdings box (F0FE, F0A8)."""
    return f'<w:r><w:sym w:font="{font}" w:char="{code}"/></w:r>'


def text_box(*blocks: str, vml_only: bool = False) -> str:
    """A run holding a text box, written twice as Word does: DrawingML and a VML fallback."""
    content = "<w:txbxContent>" + "".join(_block(b) for b in blocks) + "</w:txbxContent>"
    shape = f'<v:shape style="width:300pt;height:80pt"><v:textbox>{content}</v:textbox></v:shape>'
    vml = f"<w:pict>{shape}</w:pict>"
    if vml_only:
        return f"<w:r>{vml}</w:r>"
    drawing = (
        '<w:drawing><wp:anchor><wp:docPr w:id="1" name="Text Box 1"/><a:graphic>'
        '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f"<wps:wsp><wps:txbx>{content}</wps:txbx></wps:wsp></a:graphicData></a:graphic>"
        "</wp:anchor></w:drawing>"
    )
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps">'
        f"{drawing}</mc:Choice><mc:Fallback>{vml}</mc:Fallback></mc:AlternateContent></w:r>"
    )


# --- each partnership's form as filled in with Word's form features ------------------------


SALFORD_STAGES = ("Stage 1 – practitioners", "Stage 2 – line managers", "Stage 3 – Service Manager")


def salford_legacy_form_notice(**overrides: str | None) -> bytes:
    """Salford Appendix 2 retyped as a protected Word form: legacy text fields, a
    drop-down stage and two check boxes, in a table with merged cells; the board's
    name in the page header and the return address in the footer."""
    a = _answers(
        overrides,
        child="Jo Bloggs",
        dob="14/02/2017",
        concern=("Jo has missed three health appointments.\nThe referral was closed without a visit."),
        signed="Aisha Khan",
        role="Health Visitor",
        dated="5th March 2026",
        copies="Team Manager, Northside Health; SSCB Business Manager",
        challenged="Salford Children's Services",
        stage=SALFORD_STAGES[1],
        immediate_risk="No",
        **NORTHSIDE,
    )
    fill = lambda key: cell(p(form_text(a[key] or None)))  # noqa: E731
    wide = lambda key: cell(p(form_text(a[key] or None)), span=3)  # noqa: E731
    notice = table(
        row(cell("Name of Child/Young Person:"), fill("child"), cell("D.O.B"), fill("dob")),
        row(cell("Please document any information of concern.", span=4)),
        row(cell(*_form_text_lines(a["concern"]), span=4)),
        row(cell("Signed:"), fill("signed"), cell("Role"), fill("role")),
        row(cell("Dated:"), wide("dated")),
        row(cell("Who has a copy of this notice been sent to?"), wide("copies")),
        columns=4,
    )
    yes, no = a["immediate_risk"] == "Yes", a["immediate_risk"] == "No"
    about_you = table(
        *[row(label, fill(key)) for label, key in _NORTHSIDE_LABELS],
        row("Agency whose decision is challenged", fill("challenged")),
        row("Current stage", cell(p(form_dropdown(("", *SALFORD_STAGES), _index(a["stage"]))))),
        row(
            "Is the child at immediate risk of significant harm?",
            cell(p(form_checkbox(yes), " Yes   ", form_checkbox(no), " No")),
        ),
    )
    return docx_from_xml(
        heading("Appendix 2 – Escalation Notice"),
        notice,
        heading("About you and the disagreement"),
        about_you,
        header=[p("Salford Safeguarding Children Board – Escalation Procedure")],
        footer=[p("Return to; SSCB Business Manager, Sutherland House, Swinton, M27 6AY")],
    )


_NORTHSIDE_LABELS = (
    ("Your name", "your_name"),
    ("Your role", "your_role"),
    ("Your agency", "your_agency"),
    ("Your email", "your_email"),
    ("Telephone", "telephone"),
)


def _index(chosen: str) -> int:
    """The Salford stage drop-down's entry: 0 is the blank first entry."""
    return SALFORD_STAGES.index(chosen) + 1 if chosen in SALFORD_STAGES else 0


def _form_text_lines(text: str) -> list[str]:
    """A paragraph with a text field for each line (one empty field when there is none)."""
    return [p(form_text(line)) for line in text.splitlines()] or [p(form_text(None))]


BARNET_THEMES = (  # Barnet 1, "Examples of disagreements"
    "Level of need",
    "Threshold for investigations and interventions",
    "Roles and responsibilities of professionals / agencies",
    "Whether a case conference should be initiated",
    "Communication between agencies",
    "Progression of plans",
)
BARNET_STAGES = (
    "Stage 1 – discussion between the professionals",
    "Stage 2 – line managers / supervisors",
    "Stage 3 – BSCB representatives",
    "Stage 4 – BSCB Board Manager and Head of Safeguarding",
)


def barnet_content_control_notice(
    *, ticked: Sequence[str] = (BARNET_THEMES[0], BARNET_THEMES[3]), **overrides: str | None
) -> bytes:
    """Barnet names no form: a practitioner's own, built from Word content controls
    (text, drop-down lists, date pickers, check boxes for Barnet's six themes), one
    control left showing its prompt, and controls around a whole row and a whole cell."""
    a = _answers(
        overrides,
        child="Sam Smith",
        dob_shown="03/09/2019",
        dob="2019-09-03",
        your_name="Ben Osei",
        your_role="Designated Safeguarding Lead",
        your_agency="Eastgate Primary School",
        your_email="b.osei@eastgate-school.example",
        telephone="020 7946 0000",
        challenged="Barnet Children's Social Care",
        concern="Concerns about neglect were not taken to a strategy discussion.",
        stage=BARNET_STAGES[2],
        immediate_risk="No",
        outcome="A case conference is held.",
        signed="Ben Osei",
        date_shown="4 March 2026",
        date="2026-03-04",
    )
    control = lambda key: cell(p(_control_or_prompt(a[key])))  # noqa: E731
    themes = [cell(p(checkbox_control(theme in ticked), " " + theme)) for theme in BARNET_THEMES]
    risk = [checkbox_control(a["immediate_risk"] == answer) for answer in ("Yes", "No")]
    form = table(
        row("Child's full name", cell(p(text_control(a["child"], alias="Child's full name")))),
        row("Date of birth", cell(p(date_control(a["dob_shown"], a["dob"], tag="subject.dob")))),
        row("Your name", control("your_name")),
        row("Your role", cell(p(dropdown_control(a["your_role"], ("Teacher", a["your_role"]))))),
        row("Your agency", control("your_agency")),
        row("Your email", control("your_email")),
        row("Telephone", control("telephone")),
        row("Agency you disagree with", cell(p(dropdown_control(a["challenged"], AGENCIES)))),
        row(cell("Nature of disagreement (tick all that apply)", span=2)),
        *[row(themes[i], themes[i + 1]) for i in range(0, len(themes), 2)],
        row("Details of the disagreement", control("concern")),
        row("Stage being escalated to", cell(p(dropdown_control(a["stage"], BARNET_STAGES)))),
        row("Is the child at risk of immediate harm?", cell(p(risk[0], " Yes   ", risk[1], " No"))),
        row("Outcome you are seeking", control("outcome")),
        row("Anything else we should know", cell(p(placeholder_control()))),
        row("Signed", block_control(cell(p(a["signed"])))),
        block_control(row("Date", cell(p(date_control(a["date_shown"], a["date"], LONG_DATE))))),
    )
    title = heading("Barnet Safeguarding Children Board – professional challenge")
    return docx_from_xml(title, form)


LONG_DATE = "d MMMM yyyy"
AGENCIES = ("Barnet Children's Social Care", "Barnet Community Health", "Barnet Police")


def _control_or_prompt(answer: str) -> str:
    return text_control(answer) if answer else placeholder_control()


CONVENE = "Chair's Decision to Convene a Resolution Panel"


def bnes_tracked_changes_notice(**overrides: str | None) -> bytes:
    """B&NES Appendix A as a practitioner revised it with Track Changes on (a stage
    replaced, a sentence reworded, an attempt row deleted and one added), the
    "Yes or No" answered by striking through "or No", and the referral to the Chair."""
    a = _answers(
        overrides,
        child="Alex Example",
        dob="30.06.12",
        your_name="Priya Shah",
        your_role="Housing Officer",
        your_agency="Riverside Housing",
        challenged="B&NES Children's Services",
        referral_date="09/02/2026",
        panel="20/02/2026 – The panel agreed Children's Services will hold a strategy discussion.",
    )
    return docx_from_xml(
        heading("Appendix A"),
        table(
            row("Name of child", a["child"]),
            row("D.O.B", a["dob"]),
            row("Your name", a["your_name"]),
            row("Your role", a["your_role"]),
            row("Your agency", a["your_agency"]),
            row("Agency whose decision is challenged", a["challenged"]),
            row("Stage", cell(p(deleted("Stage 3"), inserted("Stage 4")))),
            row("Is the child/adult at risk of immediate harm?", "No"),
        ),
        p("Details of the disagreement"),
        p(
            "Riverside Housing asked for a joint visit before the eviction; ",
            deleted("none was offered.", revision=3),
            inserted("Children's Services declined it.", revision=4),
        ),
        heading("Attempts to resolve issue"),
        table(
            row("Dates", "Outcome"),
            row("12/01/2026", "Practitioners met; not resolved."),
            row("15/01/2026", "Entered in error.", deleted=True),
            row("19/01/2026", "Line managers met; not resolved."),
            row("02/02/2026", "Service Managers met; not resolved.", inserted=True),
        ),
        heading("Unresolved Dispute and Referral to BCSSP Chair"),
        p(r("Date of Referral: ", bold=True), a["referral_date"]),
        p(r(f"{CONVENE}: ", bold=True), "Yes ", r("or No", strike=True)),
        p(r("Outcome and Date of BCSSP Resolution Panel", bold=True)),
        p(a["panel"]),
    )


BURY_THEMES = (  # Bury children 4, "Differing opinions could arise due to"
    "Levels of need and intervention (thresholds)",
    "Lack of understanding of roles and responsibilities",
    "The need for action and communication",
    "An agency's response to a safeguarding concern",
    "Step up/step down decisions",
    "Resource issues/capacity",
    "Not fulfilling roles as set out in Working Together to Safeguard Children 2023",
    "Non-attendance at statutory meetings",
    "Uni lateral decision making",
)


def bury_children_wingdings_notice(*, ticked: Sequence[str] = (BURY_THEMES[4], BURY_THEMES[7]), **overrides: str | None) -> bytes:
    """Bury children (Greater Manchester policy, which numbers its tiers as levels):
    Bury's nine themes ticked with Wingdings boxes, some inserted as symbols (F0FE,
    F0A8) and some typed in the Wingdings font; a Wingdings 2 yes/no; the blank-form
    habit of writing after the label; the case reference in a text box in the header."""
    a = _answers(
        overrides,
        reference="BURYC-2026-0012",
        child="Kai Doe",
        dob="3rd of September 2019",
        your_name="Tom Reid",
        your_agency="Bury Police",
        challenged="Bury Early Help",
        concern="The family was stepped down to universal services without a meeting.",
        level="Level 2 – line managers",
    )
    themes = [
        p(symbol("Wingdings", "F0FE" if theme in ticked else "F0A8"), " " + theme)
        if number % 2
        else p(r("þ" if theme in ticked else "¨", font="Wingdings"), " " + theme)
        for number, theme in enumerate(BURY_THEMES)
    ]
    return docx_from_xml(
        heading("Bury Safeguarding Partnership – resolving professional disagreements"),
        p(f"Name of child {a['child']}"),
        p(f"D.O.B {a['dob']}"),
        p(f"Your name: {a['your_name']}\tYour agency: {a['your_agency']}"),
        p(f"Agency being challenged: {a['challenged']}"),
        p("Area of disagreement"),
        *themes,
        p("Details of the disagreement"),
        p(a["concern"]),
        p(a["level"]),
        p(
            "Is the child at immediate risk of significant harm?  Yes ",
            r("£", font="Wingdings 2"),
            "   No ",
            r("T", font="Wingdings 2"),
        ),
        header=[p(text_box(f"Case reference: {a['reference']}"))],
    )


def bury_adults_text_box_notice(**overrides: str | None) -> bytes:
    """Bury adults' step 4 referral: the adult's details in a text box, the details
    of the disagreement in an older VML text box, the attempts beside one label
    merged down three rows, the telephone number in the footer."""
    a = _answers(
        overrides,
        adult="Pat Jones",
        dob="12th March 1952",
        your_name="Lee Park",
        your_agency="Bury Adult Social Care",
        your_email="Lee Park <l.park@bury-asc.example>",
        telephone="+44 161 496 0999",
        challenged="Bury Community Mental Health Team",
        step="Step 4 – Referral to the Bury Safeguarding Adults Board",
        imminent_risk="No – the care package is in place",
        role="Senior Practitioner",
        dated="Tuesday 3rd February 2026",
    )
    merged = "Action which has already been taken to resolve it"
    unresolved = "discussed; not resolved"
    return docx_from_xml(
        heading("Referral to the Bury Safeguarding Adults Board"),
        p(text_box(p(f"Name of adult: {a['adult']}"), p(f"D.O.B {a['dob']}"))),
        table(
            row("Your name", a["your_name"]),
            row("Your agency", a["your_agency"]),
            row("Your email", a["your_email"]),
            row("Agency you disagree with", a["challenged"]),
            row("Step", a["step"]),
            row("Is the adult at imminent risk of harm?", a["imminent_risk"]),
            row(cell(merged, vmerge="restart"), f"12/01/2026 – practitioners {unresolved}"),
            row(cell(vmerge="continue"), f"20/01/2026 – line managers {unresolved}"),
            row(cell(vmerge="continue"), f"03/02/2026 – safeguarding leads {unresolved}"),
        ),
        p("Details of the disagreement"),
        p(
            text_box(
                p("Pat was discharged home without the care package agreed."),
                p("The CMHT says the package is not theirs to arrange."),
                vml_only=True,
            )
        ),
        p(f"Signed: {a['your_name']}.....Role: {a['role']}....."),
        p(f"Dated: {a['dated']}"),
        footer=[p(f"Telephone: {a['telephone']}")],
    )


# --- one Word feature each: the smallest document that shows it ---------------------------


def legacy_text_fields_filled_in() -> bytes:
    return docx_from_xml(p("Name of child: ", form_text("Jo Bloggs")), p("D.O.B ", form_text("14/02/2017")))


def legacy_text_fields_left_blank() -> bytes:
    """Unfilled FORMTEXT fields show five en spaces, or the default text the form set."""
    return docx_from_xml(
        p("Name of child: ", form_text(None)),
        p("D.O.B: ", form_text(None, default="DD/MM/YYYY")),
        p("Current stage: ", form_text("2")),
    )


def field_codes_and_results() -> bytes:
    """A mail-merged reference and a DATE field: Word shows the results, not the codes."""
    return docx_from_xml(
        p("Case reference: ", field("MERGEFIELD CaseRef", "SAL-2026-0007")),
        p("Dated: ", field('DATE \\@ "d MMMM yyyy"', "5 March 2026")),
    )


def legacy_checkboxes(yes: bool | None, no: bool | None, *, default: bool = False) -> bytes:
    """FORMCHECKBOX fields: ``None`` leaves a box as the form set it (``default``)."""
    question = "Is the child at immediate risk of significant harm?"
    boxes = [form_checkbox(yes, default=default), " Yes  ", form_checkbox(no), " No"]
    return docx_from_xml(table(row(question, cell(p(*boxes)))))


def legacy_dropdown(index: int | None) -> bytes:
    stages = ("Stage 1", "Stage 2", "Stage 3")
    return docx_from_xml(p("Current stage: ", form_dropdown(stages, index)))


def content_controls_in_a_paragraph() -> bytes:
    return docx_from_xml(
        p(
            "Name of child: ",
            text_control("Jo Bloggs"),
            "\tD.O.B ",
            date_control("14/02/2017", "2017-02-14"),
        ),
    )


def content_control_showing_its_prompt() -> bytes:
    return docx_from_xml(
        table(row("Name of child", cell(p(placeholder_control()))), row("Current stage", "2")),
        block_control(p(r("Click or tap here to enter text.")), tag="concern"),
    )


def content_controls_around_paragraphs_rows_and_cells() -> bytes:
    """Controls at block level (paragraphs), row level (a repeating section) and cell level."""
    return docx_from_xml(
        block_control(p("Name of child: Jo Bloggs"), p("D.O.B 14/02/2017")),
        table(
            row("Dates", "Outcome"),
            block_control(row("12/01/2026", "Practitioners met"), row("19/01/2026", "Managers met")),
            row(block_control(cell("26/01/2026")), block_control(cell("Leads met"))),
        ),
    )


def content_control_checkboxes(yes: bool, no: bool) -> bytes:
    question = "Is the child at immediate risk of significant harm?"
    boxes = [checkbox_control(yes), " Yes ", checkbox_control(no), " No"]
    return docx_from_xml(p(question, " ", *boxes))


def date_picker(shown: str, full_date: str, date_format: str) -> bytes:
    picker = date_control(shown, full_date, date_format)
    return docx_from_xml(table(row("Date of birth", cell(p(picker)))))


def tagged_controls_without_labels() -> bytes:
    """Controls tagged with field paths (as ``escalations forms make`` writes them) and
    no printed label the reader knows; a control tagged with no field is not read."""
    return docx_from_xml(
        p("Child: ", text_control("Jo Bloggs", tag="subject.name")),
        p("Born: ", date_control("14 Feb 2017", "2017-02-14", "d MMM yyyy", tag="subject.dob")),
        p("Favourite colour: ", text_control("Blue", tag="colour")),
    )


def wingdings_symbol_ticks() -> bytes:
    """Boxes inserted with Insert > Symbol: ``w:sym`` Wingdings F0FE (ticked), F0A8 (empty)."""
    return docx_from_xml(
        p("Nature of disagreement"),
        p(symbol("Wingdings", "F0FE"), " Level of need"),
        p(symbol("Wingdings", "F0A8"), " Roles and responsibilities"),
        p(symbol("Wingdings", "F0FE"), " Progression of plans"),
        p("Immediate risk: Yes ", symbol("Wingdings", "F0A8"), " No ", symbol("Wingdings", "F0FC")),
    )


WINGDINGS_2 = "Wingdings 2"


def wingdings_font_ticks() -> bytes:
    """Ticks typed in the Wingdings fonts: "þ"/"¨" (Wingdings) and "R"/"£" (Wingdings 2)."""
    return docx_from_xml(
        p("Nature of disagreement"),
        p(r("¨", font="Wingdings"), " Level of need"),
        p(r("þ", font="Wingdings"), " Information sharing"),
        p("Immediate risk: ", r("R", font=WINGDINGS_2), " Yes ", r("£", font=WINGDINGS_2), " No"),
    )


def typed_x_against_printed_boxes() -> bytes:
    return docx_from_xml(
        table(
            row(
                "Nature of disagreement",
                "☐ Level of need\nX Information sharing\n☐ Progression of plans",
            ),
            row("Immediate risk", "Yes ☐   No X"),
        )
    )


def tick_column_beside_options() -> bytes:
    """A full-width label over rows of options, each with a cell to mark (X, ✓ or blank)."""
    return docx_from_xml(
        table(
            row(cell("Nature of disagreement (tick all that apply)", span=2)),
            row("Level of need", "X"),
            row("Roles and responsibilities", ""),
            row("Whether a case conference should be initiated", "✓"),
            row("Progression of plans", ""),
            row("Current stage", "2"),
        )
    )


def tick_grid_nested_in_the_answer_cell() -> bytes:
    options = table(row("Level of need", ""), row("Information sharing", "X"), row("Progression of plans", ""))
    return docx_from_xml(table(row("Nature of disagreement", cell(options)), row("Current stage", "3")))


def yes_no_as_a_row_of_cells(yes: str, no: str) -> bytes:
    question = "Is the child at immediate risk of significant harm?"
    return docx_from_xml(table(row(question, "Yes", yes, "No", no), columns=5))


def label_row_over_answer_row() -> bytes:
    """A label across the table, its answer across the row below (a big box to write in)."""
    return docx_from_xml(
        table(
            row(cell("Name of child", span=2)),
            row(cell("Jo Bloggs", span=2)),
            row(cell("Details of the disagreement", span=2)),
            row(cell("The referral was closed.", "No visit was made.", span=2)),
            row(cell("Outcome you are seeking", span=2)),
            row(cell(r("Section 3: about the other agency", bold=True), span=2)),
            row(cell("Their role", span=2)),
        )
    )


def answer_continues_below_a_blank_label_cell() -> bytes:
    return docx_from_xml(
        table(
            row("Nature of disagreement", "☒ Level of need"),
            row("", "☒ Progression of plans"),
            row("Details of the disagreement", "The referral was closed."),
            row("", "No visit was made."),
            row("Current stage", "2"),
            row("", "Team meeting notes attached"),
        )
    )


def text_box_holding_answers(*, vml_only: bool = False) -> bytes:
    return docx_from_xml(
        p("Details of the disagreement"),
        p(text_box(p("The referral was closed."), p("No visit was made."), vml_only=vml_only)),
        p("Current stage: 2"),
    )


def tracked_changes_in_answers() -> bytes:
    return docx_from_xml(
        p("Name of child: ", deleted("Joe Blogs"), inserted("Jo Bloggs")),
        p("Current stage: ", inserted("3"), deleted("2")),
        table(
            row("Dates", "Outcome"),
            row("12/01/2026", "Practitioners met"),
            row("13/01/2026", "Typed in error", deleted=True),
            row("19/01/2026", cell(p("Managers met", deleted("; no change")))),
        ),
    )


def struck_through_yes_or_no(struck: str) -> bytes:
    """ "Yes / No – delete as appropriate", answered by striking one word through."""
    words = [r(word, strike=word == struck) for word in ("Yes", " / ", "No")]
    return docx_from_xml(p("Is the child at immediate risk of significant harm? ", *words))


def hidden_text() -> bytes:
    return docx_from_xml(p("Name of child: Jo Bloggs", r(" (old: Joe Bloggs)", hidden=True)))


def line_breaks_within_one_paragraph() -> bytes:
    """Shift+Enter: one paragraph, several lines, each its own label."""
    return docx_from_xml(p("Name of child: Jo Bloggs\nD.O.B: 14/02/2017\nCurrent stage: 2"))


def headings_end_answers() -> bytes:
    return docx_from_xml(
        p("Details of the disagreement"),
        p("The referral was closed."),
        p("Section 3", style="Heading1"),
        p("Nothing here is the concern."),
    )


def tables_nested(depth: int) -> bytes:
    """``depth`` tables, each in the only cell of the one around it."""
    inner = table(row("Name of child", "Jo Bloggs"))
    for _ in range(depth - 1):
        inner = table(row(cell(inner)), columns=1)
    return docx_from_xml(inner)


def cell_spanning_huge_grid() -> bytes:
    """A cell claiming to span a billion grid columns (a hostile file, not Word's)."""
    big = '<w:tc><w:tcPr><w:gridSpan w:val="1000000000"/></w:tcPr><w:p/></w:tc>'
    return docx_from_xml(table(row("Name of child", "Jo Bloggs"), row(big)))


def doctype_after_a_long_comment() -> bytes:
    """A document type declaration pushed past the first 64 KB by a comment."""
    data = legacy_text_fields_filled_in()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        prolog, _, rest = package.read("word/document.xml").partition(b"?>")
    padding = b"<!--" + b" " * 100_000 + b"-->"
    declared = prolog + b"?>" + padding + b"<!DOCTYPE x [<!ENTITY a 'b'>]>" + rest
    return _replace_part(data, "word/document.xml", declared)


# --- mutated documents, for the reader's never-crash test --------------------------------

_W = f"{{{NAMESPACES['w']}}}"
_ODD_VALUES = (
    "",
    "-1",
    "0",
    "1",
    "99999999999",
    "continue",
    "restart",
    "begin",
    "separate",
    "end",
    "F0FE",
    "zzzz",
    "2019-13-45",
    "true",
    "off",
)
_WRAPPERS = ("sdt", "ins", "del", "customXml", "hyperlink")
_ODD_ELEMENTS = (
    "fldChar",
    "tc",
    "tr",
    "p",
    "tbl",
    "vMerge",
    "gridSpan",
    "sym",
    "checkBox",
    "ddList",
    "date",
    "txbxContent",
    "sdt",
    "sdtContent",
    "ins",
    "del",
)


def mutated_documents(data: bytes, *, count: int, seed: int) -> Iterable[bytes]:
    """``count`` copies of a .docx, each with its body's XML reshaped at random.

    Still well-formed XML (a parse error is the easy case): elements removed,
    wrapped in controls or revisions, moved, given odd attributes and odd children.
    """
    rng = random.Random(seed)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        original = package.read("word/document.xml")
    for _ in range(count):
        yield _replace_part(data, "word/document.xml", _mutated(original, rng))


def _mutated(xml: bytes, rng: random.Random) -> bytes:
    root = etree.fromstring(xml)
    elements = list(root.iter())
    for _ in range(rng.randint(1, 6)):
        element = rng.choice(elements)
        parent = element.getparent()
        change = rng.randrange(5)
        if change == 0 and parent is not None:
            parent.remove(element)
        elif change == 1 and parent is not None:
            wrapper = etree.Element(_W + rng.choice(_WRAPPERS))
            parent.replace(element, wrapper)
            wrapper.append(element)
        elif change == 2:
            for name in list(element.attrib) or [_W + "val"]:
                element.set(name, rng.choice(_ODD_VALUES))
        elif change == 3:
            odd = etree.SubElement(element, _W + rng.choice(_ODD_ELEMENTS))
            attribute = rng.choice(("val", "fldCharType", "char", "font", "fullDate"))
            odd.set(_W + attribute, rng.choice(_ODD_VALUES))
        else:
            element.text = rng.choice(("", "☒", "X", "\u2002" * 5, "þ", "Name of child: Jo", None))
    return etree.tostring(root)


def _replace_part(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
            for item in source.infolist():
                copy.writestr(item, content if item.filename == name else source.read(item))
    return out.getvalue()
