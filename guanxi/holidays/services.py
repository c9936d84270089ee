"""Writes to the official calendar: administrators add and remove schedule entries.

Each change announces itself through the shared cache (`calendar.schedule_changed`), so every
process reloads the schedule before its next calculation.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.core import calendar
from guanxi.core.errors import NotPermitted
from guanxi.holidays.choices import HolidayKind, HolidaySource
from guanxi.holidays.models import Holiday

MAX_NAME = 100


def _require_administrator(actor: User) -> None:
    if not actor.is_administrator:
        raise NotPermitted(_("Only an administrator may edit the holiday schedule."))


def _announce() -> None:
    # Now (the database cache shares this transaction) and again after commit (Redis does not).
    calendar.schedule_changed()
    transaction.on_commit(calendar.schedule_changed)


def holiday_add(*, actor: User, date: dt.date, kind: str, name: str) -> Holiday:
    """Add one day to the official schedule: a day off, or a weekend made a working day (调休)."""
    _require_administrator(actor)
    name = name.strip()
    errors: dict[str, str] = {}
    if kind not in HolidayKind.values:
        errors["kind"] = _("Select a valid choice: %(expected)s.") % {"expected": ", ".join(HolidayKind.values)}
    if not name:
        errors["name"] = _("Name the holiday, e.g. 国庆节.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("Ensure this value has at most %(max)s characters.") % {"max": MAX_NAME}
    if kind == HolidayKind.WORKDAY and date.weekday() < 5:
        errors["date"] = _("A make-up working day falls on a Saturday or Sunday.")
    if "date" not in errors and Holiday.objects.filter(date=date).exists():
        errors["date"] = _("The schedule already has an entry on this date.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            holiday = Holiday.objects.create(
                date=date, kind=kind, name=name, year=date.year, source=HolidaySource.ADMIN, created_by=actor
            )
    except IntegrityError as exc:  # added by someone else in the meantime
        raise ValidationError({"date": _("The schedule already has an entry on this date.")}) from exc
    _announce()
    return holiday


def holiday_delete(*, actor: User, holiday_id: int) -> None:
    """Remove one entry; the date becomes an ordinary weekday or weekend day again."""
    _require_administrator(actor)
    deleted, _detail = Holiday.objects.filter(pk=holiday_id).delete()
    if not deleted:
        raise Holiday.DoesNotExist
    _announce()
