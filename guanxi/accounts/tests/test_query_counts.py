"""The organization's list page and list endpoints keep their query counts with 1 row and 30."""

import itertools

import pytest

from guanxi.accounts.models import Department, Store, User
from guanxi.testing.base import login
from guanxi.testing.query_counts import assert_app_query_counts

pytestmark = pytest.mark.django_db


def test_list_routes_keep_their_query_counts(client, org) -> None:
    serial = itertools.count()

    def add_rows(n: int) -> None:
        for _ in range(n):
            i = next(serial)
            department = Department.objects.create(code=f"d{i}", name=f"部门{i}", parent=org.sales)
            Store.objects.create(code=f"s{i}", name=f"门店{i}", region=org.region, department=department)
            User.objects.create_user(username=f"rep{i}", password="x", role=org.rep_role, department=department)

    assert_app_query_counts(login(client, org.admin), "accounts", {}, add_rows)
