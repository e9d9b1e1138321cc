"""Layer 3 as one pure decision (routing.matching.match_notice), and the blocking keys it is looked up by."""

from __future__ import annotations

from datetime import date

import pytest

from escalations.routing.matching import (
    MAX_NAME_WORDS,
    Candidates,
    NoticeFacts,
    OpenCase,
    blocking_keys,
    match_notice,
    name_words,
)

PAIR = frozenset({"Northside Health", "Salford Children's Services"})
DOB = date(2017, 2, 14)
JO = OpenCase("SAL-2026-0001", "Jo Bloggs", DOB, PAIR)
HELD = OpenCase("SAL-2026-0002", "Jo Bloggs", DOB, frozenset())
OTHER_HELD = OpenCase("SAL-2026-0003", "Sam Carter", date(2019, 9, 3), frozenset())
SAME_DOC = OpenCase("SAL-2026-0004", "Jo Bloggs", DOB, frozenset())
TWIN_DOC = OpenCase("SAL-2026-0005", "Max Bloggs", DOB, frozenset())
FACTS = NoticeFacts("Jo Bloggs", DOB, PAIR, True, ("Jo Bloggs", DOB))


@pytest.mark.parametrize(
    ("facts", "candidates", "outcome", "reference"),
    [
        (FACTS, Candidates(held=[OTHER_HELD, HELD], same_document=[SAME_DOC], open=[JO]), "held", "SAL-2026-0002"),
        (FACTS, Candidates(held=[OTHER_HELD], same_document=[SAME_DOC], open=[JO]), "same-document", "SAL-2026-0004"),
        (FACTS, Candidates(same_document=[TWIN_DOC], open=[JO]), "match", "SAL-2026-0001"),  # a twin's form: no duplicate
        (NoticeFacts("Jo Bloggs", None, PAIR), Candidates(held=[HELD], open=[JO]), "review", None),  # held needs a date
        (NoticeFacts("Jo Bloggs", DOB, PAIR, has_content=False), Candidates(open=[JO]), "new", None),  # nothing to match
        (NoticeFacts("Jo Bloggs", DOB, PAIR), Candidates(open=[JO, SAME_DOC]), "review", None),
        (NoticeFacts("Jo Bloggs", DOB, PAIR), Candidates(), "new", None),
        (NoticeFacts(None, DOB, PAIR, document=("", DOB)), Candidates(same_document=[SAME_DOC]), "new", None),
    ],
    ids=["held-first", "same-document", "twin-document", "held-without-dob", "no-content", "two-open", "nothing", "nameless"],
)
def test_the_decision_tree_for_a_notice_with_no_reference(facts, candidates, outcome, reference) -> None:  # type: ignore[no-untyped-def]
    decided = match_notice(facts, candidates)
    assert (decided.outcome, decided.reference) == (outcome, reference)
    assert decided.reason
    assert (outcome == "review") == bool(decided.candidates)


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Jo Bloggs", "jo", "bloggs"),
        ("BLOGGS, Jo", "bloggs", "jo"),
        ("Mary-Jane  O'Neil", "mary", "neil"),
        ("Jo", "jo", "jo"),
        ("", None, None),
        (None, None, None),
        ("!!!", None, None),
    ],
)
def test_blocking_keys_are_the_normalised_words_at_either_end(name, first, last) -> None:  # type: ignore[no-untyped-def]
    keys = blocking_keys(name, DOB)
    assert (keys.first, keys.last, keys.dob) == (first, last, DOB)


def test_a_notice_and_its_case_share_a_key_whatever_order_the_name_is_written_in() -> None:
    case = blocking_keys("Jo Bloggs", None)
    for written in ("BLOGGS, Jo", "Jo Blogs", "Joanne Bloggs", "jo bloggs-smith"):
        assert {case.first, case.last} & set(name_words(written)), written


def test_a_hostile_name_asks_about_a_few_words_of_bounded_length() -> None:
    words = name_words(" ".join(f"w{'x' * 100}{i}" for i in range(10_000)).replace("1", "a"))
    assert len(words) <= MAX_NAME_WORDS and all(len(w) <= 40 for w in words)
