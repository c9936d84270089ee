import datetime as dt
import json

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from guanxi.core.errors import ConflictError, NotPermitted
from guanxi.customers.contact_services import contact_create, contact_delete, contact_update
from guanxi.customers.models import ChangeEntry, Contact
from guanxi.customers.selectors import contact_search
from guanxi.customers.services import customer_archive
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_customer):
    return make_customer("华联超市", kind="organization")


def test_contact_is_recorded_masked_and_versioned(org, shop) -> None:
    contact = contact_create(actor=org.owner, customer=shop, data={
        "name": "李娜", "title": "店长", "role": "decision", "phones": ["138 1234 5678"], "email": "LiNa@Example.com",
        "birthday": dt.date(2020, 5, 23), "birthday_calendar": "lunar", "notes": "周一进货",
    })
    assert contact.phones == ["13812345678"] and contact.email == "lina@example.com"
    assert (contact.lunar_birth_month, contact.lunar_birth_day, contact.lunar_birth_leap) == (4, 1, True)
    assert contact.version == 1
    entry = ChangeEntry.objects.get(customer=shop, field="contacts")
    assert entry.old_value == ""
    assert entry.new_value == "决策人 李娜 (店长) 13812345678 lina@example.com 2020-05-23 (农历)"
    # The masked phone sent back keeps the stored one; a stale version is refused.
    changed = contact_update(actor=org.owner, contact=contact, version=1,
                             data={"phones": ["138****5678", "0571-88001234"], "title": "老板"})
    assert changed.phones == ["13812345678", "057188001234"] and changed.version == 2
    with pytest.raises(ConflictError):
        contact_update(actor=org.owner, contact=changed, version=1, data={"title": "经理"})
    assert Contact.objects.get().title == "老板"
    contact_delete(actor=org.owner, contact=changed)
    assert Contact.objects.count() == 0
    assert ChangeEntry.objects.filter(customer=shop, field="contacts").count() == 3


def test_a_person_customer_refuses_contacts_with_a_translated_error(org, make_customer) -> None:
    person = make_customer("张三")
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        contact_create(actor=org.owner, customer=person, data={"name": "李娜"})
    assert excinfo.value.message_dict == {
        "customer": ["Contact people belong to organization customers; 张三 is a person."]}
    with translation.override("zh-hans"), pytest.raises(ValidationError) as excinfo:
        contact_create(actor=org.owner, customer=person, data={"name": "李娜"})
    assert excinfo.value.message_dict == {"customer": ["联系人只属于组织客户；张三是个人客户。"]}
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(("data", "field"), [
    ({"name": " "}, "name"),
    ({"name": "李娜", "role": "boss"}, "role"),
    ({"name": "李娜", "phones": ["12345"]}, "phones"),
    ({"name": "李娜", "phones": ["138****0000"]}, "phones"),
    ({"name": "李娜", "email": "not-an-email"}, "email"),
    ({"name": "李娜", "birthday": dt.date(2999, 1, 1)}, "birthday"),
    ({"name": "李\x00娜"}, "name"),
    ({"name": "李" * 101}, "name"),
])
def test_bad_contact_input_saves_nothing(org, shop, data, field) -> None:
    with pytest.raises(ValidationError) as excinfo:
        contact_create(actor=org.owner, customer=shop, data=data)
    assert list(excinfo.value.message_dict) == [field]
    assert Contact.objects.count() == 0


def test_an_archived_customers_contacts_cannot_change(org, shop) -> None:
    contact = contact_create(actor=org.owner, customer=shop, data={"name": "李娜"})
    customer_archive(actor=org.owner, customer=shop)
    shop.refresh_from_db()
    contact.refresh_from_db()
    with pytest.raises(NotPermitted):
        contact_create(actor=org.owner, customer=shop, data={"name": "王强"})
    with pytest.raises(NotPermitted):
        contact_update(actor=org.owner, contact=contact, version=1, data={"name": "王强"})


def test_contacts_are_found_by_name_pinyin_and_phone_within_scope(org, shop, make_customer) -> None:
    lina = contact_create(actor=org.owner, customer=shop, data={"name": "李娜", "phones": ["13812345678"]})
    other_shop = make_customer("远方商行", kind="organization", actor=org.outsider)
    contact_create(actor=org.outsider, customer=other_shop, data={"name": "李娜娜", "phones": ["13812349999"]})
    for query in ("李娜", "lina", "ln", "1234567", "138-1234-5678"):
        found = contact_search(user=org.owner, q=query)
        assert [(c.pk, c.customer.name) for c in found] == [(lina.pk, "华联超市")], query
    assert [c.name for c in contact_search(user=org.admin, q="lina")] == ["李娜", "李娜娜"]
    assert contact_search(user=org.owner, q="   ") == []
    customer_archive(actor=org.owner, customer=shop)
    assert contact_search(user=org.owner, q="lina") == []


