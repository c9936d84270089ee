"""REST endpoints for the working-day calendar and the reminder digest."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.params.functions import Path

from guanxi.accounts.http import ApiRequest  # moves with the calendar API out of core (issue 16)
from guanxi.core import calendar, selectors, services
from guanxi.core.calendar_schemas import (
    CalendarDayOut,
    HolidayIn,
    HolidayOut,
    HolidayYearOut,
    HolidayYearQuery,
    ReminderOut,
    RemindersOut,
    RemindersQuery,
    WorkdaysOut,
    WorkdaysQuery,
)
from guanxi.core.models import Holiday

router = Router(tags=["calendar"])
HolidayId = Path(..., ge=1, le=2**63 - 1)


@router.get("/calendar/workdays", response=WorkdaysOut, summary="Which days are working days")
def workdays(request: HttpRequest, query: Query[WorkdaysQuery]) -> dict[str, Any]:
    if query.end < query.start:
        raise ValidationError({"end": _("The end must not be before the start.")})
    if (query.end - query.start).days >= selectors.MAX_RANGE_DAYS:
        raise ValidationError({"end": _("Ask for at most %(days)s days.") % {"days": selectors.MAX_RANGE_DAYS}})
    schedule = calendar.load_schedule()
    days = selectors.days_between(start=query.start, end=query.end, schedule=schedule)
    return {
        "start": query.start, "end": query.end,
        "missing_years": schedule.missing_years(range(query.start.year, query.end.year + 1)),
        "days": [CalendarDayOut(date=d.date, workday=d.workday, kind=d.kind, name=d.name) for d in days],
    }


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


@router.get("/calendar/reminders", response=RemindersOut, summary="Upcoming birthdays, anniversaries and festivals")
def reminders(request: ApiRequest, query: Query[RemindersQuery]) -> dict[str, Any]:
    start, end = selectors.reminder_window(today=timezone.localdate(), days=query.days)
    found = selectors.reminders_for(user=request.auth, start=start, end=end)
    return {
        "start": start, "end": end,
        "missing_years": calendar.missing_years(range(start.year, end.year + 1)),
        "items": [ReminderOut(on=r.on, kind=r.kind, title=r.title, customer_id=r.customer_id, url=r.url)
                  for r in found],
    }



