"""The schedule page: administrators list, add and remove days off and make-up working days."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guanxi.accounts.models import User
from guanxi.core import calendar
from guanxi.holidays import selectors, services
from guanxi.holidays.forms import HolidayForm
from guanxi.holidays.models import Holiday


def _today() -> dt.date:
    return timezone.localdate()


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
                return redirect(f"{reverse('holidays:list')}?year={holiday.date.year}")
            except ValidationError as error:
                form.add_service_errors(error)
        status = 422
    else:
        form = HolidayForm()
    context = {
        "year": year, "years": [year - 1, year + 1], "form": form,
        "entries": selectors.holidays_in_year(year=year), **calendar.schedule_warning_context(dt.date(year, 1, 1)),
    }
    return render(request, "holidays/holidays.html", context, status=status)


@login_required
@require_POST
def holiday_delete(request: HttpRequest, holiday_id: int) -> HttpResponse:
    user = _require_administrator(request)
    holiday = get_object_or_404(Holiday, pk=holiday_id)
    services.holiday_delete(actor=user, holiday_id=holiday.pk)
    messages.success(request, _("Removed %(date)s from the schedule.") % {"date": holiday.date})
    return redirect(f"{reverse('holidays:list')}?year={holiday.year}")
