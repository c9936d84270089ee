"""The dashboards' figures: read from the metrics tables, the purchase summary and the orders, always
within the customers the user may see (``Customer.objects.visible_to``), never from another scope.

Each dashboard is a typed dataclass (the pages, the API and the exports share it) and each of its
tables a `Table` of typed cells, formatted for the page by the template and as plain text for
CSV/xlsx by `Table.text_rows`. Run-level facts that are not about customers (the fitted model
parameters, the clusters' centres) come from the current run; everything counted per customer is
counted again within the user's scope.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.accounts.choices import DataScope
from guanxi.analytics.choices import SEGMENT_STRATEGY, STAGE_STRATEGY, RunState, Segment, Stage
from guanxi.analytics.compute.concentration import value_concentration
from guanxi.analytics.models import AnalyticsRun, Cluster, CustomerMetrics, ProductPair, StageChange
from guanxi.customers.choices import Importance
from guanxi.customers.models import Customer
from guanxi.orders.choices import OrderKind, OrderStatus
from guanxi.orders.models import Category, Order, OrderLine, Product

if TYPE_CHECKING:
    from guanxi.accounts.models import User

CHURN_LIMIT = 50
PAIR_LIMIT = 50
PAIR_MIN_ORDERS = 3  # as the run's pairs: fewer orders with both say nothing
MOVEMENT_WEEKS = 8
COMPOSITION_DAYS = 365
COMPOSITION_GROUPS = 12  # categories and stores beyond these are summed as "Other"
TOP_FRACTION = 0.2
LORENZ_POINTS = 21  # every 5% of customers
CLV_BUCKETS = 10

# Words for the centroid features the clustering uses (keys of Cluster.centroid).
FEATURE_LABELS = {
    "recency_days": gettext_lazy("days since last purchase"),
    "frequency": gettext_lazy("purchase days"),
    "monetary": gettext_lazy("net spend"),
    "clv": gettext_lazy("customer lifetime value"),
}


# --- tables -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A table column: its heading and how its cells are written (text, int, money, pct, float, date, datetime)."""

    label: str
    kind: str = "text"


Cell = str | int | float | Decimal | dt.date | None


@dataclass(frozen=True)
class Table:
    """A dashboard's numbers as rows of typed cells; `name` is its export slug."""

    name: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    links: list[int | None] = field(default_factory=list)  # a customer id per row, for the page

    @property
    def header(self) -> list[str]:
        return [c.label for c in self.columns]

    def text_rows(self) -> list[list[str]]:
        """Cells as plain text for CSV and xlsx: numbers without currency signs or grouping."""
        return [[_plain(cell, col.kind) for cell, col in zip(row, self.columns, strict=True)] for row in self.rows]

    def page_rows(self) -> list[tuple[int | None, list[tuple[str, str]]]]:
        """Per row its customer id (or None) and (text, kind) per cell: ¥1,234.50, 12.3%, local dates."""
        links = self.links or [None] * len(self.rows)
        return [(link, [(_display(cell, col.kind), col.kind) for cell, col in zip(row, self.columns, strict=True)])
                for link, row in zip(links, self.rows, strict=True)]


def _plain(cell: Cell, kind: str) -> str:
    if cell is None:
        return ""
    if kind == "money":
        return f"{float(cell):.2f}"  # type: ignore[arg-type]
    if kind == "pct":
        return f"{float(cell) * 100:.1f}%"  # type: ignore[arg-type]
    if kind == "float":
        return f"{float(cell):.3f}"  # type: ignore[arg-type]
    if isinstance(cell, dt.datetime):
        return timezone.localtime(cell).strftime("%Y-%m-%d %H:%M")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


def _display(cell: Cell, kind: str) -> str:
    from django.utils.formats import date_format

    if cell is None:
        return "—"
    if kind == "money":
        return yuan(cell)  # type: ignore[arg-type]
    if kind == "int":
        return f"{int(cell):,}"  # type: ignore[arg-type]
    if isinstance(cell, dt.datetime):
        return date_format(timezone.localtime(cell), "DATE_FORMAT")
    if isinstance(cell, dt.date):
        return date_format(cell, "DATE_FORMAT")
    return _plain(cell, kind)


