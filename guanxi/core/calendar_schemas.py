"""API input and output shapes of the calendar endpoints; one schema per direction, strict on input."""

from __future__ import annotations

import datetime as dt
from typing import Literal, cast

from ninja import Schema
from pydantic import ConfigDict, Field

from guanxi.core.models import Holiday
from guanxi.core.schemas import CleanStr

HolidayKindLiteral = Literal["holiday", "workday"]


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


class HolidayYearQuery(Schema):
    year: int = Field(..., ge=1900, le=2200)


class HolidayIn(Schema):
    model_config = ConfigDict(extra="forbid")

    date: dt.date
    kind: HolidayKindLiteral
    name: CleanStr = Field(..., min_length=1, max_length=100)


class HolidayOut(Schema):
    id: int
    date: dt.date
    kind: HolidayKindLiteral
    name: str
    source: Literal["seeded", "admin"]

    @classmethod
    def from_holiday(cls, holiday: Holiday) -> HolidayOut:
        return cls(id=holiday.pk, date=holiday.date, kind=cast(HolidayKindLiteral, holiday.kind), name=holiday.name,
                   source=cast(Literal["seeded", "admin"], holiday.source))


class HolidayYearOut(Schema):
    year: int
    missing: bool = Field(..., description="no entries: the year falls back to Mon–Fri")
    entries: list[HolidayOut]


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
