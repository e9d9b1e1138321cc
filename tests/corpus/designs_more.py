"""More development designs: the layouts of issue 9's list that ``designs.py`` does not have.

Outlook emails with bold inline labels, a letter with a "Re:" line, a Word table
with each label across its row and the answer below, a Word checkbox grid, a form
whose headings are its labels, a plain email of "Label - value" lines, and a
fillable PDF whose fields are named Text1… with no tooltips. Written for the
general case; the designs now in ``designs_seen.py`` (then held out) were not looked at.
"""

from __future__ import annotations

import random

from tests.corpus.cases import CATEGORY_TEXT, Case
from tests.corpus.design import (
    RAISER,
    SUBJECT,
    Design,
    Rendered,
    date_text,
    stage_names,
    subject_word,
    tick_row,
    yes_no,
)
from tests.corpus.tools import WordDocument, fillable_pdf, mso, mso_table, outlook_html

ALL = ("salford", "barnet", "bury-children", "bury-adults", "bnes")


def outlook_bold_inline(case: Case, rng: random.Random) -> Rendered:
    """An Outlook email: bold "Label:" runs with the answer after them, the concern in paragraphs
    under a bold heading, and a signature block."""
    who = "Young person" if case.subject_kind == "child" else "Adult at risk"
    inner = (
        mso("Dear colleagues,")
        + mso("")
        + mso("I am raising a professional disagreement under the escalation procedure.")
        + mso("")
        + f'<p class="MsoNormal"><b>{who}:</b> {case.subject_name}<o:p></o:p></p>'
        + f'<p class="MsoNormal"><b>Date of birth:</b> {date_text(case.dob, "long")}<o:p></o:p></p>'
        + f'<p class="MsoNormal"><b>Agency I am escalating to:</b> {case.challenged_agency_written}<o:p></o:p></p>'
        + f'<p class="MsoNormal"><b>Stage:</b> {case.stage}<o:p></o:p></p>'
        + mso("")
        + mso("Summary of concerns", bold=True)
        + mso(case.concern)
        + mso("")
        + mso("Kind regards,")
        + mso("")
        + mso(case.raiser_name)
        + mso(case.raiser_role)
        + mso(case.raiser_agency_written)
        + mso(f"Tel: {case.raiser_phone}")
    )
    printed = SUBJECT | RAISER - {"raised_by.email"} | {"challenged.agency", "stage", "concern"}
    return Rendered("email-html", outlook_html(inner), printed)


def letter_email(case: Case, rng: random.Random) -> Rendered:
    """A letter in a plain email: a "Re:" line with the name and date of birth, the concern in
    paragraphs, the other agency named on a line of its own, and a signature."""
    body = (
        "Dear Business Unit,\n\n"
        f"Re: {case.subject_name} (DOB {date_text(case.dob, 'slash')})\n\n"
        f"{case.concern}\n\n"
        f"Agency concerned: {case.challenged_agency_written}\n"
        f"Is the {subject_word(case)} at immediate risk? {yes_no(case.immediate_risk)}\n\n"
        "Regards\n"
        f"{case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}\n{case.raiser_email}\n"
    )
    printed = SUBJECT | RAISER - {"raised_by.phone"} | {"challenged.agency", "immediate_risk", "concern"}
    return Rendered("email-text", body, printed)


def label_rows_above(case: Case, rng: random.Random) -> Rendered:
    """A one-column Word table: each label in a shaded row across the table, its answer in the row below."""
    form = WordDocument()
    form.heading("Professional Challenge Record")
    rows = [
        (f"Full name of the {subject_word(case)}",),
        (case.subject_name,),
        ("Date of birth",),
        (date_text(case.dob, "short"),),
        ("Name of professional escalating",),
        (case.raiser_name,),
        ("Job title/role",),
        (case.raiser_role,),
        ("Agency/Organisation",),
        (case.raiser_agency_written,),
        ("Name of worker/agency being challenged",),
        (f"{case.challenged_name}, {case.challenged_agency_written}",),
        ("Please outline your concerns",),
        (case.concern,),
    ]
    form.table(rows, bold_first=False)
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.role",
        "raised_by.agency",
        "challenged.name",
        "challenged.agency",
        "concern",
    }
    return Rendered("docx", form.bytes(), printed)


