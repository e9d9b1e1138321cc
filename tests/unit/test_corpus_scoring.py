"""The corpus's field comparison: a right reading counts, a wrong or invented one does not."""

from __future__ import annotations

import pytest

from tests.corpus.reading import same


@pytest.mark.parametrize(
    ("path", "expected", "got", "accepted", "right"),
    [
        ("subject.name", "Amelia-Rose O'Connor", "Amelia-Rose O\u2019Connor", (), True),
        ("subject.name", "Amelia-Rose O'Connor", "Amelia-Rose O'Connor, 03/09/2019", (), False),
        ("raised_by.role", "School Nurse", "school  nurse", (), True),
        ("raised_by.phone", "0161 496 0123", "+44 161 496 0123", (), True),
        ("raised_by.phone", "0161 496 0123", "0161 496 0124", (), False),
        ("challenged.agency", "Salford CSC", "Salford Children's Services", ("Salford Children's Services",), True),
        ("challenged.agency", "Salford CSC", "Salford Police", ("Salford Children's Services",), False),
        ("categories", ["thresholds", "information_sharing"], ["information_sharing", "thresholds"], (), True),
        ("categories", [], ["thresholds"], (), False),
        ("immediate_risk", False, None, (), False),
        ("immediate_risk", None, False, (), False),
        ("stage", 2, 2, (), True),
        ("stage", None, None, (), True),
        ("concern", "Two lines.\nOf text.", "Two lines. Of text.", (), True),
    ],
)
def test_a_reading_is_right_only_when_it_says_what_the_notice_says(path, expected, got, accepted, right):
    assert same(path, expected, got, accepted) is right
