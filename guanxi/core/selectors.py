"""Reads of the working-day calendar and of the reminder digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Literal

from guanxi.core import calendar
from guanxi.core.registry import Reminder, registry

MAX_RANGE_DAYS = 366
DayKind = Literal["holiday", "workday", "weekday", "weekend"]  # workday: a make-up working day (调休)


@dataclass(frozen=True)
class Day:
    """One date as the calendar sees it."""

    date: dt.date
    workday: bool
    kind: DayKind
    name: str


def days_between(*, start: dt.date, end: dt.date, schedule: calendar.Schedule | None = None) -> list[Day]:
    schedule = schedule or calendar.load_schedule()
    days = []
    for offset in range((end - start).days + 1):
        day = start + dt.timedelta(days=offset)
        kind: DayKind
        if day in schedule.holidays:
            kind = "holiday"
        elif day in schedule.workdays:
            kind = "workday"
        else:
            kind = "weekday" if day.weekday() < 5 else "weekend"
        days.append(Day(date=day, workday=schedule.is_workday(day), kind=kind, name=schedule.name(day)))
    return days


def reminder_window(*, today: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """Today and the next `days` days (today included)."""
    return today, today + dt.timedelta(days=max(days, 1) - 1)


def reminders_for(*, user: Any, start: dt.date, end: dt.date) -> list[Reminder]:
    return registry.reminders(user, start, end)


def group_by_date(reminders: Iterable[Reminder]) -> list[tuple[dt.date, list[Reminder]]]:
    return [(day, list(items)) for day, items in groupby(reminders, key=lambda r: r.on)]
