"""Labels and layouts the second seen designs showed the reader missing (issue 9, branch reader-seen2).

Those designs were held-out part 2, read at 550/635 before any change made for them, then
spent. Each rule here is one of meaning or structure, so every example is written for this
file (none is taken from those designs): other wordings of the same question, other layouts
of the same structure, and the near misses each rule must leave alone.
"""

from __future__ import annotations

from datetime import date

import pytest

from escalations.intake.notices.labels import classify
from escalations.intake.notices.reader import read_notice

TODAY = date(2026, 3, 2)
CONCERN = "The family moved and nobody visited the home for five weeks. We raised it with the allocated worker twice."


def read(body: str):
    return read_notice((), body, today=TODAY)


# --- a question for a person that names only the dispute asks for the subject -------------------


@pytest.mark.parametrize(
    "label",
    [
        "Who is this about?",
        "Who is the escalation about?",
        "Who does this disagreement relate to?",
        "Whom is this regarding? (name as known to your agency)",
    ],
)
def test_a_who_question_about_the_notice_asks_for_the_subjects_name(label):
    assert classify(label).path == "subject.name"


@pytest.mark.parametrize(
    "label",
    [
        "Who is the disagreement with?",  # the other side
        "Which agency is this about?",  # an agency named: not the subject
        "Who are you concerned about?",  # the other side on these forms (rule kept as it was)
    ],
)
def test_a_who_question_naming_a_side_or_with_is_not_the_subject(label):
    assert classify(label).path != "subject.name"


def test_a_who_about_question_in_a_mail_gives_the_subjects_name():
    notice = read("Who is this about?  Tommy Fairweather\nDate of birth: 04/05/2016\n")
    assert notice.subject.name == "Tommy Fairweather"
    assert "synonyms:who-about" in notice.readings["subject.name"][0]


# --- a question over a list of options about the dispute asks for its categories -----------------


@pytest.mark.parametrize(
    "label",
    ["Which of these describe the disagreement?", "Which of the following best describes your concern?"],
)
def test_which_of_these_about_the_dispute_is_the_categories(label):
    assert classify(label).path == "categories"


@pytest.mark.parametrize(
    "label",
    [
        "Which of these agencies do you disagree with?",  # options of agencies: a side, not categories
        "Describe the disagreement",  # no options: the account
    ],
)
def test_which_of_these_naming_a_party_or_no_options_is_not_the_categories(label):
    assert classify(label).path != "categories"


def test_an_option_picked_under_which_of_these_is_a_category_and_not_the_concern():
    notice = read(
        f"Describe the disagreement: {CONCERN}\nWhich of the following best describes your concern?: Resource or capacity issues\n"
    )
    assert notice.categories == ["resources"]
    assert notice.concern == CONCERN


# --- "we" asks only in a question: how the service may contact the writer ------------------------


@pytest.mark.parametrize(
    ("label", "parts"),
    [
        ("How can we contact you?", ("raised_by.email", "raised_by.phone")),
        ("How should we contact you? (phone and email)", ("raised_by.phone", "raised_by.email")),
    ],
)
def test_how_can_we_contact_you_asks_for_the_raisers_contact_details(label, parts):
    assert classify(label).parts == parts


@pytest.mark.parametrize("text", ["We disagree with the agency", "We contacted the school"])
def test_a_sentence_with_we_is_no_label(text):
    assert classify(text).path is None and not classify(text).parts


def test_a_contact_question_answered_with_an_address_and_a_number_splits_them():
    notice = read("How can we contact you? (phone and email): 07700 900123 / pat.lowe@health.example\n")
    assert (notice.raised_by.phone, notice.raised_by.email) == ("07700 900123", "pat.lowe@health.example")


# --- the person spoken to is the other side's ----------------------------------------------------


@pytest.mark.parametrize(
    ("label", "path", "parts"),
    [
        ("Who have you spoken to?", "challenged.name", ()),
        ("Who in the other service did you speak to?", "challenged.name", ()),
        ("Who have you discussed this with? (name and role)", None, ("challenged.name", "challenged.role")),
        ("Name of person spoken to", "challenged.name", ()),
        ("Professional spoken to (name, role)", None, ("challenged.name", "challenged.role")),
    ],
)
def test_who_you_spoke_to_is_the_challenged_person(label, path, parts):
    found = classify(label)
    assert (found.path, found.parts) == (path, parts)


