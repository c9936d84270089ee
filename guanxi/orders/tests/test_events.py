"""OrderBatchApplied: one event per batch (API and file import), enough to find every order and line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from guanxi.core import events, outbox
from guanxi.core.models import DeliveryState, EventDelivery
from guanxi.orders.importing import import_file
from guanxi.orders.models import Order, OrderLine, StagedLine
from guanxi.orders.services import orders_upsert
from guanxi.orders.tests.helpers import SH, catalogue, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(org: Any) -> Any:
    return catalogue()


@pytest.fixture
def received() -> Iterator[list[events.OrderBatchApplied]]:
    seen: list[events.OrderBatchApplied] = []
    with events.override():
        events.subscribe(events.OrderBatchApplied, seen.append, name="tests.orders")
        yield seen


def _ids(*external_ids: str) -> list[int]:
    return sorted(Order.objects.filter(external_id__in=external_ids).values_list("pk", flat=True))


def test_a_handler_finds_every_order_and_line_of_a_batch_that_resent_changed_orders_and_returns(
    org: Any, make_customer: Any, products: Any, received: list[events.OrderBatchApplied], settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.GUANXI_EVENTS_INLINE = True
    first, second, third = make_customer("甲"), make_customer("乙"), make_customer("丙")
    with django_capture_on_commit_callbacks(execute=True):
        orders_upsert(actor=org.owner, orders=[
            order("O1", first, [("T1", "2", "50")]),
            order("O2", first, [("C1", "1", "80")]),
            order("O3", second, [("N1", "1", "20")]),
        ])
    assert len(received) == 1 and list(received[0].created_order_ids) == _ids("O1", "O2", "O3")
    found: dict[str, list[tuple[str, int]]] = {}

    def lines_of(event: events.OrderBatchApplied) -> None:
        # What a loyalty app does: every order the batch wrote, and each one's lines, from the ids alone.
        written = Order.objects.filter(event.created_order_ids.q() | event.changed_order_ids.q())
        for line in OrderLine.objects.filter(order__in=written).select_related("order", "product").order_by("pk"):
            found.setdefault(line.order.external_id, []).append((line.product.code, line.line_no))

    events.subscribe(events.OrderBatchApplied, lines_of, name="tests.lines")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = orders_upsert(actor=org.owner, orders=[
            order("O1", first, [("T1", "2", "50")]),  # re-sent as it was: not written again
            order("O2", third, [("C1", "1", "80"), ("N1", "2", "20")]),  # re-sent: other customer, one more line
            order("O4", second, [("T1", "1", "50")]),
            order("R1", first, [("T1", "-1", "50")], kind="return", original="O1"),
        ])
    assert (outcome.created, outcome.updated, outcome.unchanged) == (2, 1, 1)
    assert StagedLine.objects.count() == 0  # the staging rows are gone, the event is enough
    event = received[1]
    assert list(event.created_order_ids) == _ids("O4", "R1")
    assert list(event.changed_order_ids) == _ids("O2")
    assert list(event.return_order_ids) == _ids("R1")
    # O2's previous customer (甲) changes too: its figures lost the order.
    assert list(event.customer_ids) == sorted([first.pk, second.pk, third.pk])
    assert found == {"O2": [("C1", 1), ("N1", 2)], "O4": [("T1", 1)], "R1": [("T1", 1)]}
    assert event.batch_id and event.batch_id != received[0].batch_id


def test_a_batch_with_nothing_new_publishes_empty_ranges(
    org: Any, make_customer: Any, products: Any, received: list[events.OrderBatchApplied]
) -> None:
    customer = make_customer()
    orders_upsert(actor=org.owner, orders=[order("O1", customer, [("T1", "1", "50")])])
    orders_upsert(actor=org.owner, orders=[order("O1", customer, [("T1", "1", "50")])])
    assert outbox.deliver_due() == 2  # what the periodic job does (these tests commit nothing)
    assert [len(e.created_order_ids) for e in received] == [1, 0]
    assert (received[1].changed_order_ids, received[1].customer_ids) == (events.Ids(), events.Ids())


@override_settings(GUANXI_EVENTS_MAX_ATTEMPTS=2, GUANXI_EVENTS_RETRY_SECONDS=30)
def test_a_failing_handler_leaves_the_batch_applied_is_retried_and_lands_in_the_dead_letters(
    org: Any, make_customer: Any, products: Any, received: list[events.OrderBatchApplied], settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.GUANXI_EVENTS_INLINE = True
    attempts: list[str] = []
    broken = [True]

    def points(event: events.OrderBatchApplied) -> None:
        attempts.append(event.batch_id)
        if broken[0]:
            Order.objects.filter(event.created_order_ids.q()).update(status="cancelled")  # undone with the failure
            raise RuntimeError("points service unavailable")

    events.subscribe(events.OrderBatchApplied, points, name="tests.points")
    customer = make_customer()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = orders_upsert(actor=org.owner, orders=[order("O1", customer, [("T1", "2", "50")])])
    assert outcome.created == 1 and len(received) == 1 and len(attempts) == 1
    applied = Order.objects.get(external_id="O1")
    assert (applied.status, applied.lines.count()) == ("paid", 1)
    delivery = EventDelivery.objects.get(handler="tests.points")
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)
    assert delivery.last_attempt_at is not None
    assert delivery.next_attempt_at == delivery.last_attempt_at + dt.timedelta(seconds=30)
    assert outbox.deliver_due(now=delivery.next_attempt_at - dt.timedelta(seconds=1)) == 0
    assert outbox.deliver_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, len(attempts)) == (DeliveryState.DEAD, 2, 2)
    assert "points service unavailable" in delivery.last_error
    assert Order.objects.get(external_id="O1").status == "paid" and len(received) == 1
    # Fixed, the handler gets the event again from the dead letters.
    broken[0] = False
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.dead_letter_retry(actor=org.admin, delivery_id=delivery.pk) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, len(attempts)) == (DeliveryState.DONE, 1, 3)
    assert attempts[2] == attempts[0]  # the same batch


def test_an_order_file_import_publishes_one_event(
    org: Any, make_customer: Any, products: Any, received: list[events.OrderBatchApplied], tmp_path: Path
) -> None:
    first, second = make_customer("王芳", code="C001"), make_customer("李雷", code="C002")
    path = tmp_path / "orders.csv"
    path.write_text("来源,订单号,客户编号,门店,渠道,状态,类型,下单时间,原订单号,商品编码,数量,单价,折扣\n"
                    "pos,A1,C001,sh,门店,已付款,销售,2026-03-01 10:00,,T1,2,50,0\n"
                    "pos,A1,C001,sh,门店,已付款,销售,2026-03-01 10:00,,N1,1,20,5\n"
                    "pos,A2,C002,,online,shipped,sale,2026-03-02T00:30:00+08:00,,C1,1,80,\n"
                    "pos,R1,C001,sh,门店,已送达,退货,2026/3/3 9:00,A1,T1,-1,50,0\n", encoding="utf-8")
    result = import_file(actor=org.admin, path=path)
    assert (result.applied, result.outcome.created) == (True, 3)
    assert outbox.deliver_due() == 1
    assert len(received) == 1
    assert list(received[0].created_order_ids) == _ids("A1", "A2", "R1")
    assert list(received[0].return_order_ids) == _ids("R1")
    assert list(received[0].customer_ids) == sorted([first.pk, second.pk])
    assert Order.objects.get(external_id="A1").ordered_at == dt.datetime(2026, 3, 1, 10, 0, tzinfo=SH)
