"""Real .docx notices made with python-docx, filled in with fictional people.

Each partnership's builder lays its notice out the way that partnership's form
(or, where the policy names none, a practitioner's own document) does, so the
reader is tested against paragraphs, label/value tables, header rows, nested
tables, check boxes, headers and footers. Keyword overrides replace a default
answer; ``None`` leaves that answer blank.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

import docx
from docx.document import Document
from docx.table import Table

NORTHSIDE = {
    "your_name": "Aisha Khan",
    "your_role": "Health Visitor",
    "your_agency": "Northside Health",
    "your_email": "a.khan@northside-health.example",
    "telephone": "0161 496 0000",
}


def docx_table_notice(rows: Sequence[tuple[str, str]], *, paragraphs: Iterable[str] = ()) -> bytes:
    """Paragraphs first, then one two-column table of label and answer rows."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if rows:
        _label_table(document, rows)
    return _save(document)


def salford_notice(**overrides: str | None) -> bytes:
    """Salford Appendix 2 Escalation Notice, with a table of the sender's details below it."""
    a = _answers(
        overrides,
        child="Jo Bloggs",
        dob="14/02/2017",
        concern=(
            "Jo has missed three health appointments.\nThe referral was closed without a visit."
        ),
        signed="Aisha Khan",
        role="Health Visitor",
        dated="05/03/2026",
        copies="Team Manager, Northside Health",
        challenged="Salford Children's Services",
        stage="2",
        immediate_risk="☐ Yes ☒ No",
        **NORTHSIDE,
    )
    document = docx.Document()
    document.add_paragraph().add_run("Appendix 2 – Escalation Notice").bold = True
    document.add_paragraph(f"Name of Child/Young Person: {a['child']}\tD.O.B {a['dob']}")
    document.add_paragraph("Please document any information of concern.")
    for line in a["concern"].splitlines():
        document.add_paragraph(line)
    document.add_paragraph(f"Signed: {a['signed']}.....Role: {a['role']}.....")
    document.add_paragraph(f"Dated: {a['dated']}")
    document.add_paragraph(f"Who has a copy of this notice been sent to? {a['copies']}")
    document.add_paragraph().add_run("Return to; SSCB Business Manager").bold = True
    _label_table(
        document,
        [
            ("Your name", a["your_name"]),
            ("Your role", a["your_role"]),
            ("Your agency", a["your_agency"]),
            ("Your email", a["your_email"]),
            ("Telephone", a["telephone"]),
            ("Agency whose decision is challenged", a["challenged"]),
            ("Current stage", a["stage"]),
            ("Is the child at immediate risk of significant harm?", a["immediate_risk"]),
        ],
    )
    return _save(document)


def barnet_notice(**overrides: str | None) -> bytes:
    """Barnet names no form: a practitioner's own two-column table, with ticked categories."""
    a = _answers(
        overrides,
        child="Sam Smith",
        dob="3rd September 2019",
        your_name="Ben Osei",
        your_role="Designated Safeguarding Lead",
        your_agency="Eastgate Primary School",
        your_email="b.osei@eastgate-school.example",
        telephone="020 7946 0000",
        challenged="Barnet Children's Social Care",
        categories=(
            "☒ Level of need / threshold\n☐ Roles and responsibilities\n"
            "☒ Whether a case conference should be initiated"
        ),
        concern="Concerns about neglect were not taken to a strategy discussion.",
        stage="3 – BSCB representatives",
        immediate_risk="No",
        outcome="A case conference is held.",
        signed="Ben Osei",
        date="4 March 2026",
    )
    return docx_table_notice(
        [
            ("Child's full name", a["child"]),
            ("Date of birth", a["dob"]),
            ("Your name", a["your_name"]),
            ("Your role", a["your_role"]),
            ("Your agency", a["your_agency"]),
            ("Your email", a["your_email"]),
            ("Telephone", a["telephone"]),
            ("Agency you disagree with", a["challenged"]),
            ("Nature of disagreement", a["categories"]),
            ("Details of the disagreement", a["concern"]),
            ("Stage being escalated to", a["stage"]),
            ("Is the child at immediate risk of significant harm?", a["immediate_risk"]),
            ("Outcome you are seeking", a["outcome"]),
            ("Signed", a["signed"]),
            ("Date", a["date"]),
        ],
        paragraphs=["Barnet Safeguarding Children Board – escalation"],
    )