def test_contact_search_takes_a_fixed_number_of_queries(org, shop, django_assert_num_queries) -> None:
    for i in range(30):
        contact_create(actor=org.owner, customer=shop, data={"name": f"李娜{i}"})
    with django_assert_num_queries(1):  # the contacts with their organization, scoped in a subquery
        assert len(contact_search(user=org.owner, q="lina")) == 30


def test_contacts_tab_add_edit_and_remove(client, org, shop) -> None:
    login(client, org.owner)
    html = client.post(f"/customers/{shop.pk}/contacts/", {
        "name": "李娜", "role": "purchasing", "phones": "13812345678", "birthday_calendar": "solar",
    }).content.decode()
    contact = Contact.objects.get()
    assert f'data-contact="{contact.pk}"' in html and "138****5678" in html and "13812345678" not in html
    bad = client.post(f"/customers/{shop.pk}/contacts/", {"name": "", "birthday_calendar": "solar"})
    assert bad.status_code == 422 and Contact.objects.count() == 1
    form = client.get(f"/customers/{shop.pk}/contacts/{contact.pk}/edit/").content.decode()
    assert 'value="李娜"' in form and 'value="138****5678"' in form and 'name="version" value="1"' in form
    saved = client.post(f"/customers/{shop.pk}/contacts/{contact.pk}/edit/", {
        "name": "李娜", "phones": "138****5678", "birthday_calendar": "solar", "notes": "喜欢茶", "version": "1"})
    assert saved.status_code == 200 and "喜欢茶" in saved.content.decode()
    assert Contact.objects.get().phones == ["13812345678"]
    stale = client.post(f"/customers/{shop.pk}/contacts/{contact.pk}/edit/", {
        "name": "李娜", "birthday_calendar": "solar", "notes": "x", "version": "1"})
    assert stale.status_code == 422 and Contact.objects.get().notes == "喜欢茶"
    client.post(f"/customers/{shop.pk}/contacts/{contact.pk}/delete/")
    assert Contact.objects.count() == 0
    page = client.get(f"/customers/{shop.pk}/?tab=contacts")
    assert page.status_code == 200 and 'id="contact-form"' in page.content.decode()


def test_contacts_tab_of_a_person_says_why_there_is_no_form(client, org, make_customer) -> None:
    person = make_customer("张三")
    login(client, org.owner)
    html = client.get(f"/customers/{person.pk}/tab/contacts/").content.decode()
    assert "联系人只为组织客户记录。" in html and "contact-form" not in html
    refused = client.post(f"/customers/{person.pk}/contacts/", {"name": "李娜", "birthday_calendar": "solar"})
    assert refused.status_code == 422 and Contact.objects.count() == 0


