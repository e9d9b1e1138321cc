"""Real PDF notices made with reportlab (and pypdf for encryption), filled in with fictional people.

Each builder reproduces one way a notice reaches us as a PDF: a fillable form
(AcroForm text boxes, check boxes and radio groups; named fields and anonymous
ones beside printed labels), a ruled table of labels and answers, label/value
text over two pages with headers and footers, a document printed from Word
(words placed one by one, tabs and dotted leaders), a scan, an encrypted file,
damaged bytes, too many pages, and a page heavy enough to be slow. Keyword
overrides replace a default answer.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

WIDTH, HEIGHT = A4
LEFT, RIGHT = 72.0, WIDTH - 72.0
FONT, BOLD = "Helvetica", "Helvetica-Bold"

SALFORD = {
    "child": "Jo Bloggs",
    "dob": "14/02/2017",
    "concern": "Jo has missed three health appointments.\nThe referral was closed without a visit.",
    "your_name": "Aisha Khan",
    "your_role": "Health Visitor",
    "your_agency": "Northside Health",
    "your_email": "a.khan@northside-health.example",
    "telephone": "0161 496 0000",
    "challenged": "Salford Children's Services",
    "stage": "2",
    "immediate_risk": "No",
    "signed": "Aisha Khan",
    "role": "Health Visitor",
    "dated": "05/03/2026",
    "copies": "Team Manager, Northside Health",
}


def _answers(overrides: dict[str, str], defaults: dict[str, str] = SALFORD) -> dict[str, str]:
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise TypeError(f"no such answer: {', '.join(sorted(unknown))}")
    return {**defaults, **overrides}


def _canvas() -> tuple[Canvas, io.BytesIO]:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setFont(FONT, 10)
    return canvas, buffer


def _saved(canvas: Canvas, buffer: io.BytesIO) -> bytes:
    canvas.save()
    return buffer.getvalue()


def _text(canvas: Canvas, x: float, y: float, text: str, *, bold: bool = False, size: float = 10) -> None:
    canvas.setFont(BOLD if bold else FONT, size)
    canvas.drawString(x, y, text)
    canvas.setFont(FONT, 10)


# --- fillable forms -----------------------------------------------------------------------


def acroform_notice(**overrides: str) -> bytes:
    """Salford Appendix 2 as a two-page fillable form.

    Fields are found four ways: by a label as their name ("Name of Child/Young
    Person"), by a label as their tooltip ("Text2" / "Date of birth"), by our own
    forms' field paths ("raised_by.email", "categories.thresholds") and, for
    "Text4", by the label printed beside it. Immediate risk and the stage are
    radio groups; the categories are check boxes; the concern is a multi-line box.
    """
    a = _answers(overrides)
    canvas, buffer = _canvas()
    form = canvas.acroForm
    _text(canvas, LEFT, 790, "Appendix 2 – Escalation Notice", bold=True, size=14)
    rows = [
        ("Name of Child/Young Person", {"name": "Name of Child/Young Person"}, a["child"]),
        ("Date of birth", {"name": "Text2", "tooltip": "Date of birth"}, a["dob"]),
        ("Your name", {"name": "Your name"}, a["your_name"]),
        ("Your agency", {"name": "Text4"}, a["your_agency"]),
        ("Your email", {"name": "raised_by.email"}, a["your_email"]),
        ("Agency whose decision is challenged", {"name": "Agency whose decision is challenged"}, a["challenged"]),
    ]
    y = 750.0
    for label, names, value in rows:
        _text(canvas, LEFT, y + 6, label)
        form.textfield(value=value, x=280, y=y, width=240, height=18, borderWidth=0.5, **names)
        y -= 28
    _text(canvas, LEFT, y + 6, "Is the child at immediate risk of significant harm?")
    for x, choice in ((340, "Yes"), (400, "No")):
        form.radio(name="immediate_risk", value=choice, selected=a["immediate_risk"] == choice, x=x, y=y + 2, size=12)
        _text(canvas, x + 16, y + 5, choice)
    y -= 28
    _text(canvas, LEFT, y + 6, "Current stage")
    for x, stage in ((280, "1"), (330, "2"), (380, "3")):
        form.radio(name="Current stage", value=stage, selected=a["stage"] == stage, x=x, y=y + 2, size=12)
        _text(canvas, x + 16, y + 5, stage)
    y -= 34
    _text(canvas, LEFT, y + 6, "Nature of disagreement")
    for slug, shown, ticked in (
        ("thresholds", "Level of need / thresholds", True),
        ("case_conference", "Whether a case conference should be held", True),
        ("resources", "Resource or capacity issues", False),
    ):
        form.checkbox(name=f"categories.{slug}", checked=ticked, x=280, y=y + 2, size=12)
        _text(canvas, 298, y + 5, shown)
        y -= 20
    y -= 20
    _text(canvas, LEFT, y, "Please document any information of concern.")
    form.textfield(
        name="Please document any information of concern",
        value=a["concern"],
        x=LEFT,
        y=y - 90,
        width=RIGHT - LEFT,
        height=80,
        fieldFlags="multiline",
        borderWidth=0.5,
    )
    canvas.showPage()
    _text(canvas, LEFT, 790, "Appendix 2 – continued", bold=True, size=12)
    for y, (label, name, value) in zip(
        (750, 722, 694, 666),
        (
            ("Signed", "Signed", a["signed"]),
            ("Role", "Role", a["role"]),
            ("Dated", "Dated", a["dated"]),
            ("Who has a copy of this notice been sent to?", "Copied to", a["copies"]),
        ),
    ):
        _text(canvas, LEFT, y + 6, label)
        form.textfield(name=name, value=value, x=280, y=y, width=240, height=18, borderWidth=0.5)
    return _saved(canvas, buffer)


def anonymous_acroform_notice(**overrides: str) -> bytes:
    """A form whose fields are all "Text1", "Check Box1"…: read by the labels printed beside them."""
    a = _answers(overrides)
    canvas, buffer = _canvas()
    form = canvas.acroForm
    _text(canvas, LEFT, 790, "Escalation notice", bold=True, size=14)
    y = 750.0
    for number, (label, value) in enumerate(
        (
            ("Name of child", a["child"]),
            ("D.O.B", a["dob"]),
            ("Your name", a["your_name"]),
            ("Agency you disagree with", a["challenged"]),
        ),
        start=1,
    ):
        _text(canvas, LEFT, y + 6, label)
        form.textfield(name=f"Text{number}", value=value, x=280, y=y, width=240, height=18, borderWidth=0.5)
        y -= 28
    _text(canvas, LEFT, y + 6, "Is the child at immediate risk of significant harm?")
    for number, (x, choice) in enumerate(((340, "Yes"), (400, "No")), start=1):
        form.checkbox(name=f"Check Box{number}", checked=a["immediate_risk"] == choice, x=x, y=y + 2, size=12)
        _text(canvas, x + 16, y + 5, choice)
    return _saved(canvas, buffer)


def hierarchical_form_notice() -> bytes:
    """Fields as Acrobat nests them: a parent field "Immediate risk" (type inherited by its kids)
    over check boxes "Yes" and "No", and "Nature of disagreement" over one box per theme."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [5 0 R 6 0 R 8 0 R 9 0 R] >>"

    def box(number: int, parent: int, name: bytes, on: bool, y: int) -> bytes:
        state = b"/Yes" if on else b"/Off"
        return (
            b"<< /Type /Annot /Subtype /Widget /Parent %d 0 R /T (%s) /V %s /AS %s /P 3 0 R "
            b"/Rect [300 %d 312 %d] /AP << /N << /Yes 10 0 R /Off 10 0 R >> >> >>" % (parent, name, state, state, y, y + 12)
        )

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R 7 0 R] >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page,
        b"<< /T (Immediate risk) /FT /Btn /Kids [5 0 R 6 0 R] >>",
        box(5, 4, b"Yes", False, 700),
        box(6, 4, b"No", True, 680),
        b"<< /T (Nature of disagreement) /FT /Btn /Kids [8 0 R 9 0 R] >>",
        box(8, 7, b"Thresholds", True, 640),
        box(9, 7, b"Resources", False, 620),
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    return _assemble(objects)


