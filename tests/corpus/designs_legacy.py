"""Development designs, third set: legacy and printed layouts the held-out aggregates said were weak.

Old Word forms resaved as .rtf and .doc (tab-separated labels and answers, runs of
underscores and dots, several facts in one table cell with line breaks, a label
cell above its answer cell), a printed PDF with labels above boxed answers in two
columns, Word's own HTML mail (bold labels with the answer after a line break and
``&nbsp;``), and plain mail with dotted leaders. Each is how a real tool writes
it: LibreOffice converts the HTML, reportlab prints the PDF.
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
    date_text,
    stage_names,
    tick_row,
    yes_no,
)
from tests.corpus.tools import html_page, mso, outlook_html, printed_pdf, rtf_document

ALL = ("salford", "barnet", "bury-children", "bury-adults", "bnes")

_TAB = '<span style="mso-tab-count:1">\t</span>'


def rtf_tabbed(case: Case, rng: random.Random) -> Rendered:
    """An old form resaved as RTF: "Label:<tab>answer" paragraphs under numbered section headings."""
    who = "Young person" if case.subject_kind == "child" else "Adult"
    sections = [
        ("1. About the " + who.lower(), [(f"{who}'s name:", case.subject_name), ("Date of birth:", date_text(case.dob, "dots"))]),
        (
            "2. Your details",
            [
                ("Name:", case.raiser_name),
                ("Role:", case.raiser_role),
                ("Organisation:", case.raiser_agency_written),
                ("Telephone:", case.raiser_phone),
                ("Email:", case.raiser_email),
            ],
        ),
        (
            "3. Details of the agency you disagree with",
            [("Organisation:", case.challenged_agency_written), ("Name:", case.challenged_name), ("Role:", case.challenged_role)],
        ),
    ]
    body = "<p><b>PROFESSIONAL DISAGREEMENT (ESCALATION) FORM</b></p>"
    for heading, rows in sections:
        body += f"<p><b>{escape(heading)}</b></p>"
        body += "".join(f"<p>{escape(label)}\t\t{escape(value)}</p>" for label, value in rows)
    body += "<p><b>4. The disagreement</b></p>"
    body += f"<p>Describe the disagreement:</p><p>{escape(case.concern)}</p>"
    body += f"<p>Stage reached:\t{case.stage}</p>"
    body += f"<p>Is there an immediate risk of significant harm?\t{yes_no(case.immediate_risk)}</p>"
    printed = SUBJECT | RAISER | CHALLENGED | {"concern", "stage", "immediate_risk"}
    return Rendered("rtf", html_page(body), printed)


def doc_cell_lines(case: Case, rng: random.Random) -> Rendered:
    """A Word 97 table with a label cell above each answer cell, and one cell holding
    several facts on their own lines ("Name: …", "Role: …", "Agency: …")."""
    who = "child" if case.subject_kind == "child" else "adult"

    def facts(pairs: list[tuple[str, str]]) -> str:
        return "<br>".join(f"{escape(label)} {escape(value)}" for label, value in pairs)

    rows = [
        (f"<b>Name of {who}</b>", escape(case.subject_name)),
        ("<b>Date of birth</b>", escape(date_text(case.dob, "slash"))),
        (
            "<b>Practitioner raising the concern</b>",
            facts([("Name:", case.raiser_name), ("Role:", case.raiser_role), ("Agency:", case.raiser_agency_written)]),
        ),
        (
            "<b>Practitioner / agency you disagree with</b>",
            facts(
                [("Name:", case.challenged_name), ("Role:", case.challenged_role), ("Agency:", case.challenged_agency_written)]
            ),
        ),
        ("<b>Summary of the disagreement</b>", escape(case.concern)),
        ("<b>Escalation stage</b>", f"Stage {case.stage}"),
    ]
    cells = "".join(f"<tr><td>{label}</td></tr><tr><td>{value}</td></tr>" for label, value in rows)
    body = (
        "<h2>Resolving Professional Differences</h2>"
        + f'<table border="1" cellpadding="4" cellspacing="0" width="100%">{cells}</table>'
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency"} | CHALLENGED | {"concern", "stage"}
    return Rendered("doc", html_page(body), printed)


def rtf_underscores(case: Case, rng: random.Random) -> Rendered:
    """A typed-over blank form: "Label ______ answer" and dotted leaders, ticked boxes for the stage."""
    names = stage_names(case.partnership)
    subject = "Child / young person's name" if case.subject_kind == "child" else "Adult's name"
    lines = [
        (subject, case.subject_name),
        ("DOB", date_text(case.dob, "slash")),
        ("Referrer's name", case.raiser_name),
        ("Referrer's job title", case.raiser_role),
        ("Referrer's agency", case.raiser_agency_written),
        ("Contact number", case.raiser_phone),
        ("Agency being challenged", case.challenged_agency_written),
    ]
    leader = rng.choice(["_" * 8, "." * 10])
    body = "<p><b>Escalation Notification</b></p>"
    body += "".join(f"<p>{escape(label)} {leader} {escape(value)}</p>" for label, value in lines)
    body += "<p>Stage (tick one):</p>"
    body += f"<p>{escape(tick_row([(f'{n} {name}', n == case.stage) for n, name in enumerate(names, 1)]))}</p>"
    body += "<p>Nature of the disagreement:</p>"
    body += f"<p>{escape(case.concern)}</p>"
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "raised_by.phone", "challenged.agency"}
    return Rendered("rtf", html_page(body), printed | {"stage", "concern"})


def pdf_labels_above(case: Case, rng: random.Random) -> Rendered:
    """A printed form: each label in a shaded row, its answer in the boxed row below; two such
    columns side by side for the two sides."""
    who = "Child" if case.subject_kind == "child" else "Adult"
    blocks: list[tuple[str, object]] = [
        ("h", "Part 1: Person the disagreement concerns"),
        ("t", [(f"{who}'s full name", "Date of birth"), (case.subject_name, date_text(case.dob, "long"))]),
        ("h", "Part 2: The professionals"),
        (
            "t",
            [
                ("Person raising the disagreement", "Person whose decision is disputed"),
                (case.raiser_name, case.challenged_name),
                ("Role", "Role"),
                (case.raiser_role, case.challenged_role),
                ("Agency", "Agency"),
                (case.raiser_agency_written, case.challenged_agency_written),
            ],
        ),
        ("h", "Part 3: The disagreement"),
        ("p", "What is the disagreement about?"),
        ("p", case.concern),
        ("p", f"Escalation stage: {case.stage}"),
    ]
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency"} | CHALLENGED | {"concern", "stage"}
    return Rendered("pdf", printed_pdf("Multi-agency professional disagreement", blocks), printed)


def word_html_breaks(case: Case, rng: random.Random) -> Rendered:
    """Outlook's Word HTML: a bold label, a line break, the answer, each in an MsoNormal paragraph."""

    def field(label: str, value: str) -> str:
        return f'<p class="MsoNormal"><b>{escape(label)}<o:p></o:p></b><br>{escape(value)}&nbsp;<o:p></o:p></p>'

    who = "child" if case.subject_kind == "child" else "adult"
    inner = (
        mso("Dear colleagues,")
        + mso("")
        + mso("Please find below an escalation under the resolving professional disagreements procedure.")
        + mso("")
        + field(f"Name of {who}", case.subject_name)
        + field("Date of birth", date_text(case.dob, "ordinal"))
        + field("Agency raising the concern", case.raiser_agency_written)
        + field("Agency you are escalating to", case.challenged_agency_written)
        + field("Worker you disagree with", f"{case.challenged_name} ({case.challenged_role})")
        + field("Details of the disagreement", case.concern)
        + field("Immediate risk to the " + who, yes_no(case.immediate_risk))
        + mso("")
        + mso("Many thanks")
        + mso("")
        + f'<p class="MsoNormal"><b>{escape(case.raiser_name)}</b><br>{escape(case.raiser_role)}<br>'
        + f"{escape(case.raiser_agency_written)}<br>Tel:&nbsp;{escape(case.raiser_phone)}<o:p></o:p></p>"
    )
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency", "raised_by.phone"}
        | CHALLENGED
        | {"concern", "immediate_risk"}
    )
    return Rendered("email-html", outlook_html(inner), printed)