def bnes_notice(**overrides: str | None) -> bytes:
    """B&NES Appendix A: a details table, then attempts as a Dates | Outcome table."""
    a = _answers(
        overrides,
        child="Alex Example",
        dob="30.06.12",
        your_name="Priya Shah",
        your_agency="Riverside Housing",
        challenged="B&NES Children's Services",
        stage="Stage 3",
        immediate_risk="No",
        first_date="12/01/2026",
        first_outcome="Practitioners met; not resolved.",
        second_date="19/01/2026",
        second_outcome="Line managers met; not resolved.",
    )
    document = docx.Document()
    _label_table(
        document,
        [
            ("Name of child", a["child"]),
            ("D.O.B", a["dob"]),
            ("Your name", a["your_name"]),
            ("Your agency", a["your_agency"]),
            ("Agency whose decision is challenged", a["challenged"]),
            ("Stage", a["stage"]),
            ("Immediate risk", a["immediate_risk"]),
        ],
    )
    document.add_paragraph().add_run("Attempts to resolve issue").bold = True
    attempts = document.add_table(rows=0, cols=2)
    _add_rows(
        attempts,
        [
            ("Dates", "Outcome"),
            (a["first_date"], a["first_outcome"]),
            (a["second_date"], a["second_outcome"]),
        ],
    )
    document.add_paragraph().add_run("Unresolved Dispute and Referral to BCSSP Chair").bold = True
    document.add_paragraph("Date of Referral:")
    return _save(document)


def bury_children_notice(**overrides: str | None) -> bytes:
    """Bury (Greater Manchester policy): the case reference in the page header, merged title row."""
    a = _answers(
        overrides,
        reference="BUR-2026-0012",
        child="Kai Doe",
        dob="Sept 3 2019",
        your_name="Tom Reid",
        your_agency="Bury Police",
        challenged="Bury Early Help",
        categories="Step up/step down decisions; Non-attendance at statutory meetings",
        concern="The family was stepped down to universal services without a meeting.",
        step="Step 2",
        immediate_risk="Yes ☐ No ☒",
    )
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = f"Case reference: {a['reference']}"
    table = document.add_table(rows=1, cols=2)
    title = table.cell(0, 0).merge(table.cell(0, 1))
    title.text = "Bury Safeguarding Partnership – professional challenge"
    rows = [
        ("Name of child", a["child"]),
        ("DOB", a["dob"]),
        ("Your name", a["your_name"]),
        ("Your agency", a["your_agency"]),
        ("Agency being challenged", a["challenged"]),
        ("Area of disagreement", a["categories"]),
        ("Details of the disagreement", a["concern"]),
        ("Step", a["step"]),
        ("Immediate risk", a["immediate_risk"]),
    ]
    _add_rows(table, rows)
    return _save(document)


def bury_adults_notice(**overrides: str | None) -> bytes:
    """Bury adults: the form inside a one-cell frame (a nested table); telephone in the footer."""
    a = _answers(
        overrides,
        adult="Pat Jones",
        dob="12 March 1952",
        your_name="Lee Park",
        your_agency="Bury Adult Social Care",
        your_email="l.park@bury-asc.example",
        telephone="+44 161 496 0999",
        challenged="Bury Community Mental Health Team",
        concern="Pat was discharged home without the care package agreed.",
        step="4",
        imminent_risk="No",
        attempts="12/01/2026 – practitioners discussed; not resolved\n"
        "20/01/2026 – line managers discussed; not resolved",
    )
    document = docx.Document()
    document.sections[0].footer.paragraphs[0].text = f"Telephone: {a['telephone']}"
    frame = document.add_table(rows=1, cols=1).cell(0, 0)
    frame.paragraphs[0].text = "Referral to the Safeguarding Adults Board"
    inner = frame.add_table(rows=0, cols=2)
    rows = [
        ("Name of adult", a["adult"]),
        ("Date of birth", a["dob"]),
        ("Your name", a["your_name"]),
        ("Your agency", a["your_agency"]),
        ("Your email", a["your_email"]),
        ("Agency you disagree with", a["challenged"]),
        ("Details of the disagreement", a["concern"]),
        ("Step", a["step"]),
        ("Is the adult at imminent risk of harm?", a["imminent_risk"]),
        ("Attempts to resolve issue", a["attempts"]),
    ]
    _add_rows(inner, rows)
    return _save(document)


def _answers(overrides: dict[str, str | None], **defaults: str) -> dict[str, str]:
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise TypeError(f"no such answer: {', '.join(sorted(unknown))}")
    merged = {**defaults, **overrides}
    return {key: "" if value is None else value for key, value in merged.items()}


def _label_table(document: Document, rows: Sequence[tuple[str, str]]) -> Table:
    table = document.add_table(rows=0, cols=2)
    _add_rows(table, rows)
    return table


def _add_rows(table: Table, rows: Sequence[tuple[str, str]]) -> None:
    """One row per pair; a newline in an answer starts a new paragraph in its cell."""
    for texts in rows:
        for cell, text in zip(table.add_row().cells, texts, strict=True):
            first, *more = text.split("\n")
            cell.text = first
            for line in more:
                cell.add_paragraph(line)


def _save(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