def xfa_only_notice() -> bytes:
    """An Adobe LiveCycle (dynamic XFA) form: an AcroForm with XML and no fields, a "please wait" page."""
    canvas, buffer = _canvas()
    _text(canvas, LEFT, 790, "Please wait...")
    _text(canvas, LEFT, 770, "If this message is not eventually replaced by the proper contents of the document,")
    _text(canvas, LEFT, 756, "your PDF viewer may not be able to display this type of document.")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_saved(canvas, buffer))))
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject(),
            NameObject("/XFA"): TextStringObject("<xdp:xdp/>"),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- tables ---------------------------------------------------------------------------------------


def table_notice(
    rows: Sequence[tuple[str, str]],
    *,
    title: str = "Barnet Safeguarding Children Board – escalation",
    below: Sequence[Sequence[str]] = (),
    below_title: str = "Attempts to resolve issue",
) -> bytes:
    """A ruled two-column table of labels and answers (answers wrap in their cells), and
    optionally, under a bold heading, a second table of a row of labels over rows of answers."""
    canvas, buffer = _canvas()
    _text(canvas, LEFT, 790, title, bold=True, size=14)
    y = _table(canvas, rows, 770.0, first=170)
    if below:
        _text(canvas, LEFT, y - 20, below_title, bold=True)
        _table(canvas, below, y - 30, first=120)
    return _saved(canvas, buffer)


