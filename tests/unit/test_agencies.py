"""routing/agencies.py: which directory agency a text names, with its evidence, and never a guess."""

from __future__ import annotations

import time

import pytest

from escalations.routing.agencies import MAX_BODY, Names, Sources, answer, choose, mentions, option_number, parts, resolve
from escalations.routing.directory import AgencyEntry, Directory

CSC = "Bury Children's Social Care"
HV = "Bury Health Visiting"
POLICE = "Bury Police"
SCHOOL = "St Anne's CE Primary School"
TRUST = "Pennine Community Healthcare NHS Foundation Trust"
ADULTS = "Bury Adult Social Care"

BURY = Directory(
    "bury-children",
    (
        AgencyEntry(CSC, ("childrens.bury.example",), ("CSC", "Children's Social Care", "Bury Children's Services")),
        AgencyEntry(HV, ("hv.bury.example",), ("0-19 Service",)),
        AgencyEntry(POLICE, ("police.bury.example",), ("GMP", "Greater Manchester Police")),
        AgencyEntry(SCHOOL, ("st-annes.example",), ()),
        AgencyEntry(TRUST, ("pennine.example",), ("Pennine Care",)),
        AgencyEntry(ADULTS, ("adults.bury.example",), ()),
    ),
    (),
)
NAMES = Names.of(BURY)


def named(text: str) -> str | None:
    match, _ = choose(NAMES.score(text))
    return match.agency.name if match else None


@pytest.mark.parametrize(
    ("text", "agency"),
    [
        # the name itself, in any case, with "the", punctuation and other words around
        (CSC, CSC),
        ("bury childrens social care", CSC),
        ("The Bury Children's Social Care", CSC),
        ("BURY CHILDREN’S SOCIAL CARE", CSC),
        ("Social Care (Children's), Bury", CSC),
        ("Children's Social Care - Bury", CSC),
        ("Bury Council Children's Social Care", CSC),
        # aliases and abbreviations
        ("CSC", CSC),
        ("Bury CSC", CSC),
        ("csc.", CSC),
        ("Children's Services", CSC),
        ("Bury Children's Services", CSC),
        ("childrens social care team", CSC),
        ("Children’s Social Care Department", CSC),
        ("BCSC", CSC),
        ("GMP", POLICE),
        ("Greater Manchester Police", POLICE),
        ("Police", POLICE),
        ("GMP Bury division", POLICE),
        ("Greater Manchester Constabulary", POLICE),
        ("Health Visiting", HV),
        ("the health visiting team", HV),
        ("HV service", HV),
        ("0-19 service", HV),
        ("Health Visitors", HV),
        ("St Anne's", SCHOOL),
        ("St Annes Primary", SCHOOL),
        ("St. Anne's C of E Primary School", SCHOOL),
        ("Primary School", SCHOOL),
        ("Pennine Community Healthcare NHS FT", TRUST),
        ("Pennine Care", TRUST),
        ("Pennine Community Healthcare Trust", TRUST),
        ("Pennine Community Health", TRUST),
        ("the Trust (Pennine)", TRUST),
        ("Community Healthcare, Pennine", TRUST),
        ("Adult Social Care", ADULTS),
        ("Bury ASC", ADULTS),
        ("ASC", ADULTS),
        ("Adults Social Care Services", ADULTS),
        # typos
        ("Bury Childrens Socal Care", CSC),
        ("Chidlren's Social Care", CSC),
        ("Greater Manchster Police", POLICE),
        ("Penine Comunity Healthcare", TRUST),
        ("Helth Visiting", HV),
    ],
)
def test_wordings_name_the_agency(text: str, agency: str) -> None:
    assert named(text) == agency


@pytest.mark.parametrize(
    "text",
    [
        "Salford Royal NHS Foundation Trust",  # not in this directory
        "Northern Care Alliance",
        "Lancashire Constabulary Fire Service",
        "n/a",
        "",
        "   ",
        "-",
        "Bury Council",
        "NHS",
    ],
)
def test_what_names_no_directory_agency_is_no_agency(text: str) -> None:
    assert named(text) is None


