"""Pages: the customer's Orders tab and timeline, order, store, product and category pages, and the
public status page behind an expiring token."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from guanxi.orders import services
from guanxi.orders.models import Category, Order, Product
from guanxi.orders.services import orders_upsert
from guanxi.orders.tests.helpers import catalogue, order
from guanxi.orders.views import STATUS_RATE
from guanxi.testing.base import login

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


def test_behind_a_proxy_each_client_has_its_own_allowance(client, org, sold, settings) -> None:
    """Behind nginx every request comes from the proxy's address: with GUANXI_PROXY_COUNT the limit
    counts the address the proxy appended to X-Forwarded-For, and a forged entry before it is ignored."""
    cache.clear()
    settings.GUANXI_PROXY_COUNT = 1
    token = services.status_token(order=Order.objects.get(external_id="A1"))

    def get(forwarded: str) -> int:
        return client.get(reverse("orders:status", args=[token]), REMOTE_ADDR="10.0.0.1",
                          HTTP_X_FORWARDED_FOR=forwarded).status_code

    codes = [get(f"1.2.3.{n}, 203.0.113.7") for n in range(STATUS_RATE + 1)]  # forged first entries
    assert codes[:-1] == [200] * STATUS_RATE and codes[-1] == 429
    assert get("203.0.113.8") == 200  # another client behind the same proxy
    # Without the setting the header is not trusted: the proxy's address is the client.
    settings.GUANXI_PROXY_COUNT = 0
    cache.clear()
    assert [get(f"198.51.100.{n}") for n in range(STATUS_RATE + 1)][-1] == 429


def _edit_form(client, product: Product) -> dict[str, str]:
    page = client.get(reverse("orders:product", args=[product.pk])).content.decode()
    found = re.search(r'name="version" value="([0-9]+)"', page)
    assert found is not None
    version = found.group(1)
    return {"code": product.code, "name": product.name, "category_id": str(product.category_id or ""),
            "list_price": str(product.list_price), "cost": str(product.cost), "active": "on",
            "version": version}


@pytest.mark.outsider("orders:product")
def test_an_administrator_edits_a_product_and_a_change_made_meanwhile_is_not_overwritten(client, org, sold) -> None:
    tea = Product.objects.get(code="T1")
    login(client, org.outsider)
    assert client.get(reverse("orders:product", args=[tea.pk])).status_code == 403
    assert client.post(reverse("orders:product", args=[tea.pk]), {"name": "改"}).status_code == 403
    login(client, org.admin)
    assert f'href="{reverse("orders:product", args=[tea.pk])}"' in client.get(reverse("orders:products")).content.decode()
    form = _edit_form(client, tea)
    stale = dict(form)
    saved = client.post(reverse("orders:product", args=[tea.pk]), {**form, "name": "明前龙井", "cost": "32"})
    assert saved.status_code == 302
    assert (Product.objects.get(pk=tea.pk).name, Product.objects.get(pk=tea.pk).cost) == ("明前龙井", Decimal(32))
    # A second form opened before that save is refused, naming why, and changes nothing.
    refused = client.post(reverse("orders:product", args=[tea.pk]), {**stale, "name": "旧名"})
    assert refused.status_code == 200 and "Someone else changed this product after you opened it" in (
        refused.content.decode())
    assert Product.objects.get(pk=tea.pk).name == "明前龙井"
    # Bad input names the field and saves nothing.
    bad = client.post(reverse("orders:product", args=[tea.pk]),
                      {**_edit_form(client, Product.objects.get(pk=tea.pk)), "code": "C1", "list_price": "-1"})
    text = bad.content.decode()
    assert bad.status_code == 200 and "Ensure this value is greater than or equal to 0" in text
    assert Product.objects.get(pk=tea.pk).code == "T1"
    taken = client.post(reverse("orders:product", args=[tea.pk]),
                        {**_edit_form(client, Product.objects.get(pk=tea.pk)), "code": "C1"})
    assert "This code is already in use." in taken.content.decode() and Product.objects.get(pk=tea.pk).code == "T1"


def test_the_edit_page_speaks_chinese(client, org, sold) -> None:
    org.admin.language = "zh-hans"
    org.admin.save(update_fields=["language"])
    login(client, org.admin)
    tea = Product.objects.get(code="T1")
    page = client.get(reverse("orders:product", args=[tea.pk])).content.decode()
    assert "编辑商品" in page and "保存" in page


def test_moving_a_product_to_another_category_updates_its_buyers_top_categories(org, sold) -> None:
    from guanxi.orders.models import PurchaseSummary
    from guanxi.orders.summary import rebuild_all

    def top() -> str | None:
        category = PurchaseSummary.objects.get(customer=sold).top_category
        return category.code if category else None

    assert top() == "tea"  # A1: 2 × 50 of tea; A2 (80 of coffee) is delivered too
    tea = Product.objects.get(code="T1")
    services.product_update(actor=org.admin, product=tea, version=tea.version,
                            data={"category_id": Category.objects.get(code="snacks").pk})
    assert top() == "snacks"
    before = list(PurchaseSummary.objects.values_list("customer_id", "top_category_id", "second_category_id"))
    rebuild_all()
    assert list(PurchaseSummary.objects.values_list("customer_id", "top_category_id", "second_category_id")) == before


def test_catalogue_services_refuse_bad_input_with_the_field_named(org, sold) -> None:
    from django.core.exceptions import ValidationError

    cases: list[tuple[Any, dict[str, Any], str]] = [
        (services.product_create, {"code": "", "name": "x"}, "code"),
        (services.product_create, {"code": "T1", "name": "again"}, "code"),
        (services.product_create, {"code": "P2", "name": "x", "list_price": "-5"}, "list_price"),
        (services.product_create, {"code": "P2", "name": "x", "cost": "abc"}, "cost"),
        (services.product_create, {"code": "P2", "name": "x", "category_id": 999_999}, "category_id"),
        (services.product_create, {"code": "P2", "name": "x" * 201}, "name"),
        (services.category_create, {"code": "tea", "name": "又"}, "code"),
        (services.category_create, {"code": "new", "name": ""}, "name"),
        (services.category_create, {"code": "new", "name": "新", "parent_id": 999_999}, "parent_id"),
    ]
    for create, data, field in cases:
        with pytest.raises(ValidationError) as raised:
            create(actor=org.admin, data=data)
        assert field in raised.value.message_dict, (data, raised.value.message_dict)
    assert not Product.objects.filter(code="P2").exists() and not Category.objects.filter(code="new").exists()
