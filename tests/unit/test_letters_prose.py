"""Letters and mail in sentences (issue 9, branch reader-probe4: probe sets 11 and 12).

Each rule is one of structure or meaning, tested on examples of its own, not the probe designs':
a Word document that opens "Dear …" or closes "Yours …" read as a mail's body is; the stage,
the date of birth, the categories and the other professional said in sentences; a signature
block that ends at a copy list, or that is labelled "Signed:".
"""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest

from escalations.intake.notices.reader import DOCX_TYPE, Attachment, read_notice

TODAY = date(2026, 3, 2)
CONCERN = "The hospital discharged Tia home to an address we had not assessed. Nobody told the school until a week later."


def read(body: str):
    return read_notice((), body, today=TODAY)


def word(*paragraphs: str) -> Attachment:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return Attachment("letter.docx", DOCX_TYPE, buffer.getvalue())


def read_word(*paragraphs: str):
    return read_notice([word(*paragraphs)], "Please see the attached letter.", today=TODAY)


def test_a_word_letter_with_no_labels_is_read_by_its_sentences_and_signature():
    notice = read_word(
        "Hillcrest Medical Practice",
        "14 February 2026",
        "Dear Partnership Manager,",
        "Re: Tia Marsh (date of birth 02/11/2016), a level 3 escalation",
        "I have discussed this with Aled Price, Duty Manager, Riverside Children's Services, without agreement.",
        CONCERN,
        "Yours faithfully,",
        "",
        "Dr Nia Rowe\nGeneral Practitioner\nHillcrest Medical Practice",
    )
    assert (notice.subject.name, notice.subject.dob) == ("Tia Marsh", date(2016, 11, 2))
    assert (notice.raised_by.name, notice.raised_by.role) == ("Dr Nia Rowe", "General Practitioner")
    assert (notice.challenged.name, notice.challenged.role) == ("Aled Price", "Duty Manager")
    assert notice.challenged.agency == "Riverside Children's Services"
    assert notice.concern == CONCERN and notice.stage == 3


def test_a_forms_guidance_paragraphs_are_no_letter():
    notice = read_word(
        "Escalation form",
        "If a child is at immediate risk of harm, telephone the police before you complete this form.",
        "Complete every section and email the form to the partnership's business unit within two days.",
    )
    assert notice.immediate_risk is None and notice.concern is None


@pytest.mark.parametrize(
    ("sentence", "stage"),
    [
        ("Please log this as a level 2 escalation.", 2),
        ("Sam is now at stage 3 escalation after my manager's call.", 3),
        ("Escalating Sam to the partnership, stage 4 now, as agreed.", 4),
        ("My manager says this is the second stage of the procedure.", 2),
        ("I am now escalating this to stage two.", 2),
        ("Please treat it as a Stage Three escalation.", 3),
        ("We are past the first step and this is the third level.", None),  # two stages: unclear
    ],
)
def test_the_stage_said_in_a_sentence(sentence, stage):
    assert read(f"Hello,\n\n{sentence}\n\nThanks\n").stage == stage


@pytest.mark.parametrize(
    "line",
    [
        "Re: Sam Okoro – d.o.b. 4th Sept 2018",
        "I am writing about SAM OKORO, dob 4.9.18, again.",
        "This concerns Sam Okoro, aged 7 (DOB 04/09/2018).",
        "Re: Sam Okoro - D.O.B: 04-09-2018",
        "I am writing about Sam Okoro, born on 4th of September 2018.",
        "Sam Okoro, whose date of birth is 04/09/2018, was seen.",
        "Sam Okoro (aged 7, DOB 2018-09-04) was seen.",
        "Sam Okoro, 7 years old (d.o.b. 4 Sep 2018), was seen.",
    ],
)
def test_a_date_of_birth_beside_the_name_however_typed(line):
    notice = read(f"Hello,\n\n{line}\n\nThanks\n")
    assert notice.subject.name.casefold() == "sam okoro" and notice.subject.dob == date(2018, 9, 4)


@pytest.mark.parametrize(
    ("sentence", "categories"),
    [
        ("My concerns relate to information sharing and drift in the plan.", ["information_sharing", "plan_progression"]),
        ("The disagreement concerns the step-down to early help.", ["step_up_down"]),
        ("It is about neglect and the capacity of the team.", ["resources"]),  # neglect is a harm, no category
        ("This is about Sam Okoro.", []),
    ],
)
def test_categories_named_in_a_sentence(sentence, categories):
    assert read(f"Hello,\n\n{sentence}\n\nThanks\n").categories == categories


