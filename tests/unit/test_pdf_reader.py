"""Reading PDF notices: fillable forms, tables, label/value text over pages, and PDFs we refuse."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from escalations.intake.notices import pdf_reader, sandbox
from escalations.intake.notices.docx_reader import UnreadableDocument
from escalations.intake.notices.fields import LabelledValue
from escalations.intake.notices.model import Attempt, Challenged, Notice, Person, Problem, Signed, Subject
from escalations.intake.notices.pdf_reader import read_pdf
from escalations.intake.notices.reader import Attachment, read_notice
from tests.support import pdfs

TODAY = date(2026, 3, 6)
NAME = "Jo Bloggs escalation.pdf"  # personal data: never repeated in a problem


def read(data: bytes, *, partnership: str | None = None, body: str | None = None) -> Notice:
    return read_notice([Attachment(NAME, "application/pdf", data)], body, today=TODAY, partnership=partnership)


@pytest.fixture
def in_process(monkeypatch):
    """Pure parsing tests: no child process (sandbox.ISOLATED), so many cases stay quick."""
    monkeypatch.setattr(sandbox, "ISOLATED", False)


# --- each layout, read whole (through the sandbox, as the pipeline reads) -----------------------

SALFORD_CONCERN = "Jo has missed three health appointments.\nThe referral was closed without a visit."
TWO_PAGE_CONCERN = "\n".join(pdfs.TWO_PAGE_CONCERN)
BNES_CONCERN = (
    "Riverside Housing asked for a joint visit before the eviction; Children's Services declined it "
    "without giving the family a reason or a date."
)

SALFORD_FORM = Notice(
    subject=Subject(kind="child", name="Jo Bloggs", dob=date(2017, 2, 14)),
    raised_by=Person(name="Aisha Khan", agency="Northside Health", email="a.khan@northside-health.example"),
    challenged=Challenged(agency="Salford Children's Services"),
    categories=["thresholds", "case_conference"],
    concern=SALFORD_CONCERN,
    immediate_risk=False,
    stage=2,
    copies_to=["Team Manager, Northside Health"],
    signed=Signed(name="Aisha Khan", role="Health Visitor", date=date(2026, 3, 5)),
)

LAYOUTS = {
    "fillable form: named, tooltip, path and anonymous fields, radios, check boxes, two pages": (
        pdfs.acroform_notice,
        SALFORD_FORM,
    ),
    "the same form encrypted with an owner password only (it opens without one)": (
        pdfs.owner_password_notice,
        SALFORD_FORM,
    ),
    "fillable form of anonymous fields beside printed labels": (
        pdfs.anonymous_acroform_notice,
        Notice(
            subject=Subject(kind="child", name="Jo Bloggs", dob=date(2017, 2, 14)),
            raised_by=Person(name="Aisha Khan"),
            challenged=Challenged(agency="Salford Children's Services"),
            immediate_risk=False,
        ),
    ),
    "printed from Word: placed words, a tab, dotted leaders, a table": (
        pdfs.word_style_notice,
        Notice(
            subject=Subject(kind="child", name="Jo Bloggs", dob=date(2017, 2, 14)),
            raised_by=Person(
                name="Aisha Khan",
                role="Health Visitor",
                agency="Northside Health",
                email="a.khan@northside-health.example",
                phone="0161 496 0000",
            ),
            challenged=Challenged(agency="Salford Children's Services"),
            concern=SALFORD_CONCERN,
            immediate_risk=False,
            stage=2,
            copies_to=["Team Manager, Northside Health"],
            signed=Signed(name="Aisha Khan", role="Health Visitor", date=date(2026, 3, 5)),
        ),
    ),
    "two pages: labels beside answers, wrapped answers, a concern over the page break": (
        pdfs.two_page_notice,
        Notice(
            subject=Subject(kind="child", name="Sam Smith", dob=date(2019, 9, 3)),
            raised_by=Person(
                name="Ben Osei",
                role="Designated Safeguarding Lead",
                agency="Eastgate Primary School",
                email="b.osei@eastgate-school.example",
            ),
            challenged=Challenged(agency="Barnet Children's Social Care, Early Help and Family Support Assessment Team (North)"),
            concern=TWO_PAGE_CONCERN,
            immediate_risk=False,
            stage=3,
            outcome_sought="A strategy discussion is held and Sam is seen.",
            signed=Signed(name="Ben Osei"),
        ),
    ),
    "ruled tables: label | answer rows, then Dates | Outcome": (
        pdfs.bnes_table_notice,
        Notice(
            subject=Subject(kind="child", name="Alex Example", dob=date(2012, 6, 30)),
            raised_by=Person(name="Priya Shah", agency="Riverside Housing"),
            challenged=Challenged(agency="B&NES Children's Services"),
            concern=BNES_CONCERN,
            immediate_risk=False,
            stage=3,
            attempts=[
                Attempt(date(2026, 1, 12), "Practitioners met; not resolved."),
                Attempt(date(2026, 1, 19), "Line managers met; not resolved."),
            ],
        ),
    ),
}


@pytest.mark.parametrize(("build", "expected"), LAYOUTS.values(), ids=LAYOUTS.keys())
def test_each_layout_reads_to_its_notice(build, expected):
    assert read(build()) == expected


@pytest.mark.parametrize(
    ("build", "value"),
    [
        (pdfs.acroform_notice, LabelledValue("Signed", "Aisha Khan", "pdf page 2 field 'Signed'")),
        (pdfs.acroform_notice, LabelledValue("Date of birth", "14/02/2017", "pdf page 1 field 'Text2'")),
        (pdfs.acroform_notice, LabelledValue("Your agency", "Northside Health", "pdf page 1 line 5")),
        (pdfs.word_style_notice, LabelledValue("D.O.B", "14/02/2017", "pdf page 1 line 2")),
        (pdfs.bnes_table_notice, LabelledValue("Outcome", "Line managers met; not resolved.", "pdf page 1 table 2 row 3")),
        (
            pdfs.two_page_notice,
            LabelledValue("Outcome you are seeking", "A strategy discussion is held and Sam is seen.", "pdf page 2 line 5"),
        ),
    ],
)
def test_each_value_names_where_it_was_found(build, value):
    assert value in read_pdf(build()).values


def test_the_notice_keeps_the_source_of_each_field():
    sources = read(pdfs.acroform_notice()).sources
    assert sources["signed.name"] == ["pdf page 2 field 'Signed'"]
    assert sources["raised_by.agency"] == ["pdf page 1 line 5"]


def test_headers_and_footers_do_not_break_an_answer_over_the_page():
    values = read_pdf(pdfs.two_page_notice()).values
    assert not any("OFFICIAL" in v.value or "Page 1" in v.value for v in values)


# --- form fields, one naming habit a line ---------------------------------------------------------


def fields_pdf(*fields: tuple) -> bytes:  # type: ignore[type-arg]
    """Fields and nothing else on the page: only their names and values can say anything."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    form = canvas.acroForm
    y = 760
    for kind, name, tooltip, value in fields:
        if kind == "text":
            form.textfield(name=name, tooltip=tooltip, value=value, x=300, y=y, width=200, height=18)
        elif kind == "check":
            form.checkbox(name=name, tooltip=tooltip, checked=value, x=300, y=y, size=12)
        elif kind == "choice":
            form.choice(
                name=name,
                tooltip=tooltip,
                value=value,
                options=["Stage 1", "Stage 2", "Stage 3"],
                x=300,
                y=y,
                width=200,
                height=18,
            )
        else:
            for x, choice in zip((300, 340, 380), tooltip):
                form.radio(name=name, value=choice, selected=choice == value, x=x, y=y, size=12)
        y -= 30
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


