"""Reads of the holiday schedule."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from guanxi.holidays.models import Holiday


def holidays_in_year(*, year: int) -> QuerySet[Holiday]:
    return Holiday.objects.filter(year=year).select_related("created_by").order_by("date")


def schedule_rows() -> list[tuple[dt.date, str, str]]:
    """Every entry as (date, kind, name): what `core.calendar` loads its schedule from."""
    return list(Holiday.objects.values_list("date", "kind", "name"))
