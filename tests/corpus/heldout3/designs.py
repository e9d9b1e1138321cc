"""Held-out part 3: thirteen escalation forms in the styles UK partnerships publish, written blind.

Written from the policies, DESIGN.md and the corpus helpers only, without reading the notice
reader, its label lists or any other design (issue 9): LSCP numbered questions with guidance,
Agency A / Agency B grids, a record of discussion per stage, NHS trust templates with bracketed
instructions, a letter with a signature block, printed PDFs (labels left under section headings;
labels above boxes over two pages), AcroForms (``Text1`` names with tooltips; named fields),
Word's RTF, a .doc of tick rows, and email bodies (an NHSmail-style message with a disclaimer and
the quoted reply, an Outlook table, a forwarded message typed in capitals).

Each design says exactly which canonical fields it prints; anything else must read as null.
People and agencies are cast per design (``cast``): surnames with particles and apostrophes,
roles as practitioners abbreviate them (HV, SW, DSL, IRO, MASH), agencies as people write them.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from dataclasses import replace
from datetime import date, timedelta
from html import escape

import docx
from docx.shared import Pt

from tests.corpus.cases import AGENCY_ALIASES, CATEGORY_TEXT, REPO, Case
from tests.corpus.design import CHALLENGED, RAISER, SIGNED, SUBJECT, Design, Rendered, date_text, stage_names
from tests.corpus.tools import (
    fillable_pdf,
    html_page,
    mso,
    mso_table,
    outlook_html,
    printed_pdf,
    rtf_document,
)

ALL = frozenset(SUBJECT | RAISER | CHALLENGED | SIGNED | {"categories", "concern", "immediate_risk", "stage"})

BOARDS = {
    "salford": "Salford Safeguarding Children Board",
    "barnet": "Barnet Safeguarding Children Partnership",
    "bury-children": "Bury Safeguarding Partnership",
    "bury-adults": "Bury Safeguarding Adults Board",
    "bnes": "Bath and North East Somerset Community Safety and Safeguarding Partnership",
}

# The policies' themes as other forms word them (each plainly one theme).
THEMES = {
    "thresholds": "Threshold / level of need",
    "roles_responsibilities": "Roles & responsibilities",
    "action_communication": "Need for action / communication",
    "information_sharing": "Information sharing",
    "response_to_concern": "Response to a safeguarding concern",
    "referral_not_accepted": "Referral not accepted",
    "assessment_outcome": "Outcome of assessment",
    "step_up_down": "Step up / step down",
    "case_conference": "Whether a case conference should be held",
    "plan_progression": "Progression of plan",
    "resources": "Resources / capacity",
    "statutory_roles": "Statutory roles not fulfilled",
    "non_attendance": "Non-attendance at statutory meetings",
    "unilateral_decision": "Unilateral decision making",
    "service_timeliness": "Timeliness of service provision",
}
assert set(THEMES) == set(CATEGORY_TEXT)

# --- the design's own people ---------------------------------------------------------------------------

SURNAMES = ("van der Merwe", "O'Neill-Hughes", "D'Souza", "de la Cruz", "McKenzie-Obi", "ap Rhys", "Da Silva", "St John")
OTHER_FIRST = ("Anne-Marie", "Siân", "Mary-Kate", "Jo", "Seán", "Abdul-Karim")
OTHER_LAST = SURNAMES + ("Ní Bhriain", "Mac Giolla", "O'Driscoll", "Fforde-Jones")
SHORT_ROLES = {
    "health": ("HV", "Specialist HV", "Named Nurse Safeguarding", "School Nurse (0-19 service)", "Safeguarding Nurse Advisor"),
    "social": ("SW", "Senior SW", "IRO", "MASH Social Worker", "Advanced Practitioner", "Team Manager (MASH)"),
    "police": ("DC", "DS", "PPIU Detective Sergeant", "MASH Police Officer"),
    "school": ("DSL", "Deputy DSL", "Headteacher", "SENCo", "Pastoral Manager"),
    "housing": ("Housing Officer", "Tenancy Sustainment Officer", "ASB Officer"),
}
FREE_WRITINGS = {
    "Bury Health Visiting": ("Bury HV Service",),
    "B&NES Social Care": ("BANES Social Care",),
    "Bury Adult Social Care": ("Adult Social Care (Bury Council)",),
}


def _writings() -> dict[str, tuple[str, ...]]:
    """Each agency's other names: the directory's aliases, the corpus's, and a few as people type them."""
    found: dict[str, set[str]] = {}
    with (REPO / "config" / "directory.example.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["agency"]:
                names = found.setdefault(row["agency"], set())
                names.update(alias for alias in (row.get("agency_aliases") or "").split(";") if alias)
    for agency, aliases in {**AGENCY_ALIASES}.items():
        found.setdefault(agency, set()).update(aliases)
    for agency, aliases in FREE_WRITINGS.items():
        found.setdefault(agency, set()).update(aliases)
    # A comma inside an agency's name would make "Name, role, agency" answers ambiguous to a human too.
    return {agency: tuple(sorted(n for n in names if "," not in n)) for agency, names in found.items()}


WRITINGS = _writings()


def cast(case: Case, rng: random.Random) -> Case:
    """The case with this part's people: particles in surnames, abbreviated roles, agencies as written."""
    changes: dict[str, object] = {}
    if rng.random() < 0.5:
        changes["raiser_last"] = rng.choice(SURNAMES)
    if rng.random() < 0.5:
        changes["challenged_name"] = f"{rng.choice(OTHER_FIRST)} {rng.choice(OTHER_LAST)}"
    if rng.random() < 0.5:
        changes["raiser_role"] = rng.choice(SHORT_ROLES[case.raiser_agency.kind])
    if rng.random() < 0.4:
        changes["challenged_role"] = rng.choice(SHORT_ROLES[case.challenged_agency.kind])
    for side, agency in (("raiser", case.raiser_agency), ("challenged", case.challenged_agency)):
        names = WRITINGS.get(agency.name, ())
        written = getattr(case, f"{side}_agency_written")
        if "," in written or (names and rng.random() < 0.4):
            written = rng.choice(names) if names else agency.name
        changes[f"{side}_agency_written"] = written
    return replace(case, **changes)  # type: ignore[arg-type]


# --- how these forms write things --------------------------------------------------------------------


def day(value: date, style: str) -> str:
    if style == "dmy-dash":
        return value.strftime("%d-%b-%Y")
    if style == "weekday":
        return f"{value.strftime('%A')} {value.day} {value.strftime('%B %Y')}"
    return date_text(value, style)


def working_day(value: date) -> date:
    """The day itself, or the Friday before it: the quoted mails were sent at work."""
    return value - timedelta(days=max(0, value.weekday() - 4))


def themes(case: Case) -> list[str]:
    return [THEMES[slug] for slug in case.categories]


def ticks(case: Case, mark: str = "☒", empty: str = "☐") -> list[str]:
    return [f"{mark if slug in case.categories else empty} {text}" for slug, text in THEMES.items()]


def stage_line(case: Case) -> str:
    return f"Stage {case.stage} – {stage_names(case.partnership)[case.stage - 1]}"


def earlier_meetings(case: Case, rng: random.Random) -> list[tuple[int, date]]:
    """The dates of the stages before this one (a record of discussion), oldest first."""
    back = case.signed_date - timedelta(days=2 * case.stage + rng.randint(0, 3))
    return [(number, back + timedelta(days=2 * (number - 1))) for number in range(1, case.stage)]


def risk_sentence(case: Case) -> str:
    first = case.subject_first
    if case.immediate_risk:
        return f"I believe {first} is at immediate risk of significant harm and have also followed our safeguarding procedures today."
    return f"In my view {first} is not at immediate risk of significant harm."


# --- A. LSCP numbered questions, guidance in italics (.docx) ------------------------------------------


def _cell(cell, text: str, *, bold: bool = False, guidance: str = "") -> None:
    cell.text = ""
    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    for number, line in enumerate(lines):
        if number:
            paragraph = cell.add_paragraph()
        paragraph.add_run(line).bold = bold
    if guidance:
        run = cell.add_paragraph().add_run(guidance)
        run.italic, run.font.size = True, Pt(8)


def _document() -> docx.document.Document:
    document = docx.Document()
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(10)
    return document


def _bytes(document) -> bytes:
    import io

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def numbered_questions(case: Case, rng: random.Random) -> Rendered:
    document = _document()
    document.add_heading(f"{BOARDS[case.partnership]}", level=1)
    document.add_heading("Resolving Professional Differences – Escalation Form", level=2)
    document.add_paragraph(
        "Please complete this form where a professional difference has not been resolved through discussion. "
        "This form must not delay action to protect a child or adult at risk of significant harm."
    )
    questions = [
        ("Name of child / adult", "", case.subject_name),
        ("Date of birth", "(or expected date of delivery if unborn)", day(case.dob, rng.choice(("ordinal", "slash")))),
        (
            "Your name, job title and agency",
            "",
            f"{case.raiser_name}, {case.raiser_role}, {case.raiser_agency_written}",
        ),
        ("Your telephone number and secure email", "", f"{case.raiser_phone} / {case.raiser_email}"),
        ("Which agency are you in disagreement with?", "", case.challenged_agency_written),
        (
            "Name and role of the professional whose decision you are challenging",
            "",
            f"{case.challenged_name} ({case.challenged_role})",
        ),
        ("What is the disagreement about?", "(tick all that apply)", "\n".join(ticks(case))),
        (
            "Summary of the disagreement",
            "(what was the decision, why do you disagree, what has happened since)",
            case.concern,
        ),
        (
            "Do you believe the child / adult is at immediate risk of significant harm?",
            "(if yes, do not wait for this process: contact MASH or the police now)",
            "Yes" if case.immediate_risk else "No",
        ),
        ("At what stage of the escalation process are you?", "(see section 4 of the procedure)", stage_line(case)),
        ("What outcome are you seeking?", "", "A review of the decision and a multi-agency discussion."),
    ]
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("No.", "Question", "Response")):
        _cell(cell, text, bold=True)
    for number, (question, guidance, answer) in enumerate(questions, 1):
        cells = table.add_row().cells
        _cell(cells[0], f"{number}.")
        _cell(cells[1], question, bold=True, guidance=guidance)
        _cell(cells[2], answer)
    document.add_paragraph()
    document.add_paragraph().add_run("To be completed when the difference is resolved").bold = True
    outcome = document.add_table(rows=0, cols=2)
    outcome.style = "Table Grid"
    for label in ("Outcome agreed", "Date resolved", "Learning identified"):
        cells = outcome.add_row().cells
        _cell(cells[0], label, bold=True)
        _cell(cells[1], "")
    document.add_paragraph()
    signature = document.add_table(rows=0, cols=4)
    signature.style = "Table Grid"
    cells = signature.add_row().cells
    for cell, text, bold in zip(cells, ("Signed", case.raiser_name, "Date", day(case.signed_date, "slash")), (1, 0, 1, 0)):
        _cell(cell, text, bold=bool(bold))
    printed = ALL - {"signed.role"}
    return Rendered("docx", _bytes(document), printed)