@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        ("Bury", {CSC, HV, POLICE, ADULTS}),
        ("Social Care", {CSC, ADULTS}),
        ("Police and Children's Social Care", {CSC, POLICE}),
        ("CSC / GMP", {CSC, POLICE}),
    ],
)
def test_two_agencies_close_is_a_question_not_a_guess(text: str, candidates: set[str]) -> None:
    match, ambiguous = choose(NAMES.score(text))
    assert match is None and set(ambiguous) == candidates


def test_a_labelled_field_is_resolved_with_its_evidence() -> None:
    raising, challenged = resolve(BURY, Sources(challenged_field="GMP", sender="a.nurse@hv.bury.example"))
    assert raising.agency and raising.agency.name == HV
    assert raising.evidence[0].rule == "domain" and raising.evidence[0].where == "the sender's address"
    assert challenged.agency and challenged.agency.name == POLICE
    evidence = challenged.evidence[0]
    assert (evidence.where, evidence.text, evidence.rule, evidence.score) == (
        "the challenged agency field",
        "GMP",
        "abbreviation",
        100.0,
    )
    assert "Bury Police" in challenged.describe() and challenged.to_json()["evidence"][0]["rule"] == "abbreviation"


@pytest.mark.parametrize(
    ("line", "agency"),
    [
        ("Health Visitor, Bury Health Visiting", HV),
        ("Claire Bennett, School Nurse, Pennine Community Healthcare", TRUST),
        ("Social Worker - Bury Children's Services", CSC),
        ("DS Harris at Greater Manchester Police", POLICE),
        ("Designated Safeguarding Lead (St Anne's CE Primary)", SCHOOL),
    ],
)
def test_role_lines_are_evidence(line: str, agency: str) -> None:
    raising, _ = resolve(BURY, Sources(raising_lines=(line,), sender="someone@gmail.example"))
    assert raising.agency and raising.agency.name == agency
    assert raising.evidence[-1].where == "the raiser's role line"
    _, challenged = resolve(BURY, Sources(challenged_lines=(line,)))
    assert challenged.agency and challenged.agency.name == agency


def test_the_senders_domain_is_the_raising_side_and_challenged_only_by_the_notices_own_words() -> None:
    raising, challenged = resolve(BURY, Sources(challenged_field="Bury Police", sender="x@police.bury.example"))
    assert raising.agency.name == POLICE and challenged.agency.name == POLICE  # type: ignore[union-attr]  # within one agency
    _, challenged = resolve(BURY, Sources(sender="x@police.bury.example", copied=("y@police.bury.example",), body="GMP said no"))
    assert challenged.agency is None and not challenged.ambiguous  # a colleague copied in is not the other side


def test_to_and_cc_addresses_at_an_agency_are_evidence_for_the_challenged_side() -> None:
    sources = Sources(
        sender="hv1@hv.bury.example", copied=("bsp@bury.example", "hv2@hv.bury.example", "sw@childrens.bury.example")
    )
    raising, challenged = resolve(BURY, sources)
    assert raising.agency.name == HV and challenged.agency.name == CSC  # type: ignore[union-attr]
    assert challenged.evidence[0].where == "the email's To/Cc address sw@childrens.bury.example"
    # two other agencies copied in: asked, not guessed
    _, two = resolve(BURY, Sources(sender="hv1@hv.bury.example", copied=("sw@childrens.bury.example", "pc@police.bury.example")))
    assert two.agency is None and set(two.ambiguous) == {CSC, POLICE}


def test_the_field_outweighs_the_addresses() -> None:
    _, challenged = resolve(
        BURY, Sources(challenged_field="GMP", sender="hv1@hv.bury.example", copied=("sw@childrens.bury.example",))
    )
    assert challenged.agency.name == POLICE  # type: ignore[union-attr]


def test_an_unknown_field_is_not_overruled_by_weaker_evidence() -> None:
    _, challenged = resolve(BURY, Sources(challenged_field="Salford Royal", copied=("sw@childrens.bury.example",)))
    assert challenged.agency is None and challenged.unknown == "Salford Royal"