def yuan(value: float | Decimal | None) -> str:
    """¥1,234.50 (a negative amount as -¥12.00)."""
    if value is None:
        return "—"
    amount = float(value)
    return f"{'-' if amount < 0 else ''}¥{abs(amount):,.2f}"


# --- scope ----------------------------------------------------------------------------------------------


def visible_customers(user: User) -> QuerySet[Customer]:
    """The customers a dashboard covers: visible to the user and not archived (merged-away records are)."""
    return Customer.objects.visible_to(user).active()


def visible_metrics(user: User) -> QuerySet[CustomerMetrics]:
    return CustomerMetrics.objects.filter(customer__in=visible_customers(user).values("pk"))


def current_run() -> AnalyticsRun | None:
    """The run whose metrics are live."""
    return AnalyticsRun.objects.filter(is_current=True).first()


def latest_run() -> AnalyticsRun | None:
    """The newest run of any state (to show a queued or running run's progress)."""
    return AnalyticsRun.objects.order_by("-created_at", "-id").first()


def may_start_run(user: User) -> bool:
    """Managers (department scope) and administrators start runs; a rep's scope is own customers."""
    from guanxi.analytics.services import may_run

    return may_run(user)


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


# --- run ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    """The current (or latest) run as a dashboard shows it."""

    id: int
    state: str
    state_label: str
    trigger_label: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    progress: int
    progress_note: str
    until: dt.date | None
    unit: str
    is_current: bool
    customers_fitted: int | None  # all customers of the fit: administrators only
    bgnbd: dict[str, float] | None
    gamma_gamma: dict[str, float] | None
    gg_excluded: int | None
    error: str
    model_label: str = "BG/NBD"


def _numbers(value: Any) -> dict[str, float] | None:
    if not isinstance(value, dict):
        return None
    out: dict[str, float] = {}
    for key, number in value.items():
        if isinstance(number, int | float) and not isinstance(number, bool) and math.isfinite(float(number)):
            out[str(key)] = float(number)
    return out


def run_info(run: AnalyticsRun | None, *, user: User) -> RunInfo | None:
    if run is None:
        return None
    fitted = run.fitted if isinstance(run.fitted, dict) else {}
    customers = fitted.get("customers")
    excluded = fitted.get("gg_excluded")
    return RunInfo(
        id=run.pk, state=run.state, state_label=str(run.get_state_display()),  # type: ignore[attr-defined]
        trigger_label=str(run.get_trigger_display()),  # type: ignore[attr-defined]
        created_at=run.created_at, started_at=run.started_at, finished_at=run.finished_at,
        progress=run.progress, progress_note=run.progress_note, until=run.until, unit=run.unit,
        is_current=run.is_current,
        customers_fitted=int(customers) if user.is_administrator and isinstance(customers, int | float) else None,
        bgnbd=_numbers(fitted.get("bgnbd") or fitted.get("paretonbd")), gamma_gamma=_numbers(fitted.get("gamma_gamma")),
        model_label="Pareto/NBD" if fitted.get("model") == "paretonbd" else "BG/NBD",
        gg_excluded=int(excluded) if user.is_administrator and isinstance(excluded, int | float) else None,
        error=run.error if run.state == RunState.FAILED and user.is_administrator else "",
    )


# --- RFM, segments, clusters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    r_score: int
    f_score: int
    customers: int
    average_monetary: float | None

    @property
    def average_text(self) -> str:
        return yuan(self.average_monetary) if self.average_monetary is not None else ""


@dataclass(frozen=True)
class SegmentRow:
    key: str
    label: str
    customers: int
    share: float
    monetary: float
    average_monetary: float | None
    clv: float
    strategy: str


@dataclass(frozen=True)
class ClusterRow:
    number: int
    description: str
    customers: int
    share: float
    centroid: dict[str, float]


@dataclass(frozen=True)
class RfmFigures:
    customers: int
    cells: list[HeatCell]
    segments: list[SegmentRow]
    clusters: list[ClusterRow]

    @property
    def grid(self) -> list[tuple[int, list[HeatCell]]]:
        """The cells as rows of R score (5 first), each with F scores 1 to 5."""
        return [(r, [c for c in self.cells if c.r_score == r]) for r in range(5, 0, -1)]