# --- B. Agency A / Agency B grid with a record of discussion per stage (.docx) -----------------------------


def agency_grid(case: Case, rng: random.Random) -> Rendered:
    document = _document()
    document.add_heading("Multi-agency Professional Disagreement – Record", level=1)
    document.add_paragraph(f"{BOARDS[case.partnership]} escalation protocol. Send to the partnership mailbox.")
    about = document.add_table(rows=0, cols=2)
    about.style = "Table Grid"
    for label, value in (
        ("Full name of the person the disagreement is about", case.subject_name),
        ("Date of birth", day(case.dob, "dots")),
        ("Adult or child?", "Adult" if case.subject_kind == "adult" else "Child"),
    ):
        cells = about.add_row().cells
        _cell(cells[0], label, bold=True)
        _cell(cells[1], value)
    document.add_paragraph()
    grid = document.add_table(rows=1, cols=3)
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, ("", "Agency A (raising the disagreement)", "Agency B (responding)")):
        _cell(cell, text, bold=True)
    for label, a, b in (
        ("Organisation", case.raiser_agency_written, case.challenged_agency_written),
        ("Practitioner name", case.raiser_name, case.challenged_name),
        ("Job title", case.raiser_role, case.challenged_role),
        ("Telephone", case.raiser_phone, "via switchboard"),
        ("Email", case.raiser_email, "N/A"),
    ):
        cells = grid.add_row().cells
        _cell(cells[0], label, bold=True)
        _cell(cells[1], a)
        _cell(cells[2], b)
    document.add_paragraph()
    detail = document.add_table(rows=0, cols=2)
    detail.style = "Table Grid"
    for label, guidance, value in (
        ("Type of disagreement", "(tick one or more)", "\n".join(ticks(case))),
        ("Summary of the disagreement", "(include the decision you disagree with)", case.concern),
        (
            "Is there an immediate risk to the person?",
            "",
            "Yes – referral made today" if case.immediate_risk else "No – see summary",
        ),
    ):
        cells = detail.add_row().cells
        _cell(cells[0], label, bold=True, guidance=guidance)
        _cell(cells[1], value)
    document.add_paragraph()
    document.add_paragraph().add_run("Record of discussion").bold = True
    record = document.add_table(rows=1, cols=4)
    record.style = "Table Grid"
    for cell, text in zip(record.rows[0].cells, ("Stage", "Date", "Who took part", "Outcome / agreed actions")):
        _cell(cell, text, bold=True)
    meetings = dict(earlier_meetings(case, rng))
    for number in range(1, len(stage_names(case.partnership)) + 1):
        cells = record.add_row().cells
        _cell(cells[0], str(number))
        if number in meetings:
            _cell(cells[1], day(meetings[number], "slash"))
            _cell(cells[2], "Agency A and Agency B" if number == 1 else "Both line managers")
            _cell(cells[3], "Not resolved")
    document.add_paragraph(f"This record is submitted at stage {case.stage}.")
    signature = document.add_table(rows=0, cols=2)
    signature.style = "Table Grid"
    for label, value in (
        ("Signature (typed)", case.raiser_name),
        ("Designation", case.raiser_role),
        ("Date", day(case.signed_date, "long")),
        ("Resolved? (Y/N)", ""),
    ):
        cells = signature.add_row().cells
        _cell(cells[0], label, bold=True)
        _cell(cells[1], value)
    return Rendered("docx", _bytes(document), ALL | {"subject.kind"})


