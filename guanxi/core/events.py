"""Domain events: how one app learns what another did, after it is committed (ADR 0021).

An event is a frozen dataclass of ids and small values, never model instances. The service that owns
a write publishes it inside its own transaction (`publish`); the event and one delivery per handler are
rows of the outbox (`core.OutboxEvent`, `core.EventDelivery`) written in that same transaction, so a
rolled-back write publishes nothing and a committed one is never lost. Handlers run later, in a
django-q2 job after the commit (`guanxi.core.outbox`), each in its own transaction: a failing handler is
retried with backoff and never undoes the write.

Apps subscribe in `AppConfig.ready()`::

    from guanxi.core import events

    def award_points(event: events.OrderBatchApplied) -> None:
        for chunk in event.created_order_ids.chunks(5000):
            ...

    events.subscribe(events.OrderBatchApplied, award_points, name="loyalty.award_points")

Bulk writers publish one event per batch, with the ids as ranges (`Ids`), never one event per row.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, Union

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils.module_loading import import_string

from guanxi.core.models import EventDelivery, OutboxEvent

JsonValue = Any  # what json.loads gives back: the events' own fields are checked when decoded


# --- a set of ids -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ids:
    """A set of ids as sorted, disjoint, inclusive ranges: a batch's 100,000 new ids are one pair."""

    ranges: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, ids: Iterable[int]) -> Ids:
        ranges: list[tuple[int, int]] = []
        for value in sorted(set(ids)):
            if ranges and value == ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], value)
            else:
                ranges.append((value, value))
        return cls(tuple(ranges))

    @classmethod
    def from_query(cls, sql: str, params: Iterable[Any] = ()) -> Ids:
        """The ids that `sql` (one column) selects, turned into ranges by the database: a million
        consecutive ids cost one row, not a million."""
        grouped = (f"WITH picked(id) AS ({sql}) "
                   "SELECT MIN(id), MAX(id) FROM (SELECT id, id - ROW_NUMBER() OVER (ORDER BY id) AS run "
                   "FROM (SELECT DISTINCT id FROM picked WHERE id IS NOT NULL) d) r GROUP BY run ORDER BY 1")
        with connection.cursor() as cursor:
            cursor.execute(grouped, list(params))
            return cls(tuple((int(low), int(high)) for low, high in cursor.fetchall()))

    def __iter__(self) -> Iterator[int]:
        for low, high in self.ranges:
            yield from range(low, high + 1)

    def __len__(self) -> int:
        return sum(high - low + 1 for low, high in self.ranges)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and any(low <= value <= high for low, high in self.ranges)

    def chunks(self, size: int) -> Iterator[list[int]]:
        """The ids in lists of at most `size`, for `filter(pk__in=...)` in bounded queries."""
        chunk: list[int] = []
        for value in self:
            chunk.append(value)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def q(self, field: str = "pk") -> Q:
        """A filter matching the ids (one BETWEEN per range); matches nothing when empty."""
        query = Q(pk__in=[])
        for low, high in self.ranges:
            query |= Q(**{f"{field}__range": (low, high)})
        return query


# --- events ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Base of every domain event. Subclasses are frozen dataclasses registered by `@event_type`."""

    type_name: ClassVar[str] = ""


EventT = TypeVar("EventT", bound=Event)
_TYPES: dict[str, type[Event]] = {}


def event_type(cls: type[EventT]) -> type[EventT]:
    """Register an event class under its class name (the name stored in the outbox: never rename one)."""
    if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]  # set by @dataclass
        raise TypeError(f"{cls.__name__} must be a frozen dataclass")
    if cls.__name__ in _TYPES and _TYPES[cls.__name__] is not cls:
        raise ValueError(f"Two event types are named {cls.__name__}")
    cls.type_name = cls.__name__
    _TYPES[cls.__name__] = cls
    return cls


def event_types() -> dict[str, type[Event]]:
    return dict(_TYPES)


@event_type
@dataclass(frozen=True)
class OrderBatchApplied(Event):
    """An order batch (API call or file import) was applied. The order ids find every order and line it
    wrote after its staging rows are gone: created, and re-sent orders whose fields or lines changed
    (their lines were replaced); `return_order_ids` are the returns among both. `customer_ids` are
    the customers whose figures changed (including the previous customer of a re-sent order)."""

    batch_id: str
    customer_ids: Ids
    created_order_ids: Ids
    changed_order_ids: Ids
    return_order_ids: Ids


@event_type
@dataclass(frozen=True)
class InteractionLogged(Event):
    interaction_id: int
    customer_id: int
    user_id: int
    channel: str
    next_task_id: int | None = None


@event_type
@dataclass(frozen=True)
class TaskDone(Event):
    task_id: int
    owner_id: int
    customer_id: int | None = None


@event_type
@dataclass(frozen=True)
class CustomersCreated(Event):
    customer_ids: Ids
    channel: str = ""


@event_type
@dataclass(frozen=True)
class CustomersChanged(Event):
    """Fields of these customers changed (names as on the model; `fields` may be a superset for a batch)."""

    customer_ids: Ids
    fields: tuple[str, ...] = ()
    channel: str = ""


@event_type
@dataclass(frozen=True)
class CustomersMerged(Event):
    survivor_id: int
    merged_ids: tuple[int, ...]


@event_type
@dataclass(frozen=True)
class CustomerErased(Event):
    customer_id: int