def test_a_copy_list_under_a_signature_is_no_part_of_it():
    notice = read("Hello,\n\nPlease see my concern.\n\nRegards\nJo Lamb\nYouth Worker\ncc: Ben Hart, Eastfield School\n")
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == ("Jo Lamb", "Youth Worker", None)


def test_a_signature_labelled_signed_is_the_signatorys_with_its_role():
    notice = read("Hello,\n\nPlease see my concern.\n\nYours sincerely\nSigned: Jo Lamb\nYouth Worker\nEastfield School\n")
    assert (notice.signed.name, notice.signed.role) == ("Jo Lamb", "Youth Worker")
    assert (notice.raised_by.name, notice.raised_by.agency) == ("Jo Lamb", "Eastfield School")


def test_the_other_professional_as_name_then_the_role_at_the_agency():
    notice = read("Hello,\n\nI spoke with Ben Hart, the Duty Manager at Eastfield School, on Monday.\n\nThanks\n")
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == (
        "Ben Hart",
        "Duty Manager",
        "Eastfield School",
    )


def test_a_categories_sentence_longer_than_the_concern_is_no_concern():
    notice = read(
        f"Hello,\n\n{CONCERN}\n\nMy concerns are about neglect, information sharing between the hospital and "
        "the school, and the capacity of the ward team.\n\nThanks\n"
    )
    assert notice.concern == CONCERN and notice.categories == ["information_sharing", "resources"]


@pytest.mark.parametrize(
    ("sentence", "risk"),
    [
        ("Tia is at immediate risk: the police are with her now.", True),
        ("Immediate risk: not known.", None),  # a label's answer, left to its label
    ],
)
def test_a_risk_sentence_with_a_colon_is_no_label(sentence, risk):
    assert read(f"Hello,\n\n{sentence}\n\nThanks\n").immediate_risk is risk


def test_the_agency_named_before_its_decision():
    notice = read("Hello,\n\nI am challenging the Riverside Housing Trust decision to end the tenancy.\n\nThanks\n")
    assert notice.challenged.agency == "Riverside Housing Trust"


def test_a_persons_role_and_agency_both_in_brackets_after_a_message_to_them():
    notice = read("Hello,\n\nSee my message below to Aled Price (Duty Manager, Riverside Housing).\n\nThanks\n")
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == (
        "Aled Price",
        "Duty Manager",
        "Riverside Housing",
    )


@pytest.mark.parametrize("rule", ["---------- Forwarded message ---------", "Begin forwarded message:", ""])
def test_the_concern_of_a_mail_forwarded_under_a_covering_note(rule):
    header = "From: Nia Rowe <nia.rowe@hillcrest.example>\nDate: 3 February 2026\nTo: Aled Price\nSubject: Tia"
    notice = read(f"Hi,\n\nForwarding the email below, as asked.\n\nThanks\nNia\n\n{rule}\n{header}\n\nAled,\n\n{CONCERN}\n")
    assert notice.concern == CONCERN


def test_the_other_professional_met_as_role_then_name():
    notice = read("Hello,\n\nYesterday I met Duty Team Manager Aled Price from Riverside Housing about Tia.\n\nThanks\n")
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == (
        "Aled Price",
        "Duty Team Manager",
        "Riverside Housing",
    )


def test_a_signature_with_no_sign_off_is_the_last_block_of_lines():
    notice = read(
        f"Hi, escalating Tia's case.\n\n{CONCERN}\n\nNia Rowe\nPractice Nurse, Hillcrest Surgery\n\nSent from my iPhone\n"
    )
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == (
        "Nia Rowe",
        "Practice Nurse",
        "Hillcrest Surgery",
    )


def test_a_mail_ending_in_labelled_lines_has_no_unsigned_signature():
    notice = read(f"Hello,\n\n{CONCERN}\n\nTia Marsh\nStage: 2\n")
    assert notice.raised_by.name is None


@pytest.mark.parametrize(
    ("answer", "risk"), [("Not that I know of", False), ("Not that I'm aware of", False), ("Not known", None)]
)
def test_a_hedged_no_to_the_risk_question(answer, risk):
    assert read(f"Hello,\n\nIs the child at immediate risk of harm? {answer}\n\nThanks\n").immediate_risk is risk


def test_the_writer_of_the_reply_a_mail_escalates_is_the_other_side():
    quoted = "> Dear Nia,\n>\n> We will not be reopening the referral.\n>\n> Aled Price\n> Duty Manager\n> Riverside Housing"
    notice = read(
        f"Hi,\n\nI disagree with the response below.\n\n{CONCERN}\n\nThanks\nNia\n\nOn 2 March 2026, Aled Price wrote:\n{quoted}\n"
    )
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == (
        "Aled Price",
        "Duty Manager",
        "Riverside Housing",
    )


