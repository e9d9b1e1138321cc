"""The programs a corpus notice is made with: python-docx, LibreOffice (from HTML), reportlab, email.

Each returns file bytes (or, for LibreOffice, a job run in one batch by
``libreoffice_batch``: starting LibreOffice costs seconds, converting a page
does not). Nothing here knows the canonical fields: designs say what to print.
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone
from html import escape
from pathlib import Path

import docx
from docx.enum.text import WD_BREAK
from docx.shared import Pt

# --- python-docx ------------------------------------------------------------------------------------


class WordDocument:
    """A Word document written as a form designer would: headings, bold labels, tables."""

    def __init__(self, font: str = "Arial") -> None:
        self.document = docx.Document()
        style = self.document.styles["Normal"]
        style.font.name, style.font.size = font, Pt(11)

    def heading(self, text: str, level: int = 1) -> None:
        self.document.add_heading(text, level=level)

    def paragraph(self, text: str = "", *, bold: bool = False) -> None:
        paragraph = self.document.add_paragraph()
        for number, line in enumerate(text.split("\n")):
            run = paragraph.add_run(line)
            run.bold = bold
            if number < text.count("\n"):
                run.add_break(WD_BREAK.LINE)

    def labelled(self, label: str, value: str) -> None:
        """A bold label on one line and the answer on the next (label above value)."""
        self.paragraph(label, bold=True)
        self.paragraph(value)

    def inline(self, label: str, value: str) -> None:
        """``Label:`` in bold and the answer after it in the same paragraph."""
        paragraph = self.document.add_paragraph()
        paragraph.add_run(label).bold = True
        paragraph.add_run(f" {value}")

    def table(self, rows: Sequence[Sequence[str]], *, bold_first: bool = True, style: str = "Table Grid") -> None:
        table = self.document.add_table(rows=0, cols=max(len(row) for row in rows))
        table.style = style
        for row in rows:
            cells = table.add_row().cells
            for number, text in enumerate(row):
                cells[number].text = ""
                lines = text.split("\n")
                paragraph = cells[number].paragraphs[0]
                for index, line in enumerate(lines):
                    if index:
                        paragraph = cells[number].add_paragraph()
                    run = paragraph.add_run(line)
                    run.bold = bold_first and number % 2 == 0 and len(row) > 1
        self.document.add_paragraph()

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


# --- LibreOffice, from HTML -------------------------------------------------------------------------

FILTERS = {"odt": "odt:writer8", "doc": "doc:MS Word 97", "rtf": "rtf:Rich Text Format", "pdf": "pdf:writer_pdf_Export"}


def html_page(body: str, title: str = "Escalation form") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f'<body style="font-family: Arial">{body}</body></html>'
    )


def html_table(rows: Sequence[Sequence[str]]) -> str:
    cells = "".join(
        "<tr>"
        + "".join(
            f"<td>{'<b>' if i % 2 == 0 and len(row) > 1 else ''}{_lines(text)}"
            f"{'</b>' if i % 2 == 0 and len(row) > 1 else ''}</td>"
            for i, text in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table border="1" cellpadding="4" cellspacing="0">{cells}</table>'


def _lines(text: str) -> str:
    return "<br>".join(escape(line) for line in text.split("\n"))


def libreoffice_batch(jobs: Mapping[str, tuple[str | bytes, str]], soffice: str) -> dict[str, bytes]:
    """``{name: (source, "odt"|"doc"|"rtf"|"pdf")}`` converted by one LibreOffice per target format and
    source kind, run side by side. The source is HTML, RTF as Word writes it (``rtf_document``), or a
    .docx (bytes: printed to PDF as Word's "Save as PDF" would); an RTF source wanted as .rtf is sent as it is."""
    done = {
        name: source.encode("ascii")
        for name, (source, t) in jobs.items()
        if t == "rtf" and isinstance(source, str) and _is_rtf(source)
    }
    groups = sorted({(target, _source_kind(source)) for name, (source, target) in jobs.items() if name not in done})
    with tempfile.TemporaryDirectory(prefix="escalations-corpus-lo-") as tmp, ThreadPoolExecutor(len(groups) or 1) as pool:
        batches = [
            {name: source for name, (source, t) in jobs.items() if name not in done and (t, _source_kind(source)) == group}
            for group in groups
        ]
        results = pool.map(
            _convert,
            batches,
            [target for target, _ in groups],
            [Path(tmp) / f"{target}-{kind}" for target, kind in groups],
            [soffice] * len(groups),
            [kind for _, kind in groups],
        )
        return done | {name: data for result in results for name, data in result.items()}


def _is_rtf(source: str) -> bool:
    return source.startswith("{\\rtf")


def _source_kind(source: str | bytes) -> str:
    if isinstance(source, bytes):
        return "docx"
    return "rtf" if _is_rtf(source) else "html"


def _convert(batch: Mapping[str, str | bytes], target: str, folder: Path, soffice: str, kind: str = "html") -> dict[str, bytes]:
    """One LibreOffice, its own profile, converting ``batch`` (HTML, RTF or .docx by name) to ``target``."""
    (folder / "in").mkdir(parents=True)
    for name, source in batch.items():
        path = folder / "in" / f"{name}.{kind}"
        path.write_bytes(source) if isinstance(source, bytes) else path.write_text(source, encoding="utf-8")
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            *(["--infilter=HTML (StarWriter)"] if kind == "html" else []),
            "--convert-to",
            FILTERS[target],
            "--outdir",
            str(folder / "out"),
            *(str(folder / "in" / f"{name}.{kind}") for name in batch),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        env={"PATH": os.environ.get("PATH", os.defpath), "HOME": str(folder), "LANG": "C.UTF-8"},
    )
    return {name: (folder / "out" / f"{name}.{target}").read_bytes() for name in batch}