def checkbox_grid(case: Case, rng: random.Random) -> Rendered:
    """A Word form with grids to tick: the stage as a row of boxes in a table, the categories as a
    two-column grid of boxes, and yes/no as [x] and [ ]."""
    names = stage_names(case.partnership)
    form = WordDocument()
    form.heading("Escalation Form")
    form.table(
        [
            ("Child / adult name", case.subject_name),
            ("DOB", date_text(case.dob, "slash")),
            ("Name of person raising the concern", case.raiser_name),
            ("Agency", case.raiser_agency_written),
            ("Email address", case.raiser_email),
            ("Receiving agency", case.challenged_agency_written),
        ]
    )
    form.table([("Stage", tick_row([(f"{n}. {name}", n == case.stage) for n, name in enumerate(names, start=1)], "\n"))])
    boxes = [f"{'☒' if slug in case.categories else '☐'} {text}" for slug, text in CATEGORY_TEXT.items()]
    half = (len(boxes) + 1) // 2
    grid = [("Area of disagreement (tick all that apply)", "")] + [
        (left, right) for left, right in zip(boxes[:half], [*boxes[half:], ""])
    ]
    form.table(grid, bold_first=False)
    risk = f"Yes [{'x' if case.immediate_risk else ' '}]   No [{' ' if case.immediate_risk else 'x'}]"
    form.table([("Immediate risk of significant harm?", risk), ("Details of issue", case.concern)])
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.agency",
        "raised_by.email",
        "challenged.agency",
        "stage",
        "categories",
        "immediate_risk",
        "concern",
    }
    return Rendered("docx", form.bytes(), printed)


def headings_as_labels(case: Case, rng: random.Random) -> Rendered:
    """Word headings as the labels ("Heading 3: Agency you are escalating to") with plain paragraphs
    answering them, and the concern over two paragraphs."""
    form = WordDocument(font="Calibri")
    form.heading("Resolving Professional Differences")
    first, _, rest = case.concern.partition(". ")
    for label, value in (
        (f"Name of the {subject_word(case)}", case.subject_name),
        ("Date of birth", date_text(case.dob, "ordinal")),
        ("Referrer", case.raiser_name),
        ("Referrer's role", case.raiser_role),
        ("Referring agency", case.raiser_agency_written),
        ("Organisation you are escalating to", case.challenged_agency_written),
        ("Current stage", f"Stage {case.stage}"),
    ):
        form.heading(label, 3)
        form.paragraph(value)
    form.heading("Why are you escalating?", 3)
    form.paragraph(first + ("." if rest else ""))
    if rest:
        form.paragraph(rest)
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "stage", "concern"}
    return Rendered("docx", form.bytes(), printed)


def dashed_email(case: Case, rng: random.Random) -> Rendered:
    """A plain email of "Label - value" lines typed by hand, the raiser on one line with role and agency."""
    body = (
        "Hello,\n\n"
        "Please log this escalation.\n\n"
        f"Name of {subject_word(case)} - {case.subject_name}\n"
        f"D.O.B - {date_text(case.dob, 'dots')}\n"
        f"Raised by - {case.raiser_name}, {case.raiser_role}, {case.raiser_agency_written}\n"
        f"Contact number - {case.raiser_phone}\n"
        f"Agency being challenged - {case.challenged_agency_written}\n"
        f"Worker - {case.challenged_name} ({case.challenged_role})\n"
        f"Stage - {case.stage}\n"
        f"Issue - {case.concern}\n\n"
        "Thank you\n"
    )
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.role",
        "raised_by.agency",
        "raised_by.phone",
        "challenged.agency",
        "challenged.name",
        "challenged.role",
        "stage",
        "concern",
    }
    return Rendered("email-text", body, printed)


def acroform_printed_labels(case: Case, rng: random.Random) -> Rendered:
    """A fillable PDF whose fields are named Text1… with no tooltips: only the printed label says what each holds."""
    texts = [
        ("Young person / adult name", case.subject_name, 1),
        ("Date of birth", date_text(case.dob, "slash"), 1),
        ("Your name", case.raiser_name, 1),
        ("Job title", case.raiser_role, 1),
        ("Organisation", case.raiser_agency_written, 1),
        ("Telephone", case.raiser_phone, 1),
        ("Agency being challenged", case.challenged_agency_written, 1),
        ("Practitioner being challenged", case.challenged_name, 1),
        ("Escalation stage", str(case.stage), 1),
        ("Outline the disagreement", case.concern, 4),
    ]
    fields = [
        {"label": label, "name": f"Text{n}", "tooltip": "", "value": value, "lines": lines}
        for n, (label, value, lines) in enumerate(texts, start=7)
    ]
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.role",
        "raised_by.agency",
        "raised_by.phone",
        "challenged.agency",
        "challenged.name",
        "stage",
        "concern",
    }
    return Rendered("pdf", fillable_pdf("Professional Disagreement Form", fields), printed)


