"""Matching layers as pure functions: prefixes in many languages, signed Message-IDs, the same child."""

from __future__ import annotations

from datetime import date

import pytest

from escalations.routing.matching import (
    OpenCase,
    body_reference,
    match_subject,
    new_message_id,
    reference_from_message_id,
    strip_prefixes,
    subject_reference,
)

SECRET = "test-secret-0123456789"


@pytest.mark.parametrize(
    ("subject", "reference"),
    [
        ("[SAL-2026-0007] Escalation – stage 2", "SAL-2026-0007"),
        ("RE: [SAL-2026-0007] Escalation – stage 2", "SAL-2026-0007"),
        ("Re: Re: RE: [sal-2026-0007] Escalation", "SAL-2026-0007"),
        ("FW: [SAL-2026-0007] Escalation", "SAL-2026-0007"),
        ("Fwd: [SAL-2026-0007] Escalation", "SAL-2026-0007"),
        ("AW: [BAR-2026-0012] Eskalation", "BAR-2026-0012"),  # German Outlook
        ("WG: AW: [BAR-2026-0012] Eskalation", "BAR-2026-0012"),
        ("SV: [BNES-2026-0003] Escalation", "BNES-2026-0003"),  # Nordic
        ("VS: [BNES-2026-0003] Escalation", "BNES-2026-0003"),
        ("TR: [BURYC-2026-0001] Escalade", "BURYC-2026-0001"),  # French
        ("RV: [BURYA-2026-0001] Escalada", "BURYA-2026-0001"),  # Spanish
        ("Antw: [SAL-2026-0007] Escalatie", "SAL-2026-0007"),  # Dutch
        ("[FW: [SAL-2026-0007] Escalation]", "SAL-2026-0007"),  # bracketed prefix
        ("Re[2]: [SAL-2026-0007] Escalation", "SAL-2026-0007"),
        ("RE: SAL-2026-0007 Escalation", "SAL-2026-0007"),  # a case system dropped the brackets
        ("Escalation about Jo", None),
        ("RE: meeting on 2026-0007", None),
    ],
)
def test_subject_reference(subject: str, reference: str | None) -> None:
    assert subject_reference(subject) == reference


def test_prefixes_are_stripped_repeatedly_and_only_at_the_start() -> None:
    assert strip_prefixes("RE: FW: AW: Re: The referral") == "The referral"
    assert strip_prefixes("The RE: referral") == "The RE: referral"


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("Please see case SAL-2026-0007, we agree.", "SAL-2026-0007"),
        ("About SAL-2026-0007 and SAL-2026-0008", None),  # two cases named: never guess
        ("No reference here", None),
        (None, None),
    ],
)
def test_body_reference(text: str | None, reference: str | None) -> None:
    assert body_reference(text) == reference


def test_our_message_ids_carry_the_reference_and_verify() -> None:
    message_id = new_message_id("SAL-2026-0007", "partnership.example", SECRET)
    assert message_id.startswith("<sal-2026-0007.") and message_id.endswith("@partnership.example>")
    assert len("Message-ID: " + message_id) <= 78, "one header line, no folding"
    assert reference_from_message_id(message_id, SECRET) == "SAL-2026-0007"
    assert reference_from_message_id(message_id.upper(), SECRET) == "SAL-2026-0007"


@pytest.mark.parametrize(
    "forge",
    [
        lambda mid: mid.replace("sal-2026-0007", "sal-2026-0008"),  # another case's reference, same MAC
        lambda mid: mid[:-25] + "000000000000" + mid[-13:],  # a made-up MAC
        lambda mid: "<sal-2026-0007@partnership.example>",  # the right shape's reference, no MAC
        lambda mid: "<CAF1x2y3@mail.gmail.com>",
    ],
    ids=["swapped-reference", "made-up-mac", "no-mac", "someone-elses"],
)
def test_forged_or_foreign_message_ids_name_no_case(forge) -> None:  # type: ignore[no-untyped-def]
    message_id = new_message_id("SAL-2026-0007", "partnership.example", SECRET)
    assert reference_from_message_id(forge(message_id), SECRET) is None
    assert reference_from_message_id(message_id, "another-secret") is None


PAIR = frozenset({"Northside Health", "Salford Children's Services"})
JO = OpenCase("SAL-2026-0001", "Jo Bloggs", date(2017, 2, 14), PAIR)


@pytest.mark.parametrize(
    ("name", "dob", "agencies", "cases", "outcome", "reference"),
    [
        ("Jo Bloggs", date(2017, 2, 14), PAIR, [JO], "match", "SAL-2026-0001"),
        ("BLOGGS, Jo", date(2017, 2, 14), PAIR, [JO], "match", "SAL-2026-0001"),  # surname first, capitals
        ("Jo Blogs", date(2017, 2, 14), PAIR, [JO], "match", "SAL-2026-0001"),  # a small slip
        ("Jo Bloggs", date(2017, 2, 15), PAIR, [JO], "new", None),  # a different date of birth is never a match
        ("Joanne Bloggs", date(2017, 2, 14), PAIR, [JO], "review", None),  # maybe the same child
        ("Jo Bloggs", None, PAIR, [JO], "review", None),  # no date of birth to be sure
        ("Jo Bloggs", date(2017, 2, 14), frozenset({"Northside Health", "Salford Police"}), [JO], "review", None),
        ("Max Bloggs", date(2017, 2, 14), PAIR, [JO], "new", None),  # a twin: same date, another name
        ("Sam Carter", date(2019, 9, 3), PAIR, [JO], "new", None),
        (None, date(2017, 2, 14), PAIR, [JO], "new", None),
        (
            "Jo Bloggs",
            date(2017, 2, 14),
            PAIR,
            [JO, OpenCase("SAL-2026-0002", "Jo Bloggs", date(2017, 2, 14), PAIR)],
            "review",
            None,
        ),
    ],
    ids=[
        "same",
        "surname-first",
        "slip",
        "other-dob",
        "longer-name",
        "no-dob",
        "other-agencies",
        "twin",
        "stranger",
        "no-name",
        "two-matches",
    ],
)
def test_the_same_child_between_the_same_agencies(name, dob, agencies, cases, outcome, reference) -> None:  # type: ignore[no-untyped-def]
    result = match_subject(name, dob, agencies, cases)
    assert (result.outcome, result.reference) == (outcome, reference)
    assert result.reason
    if outcome == "review":
        assert result.candidates
