"""Shared SQL plumbing: the one COPY value encoder, fast row writers (COPY on PostgreSQL, batched INSERTs
elsewhere), planner statistics, small statement helpers and the JSON-friendly form of a row.

Every app that writes or reads set-based uses these instead of its own copy. Table names always come
from a model's `_meta.db_table`, never typed into the SQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from types import TracebackType
from typing import Any

from django.db import connection, models

# COPY text format: backslash, tab, newline and carriage return must be escaped in values.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

# Fresh statistics on a shared table only after a large write: ANALYZE inside a transaction keeps its
# lock until the commit, and another batch's ANALYZE of the same table waits for it, so two API calls
# would run one after the other. A small batch's statements plan well on the old statistics.
ANALYZE_FROM = 50_000


def _escape(text: str) -> str:
    # str.translate walks every character through a dict; four `in` scans are C loops, and most
    # values need no escaping at all.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_ESCAPES)
    return text


def copy_value(value: object) -> str:
    """One value in PostgreSQL's COPY text format (runs ~10 million times per 100k imported rows)."""
    if type(value) is str:  # the common case first: one type test, not an isinstance chain
        return _escape(value)
    if value is None:
        return "\\N"
    if type(value) is int or type(value) is Decimal:  # ids and amounts, next most common
        return str(value)
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, dict | list):
        return _escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def insert_value(value: object) -> object:
    """One value as a parameter of a plain INSERT (JSON columns take text)."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def db_value(value: object) -> object:
    """SQLite stores datetimes as naive UTC text: adapt as the ORM does (PostgreSQL takes them as is)."""
    if connection.vendor != "postgresql" and isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    return value


def execute(sql: str, params: Iterable[Any] = ()) -> int:
    """Run one statement on the default connection; return its row count."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return int(cursor.rowcount)


def write_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Append rows to a table: one COPY on PostgreSQL, one executemany elsewhere."""
    if not rows:
        return
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            data = "".join("\t".join(map(copy_value, row)) + "\n" for row in rows)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                copy.write(data)
        else:
            marks = ", ".join(["%s"] * len(columns))
            params: Any = [tuple(insert_value(v) for v in row) for row in rows]
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", params)


def copy_lines(table: str, columns: Sequence[str], lines: Sequence[str]) -> None:
    """Append rows already in COPY text format (values escaped with `copy_value`, tab-separated, each line
    ending in a newline) to a table: PostgreSQL only, for writers that format their rows faster than
    `write_rows` can (most cells of a ledger row are the same for every row)."""
    if not lines:
        return
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        copy.write("".join(lines))


class BackgroundCopy:
    """COPYs on this thread's PostgreSQL connection, run by a second thread, so PostgreSQL loads one chunk
    (parsing, indexes, foreign-key checks: the larger part of an import) while Python prepares the next.

    Rows are formatted here, in the caller's thread; `flush()` hands what was queued since the last flush
    to the writer thread, after the previous batch has finished, so batches run in order and at most one
    is in flight. Same connection, so same transaction: all-or-nothing is unchanged. Callers `wait()`
    before their own statements (psycopg's connection lock would serialise them anyway; waiting keeps
    the order of reads and writes the order of the code). Elsewhere (SQLite) every write runs at once.
    """

    def __init__(self) -> None:
        self.background = connection.vendor == "postgresql"
        self._queued: list[tuple[str, str]] = []
        self._pending: Future[None] | None = None
        self._executor: ThreadPoolExecutor | None = None

    def __enter__(self) -> BackgroundCopy:
        if self.background:
            connection.ensure_connection()
            self._raw = connection.connection
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-copy")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self.flush()
                self.wait()
            elif self._pending is not None:
                # Never leave a COPY running on the connection the caller is about to roll back.
                self._pending.exception()
                self._pending = None
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None

    def rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """`write_rows`, queued."""
        if not rows:
            return
        if not self.background:
            write_rows(table, columns, rows)
            return
        self._queue(table, columns, "".join("\t".join(map(copy_value, row)) + "\n" for row in rows))

    def lines(self, table: str, columns: Sequence[str], lines: Sequence[str]) -> None:
        """`copy_lines`, queued (PostgreSQL only, like `copy_lines`)."""
        if lines:
            self._queue(table, columns, "".join(lines))

    def _queue(self, table: str, columns: Sequence[str], data: str) -> None:
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        self._queued.append((f"COPY {table} ({names}) FROM STDIN", data))

    def flush(self) -> None:
        """Start the queued COPYs in the writer thread (after the previous batch)."""
        if not self._queued:
            return
        self.wait()
        batch, self._queued = self._queued, []
        assert self._executor is not None
        self._pending = self._executor.submit(self._copy, batch)

    def wait(self) -> None:
        """Until the batch in flight is written; its error, if any, is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _copy(self, batch: list[tuple[str, str]]) -> None:
        with self._raw.cursor() as cursor:
            for statement, data in batch:
                with cursor.copy(statement) as copy:
                    copy.write(data)


def set_checks_per_statement(tables: Sequence[str], *, on: bool) -> None:
    """PostgreSQL: check the deferred foreign keys of `tables` at the end of each statement (on) or at
    commit again (off). A bulk load into tables whose rows point at rows of the same transaction queues
    millions of deferred checks that then run one by one in the commit, while the client waits; checked
    per statement they run inside the background COPYs, in parallel with Python. Same checks, same
    all-or-nothing (a failing check fails the transaction either way)."""
    if connection.vendor != "postgresql" or not tables:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable AND condeferred "
            "AND conrelid = ANY(%s::regclass[]) ORDER BY conname", [list(tables)])
        names = [row[0] for row in cursor.fetchall()]
        if names:
            cursor.execute(f"SET CONSTRAINTS {', '.join(connection.ops.quote_name(n) for n in names)} "
                           f"{'IMMEDIATE' if on else 'DEFERRED'}")


def json_sql(column: str, path: tuple[str, ...], field: models.Field[Any, Any] | None = None) -> str:
    """SQL for the value at `path` of a JSON column, cast to the model field's column type."""
    if connection.vendor == "postgresql":
        head = "".join(f" -> '{p}'" for p in path[:-1])
        if isinstance(field, models.JSONField):
            return f"({column}{head} -> '{path[-1]}')"
        text = f"({column}{head} ->> '{path[-1]}')"
        if field is None:
            return text
        return f"CAST({text} AS {field.db_type(connection)})"
    return f"json_extract({column}, '$.{'.'.join(path)}')"


def analyze(table: str, columns: Sequence[str] = ()) -> None:
    """Fresh planner statistics for a table just filled, in this transaction (PostgreSQL): without them
    the next statement sees an 'empty' table and chooses nested loops over a hundred thousand rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"ANALYZE {table} ({names})" if columns else f"ANALYZE {table}")


def row_dict(row: models.Model) -> dict[str, Any]:
    """Every concrete field of a row, as JSON-friendly values (dates as ISO text, decimals as text)."""
    return {f.attname: plain_value(getattr(row, f.attname)) for f in row._meta.concrete_fields}


def plain_value(value: Any) -> Any:
    """A value as JSON can hold it: containers walked, dates as ISO text, anything else as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
