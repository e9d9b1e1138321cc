"""Probe sets 9 and 10 (issue 9, round 3): forms written before the reader was changed for them.

Set 9 is printed and fillable PDFs, what unseen forms had read worst: a county LSCP's
two-page printed form (running header, "Page n of 2" footer, labels above drawn boxes,
the two sides in two columns, categories as drawn tick boxes with an X typed in, a
signature block), a safeguarding adults board's Word form printed to PDF by LibreOffice
(guidance lines in the label cells, ☐/☒ rows, the challenged person as "Name and role
of the professional you disagree with"), an AcroForm with Acrobat's own names and
tooltips whose labels are printed above the boxes and whose categories are check boxes,
an AcroForm with no tooltips laid out in two columns (raiser | challenged side), and a
ruled "No. | Question | Response" table with guidance under each question and a footer.
Set 10 is mail and Word: an Outlook reply whose table answers the partnership's
questions above the quoted earlier messages (with their own signatures), a plain email
in sentences naming "<Role> <Name>" of the other agency and a subject "aka" another
name, a Word form with categories as a grid of ☐/☒ and a "Completed by (name and
designation)" signature block, an .odt form (LibreOffice) whose raiser answer is
"Name (Role)" and categories a bulleted list, and a reply in plain text above the
partnership's own quoted request (its labels without answers).

The subject's name is written as forms write it: "SURNAME, Forename", "Baby <Name>" for
an infant, with "aka" or "known as" another name; it reads as the case's own name.
The first figure of each set is in benchmarks/notices.py.
"""

from __future__ import annotations

import io
import random
from html import escape

from tests.corpus.cases import CHILD_LAST, TODAY, Case
from tests.corpus.design import (
    CHALLENGED,
    RAISER,
    SUBJECT,
    Design,
    Rendered,
    category_boxes,
    date_text,
    stage_names,
    subject_word,
    yes_no,
)
from tests.corpus.designs_probe import ALL
from tests.corpus.tools import WordDocument, html_page, mso, mso_table, outlook_html

# --- how forms write the subject's name ----------------------------------------------------------------


def surname_first(case: Case) -> str:
    """``SMITH, Jayden``: case records' order, the surname in capitals."""
    return f"{case.subject_last.upper()}, {case.subject_first}"


def with_baby(case: Case) -> str:
    """``Baby Ruby Evans`` for an infant (under two), as maternity and health visiting records write it."""
    return f"Baby {case.subject_name}" if (TODAY - case.dob).days < 730 else case.subject_name


def with_alias(case: Case, rng: random.Random) -> str:
    """The name with another one it is known by: ``Ruby Evans (aka Ruby Nowak)``."""
    other = rng.choice([last for last in CHILD_LAST if last != case.subject_last])
    return rng.choice(
        (
            f"{case.subject_name} (aka {case.subject_first} {other})",
            f"{case.subject_name} aka {case.subject_first} {other}",
            f"{case.subject_name} (also known as {case.subject_first[:3]})",
        )
    )


# --- a printed form on reportlab's canvas ----------------------------------------------------------------

_LEFT, _RIGHT, _TOP, _BOTTOM = 42.0, 553.0, 780.0, 60.0


