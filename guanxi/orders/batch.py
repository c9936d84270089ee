"""Orders in, set-based: a batch of order lines is staged, checked in SQL, and applied with
`INSERT … SELECT` / `UPDATE … FROM`, then the purchase summaries of the customers it touched are
recomputed in one statement. The API (`POST /orders/bulk`), the file import and the demo all end here.

Every check marks staged lines; a line of an order that has any invalid line is never applied, so an
order is applied whole or not at all. Orders are keyed by (source, external id): a re-sent order
replaces its lines and order fields, it is never duplicated.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.choices import DataScope
from guanxi.accounts.models import Store
from guanxi.core import events
from guanxi.core.db import ANALYZE_FROM, analyze, copy_lines, copy_value, db_value, execute, write_rows
from guanxi.orders.choices import OrderKind, OrderStatus, SalesChannel
from guanxi.orders.models import DirtyCustomer, Order, OrderLine, Product, StagedLine
from guanxi.orders.summary import refresh_dirty

# Purchase days are calendar days in China, whatever the server's time zone.
PURCHASE_DAY_TZ = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
MAX_QUANTITY = Decimal("99999999999")
MAX_MONEY = Decimal("999999999999")

STAGED_COLUMNS = [
    "batch", "line", "group_no", "source", "external_id", "customer_code", "customer_name", "customer_id",
    "store_code", "store_id", "channel", "kind", "status", "ordered_at", "ordered_on", "original_external_id",
    "product_code", "product_id", "quantity", "unit_price", "discount", "amount", "unit_cost",
    "error_field", "error",
]


@dataclass
class LineData:
    """One order line as a sending system describes it."""

    product_code: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal(0)
    amount: Decimal | None = None


@dataclass
class OrderData:
    """One order (or return) as a sending system describes it, keyed by (source, external id)."""

    source: str
    external_id: str
    customer_code: str
    ordered_at: dt.datetime
    lines: list[LineData]
    store_code: str = ""
    channel: str = SalesChannel.STORE
    kind: str = OrderKind.SALE
    status: str = OrderStatus.PLACED
    original_external_id: str = ""
    customer_name: str = ""


@dataclass
class Failure:
    """An order that was not applied, and why (the first problem of each field)."""

    source: str
    external_id: str
    index: int
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    lines: int = 0
    customers: int = 0
    failures: list[Failure] = field(default_factory=list)


def purchase_day(at: dt.datetime) -> dt.date:
    return at.astimezone(PURCHASE_DAY_TZ).date()


def aware(at: dt.datetime) -> dt.datetime:
    """A time without a zone is read as China time (what a Chinese POS writes)."""
    return at if timezone.is_aware(at) else at.replace(tzinfo=PURCHASE_DAY_TZ)


def line_error(order: OrderData, line: LineData, amount: Decimal | None = None) -> tuple[str, str] | None:
    """What is wrong with one line on its own (the set-based checks see the whole batch); `amount` is
    the line's amount when the caller has it already."""
    if order.kind == OrderKind.RETURN:
        if line.quantity >= 0:
            return "quantity", _("A return's quantities must be negative.")
    elif line.quantity <= 0:
        return "quantity", _("Quantity must be more than zero.")
    if abs(line.quantity) > MAX_QUANTITY:
        return "quantity", _("Quantity is too large.")
    if line.unit_price < 0 or line.unit_price > MAX_MONEY:
        return "unit_price", _("Unit price must be between 0 and 999,999,999,999.")
    if amount is None:
        amount = line_amount(line)
    if abs(amount) > MAX_MONEY or abs(line.discount) > MAX_MONEY:
        return "amount", _("Amount is too large.")
    if order.kind == OrderKind.RETURN and amount > 0:
        return "amount", _("A return's amounts must not be positive.")
    if order.kind != OrderKind.RETURN and amount < 0:
        return "amount", _("Amount must not be negative.")
    return None


def line_amount(line: LineData) -> Decimal:
    if line.amount is not None:
        return line.amount.quantize(CENT)
    return (line.quantity * line.unit_price - line.discount).quantize(CENT)


