"""The label classifier: one line per wording, in the styles of many partnerships' forms (issue 9).

Each row is a label as some form prints it, the field it asks for (``None``: not a
label, or one that cannot be placed without a section) and, where it matters, the
rule that must have decided it.
"""

from __future__ import annotations

import time

import pytest

from escalations.intake.notices.fields import EVERY_FIELD, NOTICE_FIELDS, Vocabulary
from escalations.intake.notices.labels import UNKNOWN, classify, scoped, tokens

CHALLENGED_AGENCY = [
    # The examples.
    "Professional / agency you disagree with",
    "Agency B (concern about)",
    "Organisation you are escalating to",
    "Which agency's decision are you challenging?",
    "Agency I disagree with:",
    # Other partnerships' ways of asking.
    "Organization you disagree with",
    "Orgnaisation you disagree with",  # a slip
    "Agency in dispute with",
    "Receiving agency",
    "Responding organisation",
    "Team you are challenging",
    "Service being challenged",
    "Agency escalated to",
    "Name of agency you are escalating to",
    "Department you are in dispute with",
    "Other organisation",
    "Provider you disagree with",
    "Agency whose decision you are challenging",
    "Agency B",
    "Their agency",
    "Which service are you escalating to?",
    "Agency concern is about",
    "2. Agency you are in disagreement with",
    "Agency concerns relate to",
    "Recipient agency",
    "Who is the disagreement with?",
]

RAISED_BY_AGENCY = [
    "My agency:",
    "Agency A (raising the concern)",
    "Referrer's organisation",
    "Escalating agency",
    "Your organisation / service",
    "Organisation raising the concern",
    "Referring team",
    "Agency A",
    "Your department",
    "Which agency do you work for?",
    "Practitioner's agency",
]

SUBJECT_NAME = [
    "Name of Child/Young Person",
    "Adult:",
    "Child:",
    "Young person:",
    "YP name",
    "CYP name",
    "Patient name",
    "Service user's name",
    "Name of the individual",
    "Resident's name",
    "Client name",
    "Pupil's full name",
    "Name of adult at risk",
    "Name of the person at risk",
    "Child/young person",  # beside its answer in a table
]

SUBJECT_DOB = [
    "Resident's DOB",
    "CYP D.O.B.",
    "Date of birth of young person",
    "Child's date of birth",
    "Patient DOB",
    "Adult's D.O.B",
    "What is their date of birth?",  # only the subject has one
]

RAISED_BY_NAME = [
    "Completed by",
    "Referrer",
    "Name of person raising the concern",
    "Person completing form",
    "Lead professional",
    "Practitioner name",
    "Name of professional raising the concern",
    "Raised by",
    "Person raising the challenge",  # the challenge is what they raise
    "Name of person making the challenge",
]

CHALLENGED_NAME = [
    "Practitioner you disagree with",
    "Name of professional you disagree with",
    "Worker you are challenging",
    "Name of practitioner in the other agency",
    "Worker concerned",
]

OTHERS = [
    ("Role of the professional you disagree with", "challenged.role"),
    ("Your e-mail", "raised_by.email"),
    ("Your mobile number", "raised_by.phone"),
    ("Which stage are you at?", "stage"),
    ("Escalation step", "stage"),
    ("Level of escalation reached", "stage"),
    ("Is there a risk of immediate harm to the child?", "immediate_risk"),
    ("Is the adult at imminent risk?", "immediate_risk"),
    ("Details of the disagreement", "concern"),
    ("What is your concern?", "concern"),
    ("Nature of the concern", "categories"),
    ("Type of disagreement", "categories"),
    ("Action taken so far", "attempts"),
    ("Steps already taken to resolve", "attempts"),
    ("Outcome you would like", "outcome_sought"),
    ("What outcome are you hoping for?", "outcome_sought"),
    ("Signature", "signed.name"),
    ("Date signed", "signed.date"),
    ("Copied to", "copies_to"),
    ("Who else has a copy?", "copies_to"),
    ("Your reference", "case_reference"),
    ("Child or adult?", "subject.kind"),
    ("What is the disagreement?", "concern"),
    ("What is the professional disagreement?", "concern"),  # "professional" names no one here
    ("What do you disagree with?", "concern"),
    ("Why are you escalating?", "concern"),
    ("Explain why you disagree", "concern"),
    ("Issue(s) being escalated", "concern"),
    ("Brief summary of concerns", "concern"),
    ("Details", "concern"),
    ("What is the disagreement regarding? (tick)", "categories"),
    ("Disagreement relates to", "categories"),
    ("Is anyone at immediate risk of significant harm?", "immediate_risk"),
    ("Are there any immediate safeguarding concerns?", "immediate_risk"),
    ("Stage of the escalation process", "stage"),
    ("Date of completion", "signed.date"),
    ("Position", None),  # a job title, generic: the section's side's
]