class _Sheet:
    """A printed form: a running header and "Page n of N" footer, labels above drawn boxes, rows of
    boxes side by side, drawn tick boxes with an X typed in the ticked ones, guidance in small type."""

    def __init__(self, title: str, header: str, footer: str, pages: int) -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas

        self.buffer = io.BytesIO()
        self.canvas = canvas.Canvas(self.buffer, pagesize=A4, invariant=1)
        self.canvas.setTitle(title)
        self.header, self.footer, self.pages, self.page = header, footer, pages, 1
        self._furniture()
        self.text(_LEFT, self.y, title, size=14, bold=True)
        self.y -= 26

    def _furniture(self) -> None:
        self.text(_LEFT, 812, self.header, size=8)
        self.text(_LEFT, 32, self.footer, size=8)
        self.text(_RIGHT - 50, 32, f"Page {self.page} of {self.pages}", size=8)
        self.y = _TOP

    def text(self, x: float, y: float, words: str, *, size: float = 10, bold: bool = False, italic: bool = False) -> None:
        font = "Helvetica-Bold" if bold else "Helvetica-Oblique" if italic else "Helvetica"
        self.canvas.setFont(font, size)
        self.canvas.drawString(x, y, words)

    def new_page(self) -> None:
        self.canvas.showPage()
        self.page += 1
        self._furniture()

    def heading(self, words: str) -> None:
        self.canvas.setFillGray(0.85)
        self.canvas.rect(_LEFT, self.y - 5, _RIGHT - _LEFT, 17, stroke=0, fill=1)
        self.canvas.setFillGray(0)
        self.text(_LEFT + 4, self.y, words, size=11, bold=True)
        self.y -= 24

    def guidance(self, words: str, x: float = _LEFT, width: float = _RIGHT - _LEFT) -> None:
        for line in _wrapped(words, width, 8, "Helvetica-Oblique"):
            self.text(x, self.y, line, size=8, italic=True)
            self.y -= 10
        self.y -= 4

    def boxes(self, fields: list[tuple[str, str]], x: float = _LEFT, width: float = _RIGHT - _LEFT) -> None:
        """Labels above boxes, side by side across ``width``."""
        gap = 10
        each = (width - gap * (len(fields) - 1)) / len(fields)
        lines = [_wrapped(value, each - 8) for _, value in fields]
        height = 13 * max(len(found) or 1 for found in lines) + 8
        for number, (label, _) in enumerate(fields):
            left = x + number * (each + gap)
            self.text(left, self.y, label, size=9, bold=True)
            self.canvas.rect(left, self.y - 6 - height, each, height, stroke=1, fill=0)
            for row, line in enumerate(lines[number]):
                self.text(left + 4, self.y - 18 - 13 * row, line, size=10)
        self.y -= height + 22

    def ticks(self, options: list[tuple[str, bool]], columns: int = 1) -> None:
        """Drawn square boxes, an X typed in those ticked, the option's words beside each."""
        width = (_RIGHT - _LEFT) / columns
        for start in range(0, len(options), columns):
            for column, (words, ticked) in enumerate(options[start : start + columns]):
                left = _LEFT + column * width
                self.canvas.rect(left, self.y - 2, 10, 10, stroke=1, fill=0)
                if ticked:
                    self.text(left + 2, self.y, "X", size=9, bold=True)
                self.text(left + 16, self.y, words, size=9)
            self.y -= 16
        self.y -= 8

    def bytes(self) -> bytes:
        self.canvas.save()
        return self.buffer.getvalue()


def _wrapped(words: str, width: float, size: float = 10, font: str = "Helvetica") -> list[str]:
    from reportlab.lib.utils import simpleSplit

    return [line for part in words.split("\n") for line in simpleSplit(part, font, size, width)]


# --- set 9: printed and fillable PDFs -------------------------------------------------------------------


def lscp_two_page_printed(case: Case, rng: random.Random) -> Rendered:
    """A county LSCP's printed two-page form: header and "Page n of 2" footer, labels above drawn
    boxes (name as SURNAME, Forename beside the date of birth), the two professionals in two columns,
    categories as drawn boxes with an X typed in, the summary under guidance, a signature block."""
    sheet = _Sheet(
        "Multi-Agency Professional Challenge and Escalation Form",
        "OFFICIAL-SENSITIVE (when complete)",
        "Escalation form v2.3 - please return to the Safeguarding Partnership Business Unit",
        2,
    )
    sheet.guidance("Complete all sections. Use this form once the matter could not be resolved at stage 1.")
    who = subject_word(case)
    sheet.heading(f"Section 1: The {who}")
    sheet.boxes([("Name (SURNAME, Forename)", surname_first(case)), ("Date of birth", date_text(case.dob, "slash"))])
    sheet.heading("Section 2: The professionals")
    top, half = sheet.y, (_RIGHT - _LEFT - 20) / 2
    sheet.text(_LEFT, sheet.y, "Practitioner raising the challenge", size=10, bold=True)
    sheet.y -= 18
    for label, value in (("Name", case.raiser_name), ("Role", case.raiser_role), ("Agency", case.raiser_agency_written)):
        sheet.boxes([(label, value)], width=half)
    sheet.y = top
    right = _LEFT + half + 20
    sheet.text(right, sheet.y, "Professional whose decision is challenged", size=10, bold=True)
    sheet.y -= 18
    for label, value in (
        ("Name", case.challenged_name),
        ("Role", case.challenged_role),
        ("Agency", case.challenged_agency_written),
    ):
        sheet.boxes([(label, value)], x=right, width=half)
    sheet.new_page()
    sheet.heading("Section 3: Nature of the disagreement (tick all that apply)")
    sheet.ticks(category_boxes(case), columns=2)
    sheet.heading("Section 4: Summary")
    sheet.guidance(
        "Give a brief summary of the disagreement, the dates of any discussions and what you would like to happen. "
        "Do not include information that is not needed to resolve the disagreement."
    )
    sheet.boxes([("Summary of the disagreement", case.concern)])
    sheet.heading("Section 5: Signature")
    sheet.boxes([("Signature", ""), ("Print name", case.raiser_name), ("Date", date_text(case.signed_date, "slash"))])
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency"}
        | CHALLENGED
        | {"categories", "concern", "signed.name", "signed.date"}
    )
    return Rendered("pdf", sheet.bytes(), printed)