def test_the_body_names_the_other_side_only_when_it_names_one() -> None:
    one = "Dear BSP, I disagree with the decision of Bury Children's Services not to hold a strategy meeting."
    _, challenged = resolve(BURY, Sources(sender="hv1@hv.bury.example", body=one))
    assert challenged.agency.name == CSC and challenged.evidence[0].where == "the body of the email"  # type: ignore[union-attr]
    two = "CSC declined the referral; GMP also attended."
    _, challenged = resolve(BURY, Sources(sender="hv1@hv.bury.example", body=two))
    assert challenged.agency is None and set(challenged.ambiguous) == {CSC, POLICE}
    assert mentions(NAMES, "Bury alone names nobody") == {}


@pytest.mark.parametrize(
    ("reply", "picked"),
    [
        ("2", "Bury Police"),
        ("2.", "Bury Police"),
        (" 2) ", "Bury Police"),
        ("Option 2", "Bury Police"),
        ("option 2 please", "Bury Police"),
        ("No. 2", "Bury Police"),
        ("(2)", "Bury Police"),
        ("#2", "Bury Police"),
        ("GMP", "Bury Police"),
        ("Greater Manchester Police", "Bury Police"),
        ("it is the police", "Bury Police"),
        ("1", CSC),
        ("Children's Social Care", CSC),
        ("Agency I disagree with: 1", CSC),
        ("Challenged agency: CSC", CSC),
        ("\n\n  3\n\nOn Tue, the mailbox wrote:\n> 1. Bury Children's Social Care", HV),
    ],
)
def test_answers_to_the_numbered_list(reply: str, picked: str) -> None:
    options = [CSC, POLICE, HV]
    from escalations.routing.replies import own_words

    assert answer(own_words(reply), options, BURY)[0] == picked


@pytest.mark.parametrize("reply", ["4", "0", "thanks", "", "Bury", "2017", "12 Acacia Road"])
def test_no_answer_is_no_agency(reply: str) -> None:
    assert answer(reply, [CSC, POLICE, HV], BURY)[0] is None


def test_the_answer_is_read_against_the_list_sent_not_the_directory_now() -> None:
    later = Directory("bury-children", tuple(a for a in BURY.agencies if a.name != CSC), ())
    assert answer("1", [CSC, POLICE], later)[0] == CSC


def test_option_numbers() -> None:
    assert [option_number(t) for t in ("2", "2.", "Option 12", "3rd", "2b", "no 4", "agency 5 - GMP")] == [
        2,
        2,
        12,
        None,
        None,
        4,
        5,
    ]


def test_role_line_parts() -> None:
    assert parts("Claire Bennett, School Nurse, Central London Community Healthcare") == [
        "Claire Bennett",
        "School Nurse",
        "Central London Community Healthcare",
    ]


def test_linear_on_hostile_text() -> None:
    """A megabyte of text costs what its bounded prefix costs: nothing is read past the limits."""

    def seconds(text: str) -> float:
        start = time.perf_counter()
        resolve(BURY, Sources(challenged_field=text, challenged_lines=(text,), body=text))
        return time.perf_counter() - start

    hostile = "Children Children, - - ( at at " * 40_000
    small = hostile[:MAX_BODY]
    seconds(small)
    assert seconds(hostile) < max(0.5, 5 * seconds(small))


def test_ordinary_words_in_a_body_name_no_agency() -> None:
    barnet = Directory(
        "barnet",
        (
            AgencyEntry("Barnet Police", ("police.barnet.example",), ("Metropolitan Police",)),
            AgencyEntry("Barnet Children's Social Care", ("csc.barnet.example",), ()),
        ),
        (),
    )
    names = Names.of(barnet)
    assert mentions(names, "We met the family at the school and the care plan was discussed.") == {}
    assert mentions(names, "The Metropolitan Police attended.") == {"Barnet Police": "Metropolitan Police"}
