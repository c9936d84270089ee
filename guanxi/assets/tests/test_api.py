import datetime as dt
import json

import pytest
from django.utils import timezone

from guanxi.assets import services
from guanxi.assets.models import AssetReview, Holding, HoldingSnapshot, InsurancePolicy
from guanxi.customers.models import AccessLog
from guanxi.customers.services import family_member_create
from guanxi.testing.base import bearer

pytestmark = pytest.mark.django_db


def _send(client, method, url, headers, body=None):
    kwargs = {"content_type": "application/json", "headers": headers}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(f"/api/v1{url}", **kwargs)


@pytest.mark.outsider(
    "GET /customers/{customer_id}/holdings", "POST /customers/{customer_id}/holdings",
    "GET /customers/{customer_id}/holdings/{holding_id}", "PATCH /customers/{customer_id}/holdings/{holding_id}",
    "DELETE /customers/{customer_id}/holdings/{holding_id}",
    "GET /customers/{customer_id}/holdings/{holding_id}/snapshots",
    "POST /customers/{customer_id}/holdings/{holding_id}/snapshots",
    "GET /customers/{customer_id}/insurance", "POST /customers/{customer_id}/insurance",
    "PATCH /customers/{customer_id}/insurance/{policy_id}", "DELETE /customers/{customer_id}/insurance/{policy_id}",
    "PUT /customers/{customer_id}/insurance-main-earner",
    "GET /customers/{customer_id}/asset-reviews", "POST /customers/{customer_id}/asset-reviews",
    "GET /customers/{customer_id}/asset-reviews/{review_id}", "PATCH /customers/{customer_id}/asset-reviews/{review_id}",
    "DELETE /customers/{customer_id}/asset-reviews/{review_id}",
)
def test_the_api_gives_an_outsider_404_and_changes_nothing(client, org, wealthy) -> None:
    holding = wealthy.test_holdings["fund"]
    policy = services.policy_create(actor=org.owner, customer=wealthy, data={
        "policy_type": "life", "sum_insured": "1", "premium": "1"})
    review = services.review_create(actor=org.owner, customer=wealthy, data={})
    headers = bearer(client, org.outsider)
    c, h, p, r = wealthy.pk, holding.pk, policy.pk, review.pk
    calls = [
        ("get", f"/customers/{c}/holdings?reveal=true", None),
        ("post", f"/customers/{c}/holdings", {"asset_class": "fund", "product": "x", "amount": 1}),
        ("get", f"/customers/{c}/holdings/{h}", None),
        ("patch", f"/customers/{c}/holdings/{h}", {"product": "改"}),
        ("delete", f"/customers/{c}/holdings/{h}", None),
        ("get", f"/customers/{c}/holdings/{h}/snapshots", None),
        ("post", f"/customers/{c}/holdings/{h}/snapshots", {"on": "2024-01-01", "value": 1}),
        ("get", f"/customers/{c}/insurance", None),
        ("post", f"/customers/{c}/insurance", {"policy_type": "life", "sum_insured": 1, "premium": 1}),
        ("patch", f"/customers/{c}/insurance/{p}", {"insurer": "x"}),
        ("delete", f"/customers/{c}/insurance/{p}", None),
        ("put", f"/customers/{c}/insurance-main-earner", {"member_id": None}),
        ("get", f"/customers/{c}/asset-reviews", None),
        ("post", f"/customers/{c}/asset-reviews", {"on": "2024-01-01"}),
        ("get", f"/customers/{c}/asset-reviews/{r}?reveal=true", None),
        ("patch", f"/customers/{c}/asset-reviews/{r}", {"notes": "x"}),
        ("delete", f"/customers/{c}/asset-reviews/{r}", None),
    ]
    for method, url, body in calls:
        response = _send(client, method, url, headers, body)
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["errors"][0]["field"] is None
    assert Holding.objects.count() == 3 and HoldingSnapshot.objects.count() == 4
    assert InsurancePolicy.objects.get().insurer == "" and AssetReview.objects.get().notes == ""
    assert AccessLog.objects.count() == 0


