"""Normalisers: what practitioners type into forms, into typed values (or None, never a guess)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalations.intake.notices.model import CATEGORY_SLUGS, Attempt
from escalations.intake.notices.normalise import (
    clean_email,
    clean_name,
    clean_phone,
    clean_text,
    nothing_ticked,
    parse_attempts,
    parse_case_reference,
    parse_categories,
    parse_copies,
    parse_dates,
    parse_stage,
    parse_subject_kind,
    parse_uk_date,
    parse_yes_no,
)

MONTHS = "January February March April May June July August September October November December"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14/02/2017", date(2017, 2, 14)),
        ("14-02-2017", date(2017, 2, 14)),
        ("14.02.17", date(2017, 2, 14)),
        ("3rd September 2019", date(2019, 9, 3)),
        ("3 Sept 2019", date(2019, 9, 3)),
        ("3 Sep. 2019", date(2019, 9, 3)),
        ("Sept 3 2019", date(2019, 9, 3)),
        ("September 3rd, 2019", date(2019, 9, 3)),
        ("3rd of September 2019", date(2019, 9, 3)),
        ("Tuesday 3rd September 2019", date(2019, 9, 3)),
        ("2019-09-03", date(2019, 9, 3)),
        (" 1/2/2026 ", date(2026, 2, 1)),
        ("03/04/2019", date(2019, 4, 3)),  # day first: 3 April, never 4 March
        ("12/03/52", date(1952, 3, 12)),  # two-digit years above 50 are 19yy
        ("12/03/50", date(2050, 3, 12)),
        ("31/02/2019", None),
        ("29/02/2019", None),
        ("29/02/2020", date(2020, 2, 29)),
        ("13/13/2019", None),
        ("14/02", None),
        ("3 Smarch 2019", None),
        ("3 Ma 2019", None),
        ("14/02/2017 approx", None),
        ("14/02/1850", None),
        ("unknown", None),
        ("", None),
    ],
)
def test_parse_uk_date(text, expected):
    assert parse_uk_date(text) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_parse_uk_date_reads_dd_mm_yyyy_back(day):
    assert parse_uk_date(day.strftime("%d/%m/%Y")) == day


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_parse_uk_date_reads_day_month_year_back(day):
    written = f"{day.day} {MONTHS.split()[day.month - 1]} {day.year}"
    assert parse_uk_date(written) == day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes", True),
        ("no", False),
        ("Y", True),
        ("n", False),
        ("TRUE", True),
        ("false", False),
        ("No - reported to the police", False),
        ("Yes, see below", True),
        ("☒ Yes ☐ No", True),
        ("☐ Yes ☒ No", False),
        ("Yes ☒ No ☐", True),
        ("Yes ☐ No ☒", False),
        ("☑ Yes ☐ No", True),
        ("[x] Yes [ ] No", True),
        ("[ ] Yes [X] No", False),
        ("☐ Yes ☐ No", None),
        ("☒ Yes ☒ No", None),
        ("Yes/No", None),
        ("Not sure", None),
        ("Nobody asked", None),
        ("", None),
    ],
)
def test_parse_yes_no(text, expected):
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("☐ Yes ☐ No", True),
        ("[ ] Yes [ ] No", True),
        ("☒ Yes ☐ No", False),
        ("No", False),
    ],
)
def test_nothing_ticked(text, expected):
    assert nothing_ticked(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Stage 4", 4),
        ("4", 4),
        ("4 – BSCB representatives", 4),
        ("Stage 2 (line managers)", 2),
        ("Step 3", 3),
        ("step 3 - safeguarding leads", 3),
        ("stage two", 2),
        ("Five", 5),
        ("Stage 0", None),
        ("Stage 12", None),
        ("Stage 2 was discussed", None),
        ("second stage", None),
        ("Level 3", None),
        ("", None),
    ],
)
def test_parse_stage(text, expected):
    assert parse_stage(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Level of need", ["thresholds"]),
        ("Threshold for investigations and interventions", ["thresholds"]),
        ("Roles and responsibilities of professionals / agencies", ["roles_responsibilities"]),
        ("Whether a case conference should be initiated", ["case_conference"]),
        ("Communication between agencies", ["action_communication"]),
        ("Progression of plans", ["plan_progression"]),
        ("Information sharing", ["information_sharing"]),
        ("An agency's response to a safeguarding concern", ["response_to_concern"]),
        ("Referral not accepted", ["referral_not_accepted"]),
        ("Outcome of an assessment", ["assessment_outcome"]),
        ("Step up/step down decisions", ["step_up_down"]),
        ("Resource issues/capacity", ["resources"]),
        ("Not fulfilling roles as set out in Working Together", ["statutory_roles"]),
        ("Non-attendance at statutory meetings", ["non_attendance"]),
        ("Uni lateral decision making", ["unilateral_decision"]),
        ("Service provision and timeliness of interventions", ["service_timeliness"]),
        ("Case conference; level of need", ["thresholds", "case_conference"]),
        ("☒ Level of need\n☐ Roles\n☒ Case conference", ["thresholds", "case_conference"]),
        ("Level of need ☐ Progression of plans ☒", ["plan_progression"]),
        ("☐ Level of need ☐ Progression of plans", []),
        ("Something else entirely", []),
    ],
)
def test_parse_categories(text, expected):
    assert parse_categories(text) == expected


@pytest.mark.parametrize("slug", CATEGORY_SLUGS)
def test_parse_categories_reads_each_slug_written_out(slug):
    assert parse_categories(slug.replace("_", " ")) == [slug]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Child", "child"),
        ("young person", "child"),
        ("Adult with care and support needs", "adult"),
        ("☐ Child ☒ Adult", "adult"),
        ("Child or adult", None),
        ("Unknown", None),
    ],
)
def test_parse_subject_kind(text, expected):
    assert parse_subject_kind(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SAL-2026-0007", "SAL-2026-0007"),
        ("our ref sal-2026-0007, thanks", "SAL-2026-0007"),
        ("[BNES-2025-0110]", "BNES-2025-0110"),
        ("LCS 123456", None),
        ("SAL-26-7", None),
    ],
)
def test_parse_case_reference(text, expected):
    assert parse_case_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/01/2026", [date(2026, 1, 12)]),
        ("12/01/2026, 19/01/2026", [date(2026, 1, 12), date(2026, 1, 19)]),
        ("12/01/2026\n3 February 2026", [date(2026, 1, 12), date(2026, 2, 3)]),
        ("12/01/2026, last week", None),
        ("", None),
    ],
)
def test_parse_dates(text, expected):
    assert parse_dates(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/01/2026 – spoke to the school", [Attempt(date(2026, 1, 12), "spoke to the school")]),
        ("12-01-2026 - met: no change", [Attempt(date(2026, 1, 12), "met: no change")]),
        ("3 February 2026: emailed", [Attempt(date(2026, 2, 3), "emailed")]),
        ("12/01/2026", [Attempt(date(2026, 1, 12), None)]),
        ("Phoned twice, no answer", [Attempt(None, "Phoned twice, no answer")]),
        ("1/1/26 – a\n\n2/1/26 b", [Attempt(date(2026, 1, 1), "a"), Attempt(None, "2/1/26 b")]),
    ],
)
def test_parse_attempts(text, expected):
    assert parse_attempts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Team Manager, Northside Health", ["Team Manager, Northside Health"]),
        ("SSCB Business Manager; Head of Service", ["SSCB Business Manager", "Head of Service"]),
        ("A Khan\nB Osei\n", ["A Khan", "B Osei"]),
        (".....", []),
    ],
)
def test_parse_copies(text, expected):
    assert parse_copies(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jo Bloggs", "Jo Bloggs"),
        ("  Jo   Bloggs ", "Jo Bloggs"),
        ("Dr A. O'Brien-Smith", "Dr A. O'Brien-Smith"),
        ("Jo Bloggs.....", "Jo Bloggs"),
        ("Siân Ní Bhriain", "Siân Ní Bhriain"),
        ("14/02/2017", None),
        ("jo@example.org", None),
        ("....", None),
        ("", None),
    ],
)
def test_clean_name(text, expected):
    assert clean_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.khan@northside-health.example", "a.khan@northside-health.example"),
        ("A.Khan@Northside-Health.EXAMPLE ", "a.khan@northside-health.example"),
        ("mailto:a.khan@northside-health.example", "a.khan@northside-health.example"),
        ("Aisha Khan <a.khan@northside-health.example>", "a.khan@northside-health.example"),
        ("a.khan at northside-health", None),
        ("a.khan@localhost", None),
        ("a.khan@northside-health.example, b@x.example", None),
        ("", None),
    ],
)
def test_clean_email(text, expected):
    assert clean_email(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0161 496 0000", "0161 496 0000"),
        ("01614960000", "01614960000"),
        ("(0161) 496-0000", "0161 496 0000"),
        ("+44 (0)161 496 0000", "+44 161 496 0000"),
        ("07700 900123", "07700 900123"),
        ("+44 7700 900123", "+44 7700 900123"),
        ("0161 496", None),
        ("+1 212 555 0100", None),
        ("ext 4350", None),
        ("", None),
    ],
)
def test_clean_phone(text, expected):
    assert clean_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Health   Visitor ", "Health Visitor"),
        ("Line one\n\n\n\nLine two", "Line one\n\nLine two"),
        ("Waiting.....", "Waiting"),
        ("She said... then left", "She said... then left"),
        ("....", None),
    ],
)
def test_clean_text(text, expected):
    assert clean_text(text) == expected
