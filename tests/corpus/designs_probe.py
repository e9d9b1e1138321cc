"""Probe designs: forms written to measure the reader on layouts it was not tuned to (issue 9).

Written before the reader was changed for them, in the styles of forms other
partnerships publish: an LSCP "professional challenge" form of numbered
questions, an NHS trust template with instructions in brackets inside its label
cells, an adult board's "resolving professional differences" form with a tick
row for the level, a police-style printed PDF with capitalised headed sections
and the name in surname and forenames, a school nurse's email in sentences with
no labels at all, an Outlook email typed in a hurry (mixed case and typos), a
"Question | Response" table converted by LibreOffice, an Outlook table with one
column for each agency, a reply-style email with "Label - value" lines and a
parenthesised role, and a Word form whose label cells carry a line of guidance
under the label. Their first measured figure is recorded in benchmarks/README.md.
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
from tests.corpus.tools import WordDocument, fillable_pdf, html_page, mso, mso_table, outlook_html, printed_pdf

ALL = ("salford", "barnet", "bury-children", "bury-adults", "bnes")


def lscp_numbered_questions(case: Case, rng: random.Random) -> Rendered:
    """An LSCP professional challenge form: a Word table of numbered questions ending in '?', the
    raiser's name, job title and organisation in one answer, the decision-maker as "name, role"."""
    form = WordDocument()
    form.heading("Professional Challenge Form")
    form.paragraph("Please complete every question and return to the safeguarding partnership.")
    who = "child or young person" if case.subject_kind == "child" else "adult"
    rows = [
        (f"1. What is the name of the {who}?", case.subject_name),
        ("2. What is their date of birth?", date_text(case.dob, "ordinal")),
        (
            "3. Who are you? (name, job title and organisation)",
            f"{case.raiser_name}, {case.raiser_role}, {case.raiser_agency_written}",
        ),
        ("4. Which organisation's decision are you challenging?", case.challenged_agency_written),
        ("5. Who made the decision? (name and role)", f"{case.challenged_name}, {case.challenged_role}"),
        ("6. What is the professional challenge about?", case.concern),
        ("7. What stage of the escalation process are you at?", f"Stage {case.stage}"),
        (
            f"8. Do you believe the {subject_word(case)} is at immediate risk of significant harm?",
            yes_no(case.immediate_risk),
        ),
    ]
    form.table(rows)
    printed = SUBJECT | RAISER - {"raised_by.email", "raised_by.phone"} | CHALLENGED | {"concern", "stage", "immediate_risk"}
    return Rendered("docx", form.bytes(), printed)


def nhs_trust_template(case: Case, rng: random.Random) -> Rendered:
    """An NHS trust safeguarding template: bold section rows, label cells with instructions in
    brackets, an NHS number that is no telephone number, and the other organisation as "with whom"."""
    who = "Patient / child" if case.subject_kind == "child" else "Patient / adult"
    nhs_number = f"{rng.randint(400, 499)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    form = WordDocument(font="Calibri")
    form.heading("Safeguarding Escalation – Professional Disagreement", level=1)
    form.paragraph("Safeguarding Team template v3.2", bold=False)
    form.table(
        [
            ("PART 1: PATIENT DETAILS", ""),
            (f"{who} name (please use full legal name)", case.subject_name),
            ("NHS number (if known)", nhs_number),
            ("Date of birth (dd/mm/yyyy)", date_text(case.dob, "slash")),
            ("PART 2: REFERRER", ""),
            ("Referring clinician", case.raiser_name),
            ("Designation", case.raiser_role),
            ("Trust / organisation", case.raiser_agency_written),
            ("Contact telephone (direct line, not switchboard)", case.raiser_phone),
            ("Secure email address", case.raiser_email),
            ("PART 3: THE DISAGREEMENT", ""),
            ("Organisation with whom there is a disagreement", case.challenged_agency_written),
            ("Details of concern (include dates and actions already taken)", case.concern),
        ]
    )
    printed = SUBJECT | RAISER | {"challenged.agency", "concern"}
    return Rendered("docx", form.bytes(), printed)


def sab_resolving_differences(case: Case, rng: random.Random) -> Rendered:
    """An adult board's "Resolving Professional Differences" form: sections that reuse Name, Job
    title and Organisation, the level as a row of tick boxes, the categories ticked."""
    names = stage_names(case.partnership)
    form = WordDocument()
    form.heading("Resolving Professional Differences – Notification")
    form.paragraph("Section 1 – The adult", bold=True)
    form.table([("Name", case.subject_name), ("Date of birth", date_text(case.dob, "long"))])
    form.paragraph("Section 2 – Practitioner raising the difference", bold=True)
    form.table(
        [
            ("Name", case.raiser_name),
            ("Job title", case.raiser_role),
            ("Organisation", case.raiser_agency_written),
            ("Telephone", case.raiser_phone),
        ]
    )
    form.paragraph("Section 3 – Practitioner / agency the difference is with", bold=True)
    form.table(
        [("Name", case.challenged_name), ("Job title", case.challenged_role), ("Organisation", case.challenged_agency_written)]
    )
    form.paragraph("Section 4 – The difference", bold=True)
    form.table(
        [
            ("Level reached", tick_row([(f"Level {n} – {name}", n == case.stage) for n, name in enumerate(names, 1)])),
            ("What is the difference about? (tick all that apply)", "\n".join(tick_row([b]) for b in category_boxes(case))),
            ("Summary", case.concern),
        ]
    )
    printed = SUBJECT | RAISER - {"raised_by.email"} | CHALLENGED | {"stage", "categories", "concern"}
    return Rendered("docx", form.bytes(), printed)


def police_sections_pdf(case: Case, rng: random.Random) -> Rendered:
    """A police-style printed form: capitalised headed sections, SURNAME and FORENAME(S) apart,
    RANK / ROLE, and the circumstances in a box."""
    first, _, last = case.subject_name.partition(" ")
    r_first, _, r_last = case.raiser_name.partition(" ")
    blocks = [
        ("h", f"SECTION 1 – {'CHILD' if case.subject_kind == 'child' else 'ADULT'} SUBJECT OF THE DISAGREEMENT"),
        ("t", [("SURNAME", last), ("FORENAME(S)", first), ("D.O.B.", date_text(case.dob, "slash"))]),
        ("h", "SECTION 2 – OFFICER / PROFESSIONAL RAISING"),
        (
            "t",
            [
                ("SURNAME", r_last),
                ("FORENAME(S)", r_first),
                ("RANK / ROLE", case.raiser_role),
                ("ORGANISATION", case.raiser_agency_written),
                ("E-MAIL", case.raiser_email),
            ],
        ),
        ("h", "SECTION 3 – AGENCY IN DISPUTE"),
        ("t", [("ORGANISATION", case.challenged_agency_written), ("OFFICER / WORKER", case.challenged_name)]),
        ("h", "SECTION 4 – CIRCUMSTANCES"),
        ("t", [("CIRCUMSTANCES", case.concern), ("ESCALATION STAGE", str(case.stage))]),
    ]
    printed = SUBJECT | RAISER - {"raised_by.phone"} | {"challenged.agency", "challenged.name", "concern", "stage"}
    return Rendered("pdf", printed_pdf("MULTI-AGENCY ESCALATION", blocks), printed)


