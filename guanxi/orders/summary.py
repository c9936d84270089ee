"""The purchase summary (购买汇总, 系统生成信息): one row per customer, recomputed set-based.

A batch (an import, an API call, a merge) recomputes only the customers it touched, from their orders,
in one `INSERT … SELECT` (for a large batch, a `CREATE TEMP TABLE … AS` that parallel workers may
run, then the insert), and no Python loop runs over customers. The same statement without the filter
rebuilds everything. A batch of few customers (an API call) reaches their orders and lines by index;
a large one (a file) joins by hashing, which reads every order and line (docs/benchmarks.md).

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

from guanxi.core.db import ANALYZE_FROM, analyze, db_value
from guanxi.customers.models import Customer
from guanxi.orders.models import DirtyCustomer, Order, OrderLine, Product, PurchaseSummary

SUMMARIES = PurchaseSummary._meta.db_table
ORDERS = Order._meta.db_table
LINES = OrderLine._meta.db_table
PRODUCTS = Product._meta.db_table
COLUMNS = (
    "customer_id, first_purchase_at, last_purchase_at, orders_count, purchase_days, repeat_day_spend, "
    "sales_amount, returns_count, returns_amount, quantity, amount, margin, average_order_value, "
    "average_unit_price, top_category_id, second_category_id, third_category_id, main_store_id, updated_at"
)


def _half_up(numerator: str, denominator: str) -> str:
    """numerator / denominator (a positive whole number) rounded half away from zero, in integer
    arithmetic: SQLite's floating-point division would round 124.685 either way."""
    top, bottom = f"CAST({numerator} AS BIGINT)", f"CAST({denominator} AS BIGINT)"
    return (f"(CASE WHEN {top} >= 0 THEN (2 * {top} + {bottom}) / (2 * {bottom}) "
            f"ELSE -((2 * -{top} + {bottom}) / (2 * {bottom})) END)")


