"""The value dashboard: CLV buckets, churn risk, and the Pareto (Lorenz) concentration of spend."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils.translation import gettext as _

from guanxi.analytics.choices import Segment, Stage
from guanxi.analytics.compute.concentration import value_concentration
from guanxi.analytics.dashboards.scope import (
    CHURN_LIMIT,
    CLV_BUCKETS,
    LORENZ_POINTS,
    TOP_FRACTION,
    visible_metrics,
)
from guanxi.analytics.dashboards.tables import Column, Table
from guanxi.core.money import format_money

if TYPE_CHECKING:
    from guanxi.accounts.models import User


@dataclass(frozen=True)
class ClvBucket:
    low: float
    high: float | None
    label: str
    customers: int


@dataclass(frozen=True)
class ChurnRow:
    customer_id: int
    name: str
    code: str
    owner: str
    segment: str
    stage: str
    p_alive: float
    clv: float | None
    value_at_risk: float | None
    last_purchase_days: int
    last_contact: dt.datetime | None


@dataclass(frozen=True)
class LorenzPoint:
    population: float
    value: float


@dataclass(frozen=True)
class ParetoFigures:
    customers: int
    total: float
    top_fraction: float
    top_customers: int
    top_share: float
    gini: float
    lorenz: list[LorenzPoint]

    @property
    def top_share_text(self) -> str:
        return f"{self.top_share * 100:.1f}%"


@dataclass(frozen=True)
class ValueFigures:
    customers: int
    clv_total: float
    value_at_risk_total: float
    buckets: list[ClvBucket]
    churn: list[ChurnRow]
    pareto: ParetoFigures

    @property
    def clv_text(self) -> str:
        return format_money(self.clv_total)

    @property
    def risk_text(self) -> str:
        return format_money(self.value_at_risk_total)


STEPS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)


def nice_edges(high: float, count: int, low: float = 0.0) -> list[float]:
    """Bucket edges 0, then round numbers (1, 1.5, 2, 3, 5, 7 × 10ⁿ) from just above `low` to at least
    `high`; at most `count` buckets, the widest dropped from the bottom (CLV is skewed, so the top
    matters most)."""
    if high <= 0:
        return [0.0]
    series: list[float] = []
    exponent = 0
    while not series or series[-1] < high:
        series.extend(step * 10.0 ** exponent for step in STEPS)
        exponent += 1
    top = next(i for i, edge in enumerate(series) if edge >= high)
    bottom = next((i for i, edge in enumerate(series) if edge > low), 0)
    edges = series[bottom:top + 1][-count:]
    return [0.0, *edges]


def clv_buckets(user: User) -> list[ClvBucket]:
    """Customers per CLV bucket; the first bucket also holds values below 0, the last the maximum."""
    metrics = visible_metrics(user).filter(clv__isnull=False)
    extent = metrics.aggregate(low=Min("clv"), high=Max("clv"))
    if extent["high"] is None:
        return []
    edges = nice_edges(float(extent["high"]), CLV_BUCKETS, float(extent["low"]))
    if len(edges) == 1:  # every value at or below 0
        n = metrics.count()
        return [ClvBucket(low=0.0, high=None, label=f"≤ {format_money(0)}", customers=n)]
    aggregates: dict[str, Any] = {}
    last = len(edges) - 2
    for i in range(len(edges) - 1):
        condition = Q(clv__gte=edges[i]) if i > 0 else Q()
        if i < last:
            condition &= Q(clv__lt=edges[i + 1])
        aggregates[f"b{i}"] = Count("pk", filter=condition) if condition else Count("pk")
    counts = metrics.aggregate(**aggregates)
    return [ClvBucket(low=edges[i], high=edges[i + 1], label=f"¥{edges[i]:,.0f}–{edges[i + 1]:,.0f}",
                      customers=int(counts[f"b{i}"] or 0)) for i in range(len(edges) - 1)]


def churn_rows(user: User, *, limit: int = CHURN_LIMIT) -> list[ChurnRow]:
    """Customers ranked by value at risk (CLV × (1 − P(alive))), with their owner and last contact."""
    rows = (visible_metrics(user).filter(value_at_risk__gte=0.01)  # at least one fen
            .select_related("customer__owner", "customer__contact_summary")
            .order_by(F("value_at_risk").desc(), "customer_id")[:limit])
    segments, stages = dict(Segment.choices), dict(Stage.choices)
    out = []
    for m in rows:
        customer = m.customer
        try:
            last_contact = customer.contact_summary.last_at
        except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist: never contacted
            last_contact = None
        out.append(ChurnRow(customer_id=customer.pk, name=customer.name, code=customer.code,
                            owner=str(customer.owner or ""), segment=str(segments.get(m.segment, m.segment)),
                            stage=str(stages.get(m.stage, m.stage)), p_alive=m.p_alive, clv=m.clv,
                            value_at_risk=m.value_at_risk, last_purchase_days=m.recency_days,
                            last_contact=last_contact))
    return out


def pareto(user: User) -> ParetoFigures:
    """The 80/20 check on net spend: the top 20% of the scope's customers and their share, a Lorenz curve."""
    values = np.fromiter((float(v) for v in visible_metrics(user).values_list("monetary", flat=True).iterator(
        chunk_size=10_000)), dtype=np.float64)
    if values.size == 0:
        return ParetoFigures(customers=0, total=0.0, top_fraction=TOP_FRACTION, top_customers=0, top_share=0.0,
                             gini=0.0, lorenz=[])
    c = value_concentration(values, top_fraction=TOP_FRACTION, points=LORENZ_POINTS)
    return ParetoFigures(customers=int(values.size), total=c.total, top_fraction=c.top_fraction,
                         top_customers=c.n_top, top_share=c.top_share, gini=c.gini,
                         lorenz=[LorenzPoint(population=round(float(p), 4), value=round(float(v), 6))
                                 for p, v in zip(c.lorenz_population, c.lorenz_value, strict=True)])


