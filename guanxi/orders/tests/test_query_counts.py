"""The orders app's list pages and list endpoints keep their query counts with 1 row and 30."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.accounts.models import Store
from guanxi.orders.models import Category, Order, OrderLine, Product
from guanxi.testing.base import login
from guanxi.testing.query_counts import assert_app_query_counts

pytestmark = pytest.mark.django_db


def test_list_routes_keep_their_query_counts(client, org, make_customer) -> None:
    serial = itertools.count()
    root = Category.objects.create(code="root", name="全部")

    def add_rows(n: int) -> None:
        for _ in range(n):
            i = next(serial)
            category = Category.objects.create(code=f"c{i}", name=f"类别{i}", parent=root)
            product = Product.objects.create(code=f"P{i}", name=f"商品{i}", category=category,
                                             list_price=Decimal("10.00"))
            store = Store.objects.create(code=f"st{i}", name=f"门店{i}", region=org.region, department=org.team)
            customer = make_customer(f"客户{i}")
            at = timezone.now() - dt.timedelta(days=i)
            order = Order.objects.create(customer=customer, store=store, source="pos", external_id=f"O{i}",
                                         ordered_at=at, ordered_on=at.date(), line_count=1,
                                         total_quantity=Decimal(1), total_amount=Decimal("10.00"))
            OrderLine.objects.create(order=order, line_no=1, product=product, quantity=Decimal(1),
                                     unit_price=Decimal("10.00"), amount=Decimal("10.00"))

    assert_app_query_counts(login(client, org.admin), "orders", {}, add_rows)
