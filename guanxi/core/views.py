"""Pages that belong to no domain app: the language switch, the health check and the calendar."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.accounts.models import User
from guanxi.accounts.services import user_set_language
from guanxi.core import calendar, selectors, services
from guanxi.core.forms import HolidayForm, ReminderRangeForm
from guanxi.core.htmx import render_page_or_partial
from guanxi.core.models import Holiday


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language; remembered on the user (and in a cookie before login)."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    response = redirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


# --- the calendar: upcoming reminders (everyone) and the holiday schedule (administrators) --------


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


def _require_administrator(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_administrator:
        raise PermissionDenied
    return user


@login_required
@require_http_methods(["GET", "POST"])
def holiday_list(request: HttpRequest) -> HttpResponse:
    """A year's days off and make-up working days; the form beside the list adds one."""
    user = _require_administrator(request)
    try:
        year = int(request.GET.get("year") or _today().year)
    except ValueError:
        year = _today().year
    year = min(max(year, 1900), 2200)
    status = 200
    if request.method == "POST":
        form = HolidayForm(request.POST)
        if form.is_valid():
            try:
                holiday = services.holiday_add(actor=user, **form.cleaned_data)
                messages.success(request, _("Added %(date)s to the schedule.") % {"date": holiday.date})
                return redirect(f"{reverse('calendar:holidays')}?year={holiday.date.year}")
            except ValidationError as error:
                form.add_service_errors(error)
        status = 422
    else:
        form = HolidayForm()
    context = {
        "year": year, "years": [year - 1, year + 1], "form": form,
        "entries": selectors.holidays_in_year(year=year), **calendar.schedule_warning_context(dt.date(year, 1, 1)),
    }
    return render(request, "core/holidays.html", context, status=status)


@login_required
@require_POST
def holiday_delete(request: HttpRequest, holiday_id: int) -> HttpResponse:
    user = _require_administrator(request)
    holiday = get_object_or_404(Holiday, pk=holiday_id)
    services.holiday_delete(actor=user, holiday_id=holiday.pk)
    messages.success(request, _("Removed %(date)s from the schedule.") % {"date": holiday.date})
    return redirect(f"{reverse('calendar:holidays')}?year={holiday.year}")