def _table(canvas: Canvas, rows: Sequence[Sequence[str]], top: float, *, first: float) -> float:
    """A ruled table drawn from ``top`` down; the y of its foot."""
    styles = getSampleStyleSheet()
    table = Table([[_cell(text, styles) for text in row] for row in rows], colWidths=[first, RIGHT - LEFT - first])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    _, height = table.wrapOn(canvas, RIGHT - LEFT, top)
    table.drawOn(canvas, LEFT, top - height)
    return top - height


def _cell(text: str, styles) -> list[Paragraph]:  # type: ignore[no-untyped-def]
    """A cell of paragraphs: one per line of ``text``, each wrapping at the cell's width."""
    return [Paragraph(escape(line), styles["Normal"]) for line in text.split("\n")]


def bnes_table_notice() -> bytes:
    """B&NES Appendix A: details in one ruled table, attempts in a Dates | Outcome table."""
    return table_notice(
        [
            ("Name of child", "Alex Example"),
            ("D.O.B", "30.06.12"),
            ("Your name", "Priya Shah"),
            ("Your agency", "Riverside Housing"),
            ("Agency whose decision is challenged", "B&NES Children's Services"),
            ("Stage", "Stage 3"),
            ("Immediate risk", "No"),
            (
                "Details of the disagreement",
                "Riverside Housing asked for a joint visit before the eviction; "
                "Children's Services declined it without giving the family a reason or a date.",
            ),
        ],
        title="Appendix A – Attempts to resolve",
        below=[
            ("Dates", "Outcome"),
            ("12/01/2026", "Practitioners met; not resolved."),
            ("19/01/2026", "Line managers met; not resolved."),
        ],
    )


# --- running text ---------------------------------------------------------------------------


class _Writer:
    """Lines down a page, a new page (with its header and footer) when one is full."""

    def __init__(self, canvas: Canvas, header: str | None, pages: int) -> None:
        self.canvas, self.header, self.pages = canvas, header, pages
        self.page = 1
        self.y = self._top()

    def _top(self) -> float:
        if self.header:
            _text(self.canvas, LEFT, HEIGHT - 30, self.header, size=8)
            _text(self.canvas, WIDTH / 2 - 20, 24, f"Page {self.page} of {self.pages}", size=8)
        return HEIGHT - 80

    def line(self, *pieces: tuple[float, str, bool], gap: float = 14) -> None:
        if self.y < 60:
            self.canvas.showPage()
            self.page += 1
            self.y = self._top()
        for x, text, bold in pieces:
            _text(self.canvas, x, self.y, text, bold=bold)
        self.y -= gap

    def paragraph(self, text: str, x: float, width: float, *, after: float = 6) -> None:
        for line in wrap(text, width):
            self.line((x, line, False))
        self.y -= after

    def move_to(self, y: float) -> None:
        self.y = y


