"""The purchase summary (购买汇总, 系统生成信息): one row per customer, recomputed set-based.

A batch (an import, an API call, a merge) recomputes only the customers it touched, from their orders,
in one `INSERT … SELECT`, and no Python loop runs over customers. The same statement without the filter
rebuilds everything. From `HASH_JOINS_FROM` customers on, PostgreSQL joins by hashing, which reads
every order and line: that part of a large batch grows with the tables (docs/benchmarks.md).

Definitions (cancelled orders count for nothing):
- orders, first and last purchase, purchase days (calendar days in Asia/Shanghai), sales and the
  average order value come from sales only; returns are counted and summed (as a positive amount)
  apart;
- quantity, amount and margin are net: sales plus returns (whose lines are negative), margin being
  amount minus quantity × the unit cost each line arrived with;
- repeat-day spend is the sales amount on purchase days after the first (what BG/NBD and
  Gamma-Gamma need, with purchase days − 1 repeat transactions);
- the average unit price is net amount / net quantity (when the quantity is positive);
- top categories rank categories by net line amount (positive only), the main store by the number
  of sales there, then their amount; ties go to the lower id.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from guanxi.orders.models import DirtyCustomer, PurchaseSummary

T = PurchaseSummary._meta.db_table
COLUMNS = (
    "customer_id, first_purchase_at, last_purchase_at, orders_count, purchase_days, repeat_day_spend, "
    "sales_amount, returns_count, returns_amount, quantity, amount, margin, average_order_value, "
    "average_unit_price, top_category_id, second_category_id, third_category_id, main_store_id, updated_at"
)


def _half_up(numerator: str, denominator: str) -> str:
    """numerator / denominator (a positive whole number) rounded half away from zero, in integer
    arithmetic: SQLite's floating-point division would round 124.685 either way."""
    n, d = f"CAST({numerator} AS BIGINT)", f"CAST({denominator} AS BIGINT)"
    return (f"(CASE WHEN {n} >= 0 THEN (2 * {n} + {d}) / (2 * {d}) "
            f"ELSE -((2 * -{n} + {d}) / (2 * {d})) END)")


def _select(scope: str) -> str:
    """The summary rows of the customers `scope` (SQL selecting customer_id, or '' for all) selects."""
    where = f"AND o.customer_id IN ({scope})" if scope else ""
    return f"""
WITH co AS (
    SELECT o.id, o.customer_id, o.store_id, o.kind, o.ordered_at, o.ordered_on, o.total_quantity,
           o.total_amount, o.total_cost
    FROM orders_order o WHERE o.status <> 'cancelled' {where}
), base AS (
    SELECT customer_id,
           MIN(CASE WHEN kind = 'sale' THEN ordered_at END) AS first_at,
           MAX(CASE WHEN kind = 'sale' THEN ordered_at END) AS last_at,
           MIN(CASE WHEN kind = 'sale' THEN ordered_on END) AS first_day,
           SUM(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END) AS orders_count,
           COUNT(DISTINCT CASE WHEN kind = 'sale' THEN ordered_on END) AS purchase_days,
           ROUND(SUM(CASE WHEN kind = 'sale' THEN total_amount ELSE 0 END), 2) AS sales_amount,
           SUM(CASE WHEN kind = 'return' THEN 1 ELSE 0 END) AS returns_count,
           ROUND(-SUM(CASE WHEN kind = 'return' THEN total_amount ELSE 0 END), 2) AS returns_amount,
           ROUND(SUM(total_quantity), 3) AS quantity,
           ROUND(SUM(total_amount), 2) AS amount,
           ROUND(SUM(total_amount) - SUM(total_cost), 2) AS margin
    FROM co GROUP BY customer_id
), repeat AS (
    SELECT co.customer_id, ROUND(SUM(co.total_amount), 2) AS spend
    FROM co JOIN base b ON b.customer_id = co.customer_id
    WHERE co.kind = 'sale' AND co.ordered_on > b.first_day GROUP BY co.customer_id
), cats AS (
    SELECT co.customer_id, p.category_id,
           ROW_NUMBER() OVER (PARTITION BY co.customer_id ORDER BY SUM(l.amount) DESC, p.category_id) AS rn
    FROM co JOIN orders_orderline l ON l.order_id = co.id JOIN orders_product p ON p.id = l.product_id
    WHERE p.category_id IS NOT NULL
    GROUP BY co.customer_id, p.category_id HAVING SUM(l.amount) > 0
), stores AS (
    SELECT customer_id, store_id,
           ROW_NUMBER() OVER (PARTITION BY customer_id
                              ORDER BY COUNT(*) DESC, SUM(total_amount) DESC, store_id) AS rn
    FROM co WHERE kind = 'sale' AND store_id IS NOT NULL GROUP BY customer_id, store_id
)
SELECT b.customer_id, b.first_at, b.last_at, b.orders_count, b.purchase_days, COALESCE(r.spend, 0),
       b.sales_amount, b.returns_count, b.returns_amount, b.quantity, b.amount, b.margin,
       CASE WHEN b.orders_count > 0 THEN {_half_up("ROUND(b.sales_amount * 100)", "b.orders_count")} / 100.0 END,
       CASE WHEN b.quantity > 0
            THEN {_half_up("ROUND(b.amount * 100000)", "ROUND(b.quantity * 1000)")} / 100.0 END,
       c1.category_id, c2.category_id, c3.category_id, st.store_id, %s
FROM base b
LEFT JOIN repeat r ON r.customer_id = b.customer_id
LEFT JOIN cats c1 ON c1.customer_id = b.customer_id AND c1.rn = 1
LEFT JOIN cats c2 ON c2.customer_id = b.customer_id AND c2.rn = 2
LEFT JOIN cats c3 ON c3.customer_id = b.customer_id AND c3.rn = 3
LEFT JOIN stores st ON st.customer_id = b.customer_id AND st.rn = 1
"""