def segment_rows(user: User) -> list[SegmentRow]:
    """All eight segments (zero rows included) with their size, spend, CLV and strategy."""
    found: dict[str, dict[str, Any]] = {row["segment"]: dict(row) for row in visible_metrics(user).values("segment").annotate(
        n=Count("pk"), m=Sum("monetary"), clv=Sum("clv")).order_by()}
    total = sum(row["n"] for row in found.values())
    rows = []
    for key, label in Segment.choices:
        row = found.get(key, {})
        n = int(row.get("n") or 0)
        monetary = float(row.get("m") or 0)
        rows.append(SegmentRow(key=key, label=str(label), customers=n, share=_share(n, total), monetary=monetary,
                               average_monetary=monetary / n if n else None, clv=float(row.get("clv") or 0),
                               strategy=str(SEGMENT_STRATEGY[key])))
    return rows


def rfm(user: User) -> RfmFigures:
    metrics = visible_metrics(user)
    found: dict[tuple[int, int], dict[str, Any]] = {(row["r_score"], row["f_score"]): dict(row) for row in metrics.values("r_score", "f_score").annotate(
        n=Count("pk"), m=Avg("monetary")).order_by()}
    cells = []
    for r in range(5, 0, -1):
        for f in range(1, 6):
            cell = found.get((r, f), {})
            cells.append(HeatCell(r_score=r, f_score=f, customers=int(cell.get("n") or 0),
                                  average_monetary=float(cell["m"]) if cell.get("m") is not None else None))
    segments = segment_rows(user)
    customers = sum(s.customers for s in segments)
    return RfmFigures(customers=customers, cells=cells, segments=segments, clusters=cluster_rows(user, customers))


def cluster_rows(user: User, customers: int) -> list[ClusterRow]:
    """The current run's clusters (description and centre are the run's), sized within the scope."""
    run = current_run()
    if run is None:
        return []
    sizes = dict(visible_metrics(user).filter(cluster__isnull=False).values_list("cluster").annotate(
        n=Count("pk")).order_by())
    rows = []
    for cluster in Cluster.objects.filter(run=run).order_by("number"):
        n = int(sizes.get(cluster.number, 0))
        rows.append(ClusterRow(number=cluster.number, description=cluster.description, customers=n,
                               share=_share(n, customers), centroid=_numbers(cluster.centroid) or {}))
    return rows


def rfm_tables(figures: RfmFigures) -> dict[str, Table]:
    heat = Table("rfm", _("RFM grid"), [
        Column(_("R score")), Column(_("F score")), Column(_("Customers"), "int"), Column(_("Average net spend"), "money"),
    ], [[c.r_score, c.f_score, c.customers, c.average_monetary] for c in figures.cells])
    return {"rfm": heat, "segments": segments_table(figures.segments), "clusters": clusters_table(figures.clusters)}


def segments_table(segments: Sequence[SegmentRow]) -> Table:
    return Table("segments", _("RFM segments"), [
        Column(_("Segment")), Column(_("Customers"), "int"), Column(_("Share"), "pct"), Column(_("Net spend"), "money"),
        Column(_("Average net spend"), "money"), Column(_("Customer lifetime value"), "money"),
        Column(_("Suggested strategy")),
    ], [[s.label, s.customers, s.share, s.monetary, s.average_monetary, s.clv, s.strategy] for s in segments])


def describe_centroid(centroid: dict[str, float]) -> str:
    parts = []
    for key, value in centroid.items():
        label = FEATURE_LABELS.get(key, key)
        parts.append(f"{label} {yuan(value) if key in ('monetary', 'clv') else f'{value:,.1f}'}")
    return " · ".join(parts)


def clusters_table(clusters: Sequence[ClusterRow]) -> Table:
    return Table("clusters", _("Clusters"), [
        Column(_("Cluster")), Column(_("Description")), Column(_("Customers"), "int"), Column(_("Share"), "pct"),
        Column(_("Centre")),
    ], [[c.number + 1, c.description, c.customers, c.share, describe_centroid(c.centroid)] for c in clusters])


