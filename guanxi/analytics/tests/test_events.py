"""A finished analytics run publishes AnalyticsRunFinished with its id and state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from guanxi.analytics import services
from guanxi.analytics.tests.test_db_data import build
from guanxi.core import events, outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def received() -> Iterator[list[events.Event]]:
    seen: list[events.Event] = []
    with events.override():
        events.subscribe(events.AnalyticsRunFinished, seen.append, name="tests.run")
        yield seen


def test_a_finished_run_publishes_analytics_run_finished(org: Any, make_customer: Any,
                                                         received: list[events.Event]) -> None:
    build(org, make_customer)
    run = services.run_now(actor=None)
    outbox.deliver_due()
    assert received == [events.AnalyticsRunFinished(run_id=run.pk, state="done")]
