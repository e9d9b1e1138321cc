"""Labels and layouts of forms the reader was not written for (issue 9, the probe designs).

Each row is a wording or layout of another partnership's form that the classifier
read wrongly or not at all before it was generalised: the rule that now reads it is
one of meaning (a synonym class, guidance set aside, a section's side carried on),
never the wording itself, so neighbouring wordings are listed beside it.
"""

from __future__ import annotations

from datetime import date

import pytest

from escalations.intake.notices.labels import classify, scoped
from escalations.intake.notices.reader import read_notice

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("label", "path"),
    [
        ("Referring clinician", "raised_by.name"),
        ("Referring officer", "raised_by.name"),
        ("Secure email address", None),  # generic: the raiser's by default, a section's inside one
        ("CIRCUMSTANCES", "concern"),
        ("Context", "concern"),
        ("8. Do you believe the child is at immediate risk of significant harm?", "immediate_risk"),
        ("Do you think the adult is at imminent risk?", "immediate_risk"),
        ("Agency you are raising the concern about", "challenged.agency"),
        ("Organisation you have raised concerns with", "challenged.agency"),
        ("Person raising the concern", "raised_by.name"),
        ("Please describe the concern, including what has been tried so far", "concern"),
        ("Role and agency (e.g. Social Worker, Children's Services)", None),  # generic: its section's parts
        ("Salford Children's Services", None),
        ("Housing Officer", None),  # an answer: "housing" is no label's word
        ("Senior Practitioner", None),
    ],
)
def test_unseen_wordings_are_read_by_meaning(label, path):
    assert classify(label).path == path


@pytest.mark.parametrize(
    ("label", "scope", "path"),
    [
        ("Trust / organisation", "raiser", "raised_by.agency"),
        ("RANK / ROLE", "raiser", "raised_by.role"),
        ("Grade", "challenged", "challenged.role"),
        ("OFFICER / WORKER", "challenged", "challenged.name"),
        ("Secure email address", None, "raised_by.email"),
    ],
)
def test_generic_labels_of_other_services_take_their_sections_side(label, scope, path):
    assert scoped(classify(label), scope).path == path


@pytest.mark.parametrize(
    ("heading", "side"),
    [
        ("SECTION 1 – CHILD SUBJECT OF THE DISAGREEMENT", "subject"),
        ("Section 1 – The adult the difference is about", "subject"),
        ("SECTION 2 – OFFICER / PROFESSIONAL RAISING", "raiser"),
        ("SECTION 3 – AGENCY IN DISPUTE", "challenged"),
    ],
)
def test_headings_of_police_style_sections(heading, side):
    found = classify(heading)
    assert (found.heading, found.side) == (True, side)


def test_a_combined_generic_label_gives_its_sections_parts_in_order():
    found = classify("Role and agency\n(e.g. Social Worker, Children's Services)")
    assert scoped(found, "raiser").parts == ("raised_by.role", "raised_by.agency")
    assert scoped(found, None).path is None and not scoped(found, None).parts  # whose? asked, not guessed


def test_a_worded_label_carries_its_side_to_the_generic_labels_after_it():
    notice = read_notice(
        (), "Referring professional: Declan Doyle\nJob tittle: Learning Mentor\nOrganisaton: Oakfield Primary\n", today=TODAY
    )
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == (
        "Declan Doyle",
        "Learning Mentor",
        "Oakfield Primary",
    )


def test_a_person_with_role_and_agency_in_brackets():
    notice = read_notice((), "Professional challenged - Tom Reid (Team Manager, Bury CSC)\n", today=TODAY)
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == ("Tom Reid", "Team Manager", "Bury CSC")


def test_an_email_in_sentences_gives_the_agency_without_its_possessive_the_stage_and_the_concern():
    concern = "Nobody from the other agency attended the last two core group meetings about Ruby, and nobody has said why."
    notice = read_notice(
        (),
        "Hi,\n\nI am a School Nurse at Bury Health Visiting and I disagree with Bury CSC's decision about "
        f"Ruby Whittaker (born 1 February 2019).\n\n{concern}\n\n"
        "I would like this to be treated as stage 2 of the escalation policy.\n\nMany thanks\nJo Bloggs\n"
        "School Nurse | Bury Health Visiting\n",
        today=TODAY,
    )
    assert notice.challenged.agency == "Bury CSC"
    assert notice.stage == 2
    assert notice.concern == concern
    assert (notice.raised_by.role, notice.raised_by.agency) == ("School Nurse", "Bury Health Visiting")