# --- lifecycle ------------------------------------------------------------------------------------------


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
                     share=_share(found.get(key, 0), total), strategy=str(STAGE_STRATEGY[key]))
            for key, label in Stage.choices]


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def lifecycle(user: User, *, today: dt.date | None = None) -> LifecycleFigures:
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
        return customer.metrics.clv  # type: ignore[attr-defined, no-any-return]
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


# --- value: CLV, churn risk, Pareto ------------------------------------------------------------------------


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
        return yuan(self.clv_total)

    @property
    def risk_text(self) -> str:
        return yuan(self.value_at_risk_total)


STEPS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)


def _nice_edges(high: float, count: int, low: float = 0.0) -> list[float]:
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
    edges = _nice_edges(float(extent["high"]), CLV_BUCKETS, float(extent["low"]))
    if len(edges) == 1:  # every value at or below 0
        n = metrics.count()
        return [ClvBucket(low=0.0, high=None, label=f"≤ {yuan(0)}", customers=n)]
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


def value(user: User, *, limit: int = CHURN_LIMIT) -> ValueFigures:
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


# --- composition ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompositionRow:
    key: str
    label: str
    customers: int
    customer_share: float
    amount: float
    amount_share: float


@dataclass(frozen=True)
class CompositionFigures:
    since: dt.date
    until: dt.date
    customers: int
    amount: float
    importance: list[CompositionRow]
    category: list[CompositionRow]
    region: list[CompositionRow]
    store: list[CompositionRow]

    @property
    def amount_text(self) -> str:
        return yuan(self.amount)


def _composition(rows: Iterable[tuple[str, str, int, float]], *, customers: int, keep: int | None = None
                 ) -> list[CompositionRow]:
    """Rows (key, label, customers, amount), biggest amount first, the tail beyond `keep` summed as Other."""
    ordered = sorted(rows, key=lambda r: (-r[3], r[1]))
    if keep is not None and len(ordered) > keep:
        tail = ordered[keep:]
        ordered = [*ordered[:keep], ("other", _("Other"), -1, sum(r[3] for r in tail))]
    total = sum(r[3] for r in ordered)
    return [CompositionRow(key=k, label=label, customers=n, customer_share=_share(n, customers) if n >= 0 else 0.0,
                           amount=amount, amount_share=_share(amount, total))
            for k, label, n, amount in ordered]


