"""The dead letters page and API: administrators see and retry them; nobody else does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from guanxi.core import events
from guanxi.core.models import DeliveryState, EventDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered() -> Iterator[list[events.Event]]:
    seen: list[events.Event] = []
    with events.override():
        events.subscribe(events.CustomerErased, seen.append, name="tests.erased")
        yield seen


def _dead_letter(customer_id: int) -> EventDelivery:
    event_id = events.publish(events.CustomerErased(customer_id=customer_id))
    EventDelivery.objects.filter(event_id=event_id).update(state=DeliveryState.DEAD, attempts=8,
                                                            last_error="RuntimeError: boom")
    return EventDelivery.objects.get(event_id=event_id)


@pytest.mark.outsider("events:dead_letters", "events:dead_letter_retry", "events:dead_letters_retry_all")
def test_only_administrators_reach_the_dead_letters_page(org: Any, client: Client,
                                                          delivered: list[events.Event]) -> None:
    letter = _dead_letter(41)
    for user in (org.outsider, org.owner, org.manager):
        client.force_login(user)
        assert client.get("/events/dead-letters/").status_code == 403
        assert client.post(f"/events/dead-letters/{letter.pk}/retry/").status_code == 403
        assert client.post("/events/dead-letters/retry/").status_code == 403
        assert "/events/dead-letters/" not in client.get("/").content.decode()
    letter.refresh_from_db()
    assert letter.state == DeliveryState.DEAD
    client.logout()
    assert client.get("/events/dead-letters/").status_code == 302  # to the login page


@pytest.mark.parametrize(("language", "title", "retry"), [("en", "Dead letters", "Retry"), ("zh-hans", "死信", "重试")])
def test_an_administrator_sees_and_retries_dead_letters_in_both_languages(
    org: Any, client: Client, delivered: list[events.Event], settings: Any, django_capture_on_commit_callbacks: Any,
    language: str, title: str, retry: str,
) -> None:
    settings.GUANXI_EVENTS_INLINE = True
    first, second = _dead_letter(41), _dead_letter(42)
    client.force_login(org.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert 'href="/events/dead-letters/"' in client.get("/").content.decode()  # the admin menu links it
    page = client.get("/events/dead-letters/").content.decode()
    assert f"<title>{title}" in page and f">{retry}</button>" in page
    assert f'data-delivery="{first.pk}"' in page and f'data-delivery="{second.pk}"' in page
    assert "tests.erased" in page and "RuntimeError: boom" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/events/dead-letters/{first.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == "/events/dead-letters/"
    assert delivered == [events.CustomerErased(customer_id=41)]
    first.refresh_from_db()
    assert (first.state, first.attempts) == (DeliveryState.DONE, 1)
    assert client.post(f"/events/dead-letters/{first.pk}/retry/").status_code == 404  # no longer dead
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/events/dead-letters/retry/").status_code == 302
    assert delivered == [events.CustomerErased(customer_id=41), events.CustomerErased(customer_id=42)]
    page = client.get("/events/dead-letters/").content.decode()
    assert "data-delivery=" not in page


@pytest.mark.outsider("GET /events/dead-letters", "POST /events/dead-letters/{delivery_id}/retry")
def test_the_dead_letters_api_is_for_administrators(
    org: Any, client: Client, delivered: list[events.Event], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.GUANXI_EVENTS_INLINE = True
    letter = _dead_letter(43)
    for user in (org.outsider, org.owner, org.manager):
        client.force_login(user)
        assert client.get("/api/v1/events/dead-letters").status_code == 403
        assert client.post(f"/api/v1/events/dead-letters/{letter.pk}/retry").status_code == 403
    client.logout()
    assert client.get("/api/v1/events/dead-letters").status_code == 401
    client.force_login(org.admin)
    body = client.get("/api/v1/events/dead-letters").json()
    item = body["items"][0]
    assert (body["count"], body["page"], body["has_next"], len(body["items"])) == (1, 1, False, 1)
    assert (item["id"], item["event_type"], item["event_fields"], item["handler"], item["attempts"],
            item["last_error"]) == (letter.pk, "CustomerErased", {"customer_id": 43}, "tests.erased", 8,
                                    "RuntimeError: boom")
    assert client.post("/api/v1/events/dead-letters/999999/retry").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/events/dead-letters/{letter.pk}/retry")
    assert (response.status_code, response.json()) == (200, {"retried": 1})
    assert delivered == [events.CustomerErased(customer_id=43)]
    assert client.get("/api/v1/events/dead-letters").json()["count"] == 0
