"""Reads of analytics results, each scoped by `Customer.objects.visible_to(user)`.

Runs are not customer data (counts and fitted parameters over everyone), so any signed-in user
sees the run list; per-customer metrics, suggestions, stage changes and the churn list only cover
the customers the user may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, FloatField, Max, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from guanxi.accounts.models import User
from guanxi.analytics.choices import RunState
from guanxi.analytics.models import AnalyticsRun, CustomerMetrics, ProductPair, StageChange
from guanxi.customers.models import Customer
from guanxi.orders.models import OrderLine, Product

SUGGESTIONS = 5


def current_run() -> AnalyticsRun | None:
    """The run whose metrics are live (None before the first successful run)."""
    return AnalyticsRun.objects.filter(is_current=True).first()


def latest_run() -> AnalyticsRun | None:
    return AnalyticsRun.objects.order_by("-created_at", "-id").first()


def active_run() -> AnalyticsRun | None:
    """A run still queued or running, whose progress the run partial polls."""
    return AnalyticsRun.objects.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).order_by("-id").first()


def runs(user: User, *, limit: int = 50, before_id: int | None = None) -> list[AnalyticsRun]:
    """Runs newest first, keyset-paged by id."""
    qs = AnalyticsRun.objects.select_related("requested_by").order_by("-id")
    if before_id is not None:
        qs = qs.filter(pk__lt=before_id)
    return list(qs[:limit])


def run_detail(user: User, run_id: int) -> AnalyticsRun | None:
    return AnalyticsRun.objects.select_related("requested_by").filter(pk=run_id).first()


def metrics_for(user: User, customer_id: int) -> CustomerMetrics | None:
    """A visible customer's live metrics, or None (no purchases yet, no run yet, or not visible)."""
    visible = Customer.objects.visible_to(user).filter(pk=customer_id)
    return CustomerMetrics.objects.select_related("run").filter(customer__in=visible).first()


@dataclass(frozen=True)
class Suggestion:
    """A product to offer a customer and why."""

    kind: str  # "cross_sell" | "up_sell"
    product: Product
    score: float  # cross-sell: summed confidence; up-sell: price ratio to what they pay now
    because: Product | None  # the product bought that led to it


@dataclass(frozen=True)
class Suggestions:
    cross_sell: list[Suggestion]
    up_sell: list[Suggestion]


def _bought_products(customer_id: int) -> QuerySet[Any]:
    return (OrderLine.objects.filter(order__customer_id=customer_id, order__kind="sale")
            .exclude(order__status="cancelled").values("product_id").distinct())


def suggestions(user: User, customer: Customer, *, limit: int = SUGGESTIONS) -> Suggestions:
    """Cross-sell: products often bought with the customer's (the current run's pairs, summed
    confidence P(other | bought)), not bought yet. Up-sell: in each category the customer buys, the
    cheapest active product dearer than the dearest one they bought there.

    Both read the customer's own order lines (a few hundred at most) and the run's pairs (a few
    hundred): no per-customer suggestion table to keep in step with orders.
    """
    if not Customer.objects.visible_to(user).filter(pk=customer.pk).exists():
        return Suggestions([], [])
    bought = set(_bought_products(customer.pk).values_list("product_id", flat=True))
    if not bought:
        return Suggestions([], [])
    return Suggestions(_cross_sell(bought, limit), _up_sell(customer.pk, bought, limit))


def _cross_sell(bought: set[int], limit: int) -> list[Suggestion]:
    run = current_run()
    if run is None:
        return []
    rows = (ProductPair.objects.filter(run=run, product_id__in=bought).exclude(other_id__in=bought)
            .filter(other__active=True).values("other_id")
            .annotate(score=Sum("confidence"), best=Max("confidence")).order_by("-score", "other_id")[:limit])
    picked = list(rows)
    if not picked:
        return []
    products = Product.objects.in_bulk([r["other_id"] for r in picked])
    because: dict[int, int] = {}
    for pair in ProductPair.objects.filter(run=run, product_id__in=bought,
                                           other_id__in=[r["other_id"] for r in picked]).order_by("-confidence"):
        because.setdefault(pair.other_id, pair.product_id)
    sources = Product.objects.in_bulk(list(set(because.values())))
    return [Suggestion("cross_sell", products[r["other_id"]], float(r["score"]), sources.get(because.get(r["other_id"], 0)))
            for r in picked]


def _up_sell(customer_id: int, bought: set[int], limit: int) -> list[Suggestion]:
    mine = Product.objects.filter(pk__in=bought, category__isnull=False).values_list("pk", "category_id", "list_price")
    top: dict[int, dict[str, Any]] = {}
    for pk, category_id, list_price in mine:
        if category_id not in top or list_price > top[category_id]["list_price"]:
            top[category_id] = {"pk": pk, "list_price": list_price}
    found: list[Suggestion] = []
    for category_id, p in sorted(top.items()):
        price: Decimal = p["list_price"]
        better = (Product.objects.filter(category_id=category_id, active=True, list_price__gt=price)
                  .exclude(pk__in=bought).order_by("list_price", "pk").first())
        if better is not None:
            ratio = float(better.list_price / price) if price > 0 else 0.0
            found.append(Suggestion("up_sell", better, ratio, Product.objects.filter(pk=p["pk"]).first()))
    found.sort(key=lambda s: (s.score, s.product.pk))
    return found[:limit]


def _last_contact() -> Any:
    from guanxi.interactions.models import ContactSummary

    return Subquery(ContactSummary.objects.filter(customer_id=OuterRef("customer_id")).values("last_at")[:1])


def churn_list(user: User, limit: int = 100, *, segment: str = "", stage: str = "") -> list[CustomerMetrics]:
    """Win-back list: visible customers ranked by value at risk, CLV × (1 − P(alive)) — the value
    expected over the CLV horizon that is lost if the customer has already gone — with their owner
    and last contact (`last_contact_at`, None if never contacted)."""
    visible = Customer.objects.visible_to(user).filter(archived_at__isnull=True)
    qs = (CustomerMetrics.objects.filter(customer__in=visible, value_at_risk__isnull=False)
          .select_related("customer", "customer__owner").annotate(last_contact_at=_last_contact())
          .order_by(F("value_at_risk").desc(), "customer_id"))
    if segment:
        qs = qs.filter(segment=segment)
    if stage:
        qs = qs.filter(stage=stage)
    return list(qs[:limit])


def stage_changes(user: User, since: dt.datetime, *, to_stage: str = "", limit: int = 500) -> list[StageChange]:
    """Visible customers' stage changes since a moment, newest first ("moved into decline this week")."""
    visible = Customer.objects.visible_to(user)
    qs = (StageChange.objects.filter(customer__in=visible, at__gte=since)
          .select_related("customer", "customer__owner").order_by("-at", "-id"))
    if to_stage:
        qs = qs.filter(to_stage=to_stage)
    return list(qs[:limit])


def customer_stage_history(user: User, customer_id: int, *, limit: int = 20) -> list[StageChange]:
    visible = Customer.objects.visible_to(user).filter(pk=customer_id)
    return list(StageChange.objects.filter(customer__in=visible).order_by("-at", "-id")[:limit])


def value_sort_expression(field: str) -> Any:
    """Never-NULL sort key over a customer row for a metrics float (missing sorts lowest: -1)."""
    return Coalesce(F(f"metrics__{field}"), Value(-1.0), output_field=FloatField())