def sab_word_printed_to_pdf(case: Case, rng: random.Random) -> Rendered:
    """A safeguarding adults board's Word form printed to PDF by LibreOffice: label cells with a
    guidance line under the label, the stage and immediate risk as ☐/☒ rows, the other side as
    "Name and role of the professional you disagree with", a version footer."""
    names = stage_names(case.partnership)
    form = WordDocument(font="Calibri")
    form.document.sections[0].footer.paragraphs[0].text = "SAB Resolving Professional Differences form – version 4 (2025)"
    form.heading("Resolving Professional Differences: Escalation Form")
    form.paragraph("Please complete in full and return by secure email. Boxes expand as you type.")
    who = subject_word(case)
    form.table(
        [
            (f"Name of {who}\n(include any other names used)", with_alias(case, rng)),
            ("Date of birth", date_text(case.dob, "long")),
            ("Your name and job title", f"{case.raiser_name}, {case.raiser_role}"),
            ("Your organisation", case.raiser_agency_written),
            ("Your email address", case.raiser_email),
            (
                "Name and role of the professional you disagree with",
                f"{case.challenged_name}, {case.challenged_role}",
            ),
            ("Their organisation", case.challenged_agency_written),
            (
                "What is the disagreement about?\n(what was decided, by whom, and why you think it puts the person at risk)",
                case.concern,
            ),
            (
                "Stage reached",
                "\n".join(f"{'☒' if n == case.stage else '☐'} Stage {n}: {name}" for n, name in enumerate(names, 1)),
            ),
            (
                f"Is the {who} at immediate risk of harm?",
                "☒ Yes   ☐ No" if case.immediate_risk else "☐ Yes   ☒ No",
            ),
        ]
    )
    printed = SUBJECT | RAISER - {"raised_by.phone"} | CHALLENGED | {"concern", "stage", "immediate_risk"}
    return Rendered("pdf", form.bytes(), printed)


