"""Working-day calendar: bank holidays by nation, closures, clock changes and policy deadlines."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.routing.calendar import NATIONS, Timescale, WorkingCalendar

LONDON = ZoneInfo("Europe/London")
SAME_DAY = Timescale("same_working_day")
TWO_DAYS = Timescale("working_days", 2)
FIVE_DAYS = Timescale("working_days", 5)
DAY_OF_HOURS = Timescale("hours", 24)
CLOCK_DAY = Timescale("same_day")

# No deadline: an example's first look at a (nation, year) builds its holidays.
PROPERTIES = settings(deadline=None)

CALENDARS = {nation: WorkingCalendar(nation) for nation in NATIONS}


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


def d(text: str) -> date:
    return date.fromisoformat(text)


# -- Timescale ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("same working day", SAME_DAY),
        ("same_working_day", SAME_DAY),
        ("  Same  Working Day ", SAME_DAY),
        ("2 working days", TWO_DAYS),
        ("1 working day", Timescale("working_days", 1)),
        ("5 working days", FIVE_DAYS),
        ("24 hours", DAY_OF_HOURS),
        ("1 hour", Timescale("hours", 1)),
    ],
)
def test_parse(text: str, expected: Timescale) -> None:
    assert Timescale.parse(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "two working days", "0 working days", "0 hours", "-1 hours", "2 days"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="timescale"):
        Timescale.parse(text)


@pytest.mark.parametrize(("kind", "amount"), [("weeks", 1), ("same_working_day", 1), ("working_days", 0), ("hours", -2)])
def test_timescale_rejects_inconsistent_fields(kind: str, amount: int) -> None:
    with pytest.raises(ValueError):
        Timescale(kind, amount)


@pytest.mark.parametrize(
    ("timescale", "wording"),
    [
        (SAME_DAY, "by the end of the same working day"),
        (TWO_DAYS, "within 2 working days"),
        (Timescale("working_days", 1), "within 1 working day"),
        (DAY_OF_HOURS, "within 24 hours"),
        (Timescale("hours", 1), "within 1 hour"),
    ],
)
def test_describe(timescale: Timescale, wording: str) -> None:
    assert timescale.describe() == wording


# -- working days --------------------------------------------------------------


@pytest.mark.parametrize(
    ("nation", "day", "working"),
    [
        ("ENG", "2024-06-07", True),  # Friday
        ("ENG", "2024-06-08", False),  # Saturday
        ("ENG", "2024-06-09", False),  # Sunday
        ("ENG", "2022-01-03", False),  # New Year's Day substitute
        ("ENG", "2021-12-27", False),  # Christmas Day substitute
        ("ENG", "2021-12-28", False),  # Boxing Day substitute
        ("ENG", "2021-12-29", True),
        ("ENG", "2023-05-08", False),  # coronation of Charles III
        ("ENG", "2022-09-19", False),  # state funeral of Elizabeth II
        ("ENG", "2022-06-03", False),  # platinum jubilee
        ("WLS", "2023-04-10", False),  # Easter Monday
        ("ENG", "2024-01-02", True),
        ("SCT", "2024-01-02", False),  # 2 January, Scotland only
        ("SCT", "2023-04-10", True),  # no Easter Monday in Scotland
        ("SCT", "2023-08-07", False),  # Scottish summer bank holiday
        ("ENG", "2023-08-07", True),
        ("SCT", "2023-08-28", True),
        ("ENG", "2023-08-28", False),  # English late summer bank holiday
        ("SCT", "2023-11-30", False),  # St Andrew's Day
        ("SCT", "2024-12-02", False),  # St Andrew's Day substitute (30th was Saturday)
        ("ENG", "2024-12-02", True),
        ("NIR", "2023-03-17", False),  # St Patrick's Day
        ("ENG", "2023-03-17", True),
        ("NIR", "2024-03-18", False),  # St Patrick's Day substitute (17th was Sunday)
        ("NIR", "2023-07-12", False),  # Battle of the Boyne
        ("ENG", "2023-07-12", True),
        ("NIR", "2025-07-14", False),  # Battle of the Boyne substitute (12th was Saturday)
    ],
)
def test_is_working_day(nation: str, day: str, working: bool) -> None:
    assert CALENDARS[nation].is_working_day(d(day)) is working


def test_closure_days_are_not_working_days() -> None:
    closed = WorkingCalendar("ENG", closures=[d("2024-12-27")])
    assert CALENDARS["ENG"].is_working_day(d("2024-12-27"))
    assert not closed.is_working_day(d("2024-12-27"))


@pytest.mark.parametrize(
    ("nation", "day", "after"),
    [
        ("ENG", "2024-06-07", "2024-06-10"),  # Friday -> Monday
        ("ENG", "2024-05-24", "2024-05-28"),  # over the spring bank holiday
        ("ENG", "2021-12-24", "2021-12-29"),  # over both Christmas substitutes
        ("ENG", "2024-12-24", "2024-12-27"),
        ("ENG", "2024-12-31", "2025-01-02"),
        ("SCT", "2024-12-31", "2025-01-03"),  # Scotland also keeps 2 January
    ],
)
def test_next_working_day(nation: str, day: str, after: str) -> None:
    assert CALENDARS[nation].next_working_day(d(day)) == d(after)


@pytest.mark.parametrize(
    ("day", "on_or_after"),
    [("2024-06-07", "2024-06-07"), ("2024-06-08", "2024-06-10"), ("2023-05-08", "2023-05-09")],
)
def test_working_day_on_or_after(day: str, on_or_after: str) -> None:
    assert CALENDARS["ENG"].working_day_on_or_after(d(day)) == d(on_or_after)


@pytest.mark.parametrize(
    ("day", "n", "result"),
    [
        ("2024-06-10", 0, "2024-06-10"),
        ("2024-06-10", 2, "2024-06-12"),
        ("2024-06-06", 2, "2024-06-10"),  # Thursday + 2 -> Monday
        ("2024-05-23", 2, "2024-05-28"),  # over the spring bank holiday
        ("2024-12-20", 5, "2024-12-31"),  # over Christmas
        ("2024-12-20", 6, "2025-01-02"),  # and New Year
    ],
)
def test_add_working_days(day: str, n: int, result: str) -> None:
    assert CALENDARS["ENG"].add_working_days(d(day), n) == d(result)


@pytest.mark.parametrize(("day", "n"), [("2024-06-08", 1), ("2024-06-10", -1)])
def test_add_working_days_rejects(day: str, n: int) -> None:
    with pytest.raises(ValueError):
        CALENDARS["ENG"].add_working_days(d(day), n)


def test_a_cut_off_is_only_what_a_partnership_sets() -> None:
    assert CALENDARS["ENG"].same_day_cutoff == time(17)
    cut = WorkingCalendar("ENG", same_day_cutoff=time(16))
    assert cut.due(london(2024, 6, 10, 15, 59), SAME_DAY) == london(2024, 6, 10, 17)
    assert cut.due(london(2024, 6, 10, 16), SAME_DAY) == london(2024, 6, 11, 17)
    assert cut.due(london(2024, 6, 7, 16, 30), CLOCK_DAY) == london(2024, 6, 7, 23, 59), "a cut-off never moves clock time"


def test_closures_never_move_clock_time() -> None:
    closed = WorkingCalendar("ENG", closures=[d("2024-12-24"), d("2024-12-27")])
    assert closed.due(london(2024, 12, 24, 10), CLOCK_DAY) == london(2024, 12, 24, 23, 59)
    assert closed.due(london(2024, 12, 24, 10), DAY_OF_HOURS) == london(2024, 12, 25, 10)


def test_christmas_closure_runs_into_the_new_year() -> None:
    closures = [d("2024-12-27"), d("2024-12-30"), d("2024-12-31")]
    received = london(2024, 12, 24, 17, 30)  # after close: the next working day, past the closures
    eng = WorkingCalendar("ENG", closures=closures)
    sct = WorkingCalendar("SCT", closures=closures)
    assert eng.due(received, SAME_DAY) == london(2025, 1, 2, 17)
    assert sct.due(received, SAME_DAY) == london(2025, 1, 3, 17)


# -- hours of the day and clock changes ------------------------------------------


@pytest.mark.parametrize(
    ("day", "utc_close"),
    [
        ("2024-03-30", datetime(2024, 3, 30, 17, tzinfo=UTC)),  # Saturday before spring forward
        ("2024-03-31", datetime(2024, 3, 31, 16, tzinfo=UTC)),  # the change itself
        ("2024-10-26", datetime(2024, 10, 26, 16, tzinfo=UTC)),  # Saturday before fall back
        ("2024-10-27", datetime(2024, 10, 27, 17, tzinfo=UTC)),
    ],
)
def test_end_of_day_is_close_local_time(day: str, utc_close: datetime) -> None:
    calendar = CALENDARS["ENG"]
    assert calendar.end_of_day(d(day)) == utc_close
    assert calendar.end_of_day(d(day)).tzinfo is UTC
    assert calendar.local(calendar.end_of_day(d(day))).time() == time(17)


def test_start_of_day_is_open_local_time() -> None:
    assert CALENDARS["ENG"].start_of_day(d("2024-07-01")) == datetime(2024, 7, 1, 8, tzinfo=UTC)


# -- due -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "timescale", "due"),
    [
        (london(2024, 6, 10, 10), SAME_DAY, london(2024, 6, 10, 17)),
        (london(2024, 6, 10, 16, 59), SAME_DAY, london(2024, 6, 10, 17)),  # no cut-off unless one is set
        (london(2024, 6, 10, 17), SAME_DAY, london(2024, 6, 11, 17)),  # at close: the next working day
        (london(2024, 6, 10, 7), SAME_DAY, london(2024, 6, 10, 17)),  # before opening
        (london(2024, 6, 7, 16, 45), SAME_DAY, london(2024, 6, 7, 17)),  # Friday 16:45: that Friday
        (london(2024, 6, 7, 17, 30), SAME_DAY, london(2024, 6, 10, 17)),  # Friday evening -> Monday
        (london(2024, 5, 24, 17, 30), SAME_DAY, london(2024, 5, 28, 17)),  # Monday is a holiday
        (london(2024, 6, 8, 11), SAME_DAY, london(2024, 6, 10, 17)),  # Saturday
        (london(2024, 3, 30, 10), SAME_DAY, london(2024, 4, 2, 17)),  # clock-change Saturday
        (london(2024, 10, 26, 10), SAME_DAY, london(2024, 10, 28, 17)),
        (london(2024, 6, 10, 10), TWO_DAYS, london(2024, 6, 12, 17)),  # Mon -> Wed
        (london(2024, 6, 10, 16, 59), TWO_DAYS, london(2024, 6, 12, 17)),
        (london(2024, 6, 10, 17), TWO_DAYS, london(2024, 6, 13, 17)),  # at close -> Tue effective
        (london(2024, 6, 10, 17, 30), TWO_DAYS, london(2024, 6, 13, 17)),  # Mon evening -> Thu
        (london(2024, 6, 8, 10), TWO_DAYS, london(2024, 6, 12, 17)),  # Saturday -> Wed
        (london(2024, 10, 26, 10), TWO_DAYS, london(2024, 10, 30, 17)),  # clock-change Saturday
        (london(2024, 12, 20, 10), FIVE_DAYS, london(2024, 12, 31, 17)),  # Barnet over Christmas
        (london(2024, 6, 10, 10), DAY_OF_HOURS, london(2024, 6, 11, 10)),
        (london(2024, 6, 8, 10), DAY_OF_HOURS, london(2024, 6, 9, 10)),  # hours ignore weekends
        (london(2024, 6, 7, 16, 30), CLOCK_DAY, london(2024, 6, 7, 23, 59)),  # same day: Friday night, not Monday
        (london(2024, 6, 8, 11), CLOCK_DAY, london(2024, 6, 8, 23, 59)),  # a Saturday is a day too
        (london(2024, 12, 24, 16, 30), CLOCK_DAY, london(2024, 12, 24, 23, 59)),
        (london(2024, 6, 7, 23, 59, 30), CLOCK_DAY, london(2024, 6, 7, 23, 59, 30)),  # never before arrival
    ],
)
def test_due(received: datetime, timescale: Timescale, due: datetime) -> None:
    result = CALENDARS["ENG"].due(received, timescale)
    assert result == due
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("received", "local_due"),
    [
        (london(2024, 3, 30, 12), london(2024, 3, 31, 13)),  # spring forward: 12:00 -> 13:00
        (london(2024, 10, 26, 12), london(2024, 10, 27, 11)),  # fall back: 12:00 -> 11:00
    ],
)
def test_hours_cross_clock_changes_in_utc(received: datetime, local_due: datetime) -> None:
    calendar = CALENDARS["ENG"]
    due = calendar.due(received, DAY_OF_HOURS)
    assert due - received.astimezone(UTC) == timedelta(hours=24)
    assert calendar.local(due).replace(tzinfo=None) == local_due.replace(tzinfo=None)


def test_due_accepts_any_aware_timezone() -> None:
    received = datetime(2024, 6, 10, 9, tzinfo=UTC)  # 10:00 in London
    assert CALENDARS["ENG"].due(received, TWO_DAYS) == london(2024, 6, 12, 17)


@pytest.mark.parametrize("timescale", [SAME_DAY, TWO_DAYS, DAY_OF_HOURS])
def test_due_rejects_naive_datetime(timescale: Timescale) -> None:
    with pytest.raises(ValueError, match="naive"):
        CALENDARS["ENG"].due(datetime(2024, 6, 10, 10), timescale)


# -- working_days_between --------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (london(2024, 6, 10, 10), london(2024, 6, 10, 18), 0),  # day of receipt never counts
        (london(2024, 6, 10, 10), london(2024, 6, 11, 16, 59), 0),
        (london(2024, 6, 10, 10), london(2024, 6, 11, 17), 1),
        (london(2024, 6, 10, 10), london(2024, 6, 17, 17), 5),
        (london(2024, 6, 7, 17, 30), london(2024, 6, 11, 17), 1),  # Friday evening: Mon effective
        (london(2024, 12, 20, 10), london(2025, 1, 2, 17), 6),  # 25, 26 Dec and 1 Jan skipped
        (london(2024, 6, 12, 10), london(2024, 6, 10, 10), 0),  # end before start
    ],
)
def test_working_days_between(start: datetime, end: datetime, days: int) -> None:
    assert CALENDARS["ENG"].working_days_between(start, end) == days


# -- construction ----------------------------------------------------------------


@pytest.mark.parametrize("nation", ["GB", "England", "eng", "", "UK"])
def test_unknown_nation_names_the_allowed_values(nation: str) -> None:
    with pytest.raises(ValueError, match="ENG, WLS, SCT, NIR"):
        WorkingCalendar(nation)


@pytest.mark.parametrize(
    ("opens", "closes", "cutoff"),
    [(time(17), time(9), time(12)), (time(9), time(17), time(17, 30)), (time(9), time(9), time(9))],
)
def test_rejects_inconsistent_hours(opens: time, closes: time, cutoff: time) -> None:
    with pytest.raises(ValueError):
        WorkingCalendar("ENG", opens=opens, closes=closes, same_day_cutoff=cutoff)


def test_rejects_datetimes_where_a_day_is_meant() -> None:
    with pytest.raises(TypeError):
        CALENDARS["ENG"].is_working_day(datetime(2023, 5, 8, 10))
    with pytest.raises(TypeError):
        WorkingCalendar("ENG", closures=[datetime(2024, 12, 27)])


def test_local_rejects_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        CALENDARS["ENG"].local(datetime(2024, 6, 10, 10))


# -- properties --------------------------------------------------------------------

days = st.dates(min_value=date(2015, 1, 1), max_value=date(2040, 12, 31))
moments = st.datetimes(
    min_value=datetime(2015, 1, 1),
    max_value=datetime(2040, 12, 31),
    timezones=st.sampled_from([UTC, LONDON]),
    allow_imaginary=False,
)
calendars = st.builds(WorkingCalendar, st.sampled_from(NATIONS), closures=st.frozensets(days, max_size=20))
working_day_kinds = st.builds(Timescale, st.just("working_days"), st.integers(1, 20)) | st.just(SAME_DAY)
timescales = working_day_kinds | st.builds(Timescale, st.just("hours"), st.integers(1, 240))


@PROPERTIES
@given(calendars, moments, timescales)
def test_due_is_never_before_received(calendar: WorkingCalendar, received: datetime, timescale: Timescale) -> None:
    due = calendar.due(received, timescale)
    assert due >= received
    assert due.tzinfo is UTC


@PROPERTIES
@given(calendars, moments, working_day_kinds)
def test_working_day_deadlines_land_at_close_of_a_working_day(
    calendar: WorkingCalendar, received: datetime, timescale: Timescale
) -> None:
    local_due = calendar.local(calendar.due(received, timescale))
    assert calendar.is_working_day(local_due.date())
    assert local_due.time() == calendar.closes


@PROPERTIES
@given(calendars, moments, st.integers(1, 20))
def test_working_days_between_counts_back_to_the_timescale(calendar: WorkingCalendar, received: datetime, n: int) -> None:
    due = calendar.due(received, Timescale("working_days", n))
    assert calendar.working_days_between(received, due) == n
    assert calendar.working_days_between(received, due - timedelta(microseconds=1)) == n - 1


@PROPERTIES
@given(calendars, days, st.integers(0, 15), st.integers(0, 15))
def test_add_working_days_is_monotonic(calendar: WorkingCalendar, day: date, m: int, n: int) -> None:
    start = calendar.working_day_on_or_after(day)
    low, high = sorted((m, n))
    assert calendar.add_working_days(start, low) <= calendar.add_working_days(start, high)
    if low < high:
        assert calendar.add_working_days(start, low) < calendar.add_working_days(start, high)


@PROPERTIES
@given(calendars, days)
def test_next_working_day_is_a_later_working_day(calendar: WorkingCalendar, day: date) -> None:
    following = calendar.next_working_day(day)
    assert following > day
    assert calendar.is_working_day(following)
    skipped = (day + timedelta(days=offset) for offset in range(1, (following - day).days))
    assert not any(calendar.is_working_day(between) for between in skipped)


@PROPERTIES
@given(timescales)
def test_parse_reads_back_what_describe_says(timescale: Timescale) -> None:
    wording = timescale.describe().removeprefix("within ")
    if timescale.kind == "same_working_day":
        wording = "same working day"
    assert Timescale.parse(wording) == timescale