def test_a_paragraph_that_only_says_who_and_whom_is_no_concern():
    notice = read_notice(
        (),
        "I am a School Nurse at Bury Health Visiting and I disagree with Bury CSC's decision about Ruby Whittaker.\n",
        today=TODAY,
    )
    assert notice.concern is None


@pytest.mark.parametrize(
    ("label", "path"),
    [
        ("Who made the decision?", "challenged.name"),
        ("What happened, and what have you done so far to resolve it?", "concern"),
        ("3. Agency/ies you are in disagreement with", "challenged.agency"),
        ("Agency 1 (raising)", "raised_by.agency"),
        ("Organisation 2", "challenged.agency"),
        ("Stage 2", None),  # an answer: a number is no label's word
    ],
)
def test_more_unseen_wordings(label, path):
    assert classify(label).path == path


@pytest.mark.parametrize(
    ("label", "heading"),
    [
        ("Professional raising the concern", True),  # a label for a name, and the heading of that side's section
        ("Organisation being challenged", True),
        ("Agency you disagree with:", False),  # with a colon: a label only
        ("Your name", False),
    ],
)
def test_a_side_named_by_its_person_or_agency_alone_is_also_a_heading(label, heading):
    assert classify(label).heading is heading


def read(body: str):
    return read_notice((), body, today=TODAY)


def test_after_the_subject_a_practitioner_and_their_generic_labels_are_the_raisers():
    notice = read(
        "Child's name: Ruby Whittaker\nDate of birth: 01/02/2019\nPractitioner: Jo Bloggs\nRole: Health Visitor\n"
        "Organisation: Bury 0-19\n"
    )
    assert notice.subject.name == "Ruby Whittaker"
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == ("Jo Bloggs", "Health Visitor", "Bury 0-19")


def test_under_the_subjects_heading_a_role_is_nobodys_rather_than_the_childs():
    notice = read("About the child\nName: Ruby Whittaker\nRole: Health Visitor\n")
    assert notice.subject.name == "Ruby Whittaker"
    assert notice.raised_by.role is None  # whose role? not known: asked, not guessed


def test_a_bracketed_guidance_line_under_a_label_is_not_its_answer():
    notice = read("Child's full name:\n(as known to your agency)\nRuby Whittaker\n")
    assert notice.subject.name == "Ruby Whittaker"


def test_a_signature_line_of_role_and_agency_is_split_only_when_the_agency_is_plain():
    signed = read("Thanks,\nJo Bloggs\nTeam Manager, Bury Children's Services\n")
    assert (signed.raised_by.role, signed.raised_by.agency) == ("Team Manager", "Bury Children's Services")
    whole = read("Thanks,\nJo Bloggs\nHealth Visitor\nAdult Social Care, Bury\n")
    assert (whole.raised_by.role, whole.raised_by.agency) == ("Health Visitor", "Adult Social Care, Bury")


@pytest.mark.parametrize(
    ("label", "path"),
    [
        ("txtRefName", "raised_by.name"),  # a coded field name: "Ref" beside a name is the referrer
        ("Ref. organisation", "raised_by.agency"),
        ("Your ref", "case_reference"),  # alone, a reference still
        ("Safeguarding Adults", None),  # a service's name, nobody's
        ("Safeguarding Children Partnership", None),
        ("Why are you raising this?", "concern"),
        ("Your employer", "raised_by.agency"),
    ],
)
def test_third_set_wordings(label, path):
    assert classify(label).path == path


def test_a_sides_details_a_line_each_in_a_table_cell():
    notice = read(
        "Child\tRuby Whittaker\nYour details\tJo Bloggs\nHealth Visitor\nBury 0-19 Health Visiting\n0161 496 0123\n"
        "Their details\tAl Smith\nTeam Manager\nBury Children's Services\nThe issue\tNobody visited.\n"
    )
    raiser = (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency, notice.raised_by.phone)
    assert raiser == ("Jo Bloggs", "Health Visitor", "Bury 0-19 Health Visiting", "0161 496 0123")
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == (
        "Al Smith",
        "Team Manager",
        "Bury Children's Services",
    )