def nurse_sentences_email(case: Case, rng: random.Random) -> Rendered:
    """A plain email in sentences, no labels at all: who the writer is, whose decision they dispute
    and about whom, the concern in its own paragraph, and a signature."""
    body = (
        "Hi,\n\n"
        f"I am a {case.raiser_role} at {case.raiser_agency_written} and I disagree with "
        f"{case.challenged_agency_written}'s decision about {case.subject_name} (born {date_text(case.dob, 'long')}).\n\n"
        f"{case.concern}\n\n"
        f"I would like this to be treated as stage {case.stage} of the escalation policy.\n\n"
        "Many thanks\n"
        f"{case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}\n"
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "concern", "stage"}
    return Rendered("email-text", body, printed)


def hurried_outlook(case: Case, rng: random.Random) -> Rendered:
    """An Outlook email typed in a hurry: labels in capitals or lower case, spelling slips, and the
    other agency as "in dispute with"."""
    who = "CHILDS NAME" if case.subject_kind == "child" else "ADULTS NAME"
    inner = (
        mso("Hello")
        + mso("")
        + mso("Please see escalation below.")
        + mso("")
        + mso(f"{who}: {case.subject_name}")
        + mso(f"Date of brith: {date_text(case.dob, 'dots')}")
        + mso(f"refering professional: {case.raiser_name}")
        + mso(f"Job tittle: {case.raiser_role}")
        + mso(f"Organisaton: {case.raiser_agency_written}")
        + mso(f"Agency in dispute with: {case.challenged_agency_written}")
        + mso(f"Reason for escalaton: {case.concern}")
        + mso(f"escalation stage: {case.stage}")
        + mso("")
        + mso("Thanks")
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "concern", "stage"}
    return Rendered("email-html", outlook_html(inner), printed)


def question_response_odt(case: Case, rng: random.Random) -> Rendered:
    """A "Question | Response" table (a header row) converted by LibreOffice, labels with hints in
    brackets ("(if known)", "(please include any aliases)")."""
    rows = [
        ("Question", "Response"),
        (f"Name of {subject_word(case)} (please include any known aliases)", case.subject_name),
        ("DOB (if unborn, give EDD)", date_text(case.dob, "slash")),
        ("Your name", case.raiser_name),
        ("Your role", case.raiser_role),
        ("Your agency", case.raiser_agency_written),
        ("Your contact number", case.raiser_phone),
        ("Agency you are raising the concern about", case.challenged_agency_written),
        ("Name of the worker in that agency (if known)", case.challenged_name),
        ("Their role (if known)", case.challenged_role),
        ("Please describe the concern, including what has been tried so far", case.concern),
        ("Is there an immediate risk of harm? (Yes/No)", yes_no(case.immediate_risk)),
    ]
    cells = "".join(
        "<tr>"
        + "".join(f"<td>{'<b>' if i == 0 else ''}{escape(t)}{'</b>' if i == 0 else ''}</td>" for i, t in enumerate(r))
        + "</tr>"
        for r in rows
    )
    body = f'<h2>Escalation of Professional Concern</h2><table border="1" cellpadding="4" cellspacing="0">{cells}</table>'
    printed = SUBJECT | RAISER - {"raised_by.email"} | CHALLENGED | {"concern", "immediate_risk"}
    return Rendered("odt", html_page(body), printed)


def agency_columns_outlook(case: Case, rng: random.Random) -> Rendered:
    """An Outlook table with a column for each agency ("Referring agency", "Responding agency") and
    the attributes down the side, the child above it."""
    header = ("", "Referring agency", "Responding agency")
    rows = [
        header,
        ("Organisation", case.raiser_agency_written, case.challenged_agency_written),
        ("Practitioner", case.raiser_name, case.challenged_name),
        ("Role", case.raiser_role, case.challenged_role),
    ]
    inner = (
        mso("Good morning,")
        + mso("")
        + mso(f"{'Child' if case.subject_kind == 'child' else 'Adult'}: {case.subject_name}")
        + mso(f"DOB: {date_text(case.dob, 'slash')}")
        + mso("")
        + mso_table(rows)
        + mso("")
        + mso("Nature of the disagreement:", bold=True)
        + mso(case.concern)
        + mso("")
        + mso("Kind regards")
    )
    printed = SUBJECT | RAISER - {"raised_by.email", "raised_by.phone"} | CHALLENGED | {"concern"}
    return Rendered("email-html", outlook_html(inner), printed)


def dash_reply_email(case: Case, rng: random.Random) -> Rendered:
    """A plain email of "Label - value" lines, the other professional as "Name (Role, Agency)", and a
    signature with the role and agency on one line split by "|" and "T:" before the number."""
    yp = "YP" if case.subject_kind == "child" else "Adult"
    body = (
        "Morning all,\n\n"
        "Escalating as below, thanks.\n\n"
        f"Name of {yp} - {case.subject_name}\n"
        f"D.O.B - {date_text(case.dob, 'slash')}\n"
        f"Professional challenged - {case.challenged_name} ({case.challenged_role}, {case.challenged_agency_written})\n"
        f"Escalation step - {case.stage}\n"
        f"Concerns - {case.concern}\n\n"
        "Best wishes\n\n"
        f"{case.raiser_name}\n"
        f"{case.raiser_role} | {case.raiser_agency_written}\n"
        f"T: {case.raiser_phone}\n"
    )
    printed = SUBJECT | RAISER - {"raised_by.email"} | CHALLENGED | {"stage", "concern"}
    return Rendered("email-text", body, printed)


def guidance_label_cells(case: Case, rng: random.Random) -> Rendered:
    """A Word form whose label cells carry a line of guidance under the label, and a signature block
    (Signed, Print name, Date) at the end."""
    form = WordDocument()
    form.heading("Multi-Agency Escalation Notification")
    form.table(
        [
            (f"{subject_word(case).title()}'s full name", case.subject_name),
            ("Date of birth\n(or expected date of delivery)", date_text(case.dob, "short")),
            ("Practitioner name\n(the person completing this form)", case.raiser_name),
            ("Role and agency\n(e.g. Social Worker, Children's Services)", f"{case.raiser_role}, {case.raiser_agency_written}"),
            ("Email", case.raiser_email),
            ("Agency being challenged\n(the agency whose decision you disagree with)", case.challenged_agency_written),
            ("Concern\n(Please give a brief summary of the concern and what you want to happen)", case.concern),
            ("Categories of disagreement", category_list(case)),
            ("Stage of escalation\n(1, 2, 3…)", str(case.stage)),
        ]
    )
    form.table([("Signed", case.raiser_name), ("Print name", case.raiser_name), ("Date", date_text(case.signed_date, "slash"))])
    printed = (
        SUBJECT
        | RAISER - {"raised_by.phone"}
        | {"challenged.agency", "concern", "categories", "stage", "signed.name", "signed.date"}
    )
    return Rendered("docx", form.bytes(), printed)


