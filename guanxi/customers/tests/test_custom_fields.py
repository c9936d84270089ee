"""Custom fields: definitions by administrators, typed values, forms, list filters and columns, search, API."""

import json

import pytest
from django.core.exceptions import ValidationError

from guanxi.core.errors import NotPermitted
from guanxi.customers.custom_fields import custom_field_create, custom_field_update
from guanxi.customers.models import ChangeEntry, Customer, CustomField
from guanxi.customers.selectors import CustomerFilters, customer_page
from guanxi.customers.services import customer_create, customer_update
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(org):
    make = lambda **data: custom_field_create(actor=org.admin, data=data)  # noqa: E731
    return {
        "wechat": make(key="wechat_id", label="微信号", field_type="text", searchable=True, info_class="realtime"),
        "shelf": make(key="shelf_metres", label="货架长度", field_type="number", kinds="organization"),
        "opened": make(key="opened_on", label="开业日期", field_type="date", kinds="organization"),
        "channel": make(key="source", label="客户来源", field_type="choice", choices=["门店", "转介绍", "线上"],
                        required=True, in_list=True),
        "interests": make(key="interests", label="兴趣", field_type="multi", choices=["理财", "保险", "旅游"]),
        "vip": make(key="vip", label="会员", field_type="bool", info_class="dynamic"),
    }


def test_values_are_typed_and_ledgered(org, fields) -> None:
    customer = customer_create(actor=org.owner, data={"name": "张三", "custom": {
        "wechat_id": "zhangsan88", "source": "转介绍", "interests": "理财、旅游", "vip": "是",
    }})
    assert customer.custom == {"wechat_id": "zhangsan88", "source": "转介绍", "interests": ["理财", "旅游"], "vip": True}
    shop = customer_create(actor=org.owner, data={"kind": "organization", "name": "华联超市", "custom": {
        "shelf_metres": "１２.5", "opened_on": "2019年3月5日", "source": "门店",
    }})
    assert shop.custom == {"shelf_metres": 12.5, "opened_on": "2019-03-05", "source": "门店"}
    customer = customer_update(actor=org.owner, customer=customer, version=customer.version,
                               data={"custom": {"vip": False, "wechat_id": ""}})
    assert customer.custom == {"source": "转介绍", "interests": ["理财", "旅游"], "vip": False}
    entries = dict(ChangeEntry.objects.filter(customer=customer, channel="ui").exclude(old_value="")
                   .values_list("field", "new_value"))
    assert entries == {"custom.vip": "no", "custom.wechat_id": ""}


@pytest.mark.parametrize(("custom", "field"), [
    ({"source": "路过"}, "custom.source"),
    ({"source": "门店", "interests": ["理财", "炒股"]}, "custom.interests"),
    ({"source": "门店", "vip": "maybe"}, "custom.vip"),
    ({"source": "门店", "nonsense": "x"}, "custom.nonsense"),
    ({"source": "门店", "shelf_metres": "3"}, "custom.shelf_metres"),  # organizations only
    ({}, "custom.source"),  # required
])
def test_bad_custom_values_are_refused_by_field(org, fields, custom, field) -> None:
    with pytest.raises(ValidationError) as excinfo:
        customer_create(actor=org.owner, data={"name": "张三", "custom": custom})
    assert field in excinfo.value.message_dict
    assert not Customer.objects.exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"key": "1abc", "label": "x", "field_type": "text"}, "key"),
    ({"key": "abc", "label": "", "field_type": "text"}, "label"),
    ({"key": "abc", "label": "x", "field_type": "colour"}, "field_type"),
    ({"key": "abc", "label": "x", "field_type": "choice", "choices": []}, "choices"),
    ({"key": "abc", "label": "x", "field_type": "number", "choices": ["a"]}, "choices"),
    ({"key": "abc", "label": "x", "field_type": "number", "searchable": True}, "searchable"),
])
def test_bad_definitions_are_refused(org, data, field) -> None:
    with pytest.raises(ValidationError) as excinfo:
        custom_field_create(actor=org.admin, data=data)
    assert field in excinfo.value.message_dict


def test_only_administrators_define_fields(org, fields) -> None:
    with pytest.raises(NotPermitted):
        custom_field_create(actor=org.manager, data={"key": "abc", "label": "x", "field_type": "text"})
    with pytest.raises(NotPermitted):
        custom_field_update(actor=org.owner, field=fields["vip"], data={"label": "y"})


def test_list_filters_columns_and_search(client, org, fields) -> None:
    customer_create(actor=org.owner, data={"name": "张三", "custom": {"source": "转介绍", "wechat_id": "zs_wx_2024",
                                                                    "interests": ["理财"], "vip": True}})
    customer_create(actor=org.owner, data={"name": "李四", "custom": {"source": "门店", "interests": ["保险", "旅游"]}})

    def names(**custom: str) -> set[str]:
        filters = CustomerFilters(custom=tuple(custom.items()))
        return {c.name for c in customer_page(user=org.owner, filters=filters, sort="name", cursor=None, limit=50).items}

    assert names(source="门店") == {"李四"}
    assert names(interests="理财") == {"张三"} and names(interests="旅游") == {"李四"}
    assert names(vip="yes") == {"张三"} and names(vip="no") == set()
    login(client, org.owner)
    html = client.get("/customers/", {"cf_source": "转介绍"}).content.decode()
    assert 'name="cf_source"' in html and "张三" in html and "李四" not in html
    assert "<th class=\"hide-sm\">客户来源</th>" in html  # the in_list column
    # searchable text custom fields are found by the search box
    assert "张三" in client.get("/customers/", {"q": "zs_wx_2024"}).content.decode()
    headers = bearer(client, org.owner)
    listed = client.get("/api/v1/customers", {"custom": "source:门店"}, headers=headers).json()
    assert [c["name"] for c in listed["items"]] == ["李四"]
    assert client.get("/api/v1/customers", {"custom": "source"}, headers=headers).status_code == 422