def test_amounts_are_masked_in_the_api_and_a_rep_may_not_reveal_them(client, org, wealthy) -> None:
    services.review_create(actor=org.owner, customer=wealthy, data={})
    headers = bearer(client, org.owner)
    body = _send(client, "get", f"/customers/{wealthy.pk}/holdings", headers).json()
    assert body["revealed"] is False and body["total_assets"] is None
    assert {(i["product"], i["amount"], i["amount_masked"]) for i in body["items"]} == {
        ("大额存单 3年", None, "¥**,***"), ("易方达蓝筹精选", None, "¥**,***"), ("住房按揭贷款", None, "¥**,***")}
    review = _send(client, "get", f"/customers/{wealthy.pk}/asset-reviews", headers).json()[0]
    detail = _send(client, "get", f"/customers/{wealthy.pk}/asset-reviews/{review['id']}", headers).json()
    assert detail["total_assets"] is None and all(ln["value"] is None for ln in detail["lines"])
    assert all(m["value"] is None and m["share"] is None for m in detail["mix"])
    assert "300000" not in json.dumps(detail)
    refused = _send(client, "get", f"/customers/{wealthy.pk}/holdings?reveal=true", headers)
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] is None
    refused = _send(client, "post", f"/customers/{wealthy.pk}/reveal", headers, {"field": "holdings"})
    assert refused.status_code == 403
    assert AccessLog.objects.count() == 0


def test_a_manager_reveals_through_the_api_and_each_reveal_is_logged(client, org, wealthy) -> None:
    headers = bearer(client, org.manager)
    body = _send(client, "get", f"/customers/{wealthy.pk}/holdings?reveal=true", headers).json()
    assert body["revealed"] is True and body["total_assets"] == "420000.00" and body["total_loans"] == "50000.00"
    review = _send(client, "post", f"/customers/{wealthy.pk}/asset-reviews", headers, {"notes": "季度回顾"})
    assert review.status_code == 201 and review.json()["total_assets"] is None
    detail = _send(client, "get", f"/customers/{wealthy.pk}/asset-reviews/{review.json()['id']}?reveal=true",
                   headers).json()
    assert detail["total_assets"] == "420000.00"
    assert [(m["asset_class"], m["share"]) for m in detail["mix"]] == [("deposit", "71.4"), ("fund", "28.6")]
    assert [t["total_assets"] for t in detail["trend"]] == ["420000.00"]
    foundation = _send(client, "post", f"/customers/{wealthy.pk}/reveal", headers, {"field": "holdings"}).json()
    assert any("¥300,000.00" in line for line in foundation["value"])
    assert list(AccessLog.objects.order_by("id").values_list("field", "channel")) == [
        ("holdings", "api"), ("holdings", "api"), ("holdings", "api")]


def test_holdings_crud_and_snapshots_through_the_api(client, org, make_customer) -> None:
    customer = make_customer("张三")
    headers = bearer(client, org.owner)
    created = _send(client, "post", f"/customers/{customer.pk}/holdings", headers, {
        "asset_class": "deposit", "product": "定期存款 1年", "amount": "20000.50", "matures_on": "2030-01-01"})
    assert created.status_code == 201, created.content
    hid = created.json()["id"]
    assert created.json()["amount"] is None and created.json()["matures_on"] == "2030-01-01"
    patched = _send(client, "patch", f"/customers/{customer.pk}/holdings/{hid}", headers,
                    {"amount": "21000", "matures_on": None})
    assert patched.status_code == 200 and patched.json()["matures_on"] is None
    added = _send(client, "post", f"/customers/{customer.pk}/holdings/{hid}/snapshots", headers,
                  {"on": (timezone.localdate() - dt.timedelta(days=5)).isoformat(), "value": 20500})
    assert added.status_code == 201
    history = _send(client, "get", f"/customers/{customer.pk}/holdings/{hid}/snapshots", headers).json()
    assert len(history) == 3 and all(s["value"] is None for s in history)
    assert Holding.objects.get().amount == 21000
    assert _send(client, "delete", f"/customers/{customer.pk}/holdings/{hid}", headers).status_code == 204
    assert Holding.objects.count() == 0 and HoldingSnapshot.objects.count() == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"asset_class": "gold", "product": "x", "amount": 1}, "asset_class"),
    ({"asset_class": "fund", "product": "x", "amount": -1}, "amount"),
    ({"asset_class": "fund", "product": "x", "amount": "1.001"}, "amount"),
    ({"asset_class": "fund", "product": "x" * 201, "amount": 1}, "product"),
    ({"asset_class": "fund", "product": "x", "amount": 1, "start_on": "2024-13-01"}, "start_on"),
    ({"asset_class": "fund", "product": "x", "amount": 1, "surprise": 1}, "surprise"),
    ({"asset_class": "fund", "product": "x", "amount": 1, "start_on": "2024-02-01", "matures_on": "2024-01-01"},
     "matures_on"),
    ({"asset_class": "fund", "product": "x"}, "amount"),
])
def test_bad_holding_input_comes_back_as_field_errors(client, org, make_customer, body, field) -> None:
    customer = make_customer("张三")
    headers = bearer(client, org.owner)
    response = _send(client, "post", f"/customers/{customer.pk}/holdings", headers, body)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field] and errors[0]["message"]
    assert Holding.objects.count() == 0


