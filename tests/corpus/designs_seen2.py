"""The second seen designs: nine designs first kept as held-out part 2, now spent.

Written without reading the reader or the development designs, in the ways other
partnerships' published escalation / "resolution of professional differences"
forms are laid out. Read by the reader as it stood, 550/635 fields (86.6%), before any
change made for them; then opened so the reader could learn the blind spots they showed
(issue 9, branch reader-seen2), by rules of meaning, layout and structure only. From then
on they are development designs reported as their own part, "seen2"
(benchmarks/notices.py, tests/integration/test_notice_corpus.py).
"""

from __future__ import annotations

import random
from html import escape

from tests.corpus.cases import Case
from tests.corpus.design import (
    CHALLENGED,
    RAISER,
    SUBJECT,
    Design,
    Rendered,
    category_boxes,
    category_list,
    date_text,
    stage_names,
    subject_word,
    tick_row,
    yes_no,
)
from tests.corpus.tools import WordDocument, fillable_pdf, html_page, html_table, mso, mso_table, outlook_html, printed_pdf

ALL = ("salford", "barnet", "bury-children", "bury-adults", "bnes")
GAP = "&nbsp;" * 8  # the spaces a form designer types between two labels on one line


def word_sections(case: Case, rng: random.Random) -> Rendered:
    """Numbered sections that each reuse Name / Job title / Organisation, tick boxes for themes, stage and risk."""
    form = WordDocument("Calibri")
    form.heading("Resolution of Professional Differences – Referral Form")
    form.paragraph("Please complete every section and return it to the partnership's business unit.")
    if case.subject_kind == "child":
        form.heading("Section 1: Details of the child / young person", 2)
    else:
        form.heading("Section 1: Details of the adult at risk", 2)
    form.table([("Name", case.subject_name), ("Date of birth", date_text(case.dob, "ordinal"))])
    form.heading("Section 2: Your details", 2)
    form.table(
        [
            ("Name", case.raiser_name),
            ("Job title", case.raiser_role),
            ("Organisation", case.raiser_agency_written),
            ("Email", case.raiser_email),
            ("Telephone", case.raiser_phone),
        ]
    )
    form.heading("Section 3: Details of the agency you disagree with", 2)
    form.table(
        [
            ("Name", case.challenged_name),
            ("Job title", case.challenged_role),
            ("Organisation", case.challenged_agency_written),
        ]
    )
    form.heading("Section 4: The disagreement", 2)
    form.paragraph("Please tick the area(s) of disagreement:", bold=True)
    for text, ticked in category_boxes(case):
        form.paragraph(f"{'☒' if ticked else '☐'} {text}")
    form.table([("Summary of the disagreement and the action taken so far", case.concern)])
    form.heading("Section 5: Stage and risk", 2)
    stages = len(stage_names(case.partnership))
    form.paragraph("Stage reached: " + tick_row([(f"Stage {n}", n == case.stage) for n in range(1, stages + 1)]))
    form.paragraph(
        "Is there an immediate risk of significant harm?   "
        + tick_row([("Yes", case.immediate_risk), ("No", not case.immediate_risk)])
    )
    printed = SUBJECT | RAISER | CHALLENGED | {"categories", "concern", "stage", "immediate_risk"}
    return Rendered("docx", form.bytes(), printed)


def agency_columns(case: Case, rng: random.Random) -> Rendered:
    """Agency A and Agency B side by side: one table, a column for each agency, labels down the left."""
    form = WordDocument()
    form.heading("Professional Disagreement Escalation Form")
    form.table(
        [
            (f"{subject_word(case).capitalize()}'s name", case.subject_name),
            ("DOB", date_text(case.dob, "slash")),
        ]
    )
    form.table(
        [
            ("", "Agency A (raising the concern)", "Agency B (concern about)"),
            ("Agency", case.raiser_agency_written, case.challenged_agency_written),
            ("Practitioner", case.raiser_name, case.challenged_name),
            ("Role", case.raiser_role, case.challenged_role),
            ("Email", case.raiser_email, ""),
            ("Telephone", case.raiser_phone, ""),
        ],
        bold_first=False,
    )
    form.paragraph("Reason for escalation", bold=True)
    form.paragraph(case.concern)
    form.paragraph(f"Escalation stage reached (1-{len(stage_names(case.partnership))})", bold=True)
    form.paragraph(str(case.stage))
    printed = SUBJECT | RAISER | CHALLENGED | {"concern", "stage"}
    return Rendered("docx", form.bytes(), printed)