def _now() -> Any:
    from guanxi.orders.batch import _db_value

    return _db_value(timezone.now())


# From this many customers on, the refresh joins by hashing (PostgreSQL). The planner takes the one-row-
# per-customer rankings (rn = 1) for a handful of rows and joins them in a nested loop, which compares
# every customer with every other: 85 million comparisons, 5 s, for a 10,000-order API call.
HASH_JOINS_FROM = 1000


def _refresh(scope: str, params: list[Any], *, many: bool = True) -> int:
    with connection.cursor() as cursor:
        if scope:
            cursor.execute(f"DELETE FROM {T} WHERE customer_id IN ({scope})", params)
        else:
            cursor.execute(f"DELETE FROM {T}")
        hashed = many and connection.vendor == "postgresql"
        if hashed:
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(f"INSERT INTO {T} ({COLUMNS}) {_select(scope)}", [*params, _now()])
        count = int(cursor.rowcount)
        if hashed:
            cursor.execute("SET LOCAL enable_nestloop = on")
        return count


def refresh_dirty(batch: str) -> int:
    """Recompute the summaries of the customers a batch marked dirty, then forget the marks."""
    from guanxi.orders.batch import _analyze

    _analyze(DirtyCustomer._meta.db_table)
    scope = f"SELECT customer_id FROM {DirtyCustomer._meta.db_table} WHERE batch = %s"
    dirty = DirtyCustomer.objects.filter(batch=batch)
    count = _refresh(scope, [batch], many=dirty[HASH_JOINS_FROM - 1:HASH_JOINS_FROM].exists())
    DirtyCustomer.objects.filter(batch=batch).delete()
    return count


def refresh_customers(customer_ids: list[int]) -> int:
    """Recompute the summaries of a few customers (a merge): the ids go in as parameters."""
    if not customer_ids:
        return 0
    scope = "SELECT id FROM customers_customer WHERE id IN (" + ", ".join(["%s"] * len(customer_ids)) + ")"
    return _refresh(scope, list(customer_ids), many=len(customer_ids) >= HASH_JOINS_FROM)


def rebuild_all() -> int:
    """Every summary from every order: for repair and for checking the incremental path."""
    return _refresh("", [])
