"""The development designs: forms in other partnerships' styles that the reader's work may look at.

The held-out designs, when there are any, live in ``tests.corpus.heldout<n>``; see README.md.
"""

from __future__ import annotations

import random
from html import escape

from tests.corpus.cases import Case
from tests.corpus.design import (
    CHALLENGED,
    RAISER,
    SIGNED,
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
from tests.corpus.tools import WordDocument, html_page, html_table, mso, mso_table, outlook_html, fillable_pdf, printed_pdf

ALL = ("salford", "barnet", "bury-children", "bury-adults", "bnes")
CHILDREN = ("salford", "barnet", "bury-children", "bnes")


def question_table(case: Case, rng: random.Random) -> Rendered:
    """A two-column table of questions, answers on the right (a London board's "escalation form")."""
    who = "child or young person" if case.subject_kind == "child" else "adult at risk"
    form = WordDocument()
    form.heading("Professional Disagreement – Escalation Form")
    form.paragraph("Complete every question you can and email the form to the partnership business unit.")
    form.table(
        [
            ("Question", "Answer"),
            (f"What is the name of the {who}?", case.subject_name),
            ("What is their date of birth?", date_text(case.dob, "slash")),
            ("Your name", case.raiser_name),
            ("Your job title", case.raiser_role),
            ("Which agency do you work for?", case.raiser_agency_written),
            ("Your email address", case.raiser_email),
            ("Your telephone number", case.raiser_phone),
            ("Which agency's decision are you challenging?", case.challenged_agency_written),
            ("Who made the decision? (name and role)", f"{case.challenged_name}, {case.challenged_role}"),
            (f"Is the {subject_word(case)} at immediate risk of significant harm?", yes_no(case.immediate_risk)),
            ("What stage of the escalation process are you at?", f"Stage {case.stage}"),
            ("What is the disagreement about?", case.concern),
        ]
    )
    return Rendered("docx", form.bytes(), SUBJECT | RAISER | CHALLENGED | {"immediate_risk", "stage", "concern"})


def generic_sections(case: Case, rng: random.Random) -> Rendered:
    """Section headings, and the same generic labels (Name, Organisation…) under each."""
    form = WordDocument()
    form.heading("Resolution of Professional Differences")
    form.heading(f"Section 1: About the {'young person' if case.subject_kind == 'child' else 'adult'}", 2)
    form.table([("Full name", case.subject_name), ("Date of birth", date_text(case.dob, "slash"))])
    form.heading("Section 2: Your details", 2)
    form.table(
        [
            ("Name", case.raiser_name),
            ("Role", case.raiser_role),
            ("Organisation", case.raiser_agency_written),
            ("Email", case.raiser_email),
            ("Telephone", case.raiser_phone),
        ]
    )
    form.heading("Section 3: Details of the agency you disagree with", 2)
    form.table([("Name", case.challenged_name), ("Role", case.challenged_role), ("Organisation", case.challenged_agency_written)])
    form.heading("Section 4: The disagreement", 2)
    form.table([("Summary of the disagreement", case.concern), ("Stage of escalation", str(case.stage))])
    form.heading("Section 5: Sign-off", 2)
    form.table([("Name", case.raiser_name), ("Date", date_text(case.signed_date, "slash"))])
    return Rendered("docx", form.bytes(), SUBJECT | RAISER | CHALLENGED | {"concern", "stage", "signed.name", "signed.date"})


def label_above(case: Case, rng: random.Random) -> Rendered:
    """A bold label on one line, the answer typed below it."""
    names = stage_names(case.partnership)
    form = WordDocument(font="Calibri")
    form.heading("Escalation of Concerns – Multi-Agency Disagreement")
    for label, value in (
        (f"{subject_word(case).title()}'s name", case.subject_name),
        ("Date of birth", date_text(case.dob, "long")),
        ("Name of professional raising the concern", case.raiser_name),
        ("Designation", case.raiser_role),
        ("Agency", case.raiser_agency_written),
        ("Contact email", case.raiser_email),
        ("Agency you disagree with", case.challenged_agency_written),
        ("Nature of disagreement", case.concern),
        (f"Is there an immediate risk to the {subject_word(case)}?", yes_no(case.immediate_risk)),
        ("Escalation level", f"Level {case.stage} – {names[case.stage - 1]}"),
        ("Signature", case.raiser_name),
        ("Date", date_text(case.signed_date, "slash")),
    ):
        form.labelled(label, value)
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.role",
        "raised_by.agency",
        "raised_by.email",
        "challenged.agency",
        "concern",
        "immediate_risk",
        "stage",
        "signed.name",
        "signed.date",
    }
    return Rendered("docx", form.bytes(), printed)