def textn_acroform(case: Case, rng: random.Random) -> Rendered:
    """A fillable PDF as Acrobat's form wizard names fields (Text1, Check Box3): only the tooltip means anything."""
    word = subject_word(case)
    texts = [
        (f"Name of {word}", f"{word.capitalize()}'s full name", case.subject_name, 1),
        ("Date of birth", "Date of birth (dd/mm/yyyy)", date_text(case.dob, "slash"), 1),
        ("Your name", "Name of the person completing the form", case.raiser_name, 1),
        ("Your job title", "Job title of the person completing the form", case.raiser_role, 1),
        ("Your agency", "Agency of the person completing the form", case.raiser_agency_written, 1),
        ("Email address", "Your email address", case.raiser_email, 1),
        ("Phone number", "Your phone number", case.raiser_phone, 1),
        ("Agency in disagreement with", "Agency you are in disagreement with", case.challenged_agency_written, 1),
        ("Professional in that agency", "Name of the professional you are in disagreement with", case.challenged_name, 1),
        ("Description of the disagreement", "Describe the disagreement", case.concern, 4),
        ("Signed", "Signature of the person completing the form", case.raiser_name, 1),
        ("Date", "Date the form was completed", date_text(case.signed_date, "slash"), 1),
    ]
    fields = [
        {"label": label, "name": f"Text{number}", "tooltip": tip, "value": value, "lines": lines}
        for number, (label, tip, value, lines) in enumerate(texts, start=1)
    ]
    names = stage_names(case.partnership)
    boxes = [(f"Stage {n}: {name}", f"Stage {n}", n == case.stage) for n, name in enumerate(names, start=1)]
    boxes += [
        ("Immediate risk of harm: Yes", "Immediate risk - yes", case.immediate_risk),
        ("Immediate risk of harm: No", "Immediate risk - no", not case.immediate_risk),
    ]
    fields += [
        {"label": label, "name": f"Check Box{number}", "tooltip": tip, "checked": checked}
        for number, (label, tip, checked) in enumerate(boxes, start=len(texts) + 1)
    ]
    printed = (
        SUBJECT
        | RAISER
        | {"challenged.agency", "challenged.name", "concern", "stage", "immediate_risk", "signed.name", "signed.date"}
    )
    return Rendered("pdf", fillable_pdf("Escalation Form - Resolving Professional Disagreements", fields), printed)


def printed_agency_ab(case: Case, rng: random.Random) -> Rendered:
    """A printed PDF in sections headed Agency A / Agency B, each with Name / Position / Agency, signed at the end."""
    names = stage_names(case.partnership)
    word = subject_word(case)
    blocks: list[tuple[str, object]] = [
        ("p", "To be completed by the practitioner escalating the concern."),
        ("h", "The person this concerns"),
        ("t", [("Full name", case.subject_name), ("D.O.B", date_text(case.dob, "dots"))]),
        ("h", "Agency A – agency raising the disagreement"),
        (
            "t",
            [
                ("Name", case.raiser_name),
                ("Position", case.raiser_role),
                ("Agency", case.raiser_agency_written),
                ("Telephone", case.raiser_phone),
                ("E-mail", case.raiser_email),
            ],
        ),
        ("h", "Agency B – agency the disagreement is with"),
        ("t", [("Name", case.challenged_name), ("Position", case.challenged_role), ("Agency", case.challenged_agency_written)]),
        ("h", "Details"),
        (
            "t",
            [
                ("Nature of the disagreement", case.concern),
                ("Current stage of escalation", f"Stage {case.stage} – {names[case.stage - 1]}"),
                (f"Is the {word} at risk of immediate harm?", yes_no(case.immediate_risk)),
            ],
        ),
        ("h", "Completed by"),
        ("t", [("Signature", case.raiser_name), ("Date", date_text(case.signed_date, "long"))]),
    ]
    printed = SUBJECT | RAISER | CHALLENGED | {"concern", "stage", "immediate_risk", "signed.name", "signed.date"}
    return Rendered("pdf", printed_pdf("Professional Disagreement – Escalation Record", blocks), printed)


