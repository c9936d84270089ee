"""The profile, organization particulars, importance reasons and information classes with their reviews."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.inputs import typed_input
from guanxi.customers.models import ChangeEntry, Customer
from guanxi.customers.selectors import CustomerFilters, customer_history, customer_page, profile_sections
from guanxi.customers.services import CustomerInput, customer_create, customer_review, customer_update
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db

SHOP: CustomerInput = {
    "kind": "organization", "name": "华联便利店", "shop_name": "华联便利(人民路店)", "legal_person": "王建国",
    "business_scope": "卷烟零售、预包装食品", "business_format": "convenience", "licence_number": "310101100234",
    "latitude": "31.230416", "longitude": "121.473701", "settlement_method": "online",
    "bank_account": "6222 0210 0112 3456 789", "delivery_route": "黄浦3线", "order_cycle_days": "7",
    "visit_cycle_days": 14, "business_status": "operating",
}


def test_organization_particulars_are_cleaned_stored_and_ledgered(org) -> None:
    shop = customer_create(actor=org.owner, data=SHOP)
    assert shop.bank_account == "6222021001123456789"
    assert shop.latitude == Decimal("31.230416") and shop.order_cycle_days == 7 and shop.visit_cycle_days == 14
    fields = set(ChangeEntry.objects.filter(customer=shop).values_list("field", flat=True))
    assert {"shop_name", "licence_number", "bank_account", "latitude", "business_format"} <= fields
    # The ledger masks the bank account for a rep, like phones.
    rows, _total = customer_history(user=org.owner, customer=shop, field="bank_account")
    assert rows[0].new_value == "622************6789"
    rows, _total = customer_history(user=org.manager, customer=shop, field="bank_account")
    assert rows[0].new_value == "6222021001123456789"
    # A person's profile
    person = customer_create(actor=org.owner, data={
        "name": "李娜", "occupation": "教师", "employer": "实验小学", "position": "教研组长", "income_band": "10k-20k",
        "risk_preference": "c2", "hobbies": "羽毛球、书法", "personality": "谨慎", "needs": "子女教育金",
        "cautions": "不喜欢电话推销", "preferred_channel": "wechat", "preferred_time": "工作时间不接电话",
    })
    assert (person.income_band, person.preferred_time) == ("10k-20k", "工作时间不接电话")
    assert ChangeEntry.objects.filter(customer=person, field="cautions", new_value="不喜欢电话推销").exists()


@pytest.mark.parametrize(("field", "value"), [
    ("latitude", "91"), ("longitude", "east"), ("order_cycle_days", "0"), ("visit_cycle_days", "2.5"),
    ("business_format", "casino"), ("income_band", "rich"), ("bank_account", "ABC123"),
    ("bank_account", "622************6789"), ("shop_name", "x" * 201), ("preferred_channel", "pigeon"),
])
def test_bad_profile_values_are_refused_by_field_and_nothing_is_saved(org, field, value) -> None:
    with pytest.raises(ValidationError) as excinfo:
        customer_create(actor=org.owner, data=typed_input(CustomerInput, {**SHOP, field: value}))
    assert field in excinfo.value.message_dict
    assert not Customer.objects.exists()


def test_masked_bank_account_sent_back_keeps_the_stored_one(org) -> None:
    shop = customer_create(actor=org.owner, data=SHOP)
    shop = customer_update(actor=org.owner, customer=shop, version=shop.version,
                           data={"bank_account": "622************6789", "delivery_route": "黄浦5线"})
    assert (shop.bank_account, shop.delivery_route) == ("6222021001123456789", "黄浦5线")
    assert not ChangeEntry.objects.filter(customer=shop, field="bank_account", channel="ui").exclude(old_value="").exists()


def test_importance_keeps_its_reason_and_who_set_it(org, make_customer) -> None:
    customer = make_customer("张三")
    customer = customer_update(actor=org.manager, customer=customer, version=customer.version,
                               data={"importance": "A", "importance_reason": "年消费超过五万"})
    assert (customer.importance_set_by, customer.importance_reason) == (org.manager, "年消费超过五万")
    assert customer.importance_set_at is not None
    before = customer.importance_set_at
    customer = customer_update(actor=org.owner, customer=customer, version=customer.version, data={"notes": "x"})
    assert customer.importance_set_by == org.manager and customer.importance_set_at == before


def test_reviews_and_the_overdue_list(org, make_customer) -> None:
    fresh = make_customer("张三")
    stale = make_customer("李四")
    long_ago = timezone.now() - dt.timedelta(days=200)
    Customer.objects.filter(pk=stale.pk).update(static_reviewed_at=long_ago, dynamic_reviewed_at=long_ago)
    Customer.objects.filter(pk=fresh.pk).update(dynamic_reviewed_at=timezone.now() - dt.timedelta(days=100))

    def names(review: str) -> set[str]:
        page = customer_page(user=org.owner, filters=CustomerFilters(review=review), sort="name", cursor=None, limit=50)
        return {c.name for c in page.items}

    assert names("static") == {"李四"}
    assert names("dynamic") == {"张三", "李四"}
    assert names("overdue") == {"张三", "李四"}
    customer_review(actor=org.owner, customer=Customer.objects.get(pk=fresh.pk), info_class="dynamic")
    assert names("overdue") == {"李四"}
    assert ChangeEntry.objects.filter(customer=fresh, field="review", new_value="dynamic").exists()
    with pytest.raises(ValidationError):
        customer_review(actor=org.owner, customer=fresh, info_class="derived")
    statuses = {s.status.info_class: s.status for s in profile_sections(customer=Customer.objects.get(pk=stale.pk))}
    assert statuses["static"].overdue and statuses["dynamic"].overdue and not statuses["realtime"].reviewable


def test_profile_tab_groups_fields_by_class_and_review_button(client, org) -> None:
    shop = customer_create(actor=org.owner, data=SHOP)
    Customer.objects.filter(pk=shop.pk).update(static_reviewed_at=timezone.now() - dt.timedelta(days=365))
    login(client, org.owner)
    html = client.get(f"/customers/{shop.pk}/tab/profile/").content.decode()
    assert 'id="class-static"' in html and 'id="overdue-static"' in html and 'id="overdue-dynamic"' not in html
    static = html[html.index('id="class-static"'):html.index('id="class-dynamic"')]
    assert "华联便利(人民路店)" in static and "310101100234" in static
    dynamic = html[html.index('id="class-dynamic"'):html.index('id="class-realtime"')]
    assert "622************6789" in dynamic and "6222021001123456789" not in html
    html = client.post(f"/customers/{shop.pk}/review/static/").content.decode()
    assert 'id="overdue-static"' not in html
    assert client.post(f"/customers/{shop.pk}/review/derived/").status_code == 404
    # Reveal the bank account through the logged mechanism
    login(client, org.manager)
    assert "6222021001123456789" in client.post(f"/customers/{shop.pk}/reveal/bank_account/").content.decode()


def test_form_shows_profile_sections_and_saves_them(client, org) -> None:
    login(client, org.owner)
    html = client.get("/customers/new/").content.decode()
    assert 'data-kinds="organization"' in html and 'name="licence_number"' in html and 'name="hobbies"' in html
    response = client.post("/customers/new/", {
        "kind": "person", "name": "周杰", "importance": "B", "birthday_calendar": "solar",
        "occupation": "工程师", "income_band": "20k-50k", "preferred_time": "晚上七点后",
    })
    assert response.status_code == 302
    customer = Customer.objects.get(name="周杰")
    assert (customer.occupation, customer.income_band, customer.preferred_time) == ("工程师", "20k-50k", "晚上七点后")
    response = client.post("/customers/new/", {"kind": "organization", "name": "某店", "importance": "B",
                                               "birthday_calendar": "solar", "latitude": "123"})
    assert response.status_code == 422 and 'id="errors-latitude"' in response.content.decode()
    assert "-90" in response.content.decode()


def test_api_profile_round_trip_masks_the_bank_account(client, org) -> None:
    headers = bearer(client, org.owner)
    payload = {**SHOP, "latitude": 31.230416, "longitude": 121.473701, "order_cycle_days": 7}
    response = client.post("/api/v1/customers", json.dumps(payload), content_type="application/json", headers=headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["bank_account"] == "622************6789" and body["latitude"] == pytest.approx(31.230416)
    assert body["importance_set_by"]["username"] == "owner" and body["static_reviewed_at"]
    patched = client.patch(f"/api/v1/customers/{body['id']}", json.dumps({"version": body["version"],
                           "bank_account": body["bank_account"], "business_status": "suspended"}),
                           content_type="application/json", headers=headers)
    assert patched.status_code == 200 and patched.json()["business_status"] == "suspended"
    assert Customer.objects.get(pk=body["id"]).bank_account == "6222021001123456789"
    bad = client.patch(f"/api/v1/customers/{body['id']}", json.dumps({"version": patched.json()["version"],
                       "bank_account": "12*4"}), content_type="application/json", headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "bank_account"
    reviewed = client.post(f"/api/v1/customers/{body['id']}/review", json.dumps({"info_class": "static"}),
                           content_type="application/json", headers=headers)
    assert reviewed.status_code == 200
    overdue = client.get("/api/v1/customers?review=static", headers=headers).json()
    assert body["id"] not in [c["id"] for c in overdue["items"]]
    assert client.post(f"/api/v1/customers/{body['id']}/review", json.dumps({"info_class": "derived"}),
                       content_type="application/json", headers=headers).status_code == 422


@pytest.mark.outsider("customers:review", "POST /customers/{customer_id}/review")
def test_outsider_cannot_review(client, org, make_customer) -> None:
    customer = make_customer("张三")
    login(client, org.outsider)
    assert client.post(f"/customers/{customer.pk}/review/static/").status_code == 404
    headers = bearer(client, org.outsider)
    assert client.post(f"/api/v1/customers/{customer.pk}/review", json.dumps({"info_class": "static"}),
                       content_type="application/json", headers=headers).status_code == 404
    assert not ChangeEntry.objects.filter(customer=customer, field="review").exists()
