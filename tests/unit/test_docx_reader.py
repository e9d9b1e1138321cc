"""Reading Word: what a filled-in form shows, as labels and answers (real .docx bytes).

Each fixture in ``tests.support.forms`` is the smallest document that shows one
Word feature; the expected values are what a person reading the page would copy
out. Where the feature's meaning is settled only by the normalisers (a box
ticked, a date), the test reads the whole notice.
"""

from datetime import date

import pytest

from escalations.intake.notices.docx_reader import LabelledValue, UnreadableDocument, read_docx
from escalations.intake.notices.fields import NOTICE_FIELDS
from escalations.intake.notices.model import Attempt, Notice
from escalations.intake.notices.reader import DOCX_TYPE, Attachment, read_notice
from escalations.intake.notices.wordml import date_picker_text
from tests.support import forms

TODAY = date(2026, 3, 6)
RISK = "Is the child at immediate risk of significant harm?"
NATURE = "Nature of disagreement"


def values(data: bytes) -> list[tuple[str, str]]:
    return [(value.label, value.value) for value in read_docx(data)]


def notice(data: bytes) -> Notice:
    return read_notice([Attachment("notice.docx", DOCX_TYPE, data)], None, today=TODAY)


# --- what each feature shows -------------------------------------------------------------

CASES = {
    "legacy text fields": (
        forms.legacy_text_fields_filled_in(),
        [("Name of child", "Jo Bloggs"), ("D.O.B", "14/02/2017")],
    ),
    "legacy text fields left blank or at their default": (
        forms.legacy_text_fields_left_blank(),
        [("Current stage", "2")],
    ),
    "legacy check boxes, clicked": (
        forms.legacy_checkboxes(False, True),
        [(RISK, "☐ Yes  ☒ No")],
    ),
    "legacy check box ticked by the form's default": (
        forms.legacy_checkboxes(None, None, default=True),
        [(RISK, "☒ Yes  ☐ No")],
    ),
    "legacy check box default overridden by a click": (
        forms.legacy_checkboxes(False, None, default=True),
        [(RISK, "☐ Yes  ☐ No")],
    ),
    "legacy drop-down, third entry chosen": (
        forms.legacy_dropdown(2),
        [("Current stage", "Stage 3")],
    ),
    "legacy drop-down never changed shows its first entry": (
        forms.legacy_dropdown(None),
        [("Current stage", "Stage 1")],
    ),
    "legacy drop-down result past its entries": (
        forms.legacy_dropdown(7),
        [],
    ),
    "field codes hidden, results shown": (
        forms.field_codes_and_results(),
        [("Case reference", "SAL-2026-0007"), ("Dated", "5 March 2026")],
    ),
    "content controls in a paragraph": (
        forms.content_controls_in_a_paragraph(),
        [("Name of child", "Jo Bloggs"), ("D.O.B", "2017-02-14")],
    ),
    "content controls around paragraphs, rows and cells": (
        forms.content_controls_around_paragraphs_rows_and_cells(),
        [
            ("Name of child", "Jo Bloggs"),
            ("D.O.B", "14/02/2017"),
            ("Dates", "12/01/2026"),
            ("Outcome", "Practitioners met"),
            ("Dates", "19/01/2026"),
            ("Outcome", "Managers met"),
            ("Dates", "26/01/2026"),
            ("Outcome", "Leads met"),
        ],
    ),
    "content control check boxes": (
        forms.content_control_checkboxes(yes=True, no=False),
        [(RISK, "☒ Yes ☐ No")],
    ),
    "date picker shown month first holds the ISO date": (
        forms.date_picker("09/03/2019", "2019-09-03", "MM/dd/yyyy"),
        [("Date of birth", "2019-09-03")],
    ),
    "date picker overtyped with a different date": (
        forms.date_picker("3/9/2019", "2019-03-09", "d/M/yyyy"),
        [("Date of birth", "3/9/2019 (the date picker holds 2019-03-09)")],
    ),
    "controls tagged with field paths and no label": (
        forms.tagged_controls_without_labels(),
        [("subject.name", "Jo Bloggs"), ("subject.dob", "2017-02-14")],
    ),
    "Wingdings boxes inserted as symbols": (
        forms.wingdings_symbol_ticks(),
        [
            (NATURE, "☒ Level of need\n☐ Roles and responsibilities\n☒ Progression of plans"),
            ("Immediate risk", "Yes ☐ No ✓"),
        ],
    ),
    "Wingdings and Wingdings 2 boxes typed in the font": (
        forms.wingdings_font_ticks(),
        [(NATURE, "☐ Level of need\n☒ Information sharing"), ("Immediate risk", "☒ Yes ☐ No")],
    ),
    "a column of marks beside options under a full-width label": (
        forms.tick_column_beside_options(),
        [
            (
                f"{NATURE} (tick all that apply)",
                "Level of need ☒\nRoles and responsibilities ☐\n"
                "Whether a case conference should be initiated ✓\nProgression of plans ☐",
            ),
            ("Current stage", "2"),
        ],
    ),
    "a grid of marks nested in the answer cell": (
        forms.tick_grid_nested_in_the_answer_cell(),
        [
            (NATURE, "Level of need ☐\nInformation sharing ☒\nProgression of plans ☐"),
            ("Current stage", "3"),
        ],
    ),
    "yes and no as a row of cells, X under no": (
        forms.yes_no_as_a_row_of_cells("", "X"),
        [(RISK, "Yes ☐ No ☒")],
    ),
    "a label across the table over its answer": (
        forms.label_row_over_answer_row(),
        [
            ("Name of child", "Jo Bloggs"),
            ("Details of the disagreement", "The referral was closed.\nNo visit was made."),
        ],
    ),
    "an answer continued below a blank label cell": (
        forms.answer_continues_below_a_blank_label_cell(),
        [
            (NATURE, "☒ Level of need"),
            (NATURE, "☒ Progression of plans"),
            ("Details of the disagreement", "The referral was closed."),
            ("Details of the disagreement", "No visit was made."),
            ("Current stage", "2"),
        ],
    ),
    "a text box holding the answer": (
        forms.text_box_holding_answers(),
        [
            ("Details of the disagreement", "The referral was closed.\nNo visit was made."),
            ("Current stage", "2"),
        ],
    ),
    "a VML text box (older Word) holding the answer": (
        forms.text_box_holding_answers(vml_only=True),
        [
            ("Details of the disagreement", "The referral was closed.\nNo visit was made."),
            ("Current stage", "2"),
        ],
    ),
    "tracked changes: inserted text read, deleted text and rows not": (
        forms.tracked_changes_in_answers(),
        [
            ("Name of child", "Jo Bloggs"),
            ("Current stage", "3"),
            ("Dates", "12/01/2026"),
            ("Outcome", "Practitioners met"),
            ("Dates", "19/01/2026"),
            ("Outcome", "Managers met"),
        ],
    ),
    "delete as appropriate: No struck through": (
        forms.struck_through_yes_or_no("No"),
        [(RISK, "Yes /")],
    ),
    "hidden text": (
        forms.hidden_text(),
        [("Name of child", "Jo Bloggs")],
    ),
    "line breaks within one paragraph": (
        forms.line_breaks_within_one_paragraph(),
        [("Name of child", "Jo Bloggs"), ("D.O.B", "14/02/2017"), ("Current stage", "2")],
    ),
    "a heading ends the answer above it": (
        forms.headings_end_answers(),
        [("Details of the disagreement", "The referral was closed.")],
    ),
    "a cell claiming a billion grid columns": (
        forms.cell_spanning_huge_grid(),
        [("Name of child", "Jo Bloggs")],
    ),
    "tables nested five deep": (
        forms.tables_nested(5),
        [("Name of child", "Jo Bloggs")],
    ),
}


