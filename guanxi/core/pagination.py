"""Keyset paging and capped counts, so page 20,000 of a million rows costs what page 1 costs."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Count as DbCount
from django.db.models import F, Model, Q, QuerySet, Window
from django.db.models.functions import Coalesce

T = TypeVar("T")
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Count:
    """How many rows matched: exact up to the cap, an estimate (or "cap+") above it."""

    value: int
    exact: bool


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    count: Count
    next_cursor: str | None
    prev_cursor: str | None


@dataclass(frozen=True)
class Slice(Generic[T]):
    """One keyset step; `total` is known only when the query counted as it gathered."""

    items: list[T]
    total: Count | None
    next_cursor: str | None
    prev_cursor: str | None


def capped_count(
    qs: QuerySet[Any], cap: int | None = None, estimate: bool = True, planner_first: bool = True
) -> Count:
    """Count exactly up to `cap`; beyond it ask PostgreSQL's planner rather than scan a million rows.

    Without `estimate` (searches, whose LIKE estimates swing tenfold between ANALYZE runs) the
    answer above the cap is just "more than cap". With it, on PostgreSQL the planner is asked
    first: when the table is known to be large (its analysed row count) and the planner expects
    ten times the cap, counting the first cap + 1 rows (7 ms of a million-row list request)
    would only confirm what the estimate says, so the estimate is the answer. A caller that
    expects a small count (a rep's own customers) passes `planner_first=False` to skip that question.
    """
    cap = cap if cap is not None else settings.GUANXI_LIST_COUNT_CAP
    connection = connections[qs.db]
    planned: int | None = None
    if estimate and planner_first and connection.vendor == "postgresql":
        planned = _planned_rows(qs)
        if planned > cap * 10 and _analysed_rows(qs) > cap * 10:
            return Count(planned, exact=False)
    counted = qs.order_by().values("pk")[: cap + 1].count()
    if counted <= cap:
        return Count(counted, exact=True)
    if estimate and connection.vendor == "postgresql":
        planned = _planned_rows(qs) if planned is None else planned
        return Count(max(planned, cap + 1), exact=False)
    return Count(cap + 1, exact=False)


def _planned_rows(qs: QuerySet[Any]) -> int:
    """The planner's estimate of how many rows `qs` returns."""
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


_ANALYSED: dict[tuple[str, str], tuple[float, int]] = {}
_ANALYSED_FOR_S = 300.0


def _analysed_rows(qs: QuerySet[Any]) -> int:
    """The row count of `qs`'s table as of its last ANALYZE (-1: never analysed), remembered by the
    process for a few minutes: it only tells a big table from a small one."""
    table = qs.model._meta.db_table
    key = (qs.db, table)
    now = time.monotonic()
    known = _ANALYSED.get(key)
    if known is None or now - known[0] > _ANALYSED_FOR_S:
        with connections[qs.db].cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            row = cursor.fetchone()
        known = _ANALYSED[key] = (now, int(row[0]) if row else -1)
    return known[1]


def encode_cursor(value: Any, pk: int, direction: str) -> str:
    if isinstance(value, dt.datetime):
        value = {"dt": value.isoformat()}
    elif isinstance(value, dt.date):
        value = {"d": value.isoformat()}
    elif isinstance(value, Decimal):
        value = {"dec": str(value)}
    elif isinstance(value, float):
        value = {"f": repr(value)}
    raw = json.dumps([direction, value, pk], ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, Any, int] | None:
    """The (direction, value, pk) of a cursor, or None when it was tampered with."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        direction, value, pk = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        return None
    if direction not in ("next", "prev") or not isinstance(pk, int) or not 0 < pk < 2**63:
        return None
    if isinstance(value, dict) and len(value) == 1:
        (kind, text), = value.items()
        readers: dict[str, Callable[[str], Any]] = {
            "dt": dt.datetime.fromisoformat, "d": dt.date.fromisoformat, "dec": Decimal, "f": float}
        read = readers.get(kind)
        try:
            value = read(text) if read and isinstance(text, str) else None
        except (TypeError, ValueError, ArithmeticError):
            return None
        if isinstance(value, Decimal) and not value.is_finite() or isinstance(value, float) and not math.isfinite(value):
            return None
    if isinstance(value, bool) or not isinstance(value, str | int | dt.date | Decimal | float):
        return None
    return direction, value, pk


def keyset_page(
    qs: QuerySet[M], *, field: str, descending: bool, cursor: str | None, limit: int, gather_first: bool = False
) -> Slice[M]:
    """One page ordered by (field, pk), starting after or before the cursor's row.

    The redundant `field <= value` bound lets the database walk the (field, id) index from the
    cursor instead of filtering from the start. `gather_first` (for searches) orders by an
    expression no index provides, so PostgreSQL collects the matches through the search index and
    sorts them, rather than walking the whole name index hoping to meet matches early — a plan it
    picks whenever it overestimates how many rows match.
    """
    decoded = decode_cursor(cursor) if cursor else None
    direction = decoded[0] if decoded else "next"
    backwards = direction == "prev"
    walk_desc = descending != backwards
    if decoded:
        _, value, pk = decoded
        try:
            if walk_desc:
                qs = qs.filter(Q(**{f"{field}__lte": value}), Q(**{f"{field}__lt": value}) | Q(pk__lt=pk))
            else:
                qs = qs.filter(Q(**{f"{field}__gte": value}), Q(**{f"{field}__gt": value}) | Q(pk__gt=pk))
        except (ValidationError, TypeError, ValueError, ArithmeticError):
            # A cursor of another sort (a date where amounts are compared): start from the top.
            decoded, direction, backwards, walk_desc = None, "next", False, descending
    sort_key: Any = Coalesce(field, field) if gather_first else F(field)
    order = [sort_key.desc(), "-pk"] if walk_desc else [sort_key.asc(), "pk"]
    # Gathering already visits every match, so counting them in the same query is nearly free.
    count_here = gather_first and not decoded
    counted: QuerySet[Any] = qs.annotate(page_total=Window(DbCount("pk"))) if count_here else qs
    rows: list[M] = list(counted.order_by(*order)[: limit + 1])
    total = None
    if count_here:
        total = Count(rows[0].page_total if rows else 0, exact=True)  # type: ignore[attr-defined]  # the Window annotation above
    has_more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()

    def key(row: Any) -> tuple[Any, int]:
        return getattr(row, field), row.pk

    next_cursor = prev_cursor = None
    if rows:
        first_value, first_pk = key(rows[0])
        last_value, last_pk = key(rows[-1])
        if backwards:
            next_cursor = encode_cursor(last_value, last_pk, "next")
            prev_cursor = encode_cursor(first_value, first_pk, "prev") if has_more else None
        else:
            next_cursor = encode_cursor(last_value, last_pk, "next") if has_more else None
            prev_cursor = encode_cursor(first_value, first_pk, "prev") if decoded else None
    return Slice(items=rows, total=total, next_cursor=next_cursor, prev_cursor=prev_cursor)
