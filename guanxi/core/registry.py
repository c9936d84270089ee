"""Extension points: later apps plug into the customer archive here, so `customers` imports none of them.

Apps register in their `AppConfig.ready()`. The registries are filled once at start-up and only
read afterwards, so they are safe to share between requests and threads; a test that needs other
entries swaps them for its duration with `registry.override(...)`, never by mutating them.

`core` cannot name the customer or user models (it imports no domain app), and a callback's
parameter is contravariant: a protocol that asked for `models.Model` would refuse the apps' functions
that take a `Customer`. So the customer and user parameters below are `Any`, and every other part
of a callback's signature is typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import QuerySet
from django.db.models.expressions import BaseExpression, Combinable
from django.http import HttpRequest
from django.utils.functional import Promise

from guanxi.core.bulk import Deferrer

Label = str | Promise


class TabContext(Protocol):
    """Builds a customer tab's template context: (request, customer[, form]) -> context."""

    def __call__(self, request: HttpRequest, customer: Any, /) -> dict[str, Any]: ...


class PanelContext(Protocol):
    def __call__(self, request: HttpRequest, /) -> dict[str, Any]: ...


class FilterChoices(Protocol):
    """The choices of an extra list filter for this user (value, label)."""

    def __call__(self, user: Any, /) -> list[tuple[str, str]]: ...


class QuerySetNarrowing(Protocol):
    """Narrows the customer list's queryset by the submitted value of a filter."""

    def __call__(self, qs: QuerySet[Any], value: str, /) -> QuerySet[Any]: ...


class Annotating(Protocol):
    """Adds annotations to the customer list's queryset (in the same query, never one per row)."""

    def __call__(self, qs: QuerySet[Any], /) -> QuerySet[Any]: ...


class CellValue(Protocol):
    """The text (or safe HTML) of a list cell for one customer row, read from its annotations."""

    def __call__(self, row: Any, /) -> str: ...


class SortKey(Protocol):
    """A never-NULL expression over the customer row, for sorting and keyset paging."""

    def __call__(self) -> BaseExpression | Combinable: ...


class MissingAnnotation(ImproperlyConfigured):
    """A list column reads an annotation that nothing added to the list's queryset."""


