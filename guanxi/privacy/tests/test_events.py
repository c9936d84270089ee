"""An erasure publishes CustomerErased (and a refused one publishes nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from guanxi.core import events, outbox
from guanxi.core.errors import NotPermitted
from guanxi.privacy.services import customer_erase

pytestmark = pytest.mark.django_db


@pytest.fixture
def received() -> Iterator[list[events.Event]]:
    seen: list[events.Event] = []
    with events.override():
        events.subscribe(events.CustomerErased, seen.append, name="tests.erased")
        yield seen


def test_an_erasure_publishes_customer_erased(org: Any, make_customer: Any, received: list[events.Event]) -> None:
    customer = make_customer("张三丰")
    with pytest.raises(NotPermitted):
        customer_erase(actor=org.owner, customer=customer, confirm_name="张三丰", reason="客户书面要求")
    customer_erase(actor=org.manager, customer=customer, confirm_name="张三丰", reason="客户书面要求")
    outbox.deliver_due()
    assert received == [events.CustomerErased(customer_id=customer.pk)]
