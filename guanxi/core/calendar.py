"""The working-day and lunar calendar (工作日与农历).

The official schedule — statutory holidays and make-up working days (调休) — is data: the
`guanxi.holidays` table, seeded from `chinesecalendar` and extended by administrators each year. The
functions here are pure: each takes a `Schedule` (and office hours) built from that data, so they
can be tested without a database. The module-level wrappers with the same names load the schedule
from the database when none is passed; interactions, tasks and SLAs call those.

A year with no entries falls back to Monday–Friday; `missing_years` tells the UI to warn.
"""

from __future__ import annotations

import calendar as calendar_module
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from lunar_python import Lunar, LunarMonth, LunarYear, Solar

HOLIDAY = "holiday"
WORKDAY = "workday"

# How far a search for the next working moment may run before the inputs are declared impossible
# (a schedule with every day off, or no office hours at all).
_MAX_SEARCH_DAYS = 3 * 366


@dataclass(frozen=True)
class Schedule:
    """Official days off and make-up working days, by date, with their names (e.g. 国庆节)."""

    holidays: Mapping[dt.date, str] = field(default_factory=dict)
    workdays: Mapping[dt.date, str] = field(default_factory=dict)

    @property
    def years(self) -> frozenset[int]:
        """Years that have at least one entry: their schedule is known."""
        return frozenset(d.year for d in (*self.holidays, *self.workdays))

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def name(self, day: dt.date) -> str:
        """The holiday a day belongs to (a day off or its make-up working day), or ""."""
        return self.holidays.get(day) or self.workdays.get(day) or ""

    def missing_years(self, years: Iterable[int]) -> list[int]:
        known = self.years
        return sorted({y for y in years if y not in known})

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[dt.date, str, str]]) -> Schedule:
        """Build from (date, kind, name) rows, kind being "holiday" or "workday"."""
        holidays: dict[dt.date, str] = {}
        workdays: dict[dt.date, str] = {}
        for day, kind, name in rows:
            (workdays if kind == WORKDAY else holidays)[day] = name
        return cls(holidays=holidays, workdays=workdays)


@dataclass(frozen=True)
class OfficeHours:
    """The working sessions of a working day in local time, e.g. 09:00–12:00 and 13:30–18:00.

    Several sessions model the lunch break: a morning and an afternoon half day.
    """

    sessions: tuple[tuple[dt.time, dt.time], ...]

    def __post_init__(self) -> None:
        if not self.sessions:
            raise ValueError("office hours need at least one session")
        previous_end: dt.time | None = None
        for start, end in self.sessions:
            if start >= end:
                raise ValueError(f"office session {start:%H:%M}-{end:%H:%M} ends before it starts")
            if previous_end is not None and start < previous_end:
                raise ValueError("office sessions must be in order and must not overlap")
            previous_end = end

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """Parse "09:00-12:00,13:30-18:00" (also with "–" or "~")."""
        sessions = []
        for part in text.split(","):
            part = part.strip().replace("–", "-").replace("~", "-")
            if not part:
                continue
            try:
                start, end = (dt.time.fromisoformat(p.strip()) for p in part.split("-"))
            except ValueError as exc:
                raise ValueError(f"office session {part!r} is not HH:MM-HH:MM") from exc
            sessions.append((start, end))
        return cls(tuple(sessions))

    @property
    def length(self) -> dt.timedelta:
        """The working time of one full working day."""
        return sum(
            (dt.datetime.combine(dt.date.min, e) - dt.datetime.combine(dt.date.min, s) for s, e in self.sessions),
            dt.timedelta(),
        )


# --- working days ---------------------------------------------------------------------------------


def schedule_is_workday(schedule: Schedule, day: dt.date) -> bool:
    return schedule.is_workday(day)


