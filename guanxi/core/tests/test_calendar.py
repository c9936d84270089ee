"""The calendar's pure functions, run on the chinesecalendar package's schedule, without a database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.core import calendar
from guanxi.core.calendar import OfficeHours, Schedule

SCHEDULE = calendar.package_schedule()
OFFICE = OfficeHours.parse("09:00-12:00,13:30-18:00")
SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# --- fixed cases ------------------------------------------------------------------------------


def test_national_day_2025_moves_the_next_working_day_to_9_october() -> None:
    assert calendar.add_working_days(D(2025, 9, 30), 1, schedule=SCHEDULE) == D(2025, 10, 9)


def test_make_up_weekends_of_national_day_2025_are_working_days() -> None:
    assert D(2025, 9, 28).weekday() == 6 and calendar.is_workday(D(2025, 9, 28), schedule=SCHEDULE)
    assert D(2025, 10, 11).weekday() == 5 and calendar.is_workday(D(2025, 10, 11), schedule=SCHEDULE)
    assert not calendar.is_workday(D(2025, 10, 8), schedule=SCHEDULE)  # a Wednesday off
    assert not calendar.is_workday(D(2025, 10, 12), schedule=SCHEDULE)  # an ordinary Sunday


def test_the_start_day_never_counts_and_zero_is_the_day_itself() -> None:
    assert calendar.add_working_days(D(2025, 10, 9), 1, schedule=SCHEDULE) == D(2025, 10, 10)
    assert calendar.add_working_days(D(2025, 10, 4), 0, schedule=SCHEDULE) == D(2025, 10, 4)
    assert calendar.add_working_days(D(2025, 10, 9), -1, schedule=SCHEDULE) == D(2025, 9, 30)
    # The make-up Saturday after the holiday counts: 9 Oct (Thu), 10 (Fri), 11 (Sat, 调休).
    assert calendar.add_working_days(D(2025, 9, 30), 3, schedule=SCHEDULE) == D(2025, 10, 11)


def test_working_hours_skip_the_lunch_break_and_the_holiday() -> None:
    assert calendar.add_working_hours(at(2025, 9, 29, 11), 2, schedule=SCHEDULE, office=OFFICE) == at(2025, 9, 29, 14, 30)
    assert calendar.add_working_hours(at(2025, 9, 30, 17), 2, schedule=SCHEDULE, office=OFFICE) == at(2025, 10, 9, 10)
    # From the evening before, time starts at the next session; exactly a session's end is allowed.
    assert calendar.add_working_hours(at(2025, 9, 29, 20), 3, schedule=SCHEDULE, office=OFFICE) == at(2025, 9, 30, 12)
    assert calendar.add_working_hours(at(2025, 10, 9, 10), -2, schedule=SCHEDULE, office=OFFICE) == at(2025, 9, 30, 17)
    assert calendar.add_working_hours(at(2025, 10, 4, 10), 0, schedule=SCHEDULE, office=OFFICE) == at(2025, 10, 4, 10)


def test_working_time_between_counts_office_time_on_working_days_only() -> None:
    week = calendar.working_time_between(at(2025, 9, 29), at(2025, 10, 13), schedule=SCHEDULE, office=OFFICE)
    # 29, 30 Sep and 9, 10, 11 Oct are the working days of those two weeks, 7.5 hours each.
    assert week == dt.timedelta(hours=5 * 7.5)
    assert calendar.working_time_between(at(2025, 10, 13), at(2025, 9, 29), schedule=SCHEDULE, office=OFFICE) == -week
    assert calendar.working_time_between(
        at(2025, 9, 29, 11, 30), at(2025, 9, 29, 14), schedule=SCHEDULE, office=OFFICE
    ) == dt.timedelta(hours=1)


def test_aware_input_in_another_zone_is_read_in_office_time() -> None:
    utc = dt.datetime(2025, 9, 29, 3, 0, tzinfo=dt.UTC)  # 11:00 in Shanghai
    result = calendar.schedule_add_working_hours(SCHEDULE, OFFICE, utc, 2, SHANGHAI)
    assert result == at(2025, 9, 29, 14, 30) and result.utcoffset() == dt.timedelta(hours=8)


def test_naive_datetimes_are_office_wall_clock_time() -> None:
    naive = dt.datetime(2025, 9, 29, 11)
    assert calendar.schedule_add_working_hours(SCHEDULE, OFFICE, naive, 2, SHANGHAI) == dt.datetime(2025, 9, 29, 14, 30)


def test_a_year_without_entries_falls_back_to_monday_to_friday_and_is_reported() -> None:
    only_2025 = Schedule.from_rows(r for r in calendar.package_rows() if r[0].year == 2025)
    assert only_2025.missing_years([2024, 2025, 2027]) == [2024, 2027]
    assert only_2025.is_workday(D(2027, 10, 1))  # a Friday: no schedule says otherwise
    assert not only_2025.is_workday(D(2027, 10, 2))
    assert calendar.add_working_days(D(2027, 10, 1), 1, schedule=only_2025) == D(2027, 10, 4)


def test_the_package_schedule_covers_2004_to_2026() -> None:
    assert SCHEDULE.missing_years(range(2003, 2028)) == [2003, 2027]
    assert SCHEDULE.name(D(2025, 10, 1)) == "国庆节" and SCHEDULE.name(D(2025, 9, 28)) == "国庆节"


def test_office_hours_are_parsed_and_checked() -> None:
    assert OfficeHours.parse("09:00–12:00, 13:30~18:00") == OFFICE
    assert OFFICE.length == dt.timedelta(hours=7.5)
    for bad in ("", "9-12", "12:00-09:00", "09:00-12:00,11:00-13:00"):
        with pytest.raises(ValueError):
            OfficeHours.parse(bad)


def test_malformed_office_hours_setting_fails_loudly(settings: object) -> None:
    settings.GUANXI_OFFICE_HOURS = "nine to five"  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="GUANXI_OFFICE_HOURS"):
        calendar.office_hours()


def test_a_schedule_with_every_day_off_is_refused_rather_than_looping() -> None:
    start = D(2030, 1, 1)
    all_off = Schedule(holidays={start + dt.timedelta(days=i): "x" for i in range(1, 1200)})
    with pytest.raises(ValueError):
        calendar.add_working_days(start, 1, schedule=all_off)


# --- properties ---------------------------------------------------------------------------------

dates = st.dates(min_value=D(2003, 6, 1), max_value=D(2027, 12, 31))


@settings(max_examples=300, deadline=None)
@given(day=dates, n=st.integers(min_value=-40, max_value=60))
def test_adding_working_days_then_measuring_returns_n(day: dt.date, n: int) -> None:
    result = calendar.add_working_days(day, n, schedule=SCHEDULE)
    assert calendar.working_days_between(day, result, schedule=SCHEDULE) == n
    if n:
        assert SCHEDULE.is_workday(result)
        assert (result > day) == (n > 0)


moments = st.datetimes(min_value=dt.datetime(2003, 6, 1), max_value=dt.datetime(2027, 12, 31)).map(
    lambda m: m.replace(tzinfo=SHANGHAI, microsecond=0)
)


@settings(max_examples=300, deadline=None)
@given(moment=moments, minutes=st.integers(min_value=-60 * 80, max_value=60 * 120))
def test_adding_working_hours_then_measuring_returns_the_amount(moment: dt.datetime, minutes: int) -> None:
    amount = dt.timedelta(minutes=minutes)
    result = calendar.add_working_hours(moment, amount, schedule=SCHEDULE, office=OFFICE)
    assert calendar.working_time_between(moment, result, schedule=SCHEDULE, office=OFFICE) == amount
    if minutes:
        local = result.astimezone(SHANGHAI)
        assert SCHEDULE.is_workday(local.date())
        assert any(start <= local.time() <= end for start, end in OFFICE.sessions)


# --- lunar dates and birthdays ------------------------------------------------------------------


def test_lunar_birthdays_follow_the_leap_month_rule() -> None:
    # 2023 had a leap second month (闰二月 from 22 March); 2024 had none, so the birthday is kept
    # in the ordinary second month.
    assert calendar.next_lunar_birthday(2, 1, True, D(2023, 1, 1)) == D(2023, 3, 22)
    assert calendar.next_lunar_birthday(2, 1, False, D(2023, 1, 1)) == D(2023, 2, 20)
    assert calendar.next_lunar_birthday(2, 1, True, D(2023, 4, 1)) == D(2024, 3, 10)
    # 2025 has a leap sixth month (闰六月 from 25 July): leap and ordinary birthdays differ.
    assert calendar.next_lunar_birthday(6, 1, True, D(2025, 1, 1)) == D(2025, 7, 25)
    assert calendar.next_lunar_birthday(6, 1, False, D(2025, 1, 1)) == D(2025, 6, 25)
    assert calendar.next_lunar_birthday(6, 1, True, D(2025, 7, 26)) == D(2026, 7, 14)


def test_a_birthday_on_the_30th_is_kept_on_the_29th_of_a_short_month() -> None:
    # The twelfth month of lunar 2025 has 29 days (no 年三十): 腊月廿九 is 16 February 2026.
    assert calendar.next_lunar_birthday(12, 30, False, D(2026, 1, 1)) == D(2026, 2, 16)
    # That of lunar 2023 had 30: 除夕 was 腊月三十, 9 February 2024.
    assert calendar.next_lunar_birthday(12, 30, False, D(2024, 1, 1)) == D(2024, 2, 9)


def test_next_lunar_birthday_includes_the_day_itself_and_crosses_the_new_year() -> None:
    assert calendar.next_lunar_birthday(8, 15, False, D(2025, 10, 6)) == D(2025, 10, 6)
    assert calendar.next_lunar_birthday(8, 15, False, D(2025, 10, 7)) == D(2026, 9, 25)
    # 腊月初八 of lunar 2024 falls in January 2025.
    assert calendar.next_lunar_birthday(12, 8, False, D(2025, 1, 1)) == D(2025, 1, 7)
    with pytest.raises(ValueError):
        calendar.next_lunar_birthday(13, 1, False, D(2025, 1, 1))


class _Record:
    def __init__(self, **values: object) -> None:
        self.birthday = None
        self.birthday_calendar = "solar"
        self.lunar_birth_month = self.lunar_birth_day = None
        self.lunar_birth_leap = False
        self.__dict__.update(values)


def test_next_birthday_of_a_record_solar_lunar_and_29_february() -> None:
    leapling = _Record(birthday=D(1988, 2, 29))
    assert calendar.next_birthday(leapling, D(2025, 1, 1)) == D(2025, 2, 28)
    assert calendar.next_birthday(leapling, D(2028, 1, 1)) == D(2028, 2, 29)
    assert calendar.next_birthday(_Record(birthday=D(1980, 5, 1)), D(2025, 5, 2)) == D(2026, 5, 1)
    lunar = _Record(birthday=D(1980, 9, 24), birthday_calendar="lunar", lunar_birth_month=8, lunar_birth_day=15)
    assert calendar.next_birthday(lunar, D(2025, 1, 1)) == D(2025, 10, 6)
    assert calendar.next_birthday(_Record(), D(2025, 1, 1)) is None


def test_lunar_labels() -> None:
    assert [calendar.lunar_label(*x) for x in [(4, 8, True), (8, 15, False), (12, 30, False), (1, 1, False),
                                                 (1, 20, False), (11, 21, False)]] == [
        "闰四月初八", "八月十五", "腊月三十", "正月初一", "正月二十", "冬月廿一"]


@settings(max_examples=200, deadline=None)
@given(start=st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 12, 31)), length=st.integers(0, 365),
       month=st.integers(1, 12), day=st.integers(1, 30), leap=st.booleans())
def test_the_lunar_window_ranges_hold_every_birthday_kept_in_the_window(
    start: dt.date, length: int, month: int, day: int, leap: bool
) -> None:
    end = start + dt.timedelta(days=length)
    kept = calendar.next_lunar_birthday(month, day, leap, start)
    ranges = calendar.lunar_day_ranges(start, end)
    if kept <= end:
        matching = [r for r in ranges if r.month == month and r.first <= day <= r.last]
        assert matching
        # the order key places it near its date (a 30th kept on the 29th sorts one day late)
        assert min(abs(r.offset + day - (kept - start).days) for r in matching) <= 1


@settings(max_examples=200, deadline=None)
@given(start=st.dates(min_value=D(2004, 1, 1), max_value=D(2030, 12, 31)), length=st.integers(0, 365),
       born=st.dates(min_value=D(1930, 1, 1), max_value=D(2003, 12, 31)))
def test_the_solar_window_ranges_hold_every_birthday_kept_in_the_window(
    start: dt.date, length: int, born: dt.date
) -> None:
    end = start + dt.timedelta(days=length)
    kept = calendar.next_solar_birthday(born, start)
    in_ranges = [r for r in calendar.solar_day_ranges(start, end)
                 if r.month == born.month and r.first <= born.day <= r.last]
    assert bool(in_ranges) == (kept <= end)
    if kept <= end:
        assert min(r.offset + born.day for r in in_ranges) in ((kept - start).days, (kept - start).days + 1)


# --- festivals ----------------------------------------------------------------------------------


def _by_key(year: int) -> dict[str, dt.date]:
    return {f.key: f.date for f in calendar.festivals(year)}


def test_festivals_of_2025() -> None:
    assert _by_key(2025) == {
        "new_years_day": D(2025, 1, 1), "spring_festival": D(2025, 1, 29), "lantern_festival": D(2025, 2, 12),
        "qingming": D(2025, 4, 4), "labour_day": D(2025, 5, 1), "dragon_boat_festival": D(2025, 5, 31),
        "qixi": D(2025, 8, 29), "national_day": D(2025, 10, 1), "mid_autumn_festival": D(2025, 10, 6),
        "double_ninth_festival": D(2025, 10, 29),
    }


def test_festivals_of_2024_and_2026() -> None:
    f2024, f2026 = _by_key(2024), _by_key(2026)
    assert (f2024["spring_festival"], f2024["dragon_boat_festival"], f2024["mid_autumn_festival"],
            f2024["qingming"]) == (D(2024, 2, 10), D(2024, 6, 10), D(2024, 9, 17), D(2024, 4, 4))
    assert (f2026["spring_festival"], f2026["dragon_boat_festival"], f2026["mid_autumn_festival"]) == (
        D(2026, 2, 17), D(2026, 6, 19), D(2026, 9, 25))


def test_festivals_are_sorted_typed_and_translated() -> None:
    from django.utils import translation

    found = calendar.festivals(2025)
    assert [f.date for f in found] == sorted(f.date for f in found)
    assert {f.kind for f in found if f.key in {"new_years_day", "labour_day", "national_day"}} == {"statutory"}
    with translation.override("en"):
        assert str(next(f.name for f in found if f.key == "mid_autumn_festival")) == "Mid-Autumn Festival"
    assert [f.key for f in calendar.festivals_between(D(2025, 9, 30), D(2025, 10, 10))] == [
        "national_day", "mid_autumn_festival"]


def test_lunar_day_ranges_outside_the_lunar_tables_are_empty() -> None:
    import datetime as dt

    from guanxi.core.calendar import lunar_day_ranges

    assert lunar_day_ranges(dt.date(1, 1, 1), dt.date(1, 1, 7)) == []
    assert lunar_day_ranges(dt.date(9990, 1, 1), dt.date(9990, 1, 7)) == []
    assert lunar_day_ranges(dt.date(2025, 10, 1), dt.date(2025, 10, 7))