# Order times outside these years are refused: 0001-01-01, the "no date" of many exports, is not a year
# the database can store in UTC, and no order of ours is that old or that far ahead.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# What an order whose time was refused is staged with (it is never applied).
NO_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def order_error(order: OrderData) -> tuple[str, str] | None:
    if not order.lines:
        return "lines", _("An order needs at least one line.")
    if not FIRST_YEAR <= order.ordered_at.year <= LAST_YEAR:
        return "ordered_at", _("Enter a time between the years %(first)s and %(last)s.") % {
            "first": FIRST_YEAR, "last": LAST_YEAR}
    if order.kind == OrderKind.RETURN and not order.original_external_id:
        return "original_external_id", _("A return must name the original order.")
    if order.kind != OrderKind.RETURN and order.original_external_id:
        return "original_external_id", _("Only a return refers to an original order.")
    return None


def _known_codes(orders: Sequence[OrderData], actor: Any) -> tuple[
        dict[str, int], dict[str, tuple[int, Decimal]], dict[str, int]]:
    """The ids of the batch's customer (visible to the actor), product and store codes, three queries
    by index (PostgreSQL). Lines staged with their ids are skipped by `check`'s resolving UPDATE, which
    would otherwise rewrite every staged line: a third of a 10,000-order call's checks."""
    customer_codes = list({o.customer_code for o in orders})
    product_codes = list({line.product_code for o in orders for line in o.lines})
    store_codes = list({o.store_code for o in orders if o.store_code})
    customers_sql, params = visible_customers_sql(actor)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT c.code, c.id FROM ({customers_sql}) c WHERE c.code = ANY(%s)",
                       [*params, customer_codes])
        customers = {code: int(pk) for code, pk in cursor.fetchall()}
        cursor.execute(f"SELECT code, id, cost FROM {PRODUCTS} WHERE code = ANY(%s)", [product_codes])
        products = {code: (int(pk), cost) for code, pk, cost in cursor.fetchall()}
        cursor.execute(f"SELECT code, id FROM {STORES} WHERE code = ANY(%s)", [store_codes])
        stores = {code: int(pk) for code, pk in cursor.fetchall()}
    return customers, products, stores


# The staged columns, an order's first and each line's after: on PostgreSQL an order's part of the
# COPY text is formatted once, not once per line.
ORDER_COLUMNS = [
    "batch", "group_no", "source", "external_id", "customer_code", "customer_name", "customer_id",
    "store_code", "store_id", "channel", "kind", "status", "ordered_at", "ordered_on", "original_external_id",
]
LINE_COLUMNS = ["line", "product_code", "product_id", "quantity", "unit_price", "discount", "amount", "unit_cost",
                "error_field", "error"]


def stage_orders(batch: str, orders: Sequence[OrderData], *, actor: Any = None) -> int:
    """Write the orders' lines to the staging table, each with its own first error (if any); return
    how many rows it wrote. With an actor (PostgreSQL), the codes' ids are staged with the lines."""
    postgres = connection.vendor == "postgresql"
    customers: dict[str, int] = {}
    products: dict[str, tuple[int, Decimal]] = {}
    stores: dict[str, int] = {}
    if actor is not None and postgres:
        customers, products, stores = _known_codes(orders, actor)
    no_product = (None, 0)
    columns = ORDER_COLUMNS + LINE_COLUMNS
    texts: list[str] = []  # PostgreSQL: COPY text lines
    rows: list[tuple[Any, ...]] = []  # elsewhere: values, datetimes adapted
    staged = 0

    def add(head: tuple[Any, ...], head_text: str, tail: tuple[Any, ...]) -> None:
        if postgres:
            texts.append(head_text + "\t".join(map(copy_value, tail)) + "\n")
        else:
            rows.append(db_row(head + tail))

    for index, order in enumerate(orders):
        problem = order_error(order)
        at = NO_TIME if problem and problem[0] == "ordered_at" else aware(order.ordered_at)
        head = (batch, index, order.source, order.external_id, order.customer_code, order.customer_name,
                customers.get(order.customer_code), order.store_code, stores.get(order.store_code), order.channel,
                order.kind, order.status, at, purchase_day(at), order.original_external_id)
        head_text = "\t".join(map(copy_value, head)) + "\t" if postgres else ""
        for number, line in enumerate(order.lines):
            amount = line_amount(line)
            error = problem or line_error(order, line, amount)
            product_id, unit_cost = products.get(line.product_code, no_product)
            add(head, head_text, (
                index * 10000 + number, line.product_code, product_id, line.quantity, line.unit_price, line.discount,
                amount if abs(amount) <= MAX_MONEY else Decimal(0), unit_cost,
                error[0] if error else "", error[1] if error else ""))
        if not order.lines:
            # An order without lines still needs a row to carry its error.
            add(head, head_text, (index * 10000, "", None, 0, 0, 0, 0, 0,
                                  problem[0] if problem else "", problem[1] if problem else ""))
        if len(texts) + len(rows) >= 20000:
            staged += _write_staged(columns, texts, rows)
    return staged + _write_staged(columns, texts, rows)