def _select(scope: str, *, indexed: bool = False) -> str:
    """The summary rows of the customers `scope` (SQL selecting customer_id, or '' for all) selects.

    One aggregation over the customers' orders, with their ranked categories and main store added as
    extra rows (UNION ALL), not joined: a join of the per-customer results made the planner guess a
    handful of rows and compare every customer with every other (85 million comparisons, 5 s, for a
    10,000-order API call). The first purchase day comes from a window over the orders, so the
    repeat-day spend needs no join either.

    `indexed` (PostgreSQL, a scope of few customers) walks from each customer to its orders and from
    each order to its lines by index (LATERAL … OFFSET 0 keeps the planner from turning that into a
    hash join over every order and line): the time then follows the batch, not the tables.
    """
    order_columns = ("o.id, o.customer_id, o.store_id, o.kind, o.ordered_at, o.ordered_on, o.total_quantity, "
                     "o.total_amount, o.total_cost")
    if indexed:
        orders = (f"({scope}) AS d (customer_id) CROSS JOIN LATERAL (SELECT {order_columns} FROM {ORDERS} o "
                  "WHERE o.customer_id = d.customer_id AND o.status <> 'cancelled' OFFSET 0) AS o")
        # Summed per product before the products are joined: inside the loop over orders the planner
        # may hash the order's three lines and probe them with all products, once per order.
        lines = ("(SELECT o.customer_id, l.product_id, SUM(l.amount) AS amount FROM co AS o CROSS JOIN LATERAL "
                 f"(SELECT l.product_id, l.amount FROM {LINES} l WHERE l.order_id = o.id OFFSET 0) AS l "
                 f"GROUP BY o.customer_id, l.product_id) AS x JOIN {PRODUCTS} p ON p.id = x.product_id "
                 "WHERE p.category_id IS NOT NULL")
    else:
        where = f"AND o.customer_id IN ({scope})" if scope else ""
        orders = f"{ORDERS} o WHERE o.status <> 'cancelled' {where}"
        # The lines join the orders table itself, not `co`: the planner knows its ids are unique.
        lines = (f"(SELECT o.customer_id, l.product_id, l.amount FROM {ORDERS} o JOIN {LINES} l "
                 f"ON l.order_id = o.id WHERE o.status <> 'cancelled' {where}) AS x JOIN {PRODUCTS} p "
                 "ON p.id = x.product_id WHERE p.category_id IS NOT NULL")
    return f"""
WITH co AS (
    SELECT {order_columns},
           MIN(CASE WHEN o.kind = 'sale' THEN o.ordered_on END) OVER (PARTITION BY o.customer_id) AS first_day
    FROM {orders}
), cats AS (
    SELECT x.customer_id, p.category_id,
           ROW_NUMBER() OVER (PARTITION BY x.customer_id ORDER BY SUM(x.amount) DESC, p.category_id) AS rn
    FROM {lines}
    GROUP BY x.customer_id, p.category_id HAVING SUM(x.amount) > 0
), stores AS (
    SELECT customer_id, store_id,
           ROW_NUMBER() OVER (PARTITION BY customer_id
                              ORDER BY COUNT(*) DESC, SUM(total_amount) DESC, store_id) AS rn
    FROM co WHERE kind = 'sale' AND store_id IS NOT NULL GROUP BY customer_id, store_id
), rows_ AS (
    SELECT customer_id, kind, ordered_at, ordered_on, first_day, total_quantity, total_amount, total_cost,
           CAST(NULL AS BIGINT) AS c1, CAST(NULL AS BIGINT) AS c2, CAST(NULL AS BIGINT) AS c3,
           CAST(NULL AS BIGINT) AS main_store FROM co
    UNION ALL
    SELECT customer_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           CASE WHEN rn = 1 THEN category_id END, CASE WHEN rn = 2 THEN category_id END,
           CASE WHEN rn = 3 THEN category_id END, NULL
    FROM cats WHERE rn <= 3
    UNION ALL
    SELECT customer_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, store_id
    FROM stores WHERE rn = 1
), b AS (
    SELECT customer_id,
           MIN(CASE WHEN kind = 'sale' THEN ordered_at END) AS first_at,
           MAX(CASE WHEN kind = 'sale' THEN ordered_at END) AS last_at,
           SUM(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END) AS orders_count,
           COUNT(DISTINCT CASE WHEN kind = 'sale' THEN ordered_on END) AS purchase_days,
           ROUND(SUM(CASE WHEN kind = 'sale' AND ordered_on > first_day THEN total_amount ELSE 0 END), 2)
               AS repeat_spend,
           ROUND(SUM(CASE WHEN kind = 'sale' THEN total_amount ELSE 0 END), 2) AS sales_amount,
           SUM(CASE WHEN kind = 'return' THEN 1 ELSE 0 END) AS returns_count,
           ROUND(-SUM(CASE WHEN kind = 'return' THEN total_amount ELSE 0 END), 2) AS returns_amount,
           ROUND(SUM(total_quantity), 3) AS quantity,
           ROUND(SUM(total_amount), 2) AS amount,
           ROUND(SUM(total_amount) - SUM(total_cost), 2) AS margin,
           MAX(c1) AS c1, MAX(c2) AS c2, MAX(c3) AS c3, MAX(main_store) AS main_store
    FROM rows_ GROUP BY customer_id
)
SELECT b.customer_id, b.first_at, b.last_at, b.orders_count, b.purchase_days, b.repeat_spend,
       b.sales_amount, b.returns_count, b.returns_amount, b.quantity, b.amount, b.margin,
       CASE WHEN b.orders_count > 0 THEN {_half_up("ROUND(b.sales_amount * 100)", "b.orders_count")} / 100.0 END,
       CASE WHEN b.quantity > 0
            THEN {_half_up("ROUND(b.amount * 100000)", "ROUND(b.quantity * 1000)")} / 100.0 END,
       b.c1, b.c2, b.c3, b.main_store, %s
FROM b
"""


def _now() -> Any:
    return db_value(timezone.now())


# A refresh walks the indexes (PostgreSQL) while its customers are at most this share of the orders.
# A 10,000-order API call (10,000 customers) over 3.3 million orders and 10 million lines took 1.5 s
# that way and 3.4 s hashing them all; a file touching nearly every customer is faster hashed.
INDEXED_UP_TO = 0.05


def _indexed(customers: int) -> bool:
    if connection.vendor != "postgresql" or not customers:
        return False
    with connection.cursor() as cursor:
        # The planner's estimate of the orders (-1 for a table never analysed: few orders).
        cursor.execute(f"SELECT reltuples FROM pg_class WHERE oid = '{ORDERS}'::regclass")
        orders = max(float(cursor.fetchone()[0]), 0.0)
    return customers / INDEXED_UP_TO <= orders


