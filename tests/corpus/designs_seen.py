"""The seen designs: six designs first kept held out (the old held-out part 1), now spent.

They were read by the reader as it stood, 265/390 fields (67.9%), before any change made for
them; then the lead opened them so the reader could learn the blind spots another author's
forms reveal (issue 9, branch reader-seen). From then on they are development designs reported
as their own part, "seen" (benchmarks/notices.py, tests/integration/test_notice_corpus.py).
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
from tests.corpus.tools import WordDocument, fillable_pdf, html_page, mso, outlook_html

ALL = ("salford", "barnet", "bury-children", "bury-adults", "bnes")
CHILDREN = ("salford", "barnet", "bury-children", "bnes")


def bilingual(case: Case, rng: random.Random) -> Rendered:
    """A Welsh-English form: every label in both languages, Welsh first."""
    form = WordDocument()
    form.heading("Ffurflen Uwchgyfeirio / Escalation Form")
    form.table(
        [
            (
                "Enw'r plentyn / Name of child" if case.subject_kind == "child" else "Enw'r oedolyn / Name of adult",
                case.subject_name,
            ),
            ("Dyddiad geni / Date of birth", date_text(case.dob, "slash")),
            ("Eich enw / Your name", case.raiser_name),
            ("Eich rôl / Your role", case.raiser_role),
            ("Eich asiantaeth / Your agency", case.raiser_agency_written),
            ("E-bost / Email", case.raiser_email),
            ("Rhif ffôn / Telephone", case.raiser_phone),
            ("Yr asiantaeth yr ydych yn anghytuno â hi / The agency you disagree with", case.challenged_agency_written),
            ("Disgrifiad o'r anghytundeb / Description of the disagreement", case.concern),
            ("Cam / Stage", str(case.stage)),
            ("Risg uniongyrchol? / Immediate risk?", yes_no(case.immediate_risk, "Ie / Yes", "Na / No")),
        ]
    )
    return Rendered("docx", form.bytes(), SUBJECT | RAISER | {"challenged.agency", "concern", "stage", "immediate_risk"})


def rtf_questions(case: Case, rng: random.Random) -> Rendered:
    """Questions as headings, answers below, several facts per answer; saved as Rich Text."""
    word = subject_word(case)
    parts = [
        (f"Name and date of birth of the {word}", f"{case.subject_name}, {date_text(case.dob, 'slash')}"),
        ("Your details (name, role, agency)", f"{case.raiser_name}, {case.raiser_role}, {case.raiser_agency_written}"),
        (
            "Details of the professional you disagree with (name, role, organisation)",
            f"{case.challenged_name}, {case.challenged_role}, {case.challenged_agency_written}",
        ),
        ("What has happened?", case.concern),
        ("Which level of the escalation procedure has been reached?", f"Level {case.stage}"),
        (f"Does the {word} face an immediate risk of harm? (Yes/No)", yes_no(case.immediate_risk)),
        ("Which themes apply?", category_list(case, ", ")),
    ]
    body = "<h2>Notification of Professional Disagreement</h2>" + "".join(
        f"<p><b>{escape(q)}</b></p><p>{escape(a)}</p>" for q, a in parts
    )
    printed = (
        SUBJECT
        | RAISER - {"raised_by.email", "raised_by.phone"}
        | CHALLENGED
        | {"concern", "stage", "immediate_risk", "categories"}
    )
    return Rendered("rtf", html_page(body), printed)


def email_narrative(case: Case, rng: random.Random) -> Rendered:
    """A short email: a few key lines, a narrative, and a one-line signature with contact details."""
    body = (
        f"Dear Business Manager,\n\n"
        f"Subject of concern: {case.subject_name}\nD.O.B.: {date_text(case.dob, 'dots')}\n"
        f"Concern about: {case.challenged_agency_written} ({case.challenged_name}, {case.challenged_role})\n\n"
        f"{case.concern}\n\nWe are now at stage {case.stage} of the procedure.\n\n"
        f"Regards\n\n{case.raiser_name}\n{case.raiser_role} | {case.raiser_agency_written}\n"
        f"T: {case.raiser_phone} | E: {case.raiser_email}\n"
    )
    return Rendered("email-text", body, SUBJECT | RAISER | CHALLENGED | {"concern", "stage"})


def acroform_named(case: Case, rng: random.Random) -> Rendered:
    """A fillable PDF with designer's field names (ChildName, Org, AgencyB…) and tooltips."""
    texts = [
        ("Name of child or adult", "ChildName", "Child or adult's name", case.subject_name, 1),
        ("D.O.B.", "DOB", "Date of birth", date_text(case.dob, "slash"), 1),
        ("Referrer", "Referrer", "Name of referrer", case.raiser_name, 1),
        ("Organisation", "Org", "Referrer's organisation", case.raiser_agency_written, 1),
        ("Tel", "Tel", "Referrer's telephone", case.raiser_phone, 1),
        (
            "Organisation you disagree with",
            "AgencyB",
            "Agency B - the agency you disagree with",
            case.challenged_agency_written,
            1,
        ),
        ("Worker (if known)", "Worker", "Name of worker in Agency B", case.challenged_name, 1),
        ("Level reached", "Level", "Escalation level reached", str(case.stage), 1),
        ("Summary", "Text12", "Summary of the disagreement", case.concern, 4),
        ("Signed", "Sig", "Signature (type your name)", case.raiser_name, 1),
        ("Date", "Date_signed", "Date signed", date_text(case.signed_date, "slash"), 1),
    ]
    fields = [
        {"label": label, "name": name, "tooltip": tip, "value": value, "lines": lines} for label, name, tip, value, lines in texts
    ]
    fields += [
        {"label": "Immediate risk? Yes", "name": "Risk_Y", "tooltip": "Immediate risk: yes", "checked": case.immediate_risk},
        {"label": "Immediate risk? No", "name": "Risk_N", "tooltip": "Immediate risk: no", "checked": not case.immediate_risk},
    ]
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.agency",
        "raised_by.phone",
        "challenged.agency",
        "challenged.name",
        "stage",
        "concern",
        "signed.name",
        "signed.date",
        "immediate_risk",
    }
    return Rendered("pdf", fillable_pdf("Professional Disagreement Form", fields), printed)


