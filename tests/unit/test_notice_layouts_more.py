"""Layouts of notices written into emails and tables that other partnerships use (issue 9).

Each test reads a notice as production does (``read_notice``) and checks the fields
and, where it matters, the rule recorded for the reading; the negative cases check
that nothing is read where the layout does not say it.
"""

from __future__ import annotations

from datetime import date

import pytest

from escalations.intake.html_text import html_to_text
from escalations.intake.notices.reader import read_notice

TODAY = date(2026, 3, 2)
CONCERN = "The family moved and nobody visited the home for five weeks. We raised it with the allocated worker twice."


def read(body: str):
    return read_notice((), body, today=TODAY)


def test_a_concern_written_as_a_paragraph_with_no_label_is_read_as_the_concern():
    notice = read(f"Hi,\n\nChild: Ruby Whittaker\nAgency I disagree with: Bury CSC\n\n{CONCERN}\n\nThanks,\nJo Bloggs\n")
    assert notice.concern == CONCERN
    assert notice.readings["concern"] == ["'paragraph' (fallback:prose) in email body line 6"]


def test_a_covering_note_is_not_the_concern():
    notice = read("Hi,\n\nPlease find attached the escalation form for the child we discussed at the meeting on Monday.\n")
    assert notice.concern is None


def test_a_labelled_concern_wins_over_a_paragraph():
    notice = read(f"Concern: Nobody attended the core group.\n\n{CONCERN}\n")
    assert notice.concern == "Nobody attended the core group."


def test_an_html_mails_paragraphs_are_paragraphs_even_without_blank_lines():
    html = f"<p>Hello,</p><p>Child: Ruby Whittaker</p><p>{CONCERN}</p><p>Thanks</p><p>Jo Bloggs</p>"
    assert read(html_to_text(html)).concern == CONCERN


def test_the_subject_and_the_agency_disagreed_with_are_read_from_sentences():
    notice = read(
        "Dear Business Unit,\n\nI am writing about Ruby Whittaker (DOB 01/02/2019). I disagree with the decision "
        "made by Bury Children's Social Care to close the case.\n"
    )
    assert (notice.subject.name, notice.subject.dob) == ("Ruby Whittaker", date(2019, 2, 1))
    assert notice.challenged.agency == "Bury Children's Social Care"
    assert all("fallback:sentence" in reading for reading in notice.readings["challenged.agency"])


def test_a_stage_is_no_agency_and_two_agencies_are_none():
    assert read("Please escalate this to Stage 3 now.").challenged.agency is None
    assert read("I disagree with Bury CSC.\nI also disagree with Bury Police.").challenged.agency is None


def test_a_label_in_a_sentence_is_not_used_when_a_labelled_line_gives_the_field():
    notice = read("Agency I disagree with: Bury Police\n\nI disagree with the decision made by Bury CSC.\n")
    assert notice.challenged.agency == "Bury Police"


@pytest.mark.parametrize(
    "line",
    [
        "Jo Bloggs | Health Visitor | Bury 0-19 Health Visiting",
        "Jo Bloggs, Health Visitor, Bury 0-19 Health Visiting",
    ],
)
def test_a_signature_on_one_line_gives_name_role_and_agency(line):
    notice = read(f"Child: Ruby Whittaker\n\nKind regards,\n{line}\n")
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == (
        "Jo Bloggs",
        "Health Visitor",
        "Bury 0-19 Health Visiting",
    )


@pytest.mark.parametrize(
    "body",
    [
        "Worker - Jo Bloggs (Social Worker)",
        "*Worker:* Jo Bloggs (Social Worker)",
        "**Worker** = Jo Bloggs (Social Worker)",
    ],
)
def test_dashes_equals_and_emphasis_stand_for_a_colon(body):
    notice = read(f"Agency being challenged - Bury CSC\n{body}\n")
    assert (notice.challenged.agency, notice.challenged.name, notice.challenged.role) == (
        "Bury CSC",
        "Jo Bloggs",
        "Social Worker",
    )


def test_a_title_with_a_dash_is_not_a_label():
    assert read(f"Professional Disagreement – Escalation Form\n\nDetails of the disagreement: {CONCERN}\n").concern == CONCERN


