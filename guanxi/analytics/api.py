"""Analytics API: runs (start one, list them, follow one's progress) and one customer's metrics."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.params.functions import Path

from guanxi.accounts.http import request_user
from guanxi.analytics import selectors, services
from guanxi.analytics.choices import SEGMENT_STRATEGY, STAGE_STRATEGY, RunTrigger
from guanxi.analytics.models import AnalyticsRun, CustomerMetrics
from guanxi.analytics.schemas import CustomerAnalyticsOut, RunIn, RunListOut, RunOut, RunQuery
from guanxi.customers.models import Customer
from guanxi.orders.models import Product

router = Router(tags=["analytics"])
Id = Path(..., ge=1, le=2**63 - 1)


def _run_out(run: AnalyticsRun) -> dict[str, Any]:
    return {f.attname: getattr(run, f.attname) for f in AnalyticsRun._meta.concrete_fields}


@router.post("/analytics/runs", response={202: RunOut}, summary="Start an analytics run (managers, administrators)",
             description="Queues a run for the background worker and returns it; poll `GET /analytics/runs/{id}` "
             "for its progress. While a run is queued or running, that run is returned instead of a new one.")
def start_run(request: HttpRequest, payload: RunIn) -> Status[Any]:
    run = services.run_enqueue(actor=request_user(request), trigger=RunTrigger.API, request=services.RunRequest(
        until=payload.until, holdout_days=payload.holdout_days, unit=payload.unit, model=payload.model or ""))
    return Status(202, _run_out(run))


@router.get("/analytics/runs", response=RunListOut, summary="Analytics runs, newest first")
def list_runs(request: HttpRequest, query: Query[RunQuery]) -> dict[str, Any]:
    items = selectors.runs(request_user(request), limit=query.limit, before_id=query.before)
    return {"items": [_run_out(r) for r in items],
            "next_before": items[-1].pk if len(items) == query.limit else None}


@router.get("/analytics/runs/{run_id}", response=RunOut, summary="One run: state, progress, fitted models")
def get_run(request: HttpRequest, run_id: int = Id) -> dict[str, Any]:
    run = selectors.run_detail(request_user(request), run_id)
    if run is None:
        raise Http404
    return _run_out(run)


def _product(p: Product | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"id": p.pk, "code": p.code, "name": p.name, "list_price": float(p.list_price)}


def _metrics_out(m: CustomerMetrics) -> dict[str, Any]:
    return {**{f.attname: getattr(m, f.attname) for f in CustomerMetrics._meta.concrete_fields},
            "monetary": float(m.monetary),
            "segment_label": str(m.get_segment_display()), "segment_strategy": str(SEGMENT_STRATEGY.get(m.segment, "")),
            "stage_label": str(m.get_stage_display()), "stage_strategy": str(STAGE_STRATEGY.get(m.stage, ""))}


@router.get("/customers/{customer_id}/analytics", response=CustomerAnalyticsOut,
            summary="The customer's scores, segment, stage, CLV and cross-sell / up-sell suggestions")
def get_customer_analytics(request: HttpRequest, customer_id: int = Id) -> dict[str, Any]:
    user = request_user(request)
    customer = get_object_or_404(Customer.objects.visible_to(user), pk=customer_id)
    metrics = selectors.metrics_for(user, customer.pk)
    found = selectors.suggestions(user, customer)
    return {
        "customer_id": customer.pk,
        "metrics": _metrics_out(metrics) if metrics is not None else None,
        "cross_sell": [{"product": _product(s.product), "score": s.score, "because": _product(s.because)}
                       for s in found.cross_sell],
        "up_sell": [{"product": _product(s.product), "score": s.score, "because": _product(s.because)}
                    for s in found.up_sell],
    }
