"""A partnership's notice form as a fillable A4 PDF whose AcroForm fields are named by field path.

reportlab's AcroForm API draws each answer box: a text field (several lines
where the answer is free text) named with the canonical field path
(``subject.dob``), or a check box per option (``categories.thresholds``,
``stage.2``, ``immediate_risk.yes``). Each field's tooltip is its question and
the question is printed beside it; dates ask for dd/mm/yyyy. No JavaScript, no
links, and no one's name in the document information.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFObjectReference, PDFString
from reportlab.pdfgen.canvas import Canvas

from escalations.outbound.notice_forms import ADDED_NOTE, FormField, NoticeForm

WIDTH, HEIGHT = A4
MARGIN = 18 * mm
LABEL_WIDTH = 58 * mm
GAP = 4 * mm
BOX_X = MARGIN + LABEL_WIDTH + GAP
BOX_WIDTH = WIDTH - MARGIN - BOX_X
LINE_HEIGHT = 16
TEXT_HEIGHTS = {"concern": 96, "attempts": 64}  # points; other free text gets 48
TICK = 10
GREY = Color(0.35, 0.35, 0.35)
BORDER = Color(0.45, 0.45, 0.55)
FILL = Color(0.94, 0.96, 1)


def write_pdf(form: NoticeForm) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1)
    canvas.setTitle(form.title)
    canvas.setAuthor(form.partnership_name)
    canvas.setSubject(form.form_id)
    canvas.setCreator("escalations forms make")
    page = _Page(canvas, form)
    page.opening()
    for section in form.sections:
        page.section(section.heading, section.guidance)
        for item in section.fields:
            page.field(item)
    for line in form.closing:
        page.paragraph(line, "Helvetica-Bold", 9)
    _nest(canvas)
    page.finish()
    return buffer.getvalue()


def _nest(canvas: Canvas) -> None:
    """Each field under its parents, so that its full name is its field path: "subject.dob"
    is the field "dob" in "subject", not a name with a dot in it (PDF 32000-1, 12.7.3.2:
    a partial field name has no period). reportlab writes every field at the top; its
    radio groups are parents in the same way."""
    document = canvas._doc
    top: list[PDFObjectReference] = []
    parents: dict[str, tuple[PDFDictionary, PDFObjectReference]] = {}

    def attach(node: PDFDictionary, ref: PDFObjectReference, above: str) -> None:
        if not above:
            top.append(ref)
            return
        holder, holder_ref = parent(above)
        node["Parent"] = holder_ref
        holder["Kids"].sequence.append(ref)

    def parent(path: str) -> tuple[PDFDictionary, PDFObjectReference]:
        if path not in parents:
            above, _, name = path.rpartition(".")
            node = PDFDictionary({"T": PDFString(name), "Kids": PDFArray([])})
            parents[path] = node, document.Reference(node)
            attach(node, parents[path][1], above)
        return parents[path]

    for ref in list(canvas.acroForm.fields):
        widget = document.idToObject[ref.name]
        above, _, name = widget["T"].s.rpartition(".")
        widget["T"] = PDFString(name)
        attach(widget, ref, above)
    canvas.acroForm.fields[:] = top


@dataclass
class _Page:
    """The canvas and where the next thing goes on it."""

    canvas: Canvas
    form: NoticeForm
    y: float = HEIGHT - MARGIN
    number: int = 1

    def opening(self) -> None:
        self.paragraph(self.form.title, "Helvetica-Bold", 15)
        self.paragraph(self.form.partnership_name, "Helvetica-Bold", 11)
        if self.form.published:
            self.paragraph(f"The partnership's {self.form.published}, as a form to fill in.", "Helvetica", 9)
        if self.form.intro:
            self.paragraph(self.form.intro, "Helvetica", 9)
        if self.form.has_added:
            self.paragraph(ADDED_NOTE, "Helvetica-Oblique", 8)

    def paragraph(self, text: str, font: str, size: float, x: float = MARGIN, width: float | None = None) -> None:
        lines = simpleSplit(text, font, size, width or WIDTH - MARGIN - x)
        self.room(len(lines) * size * 1.25 + 4)
        self.canvas.setFont(font, size)
        for line in lines:
            self.y -= size * 1.25
            self.canvas.drawString(x, self.y, line)
        self.y -= 4

    def section(self, heading: str, guidance: str) -> None:
        self.room(60)
        self.y -= 6
        self.paragraph(heading, "Helvetica-Bold", 11.5)
        self.canvas.setStrokeColor(BORDER)
        self.canvas.line(MARGIN, self.y, WIDTH - MARGIN, self.y)
        self.y -= 3
        if guidance:
            self.paragraph(guidance, "Helvetica-Oblique", 8)

    def field(self, item: FormField) -> None:
        label = simpleSplit(item.shown_label, "Helvetica-Bold", 9, LABEL_WIDTH)
        guidance = simpleSplit(item.guidance, "Helvetica-Oblique", 7.5, BOX_WIDTH) if item.guidance else []
        box = self._box_height(item)
        self.room(max(len(label) * 11, box) + len(guidance) * 9.5 + 10)
        top = self.y
        self.canvas.setFillColor(black)
        self.canvas.setFont("Helvetica-Bold", 9)
        for number, line in enumerate(label, 1):
            self.canvas.drawString(MARGIN, top - number * 11 + 1, line)
        self._draw_box(item, top)
        self.y = top - max(len(label) * 11, box) - 3
        self.canvas.setFont("Helvetica-Oblique", 7.5)
        self.canvas.setFillColor(GREY)
        for line in guidance:
            self.y -= 9.5
            self.canvas.drawString(BOX_X, self.y, line)
        self.canvas.setFillColor(black)
        self.y -= 7

    def _box_height(self, item: FormField) -> float:
        if item.kind == "ticks":
            return len(item.options) * (TICK + 5)
        if item.kind == "text":
            return TEXT_HEIGHTS.get(item.path, 48)
        return LINE_HEIGHT

    def _draw_box(self, item: FormField, top: float) -> None:
        form = self.canvas.acroForm
        style = {"borderColor": BORDER, "fillColor": FILL, "textColor": black, "borderWidth": 0.6}
        if item.kind == "ticks":
            self.canvas.setFont("Helvetica", 9)
            for number, option in enumerate(item.options):
                y = top - (number + 1) * (TICK + 5) + 4
                form.checkbox(
                    name=item.option_name(option),
                    tooltip=f"{item.label}: {option.text}",
                    x=BOX_X,
                    y=y,
                    size=TICK,
                    buttonStyle="cross",
                    checked=False,
                    **style,
                )
                self.canvas.drawString(BOX_X + TICK + 5, y + 1.5, option.text)
            return
        height = self._box_height(item)
        width = 30 * mm if item.kind == "date" else BOX_WIDTH
        tooltip = f"{item.label} (dd/mm/yyyy)" if item.kind == "date" else item.label
        form.textfield(
            name=item.path,
            tooltip=tooltip,
            x=BOX_X,
            y=top - height,
            width=width,
            height=height,
            fontName="Helvetica",
            fontSize=9 if item.kind != "text" else 8.5,
            fieldFlags="multiline" if item.kind == "text" else "",
            value="",
            **style,
        )
        if item.kind == "date":
            self.canvas.setFont("Helvetica", 8)
            self.canvas.setFillColor(GREY)
            self.canvas.drawString(BOX_X + width + 6, top - height + 4.5, "dd/mm/yyyy")
            self.canvas.setFillColor(black)

    def room(self, needed: float) -> None:
        """A new page when ``needed`` points will not fit above the footer."""
        if self.y - needed < MARGIN + 14:
            self._footer()
            self.canvas.showPage()
            self.number += 1
            self.y = HEIGHT - MARGIN

    def _footer(self) -> None:
        self.canvas.setFont("Helvetica", 7.5)
        self.canvas.setFillColor(GREY)
        text = f"{self.form.partnership_name} · {self.form.form_id} · page {self.number}"
        self.canvas.drawString(MARGIN, MARGIN - 6, text)
        self.canvas.setFillColor(black)

    def finish(self) -> None:
        self._footer()
        self.canvas.showPage()
        self.canvas.save()