def acroform_labels_above_tooltips(case: Case, rng: random.Random) -> Rendered:
    """A fillable form as Acrobat names its fields ("Text Field 12", "Check Box 3") with tooltips,
    each label printed above its box, and the categories as check boxes whose tooltips name them."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setTitle("Professional Disagreement Form")
    page.setFont("Helvetica-Bold", 14)
    page.drawString(_LEFT, 800, "Professional Disagreement Form")
    who = subject_word(case)
    texts = [
        (f"Name of {who}", f"Name of the {who}", with_baby(case), 1),
        ("Date of birth", "Date of birth (dd/mm/yyyy)", date_text(case.dob, "slash"), 1),
        ("Your name", "Name of the practitioner completing the form", case.raiser_name, 1),
        ("Your role", "Your job title", case.raiser_role, 1),
        ("Your agency", "The agency you work for", case.raiser_agency_written, 1),
        ("Your telephone number", "Telephone number", case.raiser_phone, 1),
        ("Agency you disagree with", "The agency whose decision you disagree with", case.challenged_agency_written, 1),
        ("Escalation stage", "Stage of the escalation process reached", str(case.stage), 1),
        ("Describe the disagreement", "What the disagreement is about", case.concern, 4),
    ]
    y, number = 770.0, 10
    for label, tooltip, value, lines in texts:
        number += 1
        height = 16 * lines + 4
        page.setFont("Helvetica-Bold", 9)
        page.drawString(_LEFT, y, label)
        page.acroForm.textfield(
            name=f"Text Field {number}",
            tooltip=tooltip,
            x=_LEFT,
            y=y - 6 - height,
            width=_RIGHT - _LEFT,
            height=height,
            value=value,
            fontSize=9,
            fieldFlags="multiline" if lines > 1 else "",
            borderWidth=1,
        )
        y -= height + 24
    page.setFont("Helvetica-Bold", 9)
    page.drawString(_LEFT, y, "What is the disagreement about? (tick all that apply)")
    y -= 18
    for number, (words, ticked) in enumerate(category_boxes(case), 1):
        if y < _BOTTOM:
            page.showPage()
            y = 790.0
        page.acroForm.checkbox(
            name=f"Check Box {number}", tooltip=words, x=_LEFT, y=y - 3, size=11, checked=ticked, buttonStyle="check"
        )
        page.setFont("Helvetica", 9)
        page.drawString(_LEFT + 18, y, words)
        y -= 16
    page.save()
    printed = SUBJECT | RAISER - {"raised_by.email"} | {"challenged.agency", "stage", "concern", "categories"}
    return Rendered("pdf", buffer.getvalue(), printed)


def acroform_two_columns_no_tooltips(case: Case, rng: random.Random) -> Rendered:
    """A fillable form with no tooltips and fields named "untitled1"…: the subject at the top, then the
    raiser's and the challenged side's fields in two columns under their own headings, labels left
    of the boxes, the raiser as "Name (role)" in one box, the concern across the page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setTitle("Escalation Notification")
    page.setFont("Helvetica-Bold", 14)
    page.drawString(_LEFT, 800, "Escalation Notification")
    count = [0]

    def field(label: str, value: str, x: float, y: float, width: float, lines: int = 1) -> None:
        count[0] += 1
        page.setFont("Helvetica", 9)
        page.drawString(x, y, label)
        height = 16 * lines + 2
        page.acroForm.textfield(
            name=f"untitled{count[0]}",
            tooltip="",
            x=x + 62,
            y=y - height + 12,
            width=width - 62,
            height=height,
            value=value,
            fontSize=9,
            fieldFlags="multiline" if lines > 1 else "",
            borderWidth=1,
        )

    who = subject_word(case).title()
    field(f"{who}", with_baby(case), _LEFT, 770, 300)
    field("DOB", date_text(case.dob, "dots"), _LEFT + 320, 770, 190)
    half = (_RIGHT - _LEFT - 20) / 2
    right = _LEFT + half + 20
    page.setFont("Helvetica-Bold", 10)
    page.drawString(_LEFT, 735, "Referrer")
    page.drawString(right, 735, "Agency you are escalating to")
    field("Name (role)", f"{case.raiser_name} ({case.raiser_role})", _LEFT, 712, half)
    field("Agency", case.raiser_agency_written, _LEFT, 688, half)
    field("Email", case.raiser_email, _LEFT, 664, half)
    field("Agency", case.challenged_agency_written, right, 712, half)
    field("Contact", case.challenged_name, right, 688, half)
    field("Role", case.challenged_role, right, 664, half)
    page.setFont("Helvetica-Bold", 10)
    page.drawString(_LEFT, 630, "Concern")
    field("", case.concern, _LEFT - 62, 610, _RIGHT - _LEFT + 62, lines=4)
    page.save()
    printed = SUBJECT | RAISER - {"raised_by.phone"} | CHALLENGED | {"concern"}
    return Rendered("pdf", buffer.getvalue(), printed)


