"""PDF bytes into labelled values: form fields, tables, and label/value text across pages.

The document is refused before any page is read when it is password-protected,
has more pages than a notice has, or is a LiveCycle (XFA) form; it is refused
after reading when no page has any text (a scan). A page that is only a scan in
an otherwise readable document is a note for the sender, not a refusal.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from itertools import islice

import pdfplumber
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFObjRef, resolve1
from pdfplumber.page import Page
from pdfplumber.pdf import PDF

from escalations.intake.notices.docx_reader import UnreadableDocument
from escalations.intake.notices.fields import EVERY_FIELD, LabelledValue, Vocabulary, resolve_scopes
from escalations.intake.notices.normalise import has_boxes
from escalations.intake.notices.pdf_fields import form_fields
from escalations.intake.notices.pdf_layout import layout_values, page_layout

__all__ = ["MAX_PAGES", "PdfReading", "UnreadableDocument", "read_pdf"]

MAX_PAGES = 20
DAMAGED = "The PDF is damaged or is not a PDF file."
ENCRYPTED = (
    "The PDF is password-protected; please send it without a password (your organisation's "
    "secure email keeps it safe on the way), or send the Word form."
)
SCANNED = "The attached PDF is a scan with no text; please send the Word form or a PDF saved from Word."
NO_TEXT = "The PDF has no text in it; please send the Word form or a PDF saved from Word."
XFA = (
    "The PDF is an Adobe LiveCycle (XFA) form, which we cannot read; please send the Word form, "
    "or print the filled form to a new PDF and send that."
)


@dataclass
class PdfReading:
    values: list[LabelledValue]
    notes: list[str] = field(default_factory=list)  # what was not read, said to the sender


def read_pdf(data: bytes, *, vocabulary: Vocabulary = EVERY_FIELD, max_pages: int = MAX_PAGES) -> PdfReading:
    """Every labelled value in a PDF; ``UnreadableDocument`` when it cannot or must not be read."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return _read(pdf, vocabulary, max_pages)
    except (UnreadableDocument, MemoryError):
        raise
    except Exception as exc:  # pdfminer raises nearly any exception on a malformed file
        if _caused_by(exc, MemoryError):
            raise MemoryError from exc  # the sandbox's memory limit, not damage
        raise UnreadableDocument(ENCRYPTED if _caused_by(exc, PDFEncryptionError) else DAMAGED) from exc


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """pdfplumber wraps pdfminer's errors (a password, a failed allocation) in its own."""
    return any(isinstance(e, kind) for e in (exc, exc.__cause__, exc.__context__, *exc.args))


def _read(pdf: PDF, vocabulary: Vocabulary, max_pages: int) -> PdfReading:
    if _page_count(pdf.doc, max_pages) > max_pages:
        raise UnreadableDocument(
            f"The PDF has more than {max_pages} pages, more than a notice has; please send the notice form on its own."
        )
    pages = pdf.pages
    form = form_fields(pdf.doc, vocabulary, _object_pages(pages))
    if form.xfa_only:
        raise UnreadableDocument(XFA)
    layouts = [page_layout(page, [w for w in form.widgets if w.page == page.page_number]) for page in pages]
    if not any(layout.has_text for layout in layouts) and not form.values:
        raise UnreadableDocument(SCANNED if any(layout.has_images for layout in layouts) else NO_TEXT)
    notes = [
        f"Page {layout.number} of the PDF is a scanned image with no text; it was not read."
        for layout in layouts
        if layout.has_images and not layout.has_text
    ]
    # A field of the form is the answer to its question: the printed label beside
    # it, read from the page, must not take whatever text follows instead.
    # Ticked boxes under it are the page's own answer, though: "What is it about? (tick all that apply)" over
    # check boxes, beside a text field whose tooltip asks the same, gives the categories the field does not.
    printed = [v for v in layout_values(layouts, vocabulary) if vocabulary.match(v.label) not in form.paths or has_boxes(v.value)]
    return PdfReading(resolve_scopes(form.values + printed, vocabulary), notes)


def _page_count(doc: PDFDocument, max_pages: int) -> int:
    """Pages counted up to one past the limit, never trusting the page tree's own /Count."""
    return sum(1 for _ in islice(PDFPage.create_pages(doc), max_pages + 1))


def _object_pages(pages: list[Page]) -> dict[int, int]:
    """Page number by the object id of each page and of each annotation listed on it."""
    found: dict[int, int] = {}
    for page in pages:
        found[page.page_obj.pageid] = page.page_number
        annots = resolve1(page.page_obj.annots)
        for ref in annots if isinstance(annots, list) else []:
            if isinstance(ref, PDFObjRef):
                found.setdefault(ref.objid, page.page_number)
    return found