# --- C. An NHS trust's template: paragraphs with bracketed instructions, capitals (.docx) -------------------


def trust_template(case: Case, rng: random.Random) -> Rendered:
    document = _document()
    header = document.add_paragraph()
    header.add_run(f"{case.raiser_agency_written}\nSafeguarding Team").bold = True
    document.add_heading("Escalation of a professional disagreement", level=1)
    document.add_paragraph("[Guidance: complete every section. Use capitals for names. Delete the text in brackets.]")

    def item(label: str, value: str, *, above: bool) -> None:
        paragraph = document.add_paragraph()
        paragraph.add_run(label).bold = True
        if above:
            document.add_paragraph(value)
        else:
            paragraph.add_run(f" {value}")

    risk = "Y" if case.immediate_risk else "N"
    item("Name of child / adult [FULL NAME IN CAPITALS]:", case.subject_name.upper(), above=True)
    item("Date of birth [dd/mm/yyyy]:", day(case.dob, "slash"), above=False)
    item("NHS number [if known]:", "N/A", above=False)
    item("Your details [name, designation]:", f"{case.raiser_name.upper()}, {case.raiser_role}", above=True)
    item("Agency / Trust:", case.raiser_agency_written, above=False)
    item("Contact telephone:", case.raiser_phone, above=False)
    item(
        "Professional you are in disagreement with [name, role, agency]:",
        f"{case.challenged_name}, {case.challenged_role}, {case.challenged_agency_written}",
        above=True,
    )
    item("Nature of the disagreement [describe the decision and why you disagree]:", case.concern, above=True)
    item("Category [choose from the list in the policy]:", "; ".join(themes(case)), above=True)
    item("Immediate risk of significant harm? [Y/N]:", risk, above=False)
    item(f"Escalation stage reached [1-{len(stage_names(case.partnership))}]:", str(case.stage), above=False)
    item("Advice sought from the named nurse? [Y/N]:", "Y", above=False)
    item("Signature:", case.raiser_name, above=False)
    item("Designation:", case.raiser_role, above=False)
    item("Date:", day(case.signed_date, "ordinal"), above=False)
    printed = ALL - {"raised_by.email"}
    return Rendered("docx", _bytes(document), printed)


