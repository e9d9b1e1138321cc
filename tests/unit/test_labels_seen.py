"""Labels and layouts the seen designs showed the reader missing (issue 9, branch reader-seen).

The seen designs were the first held-out part, read at 265/390 before any change made for
them, then spent. Each rule here is one of meaning or structure, so every test gives
wordings and layouts beside the ones those designs used: another language's version of a
label, other object words, other headings, other tick marks.
"""

from __future__ import annotations

from datetime import date

import pytest

from escalations.intake.notices.labels import classify
from escalations.intake.notices.normalise import parse_yes_no
from escalations.intake.notices.reader import read_notice

TODAY = date(2026, 3, 2)
CONCERN = "The family moved and nobody visited the home for five weeks. We raised it with the allocated worker twice."


def read(body: str):
    return read_notice((), body, today=TODAY)


@pytest.mark.parametrize(
    ("label", "path"),
    [
        ("Enw'r plentyn / Name of child", "subject.name"),  # Welsh first
        ("Name of child / Enw'r plentyn", "subject.name"),  # English first
        ("Ainm an linbh / Name of child", "subject.name"),  # another language altogether
        ("Eich asiantaeth / Your agency", "raised_by.agency"),
        ("Yr asiantaeth yr ydych yn anghytuno â hi / The agency you disagree with", "challenged.agency"),
        ("Disgrifiad o'r anghytundeb / Description of the disagreement", "concern"),
        ("Cam / Stage", "stage"),
        ("Risg uniongyrchol? / Immediate risk?", "immediate_risk"),
        ("Dyddiad geni / Date of birth of the child:", "subject.dob"),  # the colon ends the whole label
    ],
)
def test_a_label_given_in_two_languages_is_read_by_the_version_the_rules_place(label, path):
    assert classify(label).path == path


@pytest.mark.parametrize(
    "text",
    [
        "Name of child / adult Zainab Morgan",  # a label and its answer: "adult Zainab Morgan" is in known words
        "Professional / agency you disagree with\tSalford Police",  # a table row, label and answer
        "Nain / Taid",  # two words no label has: nothing placed
        "Is the child at immediate risk of significant harm?  / No",  # "Yes" struck through: a question, its answer
    ],
)
def test_a_spaced_slash_between_known_words_is_no_translation(text):
    assert classify(text).path is None


def test_a_slash_between_two_known_labels_keeps_its_meaning_of_either():
    found = classify("Professional / agency you disagree with")
    assert found.path == "challenged.agency" and not found.heading


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("Ie / Yes", True), ("Na / No", False), ("Oes / Yes", True), ("Yes / No", None), ("Ie / No", False)],
)
def test_a_yes_or_no_answered_in_two_languages(answer, expected):
    assert parse_yes_no(answer) is expected


@pytest.mark.parametrize(
    "label",
    [
        "Does the child face an immediate risk of harm? (Yes/No)",
        "Is the adult facing immediate risk?",
        "Does the young person face imminent danger?",
    ],
)
def test_a_risk_question_with_face_or_facing(label):
    assert classify(label).path == "immediate_risk"


@pytest.mark.parametrize(
    ("label", "path"),
    [
        ("Name of worker in Agency B", "challenged.name"),
        ("Contact in organisation B", "challenged.name"),
        ("Name of worker in Agency A", "raised_by.name"),
    ],
)
def test_agency_a_or_b_at_a_labels_end_says_whose(label, path):
    assert classify(label).path == path


@pytest.mark.parametrize(
    ("heading", "side"),
    [
        ("About the organisation you are escalating to", "challenged"),
        ("About the agency you disagree with", "challenged"),
        ("About you", "raiser"),
    ],
)
def test_a_line_beginning_about_and_naming_a_side_is_its_sections_heading(heading, side):
    found = classify(heading)
    assert (found.heading, found.side) == (True, side)


def test_generic_lines_under_about_headings_take_each_sections_side():
    notice = read(
        "Hello,\n\nAbout you\nName: Jo Bloggs\nOrganisation: Bury 0-19 Health Visiting\nRole: Health Visitor\n\n"
        "About the service you are escalating to\nOrganisation: Bury Children's Social Care\n"
        "Name: Al Smith\nRole: Team Manager\n\nThanks\n"
    )
    assert (notice.raised_by.name, notice.raised_by.agency) == ("Jo Bloggs", "Bury 0-19 Health Visiting")
    assert (notice.challenged.name, notice.challenged.role) == ("Al Smith", "Team Manager")
    assert notice.challenged.agency == "Bury Children's Social Care"


def test_ticked_lines_then_sentences_under_one_concern_label_are_categories_and_concern():
    notice = read(f"What the disagreement is about\n☒ Thresholds / level of need\n☐ Case closure\n{CONCERN}\n\nThanks\n")
    assert notice.concern == CONCERN
    assert notice.categories  # the ticked box, read by the categories' own rule
    assert "prose after the boxes" in notice.readings["concern"][0]


def test_ticked_lines_alone_under_a_concern_label_are_only_categories():
    notice = read("What the disagreement is about\n☒ Thresholds / level of need\n☐ Case closure\n\nThanks\n")
    assert notice.concern is None


@pytest.mark.parametrize("label", ["Concern about", "Concerns regarding", "Disagreement with"])
def test_an_agency_with_its_worker_in_brackets_names_the_challenged_side(label):
    notice = read(
        f"Dear manager,\n\nChild: Ruby Whittaker\n{label}: Bury Police (Declan Rhys, Detective Sergeant)\n\n{CONCERN}\n"
    )
    assert (notice.challenged.agency, notice.challenged.name, notice.challenged.role) == (
        "Bury Police",
        "Declan Rhys",
        "Detective Sergeant",
    )
    assert notice.concern == CONCERN


@pytest.mark.parametrize(
    "answer",
    [
        "Bury Police (see the attached minutes)",  # brackets that hold no person and role: the concern's words
        "the delay (five weeks, no visit)",  # lower case: a phrase, not an agency's name
    ],
)
def test_a_concern_answer_with_brackets_that_name_nobody_stays_the_concern(answer):
    notice = read(f"Child: Ruby Whittaker\nConcern about: {answer}\n")
    assert notice.challenged.agency is None and notice.challenged.name is None
