"""The few working-day questions this app asks, answered by the shared calendar (holidays, 调休)."""

from __future__ import annotations

import datetime as dt

from guanxi.core import calendar


def is_workday(day: dt.date) -> bool:
    return calendar.is_workday(day)


def previous_workday(day: dt.date) -> dt.date:
    """The working day before `day` (prepare a greeting the day before a holiday)."""
    return calendar.add_working_days(day, -1)


def next_workday(day: dt.date) -> dt.date:
    """`day` itself when it is a working day, else the next one."""
    return day if calendar.is_workday(day) else calendar.add_working_days(day, 1)


def workdays_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every working day in [start, end]."""
    schedule = calendar.load_schedule()
    days = []
    day = start
    while day <= end:
        if calendar.is_workday(day, schedule=schedule):
            days.append(day)
        day += dt.timedelta(days=1)
    return days