@pytest.mark.parametrize(
    "label",
    [
        "Who in your own team have you spoken to?",  # the writer's own side: no field for it
        "Date you spoke to them",  # a date of an attempt, not a person
        "Date spoken to",
        "What was said when you spoke?",
    ],
)
def test_speaking_that_asks_no_other_sides_person_is_not_the_challenged_person(label):
    assert classify(label).path is None and not classify(label).parts


def test_the_person_spoken_to_with_their_role_in_one_answer():
    notice = read("Who have you discussed this with? (name and role): Priya Osei, Team Manager\n")
    assert (notice.challenged.name, notice.challenged.role) == ("Priya Osei", "Team Manager")
    assert notice.raised_by.name is None


# --- a signing word first makes the label the signatory's, whoever it is of -----------------------


@pytest.mark.parametrize(
    "label", ["Signature of referrer", "Signed (person raising the concern)", "Signature of the practitioner completing this"]
)
def test_a_label_beginning_with_a_signing_word_is_the_signatory(label):
    assert classify(label).path == "signed.name"


def test_the_signatory_and_the_raiser_named_apart_are_both_read():
    notice = read("Name of the practitioner completing this: Pat Lowe\nSignature of the practitioner completing this: Pat Lowe\n")
    assert (notice.raised_by.name, notice.signed.name) == ("Pat Lowe", "Pat Lowe")


# --- a side's label standing alone over generic labels heads that side's section ------------------


def test_an_unanswered_side_label_scopes_the_generic_labels_below_it():
    notice = read(
        "Child: Ruby Whittaker\n\nYour agency:\nName: Jo Bloggs\nRole: School Nurse\n\n"
        "Their agency:\nName: Al Smith\nRole: Team Manager\n"
    )
    assert (notice.raised_by.name, notice.raised_by.role) == ("Jo Bloggs", "School Nurse")
    assert (notice.challenged.name, notice.challenged.role) == ("Al Smith", "Team Manager")


def test_an_unanswered_side_label_above_a_printed_table_scopes_its_rows(monkeypatch):
    from escalations.intake.notices import sandbox
    from escalations.intake.notices.reader import Attachment
    from tests.corpus.tools import printed_pdf

    monkeypatch.setattr(sandbox, "ISOLATED", False)  # read in this process: the layout is what is tested
    pdf = printed_pdf(
        "Escalation",
        [
            ("p", "Agency B - the service you are challenging"),
            ("t", [("Name", "Al Smith"), ("Job title", "Team Manager"), ("Organisation", "Bury CSC")]),
            ("p", "Agency A - your service"),
            ("t", [("Name", "Jo Bloggs"), ("Job title", "School Nurse")]),
        ],
    )
    notice = read_notice([Attachment("form.pdf", "application/pdf", pdf)], None, today=TODAY)
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == ("Al Smith", "Team Manager", "Bury CSC")
    assert (notice.raised_by.name, notice.raised_by.role) == ("Jo Bloggs", "School Nurse")


def test_a_generic_label_left_unanswered_does_not_end_its_section():
    notice = read("Your details\nName: Jo Bloggs\nEmail:\nRole: School Nurse\n")
    assert notice.raised_by.role == "School Nurse"


# --- the signature under a table that already names the raiser ------------------------------------


def test_a_signature_naming_the_labelled_raiser_gives_the_role_and_agency_no_label_gave():
    notice = read(
        "Child: Ruby Whittaker\nReferrer: Pat Lowe\nAgency you disagree with: Bury CSC\n\n"
        "Best wishes\n\nPat Lowe\nSpecialist Midwife\nNorthside Maternity Unit\n"
    )
    assert (notice.raised_by.name, notice.raised_by.role) == ("Pat Lowe", "Specialist Midwife")
    assert notice.raised_by.agency == "Northside Maternity Unit"


def test_a_signature_of_someone_else_gives_the_raiser_nothing():
    notice = read(
        "Child: Ruby Whittaker\nReferrer: Pat Lowe\nAgency you disagree with: Bury CSC\n\n"
        "Best wishes\n\nSam Carter\nBusiness Support Officer\nNorthside Maternity Unit\n"
    )
    assert notice.raised_by.name == "Pat Lowe"
    assert notice.raised_by.role is None and notice.raised_by.agency is None


# --- the person the writer spoke to, named in a sentence with no agency beside them ----------------


