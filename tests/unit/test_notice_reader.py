"""Reading emailed notices: labels, Word documents (real .docx bytes), bodies, and hostile files."""

import io
import random
import zipfile
from dataclasses import dataclass
from datetime import date
from importlib.resources import as_file, files

import docx
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from escalations.intake.notices.docx_reader import (
    MAX_PARTS,
    LabelledValue,
    UnreadableDocument,
    read_docx,
)
from escalations.intake.notices.fields import (
    GENERIC,
    EVERY_FIELD,
    NOTICE_FIELDS,
    PANEL_VOCABULARY,
    VOCABULARY,
    match_label,
    normalise_label,
    split_labelled,
)
from escalations.intake.notices.model import (
    Attempt,
    Challenged,
    Notice,
    Panel,
    Person,
    Problem,
    Signed,
    Subject,
)
from escalations.intake.notices.reader import DOCX_TYPE, Attachment, read_notice
from escalations.routing.policy import load_policy
from tests.support import forms

TODAY = date(2026, 3, 6)
NAME = "Jo Bloggs escalation.docx"  # personal data: never repeated in a problem


def read(*documents: bytes, body: str | None = None, partnership: str | None = None) -> Notice:
    attachments = [Attachment(NAME, DOCX_TYPE, data) for data in documents]
    return read_notice(attachments, body, today=TODAY, partnership=partnership)


# --- labels -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Name of Child/Young Person", "subject.name"),
        ("NAME OF CHILD / YOUNG PERSON:", "subject.name"),
        ("Child's full name", "subject.name"),
        ("Child’s full name", "subject.name"),
        ("name of adult", "subject.name"),
        ("D.O.B", "subject.dob"),
        ("D.O.B.:", "subject.dob"),
        ("DOB", "subject.dob"),
        ("Date of birth", "subject.dob"),
        ("Date of brith", "subject.dob"),
        ("Date  of  birth :", "subject.dob"),
        ("1. Date of birth", "subject.dob"),
        ("Your email", "raised_by.email"),
        ("Telephone", "raised_by.phone"),
        ("Agency whose decision is challenged", "challenged.agency"),
        ("Agency you disagre with", "challenged.agency"),
        ("Nature of disagreement (tick all that apply)", "categories"),
        ("Please document any information of concern.", "concern"),
        ("Is the child at immediate risk of significant harm?", "immediate_risk"),
        ("Is the adult at imminent risk of harm?", "immediate_risk"),
        ("Stage being escalated to", "stage"),
        ("Step", "stage"),
        ("Who has a copy of this notice been sent to?", "copies_to"),
        ("Signed", "signed.name"),
        ("Role", "signed.role"),
        ("Dated:", "signed.date"),
        ("Date", "signed.date"),
        ("Dates", "attempts.date"),
        ("Outcome", "attempts.outcome"),
        ("Outcome you are seeking", "outcome_sought"),
        ("Case reference", "case_reference"),
        # The wordings the issue lists, and their common slips.
        ("Your agency", "raised_by.agency"),
        ("Current stage", "stage"),
        ("Level", "stage"),
        ("Attempts to resolve issue", "attempts"),
        ("Action which has already been taken to resolve it", "attempts"),
        ("Is the child/adult at risk of immediate harm?", "immediate_risk"),
        ("Is the child at risk of immediate harm?", "immediate_risk"),
        ("The issue in dispute", "concern"),
        ("a) Name of child", "subject.name"),
        ("Telephnoe", "raised_by.phone"),
        ("Stgae", "stage"),
        ("Name of chlid", "subject.name"),
        ("subject.dob", "subject.dob"),  # a content control's tag
        ("Jo Bloggs", None),
        ("No", None),
        ("Date of referral", None),  # B&NES's panel field: only with EVERY_FIELD
        ("Is the child at immediate risk of significant harm? No", None),
        ("Name of the child in this case", None),
        # An answer one word away from a label is not that label.
        ("Practitioners met", None),
        ("Rule", None),
        ("Your names", "raised_by.name"),  # plurals are read as the word (issue 9)
        ("Stage 2", None),
        ("", None),
    ],
)
def test_match_label(text, field):
    assert match_label(text) == field


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Date of Referral", "panel.referral_date"),
        ("Date of Referral:", "panel.referral_date"),
        ("Chair's Decision to Convene a Resolution Panel", "panel.convene"),
        ("Chair's Decision to Convene a Resolution Panel: Yes or No", "panel.convene"),
        ("Chairs decision to convene a resolution panel", "panel.convene"),
        ("Outcome and Date of BCSSP Resolution Panel", "panel.outcome"),
        ("Date of BCSSP Resolution Panel", "panel.date"),
        ("Outcome", "attempts.outcome"),
        ("Date", "signed.date"),
    ],
)
def test_panel_labels_with_every_field(text, field):
    assert match_label(text, EVERY_FIELD) == field


