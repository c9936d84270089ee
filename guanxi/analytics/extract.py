"""The one place that reads the database for analytics: rows in, numpy arrays out.

Nightly runs read the purchase summary (one row per customer, kept by the orders app), so their
cost grows with the number of customers, not with order history; only the purchase days of the last
180 days (the lifecycle rule's window) come from orders. Runs with a calibration end (`until`) or a
hold-out period read orders aggregated in SQL per customer and purchase day instead (the calendar
day in Asia/Shanghai, `Order.ordered_on`), which is what the models need and what the summary
cannot give for a past date.

On PostgreSQL every read is a `COPY (SELECT …) TO STDOUT (FORMAT BINARY)` of fixed-width, never-NULL
columns, turned into arrays by one `numpy.frombuffer`: a million summary rows arrive in about a
second with no Python object per row. SQLite (tests, small installs) fetches rows through the cursor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from guanxi.analytics.compute._optim import FloatArray, IntArray
from guanxi.analytics.compute.summary import (
    DAYS_PER_UNIT,
    CustomerSummary,
    Unit,
    summarize_transactions,
    to_day_numbers,
)
from guanxi.analytics.models import CustomerMetrics
from guanxi.orders.models import Order, OrderLine, PurchaseSummary

ORDERS = Order._meta.db_table
LINES = OrderLine._meta.db_table
SUMMARIES = PurchaseSummary._meta.db_table
METRICS = CustomerMetrics._meta.db_table

EPOCH = dt.date(1970, 1, 1)
RECENT_WINDOW_DAYS = 180
_PG_HEADER = 19  # b"PGCOPY\n\xff\r\n\0" + flags (4) + header extension length (4)
_PG_TYPES = {"int8": ">i8", "int4": ">i4", "float8": ">f8"}


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01, the unit every array here uses for dates."""
    return (day - EPOCH).days


def from_day_number(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(number))


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _day_sql(column: str) -> str:
    """A DATE column as days since 1970-01-01 (an integer) on either database."""
    if is_postgresql():
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _local_day_sql(column: str) -> str:
    """A timestamp's calendar day in Asia/Shanghai (orders.batch.PURCHASE_DAY_TZ) as a day number."""
    if is_postgresql():
        return f"(({column} AT TIME ZONE 'Asia/Shanghai')::date - DATE '1970-01-01')"
    # SQLite keeps UTC text; Shanghai has been UTC+8 without daylight saving since 1991.
    return f"CAST(julianday({column}, '+8 hours') - 2440587.5 AS INTEGER)"


def _date_literal(day: dt.date) -> str:
    """A date constant for SQL built here (a date object, so never user text)."""
    return f"DATE '{day.isoformat()}'" if is_postgresql() else f"'{day.isoformat()}'"


def fetch_columns(sql: str, types: list[str]) -> list[NDArray[np.generic]]:
    """Run a SELECT whose columns are never NULL and have the given types (int8, int4, float8);
    return one array per column.

    PostgreSQL streams the result with binary COPY and numpy reads the fixed-width tuples in place;
    SQLite goes through the cursor. The SQL must cast each column to its declared type.
    """
    if not is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
        if not rows:
            return [np.zeros(0, dtype=_PG_TYPES[t]).astype(_PG_TYPES[t][1:]) for t in types]
        return [np.array([row[i] for row in rows], dtype=_PG_TYPES[t][1:]) for i, t in enumerate(types)]
    record = np.dtype([("n", ">i2")] + [f for i, t in enumerate(types) for f in ((f"l{i}", ">i4"), (f"v{i}", _PG_TYPES[t]))])
    buffer = bytearray()
    connection.ensure_connection()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
        for block in copy:
            buffer += block
    body = memoryview(buffer)[_PG_HEADER: len(buffer) - 2]  # the trailer is a field count of -1
    rows_array = np.frombuffer(body, dtype=record)
    if rows_array.size and (rows_array["l0"] < 0).any():
        raise ValueError("fetch_columns: NULL in a column declared never NULL")
    return [rows_array[f"v{i}"].astype(_PG_TYPES[t][1:]) for i, t in enumerate(types)]