def test_child_or_adult_answered_by_a_name_is_the_subjects_name():
    notice = read("Child / adult: Harley Nowak\n")
    assert notice.subject.name == "Harley Nowak"
    assert read("Child or adult: Adult\n").subject.kind == "adult"


@pytest.mark.parametrize(
    ("label", "path"),
    [
        ("What the disagreement is about", "concern"),  # a question without its mark
        ("Is there a risk of immediate harm? *", "immediate_risk"),
        ("Name of child *:", "subject.name"),
        ("Organisation you are challenging (mandatory):", "challenged.agency"),
    ],
)
def test_fourth_set_wordings(label, path):
    assert classify(label).path == path


def test_labels_listed_with_semicolons_on_one_line():
    notice = read("Child/adult: Ruby Whittaker; DOB: 01/02/2019; Stage: 2\nRaised by: Jo Bloggs; Agency: Bury 0-19\n")
    assert (notice.subject.name, notice.subject.dob, notice.stage) == ("Ruby Whittaker", date(2019, 2, 1), 2)
    assert (notice.raised_by.name, notice.raised_by.agency, notice.raised_by.role) == ("Jo Bloggs", "Bury 0-19", None)


def test_a_worker_after_the_agency_disagreed_with_is_on_that_side():
    notice = read("Agency disagreed with - Bury CSC\nWorker/manager involved - Al Smith, Team Manager\n")
    assert (notice.challenged.name, notice.challenged.role) == ("Al Smith", "Team Manager")
    assert notice.raised_by.name is None


@pytest.mark.parametrize(
    ("label", "path"),
    [
        ("Contact no.", None),  # generic: a telephone number, whose the section says
        ("Reason for referral", "concern"),
    ],
)
def test_fifth_set_wordings(label, path):
    assert classify(label).path == path


def test_a_cut_short_word_is_no_sentence_and_the_person_making_the_referral_is_the_raiser():
    assert scoped(classify("Contact no."), "raiser").path == "raised_by.phone"
    heading = classify("Details of the person making the referral")
    assert (heading.heading, heading.side) == (True, "raiser")


def test_under_the_subjects_heading_a_role_is_never_the_signatorys():
    notice = read("Details of the child\nName: Ruby Whittaker\nRole: Health Visitor\nEmail: jo.bloggs@bury-health.example\n")
    assert (notice.signed.role, notice.raised_by.role) == (None, None)
    assert notice.raised_by.email == "jo.bloggs@bury-health.example"  # an email address is the sender's, as always


def test_concerns_with_the_decision_of_an_agency_name_it():
    notice = read("I'm writing to escalate. My concerns are with the decision of Bury Children's Services.\n")
    assert notice.challenged.agency == "Bury Children's Services"


# --- round 2: the challenged person, the concern and immediate risk on forms not seen (probe sets 6-8) ---


@pytest.mark.parametrize(
    ("label", "path"),
    [
        ("Issue in dispute", "concern"),
        ("Decision being challenged", "concern"),
        ("Decision you disagree with", "concern"),
        ("What is the decision you disagree with?", "concern"),
        ("What I am worried about", "concern"),
        ("Whose decision are you challenging?", "challenged.agency"),  # a side, not the decision
        ("Name of decision maker", "challenged.name"),
        ("Date of decision", None),  # neither the decision nor whose
        ("Immediate risk of harm identified", "immediate_risk"),
        ("The child", "subject.name"),  # beside its answer; also its section's heading
        ("Child", None),  # alone, as often the answer to "Child or adult?" as a label: a heading only
        ("Name of person", None),  # generic: whose, the section says
    ],
)
def test_round_two_wordings(label, path):
    assert classify(label).path == path


def test_a_lone_subject_word_heads_its_section():
    notice = read("The child\nName: Ruby Whittaker\nD.O.B.: 01.02.2019\n")
    assert (notice.subject.name, notice.subject.dob) == ("Ruby Whittaker", date(2019, 2, 1))