def test_labels_on_one_line_between_pipes():
    notice = read("Child: Ruby Whittaker | DOB: 01/02/2019 | Your agency: Bury Police")
    assert (notice.subject.name, notice.subject.dob, notice.raised_by.agency) == (
        "Ruby Whittaker",
        date(2019, 2, 1),
        "Bury Police",
    )


def test_columns_of_both_sides_in_an_html_table():
    rows = [("", "Referrer", "Agency being challenged"), ("Name", "Jo Bloggs", "Al Smith"), ("Agency", "Bury Police", "Bury CSC")]
    cells = "".join("<tr>" + "".join(f"<td><p>{text}</p></td>" for text in row) + "</tr>" for row in rows)
    notice = read(html_to_text(f"<table>{cells}</table>"))
    assert (notice.raised_by.name, notice.raised_by.agency) == ("Jo Bloggs", "Bury Police")
    assert (notice.challenged.name, notice.challenged.agency) == ("Al Smith", "Bury CSC")
    assert notice.readings["challenged.agency"][0].startswith("'Agency' (column:challenged)")


def test_a_row_of_a_label_and_its_answer_is_no_row_of_column_headings():
    notice = read(html_to_text("<table><tr><td><p>Their role</p></td><td><p>Team Manager</p></td></tr></table>"))
    assert notice.challenged.role == "Team Manager"


def test_a_definition_list_is_read_as_labels_and_answers():
    notice = read(html_to_text("<dl><dt>Child's name</dt><dd>Ruby Whittaker</dd><dt>Your agency</dt><dd>Bury Police</dd></dl>"))
    assert (notice.subject.name, notice.raised_by.agency) == ("Ruby Whittaker", "Bury Police")


def test_contact_details_holding_an_address_and_a_number():
    notice = read("Your name: Jo Bloggs\nContact details: jo.bloggs@police.bury.example / 0161 496 0123\n")
    assert (notice.raised_by.email, notice.raised_by.phone) == ("jo.bloggs@police.bury.example", "0161 496 0123")


def test_completed_by_at_the_foot_is_the_raiser_and_the_signatory():
    notice = read("Child: Ruby Whittaker\nCompleted by: Hannah Ogunleye, Specialist Health Visitor\n")
    assert (notice.raised_by.name, notice.raised_by.role) == ("Hannah Ogunleye", "Specialist Health Visitor")
    assert (notice.signed.name, notice.signed.role) == ("Hannah Ogunleye", "Specialist Health Visitor")


def test_categories_answered_in_sentences_are_the_concern_and_ticked_concern_is_categories():
    prose = read(f"Nature of disagreement: {CONCERN}\n")
    assert (prose.concern, prose.categories) == (CONCERN, [])
    ticked = read("What is the disagreement about?\n☒ Information sharing\n☐ Roles and responsibilities\n")
    assert (ticked.categories, ticked.concern) == (["information_sharing"], None)


def test_a_subject_name_holding_the_date_of_birth_is_split():
    notice = read("Re: Ruby Whittaker (DOB 01/02/2019)\n")
    assert (notice.subject.name, notice.subject.dob) == ("Ruby Whittaker", date(2019, 2, 1))


def test_a_first_name_and_a_surname_asked_apart_make_the_name():
    notice = read("Child's first name: Ruby\nChild's surname: Whittaker\nYour forename: Jo\nYour surname: Bloggs\n")
    assert (notice.subject.name, notice.raised_by.name) == ("Ruby Whittaker", "Jo Bloggs")
    assert notice.readings["subject.name"] == [
        "'Child's first name' (synonyms:subject-first_name) in email body line 1",
        "'Child's surname' (synonyms:subject-last_name) in email body line 2",
    ]


def test_half_a_name_is_no_name():
    assert read("Child's first name: Ruby\n").subject.name is None


def test_rows_of_sides_under_columns_of_attributes():
    rows = [
        ("", "Name", "Job title", "Organisation"),
        ("Person raising the concern", "Jo Bloggs", "Health Visitor", "Bury 0-19"),
        ("Professional you disagree with", "Al Smith", "Social Worker", "Bury CSC"),
    ]
    cells = "".join("<tr>" + "".join(f"<td><p>{text}</p></td>" for text in row) + "</tr>" for row in rows)
    notice = read(html_to_text(f"<table>{cells}</table>"))
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == ("Jo Bloggs", "Health Visitor", "Bury 0-19")
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == ("Al Smith", "Social Worker", "Bury CSC")
    assert notice.readings["challenged.role"][0].startswith("'Professional you disagree with role' (row:challenged)")


