"""API input and output shapes of the calendar endpoints; one schema per direction, strict on input."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field


class WorkdaysQuery(Schema):
    start: dt.date = Field(..., description="first day (YYYY-MM-DD)")
    end: dt.date = Field(..., description="last day; at most 366 days in all")


class CalendarDayOut(Schema):
    date: dt.date
    workday: bool
    kind: Literal["holiday", "workday", "weekday", "weekend"] = Field(
        ..., description="holiday: official day off; workday: weekend made a working day (调休)")
    name: str = Field(..., description="the holiday the day belongs to, e.g. 国庆节; empty for ordinary days")


class WorkdaysOut(Schema):
    start: dt.date
    end: dt.date
    missing_years: list[int] = Field(..., description="years with no official schedule: Mon–Fri is assumed")
    days: list[CalendarDayOut]


class RemindersQuery(Schema):
    days: int = Field(30, ge=1, le=366, description="today and the following days")


class ReminderOut(Schema):
    on: dt.date
    kind: str = Field(..., description="birthday, lunar_birthday, family_birthday, family_lunar_birthday, "
                                        "anniversary, festival, workday, or another app's kind")
    title: str
    customer_id: int | None
    url: str


class RemindersOut(Schema):
    start: dt.date
    end: dt.date
    missing_years: list[int]
    items: list[ReminderOut]