RISK = "Is the child at immediate risk of significant harm?"


@pytest.mark.parametrize(
    ("fields", "attribute", "expected"),
    [
        ([("text", "Date of birth", None, "14/02/2017")], "subject.dob", date(2017, 2, 14)),
        ([("text", "Text7", "D.O.B", "14/02/2017")], "subject.dob", date(2017, 2, 14)),
        ([("text", "subject.dob", None, "14/02/2017")], "subject.dob", date(2017, 2, 14)),
        ([("text", "Attempt 1.Date", None, "12/01/2026")], "signed.date", None),
        ([("check", RISK, None, True)], "immediate_risk", True),
        ([("check", RISK, None, False)], "immediate_risk", None),  # unticked: unanswered, not "no"
        ([("check", "Immediate risk.Yes", None, False), ("check", "Immediate risk.No", None, True)], "immediate_risk", False),
        ([("check", "Immediate risk.Yes", None, True), ("check", "Immediate risk.No", None, True)], "immediate_risk", None),
        (
            [
                ("check", "Nature of disagreement.Thresholds", None, True),
                ("check", "Nature of disagreement.Resources", None, False),
            ],
            "categories",
            ["thresholds"],
        ),
        ([("check", "categories.case_conference", None, True)], "categories", ["case_conference"]),
        ([("radio", "Current stage", ("1", "2", "3"), "3")], "stage", 3),
        ([("radio", "Current stage", ("1", "2", "3"), None)], "stage", None),
        ([("radio", "immediate_risk", ("Yes", "No"), "Yes")], "immediate_risk", True),
        ([("choice", "Current stage", None, "Stage 2")], "stage", 2),
        ([("text", "Text1", None, "Jo Bloggs")], "subject.name", None),  # no name, no label beside it
    ],
)
def test_form_fields(in_process, fields, attribute, expected):
    notice = read(fields_pdf(*fields))
    owner, _, name = attribute.rpartition(".")
    assert getattr(getattr(notice, owner) if owner else notice, name) == expected


