"""Reads of the orders app. Orders are visible exactly when their customer is (visible_to)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.models import Store, User
from guanxi.core.money import format_money
from guanxi.core.registry import TimelineEntry
from guanxi.customers.models import Customer
from guanxi.orders.choices import OrderKind, OrderStatus
from guanxi.orders.models import Category, Order, OrderLine, Product, PurchaseSummary


def orders_visible_to(user: User) -> QuerySet[Order]:
    return Order.objects.filter(customer__in=Customer.objects.visible_to(user).values("pk"))


def order_list(*, user: User, customer_id: int | None = None, store_id: int | None = None,
               status: str = "", limit: int = 50, before_id: int | None = None) -> list[Order]:
    """Newest orders first, paged by id (`before_id`), with customer and store in the same query."""
    qs = orders_visible_to(user).select_related("customer", "store").order_by("-ordered_at", "-id")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if store_id is not None:
        qs = qs.filter(store_id=store_id)
    if status:
        qs = qs.filter(status=status)
    if before_id is not None:
        pivot = Order.objects.filter(pk=before_id).values_list("ordered_at", flat=True).first()
        if pivot is not None:
            qs = qs.filter(Q(ordered_at__lt=pivot) | Q(ordered_at=pivot, id__lt=before_id))
    return list(qs[:limit])


def order_detail(*, user: User, order_id: int) -> Order | None:
    return (orders_visible_to(user).select_related("customer", "store", "original")
            .prefetch_related("lines__product").filter(pk=order_id).first())


def order_lines(*, order: Order) -> list[OrderLine]:
    return list(order.lines.select_related("product").order_by("line_no"))


def summary_of(*, customer: Customer) -> PurchaseSummary | None:
    return (PurchaseSummary.objects.select_related("top_category", "second_category", "third_category", "main_store")
            .filter(customer=customer).first())


def product_list(*, q: str = "", category_id: int | None = None, active: bool | None = None,
                 limit: int = 100) -> list[Product]:
    qs = Product.objects.select_related("category").order_by("code")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if category_id is not None:
        qs = qs.filter(category_id=category_id)
    if active is not None:
        qs = qs.filter(active=active)
    return list(qs[:limit])


def category_tree() -> list[tuple[Category, int]]:
    """Every category with its depth, parents before children (a few hundred rows at most)."""
    categories = list(Category.objects.order_by("code"))
    children: dict[int | None, list[Category]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c)
    out: list[tuple[Category, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for c in children.get(parent, []):
            out.append((c, depth))
            walk(c.pk, depth + 1)

    walk(None, 0)
    return out


def store_sales(*, user: User, store: Store, days: int = 365) -> dict[str, Any]:
    """A store's customers and sales over the last `days`, within what the user may see."""
    since = timezone.now() - dt.timedelta(days=days)
    orders = orders_visible_to(user).filter(store=store, ordered_at__gte=since).exclude(status=OrderStatus.CANCELLED)
    totals = orders.aggregate(
        sales=Sum("total_amount", filter=Q(kind=OrderKind.SALE)),
        returns=Sum("total_amount", filter=Q(kind=OrderKind.RETURN)),
        orders=Count("id", filter=Q(kind=OrderKind.SALE)),
        customers=Count("customer_id", distinct=True),
    )
    monthly = list(orders.values("ordered_on__year", "ordered_on__month").annotate(
        amount=Sum("total_amount")).order_by("ordered_on__year", "ordered_on__month"))
    customers = list(Customer.objects.visible_to(user).filter(
        Q(store=store) | Q(purchase_summary__main_store=store)).select_related("purchase_summary", "owner")
        .order_by("-purchase_summary__amount", "pk")[:50])
    return {"totals": totals, "customers": customers,
            "months": [f"{m['ordered_on__year']}-{m['ordered_on__month']:02d}" for m in monthly],
            "amounts": [float(m["amount"] or 0) for m in monthly]}


def stores_visible() -> QuerySet[Store]:
    return Store.objects.select_related("region", "department").order_by("code")


def order_events(customer: Customer, user: Any, before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    """Timeline source: the customer's newest orders and returns."""
    from django.urls import reverse

    qs = Order.objects.filter(customer=customer).select_related("store").order_by("-ordered_at", "-id")
    if before is not None:
        qs = qs.filter(ordered_at__lt=before)
    entries = []
    for o in qs[:limit]:
        title = (_("Return %(id)s") if o.kind == OrderKind.RETURN else _("Order %(id)s")) % {"id": o.external_id}
        body = _("%(amount)s · %(lines)s lines · %(status)s%(store)s") % {
            "amount": format_money(o.total_amount), "lines": o.line_count, "status": o.get_status_display(),
            "store": f" · {o.store}" if o.store_id else ""}
        entries.append(TimelineEntry(at=o.ordered_at, kind=f"order-{o.kind}", title=title, body=body,
                                     url=reverse("orders:detail", args=[o.pk]), actor=o.source))
    return entries