def composition(user: User, *, today: dt.date | None = None) -> CompositionFigures:
    """Net sales (sales less returns, cancelled orders left out) of the last 12 months by the customers'
    importance class, the products' category, the stores' region and the store."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=COMPOSITION_DAYS - 1)
    orders = (Order.objects.filter(customer__in=visible_customers(user).values("pk"), ordered_on__gte=since,
                                   ordered_on__lte=today)
              .exclude(status=OrderStatus.CANCELLED))
    totals = orders.aggregate(n=Count("customer_id", distinct=True), amount=Sum("total_amount"))
    customers = int(totals["n"] or 0)

    importance_labels = dict(Importance.choices)
    by_importance = [(row["customer__importance"], str(importance_labels.get(row["customer__importance"], "—")),
                      row["n"], float(row["amount"] or 0))
                     for row in orders.values("customer__importance").annotate(
                         n=Count("customer_id", distinct=True), amount=Sum("total_amount")).order_by()]

    by_store = [(str(row["store_id"] or "none"), row["store__name"] or _("No store (online, phone …)"), row["n"],
                 float(row["amount"] or 0))
                for row in orders.values("store_id", "store__name").annotate(
                    n=Count("customer_id", distinct=True), amount=Sum("total_amount")).order_by()]
    by_region = [(str(row["store__region_id"] or "none"), row["store__region__name"] or _("No store (online, phone …)"),
                  row["n"], float(row["amount"] or 0))
                 for row in orders.values("store__region_id", "store__region__name").annotate(
                     n=Count("customer_id", distinct=True), amount=Sum("total_amount")).order_by()]

    lines = OrderLine.objects.filter(order__in=orders.values("pk"))
    names = dict(Category.objects.values_list("pk", "name"))
    by_category = [(str(row["product__category_id"] or "none"),
                    names.get(row["product__category_id"], _("No category")) if row["product__category_id"]
                    else _("No category"), row["n"], float(row["amount"] or 0))
                   for row in lines.values("product__category_id").annotate(
                       n=Count("order__customer_id", distinct=True), amount=Sum("amount")).order_by()]
    return CompositionFigures(
        since=since, until=today, customers=customers, amount=float(totals["amount"] or 0),
        importance=_composition(by_importance, customers=customers),
        category=_composition(by_category, customers=customers, keep=COMPOSITION_GROUPS),
        region=_composition(by_region, customers=customers, keep=COMPOSITION_GROUPS),
        store=_composition(by_store, customers=customers, keep=COMPOSITION_GROUPS),
    )


COMPOSITION_TITLES = {
    "importance": gettext_lazy("By importance class"),
    "category": gettext_lazy("By product category"),
    "region": gettext_lazy("By region"),
    "store": gettext_lazy("By store"),
}


def composition_tables(figures: CompositionFigures) -> dict[str, Table]:
    tables = {}
    for name, title in COMPOSITION_TITLES.items():
        rows: list[CompositionRow] = getattr(figures, name)
        tables[name] = Table(name, str(title), [
            Column(_("Group")), Column(_("Buying customers"), "int"), Column(_("Share of customers"), "pct"),
            Column(_("Net sales"), "money"), Column(_("Share of net sales"), "pct"),
        ], [[r.label, r.customers if r.customers >= 0 else None, r.customer_share if r.customers >= 0 else None,
             r.amount, r.amount_share] for r in rows])
    return tables


# --- bought together ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairRow:
    product_id: int
    product: str
    other_id: int
    other: str
    together: int
    support: float
    confidence: float
    lift: float


@dataclass(frozen=True)
class BasketFigures:
    scope: str  # "all": the current run's pairs over every order; "visible": counted in the user's orders
    orders: int | None
    pairs: list[PairRow]


def basket(user: User, *, limit: int = PAIR_LIMIT, today: dt.date | None = None) -> BasketFigures:
    """Top product pairs by lift. Administrators see the run's pairs over all orders; anyone else the
    pairs counted in SQL over the last 12 months of the orders of the customers they may see, so a
    rep's table says nothing about other reps' customers."""
    if user.data_scope == DataScope.ALL:
        run = current_run()
        if run is None:
            return BasketFigures(scope="all", orders=None, pairs=[])
        found = _one_direction([(p.product_id, p.other_id, p) for p in ProductPair.objects.filter(run=run)
                                .select_related("product", "other")
                                .order_by("-lift", "-confidence", "product_id", "other_id")[:2 * limit]], limit)
        return BasketFigures(scope="all", orders=None, pairs=[
            PairRow(product_id=p.product_id, product=p.product.name, other_id=p.other_id, other=p.other.name,
                    together=p.together, support=p.support, confidence=p.confidence, lift=p.lift) for p in found])
    return _visible_pairs(user, limit=limit, today=today or timezone.localdate())


def _visible_pairs(user: User, *, limit: int, today: dt.date) -> BasketFigures:
    since = today - dt.timedelta(days=COMPOSITION_DAYS - 1)
    orders = (Order.objects.filter(customer__in=visible_customers(user).values("pk"), kind=OrderKind.SALE,
                                   ordered_on__gte=since).exclude(status=OrderStatus.CANCELLED).values("pk"))
    lines = OrderLine.objects.filter(order__in=orders, quantity__gt=0).values("order_id", "product_id").distinct()
    inner, params = lines.query.sql_with_params()
    sql = f"""
        WITH ol AS ({inner}),
        pc AS (SELECT product_id, COUNT(*) AS n FROM ol GROUP BY product_id),
        total AS (SELECT COUNT(DISTINCT order_id) AS n FROM ol),
        pairs AS (
            SELECT a.product_id AS p, b.product_id AS q, COUNT(*) AS together
            FROM ol a JOIN ol b ON a.order_id = b.order_id AND a.product_id <> b.product_id
            GROUP BY a.product_id, b.product_id HAVING COUNT(*) >= %s
        )
        SELECT pairs.p, pairs.q, pairs.together, pa.n, pb.n, total.n
        FROM pairs JOIN pc pa ON pa.product_id = pairs.p JOIN pc pb ON pb.product_id = pairs.q CROSS JOIN total
        ORDER BY (1.0 * pairs.together * total.n) / (1.0 * pa.n * pb.n) DESC, pairs.together DESC, pa.n, pairs.p
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, PAIR_MIN_ORDERS, 2 * int(limit)])
        found = _one_direction([(r[0], r[1], r) for r in cursor.fetchall()], limit)
    names = dict(Product.objects.filter(pk__in={r[0] for r in found} | {r[1] for r in found})
                 .values_list("pk", "name"))
    n_orders = int(found[0][5]) if found else _order_count(orders)
    pairs = [PairRow(product_id=p, product=names.get(p, ""), other_id=q, other=names.get(q, ""), together=int(t),
                     support=t / n, confidence=t / na, lift=t * n / (na * nb))
             for p, q, t, na, nb, n in found]
    return BasketFigures(scope="visible", orders=n_orders, pairs=pairs)