def text_dotted(case: Case, rng: random.Random) -> Rendered:
    """Plain mail copied from a printed form: "Label ........ answer", categories as ticked boxes."""
    who = "Child" if case.subject_kind == "child" else "Adult"
    pairs = [
        (f"{who} name", case.subject_name),
        ("Date of birth", date_text(case.dob, "short")),
        ("Raised by", case.raiser_name),
        ("Job role", case.raiser_role),
        ("Agency", case.raiser_agency_written),
        ("Email", case.raiser_email),
        ("Disagreement is with (agency)", case.challenged_agency_written),
        ("Stage", str(case.stage)),
    ]
    width = max(len(label) for label, _ in pairs) + 4
    lines = [f"{label} {'.' * (width - len(label))} {value}" for label, value in pairs]
    boxes = [f"[{'x' if ticked else ' '}] {text}" for text, ticked in category_boxes(case)]
    body = (
        "Hello,\n\nEscalation form below.\n\n"
        + "\n".join(lines)
        + "\n\nType of disagreement:\n"
        + "\n".join(boxes)
        + f"\n\nConcern:\n{case.concern}\n\nRegards\n{case.raiser_first}\n"
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "raised_by.email", "challenged.agency"}
    return Rendered("email-text", body, printed | {"stage", "categories", "concern"})