def email_plain_signed(case: Case, rng: random.Random) -> Rendered:
    """A plain email in sentences: who it is about and which agency in the first line, the stage in brackets, a signature."""
    word = subject_word(case)
    body = (
        "Good afternoon,\n\n"
        f"I am writing to escalate a professional disagreement with {case.challenged_agency_written} about "
        f"the {word} {case.subject_name} (DOB {date_text(case.dob, 'ordinal')}).\n\n"
        f"{case.concern}\n\n"
        f"I have spoken to {case.challenged_name} and we have not been able to resolve this, so I am now "
        f"escalating it (stage {case.stage} of the procedure).\n\n"
        "Please let me know if you need anything further.\n\n"
        f"Thanks,\n{case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}\n"
        f"Tel: {case.raiser_phone}\nEmail: {case.raiser_email}\n"
    )
    printed = SUBJECT | RAISER | {"challenged.agency", "challenged.name", "concern", "stage"}
    return Rendered("email-text", body, printed)


def outlook_ab_table(case: Case, rng: random.Random) -> Rendered:
    """An Outlook email with a pasted two-column table (Agency A / Agency B rows) and the sender's signature below."""
    subject_label = "Name of child/young person" if case.subject_kind == "child" else "Name of adult"
    rows = [
        (subject_label, case.subject_name),
        ("Date of Birth", date_text(case.dob, "short")),
        ("Agency A (referring agency)", case.raiser_agency_written),
        ("Agency A contact", case.raiser_name),
        ("Agency B (agency in disagreement with)", case.challenged_agency_written),
        ("Agency B contact", case.challenged_name),
        ("Level of escalation", f"Level {case.stage}"),
        ("Area of disagreement", category_list(case)),
        ("Details", case.concern),
        ("Immediate safeguarding concerns?", yes_no(case.immediate_risk)),
    ]
    inner = "".join(
        [
            mso("Hi all,"),
            mso(""),
            mso("Please see below a professional disagreement that I would like to escalate."),
            mso(""),
            mso_table(rows),
            mso(""),
            mso("Kind regards"),
            mso(""),
            mso(case.raiser_name, bold=True),
            mso(case.raiser_role),
            mso(case.raiser_agency_written),
            mso(f"Mobile: {case.raiser_phone}"),
            mso(f"Email: {case.raiser_email}"),
        ]
    )
    printed = SUBJECT | RAISER | {"challenged.agency", "challenged.name", "stage", "categories", "concern", "immediate_risk"}
    return Rendered("email-html", outlook_html(inner), printed)


def odt_two_per_line(case: Case, rng: random.Random) -> Rendered:
    """A typed-in form, two labels to a line and spaces between them; boxes for stage and risk; saved as .odt."""
    subject_label = "Name of Child/Young Person" if case.subject_kind == "child" else "Name of Adult"
    stages = len(stage_names(case.partnership))

    def line(*pairs: tuple[str, str]) -> str:
        return "<p>" + GAP.join(f"<b>{escape(label)}:</b> {escape(value)}" for label, value in pairs) + "</p>"

    body = "".join(
        [
            "<h1>Escalation of Concern Form</h1>",
            "<p><b>PART A</b></p>",
            line((subject_label, case.subject_name), ("D.O.B", date_text(case.dob, "slash"))),
            line(("Referrer", case.raiser_name), ("Designation", case.raiser_role)),
            line(("Agency", case.raiser_agency_written), ("Contact No", case.raiser_phone)),
            line(("Email", case.raiser_email)),
            "<p><b>PART B</b></p>",
            line(("Agency in dispute with", case.challenged_agency_written), ("Worker", case.challenged_name)),
            line(("Worker's role", case.challenged_role)),
            line(
                ("Stage of escalation", tick_row([(str(n), n == case.stage) for n in range(1, stages + 1)])),
                ("Immediate risk", tick_row([("Yes", case.immediate_risk), ("No", not case.immediate_risk)])),
            ),
            "<p><b>Outline of the disagreement</b></p>",
            f"<p>{escape(case.concern)}</p>",
            line(("Signed", case.raiser_name), ("Date", date_text(case.signed_date, "slash"))),
        ]
    )
    printed = SUBJECT | RAISER | CHALLENGED | {"stage", "immediate_risk", "concern", "signed.name", "signed.date"}
    return Rendered("odt", html_page(body, "Escalation of Concern Form"), printed)