def test_a_reply_under_a_mail_that_escalates_nothing_below_names_no_other_side():
    quoted = "> Thanks Nia, noted.\n>\n> Aled Price\n> Duty Manager\n> Riverside Housing"
    notice = read(f"Hi,\n\n{CONCERN}\n\nThanks\nNia\n\nOn 2 March 2026, Aled Price wrote:\n{quoted}\n")
    assert notice.challenged.name is None and notice.challenged.agency is None


def test_a_letters_letterhead_naming_an_organisation_is_the_writers_agency():
    notice = read_word(
        "Eastfield Community Nursing Team", "Dear colleague,", CONCERN, "Yours sincerely,", "", "Nia Rowe\nDistrict Nurse"
    )
    assert (notice.raised_by.name, notice.raised_by.agency) == ("Nia Rowe", "Eastfield Community Nursing Team")


def test_a_letterhead_of_an_address_names_no_agency():
    notice = read_word("12 Oak Road", "Dear colleague,", CONCERN, "Yours sincerely,", "", "Nia Rowe\nDistrict Nurse")
    assert notice.raised_by.agency is None


def test_a_concern_answered_by_a_list_of_categories_then_sentences():
    notice = read(f"Hello,\n\nConcern:\nThresholds\nInformation sharing\n{CONCERN}\n\nThanks\n")
    assert notice.categories == ["thresholds", "information_sharing"] and notice.concern == CONCERN


def test_a_writer_forwarding_their_own_mail_gives_their_address_in_its_header():
    header = "From: Nia Rowe <nia.rowe@hillcrest.example>\nSent: 3 February 2026 10:00\nTo: Aled Price"
    body = f"Hi,\n\nSee my email below.\n\nThanks\nNia\n\n-----Original Message-----\n{header}\n\nAled,\n\n{CONCERN}\n\n"
    assert read(body + "Regards\nNia Rowe\nPractice Nurse\n").raised_by.email == "nia.rowe@hillcrest.example"
    assert read(body + "Regards\nJo Lamb\nPractice Nurse\n").raised_by.email is None  # someone else's mail


def test_a_letter_printed_to_pdf_is_read_by_its_sentences_and_signature():
    from tests.corpus.tools import printed_pdf

    lines = [
        "Dear Partnership Manager,",
        "Re: Tia Marsh, born 2 November 2016",
        "I disagree with a decision taken by Aled Price (Duty Manager) at Riverside Housing.",
        CONCERN,
        "Kind regards,",
        "Nia Rowe",
        "Practice Nurse",
    ]
    data = printed_pdf("Hillcrest Surgery", [("p", line) for line in lines])
    notice = read_notice([Attachment("letter.pdf", "application/pdf", data)], "Attached.", today=TODAY)
    assert (notice.subject.name, notice.subject.dob) == ("Tia Marsh", date(2016, 11, 2))
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency) == (
        "Nia Rowe",
        "Practice Nurse",
        "Hillcrest Surgery",
    )
    assert (notice.challenged.name, notice.challenged.role) == ("Aled Price", "Duty Manager")
    assert notice.concern == CONCERN


@pytest.mark.parametrize(
    "sentence",
    [
        "My disagreement is with Aled Price, Duty Manager, Riverside Housing.",
        "The professional I disagree with is Aled Price (Duty Manager) at Riverside Housing.",
        "I have raised this with Aled Price, Duty Manager at Riverside Housing, without agreement.",
        "The decision was made by Aled Price, Duty Manager, Riverside Housing.",
    ],
)
def test_the_other_professional_in_more_sentences(sentence):
    notice = read(f"Hello,\n\n{sentence}\n\nThanks\n")
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == (
        "Aled Price",
        "Duty Manager",
        "Riverside Housing",
    )


@pytest.mark.parametrize(
    ("sentence", "agency"),
    [
        ("The disagreement is with Riverside Housing.", "Riverside Housing"),
        ("The agency I disagree with is Riverside Housing.", "Riverside Housing"),
        ("I have raised this with my manager.", None),
    ],
)
def test_the_other_agency_in_more_sentences(sentence, agency):
    assert read(f"Hello,\n\n{sentence}\n\nThanks\n").challenged.agency == agency


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("There are no immediate safeguarding concerns for Tia.", False),
        ("Tia is not at imminent risk.", False),
        ("There is an imminent risk of harm to Tia.", True),
        ("Is the child at immediate risk? - No", False),
        ("Immediate risk: none identified", False),
        ("Immediate risk: Nil", False),
        ("Immediate risk: not known", None),
    ],
)
def test_immediate_risk_in_other_words(text, risk):
    assert read(f"Hello,\n\n{text}\n\nThanks\n").immediate_risk is risk