def word_rtf_tabs(case: Case, rng: random.Random) -> Rendered:
    """Word's own RTF: "Label:<tab>answer" with real tab stops, bold headings over sections that
    reuse Name / Agency, the stage as a row of boxes, the concern in a one-cell box."""
    names = stage_names(case.partnership)
    who = "Child" if case.subject_kind == "child" else "Adult"
    blocks: list[tuple[str, object]] = [
        ("b", "Escalation of Professional Disagreement"),
        ("b", f"Section A – {who}"),
        ("p", f"Name:\t{case.subject_name}\tD.O.B:\t{date_text(case.dob, 'slash')}"),
        ("b", "Section B – Practitioner raising the disagreement"),
        ("p", f"Name:\t{case.raiser_name}"),
        ("p", f"Job title:\t{case.raiser_role}"),
        ("p", f"Agency:\t{case.raiser_agency_written}"),
        ("p", f"Tel:\t{case.raiser_phone}\tEmail:\t{case.raiser_email}"),
        ("b", "Section C – Agency/practitioner the disagreement is with"),
        ("p", f"Agency:\t{case.challenged_agency_written}"),
        ("p", f"Name:\t{case.challenged_name}\tRole:\t{case.challenged_role}"),
        ("b", "Section D – The disagreement"),
        ("p", "Stage:\t" + tick_row([(f"{n} {name}", n == case.stage) for n, name in enumerate(names, 1)], gap="\t")),
        ("p", "Summary of the disagreement:"),
        ("t", [(case.concern,)]),
    ]
    printed = SUBJECT | RAISER | CHALLENGED | {"stage", "concern"}
    return Rendered("rtf", rtf_document(blocks), printed)


