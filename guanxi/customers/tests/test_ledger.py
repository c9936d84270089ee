import pytest

from guanxi.core.testing import bearer, login
from guanxi.customers.ledger import LEDGER_FIELDS, record_many, snapshot
from guanxi.customers.models import ChangeEntry
from guanxi.customers.selectors import customer_history
from guanxi.customers.services import customer_archive, customer_restore, customer_update

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


@pytest.mark.outsider("GET /customers/{customer_id}/history")
def test_outsider_cannot_read_the_history(client, org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"])
    for user in (org.outsider, org.teammate):
        headers = bearer(client, user)
        assert client.get(f"/api/v1/customers/{customer.pk}/history", headers=headers).status_code == 404
        login(client, user)
        assert client.get(f"/customers/{customer.pk}/tab/history/").status_code == 404


def test_history_shows_choice_values_in_words(org, make_customer) -> None:
    from django.utils import translation

    customer = make_customer("张三")
    with translation.override("en"):
        rows, _ = customer_history(user=org.owner, customer=customer, field="kind")
        assert (rows[0].new_value, rows[0].new_display, rows[0].channel_label) == ("person", "Person", "Web UI")