DESIGNS = (
    Design("probe-lscp-numbered-questions", lscp_numbered_questions.__doc__, "docx", ALL, lscp_numbered_questions),
    Design("probe-nhs-trust-template", nhs_trust_template.__doc__, "docx", ALL, nhs_trust_template),
    Design("probe-sab-differences", sab_resolving_differences.__doc__, "docx", ("bury-adults",), sab_resolving_differences),
    Design("probe-police-sections", police_sections_pdf.__doc__, "pdf", ALL, police_sections_pdf),
    Design("probe-nurse-sentences", nurse_sentences_email.__doc__, "email-text", ALL, nurse_sentences_email),
    Design("probe-hurried-outlook", hurried_outlook.__doc__, "email-html", ALL, hurried_outlook),
    Design("probe-question-response", question_response_odt.__doc__, "odt", ALL, question_response_odt),
    Design("probe-agency-columns", agency_columns_outlook.__doc__, "email-html", ALL, agency_columns_outlook),
    Design("probe-dash-reply", dash_reply_email.__doc__, "email-text", ALL, dash_reply_email),
    Design("probe-guidance-labels", guidance_label_cells.__doc__, "docx", ALL, guidance_label_cells),
)


# --- second probe set: written after the first was read right, measured before any change for it ---


def label_guidance_paragraphs(case: Case, rng: random.Random) -> Rendered:
    """A Word form of bold labels, each with an italic-style guidance line in brackets under it and
    the answer below that, among fields the canonical notice does not have (address, GP, school)."""
    form = WordDocument()
    form.heading("Request to Escalate a Professional Disagreement")
    form.paragraph(f"About the {subject_word(case)}", bold=True)
    for label, hint, value in (
        ("Full name:", "(as known to your agency)", case.subject_name),
        ("Date of birth:", "(dd/mm/yyyy)", date_text(case.dob, "slash")),
        ("Home address:", "(including postcode)", "14 Larch Close, Exampletown, EX1 2AB"),
        ("GP practice:", "(if known)", "Riverside Medical Centre"),
    ):
        form.paragraph(label, bold=True)
        form.paragraph(hint)
        form.paragraph(value)
    form.paragraph("About you", bold=True)
    for label, value in (
        ("Name:", case.raiser_name),
        ("Job title:", case.raiser_role),
        ("Agency:", case.raiser_agency_written),
        ("Telephone:", case.raiser_phone),
    ):
        form.paragraph(label, bold=True)
        form.paragraph(value)
    form.paragraph("The disagreement", bold=True)
    form.paragraph("Which agency's decision do you disagree with?", bold=True)
    form.paragraph(case.challenged_agency_written)
    form.paragraph("What happened, and what have you done so far to resolve it?", bold=True)
    form.paragraph(case.concern)
    printed = SUBJECT | RAISER - {"raised_by.email"} | {"challenged.agency", "concern"}
    return Rendered("docx", form.bytes(), printed)


def questions_answered_inline(case: Case, rng: random.Random) -> Rendered:
    """A plain email answering the partnership's questions on the same line as each question mark,
    with the stage as "2nd stage" and the risk as a sentence."""
    body = (
        "Good afternoon,\n\n"
        f"Who is the {subject_word(case)}? {case.subject_name}, {date_text(case.dob, 'slash')}\n"
        f"Which agency do you disagree with? {case.challenged_agency_written}\n"
        f"Who made the decision? {case.challenged_name}\n"
        f"What is the disagreement about? {case.concern}\n"
        f"Is anyone at immediate risk? {yes_no(case.immediate_risk)}\n\n"
        "Regards,\n"
        f"{case.raiser_name}\n{case.raiser_role}, {case.raiser_agency_written}\n{case.raiser_email}\n"
    )
    printed = SUBJECT | RAISER - {"raised_by.phone"} | {"challenged.agency", "challenged.name", "concern", "immediate_risk"}
    return Rendered("email-text", body, printed)


def information_required_table(case: Case, rng: random.Random) -> Rendered:
    """An Outlook table headed "Information required | Details", numbered labels with hints, and a
    signature of "Name | Role", the agency, and "Mob:" before the number."""
    rows = [
        ("Information required", "Details"),
        ("1. Name of child / adult", case.subject_name),
        ("2. D.O.B / age", date_text(case.dob, "dots")),
        ("3. Agency/ies you are in disagreement with", case.challenged_agency_written),
        ("4. Brief description of the issue (max 200 words)", case.concern),
        ("5. Escalation stage reached (1-3)", str(case.stage)),
    ]
    inner = (
        mso("Hi team,")
        + mso("")
        + mso_table(rows)
        + mso("")
        + mso("Kind regards")
        + mso(f"{case.raiser_name} | {case.raiser_role}")
        + mso(case.raiser_agency_written)
        + mso(f"Mob: {case.raiser_phone}")
    )
    printed = SUBJECT | RAISER - {"raised_by.email"} | {"challenged.agency", "concern", "stage"}
    return Rendered("email-html", outlook_html(inner), printed)


def agency_numbered_columns(case: Case, rng: random.Random) -> Rendered:
    """A Word table with "Agency 1 (raising)" and "Agency 2 (receiving)" columns, the other
    agency's contact email in its column (which is no field of the raiser's)."""
    domain = case.challenged_agency.domain
    other_email = f"{case.challenged_name.split()[0].lower()}.{case.challenged_name.split()[1].lower()}@{domain}"
    form = WordDocument()
    form.heading("Inter-agency Escalation")
    form.table([(f"{subject_word(case).title()}'s name", case.subject_name), ("DOB", date_text(case.dob, "long"))])
    form.table(
        [
            ("", "Agency 1 (raising)", "Agency 2 (receiving)"),
            ("Agency name", case.raiser_agency_written, case.challenged_agency_written),
            ("Practitioner name", case.raiser_name, case.challenged_name),
            ("Job role", case.raiser_role, case.challenged_role),
            ("Contact email", case.raiser_email, other_email),
        ],
        bold_first=False,
    )
    form.table([("Reason for escalation", case.concern)])
    printed = SUBJECT | RAISER - {"raised_by.phone"} | CHALLENGED | {"concern"}
    return Rendered("docx", form.bytes(), printed)


def text_labels_above(case: Case, rng: random.Random) -> Rendered:
    """A plain email with each label in capitals on its own line and the answer on the next, a blank
    line between, as a form pasted into an email."""
    pairs = [
        (f"NAME OF {subject_word(case).upper()}", case.subject_name),
        ("DATE OF BIRTH", date_text(case.dob, "long")),
        ("NAME OF PERSON COMPLETING FORM", case.raiser_name),
        ("JOB TITLE", case.raiser_role),
        ("ORGANISATION", case.raiser_agency_written),
        ("CONTACT NUMBER", case.raiser_phone),
        ("ORGANISATION YOU ARE CHALLENGING", case.challenged_agency_written),
        ("DESCRIPTION OF CONCERN", case.concern),
    ]
    body = "Form below.\n\n" + "\n\n".join(f"{label}\n{value}" for label, value in pairs) + "\n\nThanks\n"
    printed = SUBJECT | RAISER - {"raised_by.email"} | {"challenged.agency", "concern"}
    return Rendered("email-text", body, printed)


