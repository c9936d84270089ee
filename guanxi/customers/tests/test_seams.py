"""What the customers app offers other apps: the language and seed-004 profile fields, ledger notes,
and the edit gate (the handover is tested in interactions, which registers a handover source)."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from guanxi.core.registry import EditPolicy, EditRequest, registry
from guanxi.customers.app_services import ledger_note
from guanxi.customers.models import ChangeEntry, Customer
from guanxi.customers.selectors import customer_history
from guanxi.customers.services import customer_create, customer_update
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db


# --- language and the seed-004 profile fields ------------------------------------------------------------


def test_language_defaults_to_chinese_and_is_ledgered_when_changed(org) -> None:
    customer = customer_create(actor=org.owner, data={"name": "John Smith"})
    assert customer.language == "zh-hans"
    assert not ChangeEntry.objects.filter(customer=customer, field="language").exists()
    customer = customer_update(actor=org.owner, customer=customer, version=customer.version, data={
        "language": "en", "current_products": "竞品A 香烟", "other_sources": "批发市场，价格低",
        "why_us": "送货准时"})
    assert (customer.language, customer.current_products, customer.other_sources, customer.why_us) == (
        "en", "竞品A 香烟", "批发市场，价格低", "送货准时")
    entries = dict(ChangeEntry.objects.filter(customer=customer).exclude(old_value="", field="name")
                   .values_list("field", "new_value"))
    assert entries["language"] == "en" and entries["why_us"] == "送货准时"
    # A blank language is the default again, never an empty value; an unknown one is refused.
    customer = customer_update(actor=org.owner, customer=customer, version=customer.version, data={"language": ""})
    assert customer.language == "zh-hans"
    with pytest.raises(ValidationError) as excinfo:
        customer_update(actor=org.owner, customer=customer, version=customer.version, data={"language": "fr"})
    assert list(excinfo.value.message_dict) == ["language"]


def test_language_and_sources_in_the_form_and_the_api(client, org) -> None:
    login(client, org.owner)
    html = client.get("/customers/new/").content.decode()
    assert 'name="language"' in html and 'name="why_us"' in html and 'name="other_sources"' in html
    response = client.post("/customers/new/", {"kind": "organization", "name": "华联", "importance": "B",
                                               "birthday_calendar": "solar", "language": "en",
                                               "current_products": "竞品A"})
    assert response.status_code == 302
    assert Customer.objects.values_list("language", "current_products").get(name="华联") == ("en", "竞品A")
    headers = bearer(client, org.owner)
    created = client.post("/api/v1/customers", json.dumps({"name": "Mary", "language": "en", "why_us": "价格"}),
                          content_type="application/json", headers=headers)
    assert created.status_code == 201
    body = created.json()
    assert (body["language"], body["why_us"], body["current_products"]) == ("en", "价格", "")
    bad = client.post("/api/v1/customers", json.dumps({"name": "Mary", "language": "fr"}),
                      content_type="application/json", headers=headers)
    assert bad.status_code == 422


# --- ledger notes ------------------------------------------------------------------------------------------


def test_ledger_note_is_shown_in_the_history_and_filtered_as_notes(client, org, make_customer) -> None:
    customer = make_customer("张三")
    entry = ledger_note(customer_id=customer.pk, kind="complaint.compensation", text="补偿 ¥50 购物券", by=org.owner)
    assert (entry.field, entry.old_value, entry.new_value, entry.actor_id) == (
        "note.complaint.compensation", "", "补偿 ¥50 购物券", org.owner.pk)
    rows, total = customer_history(user=org.owner, customer=customer, field="note")
    assert total == 1 and [(r.label, r.new_value) for r in rows] == [("备注：complaint.compensation", "补偿 ¥50 购物券")]
    login(client, org.owner)
    html = client.get(f"/customers/{customer.pk}/tab/history/").content.decode()
    assert "备注：complaint.compensation" in html and "补偿 ¥50 购物券" in html


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"kind": "Bad Kind", "text": "x"}, "kind"),
    ({"kind": "", "text": "x"}, "kind"),
    ({"kind": "workflow.step", "text": "  "}, "text"),
    ({"kind": "workflow.step", "text": "x" * 5001}, "text"),
    ({"kind": "workflow.step", "text": "x", "customer_id": 2**62}, "customer"),
])
def test_bad_ledger_notes_write_nothing(org, make_customer, kwargs, field) -> None:
    customer = make_customer("张三")
    before = ChangeEntry.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        ledger_note(**{"customer_id": customer.pk, "by": org.owner, **kwargs})
    assert list(excinfo.value.message_dict) == [field]
    assert ChangeEntry.objects.count() == before


# --- the edit gate --------------------------------------------------------------------------------------------


class ImportancePolicy:
    """A test-only policy: reps (own scope) request importance changes instead of making them."""

    def __init__(self) -> None:
        self.submitted: list[tuple[int, int, dict[str, Any]]] = []

    def applies(self, actor: Any, customer: Any, fields: frozenset[str]) -> set[str]:
        return {"importance"} & fields if actor.data_scope == "own" else set()

    def submit(self, actor: Any, customer: Any, changes: dict[str, Any]) -> str:
        self.submitted.append((actor.pk, customer.pk, changes))
        return f"REQ-{len(self.submitted)}"


@pytest.fixture
def gate() -> Iterator[ImportancePolicy]:
    policy = ImportancePolicy()
    with registry.override(edit_policies=[EditPolicy(key="importance", applies=policy.applies,
                                                     submit=policy.submit)]):
        yield policy


def test_gated_fields_become_requests_and_the_rest_is_written(org, make_customer, gate) -> None:
    customer = make_customer("张三", importance="B")
    requests: list[EditRequest] = []
    updated = customer_update(actor=org.owner, customer=customer, version=customer.version,
                              data={"importance": "A", "notes": "老客户"}, requests=requests)
    assert (updated.importance, updated.notes) == ("B", "老客户")
    assert requests == [EditRequest(policy="importance", fields=("importance",), request_id="REQ-1")]
    assert gate.submitted == [(org.owner.pk, customer.pk, {"importance": "A"})]
    assert not ChangeEntry.objects.filter(customer=customer, field="importance", new_value="A").exists()
    # A manager is not gated; an unchanged gated field is not a request.
    updated = customer_update(actor=org.manager, customer=updated, version=updated.version, data={"importance": "A"})
    assert updated.importance == "A" and len(gate.submitted) == 1
    requests = []
    customer_update(actor=org.owner, customer=updated, version=updated.version, data={"importance": "A"},
                    requests=requests)
    assert requests == [] and len(gate.submitted) == 1


def test_gated_edit_in_the_form_and_the_api(client, org, make_customer, gate) -> None:
    customer = make_customer("张三", importance="B")
    login(client, org.owner)
    response = client.post(f"/customers/{customer.pk}/edit/", {
        "kind": "person", "name": "张三", "importance": "A", "birthday_calendar": "solar", "version": customer.version,
        "notes": "改了",
    }, follow=True)
    html = response.content.decode()
    assert "需要审批" in html and "REQ-1" in html
    assert Customer.objects.values_list("importance", "notes").get(pk=customer.pk) == ("B", "改了")
    headers = bearer(client, org.owner)
    version = Customer.objects.get(pk=customer.pk).version
    body = client.patch(f"/api/v1/customers/{customer.pk}", json.dumps({"version": version, "importance": "C"}),
                        content_type="application/json", headers=headers).json()
    assert body["edit_requests"] == [{"policy": "importance", "fields": ["importance"], "request_id": "REQ-2"}]
    assert body["importance"] == "B"
    version = body["version"]
    plain = client.patch(f"/api/v1/customers/{customer.pk}", json.dumps({"version": version, "notes": "x"}),
                         content_type="application/json", headers=headers).json()
    assert plain["edit_requests"] == [] and plain["notes"] == "x"
