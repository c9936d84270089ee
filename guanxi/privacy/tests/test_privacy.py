import datetime as dt
import json

import pytest

from guanxi.core.errors import NotPermitted
from guanxi.core.registry import registry
from guanxi.customers.models import (
    AccessLog,
    ChangeEntry,
    Customer,
    CustomerSearch,
    FamilyMember,
    SearchToken,
)
from guanxi.customers.services import customer_update, family_member_create
from guanxi.dedupe.tests.conftest import api_call
from guanxi.privacy.models import PrivacyRequest
from guanxi.privacy.services import customer_erase, personal_data_export
from guanxi.testing.base import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(org, make_customer):
    c = make_customer("张三丰", phones=["13812341234"], email="zsf@example.com", address="人民路 1 号", notes="喜欢茶",
                      birthday=dt.date(1980, 3, 5), tags=["VIP"], importance="A")
    family_member_create(actor=org.owner, customer=c, data={"name": "王芳", "relation": "spouse"})
    return customer_update(actor=org.owner, customer=c, version=c.version, data={"address": "人民路 2 号"})


def test_erase_clears_personal_fields_and_scrubs_the_ledger(org, customer) -> None:
    record = customer_erase(actor=org.manager, customer=customer, confirm_name="张三丰", reason="客户书面要求",
                            ticket="PIPL-7", requested_by="本人")
    erased = Customer.objects.get(pk=customer.pk)
    assert erased.name == f"已删除 #{customer.pk}"
    assert (erased.phones, erased.email, erased.address, erased.notes, erased.birthday, erased.id_number) == (
        [], "", "", "", None, "")
    assert (erased.owner_id, erased.department_id, erased.importance, erased.code) == (
        org.owner.pk, customer.department_id, "A", customer.code)
    assert erased.archived_at is not None and not erased.tags.exists()
    assert not FamilyMember.objects.filter(customer=erased).exists()
    assert "张三" not in CustomerSearch.objects.get(customer=erased).doc
    assert not SearchToken.objects.filter(customer=erased, token="张").exists()
    entries = ChangeEntry.objects.filter(customer=erased)
    assert not entries.exclude(old_value="", new_value="").exists()
    assert entries.filter(field="erased", channel="erase").count() == 1
    assert AccessLog.objects.filter(customer=erased, action="erase", user=org.manager).count() == 1
    assert (record.kind, record.reason, record.ticket, record.requested_by, record.done_by) == (
        "erase", "客户书面要求", "PIPL-7", "本人", org.manager)
    assert "phones" in record.summary["cleared"] and "owner" in record.summary["kept"]
    assert record.summary["rows"]["customers.FamilyMember.customer"] == {"deleted": 1}


def test_erase_needs_the_name_a_reason_and_a_permitted_role(org, customer) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(NotPermitted):
        customer_erase(actor=org.owner, customer=customer, confirm_name="张三丰", reason="x")
    with pytest.raises(ValidationError) as caught:
        customer_erase(actor=org.manager, customer=customer, confirm_name="张三", reason=" ")
    assert set(caught.value.message_dict) == {"confirm_name", "reason"}
    unchanged = Customer.objects.get(pk=customer.pk)
    assert unchanged.name == "张三丰" and unchanged.phones == ["13812341234"] and unchanged.archived_at is None
    assert FamilyMember.objects.filter(customer=customer).count() == 1
    assert PrivacyRequest.objects.count() == 0 and not AccessLog.objects.exists()


def test_export_holds_everything_and_is_logged(org, customer) -> None:
    document = personal_data_export(actor=org.manager, customer=customer, reason="客户要求", ticket="T-1")
    assert document["customer"]["phones"] == ["13812341234"] and document["customer"]["tags"] == ["VIP"]
    assert [m["name"] for m in document["related"]["customers.FamilyMember.customer"]] == ["王芳"]
    assert {e["field"] for e in document["related"]["customers.ChangeEntry.customer"]} >= {"name", "family", "address"}
    json.dumps(document, ensure_ascii=False)
    assert AccessLog.objects.filter(customer=customer, action="export").count() == 1
    assert PrivacyRequest.objects.get().summary["customers.FamilyMember.customer"] == 1
    with pytest.raises(NotPermitted):
        personal_data_export(actor=org.owner, customer=customer)


