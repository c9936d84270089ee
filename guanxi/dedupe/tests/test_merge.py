import datetime as dt

import pytest

from guanxi.core.errors import ConflictError, NotPermitted
from guanxi.customers.models import ChangeEntry, Consent, Customer, FamilyMember, Referral
from guanxi.customers.services import family_member_create, referral_create
from guanxi.dedupe.models import MergeRecord
from guanxi.dedupe.selectors import survivor_of
from guanxi.dedupe.services import customers_merge
from guanxi.dedupe.tests.conftest import api_call
from guanxi.testing.base import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org, make_customer):
    survivor = make_customer("张三", phones=["13812341234"], email="zs@example.com", tags=["VIP"],
                             birthday=dt.date(1980, 3, 5))
    merged = make_customer("张三", phones=["13900001111"], address="人民路 1 号", notes="老客户", tags=["团购", "VIP"],
                           birthday=dt.date(1980, 3, 5))
    return survivor, merged


def _merge(org, survivor, merged, **choices):
    return customers_merge(actor=org.manager, survivor=survivor, merged=[merged],
                           versions={survivor.pk: survivor.version, merged.pk: merged.version}, choices=choices)


def test_merge_takes_chosen_values_moves_rows_and_archives_the_other(org, pair) -> None:
    survivor, merged = pair
    member = family_member_create(actor=org.owner, customer=merged, data={"name": "王芳", "relation": "spouse"})
    third = Customer.objects.create(name="李四", code="L4", owner=org.owner)
    referral = referral_create(actor=org.owner, referrer=merged, data={"referred_id": third.pk})
    Consent.objects.create(customer=merged, channel="sms", given=True, source="form")

    [record] = _merge(org, survivor, merged, address=merged.pk, phones="union")

    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert survivor.address == "人民路 1 号"
    assert survivor.phones == ["13812341234", "13900001111"]
    assert survivor.email == "zs@example.com" and survivor.notes == ""  # not chosen: the survivor's value
    assert sorted(survivor.tags.values_list("name", flat=True)) == ["VIP", "团购"]
    assert merged.archived_at is not None and merged.address == "人民路 1 号"
    assert FamilyMember.objects.get(pk=member.pk).customer_id == survivor.pk
    assert Referral.objects.get(pk=referral.pk).referrer_id == survivor.pk
    assert Consent.objects.get(customer=survivor).channel == "sms"
    assert survivor_of(customer_id=merged.pk) == survivor.pk
    assert record.actor == org.manager and record.merged_id == merged.pk
    assert record.chosen["address"] == {"from": merged.pk, "value": "人民路 1 号"}
    assert record.chosen["phones"]["from"] == "union"
    assert record.merged_snapshot["notes"] == "老客户" and record.merged_snapshot["tags"] == ["VIP", "团购"]
    assert record.moved["customers.FamilyMember.customer"] == {"moved": [member.pk]}
    merged_entries = ChangeEntry.objects.filter(channel="merge")
    assert set(merged_entries.filter(customer=survivor).values_list("field", flat=True)) == {
        "address", "phones", "tags", "merged"}
    assert set(merged_entries.filter(customer=merged).values_list("field", flat=True)) == {"archived", "tags", "merged"}
    assert merged_entries.get(customer=merged, field="merged").new_value == f"→ 张三 ({survivor.code})"


def test_rows_between_the_two_are_resolved(org, pair) -> None:
    survivor, merged = pair
    between = referral_create(actor=org.owner, referrer=merged, data={"referred_id": survivor.pk})
    linked = family_member_create(actor=org.owner, customer=survivor,
                                  data={"name": "张三", "relation": "other", "linked_customer_id": merged.pk})
    _merge(org, survivor, merged)
    assert not Referral.objects.filter(pk=between.pk).exists()
    linked.refresh_from_db()
    assert linked.customer_id == survivor.pk and linked.linked_customer_id is None


def test_stale_version_is_a_conflict_and_changes_nothing(org, pair) -> None:
    survivor, merged = pair
    member = family_member_create(actor=org.owner, customer=merged, data={"name": "王芳", "relation": "spouse"})
    Customer.objects.filter(pk=merged.pk).update(version=5)
    before = ChangeEntry.objects.count()
    with pytest.raises(ConflictError):
        _merge(org, survivor, merged, address=merged.pk)
    survivor.refresh_from_db()
    assert survivor.address == "" and survivor.version == 1
    assert Customer.objects.get(pk=merged.pk).archived_at is None
    assert FamilyMember.objects.get(pk=member.pk).customer_id == merged.pk
    assert ChangeEntry.objects.count() == before and MergeRecord.objects.count() == 0