def tick_yes_no_docx(case: Case, rng: random.Random) -> Rendered:
    """A Word form with yes/no and the stage as boxes after the label on one line
    ("Immediate risk:  Yes ☐  No ☒", "Stage:  1 ☐  2 ☒  3 ☐")."""
    stages = len(stage_names(case.partnership))
    form = WordDocument()
    form.heading("Escalation Notification Form")
    form.table(
        [
            ("Person at risk name" if case.subject_kind == "adult" else "Child's name", case.subject_name),
            ("Date of birth", date_text(case.dob, "slash")),
            ("Practitioner", case.raiser_name),
            ("Role", case.raiser_role),
            ("Organisation", case.raiser_agency_written),
            ("Email", case.raiser_email),
            ("Agency concern is with", case.challenged_agency_written),
            ("Concern", case.concern),
        ]
    )
    risk = f"Yes {'☒' if case.immediate_risk else '☐'}   No {'☐' if case.immediate_risk else '☒'}"
    stage = "   ".join(f"{n} {'☒' if n == case.stage else '☐'}" for n in range(1, stages + 1))
    form.paragraph(f"Immediate risk:   {risk}")
    form.paragraph(f"Stage:   {stage}")
    printed = SUBJECT | RAISER - {"raised_by.phone"} | {"challenged.agency", "concern", "immediate_risk", "stage"}
    return Rendered("docx", form.bytes(), printed)


def printed_cell_lines(case: Case, rng: random.Random) -> Rendered:
    """A printed PDF of one-column boxes, each holding one "Label: answer", under headings saying whose."""
    blocks = [
        ("h", f"The {subject_word(case)}"),
        ("t", [(f"Name: {case.subject_name}",), (f"Date of birth: {date_text(case.dob, 'slash')}",)]),
        ("h", "Professional raising the concern"),
        (
            "t",
            [
                (f"Name: {case.raiser_name}",),
                (f"Job title: {case.raiser_role}",),
                (f"Organisation: {case.raiser_agency_written}",),
                (f"Email: {case.raiser_email}",),
            ],
        ),
        ("h", "Organisation being challenged"),
        ("t", [(f"Organisation: {case.challenged_agency_written}",), (f"Contact: {case.challenged_name}",)]),
        ("h", "What is the disagreement?"),
        ("t", [(case.concern,)]),
    ]
    printed = SUBJECT | RAISER - {"raised_by.phone"} | {"challenged.agency", "challenged.name", "concern"}
    return Rendered("pdf", printed_pdf("Professional Disagreement Notification", blocks), printed)


DESIGNS += (
    Design("probe2-guidance-paragraphs", label_guidance_paragraphs.__doc__, "docx", ALL, label_guidance_paragraphs),
    Design("probe2-questions-inline", questions_answered_inline.__doc__, "email-text", ALL, questions_answered_inline),
    Design("probe2-information-required", information_required_table.__doc__, "email-html", ALL, information_required_table),
    Design("probe2-agency-numbered", agency_numbered_columns.__doc__, "docx", ALL, agency_numbered_columns),
    Design("probe2-text-labels-above", text_labels_above.__doc__, "email-text", ALL, text_labels_above),
    Design("probe2-tick-yes-no", tick_yes_no_docx.__doc__, "docx", ALL, tick_yes_no_docx),
    Design("probe2-printed-cell-lines", printed_cell_lines.__doc__, "pdf", ALL, printed_cell_lines),
)


# --- third probe set: written after the second was read right, measured before any change for it ---

_DISCLAIMER = (
    "This email and any files transmitted with it are confidential and intended solely for the use of the "
    "individual or entity to whom they are addressed. If you have received this email in error please notify "
    "the sender and delete it from your system."
)


def outlook_questions_disclaimer(case: Case, rng: random.Random) -> Rendered:
    """An Outlook email of a borderless table of questions (no colons), a signature with "Direct dial:"
    and "E:", and the organisation's confidentiality footer under it."""
    rows = [
        (f"Name of the {subject_word(case)}", case.subject_name),
        ("Their date of birth", date_text(case.dob, "ordinal")),
        ("Which organisation are you escalating to", case.challenged_agency_written),
        ("What is your concern", case.concern),
        ("Current escalation stage", str(case.stage)),
    ]
    inner = (
        mso("Hello,")
        + mso("")
        + mso_table(rows)
        + mso("")
        + mso("Many thanks,")
        + mso(case.raiser_name)
        + mso(case.raiser_role)
        + mso(case.raiser_agency_written)
        + mso(f"Direct dial: {case.raiser_phone}")
        + mso(f"E: {case.raiser_email}")
        + mso("")
        + mso(_DISCLAIMER)
    )
    printed = SUBJECT | RAISER | {"challenged.agency", "concern", "stage"}
    return Rendered("email-html", outlook_html(inner), printed)


def their_and_your_labels(case: Case, rng: random.Random) -> Rendered:
    """A Word form asking about "the professional whose decision you wish to challenge" and then
    "Their …", "Your …", with a declaration section at the end."""
    form = WordDocument()
    form.heading("Professional Challenge – Notification to the Partnership")
    form.table(
        [
            (f"Name of the {subject_word(case)} this concerns", case.subject_name),
            ("Their date of birth", date_text(case.dob, "short")),
            ("Name of the professional whose decision you wish to challenge", case.challenged_name),
            ("Their job title", case.challenged_role),
            ("Their organisation", case.challenged_agency_written),
            ("Your organisation", case.raiser_agency_written),
            ("Your job title", case.raiser_role),
            ("Your telephone number", case.raiser_phone),
            ("Your email address", case.raiser_email),
            ("Summary of the challenge", case.concern),
        ]
    )
    form.paragraph("Declaration", bold=True)
    form.table(
        [("Name of person completing this form", case.raiser_name), ("Date completed", date_text(case.signed_date, "slash"))]
    )
    printed = SUBJECT | RAISER | CHALLENGED | {"concern", "signed.date"}
    return Rendered("docx", form.bytes(), printed)