def _one_direction(rows: list[tuple[int, int, Any]], limit: int) -> list[Any]:
    """A pair comes in both directions with the same lift; keep the first (the more confident) one."""
    seen: set[tuple[int, int]] = set()
    out = []
    for a, b, row in rows:
        key = (min(a, b), max(a, b))
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out[:limit]


def _order_count(orders: QuerySet[Any]) -> int:
    return Order.objects.filter(pk__in=orders).count()


def basket_tables(figures: BasketFigures) -> dict[str, Table]:
    return {"pairs": Table("pairs", _("Bought together"), [
        Column(_("Product")), Column(_("Bought with")), Column(_("Orders with both"), "int"),
        Column(_("Support"), "pct"), Column(_("Confidence"), "pct"), Column(_("Lift"), "float"),
    ], [[p.product, p.other, p.together, p.support, p.confidence, p.lift] for p in figures.pairs])}


# --- overview ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewFigures:
    run: RunInfo | None
    latest: RunInfo | None
    customers: int
    clv_total: float
    value_at_risk_total: float
    segments: list[SegmentRow]
    stages: list[StageRow]

    @property
    def clv_text(self) -> str:
        return yuan(self.clv_total)

    @property
    def risk_text(self) -> str:
        return yuan(self.value_at_risk_total)

    @property
    def decline(self) -> int:
        return next(s.customers for s in self.stages if s.key == Stage.DECLINE)


def overview(user: User) -> OverviewFigures:
    current = current_run()
    latest = latest_run()
    totals = visible_metrics(user).aggregate(n=Count("pk"), clv=Sum("clv"), risk=Sum("value_at_risk"))
    return OverviewFigures(
        run=run_info(current, user=user),
        latest=run_info(latest, user=user) if latest is not None and latest != current else None,
        customers=int(totals["n"] or 0), clv_total=float(totals["clv"] or 0),
        value_at_risk_total=float(totals["risk"] or 0), segments=segment_rows(user), stages=stage_rows(user),
    )


# --- model fit (administrators) ------------------------------------------------------------------------


@dataclass(frozen=True)
class FitFigures:
    """How well the purchase model fits, from the newest finished run that was calibrated on orders
    (`guanxi analytics run --until … --holdout-days …`): fitted over every customer, so shown to
    administrators only."""

    run_id: int
    calibration_end: dt.date | None
    holdout_days: int
    tracking: list[tuple[dt.date, int, float]]  # week, actual and expected cumulative repeat purchase days
    holdout: list[tuple[int, int, float, float]]  # calibration repeat purchases, customers, predicted, actual


FIT_RUNS_SCANNED = 30


