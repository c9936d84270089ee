"""API input and output shapes of the holiday schedule; one schema per direction, strict on input."""

from __future__ import annotations

import datetime as dt
from typing import Literal, cast

from ninja import Schema
from pydantic import ConfigDict, Field

from guanxi.core.schemas import CleanStr
from guanxi.holidays.models import Holiday

HolidayKindLiteral = Literal["holiday", "workday"]


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
        return cls(id=holiday.pk, date=holiday.date, kind=cast(HolidayKindLiteral, holiday.kind),
                   name=holiday.name, source=cast(Literal["seeded", "admin"], holiday.source))


class HolidayYearOut(Schema):
    year: int
    missing: bool = Field(..., description="no entries: the year falls back to Mon–Fri")
    entries: list[HolidayOut]
