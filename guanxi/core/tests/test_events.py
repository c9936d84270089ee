"""Domain events: the typed registry, its JSON, and the outbox's delivery (claim, retry, dead letters)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django_q.models import OrmQ, Schedule

from guanxi.core import events, outbox
from guanxi.core.errors import NotPermitted
from guanxi.core.models import DeliveryState, EventDelivery, OutboxEvent

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)  # after anything these tests publish

EXAMPLES: list[events.Event] = [
    events.OrderBatchApplied(batch_id="b-1", customer_ids=events.Ids.of([3, 1, 2, 9]),
                             created_order_ids=events.Ids.of(range(100, 200)), changed_order_ids=events.Ids.of([7]),
                             return_order_ids=events.Ids()),
    events.InteractionLogged(interaction_id=5, customer_id=6, user_id=7, channel="phone", next_task_id=None),
    events.InteractionLogged(interaction_id=5, customer_id=6, user_id=7, channel="visit", next_task_id=8),
    events.TaskDone(task_id=1, owner_id=2, customer_id=None),
    events.CustomersCreated(customer_ids=events.Ids.of([1, 2, 3]), channel="import"),
    events.CustomersChanged(customer_ids=events.Ids.of([4]), fields=("name", "phones"), channel="ui"),
    events.CustomersMerged(survivor_id=1, merged_ids=(2, 3)),
    events.CustomerErased(customer_id=4),
    events.OwnersMoved(customer_ids=events.Ids.of([1, 5]), owner_id=3, department_id=None),
    events.ConsentChanged(consent_id=1, customer_id=2, channel="sms", given=False),
    events.ReferralCreated(referral_id=1, referrer_id=2, referred_id=3),
    events.TagsChanged(customer_ids=events.Ids.of([2]), added=("VIP",), removed=("新客",)),
    events.AnalyticsRunFinished(run_id=12, state="done"),
]


@pytest.fixture
def subscribers() -> Iterator[events.Subscribers]:
    with events.override() as subs:
        yield subs


@pytest.fixture
def inline(settings: Any) -> None:
    settings.GUANXI_EVENTS_INLINE = True


def _publish(event: events.Event) -> int:
    event_id = events.publish(event)
    assert event_id is not None
    return event_id


def _changed(*ids: int) -> events.CustomersChanged:
    return events.CustomersChanged(customer_ids=events.Ids.of(ids), fields=("name",))


# --- the registry and JSON ---------------------------------------------------------------------------


def test_every_event_type_survives_a_json_round_trip() -> None:
    assert {type(e).type_name for e in EXAMPLES} == set(events.event_types())
    for event in EXAMPLES:
        stored = json.loads(json.dumps(events.to_json(event)))
        assert stored["type"] == type(event).__name__
        assert events.from_json(stored) == event


def test_json_keeps_ids_as_ranges_and_refuses_unknown_or_mistyped_events() -> None:
    event = EXAMPLES[0]
    assert events.to_json(event)["fields"]["created_order_ids"] == [[100, 199]]
    assert events.to_json(event)["fields"]["customer_ids"] == [[1, 3], [9, 9]]
    with pytest.raises(ValueError, match="Unknown event type"):
        events.from_json({"type": "NoSuchEvent", "fields": {}})
    with pytest.raises(ValueError, match="CustomerErased.customer_id"):
        events.from_json({"type": "CustomerErased", "fields": {"customer_id": "4"}})


def test_ids_iterate_count_chunk_and_filter() -> None:
    ids = events.Ids.of([5, 1, 2, 3, 9, 10, 2])
    assert ids.ranges == ((1, 3), (5, 5), (9, 10))
    assert (list(ids), len(ids), 4 in ids, 9 in ids, bool(events.Ids())) == ([1, 2, 3, 5, 9, 10], 6, False, True,
                                                                             False)
    assert list(ids.chunks(4)) == [[1, 2, 3, 5], [9, 10]]
    assert OutboxEvent.objects.filter(events.Ids().q()).count() == 0


def test_events_are_frozen_and_an_event_type_must_be_a_frozen_dataclass() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        events.CustomerErased(customer_id=4).customer_id = 5  # type: ignore[misc]

    class Loose(events.Event):
        pass

    with pytest.raises(TypeError):
        events.event_type(dataclasses.dataclass(Loose))


def test_a_handler_name_is_taken_once(subscribers: events.Subscribers) -> None:
    def first(event: events.CustomersChanged) -> None: ...

    def second(event: events.CustomersChanged) -> None: ...

    events.subscribe(events.CustomersChanged, first, name="tests.first")
    events.subscribe(events.CustomersChanged, first, name="tests.first")  # ready() running twice is harmless
    with pytest.raises(ValueError, match="already subscribed"):
        events.subscribe(events.CustomersChanged, second, name="tests.first")
    assert [s.name for s in subscribers.for_type(events.CustomersChanged)] == ["tests.first"]


# --- publishing ---------------------------------------------------------------------------------------


def test_an_event_nobody_listens_to_is_not_stored(subscribers: events.Subscribers) -> None:
    assert events.publish(_changed(1)) is None
    assert OutboxEvent.objects.count() == 0


def test_publishing_in_a_rolled_back_transaction_delivers_nothing(
    subscribers: events.Subscribers, inline: None, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[events.Event] = []
    events.subscribe(events.CustomersChanged, seen.append, name="tests.seen")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            events.publish(_changed(1))
            raise RuntimeError("the write fails")
    assert (callbacks, seen, OutboxEvent.objects.count(), EventDelivery.objects.count()) == ([], [], 0, 0)
    assert outbox.deliver_due() == 0 and seen == []


def test_after_the_commit_the_handler_runs_once_per_event(
    subscribers: events.Subscribers, inline: None, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[events.Event] = []
    other: list[events.Event] = []
    events.subscribe(events.CustomersChanged, seen.append, name="tests.seen")
    events.subscribe(events.CustomerErased, other.append, name="tests.other")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event_id = _publish(_changed(1, 2))
            assert seen == []  # never inside the writer's transaction
    assert seen == [_changed(1, 2)] and other == []
    delivery = EventDelivery.objects.get(event_id=event_id)
    assert (delivery.handler, delivery.state, delivery.attempts, delivery.last_error) == (
        "tests.seen", DeliveryState.DONE, 1, "")
    assert outbox.deliver_due() == 0 and len(seen) == 1


def test_without_inline_delivery_the_commit_enqueues_the_django_q_job(
    subscribers: events.Subscribers, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[events.Event] = []
    events.subscribe(events.CustomersChanged, seen.append, name="tests.seen")
    with django_capture_on_commit_callbacks(execute=True):
        event_id = _publish(_changed(3))
    queued = [task for task in OrmQ.objects.all() if task.func() == "guanxi.core.tasks.deliver_event"]
    assert [q.args() for q in queued] == [(event_id,)] and seen == []
    from guanxi.core.tasks import deliver_event

    assert deliver_event(event_id) == 1 and seen == [_changed(3)]


def test_the_schedule_and_the_command_deliver_what_is_due(subscribers: events.Subscribers, capsys: Any) -> None:
    schedule = Schedule.objects.get(name="core-deliver-due-events")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "guanxi.core.tasks.deliver_due_events", Schedule.MINUTES, 1, -1)
    seen: list[events.Event] = []
    events.subscribe(events.CustomersChanged, seen.append, name="tests.seen")
    _publish(_changed(4))  # its job was lost: the process died after the commit
    call_command("events", "deliver")
    assert seen == [_changed(4)]
    assert capsys.readouterr().out.strip() == "1 deliveries run; 0 dead letters"


# --- failures, retries and dead letters ----------------------------------------------------------------


@override_settings(GUANXI_EVENTS_MAX_ATTEMPTS=3, GUANXI_EVENTS_RETRY_SECONDS=60)
def test_a_failing_handler_is_retried_with_backoff_then_dead_and_retried_by_an_administrator(
    subscribers: events.Subscribers, org: Any
) -> None:
    calls: list[int] = []
    fail = {"on": True}

    def flaky(event: events.CustomersChanged) -> None:
        calls.append(event.customer_ids.ranges[0][0])
        if fail["on"]:
            raise RuntimeError("the loyalty service is down")

    seen: list[events.Event] = []
    events.subscribe(events.CustomersChanged, flaky, name="tests.flaky")
    events.subscribe(events.CustomersChanged, seen.append, name="tests.seen")
    event_id = _publish(_changed(7))
    flaky_delivery = EventDelivery.objects.get(event_id=event_id, handler="tests.flaky")

    assert outbox.deliver_event(event_id, now=T0) == 2
    flaky_delivery.refresh_from_db()
    assert seen == [_changed(7)]  # the other handler is not held back
    assert (flaky_delivery.state, flaky_delivery.attempts, flaky_delivery.next_attempt_at) == (
        DeliveryState.PENDING, 1, T0 + dt.timedelta(seconds=60))
    assert "RuntimeError: the loyalty service is down" in flaky_delivery.last_error
    assert outbox.deliver_due(now=T0 + dt.timedelta(seconds=59)) == 0  # not yet due
    assert outbox.deliver_due(now=T0 + dt.timedelta(seconds=60)) == 1
    flaky_delivery.refresh_from_db()
    assert (flaky_delivery.state, flaky_delivery.attempts, flaky_delivery.next_attempt_at) == (
        DeliveryState.PENDING, 2, T0 + dt.timedelta(seconds=60 + 120))
    assert outbox.deliver_due(now=T0 + dt.timedelta(seconds=180)) == 1
    flaky_delivery.refresh_from_db()
    assert (flaky_delivery.state, flaky_delivery.attempts) == (DeliveryState.DEAD, 3)
    assert outbox.deliver_due(now=T0 + dt.timedelta(days=1)) == 0 and len(calls) == 3

    with pytest.raises(NotPermitted):
        outbox.dead_letters(actor=org.manager)
    assert list(outbox.dead_letters(actor=org.admin)) == [flaky_delivery]
    fail["on"] = False
    with pytest.raises(NotPermitted):
        outbox.dead_letter_retry(actor=org.owner, delivery_id=flaky_delivery.pk)
    assert outbox.dead_letter_retry(actor=org.admin, delivery_id=flaky_delivery.pk) == 1
    assert outbox.dead_letter_retry(actor=org.admin, delivery_id=flaky_delivery.pk) == 0  # a double click
    assert outbox.deliver_due() == 1
    flaky_delivery.refresh_from_db()
    assert (flaky_delivery.state, flaky_delivery.attempts, len(calls), seen) == (
        DeliveryState.DONE, 1, 4, [_changed(7)])


def test_backoff_doubles_up_to_its_cap(settings: Any) -> None:
    settings.GUANXI_EVENTS_RETRY_SECONDS = 60
    settings.GUANXI_EVENTS_RETRY_MAX_SECONDS = 3600
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 6, 7, 20)] == [60, 120, 240, 1920, 3600, 3600]


def test_a_delivery_is_claimed_once_and_a_lapsed_claim_is_taken_again(
    subscribers: events.Subscribers, settings: Any
) -> None:
    settings.GUANXI_EVENTS_LEASE_SECONDS = 600
    seen: list[events.Event] = []
    events.subscribe(events.CustomersChanged, seen.append, name="tests.seen")
    event_id = _publish(_changed(8))
    delivery = EventDelivery.objects.get(event_id=event_id)
    # A worker claimed it and died before recording anything.
    assert outbox._due(T0).filter(pk=delivery.pk).update(state=DeliveryState.RUNNING, attempts=1,
                                                        next_attempt_at=T0 + dt.timedelta(seconds=600)) == 1
    assert outbox.deliver_one(delivery.pk, now=T0 + dt.timedelta(seconds=599)) is None and seen == []
    assert outbox.deliver_one(delivery.pk, now=T0 + dt.timedelta(seconds=600)) is True
    assert outbox.deliver_one(delivery.pk, now=T0 + dt.timedelta(seconds=601)) is None
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, seen) == (DeliveryState.DONE, 2, [_changed(8)])


def test_a_handler_no_longer_subscribed_ends_in_the_dead_letters(subscribers: events.Subscribers,
                                                                  settings: Any) -> None:
    settings.GUANXI_EVENTS_MAX_ATTEMPTS = 1
    events.subscribe(events.CustomersChanged, lambda event: None, name="tests.removed")
    event_id = _publish(_changed(9))
    with events.override():
        assert outbox.deliver_event(event_id) == 1
    delivery = EventDelivery.objects.get(event_id=event_id)
    assert delivery.state == DeliveryState.DEAD and "No handler named 'tests.removed'" in delivery.last_error


def test_delivered_events_are_forgotten_after_the_keeping_period(subscribers: events.Subscribers,
                                                                 settings: Any) -> None:
    settings.GUANXI_EVENTS_KEEP_DAYS = 7
    events.subscribe(events.CustomersChanged, lambda event: None, name="tests.quiet")
    old, recent = _publish(_changed(1)), _publish(_changed(2))
    assert outbox.deliver_due(now=T0) == 2
    OutboxEvent.objects.filter(pk=old).update(created_at=T0 - dt.timedelta(days=8))
    EventDelivery.objects.filter(event_id=old).update(done_at=T0 - dt.timedelta(days=8))
    assert outbox.prune(now=T0) == 1
    assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [recent]