@pytest.mark.parametrize(("data", "expected"), CASES.values(), ids=CASES.keys())
def test_what_each_word_feature_shows(data, expected):
    assert values(data) == expected


# --- what those features mean in the notice ------------------------------------------------

MEANINGS = {
    "legacy check box No ticked": (forms.legacy_checkboxes(False, True), "immediate_risk", False),
    "legacy check box ticked by default": (
        forms.legacy_checkboxes(None, None, default=True),
        "immediate_risk",
        True,
    ),
    "legacy check boxes both clear: unanswered": (
        forms.legacy_checkboxes(False, False),
        "immediate_risk",
        None,
    ),
    "legacy drop-down stage": (forms.legacy_dropdown(2), "stage", 3),
    "content control check box Yes": (
        forms.content_control_checkboxes(True, False),
        "immediate_risk",
        True,
    ),
    "Wingdings: ✓ against No": (forms.wingdings_symbol_ticks(), "immediate_risk", False),
    "Wingdings symbol ticks": (
        forms.wingdings_symbol_ticks(),
        "categories",
        ["thresholds", "plan_progression"],
    ),
    "Wingdings font ticks": (forms.wingdings_font_ticks(), "categories", ["information_sharing"]),
    "Wingdings 2: ☑ against Yes": (forms.wingdings_font_ticks(), "immediate_risk", True),
    "typed X against printed boxes": (
        forms.typed_x_against_printed_boxes(),
        "categories",
        ["information_sharing"],
    ),
    "typed X against No": (forms.typed_x_against_printed_boxes(), "immediate_risk", False),
    "column of marks": (
        forms.tick_column_beside_options(),
        "categories",
        ["thresholds", "case_conference"],
    ),
    "nested grid of marks": (
        forms.tick_grid_nested_in_the_answer_cell(),
        "categories",
        ["information_sharing"],
    ),
    "row of cells, X under No": (forms.yes_no_as_a_row_of_cells("", "X"), "immediate_risk", False),
    "row of cells, X under Yes": (forms.yes_no_as_a_row_of_cells("X", ""), "immediate_risk", True),
    "row of cells, X under both": (
        forms.yes_no_as_a_row_of_cells("X", "X"),
        "immediate_risk",
        None,
    ),
    "delete as appropriate: No struck": (
        forms.struck_through_yes_or_no("No"),
        "immediate_risk",
        True,
    ),
    "delete as appropriate: Yes struck": (
        forms.struck_through_yes_or_no("Yes"),
        "immediate_risk",
        False,
    ),
    "date picker shown month first": (
        forms.date_picker("09/03/2019", "2019-09-03", "MM/dd/yyyy"),
        "subject.dob",
        date(2019, 9, 3),
    ),
    "date picker overtyped: not guessed": (
        forms.date_picker("3/9/2019", "2019-03-09", "d/M/yyyy"),
        "subject.dob",
        None,
    ),
    "tagged controls": (forms.tagged_controls_without_labels(), "subject.name", "Jo Bloggs"),
    "answer continued below a blank label cell": (
        forms.answer_continues_below_a_blank_label_cell(),
        "categories",
        ["thresholds", "plan_progression"],
    ),
    "tracked attempts": (
        forms.tracked_changes_in_answers(),
        "attempts",
        [
            Attempt(date(2026, 1, 12), "Practitioners met"),
            Attempt(date(2026, 1, 19), "Managers met"),
        ],
    ),
}