def test_answers_written_under_quoted_questions_answer_them_and_quoted_answers_do_not():
    notice = read(
        "Answers below.\n\n> Which agency do you disagree with?\nBury CSC\n\n"
        "> What is the child's name?\nRuby Whittaker\n> Your agency: Quoted Agency\n"
    )
    assert (notice.challenged.agency, notice.subject.name, notice.raised_by.agency) == ("Bury CSC", "Ruby Whittaker", None)


def test_a_name_followed_by_a_date_of_birth_under_no_heading_is_the_subjects():
    notice = read("Name: Ruby Whittaker\nDOB: 01/02/2019\nAgency you disagree with: Bury CSC\nName: Al Smith\n")
    assert (notice.subject.name, notice.challenged.name) == ("Ruby Whittaker", "Al Smith")
    assert notice.readings["subject.name"] == ["'Name' (section:subject) in email body line 1"]


def test_a_name_under_no_heading_and_no_date_of_birth_is_not_guessed():
    assert read("Name: Ruby Whittaker\nStage: 2\n").subject.name is None


def test_a_blank_spacer_cell_between_a_label_and_its_answer():
    import io

    import docx

    from escalations.intake.notices.reader import DOCX_TYPE, Attachment

    document = docx.Document()
    table = document.add_table(rows=0, cols=4)
    for label, answer in (("Child's name", "Ruby Whittaker"), ("Agency you disagree with", "Bury CSC")):
        cells = table.add_row().cells
        cells[0].text, cells[3].text = label, answer
    cells = table.add_row().cells
    cells[0].text, cells[2].text = "Your name", "Your agency"  # a question left blank, then another label
    buffer = io.BytesIO()
    document.save(buffer)
    notice = read_notice([Attachment("form.docx", DOCX_TYPE, buffer.getvalue())], None, today=TODAY)
    assert (notice.subject.name, notice.challenged.agency, notice.raised_by.name) == ("Ruby Whittaker", "Bury CSC", None)


def test_free_text_written_in_the_row_below_its_blank_answer_box():
    import io

    import docx

    from escalations.intake.notices.reader import DOCX_TYPE, Attachment

    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    table.add_row().cells[0].text = "Details of the disagreement"
    answer = table.add_row().cells
    answer[0].merge(answer[1]).text = CONCERN
    cells = table.add_row().cells
    cells[0].text, cells[1].text = "Your name", "Jo Bloggs"
    buffer = io.BytesIO()
    document.save(buffer)
    notice = read_notice([Attachment("form.docx", DOCX_TYPE, buffer.getvalue())], None, today=TODAY)
    assert (notice.concern, notice.raised_by.name) == (CONCERN, "Jo Bloggs")


def _docx_table(rows) -> bytes:
    import io

    import docx

    document = docx.Document()
    table = document.add_table(rows=0, cols=max(len(row) for row in rows))
    for row in rows:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_an_answer_of_labelled_lines_gives_each_line_to_the_outer_labels_side():
    from escalations.intake.notices.reader import DOCX_TYPE, Attachment

    form = _docx_table(
        [
            ("Practitioner raising the concern", "Name: Jo Bloggs\nRole: Health Visitor\nAgency: Bury 0-19"),
            ("Practitioner / agency you disagree with", "Name: Al Smith\nRole: Team Manager\nAgency: Bury CSC"),
        ]
    )
    notice = read_notice([Attachment("form.docx", DOCX_TYPE, form)], None, today=TODAY)
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == ("Jo Bloggs", "Health Visitor", "Bury 0-19")
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == ("Al Smith", "Team Manager", "Bury CSC")
    assert "line 'Role' (section:challenged)" in notice.readings["challenged.role"][0]


def test_an_answer_with_one_unlabelled_line_is_taken_whole():
    from escalations.intake.notices.reader import DOCX_TYPE, Attachment

    form = _docx_table([("Agency you disagree with", "Bury CSC\nName: Al Smith")])
    notice = read_notice([Attachment("form.docx", DOCX_TYPE, form)], None, today=TODAY)
    assert notice.challenged.name is None


