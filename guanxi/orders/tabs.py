"""The customer page's Orders tab, and the purchase-summary list filter and columns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import DateTimeField, DecimalField, F, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.http import request_user
from guanxi.core.money import format_money
from guanxi.customers.models import Customer
from guanxi.orders import selectors


def orders_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    return {"customer": customer, "summary": selectors.summary_of(customer=customer),
            "orders": selectors.order_list(user=request_user(request), customer_id=customer.pk, limit=50)}


PURCHASE_FILTERS = ("none", "once", "repeat", "active90", "lapsed90")


def purchase_choices(user: Any) -> list[tuple[str, str]]:
    return [("", _("Any purchases")), ("none", _("Never bought")), ("once", _("Bought on one day")),
            ("repeat", _("Bought on two days or more")), ("active90", _("Bought in the last 90 days")),
            ("lapsed90", _("No purchase for 90 days"))]


def apply_purchase_filter(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    since = timezone.now() - dt.timedelta(days=90)
    if value == "none":
        return qs.filter(Q(purchase_summary__isnull=True) | Q(purchase_summary__orders_count=0))
    if value == "once":
        return qs.filter(purchase_summary__purchase_days=1)
    if value == "repeat":
        return qs.filter(purchase_summary__purchase_days__gte=2)
    if value == "active90":
        return qs.filter(purchase_summary__last_purchase_at__gte=since)
    if value == "lapsed90":
        return qs.filter(purchase_summary__last_purchase_at__lt=since)
    return qs


def with_purchase_summary(qs: QuerySet[Any]) -> QuerySet[Any]:
    """What the three purchase columns read, from the customer's purchase summary (NULL: never bought)."""
    annotated: QuerySet[Any] = qs.annotate(purchase_amount=F("purchase_summary__amount"),
                                          purchase_last=F("purchase_summary__last_purchase_at"),
                                          purchase_orders=F("purchase_summary__orders_count"))
    return annotated


# Sort keys of the purchase columns: never NULL (customers who never bought sort as zero, or as the
# earliest date), so that keyset paging can compare them.
NEVER = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def net_spend_sort() -> Any:
    return Coalesce(F("purchase_summary__amount"), Value(Decimal("0.00")),
                    output_field=DecimalField(max_digits=14, decimal_places=2))


def last_purchase_sort() -> Any:
    return Coalesce(F("purchase_summary__last_purchase_at"), Value(NEVER), output_field=DateTimeField())


def orders_count_sort() -> Any:
    return Coalesce(F("purchase_summary__orders_count"), Value(0), output_field=IntegerField())


def orders_count_cell(customer: Any) -> str:
    count = customer.purchase_orders
    return str(count) if count is not None else "0"


def net_spend_cell(customer: Any) -> str:
    amount = customer.purchase_amount
    return format_money(amount)


def last_purchase_cell(customer: Any) -> str:
    last = customer.purchase_last
    return timezone.localdate(last).isoformat() if last is not None else "—"