def test_the_decision_of_a_person_names_them_their_role_and_agency():
    notice = read(
        "Dear colleagues,\n\nI am writing to challenge the decision of Al Smith, Team Manager at Bury CSC, regarding "
        "Ruby Whittaker (DOB 01/02/2019).\n\nThe referral was closed without a home visit and nobody has seen Ruby.\n\n"
        "Kind regards\n\nJo Bloggs\nHealth Visitor\nBury Health Visiting\n"
    )
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == ("Al Smith", "Team Manager", "Bury CSC")
    assert notice.concern == "The referral was closed without a home visit and nobody has seen Ruby."


def test_spoke_to_a_person_with_the_role_in_brackets():
    notice = read("Hi,\n\nI spoke to Al Smith (Team Manager) at Bury CSC last week and we could not agree.\n")
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == ("Al Smith", "Team Manager", "Bury CSC")


def test_an_agency_named_like_a_person_is_no_person():
    notice = read("I disagree with Bury Health, Health Visiting at Bury Council about Ruby.\n")
    assert notice.challenged.name is None


@pytest.mark.parametrize(
    ("sentence", "risk"),
    [
        ("There is no immediate risk to Ruby at present.", False),
        ("I do not consider Ruby to be at immediate risk.", False),
        ("Ruby isn't in immediate danger.", False),
        ("I believe Ruby is at immediate risk of significant harm.", True),
        ("Ruby is in immediate danger and the police have been called.", True),
        ("If Ruby were at immediate risk I would call 999.", None),  # a condition says nothing
        ("Is Ruby at immediate risk?", None),
    ],
)
def test_immediate_risk_in_a_sentence_with_negation(sentence, risk):
    assert read(f"Hi,\n\n{sentence}\n\nThanks\nJo Bloggs\n").immediate_risk is risk


def test_two_sentences_that_differ_on_the_risk_give_nothing():
    notice = read("Ruby is at immediate risk of harm. Her brother is not at immediate risk.\n")
    assert notice.immediate_risk is None


def test_the_writers_role_and_agency_from_i_am_the():
    notice = read("I am the Health Visitor working with Ruby at Bury Health Visiting, and I want to escalate this.\n")
    assert (notice.raised_by.role, notice.raised_by.agency) == ("Health Visitor", "Bury Health Visiting")


@pytest.mark.parametrize(
    ("answer", "name", "role"),
    [
        ("Senior Practitioner Bronwen Rhys", "Bronwen Rhys", "Senior Practitioner"),
        ("Detective Sergeant Declan Ogunleye", "Declan Ogunleye", "Detective Sergeant"),
        ("Dr Jane Smith", "Dr Jane Smith", None),  # a title is no role
    ],
)
def test_a_role_before_the_name_is_split(answer, name, role):
    notice = read(f"Professional you disagree with: {answer}\n")
    assert (notice.challenged.name, notice.challenged.role) == (name, role)


def test_name_role_organisation_after_the_subject_is_the_writers():
    notice = read("Child's name: Ruby Whittaker\nName / role / organisation: Jo Bloggs / Health Visitor / Bury Health Visiting\n")
    assert notice.subject.name == "Ruby Whittaker"
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == (
        "Jo Bloggs",
        "Health Visitor",
        "Bury Health Visiting",
    )


def test_a_person_at_an_agency_without_a_role_and_never_the_writers_own_manager():
    notice = read("Hi,\n\nI discussed this with Al Smith at Bury CSC on Monday.\n")
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == ("Al Smith", None, "Bury CSC")
    own = read("Hi,\n\nI discussed this with Jo Bloggs (my line manager) at Bury Health Visiting.\n")
    assert own.challenged.name is None


@pytest.mark.parametrize(
    ("answer", "risk"),
    [
        ("There is no immediate risk", False),
        ("The risk is not immediate", False),
        ("Ruby is at immediate risk of harm", True),
        ("Police called as she is in immediate danger", True),
        ("Not known", None),  # unsure is no answer, not a no
        ("Low risk", None),  # a level of risk says nothing of its immediacy
        ("High risk of harm", None),
        ("She may be at immediate risk", None),
    ],
)
def test_an_immediate_risk_answer_in_words(answer, risk):
    assert read(f"Immediate risk: {answer}\n").immediate_risk is risk
