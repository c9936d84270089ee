"""The orders demo: the same seed gives the same orders, every order adds up to its lines, returns are
of their original sale's customer, and the summaries it leaves equal a recompute from the lines."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.core.registry import DemoContext, registry
from guanxi.orders.models import Order, OrderLine, PurchaseSummary
from guanxi.orders.tests.reference import actual_summaries, expected_summaries

pytestmark = pytest.mark.django_db(transaction=True)


def _run(seed: int, names: tuple[str, ...] = ("organization", "customers", "orders")) -> None:
    ctx = DemoContext(seed=seed, customers=300, stdout=lambda _line: None)
    for generator in registry.demo_generators:
        if generator.name in names:
            generator.run(ctx)


def _fingerprint() -> list[tuple[Any, ...]]:
    return list(Order.objects.order_by("id").values_list(
        "customer__code", "kind", "status", "channel", "store_id", "total_quantity", "total_amount", "total_cost"))


def test_demo_orders_are_deterministic_and_consistent() -> None:
    _run(3)
    first = _fingerprint()
    assert len(first) > 300 and Order.objects.filter(kind="return").exists()
    for o in Order.objects.prefetch_related("lines"):
        lines = list(o.lines.all())
        assert (o.line_count, o.total_amount, o.total_quantity) == (
            len(lines), sum(li.amount for li in lines), sum(li.quantity for li in lines)), o.external_id
    for ret in Order.objects.filter(kind="return").select_related("original"):
        assert ret.original is not None and ret.original.kind == "sale"
        assert ret.original.customer_id == ret.customer_id and ret.total_amount < 0
    assert actual_summaries() == expected_summaries()
    # The same seed over the same customers gives the same orders.
    PurchaseSummary.objects.all().delete()
    OrderLine.objects.all().delete()
    Order.objects.exclude(original=None).update(original=None)
    Order.objects.all().delete()
    _run(3, ("orders",))
    assert _fingerprint() == first