NOT_LABELS = [
    "Salford Children's Services",  # an answer: "Salford" is no label's word
    "Your agency refused to visit",  # a sentence
    "Health Visitor",
    "Jo Bloggs",
    "Stage 2",  # an answer to "Stage"
    "Is the child at immediate risk of significant harm? No",  # a question and its answer
    "Level of need",  # a category, not a field
    "reason or a date.",  # the end of a wrapped sentence
    "Child",  # without a colon: an answer to "Child or adult"
    "Team Manager",  # an answer: a job title
    "Part A: The child or adult",  # a numbered section heading, not the subject.kind question
    "The family was stepped down without a meeting",
    "",
]

CASES = (
    [(label, "challenged.agency") for label in CHALLENGED_AGENCY]
    + [(label, "raised_by.agency") for label in RAISED_BY_AGENCY]
    + [(label, "subject.name") for label in SUBJECT_NAME]
    + [(label, "subject.dob") for label in SUBJECT_DOB]
    + [(label, "raised_by.name") for label in RAISED_BY_NAME]
    + [(label, "challenged.name") for label in CHALLENGED_NAME]
    + OTHERS
    + [(label, None) for label in NOT_LABELS]
)


@pytest.mark.parametrize(("label", "path"), CASES, ids=[f"{label!r}" for label, _ in CASES])
def test_a_label_is_classified_by_meaning(label, path):
    assert classify(label).path == path


@pytest.mark.parametrize(
    ("label", "rule"),
    [
        ("Agency B (concern about)", "synonyms:challenged-agency"),
        ("Section 2: Your details", "section:raiser"),
        ("Details of the professional raising the concern", "section:raiser"),
        ("Section 3: Details of the agency you disagree with", "section:challenged"),
        ("Name", "generic"),
        ("Salford Children's Services", "unknown"),
    ],
)
def test_each_classification_names_the_rule_that_decided_it(label, rule):
    assert classify(label).rule == rule


@pytest.mark.parametrize(
    ("heading", "side"),
    [
        ("Section 2: Your details", "raiser"),
        ("Section 3: Details of the agency you disagree with", "challenged"),
        ("Details of the child", "subject"),
        ("About you", "raiser"),
        ("Part B – Details of the organisation being challenged", "challenged"),
        ("Details of the professional raising the concern", "raiser"),
        ("Section 4: The disagreement", None),  # about the dispute: closes any section
    ],
)
def test_section_headings_name_the_side_their_generic_labels_belong_to(heading, side):
    found = classify(heading)
    assert (found.heading, found.side) == (True, side)


@pytest.mark.parametrize(
    ("label", "scope", "path"),
    [
        ("Name", "raiser", "raised_by.name"),
        ("Name", "challenged", "challenged.name"),
        ("Name", "subject", "subject.name"),
        ("Name", "signed", "signed.name"),
        ("Name", None, None),  # whose name? unknown, not a guess
        ("Organisation", "raiser", "raised_by.agency"),
        ("Organisation", "challenged", "challenged.agency"),
        ("Organisation", None, None),
        ("Role", "challenged", "challenged.role"),
        ("Job title", "raiser", "raised_by.role"),
        ("Email", "raiser", "raised_by.email"),
        ("Email", "challenged", None),  # the challenged agency's email is not the raiser's
        ("Email", None, "raised_by.email"),  # outside a section, as it always was
        ("Telephone", "challenged", None),
        ("Date of birth", "subject", "subject.dob"),
        ("Date of birth", None, "subject.dob"),
    ],
)
def test_a_generic_label_takes_the_side_of_its_section(label, scope, path):
    assert scoped(classify(label), scope).path == path


