"""Importing order lines from a file (xlsx, xls, ods or csv in UTF-8 or GB18030): one row per line,
orders grouped by (source, external id).

It uses the import engine's public pieces — format, encoding and header detection and the row
readers (`guanxi.imports.readers`), the staging writer (`guanxi.core.db`) — and ends in
the same set-based check and apply as the API (`guanxi.orders.batch`). Two ways in:

- any database, any format: rows are read and parsed in Python and written to the staging table
  (COPY on PostgreSQL);
- PostgreSQL and a CSV file whose first row is the header: the file itself is streamed into a
  temporary table with `COPY … (FORMAT csv)` and parsed by one `INSERT … SELECT` with the same
  rules, so no Python runs per row (a large file on two connections at once: ADR 0019; speeds in
  docs/benchmarks.md).

Without `apply_valid_only`, a file with any invalid row applies nothing.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from guanxi.accounts.models import Store, User
from guanxi.core.db import write_rows
from guanxi.customers.choices import Channel
from guanxi.imports.choices import FileFormat
from guanxi.imports.readers import (
    detect_encoding,
    detect_format,
    detect_header,
    header_key,
    is_blank,
    iter_rows,
)
from guanxi.orders import batch as batches
from guanxi.orders.batch import PURCHASE_DAY_TZ, STAGED_COLUMNS, Outcome
from guanxi.orders.choices import UnknownCustomers
from guanxi.orders.models import Product, StagedLine

# Column key → accepted header names (compared after readers.header_key folding).
COLUMNS: dict[str, list[str]] = {
    "source": ["source", "来源", "来源系统", "系统"],
    "external_id": ["external_id", "order_id", "order", "订单号", "订单编号", "单号"],
    "customer_code": ["customer_code", "customer", "客户编号", "客户编码", "客户代码"],
    "customer_name": ["customer_name", "客户名称", "客户姓名", "客户"],
    "store_code": ["store_code", "store", "门店编号", "门店编码", "门店"],
    "channel": ["channel", "渠道", "销售渠道"],
    "kind": ["kind", "type", "类型", "单据类型"],
    "status": ["status", "状态", "订单状态"],
    "ordered_at": ["ordered_at", "date", "time", "下单时间", "日期", "时间", "订单时间"],
    "original_external_id": ["original_external_id", "original", "原订单号", "原单号"],
    "product_code": ["product_code", "product", "sku", "商品编码", "商品编号", "货号"],
    "quantity": ["quantity", "qty", "数量"],
    "unit_price": ["unit_price", "price", "单价"],
    "discount": ["discount", "折扣", "优惠"],
    "amount": ["amount", "金额", "实付金额"],
}
REQUIRED = ("source", "external_id", "customer_code", "ordered_at", "product_code", "quantity", "unit_price")
ALIASES = {header_key(name): key for key, names in COLUMNS.items() for name in names}
CHANNELS = {"store": "store", "门店": "store", "online": "online", "线上": "online", "网店": "online",
            "phone": "phone", "电话": "phone", "distributor": "distributor", "经销商": "distributor"}
STATUSES = {"placed": "placed", "已下单": "placed", "下单": "placed", "paid": "paid", "已付款": "paid",
            "shipped": "shipped", "已发货": "shipped", "delivered": "delivered", "已送达": "delivered",
            "已签收": "delivered", "cancelled": "cancelled", "已取消": "cancelled"}
KINDS = {"sale": "sale", "销售": "sale", "": "sale", "return": "return", "退货": "return"}
LIMITS = {"source": 50, "external_id": 100, "customer_code": 50, "customer_name": 200, "store_code": 50,
          "original_external_id": 100, "product_code": 50}
QUANTITY_RE = r"^-?[0-9]{1,11}(\.[0-9]{1,3})?$"
MONEY_RE = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"


def number_shapes(digits: int, decimals: int) -> list[str]:
    """Every form (each digit written as 9) of the numbers QUANTITY_RE or MONEY_RE accepts: the SQL
    parse compares a cell's form with these, a third of the cost of matching the expression."""
    return [f"{sign}{'9' * whole}{'.' + '9' * part if part else ''}"
            for sign in ("", "-") for whole in range(1, digits + 1) for part in range(decimals + 1)]


