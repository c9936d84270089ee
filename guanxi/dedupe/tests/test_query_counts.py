"""The duplicates and merge-history pages and endpoint keep their query counts with 1 row and 30."""

import itertools

import pytest

from guanxi.dedupe.models import MergeRecord
from guanxi.testing.base import login
from guanxi.testing.query_counts import assert_app_query_counts

pytestmark = pytest.mark.django_db


def test_list_routes_keep_their_query_counts(client, org, make_customer) -> None:
    serial = itertools.count()

    def add_rows(n: int) -> None:
        for _ in range(n):
            i = next(serial)
            survivor = make_customer(f"客户{i}", phones=[f"139{i:08d}"])
            twin = make_customer(f"客户{i}", phones=[f"139{i:08d}"])
            other = make_customer(f"旧客户{i}")
            MergeRecord.objects.create(survivor=survivor, merged=other, actor=org.manager, channel="ui",
                                       chosen={}, merged_snapshot={}, moved={})
            assert twin.pk

    assert_app_query_counts(login(client, org.admin), "dedupe", {}, add_rows)