@pytest.mark.parametrize(
    ("label", "parts"),
    [
        ("Your details (name, role, agency)", ("raised_by.name", "raised_by.role", "raised_by.agency")),
        ("Name and date of birth of the child", ("subject.name", "subject.dob")),
        ("Child's name and DOB", ("subject.name", "subject.dob")),
        (
            "Name / role / organisation of the professional you disagree with",
            ("challenged.name", "challenged.role", "challenged.agency"),
        ),
    ],
)
def test_a_label_asking_several_things_gives_the_parts_in_order(label, parts):
    assert classify(label).parts == parts


def test_tokens_set_aside_case_apostrophes_plurals_and_camel_case():
    assert tokens("Child's D.O.B") == ["child", "dob"]
    assert tokens("Agencies involved") == ["agency", "involved"]
    assert tokens("ChildName") == ["child", "name"]
    assert tokens("E-mail") == ["email"]


def test_the_exact_wordings_come_first_and_a_profile_wording_names_its_rule():
    vocabulary = NOTICE_FIELDS.extended({"challenged.agency": ["Partner organisation"]})
    assert vocabulary.classify("Partner organisation").rule == "form-label"
    assert vocabulary.classify("Partner organisation").path == "challenged.agency"
    assert vocabulary.classify("Agency you disagree with").rule == "vocabulary"
    assert vocabulary.classify("Organisation you are escalating to").rule == "synonyms:challenged-agency"


def test_nothing_depends_on_a_profile_wording():
    bare = Vocabulary({})  # no exact wordings at all
    assert bare.match("Which agency's decision are you challenging?") == "challenged.agency"
    assert bare.match("Name of Child/Young Person") == "subject.name"


def test_over_long_text_is_unknown_without_being_read():
    assert classify("Agency " * 100) is UNKNOWN
    assert EVERY_FIELD.match("Agency you disagree with " * 20) is None


def test_classifying_is_fast():
    labels = [label for label, _ in CASES] * 20
    started = time.perf_counter()
    for label in labels:
        classify(label)
    per_label = (time.perf_counter() - started) / len(labels)
    assert per_label < 0.001  # well under a millisecond, before any caching


@pytest.mark.parametrize(
    ("label", "parts"),
    [
        ("Who made the decision? (name and role)", ("challenged.name", "challenged.role")),
        ("Agency and worker you disagree with", ("challenged.agency", "challenged.name")),
        (
            "Name, role and agency of the professional you disagree with",
            ("challenged.name", "challenged.role", "challenged.agency"),
        ),
        ("Your name and job title", ("raised_by.name", "raised_by.role")),
    ],
)
def test_a_label_asking_several_things_gives_each_part(label, parts):
    assert classify(label).parts == parts


def test_a_generic_date_of_birth_with_its_due_date_is_the_subjects():
    assert NOTICE_FIELDS.match("Date of Birth/EDD") == "subject.dob"


def test_professional_or_agency_is_one_answer_not_two():
    """ "Professional / agency you disagree with": "/" is "or"; the answer is one agency."""
    assert classify("Professional / agency you disagree with").path == "challenged.agency"


@pytest.mark.parametrize(
    ("scope", "name", "details"),
    [("challenged", "challenged.name", None), ("raiser", "raised_by.name", ("raised_by.email", "raised_by.phone"))],
)
def test_contact_is_the_sections_person(scope, name, details):
    assert scoped(classify("Contact"), scope).path == name
    assert scoped(classify("Contact details"), scope).parts == (details or ())


@pytest.mark.parametrize(
    ("heading", "side"),
    [("Part A: The child or adult", "subject"), ("Part C: The other agency", "challenged"), ("Section 5: Sign-off", "signed")],
)
def test_a_numbered_section_is_a_heading_whatever_it_names(heading, side):
    found = classify(heading)
    assert (found.path, found.heading, found.side) == (None, True, side)


@pytest.mark.parametrize(
    ("label", "path"),
    [
        ("1.1 Name of child", "subject.name"),
        ("2.3.1 Your agency", "raised_by.agency"),
        ("Q3 Date of birth", "subject.dob"),
        ("3a) Your name", "raised_by.name"),
        ("(c) Agency you disagree with", "challenged.agency"),
    ],
)
def test_a_questions_number_is_no_part_of_its_label(label, path):
    assert NOTICE_FIELDS.match(label) == path