# --- D. A letter on letterhead with a signature block (.odt from HTML) ------------------------------------------


def letter(case: Case, rng: random.Random) -> Rendered:
    signed = day(case.signed_date, "long")
    body = [
        f"<p><b>{escape(case.raiser_agency_written)}</b><br>Safeguarding and Quality Team<br>Unit 4, Riverside House</p>",
        f"<p>{escape(signed)}</p>",
        f"<p>{escape(case.challenged_name)}<br>{escape(case.challenged_role)}<br>{escape(case.challenged_agency_written)}</p>",
        f"<p>Dear {escape(case.challenged_name.split()[0])},</p>",
        f"<p><b>Re: {escape(case.subject_name)} (DOB {escape(day(case.dob, 'slash'))}) – professional disagreement, "
        f"stage {case.stage} of the {escape(BOARDS[case.partnership])} escalation procedure</b></p>",
        "<p>Following our recent conversations I am writing to set out formally why I disagree with the decision "
        "made by your service, so that it can be considered at the next stage.</p>",
        f"<p>{escape(case.concern)}</p>",
        f"<p>{escape(risk_sentence(case))}</p>",
        "<p>I would be grateful for a written response within five working days. A copy of this letter goes to the "
        "partnership's business manager for monitoring.</p>",
        "<p>Yours sincerely,</p>",
        "<table border='0' cellpadding='3'>"
        f"<tr><td>Signed:</td><td>{escape(case.raiser_name)}</td></tr>"
        f"<tr><td>Print name:</td><td>{escape(case.raiser_name.upper())}</td></tr>"
        f"<tr><td>Designation:</td><td>{escape(case.raiser_role)}</td></tr>"
        f"<tr><td>Date:</td><td>{escape(signed)}</td></tr>"
        f"<tr><td>Tel:</td><td>{escape(case.raiser_phone)}</td></tr>"
        f"<tr><td>Email:</td><td>{escape(case.raiser_email)}</td></tr>"
        "</table>",
    ]
    printed = ALL - {"categories"}
    return Rendered("odt", html_page("".join(body), title="Letter"), printed)


# --- E. A printed PDF, one page, sections with generic labels left of the answers ---------------------------


