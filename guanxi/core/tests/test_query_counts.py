"""The calendar's list pages and endpoint keep their query counts with 1 row and 30."""

import datetime as dt
import itertools

import pytest

from guanxi.core.models import Holiday
from guanxi.core.query_counts import assert_app_query_counts
from guanxi.core.testing import login

pytestmark = pytest.mark.django_db


def test_list_routes_keep_their_query_counts(client, org, make_customer) -> None:
    serial = itertools.count()
    today = dt.date.today()
    days = (dt.date(today.year, 1, 1) + dt.timedelta(days=k) for k in range(365))

    def add_rows(n: int) -> None:
        for _ in range(n):
            i = next(serial)
            day = next(d for d in days if not Holiday.objects.filter(date=d).exists())
            Holiday.objects.create(date=day, year=day.year, kind="holiday", name=f"假日{i}", created_by=org.admin)
            make_customer(f"客户{i}", birthday=today - dt.timedelta(days=365 * 30 - i % 7), actor=org.admin)

    assert_app_query_counts(login(client, org.admin), "core", {}, add_rows)