def guidance_column(case: Case, rng: random.Random) -> Rendered:
    """A Word table of three columns: the label, the answer, and guidance for filling it in."""
    form = WordDocument()
    form.heading("Escalation Record")
    form.table(
        [
            ("Field", "Your answer", "Guidance"),
            ("Child / adult", case.subject_name, "Full legal name; add any other names in the notes"),
            ("Date of birth", date_text(case.dob, "slash"), "If not known, give the age in years"),
            ("Referrer", case.raiser_name, "The person completing this record"),
            ("Referrer's agency", case.raiser_agency_written, "Your organisation, as it is known to the partnership"),
            ("Agency challenged", case.challenged_agency_written, "The organisation whose decision is in question"),
            ("Escalation stage", str(case.stage), "See the policy: stage 1 is between practitioners"),
            ("Concern", case.concern, "Keep to the facts; give dates where you can"),
        ],
        bold_first=False,
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.agency", "challenged.agency", "stage", "concern"}
    return Rendered("docx", form.bytes(), printed)


def acroform_coded_names(case: Case, rng: random.Random) -> Rendered:
    """A fillable PDF whose fields carry a designer's coded names ("txtYPName", "dtDOB",
    "txtRefOrg", "txtAgencyChallenged") and no tooltips, with labels printed beside them."""
    texts = [
        ("Name", "txtYPName", case.subject_name, 1),
        ("DOB", "dtDOB", date_text(case.dob, "slash"), 1),
        ("Referrer name", "txtRefName", case.raiser_name, 1),
        ("Referrer role", "txtRefRole", case.raiser_role, 1),
        ("Referrer organisation", "txtRefOrg", case.raiser_agency_written, 1),
        ("Agency challenged", "txtAgencyChallenged", case.challenged_agency_written, 1),
        ("Stage", "numStage", str(case.stage), 1),
        ("Details", "txtDetails", case.concern, 4),
    ]
    fields = [
        {"label": label, "name": name, "tooltip": "", "value": value, "lines": lines} for label, name, value, lines in texts
    ]
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "stage", "concern"}
    return Rendered("pdf", fillable_pdf("Escalation Form", fields), printed)


def adult_provider_form(case: Case, rng: random.Random) -> Rendered:
    """An adult board's form: "Name of adult at risk", the provider disagreed with, "Your
    safeguarding role", the concern under "Why are you raising this?"."""
    form = WordDocument()
    form.heading("Safeguarding Adults – Resolving Professional Disagreements")
    form.table(
        [
            ("Name of adult at risk", case.subject_name),
            ("Adult's date of birth", date_text(case.dob, "dots")),
            ("Your full name", case.raiser_name),
            ("Your safeguarding role", case.raiser_role),
            ("Your employer", case.raiser_agency_written),
            ("Organisation or provider you disagree with", case.challenged_agency_written),
            ("Why are you raising this?", case.concern),
            ("Level of escalation", f"Level {case.stage}"),
        ]
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "concern", "stage"}
    return Rendered("docx", form.bytes(), printed)


def details_lines_outlook(case: Case, rng: random.Random) -> Rendered:
    """An Outlook table whose "Your details" answer is four lines (name, role, agency, telephone) and
    whose "Their details" answer is three (name, role, agency), none of them labelled."""
    rows = [
        (f"{subject_word(case).title()}", f"{case.subject_name}\nDOB {date_text(case.dob, 'slash')}"),
        ("Your details", f"{case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}\n{case.raiser_phone}"),
        ("Their details", f"{case.challenged_name}\n{case.challenged_role}\n{case.challenged_agency_written}"),
        ("The issue", case.concern),
    ]
    inner = mso("Hi,") + mso("") + mso_table(rows) + mso("") + mso("Thanks")
    printed = SUBJECT | RAISER - {"raised_by.email"} | CHALLENGED | {"concern"}
    return Rendered("email-html", outlook_html(inner), printed)


DESIGNS += (
    Design("probe3-questions-disclaimer", outlook_questions_disclaimer.__doc__, "email-html", ALL, outlook_questions_disclaimer),
    Design("probe3-their-and-your", their_and_your_labels.__doc__, "docx", ALL, their_and_your_labels),
    Design("probe3-guidance-column", guidance_column.__doc__, "docx", ALL, guidance_column),
    Design("probe3-acroform-coded", acroform_coded_names.__doc__, "pdf", ALL, acroform_coded_names),
    Design("probe3-adult-provider", adult_provider_form.__doc__, "docx", ("bury-adults", "bnes"), adult_provider_form),
    Design("probe3-details-lines", details_lines_outlook.__doc__, "email-html", ALL, details_lines_outlook),
)


# --- fourth probe set: written after the third was read right, measured before any change for it ---


def text_cells_apart(case: Case, rng: random.Random) -> Rendered:
    """The plain-text part of a mail whose HTML was a table: each cell on a line of its own with a blank
    line between, so a label and its answer are two paragraphs."""
    cells = [
        (f"{subject_word(case).title()}'s name", case.subject_name),
        ("Date of birth", date_text(case.dob, "slash")),
        ("Referrer name", case.raiser_name),
        ("Referrer job title", case.raiser_role),
        ("Referrer agency", case.raiser_agency_written),
        ("Agency you are escalating to", case.challenged_agency_written),
        ("Escalation stage", str(case.stage)),
    ]
    body = "Hello\n\n" + "\n\n".join(f"{label}\n\n{value}" for label, value in cells) + "\n\nThank you\n"
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "stage"}
    return Rendered("email-text", body, printed)


def webmail_divs(case: Case, rng: random.Random) -> Rendered:
    """A webmail HTML body (divs, not Word's paragraphs): a <b> label in one div and its answer in the next."""
    pairs = [
        (f"{subject_word(case).title()}'s name", case.subject_name),
        ("Date of birth", date_text(case.dob, "long")),
        ("My name", case.raiser_name),
        ("My role", case.raiser_role),
        ("My organisation", case.raiser_agency_written),
        ("My phone number", case.raiser_phone),
        ("The agency I disagree with", case.challenged_agency_written),
        ("What the disagreement is about", case.concern),
    ]
    inner = "".join(f"<div><b>{escape(label)}</b></div><div>{escape(value)}</div><div><br></div>" for label, value in pairs)
    html = f'<html><body><div dir="ltr"><div>Hi,</div><div><br></div>{inner}<div>Thanks</div></div></body></html>'
    printed = SUBJECT | RAISER - {"raised_by.email"} | {"challenged.agency", "concern"}
    return Rendered("email-html", html, printed)


