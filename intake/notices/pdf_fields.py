"""A fillable PDF's form fields (AcroForm): text boxes, choices, check boxes and radio groups.

A field whose tooltip or full name is a label ("Date of birth", "DOB", our own
forms' "subject.dob") gives its value directly; a tooltip that names no side
("Name", "Role" in a section "Details of the agency you disagree with") leaves
the field to be read on its page, beside its printed label, under its heading. A check box named under a
labelled field ("Nature of disagreement.Thresholds", "categories.thresholds",
"Immediate risk.No") is one option of that field. Any other field ("Text1",
"Check Box3") is handed back as a ``Widget``, with what it shows and where, for
the page's layout to place beside its printed label.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdftypes import PDFObjRef, resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import decode_text

from escalations.intake.notices.fields import GENERIC, LabelledValue, Vocabulary, field_path
from escalations.intake.notices.labels import SIDE_ATTRIBUTES

TICKED, UNTICKED = "☒", "☐"
MAX_FIELDS = 2000
MAX_DEPTH = 12
_RADIO = 1 << 15  # field flags: PDF 32000-1, table 226
_PUSHBUTTON = 1 << 16
_INHERITED = ("FT", "Ff", "V", "Opt")


@dataclass(frozen=True)
class Widget:
    """An unnamed field as it shows on its page: a rectangle in PDF space, and its text or tick."""

    page: int
    rect: tuple[float, float, float, float]
    text: str


@dataclass
class FormFields:
    values: list[LabelledValue] = field(default_factory=list)
    paths: set[str] = field(default_factory=set)  # notice fields a form field is named for
    widgets: list[Widget] = field(default_factory=list)
    xfa_only: bool = False  # an Adobe LiveCycle form: its answers are in XML we do not read


@dataclass(frozen=True)
class _Field:
    names: tuple[str, ...]
    tooltip: str | None
    attrs: dict[str, Any]  # FT, Ff, V and Opt, the field's own or inherited from its parents
    widgets: tuple[tuple[int | None, dict[str, Any]], ...]  # (object id, annotation)

    @property
    def name(self) -> str:
        return ".".join(self.names)


@dataclass
class _Option:
    label: str
    source: str
    ticked: list[str] = field(default_factory=list)


def form_fields(doc: PDFDocument, vocabulary: Vocabulary, pages: dict[int, int]) -> FormFields:
    """Every field of the form; ``pages`` maps page and annotation object ids to page numbers."""
    form = FormFields()
    acroform = resolve1(doc.catalog.get("AcroForm"))
    if not isinstance(acroform, dict):
        return form
    found = list(_terminals(resolve1(acroform.get("Fields")), {}, (), set()))
    form.xfa_only = "XFA" in acroform and not found
    options: dict[str, _Option] = {}
    for item in found:
        _read(item, vocabulary, pages, form, options)
    for path, option in options.items():
        form.paths.add(path)
        if option.ticked:
            form.values.append(LabelledValue(option.label, "\n".join(option.ticked), option.source))
    return form


def _terminals(kids: Any, inherited: dict[str, Any], names: tuple[str, ...], seen: set[int]) -> Iterator[_Field]:
    """The fields that hold values, depth first, each object once (a hostile form may loop)."""
    if not isinstance(kids, list) or len(names) > MAX_DEPTH:
        return
    for ref in kids[:MAX_FIELDS]:
        node = _once(ref, seen)
        if node is None:
            continue
        attrs = {**inherited, **{key: node[key] for key in _INHERITED if key in node}}
        name = _text(node.get("T"))
        chain = names + (name,) if name else names
        children = resolve1(node.get("Kids"))
        children = children if isinstance(children, list) else []
        if any(isinstance(kid, dict) and "T" in kid for kid in map(resolve1, children)):
            yield from _terminals(children, attrs, chain, seen)
            continue
        widgets = [(_objid(kid), resolve1(kid)) for kid in children] or [(_objid(ref), node)]
        tooltip = _text(node.get("TU"))
        yield _Field(chain, tooltip, attrs, tuple((i, w) for i, w in widgets if isinstance(w, dict)))


def _once(ref: Any, seen: set[int]) -> dict[str, Any] | None:
    if isinstance(ref, PDFObjRef):
        if ref.objid in seen or len(seen) >= MAX_FIELDS:
            return None
        seen.add(ref.objid)
    node = resolve1(ref)
    return node if isinstance(node, dict) else None


def _read(item: _Field, vocabulary: Vocabulary, pages: dict[int, int], form: FormFields, options: dict[str, _Option]) -> None:
    kind = _kind(item.attrs)
    if kind is None:
        return
    page = _page(item, pages)
    named = _named(item, vocabulary, kind)
    if named is None:
        form.widgets += _shown(item, kind, page)
        return
    path, label, option = named
    if option is not None:
        group = options.setdefault(path, _Option(label, f"pdf page {page} field '{label}'"))
        if _ticked(item):
            group.ticked.append(option)
        return
    form.paths.add(path)
    if kind == "check":  # a box that is its own question: ticked is yes, unticked is unanswered
        value = "Yes" if _ticked(item) else None
    else:
        value = _value(item.attrs)
    if value:
        # Placed already: a field has no place among the page's section headings to be scoped by.
        source = f"pdf page {page} field '{item.name or label}'"
        placed = not path.startswith(GENERIC)  # a generic name ("Name") is placed by the notice's scopes
        rule = (vocabulary.classify(label).rule or "form-field") if placed else None
        form.values.append(LabelledValue(label, value, source, path if placed else None, rule))


def _kind(attrs: dict[str, Any]) -> str | None:
    """ "text" (text boxes and choices), "check", "radio", or ``None`` (push buttons, signatures)."""
    ft = _name(attrs.get("FT"))
    if ft in ("Tx", "Ch"):
        return "text"
    if ft != "Btn":
        return None
    flags = resolve1(attrs.get("Ff"))
    flags = flags if isinstance(flags, int) else 0
    if flags & _PUSHBUTTON:
        return None
    return "radio" if flags & _RADIO else "check"


def _named(item: _Field, vocabulary: Vocabulary, kind: str) -> tuple[str, str, str | None] | None:
    """(field path, label, option) when the tooltip or full name is a label, or names one.

    Only the full name counts: "Attempt 1.Date" is not the date the notice was
    signed. A check box's option is the part of its name after the label. A full
    name that is exactly a field path (our own forms' ``raised_by.role``,
    ``categories.thresholds``) wins over its tooltip: the tooltip "Role" is for
    the person filling it in, not a reading of the signatory's role.
    """
    if (exact := field_path(item.name)) and (exact[1] is None or kind == "check"):
        path, option = exact
        return path, path if option else item.name, option and option.replace("_", " ")
    if item.tooltip and (path := vocabulary.match(item.tooltip)):
        return None if _scoped_by_page(item.tooltip, vocabulary) else (path, item.tooltip, None)
    parts = [part.strip() for name in item.names for part in name.split(".") if part.strip()]
    if parts and (path := _match(vocabulary, parts)):
        return path, item.name, None
    for cut in range(len(parts) - 1, 0, -1) if kind == "check" else ():
        if path := _match(vocabulary, parts[:cut]):
            option = " ".join(parts[cut:]).replace("_", " ")
            return path, ".".join(parts[:cut]), option
    return None


def _scoped_by_page(tooltip: str, vocabulary: Vocabulary) -> bool:
    """A tooltip that says what but not whose ("Name", "Role", "Email"): the field is read where it
    sits on the page instead, beside its printed label and under the section heading that says whose."""
    found = vocabulary.classify(tooltip)
    shared = sum(found.attribute in attributes for attributes in SIDE_ATTRIBUTES.values()) > 1
    return found.side is None and shared


def _match(vocabulary: Vocabulary, parts: list[str]) -> str | None:
    dotted = ".".join(parts)
    if dotted in vocabulary.labels:  # a field path: our own forms name fields so
        return dotted
    # Joined with spaces, not dots: "Immediate risk.No" must not read as "Immediate riskno".
    return vocabulary.match(" ".join(parts))


def _ticked(item: _Field) -> bool:
    value = _name(item.attrs.get("V"))
    if value is None:  # no value on the field: the widgets' own appearance states
        states = [_name(widget.get("AS")) for _, widget in item.widgets]
        value = next((state for state in states if state not in (None, "Off")), None)
    return value not in (None, "Off", "")


def _value(attrs: dict[str, Any]) -> str | None:
    """A text field's text, a choice's choices, or a radio group's chosen option."""
    value = resolve1(attrs.get("V"))
    items = value if isinstance(value, list) else [value]
    chosen = [text for text in (_text(v) or _name(v) for v in items) if text and text != "Off"]
    texts = [_option_text(attrs, text) for text in chosen]
    text = "\n".join(texts).replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def _option_text(attrs: dict[str, Any], export: str) -> str:
    """A radio button's export name "0", "1"… is an index into /Opt where the form has one."""
    opts = resolve1(attrs.get("Opt"))
    if isinstance(opts, list) and export.isdigit() and int(export) < len(opts):
        opt = resolve1(opts[int(export)])
        shown = opt[-1] if isinstance(opt, list) and opt else opt
        return _text(shown) or export
    return export


