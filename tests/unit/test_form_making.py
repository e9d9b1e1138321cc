"""The blank notice forms `forms make` writes: their answer boxes, their wording, and what they must not carry.

And the reading rule they rely on: a Word content control tagged, or a PDF field
named, exactly with a canonical field path answers that field, whatever label is
printed or given as a tooltip beside it; the rest of the document is still read
by its labels.
"""

from __future__ import annotations

import io
import re
import zipfile

import pdfplumber
import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from escalations.intake.notices.docx_reader import read_docx
from escalations.intake.notices.fields import FIELD_PATHS, field_path
from escalations.intake.notices.model import CATEGORY_SLUGS
from escalations.intake.notices.pdf_reader import read_pdf
from escalations.outbound.notice_form_docx import DATE_FORMAT
from escalations.outbound.notice_forms import FormError, blank_form, form_filename, notice_form
from escalations.routing.policy import load_policies
from escalations.service.settings import load_settings
from tests.support import forms

POLICIES = load_policies(load_settings(None).partnerships_dir)
PARTNERSHIPS = sorted(POLICIES)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# DESIGN.md's canonical notice: the boxes every form has.
EVERY_FORM = {
    "subject.name",
    "subject.dob",
    "subject.kind",
    "raised_by.name",
    "raised_by.role",
    "raised_by.agency",
    "raised_by.email",
    "raised_by.phone",
    "challenged.agency",
    "challenged.name",
    "challenged.role",
    "concern",
    "immediate_risk",
    "stage",
    "categories",
    "attempts",
    "outcome_sought",
    "signed.name",
    "signed.role",
    "signed.date",
    "case_reference",
}
PANEL = {"panel.referral_date", "panel.convene", "panel.outcome", "panel.date"}


def expected_names(partnership: str) -> set[str]:
    """Every box's name: a field path, or a path and option for each box to tick."""
    form = notice_form(POLICIES[partnership])
    return {item.option_name(o) for item in form.fields for o in item.options} | {
        item.path for item in form.fields if not item.options
    }


@pytest.mark.parametrize("partnership", PARTNERSHIPS)
def test_each_form_asks_every_canonical_question(partnership):
    paths = {item.path for item in notice_form(POLICIES[partnership]).fields}
    assert EVERY_FORM <= paths <= FIELD_PATHS
    assert (PANEL <= paths) == (partnership == "bnes") and (partnership == "bnes" or not paths & PANEL)
    assert ("copies_to" in paths) == (partnership == "salford")  # Appendix 2: "Who has a copy…"


@pytest.mark.parametrize("partnership", PARTNERSHIPS)
def test_the_boxes_to_tick_are_the_policys_stages_and_known_categories(partnership):
    policy = POLICIES[partnership]
    fields = {item.path: item for item in notice_form(policy).fields}
    assert [o.value for o in fields["stage"].options] == [str(stage.number) for stage in policy.stages]
    assert {o.value for o in fields["categories"].options} <= set(CATEGORY_SLUGS)
    assert [o.value for o in fields["immediate_risk"].options] == ["yes", "no"]
    assert [o.value for o in fields["subject.kind"].options] == list(policy.protects)


def test_the_published_forms_own_questions_are_kept_in_its_words():
    salford = {item.path: item for item in notice_form(POLICIES["salford"]).fields}
    assert [
        salford[p].label for p in ("subject.name", "subject.dob", "concern", "signed.name", "signed.role", "signed.date")
    ] == [
        "Name of Child/Young Person",
        "D.O.B",
        "Please document any information of concern",
        "Signed",
        "Role",
        "Dated",
    ]
    assert not any(salford[p].added for p in ("subject.name", "subject.dob", "concern", "copies_to"))
    assert salford["challenged.agency"].added and salford["challenged.agency"].shown_label.endswith(" *")
    bnes = {item.path: item for item in notice_form(POLICIES["bnes"]).fields}
    assert bnes["panel.convene"].label == "Chair's Decision to Convene a Resolution Panel: Yes or No"
    assert not bnes["panel.referral_date"].added and bnes["subject.name"].added


# --- the Word form ------------------------------------------------------------------------------


def docx_parts(partnership: str) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blank_form(POLICIES[partnership], "docx"))) as package:
        return {name: package.read(name) for name in package.namelist()}


