"""Input and output schemas of the analytics API (one pair per endpoint)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from guanxi.analytics.services import MAX_HOLDOUT_DAYS
from guanxi.core.schemas import StrictIn

StateLiteral = Literal["queued", "running", "done", "failed"]
TriggerLiteral = Literal["nightly", "ui", "command", "api"]
SegmentLiteral = Literal["important_value", "important_development", "important_retention", "important_winback",
                         "general_value", "general_development", "general_retention", "general_winback"]
StageLiteral = Literal["exploration", "development", "stable", "decline"]


class RunIn(StrictIn):
    """Start a run: all optional; without `until` the nightly path (purchase summary, today)."""

    until: dt.date | None = Field(None, description="calibration end (inclusive); reads orders instead of the "
                                  "purchase summary")
    holdout_days: int = Field(0, ge=0, le=MAX_HOLDOUT_DAYS, description="days after `until` to compare with")
    unit: Literal["day", "week"] = "day"
    model: Literal["bgnbd", "paretonbd"] | None = Field(
        None, description="purchase model; default from settings (BG/NBD). Pareto/NBD is fitted on a sample "
        "of at most 50,000 customers")


class RunQuery(Schema):
    before: int | None = Field(None, ge=1, le=2**63 - 1, description="next_before of the previous page")
    limit: int = Field(20, ge=1, le=100)


class RunOut(Schema):
    id: int
    state: StateLiteral
    trigger: TriggerLiteral
    requested_by_id: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    progress: int
    progress_note: str
    until: dt.date | None
    holdout_days: int
    unit: str
    is_current: bool
    parameters: dict[str, Any]
    fitted: dict[str, Any]
    diagnostics: dict[str, Any]
    error: str


class RunListOut(Schema):
    items: list[RunOut]
    next_before: int | None


class ProductRef(Schema):
    id: int
    code: str
    name: str
    list_price: float


class SuggestionOut(Schema):
    product: ProductRef
    score: float
    because: ProductRef | None


class MetricsOut(Schema):
    run_id: int
    recency_days: int
    frequency: int
    monetary: float
    r_score: int
    f_score: int
    m_score: int
    segment: SegmentLiteral
    segment_label: str
    segment_strategy: str
    p_alive: float
    expected_30: float
    expected_90: float
    expected_365: float
    expected_spend: float | None
    clv: float | None
    value_at_risk: float | None
    stage: StageLiteral
    stage_label: str
    stage_strategy: str
    stage_since: dt.date
    cluster: int | None


class CustomerAnalyticsOut(Schema):
    """`metrics` is null when the customer has no purchases or no run has finished yet."""

    customer_id: int
    metrics: MetricsOut | None
    cross_sell: list[SuggestionOut]
    up_sell: list[SuggestionOut]
