"""Contact people through the import engine, keyed by the customer code; the customer's language and
seed-004 fields as customer import columns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from guanxi.customers.contact_services import contact_create
from guanxi.customers.models import ChangeEntry, Contact, Customer
from guanxi.imports import services
from guanxi.imports.models import RowError
from guanxi.imports.tests.helpers import csv_bytes
from guanxi.testing.base import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(org: Any, client: Any) -> Iterator[None]:
    type(org.owner).objects.update(language="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def sync_jobs(monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "enqueue", services.run_job)


def _run(client: Any, headers: dict[str, str], content: bytes, capture: Any, **options: Any) -> dict[str, Any]:
    created = client.post("/api/v1/imports", {"file": SimpleUploadedFile("c.csv", content), "target": "contacts"},
                          headers=headers)
    assert created.status_code == 201, created.content
    job = created.json()
    with capture(execute=True):
        started = client.post(f"/api/v1/imports/{job['id']}/apply", options, content_type="application/json",
                              headers=headers)
    assert started.status_code == 202, started.content
    return dict(client.get(f"/api/v1/imports/{job['id']}", headers=headers).json())


def test_contacts_import_creates_updates_and_refuses_by_row(client, org, make_customer, sync_jobs,
                                                            django_capture_on_commit_callbacks) -> None:
    shop = make_customer("华联超市", kind="organization", code="S001")
    make_customer("张三", code="P001")
    make_customer("远方商行", kind="organization", code="X001", actor=org.outsider)
    contact_create(actor=org.owner, customer=shop, data={"name": "王强", "title": "店员"})
    headers = bearer(client, org.owner)
    content = csv_bytes([
        ["客户编码", "联系人", "职务", "采购角色", "电话", "生日", "历法"],
        ["S001", "李娜", "店长", "决策人", "13812345678", "1985-02-14", "农历"],
        ["S001", "王强", "主管", "", "", "", ""],
        ["P001", "赵六", "", "", "", "", ""],
        ["X001", "钱七", "", "", "", "", ""],
        ["S001", "孙八", "", "老板", "", "", ""],
    ])
    status = _run(client, headers, content, django_capture_on_commit_callbacks, apply_valid_only=True)
    assert (status["state"], status["created"], status["updated"]) == ("done", 1, 1)
    lina = Contact.objects.get(name="李娜")
    assert (lina.customer_id, lina.title, lina.role, lina.phones, lina.lunar_birth_month) == (
        shop.pk, "店长", "decision", ["13812345678"], 12)
    assert Contact.objects.get(name="王强").title == "主管"
    assert sorted(RowError.objects.values_list("line", "field")) == [
        (4, "customer_code"), (5, "customer_code"), (6, "role")]
    assert ChangeEntry.objects.filter(customer=shop, field="contacts", channel="import").count() == 2


def test_contacts_import_is_all_or_nothing_by_default(client, org, make_customer, sync_jobs,
                                                      django_capture_on_commit_callbacks) -> None:
    make_customer("华联超市", kind="organization", code="S001")
    headers = bearer(client, org.owner)
    content = csv_bytes([["客户编码", "联系人", "电话"], ["S001", "李娜", "13812345678"], ["S001", "王强", "12345"]])
    status = _run(client, headers, content, django_capture_on_commit_callbacks)
    assert status["state"] == "review" and Contact.objects.count() == 0
    assert list(RowError.objects.values_list("line", "field")) == [(3, "phones")]


def test_language_and_sources_are_import_columns(org) -> None:
    from guanxi.imports.tests.helpers import run

    content = csv_bytes([
        ["客户名称", "沟通语言", "目前使用的产品", "其他购买渠道及原因", "选择我们的原因"],
        ["John Smith", "English", "竞品A", "批发市场，价格低", "送货准时"],
        ["张三", "", "", "", ""],
    ])
    job = run(org.owner, content, mode="create")
    assert job.state == "done", job.message
    john = Customer.objects.get(name="John Smith")
    assert (john.language, john.current_products, john.other_sources, john.why_us) == (
        "en", "竞品A", "批发市场，价格低", "送货准时")
    assert Customer.objects.get(name="张三").language == "zh-hans"
    assert ChangeEntry.objects.filter(customer=john, channel="import", field="language", new_value="en").exists()
    assert not ChangeEntry.objects.filter(customer__name="张三", field="language").exists()