@pytest.mark.parametrize(
    ("sentence", "name", "role"),
    [
        ("I have spoken to Priya Osei twice and she will not change the decision.", "Priya Osei", None),
        ("I discussed it with Tom Reilly (Practice Manager) on Monday.", "Tom Reilly", "Practice Manager"),
        ("We talked with Ada Mensah-Brown yesterday but could not agree.", "Ada Mensah-Brown", None),
    ],
)
def test_the_person_spoken_to_in_a_sentence_is_the_challenged_person(sentence, name, role):
    notice = read(f"Hello,\n\nI disagree with Bury CSC about Ruby Whittaker.\n\n{sentence}\n\nThanks,\nJo Bloggs\n")
    assert (notice.challenged.name, notice.challenged.role) == (name, role)
    assert notice.challenged.agency == "Bury CSC"


@pytest.mark.parametrize(
    "sentence",
    [
        "I have spoken to Bury CSC twice.",  # an agency, not a person
        "I have spoken to Salford MASH about it.",  # an agency's letters
        "I discussed it with Sam Carter (my line manager).",  # the writer's own side
        "I have spoken to Sam Carter, my manager, about it.",
        "I spoke to Priya Osei and then spoke to Tom Reilly.",  # two people: whose decision is unclear
        "I have spoken to mum about the plan.",  # nobody named
    ],
)
def test_a_sentence_of_contact_naming_no_one_person_of_the_other_side_gives_no_name(sentence):
    notice = read(f"Hello,\n\nI disagree with Bury CSC about Ruby Whittaker.\n\n{sentence}\n\nThanks,\nJo Bloggs\n")
    assert notice.challenged.name is None


# --- a question's bracketed guidance after its question mark, then a colon ------------------------


@pytest.mark.parametrize(
    ("line", "path", "value"),
    [
        ("Who is the disagreement with? (agency): Bury CSC", "challenged.agency", "Bury CSC"),
        ("Is there immediate risk? (yes/no): No", "immediate_risk", "No"),
        ("Agency: Bury CSC (see notes): late", "generic.agency", "Bury CSC (see notes): late"),  # an answer's own brackets
    ],
)
def test_guidance_in_brackets_between_a_question_and_its_colon_is_the_labels(line, path, value):
    from escalations.intake.notices.fields import EVERY_FIELD

    found = EVERY_FIELD.split(line)
    assert found is not None and (found[0], found[2]) == (path, value)


def _word_form(blocks) -> bytes:
    """A .docx of headings, paragraphs and two-column tables: ("h", text), ("p", text), ("t", rows)."""
    import io

    import docx

    document = docx.Document()
    for kind, content in blocks:
        if kind == "h":
            document.add_heading(content, 2)
        elif kind == "p":
            document.add_paragraph(content)
        else:
            table = document.add_table(rows=0, cols=2)
            for label, answer in content:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = label, answer
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("challenged_heading", "raiser_heading"),
    [
        ("Agency B: agency being challenged", "Agency A: referring agency"),  # the side described after a colon
        ("Agency B (the agency you disagree with)", "Agency A (raising the concern)"),
        ("Their agency:", "Your agency:"),
    ],
)
def test_a_side_label_over_a_word_table_of_generic_rows_heads_that_sides_section(challenged_heading, raiser_heading):
    from escalations.intake.notices.reader import DOCX_TYPE, Attachment

    form = _word_form(
        [
            ("p", "Child: Ruby Whittaker"),
            ("h", challenged_heading),
            ("t", [("Name", "Al Smith"), ("Role", "Team Manager"), ("Organisation", "Bury CSC")]),
            ("p", raiser_heading),
            ("t", [("Name", "Jo Bloggs"), ("Role", "School Nurse"), ("Organisation", "Bury 0-19 Service")]),
        ]
    )
    notice = read_notice([Attachment("form.docx", DOCX_TYPE, form)], None, today=TODAY)
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == ("Al Smith", "Team Manager", "Bury CSC")
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == (
        "Jo Bloggs",
        "School Nurse",
        "Bury 0-19 Service",
    )


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("Agency B: agency being challenged", ""),
        ("Your agency: agency raising the concern", ""),
        ("Agency you disagree with: Bury CSC", "Bury CSC"),  # an answer
        ("Referrer: health visitor", "health visitor"),  # lower case, but no side said again
    ],
)
def test_words_after_a_colon_that_say_the_labels_side_again_are_no_answer(line, value):
    from escalations.intake.notices.fields import EVERY_FIELD

    assert EVERY_FIELD.split(line)[2] == value


# --- questions a form asks in the second person ---------------------------------------------------