def fit(user: User) -> FitFigures | None:
    if not user.is_administrator:
        return None
    runs = AnalyticsRun.objects.filter(state=RunState.DONE).order_by("-finished_at", "-id")[:FIT_RUNS_SCANNED]
    for run in runs.only("id", "diagnostics", "holdout_days"):
        diagnostics = run.diagnostics if isinstance(run.diagnostics, dict) else {}
        tracking, holdout = diagnostics.get("tracking"), diagnostics.get("holdout")
        if not isinstance(tracking, dict) and not isinstance(holdout, dict):
            continue
        return FitFigures(
            run_id=run.pk, holdout_days=int(run.holdout_days or 0),
            calibration_end=_date(tracking.get("calibration_end")) if isinstance(tracking, dict) else None,
            tracking=_tracking_rows(tracking) if isinstance(tracking, dict) else [],
            holdout=_holdout_rows(holdout) if isinstance(holdout, dict) else [],
        )
    return None


def _date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _tracking_rows(tracking: dict[str, Any]) -> list[tuple[dt.date, int, float]]:
    rows = []
    for day, actual, expected in zip(tracking.get("dates", []), tracking.get("actual", []),
                                     tracking.get("expected", []), strict=False):
        when = _date(day)
        if when is not None:
            rows.append((when, int(actual), float(expected)))
    return rows


def _holdout_rows(holdout: dict[str, Any]) -> list[tuple[int, int, float, float]]:
    return [(int(f), int(n), float(p), float(a)) for f, n, p, a in zip(
        holdout.get("frequency", []), holdout.get("customers", []), holdout.get("predicted", []),
        holdout.get("actual", []), strict=False)]


def fit_tables(figures: FitFigures | None) -> dict[str, Table]:
    tracking, holdout = (figures.tracking, figures.holdout) if figures else ([], [])
    return {
        "fit_tracking": Table("fit_tracking", _("Repeat purchases over time: actual and expected"), [
            Column(_("Week ending")), Column(_("Actual (cumulative)"), "int"),
            Column(_("Expected by the model"), "float")], [list(row) for row in tracking]),
        "fit_holdout": Table("fit_holdout", _("Calibration vs hold-out"), [
            Column(_("Repeat purchases in calibration")), Column(_("Customers"), "int"),
            Column(_("Predicted purchases in hold-out (mean)"), "float"),
            Column(_("Actual purchases in hold-out (mean)"), "float")],
            [[f"{f}+" if f == 7 else str(f), n, p, a] for f, n, p, a in holdout]),
    }


# --- exports -----------------------------------------------------------------------------------------------

# Export slug → (the figures it needs, the tables built from them).
EXPORTS: dict[str, Callable[[User], Table]] = {
    "rfm": lambda user: rfm_tables(rfm(user))["rfm"],
    "segments": lambda user: segments_table(segment_rows(user)),
    "clusters": lambda user: clusters_table(cluster_rows(user, visible_metrics(user).count())),
    "stages": lambda user: lifecycle_tables(lifecycle(user))["stages"],
    "movements": lambda user: lifecycle_tables(lifecycle(user))["movements"],
    "decline": lambda user: lifecycle_tables(lifecycle(user))["decline"],
    "clv": lambda user: value_tables(ValueFigures(0, 0, 0, clv_buckets(user), [], pareto_empty()))["clv"],
    "churn": lambda user: value_tables(ValueFigures(0, 0, 0, [], churn_rows(user, limit=1000), pareto_empty()))[
        "churn"],
    "pareto": lambda user: value_tables(ValueFigures(0, 0, 0, [], [], pareto(user)))["pareto"],
    **{name: (lambda user, name=name: composition_tables(composition(user))[name])  # type: ignore[misc]
       for name in COMPOSITION_TITLES},
    "pairs": lambda user: basket_tables(basket(user))["pairs"],
    "fit_tracking": lambda user: fit_tables(fit(user))["fit_tracking"],
    "fit_holdout": lambda user: fit_tables(fit(user))["fit_holdout"],
}


def pareto_empty() -> ParetoFigures:
    return ParetoFigures(customers=0, total=0.0, top_fraction=TOP_FRACTION, top_customers=0, top_share=0.0,
                         gini=0.0, lorenz=[])


def export_table(user: User, name: str) -> Table | None:
    build = EXPORTS.get(name)
    return build(user) if build is not None else None