EVERY_PANEL_LABEL = [(field, label) for field, labels in PANEL_VOCABULARY.items() for label in labels]


@pytest.mark.parametrize(("field", "label"), EVERY_PANEL_LABEL)
def test_every_panel_label_names_its_own_field(field, label):
    assert (match_label(label), match_label(label, EVERY_FIELD)) == (None, field)


@pytest.mark.parametrize("pid", ["bury-children", "salford", "barnet", "bury-adults", "bnes"])
def test_every_form_profile_label_names_its_field(pid):
    with as_file(files("escalations.config") / "partnerships" / f"{pid}.toml") as path:
        profile = load_policy(path).form
    vocabulary = NOTICE_FIELDS.extended(profile.labels)
    for field, labels in profile.labels.items():
        assert [vocabulary.match(label) for label in labels] == [field] * len(labels)


EVERY_LABEL = [(field, label) for field, labels in VOCABULARY.items() for label in labels]


@pytest.mark.parametrize(("field", "label"), EVERY_LABEL)
def test_every_vocabulary_label_names_its_own_field(field, label):
    assert match_label(label) == field


ALL_LABELS = EVERY_LABEL + [(field, label) for field, labels in PANEL_VOCABULARY.items() for label in labels]


@given(
    st.sampled_from(ALL_LABELS),
    st.sampled_from(["", "1. ", "2) ", "(a) "]),
    st.sampled_from(["", ":", " :", "?", ".", ":\t"]),
    st.sampled_from([str.lower, str.upper, str.title, str]),
)
def test_a_label_written_any_way_names_its_field(entry, numbering, ending, case):
    field, label = entry
    assert EVERY_FIELD.match(f"  {numbering}{case(label)}{ending} ") == field


@given(st.sampled_from(ALL_LABELS), st.data())
def test_a_slip_in_a_label_never_names_another_field(entry, data):
    """A letter dropped, changed or swapped with its neighbour: the label's own field or none."""
    field, label = entry
    words = normalise_label(label).split()
    at = data.draw(st.integers(0, len(words) - 1))
    word = words[at]
    k = data.draw(st.integers(0, len(word) - 1))
    slipped = data.draw(st.sampled_from([word[:k] + word[k + 1 :], word[:k] + "q" + word[k + 1 :], word[::-1]]))
    text = " ".join([*words[:at], slipped, *words[at + 1 :]])
    # A slip that spells another field's own label exactly ("Dates" less its "s" is "Date") is that label.
    assume(text not in {normalise_label(other) for other_field, other in ALL_LABELS if other_field != field})
    found = EVERY_FIELD.match(text)
    assert found in (field, None)


def _slips(label: str):
    """Every slip the test above may draw: a letter dropped, changed to "q", or the word reversed."""
    words = normalise_label(label).split()
    for at, word in enumerate(words):
        for k in range(len(word)):
            for slipped in (word[:k] + word[k + 1 :], word[:k] + "q" + word[k + 1 :], word[::-1]):
                yield " ".join([*words[:at], slipped, *words[at + 1 :]])


def test_no_slip_in_any_label_names_another_field():
    """Every slip of every label, not a sample: a slip the tolerant wording match rejects
    ("Outcome o attempt") is read by meaning, and meaning must agree with the wording
    ("Outcome of attempt" is the attempt's outcome, not the attempts)."""
    spelt = {}
    for field, label in ALL_LABELS:
        spelt.setdefault(normalise_label(label), set()).add(field)
    wrong = [
        (label, text, found)
        for field, label in ALL_LABELS
        for text in _slips(label)
        if not spelt.get(text, set()) - {field} and (found := EVERY_FIELD.match(text)) not in (field, None)
    ]
    assert wrong == []


@given(st.text(max_size=200))
def test_any_text_is_a_known_field_or_none(text):
    """A field path, a generic label's "generic.<attribute>" (placed by its section), a label
    asking several things at once ("subject.name+subject.dob"), or none (issue 9)."""
    found = EVERY_FIELD.match(text)
    parts = (found or "").split("+")
    assert found is None or all(part in EVERY_FIELD.labels or part.startswith(GENERIC) for part in parts)


