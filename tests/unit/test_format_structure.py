"""Structure that other tools' output keeps and the readers must not lose (issue 9, reader-formats).

Each case is the smallest real document showing one way LibreOffice, Word or a
PDF printer lays out what a python-docx form shows plainly; the expected values
are what a person reading the page would copy out.
"""

from __future__ import annotations

import io

import docx
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from escalations.intake.notices import sandbox
from escalations.intake.notices.docx_reader import read_docx
from escalations.intake.notices.pdf_reader import read_pdf


def word_values(document: docx.document.Document) -> list[tuple[str, str]]:
    buffer = io.BytesIO()
    document.save(buffer)
    return [(value.label, value.value) for value in read_docx(buffer.getvalue())]


def pdf_values(draw) -> list[tuple[str, str]]:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    draw(canvas)
    canvas.save()
    return [(value.label, value.value) for value in read_pdf(buffer.getvalue()).values]


@pytest.fixture
def in_process(monkeypatch):
    """Parsing alone, in this process: no sandbox child (sandbox.ISOLATED), so the cases stay quick."""
    monkeypatch.setattr(sandbox, "ISOLATED", False)


# --- Word ----------------------------------------------------------------------------------------


def test_a_bold_label_run_straight_into_its_answer_is_split_there():
    """LibreOffice writes an HTML label in a fixed-width box as a bold run and the plain answer after it."""
    document = docx.Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("Name of child").bold = True
    paragraph.add_run("Jo Bloggs")
    assert word_values(document) == [("Name of child", "Jo Bloggs")]


def test_a_bold_word_inside_a_sentence_is_not_a_label():
    document = docx.Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("Details of the disagreement: the case was ")
    paragraph.add_run("closed").bold = True
    paragraph.add_run(" without a meeting.")
    assert word_values(document) == [("Details of the disagreement", "the case was closed without a meeting.")]


def test_a_table_in_a_cell_under_a_heading_row_is_read_as_its_own_form():
    """.doc runs two adjacent tables together: the second's nested table lands under the first's headings."""
    document = docx.Document()
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Referrer", "Agency being challenged"
    table.cell(1, 0).text, table.cell(1, 1).text = "Ann Smith", "Salford Police"
    inner = table.cell(2, 0).add_table(rows=2, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "Stage", "2"
    inner.cell(1, 0).text, inner.cell(1, 1).text = "Immediate risk", "No"
    found = word_values(document)
    assert ("Stage", "2") in found and ("Immediate risk", "No") in found
    assert [value for label, value in found if label == "Referrer"] == ["Ann Smith"]


def test_a_table_as_a_labels_answer_gives_its_own_labels():
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Your details"
    inner = table.cell(0, 1).add_table(rows=2, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "Name", "Ann Smith"
    inner.cell(1, 0).text, inner.cell(1, 1).text = "Role", "Health Visitor"
    assert word_values(document) == [("Name", "Ann Smith"), ("Role", "Health Visitor")]


# --- PDF -------------------------------------------------------------------------------------------


def _grid(canvas: Canvas, rows: list[tuple[str, list[str]]], x: tuple[float, float, float], top: float = 760) -> None:
    """A ruled two-column table; each answer given as the lines it wraps to in its narrow cell."""
    y = top
    for label, lines in rows:
        height = 14 * len(lines) + 8
        canvas.rect(x[0], y - height, x[1] - x[0], height)
        canvas.rect(x[1], y - height, x[2] - x[1], height)
        canvas.setFont("Helvetica-Bold", 10)
        canvas.drawString(x[0] + 4, y - 14, label)
        canvas.setFont("Helvetica", 10)
        for number, line in enumerate(lines):
            canvas.drawString(x[1] + 4, y - 14 - 14 * number, line)
        y -= height


def _edge_lines(text: str, width: float) -> list[str]:
    """``text`` broken where it reaches ``width`` points, as Word breaks a word longer than its cell."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for ch in text:
        if stringWidth(line + ch, "Helvetica", 10) > width:
            lines, line = [*lines, line], ""
        line += ch
    return [*lines, line]


def test_a_word_broken_at_a_narrow_cells_edge_is_joined_again(in_process):
    email = "claire.sutcliffe@childrens.salford.example"
    cell = _edge_lines(email, 92)
    assert len(cell) > 1

    def draw(canvas: Canvas) -> None:
        _grid(canvas, [("Email", cell)], (50, 200, 300))

    assert pdf_values(draw) == [("Email", email)]


def test_a_line_wrapped_at_a_hyphen_joins_without_a_space(in_process):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    first = "Nobody visited Amelia-"
    right = 200 + 8 + stringWidth(first, "Helvetica", 10) + 2  # "Amelia-Rose" does not fit; "Amelia-" does

    def draw(canvas: Canvas) -> None:
        _grid(canvas, [("Details of the disagreement", [first, "Rose at home."])], (50, 200, right))

    assert pdf_values(draw) == [("Details of the disagreement", "Nobody visited Amelia-Rose at home.")]


def test_dotted_leaders_between_a_label_and_its_answer_are_a_gap(in_process):
    def draw(canvas: Canvas) -> None:
        canvas.setFont("Helvetica", 10)
        canvas.drawString(50, 760, "Details of the disagreement ..........")
        canvas.drawString(225, 760, "The case was closed without a meeting and we")
        canvas.drawString(225, 746, "were not told why.")

    assert pdf_values(draw) == [
        ("Details of the disagreement", "The case was closed without a meeting and we were not told why.")
    ]


def test_a_tabbed_form_with_a_second_label_on_a_line_is_not_two_columns(in_process):
    def draw(canvas: Canvas) -> None:
        canvas.setFont("Helvetica-Bold", 11)
        canvas.drawString(50, 780, "Section A - Child")
        canvas.setFont("Helvetica", 10)
        for y, left, right in ((760, ("Name:", "Ruby Hussain"), ("D.O.B:", "09/03/2023")),):
            canvas.drawString(50, y, left[0])
            canvas.drawString(160, y, left[1])
            canvas.drawString(330, y, right[0])
            canvas.drawString(380, y, right[1])
        canvas.setFont("Helvetica-Bold", 11)
        canvas.drawString(50, 740, "Section B - Practitioner raising the disagreement")
        canvas.setFont("Helvetica", 10)
        canvas.drawString(50, 720, "Name:")
        canvas.drawString(160, 720, "Claire Sutcliffe")
        canvas.drawString(330, 720, "Email:")
        canvas.drawString(380, 720, "c.s@salford.example")

    found = pdf_values(draw)
    assert found.index(("D.O.B", "09/03/2023")) < found.index(("Name", "Claire Sutcliffe"))


def test_a_section_heading_beside_a_blank_cell_scopes_the_generic_labels_below(in_process):
    """A ruled table whose heading row is not merged: "Section 3: … you disagree with | (blank)"."""
    from tests.corpus.tools import printed_pdf

    data = printed_pdf(
        "Form",
        [
            (
                "t",
                [
                    ("Section 2 – Your details", ""),
                    ("Name", "Jo Bloggs"),
                    ("Section 3 – Details of the agency you disagree with", ""),
                    ("Name", "Al Smith"),
                ],
            )
        ],
    )
    paths = {value.value: value.path for value in read_pdf(data).values if value.value}
    assert paths == {"Jo Bloggs": "raised_by.name", "Al Smith": "challenged.name"}
