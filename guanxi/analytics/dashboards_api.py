"""Analytics API: the dashboards' figures, scoped by visibility.

Each route returns what its page shows in its tables, for the customers the caller may see
(`dashboards`). Money is a number in yuan, shares are fractions from 0 to 1.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from guanxi.accounts.http import request_user
from guanxi.analytics.dashboards.basket import basket_figures
from guanxi.analytics.dashboards.composition import composition_figures
from guanxi.analytics.dashboards.lifecycle import lifecycle_figures
from guanxi.analytics.dashboards.overview import overview_figures
from guanxi.analytics.dashboards.rfm import rfm_figures
from guanxi.analytics.dashboards.scope import CHURN_LIMIT, PAIR_LIMIT
from guanxi.analytics.dashboards.value import value_figures

router = Router(tags=["analytics"])


# --- output schemas -------------------------------------------------------------------------------------


class RunOut(Schema):
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
    customers_fitted: int | None = Field(None, description="Customers in the fit (administrators only).")
    bgnbd: dict[str, float] | None = Field(None, description="BG/NBD parameters r, alpha, a, b and ll.")
    gamma_gamma: dict[str, float] | None = Field(None, description="Gamma-Gamma parameters p, q, v and ll.")
    gg_excluded: int | None


class SegmentOut(Schema):
    key: str
    label: str
    customers: int
    share: float
    monetary: float
    average_monetary: float | None
    clv: float
    strategy: str


class StageOut(Schema):
    key: str
    label: str
    customers: int
    share: float
    strategy: str


class OverviewOut(Schema):
    run: RunOut | None = Field(None, description="The run whose metrics are live; null before the first run.")
    latest: RunOut | None = Field(None, description="A newer run (queued, running or failed), if any.")
    customers: int
    clv_total: float
    value_at_risk_total: float
    segments: list[SegmentOut]
    stages: list[StageOut]


class HeatCellOut(Schema):
    r_score: int
    f_score: int
    customers: int
    average_monetary: float | None


class ClusterOut(Schema):
    number: int
    description: str
    customers: int
    share: float
    centroid: dict[str, float]


class RfmOut(Schema):
    customers: int
    cells: list[HeatCellOut]
    segments: list[SegmentOut]
    clusters: list[ClusterOut]


class WeekOut(Schema):
    week: dt.date
    exploration: int
    development: int
    stable: int
    decline: int


class MovedOut(Schema):
    customer_id: int
    name: str
    owner: str
    from_stage: str | None = Field(..., description="null: the customer's first stage")
    to_stage: str
    at: dt.datetime
    clv: float | None


class LifecycleOut(Schema):
    customers: int
    stages: list[StageOut]
    weeks: list[WeekOut]
    week_start: dt.date
    moved_into_decline: list[MovedOut]


class ClvBucketOut(Schema):
    low: float
    high: float | None
    label: str
    customers: int


class ChurnOut(Schema):
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


class LorenzOut(Schema):
    population: float
    value: float


class ParetoOut(Schema):
    customers: int
    total: float
    top_fraction: float
    top_customers: int
    top_share: float
    gini: float
    lorenz: list[LorenzOut]


class ValueOut(Schema):
    customers: int
    clv_total: float
    value_at_risk_total: float
    buckets: list[ClvBucketOut]
    churn: list[ChurnOut]
    pareto: ParetoOut


class CompositionRowOut(Schema):
    key: str
    label: str
    customers: int = Field(..., description="Buying customers in the group; -1 for the summed 'other' row.")
    customer_share: float
    amount: float
    amount_share: float


class CompositionOut(Schema):
    since: dt.date
    until: dt.date
    customers: int
    amount: float
    importance: list[CompositionRowOut]
    category: list[CompositionRowOut]
    region: list[CompositionRowOut]
    store: list[CompositionRowOut]


class PairOut(Schema):
    product_id: int
    product: str
    other_id: int
    other: str
    together: int
    support: float
    confidence: float
    lift: float


class BasketOut(Schema):
    scope: str = Field(..., description="all: the current run's pairs over every order (administrators); "
                                        "visible: counted in the last 12 months of the caller's customers' orders.")
    orders: int | None
    pairs: list[PairOut]


class ChurnQuery(Schema):
    limit: int = Field(CHURN_LIMIT, ge=1, le=500, description="How many customers at risk to list.")


class BasketQuery(Schema):
    limit: int = Field(PAIR_LIMIT, ge=1, le=200, description="How many pairs to list.")


# --- routes ---------------------------------------------------------------------------------------------


@router.get("/analytics/dashboards/overview", response=OverviewOut,
            summary="Analytics overview: the current run, totals, segment and stage sizes")
def get_overview(request: HttpRequest) -> Any:
    return overview_figures(request_user(request))


@router.get("/analytics/dashboards/rfm", response=RfmOut,
            summary="RFM grid (R × F score), the eight segments with strategies, and the clusters")
def get_rfm(request: HttpRequest) -> Any:
    return rfm_figures(request_user(request))


@router.get("/analytics/dashboards/lifecycle", response=LifecycleOut,
            summary="Customers per lifecycle stage, weekly moves between stages, moves into decline this week")
def get_lifecycle(request: HttpRequest) -> Any:
    return lifecycle_figures(request_user(request))


@router.get("/analytics/dashboards/value", response=ValueOut,
            summary="CLV distribution, churn risk (customers by value at risk) and the Pareto / Lorenz curve")
def get_value(request: HttpRequest, query: Query[ChurnQuery]) -> Any:
    return value_figures(request_user(request), limit=query.limit)


@router.get("/analytics/dashboards/composition", response=CompositionOut,
            summary="Net sales of the last 12 months by importance class, product category, region and store")
def get_composition(request: HttpRequest) -> Any:
    return composition_figures(request_user(request))


@router.get("/analytics/dashboards/basket", response=BasketOut, summary="Products bought together, by lift")
def get_basket(request: HttpRequest, query: Query[BasketQuery]) -> Any:
    return basket_figures(request_user(request), limit=query.limit)