def question_guidance_table_pdf(case: Case, rng: random.Random) -> Rendered:
    """A ruled "No. | Question | Response" table printed by reportlab, guidance in brackets under each
    question, the other side as "<Role> <Name>" under "Name and role of the professional you disagree
    with", the raiser as "Name – Role", categories as a bulleted list, and a footer."""
    who = subject_word(case)
    rows = [
        ("No.", "Question", "Response"),
        ("1", f"Full name of the {who}\n(SURNAME, Forename)", surname_first(case)),
        ("2", "Date of birth", date_text(case.dob, "ordinal")),
        ("3", "Your name and role", f"{case.raiser_name} – {case.raiser_role}"),
        ("4", "Your agency", case.raiser_agency_written),
        ("5", "Your contact number", case.raiser_phone),
        ("6", "Name and role of the professional you disagree with", f"{case.challenged_role} {case.challenged_name}"),
        ("7", "Their agency", case.challenged_agency_written),
        ("8", "Which of these does the disagreement concern?\n(list all that apply)", _bullets(case)),
        ("9", "Describe the disagreement\n(what happened, when, and what you have done so far)", case.concern),
        ("10", "Escalation stage reached", f"Stage {case.stage}"),
    ]
    printed = SUBJECT | RAISER - {"raised_by.email"} | CHALLENGED | {"categories", "concern", "stage"}
    return Rendered("pdf", _question_table_pdf("Escalation of a Professional Disagreement", rows), printed)


def _bullets(case: Case) -> str:
    from tests.corpus.cases import CATEGORY_TEXT

    return "\n".join(f"• {CATEGORY_TEXT[slug]}" for slug in case.categories)


def _question_table_pdf(title: str, rows: list[tuple[str, str, str]]) -> bytes:
    """A three-column ruled table (header row shaded), a footer with the page number on every page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    styles = getSampleStyleSheet()

    def cell(text: str, column: int, header: bool) -> Paragraph:
        first, _, hint = text.partition("\n")
        words = escape(first) + (f"<br/><font size=8><i>{escape(hint)}</i></font>" if hint else "")
        if column == 2 and not header:
            words = "<br/>".join(escape(line) for line in text.split("\n"))
        return Paragraph(f"<b>{words}</b>" if header or column == 1 else words, styles["BodyText"])

    table = Table(
        [[cell(text, i, n == 0) for i, text in enumerate(row)] for n, row in enumerate(rows)],
        colWidths=[30, 210, 260],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )

    def footer(canvas, document) -> None:
        canvas.setFont("Helvetica", 8)
        canvas.drawString(_LEFT, 30, "Safeguarding Children Partnership – Escalation form")
        canvas.drawRightString(_RIGHT, 30, f"Page {document.page}")

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, invariant=1)
    document.build([Paragraph(escape(title), styles["Title"]), table], onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


DESIGNS = (
    Design("probe9-lscp-two-page", lscp_two_page_printed.__doc__, "pdf", ALL, lscp_two_page_printed),
    Design(
        "probe9-sab-word-pdf",
        sab_word_printed_to_pdf.__doc__,
        "pdf",
        ("bury-adults", "bnes"),
        sab_word_printed_to_pdf,
        printer="libreoffice",
    ),
    Design("probe9-acroform-above", acroform_labels_above_tooltips.__doc__, "pdf", ALL, acroform_labels_above_tooltips),
    Design("probe9-acroform-columns", acroform_two_columns_no_tooltips.__doc__, "pdf", ALL, acroform_two_columns_no_tooltips),
    Design("probe9-question-guidance", question_guidance_table_pdf.__doc__, "pdf", ALL, question_guidance_table_pdf),
)


# --- set 10: mail and Word, the challenged person and the subject's name written every way ----------------


def _quoted_outlook(header: list[str], paragraphs: list[str]) -> str:
    """An earlier message below Outlook's rule: its From/Sent/To/Subject block, then its text."""
    block = "".join(f'<p class="MsoNormal"><b>{escape(k)}:</b> {escape(v)}<o:p></o:p></p>' for k, v in _pairs(header))
    text = "".join(mso(p) for p in paragraphs)
    return f'<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">{block}</div>{mso("")}{text}'


def _pairs(header: list[str]) -> list[tuple[str, str]]:
    return [tuple(line.split(": ", 1)) for line in header]  # type: ignore[misc]


