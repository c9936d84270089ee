"""The customer list sorts by purchase figures (net spend, orders, last purchase), in the UI and the
API, and keyset paging walks every customer exactly once — those who never bought included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from guanxi.orders.services import orders_upsert
from guanxi.orders.tests.helpers import SH, catalogue, order
from guanxi.testing.base import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyers(org, make_customer):
    catalogue()
    people = [make_customer(f"买家{i}") for i in range(7)]
    orders = []
    for i, person in enumerate(people[:5]):  # two never bought (a tie at zero, broken by id)
        spend = str(10 * (i + 1))
        for n in range(i + 1):
            orders.append(order(f"S{i}-{n}", person, [("N1", "1", spend)],
                                at=dt.datetime(2026, 1, 1 + i, 9, tzinfo=SH) + dt.timedelta(days=n)))
    orders_upsert(actor=org.owner, orders=orders)
    return people


def _walk(client, sort: str) -> list[str]:
    """Every name on every page of the API list, following next_cursor."""
    names: list[str] = []
    cursor = None
    while True:
        params = {"sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/customers", params).json()
        names += [c["name"] for c in body["items"]]
        cursor = body.get("next_cursor")
        if not cursor:
            return names


def test_api_sorts_and_pages_by_net_spend(client, org, buyers) -> None:
    login(client, org.owner)
    ascending = _walk(client, "net_spend")
    descending = _walk(client, "-net_spend")
    assert sorted(ascending) == sorted(c.name for c in buyers)  # each customer once, never-bought included
    assert ascending[-1] == "买家4" and set(ascending[:2]) == {"买家5", "买家6"}
    assert descending[0] == "买家4" and descending == ascending[::-1]


def test_api_sorts_by_orders_and_last_purchase(client, org, buyers) -> None:
    login(client, org.owner)
    assert _walk(client, "-orders_count")[:5] == ["买家4", "买家3", "买家2", "买家1", "买家0"]
    assert _walk(client, "-last_purchase")[:5] == ["买家4", "买家3", "买家2", "买家1", "买家0"]
    offset = client.get("/api/v1/customers", {"sort": "-orders_count", "offset": 1, "limit": 2}).json()
    assert [c["name"] for c in offset["items"]] == ["买家3", "买家2"]


def test_unknown_sort_is_a_field_error(client, org, buyers) -> None:
    login(client, org.owner)
    response = client.get("/api/v1/customers", {"sort": "salary"})
    assert response.status_code == 422 and "sort" in response.content.decode()


@pytest.mark.outsider("customers:list")
def test_list_page_sorts_by_a_purchase_column(client, org, buyers) -> None:
    login(client, org.owner)
    page = client.get(reverse("customers:list"), {"sort": "-net_spend"}).content.decode()
    assert 'data-sort="net_spend"' in page and "↓" in page
    assert page.index("买家4") < page.index("买家3") < page.index("买家0")
    login(client, org.outsider)
    assert "买家4" not in client.get(reverse("customers:list"), {"sort": "-net_spend"}).content.decode()


def test_the_purchases_filter_on_the_list_page_and_in_the_api(client, org, buyers, make_customer) -> None:
    from django.utils import timezone

    recent = make_customer("新客")
    orders_upsert(actor=org.owner, orders=[order("NEW", recent, [("N1", "1", "5")],
                                                 at=timezone.now() - dt.timedelta(days=3))])
    login(client, org.owner)

    def api(value: str) -> list[str]:
        response = client.get("/api/v1/customers", {"filter": f"purchases:{value}", "limit": 50})
        assert response.status_code == 200, response.content
        return sorted(c["name"] for c in response.json()["items"])

    assert api("none") == ["买家5", "买家6"]
    assert api("once") == ["买家0", "新客"]
    assert api("repeat") == ["买家1", "买家2", "买家3", "买家4"]
    assert api("active90") == ["新客"]
    assert api("lapsed90") == ["买家0", "买家1", "买家2", "买家3", "买家4"]
    page = client.get(reverse("customers:list"), {"x_purchases": "repeat"}).content.decode()
    assert "买家3" in page and "买家0" not in page and "新客" not in page
    for bad in ("purchases:often", "nosuch:1", "purchases"):
        response = client.get("/api/v1/customers", {"filter": bad})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "filter", bad


def test_an_outsider_filtering_by_purchases_sees_none_of_others_customers(client, org, buyers) -> None:
    login(client, org.outsider)
    body = client.get("/api/v1/customers", {"filter": "purchases:repeat"}).json()
    assert body["items"] == [] and body["count"] == 0