def _refresh(scope: str, params: list[Any], *, customers: int | None = None) -> int:
    indexed = customers is not None and _indexed(customers)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One refresh at a time, until its commit: two batches of the same customer would each
            # recompute it without the other's orders, and the second would find the first's new
            # summary row (a duplicate key). Each statement after the lock sees what the lock waited
            # for (read committed); the readers of summaries are not held up. SQLite writes one
            # transaction at a time anyway.
            cursor.execute(f"LOCK TABLE {SUMMARIES} IN SHARE ROW EXCLUSIVE MODE")
        if scope:
            cursor.execute(f"DELETE FROM {SUMMARIES} WHERE customer_id IN ({scope})", params)
        else:
            cursor.execute(f"DELETE FROM {SUMMARIES}")
        # The scope appears once in the indexed form, twice in the other (the orders, the lines).
        scope_params = params if indexed or not scope else [*params, *params]
        if connection.vendor == "postgresql" and not indexed and (customers is None or customers >= PARALLEL_FROM):
            return _insert_in_parallel(cursor, _select(scope), [*scope_params, _now()])
        cursor.execute(f"INSERT INTO {SUMMARIES} ({COLUMNS}) {_select(scope, indexed=indexed)}", [*scope_params, _now()])
        return int(cursor.rowcount)


# From this many customers on (a file, a full rebuild) the summaries are computed with parallel workers,
# which only a SELECT or CREATE TABLE … AS may use, not INSERT … SELECT. Guanxi's connections have
# none by default (config/settings.py: a web request should not take every core).
PARALLEL_FROM = 20_000


def _insert_in_parallel(cursor: Any, select: str, params: list[Any]) -> int:
    """INSERT the rows of `select` by way of a temporary table that parallel workers fill: the lines'
    scan, joins and sort by customer and category run on every core (4.0 → 3.3 s for 96,517
    customers and 1,000,000 lines on two cores). The planner is told that starting workers and
    passing rows costs nothing: with the default costs it keeps a plan this large on one core."""
    cursor.execute("DROP TABLE IF EXISTS purchase_summary_rows")
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 2")
    cursor.execute("SET LOCAL parallel_setup_cost = 0")
    cursor.execute("SET LOCAL parallel_tuple_cost = 0")
    cursor.execute(f"CREATE TEMP TABLE purchase_summary_rows ({COLUMNS}) AS {select}", params)
    # (A failed statement ends the transaction, and these settings with it.)
    for setting in ("max_parallel_workers_per_gather", "parallel_setup_cost", "parallel_tuple_cost"):
        cursor.execute(f"SET LOCAL {setting} TO DEFAULT")
    cursor.execute(f"INSERT INTO {SUMMARIES} ({COLUMNS}) SELECT * FROM purchase_summary_rows")
    count = int(cursor.rowcount)
    cursor.execute("DROP TABLE purchase_summary_rows")
    return count


def refresh_dirty(batch: str) -> int:
    """Recompute the summaries of the customers a batch marked dirty, then forget the marks."""
    scope = f"SELECT customer_id FROM {DirtyCustomer._meta.db_table} WHERE batch = %s"
    dirty = DirtyCustomer.objects.filter(batch=batch)
    customers = dirty.count()
    if customers >= ANALYZE_FROM:  # not for a small batch: see ANALYZE_FROM
        analyze(DirtyCustomer._meta.db_table)
    count = _refresh(scope, [batch], customers=customers)
    dirty.delete()
    return count


def refresh_customers(customer_ids: list[int]) -> int:
    """Recompute the summaries of a few customers (a merge): the ids go in as parameters."""
    if not customer_ids:
        return 0
    scope = f"SELECT id FROM {Customer._meta.db_table} WHERE id IN (" + ", ".join(["%s"] * len(customer_ids)) + ")"
    return _refresh(scope, list(customer_ids), customers=len(customer_ids))


def refresh_buyers_of(product_id: int) -> int:
    """Recompute the summaries of every customer with a line of this product (its category changed:
    the top categories follow the catalogue as it is now, as a rebuild would). The lines have no
    index by product, so finding the buyers reads them all: 2.4 s in all for a product of about
    10,000 buyers among 10,800,000 lines (6.1 s when the buyers were not counted first and every
    order and line was hashed), for a rare change."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS product_buyers")
        cursor.execute(f"CREATE TEMP TABLE product_buyers AS SELECT DISTINCT o.customer_id FROM {ORDERS} o "
                       f"WHERE EXISTS (SELECT 1 FROM {LINES} l WHERE l.order_id = o.id AND l.product_id = %s)",
                       [product_id])
        cursor.execute("SELECT COUNT(*) FROM product_buyers")
        buyers = int(cursor.fetchone()[0])
        # Counted first, so that a product of few buyers has them refreshed by index.
        refreshed = _refresh("SELECT customer_id FROM product_buyers", [], customers=buyers) if buyers else 0
        cursor.execute("DROP TABLE product_buyers")
    return refreshed


def rebuild_all() -> int:
    """Every summary from every order: for repair and for checking the incremental path."""
    return _refresh("", [])