def _field(found: Notice, path: str):
    owner, _, name = path.rpartition(".")
    return getattr(getattr(found, owner) if owner else found, name)


@pytest.mark.parametrize(("data", "path", "expected"), MEANINGS.values(), ids=MEANINGS.keys())
def test_what_each_word_feature_means(data, path, expected):
    assert _field(notice(data), path) == expected


def test_an_overtyped_date_picker_is_a_problem_not_a_guess():
    found = notice(forms.date_picker("3/9/2019", "2019-03-09", "d/M/yyyy"))
    assert [problem.field for problem in found.problems] == ["subject.dob"]


def test_a_content_control_still_showing_its_prompt_is_not_an_answer():
    found = notice(forms.content_control_showing_its_prompt())
    assert (found.subject.name, found.concern, found.stage, found.problems) == (None, None, 2, [])


def test_unfilled_legacy_fields_are_not_answers_or_problems():
    found = notice(forms.legacy_text_fields_left_blank())
    assert (found.subject.name, found.subject.dob, found.problems) == (None, None, [])


# --- where values come from, and what is read once ------------------------------------------


def test_text_box_values_name_the_text_box():
    sources = [value.source for value in read_docx(forms.text_box_holding_answers())]
    assert sources == ["docx paragraph 1", "docx paragraph 3"]
    first = read_docx(forms.bury_adults_text_box_notice())[0]
    assert first == LabelledValue("Name of adult", "Pat Jones", "docx text box 1 paragraph 1")