def _write_staged(columns: list[str], texts: list[str], rows: list[tuple[Any, ...]]) -> int:
    count = len(texts) + len(rows)
    if texts:
        copy_lines(STAGED, columns, texts)
    if rows:
        write_rows(STAGED, columns, rows)
    texts.clear()
    rows.clear()
    return count


def db_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(db_value(v) for v in row)


# --- set-based checks ------------------------------------------------------------------------

STAGED = StagedLine._meta.db_table
ORDERS = Order._meta.db_table
LINES = OrderLine._meta.db_table
PRODUCTS = Product._meta.db_table
STORES = Store._meta.db_table
# One row per order of the batch being applied (a temporary table: per connection, gone at the end).
GROUPS = "order_batch_groups"


def _mark(batch: str, condition: str, error_field: str, message: str, params: Sequence[Any] = ()) -> int:
    """Give every still-valid line of the batch matching `condition` (SQL on alias s) this error."""
    return execute(
        f"UPDATE {STAGED} SET error_field = %s, error = %s WHERE id IN ("
        f"SELECT s.id FROM {STAGED} s WHERE s.batch = %s AND s.error = '' AND ({condition}))",
        [error_field, message, batch, *params],
    )


def _mark_first(batch: str, checks: Sequence[tuple[str, str, str]]) -> int:
    """`_mark` for several (condition, field, message) at once: one pass over the batch, each still-valid
    line getting the error of the first condition it matches."""
    field_case = " ".join(f"WHEN {c} THEN %s" for c, _f, _m in checks)
    matches = " OR ".join(f"({c})" for c, _f, _m in checks)
    return execute(
        f"UPDATE {STAGED} AS s SET error_field = CASE {field_case} END, error = CASE {field_case} END "
        f"WHERE s.batch = %s AND s.error = '' AND ({matches})",
        [*(f for _c, f, _m in checks), *(m for _c, _f, m in checks), batch],
    )


def visible_customers_sql(actor: Any) -> tuple[str, list[Any]]:
    """SQL selecting (id, code) of the customers the actor may see (every customer for an administrator)."""
    from guanxi.customers.models import Customer

    query = Customer.objects.visible_to(actor).values("id", "code").order_by().query
    sql, params = query.sql_with_params()
    return sql, list(params)


def check(batch: str, *, actor: Any, rows: int, several_orders_per_key: bool = True) -> None:
    """Every file-wide and database check, set-based; then an order with one bad line fails whole.

    `rows` is how many lines the batch staged. Below `ANALYZE_FROM` the staging table was not analysed
    (see `analyze_staging`), and old statistics (a near-empty table) would suggest nested loops that
    compare every staged line with every other: the checks join by hashing instead.
    """
    small = rows < ANALYZE_FROM and connection.vendor == "postgresql"
    if small:
        execute("SET LOCAL enable_nestloop = off")
    try:
        _check(batch, actor=actor, several_orders_per_key=several_orders_per_key)
    finally:
        if small:
            execute("SET LOCAL enable_nestloop TO DEFAULT")