def test_reps_may_not_merge_and_bad_choices_are_refused(org, pair) -> None:
    survivor, merged = pair
    with pytest.raises(NotPermitted):
        customers_merge(actor=org.owner, survivor=survivor, merged=[merged],
                        versions={survivor.pk: 1, merged.pk: 1}, choices={})
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        _merge(org, survivor, merged, code=merged.pk, address=999999, email="union")
    assert set(caught.value.message_dict) == {"choices.code", "choices.address", "choices.email"}
    with pytest.raises(ValidationError):
        customers_merge(actor=org.manager, survivor=survivor, merged=[survivor], versions={survivor.pk: 1}, choices={})
    assert MergeRecord.objects.count() == 0 and Customer.objects.filter(archived_at__isnull=False).count() == 0


@pytest.mark.outsider("dedupe:compare", "dedupe:merges", "dedupe:merge_detail")
def test_compare_and_merge_pages(client, org, pair, other_manager) -> None:
    survivor, merged = pair
    url = f"/duplicates/compare/?ids={survivor.pk},{merged.pk}"
    assert login(client, other_manager).get(url).status_code == 404
    assert login(client, org.outsider).get(url).status_code == 404
    page = login(client, org.owner).get(url)
    assert page.status_code == 200 and 'name="survivor"' not in page.content.decode()
    assert login(client, org.owner).post(url, {"survivor": survivor.pk}).status_code == 403
    html = login(client, org.manager).get(url).content.decode()
    assert 'data-field="address"' in html and 'data-field="licence_number"' in html
    assert "138****1234" not in html and "13812341234" in html  # the manager may reveal
    assert login(client, org.teammate).get(url).status_code == 404  # a teammate sees only own customers

    stale = login(client, org.manager).post(url, {"survivor": survivor.pk, f"version_{survivor.pk}": 1,
                                                  f"version_{merged.pk}": 9})
    assert stale.status_code == 409 and MergeRecord.objects.count() == 0
    done = client.post(url, {"survivor": merged.pk, f"version_{survivor.pk}": 1, f"version_{merged.pk}": 1,
                             "choice_email": str(survivor.pk)})
    record = MergeRecord.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/duplicates/merges/{record.pk}/"
    assert record.survivor_id == merged.pk and Customer.objects.get(pk=merged.pk).email == "zs@example.com"

    assert "张三" in login(client, org.manager).get("/duplicates/merges/").content.decode()
    detail = client.get(f"/duplicates/merges/{record.pk}/")
    assert detail.status_code == 200 and "zs@example.com" in detail.content.decode()
    assert login(client, org.outsider).get(f"/duplicates/merges/{record.pk}/").status_code == 404
    assert "张三" not in login(client, other_manager).get("/duplicates/merges/").content.decode()
    owner_view = login(client, org.owner).get(f"/duplicates/merges/{record.pk}/").content.decode()
    assert "138****1234" in owner_view and "13812341234" not in owner_view


@pytest.mark.outsider("POST /customers/{customer_id}/merge", "GET /merges", "GET /merges/{merge_id}")
def test_merge_api(client, org, pair, other_manager) -> None:
    survivor, merged = pair
    body = {"version": 1, "merged": [{"id": merged.pk, "version": 1}], "choices": {"address": merged.pk}}
    assert api_call(client, other_manager, "post", f"/customers/{survivor.pk}/merge", body).status_code == 404
    denied = api_call(client, org.owner, "post", f"/customers/{survivor.pk}/merge", body)
    assert denied.status_code == 403 and MergeRecord.objects.count() == 0
    bad = api_call(client, org.manager, "post", f"/customers/{survivor.pk}/merge",
                   {"version": 1, "merged": [], "choices": {"address": "x"}, "extra": 1})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"merged", "extra"}
    unknown = api_call(client, org.manager, "post", f"/customers/{survivor.pk}/merge",
                       {**body, "choices": {"secret": merged.pk}})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "choices.secret"
    stale = api_call(client, org.manager, "post", f"/customers/{survivor.pk}/merge", {**body, "version": 3})
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "version"
    done = api_call(client, org.manager, "post", f"/customers/{survivor.pk}/merge", body)
    assert done.status_code == 201, done.content
    [out] = done.json()
    assert (out["survivor_id"], out["merged_id"], out["chosen"]["address"]["value"]) == (
        survivor.pk, merged.pk, "人民路 1 号")
    assert api_call(client, org.manager, "get", f"/merges/{out['id']}").json()["merged_snapshot"]["phones"] == [
        "13900001111"]
    assert api_call(client, org.owner, "get", f"/merges/{out['id']}").json()["merged_snapshot"]["phones"] == [
        "139****1111"]
    assert api_call(client, org.outsider, "get", f"/merges/{out['id']}").status_code == 404
    assert api_call(client, org.outsider, "get", "/merges").json()["items"] == []
    assert [m["id"] for m in api_call(client, org.manager, "get", "/merges").json()["items"]] == [out["id"]]
    again = api_call(client, org.manager, "post", f"/customers/{survivor.pk}/merge", {**body, "version": 2})
    assert again.status_code == 404  # the merged customer is archived now
