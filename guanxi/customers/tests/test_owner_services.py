"""The services other apps call instead of writing Customer, its search rows and its ledger."""


import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from guanxi.core.errors import ConflictError
from guanxi.customers.app_services import (
    ERASED_NAME,
    customer_anonymize,
    customer_merge_values,
    customers_move,
)
from guanxi.customers.models import AccessLog, ChangeEntry, Customer, CustomerSearch, SearchToken
from guanxi.customers.services import customer_archive

pytestmark = pytest.mark.django_db


def test_archive_with_a_version_refuses_a_stale_one_and_records_the_current_one(org, make_customer) -> None:
    customer = make_customer("张三")
    with pytest.raises(ConflictError):
        customer_archive(actor=org.owner, customer=customer, version=customer.version + 1)
    customer.refresh_from_db()
    assert customer.archived_at is None and customer.version == 1
    assert not ChangeEntry.objects.filter(customer=customer, field="archived").exists()

    customer_archive(actor=org.owner, customer=customer, version=1, channel="merge")
    customer.refresh_from_db()
    assert customer.archived_at is not None and customer.version == 2
    assert CustomerSearch.objects.get(customer=customer).active is False
    entry = ChangeEntry.objects.get(customer=customer, field="archived")
    assert (entry.old_value, entry.new_value, entry.channel, entry.actor) == ("", "yes", "merge", org.owner)
    with pytest.raises(ConflictError):  # archived since: a merge must not archive it twice
        customer_archive(actor=org.owner, customer=customer, version=2)
    assert customer_archive(actor=org.owner, customer=customer).version == 2  # without a version: nothing to do


def test_merge_values_refuse_a_stale_version(org, make_customer) -> None:
    survivor = make_customer("张三", address="甲")
    for data in ({}, {"address": "乙"}):
        with pytest.raises(ConflictError):
            customer_merge_values(actor=org.manager, customer=survivor, version=survivor.version + 1, data=data)
    survivor.refresh_from_db()
    assert (survivor.address, survivor.version) == ("甲", 1)


def test_anonymize_clears_the_row_rebuilds_search_and_logs(org, make_customer) -> None:
    customer = make_customer("张三丰", phones=["13812341234"], email="zsf@example.com", importance="A")
    with pytest.raises(ConflictError):
        customer_anonymize(actor=org.manager, customer=customer, version=customer.version + 1)
    assert Customer.objects.get(pk=customer.pk).name == "张三丰"
    assert not ChangeEntry.objects.filter(customer=customer, field="erased").exists()

    result = customer_anonymize(actor=org.manager, customer=customer, version=customer.version, channel="api")

    erased = Customer.objects.get(pk=customer.pk)
    assert result.customer.pk == customer.pk and erased.name == ERASED_NAME % customer.pk
    assert (erased.phones, erased.email, erased.importance, erased.owner_id, erased.version) == (
        [], "", "A", org.owner.pk, 2)
    assert erased.archived_at is not None
    assert "phones" in result.cleared and "email" in result.cleared and "code" in result.kept
    assert "张三" not in CustomerSearch.objects.get(customer=erased).doc
    assert CustomerSearch.objects.get(customer=erased).active is False
    assert not SearchToken.objects.filter(customer=erased, token="张").exists()
    entry = ChangeEntry.objects.get(customer=erased, field="erased")
    assert (entry.channel, entry.actor) == ("erase", org.manager)
    log = AccessLog.objects.get(customer=erased, action="erase")
    assert (log.user, log.channel, log.field) == (org.manager, "api", "all")


def test_move_changes_owners_in_one_batch_with_ledger_entries(org, make_customer) -> None:
    first, second = make_customer("张三"), make_customer("李四")
    already = make_customer("王五", actor=org.teammate)

    moved = customers_move(actor=org.manager, customer_ids=[first.pk, second.pk, already.pk], owner=org.teammate,
                           department=org.team, channel="api")

    assert moved == 2
    rows = {c.pk: c for c in Customer.objects.filter(pk__in=[first.pk, second.pk, already.pk])}
    assert {pk: (c.owner_id, c.version) for pk, c in rows.items()} == {
        first.pk: (org.teammate.pk, 2), second.pk: (org.teammate.pk, 2), already.pk: (org.teammate.pk, 1)}
    entries = ChangeEntry.objects.filter(field="owner", channel="api")
    assert sorted((e.customer_id, e.old_value, e.new_value) for e in entries) == [
        (first.pk, "owner", "teammate"), (second.pk, "owner", "teammate")]
    assert len({e.batch for e in entries}) == 1 and {e.actor for e in entries} == {org.manager}
    assert not ChangeEntry.objects.filter(field="department", channel="api").exists()  # already in that team

    assert customers_move(actor=org.manager, customer_ids=[first.pk], department=org.sales) == 1
    entry = ChangeEntry.objects.filter(customer=first, field="department").latest("pk")
    assert (entry.old_value, entry.new_value) == ("销售一组", "销售部")
    assert Customer.objects.get(pk=first.pk).owner_id == org.teammate.pk


@translation.override("en")
def test_move_refuses_what_the_actor_may_not_see_and_moves_nothing(org, make_customer) -> None:
    mine = make_customer("张三")
    theirs = make_customer("李四", actor=org.outsider)
    with pytest.raises(ValidationError) as caught:
        customers_move(actor=org.owner, customer_ids=[mine.pk, theirs.pk], owner=org.owner)
    assert caught.value.message_dict == {"customer_ids": ["Unknown customer."]}
    with pytest.raises(ValidationError) as caught:  # a rep may not hand customers to a colleague
        customers_move(actor=org.owner, customer_ids=[mine.pk], owner=org.teammate)
    assert caught.value.message_dict == {"owner": ["Unknown account manager."]}
    with pytest.raises(ValidationError) as caught:  # the outsider's branch is outside the manager's tree
        customers_move(actor=org.manager, customer_ids=[mine.pk], owner=org.outsider, department=org.county)
    assert caught.value.message_dict == {"owner": ["Unknown account manager."], "department": ["Unknown department."]}
    with pytest.raises(ValidationError):
        customers_move(actor=org.manager, customer_ids=[mine.pk])
    assert Customer.objects.get(pk=mine.pk).version == 1
    assert Customer.objects.get(pk=theirs.pk).owner_id == org.outsider.pk
    assert not ChangeEntry.objects.filter(field__in=["owner", "department"]).exclude(old_value="").exists()