def _check(batch: str, *, actor: Any, several_orders_per_key: bool) -> None:
    customers_sql, customer_params = visible_customers_sql(actor)
    # One pass resolves every code by index lookups (three UPDATE … FROM passes rewrote the rows thrice).
    execute(
        f"UPDATE {STAGED} SET "
        f"customer_id = coalesce(customer_id, (SELECT c.id FROM ({customers_sql}) c "
        f"WHERE c.code = {STAGED}.customer_code)), "
        f"product_id = coalesce(product_id, (SELECT p.id FROM {PRODUCTS} p WHERE p.code = {STAGED}.product_code)), "
        f"unit_cost = CASE WHEN product_id IS NULL THEN coalesce((SELECT p.cost FROM {PRODUCTS} p "
        f"WHERE p.code = {STAGED}.product_code), 0) ELSE unit_cost END, "
        f"store_id = coalesce(store_id, (SELECT st.id FROM {STORES} st "
        f"WHERE st.code = {STAGED}.store_code AND {STAGED}.store_code <> '')) "
        f"WHERE {STAGED}.batch = %s AND ({STAGED}.customer_id IS NULL OR {STAGED}.product_id IS NULL "
        f"OR ({STAGED}.store_id IS NULL AND {STAGED}.store_code <> ''))",
        [*customer_params, batch],
    )
    if several_orders_per_key:
        _mark(batch, f"EXISTS (SELECT 1 FROM {STAGED} d WHERE d.batch = s.batch AND d.source = s.source "
                     "AND d.external_id = s.external_id AND d.group_no <> s.group_no)",
              "external_id", _("This order appears twice in the batch."))
    # The unknown codes in one pass, the first of each line's problems winning.
    _mark_first(batch, [
        ("s.customer_id IS NULL", "customer_code", _("No customer with this code (that you may see).")),
        ("s.product_id IS NULL", "product_code", _("No product with this code.")),
        ("s.store_code <> '' AND s.store_id IS NULL", "store_code", _("No store with this code.")),
    ])
    if getattr(actor, "data_scope", None) != DataScope.ALL:
        # A re-sent order must be one the actor may see: (source, external id) is unique across every
        # team, so a rep sending another team's key would otherwise move that order to their customer.
        _mark(batch, f"EXISTS (SELECT 1 FROM {ORDERS} o WHERE o.source = s.source AND o.external_id = s.external_id "
                     f"AND NOT EXISTS (SELECT 1 FROM ({customers_sql}) c WHERE c.id = o.customer_id))",
              "external_id", _("An order with this source and external id belongs to a customer you may not see."),
              customer_params)
    # One pass over the orders: lines that disagree, or totals beyond what an order can hold.
    differ = " OR ".join(f"MIN({c}) <> MAX({c})" for c in (
        "customer_code", "store_code", "channel", "kind", "status", "ordered_at", "original_external_id"))
    too_large = (f"abs(SUM(amount)) > {MAX_MONEY} OR abs(SUM(discount)) > {MAX_MONEY} "
                 f"OR abs(SUM(quantity)) > {MAX_QUANTITY} OR abs(SUM(quantity * unit_cost)) > {MAX_MONEY}")
    execute(
        f"UPDATE {STAGED} SET error_field = 'lines', error = bad.message FROM ("
        f"SELECT source, external_id, CASE WHEN {differ} THEN %s ELSE %s END AS message FROM {STAGED} "
        f"WHERE batch = %s GROUP BY source, external_id HAVING {differ} OR {too_large}) bad "
        f"WHERE {STAGED}.batch = %s AND {STAGED}.error = '' AND {STAGED}.source = bad.source AND {STAGED}.external_id = bad.external_id",
        [_("The lines of this order disagree on its customer, store, channel, kind, status, time or original order."),
         _("The order's totals are too large (at most 999,999,999,999 in amount, 99,999,999,999 in quantity)."),
         batch, batch])
    # An order with one bad line fails whole; a clean batch (the usual file) skips the passes that say so.
    if _has_errors(batch):
        _propagate(batch)
    if _check_originals(batch):
        _propagate(batch)


def _has_errors(batch: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {STAGED} WHERE batch = %s AND error <> '')", [batch])
        return bool(cursor.fetchone()[0])


def _check_originals(batch: str) -> int:
    # The original is a sale of the same customer (so one the actor may see), stored or in the batch.
    ok_in_db = (f"EXISTS (SELECT 1 FROM {ORDERS} o WHERE o.source = s.source "
                "AND o.external_id = s.original_external_id AND o.kind = 'sale' AND o.customer_id = s.customer_id)")
    ok_in_batch = (f"EXISTS (SELECT 1 FROM {STAGED} b WHERE b.batch = s.batch AND b.source = s.source "
                   "AND b.external_id = s.original_external_id AND b.kind = 'sale' AND b.error = '' "
                   "AND b.customer_id = s.customer_id)")
    # A stored sale that has returns stays a sale: as a return it would leave them referring to a return.
    has_returns = (f"EXISTS (SELECT 1 FROM {ORDERS} o JOIN {ORDERS} r ON r.original_id = o.id "
                   "WHERE o.source = s.source AND o.external_id = s.external_id AND o.kind = 'sale')")
    marked = _mark(batch, f"s.kind = 'return' AND {has_returns}", "kind",
                   _("This sale has returns, so it cannot become a return."))
    return marked + _mark(batch, f"s.kind = 'return' AND NOT {ok_in_db} AND NOT {ok_in_batch}",
                          "original_external_id",
                          _("The original order of this return is not known (same source and customer, a sale)."))