def _shown(item: _Field, kind: str, page: int) -> list[Widget]:
    """What each of an unnamed field's widgets shows: its text, or a ticked or empty box."""
    chosen = _name(item.attrs.get("V"))
    shown = []
    for _, widget in item.widgets:
        rect = _rect(widget)
        if rect is None:
            continue
        if kind == "text":
            text = _value(item.attrs) or ""
        elif kind == "radio":
            text = TICKED if chosen not in (None, "Off") and chosen in _states(widget) else UNTICKED
        else:
            text = TICKED if _ticked(_Field(item.names, None, item.attrs, ((None, widget),))) else UNTICKED
        if text:
            shown.append(Widget(page, rect, text))
    return shown


def _rect(widget: dict[str, Any]) -> tuple[float, float, float, float] | None:
    rect = resolve1(widget.get("Rect"))
    if not isinstance(rect, list) or len(rect) != 4:
        return None
    numbers = [resolve1(v) for v in rect]
    if not all(isinstance(v, (int, float)) for v in numbers):
        return None
    x0, y0, x1, y1 = (float(v) for v in numbers)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _states(widget: dict[str, Any]) -> set[str]:
    """A radio button's on-state names: the keys of its normal appearance other than Off."""
    appearances = resolve1(widget.get("AP"))
    normal = resolve1(appearances.get("N")) if isinstance(appearances, dict) else None
    return {str(key) for key in normal} - {"Off"} if isinstance(normal, dict) else set()


def _page(item: _Field, pages: dict[int, int]) -> int:
    """The page the field shows on: its widget's /P, else the page whose /Annots list it."""
    for objid, widget in item.widgets:
        ref = widget.get("P")
        if isinstance(ref, PDFObjRef) and ref.objid in pages:
            return pages[ref.objid]
        if objid in pages:
            return pages[objid]
    return 0


def _objid(ref: Any) -> int | None:
    return ref.objid if isinstance(ref, PDFObjRef) else None


def _text(value: Any) -> str | None:
    value = resolve1(value)
    if isinstance(value, bytes):
        return decode_text(value).strip() or None
    if isinstance(value, str):
        return value.strip() or None
    return None


def _name(value: Any) -> str | None:
    value = resolve1(value)
    if isinstance(value, PSLiteral):
        name = value.name
        return name.decode("latin-1") if isinstance(name, bytes) else str(name)
    return None