def _unchanged(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs


@dataclass(frozen=True)
class CustomerTab:
    """A tab on the customer page (客户360). `context` builds the template's context."""

    key: str
    label: Label
    template: str
    context: TabContext
    order: int = 100


@dataclass(frozen=True)
class TimelineEntry:
    """One event on a customer's timeline, from whichever app owns it."""

    at: dt.datetime
    kind: str
    title: str
    body: str = ""
    url: str = ""
    actor: str = ""


class TimelineSource(Protocol):
    """(customer, user, before, limit) -> newest-first entries older than `before`."""

    def __call__(self, customer: Any, user: Any, before: dt.datetime | None, limit: int, /) -> list[TimelineEntry]: ...


@dataclass(frozen=True)
class HomePanel:
    """A panel on the home page (today's tasks, the reminder digest …); `context` builds its context."""

    key: str
    template: str
    context: PanelContext
    order: int = 100


@dataclass(frozen=True)
class ListFilter:
    """An extra filter on the customer list; `apply` narrows the queryset by the submitted value."""

    key: str
    label: Label
    choices: FilterChoices
    apply: QuerySetNarrowing


@dataclass(frozen=True)
class ListColumn:
    """An extra column on the customer list.

    `reads` names the annotations `value` reads from a row, and `annotate` adds them, in the same
    query: the list's selector applies every column's `annotate` (a function shared by several
    columns once) and refuses (`MissingAnnotation`) a column whose `reads` the queryset lacks, so a
    missing annotation is an error, not a cell silently showing 0.

    A column with `sort_key` sorts the list: `sort_key()` returns an expression over the customer
    row that is never NULL (coalesce the missing to a sentinel, so that keyset paging can compare
    it), and the list offers the sorts `key` and `-key` (in the UI and the API's `sort`).
    """

    key: str
    label: Label
    value: CellValue
    annotate: Annotating = _unchanged
    reads: tuple[str, ...] = ()
    sort_key: SortKey | None = None


@dataclass(frozen=True)
class Reminder:
    """Something a user should prepare for on a date (a birthday, a maturity, a holiday)."""

    on: dt.date
    kind: str
    title: str
    customer_id: int | None = None
    url: str = ""


class ReminderSource(Protocol):
    """(user, start, end) -> the user's reminders in [start, end]."""

    def __call__(self, user: Any, start: dt.date, end: dt.date, /) -> list[Reminder]: ...


class DemoProgress(Protocol):
    """(generator name, done, total, note) -> None: how far a demo generator has got."""

    def __call__(self, name: str, done: int, total: int, note: str, /) -> None: ...


def _no_progress(name: str, done: int, total: int, note: str, /) -> None:
    return None


@dataclass
class DemoContext:
    """What `guanxi demo` has built so far, handed to each app's generator in order.

    A generator reports how far it has got with `progress(name, done, total)` (its own name, units
    of its choice; `note` says what it is doing when that is not generating rows: "rebuilding indexes"),
    as often as it likes: `guanxi demo` draws one progress bar per generator from it, and the tests'
    contexts ignore it.
    """

    seed: int
    customers: int
    using: str = "default"
    stdout: Callable[[str], None] = print
    data: dict[str, Any] = field(default_factory=dict)
    on_progress: DemoProgress = _no_progress
    # Runs work later on another connection while the next generators go on (`guanxi demo` on
    # PostgreSQL: index rebuilds, see `core.bulk.bulk_load`); None runs such work in place.
    defer: Deferrer | None = None

    def progress(self, name: str, done: int, total: int, note: str = "") -> None:
        self.on_progress(name, done, total, note)


@dataclass(frozen=True)
class DemoGenerator:
    name: str
    order: int
    run: Callable[[DemoContext], None]


@dataclass(frozen=True)
class CustomerReference:
    """A model field pointing at a customer, with what merge, erase and export do with it.

    Foreign keys are discovered from `Customer._meta.related_objects`; register here only what
    needs behaviour other than "move the row to the surviving customer" (or a non-FK reference).
    """

    model: type[models.Model]
    field: str
    on_merge: str = "move"  # "move" | "delete" | "custom"
    merge: Callable[[int, int], None] | None = None
    export: Callable[[int], Iterable[dict[str, Any]]] | None = None
    erase: Callable[[int], None] | None = None


@dataclass(frozen=True)
class SensitiveField:
    """A customer value shown masked to everyone; `reveal` returns the clear value, and is logged."""

    key: str
    label: Label
    reveal: Callable[[Any], Any]


class EditApplies(Protocol):
    """Which of the changed customer fields (service names: name, owner, importance …) this actor may
    not edit directly; an empty set lets the edit through."""

    def __call__(self, actor: Any, customer: Any, fields: frozenset[str]) -> Iterable[str]: ...


class EditSubmit(Protocol):
    """Turn the gated changes (field → submitted value) into a request; returns the request's id."""

    def __call__(self, actor: Any, customer: Any, changes: dict[str, Any]) -> str: ...


@dataclass(frozen=True)
class EditPolicy:
    """An edit gate: for some actors some customer fields are not edited but requested (approval).

    `customers.services.customer_update` asks every policy; gated fields are left out of the write
    and handed to `submit`, and the caller learns which fields became which request.
    """

    key: str
    applies: EditApplies
    submit: EditSubmit


@dataclass(frozen=True)
class EditRequest:
    """What a gated edit became: the policy, the fields it held back, the request's id in its app."""

    policy: str
    fields: tuple[str, ...]
    request_id: str


class HandoverMove(Protocol):
    """Move what belonged to each customer's previous account manager to the new one.

    `previous` maps customer id → the previous owner's user id; returns how many rows moved. Runs
    inside the handover's transaction.
    """

    def __call__(self, previous: dict[int, int], to_owner_id: int) -> int: ...


@dataclass(frozen=True)
class HandoverSource:
    """Something that belongs to a customer's account manager (open tasks, today's appointments,
    later tickets, workflow steps, opportunities) and moves with the customer on a handover."""

    key: str
    label: Label
    move: HandoverMove


class ImportTargetEntry(Protocol):
    """What the registry needs of an import target; the engine's full protocol is
    `guanxi.imports.targets.ImportTarget`."""

    @property
    def key(self) -> str: ...

    @property
    def order(self) -> int: ...


class Registry:
    """All extension points in one place."""

    def __init__(self) -> None:
        self.customer_tabs: list[CustomerTab] = []
        self.timeline_sources: list[TimelineSource] = []
        self.list_filters: list[ListFilter] = []
        self.list_columns: list[ListColumn] = []
        self.reminder_sources: list[ReminderSource] = []
        self.demo_generators: list[DemoGenerator] = []
        self.customer_references: list[CustomerReference] = []
        self.sensitive_fields: dict[str, SensitiveField] = {}
        self.home_panels: list[HomePanel] = []
        self.edit_policies: list[EditPolicy] = []
        self.handover_sources: list[HandoverSource] = []
        self.import_targets: list[ImportTargetEntry] = []

    def add_edit_policy(self, policy: EditPolicy) -> None:
        if any(p.key == policy.key for p in self.edit_policies):
            raise ValueError(f"edit policy {policy.key!r} registered twice")
        self.edit_policies.append(policy)

    def add_handover_source(self, source: HandoverSource) -> None:
        if any(s.key == source.key for s in self.handover_sources):
            raise ValueError(f"handover source {source.key!r} registered twice")
        self.handover_sources.append(source)

    @contextmanager
    def override(self, **entries: Any) -> Iterator[Registry]:
        """For tests: replace some registries (by attribute name) for the duration, then restore them.

            with registry.override(reminder_sources=[*registry.reminder_sources, source]): ...
            with registry.override(list_columns=[ListColumn(...)]): ...
        """
        unknown = sorted(name for name in entries if not isinstance(getattr(self, name, None), (list, dict)))
        if unknown:
            raise AttributeError(f"no registry named {', '.join(unknown)}")
        saved = {name: getattr(self, name) for name in entries}
        try:
            for name, value in entries.items():
                setattr(self, name, type(saved[name])(value))
            yield self
        finally:
            for name, value in saved.items():
                setattr(self, name, value)

    def add_import_target(self, target: ImportTargetEntry) -> None:
        if any(t.key == target.key for t in self.import_targets):
            raise ValueError(f"import target {target.key!r} registered twice")
        self.import_targets.append(target)
        self.import_targets.sort(key=lambda t: (t.order, t.key))

    def annotate_list(self, qs: QuerySet[Any], columns: Iterable[ListColumn]) -> QuerySet[Any]:
        """The customer list's queryset with what `columns` read; `MissingAnnotation` if any is missing."""
        columns = list(columns)
        applied: list[Annotating] = []
        for column in columns:
            if column.annotate is not _unchanged and column.annotate not in applied:
                qs = column.annotate(qs)
                applied.append(column.annotate)
        missing = [(c.key, name) for c in columns for name in c.reads if name not in qs.query.annotations]
        if missing:
            raise MissingAnnotation("list column reads an annotation nobody adds: " + ", ".join(
                f"{key} reads {name!r}" for key, name in missing))
        return qs

    def add_home_panel(self, panel: HomePanel) -> None:
        if any(p.key == panel.key for p in self.home_panels):
            raise ValueError(f"home panel {panel.key!r} registered twice")
        self.home_panels.append(panel)
        self.home_panels.sort(key=lambda p: (p.order, p.key))

    def add_customer_tab(self, tab: CustomerTab) -> None:
        if any(t.key == tab.key for t in self.customer_tabs):
            raise ValueError(f"customer tab {tab.key!r} registered twice")
        self.customer_tabs.append(tab)
        self.customer_tabs.sort(key=lambda t: (t.order, t.key))

    def add_timeline_source(self, source: TimelineSource) -> None:
        self.timeline_sources.append(source)

    def add_list_filter(self, list_filter: ListFilter) -> None:
        self.list_filters.append(list_filter)

    def add_list_column(self, column: ListColumn) -> None:
        if any(c.key == column.key for c in self.list_columns):
            raise ValueError(f"list column {column.key!r} registered twice")
        self.list_columns.append(column)

    def list_sort(self, name: str) -> ListColumn | None:
        """The sortable column that a sort name (`key` or `-key`) names, if any."""
        key = name.removeprefix("-")
        return next((c for c in self.list_columns if c.key == key and c.sort_key is not None), None)

    def list_sort_names(self) -> list[str]:
        return [name for c in self.list_columns if c.sort_key is not None for name in (c.key, f"-{c.key}")]

    def add_reminder_source(self, source: ReminderSource) -> None:
        self.reminder_sources.append(source)

    def add_demo_generator(self, generator: DemoGenerator) -> None:
        if any(g.name == generator.name for g in self.demo_generators):
            raise ValueError(f"demo generator {generator.name!r} registered twice")
        self.demo_generators.append(generator)
        self.demo_generators.sort(key=lambda g: (g.order, g.name))

    def add_customer_reference(self, reference: CustomerReference) -> None:
        self.customer_references.append(reference)

    def add_sensitive_field(self, sensitive: SensitiveField) -> None:
        if sensitive.key in self.sensitive_fields:
            raise ValueError(f"sensitive field {sensitive.key!r} registered twice")
        self.sensitive_fields[sensitive.key] = sensitive

    def tab(self, key: str) -> CustomerTab | None:
        return next((t for t in self.customer_tabs if t.key == key), None)

    def timeline(
        self, customer: Any, user: Any, before: dt.datetime | None = None, limit: int = 20
    ) -> list[TimelineEntry]:
        entries: list[TimelineEntry] = []
        for source in self.timeline_sources:
            entries.extend(source(customer, user, before, limit))
        entries.sort(key=lambda e: e.at, reverse=True)
        return entries[:limit]

    def reminders(self, user: Any, start: dt.date, end: dt.date) -> list[Reminder]:
        found: list[Reminder] = []
        for source in self.reminder_sources:
            found.extend(source(user, start, end))
        return sorted(found, key=lambda r: (r.on, r.title))


registry = Registry()