@pytest.mark.parametrize("leader", [" ........ ", " ________ ", "……", "___"])
def test_a_dotted_line_between_a_label_and_its_answer_stands_for_a_colon(leader):
    notice = read(
        f"Child's name{leader}Ruby Whittaker\nYour job title{leader}Team Manager\nDisagreement is with (agency){leader}Bury CSC"
    )
    assert (notice.subject.name, notice.raised_by.role, notice.challenged.agency) == (
        "Ruby Whittaker",
        "Team Manager",
        "Bury CSC",
    )


def test_a_label_whose_answer_is_made_of_label_words_is_read_as_label_and_answer():
    notice = read("Your details\nName: Jo Bloggs\nRole: Team Manager\nAgency: Bury Police")
    assert notice.raised_by.role == "Team Manager"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Disagreement is with:", "challenged.agency"),
        ("In dispute with (name):", "challenged.name"),
        ("What do you disagree with?", "concern"),
        ("Role: Team Manager", None),
        ("Outcome of attempt", "attempts.outcome"),
        ("Date form completed", "signed.date"),
        ("Steps taken to resolve the disagreement", "attempts"),
    ],
)
def test_labels_by_meaning(label, expected):
    from escalations.intake.notices import labels

    assert labels.classify(label).path == expected


def test_generic_labels_under_columns_of_both_sides_in_a_printed_table():
    from tests.corpus.tools import printed_pdf

    from escalations.intake.notices.reader import Attachment

    rows = [
        ("Person raising the disagreement", "Person whose decision is disputed"),
        ("Jo Bloggs", "Al Smith"),
        ("Role", "Role"),
        ("Health Visitor", "Team Manager"),
        ("Agency", "Agency"),
        ("Bury 0-19", "Bury CSC"),
    ]
    pdf = printed_pdf("Professional disagreement", [("t", rows)])
    notice = read_notice([Attachment("form.pdf", "application/pdf", pdf)], None, today=TODAY)
    assert (notice.raised_by.role, notice.raised_by.agency) == ("Health Visitor", "Bury 0-19")
    assert (notice.challenged.role, notice.challenged.agency) == ("Team Manager", "Bury CSC")
    assert "(column:challenged)" in notice.readings["challenged.role"][0]


def test_a_role_word_label_belongs_to_the_side_named_above_it():
    notice = read(
        "Name of professional raising concern: Jo Bloggs\nRole: Health Visitor\n"
        "Agency disagreed with: Bury CSC\nName of worker: Al Smith\nWorker role: Team Manager"
    )
    assert (notice.raised_by.name, notice.challenged.name, notice.challenged.role) == ("Jo Bloggs", "Al Smith", "Team Manager")
    assert notice.readings["challenged.name"][0].startswith("'Name of worker' (section:challenged)")


def test_a_role_word_label_under_no_side_is_the_raisers():
    assert read("Name of worker: Jo Bloggs").raised_by.name == "Jo Bloggs"


def test_an_answer_in_a_one_cell_box_below_its_label():
    import io

    import docx

    from escalations.intake.notices.reader import DOCX_TYPE, Attachment

    document = docx.Document()
    document.add_paragraph("Adult at risk: Ruby Whittaker")
    document.add_paragraph("Summary of the disagreement:")
    document.add_paragraph("")
    document.add_table(rows=1, cols=1).cell(0, 0).text = CONCERN
    buffer = io.BytesIO()
    document.save(buffer)
    notice = read_notice([Attachment("form.docx", DOCX_TYPE, buffer.getvalue())], None, today=TODAY)
    assert (notice.subject.name, notice.concern) == ("Ruby Whittaker", CONCERN)


WRAPPED = (
    "I am writing to escalate my concerns regarding Ruby Whittaker (DOB\n"
    "01/02/2019) under the resolving professional disagreements procedure.\n\n"
    "Details of the professional raising the concern: Jo Bloggs, Health\n"
    "Visitor, Bury 0-19 Service\n"
    "Details of the professional being challenged: Al Smith, Team Manager,\n"
    "Bury CSC\n\nKind regards\nJo Bloggs\n"
)


