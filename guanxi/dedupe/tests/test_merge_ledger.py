"""A merge's values go through the customers app, leftover values included, each with its ledger entry."""

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.customers.models import ChangeEntry, Customer
from guanxi.dedupe.services import customers_merge

pytestmark = pytest.mark.django_db


def test_merge_values_the_service_does_not_take_are_copied_with_a_ledger_entry(org, make_customer) -> None:
    survivor = make_customer("张三", email="zs@example.com")
    merged = make_customer("张三")
    reviewed = timezone.now() - dt.timedelta(days=30)
    Customer.objects.filter(pk=merged.pk).update(email="ZS@Old.Example.com", static_reviewed_at=reviewed)
    merged.refresh_from_db()

    customers_merge(actor=org.manager, survivor=survivor, merged=[merged],
                    versions={survivor.pk: survivor.version, merged.pk: merged.version},
                    choices={"email": merged.pk, "static_reviewed_at": merged.pk})

    survivor.refresh_from_db()
    assert survivor.email == "ZS@Old.Example.com" and survivor.static_reviewed_at == reviewed
    entries = ChangeEntry.objects.filter(customer=survivor, channel="merge").order_by("pk")
    assert [(e.old_value, e.new_value) for e in entries.filter(field="email")] == [
        ("zs@example.com", "zs@old.example.com"), ("zs@old.example.com", "ZS@Old.Example.com")]
    [review] = entries.filter(field="static_reviewed_at")
    assert review.new_value == reviewed.isoformat() and review.actor == org.manager
