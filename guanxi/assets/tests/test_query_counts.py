"""The assets app's list endpoints keep their query counts with 1 row and 30."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from guanxi.assets.models import AssetReview, Holding, HoldingSnapshot
from guanxi.testing.base import login
from guanxi.testing.query_counts import assert_app_query_counts

pytestmark = pytest.mark.django_db


def test_list_routes_keep_their_query_counts(client, org, make_customer) -> None:
    customer = make_customer("张三")
    first = Holding.objects.create(customer=customer, asset_class="deposit", product="定期", amount=Decimal(1000))
    serial = itertools.count()

    def add_rows(n: int) -> None:
        for _ in range(n):
            i = next(serial)
            if i:
                Holding.objects.create(customer=customer, asset_class="deposit", product=f"理财{i}",
                                       amount=Decimal(1000 + i), created_by=org.owner)
            HoldingSnapshot.objects.create(holding=first, on=dt.date(2026, 1, 1) + dt.timedelta(days=i),
                                           value=Decimal(1000 + i), recorded_by=org.owner)
            AssetReview.objects.create(customer=customer, on=dt.date(2026, 1, 1) + dt.timedelta(days=i),
                                       total_assets=Decimal(1000), created_by=org.owner)

    assert_app_query_counts(login(client, org.admin), "assets", {"customer_id": customer.pk, "holding_id": first.pk},
                            add_rows)