def test_a_text_box_written_twice_is_read_once():
    data = forms.docx_from_xml(forms.p(forms.text_box("Name of child: Jo Bloggs")))
    assert values(data) == [("Name of child", "Jo Bloggs")]


def test_a_tagged_control_inside_its_labelled_cell_is_read_once():
    control = forms.text_control("Jo", tag="subject.name")
    labelled = forms.row("Name of child", forms.cell(forms.p(control)))
    data = forms.docx_from_xml(forms.table(labelled))
    assert values(data) == [("subject.name", "Jo")]  # by its tag, not again by its label


def test_a_header_text_box_is_read_with_the_header():
    value = read_docx(forms.bury_children_wingdings_notice())[0]
    assert value == LabelledValue("Case reference", "BURYC-2026-0012", "docx header 1 text box 1 paragraph 1")


def test_a_form_profile_adds_labels_the_reader_finds():
    data = forms.docx_table_notice([("Kid's name", "Jo Bloggs")])
    assert read_docx(data) == []
    profile = NOTICE_FIELDS.extended({"subject.name": ["Kid's name"]})
    assert values_with(data, profile) == [("Kid's name", "Jo Bloggs")]


def values_with(data: bytes, vocabulary) -> list[tuple[str, str]]:
    return [(value.label, value.value) for value in read_docx(data, vocabulary=vocabulary)]


# --- the date picker's answer -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("shown", "held", "date_format", "expected"),
    [
        ("03/09/2019", "2019-09-03T00:00:00Z", "dd/MM/yyyy", "2019-09-03"),
        ("09/03/2019", "2019-09-03T00:00:00Z", "MM/dd/yyyy", "2019-09-03"),
        ("Tuesday, 3 September 2019", "2019-09-03T00:00:00Z", "dddd, d MMMM yyyy", "2019-09-03"),
        ("3-Sep-19", "2019-09-03T00:00:00Z", "d-MMM-yy", "2019-09-03"),
        ("09/03/2019", "2019-09-03", None, "09/03/2019 (the date picker holds 2019-09-03)"),
        ("", "2019-09-03T00:00:00Z", "dd/MM/yyyy", ""),
        ("03/09/2019", None, "dd/MM/yyyy", "03/09/2019"),
        ("03/09/2019", "not a date", "dd/MM/yyyy", "03/09/2019"),
    ],
)
def test_date_picker_text(shown, held, date_format, expected):
    assert date_picker_text(shown, held, date_format) == expected


# --- hostile structure: a document problem, never an exception ------------------------------


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (forms.tables_nested(40), "too deeply"),
        (forms.doctype_after_a_long_comment(), "document type"),
    ],
    ids=["tables nested forty deep", "document type declaration past the first 64 KB"],
)
def test_hostile_structure_is_unreadable(data, says):
    with pytest.raises(UnreadableDocument, match=says):
        read_docx(data)


FORMS = {
    "salford": forms.salford_legacy_form_notice,
    "barnet": forms.barnet_content_control_notice,
    "bnes": forms.bnes_tracked_changes_notice,
    "bury-children": forms.bury_children_wingdings_notice,
    "bury-adults": forms.bury_adults_text_box_notice,
}


@pytest.mark.parametrize("build", FORMS.values(), ids=FORMS.keys())
def test_the_reader_never_crashes_on_reshaped_documents(build):
    """40 reshaped copies of each partnership's form: values or a document problem, nothing else."""
    for data in forms.mutated_documents(build(), count=40, seed=3):
        try:
            found = read_docx(data)
        except UnreadableDocument:
            continue
        assert all(isinstance(value, LabelledValue) for value in found)


def test_a_form_profile_wording_wins_over_the_shared_vocabulary():
    profile = NOTICE_FIELDS.extended({"raised_by.role": ["Role"]})
    assert (NOTICE_FIELDS.match("Role"), profile.match("Role")) == ("signed.role", "raised_by.role")