def wrap(text: str, width: float, font: str = FONT, size: float = 10) -> list[str]:
    """Words laid into lines no wider than ``width``, as a word processor would."""
    lines: list[str] = []
    for word in text.split():
        if lines and stringWidth(f"{lines[-1]} {word}", font, size) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


TWO_PAGE_CONCERN = (
    "Sam has been excluded from school three times this term and the family have told the school "
    "that there is not enough food at home. The school referred the family to Children's Social Care "
    "on 12 January and the referral was closed the next day without a visit or a call to the school.",
    "The school asked for the decision to be reviewed and was told that the threshold for an "
    "assessment was not met, although no one from Children's Social Care has spoken to Sam.",
)


def two_page_notice(
    *, concern: Sequence[str] = TWO_PAGE_CONCERN, child: str = "Sam Smith", dob: str = "3rd September 2019"
) -> bytes:
    """A practitioner's own two-page letter: labels in a left column with answers beside them
    (wrapping in the right-hand column), "Label: value" lines, a concern that runs from the
    foot of page 1 on to page 2, and a header and "Page n of 2" footer on every page."""
    canvas, buffer = _canvas()
    page = _Writer(canvas, "OFFICIAL – SENSITIVE", pages=2)
    page.line((LEFT, "Barnet Safeguarding Children Board – professional challenge", True), gap=30)
    column = 250.0
    side_by_side = [
        ("Child's full name", child),
        ("Date of birth", dob),
        ("Your name", "Ben Osei"),
        ("Your role", "Designated Safeguarding Lead"),
        ("Your agency", "Eastgate Primary School"),
        ("Agency you disagree with", "Barnet Children's Social Care, Early Help and Family Support Assessment Team (North)"),
        ("Signed", "Ben Osei"),
    ]
    for label, answer in side_by_side:
        first, *more = wrap(answer, RIGHT - column)
        page.line((LEFT, label, False), (column, first, False))
        for line in more:
            page.line((column, line, False))
        page.y -= 6
    page.line((LEFT, "Your email: b.osei@eastgate-school.example", False))
    page.line((LEFT, "Stage being escalated to: 3", False))
    page.line((LEFT, "Is the child at immediate risk of significant harm? No", False), gap=24)
    page.move_to(96)  # two lines of the concern fit on page 1; the rest goes over
    page.line((LEFT, "Details of the disagreement", True), gap=18)
    for text in concern:
        page.paragraph(text, LEFT, RIGHT - LEFT)
    page.y -= 10
    page.line((LEFT, "Outcome you are seeking", True), gap=18)
    page.paragraph("A strategy discussion is held and Sam is seen.", LEFT, RIGHT - LEFT)
    return _saved(canvas, buffer)