def printed_sections(case: Case, rng: random.Random) -> Rendered:
    blocks: list[tuple[str, object]] = [
        ("p", f"{BOARDS[case.partnership]}. Complete all sections and email to the partnership."),
        ("h", "Section 1: The child or adult"),
        ("t", [["Name", case.subject_name], ["Date of birth", day(case.dob, "dots")]]),
        ("h", "Section 2: Person raising the disagreement"),
        (
            "t",
            [
                ["Name", case.raiser_name],
                ["Role", case.raiser_role],
                ["Organisation", case.raiser_agency_written],
                ["Telephone", case.raiser_phone],
                ["Email", case.raiser_email],
            ],
        ),
        ("h", "Section 3: The professional / agency you disagree with"),
        (
            "t",
            [["Name", case.challenged_name], ["Role", case.challenged_role], ["Organisation", case.challenged_agency_written]],
        ),
        ("h", "Section 4: The disagreement"),
        (
            "t",
            [
                ["Category", "; ".join(themes(case))],
                ["Details", case.concern],
                ["Immediate risk?", "Yes" if case.immediate_risk else "No"],
                ["Stage", f"Stage {case.stage}"],
            ],
        ),
        ("h", "Section 5: Declaration"),
        ("t", [["Signed", case.raiser_name], ["Date", day(case.signed_date, "dots")]]),
    ]
    data = printed_pdf("Professional Disagreement / Escalation Notification", blocks)
    return Rendered("pdf", data, ALL - {"signed.role"})


# --- F. A printed PDF over two pages, labels above the boxes ------------------------------------------------


def printed_two_pages(case: Case, rng: random.Random) -> Rendered:
    def boxes(pairs: list[tuple[str, str]]) -> list[list[str]]:
        rows: list[list[str]] = []
        for label, answer in pairs:
            rows += [[label], [answer]]
        return rows

    page_one = boxes(
        [
            ("Name of the child or adult at risk", case.subject_name),
            ("Date of birth", day(case.dob, "short")),
            ("Your name and role", f"{case.raiser_name} ({case.raiser_role})"),
            ("Your agency", case.raiser_agency_written),
            ("Your contact number (please give a direct line)", case.raiser_phone),
            (
                "Who do you disagree with? (name, role and agency)",
                f"{case.challenged_name}, {case.challenged_role} at {case.challenged_agency_written}",
            ),
        ]
    )
    page_two = boxes(
        [
            ("What is the disagreement? (the decision, and why you disagree with it)", case.concern),
            ("Theme(s) of the disagreement", ", ".join(themes(case))),
            ("Is anyone at immediate risk of significant harm? (yes / no)", "yes" if case.immediate_risk else "no"),
            ("Which stage of the procedure is this?", str(case.stage)),
        ]
    )
    office = boxes([("Outcome of the escalation (for the business manager)", ""), ("Date closed", "")])
    signature = boxes(
        [
            ("Signed (type your name)", case.raiser_name),
            ("Job title", case.raiser_role),
            ("Date signed", day(case.signed_date, "slash")),
        ]
    )
    blocks: list[tuple[str, object]] = [
        ("p", "Part 1 of 2. Please type; handwritten forms cannot be accepted."),
        ("h", "About the person and the professionals"),
        ("t", page_one),
        ("break", None),
        ("p", "Part 2 of 2"),
        ("h", "The disagreement"),
        ("t", page_two),
        ("h", "Signature"),
        ("t", signature),
        ("h", "Office use only"),
        ("t", office),
    ]
    data = printed_pdf("Escalation of a professional disagreement", blocks)
    return Rendered("pdf", data, ALL - {"raised_by.email"})


# --- G. An AcroForm named Text1…, each field with a tooltip ---------------------------------------------------


def acroform_numbered(case: Case, rng: random.Random) -> Rendered:
    fields: list[dict] = []

    def text(label: str, tooltip: str, value: str, lines: int = 1) -> None:
        fields.append({"label": label, "name": f"Text{len(fields) + 1}", "tooltip": tooltip, "value": value, "lines": lines})

    text("Child's name", "Child's full name", case.subject_name)
    text("DOB", "Child's date of birth", day(case.dob, "slash"))
    text("Your name", "Name of referrer", case.raiser_name)
    text("Job title", "Referrer job title", case.raiser_role)
    text("Agency", "Referrer agency", case.raiser_agency_written)
    text("Tel", "Referrer phone", case.raiser_phone)
    text("Email", "Referrer email", case.raiser_email)
    text("Agency in dispute with", "Agency you are in dispute with", case.challenged_agency_written)
    text("Their name", "Name of the worker in the other agency", case.challenged_name)
    text("Their job title", "Job title of the worker in the other agency", case.challenged_role)
    for number, (slug, wording) in enumerate(THEMES.items(), 1):
        fields.append({"label": wording, "name": f"Check Box{number}", "tooltip": wording, "checked": slug in case.categories})
    text("Summary of disagreement", "Summary of disagreement", case.concern, lines=4)
    fields.append(
        {"label": "Immediate risk: Yes", "name": "Check Box20", "tooltip": "Immediate risk yes", "checked": case.immediate_risk}
    )
    fields.append(
        {"label": "Immediate risk: No", "name": "Check Box21", "tooltip": "Immediate risk no", "checked": not case.immediate_risk}
    )
    text("Escalation stage", "Escalation stage", f"Stage {case.stage}")
    text("Signature", "Signature", case.raiser_name)
    text("Date", "Date", day(case.signed_date, "slash"))
    data = fillable_pdf("Professional Disagreement Escalation Form", fields)
    return Rendered("pdf", data, ALL - {"signed.role"})


# --- H. An AcroForm with meaningful field names ----------------------------------------------------------


