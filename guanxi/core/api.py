"""REST endpoints for the working-day calendar and the reminder digest."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from guanxi.core import calendar, selectors
from guanxi.core.calendar_schemas import (
    CalendarDayOut,
    ReminderOut,
    RemindersOut,
    RemindersQuery,
    WorkdaysOut,
    WorkdaysQuery,
)

router = Router(tags=["calendar"])


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


@router.get("/calendar/reminders", response=RemindersOut, summary="Upcoming birthdays, anniversaries and festivals")
def reminders(request: HttpRequest, query: Query[RemindersQuery]) -> dict[str, Any]:
    start, end = selectors.reminder_window(today=timezone.localdate(), days=query.days)
    # django-ninja sets `auth`; core cannot name the user model (it imports no app).
    found = selectors.reminders_for(user=getattr(request, "auth"), start=start, end=end)  # noqa: B009
    return {
        "start": start, "end": end,
        "missing_years": calendar.missing_years(range(start.year, end.year + 1)),
        "items": [ReminderOut(on=r.on, kind=r.kind, title=r.title, customer_id=r.customer_id, url=r.url)
                  for r in found],
    }
