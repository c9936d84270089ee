"""The bought-together proof on the demo data: the pair the demo plants (guanxi/orders/demo.py PAIR)
is the top pair by lift after the demo's analytics run."""

from __future__ import annotations

import pytest

from guanxi.analytics.models import AnalyticsRun, ProductPair
from guanxi.core.registry import DemoContext, registry
from guanxi.orders.demo import PAIR

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_planted_pair_is_top_by_lift() -> None:
    ctx = DemoContext(seed=3, customers=1500, stdout=lambda _line: None)
    for generator in registry.demo_generators:
        if generator.name in ("organization", "customers", "orders", "analytics"):
            generator.run(ctx)
    run = AnalyticsRun.objects.get(is_current=True)
    top = ProductPair.objects.filter(run=run).order_by("-lift", "-together").select_related("product", "other")[0]
    assert {top.product.code, top.other.code} == {code for code, *_ in PAIR}
    assert top.lift > 5 and top.confidence > 0.9
