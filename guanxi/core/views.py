"""Pages that belong to no domain app: the health check and the upcoming reminders."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from guanxi.core import calendar, selectors
from guanxi.core.forms import ReminderRangeForm
from guanxi.core.htmx import render_page_or_partial


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


# --- upcoming reminders (everyone) ---------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


@login_required
@require_GET
def reminders(request: HttpRequest) -> HttpResponse:
    """Birthdays, anniversaries and festivals of this week or the next 30 days, grouped by date."""
    form = ReminderRangeForm(request.GET)
    days = form.days_or_week()
    start, end = selectors.reminder_window(today=_today(), days=days)
    found = selectors.reminders_for(user=request.user, start=start, end=end)
    context = {
        "days": days, "start": start, "end": end, "groups": selectors.group_by_date(found), "count": len(found),
        **calendar.schedule_warning_context(start, end),
    }
    return render_page_or_partial(request, "core/reminders.html", "core/partials/reminder_list.html", context)