def semicolon_line(case: Case, rng: random.Random) -> Rendered:
    """A short plain email giving the facts as "Label: value; Label: value" on two lines, the concern below."""
    body = (
        "Hi,\n\n"
        f"Child/adult: {case.subject_name}; DOB: {date_text(case.dob, 'slash')}; Stage: {case.stage}\n"
        f"Raised by: {case.raiser_name}; Agency: {case.raiser_agency_written}; Challenged agency: {case.challenged_agency_written}\n\n"
        f"Concern: {case.concern}\n\n"
        "Thanks\n"
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.agency", "challenged.agency", "stage", "concern"}
    return Rendered("email-text", body, printed)


def numbered_paren_dash(case: Case, rng: random.Random) -> Rendered:
    """A plain email of numbered answers "1) Label - value", the other worker as "Name, Role"."""
    body = (
        "Escalation as discussed:\n\n"
        f"1) {subject_word(case).title()} - {case.subject_name}\n"
        f"2) DOB - {date_text(case.dob, 'dots')}\n"
        f"3) Agency disagreed with - {case.challenged_agency_written}\n"
        f"4) Worker/manager involved - {case.challenged_name}, {case.challenged_role}\n"
        f"5) Stage - {case.stage}\n"
        f"6) Immediate risk - {yes_no(case.immediate_risk, 'Y', 'N')}\n\n"
        "Regards\n\n"
        f"{case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}\n"
    )
    printed = SUBJECT | {
        "raised_by.name",
        "raised_by.role",
        "raised_by.agency",
        "challenged.agency",
        "challenged.name",
        "challenged.role",
        "stage",
        "immediate_risk",
    }
    return Rendered("email-text", body, printed)


def required_marks_docx(case: Case, rng: random.Random) -> Rendered:
    """A Word table whose required labels end in "*" and a colon, with a "(mandatory)" aside."""
    form = WordDocument()
    form.heading("Escalation Referral")
    form.paragraph("Fields marked * are mandatory.")
    form.table(
        [
            (f"Name of {subject_word(case)} *:", case.subject_name),
            ("Date of birth *:", date_text(case.dob, "slash")),
            ("Your name *:", case.raiser_name),
            ("Your role:", case.raiser_role),
            ("Your organisation *:", case.raiser_agency_written),
            ("Email address:", case.raiser_email),
            ("Organisation you are challenging (mandatory):", case.challenged_agency_written),
            ("Outline of the disagreement *:", case.concern),
            ("Is there a risk of immediate harm? *", yes_no(case.immediate_risk)),
        ]
    )
    printed = SUBJECT | RAISER - {"raised_by.phone"} | {"challenged.agency", "concern", "immediate_risk"}
    return Rendered("docx", form.bytes(), printed)


DESIGNS += (
    Design("probe4-text-cells-apart", text_cells_apart.__doc__, "email-text", ALL, text_cells_apart),
    Design("probe4-webmail-divs", webmail_divs.__doc__, "email-html", ALL, webmail_divs),
    Design("probe4-semicolon-line", semicolon_line.__doc__, "email-text", ALL, semicolon_line),
    Design("probe4-numbered-dash", numbered_paren_dash.__doc__, "email-text", ALL, numbered_paren_dash),
    Design("probe4-required-marks", required_marks_docx.__doc__, "docx", ALL, required_marks_docx),
)


# --- fifth probe set: written after the fourth was read right, measured before any change for it ---


def doc_section_rows(case: Case, rng: random.Random) -> Rendered:
    """An old Word form saved as .doc: a two-column table whose section headings are rows across it,
    the name as Surname and First name(s), the raiser's role as "Designation", the other side's
    person as "Lead professional"."""
    first, _, last = case.subject_name.partition(" ")
    rows = [
        ("SECTION A: DETAILS OF THE CHILD / ADULT",),
        ("Surname", last),
        ("First name(s)", first),
        ("Date of Birth", date_text(case.dob, "slash")),
        ("SECTION B: REFERRER",),
        ("Name", case.raiser_name),
        ("Designation", case.raiser_role),
        ("Agency", case.raiser_agency_written),
        ("Tel", case.raiser_phone),
        ("SECTION C: AGENCY BEING CHALLENGED",),
        ("Agency", case.challenged_agency_written),
        ("Lead professional", case.challenged_name),
        ("SECTION D: REASON FOR ESCALATION",),
        (case.concern,),
    ]
    cells = "".join(
        f'<tr><td colspan="2"><b>{escape(r[0])}</b></td></tr>'
        if len(r) == 1 and r[0].isupper()
        else f'<tr><td colspan="2">{escape(r[0])}</td></tr>'
        if len(r) == 1
        else f"<tr><td>{escape(r[0])}</td><td>{escape(r[1])}</td></tr>"
        for r in rows
    )
    body = f'<p><b>ESCALATION REFERRAL</b></p><table border="1" cellpadding="4" cellspacing="0">{cells}</table>'
    printed = SUBJECT | RAISER - {"raised_by.email"} | {"challenged.agency", "challenged.name", "concern"}
    return Rendered("doc", html_page(body), printed)


def printed_paragraph_labels(case: Case, rng: random.Random) -> Rendered:
    """A printed PDF of "Label: value" paragraphs under headings naming each side in full."""
    blocks = [
        ("h", f"Details of the {subject_word(case)}"),
        ("p", f"Name: {case.subject_name}"),
        ("p", f"Date of birth: {date_text(case.dob, 'long')}"),
        ("h", "Details of the person making the referral"),
        ("p", f"Name: {case.raiser_name}"),
        ("p", f"Role: {case.raiser_role}"),
        ("p", f"Organisation: {case.raiser_agency_written}"),
        ("p", f"Email: {case.raiser_email}"),
        ("h", "Details of the agency / professional being escalated to"),
        ("p", f"Organisation: {case.challenged_agency_written}"),
        ("p", f"Name: {case.challenged_name}"),
        ("p", f"Role: {case.challenged_role}"),
        ("h", "Reason for the escalation"),
        ("p", case.concern),
    ]
    printed = SUBJECT | RAISER - {"raised_by.phone"} | CHALLENGED | {"concern"}
    return Rendered("pdf", printed_pdf("Escalation of a professional disagreement", blocks), printed)


def writing_to_escalate(case: Case, rng: random.Random) -> Rendered:
    """A plain email in sentences: "I'm writing to escalate my concerns regarding <name>, DOB <date>,
    to stage N", the agency as "the decision of <agency>", a one-line signature with bars."""
    body = (
        "Dear Business Manager,\n\n"
        f"I'm writing to escalate my concerns regarding {case.subject_name}, DOB {date_text(case.dob, 'slash')}, "
        f"to stage {case.stage} of the escalation procedure. My concerns are with the decision of "
        f"{case.challenged_agency_written}.\n\n"
        f"{case.concern}\n\n"
        "Kind regards,\n"
        f"{case.raiser_name} | {case.raiser_role} | {case.raiser_agency_written}\n"
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "stage", "concern"}
    return Rendered("email-text", body, printed)


def outlook_nbsp_labels(case: Case, rng: random.Random) -> Rendered:
    """An Outlook email of bold labels followed by runs of non-breaking spaces before the answer."""
    gap = "&nbsp;" * 6
    pairs = [
        ("Name of child/YP" if case.subject_kind == "child" else "Name of adult", case.subject_name),
        ("DOB", date_text(case.dob, "slash")),
        ("Professional raising concern", case.raiser_name),
        ("Role", case.raiser_role),
        ("Agency", case.raiser_agency_written),
        ("Contact no.", case.raiser_phone),
        ("Professional being challenged", case.challenged_name),
        ("Role", case.challenged_role),
        ("Agency", case.challenged_agency_written),
        ("Nature of concern", case.concern),
    ]
    inner = "".join(f'<p class="MsoNormal"><b>{escape(label)}:</b>{gap}{escape(value)}<o:p></o:p></p>' for label, value in pairs)
    printed = SUBJECT | RAISER - {"raised_by.email"} | CHALLENGED | {"concern"}
    return Rendered("email-html", outlook_html(mso("Hi,") + mso("") + inner + mso("") + mso("Thanks")), printed)


DESIGNS += (
    Design("probe5-doc-section-rows", doc_section_rows.__doc__, "doc", ALL, doc_section_rows),
    Design("probe5-printed-paragraphs", printed_paragraph_labels.__doc__, "pdf", ALL, printed_paragraph_labels),
    Design("probe5-writing-to-escalate", writing_to_escalate.__doc__, "email-text", ALL, writing_to_escalate),
    Design("probe5-outlook-nbsp", outlook_nbsp_labels.__doc__, "email-html", ALL, outlook_nbsp_labels),
)


# --- sixth probe set (round 2): the challenged side's person in prose and in role-name order, written
# --- after the held-out figures said that person, the concern and immediate risk were weak; measured
# --- before any change for it ---


def _risk_sentence(case: Case) -> str:
    first = case.subject_first
    if case.immediate_risk:
        return f"I believe {first} is at immediate risk of significant harm."
    return f"There is no immediate risk to {first} at present."


def decision_of_person_email(case: Case, rng: random.Random) -> Rendered:
    """A plain email challenging "the decision of <Name>, <Role> at <Agency>", the concern in its own
    paragraph, the risk as a sentence (often a negative one), and a signature."""
    body = (
        "Dear colleagues,\n\n"
        f"I am writing to challenge the decision of {case.challenged_name}, {case.challenged_role} at "
        f"{case.challenged_agency_written}, regarding {case.subject_name} (DOB {date_text(case.dob, 'slash')}).\n\n"
        f"{case.concern}\n\n"
        f"{_risk_sentence(case)}\n\n"
        "Kind regards\n\n"
        f"{case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}\n"
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency"} | CHALLENGED | {"concern", "immediate_risk"}
    return Rendered("email-text", body, printed)


def spoke_to_outlook(case: Case, rng: random.Random) -> Rendered:
    """An Outlook email: the subject as two labelled lines, then "I spoke to <Name> (<Role>) at <Agency>",
    the concern under a bold "What I am worried about", and a signature."""
    inner = (
        mso("Hi,")
        + mso("")
        + mso(f"{subject_word(case).title()}: {case.subject_name}")
        + mso(f"DOB: {date_text(case.dob, 'long')}")
        + mso("")
        + mso(
            f"I spoke to {case.challenged_name} ({case.challenged_role}) at {case.challenged_agency_written} "
            "last week and we were not able to agree, so I am escalating."
        )
        + mso("")
        + mso("What I am worried about", bold=True)
        + mso(case.concern)
        + mso("")
        + mso("Many thanks,")
        + mso(case.raiser_name)
        + mso(case.raiser_role)
        + mso(case.raiser_agency_written)
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency"} | CHALLENGED | {"concern"}
    return Rendered("email-html", outlook_html(inner), printed)


def role_before_name_docx(case: Case, rng: random.Random) -> Rendered:
    """A Word table naming the other professional as "<Role> <Name>" in one cell, the concern as
    "Background", and immediate risk as boxes in the answer cell."""
    form = WordDocument()
    form.heading("Escalation – Professional Disagreement")
    risk = "☒ Yes   ☐ No" if case.immediate_risk else "☐ Yes   ☒ No"
    form.table(
        [
            (f"{subject_word(case).title()}", case.subject_name),
            ("Date of birth", date_text(case.dob, "slash")),
            ("Completed by", case.raiser_name),
            ("Agency", case.raiser_agency_written),
            ("Professional you disagree with", f"{case.challenged_role} {case.challenged_name}"),
            ("Their agency", case.challenged_agency_written),
            ("Background", case.concern),
            (f"Is the {subject_word(case)} at immediate risk?", risk),
        ]
    )
    # "Completed by" names the signatory too, as the corpus reads it everywhere (designs.py's "Completed by:");
    # first measured without it (five of set 6's fields read "invented").
    printed = SUBJECT | {"raised_by.name", "raised_by.agency", "signed.name"} | CHALLENGED | {"concern", "immediate_risk"}
    return Rendered("docx", form.bytes(), printed)


def other_agency_section_docx(case: Case, rng: random.Random) -> Rendered:
    """A Word form of headed paragraphs: "The other agency" section holding the agency and a contact as
    "<Name> – <Role>", the concern under "Decision being challenged"."""
    form = WordDocument()
    form.heading("Professional Challenge")
    form.paragraph(f"The {subject_word(case)}", bold=True)
    form.inline("Name:", case.subject_name)
    form.inline("D.O.B.:", date_text(case.dob, "dots"))
    form.paragraph("You", bold=True)
    form.inline("Name:", case.raiser_name)
    form.inline("Role:", case.raiser_role)
    form.inline("Organisation:", case.raiser_agency_written)
    form.inline("Email:", case.raiser_email)
    form.paragraph("The other agency", bold=True)
    form.inline("Organisation:", case.challenged_agency_written)
    form.inline("Contact:", f"{case.challenged_name} – {case.challenged_role}")
    form.paragraph("Decision being challenged", bold=True)
    form.paragraph(case.concern)
    printed = SUBJECT | RAISER - {"raised_by.phone"} | CHALLENGED | {"concern"}
    return Rendered("docx", form.bytes(), printed)


DESIGNS += (
    Design("probe6-decision-of-person", decision_of_person_email.__doc__, "email-text", ALL, decision_of_person_email),
    Design("probe6-spoke-to", spoke_to_outlook.__doc__, "email-html", ALL, spoke_to_outlook),
    Design("probe6-role-before-name", role_before_name_docx.__doc__, "docx", ALL, role_before_name_docx),
    Design("probe6-other-agency-section", other_agency_section_docx.__doc__, "docx", ALL, other_agency_section_docx),
)


# --- seventh probe set: the concern under labels the reader was not given, and in unlabelled prose ---


def issue_label_docx(case: Case, rng: random.Random) -> Rendered:
    """A Word table whose concern label is one of several a form might use ("What happened?", "Reason for
    disagreement", "Summary of the issue", "Why do you disagree?"), beside a long "Actions taken" answer
    the canonical notice has no field for."""
    label = rng.choice(("What happened?", "Reason for disagreement", "Summary of the issue", "Why do you disagree?"))
    form = WordDocument()
    form.heading("Escalation Form")
    form.table(
        [
            ("Name of person", case.subject_name),
            ("Date of birth", date_text(case.dob, "long")),
            ("Name of practitioner", case.raiser_name),
            ("Job title", case.raiser_role),
            ("Organisation", case.raiser_agency_written),
            ("Organisation disagreed with", case.challenged_agency_written),
            (label, case.concern),
            ("Outcome you are seeking", "A multi-agency meeting within ten working days."),
        ]
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "concern"}
    return Rendered("docx", form.bytes(), printed)


def unlabelled_prose_email(case: Case, rng: random.Random) -> Rendered:
    """A plain email with a "Re:" line for the subject, who the writer is in a sentence, the concern as a
    paragraph of its own with no label, the stage in a sentence, and a signature."""
    body = (
        "Hello,\n\n"
        f"Re: {case.subject_name}, DOB {date_text(case.dob, 'slash')}\n\n"
        f"I am the {case.raiser_role} working with {case.subject_first} at {case.raiser_agency_written}, and I "
        f"want to escalate a disagreement with {case.challenged_agency_written}.\n\n"
        f"{case.concern}\n\n"
        f"Please treat this as stage {case.stage}.\n\n"
        "Thank you,\n"
        f"{case.raiser_name}\n"
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "concern", "stage"}
    return Rendered("email-text", body, printed)


def details_label_outlook(case: Case, rng: random.Random) -> Rendered:
    """An Outlook email with "Label:" lines, the concern under "Details" on the lines below its label,
    and a sentence about the stage."""
    inner = (
        mso("Good afternoon,")
        + mso("")
        + mso(f"Name: {case.subject_name}")
        + mso(f"Date of birth: {date_text(case.dob, 'slash')}")
        + mso(f"Other agency: {case.challenged_agency_written}")
        + mso("")
        + mso("Details:", bold=True)
        + mso(case.concern)
        + mso("")
        + mso(f"We are now at stage {case.stage} of the escalation policy.")
        + mso("")
        + mso("Regards,")
        + mso(case.raiser_name)
        + mso(f"{case.raiser_role}, {case.raiser_agency_written}")
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "concern", "stage"}
    return Rendered("email-html", outlook_html(inner), printed)


def issue_numbered_pdf(case: Case, rng: random.Random) -> Rendered:
    """A printed PDF with "Issue in dispute" and "Agency/agencies involved" rows, and the raiser as one
    "Name / role / organisation" answer split by slashes."""
    blocks = [
        ("h", "Part A"),
        (
            "t",
            [
                (f"{subject_word(case).title()}'s name", case.subject_name),
                ("DOB", date_text(case.dob, "slash")),
                ("Name / role / organisation", f"{case.raiser_name} / {case.raiser_role} / {case.raiser_agency_written}"),
            ],
        ),
        ("h", "Part B"),
        ("t", [("Agency/agencies involved", case.challenged_agency_written), ("Issue in dispute", case.concern)]),
    ]
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "concern"}
    return Rendered("pdf", printed_pdf("Escalation", blocks), printed)


DESIGNS += (
    Design("probe7-issue-label", issue_label_docx.__doc__, "docx", ALL, issue_label_docx),
    Design("probe7-unlabelled-prose", unlabelled_prose_email.__doc__, "email-text", ALL, unlabelled_prose_email),
    Design("probe7-details-label", details_label_outlook.__doc__, "email-html", ALL, details_label_outlook),
    Design("probe7-issue-numbered", issue_numbered_pdf.__doc__, "pdf", ALL, issue_numbered_pdf),
)


# --- eighth probe set: immediate risk as prose, ticks and short answers, negatives included ---


def risk_prose_email(case: Case, rng: random.Random) -> Rendered:
    """A plain labelled email whose risk line is prose: "No immediate risk identified" or "Yes - police
    called (999) this morning"."""
    risk = "Yes - police called (999) this morning" if case.immediate_risk else "No immediate risk identified"
    body = (
        "Hi all,\n\n"
        f"Name: {case.subject_name}\n"
        f"DOB: {date_text(case.dob, 'slash')}\n"
        f"Referrer: {case.raiser_name}, {case.raiser_role}\n"
        f"Agency disagreed with: {case.challenged_agency_written}\n"
        f"Concern: {case.concern}\n"
        f"Immediate risk: {risk}\n\n"
        "Thanks\n"
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "challenged.agency", "concern", "immediate_risk"}
    return Rendered("email-text", body, printed)


def danger_question_docx(case: Case, rng: random.Random) -> Rendered:
    """A Word table asking "Is anyone in immediate danger?" answered "Y"/"N", among a "Safeguarding
    concerns known?" row that is no risk answer."""
    form = WordDocument()
    form.heading("Escalation of concern")
    form.table(
        [
            ("Subject", case.subject_name),
            ("DOB", date_text(case.dob, "short")),
            ("Raised by", case.raiser_name),
            ("Agency", case.raiser_agency_written),
            ("Agency challenged", case.challenged_agency_written),
            ("Concern", case.concern),
            ("Is anyone in immediate danger?", yes_no(case.immediate_risk, "Y", "N")),
        ]
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.agency", "challenged.agency", "concern", "immediate_risk"}
    return Rendered("docx", form.bytes(), printed)


def risk_sentence_outlook(case: Case, rng: random.Random) -> Rendered:
    """An Outlook email in sentences: who and about whom, the concern, then "I do not consider <first>
    to be at immediate risk" or "<first> is at immediate risk of harm and I have contacted the police"."""
    first = case.subject_first
    risk = (
        f"{first} is at immediate risk of harm and I have contacted the police."
        if case.immediate_risk
        else f"I do not consider {first} to be at immediate risk."
    )
    inner = (
        mso("Dear Safeguarding Team,")
        + mso("")
        + mso(
            f"I am raising a professional disagreement with {case.challenged_agency_written} about "
            f"{case.subject_name}, date of birth {date_text(case.dob, 'long')}."
        )
        + mso("")
        + mso(case.concern)
        + mso("")
        + mso(risk)
        + mso("")
        + mso("Kind regards,")
        + mso(case.raiser_name)
        + mso(case.raiser_role)
        + mso(case.raiser_agency_written)
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "concern", "immediate_risk"}
    return Rendered("email-html", outlook_html(inner), printed)


def risk_checkbox_acroform(case: Case, rng: random.Random) -> Rendered:
    """A fillable PDF with a check box for immediate risk (ticked or not) named "chkRisk" with a tooltip,
    and text fields with tooltips and Acrobat's own names."""
    texts = [
        ("Name of child / adult", "Text1", "Name of child or adult", case.subject_name, 1),
        ("Date of birth", "Text2", "Date of birth", date_text(case.dob, "slash"), 1),
        ("Your name", "Text3", "Your name", case.raiser_name, 1),
        ("Your organisation", "Text4", "Your organisation", case.raiser_agency_written, 1),
        ("Organisation you disagree with", "Text5", "Organisation you disagree with", case.challenged_agency_written, 1),
        ("The disagreement", "Text6", "Describe the disagreement", case.concern, 4),
    ]
    fields = [{"label": a, "name": b, "tooltip": c, "value": d, "lines": e} for a, b, c, d, e in texts]
    fields.append(
        {
            "label": "Tick if the person is at immediate risk of harm",
            "name": "chkRisk",
            "tooltip": "Immediate risk of harm",
            "checked": case.immediate_risk,
        }
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.agency", "challenged.agency", "concern", "immediate_risk"}
    return Rendered("pdf", fillable_pdf("Escalation Notification", fields), printed)


DESIGNS += (
    Design("probe8-risk-prose", risk_prose_email.__doc__, "email-text", ALL, risk_prose_email),
    Design("probe8-danger-question", danger_question_docx.__doc__, "docx", ALL, danger_question_docx),
    Design("probe8-risk-sentence", risk_sentence_outlook.__doc__, "email-html", ALL, risk_sentence_outlook),
    Design("probe8-risk-checkbox", risk_checkbox_acroform.__doc__, "pdf", ALL, risk_checkbox_acroform),
)