def agency_a_b(case: Case, rng: random.Random) -> Rendered:
    """Agency A (raising the concern) and Agency B (concern about), side by side."""
    form = WordDocument()
    form.heading("Inter-agency Escalation Notice")
    form.table([("Child/young person", case.subject_name), ("D.O.B.", date_text(case.dob, "dots"))])
    form.table(
        [
            ("", "Agency A (raising the concern)", "Agency B (concern about)"),
            ("Agency", case.raiser_agency_written, case.challenged_agency_written),
            ("Practitioner name", case.raiser_name, case.challenged_name),
            ("Role", case.raiser_role, case.challenged_role),
            ("Email", case.raiser_email, ""),
            ("Telephone", case.raiser_phone, ""),
        ],
        bold_first=False,
    )
    form.table([("Details of disagreement", case.concern)])
    return Rendered("docx", form.bytes(), SUBJECT | RAISER | CHALLENGED | {"concern"})


def tick_boxes(case: Case, rng: random.Random) -> Rendered:
    """Tick-box rows for the stage, the categories and the immediate-risk question."""
    names = stage_names(case.partnership)
    form = WordDocument()
    form.heading("Escalation Notice")
    form.inline("Name of child/adult:", case.subject_name)
    form.inline("Date of birth:", date_text(case.dob, "slash"))
    form.inline("Referrer name:", case.raiser_name)
    form.inline("Referrer agency:", case.raiser_agency_written)
    form.inline("Agency the disagreement is with:", case.challenged_agency_written)
    form.paragraph("Stage reached (tick one)", bold=True)
    form.paragraph(tick_row([(f"{n} {name}", n == case.stage) for n, name in enumerate(names, start=1)]))
    form.paragraph("What is the disagreement about? (tick all that apply)", bold=True)
    for text, ticked in category_boxes(case):
        form.paragraph(f"{'☒' if ticked else '☐'} {text}")
    form.paragraph("Is anyone at immediate risk of significant harm?", bold=True)
    form.paragraph(tick_row([("Yes", case.immediate_risk), ("No", not case.immediate_risk)]))
    form.paragraph("Details", bold=True)
    form.paragraph(case.concern)
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.agency",
        "challenged.agency",
        "stage",
        "categories",
        "immediate_risk",
        "concern",
    }
    return Rendered("docx", form.bytes(), printed)


def email_signature(case: Case, rng: random.Random) -> Rendered:
    """A notice written in an email, signed at the bottom."""
    who = "Adult" if case.subject_kind == "adult" else "Child"
    body = (
        f"Hi,\n\nI'd like to escalate a disagreement about the {who.lower()} below (step {case.stage}).\n\n"
        f"{who}: {case.subject_name}\nDOB: {date_text(case.dob, 'slash')}\nMy agency: {case.raiser_agency_written}\n"
        f"Agency I disagree with: {case.challenged_agency_written}\n\n{case.concern}\n\n"
        f"Thanks,\n{case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}\n{case.raiser_phone}\n"
    )
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.role",
        "raised_by.agency",
        "raised_by.phone",
        "challenged.agency",
        "concern",
        "stage",
    }
    return Rendered("email-text", body, printed)


def outlook_table(case: Case, rng: random.Random) -> Rendered:
    """An Outlook HTML email with a table of labels and answers pasted in."""
    names = stage_names(case.partnership)
    inner = (
        mso("Good morning,")
        + mso("")
        + mso("Please accept this as a formal escalation under the partnership procedure.")
        + mso("")
        + mso_table(
            [
                ("Name of Child/Young Person" if case.subject_kind == "child" else "Name of Adult", case.subject_name),
                ("D.O.B", date_text(case.dob, "slash")),
                ("Professional raising concern", case.raiser_name),
                ("Job title", case.raiser_role),
                ("Organisation", case.raiser_agency_written),
                ("Email", case.raiser_email),
                ("Professional / agency you disagree with", case.challenged_agency_written),
                ("Their name", case.challenged_name),
                ("Their role", case.challenged_role),
                ("Reason for escalation", case.concern),
                ("Stage", f"Stage {case.stage} - {names[case.stage - 1]}"),
                ("Immediate risk?", yes_no(case.immediate_risk)),
            ]
        )
        + mso("")
        + mso("Kind regards,")
        + mso(case.raiser_first)
    )
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency", "raised_by.email"}
        | CHALLENGED
        | {"concern", "stage", "immediate_risk"}
    )
    return Rendered("email-html", outlook_html(inner), printed)


