"""A customer import reaches a handler as one CustomersCreated / CustomersChanged per job, ids as ranges."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from guanxi.core import events, outbox
from guanxi.customers.models import Customer
from guanxi.imports.tests.helpers import csv_bytes, run

pytestmark = pytest.mark.django_db

HEADER = ["客户编码", "姓名", "手机"]


@pytest.fixture
def received() -> Iterator[list[events.Event]]:
    seen: list[events.Event] = []
    with events.override():
        events.subscribe(events.CustomersCreated, seen.append, name="tests.created")
        events.subscribe(events.CustomersChanged, seen.append, name="tests.changed")
        yield seen


def test_an_import_of_100000_customers_reaches_a_handler_as_one_event(org: Any, received: list[events.Event]) -> None:
    rows = [[f"K{n:06d}", f"客户{n}", f"139{n:08d}"] for n in range(100_000)]
    job = run(org.owner, csv_bytes([HEADER, *rows]))
    assert (job.created_count, job.updated_count) == (100_000, 0)
    assert outbox.deliver_due() == 1
    [event] = received
    assert isinstance(event, events.CustomersCreated)
    assert event.channel == "import" and len(event.customer_ids) == 100_000
    assert len(event.customer_ids.ranges) <= 3  # consecutive ids: a few ranges, not 100,000 numbers
    assert list(event.customer_ids) == sorted(Customer.objects.values_list("pk", flat=True))


def test_an_import_that_updates_and_creates_publishes_one_event_of_each(
    org: Any, make_customer: Any, received: list[events.Event]
) -> None:
    first = make_customer("王五", code="W1")
    second = make_customer("赵六", code="W2")
    outbox.deliver_due()
    received.clear()
    job = run(org.owner, csv_bytes([["编号", "姓名", "地址"], ["W1", "王五", "北京"], ["W2", "赵六", "上海"],
                                    ["W3", "孙七", "广州"]]))
    assert (job.created_count, job.updated_count) == (1, 2)
    assert outbox.deliver_due() == 2
    created = next(e for e in received if isinstance(e, events.CustomersCreated))
    changed = next(e for e in received if isinstance(e, events.CustomersChanged))
    assert list(created.customer_ids) == [Customer.objects.get(code="W3").pk]
    assert list(changed.customer_ids) == [first.pk, second.pk]
    assert changed.fields == ("address", "code", "name") and changed.channel == "import"
    assert len(received) == 2