@dataclass(frozen=True)
class Holdout:
    """What each calibrated customer actually did in the hold-out period after `until`."""

    days: int
    purchase_days: IntArray  # distinct purchase days in (until, until + days], aligned with the summary
    spend: FloatArray


@dataclass(frozen=True)
class RunInput:
    """Everything a run reads: the model summary (None when nobody has bought anything yet)."""

    summary: CustomerSummary | None
    until: dt.date
    source: str  # "summary" or "orders"
    holdout: Holdout | None = None


def read_customers(*, until: dt.date | None, today: dt.date, holdout_days: int = 0, unit: Unit = "day") -> RunInput:
    """The per-customer summary of a run: from the purchase summary for a nightly run (no `until`,
    no hold-out), else from orders. `monetary` for the RFM score (`summary.total_spend`) is the net
    spend (sales less returns) in both cases."""
    if until is None and holdout_days == 0:
        return RunInput(summary=_summary_from_purchase_summary(today, unit), until=today, source="summary")
    end = until or today - dt.timedelta(days=holdout_days)
    summary = _summary_from_orders(end, unit)
    holdout = None
    if holdout_days and summary is not None:
        holdout = _holdout(summary, end, holdout_days)
    return RunInput(summary=summary, until=end, source="orders", holdout=holdout)


def _recent_purchase_days(until: dt.date, customers: NDArray[np.generic]) -> IntArray:
    """Distinct purchase days in the last RECENT_WINDOW_DAYS days up to `until`, per customer."""
    start = until - dt.timedelta(days=RECENT_WINDOW_DAYS)
    ids, counts = fetch_columns(
        f"SELECT customer_id::int8, COUNT(DISTINCT ordered_on)::int8 FROM {ORDERS} "
        f"WHERE status <> 'cancelled' AND kind = 'sale' AND ordered_on > {_date_literal(start)} "
        f"AND ordered_on <= {_date_literal(until)} GROUP BY customer_id"
        if is_postgresql() else
        f"SELECT customer_id, COUNT(DISTINCT ordered_on) FROM {ORDERS} "
        f"WHERE status <> 'cancelled' AND kind = 'sale' AND ordered_on > {_date_literal(start)} "
        f"AND ordered_on <= {_date_literal(until)} GROUP BY customer_id",
        ["int8", "int8"],
    )
    return _align(customers, ids, counts.astype(np.int64), 0).astype(np.int64)


def _align(target: NDArray[np.generic], ids: NDArray[np.generic], values: NDArray[np.generic], missing: float) -> NDArray[np.generic]:
    """`values` (keyed by `ids`) re-ordered to follow the sorted `target` ids; `missing` elsewhere."""
    out = np.full(target.size, missing, dtype=np.result_type(values.dtype, np.asarray(missing).dtype))
    if ids.size == 0 or target.size == 0:
        return out
    pos = np.clip(np.searchsorted(target, ids), 0, target.size - 1)
    found = target[pos] == ids
    out[pos[found]] = values[found]
    return out


