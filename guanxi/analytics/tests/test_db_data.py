"""Demo-like orders for the database tests of analytics runs (no tests here, only builders).

Sixty customers of the owner and ten of the outsider buy from a small catalogue over the last two
years through the real order batch (so the purchase summaries are real). One pair is planted:
the coffee grinder (GRIND) and the filter papers (FILTER) are bought together in 14 orders and
almost never apart, so it must come out as the top pair by lift.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from guanxi.orders.batch import LineData, OrderData
from guanxi.orders.models import Category, Product
from guanxi.orders.services import orders_upsert

PLANTED_PAIR = ("GRIND", "FILTER")


def catalogue() -> dict[str, Product]:
    drinks = Category.objects.create(code="a-drinks", name="饮品")
    snacks = Category.objects.create(code="a-snacks", name="零食")
    kitchen = Category.objects.create(code="a-kitchen", name="厨具")
    specs = [("TEA1", "绿茶", drinks, "30"), ("TEA2", "龙井", drinks, "88"), ("TEA3", "大红袍", drinks, "298"),
             ("NUT1", "坚果", snacks, "20"), ("NUT2", "礼盒坚果", snacks, "128"), ("CHIP", "薯片", snacks, "8"),
             ("GRIND", "磨豆机", kitchen, "399"), ("FILTER", "滤纸", kitchen, "15"), ("KETTLE", "手冲壶", kitchen, "199"),
             ("KETTLE2", "温控手冲壶", kitchen, "499")]
    return {code: Product.objects.create(code=code, name=name, category=cat, list_price=Decimal(price))
            for code, name, cat, price in specs}


def _order(n: int, code: str, at: dt.datetime, items: list[tuple[str, int, str]]) -> OrderData:
    return OrderData(source="pos-test", external_id=f"A{n:05d}", customer_code=code, ordered_at=at, status="paid",
                     lines=[LineData(product_code=p, quantity=Decimal(q), unit_price=Decimal(u)) for p, q, u in items])


def build(org: Any, make_customer: Any, *, customers: int = 60, outsiders: int = 10, seed: int = 7) -> list[Any]:
    """Customers with orders; returns the customers (owner's first, then the outsider's)."""
    rng = random.Random(seed)
    products = catalogue()
    everyday = ["TEA1", "TEA2", "NUT1", "CHIP", "NUT2", "TEA3", "KETTLE"]
    people = [make_customer(f"客户{i:03d}", actor=org.owner) for i in range(customers)]
    people += [make_customer(f"外部{i:03d}", actor=org.outsider) for i in range(outsiders)]
    now = timezone.now()
    orders: list[OrderData] = []
    n = 0
    for index, customer in enumerate(people):
        if index % 9 == 8:
            continue  # a few customers never buy
        count = 1 + int(rng.expovariate(0.35)) % 10
        for _ in range(count):
            n += 1
            at = now - dt.timedelta(days=rng.randint(0, 700), hours=rng.randint(0, 20))
            lines = [(p, rng.choice([1, 1, 2]), str(products[p].list_price))
                     for p in sorted(set(rng.choices(everyday, k=rng.choice([1, 1, 2, 3]))))]
            orders.append(_order(n, customer.code, at, lines))
    for i in range(14):  # the planted pair
        n += 1
        customer = people[(i * 5) % customers]
        at = now - dt.timedelta(days=rng.randint(0, 600))
        extra = [("TEA1", 1, "30")] if i % 3 == 0 else []
        orders.append(_order(n, customer.code, at, [("GRIND", 1, "399"), ("FILTER", 2, "15"), *extra]))
    n += 1
    orders.append(_order(n, people[1].code, now - dt.timedelta(days=30), [("FILTER", 1, "15"), ("TEA1", 1, "30")]))
    outcome = orders_upsert(actor=org.admin, orders=orders)
    assert not outcome.failures, outcome.failures
    return people
