"""The orders API: bulk upsert (idempotent, per-order failures), reads, products, and outsiders."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from guanxi.orders.models import Category, Order, OrderLine, Product, PurchaseSummary
from guanxi.orders.tests.helpers import catalogue
from guanxi.testing.base import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(org):
    return catalogue()


def _order(ext: str, code: str, lines: list[tuple[str, str, str]], **extra: Any) -> dict[str, Any]:
    return {"source": "pos-shanghai", "external_id": ext, "customer_code": code, "store_code": "sh",
            "ordered_at": "2026-03-01T10:00:00+08:00", "status": "paid",
            "lines": [{"product_code": p, "quantity": q, "unit_price": u} for p, q, u in lines], **extra}


def _post(client: Client, headers: dict[str, str], orders: list[dict[str, Any]], **extra: Any) -> Any:
    return client.post("/api/v1/orders/bulk", json.dumps({"orders": orders, **extra}),
                       content_type="application/json", headers=headers)


def test_bulk_is_idempotent_and_reports_failed_orders(client, org, make_customer, products) -> None:
    customer = make_customer("王芳")
    headers = bearer(client, org.owner)
    orders = [_order("A1", customer.code, [("T1", "2", "50"), ("N1", "1", "20")]),
              _order("A2", customer.code, [("T1", "1", "50"), ("XX", "1", "1")]),
              _order("A3", "nobody", [("T1", "1", "50")])]
    first = _post(client, headers, orders)
    assert first.status_code == 200, first.content
    body = first.json()
    assert (body["created"], body["updated"], body["lines"]) == (1, 0, 2)
    assert [(f["index"], f["external_id"], [e["field"] for e in f["errors"]]) for f in body["failed"]] == [
        (1, "A2", ["product_code"]), (2, "A3", ["customer_code"])]
    second = _post(client, headers, orders).json()
    assert (second["created"], second["updated"], second["unchanged"], len(second["failed"])) == (0, 0, 1, 2)
    assert Order.objects.count() == 1 and OrderLine.objects.count() == 2
    assert PurchaseSummary.objects.get(customer=customer).amount == Decimal("120.00")


def test_a_time_outside_1900_to_2999_fails_its_order_with_the_field_named(client, org, make_customer,
                                                                          products) -> None:
    # 0001-01-01 is the "no date" of many exports; in UTC it would fall before year 1.
    customer = make_customer("王芳")
    headers = bearer(client, org.owner)
    orders = [_order("A1", customer.code, [("T1", "1", "50")], ordered_at="0001-01-01T00:00:00"),
              _order("A2", customer.code, [("T1", "1", "50")], ordered_at="9999-12-31T23:00:00-05:00"),
              _order("A3", customer.code, [("T1", "1", "50")], ordered_at="1900-01-01T00:00:00")]
    body = _post(client, headers, orders).json()
    assert body["created"] == 1
    assert [(f["external_id"], f["errors"][0]["field"]) for f in body["failed"]] == [
        ("A1", "ordered_at"), ("A2", "ordered_at")]
    assert "1900" in body["failed"][0]["errors"][0]["message"]
    assert Order.objects.get().external_id == "A3"


def test_a_status_change_and_corrected_lines_update_the_order(client, org, make_customer, products) -> None:
    customer = make_customer("王芳")
    headers = bearer(client, org.owner)
    _post(client, headers, [_order("A1", customer.code, [("T1", "2", "50")])])
    body = _post(client, headers, [_order("A1", customer.code, [("T1", "1", "50")], status="shipped")]).json()
    assert (body["created"], body["updated"]) == (0, 1)
    o = Order.objects.get()
    assert (o.status, o.total_quantity, o.total_amount) == ("shipped", Decimal("1.000"), Decimal("50.00"))


def test_returns_refer_to_their_original(client, org, make_customer, products) -> None:
    customer = make_customer("王芳")
    headers = bearer(client, org.owner)
    body = _post(client, headers, [
        _order("S1", customer.code, [("T1", "2", "50")]),
        _order("R1", customer.code, [("T1", "-1", "50")], kind="return", original_external_id="S1"),
    ]).json()
    assert body["failed"] == [] and body["created"] == 2
    ret = Order.objects.get(external_id="R1")
    assert ret.original == Order.objects.get(external_id="S1") and ret.total_amount == Decimal("-50.00")
    s = PurchaseSummary.objects.get(customer=customer)
    assert (s.orders_count, s.returns_count, s.amount, s.returns_amount) == (1, 1, Decimal("50.00"), Decimal("50.00"))


def test_bulk_takes_bodies_over_the_site_wide_limit(client, org, make_customer, products, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    customer = make_customer("王芳")
    headers = bearer(client, org.owner)
    orders = [_order(f"B{i}", customer.code, [("T1", "1", "50")]) for i in range(200)]
    response = _post(client, headers, orders)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 200
    other = client.post("/api/v1/products", json.dumps({"code": "X" * 50, "name": "y" * 10_000}),
                        content_type="application/json", headers=headers)
    assert other.status_code == 413


def test_bulk_refuses_more_than_ten_thousand_orders(client, org, products) -> None:
    headers = bearer(client, org.admin)
    order = _order("A", "x", [("T1", "1", "50")])
    response = _post(client, headers, [order] * 10_001)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "orders"
    assert not Order.objects.exists()


def test_malformed_orders_are_refused_whole(client, org, make_customer, products) -> None:
    customer = make_customer("王芳")
    headers = bearer(client, org.owner)
    response = _post(client, headers, [_order("A1", customer.code, [("T1", "1", "50")]),
                                       _order("A2", customer.code, [("T1", "1", "50")], status="lost")])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "orders.1.status"
    assert not Order.objects.exists()


@pytest.mark.outsider("POST /orders/bulk")
def test_an_outsider_cannot_write_orders_for_others_customers(client, org, make_customer, products) -> None:
    customer = make_customer("王芳")
    body = _post(client, bearer(client, org.outsider), [_order("A1", customer.code, [("T1", "1", "50")])]).json()
    assert body["created"] == 0 and body["failed"][0]["errors"][0]["field"] == "customer_code"
    assert not Order.objects.exists()


@pytest.mark.outsider("GET /orders", "GET /orders/{order_id}", "POST /orders/{order_id}/status-link",
                      "GET /customers/{customer_id}/purchase-summary", "GET /stores/{store_id}/sales")
def test_an_outsider_sees_no_orders_of_others(client, org, make_customer, products) -> None:
    customer = make_customer("王芳")
    _post(client, bearer(client, org.owner), [_order("A1", customer.code, [("T1", "2", "50")])])
    order = Order.objects.get()
    owner = bearer(client, org.owner)
    assert [o["external_id"] for o in client.get("/api/v1/orders", headers=owner).json()["items"]] == ["A1"]
    detail = client.get(f"/api/v1/orders/{order.pk}", headers=owner).json()
    assert [(li["product_code"], li["quantity"]) for li in detail["lines"]] == [("T1", "2.000")]
    summary = client.get(f"/api/v1/customers/{customer.pk}/purchase-summary", headers=owner).json()
    assert (summary["orders_count"], summary["amount"]) == (1, "100.00")
    sales = client.get(f"/api/v1/stores/{org.store.pk}/sales", headers=owner).json()
    assert (sales["orders"], sales["customers"]) == (1, 1)
    outsider = bearer(client, org.outsider)
    assert client.get("/api/v1/orders", headers=outsider).json()["items"] == []
    assert client.get(f"/api/v1/orders/{order.pk}", headers=outsider).status_code == 404
    assert client.post(f"/api/v1/orders/{order.pk}/status-link", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/customers/{customer.pk}/purchase-summary", headers=outsider).status_code == 404
    sales = client.get(f"/api/v1/stores/{org.store.pk}/sales", headers=outsider).json()
    assert (sales["orders"], sales["customers"], sales["sales"]) == (0, 0, "0")
    link = client.post(f"/api/v1/orders/{order.pk}/status-link", headers=owner)
    assert link.status_code == 201 and "/orders/s/" in link.json()["url"]


@pytest.mark.outsider("GET /products", "POST /products", "PATCH /products/{product_id}", "GET /categories",
                      "POST /categories")
def test_only_administrators_change_the_catalogue(client, org, products) -> None:
    rep = bearer(client, org.outsider)
    assert len(client.get("/api/v1/products", headers=rep).json()) == 3
    assert [c["code"] for c in client.get("/api/v1/categories", headers=rep).json()] == ["drinks", "tea", "snacks"]
    denied = client.post("/api/v1/products", json.dumps({"code": "P9", "name": "新品"}),
                         content_type="application/json", headers=rep)
    assert denied.status_code == 403
    tea = Product.objects.get(code="T1")
    assert client.patch(f"/api/v1/products/{tea.pk}", json.dumps({"name": "改", "version": 1}),
                        content_type="application/json", headers=rep).status_code == 403
    assert client.post("/api/v1/categories", json.dumps({"code": "x", "name": "X"}),
                       content_type="application/json", headers=rep).status_code == 403
    assert Product.objects.get(code="T1").name == "龙井" and not Product.objects.filter(code="P9").exists()
    admin = bearer(client, org.admin)
    made = client.post("/api/v1/categories", json.dumps({"code": "x", "name": "X"}),
                       content_type="application/json", headers=admin)
    assert made.status_code == 201
    created = client.post("/api/v1/products", json.dumps({"code": "P9", "name": "新品", "cost": "3.50",
                                                          "category_id": made.json()["id"]}),
                          content_type="application/json", headers=admin)
    assert created.status_code == 201, created.content
    assert created.json()["cost"] == "3.50"
    patched = client.patch(f"/api/v1/products/{tea.pk}", json.dumps({"list_price": "55", "version": 1}),
                           content_type="application/json", headers=admin)
    assert patched.json()["list_price"] == "55.00" and patched.json()["name"] == "龙井"
    assert patched.json()["version"] == 2
    assert Category.objects.filter(code="x").exists()
    # A client that read version 1 and saves after that change gets 409, and nothing changes.
    stale = client.patch(f"/api/v1/products/{tea.pk}", json.dumps({"list_price": "60", "version": 1}),
                         content_type="application/json", headers=admin)
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "version"
    assert Product.objects.get(pk=tea.pk).list_price == Decimal("55.00")


def test_the_catalogue_api_refuses_bad_input_with_the_field_named(client, org, products) -> None:
    admin = bearer(client, org.admin)

    def post(path: str, body: dict[str, Any]) -> Any:
        return client.post(path, json.dumps(body), content_type="application/json", headers=admin)

    cases: list[tuple[dict[str, Any], str]] = [
        ({"code": "P9", "name": "x", "list_price": "-1"}, "list_price"),
        ({"code": "P9", "name": ""}, "name"),
        ({"code": "T1", "name": "dup"}, "code"),
        ({"code": "P9", "name": "x", "category_id": 999_999}, "category_id")]
    for body, field in cases:
        response = post("/api/v1/products", body)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, (body, response.json())
    assert post("/api/v1/categories", {"code": "bad code!", "name": "x"}).json()["errors"][0]["field"] == "code"
    tea = Product.objects.get(code="T1")
    patched = client.patch(f"/api/v1/products/{tea.pk}", json.dumps({"cost": "-3", "version": tea.version}),
                           content_type="application/json", headers=admin)
    assert patched.status_code == 422 and patched.json()["errors"][0]["field"] == "cost"
    no_version = client.patch(f"/api/v1/products/{tea.pk}", json.dumps({"cost": "3"}), content_type="application/json",
                              headers=admin)
    assert no_version.status_code == 422 and no_version.json()["errors"][0]["field"] == "version"
    assert not Product.objects.filter(code="P9").exists() and Product.objects.get(code="T1").cost == Decimal("30.00")
