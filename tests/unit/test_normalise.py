"""Normalisers: what practitioners type into forms, into typed values (or None, never a guess)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalations.intake.notices.model import CATEGORY_SLUGS, Attempt
from escalations.intake.notices.normalise import (
    clean_email,
    clean_name,
    clean_phone,
    clean_text,
    has_boxes,
    kind_by_age,
    nothing_ticked,
    parse_attempts,
    parse_case_reference,
    parse_categories,
    parse_copies,
    parse_dated_outcome,
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
        # Every written form a practitioner uses, day first when the numbers allow both.
        ("03 Sep 19", date(2019, 9, 3)),
        ("3/9/19", date(2019, 9, 3)),
        ("Tuesday 3 September 2019", date(2019, 9, 3)),
        ("Tue 3rd Sept '19", date(2019, 9, 3)),
        ("Tues, 3rd September 2019", date(2019, 9, 3)),
        ("the 3rd of September 2019", date(2019, 9, 3)),
        ("Thurs 5 March 2026", date(2026, 3, 5)),
        ("3 September, 2019", date(2019, 9, 3)),
        ("3-Sep-2019", date(2019, 9, 3)),
        ("February 14th, 2017", date(2017, 2, 14)),
        ("14.2.2017", date(2017, 2, 14)),
        ("14 / 02 / 2017", date(2017, 2, 14)),
        ("2019/09/03", date(2019, 9, 3)),  # a four-digit year first is ISO order
        ("2019-9-3", date(2019, 9, 3)),
        ("Monday 3 September 2019", None),  # 3 September 2019 was a Tuesday: which is wrong?
        ("Funday 3 September 2019", None),
        ("3 September 2019 2019", None),
        ("14/02/201", None),
        ("14/002/2017", None),
        ("²/02/2017", None),
        ("3 September 2019, about 4pm in the afternoon", None),
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


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _month(day: date, length: int | None = None) -> str:
    name = MONTHS.split()[day.month - 1]
    return name[:length] if length else name


WRITTEN_FORMS = {
    "dd/mm/yyyy": lambda d: d.strftime("%d/%m/%Y"),
    "d/m/yyyy": lambda d: f"{d.day}/{d.month}/{d.year}",
    "dd.mm.yyyy": lambda d: d.strftime("%d.%m.%Y"),
    "dd-mm-yyyy": lambda d: d.strftime("%d-%m-%Y"),
    "ISO": lambda d: d.isoformat(),
    "3rd September 2019": lambda d: f"{_ordinal(d.day)} {_month(d)} {d.year}",
    "3rd of September 2019": lambda d: f"{_ordinal(d.day)} of {_month(d)} {d.year}",
    "Sept 3 2019": lambda d: f"{_month(d, 4)} {d.day} {d.year}",
    "September 3rd, 2019": lambda d: f"{_month(d)} {_ordinal(d.day)}, {d.year}",
    "Tuesday 3 September 2019": lambda d: f"{d:%A} {d.day} {_month(d)} {d.year}",
    "Tue, 3 Sep 2019": lambda d: f"{d:%a}, {d.day} {_month(d, 3)} {d.year}",
}
TWO_DIGIT_YEAR_FORMS = {  # a two-digit year is 1951-2050
    "dd/mm/yy": lambda d: d.strftime("%d/%m/%y"),
    "d.m.yy": lambda d: f"{d.day}.{d.month}.{d:%y}",
    "03 Sep 19": lambda d: f"{d:%d} {_month(d, 3)} {d:%y}",
}


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(sorted(WRITTEN_FORMS)),
)
def test_parse_uk_date_reads_every_written_form_back(day, form):
    assert parse_uk_date(WRITTEN_FORMS[form](day)) == day


@given(
    st.dates(min_value=date(1951, 1, 1), max_value=date(2050, 12, 31)),
    st.sampled_from(sorted(TWO_DIGIT_YEAR_FORMS)),
)
def test_parse_uk_date_reads_two_digit_years_back(day, form):
    assert parse_uk_date(TWO_DIGIT_YEAR_FORMS[form](day)) == day


@given(st.integers(1, 12), st.integers(1, 12), st.integers(1900, 2099))
def test_ambiguous_numbers_are_read_day_first(first, second, year):
    assert parse_uk_date(f"{first:02}/{second:02}/{year}") == date(year, second, first)


@given(st.dates(min_value=date(1900, 1, 8), max_value=date(2099, 12, 31)), st.integers(1, 6))
def test_a_weekday_that_does_not_fit_the_date_is_not_a_date(day, days_off):
    wrong = day - timedelta(days=days_off)
    assert parse_uk_date(f"{wrong:%A} {day.day} {_month(day)} {day.year}") is None


@given(st.text(max_size=60))
def test_parse_uk_date_never_fails_and_never_leaves_the_century(text):
    found = parse_uk_date(text)
    assert found is None or 1900 <= found.year <= 2099


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
        # The printed prompt, "delete as appropriate", lone boxes, typed X.
        ("Yes or No: Yes", True),
        ("Yes or No – No", False),
        ("Yes/No No", False),
        ("Yes or No", None),
        ("Yes /", True),
        ("/ No", False),
        ("Yes or", True),
        ("☒", True),
        ("✓", True),
        ("X Yes ☐ No", True),
        ("Yes ☐ No X", False),
        ("Yes X No X", None),
        ("Yes ☐ No ✓", False),
        ("N/A", None),
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
        ("Yes or No", True),
        ("Yes/No", True),
        ("Y/N", True),
        ("N/A", True),
        ("DD/MM/YYYY", True),
        ("Click or tap here to enter text.", True),
        ("Click here to enter a date.", True),
        ("Choose an item.", True),
        ("Yes or No: Yes", False),
        ("Yes ☐ No X", False),
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
        ("second stage", 2),  # an ordinal names the stage too
        ("Level 3", 3),  # the Greater Manchester policy numbers its tiers as levels
        ("Level 2 – line managers", 2),
        ("Tier 1", 1),
        ("Stage IV", 4),
        ("Step 3 – Escalation to Safeguarding Leads or Senior Managers", 3),
        ("Stage 3: Safeguarding leads", 3),
        ("IV", None),
        ("x", None),
        ("Stage 2 - 3", None),
        ("2/3", None),
        ("Stage 2 to 3", None),
        ("Level of need", None),
        ("Level 3 mandatory training", None),
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
        ("☐ Level of need\nX Information sharing", ["information_sharing"]),
        ("Level of need ☒\nRoles and responsibilities ☐", ["thresholds"]),
    ],
)
def test_parse_categories(text, expected):
    assert parse_categories(text) == expected


# Every disagreement theme each policy names, as its text words it (INDEX.md).
POLICY_THEMES = [
    # Bury children 4
    ("Levels of need and intervention (thresholds)", "thresholds"),
    ("Lack of understanding of roles and responsibilities", "roles_responsibilities"),
    ("The need for action and communication", "action_communication"),
    ("An agency’s response to a safeguarding concern", "response_to_concern"),
    ("Step up/step down decisions", "step_up_down"),
    ("Resource issues/capacity", "resources"),
    ("Not fulfilling roles as set out in Working Together", "statutory_roles"),
    ("Non-attendance at statutory meetings", "non_attendance"),
    ("Uni lateral decision making", "unilateral_decision"),
    # Salford 1.4 and 1.7
    ("Not recognising need or the signs of harm", "thresholds"),
    ("Not sharing information about a child's welfare", "information_sharing"),
    ("Not accepting referrals for services", "referral_not_accepted"),
    ("Not delivering services according to the threshold of need", "thresholds"),
    ("Not co-operating in delivering planned interventions", "plan_progression"),
    ("Determining the level of need", "thresholds"),
    # Barnet 1
    ("Level of need", "thresholds"),
    ("Threshold for investigations and interventions", "thresholds"),
    ("Roles and responsibilities of professionals / agencies", "roles_responsibilities"),
    ("Whether a case conference should be initiated", "case_conference"),
    ("Communication between agencies", "action_communication"),
    ("Progression of plans", "plan_progression"),
    # Bury adults 1 and 4
    ("Level of risk", "thresholds"),
    ("Criteria for referrals", "referral_not_accepted"),
    ("Outcomes of assessments", "assessment_outcome"),
    ("Roles and responsibilities of workers", "roles_responsibilities"),
    ("Service provision", "service_timeliness"),
    ("Timeliness of interventions", "service_timeliness"),
    ("Information sharing", "information_sharing"),
    ("Communication", "action_communication"),
]


@pytest.mark.parametrize(("wording", "slug"), POLICY_THEMES)
def test_parse_categories_reads_every_policy_theme(wording, slug):
    assert parse_categories(wording) == [slug]
    assert parse_categories(f"☐ Something else\n☒ {wording}") == [slug]


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
        ("20/02/2026 – the panel agreed", Attempt(date(2026, 2, 20), "the panel agreed")),
        ("20 February 2026\nAgreed: a meeting.", Attempt(date(2026, 2, 20), "Agreed: a meeting.")),
        ("20/02/2026", Attempt(date(2026, 2, 20), None)),
        ("Agreed a review by 01/04/2026", Attempt(None, "Agreed a review by 01/04/2026")),
        ("", None),
    ],
)
def test_parse_dated_outcome(text, expected):
    assert parse_dated_outcome(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("☐ Level of need", True),
        ("Level of need ✓", True),
        ("[x] Roles", True),
        ("Level of need", False),
        ("Box 2", False),
    ],
)
def test_has_boxes(text, expected):
    assert has_boxes(text) is expected


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
        ("a.khan@northside-health.example (secure)", "a.khan@northside-health.example"),
        ("Email me at a.khan@northside-health.example.", "a.khan@northside-health.example"),
        ("a.khan@northside-health.example or a.khan@northside-health.example", None),
        ("a.khan@@northside-health.example", None),
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
        ("0161 496 0000 (direct line)", "0161 496 0000"),
        ("Tel: 0161 496 0000", "0161 496 0000"),
        ("0044 161 496 0000", "+44 161 496 0000"),
        ("0161 496 0000 ext 12", None),
        ("0161 496 0000 / 07700 900123", None),
        ("0161.496.0000", "0161 496 0000"),
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


@pytest.mark.parametrize(
    ("born", "on", "kind"),
    [
        (date(2008, 3, 6), date(2026, 3, 6), "adult"),  # the 18th birthday
        (date(2008, 3, 7), date(2026, 3, 6), "child"),  # 18 tomorrow
        (date(2008, 2, 29), date(2026, 2, 28), "child"),  # born on a leap day:
        (date(2008, 2, 29), date(2026, 3, 1), "adult"),  # 18 on 1 March
        (date(1952, 3, 12), date(2026, 3, 6), "adult"),
        (date(2026, 3, 6), date(2026, 3, 6), "child"),
    ],
)
def test_kind_by_age(born, on, kind):
    assert kind_by_age(born, on) == kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2nd", 2),
        ("second", 2),
        ("2nd stage", 2),
        ("Third stage – senior managers", 3),
        ("Stage: 2", 2),
        ("Step 2 of 4", 2),
        ("Stage 2 - 3", None),  # two stages
        ("2/3", None),
    ],
)
def test_parse_stage_reads_ordinals_and_counts(text, expected):
    assert parse_stage(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No immediate risk", False),
        ("Not at immediate risk", False),
        ("no immediate risk identified", False),
        ("Yes there is a risk of harm", True),
        ("Not known", None),  # says nothing about the risk
        ("None known", None),
        ("No one is at risk but yes maybe", None),  # both answers
    ],
)
def test_parse_yes_no_reads_a_short_answer_about_the_risk(text, expected):
    assert parse_yes_no(text) == expected


@pytest.mark.parametrize("text", ["01/02/2019 (age 7)", "1/2/2019 (7 yrs)"])
def test_parse_uk_date_leaves_out_an_age_in_brackets(text):
    assert parse_uk_date(text) == date(2019, 2, 1)