def test_a_mail_wrapped_at_a_fixed_width_is_read_as_its_writer_wrote_it():
    notice = read(WRAPPED)
    assert (notice.subject.name, notice.subject.dob) == ("Ruby Whittaker", date(2019, 2, 1))
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == (
        "Jo Bloggs",
        "Health Visitor",
        "Bury 0-19 Service",
    )
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == ("Al Smith", "Team Manager", "Bury CSC")
    assert "answered part" in notice.readings["challenged.role"][0]


def test_short_lines_are_never_joined():
    from escalations.intake.notices.reader import unwrapped

    lines = list(enumerate(["Child: Ruby Whittaker", "Jo Bloggs", "Health Visitor"], start=1))
    assert unwrapped(lines) == lines
    long = list(enumerate(["x" * 70 + " a", "y" * 70 + " b", "Stage: 2", "z" * 90], start=1))
    assert unwrapped(long) == long  # a line longer than any wrapping width: not a wrapped mail


def test_a_side_asked_as_a_question_is_answered_on_the_line_below():
    notice = read(
        "Who are you?\nJo Bloggs - Health Visitor - Bury 0-19 Service\n\nWho do you disagree with?\nAl Smith, Team Manager, Bury CSC\n"
    )
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == (
        "Jo Bloggs",
        "Health Visitor",
        "Bury 0-19 Service",
    )
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == ("Al Smith", "Team Manager", "Bury CSC")


def test_an_agency_answer_of_two_parts_is_kept_whole():
    assert read("Who do you disagree with?\nBury CSC, Bury Council\n").challenged.agency == "Bury CSC, Bury Council"


FIELDS = [("Child's name", "Ruby Whittaker"), ("Agency you disagree with", "Bury CSC"), ("Name of worker", "Al Smith")]


def _read_fields(body: str):
    notice = read(body)
    return (notice.subject.name, notice.challenged.agency, notice.challenged.name)


def test_a_notice_forwarded_as_quoted_text_is_read():
    body = "Please see below.\n\nOn Monday Jo wrote:\n" + "\n".join(f"> {label}: {value}" for label, value in FIELDS)
    assert _read_fields(body) == ("Ruby Whittaker", "Bury CSC", "Al Smith")


def test_quoted_text_is_not_read_when_the_mail_gives_its_own_answers():
    body = "Child's name: Ruby Whittaker\n\n> Agency you disagree with: Bury CSC\n> Name of worker: Al Smith\n"
    assert _read_fields(body) == ("Ruby Whittaker", None, None)


def test_a_table_pasted_as_text_with_pipes():
    body = "| Question | Answer |\n|---|---|\n" + "\n".join(f"| {label} | {value} |" for label, value in FIELDS)
    assert _read_fields(body) == ("Ruby Whittaker", "Bury CSC", "Al Smith")


@pytest.mark.parametrize("gap", ["  ", " " * 12, " = "])
def test_a_run_of_spaces_or_an_equals_sign_between_label_and_answer(gap):
    body = "\n".join(f"{label}{gap}{value}" for label, value in FIELDS)
    assert _read_fields(body) == ("Ruby Whittaker", "Bury CSC", "Al Smith")


def test_one_space_after_a_full_stop_in_prose_is_no_label():
    assert read("The child moved.  We visited twice.").subject.name is None


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p><b>Name of worker</b> Al Smith</p>", "Name of worker\tAl Smith"),
        ("<p class=MsoNormal><b><span>Stage</span></b><span> 2</span></p>", "Stage\t2"),
        ("<p><span style='font-weight:700'>Their role</span> Team Manager</p>", "Their role\tTeam Manager"),
        ("<p><b>Note:</b> x</p>", "Note: x"),  # the colon already ends the label
        ("<p>plain <b>bold</b> more</p>", "plain bold more"),  # bold inside prose
        ("<p><b>Heading only</b></p>", "Heading only"),
    ],
)
def test_a_bold_run_opening_a_paragraph_is_a_label_cell(html, text):
    assert html_to_text(html).strip() == text


def test_bold_labels_without_colons_in_an_outlook_mail():
    html = "".join(f"<p class=MsoNormal><b>{label}</b> {value}</p>" for label, value in FIELDS)
    assert _read_fields(html_to_text(html)) == ("Ruby Whittaker", "Bury CSC", "Al Smith")