def acroform_named(case: Case, rng: random.Random) -> Rendered:
    rows = [
        ("Full name", "subject_full_name", case.subject_name, 1),
        ("Date of birth", "subject_dob", day(case.dob, "dmy-dash"), 1),
        ("Practitioner name", "practitioner_name", case.raiser_name, 1),
        ("Practitioner role", "practitioner_role", case.raiser_role, 1),
        ("Organisation", "practitioner_org", case.raiser_agency_written, 1),
        ("Contact number", "practitioner_tel", case.raiser_phone, 1),
        ("Organisation you disagree with", "other_org", case.challenged_agency_written, 1),
        ("Name of their worker / manager", "other_name", case.challenged_name, 1),
        ("Their role", "other_role", case.challenged_role, 1),
        ("Their email", "other_email", "N/A", 1),
        ("Category", "category", "; ".join(themes(case)), 1),
        ("Reason for escalation", "reason", case.concern, 4),
        ("Immediate risk (yes/no)", "risk_now", "Yes" if case.immediate_risk else "No", 1),
        ("Stage", "stage", str(case.stage), 1),
        ("Name of person signing", "signed_name", case.raiser_name, 1),
        ("Role of person signing", "signed_role", case.raiser_role, 1),
        ("Date", "signed_date", day(case.signed_date, "dmy-dash"), 1),
    ]
    fields = [
        {"label": label, "name": name, "tooltip": label, "value": value, "lines": lines} for label, name, value, lines in rows
    ]
    data = fillable_pdf(f"{BOARDS[case.partnership]} – escalation", fields)
    return Rendered("pdf", data, ALL - {"raised_by.email"})


# --- I. Word's RTF: an Appendix A record with attempts to resolve ------------------------------------------


def rtf_appendix(case: Case, rng: random.Random) -> Rendered:
    meetings = earlier_meetings(case, rng)
    attempts = [["Stage", "Date", "Outcome"]]
    for number in range(1, len(stage_names(case.partnership)) + 1):
        found = [when for n, when in meetings if n == number]
        attempts.append([str(number), day(found[0], "slash") if found else "", "Not resolved" if found else ""])
    blocks: list[tuple[str, object]] = [
        ("b", "Appendix A – Resolution of professional differences: record"),
        ("p", "To be sent securely to the partnership business manager at each stage."),
        (
            "t",
            [
                ["Name of child/adult", case.subject_name],
                ["Date of birth", day(case.dob, "long")],
                ["Agency raising the concern", case.raiser_agency_written],
                ["Name & role of practitioner", f"{case.raiser_name} – {case.raiser_role}"],
                ["Contact details", f"{case.raiser_phone}\n{case.raiser_email}"],
                ["Agency the concern relates to", case.challenged_agency_written],
                ["Practitioner / manager in that agency", f"{case.challenged_name} – {case.challenged_role}"],
                ["Nature of the concern", case.concern],
                ["Immediate risk of harm?", "Yes" if case.immediate_risk else "No"],
            ],
        ),
        ("b", "Attempts to resolve"),
        ("t", attempts),
        ("p", f"Stage now reached:\tStage {case.stage}"),
        ("b", "Unresolved dispute and referral to the Chair"),
        (
            "t",
            [
                ["Date of referral to the Chair", ""],
                ["Chair's decision to convene a Resolution Panel (yes/no)", ""],
                ["Outcome and date of the panel", ""],
            ],
        ),
        ("t", [["Signed", case.raiser_name, "Date", day(case.signed_date, "slash")]]),
    ]
    return Rendered("rtf", rtf_document(blocks), ALL - {"categories", "signed.role"})


# --- J. A .doc of tick rows, two labels to a row and sides in columns (.doc from HTML) --------------------------


def doc_ticks(case: Case, rng: random.Random) -> Rendered:
    def row(*cells: str, span: int = 1) -> str:
        out = []
        for index, text in enumerate(cells):
            attr = f' colspan="{span}"' if span > 1 and index == len(cells) - 1 else ""
            inner = "<br>".join(escape(line) for line in text.split("\n"))
            out.append(f"<td{attr}>{'<b>' + inner + '</b>' if index % 2 == 0 else inner}</td>")
        return "<tr>" + "".join(out) + "</tr>"

    stages = "   ".join(
        f"{'☒' if number == case.stage else '☐'} Stage {number}" for number in range(1, len(stage_names(case.partnership)) + 1)
    )
    risk = "☒ Yes   ☐ No" if case.immediate_risk else "☐ Yes   ☒ No"
    sides = (
        "<tr><td></td><td><b>Agency A – raising the issue</b></td><td colspan='2'><b>Agency B – the issue is with</b></td></tr>"
        + "".join(
            f"<tr><td><b>{label}</b></td><td>{escape(a)}</td><td colspan='2'>{escape(b)}</td></tr>"
            for label, a, b in (
                ("Agency", case.raiser_agency_written, case.challenged_agency_written),
                ("Name", case.raiser_name, case.challenged_name),
                ("Role", case.raiser_role, case.challenged_role),
                ("Phone", case.raiser_phone, "not known"),
            )
        )
    )
    table = (
        '<table border="1" cellpadding="4" cellspacing="0">'
        + row("Child's name", case.subject_name, "DOB", day(case.dob, "slash"))
        + row("Stage of escalation", stages, span=3)
        + sides
        + row("Area of disagreement (tick)", "\n".join(ticks(case)), span=3)
        + row("What is the disagreement?", case.concern, span=3)
        + row("Is the child at immediate risk?", risk, span=3)
        + row("Outcome / resolution (to be completed at the end)", "", span=3)
        + row("Signed (name and designation)", f"{case.raiser_name}, {case.raiser_role}", "Date", day(case.signed_date, "short"))
        + "</table>"
    )
    body = f"<h2>{escape(BOARDS[case.partnership])}</h2><h3>Escalation Form – Professional Differences</h3>{table}"
    return Rendered("doc", html_page(body), ALL - {"raised_by.email"})


