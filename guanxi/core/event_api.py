"""REST endpoints for the domain events' dead letters (administrators only; others get 403)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.params.functions import Path as PathParam

from guanxi.core import outbox
from guanxi.core.event_views import administrator
from guanxi.core.models import DeliveryState, EventDelivery

router = Router(tags=["events"])
PAGE_SIZE = 50
DeliveryId: Any = PathParam(..., ge=1, le=2**63 - 1)


class DeadLetterOut(Schema):
    id: int
    event_id: int
    event_type: str
    event_fields: dict[str, Any]
    published_at: dt.datetime
    handler: str
    attempts: int
    last_attempt_at: dt.datetime | None
    last_error: str

    @staticmethod
    def of(delivery: EventDelivery) -> DeadLetterOut:
        return DeadLetterOut(
            id=delivery.pk, event_id=delivery.event_id, event_type=delivery.event.type,
            event_fields=delivery.event.payload, published_at=delivery.event.created_at, handler=delivery.handler,
            attempts=delivery.attempts, last_attempt_at=delivery.last_attempt_at, last_error=delivery.last_error)


class DeadLettersOut(Schema):
    count: int
    page: int
    has_next: bool
    items: list[DeadLetterOut]


class DeadLettersQuery(Schema):
    page: int = Field(1, ge=1, le=100_000)


class RetriedOut(Schema):
    retried: int


@router.get("/events/dead-letters", response=DeadLettersOut,
            summary="Event deliveries that failed every attempt, newest first (administrators)")
def list_dead_letters(request: HttpRequest, query: Query[DeadLettersQuery]) -> dict[str, Any]:
    letters = outbox.dead_letters(actor=administrator(getattr(request, "auth", None)))
    start = (query.page - 1) * PAGE_SIZE
    page = list(letters[start:start + PAGE_SIZE + 1])
    return {"count": letters.count(), "page": query.page, "has_next": len(page) > PAGE_SIZE,
            "items": [DeadLetterOut.of(d) for d in page[:PAGE_SIZE]]}


@router.post("/events/dead-letters/{delivery_id}/retry", response=RetriedOut,
             summary="Deliver a dead letter again, with its attempts reset (administrators)")
def retry_dead_letter(request: HttpRequest, delivery_id: int = DeliveryId) -> dict[str, int]:
    actor = administrator(getattr(request, "auth", None))
    delivery = get_object_or_404(EventDelivery, pk=delivery_id, state=DeliveryState.DEAD)
    return {"retried": outbox.dead_letter_retry(actor=actor, delivery_id=delivery.pk)}