def test_tab_is_registered_and_shows_requests(client, org, customer) -> None:
    assert registry.tab("privacy") is not None
    personal_data_export(actor=org.manager, customer=customer, reason="客户要求", ticket="T-1")
    html = login(client, org.manager).get(f"/customers/{customer.pk}/tab/privacy/").content.decode()
    assert 'id="erase-form"' in html and "T-1" in html
    html = login(client, org.owner).get(f"/customers/{customer.pk}/tab/privacy/").content.decode()
    assert 'id="erase-form"' not in html and 'id="privacy-not-permitted"' in html


@pytest.mark.outsider("privacy:export", "privacy:erase")
def test_export_and_erase_pages(client, org, customer) -> None:
    export_url, erase_url = f"/privacy/customers/{customer.pk}/export/", f"/privacy/customers/{customer.pk}/erase/"
    assert login(client, org.outsider).post(export_url, {"reason": "x"}).status_code == 404
    assert client.post(erase_url, {"confirm_name": "张三丰", "reason": "x"}).status_code == 404
    assert login(client, org.owner).post(export_url, {"reason": "x"}).status_code == 403
    assert client.post(erase_url, {"confirm_name": "张三丰", "reason": "x"}).status_code == 403
    assert not AccessLog.objects.exists()
    assert login(client, org.manager).get(export_url).status_code == 405
    download = client.post(export_url, {"reason": "客户要求", "format": "json"})
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert json.loads(download.content)["customer"]["name"] == "张三丰"
    readable = client.post(export_url, {"reason": "客户要求", "format": "html"})
    assert readable.status_code == 200 and "13812341234" in readable.content.decode()
    too_long = client.post(export_url, {"reason": "x" * 301})
    assert too_long.status_code == 422 and PrivacyRequest.objects.count() == 2
    wrong = client.post(erase_url, {"confirm_name": "张三", "reason": "客户要求"}, headers={"HX-Request": "true"})
    assert wrong.status_code == 422 and Customer.objects.get(pk=customer.pk).name == "张三丰"
    done = client.post(erase_url, {"confirm_name": "张三丰", "reason": "客户要求"}, headers={"HX-Request": "true"})
    assert done.status_code == 204 and done["HX-Redirect"] == "/customers/"
    assert Customer.objects.get(pk=customer.pk).name.startswith("已删除")


@pytest.mark.outsider("GET /customers/{customer_id}/personal-data", "POST /customers/{customer_id}/erase")
def test_export_and_erase_api(client, org, customer) -> None:
    path = f"/customers/{customer.pk}"
    assert api_call(client, org.outsider, "get", f"{path}/personal-data").status_code == 404
    assert api_call(client, org.outsider, "post", f"{path}/erase", {"confirm_name": "张三丰", "reason": "x"}
                    ).status_code == 404
    assert api_call(client, org.owner, "get", f"{path}/personal-data").status_code == 403
    assert not AccessLog.objects.exists()
    exported = api_call(client, org.manager, "get", f"{path}/personal-data?reason=%E5%AE%A2%E6%88%B7&ticket=T-9")
    assert exported.status_code == 200
    body = exported.json()
    assert body["customer"]["phones"] == ["13812341234"] and body["request"]["ticket"] == "T-9"
    assert AccessLog.objects.filter(action="export", channel="api").count() == 1
    bad = api_call(client, org.manager, "post", f"{path}/erase", {"confirm_name": "张三丰", "reason": "x" * 301,
                                                                   "force": True})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"reason", "force"}
    wrong = api_call(client, org.manager, "post", f"{path}/erase", {"confirm_name": "张三", "reason": "要求"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "confirm_name"
    done = api_call(client, org.manager, "post", f"{path}/erase", {"confirm_name": "张三丰", "reason": "要求"})
    assert done.status_code == 200 and done.json()["kind"] == "erase"
    assert Customer.objects.get(pk=customer.pk).phones == []
    assert api_call(client, org.manager, "get", f"{path}/personal-data").status_code == 404  # archived now
