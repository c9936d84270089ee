"""The customer services publish their domain events, with exact ids, inside their transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from guanxi.core import events, outbox
from guanxi.customers.app_services import customers_move
from guanxi.customers.services import (
    consent_record,
    customer_archive,
    customer_create,
    customer_restore,
    customer_review,
    customer_update,
    referral_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def received() -> Iterator[list[events.Event]]:
    """Every event any service publishes, in order, once delivered."""
    seen: list[events.Event] = []
    with events.override():
        for name, cls in sorted(events.event_types().items()):
            events.subscribe(cls, seen.append, name=f"tests.{name}")
        yield seen


def _delivered(received: list[events.Event]) -> list[events.Event]:
    outbox.deliver_due()
    found = list(received)
    received.clear()
    return found


def test_creating_a_customer_publishes_customers_created(org: Any, received: list[events.Event]) -> None:
    customer = customer_create(actor=org.owner, data={"name": "王芳", "tags": ["VIP"]})
    assert _delivered(received) == [events.CustomersCreated(customer_ids=events.Ids.of([customer.pk]), channel="ui")]


def test_an_edit_publishes_the_changed_fields_and_tags_and_owner_events(
    org: Any, make_customer: Any, received: list[events.Event]
) -> None:
    customer = make_customer("王芳", tags=["VIP", "老客户"])
    _delivered(received)
    customer = customer_update(actor=org.manager, customer=customer, version=customer.version, channel="api",
                               data={"address": "人民路 1 号", "tags": ["VIP", "团购"], "owner_id": org.teammate.pk})
    ids = events.Ids.of([customer.pk])
    assert _delivered(received) == [
        events.CustomersChanged(customer_ids=ids, fields=("address", "owner", "tags"), channel="api"),
        events.TagsChanged(customer_ids=ids, added=("团购",), removed=("老客户",)),
        events.OwnersMoved(customer_ids=ids, owner_id=org.teammate.pk, department_id=customer.department_id),
    ]
    customer_update(actor=org.owner, customer=customer, version=customer.version, data={"address": "人民路 1 号"})
    assert _delivered(received) == []  # nothing changed, nothing published


def test_consent_and_referral_publish_their_events(org: Any, make_customer: Any,
                                                   received: list[events.Event]) -> None:
    first, second = make_customer("王芳"), make_customer("李雷")
    _delivered(received)
    consent = consent_record(actor=org.owner, customer=first, data={"channel": "sms", "given": False,
                                                                     "source": "call"})
    referral = referral_create(actor=org.owner, referrer=first, data={"referred_id": second.pk})
    assert _delivered(received) == [
        events.ConsentChanged(consent_id=consent.pk, customer_id=first.pk, channel="sms", given=False),
        events.ReferralCreated(referral_id=referral.pk, referrer_id=first.pk, referred_id=second.pk),
    ]


def test_archive_restore_and_review_publish_customers_changed(org: Any, make_customer: Any,
                                                              received: list[events.Event]) -> None:
    customer = make_customer("王芳")
    _delivered(received)
    ids = events.Ids.of([customer.pk])
    customer = customer_archive(actor=org.owner, customer=customer, channel="api")
    customer = customer_restore(actor=org.admin, customer=customer)
    customer_review(actor=org.owner, customer=customer, info_class="static")
    assert _delivered(received) == [
        events.CustomersChanged(customer_ids=ids, fields=("archived_at",), channel="api"),
        events.CustomersChanged(customer_ids=ids, fields=("archived_at",), channel="ui"),
        events.CustomersChanged(customer_ids=ids, fields=("static_reviewed_at",), channel="ui"),
    ]
    customer_archive(actor=org.owner, customer=customer_archive(actor=org.owner, customer=customer))
    assert _delivered(received) == [  # archiving an archived customer changes nothing, publishes nothing
        events.CustomersChanged(customer_ids=ids, fields=("archived_at",), channel="ui"),
    ]


def test_a_bulk_move_publishes_one_event_of_each_kind_for_the_customers_it_changed(
    org: Any, make_customer: Any, received: list[events.Event]
) -> None:
    first, second, already = make_customer("王芳"), make_customer("李雷"), make_customer("韩梅梅", actor=org.teammate)
    _delivered(received)
    moved = customers_move(actor=org.manager, customer_ids=[first.pk, second.pk, already.pk], owner=org.teammate)
    ids = events.Ids.of([first.pk, second.pk])
    assert moved == 2
    assert _delivered(received) == [
        events.CustomersChanged(customer_ids=ids, fields=("owner",), channel="ui"),
        events.OwnersMoved(customer_ids=ids, owner_id=org.teammate.pk, department_id=None),
    ]