# --- K. A plain email from NHSmail: a disclaimer and the reply it answers, quoted ----------------------------

DISCLAIMER = (
    "********************************************************************\n"
    "This message may contain confidential information. If you are not the intended recipient please\n"
    "inform the sender that you have received the message in error before deleting it. Please do not\n"
    "disclose, copy or distribute information in this e-mail or take any action in reliance on its\n"
    "contents: to do so is strictly prohibited and may be unlawful.\n"
    "Thank you for your co-operation.\n"
    "NHSmail is the secure email and directory service available for all NHS staff in England.\n"
    "********************************************************************"
)


def nhs_mail(case: Case, rng: random.Random) -> Rendered:
    other_first = case.challenged_name.split()[0]
    plain = unicodedata.normalize("NFKD", case.challenged_name).encode("ascii", "ignore").decode()
    other_email = plain.lower().replace(" ", ".").replace("'", "") + "@" + case.challenged_agency.domain
    sent = day(working_day(case.signed_date - timedelta(days=1)), "weekday")
    body = f"""Good afternoon,

I am writing to escalate a professional disagreement regarding {case.subject_name} (DOB {day(case.dob, "slash")}) to stage {case.stage} of the {BOARDS[case.partnership]} procedure, as discussions so far have not resolved it.

The disagreement is with {case.challenged_name}, {case.challenged_role} at {case.challenged_agency_written}.

Details of the concern:
{case.concern}

{risk_sentence(case)}

I would be grateful if this could be logged and passed to the relevant manager.

Kind regards

{case.raiser_name}
{case.raiser_role}
{case.raiser_agency_written}
Tel: {case.raiser_phone}
Email: {case.raiser_email}

{DISCLAIMER}

-----Original Message-----
From: {case.challenged_name} <{other_email}>
Sent: {sent} 16:42
To: {case.raiser_name} <{case.raiser_email}>
Subject: RE: Professional disagreement

Hi {case.raiser_first},

Thanks for your call. I have reviewed this with my manager and the decision stands; we will not be taking further action at this point.

Regards
{other_first}
"""
    printed = ALL - {"categories", "signed.name", "signed.role", "signed.date"}
    return Rendered("email-text", body, printed)


# --- L. An Outlook HTML mail with a table of questions and a signature ---------------------------------------


def outlook_table(case: Case, rng: random.Random) -> Rendered:
    rows = [
        ["Child / adult's name", case.subject_name.upper()],
        ["DOB", day(case.dob, "short")],
        ["Referrer (name / role / agency)", f"{case.raiser_name} / {case.raiser_role} / {case.raiser_agency_written}"],
        ["Contact number", case.raiser_phone],
        ["Agency you disagree with", case.challenged_agency_written],
        ["Name of professional (if known)", case.challenged_name],
        ["Their role", case.challenged_role],
        ["Reason for disagreement (delete as appropriate)", "\n".join(themes(case))],
        ["Brief summary", case.concern],
        ["Immediate risk? (Y/N)", "Y" if case.immediate_risk else "N"],
        [f"Stage (1-{len(stage_names(case.partnership))})", str(case.stage)],
        ["Outcome (partnership use)", ""],
    ]
    inner = "".join(
        [
            mso("Dear Business Manager,"),
            mso(""),
            mso("Please see below a professional disagreement I need to escalate. I have filled in the table from the website."),
            mso(""),
            mso_table(rows),
            mso(""),
            mso("Many thanks,"),
            mso(""),
            mso(case.raiser_name, bold=True),
            mso(case.raiser_role),
            mso(case.raiser_agency_written),
            mso(f"Tel: {case.raiser_phone}"),
            mso(""),
            '<p class="MsoNormal"><span style="font-size:8.0pt;color:gray">This email and any attachments are '
            "confidential and intended solely for the addressee. If you have received it in error please notify "
            "the sender and delete it. Views expressed are those of the author.</span></p>",
        ]
    )
    return Rendered("email-html", outlook_html(inner), ALL - {"raised_by.email", "signed.name", "signed.role", "signed.date"})