# --- RTF as Word writes it ----------------------------------------------------------------------------


def rtf_escape(text: str) -> str:
    """Text for RTF: control characters escaped, anything past ASCII as ``\\uN?``, a line break as ``\\line``."""
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\line ")
        elif ch == "\t":
            out.append("\\tab ")
        elif ord(ch) > 127:
            code = ord(ch)
            out.append(f"\\u{code - 65536 if code > 32767 else code}?")
        else:
            out.append(ch)
    return "".join(out)


def rtf_document(blocks: Sequence[tuple[str, object]]) -> str:
    """An RTF file the way Word saves one: ``("p", text)`` paragraphs (tabs and line breaks kept
    as ``\\tab`` and ``\\line``), ``("b", text)`` bold paragraphs, ``("t", rows)`` tables of
    ``\\cell``/``\\row`` with a tab stop at 6 cm for tabbed paragraphs."""
    parts = ["{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}\\f0\\fs22\n"]
    for kind, content in blocks:
        if kind in ("p", "b"):
            on, off = ("\\b ", "\\b0") if kind == "b" else ("", "")
            parts.append(f"\\pard\\tx3400\\tx6800 {on}{rtf_escape(str(content))}{off}\\par\n")
        else:
            for row in content:  # type: ignore[union-attr]
                width = 9000 // len(row)
                edges = "".join(
                    f"\\clbrdrt\\brdrs\\clbrdrl\\brdrs\\clbrdrb\\brdrs\\clbrdrr\\brdrs\\cellx{width * (i + 1)}"
                    for i in range(len(row))
                )
                cells = "".join(f"\\pard\\intbl {rtf_escape(text)}\\cell " for text in row)
                parts.append(f"\\trowd\\trgaph108{edges}\n{cells}\\row\n")
            parts.append("\\pard\\par\n")
    parts.append("}")
    return "".join(parts)


# --- reportlab ---------------------------------------------------------------------------------------


