"""The analytics run list keeps its query count with 1 run and 30."""

import pytest

from guanxi.analytics.models import AnalyticsRun
from guanxi.testing.base import login
from guanxi.testing.query_counts import assert_app_query_counts

pytestmark = pytest.mark.django_db


def test_list_routes_keep_their_query_counts(client, org) -> None:
    def add_rows(n: int) -> None:
        for _ in range(n):
            AnalyticsRun.objects.create(trigger="ui", requested_by=org.manager, state="done")

    assert_app_query_counts(login(client, org.admin), "analytics", {}, add_rows)