SALFORD_NAME = "Name of Child/Young Person"
COPIES = "Who has a copy of this notice been sent to?"
RISK = "Is the child at immediate risk of significant harm?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{SALFORD_NAME}: Jo Bloggs", ("subject.name", SALFORD_NAME, "Jo Bloggs")),
        ("D.O.B 3rd September 2019", ("subject.dob", "D.O.B", "3rd September 2019")),
        ("Date of brith: 14/02/2017", ("subject.dob", "Date of brith", "14/02/2017")),
        ("Stage 2", ("stage", "Stage", "2")),
        ("Stage - 2", ("stage", "Stage", "2")),
        ("Dated:.....", ("signed.date", "Dated", "")),
        (f"{COPIES} Team Manager", ("copies_to", COPIES, "Team Manager")),
        (f"{RISK} No: reported", ("immediate_risk", RISK, "No: reported")),
        ("Stage 2 was discussed with the school", None),
        ("Immediate risk was considered at the meeting", None),
        ("Outcome of the meeting was no change", None),
        ("Signed off sick last week", None),
        ("Date of Referral: 01/02/2026", None),
        ("At 10:30 the school rang", None),
        ("Level 2 – line managers", ("stage", "Level", "2 – line managers")),
        ("Level of need was disputed", None),
        ("Practitioners met: no change", None),
    ],
)
def test_split_labelled(text, expected):
    assert split_labelled(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Date of Referral: 09/02/2026", ("panel.referral_date", "Date of Referral", "09/02/2026")),
        ("Date of Referral 09/02/2026", ("panel.referral_date", "Date of Referral", "09/02/2026")),
        (
            "Chair's Decision to Convene a Resolution Panel: Yes or No: Yes",
            ("panel.convene", "Chair's Decision to Convene a Resolution Panel", "Yes or No: Yes"),
        ),
    ],
)
def test_split_labelled_panel_lines_with_every_field(text, expected):
    assert split_labelled(text, EVERY_FIELD) == expected


# --- each partnership's notice ---------------------------------------------------------------


NORTHSIDE = Person(
    name="Aisha Khan",
    role="Health Visitor",
    agency="Northside Health",
    email="a.khan@northside-health.example",
    phone="0161 496 0000",
)


def test_salford_appendix_2_notice():
    assert read(forms.salford_notice(), partnership="salford") == Notice(
        partnership="salford",
        subject=Subject(kind="child", name="Jo Bloggs", dob=date(2017, 2, 14)),
        raised_by=NORTHSIDE,
        challenged=Challenged(agency="Salford Children's Services"),
        concern=("Jo has missed three health appointments.\nThe referral was closed without a visit."),
        immediate_risk=False,
        stage=2,
        copies_to=["Team Manager, Northside Health"],
        signed=Signed(name="Aisha Khan", role="Health Visitor", date=date(2026, 3, 5)),
    )


def test_barnet_notice_with_ticked_categories():
    assert read(forms.barnet_notice(), partnership="barnet") == Notice(
        partnership="barnet",
        subject=Subject(kind="child", name="Sam Smith", dob=date(2019, 9, 3)),
        raised_by=Person(
            name="Ben Osei",
            role="Designated Safeguarding Lead",
            agency="Eastgate Primary School",
            email="b.osei@eastgate-school.example",
            phone="020 7946 0000",
        ),
        challenged=Challenged(agency="Barnet Children's Social Care"),
        categories=["thresholds", "case_conference"],
        concern="Concerns about neglect were not taken to a strategy discussion.",
        immediate_risk=False,
        stage=3,
        outcome_sought="A case conference is held.",
        signed=Signed(name="Ben Osei", date=date(2026, 3, 4)),
    )


def test_bnes_appendix_a_attempts_table():
    assert read(forms.bnes_notice(), partnership="bnes") == Notice(
        partnership="bnes",
        subject=Subject(kind="child", name="Alex Example", dob=date(2012, 6, 30)),
        raised_by=Person(name="Priya Shah", agency="Riverside Housing"),
        challenged=Challenged(agency="B&NES Children's Services"),
        immediate_risk=False,
        stage=3,
        attempts=[
            Attempt(date(2026, 1, 12), "Practitioners met; not resolved."),
            Attempt(date(2026, 1, 19), "Line managers met; not resolved."),
        ],
    )


def test_bury_children_notice_with_reference_in_the_page_header():
    assert read(forms.bury_children_notice(), partnership="bury-children") == Notice(
        partnership="bury-children",
        subject=Subject(kind="child", name="Kai Doe", dob=date(2019, 9, 3)),
        raised_by=Person(name="Tom Reid", agency="Bury Police"),
        challenged=Challenged(agency="Bury Early Help"),
        categories=["step_up_down", "non_attendance"],
        concern="The family was stepped down to universal services without a meeting.",
        immediate_risk=False,
        stage=2,
        case_reference="BUR-2026-0012",
    )


