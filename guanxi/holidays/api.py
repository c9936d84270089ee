"""REST endpoints for the holiday schedule (reading for everyone, writing for administrators)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.params.functions import Path

from guanxi.accounts.http import ApiRequest
from guanxi.holidays import selectors, services
from guanxi.holidays.models import Holiday
from guanxi.holidays.schemas import HolidayIn, HolidayOut, HolidayYearOut, HolidayYearQuery

router = Router(tags=["calendar"])
HolidayId = Path(..., ge=1, le=2**63 - 1)


@router.get("/calendar/holidays", response=HolidayYearOut, summary="A year's holiday schedule")
def holidays(request: HttpRequest, query: Query[HolidayYearQuery]) -> dict[str, Any]:
    entries = [HolidayOut.from_holiday(h) for h in selectors.holidays_in_year(year=query.year)]
    return {"year": query.year, "missing": not entries, "entries": entries}


@router.post("/calendar/holidays", response={201: HolidayOut}, summary="Add a day to the schedule (administrators)")
def add_holiday(request: ApiRequest, payload: HolidayIn) -> Status[Any]:
    holiday = services.holiday_add(actor=request.auth, date=payload.date, kind=payload.kind, name=payload.name)
    return Status(201, HolidayOut.from_holiday(holiday))


@router.delete("/calendar/holidays/{holiday_id}", response={204: None},
               summary="Remove a day from the schedule (administrators)")
def delete_holiday(request: ApiRequest, holiday_id: int = HolidayId) -> Status[None]:
    services.holiday_delete(actor=request.auth, holiday_id=get_object_or_404(Holiday, pk=holiday_id).pk)
    return Status(204, None)
