"""Read guard: what the list and search requests read, pinned without timing them (a test helper).

For one GET, `read_request` captures every query the request sends and asks the database how it
would run each SELECT, on the same connection with the same parameters:

- PostgreSQL: `EXPLAIN (FORMAT JSON)`. Each scan node (a node with a relation: Seq Scan, Index
  Scan, Index Only Scan, Bitmap Heap Scan …) is summarised as "<node type> on <table> using
  <index>", and the query gets an estimate of the rows it reads, the sum over its scan nodes of

      rows read = base × loops × fraction

  where base is the table's `reltuples` for a Seq Scan (it reads the whole table, whatever its
  filter keeps) and the node's Plan Rows for any other scan; loops is how often the node runs
  (times the outer side's Plan Rows on the inner side of a Nested Loop, unless a Materialize
  replays it; times the parent's rows for a SubPlan; a Memoize is not credited); fraction is the
  share of the node's output the plan consumes (below a Limit, Limit rows / the Limit's input rows;
  below a Sort, Hash, non-sorted Aggregate, Materialize, WindowAgg or a bitmap, all of it). So an
  index walk that stops after 51 of 10,000 rows reads 51, and sorting all 10,000 to keep 51 reads
  10,000. A scan's Filter is not seen (Plan Rows counts what it keeps): full scans are caught by
  the scan rule below instead. These are the planner's estimates, not measurements: no timing,
  nothing that depends on the machine.
- SQLite: `EXPLAIN QUERY PLAN`. Its SCAN and SEARCH lines (aliases resolved to tables), plus
  "USE TEMP B-TREE" sorts; SQLite gives no row estimates, so only the plan shapes and the count.

Statements that are not SELECTs (savepoints, the API token's last-used touch, session writes,
`capped_count`'s own EXPLAIN) are counted but not explained: they are bookkeeping by primary key or
transaction control, and an EXPLAIN of an EXPLAIN or of a savepoint does not exist.

`check_reads` compares measured requests with a baseline (guanxi/<app>/tests/read_guard.json,
one key per database vendor, since plans differ) and fails when, for a scenario,

- the number of queries differs (a query per row, or any new query),
- a query scans in full (PostgreSQL Seq Scan, SQLite `SCAN <table>` without an index or with an
  automatic index) a table of more than `FULL_SCAN_MIN_ROWS` rows that its baseline query did not,
- or a query's estimated rows read exceed `ROWS_FACTOR` × baseline + `ROWS_SLACK` (PostgreSQL).

    GUANXI_UPDATE_READ_GUARD=1 pytest guanxi/customers/tests/test_read_guard.py

rewrites the current vendor's part of the baseline from what was measured (run it once on SQLite
and once with GUANXI_DATABASE_URL pointing at PostgreSQL to refresh both). Test-only code:
production never imports it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.test.utils import CaptureQueriesContext

GUANXI_ROOT = Path(__file__).resolve().parent.parent
UPDATE_ENV = "GUANXI_UPDATE_READ_GUARD"

# A full scan of a table this small is no regression (users, departments, stores, custom fields).
FULL_SCAN_MIN_ROWS = 500
# Estimated rows read may grow to 3 × the baseline + 1,000 before the guard fails. At 10,000
# customers ANALYZE samples every row (its sample is 30,000 rows), so the estimates repeat from run
# to run (four fresh PostgreSQL databases wrote identical baselines); what can still move them is
# the data's dates (the demo is relative to the day it runs) and plans whose costs are close to a
# tie, which change an estimate by a fraction, not by thousands of rows. A query that starts to read
# the customer table instead of a 51-row index walk (10,000 > 3 × 51 + 1,000), or a rep's scope
# scanned in full, fails; the factor keeps the large baselines (sorting or counting every row) from
# failing on a few percent more demo orders.
ROWS_FACTOR = 3
ROWS_SLACK = 1_000

# Nodes that read all of their input before returning a row (an Aggregate unless it is "Sorted").
_BLOCKING = {"Sort", "Incremental Sort", "Hash", "Materialize", "SetOp", "WindowAgg", "BitmapAnd", "BitmapOr"}
_EXPLAINED = ("SELECT", "WITH")
_ALIAS = re.compile(r'"(\w+)"\s+(?:AS\s+)?"?([A-Z]\d+)"?(?=[\s),]|$)')
_SQLITE_LINE = re.compile(r"^(SCAN|SEARCH) ([\w|]+)(.*)$")
_SQLITE_INDEX = re.compile(r" USING (?:COVERING )?INDEX (\w+)")
_PG_FULL = re.compile(r"^(?:Parallel )?Seq Scan on (\w+)")
_FROM = re.compile(r'\bFROM\s+"(\w+)"', re.IGNORECASE)
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|[()]|\bFROM\b", re.IGNORECASE)


@dataclass(frozen=True)
class QueryRead:
    """One statement of a request: its verb, main table, scans and (PostgreSQL) rows read."""

    statement: str
    table: str = ""
    scans: tuple[str, ...] = ()
    rows: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"statement": self.statement}
        if self.table:
            data["from"] = self.table
        if self.rows is not None:
            data["rows"] = self.rows
        if self.statement in _EXPLAINED:
            data["scans"] = list(self.scans)
        return data


@dataclass(frozen=True)
class Reading:
    """What one GET read: every statement in the order sent."""

    url: str
    queries: list[QueryRead] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"queries": len(self.queries), "reads": [q.to_json() for q in self.queries]}


# --- capture and explain ----------------------------------------------------------------------


@contextmanager
def _recording(conn: BaseDatabaseWrapper) -> Iterator[list[tuple[str, Any, bool]]]:
    """Every (sql, params, many) the connection executes inside the block."""
    sent: list[tuple[str, Any, bool]] = []

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((sql, params, many))
        return execute(sql, params, many, context)

    with conn.execute_wrapper(wrapper):
        yield sent


def read_request(client: Client, url: str, **headers: str) -> Reading:
    """GET `url` (it must answer 200), then explain each SELECT it sent."""
    with CaptureQueriesContext(connection) as captured, _recording(connection) as sent:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    assert len(sent) == len(captured.captured_queries), "the recorder missed statements"
    return Reading(url=url, queries=[explain(connection, sql, params, many) for sql, params, many in sent])


def _verb(sql: str) -> str:
    return sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""


def main_table(sql: str) -> str:
    """The first table named after a FROM outside parentheses (the select list's subqueries are
    skipped), else the first named anywhere (a count over a derived table); "" when there is none."""
    depth = 0
    for token in _TOKENS.finditer(sql):
        text = token.group(0)
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif depth == 0 and text.upper() == "FROM":
            found = _FROM.match(sql, token.start())
            if found:
                return found.group(1)
            break
    anywhere = _FROM.search(sql)
    return anywhere.group(1) if anywhere else ""


def explain(conn: BaseDatabaseWrapper, sql: str, params: Any, many: bool = False) -> QueryRead:
    verb = _verb(sql)
    table = main_table(sql)
    if many or verb not in _EXPLAINED:
        return QueryRead(statement=verb, table=table)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            return pg_read(verb, table, plan[0]["Plan"], lambda name: table_rows(conn, name))
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        lines = [str(row[-1]) for row in cursor.fetchall()]
    return sqlite_read(verb, table, sql, lines, _index_tables(conn))


_sizes: dict[tuple[str, str], int] = {}


def table_rows(conn: BaseDatabaseWrapper, table: str) -> int:
    """Rows in a table: the planner's `reltuples` on PostgreSQL, an exact count elsewhere (cached
    for the test run: the guard reads tables loaded once per module)."""
    key = (conn.settings_dict["NAME"], table)
    if key not in _sizes:
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
                _sizes[key] = max(int(cursor.fetchone()[0]), 0)
            else:
                cursor.execute(f"SELECT COUNT(*) FROM {conn.ops.quote_name(table)}")
                _sizes[key] = int(cursor.fetchone()[0])
    return _sizes[key]


_tables: dict[str, set[str]] = {}
_indexes: dict[str, dict[str, str]] = {}


def table_names(conn: BaseDatabaseWrapper) -> set[str]:
    """The database's tables (not the aliases of derived tables, which SQLite's plans name too)."""
    name = conn.settings_dict["NAME"]
    if name not in _tables:
        _tables[name] = set(conn.introspection.table_names())
    return _tables[name]


def forget_table_sizes() -> None:
    """For a module that loaded new rows: sizes are measured again."""
    _sizes.clear()
    _tables.clear()
    _indexes.clear()


def pg_read(verb: str, table: str, plan: dict[str, Any], size: Callable[[str], int]) -> QueryRead:
    """A PostgreSQL plan (the "Plan" of EXPLAIN's JSON) summarised; `size(table)` gives a table's
    rows (what a Seq Scan reads)."""
    scans: list[str] = []
    total = 0.0

    def walk(node: dict[str, Any], loops: float, fraction: float) -> None:
        nonlocal total
        kind = node["Node Type"]
        rows = float(node.get("Plan Rows", 0))
        children: list[dict[str, Any]] = node.get("Plans", [])
        relation = node.get("Relation Name")
        if relation:
            indexes = [node["Index Name"]] if "Index Name" in node else _bitmap_indexes(node)
            parallel = "Parallel " if node.get("Parallel Aware") else ""
            scans.append(f"{parallel}{kind} on {relation}" + (f" using {', '.join(indexes)}" if indexes else ""))
            base = float(size(relation)) if kind == "Seq Scan" else rows
            share = 1.0 if kind == "Bitmap Heap Scan" else fraction
            total += base * loops * share
        if kind == "Limit" and children:
            below = float(children[0].get("Plan Rows", 0)) or 1.0
            child_fraction = min(1.0, rows * fraction / below)
        elif kind in _BLOCKING or (kind == "Aggregate" and node.get("Strategy") != "Sorted"):
            child_fraction = 1.0
        else:
            child_fraction = fraction
        outer_rows = 1.0
        for child in children:
            relationship = child.get("Parent Relationship", "")
            if relationship == "InitPlan":
                walk(child, loops, 1.0)
            elif relationship == "SubPlan":
                walk(child, loops * max(1.0, rows * fraction), 1.0)
            elif relationship == "Inner" and kind == "Nested Loop":
                # A Materialize reads its input once per run of the loop and replays it from memory.
                again = 1.0 if child["Node Type"] == "Materialize" else max(1.0, outer_rows)
                walk(child, loops * again, 1.0)
            elif relationship == "Inner" and kind == "Hash Join":
                walk(child, loops, 1.0)
            else:
                walk(child, loops, child_fraction)
                if relationship == "Outer":
                    outer_rows = float(child.get("Plan Rows", 0)) * child_fraction
    walk(plan, 1.0, 1.0)
    return QueryRead(statement=verb, table=table, scans=tuple(scans), rows=round(total))


def _bitmap_indexes(node: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for child in node.get("Plans", []):
        if child["Node Type"] == "Bitmap Index Scan":
            found.append(child["Index Name"])
        elif child["Node Type"] in ("BitmapAnd", "BitmapOr"):
            found += _bitmap_indexes(child)
    return found


def sqlite_read(verb: str, table: str, sql: str, lines: list[str], index_tables: Mapping[str, str]) -> QueryRead:
    """SQLite's plan lines name a subquery's table by its alias (U0, T7 …), and Django reuses U0 in
    every subquery. Each aliased table of the SQL is one plan line: a line is resolved by the index
    it uses, else by the only table its alias still stands for once the other lines took theirs,
    else it is written as the candidates ("a|b"), each counted as read in full by a plain SCAN."""
    occurrences: dict[str, list[str]] = {}
    for name, alias in _ALIAS.findall(sql):
        occurrences.setdefault(alias, []).append(name)
    parsed: list[tuple[str, str, str] | str] = []
    for line in lines:
        match = _SQLITE_LINE.match(line)
        if line.startswith("USE TEMP B-TREE"):
            parsed.append(line)
        elif match is not None and match.group(2) != "CONSTANT":
            parsed.append((match.group(1), match.group(2), match.group(3)))
        # else: subquery and co-routine headers, SCAN (subquery-n), SCAN CONSTANT ROW
    resolved: dict[int, str] = {}
    for position, item in enumerate(parsed):
        if isinstance(item, tuple) and item[1] in occurrences:
            index = _SQLITE_INDEX.search(item[2])
            candidates = set(occurrences[item[1]])
            owner = index_tables.get(index.group(1)) if index else None
            if len(candidates) == 1 or owner in candidates:
                resolved[position] = owner if owner in candidates else occurrences[item[1]][0]
                occurrences[item[1]].remove(resolved[position])
    scans: list[str] = []
    for position, item in enumerate(parsed):
        if isinstance(item, str):
            scans.append(item)
            continue
        how, name, rest = item
        left = sorted(set(occurrences.get(name, [])))
        found = resolved.get(position) or ("|".join(left) if name in occurrences and left else name)
        scans.append(f"{how} {found}{rest}")
    return QueryRead(statement=verb, table=table, scans=tuple(scans))


def _index_tables(conn: BaseDatabaseWrapper) -> dict[str, str]:
    """SQLite: index name → its table."""
    name = conn.settings_dict["NAME"]
    if name not in _indexes:
        with conn.cursor() as cursor:
            cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")
            _indexes[name] = dict(cursor.fetchall())
    return _indexes[name]


# --- baseline and check -----------------------------------------------------------------------


def baseline_path(app: str) -> Path:
    return GUANXI_ROOT / app / "tests" / "read_guard.json"


def load_baseline(app: str) -> dict[str, Any]:
    path = baseline_path(app)
    return json.loads(path.read_text()) if path.exists() else {}


def full_scan_tables(scans: Iterable[str]) -> list[str]:
    """What a list of scan summaries reads in full: PostgreSQL's Seq Scans; SQLite's SCAN without an
    index and any automatic index (built from a full scan for the one statement). Derived tables
    ("SCAN subquery") are named too: `check_reads` keeps only real tables."""
    tables: list[str] = []
    for scan in scans:
        pg = _PG_FULL.match(scan)
        lite = _SQLITE_LINE.match(scan)
        if pg:
            tables.append(pg.group(1))
        elif lite and ((lite.group(1) == "SCAN" and " USING " not in lite.group(3)) or "AUTOMATIC" in scan):
            tables += lite.group(2).split("|")
    return list(dict.fromkeys(tables))


def _short(query: QueryRead, index: int) -> str:
    return f"query {index + 1} ({query.statement} … FROM {query.table or '?'})"


def check_reads(
    conn: BaseDatabaseWrapper, measured: Mapping[str, Reading], baseline: Mapping[str, Any]
) -> list[str]:
    """The problems of each measured scenario against the vendor's baseline (empty: all pinned)."""
    problems: list[str] = []
    for name, reading in measured.items():
        pinned = baseline.get(name)
        if pinned is None:
            problems.append(f"{name}: not in the baseline (run with {UPDATE_ENV}=1 to add it)")
            continue
        if len(reading.queries) != pinned["queries"]:
            problems.append(f"{name}: {len(reading.queries)} queries, the baseline says {pinned['queries']} "
                            f"(a query per row? a new query?) — GET {reading.url}")
            continue
        for index, (query, entry) in enumerate(zip(reading.queries, pinned["reads"], strict=True)):
            known = full_scan_tables(entry.get("scans", []))
            new_full = [t for t in full_scan_tables(query.scans) if t not in known and t in table_names(conn)
                        and table_rows(conn, t) > FULL_SCAN_MIN_ROWS]
            for table in new_full:
                problems.append(f"{name}: {_short(query, index)} now scans {table} in full "
                                f"({table_rows(conn, table):,} rows), the baseline does not: "
                                f"{'; '.join(query.scans)}")
            before = entry.get("rows")
            if query.rows is not None and before is not None and query.rows > ROWS_FACTOR * before + ROWS_SLACK:
                problems.append(f"{name}: {_short(query, index)} reads an estimated {query.rows:,} rows, the "
                                f"baseline {before:,} (allowed up to {ROWS_FACTOR} × {before:,} + {ROWS_SLACK:,}): "
                                f"{'; '.join(query.scans)}")
    return problems


def dump_baseline(baseline: Mapping[str, Mapping[str, Any]]) -> str:
    """JSON with one line per query, so that a regenerated baseline diffs query by query."""
    def line(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    vendors = []
    for vendor, scenarios in sorted(baseline.items()):
        entries = []
        for name, pinned in sorted(scenarios.items()):
            reads = ",\n".join(f"   {line(read)}" for read in pinned["reads"])
            entries.append(f'  {line(name)}: {{"queries": {pinned["queries"]}, "reads": [\n{reads}\n  ]}}')
        vendors.append(f" {line(vendor)}: {{\n" + ",\n".join(entries) + "\n }")
    return "{\n" + ",\n".join(vendors) + "\n}\n"


def assert_reads(app: str, measured: Mapping[str, Reading], *, complete: bool = True) -> None:
    """Every measured scenario against guanxi/<app>/tests/read_guard.json for this database vendor;
    with GUANXI_UPDATE_READ_GUARD set, rewrite the vendor's part from the measurement instead.
    `complete`: the measurement covers every scenario, so baseline entries it lacks are stale."""
    baseline = load_baseline(app)
    vendor = connection.vendor
    if os.environ.get(UPDATE_ENV):
        baseline[vendor] = {name: reading.to_json() for name, reading in sorted(measured.items())}
        baseline_path(app).write_text(dump_baseline(baseline))
        return
    pinned = baseline.get(vendor, {})
    problems = check_reads(connection, measured, pinned)
    if complete:
        problems += [f"{name}: in the baseline but no longer measured (run with {UPDATE_ENV}=1)"
                     for name in pinned if name not in measured]
    assert not problems, (f"Reads changed ({vendor}; if intended, run with {UPDATE_ENV}=1):\n"
                          + "\n".join(problems))