def outlook_reply_table(case: Case, rng: random.Random) -> Rendered:
    """An Outlook reply answering the partnership's questions in a table above the quoted thread: the
    subject as SURNAME, Forename, the raiser as "Name, Role", the other side as "<Role> <Name> (<Agency>)",
    a signature with "Tel:", and below the rule the partnership's request and the other professional's
    earlier email, each with its own signature."""
    rows = [
        (f"{subject_word(case).title()} (SURNAME, Forename)", surname_first(case)),
        ("D.O.B.", date_text(case.dob, "slash")),
        ("Your name and role", f"{case.raiser_name}, {case.raiser_role}"),
        ("Your agency", case.raiser_agency_written),
        (
            "Professional / agency you disagree with",
            f"{case.challenged_role} {case.challenged_name} ({case.challenged_agency_written})",
        ),
        ("Summary of the disagreement", case.concern),
    ]
    other_first = case.challenged_name.split()[0]
    inner = (
        mso("Hi,")
        + mso("")
        + mso("Thanks for getting back to me – answers below as requested.")
        + mso("")
        + mso_table(rows)
        + mso("")
        + mso("Kind regards,")
        + mso("")
        + mso(case.raiser_name, bold=True)
        + mso(case.raiser_role)
        + mso(case.raiser_agency_written)
        + mso(f"Tel: {case.raiser_phone}")
        + mso("")
        + _quoted_outlook(
            [
                f"From: Safeguarding Partnership <{case.mailbox}>",
                "Sent: 27 February 2026 15:02",
                f"To: {case.raiser_name} <{case.raiser_email}>",
                "Subject: RE: Escalation",
            ],
            [
                f"Dear {case.raiser_first},",
                "Thank you for your email. So that we can log the escalation, please reply with the child or adult's "
                "name and date of birth, your details, the agency you disagree with and a summary of the disagreement.",
                "Business Support Officer",
            ],
        )
        + _quoted_outlook(
            [
                f"From: {case.challenged_name}",
                "Sent: 26 February 2026 11:40",
                f"To: {case.raiser_name}",
                "Subject: RE: Strategy discussion outcome",
            ],
            [
                f"Hi {case.raiser_first},",
                "I have reviewed the case with my manager and the decision stands.",
                "Regards,",
                other_first,
            ],
        )
    )
    printed = SUBJECT | RAISER - {"raised_by.email"} | CHALLENGED | {"concern"}
    return Rendered("email-html", outlook_html(inner), printed)


def role_name_sentences_email(case: Case, rng: random.Random) -> Rendered:
    """A plain email in sentences: the subject "aka" another name, the other side as "the <Role> at
    <Agency>, <Name>", the risk as a sentence, and a signature with the role beside the name."""
    risk = (
        f"In my view {case.subject_first} is at immediate risk of significant harm."
        if case.immediate_risk
        else "I do not think there is any immediate risk."
    )
    body = (
        "Good morning,\n\n"
        f"I would like to escalate my concerns about {with_alias(case, rng)}, date of birth "
        f"{date_text(case.dob, 'long')}. I have discussed the case with the {case.challenged_role} at "
        f"{case.challenged_agency_written}, {case.challenged_name}, and we could not reach agreement.\n\n"
        f"{case.concern}\n\n"
        f"{risk}\n\n"
        "Best wishes,\n"
        f"{case.raiser_name} ({case.raiser_role})\n"
        f"{case.raiser_agency_written}\n"
        f"{case.raiser_phone}\n"
    )
    printed = SUBJECT | RAISER - {"raised_by.email"} | CHALLENGED | {"concern", "immediate_risk"}
    return Rendered("email-text", body, printed)


def word_tick_grid(case: Case, rng: random.Random) -> Rendered:
    """A Word form: the name as "Surname, Forename" under a label saying so, categories as a grid of
    ☐/☒ cells (three to a row), the stage as a tick row, and a signature block of "Completed by (name
    and designation)" and "Date"."""
    options = category_boxes(case)
    grid = [tuple(f"{'☒' if on else '☐'} {words}" for words, on in options[i : i + 3]) for i in range(0, len(options), 3)]
    stages = "   ".join(f"{'☒' if n == case.stage else '☐'} {n}" for n in range(1, len(stage_names(case.partnership)) + 1))
    form = WordDocument()
    form.heading("Professional Challenge Notification")
    form.table(
        [
            ("Name (Surname, Forename)", f"{case.subject_last}, {case.subject_first}"),
            ("Date of birth", date_text(case.dob, "short")),
            ("Agency being challenged", case.challenged_agency_written),
            ("Details of the challenge", case.concern),
            ("Stage", stages),
        ]
    )
    form.paragraph("Category of disagreement (tick all that apply)", bold=True)
    form.table([(*row, *("",) * (3 - len(row))) for row in grid], bold_first=False)
    form.paragraph("Completed by", bold=True)
    form.table(
        [
            ("Completed by (name and designation)", f"{case.raiser_name}, {case.raiser_role}"),
            ("Agency", case.raiser_agency_written),
            ("Date", date_text(case.signed_date, "slash")),
        ]
    )
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "concern", "stage", "categories"}
        | {"signed.name", "signed.role", "signed.date"}
    )
    return Rendered("docx", form.bytes(), printed)