@event_type
@dataclass(frozen=True)
class OwnersMoved(Event):
    """These customers got a new account manager and/or department: `owner_id` / `department_id` are
    the new ones when all of them got the same (a single edit, a bulk move), else None (read them).
    An import that maps the owner column says so in CustomersChanged's fields instead."""

    customer_ids: Ids
    owner_id: int | None = None
    department_id: int | None = None


@event_type
@dataclass(frozen=True)
class ConsentChanged(Event):
    consent_id: int
    customer_id: int
    channel: str
    given: bool


@event_type
@dataclass(frozen=True)
class ReferralCreated(Event):
    referral_id: int
    referrer_id: int
    referred_id: int


@event_type
@dataclass(frozen=True)
class TagsChanged(Event):
    customer_ids: Ids
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@event_type
@dataclass(frozen=True)
class AnalyticsRunFinished(Event):
    run_id: int
    state: str = ""


# --- JSON ------------------------------------------------------------------------------------------------


def to_json(event: Event) -> dict[str, JsonValue]:
    """`{"type": name, "fields": {...}}`: what the outbox stores."""
    fields: dict[str, JsonValue] = {}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if isinstance(value, Ids):
            fields[f.name] = [list(pair) for pair in value.ranges]
        elif isinstance(value, tuple):
            fields[f.name] = list(value)
        else:
            fields[f.name] = value
    return {"type": type(event).type_name, "fields": fields}


def _decode(kind: Any, value: JsonValue, where: str) -> Any:
    origin = typing.get_origin(kind)
    if kind is Ids:
        return Ids(tuple((int(low), int(high)) for low, high in value))
    if origin in (Union, types.UnionType):
        args = typing.get_args(kind)
        if value is None and type(None) in args:
            return None
        return _decode(next(a for a in args if a is not type(None)), value, where)
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(kind)
        return tuple(_decode(item, v, where) for v in value)
    if kind in (int, str, bool) and type(value) is kind:
        return value
    raise ValueError(f"{where}: {value!r} is not a {kind}")


def from_json(data: dict[str, JsonValue]) -> Event:
    cls = _TYPES.get(str(data.get("type")))
    if cls is None:
        raise ValueError(f"Unknown event type {data.get('type')!r}")
    hints = typing.get_type_hints(cls)
    raw = data.get("fields") or {}
    values = {f.name: _decode(hints[f.name], raw[f.name], f"{cls.__name__}.{f.name}")
              for f in dataclasses.fields(cls) if f.name in raw}
    return cls(**values)


# --- subscribers -----------------------------------------------------------------------------------------

Handler = Callable[[Any], None]


@dataclass(frozen=True)
class Subscription:
    name: str
    event_type: type[Event]
    handler: Handler


class Subscribers:
    """Handlers by name. The name is stored on each delivery: keep it stable (`app.what_it_does`)."""

    def __init__(self) -> None:
        self.by_name: dict[str, Subscription] = {}

    def add(self, event_cls: type[EventT], handler: Callable[[EventT], None], *, name: str) -> None:
        if event_cls.type_name not in _TYPES:
            raise TypeError(f"{event_cls.__name__} is not a registered event type")
        known = self.by_name.get(name)
        if known is not None and (known.handler is not handler or known.event_type is not event_cls):
            raise ValueError(f"A handler named {name!r} is already subscribed")
        self.by_name[name] = Subscription(name, event_cls, handler)

    def for_type(self, event_cls: type[Event]) -> list[Subscription]:
        return [s for s in self.by_name.values() if s.event_type is event_cls]


subscribers = Subscribers()


def subscribe(event_cls: type[EventT], handler: Callable[[EventT], None], *, name: str) -> None:
    """Run `handler(event)` after every committed publish of `event_cls`. Call from `AppConfig.ready()`."""
    subscribers.add(event_cls, handler, name=name)


class override:  # noqa: N801 - used like a function: `with events.override() as subs:`
    """For tests: an empty set of subscribers for the duration of the block, the real ones after."""

    def __enter__(self) -> Subscribers:
        global subscribers
        self._saved = subscribers
        subscribers = Subscribers()
        return subscribers

    def __exit__(self, *exc: object) -> None:
        global subscribers
        subscribers = self._saved


def current_subscribers() -> Subscribers:
    return subscribers


# --- publishing ------------------------------------------------------------------------------------------


DELIVER_TASK = "guanxi.core.tasks.deliver_event"


def publish(event: Event) -> int | None:
    """Store `event` and one delivery per subscribed handler in the current transaction; after the
    commit its deliveries run (a django-q2 job). Returns the outbox row's id, or None when no handler
    listens (nothing is stored then)."""
    if type(event).type_name not in _TYPES:
        raise TypeError(f"{type(event).__name__} is not a registered event type")
    handlers = subscribers.for_type(type(event))
    if not handlers:
        return None
    with transaction.atomic():
        row = OutboxEvent.objects.create(type=type(event).type_name, payload=to_json(event)["fields"])
        EventDelivery.objects.bulk_create([EventDelivery(event=row, handler=s.name) for s in handlers])
    event_id = row.pk
    transaction.on_commit(functools.partial(after_commit, event_id))
    return event_id


def after_commit(event_id: int) -> None:
    """Deliver an event once its writer committed: the django-q2 task `DELIVER_TASK` in a worker, or,
    with `GUANXI_EVENTS_INLINE` (tests), the same task function called here and now."""
    if settings.GUANXI_EVENTS_INLINE:
        import_string(DELIVER_TASK)(event_id)
    else:
        from django_q.tasks import async_task

        async_task(DELIVER_TASK, event_id, task_name=f"event-{event_id}", group="events")
