"""The customer page's Analytics tab, and the analytics filters and sortable columns of the list."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpRequest

from guanxi.accounts.http import request_user
from guanxi.analytics import selectors
from guanxi.analytics.choices import SEGMENT_STRATEGY, STAGE_STRATEGY, Segment, Stage
from guanxi.core.money import format_money
from guanxi.customers.models import Customer


def analytics_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """Scores, segment and stage with their strategies, value figures and suggestions."""
    user = request_user(request)
    metrics = selectors.metrics_for(user, customer.pk)
    context: dict[str, Any] = {"customer": customer, "metrics": metrics, "run": selectors.current_run()}
    if metrics is not None:
        context.update(
            segment_strategy=SEGMENT_STRATEGY.get(metrics.segment, ""),
            stage_strategy=STAGE_STRATEGY.get(metrics.stage, ""),
            p_alive_pct=round(metrics.p_alive * 100, 1),
            suggestions=selectors.suggestions(user, customer),
            stage_history=selectors.customer_stage_history(user, customer.pk, limit=10),
        )
    return context


def segment_choices(user: Any) -> list[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in Segment.choices]


def apply_segment_filter(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(metrics__segment=value) if value in Segment.values else qs


def stage_choices(user: Any) -> list[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in Stage.choices]


def apply_stage_filter(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(metrics__stage=value) if value in Stage.values else qs


def with_metrics(qs: QuerySet[Any]) -> QuerySet[Any]:
    annotated: QuerySet[Any] = qs.annotate(metrics_clv=F("metrics__clv"), metrics_p_alive=F("metrics__p_alive"),
                                          metrics_value_at_risk=F("metrics__value_at_risk"))
    return annotated


def clv_sort() -> Any:
    return selectors.value_sort_expression("clv")


def p_alive_sort() -> Any:
    return selectors.value_sort_expression("p_alive")


def value_at_risk_sort() -> Any:
    return selectors.value_sort_expression("value_at_risk")


def _money(value: float | None) -> str:
    return format_money(value)


def clv_cell(customer: Any) -> str:
    return _money(customer.metrics_clv)


def value_at_risk_cell(customer: Any) -> str:
    return _money(customer.metrics_value_at_risk)


def p_alive_cell(customer: Any) -> str:
    value = customer.metrics_p_alive
    return f"{value * 100:.0f}%" if value is not None else "—"