def test_bury_adults_notice_in_a_nested_table_with_footer():
    assert read(forms.bury_adults_notice()) == Notice(
        subject=Subject(kind="adult", name="Pat Jones", dob=date(1952, 3, 12)),
        raised_by=Person(
            name="Lee Park",
            agency="Bury Adult Social Care",
            email="l.park@bury-asc.example",
            phone="+44 161 496 0999",
        ),
        challenged=Challenged(agency="Bury Community Mental Health Team"),
        concern="Pat was discharged home without the care package agreed.",
        immediate_risk=False,
        stage=4,
        attempts=[
            Attempt(date(2026, 1, 12), "practitioners discussed; not resolved"),
            Attempt(date(2026, 1, 20), "line managers discussed; not resolved"),
        ],
    )


def test_read_docx_names_where_each_value_was_found():
    values = read_docx(forms.salford_notice())
    assert values[:2] == [
        LabelledValue("Name of Child/Young Person", "Jo Bloggs", "docx paragraph 2"),
        LabelledValue("D.O.B", "14/02/2017", "docx paragraph 2"),
    ]
    assert LabelledValue("Current stage", "2", "docx table 1 row 7") in values


# --- each partnership's form as filled in with Word's form features -----------------------


def test_salford_appendix_2_as_a_legacy_word_form():
    assert read(forms.salford_legacy_form_notice(), partnership="salford") == Notice(
        partnership="salford",
        subject=Subject(kind="child", name="Jo Bloggs", dob=date(2017, 2, 14)),
        raised_by=NORTHSIDE,
        challenged=Challenged(agency="Salford Children's Services"),
        concern=("Jo has missed three health appointments.\nThe referral was closed without a visit."),
        immediate_risk=False,
        stage=2,
        copies_to=["Team Manager, Northside Health", "SSCB Business Manager"],
        signed=Signed(name="Aisha Khan", role="Health Visitor", date=date(2026, 3, 5)),
    )


def test_barnet_practitioners_form_of_content_controls():
    assert read(forms.barnet_content_control_notice(), partnership="barnet") == Notice(
        partnership="barnet",
        subject=Subject(kind="child", name="Sam Smith", dob=date(2019, 9, 3)),
        raised_by=Person(
            name="Ben Osei",
            role="Designated Safeguarding Lead",
            agency="Eastgate Primary School",
            email="b.osei@eastgate-school.example",
            phone="020 7946 0000",
        ),
        challenged=Challenged(agency="Barnet Children's Social Care"),
        categories=["thresholds", "case_conference"],
        concern="Concerns about neglect were not taken to a strategy discussion.",
        immediate_risk=False,
        stage=3,
        outcome_sought="A case conference is held.",
        signed=Signed(name="Ben Osei", date=date(2026, 3, 4)),
    )


BNES_TRACKED = Notice(
    partnership="bnes",
    subject=Subject(kind="child", name="Alex Example", dob=date(2012, 6, 30)),
    raised_by=Person(name="Priya Shah", role="Housing Officer", agency="Riverside Housing"),
    challenged=Challenged(agency="B&NES Children's Services"),
    concern=("Riverside Housing asked for a joint visit before the eviction; Children's Services declined it."),
    immediate_risk=False,
    stage=4,
    attempts=[
        Attempt(date(2026, 1, 12), "Practitioners met; not resolved."),
        Attempt(date(2026, 1, 19), "Line managers met; not resolved."),
        Attempt(date(2026, 2, 2), "Service Managers met; not resolved."),
    ],
)


def test_bnes_appendix_a_revised_with_track_changes():
    assert read(forms.bnes_tracked_changes_notice(), partnership="bnes") == BNES_TRACKED


def test_bnes_referral_to_the_chair_is_read_from_the_document():
    panel = [value for value in read_docx(forms.bnes_tracked_changes_notice())][-3:]
    assert [(value.label, value.value) for value in panel] == [
        ("Date of Referral", "09/02/2026"),
        ("Chair's Decision to Convene a Resolution Panel", "Yes"),
        (
            "Outcome and Date of BCSSP Resolution Panel",
            "20/02/2026 – The panel agreed Children's Services will hold a strategy discussion.",
        ),
    ]
    assert [match_label(value.label, EVERY_FIELD) for value in panel] == [
        "panel.referral_date",
        "panel.convene",
        "panel.outcome",
    ]


BNES_PANEL = Panel(
    referral_date=date(2026, 2, 9),
    convene=True,
    outcome="The panel agreed Children's Services will hold a strategy discussion.",
    date=date(2026, 2, 20),
)


@dataclass(frozen=True)
class _Profile:
    id: str
    required: tuple[str, ...]
    labels: dict[str, tuple[str, ...]]