def outlook_side_by_side(case: Case, rng: random.Random) -> Rendered:
    """An Outlook email with a table of both sides side by side: a row of headings for the referrer
    and the agency challenged, then a row per attribute; the subject in a table above."""
    inner = (
        mso("Hi all,")
        + mso("")
        + mso("Escalation details below.")
        + mso("")
        + mso_table([("Name of child/adult", case.subject_name), ("Date of birth", date_text(case.dob, "slash"))])
        + mso("")
        + mso_table(
            [
                ("", "Referrer", "Agency being challenged"),
                ("Name", case.raiser_name, case.challenged_name),
                ("Role", case.raiser_role, case.challenged_role),
                ("Agency", case.raiser_agency_written, case.challenged_agency_written),
                ("Telephone", case.raiser_phone, ""),
            ]
        )
        + mso("")
        + mso_table([("Details of the disagreement", case.concern), ("Escalation level", str(case.stage))])
        + mso("")
        + mso("Thanks")
    )
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.role",
        "raised_by.agency",
        "raised_by.phone",
        "challenged.agency",
        "challenged.name",
        "challenged.role",
        "concern",
        "stage",
    }
    return Rendered("email-html", outlook_html(inner), printed)


def four_column_table(case: Case, rng: random.Random) -> Rendered:
    """A Word table with two label-answer pairs a row, a section row merged across all four
    columns between them, and a sign-off row."""
    form = WordDocument()
    form.heading("Multi-agency Professional Challenge")
    table = form.document.add_table(rows=0, cols=4)
    table.style = "Table Grid"

    def row(*texts: str) -> None:
        cells = table.add_row().cells
        if len(texts) == 1:
            merged = cells[0].merge(cells[3])
            merged.text = texts[0]
            return
        for cell, text in zip(cells, texts):
            cell.text = text

    row(f"Section A – the {subject_word(case)}")
    row("Name", case.subject_name, "Date of birth", date_text(case.dob, "slash"))
    row("Section B – person raising the challenge")
    row("Name", case.raiser_name, "Job title", case.raiser_role)
    row("Organisation", case.raiser_agency_written, "Email", case.raiser_email)
    row("Section C – organisation being challenged")
    row("Organisation", case.challenged_agency_written, "Contact name", case.challenged_name)
    row("Section D – the challenge")
    row("Stage", str(case.stage), "Immediate risk?", yes_no(case.immediate_risk))
    row(case.concern)
    form.paragraph()
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.role",
        "raised_by.agency",
        "raised_by.email",
        "challenged.agency",
        "challenged.name",
        "stage",
        "immediate_risk",
    }
    return Rendered("docx", form.bytes(), printed)


def side_rows(case: Case, rng: random.Random) -> Rendered:
    """A Word table with the attributes as column headings and a row for each side, the side named
    in the first cell ("Person raising the concern", "Professional you disagree with")."""
    form = WordDocument()
    form.heading("Escalation – Professional Disagreement")
    form.table([(f"Name of {subject_word(case)}", case.subject_name), ("D.O.B.", date_text(case.dob, "slash"))])
    form.table(
        [
            ("", "Name", "Job title", "Organisation"),
            ("Person raising the concern", case.raiser_name, case.raiser_role, case.raiser_agency_written),
            ("Professional you disagree with", case.challenged_name, case.challenged_role, case.challenged_agency_written),
        ],
        bold_first=False,
    )
    form.table([("Summary of concerns", case.concern), ("Stage", str(case.stage))])
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.role",
        "raised_by.agency",
        "challenged.name",
        "challenged.role",
        "challenged.agency",
        "concern",
        "stage",
    }
    return Rendered("docx", form.bytes(), printed)


DESIGNS = (
    Design("outlook-bold-inline", outlook_bold_inline.__doc__, "email-html", ALL, outlook_bold_inline),
    Design("letter-email", letter_email.__doc__, "email-text", ALL, letter_email),
    Design("label-rows-above", label_rows_above.__doc__, "docx", ALL, label_rows_above),
    Design("checkbox-grid", checkbox_grid.__doc__, "docx", ALL, checkbox_grid),
    Design("headings-as-labels", headings_as_labels.__doc__, "docx", ALL, headings_as_labels),
    Design("dashed-email", dashed_email.__doc__, "email-text", ALL, dashed_email),
    Design("acroform-printed-labels", acroform_printed_labels.__doc__, "pdf", ALL, acroform_printed_labels),
    Design("outlook-side-by-side", outlook_side_by_side.__doc__, "email-html", ALL, outlook_side_by_side),
    Design("four-column-table", four_column_table.__doc__, "docx", ALL, four_column_table),
    Design("side-rows", side_rows.__doc__, "docx", ALL, side_rows),
)
