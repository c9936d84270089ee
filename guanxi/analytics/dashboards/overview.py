"""The overview dashboard: the headline figures of every other dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Sum

from guanxi.analytics.choices import Stage
from guanxi.analytics.dashboards.lifecycle import StageRow, stage_rows
from guanxi.analytics.dashboards.rfm import SegmentRow, segment_rows
from guanxi.analytics.dashboards.run import RunInfo, run_info
from guanxi.analytics.dashboards.scope import current_run, latest_run, visible_metrics
from guanxi.core.money import format_money

if TYPE_CHECKING:
    from guanxi.accounts.models import User


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
        return format_money(self.clv_total)

    @property
    def risk_text(self) -> str:
        return format_money(self.value_at_risk_total)

    @property
    def decline(self) -> int:
        return next(s.customers for s in self.stages if s.key == Stage.DECLINE)


def overview_figures(user: User) -> OverviewFigures:
    current = current_run()
    latest = latest_run()
    totals = visible_metrics(user).aggregate(n=Count("pk"), clv=Sum("clv"), risk=Sum("value_at_risk"))
    return OverviewFigures(
        run=run_info(current, user=user),
        latest=run_info(latest, user=user) if latest is not None and latest != current else None,
        customers=int(totals["n"] or 0), clv_total=float(totals["clv"] or 0),
        value_at_risk_total=float(totals["risk"] or 0), segments=segment_rows(user), stages=stage_rows(user),
    )
