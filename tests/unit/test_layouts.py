"""Layouts other partnerships' forms use, in Word, PDF and email bodies (issue 9).

Label above its answer; several labels on one line; one answer holding several facts;
sections reusing "Name" and "Organisation" for different people; a stage ticked in a row
of boxes; a notice written into an email and signed; fillable PDF fields named "Text7";
a legacy .doc converted by LibreOffice. Every reading says which label and rule gave it.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from escalations.intake.html_text import html_to_text as html_text
from escalations.intake.notices.reader import Attachment, read_notice
from tests.support import forms, pdfs
from tests.support.forms import cell, docx_from_xml, heading, p, row, table

TODAY = date(2026, 3, 10)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")


def read_word(data: bytes):
    return read_notice([Attachment("notice.docx", DOCX, data)], None, today=TODAY)


def read_pdf(data: bytes):
    return read_notice([Attachment("notice.pdf", PDF, data)], None, today=TODAY)


def read_body(text: str):
    return read_notice([], text, today=TODAY)


# --- Word ---------------------------------------------------------------------------------------


def test_word_bold_labels_with_their_answers_on_the_next_line():
    notice = read_word(
        docx_from_xml(
            heading("Name of the young person"),
            p("Amelia-Rose O'Connor"),
            heading("Organisation you are escalating to"),
            p("Camden Children's Services"),
            heading("Which stage are you at?"),
            p("Stage 2"),
        )
    )
    assert (notice.subject.name, notice.challenged.agency, notice.stage) == (
        "Amelia-Rose O'Connor",
        "Camden Children's Services",
        2,
    )
    assert notice.readings["challenged.agency"] == [
        "'Organisation you are escalating to' (synonyms:challenged-agency) in docx paragraph 3"
    ]


def test_word_two_labels_on_one_line_apart_by_spaces():
    notice = read_word(
        docx_from_xml(
            p("Name of Child/Young Person: Amelia-Rose O'Connor     D.O.B 3rd September 2019"),
        )
    )
    assert (notice.subject.name, notice.subject.dob) == ("Amelia-Rose O'Connor", date(2019, 9, 3))


def test_word_one_answer_holding_several_facts_is_split_where_plain():
    notice = read_word(
        docx_from_xml(
            table(
                row("Name and date of birth of the child", "Mohammed Al-Rashid, 22/09/2018"),
                row("Your details (name, role, agency)", "Claire Bennett, School Nurse, Central London Community Healthcare"),
                row("Agency B (concern about)", "Camden Children's Services"),
            ),
        )
    )
    assert (notice.subject.name, notice.subject.dob) == ("Mohammed Al-Rashid", date(2018, 9, 22))
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == (
        "Claire Bennett",
        "School Nurse",
        "Central London Community Healthcare",
    )
    assert notice.challenged.agency == "Camden Children's Services"
    assert notice.readings["raised_by.role"] == [
        "'Your details (name, role, agency)' (composite:raiser part) in docx table 1 row 2"
    ]


def test_word_completed_by_a_name_and_a_role_is_not_all_a_name():
    notice = read_word(docx_from_xml(p("Completed by: Hannah Ogunleye, Specialist Health Visitor")))
    assert (notice.raised_by.name, notice.raised_by.role) == ("Hannah Ogunleye", "Specialist Health Visitor")


def test_word_a_name_and_date_of_birth_that_cannot_be_told_apart_are_not_guessed():
    notice = read_word(docx_from_xml(table(row("Name and date of birth of the child", "Mohammed Al-Rashid"))))
    assert (notice.subject.name, notice.subject.dob) == ("Mohammed Al-Rashid", None)


def test_word_sections_reusing_name_and_organisation_for_different_people():
    notice = read_word(
        docx_from_xml(
            table(
                row(cell("Section 1: Details of the child", span=2)),
                row("Name", "Amelia-Rose O'Connor"),
                row("Date of birth", "03/09/2019"),
                row(cell("Section 2: Your details", span=2)),
                row("Name", "Claire Bennett"),
                row("Role", "School Nurse"),
                row("Organisation", "Central London Community Healthcare"),
                row("Email", "c.bennett@clch.example"),
                row(cell("Section 3: Details of the agency you disagree with", span=2)),
                row("Name", "Tom Price"),
                row("Role", "Social Worker"),
                row("Organisation", "Camden Children's Services"),
                row("Email", "t.price@camden.example"),
            ),
        )
    )
    assert notice.subject.name == "Amelia-Rose O'Connor"
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency, notice.raised_by.email) == (
        "Claire Bennett",
        "School Nurse",
        "Central London Community Healthcare",
        "c.bennett@clch.example",
    )
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == (
        "Tom Price",
        "Social Worker",
        "Camden Children's Services",
    )
    assert notice.readings["challenged.agency"] == ["'Organisation' (section:challenged) in docx table 1 row 12"]
    assert notice.problems == []  # the challenged side's email went nowhere, rather than to the raiser


def test_word_sections_as_bold_headings_between_paragraphs():
    notice = read_word(
        docx_from_xml(
            heading("Your details"),
            p("Name: Claire Bennett"),
            p("Organisation: Central London Community Healthcare"),
            heading("Details of the organisation you are challenging"),
            p("Name: Tom Price"),
            p("Organisation: Camden Children's Services"),
        )
    )
    assert (notice.raised_by.name, notice.raised_by.agency) == ("Claire Bennett", "Central London Community Healthcare")
    assert (notice.challenged.name, notice.challenged.agency) == ("Tom Price", "Camden Children's Services")


@pytest.mark.parametrize(
    "answer",
    ["☐ 1 Practitioner ☒ 2 Manager ☐ 3 Senior manager", "☒ 2", "☐ Stage 1\n☒ Stage 2\n☐ Stage 3", "1 ☐ 2 ☒ 3 ☐"],
)
def test_word_a_stage_ticked_in_a_row_of_boxes(answer):
    notice = read_word(docx_from_xml(table(row("Escalation stage", answer))))
    assert (notice.stage, notice.problems) == (2, [])


def test_word_two_stages_ticked_is_a_problem_not_a_guess():
    notice = read_word(docx_from_xml(table(row("Stage", "☒ 1 Practitioner ☒ 2 Manager"))))
    assert notice.stage is None
    assert [problem.field for problem in notice.problems] == ["stage"]


@needs_soffice
@pytest.mark.parametrize(
    "builder",
    [forms.barnet_notice, forms.salford_notice, forms.bury_children_notice],
    ids=lambda b: b.__name__,
)
def test_a_doc_converted_by_libreoffice_reads_as_the_docx_does(tmp_path, builder):
    """LibreOffice drops the table of a .doc that ends in one and runs its cells together;
    the converted paragraph is read as the table it was."""
    docx_bytes = builder()
    (tmp_path / "notice.docx").write_bytes(docx_bytes)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "doc:MS Word 97",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "notice.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    from_doc = read_notice(
        [Attachment("notice.doc", "application/msword", (tmp_path / "notice.doc").read_bytes())], None, today=TODAY
    )
    assert from_doc.to_json() == read_word(docx_bytes).to_json()


# --- PDF ----------------------------------------------------------------------------------------


def _pdf(lines: list[tuple[str, bool]]) -> bytes:
    canvas, buffer = pdfs._canvas()
    y = 780.0
    for text, bold in lines:
        pdfs._text(canvas, pdfs.LEFT, y, text, bold=bold)
        y -= 16
    return pdfs._saved(canvas, buffer)


def test_pdf_bold_labels_above_answers_and_sections():
    notice = read_pdf(
        _pdf(
            [
                ("Child or young person", True),
                ("Amelia-Rose O'Connor", False),
                ("Section 2: Your details", True),
                ("Name: Claire Bennett", False),
                ("Organisation: Central London Community Healthcare", False),
                ("Section 3: Details of the agency you disagree with", True),
                ("Name: Tom Price", False),
                ("Organisation: Camden Children's Services", False),
            ]
        )
    )
    assert (notice.raised_by.name, notice.raised_by.agency) == ("Claire Bennett", "Central London Community Healthcare")
    assert (notice.challenged.name, notice.challenged.agency) == ("Tom Price", "Camden Children's Services")


def test_pdf_a_label_alone_above_its_answer():
    notice = read_pdf(
        _pdf(
            [
                ("Which agency's decision are you challenging?", True),
                ("Camden Children's Services", False),
                ("Name of Child/Young Person: Amelia-Rose O'Connor", False),
            ]
        )
    )
    assert (notice.challenged.agency, notice.subject.name) == ("Camden Children's Services", "Amelia-Rose O'Connor")


def test_pdf_fields_named_for_nothing_are_read_by_their_tooltip_or_a_camel_case_name():
    canvas, buffer = pdfs._canvas()
    form = canvas.acroForm
    pdfs._text(canvas, pdfs.LEFT, 790, "Escalation", bold=True, size=14)
    form.textfield(name="ChildName", value="Amelia-Rose O'Connor", x=280, y=740, width=240, height=18)
    form.textfield(
        name="Text7",
        tooltip="Which agency's decision are you challenging?",
        value="Camden Children's Services",
        x=280,
        y=700,
        width=240,
        height=18,
    )
    form.textfield(
        name="Text8",
        tooltip="Organisation you are escalating from",
        value="Central London Community Healthcare",
        x=280,
        y=660,
        width=240,
        height=18,
    )
    notice = read_pdf(pdfs._saved(canvas, buffer))
    assert (notice.subject.name, notice.challenged.agency) == ("Amelia-Rose O'Connor", "Camden Children's Services")
    assert notice.readings["challenged.agency"][0].startswith(
        "'Which agency's decision are you challenging?' (synonyms:challenged-agency) in pdf page 1 field 'Text7'"
    )


def test_pdf_an_anonymous_field_is_read_by_the_label_printed_beside_it():
    canvas, buffer = pdfs._canvas()
    form = canvas.acroForm
    pdfs._text(canvas, pdfs.LEFT, 746, "Organisation you disagree with")
    form.textfield(name="Text3", value="Camden Children's Services", x=280, y=740, width=240, height=18)
    notice = read_pdf(pdfs._saved(canvas, buffer))
    assert notice.challenged.agency == "Camden Children's Services"


# --- email bodies -------------------------------------------------------------------------------

SIGNED_EMAIL = """Hi,