def value_figures(user: User, *, limit: int = CHURN_LIMIT) -> ValueFigures:
    totals = visible_metrics(user).aggregate(n=Count("pk"), clv=Sum("clv"), risk=Sum("value_at_risk"))
    return ValueFigures(customers=int(totals["n"] or 0), clv_total=float(totals["clv"] or 0),
                        value_at_risk_total=float(totals["risk"] or 0), buckets=clv_buckets(user),
                        churn=churn_rows(user, limit=limit), pareto=pareto(user))


def value_tables(figures: ValueFigures) -> dict[str, Table]:
    p = figures.pareto
    return {
        "clv": Table("clv", _("Customer lifetime value distribution"), [
            Column(_("Customer lifetime value")), Column(_("Customers"), "int"),
        ], [[b.label, b.customers] for b in figures.buckets]),
        "churn": Table("churn", _("Churn risk: customers to win back"), [
            Column(_("Customer")), Column(_("Customer code")), Column(_("Account manager")), Column(_("RFM segment")),
            Column(_("Lifecycle stage")), Column(_("Probability alive"), "pct"),
            Column(_("Customer lifetime value"), "money"), Column(_("Value at risk"), "money"),
            Column(_("Days since last purchase"), "int"), Column(_("Last contact"), "datetime"),
        ], [[c.name, c.code, c.owner, c.segment, c.stage, c.p_alive, c.clv, c.value_at_risk, c.last_purchase_days,
             c.last_contact] for c in figures.churn], [c.customer_id for c in figures.churn]),
        "pareto": Table("pareto", _("Lorenz curve of net spend"), [
            Column(_("Share of customers (lowest spend first)"), "pct"), Column(_("Share of net spend"), "pct"),
        ], [[pt.population, pt.value] for pt in p.lorenz]),
    }