def word_doc_grid(case: Case, rng: random.Random) -> Rendered:
    """A Word 97 form saved from Word's RTF: a four-column grid (label, answer, label, answer),
    the professionals as two columns with line breaks in the cells, resaved as .doc."""
    who = "Child / young person" if case.subject_kind == "child" else "Adult at risk"
    rows = [
        (f"{who}", case.subject_name, "Date of birth", date_text(case.dob, "slash")),
        ("Immediate risk?", yes_no(case.immediate_risk), "Stage", str(case.stage)),
    ]
    sides = [
        ("Referring practitioner", "Practitioner being challenged"),
        (
            f"{case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}",
            f"{case.challenged_name}\n{case.challenged_role}\n{case.challenged_agency_written}",
        ),
    ]
    blocks: list[tuple[str, object]] = [
        ("b", "Professional Challenge Form"),
        ("t", rows),
        ("t", sides),
        ("b", "Reason for challenge"),
        ("p", case.concern),
    ]
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency"} | CHALLENGED
    return Rendered("doc", rtf_document(blocks), printed | {"immediate_risk", "stage", "concern"})


def word_odt_label_cells(case: Case, rng: random.Random) -> Rendered:
    """Word RTF opened and saved as OpenDocument: each label in its own row of a one-column
    table with its answer in the row below, and a yes/no as a pair of boxes."""
    subject = "Name of child" if case.subject_kind == "child" else "Name of adult"
    pairs = [
        (subject, case.subject_name),
        ("Date of birth", date_text(case.dob, "long")),
        ("Your name and role", f"{case.raiser_name}, {case.raiser_role}"),
        ("Your organisation", case.raiser_agency_written),
        ("Organisation you are escalating to", case.challenged_agency_written),
        ("Is there an immediate risk of harm?", tick_row([("Yes", case.immediate_risk), ("No", not case.immediate_risk)])),
        ("Details of the disagreement", case.concern),
    ]
    rows = [(text,) for pair in pairs for text in pair]
    blocks: list[tuple[str, object]] = [("b", "Escalation Notification Form"), ("t", rows)]
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency"}
    return Rendered("odt", rtf_document(blocks), printed | {"immediate_risk", "concern"})


def text_wrapped_questions(case: Case, rng: random.Random) -> Rendered:
    """A plain mail wrapped at 72 characters by the mail program: numbered questions answered
    below them, and a side's details answered after a colon as "name, role, agency"."""
    import textwrap

    who = "child" if case.subject_kind == "child" else "adult"
    paragraphs = [
        "Dear colleague,",
        f"I am writing to escalate a professional disagreement about the {who} below, as set out in the "
        "partnership's resolving professional disagreements procedure, and I would be grateful for your help.",
        f"1. Who is the {who}?\n{case.subject_name}, born {date_text(case.dob, 'slash')}",
        f"2. Who are you?\n{case.raiser_name} - {case.raiser_role} - {case.raiser_agency_written}",
        f"Details of the professional being challenged: {case.challenged_name}, {case.challenged_role}, "
        f"{case.challenged_agency_written}",
        f"Nature of the disagreement: {case.concern}",
        "Kind regards",
    ]
    body = "\n\n".join("\n".join(textwrap.fill(line, 72) for line in p.split("\n")) for p in paragraphs) + "\n"
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency"} | CHALLENGED | {"concern"}
    return Rendered("email-text", body, printed)