NUMBER_SHAPES = {"quantity": number_shapes(11, 3), "unit_price": number_shapes(12, 2),
                 "discount": number_shapes(12, 2), "amount": number_shapes(12, 2)}
# 2026-03-01, 2026/3/1 10:00, 2026-03-01T10:00:00+08:00, …Z
WHEN_RE = (r"^([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?"
           r"(?:\.[0-9]+)?)? ?(Z|[+-][0-9]{2}:?[0-9]{2})?$")
# A file this large leaves as many dead rows in the staging tables; they are vacuumed at once, or every
# batch after it (an API call a minute later) scans past them until autovacuum gets there.
VACUUM_AFTER = 100_000
# The shapes (digits as 0) of the times WHEN_RE accepts that have every part at a fixed position.
FIXED_WHEN_SHAPES = [f"0000{sep}00{sep}00{rest}" for sep in "-/"
                     for rest in ("", " 00:00", " 00:00:00", "T00:00", "T00:00:00")]
_QUANTITY = re.compile(QUANTITY_RE)
_MONEY = re.compile(MONEY_RE)
_WHEN = re.compile(WHEN_RE)


@dataclass
class ImportResult:
    """What a file import did: counts, and the invalid lines (file line, field, message)."""

    rows: int = 0
    applied: bool = False
    outcome: Outcome = field(default_factory=Outcome)
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    error_count: int = 0
    fast_path: bool = False


