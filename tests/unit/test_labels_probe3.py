"""Rules of meaning taught by probe sets 9 and 10 (issue 9, round 3), each on a minimal example of its own.

The subject's name as records write it (surname first, "Baby …", "… aka …"), a worker named with their
agency in brackets, "Escalating to:" as the other agency, and a reply read without the earlier messages
quoted under it.
"""

from __future__ import annotations

from datetime import date

import pytest

from escalations.intake.notices.canonical import split_answer
from escalations.intake.notices.fields import EVERY_FIELD
from escalations.intake.notices.normalise import clean_subject_name, parse_categories
from escalations.intake.notices.reader import DOCX_TYPE, Attachment, read_notice

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("WHITTAKER, Ruby", "Ruby WHITTAKER"),
        ("O'CONNOR, Amelia-Rose", "Amelia-Rose O'CONNOR"),
        ("Baby Ruby Whittaker", "Ruby Whittaker"),
        ("Baby Whittaker", "Baby Whittaker"),  # no other name: the word is all there is
        ("Ruby Whittaker (aka Ruby Nowak)", "Ruby Whittaker"),
        ("Ruby Whittaker aka Rubes", "Ruby Whittaker"),
        ("Ruby Whittaker (also known as Rubes)", "Ruby Whittaker"),
        ("Whittaker, Ruby", "Whittaker, Ruby"),  # mixed case: which is the surname the label must say
        ("Ruby Whittaker", "Ruby Whittaker"),
    ],
)
def test_the_subjects_name_as_records_write_it(written, name):
    assert clean_subject_name(written) == name


def test_a_label_that_says_surname_first_puts_the_name_in_order():
    notice = read_notice((), "Name (Surname, Forename): Whittaker, Ruby\nDOB: 01/02/2019\n", today=TODAY)
    assert notice.subject.name == "Ruby Whittaker"


@pytest.mark.parametrize(
    "answer",
    ["Team Manager Tom Reid (Bury CSC)", "Tom Reid, Team Manager (Bury CSC)"],
)
def test_a_worker_with_their_agency_in_brackets(answer):
    notice = read_notice((), f"Agency you disagree with: {answer}\n", today=TODAY)
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == ("Tom Reid", "Team Manager", "Bury CSC")


def test_an_agency_named_with_a_place_in_brackets_is_one_agency():
    notice = read_notice((), "Agency you disagree with: Children's Services (Salford)\n", today=TODAY)
    assert (notice.challenged.agency, notice.challenged.name) == ("Children's Services (Salford)", None)


@pytest.mark.parametrize("label", ["Escalating to", "Escalated to"])
def test_escalating_to_names_the_other_agency(label):
    assert EVERY_FIELD.match(label) == "challenged.agency"


@pytest.mark.parametrize(
    "earlier",
    [
        "From: Business Support <bsp@bury.example>\nSent: 27 February 2026 15:02\nTo: Jo Bloggs\nSubject: RE: Escalation\n",
        "On Fri, 27 Feb 2026 at 15:02, Business Support <bsp@bury.example> wrote:\n",
        "-----Original Message-----\nFrom: Business Support\n",
    ],
)
def test_a_reply_is_read_without_the_earlier_mail_quoted_under_it(earlier):
    body = (
        "Child: Ruby Whittaker\nAgency I disagree with: Bury CSC\n\nThanks\nJo Bloggs\n\n"
        f"{earlier}\nDear Jo,\nPlease send the name of the child.\nChild: Tyler Nowak\nRegards\nAl Smith\nTeam Manager\n"
    )
    notice = read_notice((), body, today=TODAY)
    assert (notice.subject.name, notice.challenged.agency) == ("Ruby Whittaker", "Bury CSC")


def test_a_forward_whose_own_lines_answer_nothing_is_read_below_the_header():
    body = (
        "FYI, see below.\n\nFrom: Jo Bloggs <jo@bury.example>\nSent: 27 February 2026 15:02\nTo: Team\n"
        "Subject: Escalation\n\nChild: Ruby Whittaker\nAgency I disagree with: Bury CSC\n"
    )
    assert read_notice((), body, today=TODAY).subject.name == "Ruby Whittaker"


@pytest.mark.parametrize(
    ("text", "categories"),
    [
        ("Information sharing\nX Referral not accepted\nUnilateral decision making", ["referral_not_accepted"]),
        ("X Information sharing\tReferral not accepted", ["information_sharing"]),
        ("Information sharing\nReferral not accepted", ["information_sharing", "referral_not_accepted"]),  # no marks: named
    ],
)
def test_options_whose_boxes_are_drawn_count_those_with_an_x(text, categories):
    assert sorted(parse_categories(text)) == sorted(categories)


def test_a_name_and_role_wrapped_in_a_printed_cell_part_at_the_comma():
    assert split_answer(["challenged.name", "challenged.role"], "Jo Bloggs, Neighbourhood\nManager") == [
        ("challenged.name", "Jo Bloggs"),
        ("challenged.role", "Neighbourhood Manager"),
    ]


def test_a_subjects_label_with_an_aside_about_other_names_keeps_the_subjects_section():
    notice = read_notice(
        (), "Name of adult (include any other names used): Ruby Whittaker\nDate of birth: 01/02/1970\n", today=TODAY
    )
    assert (notice.subject.name, notice.subject.dob) == ("Ruby Whittaker", date(1970, 2, 1))


def test_a_sentence_naming_the_subject_with_another_name_before_the_date_of_birth():
    body = (
        "Hello,\n\nI would like to escalate my concerns about Ruby Whittaker (aka Ruby Nowak), date of birth "
        "1 February 2019. Nothing has changed since we last spoke about her.\n"
    )
    notice = read_notice((), body, today=TODAY)
    assert (notice.subject.name, notice.subject.dob) == ("Ruby Whittaker", date(2019, 2, 1))


def test_a_sentence_naming_the_other_side_by_role_and_agency_before_the_name():
    body = (
        "Hello,\n\nI have discussed the case with the Team Manager at Bury Children's Social Care, Al Smith, and "
        "we could not agree.\n"
    )
    notice = read_notice((), body, today=TODAY)
    assert (notice.challenged.name, notice.challenged.role, notice.challenged.agency) == (
        "Al Smith",
        "Team Manager",
        "Bury Children's Social Care",
    )


def test_a_signature_with_the_role_in_brackets_after_the_name():
    body = "Child: Ruby Whittaker\n\nBest wishes,\nJo Bloggs (Health Visitor)\nBury 0-19 Service\n0161 496 0123\n"
    notice = read_notice((), body, today=TODAY)
    assert (notice.raised_by.name, notice.raised_by.role, notice.raised_by.agency, notice.raised_by.phone) == (
        "Jo Bloggs",
        "Health Visitor",
        "Bury 0-19 Service",
        "0161 496 0123",
    )


def test_a_word_grid_of_tick_boxes_under_its_label_gives_the_ticked_options():
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("Category of disagreement (tick all that apply)")
    table = document.add_table(rows=2, cols=2)
    for cell, words in zip(
        (c for row in table.rows for c in row.cells),
        ("☐ Information sharing", "☒ Referral not accepted", "☒ Unilateral decision making", "☐ Progression of plans"),
    ):
        cell.text = words
    buffer = io.BytesIO()
    document.save(buffer)
    notice = read_notice([Attachment("form.docx", DOCX_TYPE, buffer.getvalue())], None, today=TODAY)
    assert notice.categories == ["referral_not_accepted", "unilateral_decision"]
