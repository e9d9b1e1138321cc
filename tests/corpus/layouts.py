"""One notice's content printed by reportlab in the layouts printed forms use, and as a .docx.

The content is sections of labels and answers (``content``); ``word`` writes it
as a Word form (a heading and a two-column table per section), the reference
reading, and each function in ``LAYOUTS`` prints the same content as a PDF:
labels left of their answers, labels above, answers in boxes, two columns of
sections, two pages with a running header and footer, ruled tables, and dotted
leaders between label and answer; and as fillable forms whose fields are named
"Text1", "Text2"…, with the label as tooltip or printed only. The equivalence oracle
(``tests.corpus.equivalence``) holds each PDF's reading to the .docx's.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from tests.corpus.cases import Case
from tests.corpus.design import date_text, subject_word, yes_no
from tests.corpus.tools import WordDocument, printed_pdf

Section = tuple[str, list[tuple[str, str]]]
TITLE = "Multi-Agency Escalation Form"
_LEFT, _RIGHT, _TOP, _BOTTOM = 50.0, 545.0, 790.0, 70.0


def content(case: Case) -> list[Section]:
    """What every layout prints: the same questions and answers, in sections."""
    who = subject_word(case)
    return [
        (f"1. The {who}", [(f"Name of {who}", case.subject_name), ("Date of birth", date_text(case.dob, "slash"))]),
        (
            "2. Your details",
            [
                ("Name", case.raiser_name),
                ("Role", case.raiser_role),
                ("Agency", case.raiser_agency_written),
                ("Email", case.raiser_email),
                ("Telephone", case.raiser_phone),
            ],
        ),
        (
            "3. Details of the agency you disagree with",
            [("Agency", case.challenged_agency_written), ("Name", case.challenged_name), ("Role", case.challenged_role)],
        ),
        (
            "4. The disagreement",
            [
                ("Escalation stage", f"Stage {case.stage}"),
                ("Immediate risk of significant harm?", yes_no(case.immediate_risk)),
                ("Details of the disagreement", case.concern),
            ],
        ),
    ]


def word(sections: Sequence[Section]) -> bytes:
    """The reference: a Word form, a heading and a label | answer table per section."""
    form = WordDocument()
    form.heading(TITLE)
    for heading, rows in sections:
        form.heading(heading, level=2)
        form.table(rows)
    return form.bytes()


# --- printing ----------------------------------------------------------------------------------------


class _Page:
    """A reportlab canvas written top to bottom, a new page when the next block does not fit."""

    def __init__(self, *, running: bool = False) -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas

        self.buffer = io.BytesIO()
        self.canvas = canvas.Canvas(self.buffer, pagesize=A4, invariant=1)
        self.canvas.setTitle(TITLE)
        self.running = running
        self.pages = 1
        self.y = _TOP
        self._start()

    def _start(self) -> None:
        if self.running:  # a header and footer on every page, as printed forms have
            self.text(_LEFT, 815, "OFFICIAL-SENSITIVE when complete", size=8)
            self.text(_LEFT, 30, f"Escalation form, page {self.pages}", size=8)
        self.y = _TOP

    def text(self, x: float, y: float, words: str, *, size: float = 10, bold: bool = False) -> None:
        self.canvas.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        self.canvas.drawString(x, y, words)

    def need(self, height: float) -> None:
        if self.y - height < _BOTTOM:
            self.new_page()

    def new_page(self) -> None:
        self.canvas.showPage()
        self.pages += 1
        self._start()

    def title(self) -> None:
        self.text(_LEFT, self.y, TITLE, size=15, bold=True)
        self.y -= 30

    def heading(self, words: str, x: float = _LEFT) -> None:
        self.need(40)
        self.text(x, self.y, words, size=12, bold=True)
        self.y -= 20

    def bytes(self) -> bytes:
        self.canvas.save()
        return self.buffer.getvalue()


def _wrapped(words: str, width: float, size: float = 10) -> list[str]:
    from reportlab.lib.utils import simpleSplit

    return [line for part in words.split("\n") for line in simpleSplit(part, "Helvetica", size, width)]


def labels_left(sections: Sequence[Section], *, running: bool = False, break_after: int | None = None) -> bytes:
    """A label at the margin, its answer from a column to the right, wrapped within it."""
    page = _Page(running=running)
    page.title()
    for number, (heading, rows) in enumerate(sections):
        if break_after is not None and number == break_after:
            page.new_page()
        page.heading(heading)
        for label, value in rows:
            lines = _wrapped(value, _RIGHT - 230)
            page.need(14 * len(lines) + 6)
            page.text(_LEFT, page.y, label, bold=True)
            for line in lines:
                page.text(230, page.y, line)
                page.y -= 14
            page.y -= 6
    return page.bytes()


def labels_above(sections: Sequence[Section], *, boxed: bool = False) -> bytes:
    """A label on its own line and the answer below it (in a drawn box when ``boxed``)."""
    page = _Page()
    page.title()
    for heading, rows in sections:
        page.heading(heading)
        for label, value in rows:
            lines = _wrapped(value, _RIGHT - _LEFT - 12)
            height = 14 * len(lines) + 8
            page.need(height + 24)
            page.text(_LEFT, page.y, label, bold=True)
            page.y -= 16
            if boxed:
                page.canvas.rect(_LEFT, page.y - height + 12, _RIGHT - _LEFT, height, stroke=1, fill=0)
            for line in lines:
                page.text(_LEFT + 6, page.y, line)
                page.y -= 14
            page.y -= 14
    return page.bytes()


def two_columns(sections: Sequence[Section]) -> bytes:
    """Sections side by side: the first half of the sections on the left, the rest on the right;
    in each, a label above its answer."""
    page = _Page()
    page.title()
    top = page.y
    half = (len(sections) + 1) // 2
    width = (_RIGHT - _LEFT - 24) / 2
    for column, part in enumerate((sections[:half], sections[half:])):
        x = _LEFT + column * (width + 24)
        page.y = top
        for heading, rows in part:
            page.text(x, page.y, heading, size=11, bold=True)
            page.y -= 18
            for label, value in rows:
                page.text(x, page.y, label, bold=True)
                page.y -= 14
                for line in _wrapped(value, width):
                    page.text(x, page.y, line)
                    page.y -= 14
                page.y -= 8
    return page.bytes()


def leaders(sections: Sequence[Section]) -> bytes:
    """ "Label ........ answer" on one line, a long answer wrapped below it."""
    page = _Page()
    page.title()
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for heading, rows in sections:
        page.heading(heading)
        for label, value in rows:
            dots = "." * max(
                3, int((220 - _LEFT - stringWidth(label + " ", "Helvetica", 10)) / stringWidth(".", "Helvetica", 10))
            )
            lines = _wrapped(value, _RIGHT - 225)
            page.need(14 * len(lines) + 6)
            page.text(_LEFT, page.y, f"{label} {dots}")
            for line in lines:
                page.text(225, page.y, line)
                page.y -= 14
            page.y -= 6
    return page.bytes()


def ruled_tables(sections: Sequence[Section]) -> bytes:
    """Each section a heading and a table with ruled lines (reportlab's platypus)."""
    blocks: list[tuple[str, object]] = []
    for heading, rows in sections:
        blocks += [("h", heading), ("t", rows)]
    return printed_pdf(TITLE, blocks)


def acroform(sections: Sequence[Section], *, tooltips: bool) -> bytes:
    """A fillable form as Acrobat names its fields ("Text1", "Text2"…): each label printed left of
    its box, the answer in the box; the label also the field's tooltip when ``tooltips``."""
    page = _Page()
    page.title()
    number = 0
    for heading, rows in sections:
        page.heading(heading)
        for label, value in rows:
            number += 1
            tall = len(_wrapped(value, _RIGHT - 230 - 8))
            height = 16 * tall + 4
            page.need(height + 8)
            page.text(_LEFT, page.y, label, bold=True)
            page.canvas.acroForm.textfield(
                name=f"Text{number}",
                tooltip=label if tooltips else "",
                x=225,
                y=page.y - height + 12,
                width=_RIGHT - 225,
                height=height,
                value=value,
                fontSize=9,
                fieldFlags="multiline" if tall > 1 else "",
                borderWidth=1,
            )
            page.y -= height + 8
    return page.bytes()


LAYOUTS: dict[str, Callable[[Sequence[Section]], bytes]] = {
    "labels-left": labels_left,
    "labels-above": labels_above,
    "boxed": lambda sections: labels_above(sections, boxed=True),
    "two-columns": two_columns,
    "two-pages": lambda sections: labels_left(sections, running=True, break_after=2),
    "ruled-tables": ruled_tables,
    "leaders": leaders,
    "acroform-tooltips": lambda sections: acroform(sections, tooltips=True),
    "acroform-printed-labels": lambda sections: acroform(sections, tooltips=False),
}