def _summary_from_purchase_summary(until: dt.date, unit: Unit) -> CustomerSummary | None:
    """Nightly path: one row per customer from `orders.PurchaseSummary`, no order history read."""
    cast = "::int8" if is_postgresql() else ""
    castf = "::float8" if is_postgresql() else ""
    first_day = _local_day_sql("first_purchase_at")
    last_day = _local_day_sql("last_purchase_at")
    ids, first, last, days, repeat, net = fetch_columns(
        f"SELECT customer_id{cast}, ({first_day}){cast}, ({last_day}){cast}, purchase_days{cast}, "
        f"repeat_day_spend{castf}, amount{castf} FROM {SUMMARIES} "
        f"WHERE purchase_days > 0 AND first_purchase_at IS NOT NULL AND last_purchase_at IS NOT NULL",
        ["int8", "int8", "int8", "int8", "float8", "float8"],
    )
    until_day = day_number(until)
    keep = first.astype(np.int64) <= until_day  # a first purchase stamped after today (a clock ahead) waits for tomorrow
    if not keep.all():
        ids, first, last, days, repeat, net = (a[keep] for a in (ids, first, last, days, repeat, net))
    if ids.size == 0:
        return None
    order = np.argsort(ids, kind="stable")
    ids, days, repeat, net = (a[order] for a in (ids, days, repeat, net))
    first = first[order].astype(np.int64)
    last = last[order].astype(np.int64)
    frequency = days.astype(np.int64) - 1
    # One purchase day means first == last; guard the models against a summary that disagrees.
    last = np.where(frequency == 0, first, np.minimum(last, until_day)).astype(np.int64)
    per_unit = DAYS_PER_UNIT[unit]
    monetary = np.divide(repeat, frequency, out=np.zeros_like(repeat), where=frequency > 0)
    return CustomerSummary(
        customer=ids,
        frequency=frequency,
        recency=np.subtract(last, first).astype(np.float64) / per_unit,
        T=(until_day - first).astype(np.float64) / per_unit,
        monetary=monetary,
        first_date=first.astype("datetime64[D]"),
        last_date=last.astype("datetime64[D]"),
        total_spend=net.astype(np.float64),
        recent_purchase_days=_recent_purchase_days(until, ids),
        until=np.datetime64(until_day, "D"),
        unit=unit,
        recent_window_days=RECENT_WINDOW_DAYS,
    )


def _day_rows(until: dt.date, after: dt.date | None = None) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """(customer, purchase day, sales amount, net amount) per customer and day with any order,
    aggregated in SQL; `sales` is 0 on a day with only returns."""
    day = _day_sql("ordered_on")
    where = f"status <> 'cancelled' AND ordered_on <= {_date_literal(until)}"
    if after is not None:
        where += f" AND ordered_on > {_date_literal(after)}"
    if is_postgresql():
        sql = (f"SELECT customer_id::int8, ({day})::int8, "
               f"COALESCE(SUM(CASE WHEN kind = 'sale' THEN total_amount END), -1)::float8, "
               f"SUM(total_amount)::float8 FROM {ORDERS} WHERE {where} GROUP BY customer_id, ordered_on")
    else:
        sql = (f"SELECT customer_id, {day}, COALESCE(SUM(CASE WHEN kind = 'sale' THEN total_amount END), -1), "
               f"SUM(total_amount) FROM {ORDERS} WHERE {where} GROUP BY customer_id, ordered_on")
    ids, days, sales, net = fetch_columns(sql, ["int8", "int8", "float8", "float8"])
    return ids.astype(np.int64), days.astype(np.int64), sales.astype(np.float64), net.astype(np.float64)


def _summary_from_orders(until: dt.date, unit: Unit) -> CustomerSummary | None:
    """Calibration path: purchase days up to `until` from orders (a sale day has sales >= 0; -1
    marks a day with returns only, which is not a purchase day but counts in the net spend)."""
    ids, days, sales, net = _day_rows(until)
    is_sale = sales >= 0
    if not is_sale.any():
        return None
    summary = summarize_transactions(ids[is_sale], days[is_sale], sales[is_sale],
                                     until=np.datetime64(day_number(until), "D"), unit=unit,
                                     recent_window_days=RECENT_WINDOW_DAYS)
    net_ids, inverse = np.unique(ids, return_inverse=True)
    net_by_customer = np.bincount(inverse.reshape(-1), weights=net, minlength=net_ids.size)
    return replace(summary, total_spend=_align(summary.customer, net_ids, net_by_customer, 0.0).astype(np.float64))