def odt_lscp_form(case: Case, rng: random.Random) -> Rendered:
    """An LSCP form kept as .odt (LibreOffice): numbered section rows, the raiser as "Name (Role)", the
    other side's person under "Name and role of the professional you disagree with" as "Name, Role",
    the categories as a bulleted list, immediate risk "Y/N"."""
    from tests.corpus.cases import CATEGORY_TEXT

    def row(label: str, value: str) -> str:
        return f"<tr><td><b>{escape(label)}</b></td><td>{value}</td></tr>"

    def section(words: str) -> str:
        return f'<tr><td colspan="2" bgcolor="#d9d9d9"><b>{escape(words)}</b></td></tr>'

    bullets = "<ul>" + "".join(f"<li>{escape(CATEGORY_TEXT[s])}</li>" for s in case.categories) + "</ul>"
    who = subject_word(case)
    cells = (
        section(f"1. About the {who}")
        + row("Name", escape(with_baby(case)))
        + row("Date of birth", escape(date_text(case.dob, "dots")))
        + section("2. About you")
        + row("Name (role)", escape(f"{case.raiser_name} ({case.raiser_role})"))
        + row("Agency", escape(case.raiser_agency_written))
        + row("Email", escape(case.raiser_email))
        + section("3. About the disagreement")
        + row("Name and role of the professional you disagree with", escape(f"{case.challenged_name}, {case.challenged_role}"))
        + row("Agency", escape(case.challenged_agency_written))
        + row("Category (all that apply)", bullets)
        + row("What is the disagreement?", escape(case.concern))
        + row(f"Is the {who} at immediate risk? (Y/N)", yes_no(case.immediate_risk, "Y", "N"))
    )
    body = f'<h2>Escalation Form</h2><table border="1" cellpadding="4" cellspacing="0">{cells}</table>'
    printed = SUBJECT | RAISER - {"raised_by.phone"} | CHALLENGED | {"categories", "concern", "immediate_risk"}
    return Rendered("odt", html_page(body), printed)


def reply_above_quoted_request(case: Case, rng: random.Random) -> Rendered:
    """A plain-text reply with labelled answers above the partnership's quoted request ("> " lines that
    list the same labels with nothing after them), and a signature whose first line is "Name | Role"."""
    body = (
        "Hi,\n\n"
        "Please see below.\n\n"
        f"{'Young person' if case.subject_kind == 'child' else 'Adult'}: {surname_first(case)}\n"
        f"D.O.B: {date_text(case.dob, 'slash')}\n"
        f"Escalating to: {case.challenged_agency_written}\n"
        f"Stage: {case.stage}\n"
        f"Reason: {case.concern}\n\n"
        "Thanks,\n"
        f"{case.raiser_name} | {case.raiser_role}\n"
        f"{case.raiser_agency_written}\n\n"
        f"On Fri, 27 Feb 2026 at 15:02, Safeguarding Partnership <{case.mailbox}> wrote:\n"
        "> Dear colleague,\n"
        ">\n"
        "> Please reply with:\n"
        "> Name of child or adult:\n"
        "> Date of birth:\n"
        "> Agency you disagree with:\n"
        "> Stage:\n"
        "> Reason for escalation:\n"
        ">\n"
        "> Business Support\n"
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency", "stage", "concern"}
    return Rendered("email-text", body, printed)


DESIGNS += (
    Design("probe10-outlook-reply-table", outlook_reply_table.__doc__, "email-html", ALL, outlook_reply_table),
    Design("probe10-role-name-sentences", role_name_sentences_email.__doc__, "email-text", ALL, role_name_sentences_email),
    Design("probe10-word-tick-grid", word_tick_grid.__doc__, "docx", ALL, word_tick_grid),
    Design("probe10-odt-lscp", odt_lscp_form.__doc__, "odt", ALL, odt_lscp_form),
    Design("probe10-reply-above-quote", reply_above_quoted_request.__doc__, "email-text", ALL, reply_above_quoted_request),
)
