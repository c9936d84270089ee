"""The lifecycle dashboard: customers by stage, weekly movements between stages, the declining."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.analytics.choices import STAGE_STRATEGY, Stage
from guanxi.analytics.dashboards.scope import (
    CHURN_LIMIT,
    MOVEMENT_WEEKS,
    share,
    visible_customers,
    visible_metrics,
)
from guanxi.analytics.dashboards.tables import Column, Table
from guanxi.analytics.models import CustomerMetrics, StageChange
from guanxi.customers.models import Customer

if TYPE_CHECKING:
    from guanxi.accounts.models import User


@dataclass(frozen=True)
class StageRow:
    key: str
    label: str
    customers: int
    share: float
    strategy: str


@dataclass(frozen=True)
class WeekRow:
    week: dt.date
    exploration: int
    development: int
    stable: int
    decline: int


@dataclass(frozen=True)
class MovedRow:
    customer_id: int
    name: str
    owner: str
    from_stage: str | None  # None: the customer's first stage
    to_stage: str
    at: dt.datetime
    clv: float | None


@dataclass(frozen=True)
class LifecycleFigures:
    customers: int
    stages: list[StageRow]
    weeks: list[WeekRow]
    week_start: dt.date
    moved_into_decline: list[MovedRow]


def stage_rows(user: User) -> list[StageRow]:
    found = dict(visible_metrics(user).values_list("stage").annotate(n=Count("pk")).order_by())
    total = sum(found.values())
    return [StageRow(key=key, label=str(label), customers=int(found.get(key, 0)),
                     share=share(found.get(key, 0), total), strategy=str(STAGE_STRATEGY[key]))
            for key, label in Stage.choices]


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def lifecycle_figures(user: User, *, today: dt.date | None = None) -> LifecycleFigures:
    today = today or timezone.localdate()
    this_week = _week_start(today)
    first = this_week - dt.timedelta(weeks=MOVEMENT_WEEKS - 1)
    since = dt.datetime.combine(first, dt.time.min, tzinfo=_zone())
    changes = StageChange.objects.filter(customer__in=visible_customers(user).values("pk"), at__gte=since)
    counts: dict[tuple[dt.date, str], int] = {}
    for row in (changes.annotate(week=TruncWeek("at", tzinfo=_zone())).values("week", "to_stage")
                .annotate(n=Count("pk")).order_by()):
        week = row["week"]
        day = timezone.localtime(week, _zone()).date() if isinstance(week, dt.datetime) else week
        counts[(day, row["to_stage"])] = counts.get((day, row["to_stage"]), 0) + row["n"]
    weeks = []
    for i in range(MOVEMENT_WEEKS):
        week = first + dt.timedelta(weeks=i)
        weeks.append(WeekRow(week=week, **{key: counts.get((week, key), 0) for key in Stage.values}))
    into_decline = (changes.filter(to_stage=Stage.DECLINE, at__gte=dt.datetime.combine(
        this_week, dt.time.min, tzinfo=_zone())).select_related("customer__owner", "customer__metrics")
        .order_by(F("customer__metrics__clv").desc(nulls_last=True), "-at", "pk")[:CHURN_LIMIT])
    stage_labels = dict(Stage.choices)
    moved = [MovedRow(customer_id=c.customer_id, name=c.customer.name, owner=str(c.customer.owner or ""),
                      from_stage=str(stage_labels[c.from_stage]) if c.from_stage in stage_labels else None, to_stage=str(stage_labels[c.to_stage]),
                      at=c.at, clv=_metrics_clv(c.customer)) for c in into_decline]
    stages = stage_rows(user)
    return LifecycleFigures(customers=sum(s.customers for s in stages), stages=stages, weeks=weeks,
                            week_start=this_week, moved_into_decline=moved)


def _metrics_clv(customer: Customer) -> float | None:
    try:
        return customer.metrics.clv
    except CustomerMetrics.DoesNotExist:
        return None


def lifecycle_tables(figures: LifecycleFigures) -> dict[str, Table]:
    stage_labels = dict(Stage.choices)
    return {
        "stages": Table("stages", _("Lifecycle stages"), [
            Column(_("Lifecycle stage")), Column(_("Customers"), "int"), Column(_("Share"), "pct"),
            Column(_("Suggested strategy")),
        ], [[s.label, s.customers, s.share, s.strategy] for s in figures.stages]),
        "movements": Table("movements", _("Moves into each stage per week"), [
            Column(_("Week of")), *[Column(str(stage_labels[key]), "int") for key in Stage.values],
        ], [[w.week, w.exploration, w.development, w.stable, w.decline] for w in figures.weeks]),
        "decline": Table("decline", _("Moved into decline this week"), [
            Column(_("Customer")), Column(_("Account manager")), Column(_("From")), Column(_("On"), "datetime"),
            Column(_("Customer lifetime value"), "money"),
        ], [[m.name, m.owner, m.from_stage, m.at, m.clv] for m in figures.moved_into_decline],
            [m.customer_id for m in figures.moved_into_decline]),
    }