def test_bnes_referral_to_the_chair_fills_the_panel_where_the_profile_names_it():
    profile = _Profile("bnes-appendix-a", (), {"panel.referral_date": ("Date of Referral",)})
    attachments = [Attachment(NAME, DOCX_TYPE, forms.bnes_tracked_changes_notice())]
    notice = read_notice(attachments, None, today=TODAY, partnership="bnes", form=profile)
    assert (notice.panel, notice.problems) == (BNES_PANEL, [])


def test_the_packaged_bnes_profile_reads_the_referral_to_the_chair():
    with as_file(files("escalations.config") / "partnerships" / "bnes.toml") as path:
        profile = load_policy(path).form
    attachments = [Attachment(NAME, DOCX_TYPE, forms.bnes_tracked_changes_notice())]
    notice = read_notice(attachments, None, today=TODAY, partnership="bnes", form=profile)
    assert notice.panel == BNES_PANEL


def test_bury_children_form_with_wingdings_ticks_and_gm_levels():
    notice = read(forms.bury_children_wingdings_notice(), partnership="bury-children")
    assert notice == Notice(
        partnership="bury-children",
        subject=Subject(kind="child", name="Kai Doe", dob=date(2019, 9, 3)),
        raised_by=Person(name="Tom Reid", agency="Bury Police"),
        challenged=Challenged(agency="Bury Early Help"),
        categories=["step_up_down", "non_attendance"],
        concern="The family was stepped down to universal services without a meeting.",
        immediate_risk=False,
        stage=2,
        case_reference="BURYC-2026-0012",
    )


def test_bury_adults_referral_in_text_boxes():
    assert read(forms.bury_adults_text_box_notice(), partnership="bury-adults") == Notice(
        partnership="bury-adults",
        subject=Subject(kind="adult", name="Pat Jones", dob=date(1952, 3, 12)),
        raised_by=Person(
            name="Lee Park",
            agency="Bury Adult Social Care",
            email="l.park@bury-asc.example",
            phone="+44 161 496 0999",
        ),
        challenged=Challenged(agency="Bury Community Mental Health Team"),
        concern=("Pat was discharged home without the care package agreed.\nThe CMHT says the package is not theirs to arrange."),
        immediate_risk=False,
        stage=4,
        attempts=[
            Attempt(date(2026, 1, 12), "practitioners discussed; not resolved"),
            Attempt(date(2026, 1, 20), "line managers discussed; not resolved"),
            Attempt(date(2026, 2, 3), "safeguarding leads discussed; not resolved"),
        ],
        signed=Signed(name="Lee Park", role="Senior Practitioner", date=date(2026, 2, 3)),
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"child": "", "dob": ""}, None),
        ({"dob": "31/02/2017"}, "subject.dob"),
        ({"dated": "the fifth"}, "signed.date"),
        ({"your_email": "a.khan@northside-health.example, b@x.example"}, "raised_by.email"),
        ({"telephone": "0161 496 0000 / 07700 900123"}, "raised_by.phone"),
    ],
)
def test_salford_legacy_form_blank_or_unreadable_answers(overrides, field):
    notice = read(forms.salford_legacy_form_notice(**overrides))
    assert [problem.field for problem in notice.problems] == ([field] if field else [])


@pytest.mark.parametrize(
    ("ticked", "categories"),
    [
        ((), []),
        (
            forms.BARNET_THEMES,
            ["thresholds", "roles_responsibilities", "action_communication", "case_conference", "plan_progression"],
        ),
        ((forms.BARNET_THEMES[4],), ["action_communication"]),
    ],
)
def test_barnet_themes_as_ticked(ticked, categories):
    assert read(forms.barnet_content_control_notice(ticked=ticked)).categories == categories


@pytest.mark.parametrize(
    ("theme", "slug"),
    list(
        zip(
            forms.BURY_THEMES,
            [
                "thresholds",
                "roles_responsibilities",
                "action_communication",
                "response_to_concern",
                "step_up_down",
                "resources",
                "statutory_roles",
                "non_attendance",
                "unilateral_decision",
            ],
            strict=True,
        )
    ),
)
def test_each_bury_theme_ticked_alone(theme, slug):
    assert read(forms.bury_children_wingdings_notice(ticked=(theme,))).categories == [slug]


# --- the canonical JSON ------------------------------------------------------------------------


def test_the_json_has_no_panel_key_when_nothing_of_it_is_known():
    assert "panel" not in read(forms.salford_notice()).to_json()