def test_nested_fields_inherit_their_type_and_their_check_boxes_are_options():
    notice = read(pdfs.hierarchical_form_notice())
    assert (notice.immediate_risk, notice.categories, notice.problems) == (False, ["thresholds"], [])
    assert notice.sources["immediate_risk"] == ["pdf page 1 field 'Immediate risk'"]


def test_a_contradictory_pair_of_boxes_is_a_problem_not_a_guess(in_process):
    fields = [("check", "Immediate risk.Yes", None, True), ("check", "Immediate risk.No", None, True)]
    assert [p.field for p in read(fields_pdf(*fields)).problems] == ["immediate_risk"]


def test_a_field_answer_and_the_body_that_disagree_leave_the_field_empty(in_process):
    notice = read(fields_pdf(("text", "Date of birth", None, "14/02/2017")), body="Date of birth: 15/02/2017")
    assert notice.subject.dob is None
    assert notice.problems == [
        Problem("subject.dob", "Different answers in pdf page 1 field 'Date of birth' and email body line 1; none was used.")
    ]


# --- PDFs we cannot or must not read: one problem each, said to the sender ------------------------

REFUSED = {
    "scan": (pdfs.scanned_notice(), pdf_reader.SCANNED),
    "scan of two pages": (pdfs.scanned_notice(pages=2), pdf_reader.SCANNED),
    "password (AES-256)": (pdfs.encrypted_notice("AES-256"), pdf_reader.ENCRYPTED),
    "password (AES-128)": (pdfs.encrypted_notice("AES-128"), pdf_reader.ENCRYPTED),
    "password (RC4-128)": (pdfs.encrypted_notice("RC4-128"), pdf_reader.ENCRYPTED),
    "21 pages": (
        pdfs.pages_notice(21),
        "The PDF has more than 20 pages, more than a notice has; please send the notice form on its own.",
    ),
    "LiveCycle (XFA) form": (pdfs.xfa_only_notice(), pdf_reader.XFA),
    "a blank page": (pdfs.pages_notice(1, text=False), pdf_reader.NO_TEXT),
    **{f"damaged: {name}": (data, pdf_reader.DAMAGED) for name, data in pdfs.damaged_notices().items()},
}


@pytest.mark.parametrize(("data", "says"), REFUSED.values(), ids=REFUSED.keys())
def test_refused_pdfs_are_unreadable(data, says):
    with pytest.raises(UnreadableDocument, match=re.escape(says)):
        read_pdf(data)


@pytest.mark.parametrize(("data", "says"), REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_pdf_is_one_document_problem_and_the_body_is_not_read_instead(data, says):
    notice = read(data, body="Name of child: Jo Bloggs")
    assert notice.problems == [Problem("document", f"attachment 1 (.pdf): {says}")]
    assert not notice.has_content  # the body was a covering note, not the notice


def test_the_page_limit_is_inclusive():
    assert read_pdf(pdfs.pages_notice(20)).values == []
    with pytest.raises(UnreadableDocument, match="more than 19 pages"):
        read_pdf(pdfs.pages_notice(20), max_pages=19)


def test_a_scanned_page_among_typed_ones_is_said_and_the_rest_is_read():
    notice = read(pdfs.partly_scanned_notice())
    assert (notice.subject.name, notice.subject.dob) == ("Jo Bloggs", date(2017, 2, 14))
    assert notice.problems == [
        Problem("document", "attachment 1 (.pdf): Page 2 of the PDF is a scanned image with no text; it was not read.")
    ]


def test_the_scan_problem_tells_the_sender_what_to_send():
    assert pdf_reader.SCANNED == ("The attached PDF is a scan with no text; please send the Word form or a PDF saved from Word.")


def test_a_pdf_sent_under_another_name_is_read_by_its_bytes():
    attachment = Attachment("scan0001", "application/octet-stream", pdfs.anonymous_acroform_notice())
    assert read_notice([attachment], None, today=TODAY).subject.name == "Jo Bloggs"
