"""The RFM dashboard: the recency × frequency heat map, segments and clusters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Avg, Count, Sum
from django.utils.translation import gettext as _

from guanxi.analytics.choices import SEGMENT_STRATEGY, Segment
from guanxi.analytics.dashboards.run import numbers
from guanxi.analytics.dashboards.scope import FEATURE_LABELS, current_run, share, visible_metrics
from guanxi.analytics.dashboards.tables import Column, Table
from guanxi.analytics.models import Cluster
from guanxi.core.money import format_money

if TYPE_CHECKING:
    from guanxi.accounts.models import User


@dataclass(frozen=True)
class HeatCell:
    r_score: int
    f_score: int
    customers: int
    average_monetary: float | None

    @property
    def average_text(self) -> str:
        return format_money(self.average_monetary) if self.average_monetary is not None else ""


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
        rows.append(SegmentRow(key=key, label=str(label), customers=n, share=share(n, total), monetary=monetary,
                               average_monetary=monetary / n if n else None, clv=float(row.get("clv") or 0),
                               strategy=str(SEGMENT_STRATEGY[key])))
    return rows


def rfm_figures(user: User) -> RfmFigures:
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
                               share=share(n, customers), centroid=numbers(cluster.centroid) or {}))
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
        parts.append(f"{label} {format_money(value) if key in ('monetary', 'clv') else f'{value:,.1f}'}")
    return " · ".join(parts)


def clusters_table(clusters: Sequence[ClusterRow]) -> Table:
    return Table("clusters", _("Clusters"), [
        Column(_("Cluster")), Column(_("Description")), Column(_("Customers"), "int"), Column(_("Share"), "pct"),
        Column(_("Centre")),
    ], [[c.number + 1, c.description, c.customers, c.share, describe_centroid(c.centroid)] for c in clusters])