def legacy_columns(case: Case, rng: random.Random) -> Rendered:
    """The two sides as columns under "Referrer" and "Agency being challenged" headings, in an old
    Word form resaved as .doc: a label column, the first row of the table the headings, two
    labels to a line above it (name and date of birth), numbered questions below it."""
    who = "Child" if case.subject_kind == "child" else "Adult"
    gap = "&nbsp;" * 8
    rows = [
        ("", "Referrer", "Agency being challenged"),
        ("Name", case.raiser_name, case.challenged_name),
        ("Job title", case.raiser_role, case.challenged_role),
        ("Organisation", case.raiser_agency_written, case.challenged_agency_written),
        ("Phone", case.raiser_phone, ""),
    ]
    cells = "".join(
        "<tr>"
        + "".join(
            f"<td>{'<b>' if i == 0 or r == 0 else ''}{escape(text)}{'</b>' if i == 0 or r == 0 else ''}</td>"
            for i, text in enumerate(row)
        )
        + "</tr>"
        for r, row in enumerate(rows)
    )
    body = (
        "<p><b>Multi-agency Escalation Form</b></p>"
        + f"<p>{who}'s name: {escape(case.subject_name)}{gap}DOB: {escape(date_text(case.dob, 'slash'))}</p>"
        + f'<table border="1" cellspacing="0" cellpadding="3">{cells}</table>'
        + "<p>1. What is the disagreement about?</p>"
        + f"<p>{escape(case.concern)}</p>"
        + "<p>2. What stage has the disagreement reached?</p>"
        + f"<p>Stage {case.stage}</p>"
    )
    printed = SUBJECT | RAISER - {"raised_by.email"} | CHALLENGED | {"concern", "stage"}
    return Rendered(rng.choice(["doc", "rtf"]), html_page(body), printed)


def forwarded_text_table(case: Case, rng: random.Random) -> Rendered:
    """A manager forwarding a practitioner's notice as quoted text ("> "), the notice a table pasted
    as text with pipes, or labels and answers apart by runs of spaces."""
    who = "Child" if case.subject_kind == "child" else "Adult"
    pairs = [
        (f"{who}'s name", case.subject_name),
        ("Date of birth", date_text(case.dob, "slash")),
        ("Practitioner raising the concern", case.raiser_name),
        ("Job title", case.raiser_role),
        ("Organisation", case.raiser_agency_written),
        ("Organisation you are escalating to", case.challenged_agency_written),
        ("Name of worker", case.challenged_name),
        ("Their role", case.challenged_role),
        ("Stage", str(case.stage)),
    ]
    if rng.random() < 0.5:
        lines = ["| Question | Answer |", "|---|---|", *(f"| {label} | {value} |" for label, value in pairs)]
    else:
        lines = [f"{label:36}{value}" for label, value in pairs]
    quoted = [*lines, "", "Details of the disagreement:", case.concern]
    body = (
        "Please see the escalation below from one of my team, forwarded as discussed.\n\nThanks\n\n"
        f"On 2 Mar 2026, at 09:12, {case.raiser_name} <{case.raiser_email}> wrote:\n\n"
        + "\n".join(f"> {line}".rstrip() for line in quoted)
        + "\n"
    )
    printed = SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency"} | CHALLENGED | {"stage", "concern"}
    return Rendered("email-text", body, printed)


DESIGNS = (
    Design("rtf-tabbed", rtf_tabbed.__doc__, "rtf", ALL, rtf_tabbed),
    Design("doc-cell-lines", doc_cell_lines.__doc__, "doc", ALL, doc_cell_lines),
    Design("rtf-underscores", rtf_underscores.__doc__, "rtf", ALL, rtf_underscores),
    Design("pdf-labels-above", pdf_labels_above.__doc__, "pdf", ALL, pdf_labels_above),
    Design("word-html-breaks", word_html_breaks.__doc__, "email-html", ALL, word_html_breaks),
    Design("text-dotted", text_dotted.__doc__, "email-text", ALL, text_dotted),
    Design("word-rtf-tabs", word_rtf_tabs.__doc__, "rtf", ALL, word_rtf_tabs),
    Design("word-doc-grid", word_doc_grid.__doc__, "doc", ALL, word_doc_grid),
    Design("text-wrapped-questions", text_wrapped_questions.__doc__, "email-text", ALL, text_wrapped_questions),
    Design("legacy-columns", legacy_columns.__doc__, "doc", ALL, legacy_columns),
    Design("forwarded-text-table", forwarded_text_table.__doc__, "email-text", ALL, forwarded_text_table),
    Design("word-odt-label-cells", word_odt_label_cells.__doc__, "odt", ALL, word_odt_label_cells),
)
