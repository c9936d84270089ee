"""Profile fields, organization particulars and custom fields go through export and import like the rest."""

import pytest

from guanxi.customers.custom_fields import custom_field_create
from guanxi.customers.models import ChangeEntry, Customer
from guanxi.customers.selectors import CustomerFilters
from guanxi.customers.services import customer_create
from guanxi.imports import export
from guanxi.imports.tests.helpers import csv_bytes, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(org):
    custom_field_create(actor=org.admin, data={"key": "source", "label": "客户来源", "field_type": "choice",
                                               "choices": ["门店", "转介绍"]})
    custom_field_create(actor=org.admin, data={"key": "member", "label": "会员", "field_type": "bool"})


def test_chinese_headers_of_profile_and_custom_fields_are_matched_and_applied(org, fields) -> None:
    content = csv_bytes([
        ["客户名称", "类型", "店铺名称", "许可证号", "经营业态", "银行账号", "送货线路", "订货周期（天）", "客户来源", "会员"],
        ["华联超市", "organization", "华联超市(人民路店)", "310101100234", "supermarket", "6222 0210 0112 3456 789",
         "黄浦3线", "7", "转介绍", "是"],
    ])
    job = run(org.owner, content, mode="create")
    assert job.state == "done", job.message
    shop = Customer.objects.get(name="华联超市")
    assert (shop.kind, shop.shop_name, shop.licence_number, shop.business_format) == (
        "organization", "华联超市(人民路店)", "310101100234", "supermarket")
    assert (shop.bank_account, shop.delivery_route, shop.order_cycle_days) == ("6222021001123456789", "黄浦3线", 7)
    assert shop.custom == {"source": "转介绍", "member": True}
    assert ChangeEntry.objects.filter(customer=shop, channel="import", field="custom.source").exists()


def test_bad_custom_and_profile_cells_are_errors_and_nothing_is_applied(org, fields) -> None:
    content = csv_bytes([
        ["客户名称", "类型", "纬度", "客户来源"],
        ["好又多", "organization", "95", "门店"],
        ["大润发", "organization", "31.2", "路过"],
    ])
    job = run(org.owner, content, mode="create")
    assert job.state == "review" and job.invalid_rows == 2
    assert not Customer.objects.exists()


def test_export_then_import_of_profile_and_custom_values_changes_nothing(org, fields) -> None:
    customer_create(actor=org.owner, data={
        "kind": "organization", "name": "华联超市", "shop_name": "=华联(人民路店)", "licence_number": "310101100234",
        "latitude": "31.230416", "longitude": "121.473701", "bank_account": "6222021001123456789",
        "founded_on": "2008-05-01", "custom": {"source": "门店", "member": False},
    })
    customer_create(actor=org.owner, data={"name": "李娜", "occupation": "教师", "income_band": "10k-20k",
                                           "preferred_time": "工作时间不接电话", "custom": {"source": "转介绍"}})
    before = list(Customer.objects.order_by("id").values())
    ledger_before = ChangeEntry.objects.count()
    header, rows, _count = export.export_rows(user=org.manager, filters=CustomerFilters(), file_format="csv",
                                              query="", channel="ui")
    text = "".join(export.csv_lines(header, rows))
    assert "'=华联(人民路店)" in text and "6222021001123456789" in text  # a manager may reveal
    job = run(org.manager, text.encode("utf-8"), mode="update")
    assert job.state == "done", job.message
    assert list(Customer.objects.order_by("id").values()) == before
    assert ChangeEntry.objects.count() == ledger_before


def test_a_malformed_multipart_upload_is_a_400_not_a_server_error(client, org) -> None:
    from guanxi.testing.base import bearer

    headers = bearer(client, org.owner)
    response = client.generic("POST", "/api/v1/imports", b"--x\r\nnonsense", content_type="multipart/form-data",
                              headers=headers)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] is None


def test_a_zip_that_is_not_a_workbook_is_a_field_error(client, org) -> None:
    import io
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    from guanxi.testing.base import bearer

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "a")
    headers = bearer(client, org.owner)
    response = client.post("/api/v1/imports", {"file": SimpleUploadedFile("file.zip", buffer.getvalue())},
                           headers=headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"