def test_contacts_search_page_in_both_languages(client, org, shop) -> None:
    contact_create(actor=org.owner, customer=shop, data={"name": "李娜", "phones": ["13812345678"]})
    login(client, org.owner)
    assert 'href="/customers/contacts/"' in client.get("/customers/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/customers/contacts/", {"q": "ln"}).content.decode()
    assert "华联超市" in html and "138****5678" in html and "Role in buying" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get("/customers/contacts/", {"q": "ln"}).content.decode()
    assert "华联超市" in html and "采购角色" in html and "联系人" in html
    partial = client.get("/customers/contacts/", {"q": "zz"}, headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('\n<div id="contact-results"') and "未找到联系人。" in partial


def test_contacts_api(client, org, shop) -> None:
    headers = bearer(client, org.owner)
    base = f"/api/v1/customers/{shop.pk}/contacts"
    created = client.post(base, json.dumps({"name": "李娜", "role": "finance", "phones": ["13812345678"],
                                            "birthday": "1985-02-14", "birthday_calendar": "lunar"}),
                          content_type="application/json", headers=headers)
    assert created.status_code == 201
    body = created.json()
    assert body["phones"] == ["138****5678"] and body["customer"] == {"id": shop.pk, "name": "华联超市"}
    assert body["lunar_birthday"] == {"month": 12, "day": 25, "leap": False} and body["version"] == 1
    url = f"{base}/{body['id']}"
    changed = client.patch(url, json.dumps({"version": 1, "notes": "喜欢茶", "phones": ["138****5678"]}),
                           content_type="application/json", headers=headers)
    assert changed.status_code == 200 and changed.json()["notes"] == "喜欢茶" and changed.json()["version"] == 2
    stale = client.patch(url, json.dumps({"version": 1, "notes": "x"}), content_type="application/json",
                         headers=headers)
    assert stale.status_code == 409
    assert client.get(url, headers=headers).json()["notes"] == "喜欢茶"
    assert [c["name"] for c in client.get(base, headers=headers).json()] == ["李娜"]
    found = client.get("/api/v1/contacts", {"q": "ln"}, headers=headers).json()
    assert found["count"] == 1 and found["items"][0]["customer"]["name"] == "华联超市"
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(base, headers=headers).json() == []


@pytest.mark.parametrize("payload", [
    {"name": "李娜", "extra": 1},
    {"name": "李娜", "role": "boss"},
    {"name": "李" * 101},
    {"name": "李娜", "phones": ["1"] * 11},
    {"role": "user"},
])
def test_bad_contact_api_input_is_refused(client, org, shop, payload) -> None:
    headers = bearer(client, org.owner)
    response = client.post(f"/api/v1/customers/{shop.pk}/contacts", json.dumps(payload),
                           content_type="application/json", headers=headers)
    assert response.status_code == 422 and Contact.objects.count() == 0


def test_contact_api_on_a_person_names_the_field(client, org, make_customer) -> None:
    person = make_customer("张三")
    headers = bearer(client, org.owner)
    response = client.post(f"/api/v1/customers/{person.pk}/contacts", json.dumps({"name": "李娜"}),
                           content_type="application/json", headers=headers)
    assert response.status_code == 422 and "customer" in json.dumps(response.json())


def test_contact_list_api_takes_a_fixed_number_of_queries(client, org, shop) -> None:
    headers = bearer(client, org.owner)
    client.get("/api/v1/contacts?q=lina", headers=headers)  # warm up the token's first use
    counts = []
    for total in (1, 30):
        while Contact.objects.count() < total:
            contact_create(actor=org.owner, customer=shop, data={"name": f"李娜{Contact.objects.count()}"})
        for url in (f"/api/v1/customers/{shop.pk}/contacts", "/api/v1/contacts?q=lina"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, headers=headers).status_code == 200
            counts.append(len(queries))
    # list: the token, its user, the customer, who rated its importance, its contacts; search: the token and the matches with their
    # organization (the user comes with the token there) — the same with 1 and with 30 contacts
    assert counts == [5, 2, 5, 2]


@pytest.mark.outsider("GET /customers/{customer_id}/contacts", "POST /customers/{customer_id}/contacts",
                      "GET /customers/{customer_id}/contacts/{contact_id}",
                      "PATCH /customers/{customer_id}/contacts/{contact_id}",
                      "DELETE /customers/{customer_id}/contacts/{contact_id}", "GET /contacts",
                      "customers:contact_add", "customers:contact_edit", "customers:contact_delete",
                      "customers:contacts")
def test_outsider_cannot_see_or_change_contacts(client, org, shop) -> None:
    contact = contact_create(actor=org.owner, customer=shop, data={"name": "李娜", "phones": ["13812345678"]})
    for user in (org.outsider, org.teammate):
        headers = bearer(client, user)
        base = f"/api/v1/customers/{shop.pk}/contacts"
        assert client.get(base, headers=headers).status_code == 404
        assert client.post(base, json.dumps({"name": "x"}), content_type="application/json",
                           headers=headers).status_code == 404
        assert client.get(f"{base}/{contact.pk}", headers=headers).status_code == 404
        assert client.patch(f"{base}/{contact.pk}", json.dumps({"version": 1, "name": "x"}),
                            content_type="application/json", headers=headers).status_code == 404
        assert client.delete(f"{base}/{contact.pk}", headers=headers).status_code == 404
        assert client.get("/api/v1/contacts", {"q": "lina"}, headers=headers).json() == {"items": [], "count": 0}
        login(client, user)
        assert client.post(f"/customers/{shop.pk}/contacts/", {"name": "x", "birthday_calendar": "solar"}
                           ).status_code == 404
        assert client.get(f"/customers/{shop.pk}/contacts/{contact.pk}/edit/").status_code == 404
        assert client.post(f"/customers/{shop.pk}/contacts/{contact.pk}/edit/", {
            "name": "x", "birthday_calendar": "solar", "version": "1"}).status_code == 404
        assert client.post(f"/customers/{shop.pk}/contacts/{contact.pk}/delete/").status_code == 404
        assert "李娜" not in client.get("/customers/contacts/", {"q": "lina"}).content.decode()
    assert Contact.objects.get().name == "李娜"


def test_contact_phones_are_revealed_only_to_roles_that_may_and_logged(client, org, shop) -> None:
    from guanxi.customers.models import AccessLog

    contact_create(actor=org.owner, customer=shop, data={"name": "李娜", "phones": ["13812345678"]})
    login(client, org.owner)
    assert client.post(f"/customers/{shop.pk}/reveal/contact_phones/").status_code == 403
    assert 'id="reveal-contact-phones"' not in client.get(f"/customers/{shop.pk}/tab/contacts/").content.decode()
    login(client, org.manager)
    assert 'id="reveal-contact-phones"' in client.get(f"/customers/{shop.pk}/tab/contacts/").content.decode()
    html = client.post(f"/customers/{shop.pk}/reveal/contact_phones/").content.decode()
    assert "李娜: 13812345678" in html
    headers = bearer(client, org.manager)
    body = client.post(f"/api/v1/customers/{shop.pk}/reveal", json.dumps({"field": "contact_phones"}),
                       content_type="application/json", headers=headers).json()
    assert body == {"field": "contact_phones", "value": ["李娜: 13812345678"]}
    assert list(AccessLog.objects.values_list("user__username", "field", "channel")) == [
        ("manager", "contact_phones", "api"), ("manager", "contact_phones", "ui")]