def test_form_and_api_carry_custom_values(client, org, fields) -> None:
    login(client, org.owner)
    html = client.get("/customers/new/").content.decode()
    assert 'name="cf_source"' in html and 'name="cf_interests"' in html
    response = client.post("/customers/new/", {"kind": "person", "name": "王五", "importance": "B",
                                               "birthday_calendar": "solar", "cf_source": "线上",
                                               "cf_interests": ["保险", "旅游"], "cf_vip": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get(name="王五")
    assert customer.custom == {"source": "线上", "interests": ["保险", "旅游"], "vip": True}
    response = client.post("/customers/new/", {"kind": "person", "name": "赵六", "importance": "B",
                                               "birthday_calendar": "solar"})
    assert response.status_code == 422 and 'id="errors-cf_source"' in response.content.decode()
    edit = client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert 'value="线上" selected' in edit
    headers = bearer(client, org.owner)
    body = client.get(f"/api/v1/customers/{customer.pk}", headers=headers).json()
    assert body["custom"] == {"source": "线上", "interests": ["保险", "旅游"], "vip": True}
    patched = client.patch(f"/api/v1/customers/{customer.pk}",
                           json.dumps({"version": body["version"], "custom": {"vip": None, "source": "门店"}}),
                           content_type="application/json", headers=headers)
    assert patched.status_code == 200 and patched.json()["custom"] == {"source": "门店", "interests": ["保险", "旅游"]}
    bad = client.patch(f"/api/v1/customers/{customer.pk}",
                       json.dumps({"version": patched.json()["version"], "custom": {"source": 7}}),
                       content_type="application/json", headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "custom.source"
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "custom" in schema["CustomerOut"]["properties"]


def test_definition_pages_and_api(client, org, fields) -> None:
    login(client, org.admin)
    assert "客户来源" in client.get("/customers/fields/").content.decode()
    response = client.post("/customers/fields/", {"key": "store_area", "label": "面积", "field_type": "number",
                                                  "kinds": "organization", "info_class": "static", "active": "on"})
    assert response.status_code == 302 and CustomField.objects.filter(key="store_area").exists()
    response = client.post("/customers/fields/", {"key": "store_area", "label": "x", "field_type": "number",
                                                  "kinds": "all", "info_class": "static"})
    assert response.status_code == 422 and 'id="errors-key"' in response.content.decode()
    field = CustomField.objects.get(key="store_area")
    response = client.post(f"/customers/fields/{field.pk}/", {"label": "营业面积", "kinds": "organization",
                                                              "info_class": "static"})
    assert response.status_code == 302
    field.refresh_from_db()
    assert field.label == "营业面积" and not field.active
    headers = bearer(client, org.admin)
    keys = [f["key"] for f in client.get("/api/v1/custom-fields", headers=headers).json()]
    assert "source" in keys and "store_area" not in keys
    created = client.post("/api/v1/custom-fields", json.dumps({"key": "grade", "label": "等级", "field_type": "choice",
                                                                "choices": ["金", "银"]}),
                          content_type="application/json", headers=headers)
    assert created.status_code == 201 and created.json()["choices"] == ["金", "银"]
    patched = client.patch(f"/api/v1/custom-fields/{created.json()['id']}", json.dumps({"required": True}),
                           content_type="application/json", headers=headers)
    assert patched.json()["required"] is True


@pytest.mark.outsider("customers:custom_fields", "customers:custom_field_edit", "GET /custom-fields",
                      "POST /custom-fields", "PATCH /custom-fields/{field_id}")
def test_non_administrators_cannot_define_fields(client, org, fields) -> None:
    for user in (org.outsider, org.manager):
        login(client, user)
        assert client.get("/customers/fields/").status_code == 403
        assert client.post("/customers/fields/", {"key": "x", "label": "x", "field_type": "text"}).status_code == 403
        assert client.post(f"/customers/fields/{fields['vip'].pk}/", {"label": "y"}).status_code == 403
        headers = bearer(client, user)
        # Definitions are readable (forms and imports need them), never writable.
        assert client.get("/api/v1/custom-fields", headers=headers).status_code == 200
        assert client.post("/api/v1/custom-fields", json.dumps({"key": "x", "label": "x", "field_type": "text"}),
                           content_type="application/json", headers=headers).status_code == 403
        assert client.patch(f"/api/v1/custom-fields/{fields['vip'].pk}", json.dumps({"label": "y"}),
                            content_type="application/json", headers=headers).status_code == 403
    assert CustomField.objects.get(key="vip").label == "会员" and not CustomField.objects.filter(key="x").exists()