def test_insurance_and_gaps_through_the_api(client, org, make_customer) -> None:
    customer = make_customer("李明")
    wife = family_member_create(actor=org.owner, customer=customer, data={"name": "王芳", "relation": "spouse"})
    headers = bearer(client, org.owner)
    made = _send(client, "post", f"/customers/{customer.pk}/insurance", headers, {
        "policy_type": "critical_illness", "insured_member_id": wife.pk, "sum_insured": 300000, "premium": 5000,
        "term_years": 20})
    assert made.status_code == 201 and made.json()["critical_illness"] is True and made.json()["insured_name"] == "王芳"
    wrong = _send(client, "post", f"/customers/{customer.pk}/insurance", headers, {
        "policy_type": "life", "insured_member_id": 999_999, "sum_insured": 1, "premium": 1})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "insured_member_id"
    cover = _send(client, "get", f"/customers/{customer.pk}/insurance", headers).json()
    assert {(g["name"], g["kind"]) for g in cover["gaps"]} == {("李明", "no_critical_illness"),
                                                               ("李明", "no_life_for_earner")}
    assert cover["policies"][0]["sum_insured"] is None
    cover = _send(client, "put", f"/customers/{customer.pk}/insurance-main-earner", headers,
                  {"member_id": wife.pk}).json()
    assert cover["main_earner_member_id"] == wife.pk
    assert {(g["name"], g["kind"]) for g in cover["gaps"]} == {("李明", "no_critical_illness"),
                                                               ("王芳", "no_life_for_earner")}
    pid = made.json()["id"]
    patched = _send(client, "patch", f"/customers/{customer.pk}/insurance/{pid}", headers, {"insured_member_id": None})
    assert patched.json()["insured_name"] == "李明"
    assert _send(client, "delete", f"/customers/{customer.pk}/insurance/{pid}", headers).status_code == 204
    assert InsurancePolicy.objects.count() == 0


def test_reviews_through_the_api(client, org, wealthy) -> None:
    headers = bearer(client, org.owner)
    earlier = (timezone.localdate() - dt.timedelta(days=60)).isoformat()
    first = _send(client, "post", f"/customers/{wealthy.pk}/asset-reviews", headers, {"on": earlier})
    second = _send(client, "post", f"/customers/{wealthy.pk}/asset-reviews", headers, {})
    assert first.status_code == 201 and second.status_code == 201
    dup = _send(client, "post", f"/customers/{wealthy.pk}/asset-reviews", headers, {"on": earlier})
    assert dup.status_code == 422 and dup.json()["errors"][0]["field"] == "on"
    detail = _send(client, "get", f"/customers/{wealthy.pk}/asset-reviews/{second.json()['id']}", headers).json()
    assert detail["previous_review_id"] == first.json()["id"] and len(detail["trend"]) == 2
    assert {ln["status"] for ln in detail["lines"]} == {"kept"}
    rid = second.json()["id"]
    patched = _send(client, "patch", f"/customers/{wealthy.pk}/asset-reviews/{rid}", headers, {"notes": "增配"})
    assert patched.json()["notes"] == "增配"
    assert _send(client, "delete", f"/customers/{wealthy.pk}/asset-reviews/{rid}", headers).status_code == 204
    assert list(AssetReview.objects.values_list("id", flat=True)) == [first.json()["id"]]