def acroform_tooltips(case: Case, rng: random.Random) -> Rendered:
    """A fillable PDF whose field names mean nothing (Text1…) but whose tooltips say what they hold."""
    texts = [
        ("Name of child / adult", "Full name of the child or adult", case.subject_name, 1),
        ("Date of birth", "Date of birth of the child or adult", date_text(case.dob, "slash"), 1),
        ("Your name", "Name of the person raising the concern", case.raiser_name, 1),
        ("Your role", "Job title of the person raising the concern", case.raiser_role, 1),
        ("Your agency", "Agency of the person raising the concern", case.raiser_agency_written, 1),
        ("Your email", "Email address of the person raising the concern", case.raiser_email, 1),
        ("Your phone", "Telephone number of the person raising the concern", case.raiser_phone, 1),
        ("Agency you are escalating to", "Organisation you are escalating to", case.challenged_agency_written, 1),
        ("Stage", "Stage of the escalation procedure (1-5)", str(case.stage), 1),
        ("What is the disagreement?", "Details of the disagreement", case.concern, 4),
    ]
    fields = [
        {"label": label, "name": f"Text{n}", "tooltip": tip, "value": value, "lines": lines}
        for n, (label, tip, value, lines) in enumerate(texts, start=1)
    ]
    fields += [
        {"label": "Immediate risk: Yes", "name": "Check Box1", "tooltip": "Immediate risk - yes", "checked": case.immediate_risk},
        {
            "label": "Immediate risk: No",
            "name": "Check Box2",
            "tooltip": "Immediate risk - no",
            "checked": not case.immediate_risk,
        },
    ]
    printed = SUBJECT | RAISER | {"challenged.agency", "stage", "concern", "immediate_risk"}
    return Rendered("pdf", fillable_pdf("Escalation Form", fields), printed)


def printed_two_pages(case: Case, rng: random.Random) -> Rendered:
    """A printed form (no fields), tables on two pages."""
    blocks = [
        ("p", "This form is used when a disagreement between agencies cannot be resolved at practitioner level."),
        ("h", "Part A: The child or adult"),
        ("t", [("Name", case.subject_name), ("DOB", date_text(case.dob, "short"))]),
        ("h", "Part B: Person completing this form"),
        (
            "t",
            [
                ("Name of person completing form", case.raiser_name),
                ("Role", case.raiser_role),
                ("Agency", case.raiser_agency_written),
                ("Telephone", case.raiser_phone),
                ("Email", case.raiser_email),
            ],
        ),
        ("h", "Part C: The other agency"),
        (
            "t",
            [
                ("Agency you disagree with", case.challenged_agency_written),
                ("Practitioner you disagree with (if known)", case.challenged_name),
            ],
        ),
        ("break", None),
        ("h", "Part D: The disagreement"),
        (
            "t",
            [
                ("Details of the disagreement", case.concern),
                ("Escalation stage reached", f"Stage {case.stage}"),
                ("Immediate risk of significant harm?", yes_no(case.immediate_risk)),
            ],
        ),
        ("h", "Part E: Signature"),
        ("t", [("Print name", case.raiser_name), ("Date", date_text(case.signed_date, "slash"))]),
    ]
    printed = (
        SUBJECT
        | RAISER
        | {"challenged.agency", "challenged.name", "concern", "stage", "immediate_risk", "signed.name", "signed.date"}
    )
    return Rendered("pdf", printed_pdf("Multi-Agency Escalation Form", blocks), printed)