I am writing to raise a professional disagreement about the adult below (step 3).

Adult: Margaret Ellis
Date of birth: 02/04/1948
Agency I disagree with: Bury Adult Social Care

Thanks,
Farah Iqbal
Safeguarding Adults Lead Nurse
Northern Care Alliance
"""


def test_an_email_notice_signed_at_the_bottom():
    notice = read_body(SIGNED_EMAIL)
    assert (notice.subject.name, notice.subject.dob, notice.subject.kind) == ("Margaret Ellis", date(1948, 4, 2), "adult")
    assert notice.challenged.agency == "Bury Adult Social Care"
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == (
        "Farah Iqbal",
        "Safeguarding Adults Lead Nurse",
        "Northern Care Alliance",
    )
    assert notice.stage == 3
    assert notice.readings["raised_by.name"] == ["'signature' (fallback:signature) in email body line 10"]
    assert notice.readings["stage"] == ["'(step 3)' (fallback:sentence) in email body line 3"]


def test_the_signatory_is_not_the_raiser_when_the_notice_names_one():
    notice = read_body(SIGNED_EMAIL.replace("Adult:", "Your name: Sam Patel\nMy agency: Bury Council\nAdult:"))
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == ("Sam Patel", None, "Bury Council")


def test_a_stage_given_twice_differently_in_sentences_is_not_guessed():
    notice = read_body("We met at stage 1 and I am now escalating this to stage 2.\nAdult: Margaret Ellis\n")
    assert notice.stage is None


OUTLOOK_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal
{margin:0cm}</style></head><body lang=EN-GB><div class=WordSection1>
<p class=MsoNormal>Hello,<o:p></o:p></p>
<table class=MsoTableGrid border=1><tr><td width=200><p class=MsoNormal><b>Name of child</b><o:p></o:p></p></td>
<td><p class=MsoNormal>Amelia-Rose O&#8217;Connor<o:p></o:p></p></td></tr>
<tr><td><p class=MsoNormal><b>Professional / agency you disagree with</b></p></td><td><p class=MsoNormal>Camden
Children&#8217;s Services</p></td></tr>
<tr><td>Stage</td><td>&#9744; 1 Practitioner &#9746; 2 Manager &#9744; 3 Senior manager</td></tr></table>
<p class=MsoNormal>Kind regards,<o:p></o:p></p>
<p class=MsoNormal>Claire Bennett<br>School Nurse<br>Central London Community Healthcare<o:p></o:p></p>
</div></body></html>"""


def test_an_outlook_html_notice_with_a_table_and_a_signature():
    notice = read_body(html_text(OUTLOOK_HTML))
    assert notice.subject.name == "Amelia-Rose O’Connor"
    assert notice.challenged.agency == "Camden Children’s Services"
    assert notice.stage == 2
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == (
        "Claire Bennett",
        "School Nurse",
        "Central London Community Healthcare",
    )


def test_html_cells_are_tab_separated_and_source_line_breaks_are_spaces():
    assert html_text("<table><tr><td>Adult</td><td>Margaret\nEllis</td></tr></table>").split("\n")[0] == ("Adult\tMargaret Ellis")


@pytest.mark.parametrize(
    "line",
    [
        "Name of child: Amelia-Rose O'Connor DOB: 03/09/2019",
        "Name of Child/Young Person: Amelia-Rose O'Connor\tD.O.B 3rd September 2019",
        "Child's name: Amelia-Rose O'Connor     Date of birth: 3 September 2019",
    ],
)
def test_several_labels_on_one_line_in_an_email(line):
    notice = read_body(line + "\nMeeting at 10:30: nothing agreed\n")
    assert (notice.subject.name, notice.subject.dob) == ("Amelia-Rose O'Connor", date(2019, 9, 3))
