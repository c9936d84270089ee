"""Shared builders for the orders tests: a small catalogue and orders as a source system sends them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from guanxi.orders.batch import LineData, OrderData
from guanxi.orders.models import Category, Product

SH = dt.timezone(dt.timedelta(hours=8))


def catalogue() -> dict[str, Product]:
    drinks = Category.objects.create(code="drinks", name="饮品")
    tea = Category.objects.create(code="tea", name="茶", parent=drinks)
    snacks = Category.objects.create(code="snacks", name="零食")
    return {
        "tea": Product.objects.create(code="T1", name="龙井", category=tea, list_price=Decimal("50"),
                                      cost=Decimal("30"), unit="盒"),
        "coffee": Product.objects.create(code="C1", name="咖啡豆", category=drinks, list_price=Decimal("80"),
                                         cost=Decimal("50"), spec="500g"),
        "nuts": Product.objects.create(code="N1", name="坚果", category=snacks, list_price=Decimal("20"),
                                       cost=Decimal("12"), colour="棕"),
    }


def order(external_id: str, customer: Any, lines: list[tuple[str, str, str]], *, at: dt.datetime | None = None,
          source: str = "pos-shanghai", store: str = "", status: str = "paid", kind: str = "sale",
          original: str = "", **extra: Any) -> OrderData:
    """An order; lines as (product code, quantity, unit price)."""
    return OrderData(
        source=source, external_id=external_id, customer_code=customer if isinstance(customer, str) else customer.code,
        ordered_at=at or dt.datetime(2026, 3, 1, 10, 0, tzinfo=SH), store_code=store, status=status, kind=kind,
        original_external_id=original,
        lines=[LineData(product_code=p, quantity=Decimal(q), unit_price=Decimal(u)) for p, q, u in lines], **extra,
    )