def combined_answers(case: Case, rng: random.Random) -> Rendered:
    """One answer holding several facts: name and date of birth; name, role and agency."""
    form = WordDocument()
    form.heading("Professional Challenge Form")
    form.table(
        [
            (f"Name and date of birth of the {subject_word(case)}", f"{case.subject_name}, {date_text(case.dob, 'slash')}"),
            ("Your details (name, role, agency)", f"{case.raiser_name}, {case.raiser_role}, {case.raiser_agency_written}"),
            ("Contact details", f"{case.raiser_email} / {case.raiser_phone}"),
            (
                "Agency and worker you disagree with",
                f"{case.challenged_agency_written} – {case.challenged_name} ({case.challenged_role})",
            ),
            ("What is the disagreement?", case.concern),
        ]
    )
    form.paragraph(f"Completed by: {case.raiser_name}, {case.raiser_role}")
    form.paragraph(f"Date completed: {date_text(case.signed_date, 'slash')}")
    return Rendered("docx", form.bytes(), SUBJECT | RAISER | CHALLENGED | {"concern"} | SIGNED)


def two_labels_a_line(case: Case, rng: random.Random) -> Rendered:
    """Two labels on one line (a form typed in a word processor), saved as OpenDocument."""
    gap = "&nbsp;" * 6
    who = "Child/Young Person" if case.subject_kind == "child" else "Adult"
    pairs = [
        ((f"Name of {who}:", case.subject_name), ("D.O.B", date_text(case.dob, "ordinal"))),
        (("Referrer:", case.raiser_name), ("Role:", case.raiser_role)),
        (("Agency:", case.raiser_agency_written), ("Tel:", case.raiser_phone)),
        (("Agency in dispute with:", case.challenged_agency_written), ("Contact:", case.challenged_name)),
        (("Level of escalation:", str(case.stage)), ("Immediate risk:", yes_no(case.immediate_risk))),
    ]
    lines = [gap.join(f"{escape(label)} {escape(value)}" for label, value in pair) for pair in pairs]
    body = (
        "<h2>Escalation Record</h2>"
        + "".join(f"<p>{line}</p>" for line in lines)
        + "<p><b>Concern:</b></p>"
        + f"<p>{escape(case.concern)}</p>"
    )
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.role",
        "raised_by.agency",
        "raised_by.phone",
        "challenged.agency",
        "challenged.name",
        "stage",
        "immediate_risk",
        "concern",
    }
    return Rendered("odt", html_page(body), printed)


def legacy_doc_table(case: Case, rng: random.Random) -> Rendered:
    """An old Word 97-2003 form: a ruled table, categories written out."""
    label = "Service user name" if case.subject_kind == "adult" else "Child's name"
    rows = [
        (label, case.subject_name),
        ("Date of birth", date_text(case.dob, "slash")),
        ("Referrer name", case.raiser_name),
        ("Referrer role", case.raiser_role),
        ("Referrer agency", case.raiser_agency_written),
        ("Referrer email", case.raiser_email),
        ("Agency concerns relate to", case.challenged_agency_written),
        ("Worker concerned", case.challenged_name),
        ("Type of disagreement", category_list(case)),
        ("Summary of concern", case.concern),
        ("Stage", str(case.stage)),
        ("Immediate risk (Y/N)", yes_no(case.immediate_risk, "Y", "N")),
    ]
    body = "<h2>Professional Disagreement Record</h2>" + html_table(rows)
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.role",
        "raised_by.agency",
        "raised_by.email",
        "challenged.agency",
        "challenged.name",
        "categories",
        "concern",
        "stage",
        "immediate_risk",
    }
    return Rendered("doc", html_page(body), printed)


DESIGNS = (
    Design("question-table", question_table.__doc__, "docx", ALL, question_table),
    Design("generic-sections", generic_sections.__doc__, "docx", ALL, generic_sections),
    Design("label-above", label_above.__doc__, "docx", ALL, label_above),
    Design("agency-a-b", agency_a_b.__doc__, "docx", CHILDREN, agency_a_b),
    Design("tick-boxes", tick_boxes.__doc__, "docx", ALL, tick_boxes),
    Design("email-signature", email_signature.__doc__, "email-text", ALL, email_signature),
    Design("outlook-table", outlook_table.__doc__, "email-html", ALL, outlook_table),
    Design("acroform-tooltips", acroform_tooltips.__doc__, "pdf", ALL, acroform_tooltips),
    Design("printed-two-pages", printed_two_pages.__doc__, "pdf", ALL, printed_two_pages),
    Design("combined-answers", combined_answers.__doc__, "docx", ALL, combined_answers),
    Design("two-labels-a-line", two_labels_a_line.__doc__, "odt", ALL, two_labels_a_line),
    Design("legacy-doc-table", legacy_doc_table.__doc__, "doc", ALL, legacy_doc_table),
)