def test_the_panel_key_appears_and_reads_back():
    notice = Notice(panel=Panel(referral_date=date(2026, 2, 9), convene=False))
    data = notice.to_json()
    assert data["panel"] == {
        "referral_date": "2026-02-09",
        "convene": False,
        "outcome": None,
        "date": None,
    }
    assert Notice.from_json(data) == notice
    assert list(data)[-3:] == ["panel", "case_reference", "problems"]


def test_json_without_a_panel_key_reads_back():
    notice = read(forms.bnes_tracked_changes_notice(), partnership="bnes")
    assert Notice.from_json(notice.to_json()) == notice


# --- values that cannot be read are problems, not guesses -------------------------------------


def test_an_unreadable_date_of_birth_is_a_problem():
    notice = read(forms.salford_notice(dob="31/02/2019"))
    assert (notice.subject.dob, notice.subject.kind) == (None, None)
    assert notice.problems == [
        Problem("subject.dob", "The answer to 'D.O.B' in docx paragraph 2 is not a date."),
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"stage": "the next one"}, "stage"),
        ({"immediate_risk": "Possibly"}, "immediate_risk"),
        ({"your_email": "a.khan at northside"}, "raised_by.email"),
        ({"telephone": "ext 4350"}, "raised_by.phone"),
        ({"dated": "last Tuesday"}, "signed.date"),
    ],
)
def test_an_unreadable_value_leaves_the_field_empty(overrides, field):
    notice = read(forms.salford_notice(**overrides))
    assert [problem.field for problem in notice.problems] == [field]
    owner, _, name = field.rpartition(".")
    assert getattr(getattr(notice, owner) if owner else notice, name) is None


def test_blank_answers_are_not_problems():
    notice = read(forms.salford_notice(stage=None, immediate_risk="☐ Yes ☐ No", dated=None))
    answers = (notice.stage, notice.immediate_risk, notice.signed.date, notice.problems)
    assert answers == (None, None, None, [])


def test_a_date_of_birth_after_today_is_a_problem():
    notice = read(forms.salford_notice(dob="14/02/2027"))
    assert notice.subject.dob is None
    assert [problem.field for problem in notice.problems] == ["subject.dob"]


def test_two_different_answers_for_one_field_is_a_problem():
    data = forms.docx_table_notice([("Date of birth", "14/02/2017"), ("DOB", "15/02/2017")])
    notice = read(data)
    assert notice.subject.dob is None
    assert notice.problems == [
        Problem(
            "subject.dob",
            "Different answers in docx table 1 row 1 and docx table 1 row 2; none was used.",
        ),
    ]


@pytest.mark.parametrize(
    ("rows", "kind"),
    [
        ([("Date of birth", "06/03/2008")], "adult"),  # 18 today
        ([("Date of birth", "07/03/2008")], "child"),  # 18 tomorrow
        ([("Child or adult", "Adult"), ("Name of adult", "Pat Jones")], "adult"),
        ([("Child or adult", "☒ Child ☐ Adult"), ("Date of birth", "14/02/2017")], "child"),
        ([("Name of child", "Jo Bloggs")], None),
    ],
)
def test_subject_kind_from_the_form_or_else_from_age_today(rows, kind):
    assert read(forms.docx_table_notice(rows)).subject.kind == kind


def test_subject_kind_contradicting_the_age_is_a_problem():
    rows = [("Child or adult", "Child"), ("Date of birth", "12/03/1952")]
    notice = read(forms.docx_table_notice(rows))
    assert notice.subject.kind is None
    assert [problem.field for problem in notice.problems] == ["subject.kind"]


# --- Word layouts ----------------------------------------------------------------------


def test_paragraph_labels_without_colons_as_blank_forms_are_filled_in():
    data = forms.docx_table_notice(
        [],
        paragraphs=[
            "Name of child Jo Bloggs",
            "D.O.B 3rd September 2019",
            "Stage 2",
            "Immediate risk No",
            "Details of the disagreement",
            "The referral was closed.",
            "Stage 2 was discussed with the school and nothing changed.",
        ],
    )
    notice = read(data)
    assert (notice.subject.name, notice.subject.dob, notice.stage, notice.immediate_risk) == (
        "Jo Bloggs",
        date(2019, 9, 3),
        2,
        False,
    )
    assert notice.concern == ("The referral was closed.\nStage 2 was discussed with the school and nothing changed.")


def _saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_merged_cells_are_read_once():
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "Name of child"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Jo Bloggs"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "D.O.B"
    table.cell(1, 2).text = "14/02/2017"
    assert read_docx(_saved(document)) == [
        LabelledValue("Name of child", "Jo Bloggs", "docx table 1 row 1"),
        LabelledValue("D.O.B", "14/02/2017", "docx table 1 row 2"),
    ]


