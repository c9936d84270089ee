"""The composition dashboard: spend and customers by category, store, channel and importance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.analytics.dashboards.scope import COMPOSITION_DAYS, COMPOSITION_GROUPS, share, visible_customers
from guanxi.analytics.dashboards.tables import Column, Table
from guanxi.core.money import format_money
from guanxi.customers.choices import Importance
from guanxi.orders.choices import OrderStatus
from guanxi.orders.models import Category, Order, OrderLine

if TYPE_CHECKING:
    from guanxi.accounts.models import User


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
        return format_money(self.amount)


def _composition(rows: Iterable[tuple[str, str, int, float]], *, customers: int, keep: int | None = None
                 ) -> list[CompositionRow]:
    """Rows (key, label, customers, amount), biggest amount first, the tail beyond `keep` summed as Other."""
    ordered = sorted(rows, key=lambda r: (-r[3], r[1]))
    if keep is not None and len(ordered) > keep:
        tail = ordered[keep:]
        ordered = [*ordered[:keep], ("other", _("Other"), -1, sum(r[3] for r in tail))]
    total = sum(r[3] for r in ordered)
    return [CompositionRow(key=k, label=label, customers=n, customer_share=share(n, customers) if n >= 0 else 0.0,
                           amount=amount, amount_share=share(amount, total))
            for k, label, n, amount in ordered]


def composition_figures(user: User, *, today: dt.date | None = None) -> CompositionFigures:
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