class ImportFileError(Exception):
    """The file cannot be imported at all (unreadable, or required columns missing)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- parsing one row (the Python path; the SQL in _fast_insert applies the same rules) -----------

def parse_when(text: str) -> dt.datetime | None:
    match = _WHEN.match(text.strip())
    if not match:
        return None
    y, mo, d, h, mi, s, zone = match.groups()
    if not batches.FIRST_YEAR <= int(y) <= batches.LAST_YEAR:
        return None
    try:
        local = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        return None
    if zone is None:
        return local.replace(tzinfo=PURCHASE_DAY_TZ)
    if zone == "Z":
        return local.replace(tzinfo=dt.UTC)
    digits = zone.replace(":", "")
    minutes = int(digits[1:3]) * 60 + int(digits[3:5])
    return local.replace(tzinfo=dt.timezone(dt.timedelta(minutes=minutes if digits[0] == "+" else -minutes)))


def parse_row(values: dict[str, str]) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """A mapped row as staged values, and its first error (field, message) if any."""
    v = {k: (values.get(k) or "").strip() for k in COLUMNS}
    error: tuple[str, str] | None = None

    def fail(name: str, message: str) -> None:
        nonlocal error
        if error is None:
            error = (name, message)

    for name in REQUIRED:
        if not v[name]:
            fail(name, _("This field is required."))
    for name, limit in LIMITS.items():
        if len(v[name]) > limit:
            fail(name, _("At most %(n)s characters.") % {"n": limit})
            v[name] = v[name][:limit]
    channel = CHANNELS.get(v["channel"].lower() if v["channel"] else "store")
    if channel is None:
        fail("channel", _("Unknown channel."))
    status = STATUSES.get(v["status"].lower() if v["status"] else "placed")
    if status is None:
        fail("status", _("Unknown status."))
    kind = KINDS.get(v["kind"].lower())
    if kind is None:
        fail("kind", _("Unknown kind (sale or return)."))
    at = parse_when(v["ordered_at"]) if v["ordered_at"] else None
    if v["ordered_at"] and at is None:
        fail("ordered_at", _("Enter a date and time like 2026-03-01 10:00 (China time unless a zone is given)."))
    numbers: dict[str, Decimal] = {}
    for name, pattern in (("quantity", _QUANTITY), ("unit_price", _MONEY), ("discount", _MONEY),
                          ("amount", _MONEY)):
        if v[name] and not pattern.match(v[name]):
            fail(name, _("Enter a number."))
        elif v[name]:
            numbers[name] = Decimal(v[name])
    line = batches.LineData(product_code=v["product_code"], quantity=numbers.get("quantity", Decimal(0)),
                            unit_price=numbers.get("unit_price", Decimal(0)),
                            discount=numbers.get("discount", Decimal(0)), amount=numbers.get("amount"))
    order = batches.OrderData(source=v["source"], external_id=v["external_id"], customer_code=v["customer_code"],
                              ordered_at=at or batches.NO_TIME, lines=[line],
                              kind=kind or "sale", original_external_id=v["original_external_id"])
    if error is None:
        error = batches.order_error(order) or batches.line_error(order, line)
    when = at or batches.NO_TIME
    staged = {
        **{k: v[k] for k in ("source", "external_id", "customer_code", "customer_name", "store_code",
                             "original_external_id", "product_code")},
        "channel": channel or "store", "status": status or "placed", "kind": kind or "sale",
        "ordered_at": when, "ordered_on": batches.purchase_day(when),
        "quantity": line.quantity, "unit_price": line.unit_price, "discount": line.discount,
        "amount": batches.line_amount(line) if error is None else Decimal(0),
    }
    return staged, error


# --- the file ----------------------------------------------------------------------------------

@dataclass
class Layout:
    file_format: str
    encoding: str
    header_row: int  # 0-based index of the header among the rows
    mapping: dict[int, str]  # column index → key


def detect_layout(path: Path) -> Layout:
    with path.open("rb") as handle:
        head = handle.read(8)
    file_format = detect_format(path.name, head)
    encoding = detect_encoding(path) if file_format == FileFormat.CSV else ""
    sample = []
    for row in iter_rows(path, file_format=file_format, encoding=encoding):
        sample.append(row)
        if len(sample) >= 15:
            break
    if not sample:
        raise ImportFileError(_("The file is empty."))
    header_row = detect_header(sample, ALIASES)
    mapping: dict[int, str] = {}
    for index, text in enumerate(sample[header_row]):
        key = ALIASES.get(header_key(text))
        if key and key not in mapping.values():
            mapping[index] = key
    missing = [k for k in REQUIRED if k not in mapping.values()]
    if missing:
        raise ImportFileError(_("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)})
    return Layout(file_format=file_format, encoding=encoding, header_row=header_row, mapping=mapping)


def _stage_python(batch: str, path: Path, layout: Layout) -> int:
    rows: list[tuple[Any, ...]] = []
    count = 0
    for number, cells in enumerate(iter_rows(path, file_format=layout.file_format, encoding=layout.encoding),
                                   start=1):
        if number <= layout.header_row + 1 or is_blank(cells):
            continue
        values = {key: cells[i] if i < len(cells) else "" for i, key in layout.mapping.items()}
        staged, error = parse_row(values)
        count += 1
        rows.append(batches.db_row((
            batch, number, 0, staged["source"], staged["external_id"], staged["customer_code"],
            staged["customer_name"], None, staged["store_code"], None, staged["channel"], staged["kind"],
            staged["status"], staged["ordered_at"], staged["ordered_on"], staged["original_external_id"],
            staged["product_code"], None, staged["quantity"], staged["unit_price"], staged["discount"],
            staged["amount"], 0, error[0] if error else "", error[1] if error else "",
        )))
        if len(rows) >= 20000:
            write_rows(StagedLine._meta.db_table, STAGED_COLUMNS, rows)
            rows.clear()
    write_rows(StagedLine._meta.db_table, STAGED_COLUMNS, rows)
    return count


def _can_stream(layout: Layout) -> bool:
    return (connection.vendor == "postgresql" and layout.file_format == FileFormat.CSV and layout.header_row == 0
            and layout.encoding in ("utf-8", "utf-8-sig", "gb18030"))


RAW = "order_import_raw"


def _stream_file(path: Path, layout: Layout, columns: int, *, part: tuple[int, int] | None = None) -> int:
    """COPY the file's bytes (re-encoded to UTF-8 if needed, BOM dropped), or those of the byte range
    `part` (which starts at a record), into a temporary table of raw cells, gone at the commit; return
    how many records it holds. The header is the first record of the file, not of a later part."""
    names = ", ".join(f"c{i}" for i in range(columns))
    cells = f"{', '.join(f'c{i} text' for i in range(columns))}, line bigint GENERATED ALWAYS AS IDENTITY"
    first_byte, end = part or (0, path.stat().st_size)
    header = "true" if first_byte == 0 else "false"
    utf8 = layout.encoding in ("utf-8", "utf-8-sig")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{RAW}")
        cursor.execute(f"CREATE TEMP TABLE {RAW} ({cells}) ON COMMIT DROP")
        decoder = codecs.getincrementaldecoder(layout.encoding or "utf-8")("strict")
        with cursor.cursor.copy(f"COPY {RAW} ({names}) FROM STDIN WITH (FORMAT csv, HEADER {header})") as copy:
            with path.open("rb") as handle:
                handle.seek(first_byte)
                left, first = end - first_byte, first_byte == 0
                while left > 0 and (chunk := handle.read(min(1 << 20, left))):
                    left -= len(chunk)
                    if first and utf8 and chunk.startswith(codecs.BOM_UTF8):
                        chunk = chunk[3:]
                    first = False
                    copy.write(chunk if utf8 else decoder.decode(chunk).encode("utf-8"))
            if not utf8:
                copy.write(decoder.decode(b"", final=True).encode("utf-8"))
        records = int(cursor.rowcount)
        # Without statistics the planner takes the fresh table for a few rows and loops over it.
        cursor.execute(f"ANALYZE {RAW}")
        return records


def _fast_insert(batch: str, layout: Layout, actor: User, *, before: int = 0) -> int:
    """Parse and check every raw row (of a part of the file after `before` records) in one
    `INSERT … SELECT`, with the rules of `parse_row`."""
    # Each mapped cell trimmed once (in the LATERAL `t` below), then referenced by name.
    col = {key: f"t.c{i}" for i, key in layout.mapping.items()}
    for key in COLUMNS:
        col.setdefault(key, "''")

    def mapped(values: dict[str, str], expr: str, default: str) -> str:
        cases = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in values.items() if k)
        return f"(CASE lower(CASE WHEN {expr} = '' THEN {_q(default)} ELSE {expr} END) {cases} END)"

    codes = (f"{mapped(CHANNELS, col['channel'], 'store')} AS channel, "
             f"{mapped(STATUSES, col['status'], 'placed')} AS status, {mapped(KINDS, col['kind'], 'sale')} AS kind")
    channel, status, kind = "v.channel", "v.status", "v.kind"
    checks = [(f"{col[k]} = ''", k, _("This field is required.")) for k in REQUIRED]
    checks += [(f"length({col[k]}) > {n}", k, _("At most %(n)s characters.") % {"n": n}) for k, n in LIMITS.items()]
    checks += [
        (f"{channel} IS NULL", "channel", _("Unknown channel.")),
        (f"{status} IS NULL", "status", _("Unknown status.")),
        (f"{kind} IS NULL", "kind", _("Unknown kind (sale or return).")),
        ("w.ok IS NOT TRUE", "ordered_at",
         _("Enter a date and time like 2026-03-01 10:00 (China time unless a zone is given).")),
    ]
    present = set(layout.mapping.values())
    # Whether each number cell is well formed (its form is one of NUMBER_SHAPES), found once per row
    # (in the LATERAL `v` below) and read by the check, the cast and the amount.
    numeric = ("quantity", "unit_price", "discount", "amount")

    def well_formed(key: str) -> str:
        return f"v.{key}" if key in present else "false"

    checks += [(f"{col[k]} <> '' AND NOT {well_formed(k)}", k, _("Enter a number.")) for k in numeric]
    checks += [
        (f"{kind} = 'return' AND {col['original_external_id']} = ''", "original_external_id",
         _("A return must name the original order.")),
        (f"{kind} = 'sale' AND {col['original_external_id']} <> ''", "original_external_id",
         _("Only a return refers to an original order.")),
        (f"{kind} = 'return' AND p.qty >= 0", "quantity", _("A return's quantities must be negative.")),
        (f"{kind} = 'sale' AND p.qty <= 0", "quantity", _("Quantity must be more than zero.")),
        (f"abs(p.qty) > {batches.MAX_QUANTITY}", "quantity", _("Quantity is too large.")),
        (f"p.price < 0 OR p.price > {batches.MAX_MONEY}", "unit_price",
         _("Unit price must be between 0 and 999,999,999,999.")),
        (f"abs(p.amount) > {batches.MAX_MONEY} OR abs(p.discount) > {batches.MAX_MONEY}", "amount",
         _("Amount is too large.")),
        (f"{kind} = 'return' AND p.amount > 0", "amount", _("A return's amounts must not be positive.")),
        (f"{kind} = 'sale' AND p.amount < 0", "amount", _("Amount must not be negative.")),
    ]
    # One pass over the checks gives the first failing one's number; field and message are looked up.
    first_failing = "CASE " + " ".join(f"WHEN {c} THEN {n}" for n, (c, _f, _m) in enumerate(checks, 1)) + " END"
    fields = "ARRAY[" + ", ".join(_q(f) for _c, f, _m in checks) + "]::text[]"
    texts = "ARRAY[" + ", ".join(_q(m) for _c, _f, m in checks) + "]::text[]"

    customers_sql, customer_params = batches.visible_customers_sql(actor)

    def number(key: str) -> str:
        # An absent column must not become a constant ''::numeric: the planner folds it and fails.
        if key not in present:
            return "0::numeric"
        return f"(CASE WHEN {well_formed(key)} THEN {col[key]}::numeric ELSE 0 END)"

    computed = "round(n.qty * n.price - n.discount, 2)"
    amount = (f"CASE WHEN v.amount THEN {col['amount']}::numeric ELSE {computed} END"
              if "amount" in present else computed)
    matched = ", ".join(
        f"(translate({col[k]}, '012345678', '999999999') IN ({', '.join(map(_q, NUMBER_SHAPES[k]))})) AS {k}"
        for k in numeric if k in present)

    # The parts of the time, checked before make_timestamp (which raises on 30 February). Each
    # LATERAL ends in OFFSET 0 so that it is computed once per row, not inlined at every use.
    # The fixed-width forms (2026-03-01 10:00:00, 2026-03-01T10:00, 2026/03/01, …: what ERP and POS
    # exports write) are split by position after one translate(); anything else goes through the regular
    # expression, which costs ten times as much per row.
    text = col["ordered_at"]
    shape = f"translate({text}, '123456789', '000000000')"
    fixed = ", ".join(_q(f) for f in FIXED_WHEN_SHAPES)
    # Whether the parts make a real time: integer arithmetic only (make_date, an interval and extract
    # for the month's length cost a fifth of the parse), so nothing here can raise.
    month_days = ("CASE WHEN mo = 2 THEN CASE WHEN mod(y, 4) = 0 AND (mod(y, 100) <> 0 OR mod(y, 400) = 0) THEN 29 ELSE 28 END "
                  "WHEN mo IN (4, 6, 9, 11) THEN 30 ELSE 31 END")
    when = f"""
        SELECT y, mo, d, h, mi, s, zone,
               (y BETWEEN {batches.FIRST_YEAR} AND {batches.LAST_YEAR} AND mo BETWEEN 1 AND 12
                AND d BETWEEN 1 AND {month_days} AND h < 24 AND mi < 60 AND s < 60) AS ok
        FROM (SELECT m[1]::int AS y, m[2]::int AS mo, m[3]::int AS d, coalesce(m[4], '0')::int AS h,
                     coalesce(m[5], '0')::int AS mi, coalesce(m[6], '0')::int AS s, m[7] AS zone
              FROM (SELECT CASE WHEN {shape} IN ({fixed})
                                THEN ARRAY[substr({text}, 1, 4), substr({text}, 6, 2), substr({text}, 9, 2),
                                           nullif(substr({text}, 12, 2), ''), nullif(substr({text}, 15, 2), ''),
                                           nullif(substr({text}, 18, 2), ''), NULL]
                                ELSE regexp_match({text}, {_q(WHEN_RE)}) END AS m OFFSET 0) x
              WHERE m IS NOT NULL OFFSET 0) parts
        OFFSET 0"""
    local = "make_timestamp(w.y, w.mo, w.d, w.h, w.mi, w.s)"
    offset = ("(CASE WHEN w.zone = 'Z' THEN 0 ELSE (CASE WHEN left(w.zone, 1) = '-' THEN -1 ELSE 1 END) * "
              "(substr(replace(w.zone, ':', ''), 2, 2)::int * 60 + substr(replace(w.zone, ':', ''), 4, 2)::int) END)")
    at = (f"(CASE WHEN w.zone IS NULL THEN {local} AT TIME ZONE 'Asia/Shanghai' "
          f"ELSE ({local} - make_interval(mins => {offset})) AT TIME ZONE 'UTC' END)")
    trimmed = "SELECT " + ", ".join(f"btrim(coalesce(r.c{i}, '')) AS c{i}" for i in layout.mapping)
    sql = f"""
        INSERT INTO {StagedLine._meta.db_table} ({", ".join(STAGED_COLUMNS)})
        SELECT %s, r.line + %s, 0, left({col['source']}, 50), left({col['external_id']}, 100),
               left({col['customer_code']}, 50), left({col['customer_name']}, 200), cu.id,
               left({col['store_code']}, 50), st.id, coalesce({channel}, 'store'), coalesce({kind}, 'sale'),
               coalesce({status}, 'placed'), coalesce(p.at, '2000-01-01T00:00:00Z'),
               CASE WHEN p.at IS NULL THEN '2000-01-01' WHEN w.zone IS NULL THEN make_date(w.y, w.mo, w.d)
                    ELSE (p.at AT TIME ZONE 'Asia/Shanghai')::date END,
               left({col['original_external_id']}, 100), left({col['product_code']}, 50), pr.id,
               p.qty, p.price, p.discount, CASE WHEN f.failing IS NULL THEN p.amount ELSE 0 END,
               coalesce(pr.cost, 0),
               CASE WHEN f.failing IS NULL THEN '' ELSE ({fields})[f.failing] END,
               CASE WHEN f.failing IS NULL THEN '' ELSE ({texts})[f.failing] END
        FROM {RAW} r
        CROSS JOIN LATERAL ({trimmed} OFFSET 0) t
        CROSS JOIN LATERAL (SELECT {matched + ', ' if matched else ''}{codes} OFFSET 0) v
        CROSS JOIN LATERAL (
            SELECT {number('quantity')} AS qty, {number('unit_price')} AS price,
                   {number('discount')} AS discount OFFSET 0
        ) n
        LEFT JOIN LATERAL ({when}) w ON true
        CROSS JOIN LATERAL (
            SELECT n.qty, n.price, n.discount, CASE WHEN w.ok THEN {at} END AS at,
                   {amount} AS amount OFFSET 0
        ) p
        CROSS JOIN LATERAL (SELECT {first_failing} AS failing OFFSET 0) f
        LEFT JOIN ({customers_sql}) cu ON cu.code = {col['customer_code']}
        LEFT JOIN {Product._meta.db_table} pr ON pr.code = {col['product_code']}
        LEFT JOIN {Store._meta.db_table} st ON st.code = {col['store_code']} AND {col['store_code']} <> ''
        WHERE NOT ({_all_blank(layout)})
    """
    with connection.cursor() as cursor:
        # Each LATERAL is computed once per row and its inputs (a line's cells) almost never repeat, so
        # caching them (Memoize) only hashes wide keys: a fifth of the statement's time.
        cursor.execute("SET LOCAL enable_memoize = off")
        cursor.execute(sql, [batch, layout.header_row + 1 + before, *customer_params])
        count = int(cursor.rowcount)
        cursor.execute("SET LOCAL enable_memoize = on")
        return count


def _all_blank(layout: Layout) -> str:
    return " AND ".join(f"t.c{i} = ''" for i in layout.mapping)


def _q(text: str) -> str:
    """A SQL string literal (only for our own constants and translated messages)."""
    return "'" + text.replace("'", "''") + "'"


def _raw_width(path: Path, layout: Layout) -> int:
    header = next(iter(iter_rows(path, file_format=layout.file_format, encoding=layout.encoding)))
    return len(header)


# From this file size on, and outside any transaction (the import command), the parse runs on two
# connections at once: it is a third of a large import, and the apply uses one core.
PARALLEL_PARSE_FROM = 16 * 2**20


def split_point(path: Path) -> int:
    """A byte offset near the middle of a CSV file where a record starts (just after a line break
    outside quotes), or 0 when there is none. Quotes inside a quoted field are doubled, so an even
    count of quote characters before a line break means that break ends a record."""
    size = path.stat().st_size
    quotes = 0
    with path.open("rb") as handle:
        left = size // 2
        while left > 0 and (chunk := handle.read(min(1 << 20, left))):
            quotes += chunk.count(b'"')
            left -= len(chunk)
        position = size // 2
        while chunk := handle.read(1 << 16):
            for offset, byte in enumerate(chunk):
                if byte == 0x22:
                    quotes += 1
                elif byte == 0x0A and quotes % 2 == 0:
                    point = position + offset + 1
                    return point if point < size else 0
            position += len(chunk)
    return 0


def _parse_in_parallel(batch: str, layout: Layout, actor: User, path: Path, middle: int) -> int:
    """Stream and parse the file's two parts side by side, each on its own connection and in its own
    transaction, which commits its staged rows (scratch data: the apply that follows is still one
    transaction). The second part's file lines follow the first's, whose count it waits for."""
    columns = _raw_width(path, layout)
    # The error messages are written into the SQL in the caller's language; a thread starts in the default.
    language = translation.get_language()
    first_records: Future[int] = Future()

    def second_part() -> int:
        try:
            with translation.override(language), transaction.atomic():
                _stream_file(path, layout, columns, part=(middle, path.stat().st_size))
                return _fast_insert(batch, layout, actor, before=first_records.result())
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        second = pool.submit(second_part)
        try:
            with transaction.atomic():
                try:
                    records = _stream_file(path, layout, columns, part=(0, middle))
                except BaseException as error:
                    first_records.set_exception(error)
                    raise
                first_records.set_result(records)
                rows = _fast_insert(batch, layout, actor)
        except BaseException:
            # The second part rolls back on its own (leaving the pool waits for it); this error is the one
            # to report.
            if not first_records.done():
                first_records.set_exception(RuntimeError("the first part of the file was not read"))
            raise
        return rows + second.result()


def import_file(
    *, actor: User, path: Path, unknown_customers: str = UnknownCustomers.REJECT, apply_valid_only: bool = False,
    error_limit: int = 100,
) -> ImportResult:
    """Import a file of order lines; nothing is applied when a row is invalid unless asked to."""
    layout = detect_layout(path)
    result = ImportResult()
    batch = batches.new_batch()
    middle = 0
    if _can_stream(layout) and not connection.in_atomic_block and path.stat().st_size >= PARALLEL_PARSE_FROM:
        middle = split_point(path)
    try:
        if middle:
            result.rows = _parse_in_parallel(batch, layout, actor, path, middle)
            result.fast_path = True
        _check_and_apply(result, batch, layout, actor, path, staged=bool(middle),
                         unknown_customers=unknown_customers, apply_valid_only=apply_valid_only,
                         error_limit=error_limit)
    finally:
        if middle:
            # Outside the apply's transaction: its staged rows were committed by the parse.
            batches.discard_large(batch)
    if result.rows >= VACUUM_AFTER and not middle:
        batches.vacuum_staging()
    return result


def _check_and_apply(result: ImportResult, batch: str, layout: Layout, actor: User, path: Path, *, staged: bool,
                     unknown_customers: str, apply_valid_only: bool, error_limit: int) -> None:
    """Stage the file (unless the parallel parse did), check it and apply it, in one transaction."""
    with transaction.atomic():
        try:
            if not staged and _can_stream(layout):
                _stream_file(path, layout, _raw_width(path, layout))
                result.rows = _fast_insert(batch, layout, actor)
                result.fast_path = True
            elif not staged:
                result.rows = _stage_python(batch, path, layout)
            if unknown_customers == UnknownCustomers.CREATE:
                from guanxi.orders.services import create_unknown_customers

                create_unknown_customers(actor=actor, batch=batch, channel=Channel.IMPORT)
            batches.analyze_staging(result.rows)
            batches.check(batch, actor=actor, rows=result.rows, several_orders_per_key=False)
            result.errors, result.error_count = _line_errors(batch, error_limit)
            failures = batches.failures(batch) if result.error_count else []
            if not failures or apply_valid_only:
                result.outcome = batches.apply_valid_orders(batch)
                result.applied = True
            result.outcome.failures = failures
        finally:
            # Rows the parallel parse committed are emptied after the commit by `discard_large` (a
            # TRUNCATE, mostly): deleting them here too cost 2.2 s at 10,000,000 lines. The apply's
            # dirty-customer marks are gone already (`refresh_dirty`), or rolled back with it.
            if not staged:
                batches.discard(batch)


def _line_errors(batch: str, limit: int) -> tuple[list[tuple[int, str, str]], int]:
    invalid = StagedLine.objects.filter(batch=batch).exclude(error="")
    rows = list(invalid.order_by("line").values_list("line", "error_field", "error")[:limit])
    # Fewer than the limit are all there are (a clean file: one scan, not two).
    count = len(rows) if len(rows) < limit else invalid.count()
    return [(int(line), f, m) for line, f, m in rows], count