@pytest.mark.parametrize(
    ("label", "path"),
    [
        ("Where do you work?", "raised_by.agency"),
        ("Where are you based?", "raised_by.agency"),
        ("Where does the other worker work?", "challenged.agency"),
        ("What is the best number to call you on?", "raised_by.phone"),
        ("What kind of disagreement is it?", "categories"),
        ("What kind of concern is this?", "categories"),
    ],
)
def test_where_you_work_a_number_to_call_and_the_kind_of_dispute(label, path):
    assert classify(label).path == path


@pytest.mark.parametrize("label", ["Where did this happen?", "Date of call", "Kind regards"])
def test_where_a_call_and_kind_that_ask_no_field_stay_unknown(label):
    assert classify(label).path is None


# --- the subject and the other agency in the sentences of a mail ------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "about Ruby Whittaker (d.o.b. 03/03/2015).",
        "about Ruby Whittaker (born on 3rd March 2015).",
        "about Ruby Whittaker (Date of Birth: 03/03/2015).",
        "about Ruby Whittaker, dob 03.03.2015, who moved in May.",
    ],
)
def test_the_subject_named_with_a_date_of_birth_in_a_sentence_however_the_birth_is_worded(said):
    notice = read(f"Hello,\n\nI am escalating a disagreement with Bury CSC {said}\n\nThanks,\nJo Bloggs\n")
    assert (notice.subject.name, notice.subject.dob) == ("Ruby Whittaker", date(2015, 3, 3))


@pytest.mark.parametrize(
    "sentence",
    [
        "I wish to raise a professional challenge to Bury CSC regarding Ruby Whittaker (DOB 03/03/2015).",
        "We are in dispute with Bury CSC about Ruby Whittaker (DOB 03/03/2015).",
        "I would like to escalate a disagreement I have with Bury CSC about Ruby Whittaker (DOB 03/03/2015).",
        "I disagree with the decision made by Bury CSC for Ruby Whittaker (DOB 03/03/2015).",  # ends before the child
    ],
)
def test_the_agency_disputed_in_a_sentence(sentence):
    notice = read(f"Hello,\n\n{sentence}\n\nThanks,\nJo Bloggs\n")
    assert (notice.challenged.agency, notice.subject.name) == ("Bury CSC", "Ruby Whittaker")


# --- a signature however the sign-off is laid out -------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    [
        "Many thanks, Jo Bloggs\nHealth Visitor\nBury 0-19 Service\n",  # the name on the closing's line
        "Regards\nJo Bloggs (Health Visitor)\nBury 0-19 Service\n",  # the role in brackets after the name
        "Thanks\nJo\n\nJo Bloggs\nHealth Visitor\nBury 0-19 Service\n",  # a first name, then the full signature
    ],
)
def test_the_signatory_however_the_sign_off_is_laid_out(signature):
    notice = read(f"Hello,\n\nI disagree with Bury CSC about Ruby Whittaker (DOB 03/03/2015).\n\n{signature}")
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == (
        "Jo Bloggs",
        "Health Visitor",
        "Bury 0-19 Service",
    )


@pytest.mark.parametrize("signature", ["Thanks\nJo\n", "Thanks, see you Monday\nJo Bloggs\n", "Thanks\nJo\n\n> earlier mail\n"])
def test_a_sign_off_that_gives_no_full_name_names_no_raiser(signature):
    notice = read(f"Hello,\n\nI disagree with Bury CSC about Ruby Whittaker (DOB 03/03/2015).\n\n{signature}")
    assert notice.raised_by.name is None


# --- categories named by a label of one word, and options marked yes or no --------------------------


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("Theme(s): Thresholds, Information sharing", ["information_sharing", "thresholds"]),
        ("Category: Threshold for services / Information sharing", ["information_sharing", "thresholds"]),
        ("Categories\n☒ Thresholds\n☐ Resources", ["thresholds"]),
        ("Areas of disagreement: Thresholds (Y) Resources (N) Information sharing (Y)", ["information_sharing", "thresholds"]),
        ("Areas of disagreement: Thresholds (yes), Resources (no)", ["thresholds"]),
    ],
)
def test_categories_under_a_one_word_label_or_marked_yes_and_no(lines, expected):
    notice = read(f"Child: Ruby Whittaker\n{lines}\n")
    assert sorted(notice.categories) == expected


@pytest.mark.parametrize("label", ["Type:", "Nature:", "Themes of the week's newsletter"])
def test_a_vaguer_one_word_label_is_not_the_categories(label):
    assert classify(label).path != "categories"