def doc_numbered_questions(case: Case, rng: random.Random) -> Rendered:
    """Numbered questions in a table, some answers holding two facts; saved as a Word 97 .doc."""
    rows = [
        ("1. Who is this about? (full name)", case.subject_name),
        ("2. Date of birth", date_text(case.dob, "long")),
        ("3. Your name and job title", f"{case.raiser_name} – {case.raiser_role}"),
        ("4. Which organisation do you work for?", case.raiser_agency_written),
        ("5. How can we contact you? (email and phone)", f"{case.raiser_email} / {case.raiser_phone}"),
        ("6. Which organisation's decision are you challenging?", case.challenged_agency_written),
        ("7. Who in that organisation have you spoken to? (name, role)", f"{case.challenged_name}, {case.challenged_role}"),
        ("8. What is the disagreement?", case.concern),
        ("9. What stage have you reached? (see the flowchart)", f"Stage {case.stage}"),
        ("10. Is anyone at immediate risk of harm?", yes_no(case.immediate_risk)),
        ("11. Which of these describe the disagreement?", category_list(case)),
    ]
    body = "<h2>Resolving Professional Disagreements: Escalation Form</h2>" + html_table(rows)
    printed = SUBJECT | RAISER | CHALLENGED | {"concern", "stage", "immediate_risk", "categories"}
    return Rendered("doc", html_page(body), printed)


def rtf_label_above(case: Case, rng: random.Random) -> Rendered:
    """Headings scope plain labels (Name, Agency) to the person, the raiser and the other agency; answers below; .rtf."""
    word = subject_word(case)

    def above(label: str, value: str) -> str:
        return f"<p><b>{escape(label)}</b></p><p>{escape(value)}</p>"

    body = "".join(
        [
            "<h1>Multi-Agency Escalation Form</h1>",
            f"<h3>The {word}</h3>",
            above("Name", case.subject_name),
            above("Date of birth", date_text(case.dob, "slash")),
            "<h3>Person raising the concern</h3>",
            above("Name", case.raiser_name),
            above("Role", case.raiser_role),
            above("Agency", case.raiser_agency_written),
            above("Email", case.raiser_email),
            "<h3>The other agency</h3>",
            above("Agency", case.challenged_agency_written),
            above("Name of worker", case.challenged_name),
            "<h3>The disagreement</h3>",
            above("Summary", case.concern),
            above(f"Stage (1 to {len(stage_names(case.partnership))})", str(case.stage)),
        ]
    )
    printed = SUBJECT | RAISER - {"raised_by.phone"} | {"challenged.agency", "challenged.name", "concern", "stage"}
    return Rendered("rtf", html_page(body, "Multi-Agency Escalation Form"), printed)


DESIGNS = (
    Design("word-sections", word_sections.__doc__, "docx", ALL, word_sections),
    Design("agency-columns", agency_columns.__doc__, "docx", ALL, agency_columns),
    Design("textn-acroform", textn_acroform.__doc__, "pdf", ALL, textn_acroform),
    Design("printed-agency-ab", printed_agency_ab.__doc__, "pdf", ALL, printed_agency_ab),
    Design("email-plain-signed", email_plain_signed.__doc__, "email-text", ALL, email_plain_signed),
    Design("outlook-ab-table", outlook_ab_table.__doc__, "email-html", ALL, outlook_ab_table),
    Design("odt-two-per-line", odt_two_per_line.__doc__, "odt", ALL, odt_two_per_line),
    Design("doc-numbered-questions", doc_numbered_questions.__doc__, "doc", ALL, doc_numbered_questions),
    Design("rtf-label-above", rtf_label_above.__doc__, "rtf", ALL, rtf_label_above),
)