def four_columns(case: Case, rng: random.Random) -> Rendered:
    """A table with two label/answer pairs per row, and the narrative full width."""
    form = WordDocument()
    form.heading("Escalation Referral")
    form.heading(f"Section A – About the {'young person' if case.subject_kind == 'child' else 'adult'}", 2)
    form.table([("Name", case.subject_name, "DOB", date_text(case.dob, "slash"))])
    form.heading("Section B – Referral details", 2)
    form.table(
        [
            ("Referrer", case.raiser_name, "Role", case.raiser_role),
            ("Agency", case.raiser_agency_written, "Phone", case.raiser_phone),
            ("Email", case.raiser_email, "Stage", str(case.stage)),
            ("Agency challenged", case.challenged_agency_written, "Contact", case.challenged_name),
            ("Immediate risk", yes_no(case.immediate_risk), "Date", date_text(case.signed_date, "slash")),
        ]
    )
    form.paragraph("Details of the disagreement", bold=True)
    form.paragraph(case.concern)
    printed = SUBJECT | RAISER | {"challenged.agency", "challenged.name", "stage", "immediate_risk", "concern", "signed.date"}
    return Rendered("docx", form.bytes(), printed)


def outlook_sections(case: Case, rng: random.Random) -> Rendered:
    """An Outlook HTML email in sections, each with its own Name / Organisation lines, and category boxes."""
    names = stage_names(case.partnership)
    about = "About the young person" if case.subject_kind == "child" else "About the adult"
    inner = "".join(
        [
            mso("Hello,"),
            mso(""),
            mso("I am raising the following disagreement."),
            mso(""),
            mso(about, bold=True),
            mso(f"Name: {case.subject_name}"),
            mso(f"Date of birth: {date_text(case.dob, 'short')}"),
            mso(""),
            mso("About you", bold=True),
            mso(f"Name: {case.raiser_name}"),
            mso(f"Organisation: {case.raiser_agency_written}"),
            mso(f"Role: {case.raiser_role}"),
            mso(f"Email: {case.raiser_email}"),
            mso(""),
            mso("About the organisation you are escalating to", bold=True),
            mso(f"Organisation: {case.challenged_agency_written}"),
            mso(f"Name: {case.challenged_name}"),
            mso(f"Role: {case.challenged_role}"),
            mso(""),
            mso("What the disagreement is about", bold=True),
            *(mso(f"{'☒' if ticked else '☐'} {text}") for text, ticked in category_boxes(case)),
            mso(case.concern),
            mso(""),
            mso(f"Escalation stage: {tick_row([(str(n), n == case.stage) for n in range(1, len(names) + 1)])}"),
            mso(""),
            mso("Many thanks"),
            mso(case.raiser_name),
        ]
    )
    printed = SUBJECT | RAISER - {"raised_by.phone"} | CHALLENGED | {"categories", "concern", "stage"}
    return Rendered("email-html", outlook_html(inner), printed)


DESIGNS = (
    Design("bilingual", bilingual.__doc__, "docx", ALL, bilingual),
    Design("rtf-questions", rtf_questions.__doc__, "rtf", ALL, rtf_questions),
    Design("email-narrative", email_narrative.__doc__, "email-text", ALL, email_narrative),
    Design("acroform-named", acroform_named.__doc__, "pdf", ALL, acroform_named),
    Design("four-columns", four_columns.__doc__, "docx", ALL, four_columns),
    Design("outlook-sections", outlook_sections.__doc__, "email-html", ALL, outlook_sections),
)