def test_a_label_merged_down_two_rows_labels_both_answers():
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "Attempts to resolve issue"
    table.cell(0, 1).text = "12/01/2026 – practitioners met"
    table.cell(1, 1).text = "19/01/2026 – managers met"
    assert read(_saved(document)).attempts == [
        Attempt(date(2026, 1, 12), "practitioners met"),
        Attempt(date(2026, 1, 19), "managers met"),
    ]


def test_a_header_shared_by_every_section_is_read_once():
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Case reference: SAL-2026-0007"
    document.add_paragraph("Name of child: Jo Bloggs")
    document.add_section()  # a paragraph ends section 1; section 2's header is linked to it
    document.add_paragraph("Current stage: 2")
    assert [value.source for value in read_docx(_saved(document))] == [
        "docx header 1 paragraph 1",
        "docx paragraph 1",
        "docx paragraph 3",
    ]


def test_the_blank_salford_form_has_no_answers_and_no_problems():
    answers = ["child", "dob", "concern", "signed", "role", "dated", "copies", "challenged"]
    answers += ["stage", "immediate_risk", *forms.NORTHSIDE]
    notice = read(forms.salford_notice(**dict.fromkeys(answers)))
    assert notice == Notice()


def test_a_row_of_labels_over_a_row_of_answers():
    data = forms.docx_table_notice([("Name of child", "D.O.B"), ("Jo Bloggs", "14/02/2017")])
    assert read_docx(data) == [
        LabelledValue("Name of child", "Jo Bloggs", "docx table 1 row 2"),
        LabelledValue("D.O.B", "14/02/2017", "docx table 1 row 2"),
    ]


def test_a_label_and_answer_in_one_cell():
    data = forms.docx_table_notice([("Name of child: Jo Bloggs", "D.O.B: 14/02/2017")])
    assert read(data).subject == Subject(kind="child", name="Jo Bloggs", dob=date(2017, 2, 14))


def test_unknown_labels_are_ignored():
    rows = [("Favourite colour", "Blue"), ("Date of Referral", "01/02/2026")]
    data = forms.docx_table_notice(rows)
    assert read(data) == Notice()


def test_a_file_with_no_recognisable_fields_gives_an_empty_notice():
    paragraphs = ["Dear colleague,", "Please see the attached.", "Thanks"]
    data = forms.docx_table_notice([], paragraphs=paragraphs)
    notice = read(data, partnership="salford")
    assert notice == Notice(partnership="salford")
    assert not notice.has_content


def test_a_docx_is_found_by_file_name_when_sent_as_octet_stream():
    attachment = Attachment("notice.DOCX", "application/octet-stream", forms.salford_notice())
    assert read_notice([attachment], None, today=TODAY).subject.name == "Jo Bloggs"


def test_every_docx_attached_is_read():
    first = forms.docx_table_notice([("Name of child", "Jo Bloggs")])
    second = forms.docx_table_notice([("Current stage", "3")])
    notice = read(first, second)
    assert (notice.subject.name, notice.stage) == ("Jo Bloggs", 3)


# --- hostile and broken files: a document problem, never an exception ---------------------------


def _zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as package:
        for name, data in members.items():
            package.writestr(name, data)
    return buffer.getvalue()


def _lying_zip(claimed: int) -> bytes:
    """A docx whose directory claims a part is ``claimed`` bytes long, whatever it holds."""
    data = bytearray(_zip({"word/document.xml": b"<w:document/>" * 20_000}))
    package = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = package.infolist()[0]
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = claimed.to_bytes(4, "little")
    data[info.header_offset + 22 : info.header_offset + 26] = claimed.to_bytes(4, "little")
    return bytes(data)


DOCUMENT = "word/document.xml"
OLE = bytes.fromhex("D0CF11E0A1B11AE1")  # Word's encrypted (and 97-2003) container
HOSTILE = {
    "random bytes": (random.Random(7).randbytes(4000), "damaged"),
    "empty file": (b"", "damaged"),
    "truncated docx": (forms.salford_notice()[:5000], "damaged"),
    "zip that is not a docx": (_zip({"hello.txt": b"hello"}), "damaged"),
    "docx with broken XML": (_zip({"[Content_Types].xml": b"<Types"}), "damaged"),
    "password-protected (OLE)": (OLE + bytes(2000), "password-protected"),
    "zip bomb past the unpacked limit": (_zip({DOCUMENT: bytes(60_000_000)}), "unpack to more"),
    "zip bomb under the limit": (_zip({DOCUMENT: bytes(20_000_000)}), "compressed more than"),
    "part that holds more than it claims": (_lying_zip(1000), "damaged"),
    "too many parts": (_zip({f"p{i}.xml": b"" for i in range(MAX_PARTS + 1)}), "1000 parts"),
    "document type declaration": (_zip({DOCUMENT: b"<!DOCTYPE x []><x/>"}), "document type"),
}