# --- M. A forwarded message typed in capitals, "LABEL: value" lines ----------------------------------------


def capitals_forward(case: Case, rng: random.Random) -> Rendered:
    other = case.challenged_name.upper()
    sent = day(working_day(case.signed_date - timedelta(days=3)), "weekday")
    body = f"""FORWARDED AS REQUESTED - PLEASE LOG AS AN ESCALATION.

{case.raiser_name.upper()}

-----Original Message-----
From: {case.raiser_name} <{case.raiser_email}>
Sent: {sent} 08:15
To: {case.challenged_name}
Subject: PROFESSIONAL DISAGREEMENT

CHILD/ADULT: {case.subject_name.upper()}
D.O.B: {day(case.dob, "dots")}
PRACTITIONER: {case.raiser_name.upper()} - {case.raiser_role.upper()}
AGENCY: {case.raiser_agency_written.upper()}
CONTACT NO: {case.raiser_phone}
OTHER AGENCY: {case.challenged_agency_written.upper()}
DECISION MADE BY: {other} ({case.challenged_role.upper()})
CATEGORY: {"; ".join(themes(case)).upper()}
DETAILS: {case.concern.upper()}
IMMEDIATE RISK: {"YES" if case.immediate_risk else "NO"}
STAGE: {case.stage}
"""
    printed = ALL - {"signed.name", "signed.role", "signed.date"}
    return Rendered("email-text", body, printed)


DESIGNS = (
    Design(
        "h3-numbered-questions",
        "LSCP numbered questions in a three-column table, guidance in italics, blank outcome section",
        "docx",
        ("salford", "barnet", "bury-children", "bnes"),
        numbered_questions,
        cast=cast,
    ),
    Design(
        "h3-agency-grid",
        "Agency A / Agency B grid, ticks, a record of discussion per stage, typed signature",
        "docx",
        ("bury-adults", "bnes", "barnet"),
        agency_grid,
        cast=cast,
    ),
    Design(
        "h3-trust-template",
        "an NHS trust's template: bold labels with bracketed instructions, names in capitals, N/A answers",
        "docx",
        ("salford", "bury-children", "bnes"),
        trust_template,
        cast=cast,
    ),
    Design(
        "h3-letter",
        "a letter on letterhead (Re: line, addressee block, risk in a sentence) with a signature block",
        "odt",
        ("barnet", "bnes", "salford", "bury-children"),
        letter,
        cast=cast,
    ),
    Design(
        "h3-printed-sections",
        "printed PDF, one page: numbered sections of generic labels left of the answers",
        "pdf",
        ("bury-children", "bury-adults", "barnet", "bnes"),
        printed_sections,
        cast=cast,
    ),
    Design(
        "h3-printed-two-pages",
        "printed PDF over two pages: labels above the boxes, combined answers, office-use boxes left blank",
        "pdf",
        ("salford", "bnes", "bury-adults"),
        printed_two_pages,
        cast=cast,
    ),
    Design(
        "h3-acroform-numbered",
        "AcroForm named Text1…/Check Box1… with tooltips, theme and risk check boxes",
        "pdf",
        ("barnet", "bury-children", "bnes", "salford"),
        acroform_numbered,
        cast=cast,
    ),
    Design(
        "h3-acroform-named",
        "AcroForm with meaningful field names and tooltips, an N/A field, dates as 14-Feb-2019",
        "pdf",
        ("salford", "bury-adults", "bnes"),
        acroform_named,
        cast=cast,
    ),
    Design(
        "h3-rtf-appendix",
        "Word RTF Appendix A record: combined name-role cells, a two-line contact cell, attempts per stage",
        "rtf",
        ("bnes", "bury-adults"),
        rtf_appendix,
        cast=cast,
    ),
    Design(
        "h3-doc-ticks",
        ".doc of tick rows: two labels to a row, Agency A/B columns, stages and themes ticked",
        "doc",
        ("salford", "barnet", "bury-children"),
        doc_ticks,
        cast=cast,
    ),
    Design(
        "h3-nhs-mail",
        "plain NHSmail-style email in sentences, signature, disclaimer and the quoted reply it answers",
        "email-text",
        ("bury-adults", "bnes", "salford", "bury-children"),
        nhs_mail,
        cast=cast,
    ),
    Design(
        "h3-outlook-table",
        "Outlook HTML email with a two-column table of questions, a slashed combined answer and a signature",
        "email-html",
        ("barnet", "bury-children", "bnes", "salford"),
        outlook_table,
        cast=cast,
    ),
    Design(
        "h3-capitals-forward",
        "a forwarded plain email (-----Original Message-----) of LABEL: VALUE lines typed in capitals",
        "email-text",
        ("bury-children", "salford", "barnet", "bnes", "bury-adults"),
        capitals_forward,
        cast=cast,
    ),
)