def _holdout(summary: CustomerSummary, until: dt.date, holdout_days: int) -> Holdout:
    """Purchase days and spend of the calibrated customers in (until, until + holdout_days]."""
    ids, _days, sales, _net = _day_rows(until + dt.timedelta(days=holdout_days), after=until)
    is_sale = sales >= 0
    ids, sales = ids[is_sale], sales[is_sale]
    labels, inverse = np.unique(ids, return_inverse=True)
    counts = np.bincount(inverse.reshape(-1), minlength=labels.size).astype(np.int64)
    spend = np.bincount(inverse.reshape(-1), weights=sales, minlength=labels.size)
    return Holdout(days=holdout_days,
                   purchase_days=_align(summary.customer, labels, counts, 0).astype(np.int64),
                   spend=_align(summary.customer, labels, spend, 0.0).astype(np.float64))


@dataclass(frozen=True)
class PreviousStages:
    """The live metrics' stages before a run: to record changes and keep `stage_since`."""

    customer: IntArray  # sorted
    stage: IntArray  # index into compute.lifecycle.STAGES
    since: IntArray  # day numbers


def read_previous_stages(stage_keys: tuple[str, ...]) -> PreviousStages:
    case = " ".join(f"WHEN '{key}' THEN {i}" for i, key in enumerate(stage_keys))
    cast = "::int8" if is_postgresql() else ""
    ids, stage, since = fetch_columns(
        f"SELECT customer_id{cast}, (CASE stage {case} ELSE 0 END){cast}, ({_day_sql('stage_since')}){cast} "
        f"FROM {METRICS}",
        ["int8", "int8", "int8"],
    )
    order = np.argsort(ids, kind="stable")
    return PreviousStages(ids[order].astype(np.int64), stage[order].astype(np.int64), since[order].astype(np.int64))


def read_order_products(since: dt.date | None = None) -> tuple[IntArray, IntArray]:
    """(order id, product id) of every line of every sale that was not cancelled: the baskets."""
    cast = "::int8" if is_postgresql() else ""
    where = "o.status <> 'cancelled' AND o.kind = 'sale'"
    if since is not None:
        where += f" AND o.ordered_on >= {_date_literal(since)}"
    order_ids, product_ids = fetch_columns(
        f"SELECT l.order_id{cast}, l.product_id{cast} FROM {LINES} l "
        f"JOIN {ORDERS} o ON o.id = l.order_id WHERE {where}",
        ["int8", "int8"],
    )
    return order_ids.astype(np.int64), product_ids.astype(np.int64)


@dataclass(frozen=True)
class Tracking:
    """What the tracking diagnostic needs (orders path only): the calibration customers' first
    purchase days as cohorts, and the day of every repeat purchase day up to the hold-out's end."""

    cohort_day: IntArray  # day numbers of first purchases, sorted
    cohort_size: IntArray  # customers whose first purchase was that day
    repeat_days: IntArray  # one day number per repeat purchase day (after the customer's first)
    end: dt.date


def read_tracking(summary: CustomerSummary, until: dt.date, holdout_days: int) -> Tracking:
    """Cohorts from the summary; repeat purchase days of those customers read from orders (one more
    aggregate query, only on calibration runs)."""
    end = until + dt.timedelta(days=holdout_days)
    first = to_day_numbers(summary.first_date).astype(np.int64)
    cohort_day, cohort_size = np.unique(first, return_counts=True)
    ids, days, sales, _net = _day_rows(end)
    is_sale = sales >= 0
    ids, days = ids[is_sale], days[is_sale]
    pos = np.clip(np.searchsorted(summary.customer, ids), 0, max(summary.n_customers - 1, 0))
    known = (summary.n_customers > 0) & (np.asarray(summary.customer)[pos] == ids)
    repeat = known & (days > first[pos])
    return Tracking(cohort_day=cohort_day.astype(np.int64), cohort_size=cohort_size.astype(np.int64),
                    repeat_days=days[repeat].astype(np.int64), end=end)
