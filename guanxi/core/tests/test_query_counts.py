"""Core's list pages and endpoints (reminders, dead letters) keep their query counts with 1 row and 30."""

import datetime as dt
import itertools

import pytest

from guanxi.core import events
from guanxi.core.models import DeliveryState, EventDelivery
from guanxi.testing.base import login
from guanxi.testing.query_counts import assert_app_query_counts

pytestmark = pytest.mark.django_db


def test_list_routes_keep_their_query_counts(client, org, make_customer) -> None:
    serial = itertools.count()
    today = dt.date.today()

    def add_rows(n: int) -> None:
        with events.override():
            events.subscribe(events.CustomerErased, lambda event: None, name="tests.erased")
            for _ in range(n):
                i = next(serial)
                make_customer(f"客户{i}", birthday=today - dt.timedelta(days=365 * 30 - i % 7), actor=org.admin)
                event_id = events.publish(events.CustomerErased(customer_id=1000 + i))
                EventDelivery.objects.filter(event_id=event_id).update(state=DeliveryState.DEAD, attempts=8,
                                                                        last_error="RuntimeError: boom")

    assert_app_query_counts(login(client, org.admin), "core", {}, add_rows)