def schedule_add_working_days(schedule: Schedule, day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (before it when n < 0); `day` itself never counts; n=0 → day."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    current = day
    idle = 0
    while remaining:
        current += dt.timedelta(days=step)
        if schedule.is_workday(current):
            remaining -= 1
            idle = 0
        else:
            idle += 1
            if idle > _MAX_SEARCH_DAYS:
                raise ValueError("no working day within three years: the schedule has every day off")
    return current


def schedule_working_days_between(schedule: Schedule, a: dt.date, b: dt.date) -> int:
    """Working days from a to b, a itself not counted: those in (a, b], or minus those in [b, a).

    The inverse of `add_working_days`: measured from a, `add_working_days(a, n)` gives n.
    """
    if b < a:
        return -sum(1 for i in range((a - b).days) if schedule.is_workday(b + dt.timedelta(days=i)))
    return sum(1 for i in range(1, (b - a).days + 1) if schedule.is_workday(a + dt.timedelta(days=i)))


# --- working hours --------------------------------------------------------------------------------


def _sessions(schedule: Schedule, hours: OfficeHours, day: dt.date, tz: dt.tzinfo | None) -> list[tuple[dt.datetime, dt.datetime]]:
    """The office sessions of one day as datetimes (aware in `tz`, or naive), none on a day off."""
    if not schedule.is_workday(day):
        return []
    return [(dt.datetime.combine(day, s, tzinfo=tz), dt.datetime.combine(day, e, tzinfo=tz)) for s, e in hours.sessions]


def _local(moment: dt.datetime, tz: dt.tzinfo | None) -> tuple[dt.datetime, dt.tzinfo | None]:
    """The moment in the office's time zone; naive datetimes are taken as office wall-clock time."""
    if moment.tzinfo is None or tz is None:
        return moment, moment.tzinfo
    return moment.astimezone(tz), tz


def _span(a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    # Aware datetimes subtract through UTC, so a daylight-saving change is counted correctly.
    if a.tzinfo is not None:
        return b.astimezone(dt.UTC) - a.astimezone(dt.UTC)
    return b - a


def _shift(moment: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    if moment.tzinfo is not None:
        return (moment.astimezone(dt.UTC) + delta).astimezone(moment.tzinfo)
    return moment + delta


def _as_delta(hours: float | int | dt.timedelta) -> dt.timedelta:
    return hours if isinstance(hours, dt.timedelta) else dt.timedelta(hours=hours)


def schedule_add_working_hours(
    schedule: Schedule, office: OfficeHours, moment: dt.datetime, hours: float | int | dt.timedelta,
    tz: dt.tzinfo | None = None,
) -> dt.datetime:
    """The moment `hours` of office time after `moment` (before it when negative).

    Time outside office hours and on days off does not count; a positive amount ends inside a
    session (at its end at the latest), a negative one at or after a session's start. The result
    is in the office time zone `tz` (naive in, naive out).
    """
    remaining = _as_delta(hours)
    if not remaining:
        return moment
    current, tz = _local(moment, tz)
    forward = remaining > dt.timedelta(0)
    remaining = abs(remaining)
    day = current.date()
    for _step in range(_MAX_SEARCH_DAYS + 2):
        sessions = _sessions(schedule, office, day, tz)
        for start, end in sessions if forward else reversed(sessions):
            if forward:
                if end <= current:
                    continue
                begin = max(start, current)
                available = _span(begin, end)
                if remaining <= available:
                    return _shift(begin, remaining)
            else:
                if start >= current:
                    continue
                finish = min(end, current)
                available = _span(start, finish)
                if remaining <= available:
                    return _shift(finish, -remaining)
            remaining -= available
        day += dt.timedelta(days=1 if forward else -1)
    raise ValueError("no office time within three years: the schedule has every day off")


def schedule_working_time_between(
    schedule: Schedule, office: OfficeHours, a: dt.datetime, b: dt.datetime, tz: dt.tzinfo | None = None
) -> dt.timedelta:
    """Office time on working days between a and b; negative when b is before a."""
    if b < a:
        return -schedule_working_time_between(schedule, office, b, a, tz)
    a_local, zone = _local(a, tz)
    b_local, _zone = _local(b, tz)
    total = dt.timedelta()
    day = a_local.date()
    while day <= b_local.date():
        for start, end in _sessions(schedule, office, day, zone):
            begin, finish = max(start, a_local), min(end, b_local)
            if begin < finish:
                total += _span(begin, finish)
        day += dt.timedelta(days=1)
    return total


# --- lunar dates ----------------------------------------------------------------------------------


@cache
def _leap_month(lunar_year: int) -> int:
    return int(LunarYear.fromYear(lunar_year).getLeapMonth())


@cache
def _month_days(lunar_year: int, month: int) -> int:
    """Days (29 or 30) of a lunar month; a negative month is the leap month."""
    return int(LunarMonth.fromYm(lunar_year, month).getDayCount())


@lru_cache(maxsize=65536)
def lunar_to_solar(lunar_year: int, month: int, day: int, leap: bool = False) -> dt.date:
    """The solar date of a lunar date that exists (the caller checks leap months and day counts).

    Memoised: `lunar_python` keeps only the last lunar year it computed (about 10 ms each), and the
    reminders alternate between this year and the next for every lunar birthday."""
    solar = Lunar.fromYmd(lunar_year, -month if leap else month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def lunar_birthday_in_year(month: int, day: int, leap: bool, lunar_year: int) -> dt.date:
    """The solar date a lunar birthday is kept on in a lunar year, by the families' rules.

    A birthday in a leap month is kept in the ordinary month in years without that leap month;
    a birthday on the 30th is kept on the 29th when that month has only 29 days.
    """
    if not (1 <= month <= 12 and 1 <= day <= 30):
        raise ValueError(f"not a lunar date: month {month}, day {day}")
    in_leap = leap and _leap_month(lunar_year) == month
    days = _month_days(lunar_year, -month if in_leap else month)
    return lunar_to_solar(lunar_year, month, min(day, days), in_leap)


def next_lunar_birthday(month: int, day: int, leap: bool, on_or_after: dt.date) -> dt.date:
    """The first day on or after `on_or_after` on which a lunar birthday (month, day, leap) is kept."""
    # The lunar year starting in the solar year before may still be running in January/February.
    for lunar_year in range(on_or_after.year - 1, on_or_after.year + 2):
        kept = lunar_birthday_in_year(month, day, leap, lunar_year)
        if kept >= on_or_after:
            return kept
    raise AssertionError("a lunar birthday falls in every lunar year")  # pragma: no cover


def next_solar_birthday(born: dt.date, on_or_after: dt.date) -> dt.date:
    """The next birthday of a solar date of birth; 29 February is kept on 28 February in common years."""
    for year in (on_or_after.year, on_or_after.year + 1):
        try:
            kept = born.replace(year=year)
        except ValueError:
            kept = dt.date(year, 2, 28)
        if kept >= on_or_after:
            return kept
    raise AssertionError("a solar birthday falls in every year")  # pragma: no cover


def next_birthday(record: Any, on_or_after: dt.date) -> dt.date | None:
    """The next birthday of anything with the Birthday fields (a customer, a family member), or None."""
    if getattr(record, "birthday_calendar", "solar") == "lunar" and record.lunar_birth_month and record.lunar_birth_day:
        return next_lunar_birthday(
            record.lunar_birth_month, record.lunar_birth_day, bool(record.lunar_birth_leap), on_or_after
        )
    if record.birthday:
        return next_solar_birthday(record.birthday, on_or_after)
    return None


def lunar_date_of(day: dt.date) -> tuple[int, int, int, bool]:
    """(lunar year, month, day, leap) of a solar date."""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    month = int(lunar.getMonth())
    return int(lunar.getYear()), abs(month), int(lunar.getDay()), month < 0


_LUNAR_MONTHS = ["正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊"]
_LUNAR_DAYS = ["初", "十", "廿", "三"]
_DIGITS = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]


def lunar_label(month: int, day: int, leap: bool = False) -> str:
    """A lunar month and day as written in Chinese: 闰四月初八, 八月十五, 腊月三十."""
    if day == 10:
        day_text = "初十"
    elif day == 20:
        day_text = "二十"
    elif day == 30:
        day_text = "三十"
    else:
        day_text = _LUNAR_DAYS[day // 10] + _DIGITS[day % 10]
    return f"{'闰' if leap else ''}{_LUNAR_MONTHS[month - 1]}月{day_text}"


# --- festivals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Festival:
    """A festival on a date: traditional (lunar or solar term) or statutory (fixed solar date)."""

    date: dt.date
    name: str | Promise
    kind: str  # "traditional" | "statutory"
    key: str = ""


TRADITIONAL = "traditional"
STATUTORY = "statutory"

_LUNAR_FESTIVALS: list[tuple[str, Promise, int, int]] = [
    ("spring_festival", _("Spring Festival"), 1, 1),
    ("lantern_festival", _("Lantern Festival"), 1, 15),
    ("dragon_boat_festival", _("Dragon Boat Festival"), 5, 5),
    ("qixi", _("Qixi Festival"), 7, 7),
    ("mid_autumn_festival", _("Mid-Autumn Festival"), 8, 15),
    ("double_ninth_festival", _("Double Ninth Festival"), 9, 9),
]
_STATUTORY_FESTIVALS: list[tuple[str, Promise, int, int]] = [
    ("new_years_day", _("New Year's Day"), 1, 1),
    ("labour_day", _("Labour Day"), 5, 1),
    ("national_day", _("National Day"), 10, 1),
]


@cache
def _qingming(year: int) -> dt.date:
    solar = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def festivals(year: int) -> list[Festival]:
    """The traditional festivals (春节 元宵 清明 端午 七夕 中秋 重阳) and statutory holidays
    (元旦 五一 国庆) falling in a solar year, by date."""
    found = [Festival(dt.date(year, m, d), name, STATUTORY, key) for key, name, m, d in _STATUTORY_FESTIVALS]
    # Lunar year `year` starts in late January or February of solar year `year`, so its festivals
    # all fall in the same solar year.
    found += [Festival(lunar_to_solar(year, m, d), name, TRADITIONAL, key) for key, name, m, d in _LUNAR_FESTIVALS]
    found.append(Festival(_qingming(year), _("Qingming Festival"), TRADITIONAL, "qingming"))
    return sorted(found, key=lambda f: (f.date, f.key))


def festivals_between(start: dt.date, end: dt.date) -> list[Festival]:
    return [f for year in range(start.year, end.year + 1) for f in festivals(year) if start <= f.date <= end]


# --- the schedule from the database, and the wrappers -------------------------------------------

_VERSION_KEY = "guanxi:calendar:schedule-version"
# (version token, schedule): the schedule is reloaded when another process (or this one) changed
# the table, which each edit announces by writing a new token to the shared cache.
_loaded: tuple[str, Schedule] | None = None


def _current_version() -> str:
    from django.core.cache import cache as shared_cache

    version = shared_cache.get(_VERSION_KEY)
    if version is None:
        shared_cache.add(_VERSION_KEY, _new_token(), timeout=None)
        version = shared_cache.get(_VERSION_KEY) or ""
    return str(version)


def _new_token() -> str:
    import uuid

    return uuid.uuid4().hex


def schedule_changed() -> None:
    """Announce an edit of the holiday table to every process (called by the services)."""
    from django.core.cache import cache as shared_cache

    global _loaded
    _loaded = None
    shared_cache.set(_VERSION_KEY, _new_token(), timeout=None)


ScheduleLoader = Callable[[], Iterable[tuple[dt.date, str, str]]]
# Where the schedule's rows come from: the holidays app registers its table in its `ready()`, so core
# imports no app. Without a loader every year is Mon–Fri (and reported missing).
_schedule_loader: ScheduleLoader | None = None


def set_schedule_loader(loader: ScheduleLoader | None) -> None:
    """Make `loader` (rows of (date, kind, name), kind "holiday" or "workday") the schedule's source."""
    global _schedule_loader, _loaded
    _schedule_loader = loader
    _loaded = None


def load_schedule() -> Schedule:
    """The schedule from the registered loader (the holiday table), kept per process until it changes."""
    global _loaded
    version = _current_version()
    if _loaded is not None and _loaded[0] == version:
        return _loaded[1]
    schedule = Schedule.from_rows(_schedule_loader() if _schedule_loader is not None else ())
    _loaded = (version, schedule)
    return schedule


@cache
def _parse_office_hours(text: str) -> OfficeHours:
    return OfficeHours.parse(text)


def office_hours() -> OfficeHours:
    """Office hours from `settings.GUANXI_OFFICE_HOURS`; a malformed value fails loudly."""
    from django.conf import settings

    text = getattr(settings, "GUANXI_OFFICE_HOURS", "09:00-12:00,13:30-18:00")
    try:
        return _parse_office_hours(text)
    except ValueError as exc:
        raise ImproperlyConfigured(f"GUANXI_OFFICE_HOURS: {exc}") from exc


def _office_zone() -> dt.tzinfo:
    from django.utils import timezone

    return timezone.get_default_timezone()


def is_workday(d: dt.date, *, schedule: Schedule | None = None) -> bool:
    """Whether a date is a working day: Mon–Fri unless a holiday, or a make-up working day."""
    return (schedule or load_schedule()).is_workday(d)


def add_working_days(d: dt.date, n: int, *, schedule: Schedule | None = None) -> dt.date:
    """The n-th working day after d (d itself never counts); before d when n is negative."""
    return schedule_add_working_days(schedule or load_schedule(), d, n)


def working_days_between(a: dt.date, b: dt.date, *, schedule: Schedule | None = None) -> int:
    """Working days from a to b, a not counted (negative when b < a); the inverse of `add_working_days`."""
    return schedule_working_days_between(schedule or load_schedule(), a, b)


def add_working_hours(
    dt_: dt.datetime, hours: float | int | dt.timedelta, *, schedule: Schedule | None = None,
    office: OfficeHours | None = None,
) -> dt.datetime:
    """`hours` of office time after dt_ (office hours from settings, lunch break excluded).

    Aware datetimes come back in the project's time zone; naive ones are taken as local time.
    """
    return schedule_add_working_hours(
        schedule or load_schedule(), office or office_hours(), dt_, hours, _office_zone()
    )


def working_time_between(
    a: dt.datetime, b: dt.datetime, *, schedule: Schedule | None = None, office: OfficeHours | None = None
) -> dt.timedelta:
    """Office time on working days between a and b (negative when b < a)."""
    return schedule_working_time_between(schedule or load_schedule(), office or office_hours(), a, b, _office_zone())


def due_at(
    start: dt.datetime, *, hours: float | None = None, days: int | None = None,
    schedule: Schedule | None = None, office: OfficeHours | None = None,
) -> dt.datetime:
    """When a limit given in office time runs out: the one function every app uses for due times.

    - `hours`: that much office time after `start` (`settings.GUANXI_OFFICE_HOURS`, the lunch break,
      weekends and holidays not counted, make-up working days (调休) counted). A start outside office
      hours counts from the next session; the result is never outside a session.
    - `days`: the end of the office day `days` working days after `start`'s day (`start`'s own day
      never counts): "within 2 working days" from Friday 10:00 before a normal weekend is Tuesday 18:00.

    Exactly one of the two is given, and it is positive. The schedule (days off, make-up working
    days) comes from the holiday table unless passed. Aware datetimes come back in the project's time
    zone; naive ones are taken as, and returned in, local time.
    """
    if (hours is None) == (days is None):
        raise ValueError("due_at needs exactly one of hours= and days=")
    schedule = schedule or load_schedule()
    office = office or office_hours()
    if hours is not None:
        if hours <= 0:
            raise ValueError("hours must be positive")
        return schedule_add_working_hours(schedule, office, start, hours, _office_zone())
    assert days is not None
    if days <= 0:
        raise ValueError("days must be positive")
    local, zone = _local(start, _office_zone())
    day = schedule_add_working_days(schedule, local.date(), days)
    return dt.datetime.combine(day, office.sessions[-1][1], tzinfo=zone)


def missing_years(years: Iterable[int], *, schedule: Schedule | None = None) -> list[int]:
    """Years without any schedule entry: the calendar falls back to Mon–Fri there, and the UI warns."""
    return (schedule or load_schedule()).missing_years(years)


def schedule_warning_context(*days: dt.date, schedule: Schedule | None = None) -> dict[str, list[int]]:
    """Context for `core/partials/schedule_warning.html`: the years of these dates with no schedule."""
    return {"calendar_missing_years": missing_years({d.year for d in days}, schedule=schedule)}


def package_schedule() -> Schedule:
    """The schedule as the `chinesecalendar` package ships it (the seed of the table)."""
    rows = package_rows()
    return Schedule.from_rows((day, kind, name) for day, kind, name in rows)


def package_rows() -> list[tuple[dt.date, str, str]]:
    """(date, kind, Chinese name) of every day off and make-up working day the package knows."""
    import chinese_calendar

    chinese = {h.value: h.chinese for h in chinese_calendar.Holiday}
    rows = [(day, HOLIDAY, chinese.get(name, name)) for day, name in chinese_calendar.holidays.items()]
    rows += [(day, WORKDAY, chinese.get(name, name)) for day, name in chinese_calendar.workdays.items()]
    return sorted(rows)


# --- date windows as (month, day) ranges, for filtering birthdays in SQL --------------------------


@dataclass(frozen=True)
class DayRange:
    """Month `month`, days first..last of a window; day d is kept `offset + d` days after its start."""

    month: int
    first: int
    last: int
    offset: int


def solar_day_ranges(start: dt.date, end: dt.date) -> list[DayRange]:
    """The (month, day) ranges whose solar anniversaries fall in [start, end].

    In a common year, 29 February is kept on 28 February, so it joins the range holding the 28th.
    """
    ranges: list[DayRange] = []
    cursor = start
    while cursor <= end:
        next_month = (cursor.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        last = min(end, next_month - dt.timedelta(days=1))
        offset = (cursor - start).days - cursor.day
        ranges.append(DayRange(cursor.month, cursor.day, last.day, offset))
        if cursor.month == 2 and last.day == 28 and not calendar_module.isleap(cursor.year):
            ranges.append(DayRange(2, 29, 29, offset - 1))
        cursor = next_month
    return ranges


@cache
def _lunar_months_of(lunar_year: int) -> tuple[tuple[int, dt.date, int], ...]:
    """(month, first solar day, day count) of each month of a lunar year; negative month = leap."""
    months = []
    for month in LunarYear.fromYear(lunar_year).getMonths():
        if month.getYear() != lunar_year:
            continue
        first = Solar.fromJulianDay(month.getFirstJulianDay())
        months.append((int(month.getMonth()), dt.date(first.getYear(), first.getMonth(), first.getDay()),
                       int(month.getDayCount())))
    return tuple(months)


def lunar_day_ranges(start: dt.date, end: dt.date) -> list[DayRange]:
    """The lunar (month, day) ranges of birthdays kept in [start, end], leap flag not considered.

    A 29-day month also keeps the birthdays of its 30th; the caller checks each candidate with
    `next_lunar_birthday`, which also settles leap months.
    """
    ranges: list[DayRange] = []
    # Lunar tables cover 1901–2099 here; outside them no lunar birthday can be placed.
    start, end = max(start, dt.date(1901, 2, 19)), min(end, dt.date(2099, 12, 31))
    if start > end:
        return ranges
    for lunar_year in range(start.year - 1, end.year + 1):
        for month, first, count in _lunar_months_of(lunar_year):
            last_day = first + dt.timedelta(days=count - 1)
            if last_day < start or first > end:
                continue
            lo, hi = max(first, start), min(last_day, end)
            first_day, final_day = (lo - first).days + 1, (hi - first).days + 1
            if final_day == count == 29:
                final_day = 30
            ranges.append(DayRange(abs(month), first_day, final_day, (first - start).days - 1))
    return ranges