def _propagate(batch: str) -> None:
    _mark(batch, f"(s.source, s.external_id) IN (SELECT source, external_id FROM {STAGED} "
                 "WHERE batch = %s AND error <> '' AND error_field <> 'lines')",
          "lines", _("Another line of this order is invalid."), [batch])


def failures(batch: str) -> list[Failure]:
    """The orders that failed, each with its errors by field, in batch order."""
    found: dict[tuple[str, str, int], Failure] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT source, external_id, group_no, error_field, error FROM {STAGED} "
            "WHERE batch = %s AND error <> '' ORDER BY group_no, line", [batch])
        for source, external_id, group_no, error_field, error in cursor.fetchall():
            failure = found.setdefault((source, external_id, group_no), Failure(source, external_id, int(group_no)))
            if error_field == "lines" and any(f != "lines" for f, _m in failure.errors):
                continue
            if (error_field, error) not in failure.errors:
                failure.errors.append((error_field, error))
    for failure in found.values():
        real = [(f, m) for f, m in failure.errors if f != "lines"]
        failure.errors = real or failure.errors
    return list(found.values())


# --- apply -------------------------------------------------------------------------------------

def _now_param() -> Any:
    return db_value(timezone.now())


def apply_valid_orders(batch: str) -> Outcome:
    """Apply every order of the batch without an error, then refresh the touched summaries."""
    outcome = Outcome()
    valid = f"(SELECT * FROM {STAGED} WHERE batch = %s AND error = '')"
    now = _now_param()
    # One row per order, computed once (a temporary table: per connection, gone at the end), with the
    # order it re-sends if any, and the id a new order will have: taken from the id sequence here, so
    # the orders need not be looked up again once written. A re-sent order whose fields and totals
    # are those stored is `same` until its lines say otherwise (below).
    same = ("coalesce(o.customer_id = g.customer_id AND coalesce(o.store_id, 0) = coalesce(g.store_id, 0) "
            "AND o.channel = g.channel AND o.kind = g.kind AND o.status = g.status AND o.ordered_at = g.ordered_at "
            "AND o.line_count = g.line_count AND o.total_quantity = g.total_quantity "
            "AND o.total_discount = g.total_discount AND o.total_amount = g.total_amount "
            "AND o.total_cost = g.total_cost AND CASE WHEN o.original_id IS NULL THEN '' ELSE "
            f"(SELECT orig.external_id FROM {ORDERS} orig WHERE orig.id = o.original_id) END "
            "= g.original_external_id, false)")
    execute(f"DROP TABLE IF EXISTS {GROUPS}")
    execute(
        f"CREATE TEMP TABLE {GROUPS} AS "
        f"SELECT g.*, o.id IS NULL AS is_new, coalesce(o.id, {_next_order_id()}) AS order_id, "
        f"o.customer_id AS previous_customer_id, {same} AS same FROM ("
        "SELECT source, external_id, MIN(customer_id) AS customer_id, MIN(store_id) AS store_id, "
        "MIN(channel) AS channel, MIN(kind) AS kind, MIN(status) AS status, MIN(ordered_at) AS ordered_at, "
        "MIN(ordered_on) AS ordered_on, MIN(original_external_id) AS original_external_id, "
        "COUNT(*) AS line_count, ROUND(SUM(quantity), 3) AS total_quantity, "
        "ROUND(SUM(discount), 2) AS total_discount, ROUND(SUM(amount), 2) AS total_amount, "
        f"ROUND(SUM(quantity * unit_cost), 2) AS total_cost FROM {valid} v GROUP BY source, external_id) g "
        f"LEFT JOIN {ORDERS} o ON o.source = g.source AND o.external_id = g.external_id "
        "ORDER BY g.source, g.external_id",
        [batch])
    analyze(GROUPS)
    outcome.unchanged, unchanged_lines = _unchanged(batch)
    # The customers whose figures change: the batch's, and the previous customer of a re-sent order.
    execute(f"INSERT INTO {DirtyCustomer._meta.db_table} (batch, customer_id) "
             f"SELECT DISTINCT %s, customer_id FROM {GROUPS} WHERE NOT same UNION "
             f"SELECT DISTINCT %s, previous_customer_id FROM {GROUPS} WHERE previous_customer_id IS NOT NULL AND NOT same",
             [batch, batch])
    outcome.updated = execute(
        f"UPDATE {ORDERS} SET customer_id = g.customer_id, store_id = g.store_id, channel = g.channel, "
        "kind = g.kind, status = g.status, ordered_at = g.ordered_at, ordered_on = g.ordered_on, "
        "original_id = NULL, line_count = g.line_count, total_quantity = g.total_quantity, "
        "total_discount = g.total_discount, total_amount = g.total_amount, total_cost = g.total_cost, "
        f"updated_at = %s FROM {GROUPS} g WHERE NOT g.is_new AND NOT g.same AND {ORDERS}.id = g.order_id",
        [now])
    if outcome.updated:
        # Corrected lines replace the old ones: delete the re-sent orders' lines first.
        execute(f"DELETE FROM {LINES} WHERE order_id IN (SELECT order_id FROM {GROUPS} "
                 "WHERE NOT is_new AND NOT same)")
    outcome.created = execute(
        f"INSERT INTO {ORDERS} (id, customer_id, store_id, channel, source, external_id, kind, ordered_at, "
        "ordered_on, status, line_count, total_quantity, total_discount, total_amount, total_cost, "
        "created_at, updated_at) "
        "SELECT g.order_id, g.customer_id, g.store_id, g.channel, g.source, g.external_id, g.kind, g.ordered_at, "
        "g.ordered_on, g.status, g.line_count, g.total_quantity, g.total_discount, g.total_amount, g.total_cost, "
        f"%s, %s FROM {GROUPS} g WHERE g.is_new ORDER BY g.order_id",
        [now, now])
    if outcome.created >= 50_000:
        analyze(ORDERS)
    outcome.lines = execute(
        f"INSERT INTO {LINES} (order_id, line_no, product_id, quantity, unit_price, discount, amount, "
        "unit_cost) SELECT g.order_id, ROW_NUMBER() OVER (PARTITION BY s.source, s.external_id ORDER BY s.line), "
        "s.product_id, s.quantity, s.unit_price, s.discount, s.amount, s.unit_cost "
        f"FROM {STAGED} s JOIN {GROUPS} g ON g.source = s.source AND g.external_id = s.external_id "
        "WHERE s.batch = %s AND s.error = '' AND NOT g.same",
        [batch]) + unchanged_lines
    execute(
        f"UPDATE {ORDERS} SET original_id = orig.id "
        f"FROM {GROUPS} g JOIN {ORDERS} orig "
        "ON orig.source = g.source AND orig.external_id = g.original_external_id "
        f"WHERE g.kind = 'return' AND NOT g.same AND {ORDERS}.id = g.order_id")
    _publish_applied(batch)
    execute(f"DROP TABLE {GROUPS}")
    outcome.customers = refresh_dirty(batch)
    return outcome


