"""Pages: the customer's Orders tab and timeline, order, store, product and category pages, and the
public status page behind an expiring token."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from guanxi.core.testing import login
from guanxi.orders import services
from guanxi.orders.models import Category, Order, Product
from guanxi.orders.services import orders_upsert
from guanxi.orders.tests.helpers import catalogue, order
from guanxi.orders.views import STATUS_RATE

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold(org, make_customer):
    catalogue()
    customer = make_customer("王芳")
    orders_upsert(actor=org.owner, orders=[order("A1", customer, [("T1", "2", "50")], store="sh", status="shipped"),
                                           order("A2", customer, [("C1", "1", "80")], status="delivered")])
    return customer


@pytest.mark.outsider("customers:tab")
def test_the_orders_tab_shows_summary_and_orders(client, org, sold) -> None:
    login(client, org.owner)
    page = client.get(reverse("customers:tab", args=[sold.pk, "orders"])).content.decode()
    assert 'id="purchase-summary"' in page and "¥180.00" in page and "A1" in page and "A2" in page
    timeline = client.get(reverse("customers:tab", args=[sold.pk, "timeline"])).content.decode()
    assert "Order A1" in timeline and "¥100.00" in timeline
    login(client, org.outsider)
    assert client.get(reverse("customers:tab", args=[sold.pk, "orders"])).status_code == 404


@pytest.mark.outsider("orders:list", "orders:detail", "orders:status_link")
def test_orders_pages_show_only_visible_orders(client, org, sold) -> None:
    shipped = Order.objects.get(external_id="A1")
    login(client, org.owner)
    assert "A1" in client.get(reverse("orders:list")).content.decode()
    detail = client.get(reverse("orders:detail", args=[shipped.pk])).content.decode()
    assert "龙井" in detail and "Status link for the customer" in detail
    made = client.post(reverse("orders:status_link", args=[shipped.pk])).content.decode()
    assert re.search(r"/orders/s/[^<\s]+/", made)
    login(client, org.outsider)
    # The order's link, not the bare "A1" (a random CSRF token on the page can contain that).
    assert reverse("orders:detail", args=[shipped.pk]) not in client.get(reverse("orders:list")).content.decode()
    assert client.get(reverse("orders:detail", args=[shipped.pk])).status_code == 404
    assert client.post(reverse("orders:status_link", args=[shipped.pk])).status_code == 404


@pytest.mark.outsider("orders:stores", "orders:store")
def test_a_store_page_shows_its_customers_and_sales_to_those_who_may_see_them(client, org, sold) -> None:
    login(client, org.owner)
    assert "上海店" in client.get(reverse("orders:stores")).content.decode()
    page = client.get(reverse("orders:store", args=[org.store.pk])).content.decode()
    assert "王芳" in page and "¥100.00" in page
    login(client, org.outsider)
    page = client.get(reverse("orders:store", args=[org.store.pk])).content.decode()
    assert "王芳" not in page and "¥100.00" not in page


@pytest.mark.outsider("orders:products", "orders:categories")
def test_catalogue_pages_and_only_administrators_add_to_them(client, org, sold) -> None:
    login(client, org.outsider)
    assert "龙井" in client.get(reverse("orders:products")).content.decode()
    assert "饮品" in client.get(reverse("orders:categories")).content.decode()
    denied = client.post(reverse("orders:products"), {"code": "P9", "name": "新", "list_price": "1", "cost": "1"})
    assert denied.status_code == 403 and not Product.objects.filter(code="P9").exists()
    assert client.post(reverse("orders:categories"), {"code": "new", "name": "新"}).status_code == 403
    assert not Category.objects.filter(code="new").exists()
    login(client, org.admin)
    client.post(reverse("orders:categories"), {"code": "new", "name": "新"})
    client.post(reverse("orders:products"), {"code": "P9", "name": "新", "list_price": "1", "cost": "0.5",
                                             "category_id": Category.objects.get(code="new").pk, "active": "on"})
    assert Product.objects.get(code="P9").category == Category.objects.get(code="new")


def test_the_status_page_shows_one_order_by_its_token(client, org, sold) -> None:
    cache.clear()
    shipped = Order.objects.get(external_id="A1")
    token = services.status_token(order=shipped)
    page = client.get(reverse("orders:status", args=[token]))
    text = page.content.decode()
    assert page.status_code == 200 and "Shipped" in text and "龙井" in text
    # A2 as a word: the page's random token may contain the letters "A2".
    assert "王芳" not in text and not re.search(r"(?<![\w-])A2(?![\w-])", text) and "咖啡豆" not in text


def test_the_status_page_refuses_wrong_altered_and_expired_tokens(client, org, sold, monkeypatch) -> None:
    cache.clear()
    shipped = Order.objects.get(external_id="A1")
    token = services.status_token(order=shipped)
    assert client.get(reverse("orders:status", args=["nonsense"])).status_code == 404
    assert client.get(reverse("orders:status", args=[token[:-2] + "xx"])).status_code == 404
    later = dt.datetime.now().timestamp() + (services.STATUS_LINK_DAYS + 1) * 86400
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    expired = client.get(reverse("orders:status", args=[token]))
    assert expired.status_code == 404 and "龙井" not in expired.content.decode()


def test_undelivered_orders_only_get_a_status_link(org, sold) -> None:
    with pytest.raises(Exception, match="not yet delivered"):
        services.status_link(actor=org.owner, order=Order.objects.get(external_id="A2"))


def test_the_status_page_is_rate_limited_in_the_shared_cache(client, org, sold) -> None:
    cache.clear()
    token = services.status_token(order=Order.objects.get(external_id="A1"))
    codes = [client.get(reverse("orders:status", args=[token])).status_code for _ in range(STATUS_RATE + 1)]
    assert codes[:-1] == [200] * STATUS_RATE and codes[-1] == 429
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend.endswith(("DatabaseCache", "RedisCache"))  # shared by every worker, never per process
