"""The query-count guard itself: every list route has a baseline, and a query per row fails."""

import itertools

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import path

from guanxi.customers.models import Customer
from guanxi.testing.base import login
from guanxi.testing.query_counts import ListRoute, check_query_counts, list_routes, load_baseline


def per_row(request: HttpRequest) -> HttpResponse:
    """A list that reads each row's account manager with a query of its own (an N+1)."""
    return HttpResponse(", ".join(c.owner.username for c in Customer.objects.order_by("pk")))


def joined(request: HttpRequest) -> HttpResponse:
    return HttpResponse(", ".join(c.owner.username for c in Customer.objects.select_related("owner").order_by("pk")))


urlpatterns = [path("per-row/", per_row), path("joined/", joined)]


def test_every_list_route_has_a_baseline_and_every_baseline_a_route() -> None:
    routes = list_routes()
    assert len(routes) > 40
    missing = [r.key for r in routes if r.key not in load_baseline(r.app)]
    assert missing == [], "list routes without a query-count baseline (see guanxi/core/query_counts.py)"
    stale = [(app, key) for app in {r.app for r in routes} for key in load_baseline(app)
             if key not in {r.key for r in routes if r.app == app}]
    assert stale == []


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_query_per_row_fails_the_guard(client, org, make_customer) -> None:
    serial = itertools.count()

    def add_rows(n: int) -> None:
        for _ in range(n):
            make_customer(f"客户{next(serial)}")

    client = login(client, org.admin)
    route = ListRoute(key="page:per-row", app="core", path="/per-row/")
    with pytest.raises(AssertionError, match=r"page:per-row: (\d+) queries with 1 row, (\d+) with 30 rows"):
        check_query_counts(client, [route], {}, add_rows, {"page:per-row": 3})

    Customer.objects.all().delete()
    fixed = ListRoute(key="page:joined", app="core", path="/joined/")
    measured = check_query_counts(client, [fixed], {}, add_rows, {"page:joined": 3})
    assert measured == {"page:joined": (3, 3)}
    with pytest.raises(AssertionError, match=r"page:joined: 3 queries, the baseline says 2"):
        check_query_counts(client, [fixed], {}, lambda n: None, {"page:joined": 2})
