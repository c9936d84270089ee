"""Two batches of the same customers at once (two API calls, or a call and a merge): the second
waits for the first's summary refresh, then recomputes with its orders, and nothing fails."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from guanxi.orders.models import PurchaseSummary
from guanxi.orders.services import orders_upsert
from guanxi.orders.tests.helpers import SH, catalogue, order
from guanxi.orders.tests.reference import actual_summaries, expected_summaries


@pytest.mark.django_db(transaction=True)
def test_overlapping_batches_wait_for_each_other(org, make_customer) -> None:
    if connection.vendor != "postgresql":
        # SQLite writes one transaction at a time; its in-memory test database (shared cache) says
        # "locked" at once instead of waiting, so two writers cannot be shown here.
        pytest.skip("PostgreSQL runs two batches at once")
    catalogue()
    known = make_customer("老客户", actor=org.admin)
    new = make_customer("新客户", actor=org.admin)  # no summary yet: both batches would insert one
    orders_upsert(actor=org.admin, orders=[order("K0", known, [("T1", "1", "50")])])
    first_done, second_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                orders_upsert(actor=org.admin, orders=[
                    order("A1", known, [("T1", "2", "50")], at=dt.datetime(2026, 3, 2, 10, tzinfo=SH)),
                    order("A2", new, [("C1", "1", "80")], at=dt.datetime(2026, 3, 2, 11, tzinfo=SH))])
                first_done.set()
                second_started.wait(10)
                time.sleep(0.5)  # the second batch reaches the summaries while this one is still open
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            first_done.set()
            connection.close()

    def second() -> None:
        try:
            first_done.wait(10)
            second_started.set()
            outcome = orders_upsert(actor=org.admin, orders=[
                order("B1", known, [("N1", "3", "20")], at=dt.datetime(2026, 3, 3, 10, tzinfo=SH)),
                order("B2", new, [("N1", "1", "20")], at=dt.datetime(2026, 3, 3, 11, tzinfo=SH))])
            assert outcome.failures == []
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert actual_summaries() == expected_summaries()
    assert PurchaseSummary.objects.get(customer=new).orders_count == 2
    assert PurchaseSummary.objects.get(customer=known).orders_count == 3
