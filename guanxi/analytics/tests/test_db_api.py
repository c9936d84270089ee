"""The analytics API, the customer tab, the list filters and sorts, and the selectors' scoping:
every route with an outsider test (another branch's rep gets a 404 or a 403, and nothing changes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.analytics import selectors, services
from guanxi.analytics.models import AnalyticsRun, CustomerMetrics
from guanxi.analytics.tests.test_db_data import build
from guanxi.orders.batch import LineData, OrderData
from guanxi.orders.services import orders_upsert
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(org, make_customer):
    people = build(org, make_customer)
    # One customer who bought the grinder and the mid-priced tea only: FILTER to cross-sell, TEA3 to up-sell.
    buyer = make_customer("磨豆机买家", actor=org.owner)
    orders_upsert(actor=org.admin, orders=[OrderData(
        source="pos-test", external_id=f"B{i}", customer_code=buyer.code,
        ordered_at=timezone.now() - dt.timedelta(days=40 * i + 3),
        lines=[LineData(product_code=code, quantity=Decimal(1), unit_price=Decimal(price))])
        for i, (code, price) in enumerate([("GRIND", "399"), ("TEA2", "88")])])
    run = services.run_now(actor=None)
    assert run.state == "done", run.error
    return {"people": people, "buyer": buyer, "run": run,
            "outsider_customer": next(p for p in people if p.owner_id == org.outsider.pk and hasattr(p, "metrics"))}


# --- API: runs ------------------------------------------------------------------------------------------


@pytest.mark.outsider("POST /analytics/runs")
def test_managers_start_runs_and_reps_cannot(client, org, monkeypatch) -> None:
    monkeypatch.setattr(services, "enqueue", lambda run_id: None)
    response = client.post("/api/v1/analytics/runs", {"unit": "week"}, content_type="application/json",
                           headers=bearer(client, org.manager))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "queued" and body["trigger"] == "api" and body["unit"] == "week"
    assert body["requested_by_id"] == org.manager.pk
    AnalyticsRun.objects.all().delete()
    denied = client.post("/api/v1/analytics/runs", {}, content_type="application/json",
                         headers=bearer(client, org.outsider))
    assert denied.status_code == 403
    assert not AnalyticsRun.objects.exists()


@pytest.mark.parametrize(("payload", "field"), [
    ({"until": "2999-01-01"}, "until"),
    ({"until": "not a date"}, "until"),
    ({"holdout_days": -5}, "holdout_days"),
    ({"holdout_days": 10**30}, "holdout_days"),
    ({"unit": "month"}, "unit"),
    ({"bogus": 1}, "bogus"),
])
def test_bad_run_input_is_a_422_naming_the_field(client, org, payload, field) -> None:
    response = client.post("/api/v1/analytics/runs", payload, content_type="application/json",
                           headers=bearer(client, org.admin))
    assert response.status_code == 422, response.content
    assert field in {e["field"].split(".")[-1] for e in response.json()["errors"]}
    assert not AnalyticsRun.objects.exists()


@pytest.mark.outsider("GET /analytics/runs", "GET /analytics/runs/{run_id}")
def test_run_list_and_detail(client, org, shop) -> None:
    headers = bearer(client, org.outsider)
    body = client.get("/api/v1/analytics/runs", headers=headers).json()
    # Runs hold counts and fitted parameters over everyone, no customer's data: any user sees them.
    assert [r["id"] for r in body["items"]] == [shop["run"].pk] and body["next_before"] is None
    detail = client.get(f"/api/v1/analytics/runs/{shop['run'].pk}", headers=headers).json()
    assert detail["state"] == "done" and detail["progress"] == 100 and detail["fitted"]["customers"] == 65
    assert client.get("/api/v1/analytics/runs/999999", headers=headers).status_code == 404
    assert client.get(f"/api/v1/analytics/runs/{2**63}", headers=headers).status_code == 422
    assert client.get("/api/v1/analytics/runs", {"limit": 0}, headers=headers).status_code == 422


# --- API: a customer's analytics ------------------------------------------------------------------------


@pytest.mark.outsider("GET /customers/{customer_id}/analytics")
def test_customer_analytics_with_suggestions_and_outsider_404(client, org, shop) -> None:
    buyer = shop["buyer"]
    response = client.get(f"/api/v1/customers/{buyer.pk}/analytics", headers=bearer(client, org.owner))
    assert response.status_code == 200, response.content
    body = response.json()
    m = CustomerMetrics.objects.get(pk=buyer.pk)
    assert body["metrics"]["segment"] == m.segment and body["metrics"]["clv"] == m.clv
    assert body["metrics"]["frequency"] == 2 and body["metrics"]["stage"] == m.stage
    assert body["metrics"]["segment_strategy"] and body["metrics"]["stage_strategy"]
    assert body["cross_sell"][0]["product"]["code"] == "FILTER"
    assert body["cross_sell"][0]["because"]["code"] == "GRIND"
    assert [s["product"]["code"] for s in body["up_sell"]] == ["KETTLE2", "TEA3"] or \
        {s["product"]["code"] for s in body["up_sell"]} == {"KETTLE2", "TEA3"}
    outsider = client.get(f"/api/v1/customers/{buyer.pk}/analytics", headers=bearer(client, org.outsider))
    assert outsider.status_code == 404
    assert client.get(f"/api/v1/customers/{2**63 - 1}/analytics",
                      headers=bearer(client, org.owner)).status_code == 404


def test_customer_without_purchases_has_null_metrics(client, org, make_customer, shop) -> None:
    nobody = make_customer("新客户", actor=org.owner)
    body = client.get(f"/api/v1/customers/{nobody.pk}/analytics", headers=bearer(client, org.owner)).json()
    assert body == {"customer_id": nobody.pk, "metrics": None, "cross_sell": [], "up_sell": []}


# --- Selectors: scoping ---------------------------------------------------------------------------------


def test_selectors_are_scoped_by_visibility(org, shop) -> None:
    theirs = shop["outsider_customer"]
    assert selectors.metrics_for(org.owner, theirs.pk) is None
    assert selectors.metrics_for(org.outsider, theirs.pk) is not None
    assert selectors.metrics_for(org.admin, theirs.pk) is not None
    assert selectors.suggestions(org.owner, theirs).cross_sell == []
    owner_list = selectors.churn_list(org.owner, 500)
    assert owner_list and {m.customer.owner_id for m in owner_list} == {org.owner.pk}
    risks = [float(m.value_at_risk or 0) for m in owner_list]
    assert risks == sorted(risks, reverse=True)
    assert all(hasattr(m, "last_contact_at") for m in owner_list)
    assert {m.customer.owner_id for m in selectors.churn_list(org.outsider, 500)} == {org.outsider.pk}
    since = timezone.now() - dt.timedelta(days=1)
    assert {c.customer.owner_id for c in selectors.stage_changes(org.outsider, since)} == {org.outsider.pk}
    assert len(selectors.stage_changes(org.admin, since)) == CustomerMetrics.objects.count()


def test_churn_list_shows_the_last_contact(org, shop) -> None:
    from guanxi.interactions import services as followup

    top = selectors.churn_list(org.owner, 1)[0]
    followup.interaction_log(actor=org.owner, customer=top.customer, data={"channel": "T"})
    again = selectors.churn_list(org.owner, 1)[0]
    assert again.pk == top.pk and getattr(again, "last_contact_at", None) is not None


# --- The customer tab and the list ----------------------------------------------------------------------


@pytest.mark.outsider("customers:tab")
def test_customer_tab_shows_scores_and_strategies(client, org, shop) -> None:
    buyer = shop["buyer"]
    m = CustomerMetrics.objects.get(pk=buyer.pk)
    login(client, org.owner)
    response = client.get(reverse("customers:tab", args=[buyer.pk, "analytics"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert str(m.get_segment_display()) in html and str(m.get_stage_display()) in html
    assert f"R {m.r_score}" in html and 'data-product="FILTER"' in html
    client.logout()
    login(client, org.outsider)
    assert client.get(reverse("customers:tab", args=[buyer.pk, "analytics"])).status_code == 404


def test_customer_tab_in_chinese(client, org, shop) -> None:
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    login(client, org.owner)
    html = client.get(reverse("customers:tab", args=[shop["buyer"].pk, "analytics"])).content.decode()
    assert 'id="analytics-tab"' in html


def test_list_sorts_by_clv_and_filters_by_segment(client, org, shop) -> None:
    login(client, org.owner)
    body = client.get("/api/v1/customers", {"sort": "-clv", "limit": 100}).json()
    ids = [c["id"] for c in body["items"]]
    clv = {m.pk: (m.clv if m.clv is not None else -1.0) for m in CustomerMetrics.objects.all()}
    values = [clv.get(i, -1.0) for i in ids]
    assert values == sorted(values, reverse=True)
    for sort in ("p_alive", "-p_alive", "value_at_risk", "-value_at_risk", "clv"):
        assert client.get("/api/v1/customers", {"sort": sort}).status_code == 200
    segment = CustomerMetrics.objects.filter(customer__owner=org.owner).values_list("segment", flat=True).first()
    page = client.get(reverse("customers:list"), {"x_segment": segment, "x_stage": ""})
    assert page.status_code == 200
    expected = CustomerMetrics.objects.filter(customer__owner=org.owner, segment=segment).count()
    assert page.content.decode().count('href="/customers/') >= expected > 0