def word_style_notice(**overrides: str) -> bytes:
    """Salford Appendix 2 typed into the Word form and saved as PDF: words placed one by one
    with no space characters (as Word's PDF export does), a tab between two labels on one
    line, dotted leaders after "Signed" and "Role", bold headings, and a table."""
    a = _answers(overrides)
    canvas, buffer = _canvas()
    y = 780.0

    def words(*runs: tuple[str, bool], at: float = LEFT) -> None:
        nonlocal y
        x = at
        for text, bold in runs:
            if text == "\t":
                x = (int((x - LEFT) // 72) + 1) * 72 + LEFT + 36
                continue
            font = BOLD if bold else FONT
            for word in text.split(" "):
                canvas.setFont(font, 10)
                canvas.drawString(x, y, word)
                x += stringWidth(word, font, 10) + stringWidth(" ", font, 10)
        y -= 16

    words(("Appendix 2 – Escalation Notice", True))
    y -= 8
    words((f"Name of Child/Young Person: {a['child']}", False), ("\t", False), (f"D.O.B {a['dob']}", False))
    words(("Please document any information of concern.", False))
    for line in a["concern"].split("\n"):
        words((line, False))
    y -= 6
    words((f"Signed: {a['signed']}.....Role: {a['role']}.....", False))
    words((f"Dated: {a['dated']}", False))
    words((f"Who has a copy of this notice been sent to? {a['copies']}", False))
    y -= 8
    words(("Return to; SSCB Business Manager", True))
    risk = "[ ] Yes [x] No" if a["immediate_risk"] == "No" else "[x] Yes [ ] No"
    rows = [
        ("Your name", a["your_name"]),
        ("Your role", a["your_role"]),
        ("Your agency", a["your_agency"]),
        ("Your email", a["your_email"]),
        ("Telephone", a["telephone"]),
        ("Agency whose decision is challenged", a["challenged"]),
        ("Current stage", a["stage"]),
        ("Is the child at immediate risk of significant harm?", risk),
    ]
    _table(canvas, rows, y, first=200)
    return _saved(canvas, buffer)


# --- documents we cannot or must not read ---------------------------------------------------


def scanned_notice(pages: int = 1) -> bytes:
    """Pages that are only a picture of a form: no text at all."""
    canvas, buffer = _canvas()
    for _ in range(pages):
        canvas.drawImage(ImageReader(_scan_image()), LEFT, 300, width=RIGHT - LEFT, height=450)
        canvas.showPage()
    return _saved(canvas, buffer)


def partly_scanned_notice() -> bytes:
    """Page 1 typed, page 2 a scan of the rest of the form."""
    canvas, buffer = _canvas()
    _text(canvas, LEFT, 780, "Name of child: Jo Bloggs")
    _text(canvas, LEFT, 760, "Date of birth: 14/02/2017")
    canvas.showPage()
    canvas.drawImage(ImageReader(_scan_image()), LEFT, 300, width=RIGHT - LEFT, height=450)
    return _saved(canvas, buffer)


def _scan_image() -> io.BytesIO:
    image = Image.new("L", (600, 450), 235)
    draw = ImageDraw.Draw(image)
    for row in range(12):
        draw.rectangle((30, 30 + row * 34, 560 - (row % 3) * 90, 44 + row * 34), fill=40)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def encrypted_notice(algorithm: str = "AES-256") -> bytes:
    """The two-page fillable form, opened only with a password (pypdf: "RC4-128", "AES-128", "AES-256")."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(acroform_notice())))
    writer.encrypt(user_password="safeguarding", owner_password="owner", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def owner_password_notice() -> bytes:
    """Encrypted with an owner password only: it opens without one, so it is read."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(acroform_notice())))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def damaged_notices() -> dict[str, bytes]:
    good = acroform_notice()
    return {
        "a header and nothing else": b"%PDF-1.7\n",
        "half a file": good[: len(good) // 2],
        "garbage after the header": b"%PDF-1.4\n" + bytes(range(256)) * 40,
        "no header at all": b"\x00" * 2000,
    }


def pages_notice(pages: int, *, text: bool = True) -> bytes:
    """``pages`` pages with a line of text each (or nothing at all)."""
    canvas, buffer = _canvas()
    for number in range(1, pages + 1):
        if text:
            _text(canvas, LEFT, 780, f"Continuation sheet {number}")
        canvas.showPage()
    return _saved(canvas, buffer)


def slow_notice(words: int = 60_000) -> bytes:
    """One valid page of ``words`` tiny words: seconds of layout analysis, under every size limit."""
    canvas, buffer = _canvas()
    text = canvas.beginText()
    text.setFont(FONT, 1)
    per_line = 300
    for start in range(0, words, per_line):
        text.setTextOrigin(10, HEIGHT - 10 - (start // per_line) * 1.2)
        text.textOut(" ".join("ab" for _ in range(min(per_line, words - start))))
    canvas.drawText(text)
    return _saved(canvas, buffer)


def deflate_bomb_notice(megabytes: int = 400) -> bytes:
    """A valid one-page PDF whose content stream inflates to ``megabytes`` of spaces (1000 to 1)."""
    compressor, megabyte = zlib.compressobj(9), b" " * (1024 * 1024)
    content = b"".join(compressor.compress(megabyte) for _ in range(megabytes)) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    return _assemble(objects)


def _assemble(objects: Sequence[bytes]) -> bytes:
    """A PDF file around ``objects`` (numbered from 1), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
