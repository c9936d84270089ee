"""The bought-together dashboard: product pairs by lift, within the user's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.choices import DataScope
from guanxi.analytics.dashboards.scope import (
    COMPOSITION_DAYS,
    PAIR_LIMIT,
    PAIR_MIN_ORDERS,
    current_run,
    visible_customers,
)
from guanxi.analytics.dashboards.tables import Column, Table
from guanxi.analytics.models import ProductPair
from guanxi.orders.choices import OrderKind, OrderStatus
from guanxi.orders.models import Order, OrderLine, Product

if TYPE_CHECKING:
    from guanxi.accounts.models import User


@dataclass(frozen=True)
class PairRow:
    product_id: int
    product: str
    other_id: int
    other: str
    together: int
    support: float
    confidence: float
    lift: float


@dataclass(frozen=True)
class BasketFigures:
    scope: str  # "all": the current run's pairs over every order; "visible": counted in the user's orders
    orders: int | None
    pairs: list[PairRow]


def basket_figures(user: User, *, limit: int = PAIR_LIMIT, today: dt.date | None = None) -> BasketFigures:
    """Top product pairs by lift. Administrators see the run's pairs over all orders; anyone else the
    pairs counted in SQL over the last 12 months of the orders of the customers they may see, so a
    rep's table says nothing about other reps' customers."""
    if user.data_scope == DataScope.ALL:
        run = current_run()
        if run is None:
            return BasketFigures(scope="all", orders=None, pairs=[])
        found = _one_direction([(p.product_id, p.other_id, p) for p in ProductPair.objects.filter(run=run)
                                .select_related("product", "other")
                                .order_by("-lift", "-confidence", "product_id", "other_id")[:2 * limit]], limit)
        return BasketFigures(scope="all", orders=None, pairs=[
            PairRow(product_id=p.product_id, product=p.product.name, other_id=p.other_id, other=p.other.name,
                    together=p.together, support=p.support, confidence=p.confidence, lift=p.lift) for p in found])
    return _visible_pairs(user, limit=limit, today=today or timezone.localdate())


def _visible_pairs(user: User, *, limit: int, today: dt.date) -> BasketFigures:
    since = today - dt.timedelta(days=COMPOSITION_DAYS - 1)
    orders = (Order.objects.filter(customer__in=visible_customers(user).values("pk"), kind=OrderKind.SALE,
                                   ordered_on__gte=since).exclude(status=OrderStatus.CANCELLED).values("pk"))
    lines = OrderLine.objects.filter(order__in=orders, quantity__gt=0).values("order_id", "product_id").distinct()
    inner, params = lines.query.sql_with_params()
    sql = f"""
        WITH ol AS ({inner}),
        pc AS (SELECT product_id, COUNT(*) AS n FROM ol GROUP BY product_id),
        total AS (SELECT COUNT(DISTINCT order_id) AS n FROM ol),
        pairs AS (
            SELECT a.product_id AS p, b.product_id AS q, COUNT(*) AS together
            FROM ol a JOIN ol b ON a.order_id = b.order_id AND a.product_id <> b.product_id
            GROUP BY a.product_id, b.product_id HAVING COUNT(*) >= %s
        )
        SELECT pairs.p, pairs.q, pairs.together, pa.n, pb.n, total.n
        FROM pairs JOIN pc pa ON pa.product_id = pairs.p JOIN pc pb ON pb.product_id = pairs.q CROSS JOIN total
        ORDER BY (1.0 * pairs.together * total.n) / (1.0 * pa.n * pb.n) DESC, pairs.together DESC, pa.n, pairs.p
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, PAIR_MIN_ORDERS, 2 * int(limit)])
        found = _one_direction([(r[0], r[1], r) for r in cursor.fetchall()], limit)
    names = dict(Product.objects.filter(pk__in={r[0] for r in found} | {r[1] for r in found})
                 .values_list("pk", "name"))
    n_orders = int(found[0][5]) if found else _order_count(orders)
    pairs = [PairRow(product_id=p, product=names.get(p, ""), other_id=q, other=names.get(q, ""), together=int(t),
                     support=t / n, confidence=t / na, lift=t * n / (na * nb))
             for p, q, t, na, nb, n in found]
    return BasketFigures(scope="visible", orders=n_orders, pairs=pairs)


def _one_direction(rows: list[tuple[int, int, Any]], limit: int) -> list[Any]:
    """A pair comes in both directions with the same lift; keep the first (the more confident) one."""
    seen: set[tuple[int, int]] = set()
    out = []
    for a, b, row in rows:
        key = (min(a, b), max(a, b))
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out[:limit]


def _order_count(orders: QuerySet[Any]) -> int:
    return Order.objects.filter(pk__in=orders).count()


def basket_tables(figures: BasketFigures) -> dict[str, Table]:
    return {"pairs": Table("pairs", _("Bought together"), [
        Column(_("Product")), Column(_("Bought with")), Column(_("Orders with both"), "int"),
        Column(_("Support"), "pct"), Column(_("Confidence"), "pct"), Column(_("Lift"), "float"),
    ], [[p.product, p.other, p.together, p.support, p.confidence, p.lift] for p in figures.pairs])}
