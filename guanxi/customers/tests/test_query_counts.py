"""The customers app's list pages and list endpoints keep their query counts with 1 row and 30."""

import datetime as dt
import itertools
import uuid

import pytest

from guanxi.customers.models import ChangeEntry, Consent, Contact, CustomField, FamilyMember, Referral
from guanxi.testing.base import login
from guanxi.testing.query_counts import assert_app_query_counts

pytestmark = pytest.mark.django_db


def test_list_routes_keep_their_query_counts(client, org, make_customer) -> None:
    subject = make_customer("张三商行", kind="organization", tags=["VIP"])
    serial = itertools.count()

    def add_rows(n: int) -> None:
        for _ in range(n):
            i = next(serial)
            other = make_customer(f"客户{i}", phones=[f"138{i:08d}"], tags=[f"标签{i}"], importance="A")
            Referral.objects.create(referrer=other, referred=subject, referred_on=dt.date(2026, 1, 1))
            FamilyMember.objects.create(customer=subject, name=f"亲属{i}", relation="child")
            Consent.objects.create(customer=subject, channel="sms", given=i % 2 == 0, source="form")
            ChangeEntry.objects.create(customer=subject, field="notes", old_value=str(i), new_value=str(i + 1),
                                       actor=org.owner, channel="ui", batch=uuid.uuid4())
            CustomField.objects.create(key=f"field_{i}", label=f"字段{i}", field_type="text")
            Contact.objects.create(customer=subject, name=f"联系人{i}", phones=[f"139{i:08d}"], role="purchasing")

    assert_app_query_counts(login(client, org.admin), "customers", {
        "customer_id": subject.pk, "api:/contacts": "q=联系人", "page:customers:contacts": "q=联系人",
    }, add_rows)
