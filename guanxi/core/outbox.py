"""Delivery of the domain events' outbox (guanxi.core.events, ADR 0021).

After the publisher's commit a django-q2 job (`guanxi.core.tasks.deliver_event`) runs the event's
deliveries; a periodic job and `guanxi events deliver` run whatever is due, so nothing is lost when a
process dies between the commit and the job. Each delivery is claimed with a compare-and-set (two
workers never run one twice), its handler runs in its own transaction, a failure is retried after
`GUANXI_EVENTS_RETRY_SECONDS · 2^(attempt-1)` (at most `GUANXI_EVENTS_RETRY_MAX_SECONDS`), and after
`GUANXI_EVENTS_MAX_ATTEMPTS` failures the delivery is a dead letter that an administrator may retry.

`GUANXI_EVENTS_INLINE` (tests) calls the same task function in the committing process right after the
commit instead of enqueueing it (`events.after_commit`).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import traceback
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import events
from guanxi.core.errors import NotPermitted
from guanxi.core.models import DeliveryState, EventDelivery, OutboxEvent

logger = logging.getLogger("guanxi.events")

MAX_ERROR = 4000
DUE_BATCH = 500


class Administrator(Protocol):
    @property
    def is_administrator(self) -> bool: ...


# --- delivering -----------------------------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    """How long after its `attempts`-th failure a delivery is tried again."""
    seconds = settings.GUANXI_EVENTS_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.GUANXI_EVENTS_RETRY_MAX_SECONDS))


def _due(now: dt.datetime) -> QuerySet[EventDelivery]:
    # A running delivery whose claim lapsed belongs to a worker that died: it is due again.
    return EventDelivery.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.RUNNING],
                                        next_attempt_at__lte=now)


def deliver_one(delivery_id: int, *, now: dt.datetime | None = None) -> bool | None:
    """Run one due delivery. True: delivered; False: failed (retried later or dead); None: not due, or
    another worker claimed it first."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.GUANXI_EVENTS_LEASE_SECONDS)
    claimed = _due(now).filter(pk=delivery_id).update(
        state=DeliveryState.RUNNING, attempts=F("attempts") + 1, next_attempt_at=now + lease, last_attempt_at=now)
    if not claimed:
        return None
    delivery = EventDelivery.objects.select_related("event").get(pk=delivery_id)
    mine = EventDelivery.objects.filter(pk=delivery_id, state=DeliveryState.RUNNING, attempts=delivery.attempts)
    subscription = events.current_subscribers().by_name.get(delivery.handler)
    try:
        if subscription is None:
            raise LookupError(f"No handler named {delivery.handler!r} is subscribed")
        event = events.from_json({"type": delivery.event.type, "fields": delivery.event.payload})
        with transaction.atomic():
            subscription.handler(event)
    except Exception as error:
        text = "".join(traceback.format_exception(error))[-MAX_ERROR:]
        if delivery.attempts >= settings.GUANXI_EVENTS_MAX_ATTEMPTS:
            mine.update(state=DeliveryState.DEAD, next_attempt_at=now, last_error=text)
            logger.error("event %s: handler %s failed %s times, now a dead letter: %s", delivery.event_id,
                         delivery.handler, delivery.attempts, error)
        else:
            mine.update(state=DeliveryState.PENDING, next_attempt_at=now + backoff(delivery.attempts),
                        last_error=text)
            logger.warning("event %s: handler %s failed (attempt %s): %s", delivery.event_id, delivery.handler,
                           delivery.attempts, error)
        return False
    mine.update(state=DeliveryState.DONE, done_at=now, last_error="")
    return True


def deliver_event(event_id: int, *, now: dt.datetime | None = None) -> int:
    """Run the due deliveries of one event (the job enqueued after its commit); returns how many ran."""
    now = now or timezone.now()
    ids = list(_due(now).filter(event_id=event_id).order_by("pk").values_list("pk", flat=True))
    return sum(1 for pk in ids if deliver_one(pk, now=now) is not None)


def deliver_due(*, now: dt.datetime | None = None, limit: int | None = None) -> int:
    """Run every due delivery, oldest first (the periodic job and `guanxi events deliver`); then forget
    delivered events older than `GUANXI_EVENTS_KEEP_DAYS`. Returns how many deliveries ran."""
    now = now or timezone.now()
    ran = 0
    last = 0
    while limit is None or ran < limit:
        ids = list(_due(now).filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:DUE_BATCH])
        if not ids:
            break
        for pk in ids:
            if limit is not None and ran >= limit:
                break
            ran += deliver_one(pk, now=now) is not None
        last = ids[-1]
    prune(now=now)
    return ran


def prune(*, now: dt.datetime | None = None) -> int:
    """Delete delivered deliveries, and events left without any, older than the keeping period."""
    before = (now or timezone.now()) - dt.timedelta(days=settings.GUANXI_EVENTS_KEEP_DAYS)
    deleted, _counts = EventDelivery.objects.filter(state=DeliveryState.DONE, done_at__lt=before).delete()
    OutboxEvent.objects.filter(created_at__lt=before, deliveries__isnull=True).delete()
    return deleted


# --- dead letters ---------------------------------------------------------------------------------------


def _require_administrator(actor: Administrator) -> None:
    if not actor.is_administrator:
        raise NotPermitted(_("Only an administrator may see and retry dead letters."))


def dead_letters(*, actor: Administrator) -> QuerySet[EventDelivery]:
    _require_administrator(actor)
    return EventDelivery.objects.filter(state=DeliveryState.DEAD).select_related("event").order_by("-next_attempt_at",
                                                                                                  "-pk")


def _retry(queryset: QuerySet[EventDelivery]) -> int:
    now = timezone.now()
    with transaction.atomic():
        event_ids = sorted(set(queryset.values_list("event_id", flat=True)))
        # Compare-and-set: only what is still dead is retried (a double click retries once).
        count = queryset.filter(state=DeliveryState.DEAD).update(state=DeliveryState.PENDING, attempts=0,
                                                                 next_attempt_at=now)
        for event_id in event_ids:
            transaction.on_commit(functools.partial(events.after_commit, event_id))
    return count


def dead_letter_retry(*, actor: Administrator, delivery_id: int) -> int:
    """Give one dead letter its attempts again and deliver it after the commit; 0 if it is not dead."""
    _require_administrator(actor)
    return _retry(EventDelivery.objects.filter(pk=delivery_id, state=DeliveryState.DEAD))


def dead_letters_retry_all(*, actor: Administrator) -> int:
    _require_administrator(actor)
    return _retry(EventDelivery.objects.filter(state=DeliveryState.DEAD))
