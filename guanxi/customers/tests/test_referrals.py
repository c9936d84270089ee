import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError

from guanxi.customers.models import ChangeEntry, Referral
from guanxi.customers.selectors import referrals_of, top_referrers
from guanxi.customers.services import ReferralInput, referral_create
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db


def test_referral_both_directions_and_ledger(org, make_customer) -> None:
    a = make_customer("张三")
    b = make_customer("李四")
    referral_create(actor=org.owner, referrer=a, data={"referred_code": b.code, "bought": True,
                                                        "referred_on": dt.date(2026, 1, 5)})
    made, received = referrals_of(user=org.owner, customer=a)
    assert [r.referred.name for r in made] == ["李四"] and received == []
    made, received = referrals_of(user=org.owner, customer=b)
    assert made == [] and [r.referrer.name for r in received] == ["张三"]
    assert ChangeEntry.objects.get(customer=a, field="referral").new_value == f"→ 李四 ({b.code})"
    assert ChangeEntry.objects.get(customer=b, field="referral").new_value == f"← 张三 ({a.code})"


@pytest.mark.parametrize("case", ["self", "twice", "unknown", "invisible", "future"])
def test_bad_referrals_are_refused(org, make_customer, case) -> None:
    a = make_customer("张三")
    b = make_customer("李四")
    hidden = make_customer("王五", actor=org.outsider)
    cases: dict[str, ReferralInput] = {
        "self": {"referred_id": a.pk},
        "twice": {"referred_id": b.pk},
        "unknown": {"referred_code": "NOPE"},
        "invisible": {"referred_id": hidden.pk},
        "future": {"referred_id": b.pk, "referred_on": dt.date(2999, 1, 1)},
    }
    data = cases[case]
    if case == "twice":
        referral_create(actor=org.owner, referrer=a, data={"referred_id": b.pk})
    before = Referral.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        referral_create(actor=org.owner, referrer=a, data=data)
    assert list(excinfo.value.message_dict) == ["referred_on" if case == "future" else "referred"]
    assert Referral.objects.count() == before


def test_counterparts_outside_the_scope_are_not_shown(org, make_customer) -> None:
    a = make_customer("张三")
    b = make_customer("李四", actor=org.manager, owner_id=org.teammate.pk)
    referral_create(actor=org.manager, referrer=a, data={"referred_id": b.pk})
    assert referrals_of(user=org.owner, customer=a) == ([], [])
    assert [r.referred.name for r in referrals_of(user=org.manager, customer=a)[0]] == ["李四"]


def test_top_referrers(org, make_customer) -> None:
    a, b, c, d = (make_customer(n) for n in ["张三", "李四", "王五", "赵六"])
    for referred, bought in ((b, True), (c, False)):
        referral_create(actor=org.owner, referrer=a, data={"referred_id": referred.pk, "bought": bought})
    referral_create(actor=org.owner, referrer=d, data={"referred_id": b.pk})
    rows = [(r.customer.name, r.referrals, r.bought) for r in top_referrers(user=org.owner)]
    assert rows == [("张三", 2, 1), ("赵六", 1, 0)]
    assert top_referrers(user=org.outsider) == []


def test_referrals_tab_and_report(client, org, make_customer) -> None:
    a = make_customer("张三")
    b = make_customer("李四")
    login(client, org.owner)
    html = client.post(f"/customers/{a.pk}/referrals/", {"referred_code": b.code}).content.decode()
    assert "李四" in html and 'id="referrals-made"' in html
    bad = client.post(f"/customers/{a.pk}/referrals/", {"referred_code": "NOPE"})
    assert bad.status_code == 422 and Referral.objects.count() == 1
    assert "张三" in client.get("/customers/referrers/").content.decode()
    referral = Referral.objects.get()
    client.post(f"/customers/{a.pk}/referrals/{referral.pk}/delete/")
    assert Referral.objects.count() == 0


def test_referrals_api(client, org, make_customer) -> None:
    a = make_customer("张三")
    b = make_customer("李四")
    headers = bearer(client, org.owner)
    created = client.post(f"/api/v1/customers/{a.pk}/referrals", json.dumps({"referred_id": b.pk, "bought": True}),
                          content_type="application/json", headers=headers)
    assert created.status_code == 201 and created.json()["referred"]["name"] == "李四"
    listed = client.get(f"/api/v1/customers/{b.pk}/referrals", headers=headers).json()
    assert [r["referrer"]["name"] for r in listed["received"]] == ["张三"]
    top = client.get("/api/v1/referrers/top", headers=headers).json()
    assert top == [{"customer": {"id": a.pk, "name": "张三"}, "referrals": 1, "bought": 1}]
    rid = created.json()["id"]
    assert client.delete(f"/api/v1/customers/{b.pk}/referrals/{rid}", headers=headers).status_code == 204


@pytest.mark.outsider("GET /customers/{customer_id}/referrals", "POST /customers/{customer_id}/referrals",
                      "DELETE /customers/{customer_id}/referrals/{referral_id}", "GET /referrers/top",
                      "customers:referral_add", "customers:referral_delete", "customers:referrers")
def test_outsider_cannot_see_or_change_referrals(client, org, make_customer) -> None:
    a = make_customer("张三")
    b = make_customer("李四")
    referral = referral_create(actor=org.owner, referrer=a, data={"referred_id": b.pk})
    for user in (org.outsider, org.teammate):
        headers = bearer(client, user)
        assert client.get(f"/api/v1/customers/{a.pk}/referrals", headers=headers).status_code == 404
        assert client.post(f"/api/v1/customers/{a.pk}/referrals", json.dumps({"referred_id": b.pk}),
                           content_type="application/json", headers=headers).status_code == 404
        assert client.delete(f"/api/v1/customers/{a.pk}/referrals/{referral.pk}", headers=headers).status_code == 404
        assert client.get("/api/v1/referrers/top", headers=headers).json() == []
        login(client, user)
        assert client.post(f"/customers/{a.pk}/referrals/", {"referred_code": b.code}).status_code == 404
        assert client.post(f"/customers/{a.pk}/referrals/{referral.pk}/delete/").status_code == 404
        assert "张三" not in client.get("/customers/referrers/").content.decode()
    assert Referral.objects.count() == 1
