import pytest

from guanxi.customers.ledger import LEDGER_FIELDS, record_many, snapshot
from guanxi.customers.models import ChangeEntry
from guanxi.customers.selectors import customer_history
from guanxi.customers.services import customer_archive, customer_restore, customer_update
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db


def fields(customer) -> list[tuple[str, str, str, str]]:
    return [(e.field, e.old_value, e.new_value, e.channel)
            for e in ChangeEntry.objects.filter(customer=customer).order_by("id")]


def test_creation_records_every_filled_field(org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"], tags=["VIP"])
    assert fields(customer) == [
        ("kind", "", "person", "ui"),
        ("name", "", "张三", "ui"),
        ("code", "", customer.code, "ui"),
        ("birthday_calendar", "", "solar", "ui"),
        ("phones", "", "13812341234", "ui"),
        ("importance", "", "B", "ui"),
        ("tags", "", "VIP", "ui"),
        ("owner", "", "owner", "ui"),
        ("department", "", "销售一组", "ui"),
    ]
    assert {e.actor for e in ChangeEntry.objects.filter(customer=customer)} == {org.owner}
    assert len({e.batch for e in ChangeEntry.objects.filter(customer=customer)}) == 1


def test_update_records_only_what_changed(org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"])
    ChangeEntry.objects.all().delete()
    customer_update(actor=org.manager, customer=customer, version=1,
                    data={"name": "张三丰", "phones": ["138****1234", "13900001111"], "importance": "B",
                          "owner_id": org.teammate.pk}, channel="api")
    assert fields(customer) == [
        ("name", "张三", "张三丰", "api"),
        ("phones", "13812341234", "13812341234, 13900001111", "api"),
        ("owner", "owner", "teammate", "api"),
    ]


def test_failed_or_conflicting_saves_write_nothing(org, make_customer) -> None:
    from django.core.exceptions import ValidationError

    from guanxi.core.errors import ConflictError

    customer = make_customer("张三")
    before = ChangeEntry.objects.count()
    with pytest.raises(ConflictError):
        customer_update(actor=org.owner, customer=customer, version=7, data={"name": "李四"})
    with pytest.raises(ValidationError):
        customer_update(actor=org.owner, customer=customer, version=1, data={"email": "bad"})
    assert ChangeEntry.objects.count() == before


def test_archive_and_restore_are_recorded(org, make_customer) -> None:
    customer = make_customer("张三")
    customer_archive(actor=org.owner, customer=customer)
    customer_restore(actor=org.admin, customer=customer, channel="api")
    assert fields(customer)[-2:] == [("archived", "", "yes", "ui"), ("archived", "yes", "", "api")]


def test_history_masks_phones_for_roles_that_cannot_reveal(org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"])
    rows, total = customer_history(user=org.owner, customer=customer, field="phones")
    assert total == 1 and (rows[0].old_value, rows[0].new_value) == ("", "138****1234")
    rows, _ = customer_history(user=org.manager, customer=customer, field="phones")
    assert rows[0].new_value == "13812341234"


def test_record_many_writes_one_batch(org, make_customer) -> None:
    a = make_customer("张三")
    b = make_customer("李四")
    ChangeEntry.objects.all().delete()
    changes = []
    for customer in (a, b):
        before = snapshot(customer)
        after = {**before, "importance": "A"}
        changes.append((customer.pk, before, after))
    assert record_many(changes, actor=org.admin, channel="import") == 2
    entries = list(ChangeEntry.objects.all())
    assert {(e.customer_id, e.field, e.old_value, e.new_value) for e in entries} == {
        (a.pk, "importance", "B", "A"), (b.pk, "importance", "B", "A")
    }
    assert len({e.batch for e in entries}) == 1


def test_history_tab_filters_by_field(client, org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"])
    login(client, org.owner)
    html = client.get(f"/customers/{customer.pk}/tab/history/", {"field": "phones"}).content.decode()
    assert 'data-field="phones"' in html and 'data-field="name"' not in html and "138****1234" in html
    assert set(LEDGER_FIELDS) >= {"phones", "archived"}


def test_history_api(client, org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"])
    headers = bearer(client, org.owner)
    body = client.get(f"/api/v1/customers/{customer.pk}/history?field=phones", headers=headers).json()
    assert body["count"] == 1
    assert body["items"][0]["new_value"] == "138****1234"
    assert body["items"][0]["actor"] == "owner" and body["items"][0]["channel"] == "ui"


@pytest.mark.outsider("GET /customers/{customer_id}/history", "customers:history_export")
def test_outsider_cannot_read_the_history(client, org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"])
    for user in (org.outsider, org.teammate):
        headers = bearer(client, user)
        assert client.get(f"/api/v1/customers/{customer.pk}/history", headers=headers).status_code == 404
        login(client, user)
        assert client.get(f"/customers/{customer.pk}/tab/history/").status_code == 404
        assert client.get(f"/customers/{customer.pk}/history/export/?format=csv").status_code == 404


def test_history_shows_choice_values_in_words(org, make_customer) -> None:
    from django.utils import translation

    customer = make_customer("张三")
    with translation.override("en"):
        rows, _ = customer_history(user=org.owner, customer=customer, field="kind")
        assert (rows[0].new_value, rows[0].new_display, rows[0].channel_label) == ("person", "Person", "Web UI")


def test_history_exports_as_csv_and_xlsx_masked_and_logged(client, org, make_customer) -> None:
    import io

    from openpyxl import load_workbook

    from guanxi.customers.models import AccessLog
    from guanxi.customers.services import customer_update

    customer = make_customer("张三", phones=["13812345678"])
    customer_update(actor=org.owner, customer=customer, version=customer.version,
                    data={"notes": "=HYPERLINK(\"http://x\")", "phones": ["13900001111"]})
    login(client, org.owner)
    response = client.get(f"/customers/{customer.pk}/history/export/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff") and "'=HYPERLINK" in text
    assert "139****1111" in text and "13900001111" not in text  # a rep sees phones masked
    assert AccessLog.objects.filter(customer=customer, action="export", field="history").count() == 1
    login(client, org.manager)
    response = client.get(f"/customers/{customer.pk}/history/export/?format=xlsx&field=phones")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["When", "Field"] or values[0][1] == "字段"
    assert any("13900001111" in str(v) for row in values for v in row)  # a manager may reveal
    assert all(row[1] in ("Phones", "电话") for row in values[1:])
    assert client.get(f"/customers/{customer.pk}/history/export/?format=pdf").status_code == 400
    assert client.get(f"/customers/{customer.pk}/history/export/?field=nonsense").status_code == 400