def controls(partnership: str):
    from lxml import etree

    body = etree.fromstring(docx_parts(partnership)["word/document.xml"])
    return list(body.iter(W + "sdt"))


@pytest.mark.parametrize("partnership", PARTNERSHIPS)
def test_every_word_answer_box_is_a_content_control_tagged_with_its_field(partnership):
    found = controls(partnership)
    tags = [sdt.find(f"{W}sdtPr/{W}tag").get(W + "val") for sdt in found]
    assert sorted(tags) == sorted(expected_names(partnership))  # each once
    assert all(field_path(tag) for tag in tags)


@pytest.mark.parametrize("partnership", PARTNERSHIPS)
def test_dates_are_date_pickers_and_every_box_has_its_label_beside_it(partnership):
    form = notice_form(POLICIES[partnership])
    labels = {item.path: item.shown_label for item in form.fields}
    for sdt in controls(partnership):
        tag = sdt.find(f"{W}sdtPr/{W}tag").get(W + "val")
        path = field_path(tag)[0]
        picker = sdt.find(f"{W}sdtPr/{W}date")
        assert (picker is not None) == (path in {"subject.dob", "signed.date", "panel.referral_date", "panel.date"})
        if picker is not None:
            assert picker.find(W + "dateFormat").get(W + "val") == DATE_FORMAT
        row = next(parent for parent in sdt.iterancestors() if parent.tag == W + "tr")
        first_cell = "".join(row.find(W + "tc").itertext())
        assert first_cell == labels[path]


@pytest.mark.parametrize("partnership", PARTNERSHIPS)
def test_the_word_form_has_no_macros_links_fields_or_names(partnership):
    parts = docx_parts(partnership)
    assert not [name for name in parts if "vba" in name.lower() or name.endswith(".bin")]
    assert b"macroEnabled" not in parts["[Content_Types].xml"]
    rels = b"".join(data for name, data in parts.items() if name.endswith(".rels"))
    assert b"External" not in rels and b"hyperlink" not in rels
    document = parts["word/document.xml"]
    assert b"<w:instrText" not in document and b"<w:fldSimple" not in document and b"<w:hyperlink" not in document
    core = parts["docProps/core.xml"].decode()
    assert re.findall(r"<dc:creator>(.*?)</dc:creator>", core) == [POLICIES[partnership].name]
    assert "python-docx" not in core
    assert b'w:w="11906" w:h="16838"' in document  # A4


def test_the_file_name_is_the_forms_id_only():
    policy = POLICIES["salford"]
    assert form_filename(policy, "pdf") == "salford-escalation-notice.pdf"


# --- the PDF form -------------------------------------------------------------------------------


@pytest.mark.parametrize("partnership", PARTNERSHIPS)
def test_every_pdf_field_is_named_with_its_field_and_has_a_tooltip(partnership):
    policy = POLICIES[partnership]
    data = blank_form(policy, "pdf")
    reader = PdfReader(io.BytesIO(data))
    widgets = [ref.get_object() for page in reader.pages for ref in page.get("/Annots", [])]
    names = [full_name(widget) for widget in widgets]
    assert sorted(names) == sorted(expected_names(partnership))
    assert all("." not in widget["/T"] for widget in widgets)  # a partial name has no period
    assert all(widget.get("/TU") for widget in widgets)
    boxes = {full_name(widget) for widget in widgets if widget["/FT"] == "/Btn"}
    assert boxes == {name for name in names if field_path(name)[1] is not None}
    assert all([round(v) for v in page.mediabox] == [0, 0, round(A4[0]), round(A4[1])] for page in reader.pages)
    assert reader.metadata.author == policy.name
    assert b"/JavaScript" not in data and b"/JS" not in data and b"/URI" not in data
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        first = pdf.pages[0].extract_text()
    assert policy.name in first.replace("\n", " ")
    assert notice_form(policy).fields[0].label in first


def full_name(widget) -> str:
    names = []
    while widget is not None:
        names.insert(0, widget["/T"])
        widget = widget.get("/Parent")
        widget = widget.get_object() if widget is not None else None
    return ".".join(names)


# --- the wording files --------------------------------------------------------------------------


