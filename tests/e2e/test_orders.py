"""The public order-status page on a phone, as the customer opens the link: no login, no sideways
scrolling, the order's status and items, and a clear page for a wrong link.

Screenshots: test-results/order-status-phone.png and order-status-invalid-phone.png.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import assert_no_problems, screenshot

pytestmark = [pytest.mark.browser]

PHONE = {"width": 375, "height": 812}


def _fits(page: Any) -> None:
    sizes = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["scroll"] <= sizes["inner"], f"the page scrolls sideways on a phone: {sizes}"


def test_the_status_page_on_a_phone(new_page: Any) -> None:
    from django.urls import reverse
    from django.utils import timezone

    from guanxi.accounts.models import User
    from guanxi.customers.models import Customer
    from guanxi.orders import services
    from guanxi.orders.batch import LineData, OrderData
    from guanxi.orders.models import Order, Product

    # A shipped order of two demo products, sent as a shop system would.
    products = list(Product.objects.order_by("code")[:2])
    customer = Customer.objects.order_by("pk").first()
    assert customer is not None and len(products) == 2
    outcome = services.orders_upsert(actor=User.objects.get(username="admin"), orders=[OrderData(
        source="shop-e2e", external_id="W20261124001", customer_code=customer.code, status="shipped",
        channel="online", ordered_at=timezone.now(),
        lines=[LineData(product_code=p.code, quantity=Decimal(n + 1), unit_price=p.list_price)
               for n, p in enumerate(products)])])
    assert outcome.created == 1, outcome.failures
    order = Order.objects.get(source="shop-e2e", external_id="W20261124001")
    names = [p.name for p in products]
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(reverse("orders:status", args=[services.status_token(order=order)]))
    page.wait_for_selector("#order-status")
    assert order.external_id in page.inner_text("h2")
    assert page.inner_text("#order-status").strip() == {"placed": "已下单", "paid": "已付款", "shipped": "已发货"}[
        order.status]
    items = page.inner_text("#order-items")
    assert all(name in items for name in names), (names, items)
    _fits(page)
    box = page.locator("#order-items").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.query_selector("header.navbar") is None, "a customer sees no staff navigation"
    assert_no_problems(page)
    screenshot(page, "order-status-phone")

    wrong = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    response = wrong.goto(reverse("orders:status", args=["not-a-token"]))
    assert response is not None and response.status == 404
    assert wrong.inner_text("h2").strip() == "链接无效"
    assert order.external_id not in wrong.inner_text("body")
    _fits(wrong)
    screenshot(wrong, "order-status-invalid-phone")
