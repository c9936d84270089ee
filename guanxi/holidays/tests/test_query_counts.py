"""The holiday schedule's list page keeps its query count with 1 row and 30."""

import datetime as dt
import itertools

import pytest

from guanxi.holidays.models import Holiday
from guanxi.testing.base import login
from guanxi.testing.query_counts import assert_app_query_counts

pytestmark = pytest.mark.django_db


def test_list_routes_keep_their_query_counts(client, org) -> None:
    serial = itertools.count()
    today = dt.date.today()
    days = (dt.date(today.year, 1, 1) + dt.timedelta(days=k) for k in range(365))

    def add_rows(n: int) -> None:
        for _ in range(n):
            i = next(serial)
            day = next(d for d in days if not Holiday.objects.filter(date=d).exists())
            Holiday.objects.create(date=day, year=day.year, kind="holiday", name=f"假日{i}", created_by=org.admin)

    assert_app_query_counts(login(client, org.admin), "holidays", {}, add_rows)
