import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError

from guanxi.customers.models import ChangeEntry, FamilyMember
from guanxi.customers.services import family_member_create, family_member_delete, family_member_update
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db


def test_family_member_with_lunar_birthday_is_recorded_in_the_ledger(org, make_customer) -> None:
    customer = make_customer("张三")
    member = family_member_create(actor=org.owner, customer=customer, data={
        "name": "王芳", "relation": "spouse", "birthday": dt.date(2020, 5, 23), "birthday_calendar": "lunar",
        "school_or_employer": "第一中学",
    })
    assert (member.lunar_birth_month, member.lunar_birth_day, member.lunar_birth_leap) == (4, 1, True)
    entry = ChangeEntry.objects.get(customer=customer, field="family")
    assert entry.old_value == "" and "王芳" in entry.new_value and "2020-05-23" in entry.new_value
    family_member_update(actor=org.owner, member=member, data={"school_or_employer": "第二中学"})
    family_member_delete(actor=org.owner, member=member)
    values = list(ChangeEntry.objects.filter(field="family").order_by("id").values_list("old_value", "new_value"))
    assert "第二中学" in values[1][1] and values[2][1] == ""
    assert FamilyMember.objects.count() == 0


@pytest.mark.parametrize(("data", "field"), [
    ({"name": " ", "relation": "child"}, "name"),
    ({"name": "小明", "relation": "cousin"}, "relation"),
    ({"name": "小明", "relation": "child", "birthday": dt.date(2999, 1, 1)}, "birthday"),
    ({"name": "小明", "relation": "child", "linked_customer_id": 999_999}, "linked_customer"),
])
def test_bad_family_input_saves_nothing(org, make_customer, data, field) -> None:
    customer = make_customer("张三")
    with pytest.raises(ValidationError) as excinfo:
        family_member_create(actor=org.owner, customer=customer, data=data)
    assert list(excinfo.value.message_dict) == [field]
    assert FamilyMember.objects.count() == 0


def test_link_only_to_a_visible_customer(org, make_customer) -> None:
    customer = make_customer("张三")
    others = make_customer("张小三", actor=org.outsider)
    with pytest.raises(ValidationError):
        family_member_create(actor=org.owner, customer=customer,
                             data={"name": "张小三", "relation": "child", "linked_customer_id": others.pk})
    mine = make_customer("张小四")
    member = family_member_create(actor=org.owner, customer=customer,
                                  data={"name": "张小四", "relation": "child", "linked_customer_id": mine.pk})
    assert member.linked_customer == mine


def test_family_tab_add_and_remove(client, org, make_customer) -> None:
    customer = make_customer("张三")
    login(client, org.owner)
    html = client.post(f"/customers/{customer.pk}/family/", {
        "name": "王芳", "relation": "spouse", "birthday_calendar": "solar",
    }).content.decode()
    member = FamilyMember.objects.get()
    assert f'data-member="{member.pk}"' in html
    bad = client.post(f"/customers/{customer.pk}/family/", {"name": "", "relation": "spouse", "birthday_calendar": "solar"})
    assert bad.status_code == 422 and FamilyMember.objects.count() == 1
    form = client.get(f"/customers/{customer.pk}/family/{member.pk}/edit/").content.decode()
    assert 'value="王芳"' in form and f"/family/{member.pk}/edit/" in form
    bad = client.post(f"/customers/{customer.pk}/family/{member.pk}/edit/",
                      {"name": "王芳", "relation": "cousin", "birthday_calendar": "solar"})
    assert bad.status_code == 422 and f"/family/{member.pk}/edit/" in bad.content.decode()
    saved = client.post(f"/customers/{customer.pk}/family/{member.pk}/edit/",
                        {"name": "王芳", "relation": "spouse", "birthday_calendar": "solar", "notes": "喜欢茶"})
    assert saved.status_code == 200 and "喜欢茶" in saved.content.decode()
    assert FamilyMember.objects.get().notes == "喜欢茶"
    client.post(f"/customers/{customer.pk}/family/{member.pk}/delete/")
    assert FamilyMember.objects.count() == 0
    assert client.get(f"/customers/{customer.pk}/?tab=family").status_code == 200


def test_family_api(client, org, make_customer) -> None:
    customer = make_customer("张三")
    headers = bearer(client, org.owner)
    base = f"/api/v1/customers/{customer.pk}/family"
    created = client.post(base, json.dumps({"name": "王芳", "relation": "spouse", "birthday": "1985-02-14",
                                            "birthday_calendar": "lunar"}), content_type="application/json",
                          headers=headers)
    assert created.status_code == 201
    body = created.json()
    assert body["lunar_birthday"] == {"month": 12, "day": 25, "leap": False}
    changed = client.patch(f"{base}/{body['id']}", json.dumps({"notes": "喜欢茶"}), content_type="application/json",
                           headers=headers)
    assert changed.status_code == 200 and changed.json()["notes"] == "喜欢茶"
    assert [m["name"] for m in client.get(base, headers=headers).json()] == ["王芳"]
    assert client.delete(f"{base}/{body['id']}", headers=headers).status_code == 204
    assert client.get(base, headers=headers).json() == []


@pytest.mark.outsider("GET /customers/{customer_id}/family", "POST /customers/{customer_id}/family",
                      "PATCH /customers/{customer_id}/family/{member_id}",
                      "DELETE /customers/{customer_id}/family/{member_id}",
                      "customers:family_add", "customers:family_delete", "customers:family_edit")
def test_outsider_cannot_see_or_change_family(client, org, make_customer) -> None:
    customer = make_customer("张三")
    member = family_member_create(actor=org.owner, customer=customer, data={"name": "王芳", "relation": "spouse"})
    for user in (org.outsider, org.teammate):
        headers = bearer(client, user)
        base = f"/api/v1/customers/{customer.pk}/family"
        assert client.get(base, headers=headers).status_code == 404
        assert client.post(base, json.dumps({"name": "x", "relation": "child"}), content_type="application/json",
                           headers=headers).status_code == 404
        assert client.patch(f"{base}/{member.pk}", json.dumps({"name": "x"}), content_type="application/json",
                            headers=headers).status_code == 404
        assert client.delete(f"{base}/{member.pk}", headers=headers).status_code == 404
        login(client, user)
        assert client.post(f"/customers/{customer.pk}/family/", {"name": "x", "relation": "child",
                                                                 "birthday_calendar": "solar"}).status_code == 404
        assert client.post(f"/customers/{customer.pk}/family/{member.pk}/delete/").status_code == 404
        assert client.get(f"/customers/{customer.pk}/family/{member.pk}/edit/").status_code == 404
        assert client.post(f"/customers/{customer.pk}/family/{member.pk}/edit/", {
            "name": "x", "relation": "child", "birthday_calendar": "solar"}).status_code == 404
    assert list(FamilyMember.objects.values_list("name", flat=True)) == ["王芳"]