def printed_pdf(title: str, blocks: Sequence[tuple[str, object]]) -> bytes:
    """A printed form: ``("h", text)`` headings, ``("p", text)`` paragraphs, ``("t", rows)`` ruled tables."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    story: list = [Paragraph(escape(title), styles["Title"])]
    for kind, content in blocks:
        if kind == "h":
            story.append(Paragraph(escape(str(content)), styles["Heading2"]))
        elif kind == "p":
            story.append(Paragraph(_lines(str(content)), styles["BodyText"]))
        elif kind == "break":
            from reportlab.platypus import PageBreak

            story.append(PageBreak())
        else:
            rows = [
                [
                    Paragraph(("<b>%s</b>" if i % 2 == 0 and len(row) > 1 else "%s") % _lines(text), styles["BodyText"])
                    for i, text in enumerate(row)
                ]
                for row in content
            ]  # type: ignore[union-attr]
            widths = [170, 300] if max(len(r) for r in content) == 2 else None  # type: ignore[union-attr]
            table = Table(rows, colWidths=widths)
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [table, Spacer(1, 8)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title, invariant=1).build(story)
    return buffer.getvalue()


def fillable_pdf(title: str, fields: Sequence[dict]) -> bytes:
    """An AcroForm filled in: each field ``{"label", "name", "tooltip", "value"}`` (text) or with
    ``"checked"`` (a check box); the label is printed left of the box, as on a printed form."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setTitle(title)
    page.setFont("Helvetica-Bold", 14)
    page.drawString(50, 800, title)
    y = 770
    for item in fields:
        tall = item.get("lines", 1)
        if y - 22 * tall < 60:
            page.showPage()
            y = 800
        page.setFont("Helvetica", 9)
        page.drawString(50, y, item["label"])
        if "checked" in item:
            page.acroForm.checkbox(
                name=item["name"], tooltip=item["tooltip"], x=300, y=y - 4, size=12, checked=item["checked"], buttonStyle="cross"
            )
        else:
            height = 18 * tall
            page.acroForm.textfield(
                name=item["name"],
                tooltip=item["tooltip"],
                x=220,
                y=y - height + 12,
                width=330,
                height=height,
                value=item["value"],
                fontSize=9,
                fieldFlags="multiline" if tall > 1 else "",
                borderWidth=1,
            )
        y -= 22 * tall + 6
    page.save()
    return buffer.getvalue()


# --- email -----------------------------------------------------------------------------------------

SENT = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TYPES = {
    "docx": DOCX_TYPE,
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "doc": "application/msword",
    "rtf": "application/rtf",
}


def email(
    sender: str,
    to: str,
    subject: str,
    *,
    text: str | None = None,
    html: str | None = None,
    attachment: tuple[str, bytes] | None = None,
    cc: Sequence[str] = (),
) -> bytes:
    """An RFC 5322 message: a plain and/or Outlook-style HTML body, and at most one attached notice."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = format_datetime(SENT)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    if text is None and html is not None:
        message.set_content(html, subtype="html")  # HTML only, as webmail and some Outlook set-ups send
    else:
        message.set_content(text or "")
        if html is not None:
            message.add_alternative(html, subtype="html")
    if attachment is not None:
        filename, data = attachment
        maintype, _, subtype = TYPES[filename.rpartition(".")[2]].partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def outlook_html(inner: str) -> str:
    """An HTML body as Outlook writes one: Word's HTML with MsoNormal paragraphs and a signature."""
    return (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">'
        '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '<meta name="Generator" content="Microsoft Word 15 (filtered medium)"><style><!-- p.MsoNormal'
        ' {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;} --></style></head>'
        f'<body lang="EN-GB" link="#0563C1"><div class="WordSection1">{inner}</div></body></html>'
    )


def mso(text: str, *, bold: bool = False) -> str:
    inner = _lines(text) if text else "<o:p>&nbsp;</o:p>"
    return f'<p class="MsoNormal">{"<b>" if bold else ""}{inner}{"</b>" if bold else ""}<o:p></o:p></p>'


def mso_table(rows: Sequence[Sequence[str]]) -> str:
    cells = "".join(
        "<tr>"
        + "".join(
            f'<td width="300" valign="top" style="border:solid windowtext 1.0pt">{mso(text, bold=(i == 0))}</td>'
            for i, text in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0">{cells}</table>'
