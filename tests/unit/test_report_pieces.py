"""Board report pieces with plain values: periods, percentiles, numbers in words, CSV cells, self-contained SVG."""

from __future__ import annotations

from datetime import date

import pytest

from escalations.reports.charts import self_contained
from escalations.reports.escalation_log import _cell
from escalations.reports.facts import Period
from escalations.reports.figures import spread
from escalations.reports.periods import due_on, ended_before
from escalations.reports.summary import words
from escalations.routing.calendar import WorkingCalendar

ENG = WorkingCalendar("ENG")


@pytest.mark.parametrize(
    ("today", "kind", "period"),
    [
        (date(2026, 4, 1), "monthly", Period(date(2026, 3, 1), date(2026, 3, 31))),
        (date(2026, 3, 2), "monthly", Period(date(2026, 2, 1), date(2026, 2, 28))),
        (date(2027, 1, 4), "monthly", Period(date(2026, 12, 1), date(2026, 12, 31))),
        (date(2026, 4, 1), "quarterly", Period(date(2026, 1, 1), date(2026, 3, 31))),
        (date(2027, 1, 4), "quarterly", Period(date(2026, 10, 1), date(2026, 12, 31))),
        (date(2024, 3, 1), "monthly", Period(date(2024, 2, 1), date(2024, 2, 29))),
    ],
)
def test_the_period_just_ended(today: date, kind: str, period: Period) -> None:
    assert ended_before(today, kind) == period


@pytest.mark.parametrize(
    ("today", "kind", "due"),
    [
        (date(2026, 4, 1), "monthly", True),  # Wednesday 1 April
        (date(2026, 4, 2), "monthly", True),  # missed on the 1st (the service was down): it goes the next day
        (date(2026, 3, 1), "monthly", False),  # Sunday: the first working day is Monday 2 March
        (date(2026, 3, 2), "monthly", True),
        (date(2027, 1, 1), "monthly", False),  # New Year's Day
        (date(2027, 1, 4), "quarterly", True),
        (date(2026, 5, 1), "quarterly", True),  # a quarter's later month: the first quarter's, if it was missed
        (date(2026, 7, 1), "quarterly", True),
    ],
)
def test_the_report_is_due_from_the_first_working_day_of_the_period(today: date, kind: str, due: bool) -> None:
    assert (due_on(ENG, today, kind) is not None) == due


@pytest.mark.parametrize(
    ("today", "kind", "period"),
    [
        (date(2026, 4, 20), "monthly", Period(date(2026, 3, 1), date(2026, 3, 31))),
        (date(2026, 5, 1), "quarterly", Period(date(2026, 1, 1), date(2026, 3, 31))),
    ],
)
def test_a_report_missed_on_the_first_working_day_is_the_one_still_due(today: date, kind: str, period: Period) -> None:
    assert due_on(ENG, today, kind) == period


def test_a_period_a_year_before_keeps_29_february_inside_its_month() -> None:
    assert Period(date(2028, 2, 1), date(2028, 2, 29)).year_before() == Period(date(2027, 2, 1), date(2027, 2, 28))


@pytest.mark.parametrize(
    ("values", "median", "p90"),
    [([], None, None), ([3], 3, 3), ([0, 1], 0.5, 1), ([5, 1, 2, 4, 3, 6, 7, 8, 9, 10], 5.5, 9), ([1] * 9 + [20], 1, 1)],
)
def test_median_and_nearest_rank_90th_percentile(values: list[int], median: float | None, p90: float | None) -> None:
    got = spread(values)
    assert (got.count, got.median, got.p90) == (len(values), median, p90)


@pytest.mark.parametrize(
    ("n", "text"), [(0, "zero"), (7, "seven"), (21, "twenty-one"), (40, "forty"), (100, "one hundred"), (1204, "1,204")]
)
def test_numbers_in_words(n: int, text: str) -> None:
    assert words(n) == text


@pytest.mark.parametrize(
    ("value", "cell"), [("=HYPERLINK(1)", "'=HYPERLINK(1)"), ("+1", "'+1"), ("-", "'-"), ("@x", "'@x"), ("Jo", "Jo")]
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(value: str, cell: str) -> None:
    assert _cell(value) == cell


def test_svg_styles_become_attributes_for_a_strict_content_security_policy() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="5pt" viewBox="0 0 10 5">'
        b"<style>*{stroke-linejoin: round}</style>"
        b'<path d="M0 0" style="fill: #000000; stroke: #7f7f7f"/><text style="font: 9px \'DejaVu Sans\'">a</text></svg>'
    )
    out = self_contained(svg)
    assert "style" not in out and 'stroke-linejoin="round"' in out and 'fill="#000000"' in out
    assert 'font-size="9px"' in out and "font-family=\"'DejaVu Sans'\"" in out and 'width="' not in out.split(">", 1)[0]