@pytest.mark.parametrize(("data", "says"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_or_broken_documents_are_unreadable(data, says):
    with pytest.raises(UnreadableDocument, match=says):
        read_docx(data)


@pytest.mark.parametrize(("data", "says"), HOSTILE.values(), ids=HOSTILE.keys())
def test_an_unreadable_attachment_is_a_document_problem_named_by_position(data, says):
    logo = Attachment("logo.png", "image/png", b"\x89PNG")
    attachments = [logo, Attachment(NAME, DOCX_TYPE, data)]
    notice = read_notice(attachments, "Name of child: Jo Bloggs", today=TODAY)
    assert [problem.field for problem in notice.problems] == ["document"]
    message = notice.problems[0].message
    assert message.startswith("attachment 2 (.docx): ") and says in message
    assert "Jo" not in message and "Bloggs" not in message
    assert notice.subject.name is None  # a .docx was sent: the body is not the notice


def test_a_document_over_the_size_limit_is_unreadable():
    with pytest.raises(UnreadableDocument, match="larger than"):
        read_docx(forms.salford_notice(), max_bytes=1000)


def test_an_encrypted_zip_member_is_unreadable():
    data = bytearray(_zip({"word/document.xml": b"<x/>"}))
    central = data.rindex(b"PK\x01\x02")
    data[central + 8] |= 0x1  # general purpose flag, bit 0: encrypted
    data[6] |= 0x1
    with pytest.raises(UnreadableDocument, match="encrypted"):
        read_docx(bytes(data))


def test_a_damaged_pdf_is_a_problem_and_the_body_is_not_read_in_its_place():
    attachments = [Attachment("notice.pdf", "application/pdf", b"%PDF-1.7")]
    notice = read_notice(attachments, "Name of child: Jo Bloggs", today=TODAY)
    assert notice.subject.name is None
    assert [problem.field for problem in notice.problems] == ["document"]
    assert notice.problems[0].message.startswith("attachment 1 (.pdf): The PDF is damaged")


# --- notices written in the email body -----------------------------------------------------------


BURY_ADULTS_EMAIL = """\
Dear Board,

Please accept this step 4 referral.

Name of adult: Pat Jones
Date of birth: 12/03/1952
Your name: Lee Park
Your agency: Bury Adult Social Care
Your email: L.Park@bury-asc.example
Agency you disagree with: Bury Community Mental Health Team
Step: 4
Is the adult at imminent risk of harm? No
Reference: BUA-2026-0003
Details of the disagreement:
Pat was discharged home without the care package agreed.
The CMHT says the package is not theirs to arrange.

Attempts to resolve issue:
12/01/2026 – practitioners discussed; not resolved
20/01/2026 – line managers discussed; not resolved

Thanks,
--
Lee Park
Telephone: 0161 496 0999

> On 1 March, someone wrote:
> Name of adult: Somebody Else
"""


def test_a_notice_written_in_the_email_body():
    assert read_notice([], BURY_ADULTS_EMAIL, today=TODAY, partnership="bury-adults") == Notice(
        partnership="bury-adults",
        subject=Subject(kind="adult", name="Pat Jones", dob=date(1952, 3, 12)),
        raised_by=Person(
            name="Lee Park",
            agency="Bury Adult Social Care",
            email="l.park@bury-asc.example",
            phone="0161 496 0999",
        ),
        challenged=Challenged(agency="Bury Community Mental Health Team"),
        concern=("Pat was discharged home without the care package agreed.\nThe CMHT says the package is not theirs to arrange."),
        immediate_risk=False,
        stage=4,
        attempts=[
            Attempt(date(2026, 1, 12), "practitioners discussed; not resolved"),
            Attempt(date(2026, 1, 20), "line managers discussed; not resolved"),
        ],
        case_reference="BUA-2026-0003",
    )


def test_a_reference_that_is_not_ours_is_ignored():
    notice = read_notice([], "Reference: LCS 123456\nName of child: Jo Bloggs", today=TODAY)
    assert (notice.case_reference, notice.problems) == (None, [])


def test_an_email_with_no_notice_in_it_gives_an_empty_notice():
    body = "Hello,\n\nPlease call me about the Bloggs family.\n\nThanks"
    notice = read_notice([], body, today=TODAY)
    assert notice == Notice()
    assert not notice.has_content


def test_no_attachments_and_no_body_gives_an_empty_notice():
    assert read_notice([], None, today=TODAY) == Notice()
