"""Printed PDFs of probe set 9's kinds, each a minimal page of its own: a row of labels above boxes, two
columns of labels above boxes under a heading each, two columns of "label [box]" under bold side
headings, and options whose boxes are drawn with an X typed in the ticked ones."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from escalations.intake.notices.pdf_reader import read_pdf


def _page(draw) -> bytes:
    buffer = io.BytesIO()
    page = Canvas(buffer, pagesize=A4, invariant=1)
    draw(page)
    page.save()
    return buffer.getvalue()


def _text(page: Canvas, x: float, y: float, words: str, *, bold: bool = False) -> None:
    page.setFont("Helvetica-Bold" if bold else "Helvetica", 9 if not bold else 10)
    page.drawString(x, y, words)


def _fields(data: bytes) -> dict[str, str]:
    return {value.path: value.value for value in read_pdf(data).values if value.path}


def test_a_row_of_labels_above_boxes_pairs_each_label_with_the_answer_under_it():
    def draw(page: Canvas) -> None:
        _text(page, 50, 760, "Name of child", bold=True)
        _text(page, 320, 760, "Date of birth", bold=True)
        page.rect(50, 730, 250, 22)
        page.rect(320, 730, 220, 22)
        _text(page, 54, 740, "Ruby Whittaker")
        _text(page, 324, 740, "01/02/2019")

    found = _fields(_page(draw))
    assert (found["subject.name"], found["subject.dob"]) == ("Ruby Whittaker", "01/02/2019")


def test_two_columns_of_labels_above_boxes_under_a_heading_each():
    def draw(page: Canvas) -> None:
        _text(page, 50, 760, "Practitioner raising the challenge", bold=True)
        _text(page, 320, 760, "Professional whose decision is challenged", bold=True)
        for row, (label, left, right) in enumerate(
            (("Name", "Jo Bloggs", "Al Smith"), ("Role", "Health Visitor", "Team Manager"), ("Agency", "Bury 0-19", "Bury CSC"))
        ):
            y = 735 - 45 * row
            _text(page, 50, y, label, bold=True)
            _text(page, 320, y, label, bold=True)
            _text(page, 54, y - 18, left)
            _text(page, 324, y - 18, right)

    found = _fields(_page(draw))
    assert (found["raised_by.name"], found["raised_by.role"], found["raised_by.agency"]) == (
        "Jo Bloggs",
        "Health Visitor",
        "Bury 0-19",
    )
    assert (found["challenged.name"], found["challenged.role"], found["challenged.agency"]) == (
        "Al Smith",
        "Team Manager",
        "Bury CSC",
    )


def test_a_label_column_with_its_answers_beside_it_stays_label_and_answer():
    def draw(page: Canvas) -> None:
        _text(page, 50, 760, "Name of child", bold=True)
        _text(page, 230, 760, "Ruby Whittaker")
        _text(page, 50, 740, "Date of birth", bold=True)
        _text(page, 230, 740, "01/02/2019")

    found = _fields(_page(draw))
    assert (found["subject.name"], found["subject.dob"]) == ("Ruby Whittaker", "01/02/2019")


def test_two_columns_of_labels_and_answers_under_bold_side_headings_worded_as_labels():
    def draw(page: Canvas) -> None:
        _text(page, 50, 760, "Referrer", bold=True)
        _text(page, 310, 760, "Agency you are escalating to", bold=True)
        for row, (left, lvalue, right, rvalue) in enumerate(
            (("Name", "Jo Bloggs", "Agency", "Bury CSC"), ("Agency", "Bury 0-19", "Contact", "Al Smith"))
        ):
            y = 738 - 22 * row
            _text(page, 50, y, left)
            _text(page, 112, y, lvalue)
            _text(page, 310, y, right)
            _text(page, 372, y, rvalue)
        _text(page, 50, 680, "Concern", bold=True)
        _text(page, 50, 662, "Nobody from the other agency came to the last two core group meetings about Ruby at all.")

    found = _fields(_page(draw))
    assert (found["raised_by.name"], found["raised_by.agency"]) == ("Jo Bloggs", "Bury 0-19")
    assert (found["challenged.agency"], found["challenged.name"]) == ("Bury CSC", "Al Smith")
    assert found["concern"].startswith("Nobody from the other agency")


def test_options_with_drawn_boxes_count_only_those_with_an_x_typed_in():
    def draw(page: Canvas) -> None:
        _text(page, 50, 760, "Nature of the disagreement (tick all that apply)", bold=True)
        for row, (words, ticked) in enumerate(
            (("Information sharing", False), ("Referral not accepted", True), ("Unilateral decision making", False))
        ):
            y = 740 - 16 * row
            page.rect(50, y - 2, 10, 10)
            if ticked:
                _text(page, 52, y, "X", bold=True)
            _text(page, 66, y, words)

    assert read_pdf(_page(draw)).values[0].value.count("\n") == 2
    from escalations.intake.notices.normalise import parse_categories

    assert parse_categories(read_pdf(_page(draw)).values[0].value) == ["referral_not_accepted"]


def test_a_bold_label_alone_does_not_run_on_into_the_wide_field_under_it():
    def draw(page: Canvas) -> None:
        _text(page, 50, 760, "Concern", bold=True)
        page.acroForm.textfield(
            name="untitled9", tooltip="", x=50, y=690, width=490, height=60, value=CONCERN, fieldFlags="multiline", fontSize=9
        )

    assert _fields(_page(draw))["concern"] == CONCERN


CONCERN = "Nobody from the other agency came to the last two core group meetings about Ruby."


def test_check_boxes_under_a_printed_question_beside_a_text_field_asking_the_same():
    def draw(page: Canvas) -> None:
        _text(page, 50, 780, "Describe the disagreement", bold=True)
        page.acroForm.textfield(
            name="Text Field 1", tooltip="What the disagreement is about", x=50, y=740, width=490, height=30, value=CONCERN
        )
        _text(page, 50, 720, "What is the disagreement about? (tick all that apply)", bold=True)
        for row, (words, ticked) in enumerate((("Information sharing", False), ("Referral not accepted", True))):
            y = 700 - 16 * row
            page.acroForm.checkbox(name=f"Check Box {row + 1}", tooltip=words, x=50, y=y - 3, size=11, checked=ticked)
            _text(page, 68, y, words)

    reading = read_pdf(_page(draw)).values
    boxes = [value for value in reading if value.path is None or value.path == "concern"]
    assert any(value.value == CONCERN for value in reading)
    assert any("☒ Referral not accepted" in value.value for value in boxes)
