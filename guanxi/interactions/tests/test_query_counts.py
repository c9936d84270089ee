"""The follow-up app's list pages and list endpoints keep their query counts with 1 row and 30."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from guanxi.interactions.services import appointment_plan, interaction_log, task_create
from guanxi.testing.base import login
from guanxi.testing.query_counts import assert_app_query_counts

pytestmark = pytest.mark.django_db


def test_list_routes_keep_their_query_counts(client, org, make_customer) -> None:
    serial = itertools.count()
    today = timezone.localdate()

    def add_rows(n: int) -> None:
        for _ in range(n):
            i = next(serial)
            customer = make_customer(f"客户{i}", actor=org.admin, importance="A",
                                     birthday=today - dt.timedelta(days=365 * 40 - i % 5))
            make_customer(f"未联系{i}", actor=org.admin, importance="A")
            interaction_log(actor=org.admin, customer=customer, data={
                "channel": "V", "at": timezone.now() - dt.timedelta(hours=i + 1), "notes": f"拜访{i}",
                "next_step": f"回访{i}", "next_step_on": today + dt.timedelta(days=i % 3)})
            task_create(actor=org.admin, data={"title": f"任务{i}", "due_on": today, "customer_id": customer.pk})
            appointment_plan(actor=org.admin, customer=customer, data={"due_on": today + dt.timedelta(days=1)})

    stats = f"start={today - dt.timedelta(days=60)}&end={today}&bucket=week"
    assert_app_query_counts(login(client, org.admin), "interactions", {"api:/visit-stats": stats}, add_rows)