def _publish_applied(batch: str) -> None:
    """One OrderBatchApplied per batch, its ids as ranges (a handler finds every order and line it wrote)."""
    if not events.current_subscribers().for_type(events.OrderBatchApplied):
        return
    written = f"SELECT order_id FROM {GROUPS} WHERE NOT same"
    events.publish(events.OrderBatchApplied(
        batch_id=batch,
        customer_ids=events.Ids.from_query(
            f"SELECT customer_id FROM {GROUPS} WHERE NOT same UNION "
            f"SELECT previous_customer_id FROM {GROUPS} WHERE NOT same"),
        created_order_ids=events.Ids.from_query(f"{written} AND is_new"),
        changed_order_ids=events.Ids.from_query(f"{written} AND NOT is_new"),
        return_order_ids=events.Ids.from_query(f"{written} AND kind = 'return'"),
    ))


def _unchanged(batch: str) -> tuple[int, int]:
    """Settle which re-sent orders are unchanged: fields and totals as stored (`same`), and every line
    as stored, in the same place. Those are not written again, and their customers' summaries not
    recomputed. Return how many orders are unchanged, and their lines."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {GROUPS} WHERE same")
        if not cursor.fetchone()[0]:
            return 0, 0
    # The stored lines of an order are numbered 1..line_count, and the counts are equal: each new
    # line finding its stored twin means the lines are the same.
    execute(
        f"UPDATE {GROUPS} SET same = false WHERE same AND order_id IN ("
        "SELECT n.order_id FROM (SELECT g.order_id, ROW_NUMBER() OVER (PARTITION BY s.source, s.external_id "
        "ORDER BY s.line) AS line_no, s.product_id, s.quantity, s.unit_price, s.discount, s.amount, s.unit_cost "
        f"FROM {STAGED} s JOIN {GROUPS} g ON g.source = s.source AND g.external_id = s.external_id "
        "WHERE s.batch = %s AND s.error = '' AND g.same) n "
        f"LEFT JOIN {LINES} x ON x.order_id = n.order_id AND x.line_no = n.line_no "
        "WHERE x.id IS NULL OR x.product_id <> n.product_id OR x.quantity <> n.quantity "
        "OR x.unit_price <> n.unit_price OR x.discount <> n.discount OR x.amount <> n.amount "
        "OR x.unit_cost <> n.unit_cost)",
        [batch])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), coalesce(SUM(line_count), 0) FROM {GROUPS} WHERE same")
        orders, lines = cursor.fetchone()
    return int(orders), int(lines)


def _next_order_id() -> str:
    """SQL giving each new order of a batch its id: the table's own sequence on PostgreSQL; on SQLite
    (one writer at a time) the ids after the highest ever given, as AUTOINCREMENT would."""
    if connection.vendor == "postgresql":
        # The sequence's name looked up once: pg_get_serial_sequence in the statement ran for every row.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_get_serial_sequence('{ORDERS}', 'id')")
            sequence = cursor.fetchone()[0]
        return f"nextval('{sequence}'::regclass)"
    return (f"(SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = '{ORDERS}'), 0), "
            f"coalesce((SELECT max(id) FROM {ORDERS}), 0))) "
            "+ ROW_NUMBER() OVER (PARTITION BY o.id IS NULL ORDER BY g.source, g.external_id)")


def discard(batch: str) -> None:
    StagedLine.objects.filter(batch=batch).delete()
    DirtyCustomer.objects.filter(batch=batch).delete()


def discard_large(batch: str) -> None:
    """Outside a transaction, after a large batch: empty the staging tables at once (TRUNCATE) when no
    other batch has rows there and none is writing; otherwise delete this batch's rows and vacuum.

    Deleting and vacuuming a million staged rows took a second; TRUNCATE takes none. A batch that
    is writing holds its lock on the tables, so taking ours without waiting fails and the slow way
    runs; rows of a finished or committed batch are seen, and kept.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        discard(batch)
        return
    dirty = DirtyCustomer._meta.db_table
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {STAGED}, {dirty} IN ACCESS EXCLUSIVE MODE NOWAIT")
            others = " OR ".join(f"EXISTS (SELECT 1 FROM {table} WHERE batch {op} %s)"
                                 for table in (STAGED, dirty) for op in ("<", ">"))
            cursor.execute(f"SELECT {others}", [batch] * 4)
            if not cursor.fetchone()[0]:
                cursor.execute(f"TRUNCATE {STAGED}, {dirty}")
                return
    except OperationalError:  # another batch holds the tables
        pass
    discard(batch)
    vacuum_staging()


def vacuum_staging() -> None:
    """PostgreSQL, outside a transaction: reclaim the staging rows of finished batches now.

    The staging tables are a queue: every batch writes its rows and deletes them. Autovacuum looks
    once a minute at most; at 5,000 orders/s that is over a million dead rows, which every check
    statement would scan past. A vacuum already running (another call's) is not waited for.
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (SKIP_LOCKED) {STAGED}, {DirtyCustomer._meta.db_table}")


def new_batch() -> str:
    return str(uuid.uuid4())


def analyze_staging(rows: int) -> None:
    """Fresh statistics for the checks of a large batch (a small one's checks hash: see `check`)."""
    if rows >= ANALYZE_FROM:
        analyze(STAGED)