def test_a_wording_file_with_an_unknown_field_is_refused(tmp_path):
    (tmp_path / "salford.toml").write_text(
        'title = "Notice"\n[[sections]]\nheading = "One"\nfields = [{ path = "subject.colour", label = "Colour" }]\n'
    )
    with pytest.raises(FormError, match="needs a field path"):
        notice_form(POLICIES["salford"], forms=tmp_path)


def test_a_wording_file_with_an_unknown_key_is_refused(tmp_path):
    (tmp_path / "salford.toml").write_text('title = "Notice"\nfooter = "x"\n[[sections]]\nheading = "One"\nfields = []\n')
    with pytest.raises(FormError, match="unknown keys"):
        notice_form(POLICIES["salford"], forms=tmp_path)


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="docx or pdf"):
        blank_form(POLICIES["salford"], "odt")


# --- the reading rule ---------------------------------------------------------------------------


def test_field_path_names_a_field_or_an_option_of_one():
    assert field_path("subject.dob") == ("subject.dob", None)
    assert field_path("categories.roles_responsibilities") == ("categories", "roles_responsibilities")
    assert field_path("stage.2") == ("stage", "2")
    assert field_path("subject.kind.adult") == ("subject.kind", "adult")
    assert field_path("attempts.date") == ("attempts.date", None)
    assert [field_path(name) for name in ("subject.colour", "Date of birth", "concern.x", "")] == [None] * 4


def test_a_tagged_control_answers_its_field_whatever_label_is_beside_it():
    """ "Role" alone is the signatory's role; beside a box tagged raised_by.role it is the raiser's."""
    data = forms.docx_from_xml(
        forms.table(
            forms.row("Role", forms.cell(forms.p(forms.text_control("Health Visitor", tag="raised_by.role")))),
            forms.row("Dated", forms.cell(forms.p("01/03/2026"))),
        ),
        forms.p("Name of child: Jo Bloggs"),
    )
    found = [(value.label, value.value) for value in read_docx(data)]
    assert found == [("Dated", "01/03/2026"), ("Name of child", "Jo Bloggs"), ("raised_by.role", "Health Visitor")]


def test_a_label_reading_of_a_field_a_tagged_control_answers_is_dropped():
    data = forms.docx_from_xml(
        forms.p("Name of child: Sam Smith"),
        forms.p("Child: ", forms.text_control("Jo Bloggs", tag="subject.name")),
    )
    assert [(v.label, v.value) for v in read_docx(data)] == [("subject.name", "Jo Bloggs")]


def test_tagged_check_boxes_are_the_options_ticked():
    data = forms.docx_from_xml(
        forms.p(forms.checkbox_control(True, tag="categories.thresholds"), " Level of need"),
        forms.p(forms.checkbox_control(False, tag="categories.resources"), " Resources"),
        forms.p(forms.checkbox_control(True, tag="categories.roles_responsibilities"), " Roles"),
        forms.p(
            forms.checkbox_control(False, tag="immediate_risk.yes"),
            " Yes ",
            forms.checkbox_control(True, tag="immediate_risk.no"),
            " No",
        ),
        forms.p(forms.checkbox_control(False, tag="stage.1"), forms.checkbox_control(False, tag="stage.2")),
    )
    assert [(v.label, v.value) for v in read_docx(data)] == [
        ("categories", "thresholds\nroles responsibilities"),
        ("immediate_risk", "no"),
    ]


def pdf_with_fields(*fields: tuple[str, str, str]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.drawString(50, 800, "Notice")
    for number, (name, tooltip, value) in enumerate(fields):
        canvas.drawString(50, 700 - 40 * number, tooltip)
        canvas.acroForm.textfield(name=name, tooltip=tooltip, value=value, x=200, y=695 - 40 * number, width=200, height=18)
    canvas.save()
    return buffer.getvalue()


def test_a_pdf_field_named_with_a_field_path_wins_over_its_tooltip():
    data = pdf_with_fields(("raised_by.role", "Role", "Health Visitor"), ("Text7", "Dated", "01/03/2026"))
    found = [(v.label, v.value) for v in read_pdf(data).values]
    assert ("raised_by.role", "Health Visitor") in found
    assert ("Dated", "01/03/2026") in found  # a meaningless name is still read by its tooltip
    assert not [v for v in found if v[0] == "Role"]
