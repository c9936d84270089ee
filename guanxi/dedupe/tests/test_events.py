"""A merge publishes CustomersMerged with the survivor and every merged id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from guanxi.core import events, outbox
from guanxi.dedupe.services import customers_merge

pytestmark = pytest.mark.django_db


@pytest.fixture
def received() -> Iterator[list[events.Event]]:
    seen: list[events.Event] = []
    with events.override():
        events.subscribe(events.CustomersMerged, seen.append, name="tests.merged")
        yield seen


def test_a_merge_publishes_customers_merged(org: Any, make_customer: Any, received: list[events.Event]) -> None:
    survivor, first, second = make_customer("张三"), make_customer("张三"), make_customer("张三")
    customers_merge(actor=org.manager, survivor=survivor, merged=[first, second],
                    versions={c.pk: c.version for c in (survivor, first, second)}, choices={})
    outbox.deliver_due()
    assert received == [events.CustomersMerged(survivor_id=survivor.pk, merged_ids=(first.pk, second.pk))]
