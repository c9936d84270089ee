import csv
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from guanxi.customers.models import Customer
from guanxi.imports.models import ExportLog
from guanxi.imports.tests.helpers import run
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db


def _csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _column(rows: list[list[str]], label: str) -> list[str]:
    index = rows[0].index(label)
    return [r[index] for r in rows[1:]]


def test_csv_export_is_scoped_masked_escaped_and_logged(client, org, make_customer) -> None:
    make_customer("=1+1", phones=["13812341234"], notes="@SUM(A1)", id_number="11010519491231002X")
    make_customer("王五", actor=org.outsider)
    response = login(client, org.owner).get("/imports/export/customers/", {"format": "csv", "q": ""})
    assert response.status_code == 200
    rows = _csv(response)
    assert len(rows) == 2
    assert _column(rows, "名称") == ["'=1+1"]
    assert _column(rows, "电话") == ["138****1234"]
    assert _column(rows, "身份证号") == ["110***********002X"]
    assert _column(rows, "备注") == ["'@SUM(A1)"]
    log = ExportLog.objects.get()
    assert (log.user, log.row_count, log.masked, log.file_format) == (org.owner, 1, True, "csv")


def test_xlsx_cells_are_text_never_formulas(client, org, make_customer) -> None:
    make_customer("=1+1", phones=["13812341234"])
    response: Any = login(client, org.admin).get("/imports/export/customers/", {"format": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("名称") + 1)
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    assert sheet.cell(row=2, column=header.index("电话") + 1).value == "13812341234"


def test_export_filters_like_the_list(client, org, make_customer) -> None:
    make_customer("张三", importance="A")
    make_customer("李四", importance="C")
    rows = _csv(login(client, org.owner).get("/imports/export/customers/", {"format": "csv", "importance": "A"}))
    assert _column(rows, "名称") == ["张三"]
    assert login(client, org.owner).get("/imports/export/customers/", {"format": "pdf"}).status_code == 400


@pytest.mark.outsider("imports:export_customers", "GET /customers/export")
def test_outsider_exports_only_their_own(client, org, make_customer) -> None:
    make_customer("张三")
    make_customer("王五", actor=org.outsider)
    rows = _csv(login(client, org.outsider).get("/imports/export/customers/", {"format": "csv"}))
    assert _column(rows, "名称") == ["王五"]
    api = client.get("/api/v1/customers/export?format=csv", headers=bearer(client, org.outsider))
    assert _column(_csv(api), "名称") == ["王五"]
    assert client.get(f"/api/v1/customers/export?format=csv&owner_id={org.owner.pk}",
                      headers=bearer(client, org.outsider)).status_code == 200
    assert ExportLog.objects.filter(user=org.outsider).count() == 3


text = st.text(alphabet=st.sampled_from(list("张三李=+-@'＝＋－＠ab,\"; \n\t1")), max_size=12).map(str.strip).filter(
    lambda s: "\x00" not in s)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=text.filter(bool), notes=text, address=text, fmt=st.sampled_from(["csv", "xlsx"]))
def test_export_then_import_round_trips_for_a_revealing_user(client, org, name, notes, address, fmt) -> None:
    from guanxi.customers.services import customer_create

    Customer.objects.all().delete()
    customer = customer_create(actor=org.manager, data={
        "name": name, "notes": notes, "address": address, "phones": ["13812341234", "02112345678"],
        "id_number": "11010519491231002X", "tags": ["VIP", "=x"], "importance": "A", "gender": "female",
        "owner_id": org.owner.pk,
    })
    before = Customer.objects.values().get(pk=customer.pk)
    response: Any = login(client, org.manager).get("/imports/export/customers/", {"format": fmt})
    content = b"".join(response.streaming_content)
    job = run(org.manager, content, f"export.{fmt}", mode="update")
    assert (job.state, job.invalid_rows, job.updated_count, job.unchanged_count) == ("done", 0, 0, 1)
    assert Customer.objects.values().get(pk=customer.pk) == before
