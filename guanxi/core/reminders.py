"""Reminders every user gets from the calendar: festivals and make-up working days (调休)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from guanxi.core import calendar
from guanxi.core.registry import Reminder

FESTIVAL = "festival"
MAKEUP_WORKDAY = "workday"


def festival_reminders(user: Any, start: dt.date, end: dt.date) -> list[Reminder]:
    """Traditional and statutory festivals in [start, end], and the weekends that are working days."""
    if end < start:
        return []
    found = [
        Reminder(on=f.date, kind=FESTIVAL, title=str(f.name)) for f in calendar.festivals_between(start, end)
    ]
    schedule = calendar.load_schedule()
    found += [
        Reminder(on=day, kind=MAKEUP_WORKDAY, title=_("Make-up working day (%(holiday)s)") % {"holiday": name})
        for day, name in sorted(schedule.workdays.items())
        if start <= day <= end
    ]
    return sorted(found, key=lambda r: (r.on, r.title))
